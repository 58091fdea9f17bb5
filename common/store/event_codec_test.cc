// The events value encoding: the golden value of proto/storage.md decodes to
// its event, every golden and corpus event round-trips byte for byte with
// and without a trained dictionary, and damaged values are errors.
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
    if (st) EXPECT_EQ(back, json) << i;
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
