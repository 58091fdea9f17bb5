// The control-message codec of control.h (proto/wire.md "Control exchange").
// Ids travel as 16 lowercase hex digits; paths are sanitized to UTF-8 so
// every body is valid JSON.
#include "common/wire/control.h"

#include <rapidjson/document.h>

#include <charconv>
#include <initializer_list>
#include <utility>

#include "common/base/ids.h"
#include "common/json/json.h"
#include "common/json/json_parse.h"

namespace trace::wire {
namespace {

Result<rapidjson::Document> ParseObject(std::string_view body, std::string_view what) {
  rapidjson::Document d;
  Status parsed = json::Parse(&d, body);
  if (!parsed || !d.IsObject()) {
    return Status::Error(std::string(what) + " body is not a JSON object");
  }
  return d;
}

std::optional<uint64_t> HexField(const rapidjson::Value& obj, std::string_view key) {
  auto s = json::GetString(obj, key);
  if (!s || s->empty() || s->size() > 16) return std::nullopt;
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s->data(), s->data() + s->size(), v, 16);
  if (ec != std::errc() || end != s->data() + s->size()) return std::nullopt;
  return v;
}

uint64_t CountField(const rapidjson::Value& obj, std::string_view key) {
  return static_cast<uint64_t>(std::max<int64_t>(0, json::GetInt(obj, key).value_or(0)));
}

void WriteCounts(json::StringWriter& w,
                 std::initializer_list<std::pair<const char*, uint64_t>> counts) {
  for (const auto& [key, n] : counts) {
    w.Key(key);
    w.Uint64(n);
  }
}

void WriteSources(json::StringWriter& w, const std::vector<SourcePoint>& sources) {
  w.StartArray();
  for (const SourcePoint& s : sources) {
    w.StartObject();
    w.Key("id");
    w.String(json::SanitizeUtf8(s.id));
    w.Key("path");
    w.String(json::SanitizeUtf8(s.path));
    w.Key("offset");
    w.Uint64(s.offset);
    if (!s.fingerprint.empty()) {
      w.Key("fp");
      w.String(json::SanitizeUtf8(s.fingerprint));
    }
    w.EndObject();
  }
  w.EndArray();
}

Result<std::vector<SourcePoint>> ReadSources(const rapidjson::Value& obj, std::string_view what) {
  const rapidjson::Value* sources = json::Find(obj, "sources");
  if (!sources || !sources->IsArray()) {
    return Status::Error(std::string(what) +
                         " needs {\"sources\":[{\"id\",\"path\",\"offset\"},...]}");
  }
  std::vector<SourcePoint> out;
  for (const rapidjson::Value& s : sources->GetArray()) {
    SourcePoint p;
    p.id = std::string(json::GetString(s, "id").value_or(""));
    p.path = std::string(json::GetString(s, "path").value_or(""));
    p.offset = CountField(s, "offset");
    p.fingerprint = std::string(json::GetString(s, "fp").value_or(""));
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace

std::string EncodeState(const StateReply& s) {
  json::StringWriter w;
  w.StartObject();
  w.Key("publisher_id");
  w.String(Hex16(s.publisher_id));
  w.Key("epoch");
  w.String(Hex16(s.epoch));
  w.Key("pub_seq");
  w.Uint64(s.pub_seq);
  w.Key("sources");
  WriteSources(w, s.sources);
  w.EndObject();
  return w.Take();
}

Result<StateReply> DecodeState(std::string_view body) {
  auto d = ParseObject(body, kState);
  if (!d) return d.status();
  StateReply s;
  auto pid = HexField(*d, "publisher_id");
  auto epoch = HexField(*d, "epoch");
  if (!pid || !epoch) return Status::Error("STATE without hex publisher_id/epoch");
  s.publisher_id = *pid;
  s.epoch = *epoch;
  s.pub_seq = CountField(*d, "pub_seq");
  if (json::Find(*d, "sources")) {
    auto sources = ReadSources(*d, kState);
    if (!sources) return sources.status();
    s.sources = std::move(*sources);
  }
  return s;
}

std::string EncodeRewind(const std::vector<SourcePoint>& sources) {
  json::StringWriter w;
  w.StartObject();
  w.Key("sources");
  WriteSources(w, sources);
  w.EndObject();
  return w.Take();
}

Result<std::vector<SourcePoint>> DecodeRewind(std::string_view body) {
  auto d = ParseObject(body, kRewind);
  if (!d) return Status::Error("REWIND needs {\"sources\":[{\"id\",\"path\",\"offset\"},...]}");
  return ReadSources(*d, kRewind);
}

std::string EncodeRewound(const RewoundReply& r) {
  json::StringWriter w;
  w.StartObject();
  w.Key("pub_seq");
  w.Uint64(r.pub_seq);
  w.Key("rewound");
  w.Int64(r.rewound);
  w.EndObject();
  return w.Take();
}

Result<RewoundReply> DecodeRewound(std::string_view body) {
  auto d = ParseObject(body, kRewound);
  if (!d) return d.status();
  return RewoundReply{CountField(*d, "pub_seq"), json::GetInt(*d, "rewound").value_or(0)};
}

std::string EncodeCredit(const CreditGrant& c) {
  json::StringWriter w;
  w.StartObject();
  for (auto [key, id] :
       {std::pair{"index_id", c.index_id}, {"publisher_id", c.publisher_id}, {"epoch", c.epoch}}) {
    w.Key(key);
    w.String(Hex16(id));
  }
  WriteCounts(w, {{"received", c.received}, {"limit", c.limit}});
  w.EndObject();
  return w.Take();
}

Result<CreditGrant> DecodeCredit(std::string_view body) {
  auto d = ParseObject(body, kCredit);
  if (!d) return d.status();
  auto index = HexField(*d, "index_id");
  auto pid = HexField(*d, "publisher_id");
  auto epoch = HexField(*d, "epoch");
  if (!index || !pid || !epoch || !json::GetInt(*d, "limit"))
    return Status::Error("CREDIT needs hex index_id/publisher_id/epoch and a limit");
  return CreditGrant{*index, *pid, *epoch, CountField(*d, "received"), CountField(*d, "limit")};
}

std::string EncodeCredited(const CreditReply& r) {
  json::StringWriter w;
  w.StartObject();
  w.Key("accepted");
  w.Bool(r.accepted);
  const Backlog& b = r.backlog;
  WriteCounts(w, {{"pub_seq", r.pub_seq},
                  {"files", b.files},
                  {"files_behind", b.files_behind},
                  {"bytes_total", b.bytes_total},
                  {"bytes_left", b.bytes_left}});
  if (r.max_ahead > 0) WriteCounts(w, {{"max_ahead", r.max_ahead}});
  w.EndObject();
  return w.Take();
}

Result<CreditReply> DecodeCredited(std::string_view body) {
  auto d = ParseObject(body, kCredited);
  if (!d) return d.status();
  CreditReply r;
  r.accepted = json::GetBool(*d, "accepted").value_or(false);
  r.pub_seq = CountField(*d, "pub_seq");
  r.backlog = {CountField(*d, "files"), CountField(*d, "files_behind"),
               CountField(*d, "bytes_total"), CountField(*d, "bytes_left")};
  if (r.backlog.bytes_left > r.backlog.bytes_total) r.backlog.bytes_total = r.backlog.bytes_left;
  r.max_ahead = CountField(*d, "max_ahead");
  return r;
}

std::string EncodeError(std::string_view message) {
  json::StringWriter w;
  w.StartObject();
  w.Key("message");
  w.String(json::SanitizeUtf8(message));
  w.EndObject();
  return w.Take();
}

std::string DecodeError(std::string_view body) {
  auto d = ParseObject(body, kError);
  if (!d) return "unknown error";
  return std::string(json::GetString(*d, "message").value_or("unknown error"));
}

}  // namespace trace::wire
