// See wire.h and proto/wire.md. The ZeroMQ adapter: sockets, poll and every
// zmq::error_t turned into a Status here.
#include "common/wire/wire.h"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <thread>
#include <zmq.hpp>

#include "common/base/ids.h"
#include "common/base/log.h"
#include "common/wire/control.h"

namespace trace::wire {
namespace {

void PutU64(std::string* out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out->push_back(static_cast<char>((v >> (i * 8)) & 0xff));
}

uint64_t GetU64(std::string_view s, size_t pos) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(s[pos + i]);
  return v;
}

Status FromZmq(const std::string& what, const zmq::error_t& e) {
  return Status::Error(what + ": " + e.what());
}

constexpr size_t kZ85KeySize = 40, kBinaryKeySize = 32;
constexpr char kZapEndpoint[] = "inproc://zeromq.zap.01";
// The ZAP domain our CURVE servers ask about; a ZAP request for another
// domain (some other library in the process) is refused.
constexpr char kZapDomain[] = "claude-trace";

bool IsZ85Key(std::string_view key) {
  uint8_t binary[kBinaryKeySize];
  std::string text(key);
  return key.size() == kZ85KeySize && zmq_z85_decode(binary, text.c_str()) != nullptr;
}

std::string Z85(const std::string& binary) {
  if (binary.size() != kBinaryKeySize) return "";
  char text[kZ85KeySize + 1];
  zmq_z85_encode(text, reinterpret_cast<const uint8_t*>(binary.data()), binary.size());
  return text;
}

// One ZAP request (RFC 27): version, request id, domain, address, routing
// id, mechanism, credentials (CURVE: the client's 32-byte public key). The
// reply: version, request id, status code, status text, user id, metadata.
void AnswerZap(zmq::socket_t& socket, const Context::Authorizer& authorize) {
  std::vector<std::string> f;
  do {
    zmq::message_t part;
    if (!socket.recv(part, zmq::recv_flags::none)) return;
    f.emplace_back(static_cast<const char*>(part.data()), part.size());
  } while (socket.get(zmq::sockopt::rcvmore));
  if (f.size() < 2) return;  // REP cannot answer without a request id; ZeroMQ never sends this
  bool curve = f.size() >= 7 && f[0] == "1.0" && f[2] == kZapDomain && f[5] == "CURVE";
  std::string key = curve ? Z85(f[6]) : "";
  bool ok = !key.empty() && authorize(key, f[3]);
  const std::string_view reply[] = {
      "1.0", f[1], ok ? "200" : "400", ok ? "OK" : "key not authorized",
      // a view of key itself: `ok ? key : ""` would be a temporary string
      ok ? std::string_view(key) : std::string_view(), ""};
  for (size_t i = 0; i < std::size(reply); ++i) {
    auto flags = i + 1 < std::size(reply) ? zmq::send_flags::sndmore : zmq::send_flags::none;
    socket.send(zmq::buffer(reply[i].data(), reply[i].size()), flags);
  }
}

// The authenticator thread: answers ZAP requests until stop is set. Nothing
// escapes it: an error is logged and the next request served.
void ServeZap(zmq::socket_t socket, const Context::Authorizer& authorize,
              const std::atomic<bool>* stop) {
  while (!stop->load()) {
    try {
      zmq::pollitem_t item{socket.handle(), 0, ZMQ_POLLIN, 0};
      if (zmq::poll(&item, 1, std::chrono::milliseconds(100)) == 0) continue;
      AnswerZap(socket, authorize);
    } catch (const zmq::error_t& e) {
      if (e.num() == ETERM) return;
      if (e.num() != EINTR) log::Error("curve authenticator", {{"error", e.what()}});
    } catch (const std::exception& e) {
      log::Error("curve authenticator", {{"error", e.what()}});
    }
  }
}

}  // namespace

bool CurveAvailable() { return zmq_has("curve") != 0; }

Result<CurveKeypair> NewCurveKeypair() {
  if (!CurveAvailable()) return Status::Error("this libzmq was built without CURVE");
  char pub[kZ85KeySize + 1], sec[kZ85KeySize + 1];
  if (zmq_curve_keypair(pub, sec) != 0) return Status::Error(zmq_strerror(zmq_errno()));
  return CurveKeypair{pub, sec};
}

Result<std::string> CurvePublicKey(std::string_view secret_key) {
  if (!CurveAvailable()) return Status::Error("this libzmq was built without CURVE");
  if (!IsZ85Key(secret_key)) return Status::Error("not a 40-character Z85 CURVE key");
  char pub[kZ85KeySize + 1];
  std::string sec(secret_key);
  if (zmq_curve_public(pub, sec.c_str()) != 0) return Status::Error(zmq_strerror(zmq_errno()));
  return std::string(pub);
}

std::string EncodeHeader(const Header& h) {
  std::string out;
  out.reserve(kHeaderSize);
  out.append("CT");
  out.push_back(static_cast<char>(kVersion));
  out.push_back('\0');  // flags, reserved
  PutU64(&out, h.publisher_id);
  PutU64(&out, h.epoch);
  PutU64(&out, h.pub_seq);
  return out;
}

Result<Header> DecodeHeader(std::string_view frame) {
  if (frame.size() < kHeaderSize || frame[0] != 'C' || frame[1] != 'T') {
    return Status::Error("not a claude-trace header frame");
  }
  if (static_cast<uint8_t>(frame[2]) != kVersion) {
    return Status::Error("unsupported wire version " +
                         std::to_string(static_cast<uint8_t>(frame[2])));
  }
  Header h;
  h.publisher_id = GetU64(frame, 4);
  h.epoch = GetU64(frame, 12);
  h.pub_seq = GetU64(frame, 20);
  return h;
}

struct Context::Impl {
  zmq::context_t ctx{1};
  std::atomic<bool> stop_zap{false};
  std::thread zap;
  // The authenticator closes its socket before the context terminates.
  ~Impl() {
    stop_zap = true;
    if (zap.joinable()) zap.join();
  }
};

Context::Context() : impl_(std::make_unique<Impl>()) {}
Context::~Context() = default;

Status Context::StartAuthenticator(Authorizer authorize) {
  if (impl_->zap.joinable()) return Status::Error("curve authenticator already started");
  try {
    zmq::socket_t socket(impl_->ctx, ZMQ_REP);
    socket.set(zmq::sockopt::linger, 0);
    socket.bind(kZapEndpoint);  // bound before any CURVE server asks
    impl_->zap = std::thread(ServeZap, std::move(socket), std::move(authorize), &impl_->stop_zap);
  } catch (const zmq::error_t& e) {
    return FromZmq("start curve authenticator", e);
  } catch (const std::system_error& e) {
    return Status::Error(std::string("start curve authenticator: ") + e.what());
  }
  return Status::Ok();
}

struct Socket::Impl {
  Impl(zmq::context_t& ctx, int type) : socket(ctx, type) {}
  zmq::socket_t socket;
};

Socket::Socket(Context& ctx, int type) : impl_(std::make_unique<Impl>(ctx.impl_->ctx, type)) {}
Socket::~Socket() = default;

Status Socket::Bind(const std::string& endpoint) {
  try {
    impl_->socket.bind(endpoint);
  } catch (const zmq::error_t& e) {
    return FromZmq("bind '" + endpoint + "'", e);
  }
  return Status::Ok();
}

Status Socket::Connect(const std::string& endpoint) {
  try {
    impl_->socket.connect(endpoint);
  } catch (const zmq::error_t& e) {
    return FromZmq("connect '" + endpoint + "'", e);
  }
  return Status::Ok();
}

Status Socket::UseCurveServer(std::string_view secret_key) {
  if (!CurveAvailable()) return Status::Error("curve: this libzmq was built without CURVE");
  if (!IsZ85Key(secret_key)) return Status::Error("curve: server secret key is not Z85");
  try {
    impl_->socket.set(zmq::sockopt::curve_server, 1);
    impl_->socket.set(zmq::sockopt::curve_secretkey, std::string(secret_key));
    impl_->socket.set(zmq::sockopt::zap_domain, kZapDomain);
  } catch (const zmq::error_t& e) {
    return FromZmq("curve server", e);
  }
  return Status::Ok();
}

Status Socket::UseCurveClient(const CurveKeypair& own, std::string_view server_key) {
  if (!CurveAvailable()) return Status::Error("curve: this libzmq was built without CURVE");
  if (!IsZ85Key(own.public_key) || !IsZ85Key(own.secret_key) || !IsZ85Key(server_key))
    return Status::Error("curve: a key is not a 40-character Z85 string");
  try {
    impl_->socket.set(zmq::sockopt::curve_serverkey, std::string(server_key));
    impl_->socket.set(zmq::sockopt::curve_publickey, own.public_key);
    impl_->socket.set(zmq::sockopt::curve_secretkey, own.secret_key);
  } catch (const zmq::error_t& e) {
    return FromZmq("curve client", e);
  }
  return Status::Ok();
}

Status Socket::UseHeartbeats(int interval_ms) {
  try {
    impl_->socket.set(zmq::sockopt::heartbeat_ivl, interval_ms);
    impl_->socket.set(zmq::sockopt::heartbeat_timeout, 3 * interval_ms);
  } catch (const zmq::error_t& e) {
    return FromZmq("heartbeats", e);
  }
  return Status::Ok();
}

std::string Socket::LastEndpoint() const {
  try {
    return impl_->socket.get(zmq::sockopt::last_endpoint);
  } catch (const zmq::error_t&) {
    return "";
  }
}

Result<bool> Socket::SendFrames(std::span<const std::string_view> frames, bool dont_wait,
                                bool* unreachable) {
  try {
    for (size_t i = 0; i < frames.size(); ++i) {
      auto flags = i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none;
      if (dont_wait && i == 0) flags = flags | zmq::send_flags::dontwait;
      // Once the first frame is queued the rest of the message always is.
      if (!impl_->socket.send(zmq::buffer(frames[i].data(), frames[i].size()), flags)) {
        return false;
      }
    }
  } catch (const zmq::error_t& e) {
    // A ROUTER's unknown peer (router_mandatory): nothing was sent.
    if (e.num() == EHOSTUNREACH) {
      if (unreachable) *unreachable = true;
      return false;
    }
    return FromZmq("send", e);
  }
  return true;
}

Result<bool> Socket::ReceiveFrames(std::vector<std::string>* frames, int timeout_ms) {
  frames->clear();
  zmq::socket_t& s = impl_->socket;
  try {
    if (timeout_ms >= 0) {
      zmq::pollitem_t item{s.handle(), 0, ZMQ_POLLIN, 0};
      if (zmq::poll(&item, 1, std::chrono::milliseconds(timeout_ms)) == 0) return false;
    }
    do {
      zmq::message_t part;
      if (!s.recv(part, zmq::recv_flags::none)) return false;
      frames->emplace_back(static_cast<const char*>(part.data()), part.size());
    } while (s.get(zmq::sockopt::rcvmore));
  } catch (const zmq::error_t& e) {
    if (e.num() == EINTR && frames->empty()) return false;  // a signal: nothing taken
    return FromZmq("receive", e);
  }
  return true;
}

Publisher::Publisher(Context& ctx, uint64_t publisher_id, uint64_t epoch) : Socket(ctx, ZMQ_PUB) {
  header_.publisher_id = publisher_id;
  header_.epoch = epoch;
  impl_->socket.set(zmq::sockopt::sndhwm, 1'000'000);
  impl_->socket.set(zmq::sockopt::linger, 2000);
}

Status Publisher::SetHighWaterMark(int messages) {
  try {
    impl_->socket.set(zmq::sockopt::sndhwm, messages);
  } catch (const zmq::error_t& e) {
    return FromZmq("set sndhwm", e);
  }
  return Status::Ok();
}

Status Publisher::Send(std::string_view topic, std::string_view body) {
  ++header_.pub_seq;
  std::string header = EncodeHeader(header_);
  const std::string_view frames[] = {topic, header, body};  // no allocation per event
  Result<bool> sent = SendFrames(frames, false);
  if (!sent) return sent.status().Wrap("publish");
  return Status::Ok();
}

Subscriber::Subscriber(Context& ctx) : Socket(ctx, ZMQ_SUB) {
  impl_->socket.set(zmq::sockopt::rcvhwm, 1'000'000);
  impl_->socket.set(zmq::sockopt::linger, 0);
}

void Subscriber::SubscribeTo(std::string_view prefix) {
  impl_->socket.set(zmq::sockopt::subscribe, prefix);
}

Result<bool> Subscriber::Receive(Message* out, int timeout_ms) {
  std::vector<std::string> frames;
  Result<bool> got = ReceiveFrames(&frames, timeout_ms);
  if (!got.ok() || !*got) return got;
  if (frames.size() != 3) {
    return Status::Error("malformed event message: " + std::to_string(frames.size()) + " frames");
  }
  Result<Header> h = DecodeHeader(frames[1]);
  if (!h.ok()) return h.status();
  out->topic = std::move(frames[0]);
  out->header = *h;
  out->body = std::move(frames[2]);
  return true;
}

ConnectionMonitor::ConnectionMonitor(Context& ctx, Socket& watched, bool after_handshake)
    : Socket(ctx, ZMQ_PAIR), watched_(watched), after_handshake_(after_handshake) {
  std::string endpoint = "inproc://connection-monitor-" + Hex16(RandomId());
  int events = ZMQ_EVENT_DISCONNECTED |
               (after_handshake ? ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH
                                : ZMQ_EVENT_CONNECTED);
  if (zmq_socket_monitor(watched_.impl_->socket.handle(), endpoint.c_str(), events) != 0) {
    log::Warn("connection monitor unavailable", {{"error", zmq_strerror(zmq_errno())}});
  }
  try {
    impl_->socket.set(zmq::sockopt::linger, 0);
    impl_->socket.connect(endpoint);
  } catch (const zmq::error_t& e) {
    // inproc connect fails only without memory; the monitor then reports nothing.
    log::Warn("connection monitor unavailable", {{"error", e.what()}});
  }
}

ConnectionMonitor::~ConnectionMonitor() {
  zmq_socket_monitor(watched_.impl_->socket.handle(), nullptr, 0);
}

Result<std::optional<bool>> ConnectionMonitor::Next() {
  // Each event is two frames: 16-bit event id + 32-bit value, then the address.
  std::vector<std::string> frames;
  Result<bool> got = ReceiveFrames(&frames, 0);
  if (!got) return got.status();
  if (!*got || frames.empty() || frames[0].size() < 2) return std::optional<bool>();
  uint16_t event;
  std::memcpy(&event, frames[0].data(), sizeof event);
  if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) {
    // The server refused our key (or we its): say so, ZeroMQ keeps retrying.
    log::Warn("curve handshake refused",
              {{"endpoint", frames.size() > 1 ? frames[1] : ""},
               {"hint", "is this key in the index's authorized/ directory?"}});
  }
  bool connected =
      event == (after_handshake_ ? ZMQ_EVENT_HANDSHAKE_SUCCEEDED : ZMQ_EVENT_CONNECTED);
  return std::optional<bool>(connected);
}

ControlClient::ControlClient(Context& ctx) : Socket(ctx, ZMQ_DEALER) {
  impl_->socket.set(zmq::sockopt::linger, 0);
  // Queue requests only on live connections: a request to a tail that is
  // down fails now (and is retried) instead of reaching its next instance late.
  impl_->socket.set(zmq::sockopt::immediate, 1);
}

Result<bool> ControlClient::Send(const ControlMessage& m) {
  const std::string_view frames[] = {m.command, m.body};
  Result<bool> sent = SendFrames(frames, true);
  if (!sent) return sent.status().Wrap(m.command);
  return sent;
}

Result<bool> ControlClient::Receive(ControlMessage* out) {
  std::vector<std::string> frames;
  Result<bool> got = ReceiveFrames(&frames, 0);
  if (!got || !*got) return got;
  if (frames.size() != 2)
    return Status::Error("control reply of " + std::to_string(frames.size()) +
                         " frames, expected 2");
  out->command = std::move(frames[0]);
  out->body = std::move(frames[1]);
  return true;
}

ControlServer::ControlServer(Context& ctx) : Socket(ctx, ZMQ_ROUTER) {
  impl_->socket.set(zmq::sockopt::linger, 0);
}

// A DEALER request arrives at the ROUTER as [peer identity, (empty
// delimiter, if the peer sent one), command, body]; the reply goes back
// with the same envelope.
Status ControlServer::Serve(const Answer& answer) {
  for (;;) {
    std::vector<std::string> frames;
    Result<bool> got = ReceiveFrames(&frames, 0);
    if (!got.ok()) return got.status();
    if (!*got) return Status::Ok();
    size_t envelope = frames.size() >= 2 && frames[1].empty() ? 2 : 1;
    if (frames.size() < envelope + 1) continue;  // nothing but an envelope: no reply possible
    ControlMessage request{frames[envelope],
                           frames.size() > envelope + 1 ? frames[envelope + 1] : "{}"};
    ControlMessage reply = answer(request);
    std::vector<std::string_view> out(frames.begin(),
                                      frames.begin() + static_cast<ptrdiff_t>(envelope));
    out.push_back(reply.command);
    out.push_back(reply.body);
    Result<bool> sent = SendFrames(out, false);
    if (!sent) return sent.status().Wrap("control reply");
  }
}

ControlRouter::ControlRouter(Context& ctx) : Socket(ctx, ZMQ_ROUTER) {
  impl_->socket.set(zmq::sockopt::linger, 0);
  // A request to a departed tail fails (EHOSTUNREACH) instead of vanishing,
  // so the index forgets that link and waits for the tail's next STATE.
  impl_->socket.set(zmq::sockopt::router_mandatory, 1);
}

Result<bool> ControlRouter::SendTo(std::string_view peer, const ControlMessage& m, bool* gone) {
  const std::string_view frames[] = {peer, m.command, m.body};
  Result<bool> sent = SendFrames(frames, true, gone);
  if (!sent) return sent.status().Wrap(m.command);
  return sent;
}

Result<bool> ControlRouter::Receive(std::string* peer, ControlMessage* out) {
  std::vector<std::string> frames;
  Result<bool> got = ReceiveFrames(&frames, 0);
  if (!got || !*got) return got;
  // [routing id, (empty delimiter, if the tail sent one), command, body]
  size_t envelope = frames.size() >= 2 && frames[1].empty() ? 2 : 1;
  if (frames.size() != envelope + 2)
    return Status::Error("control message of " + std::to_string(frames.size()) + " frames");
  *peer = std::move(frames[0]);
  out->command = std::move(frames[envelope]);
  out->body = std::move(frames[envelope + 1]);
  return true;
}

ControlDealer::ControlDealer(Context& ctx) : Socket(ctx, ZMQ_DEALER) {
  impl_->socket.set(zmq::sockopt::linger, 0);
}

Result<bool> ControlDealer::Announce(const ControlMessage& m) {
  const std::string_view frames[] = {m.command, m.body};
  return SendFrames(frames, true);
}

Status ControlDealer::Serve(const ControlServer::Answer& answer) {
  for (;;) {
    std::vector<std::string> frames;
    Result<bool> got = ReceiveFrames(&frames, 0);
    if (!got.ok()) return got.status();
    if (!*got) return Status::Ok();
    if (frames.empty()) continue;
    ControlMessage reply = answer({frames[0], frames.size() > 1 ? frames[1] : "{}"});
    const std::string_view out[] = {reply.command, reply.body};
    Result<bool> sent = SendFrames(out, true);
    if (!sent) return sent.status().Wrap("control reply");
  }
}

size_t Poller::Add(Socket& socket) {
  items_.push_back({&socket, -1, false});
  return items_.size() - 1;
}

size_t Poller::AddFd(int fd) {
  items_.push_back({nullptr, fd, false});
  return items_.size() - 1;
}

void Poller::Clear() { items_.clear(); }

bool Poller::Ready(size_t index) const { return index < items_.size() && items_[index].ready; }

Status Poller::Wait(int timeout_ms) {
  std::vector<zmq::pollitem_t> raw;
  raw.reserve(items_.size());
  for (Item& it : items_) {
    it.ready = false;
    raw.push_back({it.socket ? it.socket->impl_->socket.handle() : nullptr, it.fd, ZMQ_POLLIN, 0});
  }
  try {
    zmq::poll(raw.data(), raw.size(), std::chrono::milliseconds(timeout_ms));
  } catch (const zmq::error_t& e) {
    if (e.num() == EINTR) return Status::Ok();
    return FromZmq("poll", e);
  }
  for (size_t i = 0; i < raw.size(); ++i) items_[i].ready = (raw[i].revents & ZMQ_POLLIN) != 0;
  return Status::Ok();
}

}  // namespace trace::wire
