// `trace-index --verify`: recomputes every aggregate, counting state, token
// bucket, the activity index, ids and the secondary indexes from the stored events (seq order, the
// same rules as the writer) and reports each difference. Read-only; safe while trace-index runs
// (one read snapshot).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/base/status.h"

namespace trace {

struct VerifyReport {
  uint64_t events = 0;
  uint64_t checked = 0;                  // aggregate entries compared
  uint64_t index_entries = 0;            // ids and index entries compared
  std::vector<std::string> differences;  // one line each: "<db> '<key>': stored … expected …"
  uint64_t difference_count = 0;         // all of them (the list is capped)
  bool ok() const { return difference_count == 0; }
};

Result<VerifyReport> VerifyStore(const std::string& dir, size_t max_listed = 50);

}  // namespace trace
