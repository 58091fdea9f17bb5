// Unit tests of the counting states' stored values (aggregate_binary.cc):
// the bytes of proto/storage.md "Counting states", a round trip of every
// field at its extremes, the JSON of older stores read and written back in
// binary, and every truncation or corruption refused.
#include <gtest/gtest.h>

#include <limits>

#include "common/event/aggregate.h"
#include "common/event/aggregator.h"

namespace trace {
namespace {

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

std::string Hex(std::string_view bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    if (!out.empty()) out.push_back(' ');
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

// The examples of proto/storage.md "Counting states".
constexpr const char* kToolCallJson =
    R"({"tool":"Bash","session_id":"s1","task_id":null,"start_ts":1000,"end_ts":1500,)"
    R"("status":"ok","counted":true,"duration_ms":500,"duration_measured":true,"sources":15})";
constexpr const char* kMessageJson =
    R"({"session_id":"s1","model":"claude-opus-4-6","tier":"standard","day":"2026-02-12",)"
    R"("ts":1770912149111,"main_thread":true,"input_tokens":3,"output_tokens":9,)"
    R"("cache_creation_input_tokens":15005,"cache_creation_5m_input_tokens":15005,)"
    R"("cache_creation_1h_input_tokens":0,"cache_read_input_tokens":11442,"messages":0})";

ToolCall RichCall() {
  ToolCall c;
  c.tool = "mcp__github__create_pull_request";
  c.session_id = "1e0edcc1-2069-47ce-a454-6c04d9ff7cf6";
  c.task_id = "a1b2c3";
  c.start_ts = 1770914656644;
  c.end_ts = 1770914659147;
  c.ended = c.error = c.counted = c.has_duration = c.duration_measured = c.duration_otel = true;
  c.duration_ms = 3709;
  c.sources = 31;
  return c;
}

MessageUsage RichMessage() {
  MessageUsage m;
  m.session_id = "41d51c77-3e6f-43e1-b7c8-aabd2e11cae4";
  m.model = "claude-opus-4-6";
  m.tier = "long-fast";
  m.day = "2026-02-12";
  m.ts = 1770915456370;
  m.main_thread = m.otel_only = true;
  m.counts = {3, 332, 15005, 11442, 0, 14000, 1005};
  m.reported_cost_nanos = 123456789;
  return m;
}

template <typename T>
T RoundTrip(const T& v) {
  std::string bytes = v.Encode();
  EXPECT_EQ(bytes[0], '\x01');
  auto back = T::Decode(bytes);
  EXPECT_TRUE(back.ok()) << back.status().message() << " in " << Hex(bytes);
  return back.ok() ? *back : T{};
}

TEST(CountingStateValue, ToolCallBytesAreTheDocumentedOnes) {
  auto c = ToolCall::FromJson(kToolCallJson);
  ASSERT_TRUE(c.ok());
  // flags ended|counted|has_duration|measured|start|end, "Bash", "s1", no
  // task, start 1000, end +500, duration 500, sources 15.
  EXPECT_EQ(Hex(c->Encode()), "01 dd 04 42 61 73 68 02 73 31 00 d0 0f e8 07 e8 07 0f");
  EXPECT_EQ(RoundTrip(*c).ToJson(), kToolCallJson);
}

TEST(CountingStateValue, MessageBytesAreTheDocumentedOnes) {
  auto m = MessageUsage::FromJson(kMessageJson);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(Hex(m->Encode()),
            "01 03 02 73 31 0f 63 6c 61 75 64 65 2d 6f 70 75 73 2d 34 2d 36 08 73 74 61 6e 64 61 "
            "72 64 0a 32 30 32 36 2d 30 32 2d 31 32 ee b9 b7 a9 8a 67 03 09 9d 75 9d 75 00 b2 59 "
            "00");
  EXPECT_EQ(RoundTrip(*m).ToJson(), kMessageJson);
}

TEST(CountingStateValue, ToolCallRoundTripsEveryFlagAndExtreme) {
  for (int bits = 0; bits < 64; ++bits) {
    ToolCall c = RichCall();
    c.ended = bits & 1;
    c.error = bits & 2;
    c.counted = bits & 4;
    c.has_duration = bits & 8;
    c.duration_measured = bits & 16;
    c.duration_otel = bits & 32;
    if (!c.has_duration) c.duration_ms = 0;  // what an absent duration reads as
    EXPECT_EQ(RoundTrip(c), c) << bits;
  }
  for (auto [start, end] : {std::pair<int64_t, int64_t>{0, 0},
                            {0, 1500},
                            {1000, 0},
                            {kMin, kMax},
                            {kMax, kMin},
                            {-5, -1770914656644},
                            {kMax, 1}}) {
    ToolCall c = RichCall();
    c.start_ts = start;
    c.end_ts = end;
    EXPECT_EQ(RoundTrip(c), c) << start << " " << end;
  }
  ToolCall c = RichCall();
  c.tool = c.session_id = c.task_id = "";
  c.duration_ms = kMin;
  c.sources = std::numeric_limits<unsigned>::max();
  EXPECT_EQ(RoundTrip(c), c);
  c.tool = std::string(100000, 'T');
  c.task_id = std::string(1, '\0') + "\xff\x01{";  // bytes, not text
  c.duration_ms = kMax;
  EXPECT_EQ(RoundTrip(c), c);
  EXPECT_EQ(RoundTrip(ToolCall{}), ToolCall{});
}

TEST(CountingStateValue, MessageRoundTripsEveryOptionalAndExtreme) {
  for (int bits = 0; bits < 16; ++bits) {
    MessageUsage m = RichMessage();
    if (bits & 1) m.ts.reset();
    m.main_thread = bits & 2;
    m.otel_only = bits & 4;
    if (bits & 8) m.reported_cost_nanos.reset();
    EXPECT_EQ(RoundTrip(m), m) << bits;
  }
  for (int64_t t : {kMin, int64_t{-1}, int64_t{0}, kMax}) {
    MessageUsage m = RichMessage();
    m.ts = t;
    m.reported_cost_nanos = t;
    EXPECT_EQ(RoundTrip(m), m) << t;
  }
  MessageUsage m = RichMessage();
  const uint64_t big = std::numeric_limits<uint64_t>::max();
  m.counts = {big, big, big, big, big, big, big};
  m.session_id = m.tier = m.day = "";
  m.model = std::string(70000, 'm');
  EXPECT_EQ(RoundTrip(m), m);
  EXPECT_EQ(RoundTrip(MessageUsage{}), MessageUsage{});
}

// A store written before the binary values holds JSON: it reads as before.
TEST(CountingStateValue, LegacyJsonDecodes) {
  auto c = ToolCall::Decode(kToolCallJson);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->tool, "Bash");
  EXPECT_EQ(c->end_ts, 1500);
  EXPECT_TRUE(c->ended && c->counted && c->duration_measured && !c->error);
  EXPECT_EQ(c->sources, 15u);
  auto m = MessageUsage::Decode(kMessageJson);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->ts, 1770912149111);
  EXPECT_EQ(m->counts.cache_read, 11442u);
  EXPECT_FALSE(m->reported_cost_nanos.has_value());
  auto otel = MessageUsage::Decode(
      R"({"session_id":"s1","model":"m","tier":"standard","day":"2026-02-12","main_thread":false,)"
      R"("input_tokens":1,"otel_only":true,"reported_cost_nanos":-7})");
  ASSERT_TRUE(otel.ok());
  EXPECT_TRUE(otel->otel_only);
  EXPECT_FALSE(otel->ts.has_value());
  EXPECT_EQ(otel->reported_cost_nanos, -7);
  EXPECT_FALSE(ToolCall::Decode(R"({"tool":)").ok());
  EXPECT_FALSE(MessageUsage::Decode("[1]").ok());
}

// An entry loaded as JSON and updated is written back binary, all else kept.
TEST(CountingStateValue, LegacyJsonIsRewrittenInBinaryWhenUpdated) {
  const std::string open_call =
      R"({"tool":"Bash","session_id":"s1","task_id":null,"start_ts":1000,"end_ts":0,)"
      R"("status":"open","counted":true,"duration_ms":null,"duration_measured":false,"sources":1})";
  AggregateState s([&](AggTable t, std::string_view key) -> Result<std::optional<std::string>> {
    if (t == AggTable::kToolCalls && key == "toolu_1") return std::optional<std::string>(open_call);
    if (t == AggTable::kMessages && key == "req:r1")
      return std::optional<std::string>(kMessageJson);
    return std::optional<std::string>();
  });
  EventKeys keys;
  keys.span_id = "post";
  keys.kind = "hook";
  keys.event_type = "PostToolUse";
  keys.session_id = "s1";
  keys.timestamp_ms = 1500;
  EventFacts f(keys);
  f.tools.push_back({"toolu_1", "Bash", false, false, 480, kSrcHookPost});
  UsageFact u;
  u.message_key = "req:r1";
  u.model = "claude-opus-4-6";
  u.counts = {3, 40, 15005, 11442, 0, 15005, 0};  // the output grew
  f.usage = u;
  ASSERT_TRUE(s.Apply(f).ok());
  std::map<AggTable, std::string> written;
  s.ForEachDirty([&](AggTable t, const std::string& key, const std::string& value) {
    if (key == "toolu_1" || key == "req:r1") written[t] = value;
  });
  ASSERT_EQ(written.size(), 2u);
  ASSERT_EQ(written[AggTable::kToolCalls][0], '\x01');
  auto c = ToolCall::Decode(written[AggTable::kToolCalls]);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(
      c->ToJson(),
      R"({"tool":"Bash","session_id":"s1","task_id":null,"start_ts":1000,"end_ts":1500,)"
      R"("status":"ok","counted":true,"duration_ms":480,"duration_measured":true,"sources":3})");
  ASSERT_EQ(written[AggTable::kMessages][0], '\x01');
  auto m = MessageUsage::Decode(written[AggTable::kMessages]);
  ASSERT_TRUE(m.ok());
  auto want = *MessageUsage::FromJson(kMessageJson);
  want.counts.output = 40;
  EXPECT_EQ(*m, want);
}

template <typename T>
void ExpectEveryCutAndCorruptionRefused(const std::string& good) {
  ASSERT_TRUE(T::Decode(good).ok());
  for (size_t n = 0; n < good.size(); ++n)
    EXPECT_FALSE(T::Decode(good.substr(0, n)).ok()) << "cut at " << n << " of " << Hex(good);
  EXPECT_FALSE(T::Decode(good + '\0').ok()) << "a byte left over";
  std::string tag = good;
  for (char t : {'\0', '\x02', '\x7f', '['}) {
    tag[0] = t;
    EXPECT_FALSE(T::Decode(tag).ok()) << "tag " << int(t);
  }
  // Any byte changed to anything: an error or some value, never a crash
  // (the sanitizer builds catch a read past the end).
  for (size_t i = 1; i < good.size(); ++i) {
    for (int b = 0; b < 256; b += 17) {
      std::string bad = good;
      bad[i] = static_cast<char>(b);
      (void)T::Decode(bad);
    }
  }
}

TEST(CountingStateValue, TruncatedOrCorruptValuesAreRefused) {
  ExpectEveryCutAndCorruptionRefused<ToolCall>(RichCall().Encode());
  ExpectEveryCutAndCorruptionRefused<MessageUsage>(RichMessage().Encode());
  MessageUsage bare;  // no ts, no cost: the cuts land on other fields
  ExpectEveryCutAndCorruptionRefused<MessageUsage>(bare.Encode());
  EXPECT_FALSE(ToolCall::Decode("").ok());
  EXPECT_FALSE(MessageUsage::Decode("").ok());

  std::string call = RichCall().Encode();
  EXPECT_EQ(ToolCall::Decode(call.substr(0, 3)).status().message(), "corrupt tool call value");
  std::string unknown_flag = MessageUsage{}.Encode();
  unknown_flag[1] = '\x10';
  EXPECT_FALSE(MessageUsage::Decode(unknown_flag).ok());
  // A string longer than the value, and sources past 32 bits.
  EXPECT_FALSE(ToolCall::Decode(std::string("\x01\x00\x7f", 3) + "abc").ok());
  std::string wide = std::string("\x01\x00\x00\x00\x00", 5) + "\x80\x80\x80\x80\x10";
  EXPECT_FALSE(ToolCall::Decode(wide).ok());
  wide.back() = '\x0f';  // below 2^32: fits
  EXPECT_TRUE(ToolCall::Decode(wide).ok());
  // A time flagged present but 0 reads as "not seen": not what was written.
  EXPECT_FALSE(ToolCall::Decode(std::string("\x01\x40\x00\x00\x00\x00\x00", 7)).ok());
}

TEST(CountingStateValue, AggValueJsonShowsEveryTableAsJson) {
  auto c = AggValueJson(AggTable::kToolCalls, ToolCall::FromJson(kToolCallJson)->Encode());
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(*c, kToolCallJson);
  auto legacy = AggValueJson(AggTable::kMessages, kMessageJson);
  ASSERT_TRUE(legacy.ok());
  EXPECT_EQ(*legacy, kMessageJson);
  auto session = AggValueJson(AggTable::kSessions, R"({"session_id":"s1"})");
  ASSERT_TRUE(session.ok());
  EXPECT_EQ(*session, R"({"session_id":"s1"})");
  EXPECT_FALSE(AggValueJson(AggTable::kMessages, "\x01").ok());
}

}  // namespace
}  // namespace trace
