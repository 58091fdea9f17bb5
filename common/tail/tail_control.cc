// See tail_control.h. A DEALER request arrives at the ROUTER as
// [peer identity, (empty delimiter, if the peer sent one), command, body];
// the reply goes back with the same envelope.
#include "common/tail/tail_control.h"

#include <cstdio>

#include "common/json/json.h"
#include "common/base/log.h"
#include "common/wire/wire.h"

namespace trace {

std::string Hex16(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

TailControl::TailControl(zmq::context_t& ctx, TailFollower* follower,
                         std::function<uint64_t()> pub_seq, uint64_t publisher_id,
                         uint64_t epoch)
    : socket_(ctx, zmq::socket_type::router),
      follower_(follower),
      pub_seq_(std::move(pub_seq)),
      publisher_id_(publisher_id),
      epoch_(epoch) {
  socket_.set(zmq::sockopt::linger, 0);
}

Status TailControl::Bind(const std::string& endpoint) {
  try {
    socket_.bind(endpoint);
  } catch (const zmq::error_t& e) {
    return wire::FromZmq("bind control '" + endpoint + "'", e);
  }
  return Status::Ok();
}

Status TailControl::HandleWaiting() {
  for (;;) {
    std::vector<std::string> frames;
    Result<bool> got = wire::ReceiveFrames(socket_, &frames, 0);
    if (!got.ok()) return got.status();
    if (!*got) return Status::Ok();
    size_t envelope = frames.size() >= 2 && frames[1].empty() ? 2 : 1;
    if (frames.size() < envelope + 1) continue;  // nothing but an envelope: no reply possible
    std::string command = frames[envelope];
    std::string body = frames.size() > envelope + 1 ? frames[envelope + 1] : "{}";
    std::vector<std::string> reply(frames.begin(), frames.begin() + envelope);
    reply.resize(envelope + 2);
    Answer(command, body, &reply[envelope], &reply[envelope + 1]);
    if (Status st = wire::SendFrames(socket_, reply); !st.ok()) return st;
  }
}

void TailControl::Answer(std::string_view command, std::string_view body,
                         std::string* reply_command, std::string* reply_body) {
  std::string error;
  if (command == "HELLO") {
    *reply_command = "STATE";
    *reply_body = State();
    return;
  }
  if (command == "REWIND") {
    *reply_body = Rewind(body, &error);
    if (error.empty()) {
      *reply_command = "REWOUND";
      return;
    }
  } else {
    error = "unknown command '" + json::SanitizeUtf8(command) + "'";
  }
  *reply_command = "ERROR";
  json::StringWriter w;
  w.StartObject();
  w.Key("message");
  w.String(error);
  w.EndObject();
  *reply_body = w.Take();
}

std::string TailControl::State() const {
  json::StringWriter w;
  w.StartObject();
  w.Key("publisher_id");
  w.String(Hex16(publisher_id_));
  w.Key("epoch");
  w.String(Hex16(epoch_));
  w.Key("pub_seq");
  w.Uint64(pub_seq_());
  w.Key("sources");
  WritePositions(w, follower_->Positions(), false);
  w.EndObject();
  return w.Take();
}

std::string TailControl::Rewind(std::string_view body, std::string* error) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  const rapidjson::Value* sources = doc.HasParseError() ? nullptr : json::Find(doc, "sources");
  if (!sources || !sources->IsArray()) {
    *error = "REWIND needs {\"sources\":[{\"id\",\"path\",\"offset\"},...]}";
    return "";
  }
  std::vector<SourcePosition> targets;
  for (const rapidjson::Value& s : sources->GetArray()) {
    SourcePosition p;
    p.id = std::string(json::GetString(s, "id").value_or(""));
    p.path = std::string(json::GetString(s, "path").value_or(""));
    p.offset = static_cast<uint64_t>(std::max<int64_t>(0, json::GetInt(s, "offset").value_or(0)));
    targets.push_back(std::move(p));
  }
  uint64_t before = pub_seq_();
  int rewound = follower_->Rewind(targets);
  log::Info("rewind", {{"sources", targets.size()}, {"rewound", rewound}, {"pub_seq", before}});
  json::StringWriter w;
  w.StartObject();
  w.Key("pub_seq");
  w.Uint64(before);
  w.Key("rewound");
  w.Int64(rewound);
  w.EndObject();
  return w.Take();
}

}  // namespace trace
