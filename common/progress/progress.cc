// See progress.h. The file is one JSON object (proto/progress.md); unknown
// members are ignored so later versions can add fields.
#include "common/progress/progress.h"

#include <fcntl.h>
#include <rapidjson/document.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "common/base/file_util.h"
#include "common/json/json.h"
#include "common/json/json_parse.h"

namespace trace::progress {
namespace {

uint64_t Count(const rapidjson::Value& d, std::string_view key) {
  return static_cast<uint64_t>(std::max<int64_t>(0, json::GetInt(d, key).value_or(0)));
}

double Real(const rapidjson::Value& d, std::string_view key) {
  const rapidjson::Value* v = json::Find(d, key);
  if (!v || !v->IsNumber()) return 0;
  double x = v->GetDouble();
  return std::isfinite(x) && x > 0 ? x : 0;
}

}  // namespace

double Progress::percent() const {
  if (bytes_total == 0 || bytes_left >= bytes_total) return bytes_left == 0 ? 100.0 : 0.0;
  return 100.0 * static_cast<double>(bytes_total - bytes_left) / static_cast<double>(bytes_total);
}

std::string Encode(const Progress& p) {
  json::StringWriter w;
  w.StartObject();
  w.Key("updated_ms");
  w.Int64(p.updated_ms);
  w.Key("caught_up");
  w.Bool(p.caught_up());
  for (auto [key, v] : {std::pair{"tails", p.tails},
                        {"files", p.files},
                        {"files_behind", p.files_behind},
                        {"bytes_total", p.bytes_total},
                        {"bytes_left", p.bytes_left},
                        {"events", p.events}}) {
    w.Key(key);
    w.Uint64(v);
  }
  w.Key("percent");
  w.Double(std::round(p.percent() * 10) / 10);
  w.Key("events_per_s");
  w.Double(std::round(p.events_per_s));
  w.Key("bytes_per_s");
  w.Double(std::round(p.bytes_per_s));
  w.Key("eta_s");
  w.Int64(p.eta_s);
  w.EndObject();
  return w.Take();
}

Result<Progress> Decode(std::string_view text) {
  rapidjson::Document d;
  if (Status st = json::Parse(&d, text); !st || !d.IsObject())
    return Status::Error("progress is not a JSON object");
  auto updated = json::GetInt(d, "updated_ms");
  if (!updated) return Status::Error("progress without updated_ms");
  Progress p;
  p.updated_ms = *updated;
  p.tails = Count(d, "tails");
  p.files = Count(d, "files");
  p.files_behind = Count(d, "files_behind");
  p.bytes_total = Count(d, "bytes_total");
  p.bytes_left = Count(d, "bytes_left");
  p.events = Count(d, "events");
  p.events_per_s = Real(d, "events_per_s");
  p.bytes_per_s = Real(d, "bytes_per_s");
  p.eta_s = std::max<int64_t>(-1, json::GetInt(d, "eta_s").value_or(-1));
  if (p.bytes_left > p.bytes_total) p.bytes_total = p.bytes_left;
  return p;
}

std::string FilePath(const std::string& db_dir) { return db_dir + "/" + kFileName; }

Status Write(const std::string& db_dir, const Progress& p) {
  std::string path = FilePath(db_dir), tmp = path + ".tmp";
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::Errno("write " + tmp);
  Status st = file::WriteAll(fd, Encode(p) + "\n");
  if (close(fd) != 0 && st) st = Status::Errno("close " + tmp);
  if (!st) return st;
  if (rename(tmp.c_str(), path.c_str()) != 0) return Status::Errno("rename " + path);
  return Status::Ok();
}

std::optional<Progress> Read(const std::string& db_dir, int64_t now_ms) {
  std::ifstream in(FilePath(db_dir), std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  auto p = Decode(text.str());
  if (!p || now_ms - p->updated_ms > kStaleMs) return std::nullopt;
  return *p;
}

std::string HumanBytes(uint64_t bytes) {
  static const char* kUnits[] = {"B", "kB", "MB", "GB", "TB"};
  double v = static_cast<double>(bytes);
  int unit = 0;
  while (v >= 1000 && unit < 4) {
    v /= 1000;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, unit == 0 || v >= 10 ? "%.0f %s" : "%.1f %s", v, kUnits[unit]);
  return buf;
}

std::string Banner(const Progress& p) {
  if (p.caught_up()) return "";
  std::string s = "indexing: " + std::to_string(static_cast<int>(p.percent())) + "% \u00b7 " +
                  HumanBytes(p.bytes_left) + " left";
  if (p.eta_s >= 0) s += " \u00b7 about " + std::to_string(p.eta_s) + " s";
  return s;
}

}  // namespace trace::progress
