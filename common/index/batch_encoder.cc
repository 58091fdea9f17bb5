// See batch_encoder.h. The batch is cut into values first (cheap: sizes
// only); values are then claimed one at a time from an atomic counter, so
// threads share the work whatever the sizes. Each value is written to
// values_ by its claimer and copied into the batch's text by the caller
// once every helper is done (the text arena is not thread-safe).
#include "common/index/batch_encoder.h"

#include <algorithm>
#include <utility>

namespace trace {

unsigned BatchEncoder::DefaultHelpers() {
  unsigned cores = std::thread::hardware_concurrency();
  return std::clamp(cores > 3 ? cores - 3 : 1u, 1u, 3u);
}

BatchEncoder::BatchEncoder(unsigned helpers) {
  for (unsigned i = 0; i <= helpers; ++i) workers_.push_back(std::make_unique<Worker>());
  for (unsigned i = 1; i <= helpers; ++i) threads_.emplace_back([this, i] { HelperLoop(i); });
}

BatchEncoder::~BatchEncoder() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread& t : threads_) t.join();
}

Status BatchEncoder::SetDictionary(const EventDictionary& dict) {
  for (auto& w : workers_) {
    if (Status st = w->encoder.SetDictionary(dict); !st) {
      // All or none: a worker left on a dictionary that is never stored
      // would write values nobody can read. No dictionary always loads.
      for (auto& back : workers_) (void)back->encoder.SetDictionary({0, {}});
      dictionary_id_ = 0;
      return st;
    }
  }
  dictionary_id_ = dict.id;
  return Status::Ok();
}

void BatchEncoder::EncodeClaimed(Worker& w) {
  for (size_t i = next_.fetch_add(1); i < runs_.size() && w.status; i = next_.fetch_add(1)) {
    w.events.clear();
    for (size_t e = runs_[i].first; e < runs_[i].first + runs_[i].count; ++e)
      w.events.push_back(batch_->events[e].json);
    w.status = w.encoder.EncodeBlock(w.events, &values_[i]);
  }
}

void BatchEncoder::HelperLoop(size_t index) {
  Worker& w = *workers_[index];
  uint64_t seen = 0;
  std::unique_lock lock(mu_);
  for (;;) {
    wake_.wait(lock, [&] { return stopping_ || generation_ != seen; });
    if (stopping_) return;
    seen = generation_;
    lock.unlock();
    EncodeClaimed(w);
    lock.lock();
    if (--busy_ == 0) done_.notify_one();
  }
}

Status BatchEncoder::Encode(PreparedBatch* batch) {
  const std::vector<PreparedEvent>& events = batch->events;
  CutBlocks(
      events.size(), [&](size_t i) { return events[i].json.size(); }, &runs_);
  const size_t n = runs_.size();
  if (values_.size() < n) values_.resize(n);
  batch_ = batch;
  next_ = 0;
  bool parallel = n > 1 && !threads_.empty();
  if (parallel) {
    std::lock_guard lock(mu_);
    busy_ = threads_.size();
    ++generation_;
  }
  if (parallel) wake_.notify_all();
  EncodeClaimed(*workers_[0]);
  if (parallel) {
    std::unique_lock lock(mu_);
    done_.wait(lock, [&] { return busy_ == 0; });
  }
  batch_ = nullptr;
  for (auto& w : workers_) {
    if (!w->status) return std::exchange(w->status, Status::Ok());
  }
  batch->values.clear();
  for (size_t i = 0; i < n; ++i) {
    const BlockRun& run = runs_[i];
    batch->values.push_back({events[run.first + run.count - 1].seq, batch->text.Add(values_[i])});
    if (values_[i].capacity() > (1u << 20)) std::string().swap(values_[i]);  // a rare huge line
  }
  return Status::Ok();
}

}  // namespace trace
