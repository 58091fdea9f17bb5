// Compresses a built batch's events into their stored values (the `events`
// encoding, common/store/event_codec.h) on the building thread and a few
// helper threads: compression is the costliest step per byte of the write
// path, and the commit thread must do only LMDB work. Owned and called by
// one thread (the batch builder's); the helpers only run inside Encode.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/base/status.h"
#include "common/store/event_codec.h"
#include "common/store/prepared_batch.h"

namespace trace {

class BatchEncoder {
 public:
  // helpers: threads besides the caller's (0: encode on the caller alone).
  explicit BatchEncoder(unsigned helpers = DefaultHelpers());
  ~BatchEncoder();
  BatchEncoder(const BatchEncoder&) = delete;
  BatchEncoder& operator=(const BatchEncoder&) = delete;

  // Cores left after the receiving, parsing and commit threads, 1..3.
  static unsigned DefaultHelpers();
  // Values encoded after this use dict (id 0: none).
  Status SetDictionary(const EventDictionary& dict);
  uint32_t dictionary_id() const { return dictionary_id_; }
  // Cuts the batch's events into values (CutBlocks) and sets
  // batch->values, encoded from their json, in batch->text.
  Status Encode(PreparedBatch* batch);

 private:
  struct Worker {
    EventEncoder encoder;
    Status status;
    std::vector<std::string_view> events;  // of the block being encoded
  };
  // Claims chunks of the current batch until none is left.
  void EncodeClaimed(Worker& w);
  void HelperLoop(size_t index);

  std::vector<std::unique_ptr<Worker>> workers_;  // [0]: the caller's
  std::vector<std::thread> threads_;
  uint32_t dictionary_id_ = 0;
  // The batch being encoded, cut into runs_; values_[i] is run i's value.
  const PreparedBatch* batch_ = nullptr;
  std::vector<BlockRun> runs_;
  std::vector<std::string> values_;
  std::atomic<size_t> next_{0};
  std::mutex mu_;
  std::condition_variable wake_, done_;
  uint64_t generation_ = 0;
  size_t busy_ = 0;
  bool stopping_ = false;
};

}  // namespace trace
