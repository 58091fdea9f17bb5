// trace-tail's side of flow control (proto/wire.md "Flow control"): the
// credit each attached trace-index has granted, and whether the tail may
// read and publish more now. Pure logic on a clock passed in, so tests
// drive it without sockets or sleeps. Owned by the tail's loop thread.
#pragma once

#include <cstdint>
#include <map>

#include "common/wire/control.h"

namespace trace {

class CreditGate {
 public:
  struct Options {
    // A grant not renewed for this long is from an index that went away:
    // it no longer holds the tail back (indexes renew every ~500 ms).
    int64_t grant_timeout_ms = 3000;
    // At start, how long the tail waits for a first grant before reading
    // unbounded (no index attached: --stdout, a user's own SUB). 0: no wait.
    int64_t start_wait_ms = 2000;
    // The most messages past an index's `received` any grant may allow (0:
    // no cap): below the PUB high-water mark, so an index configured with a
    // window larger than the tail's queue still never makes it drop.
    uint64_t max_ahead = 0;
  };
  CreditGate(Options options, uint64_t publisher_id, uint64_t epoch, int64_t start_ms);

  // Takes one CREDIT; false when it names another publisher or epoch (a
  // stale grant for a previous instance of this tail): ignored.
  bool Grant(const wire::CreditGrant& grant, int64_t now_ms);
  // Whether the message after last_pub_seq may go out now: below the
  // lowest limit of the live grants, or freely when none is live and the
  // start wait is over.
  bool Open(uint64_t last_pub_seq, int64_t now_ms);
  // How long a closed gate may stay closed before a grant times out (or
  // the start wait ends): the loop's longest sensible wait.
  int64_t MsUntilChange(int64_t now_ms) const;

  size_t live_grants(int64_t now_ms) const;
  uint64_t max_ahead() const { return options_.max_ahead; }
  uint64_t stalls() const { return stalls_; }  // times Open turned false

 private:
  struct Entry {
    uint64_t limit = 0;
    int64_t renewed_ms = 0;
  };
  void Expire(int64_t now_ms);

  const Options options_;
  const uint64_t publisher_id_, epoch_;
  const int64_t start_ms_;
  bool ever_granted_ = false;
  bool was_open_ = true;
  uint64_t stalls_ = 0;
  std::map<uint64_t, Entry> grants_;  // by index_id
};

}  // namespace trace
