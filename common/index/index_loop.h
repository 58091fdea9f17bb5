// The two ways trace-index receives lines: a pipe (--stdin: JSONL until
// EOF) and ZeroMQ SUB sockets with the catch-up control links. Both group
// commit through an Indexer and stop cleanly on SIGINT/SIGTERM after
// committing what they hold.
#pragma once

#include <string>
#include <vector>

#include "common/base/status.h"
#include "common/index/indexer.h"
#include "common/wire/wire.h"

namespace trace {

// Reads JSONL from fd until EOF (a final line without newline included),
// committing as it goes; returns once everything is committed.
Status RunStdinLoop(int fd, Indexer& indexer);

struct SubscribeOptions {
  std::vector<std::string> sub_endpoints;
  std::vector<std::string> control_endpoints;  // empty: no catch-up
  // Remote tails (proto/wire.md "Remote tails"): endpoints this index binds
  // for tails that connect their PUB and control DEALER to it; empty: none.
  std::string listen_events, listen_control;
  std::string curve_secret_key;  // CURVE server key of both listen sockets; empty: plain
  int silence_ms = 1000;
  int hole_rewind_interval_ms = 5000;
  uint64_t credit_window = 0;  // flow control (catchup.h); 0: off
  uint64_t index_id = 0;       // names this index in its CREDITs
  // Where progress.json is written about once a second (proto/progress.md);
  // empty: not written (progress is still logged).
  std::string progress_dir;
};

// Receives until shutdown is requested; returns once everything received
// is committed.
Status RunSubscribeLoop(wire::Context& ctx, const SubscribeOptions& options, Indexer& indexer);

}  // namespace trace
