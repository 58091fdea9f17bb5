// Embedded files: content types, ETag revalidation, path escapes refused.
#include "common/http/static_files.h"

#include <gtest/gtest.h>

namespace trace {
namespace {

const unsigned char kIndex[] = "<html></html>";
const unsigned char kApp[] = "console.log(1)";
const EmbeddedFile kFiles[] = {{"index.html", kIndex, sizeof kIndex - 1},
                               {"app.js", kApp, sizeof kApp - 1}};

TEST(StaticFiles, ServesWithTypeAndETag) {
  StaticFiles f = StaticFiles::FromEmbedded(kFiles, 2);
  auto r = f.Serve("/", "");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->content_type, "text/html; charset=utf-8");
  EXPECT_EQ(r->body, "<html></html>");
  std::string etag;
  for (auto& [k, v] : r->headers)
    if (k == "ETag") etag = v;
  ASSERT_FALSE(etag.empty());
  auto again = f.Serve("/index.html", etag);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 304);
  EXPECT_TRUE(again->body.empty());
  EXPECT_EQ(f.Serve("/app.js", "")->content_type, "text/javascript; charset=utf-8");
  EXPECT_FALSE(f.Serve("/missing.css", ""));
  EXPECT_FALSE(f.Serve("/../etc/passwd", ""));
}

}  // namespace
}  // namespace trace
