// Lazy, rate-limited opening of the read-only store.
#include "common/store/store_opener.h"

#include "common/base/clock.h"
#include "common/base/log.h"
#include "common/json/json.h"

namespace trace {

namespace {
constexpr int64_t kRetryMs = 500;
}

StoreOpener::StoreOpener(std::string dir) : dir_(std::move(dir)) {}

std::shared_ptr<Store> StoreOpener::Get() {
  std::lock_guard lock(mu_);
  if (store_) return store_;
  int64_t now = NowMs();
  if (now < next_try_ms_) return nullptr;
  next_try_ms_ = now + kRetryMs;
  Store::Options options;
  options.dir = dir_;
  Result<std::unique_ptr<Store>> opened = Store::OpenReadOnly(options);
  if (!opened.ok()) {
    if (error_ != opened.status().message()) {
      log::Warn("store not available yet", {{"db", dir_}, {"error", opened.status().message()}});
    }
    error_ = opened.status().message();
    return nullptr;
  }
  store_ = std::shared_ptr<Store>(std::move(*opened));
  error_.clear();
  log::Info("store opened", {{"db", dir_}});
  return store_;
}

std::string StoreOpener::last_error() {
  std::lock_guard lock(mu_);
  return error_;
}

}  // namespace trace
