// See otel_totals.h.
#include "common/event/otel_totals.h"

#include <cmath>

#include "common/event/bounds.h"
#include "common/json/json_parse.h"

namespace trace {

int64_t UsdToNanos(double usd) {
  if (!std::isfinite(usd) || usd <= 0) return 0;
  if (usd > 9e9) return static_cast<int64_t>(9e18);  // hostile input: clamp, never overflow
  return std::llround(usd * 1e9);
}

double NanosToUsd(int64_t nanos) { return static_cast<double>(nanos) / 1e9; }

void OtelTotals::AddReportedCost(int64_t nanos, int sign) {
  if (sign > 0) {
    reported_cost_nanos += nanos;
    ++reported_requests;
    return;
  }
  reported_cost_nanos = reported_cost_nanos > nanos ? reported_cost_nanos - nanos : 0;
  if (reported_requests) --reported_requests;
}

void OtelTotals::AddPoint(const MetricPointFact& p) {
  if (!std::isfinite(p.value) || std::fabs(p.value) > kMaxMetricValue) return;
  double add = p.value;
  if (p.cumulative) {
    if (series.size() >= kMaxMetricSeries && !series.count(p.series)) return;
    auto [it, fresh] = series.try_emplace(p.series, 0.0);
    if (!fresh && p.value <= it->second) return;
    add = p.value - it->second;
    it->second = p.value;
  }
  MetricSum& m = metrics[CappedName(metrics, p.name, kMaxMetrics)];
  m.value += add;
  if (!p.type.empty()) m.by_type[CappedName(m.by_type, p.type, kMaxMetricTypes)] += add;
}

namespace {

void WriteNumbers(json::StringWriter& w, const std::map<std::string, double>& m) {
  w.StartObject();
  for (const auto& [k, v] : m) {
    w.Key(k);
    w.Double(v);
  }
  w.EndObject();
}

void ReadNumbers(const rapidjson::Value* o, std::map<std::string, double>* out) {
  if (!o || !o->IsObject()) return;
  for (const auto& m : o->GetObject()) {
    if (m.value.IsNumber()) (*out)[m.name.GetString()] = m.value.GetDouble();
  }
}

}  // namespace

void OtelTotals::WriteMembers(json::StringWriter& w) const {
  // Sessions Claude Code's OTel export never mentioned keep their shape.
  if (Empty()) return;
  w.Key("reported_cost_usd");
  reported_requests ? w.Double(NanosToUsd(reported_cost_nanos)) : w.Null();
  w.Key("reported_requests");
  w.Uint64(reported_requests);
  w.Key("metrics");
  w.StartObject();
  for (const auto& [name, m] : metrics) {
    w.Key(name);
    w.StartObject();
    w.Key("value");
    w.Double(m.value);
    if (!m.by_type.empty()) {
      w.Key("by_type");
      WriteNumbers(w, m.by_type);
    }
    w.EndObject();
  }
  w.EndObject();
  if (!series.empty()) {
    w.Key("metric_series");
    WriteNumbers(w, series);
  }
}

OtelTotals OtelTotals::Read(const rapidjson::Value& o) {
  OtelTotals t;
  if (const rapidjson::Value* c = json::Find(o, "reported_cost_usd"); c && c->IsNumber()) {
    t.reported_cost_nanos = UsdToNanos(c->GetDouble());
  }
  t.reported_requests = json::GetInt(o, "reported_requests").value_or(0);
  if (const rapidjson::Value* ms = json::Find(o, "metrics"); ms && ms->IsObject()) {
    for (const auto& m : ms->GetObject()) {
      if (!m.value.IsObject()) continue;
      MetricSum& sum = t.metrics[m.name.GetString()];
      if (const rapidjson::Value* v = json::Find(m.value, "value"); v && v->IsNumber()) {
        sum.value = v->GetDouble();
      }
      ReadNumbers(json::Find(m.value, "by_type"), &sum.by_type);
    }
  }
  ReadNumbers(json::Find(o, "metric_series"), &t.series);
  return t;
}

}  // namespace trace
