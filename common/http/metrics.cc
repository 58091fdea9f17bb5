// Metrics registry and Prometheus text rendering.
#include "common/http/metrics.h"

#include <cstdio>

namespace trace {

Metrics::Metrics()
    : bounds_{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10} {}

void Metrics::ObserveRequest(std::string_view route, int status, double seconds) {
  std::lock_guard lock(mu_);
  auto it = routes_.find(route);
  if (it == routes_.end()) it = routes_.emplace(std::string(route), RouteStats{}).first;
  RouteStats& r = it->second;
  if (r.buckets.empty()) r.buckets.assign(bounds_.size(), 0);
  r.by_status[status]++;
  r.count++;
  r.sum += seconds;
  for (size_t i = 0; i < bounds_.size(); ++i) {
    if (seconds <= bounds_[i]) {
      r.buckets[i]++;
      break;
    }
  }
}

void Metrics::Register(std::string name, std::string help, std::string type,
                       std::function<double()> read) {
  registered_.push_back({std::move(name), std::move(help), std::move(type), std::move(read)});
}

std::string PromLabel(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

namespace {

std::string Number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

}  // namespace

void Metrics::RenderRequests(std::string* out) const {
  std::lock_guard lock(mu_);
  *out += "# HELP trace_gateway_http_requests_total HTTP requests by route and status.\n";
  *out += "# TYPE trace_gateway_http_requests_total counter\n";
  for (const auto& [route, r] : routes_) {
    for (const auto& [status, n] : r.by_status) {
      *out += "trace_gateway_http_requests_total{route=\"" + PromLabel(route) + "\",code=\"" +
              std::to_string(status) + "\"} " + std::to_string(n) + "\n";
    }
  }
  *out += "# HELP trace_gateway_http_request_duration_seconds Request handling time.\n";
  *out += "# TYPE trace_gateway_http_request_duration_seconds histogram\n";
  for (const auto& [route, r] : routes_) {
    std::string label = "route=\"" + PromLabel(route) + "\"";
    uint64_t cumulative = 0;
    for (size_t i = 0; i < bounds_.size(); ++i) {
      cumulative += r.buckets[i];
      *out += "trace_gateway_http_request_duration_seconds_bucket{" + label + ",le=\"" +
              Number(bounds_[i]) + "\"} " + std::to_string(cumulative) + "\n";
    }
    *out += "trace_gateway_http_request_duration_seconds_bucket{" + label + ",le=\"+Inf\"} " +
            std::to_string(r.count) + "\n";
    *out +=
        "trace_gateway_http_request_duration_seconds_sum{" + label + "} " + Number(r.sum) + "\n";
    *out += "trace_gateway_http_request_duration_seconds_count{" + label + "} " +
            std::to_string(r.count) + "\n";
  }
}

std::string Metrics::Render() const {
  std::string out;
  RenderRequests(&out);
  for (const Registered& m : registered_) {
    out += "# HELP " + m.name + " " + m.help + "\n# TYPE " + m.name + " " + m.type + "\n";
    out += m.name + " " + Number(m.read()) + "\n";
  }
  return out;
}

}  // namespace trace
