// trace-tail's event loop: poll the follower, flush the output, answer the
// control socket, checkpoint the read positions, log progress, and wait for
// inotify, the control socket, stdin or a stop in between; out of credit
// (CreditGate) it reads nothing and waits for the control socket only.
// Ends at a stop request, or with --once / a stdin-only run when everything
// is read. One thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/base/status.h"
#include "common/progress/reporter.h"
#include "common/tail/checkpoint.h"
#include "common/tail/credit_gate.h"
#include "common/tail/dir_watcher.h"
#include "common/tail/follower.h"
#include "common/tail/tail_control.h"
#include "common/tail/tail_output.h"

namespace trace {

struct TailLoopOptions {
  std::string state;          // checkpoint file; empty: none
  bool once = false;          // read what exists (partial last lines too), then end
  bool stdin_only = false;    // end at stdin's EOF
  bool stdin_source = false;  // stdin is one of the sources: wait for it too
  int poll_ms = 1000;         // full rescan interval
  int checkpoint_ms = 1000;   // how often the checkpoint is written
  int progress_ms = 1000;     // how often the backlog is sampled (logged every 5 s while behind)
};

class TailLoop {
 public:
  // control and watcher may be null; all must outlive the loop.
  TailLoop(TailLoopOptions options, TailFollower* follower, TailOutput* output,
           TailControl* control, DirWatcher* watcher);
  // Runs until the end (see above), then writes the checkpoint a last time.
  // An error of the output, the wait or the last checkpoint ends it.
  Status Run();
  // Flow control: out of credit the loop stops reading (the follower's
  // FollowerOptions::hold must ask the same gate). gate must outlive the loop.
  void SetCreditGate(CreditGate* gate) { gate_ = gate; }

 private:
  Status SaveState();
  // inputs: also wake for inotify and stdin (not while out of credit:
  // unread notices would end every wait at once).
  Status Wait(int timeout_ms, bool inputs);
  bool Held(int64_t now_ms);
  void ReportProgress(int64_t now_ms);

  const TailLoopOptions options_;
  TailFollower* follower_;
  TailOutput* output_;
  TailControl* control_;
  DirWatcher* watcher_;
  CreditGate* gate_ = nullptr;
  progress::ProgressReporter progress_;
  int64_t last_progress_ms_ = 0;
  std::vector<SourcePosition> saved_;
  bool ever_saved_ = false;  // the file may hold entries no source has now
};

}  // namespace trace
