// Unit tests of ids_key.h: the ids keys are on disk, so their bytes are
// pinned; every identity of a span_id shares its prefix.
#include "common/store/ids_key.h"

#include <gtest/gtest.h>

#include <cstdio>

namespace trace {
namespace {

std::string Hex(std::string_view bytes) {
  std::string out;
  char b[3];
  for (unsigned char c : bytes) {
    std::snprintf(b, sizeof b, "%02x", c);
    out += b;
  }
  return out;
}

using namespace std::string_literals;

TEST(IdsKey, BytesArePinnedForever) {
  // A schema 4 store holds these: a change here re-stores every event.
  EXPECT_EQ(Hex(IdsKey("0000a82c-969d-41d1-ad4b-b2abbf3ba1e7").view()),
            "ee5d648bc12b33dcee5d648bc12b33dc");
  EXPECT_EQ(
      Hex(IdsKey("00004238-270b-4a0a-a254-a048685e240c\0e73ca28e-4d36-4955-9814-dc629c7f4f7c"s)
              .view()),
      "6b17c78a030526fbf1cd2c8acaec2172");
  EXPECT_EQ(Hex(IdsKey("u1").view()), "63b9b7f52c45b2b163b9b7f52c45b2b1");
  EXPECT_EQ(Hex(IdsKey("u1\0sess"s).view()), "63b9b7f52c45b2b1cf3022a6ad923796");
  EXPECT_EQ(Hex(IdsKey("u1\0sess/agent-a7"s).view()), "63b9b7f52c45b2b18c95094afaa86012");
  EXPECT_EQ(Hex(IdsKey("").view()), "efd01f60ba992926efd01f60ba992926");
}

TEST(IdsKey, IdentitiesOfOneSpanShareThePrefix) {
  std::string prefix = IdsSpanPrefix("u1");
  ASSERT_EQ(prefix.size(), kIdsSpanPrefixSize);
  EXPECT_EQ(Hex(prefix), "63b9b7f52c45b2b1");
  for (const std::string& identity : {"u1"s, "u1\0sess"s, "u1\0sess/agent-a7"s}) {
    IdsKey key(identity);
    EXPECT_EQ(key.view().size(), kIdsKeySize);
    EXPECT_TRUE(key.view().starts_with(prefix)) << Hex(key.view());
  }
  EXPECT_NE(IdsKey("u1\0sess"s).view(), IdsKey("u1\0other"s).view());
  EXPECT_FALSE(IdsKey("u2").view().starts_with(prefix));
  // A long identity is still 16 bytes.
  EXPECT_EQ(IdsKey(std::string(100000, 'x')).view().size(), kIdsKeySize);
}

}  // namespace
}  // namespace trace
