// Maps (method, path) to a handler. Patterns are literal segments and
// {name} captures ("/api/tasks/{id}/tree"); a capture matches one non-empty
// segment. A path that matches no pattern is 404; one that matches a pattern
// for other methods is 405 with the allowed methods.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/http/http_message.h"

namespace trace::http {

using Handler = std::function<Response(const Request&)>;

class Router {
 public:
  struct Match {
    int status = 404;  // 200 matched, 404, 405
    const Handler* handler = nullptr;
    std::string pattern;  // the matched route pattern (metrics label)
    Params params;        // captured {name} segments
    std::string allow;    // for 405: "GET, POST"
  };

  // Adds a route. Not thread-safe: configure before serving, then only Find.
  void Add(std::string method, std::string pattern, Handler handler);
  Match Find(std::string_view method, std::string_view path) const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;
  };
  static bool MatchSegments(const Route& r, const std::vector<std::string_view>& parts,
                            Params* params);

  std::vector<Route> routes_;
};

}  // namespace trace::http
