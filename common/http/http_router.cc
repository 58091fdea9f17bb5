// Segment-by-segment route matching (a handful of routes: a linear scan is
// faster than anything cleverer).
#include "common/http/http_router.h"

namespace trace::http {

namespace {

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> parts;
  size_t i = 0;
  while (i < path.size()) {
    size_t slash = path.find('/', i);
    if (slash == std::string_view::npos) slash = path.size();
    if (slash > i) parts.push_back(path.substr(i, slash - i));
    i = slash + 1;
  }
  return parts;
}

bool IsCapture(std::string_view seg) {
  return seg.size() > 2 && seg.front() == '{' && seg.back() == '}';
}

}  // namespace

void Router::Add(std::string method, std::string pattern, Handler handler) {
  Route r{std::move(method), pattern, {}, std::move(handler)};
  for (std::string_view s : SplitPath(pattern)) r.segments.emplace_back(s);
  routes_.push_back(std::move(r));
}

bool Router::MatchSegments(const Route& r, const std::vector<std::string_view>& parts,
                           Params* params) {
  if (r.segments.size() != parts.size()) return false;
  params->clear();
  for (size_t i = 0; i < parts.size(); ++i) {
    const std::string& seg = r.segments[i];
    if (IsCapture(seg)) {
      params->emplace_back(seg.substr(1, seg.size() - 2), std::string(parts[i]));
    } else if (seg != parts[i]) {
      return false;
    }
  }
  return true;
}

Router::Match Router::Find(std::string_view method, std::string_view path) const {
  Match m;
  std::vector<std::string_view> parts = SplitPath(path);
  Params params;
  for (const Route& r : routes_) {
    if (!MatchSegments(r, parts, &params)) continue;
    if (r.method == method || (method == "HEAD" && r.method == "GET")) {
      m.status = 200;
      m.handler = &r.handler;
      m.pattern = r.pattern;
      m.params = std::move(params);
      m.allow.clear();
      return m;
    }
    m.status = 405;
    m.pattern = r.pattern;
    if (!m.allow.empty()) m.allow += ", ";
    m.allow += r.method;
  }
  return m;
}

}  // namespace trace::http
