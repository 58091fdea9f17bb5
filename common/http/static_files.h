// The web UI's static files, served from a table embedded in the binary at
// build time (tools/trace-gateway/CMakeLists.txt generates it from web/) or,
// with --web-root, from a directory for development. Responses carry the
// right Content-Type, a content-hash ETag and "Cache-Control: no-cache" (the
// browser revalidates; unchanged files cost a 304).
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/http/http_message.h"

namespace trace {

// One file of the generated table: path relative to web/ ("app.js").
struct EmbeddedFile {
  const char* path;
  const unsigned char* data;
  size_t size;
};

class StaticFiles {
 public:
  static StaticFiles FromEmbedded(const EmbeddedFile* files, size_t count);
  static StaticFiles FromDisk(std::string root);

  // The response for GET url_path ("/" is index.html); nullopt if no such file.
  std::optional<http::Response> Serve(std::string_view url_path,
                                      std::string_view if_none_match) const;
  size_t size() const { return files_.size(); }

 private:
  struct File {
    std::string_view data;
    std::string etag;
  };
  std::optional<http::Response> ServeFromDisk(const std::string& rel,
                                              std::string_view if_none_match) const;

  std::string root_;  // non-empty: disk mode
  std::map<std::string, File, std::less<>> files_;
};

// "text/html; charset=utf-8" etc. by extension; application/octet-stream otherwise.
std::string_view ContentTypeFor(std::string_view path);

}  // namespace trace
