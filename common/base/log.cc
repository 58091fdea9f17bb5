// JSON-lines logger on stderr; see log.h.
#include "common/base/log.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <ctime>

#include "common/base/clock.h"

namespace trace::log {
namespace {

std::string g_tool = "claude-trace";
std::atomic<int> g_min_level{static_cast<int>(Level::kInfo)};

const char* LevelName(Level l) {
  switch (l) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
  }
  return "info";
}

}  // namespace

void Init(std::string tool, Level min_level) {
  g_tool = std::move(tool);
  g_min_level = static_cast<int>(min_level);
}

bool ParseLevel(std::string_view name, Level* out) {
  static const std::pair<std::string_view, Level> kNames[] = {{"debug", Level::kDebug},
                                                              {"info", Level::kInfo},
                                                              {"warn", Level::kWarn},
                                                              {"warning", Level::kWarn},
                                                              {"error", Level::kError}};
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
  // RapidJSON's writer directly (header-only): base depends on no library of ours.
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  auto text = [&w](std::string_view s) {
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  };
  w.StartObject();
  w.Key("ts");
  text(FormatRfc3339Ms(NowMs()));
  w.Key("level");
  text(LevelName(level));
  w.Key("tool");
  text(g_tool);
  w.Key("msg");
  text(msg);
  for (const Field& f : fields) {
    w.Key(f.key.data(), static_cast<rapidjson::SizeType>(f.key.size()));
    if (auto* s = std::get_if<std::string>(&f.value)) {
      text(*s);
    } else if (auto* i = std::get_if<int64_t>(&f.value)) {
      w.Int64(*i);
    } else {
      w.Double(std::get<double>(f.value));
    }
  }
  w.EndObject();
  std::string line(buffer.GetString(), buffer.GetSize());
  line.push_back('\n');
  // One write per line keeps lines whole across threads and processes.
  ssize_t rc = ::write(STDERR_FILENO, line.data(), line.size());
  (void)rc;
}

}  // namespace trace::log
