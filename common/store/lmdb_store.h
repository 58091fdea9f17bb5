// Store (store.h) over LMDB: the reader side of the one environment. Private
// to common/store: the rest of the code sees the Store contract, never LMDB.
#pragma once

#include <functional>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/store/event_cache.h"
#include "common/store/event_codec.h"
#include "common/store/lmdb.h"
#include "common/store/store.h"
#include "common/store/store_schema.h"

namespace trace {

class LmdbStore final : public Store {
 public:
  static Result<std::unique_ptr<Store>> Open(const Options& options);
  ~LmdbStore() override;

  Result<std::optional<std::string>> GetEvent(uint64_t seq) override;
  Result<std::optional<std::string>> GetEventBySpanId(const std::string& span_id) override;
  Result<uint64_t> LastSeq() override;
  Result<EventPage> QueryEvents(const EventQuery& q) override;
  Result<uint64_t> AppendEventsJson(const EventQuery& q, std::string* out) override;
  Result<std::vector<std::string>> EventsAfter(uint64_t after_seq, const EventFilter& filter,
                                               size_t max) override;
  Result<std::optional<std::string>> GetSession(const std::string& session_id) override;
  Result<SessionPage> ListSessions(size_t limit, size_t offset) override;
  Result<SessionPage> FindSessions(const SessionFilter& filter, size_t limit,
                                   size_t offset) override;
  Result<std::optional<std::string>> GetTask(const std::string& task_id) override;
  Result<std::vector<std::string>> TaskEvents(const std::string& task_id, size_t max) override;
  Result<ToolPage> ListTools(const std::string& after_name, size_t max) override;
  Result<std::vector<UsageBucket>> SessionUsage(const std::string& session_id) override;
  Result<std::vector<UsageBucket>> DailyUsage() override;
  Result<std::vector<UsageBucket>> SessionDailyUsage(const std::string& session_id) override;
  Result<std::vector<UsageSlot>> UsageSlots(int64_t from_ms, int64_t to_ms) override;
  Result<std::vector<std::pair<std::string, std::string>>> SessionDirs() override;
  Result<std::vector<SessionOrigin>> SessionOrigins() override;
  const std::string& dir() const override { return dir_; }

 private:
  LmdbStore() = default;
  // Runs fn in a fresh read txn; adopts a map grown by the writer
  // (MDB_MAP_RESIZED) and retries.
  Status Read(const std::function<Status(MDB_txn*, const StoreDbs&)>& fn);
  // FindSessions with a filter: every session matched, most recent first.
  Result<SessionPage> FilteredSessions(const SessionFilter& filter, size_t limit, size_t offset);
  // The value of key in one named database, or nullopt.
  Result<std::optional<std::string>> GetValue(MDB_dbi StoreDbs::*db, std::string_view key);
  // The event stored under seq, read in txn (nullopt: none).
  Status ReadEvent(MDB_txn* txn, const StoreDbs& d, uint64_t seq, std::optional<std::string>* out);
  // Every value of a database whose key starts with prefix, in key order.
  Result<std::vector<std::pair<std::string, std::string>>> ScanPrefix(MDB_dbi StoreDbs::*db,
                                                                      std::string_view prefix);

  std::string dir_;
  MDB_env* env_ = nullptr;
  std::unique_ptr<StoreDbs> dbs_;
  std::shared_mutex resize_mu_;  // shared per read txn; exclusive to adopt a new map size
  EventDecoder decoder_;         // events values -> JSON (thread-safe)
  // Decoded events of the query paths; 8 MiB is the newest few thousand.
  EventCache cache_{8 << 20};
};

// Events with seq > after_seq in seq order, read in txn (store_query.cc):
// the one place both the readers and the writer's snapshots take event
// values out of the store. See StoreSnapshot::EventsAfter.
// Values are decoded with decoder.
Result<bool> ReadEventsAfter(EventDecoder& decoder, MDB_txn* txn, const StoreDbs& d,
                             uint64_t after_seq, size_t max, size_t max_bytes,
                             std::vector<std::pair<uint64_t, std::string>>* out);

}  // namespace trace
