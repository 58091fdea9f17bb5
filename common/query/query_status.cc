// See query_status.h. Reads <db>/progress.json as the gateway does, so the
// shell and the UI say the same thing.
#include "common/query/query_status.h"

#include <iostream>

#include "common/base/clock.h"
#include "common/json/json.h"
#include "common/progress/progress.h"

namespace trace {

namespace {

std::string IndexingLine(const std::optional<progress::Progress>& p) {
  if (!p) return "unknown (no trace-index running)";
  if (p->caught_up()) {
    return "caught up (" + std::to_string(p->files) + " files, " +
           progress::HumanBytes(p->bytes_total) + ")";
  }
  std::string line = progress::Banner(*p).substr(sizeof("indexing: ") - 1);
  return line + " \u00b7 " + std::to_string(p->files_behind) + " of " + std::to_string(p->files) +
         " files \u00b7 " + std::to_string(static_cast<uint64_t>(p->events_per_s)) + " events/s";
}

}  // namespace

int RunStatus(QueryContext& c) {
  auto last = c.store->LastSeq();
  if (!last) {
    std::cerr << "trace-query: read store failed: " << last.status().message() << "\n";
    return 1;
  }
  auto p = progress::Read(c.store->dir(), NowMs());
  if (c.json) {
    json::StringWriter w;
    w.StartObject();
    w.Key("db");
    w.String(json::SanitizeUtf8(c.store->dir()));
    w.Key("last_seq");
    w.Uint64(*last);
    w.Key("indexing");
    p ? w.Raw(progress::Encode(*p)) : w.Null();
    w.EndObject();
    c.out << w.Take() << "\n";
    return 0;
  }
  PrintTable(c.out, {{"store", c.store->dir()},
                     {"last seq", std::to_string(*last)},
                     {"indexing", IndexingLine(p)}});
  return 0;
}

}  // namespace trace
