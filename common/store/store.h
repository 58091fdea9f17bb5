// The LMDB event store (proto/storage.md): one environment, one writer
// (trace-index, see store_writer.h), many read-only readers (gateway, query).
// Readers never block the writer (LMDB MVCC); every read call runs in its own
// short read transaction, so it sees one consistent committed state.
#pragma once

#include <lmdb.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/base/status.h"

namespace trace {

struct StoreDbs;  // the named databases (store_schema.h)

inline constexpr int kSchemaVersion = 1;

// Filters shared by the REST API, SSE and trace-query. Empty strings and
// nullopt mean "no filter". from/to are inclusive ms epoch bounds.
struct EventFilter {
  std::string session_id, task_id, tool_name, trace_id, event_type;
  std::optional<int64_t> from_ms, to_ms;
  bool Empty() const;
};

struct EventQuery {
  EventFilter filter;
  size_t limit = 100;
  size_t offset = 0;
  uint64_t before_seq = 0;  // cursor: only seq < before_seq (0 = none)
};

// A page of events, newest (highest seq) first. total counts every event
// matching the filter, ignoring limit, offset and before_seq.
struct EventPage {
  std::vector<std::string> events;  // event JSON, each with its "seq"
  uint64_t total = 0;
};

struct SessionPage {
  std::vector<std::string> sessions;  // session aggregate JSON, most recent activity first
  uint64_t total = 0;
};

// One token bucket (proto/storage.md "Usage buckets"); cost is applied by
// common/pricing at read time.
struct UsageBucket {
  std::string session_id;  // empty for per-day buckets
  std::string day;         // "YYYY-MM-DD" (UTC); empty for session x model buckets
  std::string model;
  std::string tier;  // "standard" | "long"
  uint64_t input_tokens = 0, output_tokens = 0;
  uint64_t cache_creation_input_tokens = 0, cache_read_input_tokens = 0;
  uint64_t messages = 0;
};

// Read access. Thread-safe: any number of threads may call concurrently.
class Store {
 public:
  struct Options {
    std::string dir;
    unsigned max_readers = 1024;
  };
  // Opens an existing store read-only. Fails (one line) when the directory
  // holds no store or one with another schema version.
  static Result<std::unique_ptr<Store>> OpenReadOnly(const Options& options);
  ~Store();

  Result<std::optional<std::string>> GetEvent(uint64_t seq);
  Result<std::optional<std::string>> GetEventBySpanId(const std::string& span_id);
  Result<uint64_t> LastSeq();

  // Newest first, using the most selective index of the filter.
  Result<EventPage> QueryEvents(const EventQuery& q);
  // The same page for a response body: appends its events to *out,
  // comma-separated and verbatim, copied once from the map; returns the
  // total. *out may be partly written when this fails.
  Result<uint64_t> AppendEventsJson(const EventQuery& q, std::string* out);
  // Events with seq > after_seq matching filter, oldest first, at most max
  // (SSE replay from Last-Event-ID).
  Result<std::vector<std::string>> EventsAfter(uint64_t after_seq, const EventFilter& filter,
                                               size_t max);

  Result<std::optional<std::string>> GetSession(const std::string& session_id);
  Result<SessionPage> ListSessions(size_t limit, size_t offset);
  Result<std::optional<std::string>> GetTask(const std::string& task_id);
  // The events of a task in seq order (input for nesting by parent_id).
  Result<std::vector<std::string>> TaskEvents(const std::string& task_id, size_t max);
  // Every tool aggregate, by tool name.
  Result<std::vector<std::string>> ListTools();

  // Token buckets: per session x model x tier (empty session_id = all
  // sessions), per UTC day x model x tier, per session x day x model x tier.
  Result<std::vector<UsageBucket>> SessionUsage(const std::string& session_id);
  Result<std::vector<UsageBucket>> DailyUsage();
  Result<std::vector<UsageBucket>> SessionDailyUsage(const std::string& session_id);

  const std::string& dir() const { return dir_; }

 private:
  Store() = default;
  // Runs fn in a fresh read txn; adopts a map grown by the writer
  // (MDB_MAP_RESIZED) and retries.
  Status Read(const std::function<Status(MDB_txn*, const StoreDbs&)>& fn);
  // The value of key in one named database, or nullopt.
  Result<std::optional<std::string>> GetValue(MDB_dbi StoreDbs::*db, std::string_view key);
  // Every value of a database whose key starts with prefix, in key order.
  Result<std::vector<std::pair<std::string, std::string>>> ScanPrefix(MDB_dbi StoreDbs::*db,
                                                                      std::string_view prefix);

  std::string dir_;
  MDB_env* env_ = nullptr;
  std::unique_ptr<StoreDbs> dbs_;
  std::shared_mutex resize_mu_;  // shared per read txn; exclusive to adopt a new map size
};

}  // namespace trace
