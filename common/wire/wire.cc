// See wire.h and proto/wire.md.
#include "common/wire/wire.h"

#include <random>

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

}  // namespace

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

Status FromZmq(const std::string& what, const zmq::error_t& e) {
  return Status::Error(what + ": " + e.what());
}

Publisher::Publisher(zmq::context_t& ctx, uint64_t publisher_id, uint64_t epoch)
    : socket_(ctx, zmq::socket_type::pub) {
  header_.publisher_id = publisher_id;
  header_.epoch = epoch;
  socket_.set(zmq::sockopt::sndhwm, 1'000'000);
  socket_.set(zmq::sockopt::linger, 2000);
}

Status Publisher::Bind(const std::string& endpoint) {
  try {
    socket_.bind(endpoint);
  } catch (const zmq::error_t& e) {
    return FromZmq("bind '" + endpoint + "'", e);
  }
  return Status::Ok();
}

Status Publisher::Connect(const std::string& endpoint) {
  try {
    socket_.connect(endpoint);
  } catch (const zmq::error_t& e) {
    return FromZmq("connect '" + endpoint + "'", e);
  }
  return Status::Ok();
}

Status Publisher::Send(std::string_view topic, std::string_view body) {
  ++header_.pub_seq;
  std::string header = EncodeHeader(header_);
  try {
    socket_.send(zmq::buffer(topic), zmq::send_flags::sndmore);
    socket_.send(zmq::buffer(header), zmq::send_flags::sndmore);
    socket_.send(zmq::buffer(body), zmq::send_flags::none);
  } catch (const zmq::error_t& e) {
    return FromZmq("publish", e);
  }
  return Status::Ok();
}

Subscriber::Subscriber(zmq::context_t& ctx) : socket_(ctx, zmq::socket_type::sub) {
  socket_.set(zmq::sockopt::rcvhwm, 1'000'000);
  socket_.set(zmq::sockopt::linger, 0);
}

Status Subscriber::Connect(const std::string& endpoint) {
  try {
    socket_.connect(endpoint);
  } catch (const zmq::error_t& e) {
    return FromZmq("connect '" + endpoint + "'", e);
  }
  return Status::Ok();
}

Status Subscriber::Bind(const std::string& endpoint) {
  try {
    socket_.bind(endpoint);
  } catch (const zmq::error_t& e) {
    return FromZmq("bind '" + endpoint + "'", e);
  }
  return Status::Ok();
}

void Subscriber::SubscribeTo(std::string_view prefix) {
  socket_.set(zmq::sockopt::subscribe, prefix);
}

Result<bool> ReceiveFrames(zmq::socket_t& s, std::vector<std::string>* frames, int timeout_ms) {
  frames->clear();
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
    return FromZmq("receive", e);
  }
  return true;
}

Result<bool> Subscriber::Receive(Message* out, int timeout_ms) {
  std::vector<std::string> frames;
  Result<bool> got = ReceiveFrames(socket_, &frames, timeout_ms);
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

Status SendFrames(zmq::socket_t& s, const std::vector<std::string>& frames) {
  try {
    for (size_t i = 0; i < frames.size(); ++i) {
      auto flags = i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none;
      s.send(zmq::buffer(frames[i]), flags);
    }
  } catch (const zmq::error_t& e) {
    return FromZmq("send", e);
  }
  return Status::Ok();
}

uint64_t RandomId() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  uint64_t v;
  do v = rng(); while (v == 0);
  return v;
}

}  // namespace trace::wire
