// Unit tests of progress.json (proto/progress.md): the round trip, the
// banner text, a stale or broken file (no index running) and hostile values.
#include "common/progress/progress.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

namespace trace::progress {
namespace {

Progress Behind() {
  Progress p;
  p.updated_ms = 1'000'000;
  p.tails = 1;
  p.files = 40;
  p.files_behind = 12;
  p.bytes_total = 900'000'000;
  p.bytes_left = 340'000'000;
  p.events = 123456;
  p.events_per_s = 51234.4;
  p.bytes_per_s = 38e6;
  p.eta_s = 9;
  return p;
}

std::string TempDir() {
  char tmpl[] = "/tmp/progress_test.XXXXXX";
  return mkdtemp(tmpl);
}

TEST(Progress, RoundTripsAndSaysHowFar) {
  Progress p = Behind();
  std::string text = Encode(p);
  EXPECT_NE(text.find(R"("caught_up":false)"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("percent":62.2)"), std::string::npos) << text;
  auto back = Decode(text);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->bytes_left, p.bytes_left);
  EXPECT_EQ(back->bytes_total, p.bytes_total);
  EXPECT_EQ(back->files_behind, 12u);
  EXPECT_EQ(back->events, 123456u);
  EXPECT_EQ(back->events_per_s, 51234.0);
  EXPECT_EQ(back->eta_s, 9);
  EXPECT_EQ(Banner(p), "indexing: 62% \u00b7 340 MB left \u00b7 about 9 s");
}

TEST(Progress, CaughtUpHasNoBanner) {
  Progress p = Behind();
  p.bytes_left = 0;
  EXPECT_TRUE(p.caught_up());
  EXPECT_EQ(p.percent(), 100.0);
  EXPECT_EQ(Banner(p), "");
  p.eta_s = -1;
  p.bytes_left = 5;
  EXPECT_EQ(Banner(p), "indexing: 99% \u00b7 5 B left");  // no rate yet: no ETA
}

TEST(Progress, HumanBytes) {
  EXPECT_EQ(HumanBytes(0), "0 B");
  EXPECT_EQ(HumanBytes(999), "999 B");
  EXPECT_EQ(HumanBytes(1500), "1.5 kB");
  EXPECT_EQ(HumanBytes(340'000'000), "340 MB");
  EXPECT_EQ(HumanBytes(1'234'000'000), "1.2 GB");
  EXPECT_EQ(HumanBytes(UINT64_MAX), "18446744 TB");
}

TEST(Progress, FileIsReadBackUntilItGoesStale) {
  std::string dir = TempDir();
  EXPECT_FALSE(Read(dir, 0).has_value());  // no index ever ran here
  Progress p = Behind();
  ASSERT_TRUE(Write(dir, p).ok());
  auto fresh = Read(dir, p.updated_ms + kStaleMs);
  ASSERT_TRUE(fresh.has_value());
  EXPECT_EQ(fresh->bytes_left, p.bytes_left);
  EXPECT_FALSE(Read(dir, p.updated_ms + kStaleMs + 1).has_value());  // the index stopped
  EXPECT_FALSE(Write(dir + "/missing/sub", p).ok());
  std::system(("rm -rf " + dir).c_str());
}

TEST(Progress, BrokenOrHostileFilesAreRefusedOrClamped) {
  EXPECT_FALSE(Decode("").ok());
  EXPECT_FALSE(Decode("[1]").ok());
  EXPECT_FALSE(Decode(R"({"bytes_left":1})").ok());  // no updated_ms
  EXPECT_FALSE(Decode(std::string(100000, '[')).ok());
  auto p = Decode(R"({"updated_ms":1,"bytes_total":-4,"bytes_left":50,"events_per_s":-3,)"
                  R"("bytes_per_s":"fast","eta_s":-99})");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->bytes_total, 50u);  // never less than what is left
  EXPECT_EQ(p->events_per_s, 0);
  EXPECT_EQ(p->bytes_per_s, 0);
  EXPECT_EQ(p->eta_s, -1);
  EXPECT_EQ(p->percent(), 0.0);
  std::string dir = TempDir();
  std::ofstream(FilePath(dir)) << "{\"updated_ms\":";  // torn by hand
  EXPECT_FALSE(Read(dir, 1).has_value());
  std::system(("rm -rf " + dir).c_str());
}

}  // namespace
}  // namespace trace::progress
