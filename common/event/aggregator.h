// Applies events to the aggregates (sessions, tasks, tools, token buckets)
// through the per-key states that make counting idempotent: a tool call is
// counted once per tool_use_id, tokens once per API message. The same code
// serves the writer (states loaded from LMDB, dirty ones written back in the
// batch txn) and --verify (states built from nothing, in memory).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/base/status.h"
#include "common/event/aggregate.h"
#include "common/event/event_facts.h"

namespace trace {

// The tables an AggregateState covers; names = the LMDB database names.
enum class AggTable {
  kSessions,
  kTasks,
  kTools,
  kToolCalls,
  kMessages,
  kUsageByDay,
  kUsageBySessionDay,
  kUsageBySlot
};
inline constexpr int kAggTableCount = 8;
const char* AggTableName(AggTable t);
// A stored value of table t as JSON, for people (--verify's report):
// the value itself, except for the binary counting states (tool_calls,
// messages), which are decoded; an error when such a value is corrupt.
Result<std::string> AggValueJson(AggTable t, std::string_view value);

class AggregateState {
 public:
  // Loads a stored value of a table (JSON, or binary for the counting
  // states); nullopt when absent. Null loader: everything starts empty (verify).
  using Loader = std::function<Result<std::optional<std::string>>(AggTable, std::string_view)>;
  explicit AggregateState(Loader loader = nullptr) : loader_(std::move(loader)) {}

  // Applies one event. Returns the duration to fill into a PostToolUse event
  // that has none (from its PreToolUse), if any.
  Result<std::optional<int64_t>> Apply(const EventFacts& f);

  using EntryFn = std::function<void(AggTable, const std::string& key, const std::string& value)>;
  // Visits every changed entry as (table, key, value to store).
  void ForEachDirty(const EntryFn& fn) const { VisitAll(true, fn); }
  // Visits every entry (verify).
  void ForEach(const EntryFn& fn) const { VisitAll(false, fn); }
  // Sessions whose last_ts changed: (session, stored last_ts or nullopt, new last_ts).
  struct ActivityMove {
    std::string session_id;
    std::optional<int64_t> old_ts;
    int64_t new_ts;
  };
  std::vector<ActivityMove> ActivityMoves() const;

  // After the changed entries were taken (ForEachDirty, ActivityMoves):
  // every entry is clean.
  void MarkClean();
  // Entries held, all tables.
  size_t size() const;
  // Forget everything (values are reloaded from the store).
  void Clear();

 private:
  template <typename T>
  struct Entry {
    T value;
    bool dirty = false;
    std::optional<int64_t> stored_last_ts;  // sessions: for the activity index
  };
  // Entries by key, and the changed ones since the last MarkClean (node
  // pointers of an unordered_map stay valid across rehashing).
  template <typename T>
  struct Table {
    std::unordered_map<std::string, Entry<T>> map;
    std::vector<std::pair<const std::string, Entry<T>>*> dirty;
    void Clear() {
      map.clear();
      dirty.clear();
    }
  };

  // The entry of key, loaded or created (then *created is true); marked dirty.
  template <typename T>
  Result<Entry<T>*> Get(Table<T>& table, AggTable which, const std::string& key,
                        bool* created = nullptr);

  void VisitAll(bool dirty_only, const EntryFn& fn) const;
  Status ApplyCommon(Aggregate& a, const EventFacts& f);
  Status ApplyTool(const EventFacts& f, const ToolMention& m, std::optional<int64_t>* fill);
  Status ApplyEnd(ToolCall& c, const ToolMention& m, int64_t ts, std::optional<int64_t>* fill);
  Status ApplyUsage(const EventFacts& f);
  Status MoveToMainThread(MessageUsage& m);
  // cost: reported nano-USD moving with the tokens (a whole message's).
  Status AddTokens(const MessageUsage& m, const TokenCounts& delta, int sign, int64_t cost = 0);
  static int64_t ReportedCost(const MessageUsage& m) { return m.reported_cost_nanos.value_or(0); }
  // OTel (aggregator_otel.cc): a request's cost_usd once per message key;
  // the first transcript line of a request first seen through OTel takes its
  // counts' place; metric points summed into their session.
  Status AddReportedCost(MessageUsage& m, const UsageFact& u);
  Status ReplaceOtelCounts(const EventFacts& f, MessageUsage& m);
  Status CountModel(const MessageUsage& m, int sign);
  // What a message's first counted line decides: session, model, time, counts, tier, thread.
  static void TakeFirstLine(const EventFacts& f, MessageUsage* m);
  Status ApplyMetric(const EventFacts& f);
  // Runs fn on the stats a call counts in: its session's and task's per-tool
  // and total stats, and the global tool aggregate.
  Status ForCallTargets(const ToolCall& call, const std::function<void(ToolStats&)>& fn);

  Loader loader_;
  Table<Aggregate> sessions_, tasks_;
  Table<ToolAggregate> tools_;
  Table<ToolCall> calls_;
  Table<MessageUsage> messages_;
  Table<TokenCounts> by_day_, by_session_day_;
  Table<SlotTokens> by_slot_;
};

}  // namespace trace
