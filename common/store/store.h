// The LMDB event store (proto/storage.md): one environment, one writer
// (trace-index, see store_writer.h), many read-only readers (gateway, query).
// Readers never block the writer (LMDB MVCC); every read call runs in its own
// short read transaction, so it sees one consistent committed state.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/base/status.h"
#include "common/event/tokens.h"

namespace trace {

// 2: ids keys are event identities (EventIdentity), sessions count API
// messages per model (main_models); a version 1 store is refused.
// 3: `events` values are compressed (event_codec.h) with dictionaries in
// `dicts`.
// 4: `ids` keys are 16-byte hashes of the identities (ids_key.h); a
// version 2 or 3 store is converted by trace-index --migrate.
inline constexpr int kSchemaVersion = 4;

// Filters shared by the REST API, SSE and trace-query. Empty strings and
// nullopt mean "no filter". from/to are inclusive ms epoch bounds.
struct EventFilter {
  std::string session_id, task_id, tool_name, trace_id, event_type;
  std::string user, host;  // the event's user / host (by_user, by_host)
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

// Sessions whose aggregate names this user / host (exactly; "" = any).
struct SessionFilter {
  std::string user, host;
  bool Empty() const { return user.empty() && host.empty(); }
};

struct SessionPage {
  std::vector<std::string> sessions;  // session aggregate JSON, most recent activity first
  uint64_t total = 0;
};

struct ToolPage {
  std::vector<std::string> tools;  // tool aggregate JSON, by tool name
  std::string last_name;           // the cursor: the next page starts after it
};

// Read access. Thread-safe: any number of threads may call concurrently.
// The LMDB implementation (lmdb_store.h) stays behind this contract.
class Store {
 public:
  struct Options {
    std::string dir;
    unsigned max_readers = 1024;
  };
  // Opens an existing store read-only. Fails (one line) when the directory
  // holds no store or one with another schema version.
  static Result<std::unique_ptr<Store>> OpenReadOnly(const Options& options);
  virtual ~Store() = default;

  virtual Result<std::optional<std::string>> GetEvent(uint64_t seq) = 0;
  virtual Result<std::optional<std::string>> GetEventBySpanId(const std::string& span_id) = 0;
  virtual Result<uint64_t> LastSeq() = 0;

  // Newest first, using the most selective index of the filter.
  virtual Result<EventPage> QueryEvents(const EventQuery& q) = 0;
  // The same page for a response body: appends its events to *out,
  // comma-separated and verbatim, copied once from the map; returns the
  // total. *out may be partly written when this fails.
  virtual Result<uint64_t> AppendEventsJson(const EventQuery& q, std::string* out) = 0;
  // Events with seq > after_seq matching filter, oldest first, at most max
  // (SSE replay from Last-Event-ID).
  virtual Result<std::vector<std::string>> EventsAfter(uint64_t after_seq,
                                                       const EventFilter& filter, size_t max) = 0;

  virtual Result<std::optional<std::string>> GetSession(const std::string& session_id) = 0;
  virtual Result<SessionPage> ListSessions(size_t limit, size_t offset) = 0;
  // The same page of the sessions that match filter; total counts the
  // matches (every session is looked at when the filter is not empty).
  virtual Result<SessionPage> FindSessions(const SessionFilter& filter, size_t limit,
                                           size_t offset) = 0;
  virtual Result<std::optional<std::string>> GetTask(const std::string& task_id) = 0;
  // The events of a task in seq order (input for nesting by parent_id).
  virtual Result<std::vector<std::string>> TaskEvents(const std::string& task_id, size_t max) = 0;
  // At most max tool aggregates, by tool name, the first one named after
  // after_name ("": from the first).
  virtual Result<ToolPage> ListTools(const std::string& after_name, size_t max) = 0;

  // Token buckets: per session x model x tier (empty session_id = all
  // sessions), per UTC day x model x tier, per session x day x model x tier.
  virtual Result<std::vector<UsageBucket>> SessionUsage(const std::string& session_id) = 0;
  virtual Result<std::vector<UsageBucket>> DailyUsage() = 0;
  virtual Result<std::vector<UsageBucket>> SessionDailyUsage(const std::string& session_id) = 0;
  // The 15-minute usage slots that overlap [from_ms, to_ms), in time order
  // (usage_by_slot; none in a store written before it existed). from 0 and
  // to INT64_MAX: every slot.
  virtual Result<std::vector<UsageSlot>> UsageSlots(int64_t from_ms, int64_t to_ms) = 0;
  // (session id, working directory) of every session with a known cwd.
  virtual Result<std::vector<std::pair<std::string, std::string>>> SessionDirs() = 0;
  // (session id, user, host) of every session that names a user or host.
  virtual Result<std::vector<SessionOrigin>> SessionOrigins() = 0;

  virtual const std::string& dir() const = 0;
};

}  // namespace trace
