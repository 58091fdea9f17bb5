// See tail_links.h.
#include "common/tail/tail_links.h"

namespace trace {

Status CheckTailLinks(const TailLinks& l) {
  if (!l.pub_connect.empty() && !l.pubs.empty())
    return Status::Error("--pub and --pub-connect exclude each other");
  if (!l.control_connect.empty() && !l.control.empty())
    return Status::Error("--control and --control-connect exclude each other");
  if (!l.control_connect.empty() && !l.publishes())
    return Status::Error("--control-connect needs --pub-connect (the events it catches up)");
  if (l.curve_server_key.empty() != l.curve_key.empty())
    return Status::Error("--curve-server-key and --curve-key go together");
  if (!l.curve_key.empty() && !l.remote())
    return Status::Error("--curve-server-key needs --pub-connect or --control-connect");
  return Status::Ok();
}

Result<TailCurve> LoadTailCurve(const TailLinks& l) {
  TailCurve c;
  if (l.curve_key.empty()) return c;
  if (!wire::CurveAvailable())
    return Status::Error("this libzmq was built without CURVE (zmq_has(\"curve\") is false)");
  auto own = wire::ReadSecretKeyFile(l.curve_key);
  if (!own) return own.status().Wrap("--curve-key");
  auto server = wire::ReadPublicKey(l.curve_server_key);
  if (!server) return server.status().Wrap("--curve-server-key");
  return TailCurve{true, *own, *server};
}

Status OpenPublisher(const TailLinks& l, const TailCurve& curve, wire::Publisher& publisher,
                     std::string* what) {
  *what = "bind --pub";
  for (const std::string& ep : l.pubs) {
    if (Status st = publisher.Bind(ep); !st) return st;
  }
  if (l.pub_connect.empty()) return Status::Ok();
  *what = "connect --pub-connect";
  if (Status st = publisher.UseHeartbeats(wire::kRemoteHeartbeatMs); !st) return st;
  if (curve.on) {
    if (Status st = publisher.UseCurveClient(curve.own, curve.server_key); !st) return st;
  }
  return publisher.Connect(l.pub_connect);
}

Status OpenControl(const TailLinks& l, const TailCurve& curve, TailControl& control,
                   std::string* what) {
  *what = l.control.empty() ? "connect --control-connect" : "bind --control";
  if (!l.control.empty()) return control.Bind(l.control);
  return control.Connect(l.control_connect, curve.on ? &curve.own : nullptr, curve.server_key);
}

}  // namespace trace
