// Prometheus metrics of the gateway (text exposition format 0.0.4):
// request counts and latency histograms per route, plus gauges and counters
// read from their owners at scrape time. Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace trace {

class Metrics {
 public:
  Metrics();
  // Counts one HTTP request under its route pattern ("unmatched" for 404s).
  void ObserveRequest(std::string_view route, int status, double seconds);
  // A value read at scrape time. type is "counter" or "gauge".
  void Register(std::string name, std::string help, std::string type, std::function<double()> read);
  // The whole exposition text.
  std::string Render() const;

 private:
  struct RouteStats {
    std::map<int, uint64_t> by_status;
    std::vector<uint64_t> buckets;  // cumulative counts are computed at render
    double sum = 0;
    uint64_t count = 0;
  };
  struct Registered {
    std::string name, help, type;
    std::function<double()> read;
  };
  void RenderRequests(std::string* out) const;

  std::vector<double> bounds_;
  mutable std::mutex mu_;  // guards routes_
  std::map<std::string, RouteStats, std::less<>> routes_;
  std::vector<Registered> registered_;  // fixed after start-up
};

// Escapes a Prometheus label value (backslash, quote, newline).
std::string PromLabel(std::string_view v);

}  // namespace trace
