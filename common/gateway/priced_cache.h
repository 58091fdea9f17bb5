// Memoized AddCost (common/pricing): a session or task aggregate is priced
// once per distinct stored value, not once per request, so a hot
// /api/sessions/{id}/summary skips the RapidJSON parse and re-serialization.
// An entry serves only a byte-identical aggregate: any change is re-priced.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace trace {

class PriceTable;

// Thread-safe. Bounded: when the cached bytes would exceed max_bytes the cache
// is emptied (the next requests re-price; correctness never depends on a
// hit); an entry larger than max_bytes on its own is never cached.
class PricedCache {
 public:
  explicit PricedCache(const PriceTable* prices, size_t max_bytes = 32 << 20)
      : prices_(prices), max_bytes_(max_bytes) {}

  // AddCost(aggregate_json, prices) for the aggregate stored under key
  // ("session:<id>", "task:<id>").
  std::string Priced(const std::string& key, std::string aggregate_json);

 private:
  struct Entry {
    std::string raw;     // the stored aggregate it was priced from
    std::string priced;  // with cost_usd
  };

  const PriceTable* prices_;
  size_t max_bytes_;
  std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<const Entry>> entries_;
  size_t bytes_ = 0;
};

}  // namespace trace
