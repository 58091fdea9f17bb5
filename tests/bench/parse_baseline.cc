// The baseline for tests/bench/tail_bench.sh: read the same files the same
// way (1 MiB reads, split at newlines) and RapidJSON-parse each line into a
// Document, nothing else. Prints {"lines","bytes","seconds"}.
// Usage: parse_baseline FILE...
#include <fcntl.h>
#include <rapidjson/document.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace {

struct Totals {
  uint64_t lines = 0, bytes = 0, errors = 0;
};

void ParseLine(std::string_view line, Totals* t) {
  if (line.empty()) return;
  rapidjson::Document doc;
  doc.Parse(line.data(), line.size());
  t->errors += doc.HasParseError();
  ++t->lines;
}

void ParseFile(const char* path, std::vector<char>& buf, Totals* t) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) return;
  std::string held;
  ssize_t n;
  while ((n = read(fd, buf.data(), buf.size())) > 0) {
    t->bytes += static_cast<uint64_t>(n);
    std::string_view data(buf.data(), static_cast<size_t>(n));
    while (const void* nl = std::memchr(data.data(), '\n', data.size())) {
      size_t len = static_cast<const char*>(nl) - data.data();
      if (held.empty()) {
        ParseLine(data.substr(0, len), t);
      } else {
        held.append(data.substr(0, len));
        ParseLine(held, t);
        held.clear();
      }
      data.remove_prefix(len + 1);
    }
    held.append(data);
  }
  ParseLine(held, t);
  close(fd);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<char> buf(1 << 20);
  Totals t;
  auto start = std::chrono::steady_clock::now();
  for (int i = 1; i < argc; ++i) ParseFile(argv[i], buf, &t);
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("{\"lines\":%llu,\"bytes\":%llu,\"errors\":%llu,\"seconds\":%.3f}\n",
              static_cast<unsigned long long>(t.lines), static_cast<unsigned long long>(t.bytes),
              static_cast<unsigned long long>(t.errors), s);
  return 0;
}
