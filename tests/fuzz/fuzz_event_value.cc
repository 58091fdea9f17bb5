// Fuzzes the decoder of `events` values (common/store/event_codec.h), what
// a damaged disk or a hostile store file hands every reader. Invariants: no
// crash and no allocation beyond what a value may hold; a value that
// decodes holds as many events as its header says, and they encode back
// into a value that decodes to the same events.
#include <string>
#include <string_view>

#include "common/store/event_codec.h"
#include "tests/fuzz/fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view value(reinterpret_cast<const char*>(data), size);
  // Dictionary 1 is raw content; any other id is not in the "store".
  auto load = [](uint32_t id) -> trace::Result<std::optional<std::string>> {
    if (id != 1) return std::optional<std::string>();
    return std::optional<std::string>(R"({"span_id":"","kind":"transcript","seq":})");
  };
  static trace::EventDecoder decoder;
  trace::DecodedEvents events;
  if (!decoder.DecodeEvents(value, load, &events).ok()) {
    FUZZ_CHECK(events.size() == 0 && events.json.empty());
    return 0;
  }
  auto count = trace::ValueEventCount(value);
  FUZZ_CHECK(count.ok() && *count == events.size());
  FUZZ_CHECK(events.size() >= 1 && events.size() <= trace::kBlockMaxEvents);
  FUZZ_CHECK(events.ends.back() == events.json.size());
  std::vector<std::string_view> each;
  for (size_t i = 0; i < events.size(); ++i) each.push_back(events.at(i));
  static trace::EventEncoder encoder;
  std::string again;
  FUZZ_CHECK(encoder.EncodeBlock(each, &again).ok());
  trace::DecodedEvents back;
  FUZZ_CHECK(decoder.DecodeEvents(again, load, &back).ok());
  FUZZ_CHECK(back.json == events.json && back.ends == events.ends);
  return 0;
}
