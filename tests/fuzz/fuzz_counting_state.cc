// Fuzzes the decoders of the counting states' stored values (`tool_calls`,
// `messages`; common/event/aggregate.h), what a damaged disk or a hostile
// store file hands the writer and --verify. Every input goes to both.
// Invariants: no crash or read past the input; a value that decodes (binary
// or the older JSON) encodes to binary that decodes to the same state, and
// again to the same bytes; a binary value re-encodes no longer than it was.
#include <string>
#include <string_view>

#include "common/event/aggregate.h"
#include "common/event/aggregator.h"
#include "tests/fuzz/fuzz_target.h"

namespace {

template <typename T>
void Check(std::string_view value, trace::AggTable table) {
  auto decoded = T::Decode(value);
  FUZZ_CHECK(decoded.ok() == trace::AggValueJson(table, value).ok());
  if (!decoded.ok()) return;
  std::string bytes = decoded->Encode();
  FUZZ_CHECK(!bytes.empty() && bytes[0] == '\x01');
  if (value[0] == '\x01') FUZZ_CHECK(bytes.size() <= value.size());
  auto back = T::Decode(bytes);
  FUZZ_CHECK(back.ok() && *back == *decoded);
  FUZZ_CHECK(back->Encode() == bytes);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view value(reinterpret_cast<const char*>(data), size);
  Check<trace::ToolCall>(value, trace::AggTable::kToolCalls);
  Check<trace::MessageUsage>(value, trace::AggTable::kMessages);
  return 0;
}
