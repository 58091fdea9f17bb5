// What Claude Code's OpenTelemetry export adds to a session aggregate beside
// the counts every event gets: Claude Code's own reported cost of its API
// requests, and its metric points summed per metric (proto/otlp.md, "What is
// counted"). Kept apart from Aggregate's other members so its JSON is one
// Write/Read pair.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "common/json/json.h"

namespace trace {

// Cost in nano-USD: sums that are taken back and re-added (a message moving
// between tiers) stay exact, so --verify's recomputation matches to the bit.
int64_t UsdToNanos(double usd);
double NanosToUsd(int64_t nanos);

// One metric point of a Claude Code metric, read from an otel metric event.
struct MetricPointFact {
  std::string name;
  std::string type;    // attribute `type` (token.usage: input, output, …)
  std::string series;  // name + attributes + start time: one cumulative series
  bool cumulative = false;
  double value = 0;
};

// One metric's sum in a session: its total and per `type` attribute.
struct MetricSum {
  double value = 0;
  std::map<std::string, double> by_type;
};

struct OtelTotals {
  int64_t reported_cost_nanos = 0;  // sum of api_request cost_usd, once per request
  uint64_t reported_requests = 0;   // API requests that reported a cost
  std::map<std::string, MetricSum> metrics;
  // Cumulative series -> the largest value counted (monotonic counters: a
  // point adds only its growth, so repeats and any order count once).
  std::map<std::string, double> series;

  bool Empty() const { return reported_requests == 0 && metrics.empty() && series.empty(); }
  void AddReportedCost(int64_t nanos, int sign);
  void AddPoint(const MetricPointFact& p);
  // Members of the aggregate's JSON object, none when Empty():
  // "reported_cost_usd" (null without a reported cost), "reported_requests",
  // "metrics" and the internal "metric_series".
  void WriteMembers(json::StringWriter& w) const;
  static OtelTotals Read(const rapidjson::Value& aggregate);
};

}  // namespace trace
