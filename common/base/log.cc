// JSON-lines logger on stderr; see log.h.
#include "common/base/log.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <ctime>

#include "common/json/json.h"

namespace trace::log {
namespace {

std::string g_tool = "claude-trace";
std::atomic<int> g_min_level{static_cast<int>(Level::kInfo)};

const char* LevelName(Level l) {
  switch (l) {
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kError: return "error";
  }
  return "info";
}

}  // namespace

void Init(std::string tool, Level min_level) {
  g_tool = std::move(tool);
  g_min_level = static_cast<int>(min_level);
}

bool ParseLevel(std::string_view name, Level* out) {
  static const std::pair<std::string_view, Level> kNames[] = {
      {"debug", Level::kDebug}, {"info", Level::kInfo}, {"warn", Level::kWarn},
      {"warning", Level::kWarn}, {"error", Level::kError}};
  for (const auto& [n, l] : kNames) {
    if (n == name) {
      *out = l;
      return true;
    }
  }
  return false;
}

bool Enabled(Level level) { return static_cast<int>(level) >= g_min_level.load(); }

void Write(Level level, std::string_view msg, std::initializer_list<Field> fields) {
  if (!Enabled(level)) return;
  json::StringWriter w;
  w.StartObject();
  w.Key("ts");
  w.String(json::FormatRfc3339Ms(json::NowMs()));
  w.Key("level");
  w.String(LevelName(level));
  w.Key("tool");
  w.String(g_tool);
  w.Key("msg");
  w.String(msg);
  for (const Field& f : fields) {
    w.Key(f.key);
    if (auto* s = std::get_if<std::string>(&f.value)) {
      w.String(*s);
    } else if (auto* i = std::get_if<int64_t>(&f.value)) {
      w.Int64(*i);
    } else {
      w.Double(std::get<double>(f.value));
    }
  }
  w.EndObject();
  std::string line = w.Take();
  line.push_back('\n');
  // One write per line keeps lines whole across threads and processes.
  ssize_t rc = ::write(STDERR_FILENO, line.data(), line.size());
  (void)rc;
}

}  // namespace trace::log
