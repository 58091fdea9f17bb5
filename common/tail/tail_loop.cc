// See tail_loop.h. Checkpoints are written only when a position changed
// (each save is an fsync), and at least once per run.
#include "common/tail/tail_loop.h"

#include <unistd.h>

#include <algorithm>

#include "common/base/clock.h"
#include "common/base/log.h"
#include "common/base/shutdown.h"
#include "common/wire/wire.h"

namespace trace {

TailLoop::TailLoop(TailLoopOptions options, TailFollower* follower, TailOutput* output,
                   TailControl* control, DirWatcher* watcher)
    : options_(std::move(options)),
      follower_(follower),
      output_(output),
      control_(control),
      watcher_(watcher) {}

Status TailLoop::SaveState() {
  if (options_.state.empty()) return Status::Ok();
  std::vector<SourcePosition> now = follower_->Positions();
  std::sort(now.begin(), now.end(), [](auto& a, auto& b) { return a.path < b.path; });
  if (ever_saved_ && now == saved_) return Status::Ok();
  Status st = SaveCheckpoint(options_.state, Checkpoint{now});
  if (st.ok()) {
    saved_ = std::move(now);
    ever_saved_ = true;
  }
  return st;
}

// A signal ends the wait early; Run checks shutdown::Requested().
Status TailLoop::Wait(int timeout_ms, bool inputs) {
  wire::Poller poller;
  if (control_) {
    for (wire::Socket* s : control_->sockets()) poller.Add(*s);
  }
  poller.AddFd(shutdown::Fd());
  if (inputs && watcher_ && watcher_->fd() >= 0) poller.AddFd(watcher_->fd());
  if (inputs && options_.stdin_source && !follower_->streams_done()) poller.AddFd(STDIN_FILENO);
  return poller.Wait(timeout_ms);
}

bool TailLoop::Held(int64_t now_ms) { return gate_ && !gate_->Open(output_->pub_seq(), now_ms); }

void TailLoop::ReportProgress(int64_t now_ms) {
  if (now_ms - last_progress_ms_ < options_.progress_ms) return;
  last_progress_ms_ = now_ms;
  wire::Backlog b = follower_->Backlog();
  progress::Progress p;
  p.tails = 1;
  p.files = b.files;
  p.files_behind = b.files_behind;
  p.bytes_total = b.bytes_total;
  p.bytes_left = b.bytes_left;
  p.events = output_->events();
  progress_.Update(now_ms, p);
  if (progress_.LogDue(now_ms)) progress_.Log();
}

Status TailLoop::Run() {
  int64_t last_full = 0, last_save = NowMs();
  while (!shutdown::Requested()) {
    // Out of credit the step still finds new files (the backlog counts
    // them) but reads none.
    bool held = Held(NowMs());
    bool full = NowMs() - last_full >= options_.poll_ms;
    if (full) last_full = NowMs();
    bool more = follower_->Poll(full);
    if (Status st = output_->Flush(); !st.ok()) return st;
    if ((options_.once || options_.stdin_only) && !more && follower_->streams_done()) break;
    if (control_) {
      if (Status st = control_->HandleWaiting(); !st.ok())
        log::Warn("control", {{"error", st.message()}});
    }
    if (NowMs() - last_save >= options_.checkpoint_ms) {
      if (Status st = SaveState(); !st.ok()) log::Error("checkpoint", {{"error", st.message()}});
      last_save = NowMs();
    }
    ReportProgress(NowMs());
    if (held) {
      if (!Held(NowMs())) continue;  // a CREDIT answered just now opened the gate: read at once
      // Woken by the next CREDIT, or when a grant may lapse.
      int64_t until = std::clamp<int64_t>(gate_->MsUntilChange(NowMs()), 1, options_.poll_ms);
      if (Status st = Wait(static_cast<int>(until), false); !st.ok()) return st;
    } else if (!more) {
      int timeout =
          options_.once
              ? 100
              : static_cast<int>(std::min<int64_t>(options_.poll_ms, options_.checkpoint_ms));
      if (Status st = Wait(timeout, true); !st.ok()) return st;
    }
  }
  if (options_.once && !shutdown::Requested()) follower_->FlushPartials();
  if (Status st = output_->Flush(); !st.ok()) return st;
  return SaveState();
}

}  // namespace trace
