// The batch encoder: the values of a batch hold its events in seq order, each
// keyed by the last seq it holds, whichever thread encoded it, with and
// without helpers and a dictionary; a large event is a value of its own.
#include "common/index/batch_encoder.h"

#include <gtest/gtest.h>

namespace trace {
namespace {

void Fill(PreparedBatch* batch, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    size_t filler = i % 97 == 5 ? kBlockTargetBytes + i : i % 300;  // now and then a large one
    std::string json = R"({"span_id":"s)" + std::to_string(i) + R"(","tool_output":")" +
                       std::string(filler, 'a' + i % 26) + R"(","seq":)" + std::to_string(i + 1) +
                       "}";
    PreparedEvent e;
    e.seq = i + 1;
    e.json = batch->text.Add(json);
    batch->events.push_back(e);
  }
}

TEST(BatchEncoder, ValuesHoldEveryEventInOrderWithAnyNumberOfHelpers) {
  EventDictionary dict{3, std::string(R"({"span_id":"s","tool_output":"aaaa","seq":})")};
  for (unsigned helpers : {0u, 1u, 3u}) {
    BatchEncoder encoder(helpers);
    ASSERT_TRUE(encoder.SetDictionary(dict).ok());
    EventDecoder decoder;
    auto load = [&](uint32_t) -> Result<std::optional<std::string>> {
      return std::optional<std::string>(dict.bytes);
    };
    for (size_t n : {0u, 1u, 31u, 1000u, 3000u}) {
      PreparedBatch batch;
      Fill(&batch, n);
      ASSERT_TRUE(encoder.Encode(&batch).ok());
      size_t next = 0, large = 0;
      DecodedEvents back;
      for (const PreparedValue& v : batch.values) {
        ASSERT_EQ(ValueDictionaryId(v.value).value(), 3u);
        ASSERT_TRUE(decoder.DecodeEvents(v.value, load, &back).ok());
        ASSERT_EQ(ValueEventCount(v.value).value(), back.size());
        ASSERT_LE(back.size(), kBlockMaxEvents);
        for (size_t i = 0; i < back.size(); ++i) {
          const PreparedEvent& e = batch.events.at(next++);
          ASSERT_EQ(back.at(i), e.json) << helpers << " helpers, " << n << " events";
          if (e.json.size() >= kBlockTargetBytes) {
            EXPECT_EQ(back.size(), 1u) << "a large event is a value of its own";
            ++large;
          }
        }
        ASSERT_EQ(v.key_seq, batch.events[next - 1].seq) << "keyed by its last seq";
      }
      EXPECT_EQ(next, n);
      EXPECT_EQ(large, n / 97 + (n % 97 > 5 ? 1 : 0));
      if (n >= 1000) EXPECT_LT(batch.values.size(), n / 40) << "events share values";
    }
  }
}

}  // namespace
}  // namespace trace
