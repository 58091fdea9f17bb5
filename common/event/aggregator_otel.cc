// The OTel part of the counting rules (proto/storage.md "Counting rules",
// proto/otlp.md "What is counted"): an API request seen through a
// claude_code.api_request record and through transcript lines is one entry
// of `messages` (key "req:" request_id); the transcript's counts win whichever
// arrives first, Claude Code's reported cost is kept beside them, and metric
// points are summed into their session.
#include "common/event/aggregator.h"

namespace trace {

// A request already counted (from its transcript, or an earlier OTel record of
// it): only its reported cost can be new, and is taken once.
Status AggregateState::AddReportedCost(MessageUsage& m, const UsageFact& u) {
  if (m.reported_cost_nanos || !u.reported_cost_nanos) return Status::Ok();
  m.reported_cost_nanos = u.reported_cost_nanos;
  // No tokens: the cost lands in the message's slot and session.
  return AddTokens(m, TokenCounts{}, 1, *m.reported_cost_nanos);
}

// The message was counted from OTel only; this first transcript line of it
// counts instead, exactly as if OTel had never been seen: OTel's counts, time
// and model are taken back and the line's applied (its later lines then
// grow the counts as usual). The reported cost stays.
Status AggregateState::ReplaceOtelCounts(const EventFacts& f, MessageUsage& m) {
  TokenCounts whole = m.counts;
  whole.messages = 1;
  if (Status st = AddTokens(m, whole, -1, ReportedCost(m)); !st) return st;
  if (Status st = CountModel(m, -1); !st) return st;
  m.otel_only = false;
  TakeFirstLine(f, &m);
  if (Status st = CountModel(m, 1); !st) return st;
  whole = m.counts;
  whole.messages = 1;
  return AddTokens(m, whole, 1, ReportedCost(m));
}

void AggregateState::TakeFirstLine(const EventFacts& f, MessageUsage* m) {
  const UsageFact& u = *f.usage;
  m->session_id = f.keys.session_id;
  m->model = u.model;
  m->day = UtcDay(f.keys.timestamp_ms);
  m->ts = f.keys.timestamp_ms;
  m->counts = u.counts;
  m->tier = UsageTier(u.counts, u.fast);
  m->main_thread = u.main_thread;
}

// The message's model in its session's main or agent model counts.
Status AggregateState::CountModel(const MessageUsage& m, int sign) {
  if (m.session_id.empty() || m.model.empty()) return Status::Ok();
  auto s = Get(sessions_, AggTable::kSessions, m.session_id);
  if (!s) return s.status();
  Aggregate& a = (*s)->value;
  auto& counts = m.main_thread ? a.main_models : a.agent_models;
  if (sign > 0) {
    ++counts[m.model];
  } else if (auto it = counts.find(m.model); it != counts.end() && --it->second == 0) {
    counts.erase(it);
  }
  a.model = a.PickModel();
  return Status::Ok();
}

Status AggregateState::ApplyMetric(const EventFacts& f) {
  if (!f.metric) return Status::Ok();
  auto s = Get(sessions_, AggTable::kSessions, f.keys.session_id);
  if (!s) return s.status();
  (*s)->value.otel.AddPoint(*f.metric);
  return Status::Ok();
}

}  // namespace trace
