// See indexer.h.
#include "common/index/indexer.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <chrono>

#include "common/base/log.h"
#include "common/base/shutdown.h"

namespace trace {

namespace {

// Built batches not yet durable: one committed (made durable by the next
// commit), one being committed, one waiting, while the next one is built.
constexpr size_t kMaxQueued = 3;
// Pending-line memory kept between batches (a few full batches' worth).
constexpr size_t kKeepPendingBytes = 64 << 20;

}  // namespace

Indexer::Indexer(StoreWriter& writer, wire::Publisher* publisher, Options options)
    : writer_(writer),
      publisher_(publisher),
      options_(options),
      builder_(writer, options.cache_entries),
      wake_fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)),
      thread_([this] { CommitLoop(); }) {
  pending_.reserve(options_.max_batch);
}

Indexer::~Indexer() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

void Indexer::Add(std::string_view body, bool trust_new_source, int64_t now_ms) {
  if (pending_.empty()) oldest_ms_ = now_ms;
  pending_.push_back({pending_text_.size(), body.size(), trust_new_source});
  pending_text_.append(body);
  ++received_;
}

bool Indexer::Due(int64_t now_ms) const {
  return !pending_.empty() && (Full() || now_ms - oldest_ms_ >= options_.max_batch_ms);
}

bool Indexer::ShouldFlush(int64_t now_ms, bool input_paused) {
  if (pending_.empty()) return false;
  if (Due(now_ms)) return true;
  if (!input_paused) return false;
  std::lock_guard lock(mu_);
  return queue_.empty();
}

void Indexer::ClearWake() {
  uint64_t n;
  while (::read(wake_fd_, &n, sizeof n) > 0) {
  }
}

Status Indexer::Flush(const std::map<std::string, PublisherPosition>& positions) {
  if (pending_.empty() && positions.empty()) return Status::Ok();
  // A cache over its bound is dropped only when nothing is in flight.
  if (builder_.WantsDrain()) {
    if (Status st = Sync(); !st) return st;
  }
  uint64_t committed;
  std::vector<PreparedBatch> done;
  {
    std::unique_lock lock(mu_);
    auto waiting = std::chrono::steady_clock::now();
    changed_.wait(lock, [&] { return !error_.ok() || queue_.size() < kMaxQueued; });
    backpressure_ += std::chrono::steady_clock::now() - waiting;
    if (!error_) return error_;
    committed = committed_id_;
    done.swap(done_);
  }
  builder_.Retire(committed);  // before the committed batches are reused
  for (PreparedBatch& b : done) {
    b.Clear();
    spare_.push_back(std::move(b));
  }
  PreparedBatch batch;
  if (!spare_.empty()) {
    batch = std::move(spare_.back());
    spare_.pop_back();
  }
  lines_.clear();
  for (const PendingLine& l : pending_) {
    lines_.push_back(
        {std::string_view(pending_text_).substr(l.offset, l.size), l.trust_new_source});
  }
  if (Status st = builder_.Build(lines_, positions, &batch); !st) return st;
  pending_.clear();
  pending_text_.clear();
  if (pending_text_.capacity() > kKeepPendingBytes)
    pending_text_.shrink_to_fit();  // after huge lines
  new_holes_ += batch.stats.holes;
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(batch));
  }
  changed_.notify_all();
  return Status::Ok();
}

Status Indexer::Sync() {
  std::unique_lock lock(mu_);
  changed_.wait(lock, [&] { return !error_.ok() || queue_.empty(); });
  return error_;
}

Indexer::Totals Indexer::totals() {
  std::lock_guard lock(mu_);
  Totals t = totals_;
  t.received = received_;
  using std::chrono::duration_cast, std::chrono::milliseconds;
  t.commit_ms = static_cast<uint64_t>(duration_cast<milliseconds>(committing_).count());
  t.backpressure_ms = static_cast<uint64_t>(duration_cast<milliseconds>(backpressure_).count());
  return t;
}

uint64_t Indexer::TakeHoles() {
  uint64_t n = new_holes_;
  new_holes_ = 0;
  return n;
}

// Batches leave the queue in order once durable: in durable mode a commit
// syncs the data file, which makes every earlier commit durable (the store
// syncs meta pages lazily, proto/storage.md); the last one is synced
// explicitly when nothing else is waiting. So a busy pipeline pays one
// fsync per batch and an idle one still publishes at once.
void Indexer::CommitLoop() {
  std::unique_lock lock(mu_);
  size_t committed = 0;  // queue_[0, committed): committed, not yet known durable
  for (;;) {
    changed_.wait(lock, [&] { return stopping_ || queue_.size() > committed; });
    if (queue_.size() == committed) return;          // stopping, nothing left
    const PreparedBatch& batch = queue_[committed];  // deque: stays put while others are added
    lock.unlock();
    auto start = std::chrono::steady_clock::now();
    Status st = CommitWithRetry(batch);
    lock.lock();
    committing_ += std::chrono::steady_clock::now() - start;
    if (st) {
      ++committed;
      bool more = queue_.size() > committed;
      // The batch just committed is durable too when the store syncs it
      // itself, or after an explicit sync when no other batch follows.
      if (!writer_.lazy_sync() || !more) {
        lock.unlock();
        start = std::chrono::steady_clock::now();
        if (writer_.lazy_sync()) st = writer_.SyncToDisk();
        lock.lock();
        committing_ += std::chrono::steady_clock::now() - start;
        if (st) RetireFront(committed, &committed, lock);
      } else {
        RetireFront(committed - 1, &committed, lock);
      }
    }
    if (!st) {
      log::Error("commit failed, giving up", {{"error", st.message()}});
      error_ = st;
      queue_.clear();
      changed_.notify_all();
      Wake();
      return;
    }
  }
}

// Republishes the first n batches (durable now) and hands them back for
// reuse. Called with lock held; publishes without it (the builder only
// appends to the queue, which leaves its elements in place).
void Indexer::RetireFront(size_t n, size_t* committed, std::unique_lock<std::mutex>& lock) {
  if (n == 0) return;
  std::vector<const PreparedBatch*> ready;
  for (size_t i = 0; i < n; ++i) ready.push_back(&queue_[i]);
  lock.unlock();
  for (const PreparedBatch* batch : ready) Republish(*batch);
  lock.lock();
  for (size_t i = 0; i < n; ++i) {
    PreparedBatch& batch = queue_.front();
    committed_id_ = batch.id;
    totals_.stored += batch.stats.stored;
    totals_.duplicates += batch.stats.duplicates;
    totals_.invalid += batch.stats.invalid;
    totals_.holes += batch.stats.holes;
    ++totals_.batches;
    done_.push_back(std::move(batch));
    queue_.pop_front();
    --*committed;
  }
  changed_.notify_all();
  Wake();
}

void Indexer::Wake() {
  uint64_t one = 1;
  if (wake_fd_ >= 0) (void)!::write(wake_fd_, &one, sizeof one);
}

Status Indexer::CommitWithRetry(const PreparedBatch& batch) {
  for (int failures = 0;; ++failures) {
    Status st = writer_.Commit(batch);
    if (st) return st;
    log::Error("commit failed", {{"error", st.message()}, {"attempt", failures + 1}});
    if (failures + 1 >= options_.max_commit_failures || shutdown::Requested()) return st;
    std::this_thread::sleep_for(std::chrono::milliseconds(options_.retry_pause_ms));
  }
}

void Indexer::Republish(const PreparedBatch& batch) {
  if (!publisher_) return;
  for (const PreparedEvent& e : batch.events) {
    if (Status st = publisher_->Send(e.topic, e.json); !st) {
      // The store is the truth; subscribers resume from it (SSE Last-Event-ID).
      log::Warn("republish failed", {{"seq", e.seq}, {"error", st.message()}});
    }
  }
}

}  // namespace trace
