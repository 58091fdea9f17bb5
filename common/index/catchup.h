// Lossless catch-up between trace-index and its trace-tails (proto/wire.md
// "Control exchange"): tracks each publisher's (epoch, pub_seq), detects new
// epochs, gaps and silent loss, and drives HELLO/STATE and REWIND/REWOUND on
// one DEALER per tail control endpoint, and on the ROUTER remote tails
// connect to (Listen: one link per announced tail); grants each tail credit
// (CREDIT / CREDITED, "Flow control") and keeps the backlog it reports.
// Owned by the index's loop thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/base/clock.h"
#include "common/base/status.h"
#include "common/store/prepared_batch.h"
#include "common/wire/control.h"
#include "common/wire/wire.h"

namespace trace {

// What the index knows of one publisher's stream.
struct PublisherTrack {
  uint64_t epoch = 0, last_pub_seq = 0;
  bool known = false;
  // True after a REWOUND for this epoch: every message since was seen, so a
  // new source's first line may start its committed offset.
  bool synced = false;
};

class CatchUp {
 public:
  struct Options {
    int silence_ms = 1000;        // HELLO after this long without messages
    int reply_timeout_ms = 3000;  // a request without reply is considered lost
    NowFn now = NowMs;            // when a message was seen (tests drive it by hand)
    // Flow control: a tail may publish this many messages past the last one
    // received (0: no CREDIT is sent; tails run free and rewinds repair).
    uint64_t credit_window = 0;
    int credit_every_ms = 500;  // a grant is renewed at least this often
    uint64_t index_id = 0;      // names this index in its grants
  };
  // Called before a REWIND: commits the pending batch and returns the
  // committed source offsets to send.
  using CommitFn = std::function<Result<std::map<std::string, SourceOffset>>()>;

  CatchUp(wire::Context& ctx, std::vector<std::string> control_endpoints, Options options,
          CommitFn commit);
  ~CatchUp();
  Status Connect();
  // Binds the ROUTER remote tails connect their control DEALER to; each
  // tail becomes a link when its announcing STATE arrives. curve_secret:
  // the server key when CURVE is on, else empty.
  Status Listen(const std::string& endpoint, const std::string& curve_secret);

  // Accounts one received message; returns whether its new sources may be
  // trusted (see IncomingLine). May schedule a rewind.
  bool Observe(const wire::Header& h);
  // Schedules a rewind of every tail (stored lines past a hole).
  void RequestRewindAll();
  // Sends due requests (start, gaps, silence, timeouts). Call every loop turn.
  Status Tick(int64_t now_ms);
  // Handles replies waiting on the control sockets.
  Status HandleReplies(int64_t now_ms);
  // Sockets to poll for replies.
  std::vector<wire::Socket*> sockets();
  // Links: dialed tails plus the remote tails announced and still there.
  size_t links() const { return links_.size(); }
  // Positions to persist with the next batch, by publisher id (hex).
  std::map<std::string, PublisherPosition> Positions() const;
  uint64_t rewinds() const { return rewinds_; }
  uint64_t credits() const { return credits_; }  // CREDIT messages sent
  // The backlogs tails reported in CREDITED within the last reply timeout,
  // summed; *tails counts them.
  wire::Backlog TailBacklog(int64_t now_ms, uint64_t* tails) const;

 private:
  struct Link;
  bool Linked(uint64_t publisher_id) const;
  // Marks the links of publisher_id (and links not yet identified) for a rewind.
  void Schedule(uint64_t publisher_id, const char* why, uint64_t pub_seq, uint64_t last);
  Status HandleReply(Link& link, const wire::ControlMessage& reply, int64_t now_ms);
  // What arrived on the ROUTER: an announcement (a new link) or a reply.
  void HandleRouted(const std::string& peer, const wire::ControlMessage& m, int64_t now_ms);
  void ForgetDepartedLinks();
  Status SendRewind(Link& link, int64_t now_ms);
  // The HELLO/REWIND part of Tick for one link.
  Status TickLink(Link& link, int64_t now_ms);
  // Sends CREDIT when the window moved on by a quarter, or to renew it.
  Status Grant(Link& link, int64_t now_ms);
  void TakeCredited(Link& link, const wire::ControlMessage& reply, int64_t now_ms);
  // Puts m on the link's socket; false when the tail is not connected.
  Result<bool> Deliver(Link& link, const wire::ControlMessage& m);
  // A request: Deliver, and it is in flight until its reply. False when the
  // tail is not connected (nothing sent; retry later).
  Result<bool> Send(Link& link, std::string_view cmd, std::string body, int64_t now_ms);

  wire::Context& ctx_;
  Options options_;
  CommitFn commit_;
  std::vector<std::unique_ptr<Link>> links_;
  std::unique_ptr<wire::ControlRouter> router_;  // Listen's socket; null until then
  std::map<uint64_t, PublisherTrack> tracks_;
  std::map<uint64_t, int64_t> last_message_ms_;
  uint64_t rewinds_ = 0;
  uint64_t credits_ = 0;
};

}  // namespace trace
