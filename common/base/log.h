// Structured logging: one JSON object per line on stderr, e.g.
// {"ts":"2026-11-25T05:00:00.123Z","level":"info","tool":"trace-tail","msg":"...","path":"/x"}
// Thread-safe (one write(2) per line). Data never goes to stderr; logs never to stdout.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace trace::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// A key with a string, integer or floating value.
struct Field {
  Field(std::string_view k, std::string_view v) : key(k), value(std::string(v)) {}
  Field(std::string_view k, const char* v) : key(k), value(std::string(v ? v : "")) {}
  Field(std::string_view k, const std::string& v) : key(k), value(v) {}
  Field(std::string_view k, int64_t v) : key(k), value(v) {}
  Field(std::string_view k, uint64_t v) : key(k), value(static_cast<int64_t>(v)) {}
  Field(std::string_view k, int v) : key(k), value(static_cast<int64_t>(v)) {}
  Field(std::string_view k, unsigned v) : key(k), value(static_cast<int64_t>(v)) {}
  Field(std::string_view k, long long v) : key(k), value(static_cast<int64_t>(v)) {}
  Field(std::string_view k, unsigned long long v) : key(k), value(static_cast<int64_t>(v)) {}
  Field(std::string_view k, double v) : key(k), value(v) {}
  Field(std::string_view k, bool v) : key(k), value(static_cast<int64_t>(v)) {}
  std::string_view key;
  std::variant<std::string, int64_t, double> value;
};

// Call once from main: the tool name in every line and the minimum level.
void Init(std::string tool, Level min_level);
// Parses "debug|info|warn|error"; false if unknown.
bool ParseLevel(std::string_view name, Level* out);
bool Enabled(Level level);

void Write(Level level, std::string_view msg, std::initializer_list<Field> fields = {});
inline void Debug(std::string_view m, std::initializer_list<Field> f = {}) {
  Write(Level::kDebug, m, f);
}
inline void Info(std::string_view m, std::initializer_list<Field> f = {}) {
  Write(Level::kInfo, m, f);
}
inline void Warn(std::string_view m, std::initializer_list<Field> f = {}) {
  Write(Level::kWarn, m, f);
}
inline void Error(std::string_view m, std::initializer_list<Field> f = {}) {
  Write(Level::kError, m, f);
}

}  // namespace trace::log
