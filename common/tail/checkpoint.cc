// See checkpoint.h. Format (JSON, one object):
// {"version":1,"sources":[{"id":"2049:1311","path":"/x.jsonl","offset":10,"origin":0,
//   "fp":"10:0123456789abcdef","size":10,"mtime_ns":1764633600000000000}]}
// fp/size/mtime_ns are absent in files written before them (read as unknown).
#include "common/tail/checkpoint.h"

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "common/base/file_util.h"
#include "common/base/ids.h"
#include "common/base/process.h"
#include "common/json/json.h"
#include "common/json/json_parse.h"

namespace trace {

namespace {

std::string Serialize(const Checkpoint& c) {
  json::StringWriter w;
  w.StartObject();
  w.Key("version");
  w.Int64(1);
  w.Key("sources");
  WritePositions(w, c.sources, true);
  w.EndObject();
  return w.Take() + "\n";
}

}  // namespace

void WritePositions(json::StringWriter& w, const std::vector<SourcePosition>& positions,
                    bool with_file_facts) {
  w.StartArray();
  for (const SourcePosition& s : positions) {
    w.StartObject();
    w.Key("id");
    w.String(s.id);
    w.Key("path");
    w.String(json::SanitizeUtf8(s.path));
    w.Key("offset");
    w.Uint64(s.offset);
    if (with_file_facts) {
      w.Key("origin");
      w.Uint64(s.origin);
      if (!s.fingerprint.empty()) {
        w.Key("fp");
        w.String(s.fingerprint);
      }
      w.Key("size");
      w.Uint64(s.size);
      w.Key("mtime_ns");
      w.Int64(s.mtime_ns);
    }
    w.EndObject();
  }
  w.EndArray();
}

Result<std::optional<Checkpoint>> LoadCheckpoint(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return std::optional<Checkpoint>();
    return Status::Errno("open state file '" + path + "'");
  }
  std::stringstream ss;
  ss << in.rdbuf();
  rapidjson::Document doc;
  Status parsed = json::Parse(&doc, ss.str());
  const rapidjson::Value* sources = parsed ? json::Find(doc, "sources") : nullptr;
  if (!sources || !sources->IsArray()) {
    return Status::Error("state file '" + path + "' is not a trace-tail checkpoint");
  }
  Checkpoint c;
  for (const rapidjson::Value& s : sources->GetArray()) {
    SourcePosition p;
    p.id = std::string(json::GetString(s, "id").value_or(""));
    p.path = std::string(json::GetString(s, "path").value_or(""));
    p.offset = static_cast<uint64_t>(json::GetInt(s, "offset").value_or(0));
    p.origin = static_cast<uint64_t>(json::GetInt(s, "origin").value_or(0));
    p.fingerprint = std::string(json::GetString(s, "fp").value_or(""));
    p.size = static_cast<uint64_t>(json::GetInt(s, "size").value_or(0));
    p.mtime_ns = json::GetInt(s, "mtime_ns").value_or(0);
    c.sources.push_back(std::move(p));
  }
  return std::optional<Checkpoint>(std::move(c));
}

Status SaveCheckpoint(const std::string& path, const Checkpoint& checkpoint) {
  return file::WriteFileAtomic(path, Serialize(checkpoint)).Wrap("save state");
}

uint64_t PublisherIdFor(const std::string& state_path) {
  if (state_path.empty()) return RandomId();
  char* abs = realpath(state_path.c_str(), nullptr);
  std::string key = abs ? abs : file::AbsolutePath(state_path);
  free(abs);  // NOLINT(cppcoreguidelines-no-malloc): realpath's buffer
  if (std::string host = process::HostName(); !host.empty()) key = host + ":" + key;
  return std::stoull(StableHashHex(key).substr(0, 16), nullptr, 16);
}

}  // namespace trace
