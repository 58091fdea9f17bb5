// How trace-tail reaches its index (proto/wire.md "Remote tails"): each of
// its two sockets is either bound (--pub, --control: the local pipeline, the
// index dials in) or connected (--pub-connect, --control-connect: a remote
// tail opens every connection itself), the connected ones optionally under
// CURVE. The flag rules and the opening of the sockets, for trace-tail's main.
#pragma once

#include <string>
#include <vector>

#include "common/base/status.h"
#include "common/tail/tail_control.h"
#include "common/wire/curve_keys.h"
#include "common/wire/wire.h"

namespace trace {

struct TailLinks {
  std::vector<std::string> pubs;  // --pub (bound)
  std::string control;            // --control (bound)
  std::string pub_connect, control_connect;
  std::string curve_server_key, curve_key;  // a key or key file each; both or neither

  bool remote() const { return !pub_connect.empty() || !control_connect.empty(); }
  bool has_control() const { return !control.empty() || !control_connect.empty(); }
  bool publishes() const { return !pubs.empty() || !pub_connect.empty(); }
};

// The combinations that make sense: a socket is bound or connected, not
// both; connected control needs connected or bound events; CURVE needs both
// keys and a connected socket. The error is the one-line reason.
Status CheckTailLinks(const TailLinks& l);

struct TailCurve {
  bool on = false;
  wire::CurveKeypair own;
  std::string server_key;
};
// The keys of --curve-key / --curve-server-key (off when not given).
Result<TailCurve> LoadTailCurve(const TailLinks& l);

// Binds every --pub and connects --pub-connect (with heartbeats and CURVE).
// *what names the step that failed, for the one-line error.
Status OpenPublisher(const TailLinks& l, const TailCurve& curve, wire::Publisher& publisher,
                     std::string* what);
// Binds --control or connects --control-connect.
Status OpenControl(const TailLinks& l, const TailCurve& curve, TailControl& control,
                   std::string* what);

}  // namespace trace
