// Test helper: prints a store's `events` as mdb_load input (mdb_dump's
// bytevalue format) with each value the decoded event JSON, i.e. what a
// schema 2 trace-index stored; with --singles, each event compressed in a
// value of its own, as schema 3 stored it (no dictionary); with --ids, its
// `ids` as schema 2 and 3 keyed them (the identity itself -> seq).
// migrate_test.sh rebuilds schema 2 and 3 stores from them to play the
// previous versions. Reads through the public Store API.
#include <cstdio>
#include <cstring>
#include <string>

#include "common/event/event.h"
#include "common/event/normalize.h"
#include "common/store/event_codec.h"
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
  bool ids = argc == 3 && std::strcmp(argv[1], "--ids") == 0;
  bool singles = argc == 3 && std::strcmp(argv[1], "--singles") == 0;
  if (argc != 2 && !ids && !singles) {
    std::fprintf(stderr, "usage: store_json_dump [--ids | --singles] DB >dump\n");
    return 2;
  }
  trace::EventEncoder encoder;
  std::string value;
  auto store = trace::Store::OpenReadOnly({argv[argc - 1]});
  if (!store) {
    std::fprintf(stderr, "store_json_dump: %s\n", store.status().message().c_str());
    return 1;
  }
  std::printf("VERSION=3\nformat=bytevalue\ntype=btree\nHEADER=END\n");
  std::string identity;
  for (uint64_t after = 0;;) {
    auto events = (*store)->EventsAfter(after, {}, 10000);
    if (!events) {
      std::fprintf(stderr, "store_json_dump: %s\n", events.status().message().c_str());
      return 1;
    }
    if (events->empty()) break;
    for (const std::string& json : *events) {
      auto keys = trace::ParseEventKeys(json);
      if (!keys) {
        std::fprintf(stderr, "store_json_dump: %s\n", keys.status().message().c_str());
        return 1;
      }
      after = keys->seq;
      trace::EventIdentity(*keys, &identity);
      Hex(ids ? identity : Be64(after));
      if (singles && !encoder.Encode(json, &value).ok()) return 1;
      Hex(ids ? Be64(after) : singles ? value : json);
    }
  }
  std::printf("DATA=END\n");
  return 0;
}
