// The events value encoding: the golden value and block of proto/storage.md
// decode to their events, every golden and corpus event round-trips byte for
// byte alone and in blocks, with and without a trained dictionary, and
// damaged values are errors.
#include "common/store/event_codec.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace trace {
namespace {

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string FromHex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

const std::filesystem::path kRoot = TRACE_SOURCE_DIR;

// Every line of the golden outputs (normalized events) and of the corpus
// transcripts (original records): what real values hold.
std::vector<std::string> RealLines() {
  std::vector<std::string> lines;
  for (const auto& dir : {kRoot / "proto/golden", kRoot / "tests/fixtures/corpus"}) {
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
      std::string name = e.path().filename().string();
      if (!name.ends_with(".out.jsonl") &&
          !(dir.filename() == "corpus" && name.ends_with(".jsonl")))
        continue;
      std::istringstream in(ReadFile(e.path()));
      for (std::string line; std::getline(in, line);) lines.push_back(line);
    }
  }
  return lines;
}

EventDecoder::DictionaryLoader LoaderOf(const EventDictionary& dict) {
  return [dict](uint32_t id) -> Result<std::optional<std::string>> {
    if (id != dict.id) return std::optional<std::string>();
    return std::optional<std::string>(dict.bytes);
  };
}

TEST(EventCodec, GoldenValueDecodes) {
  std::filesystem::path dir = kRoot / "proto/golden/storage";
  EventDictionary dict{1, ReadFile(dir / "dict-1.txt")};
  std::string value = FromHex(ReadFile(dir / "value-1.hex"));
  ASSERT_EQ(ValueDictionaryId(value).value(), 1u);
  EventDecoder decoder;
  std::string json;
  ASSERT_TRUE(decoder.Decode(value, LoaderOf(dict), &json).ok());
  EXPECT_EQ(json, ReadFile(dir / "event.json"));
}

TEST(EventCodec, GoldenBlockDecodes) {
  std::filesystem::path dir = kRoot / "proto/golden/storage";
  EventDictionary dict{1, ReadFile(dir / "dict-1.txt")};
  std::string value = FromHex(ReadFile(dir / "block-1.hex"));
  ASSERT_EQ(ValueDictionaryId(value).value(), 1u);
  ASSERT_EQ(ValueEventCount(value).value(), 3u);
  EventDecoder decoder;
  DecodedEvents events;
  ASSERT_TRUE(decoder.DecodeEvents(value, LoaderOf(dict), &events).ok());
  std::istringstream want(ReadFile(dir / "block-events.jsonl"));
  size_t i = 0;
  for (std::string line; std::getline(want, line); ++i) {
    ASSERT_LT(i, events.size());
    EXPECT_EQ(events.at(i), line) << i;
  }
  EXPECT_EQ(i, 3u);
  EXPECT_EQ(events.at(0), ReadFile(dir / "event.json"));
  std::string one;
  EXPECT_FALSE(decoder.Decode(value, LoaderOf(dict), &one).ok()) << "a block is not one event";
}

TEST(EventCodec, BlocksRoundTripAndTakeLessThanValuesOfOne) {
  std::vector<std::string> lines = RealLines();
  std::vector<std::string_view> samples;
  for (int copy = 0; copy < 8; ++copy)
    for (const std::string& l : lines) samples.push_back(l);
  auto trained = TrainEventDictionary(samples);
  ASSERT_TRUE(trained.ok());
  EventDictionary dict{2, *trained};
  EventEncoder encoder;
  ASSERT_TRUE(encoder.SetDictionary(dict).ok());
  EventDecoder decoder;
  std::vector<BlockRun> runs;
  CutBlocks(
      lines.size(), [&](size_t i) { return lines[i].size(); }, &runs);
  size_t singles = 0, blocks = 0, next = 0;
  std::string value;
  DecodedEvents back;
  for (const BlockRun& run : runs) {
    ASSERT_EQ(run.first, next);
    std::vector<std::string_view> events;
    for (size_t i = run.first; i < run.first + run.count; ++i) {
      events.push_back(lines[i]);
      ASSERT_TRUE(encoder.Encode(lines[i], &value).ok());
      singles += value.size();
    }
    ASSERT_TRUE(encoder.EncodeBlock(events, &value).ok());
    blocks += value.size();
    ASSERT_TRUE(decoder.DecodeEvents(value, LoaderOf(dict), &back).ok());
    ASSERT_EQ(back.size(), run.count);
    for (size_t i = 0; i < run.count; ++i) ASSERT_EQ(back.at(i), lines[run.first + i]);
    next += run.count;
  }
  EXPECT_EQ(next, lines.size());
  EXPECT_LT(blocks * 10, singles * 8) << blocks << " bytes in blocks, " << singles << " one by one";
}

TEST(EventCodec, CutBlocksClosesAtTheTargetTheCountAndLargeEvents) {
  std::vector<size_t> sizes(600, 100);
  sizes[10] = kBlockTargetBytes;       // alone
  sizes[400] = kBlockTargetBytes - 1;  // closes the block it ends
  std::vector<BlockRun> runs;
  CutBlocks(
      sizes.size(), [&](size_t i) { return sizes[i]; }, &runs);
  std::vector<std::pair<size_t, size_t>> got;
  for (const BlockRun& r : runs) got.emplace_back(r.first, r.count);
  std::vector<std::pair<size_t, size_t>> want = {
      {0, 10}, {10, 1}, {11, 256}, {267, 134}, {401, 199}};
  EXPECT_EQ(got, want);
  CutBlocks(
      0, [&](size_t i) { return sizes[i]; }, &runs);
  EXPECT_TRUE(runs.empty());
}

TEST(EventCodec, DamagedBlocksAreErrorsNotCrashes) {
  std::vector<std::string> lines = RealLines();
  std::vector<std::string_view> events(lines.begin(), lines.begin() + 5);
  EventEncoder encoder;
  std::string value;
  ASSERT_TRUE(encoder.EncodeBlock(events, &value).ok());
  ASSERT_EQ(value[0], kValueBlock);
  EventDecoder decoder;
  DecodedEvents back;
  for (size_t n = 0; n < value.size(); ++n)
    EXPECT_FALSE(decoder.DecodeEvents(value.substr(0, n), nullptr, &back).ok()) << n;
  for (size_t i = 0; i < value.size(); ++i) {
    std::string bad = value;
    bad[i] ^= 0x5a;
    Status st = decoder.DecodeEvents(bad, nullptr, &back);
    if (!st) continue;
    // zstd may ignore the byte (see above); the events are then the same.
    ASSERT_EQ(back.size(), events.size()) << i;
    for (size_t e = 0; e < events.size(); ++e) EXPECT_EQ(back.at(e), events[e]) << i;
  }
  EXPECT_FALSE(decoder.DecodeEvents(value + "x", nullptr, &back).ok());
  EXPECT_FALSE(decoder.DecodeEvents(std::string("\x02\x00\x00", 3), nullptr, &back).ok())
      << "no events";
  std::string too_many("\x02\x00\x81\x02", 4);  // 257 events
  for (int i = 0; i < 257; ++i) too_many.push_back('\x01');
  EXPECT_FALSE(decoder.DecodeEvents(too_many, nullptr, &back).ok());
  EXPECT_FALSE(ValueEventCount(too_many).ok());
  std::string huge("\x02\x00\x02\xff\xff\xff\x1f\xff\xff\xff\x1f",
                   11);  // 2 x 64 MiB: more than a value holds
  EXPECT_FALSE(decoder.DecodeEvents(huge, nullptr, &back).ok());
  EXPECT_TRUE(back.json.empty());
  EXPECT_FALSE(encoder.EncodeBlock({}, &value).ok());
}

TEST(EventCodec, RoundTripsRealEventsWithAndWithoutDictionary) {
  std::vector<std::string> lines = RealLines();
  ASSERT_GT(lines.size(), 50u);
  std::vector<std::string_view> samples;
  for (int copy = 0; copy < 8; ++copy)  // the fixtures alone are below kTrainMinBytes
    for (const std::string& l : lines) samples.push_back(l);
  auto trained = TrainEventDictionary(samples);
  ASSERT_TRUE(trained.ok()) << trained.status().message();
  for (const EventDictionary& dict : {EventDictionary{}, EventDictionary{7, *trained}}) {
    EventEncoder encoder;
    ASSERT_TRUE(encoder.SetDictionary(dict).ok());
    EventDecoder decoder;
    size_t raw = 0, stored = 0;
    std::string value, back;
    for (const std::string& line : lines) {
      ASSERT_TRUE(encoder.Encode(line, &value).ok());
      ASSERT_TRUE(decoder.Decode(value, LoaderOf(dict), &back).ok());
      ASSERT_EQ(back, line);
      raw += line.size();
      stored += value.size();
    }
    EXPECT_LT(stored * 2, raw) << "dictionary " << dict.id;
  }
}

TEST(EventCodec, IncompressibleValueIsKeptRaw) {
  EventEncoder encoder;
  std::string value, back;
  ASSERT_TRUE(encoder.Encode("{}", &value).ok());
  EXPECT_EQ(value, std::string("\0{}", 3));
  EventDecoder decoder;
  ASSERT_TRUE(decoder.Decode(value, nullptr, &back).ok());
  EXPECT_EQ(back, "{}");
}

TEST(EventCodec, DamagedValuesAreErrorsNotCrashes) {
  std::string json = RealLines().front();
  EventEncoder encoder;
  std::string value, back;
  ASSERT_TRUE(encoder.Encode(json, &value).ok());
  ASSERT_EQ(value[0], kValueZstd);
  EventDecoder decoder;
  for (size_t n = 0; n < value.size(); ++n) {  // every truncation
    EXPECT_FALSE(decoder.Decode(value.substr(0, n), nullptr, &back).ok()) << n;
  }
  // Every flipped byte is an error or, where zstd ignores it (the window
  // size of a frame smaller than any window), the same JSON: never other JSON.
  size_t errors = 0;
  for (size_t i = 0; i < value.size(); ++i) {
    std::string bad = value;
    bad[i] ^= 0x5a;
    Status st = decoder.Decode(bad, nullptr, &back);
    if (st) {
      EXPECT_EQ(back, json) << i;
    }
    errors += !st;
  }
  EXPECT_GE(errors, value.size() - 2);
  EXPECT_FALSE(decoder.Decode(value + "x", nullptr, &back).ok());
  EXPECT_FALSE(decoder.Decode("\x07garbage", nullptr, &back).ok());
  EXPECT_FALSE(decoder.Decode("\x01\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", nullptr, &back).ok());
  std::string huge("\x01\x00\xff\xff\xff\xff\x0f", 7);  // claims 4 GiB
  EXPECT_FALSE(decoder.Decode(huge, nullptr, &back).ok());
}

TEST(EventCodec, SchemaTwoJsonAndUnknownDictionaryAreClearErrors) {
  EventDecoder decoder;
  std::string back;
  Status v2 = decoder.Decode(R"({"span_id":"x"})", nullptr, &back);
  EXPECT_NE(v2.message().find("--migrate"), std::string::npos) << v2.message();
  std::string value = FromHex(ReadFile(kRoot / "proto/golden/storage/value-1.hex"));
  Status missing = decoder.Decode(value, LoaderOf({2, "x"}), &back);
  EXPECT_EQ(missing.message(), "event dictionary 1 is not in the store");
  Status failing = decoder.Decode(
      value, [](uint32_t) -> Result<std::optional<std::string>> { return Status::Error("EIO"); },
      &back);
  EXPECT_EQ(failing.message(), "event dictionary 1: EIO");
}

TEST(EventCodec, TooFewSamplesDoNotTrain) {
  std::vector<std::string_view> few = {R"({"a":1})", R"({"a":2})"};
  EXPECT_FALSE(TrainEventDictionary(few).ok());
}

}  // namespace
}  // namespace trace
