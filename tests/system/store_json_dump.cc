// Test helper: prints a store's `events` as mdb_load input (mdb_dump's
// bytevalue format) with each value the decoded event JSON, i.e. what a
// schema 2 trace-index stored. migrate_test.sh rebuilds a schema 2 store from
// it to play the previous version. Reads through the public Store API.
#include <cstdio>
#include <string>

#include "common/store/store.h"

namespace {

void Hex(const std::string& bytes) {
  std::putchar(' ');
  for (unsigned char c : bytes) std::printf("%02x", c);
  std::putchar('\n');
}

std::string Be64(uint64_t v) {
  std::string s(8, '\0');
  for (int i = 7; i >= 0; --i, v >>= 8) s[i] = static_cast<char>(v & 0xff);
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: store_json_dump DB >events.dump\n");
    return 2;
  }
  auto store = trace::Store::OpenReadOnly({argv[1]});
  if (!store) {
    std::fprintf(stderr, "store_json_dump: %s\n", store.status().message().c_str());
    return 1;
  }
  std::printf("VERSION=3\nformat=bytevalue\ntype=btree\nHEADER=END\n");
  for (uint64_t after = 0;;) {
    auto events = (*store)->EventsAfter(after, {}, 10000);
    if (!events) {
      std::fprintf(stderr, "store_json_dump: %s\n", events.status().message().c_str());
      return 1;
    }
    if (events->empty()) break;
    for (const std::string& json : *events) {
      size_t at = json.rfind("\"seq\":");  // the builder appends seq last
      after = std::stoull(json.substr(at + 6));
      Hex(Be64(after));
      Hex(json);
    }
  }
  std::printf("DATA=END\n");
  return 0;
}
