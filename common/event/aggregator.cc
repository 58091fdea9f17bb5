// See aggregator.h. The counting rules are documented in proto/storage.md
// "Counting rules"; this is their only implementation.
#include "common/event/aggregator.h"

#include <algorithm>

namespace trace {

namespace {

Status Decode(std::string_view s, AggTable t, Aggregate* out) {
  auto r = Aggregate::FromJson(s, t == AggTable::kSessions ? "session_id" : "task_id");
  if (!r) return r.status();
  *out = std::move(*r);
  return Status::Ok();
}
template <typename T>
Status DecodeWith(Result<T> r, T* out) {
  if (!r) return r.status();
  *out = std::move(*r);
  return Status::Ok();
}
Status Decode(std::string_view s, AggTable, ToolAggregate* out) {
  return DecodeWith(ToolAggregate::FromJson(s), out);
}
Status Decode(std::string_view s, AggTable, ToolCall* out) {
  return DecodeWith(ToolCall::Decode(s), out);
}
Status Decode(std::string_view s, AggTable, MessageUsage* out) {
  return DecodeWith(MessageUsage::Decode(s), out);
}
Status Decode(std::string_view s, AggTable, TokenCounts* out) {
  return DecodeWith(TokenCountsFromJson(s), out);
}
Status Decode(std::string_view s, AggTable, SlotTokens* out) {
  return DecodeWith(SlotTokens::FromJson(s), out);
}

std::string Encode(AggTable t, const Aggregate& a) {
  return a.ToJson(t == AggTable::kSessions ? "session_id" : "task_id");
}
std::string Encode(AggTable, const ToolAggregate& a) { return a.ToJson(); }
std::string Encode(AggTable, const ToolCall& a) { return a.Encode(); }
std::string Encode(AggTable, const MessageUsage& a) { return a.Encode(); }
std::string Encode(AggTable, const TokenCounts& a) { return TokenCountsToJson(a); }
std::string Encode(AggTable, const SlotTokens& a) { return a.ToJson(); }

std::string Join(std::initializer_list<std::string_view> parts) {
  std::string out;
  bool first = true;
  for (std::string_view p : parts) {
    if (!first) out.push_back('\0');
    out.append(p);
    first = false;
  }
  return out;
}

TokenCounts Max(const TokenCounts& a, const TokenCounts& b) {
  TokenCounts m;
  m.input = std::max(a.input, b.input);
  m.output = std::max(a.output, b.output);
  m.cache_creation = std::max(a.cache_creation, b.cache_creation);
  m.cache_creation_5m = std::max(a.cache_creation_5m, b.cache_creation_5m);
  m.cache_creation_1h = std::max(a.cache_creation_1h, b.cache_creation_1h);
  m.cache_read = std::max(a.cache_read, b.cache_read);
  return m;
}

TokenCounts WithMessages(TokenCounts c, uint64_t n) {
  c.messages = n;
  return c;
}

void AddNanos(int64_t* total, int64_t n, int sign) {
  *total = sign > 0 ? *total + n : (*total > n ? *total - n : 0);
}

}  // namespace

const char* AggTableName(AggTable t) {
  static const char* kNames[] = {"sessions",
                                 "tasks",
                                 "tools",
                                 "tool_calls",
                                 "messages",
                                 "usage_by_day",
                                 "usage_by_session_day",
                                 "usage_by_slot"};
  return kNames[static_cast<int>(t)];
}

Result<std::string> AggValueJson(AggTable t, std::string_view value) {
  auto json = [](const auto& decoded) -> Result<std::string> {
    if (!decoded) return decoded.status();
    return decoded->ToJson();
  };
  if (t == AggTable::kToolCalls) return json(ToolCall::Decode(value));
  if (t == AggTable::kMessages) return json(MessageUsage::Decode(value));
  return std::string(value);
}

template <typename T>
Result<AggregateState::Entry<T>*> AggregateState::Get(Table<T>& table, AggTable which,
                                                      const std::string& key, bool* created) {
  auto it = table.map.find(key);
  if (it == table.map.end()) {
    Entry<T> e;
    bool fresh = true;
    if (loader_) {
      auto stored = loader_(which, key);
      if (!stored) return stored.status();
      if (*stored) {
        if (Status st = Decode(**stored, which, &e.value); !st) {
          return st.Wrap(std::string(AggTableName(which)) + " '" + key + "'");
        }
        fresh = false;
      }
    }
    if constexpr (std::is_same_v<T, Aggregate>) {
      if (fresh) e.value.id = key;
      if (!fresh && e.value.has_ts) e.stored_last_ts = e.value.last_ts;
    }
    if constexpr (std::is_same_v<T, ToolAggregate>) {
      if (fresh) e.value.name = key;
    }
    if (created) *created = fresh;
    it = table.map.emplace(key, std::move(e)).first;
  } else if (created) {
    *created = false;
  }
  if (!it->second.dirty) {
    it->second.dirty = true;
    table.dirty.push_back(&*it);
  }
  return &it->second;
}

// The session entry is also taken from aggregator_otel.cc.
template Result<AggregateState::Entry<Aggregate>*> AggregateState::Get<Aggregate>(
    Table<Aggregate>&, AggTable, const std::string&, bool*);

Result<std::optional<int64_t>> AggregateState::Apply(const EventFacts& f) {
  std::optional<int64_t> fill;
  if (!f.keys.session_id.empty()) {
    auto s = Get(sessions_, AggTable::kSessions, f.keys.session_id);
    if (!s) return s.status();
    if (Status st = ApplyCommon((*s)->value, f); !st) return st;
  }
  if (!f.keys.task_id.empty()) {
    auto t = Get(tasks_, AggTable::kTasks, f.keys.task_id);
    if (!t) return t.status();
    Aggregate& a = (*t)->value;
    if (a.session_id.empty()) a.session_id = f.keys.session_id;
    if (!f.task_status.empty()) a.task_status = f.task_status;
    if (Status st = ApplyCommon(a, f); !st) return st;
  }
  for (const ToolMention& m : f.tools) {
    if (Status st = ApplyTool(f, m, &fill); !st) return st;
  }
  if (Status st = ApplyUsage(f); !st) return st;
  if (Status st = ApplyMetric(f); !st) return st;
  return fill;
}

Status AggregateState::ApplyCommon(Aggregate& a, const EventFacts& f) {
  // A borrowed time (a line without a timestamp of its own) is not activity.
  if (!f.keys.timestamp_borrowed) {
    int64_t ts = f.keys.timestamp_ms;
    a.first_ts = a.has_ts ? std::min(a.first_ts, ts) : ts;
    a.last_ts = a.has_ts ? std::max(a.last_ts, ts) : ts;
    a.has_ts = true;
  }
  ++a.events;
  ++a.event_types[CappedName(a.event_types, f.keys.event_type, kMaxEventTypes)];
  if (f.parse_error) ++a.parse_errors;
  if (!f.cwd.empty()) a.cwd = f.cwd;
  if (!f.git_branch.empty()) a.git_branch = f.git_branch;
  if (a.user.empty()) a.user = f.keys.user;
  if (a.host.empty()) a.host = f.keys.host;
  if (!f.model.empty() && f.model != "<synthetic>") {
    // Sessions with API messages take the main thread's (ApplyUsage).
    if (a.main_models.empty() && a.agent_models.empty()) a.model = f.model;
    a.models.insert(f.model);
  }
  if (!f.agent_id.empty() && (a.agents.size() < kMaxAgents || a.agents.count(f.agent_id))) {
    a.agents.insert(f.agent_id);
    a.agent_info[f.agent_id].Merge(f.agent);
  }
  if (f.prompt) ++a.prompts_by_source[*f.prompt];
  return Status::Ok();
}

Status AggregateState::ForCallTargets(const ToolCall& c,
                                      const std::function<void(ToolStats&)>& fn) {
  if (!c.session_id.empty()) {
    auto s = Get(sessions_, AggTable::kSessions, c.session_id);
    if (!s) return s.status();
    Aggregate& a = (*s)->value;
    fn(a.tools[CappedName(a.tools, c.tool, kMaxTools)]);
    fn(a.tool_totals);
  }
  if (!c.task_id.empty()) {
    auto t = Get(tasks_, AggTable::kTasks, c.task_id);
    if (!t) return t.status();
    Aggregate& a = (*t)->value;
    fn(a.tools[CappedName(a.tools, c.tool, kMaxTools)]);
    fn(a.tool_totals);
  }
  auto g = Get(tools_, AggTable::kTools, c.tool);
  if (!g) return g.status();
  fn((*g)->value.stats);
  return Status::Ok();
}

// Tool-call state machine: counted once the tool name is known (the first
// mention of a call may be a nameless tool_result); its end is applied once;
// a later error report upgrades an ok call to a failure; a duration is
// recorded once (the record's duration_ms, else end - start).
Status AggregateState::ApplyTool(const EventFacts& f, const ToolMention& m,
                                 std::optional<int64_t>* fill) {
  auto e = Get(calls_, AggTable::kToolCalls, m.id);
  if (!e) return e.status();
  ToolCall& c = (*e)->value;
  c.sources |= m.source;
  if (c.tool.empty()) c.tool = m.name;
  if (c.session_id.empty()) c.session_id = f.keys.session_id;
  if (c.task_id.empty()) c.task_id = f.keys.task_id;
  int64_t ts = f.keys.timestamp_ms;
  if (m.start && c.start_ts == 0) {
    c.start_ts = ts;
    if (c.ended && !c.has_duration) {
      c.has_duration = true;
      c.duration_ms = std::max<int64_t>(0, c.end_ts - ts);
      if (c.counted) {
        int64_t d = c.duration_ms;
        if (Status st = ForCallTargets(c, [d](ToolStats& s) { s.duration.Add(d); }); !st) return st;
      }
    }
  }
  if (!m.start) {
    if (Status st = ApplyEnd(c, m, ts, fill); !st) return st;
  }
  if (c.counted || c.tool.empty()) return Status::Ok();
  c.counted = true;
  // c stays put: ForCallTargets only touches other tables (and an
  // unordered_map keeps its nodes in place anyway).
  return ForCallTargets(c, [&c](ToolStats& s) {
    ++s.calls;
    if (!c.ended) ++s.open;
    if (c.ended && c.error) ++s.failures;
    if (c.ended && c.has_duration) s.duration.Add(c.duration_ms);
  });
}

Status AggregateState::ApplyEnd(ToolCall& c, const ToolMention& m, int64_t ts,
                                std::optional<int64_t>* fill) {
  if (m.source == kSrcHookPost && !m.duration_ms && c.start_ts && ts >= c.start_ts) {
    *fill = ts - c.start_ts;
  }
  // The filled value is stored in the event, so --verify reads it back as the
  // record's own duration: treat it so here too.
  const std::optional<int64_t> record_ms = m.duration_ms ? m.duration_ms : *fill;
  if (!c.ended) {
    c.ended = true;
    c.end_ts = ts;
    c.error = m.error;
    std::optional<int64_t> d = record_ms;
    c.duration_measured = d.has_value();
    c.duration_otel = d.has_value() && m.source == kSrcOtelResult;
    if (!d && c.start_ts) d = std::max<int64_t>(0, ts - c.start_ts);
    c.has_duration = d.has_value();
    c.duration_ms = d.value_or(0);
    if (!c.counted) return Status::Ok();
    return ForCallTargets(c, [&c](ToolStats& s) {
      if (s.open) --s.open;
      if (c.error) ++s.failures;
      if (c.has_duration) s.duration.Add(c.duration_ms);
    });
  }
  // Whichever source reports the end first, a measured duration_ms (hook
  // payloads) wins over one derived from timestamps, so the result does not
  // depend on the order in which the tail read the hook and transcript files.
  bool upgrade = m.error && !c.error;
  // Measurements rank hook > OTel > derived from timestamps.
  bool late_duration =
      record_ms && (!c.duration_measured || (c.duration_otel && m.source != kSrcOtelResult));
  bool replaced = late_duration && c.has_duration;
  int64_t old_d = c.duration_ms;
  if (upgrade) c.error = true;
  if (late_duration) {
    c.has_duration = true;
    c.duration_measured = true;
    c.duration_otel = m.source == kSrcOtelResult;
    c.duration_ms = *record_ms;
  }
  if (!c.counted || (!upgrade && !late_duration)) return Status::Ok();
  int64_t d = c.duration_ms;
  return ForCallTargets(c, [=](ToolStats& s) {
    if (upgrade) ++s.failures;
    if (replaced) {
      s.duration.Replace(old_d, d);
    } else if (late_duration) {
      s.duration.Add(d);
    }
  });
}

// Tokens once per API message: a later line of the same message applies only
// the growth (max per field); a message whose total input crosses 200k moves
// from the "standard" to the "long" bucket ("fast" to "long-fast").
Status AggregateState::ApplyUsage(const EventFacts& f) {
  if (!f.usage) return Status::Ok();
  const UsageFact& u = *f.usage;
  bool created = false;
  auto e = Get(messages_, AggTable::kMessages, u.message_key, &created);
  if (!e) return e.status();
  MessageUsage& m = (*e)->value;
  if (created) {
    TakeFirstLine(f, &m);
    m.otel_only = u.from_otel;
    m.reported_cost_nanos = u.reported_cost_nanos;
    if (!m.session_id.empty()) {
      auto s = Get(sessions_, AggTable::kSessions, m.session_id);
      if (!s) return s.status();
      ++(*s)->value.assistant_turns;
    }
    if (Status st = CountModel(m, 1); !st) return st;
    return AddTokens(m, WithMessages(m.counts, 1), 1, ReportedCost(m));
  }
  if (u.from_otel) return AddReportedCost(m, u);
  if (m.otel_only) return ReplaceOtelCounts(f, m);
  if (u.main_thread && !m.main_thread) {
    if (Status st = MoveToMainThread(m); !st) return st;
  }
  TokenCounts grown = Max(m.counts, u.counts);
  if (grown == m.counts) return Status::Ok();
  // Every line of a message carries the same speed; the first one decided.
  std::string tier = UsageTier(grown, u.fast || IsFastTier(m.tier));
  if (tier != m.tier) {
    if (Status st = AddTokens(m, WithMessages(m.counts, 1), -1, ReportedCost(m)); !st) return st;
    m.tier = tier;
    m.counts = grown;
    return AddTokens(m, WithMessages(m.counts, 1), 1, ReportedCost(m));
  }
  TokenCounts delta = grown;
  delta.Add(m.counts, -1);
  m.counts = grown;
  return AddTokens(m, WithMessages(delta, 0), 1);
}

// A message first seen as a replay in a side-question or compaction file,
// then in its own main-thread line: the session's model counts it as the
// main thread's, whichever file was read first.
Status AggregateState::MoveToMainThread(MessageUsage& m) {
  m.main_thread = true;
  if (m.session_id.empty() || m.model.empty()) return Status::Ok();
  auto s = Get(sessions_, AggTable::kSessions, m.session_id);
  if (!s) return s.status();
  Aggregate& a = (*s)->value;
  if (auto it = a.agent_models.find(m.model); it != a.agent_models.end() && --it->second == 0)
    a.agent_models.erase(it);
  ++a.main_models[m.model];
  a.model = a.PickModel();
  return Status::Ok();
}

Status AggregateState::AddTokens(const MessageUsage& m, const TokenCounts& delta, int sign,
                                 int64_t cost) {
  auto day = Get(by_day_, AggTable::kUsageByDay, Join({m.day, m.model, m.tier}));
  if (!day) return day.status();
  (*day)->value.Add(delta, sign);
  if (m.ts) {
    auto slot = Get(by_slot_, AggTable::kUsageBySlot,
                    Join({UsageSlotKey(*m.ts), m.session_id, m.model, m.tier}));
    if (!slot) return slot.status();
    SlotTokens& st = (*slot)->value;
    st.tokens.Add(delta, sign);
    AddNanos(&st.reported_cost_nanos, cost, sign);
    if (sign > 0) {
      st.first_ts = st.first_ts == 0 ? *m.ts : std::min(st.first_ts, *m.ts);
      st.last_ts = std::max(st.last_ts, *m.ts);
    }
  }
  if (m.session_id.empty()) return Status::Ok();
  auto sd = Get(by_session_day_, AggTable::kUsageBySessionDay,
                Join({m.session_id, m.day, m.model, m.tier}));
  if (!sd) return sd.status();
  (*sd)->value.Add(delta, sign);
  auto s = Get(sessions_, AggTable::kSessions, m.session_id);
  if (!s) return s.status();
  (*s)->value.usage[{m.model, m.tier}].Add(delta, sign);
  if (cost) (*s)->value.otel.AddReportedCost(cost, sign);
  return Status::Ok();
}

namespace {

template <typename T, typename Fn>
void Visit(const T& table, AggTable which, bool dirty_only, const Fn& fn) {
  if (dirty_only) {
    for (const auto* kv : table.dirty) fn(which, kv->first, Encode(which, kv->second.value));
    return;
  }
  for (const auto& [key, e] : table.map) fn(which, key, Encode(which, e.value));
}

}  // namespace

void AggregateState::VisitAll(bool dirty_only, const EntryFn& fn) const {
  Visit(sessions_, AggTable::kSessions, dirty_only, fn);
  Visit(tasks_, AggTable::kTasks, dirty_only, fn);
  Visit(tools_, AggTable::kTools, dirty_only, fn);
  Visit(calls_, AggTable::kToolCalls, dirty_only, fn);
  Visit(messages_, AggTable::kMessages, dirty_only, fn);
  Visit(by_day_, AggTable::kUsageByDay, dirty_only, fn);
  Visit(by_session_day_, AggTable::kUsageBySessionDay, dirty_only, fn);
  Visit(by_slot_, AggTable::kUsageBySlot, dirty_only, fn);
}

std::vector<AggregateState::ActivityMove> AggregateState::ActivityMoves() const {
  std::vector<ActivityMove> out;
  for (const auto* kv : sessions_.dirty) {
    const auto& [key, e] = *kv;
    if (!e.value.has_ts) continue;
    if (e.stored_last_ts && *e.stored_last_ts == e.value.last_ts) continue;
    out.push_back({key, e.stored_last_ts, e.value.last_ts});
  }
  return out;
}

size_t AggregateState::size() const {
  return sessions_.map.size() + tasks_.map.size() + tools_.map.size() + calls_.map.size() +
         messages_.map.size() + by_day_.map.size() + by_session_day_.map.size() +
         by_slot_.map.size();
}

void AggregateState::MarkClean() {
  auto clean = [](auto& table) {
    for (auto* kv : table.dirty) kv->second.dirty = false;
    table.dirty.clear();
  };
  clean(tasks_);
  clean(tools_);
  clean(calls_);
  clean(messages_);
  clean(by_day_);
  clean(by_session_day_);
  clean(by_slot_);
  for (auto* kv : sessions_.dirty) {
    kv->second.dirty = false;
    if (kv->second.value.has_ts) kv->second.stored_last_ts = kv->second.value.last_ts;
  }
  sessions_.dirty.clear();
}

void AggregateState::Clear() {
  sessions_.Clear();
  tasks_.Clear();
  tools_.Clear();
  calls_.Clear();
  messages_.Clear();
  by_day_.Clear();
  by_session_day_.Clear();
  by_slot_.Clear();
}

}  // namespace trace
