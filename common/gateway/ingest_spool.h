// POST /api/events and /api/hooks: validates submitted events (our event
// shape, seed 003's {timestamp, event, sessionId, data}, or a raw Claude Code
// hook payload) and appends the accepted ones durably to <spool>/ingest.jsonl,
// which trace-tail follows (proto/inputs.md, "Ingest spool").
// All-or-nothing per request: everything is validated before anything is
// written; the lines go out in one O_APPEND write under a mutex, so concurrent
// requests never interleave. Durability is a group commit: a request waits
// (on its worker thread, never the connection loop's) until an fdatasync that
// began after its write returns; whoever finds no sync running starts one for
// everything written so far, so N concurrent requests share ~1-2 syncs
// (proto/inputs.md, "Ingest spool"). A reply of 201 still means the events are
// on disk: in the file at the spool path (one deleted or replaced under us is
// noticed and the path reopened before writing, after the old one is synced),
// never glued to a torn line a killed gateway left (Open ends it first).
// Thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"

namespace trace {

struct IngestResult {
  bool accepted = false;
  std::vector<std::string> ids;     // span_id of each accepted event, in order
  std::vector<std::string> errors;  // "[2]: event_type 'Foo' is not a known event name"
};

// Who sent a request and from which machine, as its X-Claude-Trace-User and
// X-Claude-Trace-Host headers say (proto/inputs.md "Ingest spool"): the
// user/host of its events that do not name their own. Empty: not said.
struct Sender {
  std::string user, host;
};

class IngestSpool {
 public:
  struct Options {
    std::string dir;           // the spool directory (created if missing)
    size_t max_events = 1000;  // per request
    size_t max_event_bytes = 1 << 20;
  };
  explicit IngestSpool(Options options);
  ~IngestSpool();
  // Creates the directory and file if missing; a last line without its
  // newline (a gateway killed mid-append) gets one, so it stays a line of its
  // own (a raw event downstream) and the next append starts a new line.
  Status Open();
  // Validates body and, if every event is valid, appends them. A Status
  // error means a write failure (nothing of this request is in the file).
  Result<IngestResult> Ingest(std::string_view body, const Sender& sender = {});
  // One http hook body (hook_identity.h, IsHookPayload), spooled with the
  // time it was received; ids[0] is its firing id (HookFiringId).
  Result<IngestResult> IngestHook(std::string_view body, int64_t received_ms,
                                  const Sender& sender = {});
  // Records already validated by their decoder (the OTLP receivers: one JSON
  // object per line, no newline inside), appended all or nothing.
  Status AppendRecords(const std::vector<std::string>& records);
  const std::string& path() const { return path_; }
  uint64_t accepted_events() {
    std::lock_guard lock(mu_);
    return accepted_events_;
  }
  // Appends written and fdatasyncs run: their ratio is the group commit's gain.
  uint64_t appends() {
    std::lock_guard lock(mu_);
    return appends_;
  }
  uint64_t syncs() {
    std::lock_guard lock(mu_);
    return syncs_;
  }

 private:
  Status Append(const std::string& lines, size_t count);
  // Blocks until the bytes up to written position `mine` are synced (leading
  // a sync when none runs); the error of a failed sync that covered them.
  Status WaitDurable(std::unique_lock<std::mutex>& lock, uint64_t mine);
  Status OpenFile();  // open (create) path_ and end a torn last line; under mu_ once running
  // Reopens when the file at path_ is not the one open; waits for a running
  // sync and syncs the old file first, so nothing written to it is lost.
  Status EnsureLinked(std::unique_lock<std::mutex>& lock);

  const Options options_;
  std::string path_;
  std::mutex mu_;               // guards everything below
  std::condition_variable cv_;  // a sync finished
  int fd_ = -1;
  uint64_t accepted_events_ = 0;
  uint64_t appends_ = 0, syncs_ = 0;
  // Positions count every byte ever appended (across reopens), so "my bytes
  // are synced" is one comparison.
  uint64_t written_ = 0;      // end of the last append
  uint64_t synced_ = 0;       // everything before is on disk
  uint64_t failed_upto_ = 0;  // a failed sync covered the bytes before
  int failed_errno_ = 0;
  bool syncing_ = false;  // a leader is in fdatasync (without mu_)
};

// True for the hook event names, transcript line types and our own types an
// ingested event may carry (anything else must be sent as "raw").
bool IsKnownEventType(std::string_view name);

}  // namespace trace
