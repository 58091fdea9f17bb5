// The batch encoder: every event of a batch gets the value of its JSON,
// whichever thread encoded it, with and without helpers and a dictionary.
#include "common/index/batch_encoder.h"

#include <gtest/gtest.h>

namespace trace {
namespace {

void Fill(PreparedBatch* batch, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    std::string json = R"({"span_id":"s)" + std::to_string(i) + R"(","tool_output":")" +
                       std::string(i % 300, 'a' + i % 26) + R"(","seq":)" + std::to_string(i + 1) +
                       "}";
    PreparedEvent e;
    e.seq = i + 1;
    e.json = batch->text.Add(json);
    batch->events.push_back(e);
  }
}

TEST(BatchEncoder, EveryEventGetsItsValueWithAnyNumberOfHelpers) {
  EventDictionary dict{3, std::string(R"({"span_id":"s","tool_output":"aaaa","seq":})")};
  for (unsigned helpers : {0u, 1u, 3u}) {
    BatchEncoder encoder(helpers);
    ASSERT_TRUE(encoder.SetDictionary(dict).ok());
    EventDecoder decoder;
    auto load = [&](uint32_t) -> Result<std::optional<std::string>> {
      return std::optional<std::string>(dict.bytes);
    };
    for (size_t n : {0u, 1u, 31u, 1000u}) {  // below and above one chunk
      PreparedBatch batch;
      Fill(&batch, n);
      ASSERT_TRUE(encoder.Encode(&batch).ok());
      std::string back;
      for (const PreparedEvent& e : batch.events) {
        ASSERT_EQ(ValueDictionaryId(e.value).value(), 3u);
        ASSERT_TRUE(decoder.Decode(e.value, load, &back).ok());
        ASSERT_EQ(back, e.json) << helpers << " helpers, " << n << " events";
      }
    }
  }
}

}  // namespace
}  // namespace trace
