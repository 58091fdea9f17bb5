// Where trace-tail's events go: every line the follower hands over is
// normalized once (sub-agent lines with their agent-<id>.meta.json) and written as one JSONL line
// to stdout (buffered) and/or published as a three-frame message (proto/wire.md). One thread.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

#include "common/base/status.h"
#include "common/event/normalize.h"
#include "common/tail/follower.h"
#include "common/tail/line_guard.h"
#include "common/wire/wire.h"

namespace trace {

class TailOutput : public LineSink {
 public:
  // publisher may be null; stdout_fd is -1 when not writing to stdout.
  TailOutput(wire::Publisher* publisher, int stdout_fd);

  // With a guard, each line is normalized inside it, and a line it has
  // quarantined is emitted raw, unparsed (line_guard.h). guard may be null.
  void SetGuard(LineGuard* guard) { guard_ = guard; }
  // The user and host events of files read here carry when their record
  // names none (trace-tail --user/--host). Not applied to the ingest spool:
  // its lines came from other machines, and say who sent them themselves.
  void SetOrigin(Origin origin) { origin_ = std::move(origin); }

  void OnLine(const SourceRef& source, const Line& line, InputKind kind, TimeCarry* time) override;
  void OnNotice(const SourceRef& source, std::string_view what, std::string_view detail) override;

  // Writes what is buffered for stdout. An error (e.g. the reader of the
  // pipe went away) is sticky: see status().
  Status Flush();
  const Status& status() const { return status_; }
  uint64_t events() const { return events_; }
  // The last pub_seq published (events written when there is no publisher).
  uint64_t pub_seq() const;

 private:
  void Emit();
  // The meta file of a sub-agent transcript (null for other files, or while
  // it cannot be read: then it is tried again at most once a second).
  const AgentMeta* AgentMetaFor(const std::string& path);

  struct MetaEntry {
    std::optional<AgentMeta> meta;
    int64_t next_try_ms = 0;
  };
  std::unordered_map<std::string, MetaEntry> agent_meta_;  // by transcript path

  wire::Publisher* publisher_;
  LineGuard* guard_ = nullptr;
  int stdout_fd_;
  Origin origin_;
  Normalizer normalizer_;
  std::string event_;
  std::string stdout_buffer_;
  uint64_t events_ = 0;
  Status status_;
};

}  // namespace trace
