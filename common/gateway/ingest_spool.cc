// Ingest validation and the durable append.
#include "common/gateway/ingest_spool.h"

#include <fcntl.h>
#include <rapidjson/document.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>

#include "common/base/clock.h"
#include "common/base/ids.h"
#include "common/base/log.h"
#include "common/event/event.h"
#include "common/event/hook_identity.h"
#include "common/json/json.h"
#include "common/json/json_parse.h"

namespace trace {

bool IsKnownEventType(std::string_view name) {
  // Besides hook events: transcript line types, history, seed 000 span types, raw.
  static constexpr std::array<std::string_view, 11> kOthers = {
      "user", "assistant", "summary", "system", "history.append", "span", "task",
      "tool", "log",       "metric",  "raw"};
  if (IsClaudeHookEvent(name)) return true;
  for (std::string_view k : kOthers) {
    if (k == name) return true;
  }
  return false;
}

namespace {

std::string NewSpanId() {
  char buf[40];
  std::snprintf(buf, sizeof buf, "ing-%016llx%016llx", static_cast<unsigned long long>(RandomId()),
                static_cast<unsigned long long>(RandomId()));
  return buf;
}

// An optional field that, when present, must be a string (or null).
bool OptionalString(const rapidjson::Value& e, const char* key, std::string* why) {
  const rapidjson::Value* v = json::Find(e, key);
  if (v == nullptr || v->IsNull() || v->IsString()) return true;
  *why = std::string(key) + " must be a string";
  return false;
}

// A raw Claude Code hook payload: hook_event_name, no event_type or seed 003 "event".
bool IsRawHook(const rapidjson::Value& e) {
  return e.IsObject() && json::Find(e, "hook_event_name") != nullptr &&
         json::Find(e, "event_type") == nullptr && json::Find(e, "event") == nullptr;
}

// Checks one event; on success sets *span_id (from the event, or new).
bool ValidateEvent(const rapidjson::Value& e, std::string* span_id, std::string* why) {
  if (!e.IsObject()) return (*why = "event must be a JSON object", false);
  if (IsRawHook(e)) {
    if (!IsHookPayload(e, why)) return false;
    *span_id = HookFiringId(e);
    return true;
  }
  bool seed003 = json::Find(e, "event") != nullptr && json::Find(e, "event_type") == nullptr;
  const char* type_key = seed003 ? "event" : "event_type";
  std::optional<std::string_view> type = json::GetString(e, type_key);
  if (!type) return (*why = std::string("missing required string field '") + type_key + "'", false);
  if (!IsKnownEventType(*type)) {
    *why = std::string(type_key) + " '" + std::string(type->substr(0, 64)) +
           "' is not a known event name (send unknown shapes as \"raw\")";
    return false;
  }
  const char* session_key = seed003 ? "sessionId" : "session_id";
  std::optional<std::string_view> session = json::GetString(e, session_key);
  if (!session || session->empty()) {
    return (*why = std::string("missing required string field '") + session_key + "'", false);
  }
  for (const char* key : {"span_id", "trace_id", "parent_id", "task_id", "tool_name", "tool_use_id",
                          "user", "host"}) {
    if (!OptionalString(e, key, why)) return false;
  }
  if (const rapidjson::Value* ts = json::Find(e, "timestamp"); ts && !ts->IsNull()) {
    if (!json::TimestampMs(*ts)) return (*why = "timestamp must be ms epoch or RFC 3339", false);
  }
  if (std::optional<std::string_view> id = json::GetString(e, "span_id"); id && !id->empty()) {
    if (id->size() > 256) return (*why = "span_id longer than 256 bytes", false);
    *span_id = std::string(*id);
  } else {
    *span_id = NewSpanId();
  }
  return true;
}

using Alloc = rapidjson::Document::AllocatorType;

void SetString(rapidjson::Value& obj, const char* key, std::string_view v, Alloc& a) {
  obj.RemoveMember(key);
  obj.AddMember(rapidjson::StringRef(key),
                rapidjson::Value(v.data(), static_cast<rapidjson::SizeType>(v.size()), a), a);
}

// Seed 003's {timestamp, event, sessionId, data} as our event shape, the
// posted record kept whole under "data" (nothing is lost, and trace-tail
// takes span_id and the routing fields as they are).
rapidjson::Document FromSeed003(const rapidjson::Value& e) {
  rapidjson::Document out(rapidjson::kObjectType);
  Alloc& a = out.GetAllocator();
  SetString(out, "event_type", *json::GetString(e, "event"), a);
  SetString(out, "session_id", *json::GetString(e, "sessionId"), a);
  if (const rapidjson::Value* ts = json::Find(e, "timestamp")) {
    out.AddMember("timestamp", rapidjson::Value(*ts, a), a);
  }
  if (const rapidjson::Value* d = json::Find(e, "data"); d && d->IsObject()) {
    for (auto [from, to] : {std::pair{"tool_name", "tool_name"},
                            {"tool_use_id", "tool_use_id"},
                            {"tool_input", "tool_input"},
                            {"tool_response", "tool_output"}}) {
      if (const rapidjson::Value* v = json::Find(*d, from)) {
        out.AddMember(rapidjson::StringRef(to), rapidjson::Value(*v, a), a);
      }
    }
  }
  out.AddMember("data", rapidjson::Value(e, a), a);
  return out;
}

// The spool line of a hook payload (proto/inputs.md, "Ingest spool"): the
// payload whole, and when the gateway got it, since a payload has no time.
std::string HttpHookLine(const rapidjson::Value& payload, int64_t received_ms,
                         const Sender& sender) {
  json::StringWriter w;
  w.StartObject();
  w.Key("http_hook");
  w.Value(payload);
  w.Key("received_ms");
  w.Int64(received_ms);
  for (const auto& [key, value] : {std::pair{"user", &sender.user}, {"host", &sender.host}}) {
    if (value->empty()) continue;
    w.Key(key);
    w.String(*value);
  }
  w.EndObject();
  return w.Take();
}

// The spool line for a validated event: with its span_id, in our shape.
// The sender's user/host fill what the event does not name itself.
void AddSender(rapidjson::Document& doc, const Sender& sender) {
  for (const auto& [key, value] : {std::pair{"user", &sender.user}, {"host", &sender.host}}) {
    std::optional<std::string_view> own = json::GetString(doc, key);
    if (value->empty() || (own && !own->empty())) continue;
    SetString(doc, key, *value, doc.GetAllocator());
  }
}

std::string SpoolLine(const rapidjson::Value& e, const std::string& span_id, int64_t now_ms,
                      const Sender& sender) {
  if (IsRawHook(e)) return HttpHookLine(e, now_ms, sender);
  rapidjson::Document doc;
  if (json::Find(e, "event_type") == nullptr) {
    doc = FromSeed003(e);
  } else {
    doc.CopyFrom(e, doc.GetAllocator());
  }
  SetString(doc, "span_id", span_id, doc.GetAllocator());
  AddSender(doc, sender);
  return json::Serialize(doc);
}

}  // namespace

IngestSpool::IngestSpool(Options options) : options_(std::move(options)) {}

IngestSpool::~IngestSpool() {
  if (fd_ >= 0) close(fd_);
}

Status IngestSpool::Open() {
  std::error_code ec;
  std::filesystem::create_directories(options_.dir, ec);
  if (ec) return Status::Error("create spool dir '" + options_.dir + "': " + ec.message());
  path_ = options_.dir + "/ingest.jsonl";
  std::lock_guard lock(mu_);
  return OpenFile();
}

Status IngestSpool::OpenFile() {
  if (fd_ >= 0) close(fd_);
  fd_ = open(path_.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) return Status::Errno("open '" + path_ + "'");
  struct stat st {};
  if (fstat(fd_, &st) != 0) return Status::Errno("stat '" + path_ + "'");
  if (st.st_size == 0) return Status::Ok();
  char last = '\n';
  if (pread(fd_, &last, 1, st.st_size - 1) != 1) return Status::Errno("read '" + path_ + "'");
  if (last == '\n') return Status::Ok();
  if (write(fd_, "\n", 1) != 1) return Status::Errno("repair torn line in '" + path_ + "'");
  if (fdatasync(fd_) != 0) return Status::Errno("fdatasync '" + path_ + "'");
  log::Warn("spool: ended a torn last line (a gateway was killed mid-append)",
            {{"path", path_}, {"offset", static_cast<uint64_t>(st.st_size)}});
  return Status::Ok();
}

// A spool file deleted, or replaced, under a running gateway would take
// appends nobody reads: the path is reopened first. Bytes already written to
// the old file still need their sync: the old descriptor is synced (after any
// sync in flight on it) before it is closed.
Status IngestSpool::EnsureLinked(std::unique_lock<std::mutex>& lock) {
  struct stat open_st {
  }, path_st{};
  if (fd_ >= 0 && fstat(fd_, &open_st) == 0 && open_st.st_nlink > 0 &&
      stat(path_.c_str(), &path_st) == 0 && path_st.st_dev == open_st.st_dev &&
      path_st.st_ino == open_st.st_ino) {
    return Status::Ok();
  }
  log::Warn("spool: the file was deleted or replaced; reopening it", {{"path", path_}});
  cv_.wait(lock, [this] { return !syncing_; });
  if (fd_ >= 0 && synced_ < written_) {
    ++syncs_;
    if (fdatasync(fd_) == 0) {
      synced_ = written_;
    } else {
      failed_upto_ = written_;
      failed_errno_ = errno;
    }
    cv_.notify_all();
  }
  return OpenFile();
}

Result<IngestResult> IngestSpool::Ingest(std::string_view body, const Sender& sender) {
  IngestResult result;
  rapidjson::Document doc;
  if (Status st = json::Parse(&doc, body); !st) {
    result.errors.push_back("invalid JSON: " + st.message());
    return result;
  }
  if (!json::IsValidUtf8(body)) {
    result.errors.push_back("body is not valid UTF-8");
    return result;
  }
  std::vector<const rapidjson::Value*> events;
  if (doc.IsArray()) {
    for (const auto& e : doc.GetArray()) events.push_back(&e);
  } else {
    events.push_back(&doc);
  }
  if (events.empty()) result.errors.push_back("empty array: no events");
  if (events.size() > options_.max_events) {
    result.errors.push_back("too many events in one request (max " +
                            std::to_string(options_.max_events) + ")");
    return result;
  }
  std::string lines;
  for (size_t i = 0; i < events.size(); ++i) {
    std::string span_id, why;
    if (!ValidateEvent(*events[i], &span_id, &why)) {
      result.errors.push_back("[" + std::to_string(i) + "]: " + why);
      continue;
    }
    std::string line = SpoolLine(*events[i], span_id, NowMs(), sender);
    if (line.size() > options_.max_event_bytes) {
      result.errors.push_back("[" + std::to_string(i) + "]: event larger than " +
                              std::to_string(options_.max_event_bytes) + " bytes");
      continue;
    }
    lines += line;
    lines += '\n';
    result.ids.push_back(std::move(span_id));
  }
  if (!result.errors.empty()) {
    result.ids.clear();
    return result;
  }
  Status s = Append(lines, result.ids.size());
  if (!s.ok()) return s;
  result.accepted = true;
  return result;
}

Result<IngestResult> IngestSpool::IngestHook(std::string_view body, int64_t received_ms,
                                             const Sender& sender) {
  IngestResult result;
  rapidjson::Document doc;
  std::string why;
  if (Status st = json::Parse(&doc, body); !st) {
    result.errors.push_back("invalid JSON: " + st.message());
  } else if (!json::IsValidUtf8(body)) {
    result.errors.push_back("body is not valid UTF-8");
  } else if (!IsHookPayload(doc, &why)) {
    result.errors.push_back(why);
  }
  if (!result.errors.empty()) return result;
  std::string line = HttpHookLine(doc, received_ms, sender);
  if (line.size() > options_.max_event_bytes) {
    result.errors.push_back("hook payload larger than " + std::to_string(options_.max_event_bytes) +
                            " bytes");
    return result;
  }
  line += '\n';
  if (Status s = Append(line, 1); !s.ok()) return s;
  result.ids.push_back(HookFiringId(doc));
  result.accepted = true;
  return result;
}

Status IngestSpool::AppendRecords(const std::vector<std::string>& records) {
  if (records.empty()) return Status::Ok();
  std::string lines;
  for (const std::string& r : records) {
    if (r.find('\n') != std::string::npos) return Status::Error("record holds a newline");
    lines += r;
    lines += '\n';
  }
  return Append(lines, records.size());
}

Status IngestSpool::Append(const std::string& lines, size_t count) {
  std::unique_lock lock(mu_);
  if (Status s = EnsureLinked(lock); !s.ok()) return s;
  struct stat st {};
  if (fstat(fd_, &st) != 0) return Status::Errno("stat '" + path_ + "'");
  size_t done = 0;
  while (done < lines.size()) {
    ssize_t w = write(fd_, lines.data() + done, lines.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      int err = errno;
      // Take back a partial append so no half line is ever followed (the
      // appends before it are whole lines and keep their place).
      if (done > 0) (void)!ftruncate(fd_, st.st_size);
      return Status::Errno("append to '" + path_ + "'", err);
    }
    done += static_cast<size_t>(w);
  }
  written_ += lines.size();
  ++appends_;
  if (Status s = WaitDurable(lock, written_); !s.ok()) return s;
  accepted_events_ += count;
  return Status::Ok();
}

// Leader/follower: the thread that finds no sync running syncs everything
// written so far, without the mutex, so others append meanwhile; they are
// covered by the next sync, which one of them leads. A request waits for at
// most the sync in flight plus its own.
Status IngestSpool::WaitDurable(std::unique_lock<std::mutex>& lock, uint64_t mine) {
  while (synced_ < mine) {
    if (failed_upto_ >= mine) {
      return Status::Errno("fdatasync '" + path_ + "'", failed_errno_);
    }
    if (syncing_) {
      cv_.wait(lock);
      continue;
    }
    syncing_ = true;
    const uint64_t target = written_;
    const int fd = fd_;  // not closed while syncing_ (EnsureLinked waits)
    lock.unlock();
    const int rc = fdatasync(fd);
    const int err = errno;
    lock.lock();
    syncing_ = false;
    ++syncs_;
    if (rc == 0) {
      synced_ = std::max(synced_, target);
    } else {
      // Linux may drop the dirty pages after a failed fsync: what it covered
      // is not known to be on disk, even if a later sync succeeds.
      failed_upto_ = std::max(failed_upto_, target);
      failed_errno_ = err;
    }
    cv_.notify_all();
  }
  // A sync that covered our bytes failed, even if a later one succeeded
  // (Linux reports a writeback error once): they may be lost.
  if (failed_upto_ >= mine) return Status::Errno("fdatasync '" + path_ + "'", failed_errno_);
  return Status::Ok();
}

}  // namespace trace
