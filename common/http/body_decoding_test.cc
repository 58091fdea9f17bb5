// Gunzip: what an OTLP exporter's gzip body inflates to, and the hostile ones
// (a bomb, truncation, bytes after the end, not gzip at all).
#include "common/http/body_decoding.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <string>

namespace trace::http {
namespace {

std::string Gzip(const std::string& data) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 9, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&z, data.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

TEST(Gunzip, InflatesAWholeStream) {
  std::string text = R"({"resourceLogs":[]})";
  for (int i = 0; i < 12; ++i) text += text;  // 80 KB: several output chunks
  auto out = Gunzip(Gzip(text), 1 << 20);
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_FALSE(out->too_large);
  EXPECT_EQ(out->body, text);
  auto empty = Gunzip(Gzip(""), 10);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->body, "");
}

TEST(Gunzip, ABombStopsAtTheCap) {
  std::string zeros(64 << 20, '\0');  // 64 MiB inflates from about 64 KB
  std::string bomb = Gzip(zeros);
  EXPECT_LT(bomb.size(), 100u << 10);
  auto out = Gunzip(bomb, 1 << 20);
  ASSERT_TRUE(out.ok());
  EXPECT_TRUE(out->too_large);
  EXPECT_TRUE(out->body.empty());
  auto exact = Gunzip(Gzip(std::string(1000, 'x')), 1000);  // at the cap is fine
  ASSERT_TRUE(exact.ok());
  EXPECT_FALSE(exact->too_large);
}

TEST(Gunzip, BrokenStreamsAreErrors) {
  std::string good = Gzip(std::string(5000, 'a') + "tail");
  for (std::string bad : {std::string(), std::string("{\"not\":\"gzip\"}"), good.substr(0, 10),
                          good.substr(0, good.size() - 4), good + "junk", good + good}) {
    auto out = Gunzip(bad, 1 << 20);
    EXPECT_FALSE(out.ok()) << bad.size();
  }
  std::string flipped = good;
  flipped[flipped.size() - 6] ^= 0x55;  // the CRC32 no longer matches
  EXPECT_FALSE(Gunzip(flipped, 1 << 20).ok());
}

}  // namespace
}  // namespace trace::http
