// Static file lookup, content types and ETags.
#include "common/http/static_files.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/base/ids.h"

namespace trace {

std::string_view ContentTypeFor(std::string_view path) {
  struct Type {
    std::string_view ext, type;
  };
  static constexpr Type kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
      {".map", "application/json"},
      {".webmanifest", "application/manifest+json"},
  };
  for (const Type& t : kTypes) {
    if (path.size() >= t.ext.size() && path.substr(path.size() - t.ext.size()) == t.ext) {
      return t.type;
    }
  }
  return "application/octet-stream";
}

namespace {

std::string ETagOf(std::string_view data) {
  std::string etag = StableHashHex(data);
  etag.insert(etag.begin(), '"');
  etag.push_back('"');
  return etag;
}

// "/" -> "index.html"; "/a/b.js" -> "a/b.js"; "" if the path tries to leave the root.
std::string RelativePath(std::string_view url_path) {
  std::string rel(url_path.substr(url_path.empty() ? 0 : 1));
  if (rel.empty() || rel.back() == '/') rel += "index.html";
  if (rel.find("..") != std::string::npos || rel.find('\\') != std::string::npos) return "";
  return rel;
}

http::Response FileResponse(std::string_view rel, std::string body, const std::string& etag,
                            std::string_view if_none_match) {
  http::Response r;
  r.headers = {{"ETag", etag}, {"Cache-Control", "no-cache"}};
  if (!if_none_match.empty() && if_none_match.find(etag) != std::string_view::npos) {
    r.status = 304;
    r.content_type.clear();
    return r;
  }
  r.content_type = std::string(ContentTypeFor(rel));
  r.body = std::move(body);
  return r;
}

}  // namespace

StaticFiles StaticFiles::FromEmbedded(const EmbeddedFile* files, size_t count) {
  StaticFiles s;
  for (size_t i = 0; i < count; ++i) {
    std::string_view data(reinterpret_cast<const char*>(files[i].data), files[i].size);
    s.files_[files[i].path] = File{data, ETagOf(data)};
  }
  return s;
}

StaticFiles StaticFiles::FromDisk(std::string root) {
  StaticFiles s;
  s.root_ = std::move(root);
  return s;
}

std::optional<http::Response> StaticFiles::Serve(std::string_view url_path,
                                                 std::string_view if_none_match) const {
  std::string rel = RelativePath(url_path);
  if (rel.empty()) return std::nullopt;
  if (!root_.empty()) return ServeFromDisk(rel, if_none_match);
  auto it = files_.find(rel);
  if (it == files_.end()) return std::nullopt;
  return FileResponse(rel, std::string(it->second.data), it->second.etag, if_none_match);
}

std::optional<http::Response> StaticFiles::ServeFromDisk(const std::string& rel,
                                                         std::string_view if_none_match) const {
  std::string full = root_ + "/" + rel;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(full, ec)) return std::nullopt;
  std::ifstream in(full, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream body;
  body << in.rdbuf();
  if (in.bad()) return std::nullopt;
  std::string data = body.str();
  std::string etag = ETagOf(data);
  return FileResponse(rel, std::move(data), etag, if_none_match);
}

}  // namespace trace
