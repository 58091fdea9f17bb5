// The control exchange between trace-index and trace-tail (proto/wire.md
// "Control exchange"): the tail's ROUTER (ControlServer) answers requests of
// two frames, a command word and a JSON body, sent by the index's DEALERs
// (ControlClient). The codec below is the one place both sides read and
// write those bodies. The sockets are implemented in wire.cc, the ZeroMQ
// adapter; the codec in control.cc.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"
#include "common/wire/wire.h"

namespace trace::wire {

inline constexpr std::string_view kHello = "HELLO", kState = "STATE";
inline constexpr std::string_view kRewind = "REWIND", kRewound = "REWOUND";
inline constexpr std::string_view kError = "ERROR";
inline constexpr std::string_view kCredit = "CREDIT", kCredited = "CREDITED";

struct ControlMessage {
  std::string command;
  std::string body;  // a JSON object
};

// The index's end: one DEALER per tail. Requests go out only on a live
// connection, so one sent while the tail is down is not delivered late to
// its next instance.
class ControlClient : public Socket {
 public:
  explicit ControlClient(Context& ctx);
  // False (ok) when the tail is not connected: nothing was sent.
  Result<bool> Send(const ControlMessage& m);
  // A reply if one is waiting; false when none is.
  Result<bool> Receive(ControlMessage* out);
};

// The tail's end: a ROUTER answering every waiting request, never blocking.
class ControlServer : public Socket {
 public:
  using Answer = std::function<ControlMessage(const ControlMessage& request)>;
  explicit ControlServer(Context& ctx);
  Status Serve(const Answer& answer);
};

// Remote tails open every connection themselves (proto/wire.md "Remote
// tails"): the index binds one ROUTER (ControlRouter) for all of them, and
// each tail connects a DEALER (ControlDealer) that announces itself with an
// unsolicited STATE on every (re)connection, then answers requests as
// ControlServer does. The index tells the tails apart by ZeroMQ routing id.
class ControlRouter : public Socket {
 public:
  explicit ControlRouter(Context& ctx);
  // False (ok) when nothing was sent: that peer is no longer connected (then
  // *gone is set, when given) or its queue is full (try again later).
  Result<bool> SendTo(std::string_view peer, const ControlMessage& m, bool* gone = nullptr);
  // A message if one is waiting, its sender's routing id in *peer.
  Result<bool> Receive(std::string* peer, ControlMessage* out);
};

class ControlDealer : public Socket {
 public:
  explicit ControlDealer(Context& ctx);
  // Queues a message to the index without blocking; false when it cannot.
  Result<bool> Announce(const ControlMessage& m);
  // Answers every waiting request, never blocking.
  Status Serve(const ControlServer::Answer& answer);
};

// A source's read position as the two sides exchange it.
struct SourcePoint {
  std::string id;  // "<st_dev>:<st_ino>", or "-" for stdin; may be empty (match by path)
  std::string path;
  uint64_t offset = 0;
  // "<bytes>:<hash>" of the file's first bytes when known (proto/wire.md): a
  // REWIND whose fingerprint the file no longer starts with goes to 0.
  std::string fingerprint = {};
};

struct StateReply {
  uint64_t publisher_id = 0, epoch = 0, pub_seq = 0;
  std::vector<SourcePoint> sources;
};
struct RewoundReply {
  uint64_t pub_seq = 0;  // the last published before the resend
  int64_t rewound = 0;   // sources whose position changed
};

std::string EncodeState(const StateReply& s);
Result<StateReply> DecodeState(std::string_view body);
// REWIND's body: {"sources":[{"id","path","offset"},...]}.
std::string EncodeRewind(const std::vector<SourcePoint>& sources);
Result<std::vector<SourcePoint>> DecodeRewind(std::string_view body);
std::string EncodeRewound(const RewoundReply& r);
Result<RewoundReply> DecodeRewound(std::string_view body);
// CREDIT (proto/wire.md "Flow control"): one index lets one publisher
// (publisher_id, epoch) publish up to pub_seq `limit`. index_id names the
// granting index, so a tail followed by several indexes keeps one grant each.
struct CreditGrant {
  uint64_t index_id = 0, publisher_id = 0, epoch = 0;
  uint64_t received = 0;  // the last pub_seq the index has received
  uint64_t limit = 0;     // the tail may publish pub_seq <= limit
};
// What a tail has still to read, summed over its sources (stdin excluded).
struct Backlog {
  uint64_t files = 0, files_behind = 0;  // followed; with unread bytes
  uint64_t bytes_total = 0, bytes_left = 0;
};
// CREDITED: accepted is false when the grant names another publisher or
// epoch (then the tail ignored it).
struct CreditReply {
  bool accepted = false;
  uint64_t pub_seq = 0;  // the last published
  Backlog backlog;
  // The most messages past `received` the tail takes (below its PUB
  // high-water mark); 0: no cap. The index grants no more than that, or it
  // would wait for a quarter of a window the tail never uses.
  uint64_t max_ahead = 0;
};

std::string EncodeCredit(const CreditGrant& c);
Result<CreditGrant> DecodeCredit(std::string_view body);
std::string EncodeCredited(const CreditReply& r);
Result<CreditReply> DecodeCredited(std::string_view body);
std::string EncodeError(std::string_view message);
// The message of an ERROR body ("unknown error" when it has none).
std::string DecodeError(std::string_view body);

}  // namespace trace::wire
