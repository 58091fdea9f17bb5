// The gateway's read-only handle on the LMDB store. The gateway may start
// before trace-index has created the store (supervisord starts all three at
// once), so the store is opened lazily and retried at most every 500 ms;
// until then REST answers 503 and /health says why. Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "common/store/store.h"

namespace trace {

class StoreOpener {
 public:
  explicit StoreOpener(std::string dir);
  // The open store, or null (then last_error() says why).
  std::shared_ptr<Store> Get();
  std::string last_error();
  const std::string& dir() const { return dir_; }

 private:
  const std::string dir_;
  std::mutex mu_;  // guards store_, error_, next_try_ms_
  std::shared_ptr<Store> store_;
  std::string error_ = "not opened yet";
  int64_t next_try_ms_ = 0;
};

}  // namespace trace
