// The bounds one session or task aggregate keeps (proto/storage.md
// "Bounds"): a sender naming a new tool, hook event, agent or metric in every
// event must not grow one aggregate (and every summary request that parses
// it) without bound. Names past a bound count under kOtherName (agents and
// cumulative metric series past theirs are not kept); totals are unaffected.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace trace {

inline constexpr size_t kMaxEventTypes = 256, kMaxTools = 1024, kMaxAgents = 4096;
inline constexpr size_t kMaxMetrics = 256, kMaxMetricTypes = 64, kMaxMetricSeries = 4096;
// A metric point's value beyond this is not a count Claude Code sends: it is
// ignored, so no sum can overflow to infinity (which JSON cannot hold).
inline constexpr double kMaxMetricValue = 1e15;
inline constexpr std::string_view kOtherName = "(other)";

// name, or kOtherName once m holds cap names and not this one. A reference,
// not a copy: it runs for every event.
template <typename Map>
const std::string& CappedName(const Map& m, const std::string& name, size_t cap) {
  static const std::string other(kOtherName);
  return m.size() < cap || m.count(name) ? name : other;
}

}  // namespace trace
