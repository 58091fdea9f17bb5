// See event_reader.h.
#include "common/store/event_reader.h"

#include <algorithm>

namespace trace {

using lmdb::View;

namespace {

// Names the value at key in an error: "events value 42" (its last seq).
std::string ValueName(const MDB_val& key) {
  if (key.mv_size != 8) return "events value";
  return "events value " + std::to_string(lmdb::GetBe64(key.mv_data));
}

}  // namespace

Status EventReader::OpenCursor() {
  if (cursor_open_) return Status::Ok();
  if (int rc = cursor_.Open(txn_, dbs_.events); rc != 0) return lmdb::FromMdb("events cursor", rc);
  cursor_open_ = true;
  return Status::Ok();
}

Status EventReader::Load(const MDB_val& key, const MDB_val& value) {
  first_ = last_ = 0;
  if (key.mv_size != 8) return Status::Error("corrupt events key");
  uint64_t last = lmdb::GetBe64(key.mv_data);
  Status st = decoder_.DecodeEvents(View(value), load_, &block_);
  if (st && block_.size() > last) st = Status::Error("more events than seqs");
  if (!st) return st;
  first_ = last - block_.size() + 1;
  last_ = last;
  return Status::Ok();
}

Result<bool> EventReader::Append(uint64_t seq, std::string* out) {
  if (seq == 0) return false;
  if (seq < first_ || seq > last_) {
    if (Status st = OpenCursor(); !st) return st;
    std::string key = lmdb::Be64(seq);
    MDB_val k = lmdb::Val(key), v;
    int rc = cursor_.Get(&k, &v, MDB_SET_RANGE);
    if (rc == MDB_NOTFOUND) return false;
    if (rc != 0) return lmdb::FromMdb("get event", rc);
    if (Status st = Load(k, v); !st) return st;
    if (seq < first_) return false;  // between values: not stored
  }
  out->append(block_.at(seq - first_));
  return true;
}

Result<bool> EventReader::ForEachAfter(uint64_t after_seq, const Visit& fn) {
  if (Status st = OpenCursor(); !st) return st;
  std::string from = lmdb::Be64(after_seq + 1);
  MDB_val k = lmdb::Val(from), v;
  int rc = cursor_.Get(&k, &v, MDB_SET_RANGE);
  for (; rc == 0; rc = cursor_.Get(&k, &v, MDB_NEXT)) {
    if (Status st = Load(k, v); !st) return st.Wrap(ValueName(k));
    for (uint64_t seq = std::max(first_, after_seq + 1); seq <= last_; ++seq) {
      if (!fn(seq, block_.at(seq - first_))) return true;
    }
  }
  if (rc != MDB_NOTFOUND) return lmdb::FromMdb("read events", rc);
  return false;
}

Status EventReader::ForEachValue(
    const std::function<void(uint64_t first, const DecodedEvents&)>& fn,
    const std::function<void(uint64_t key, const Status& why)>& bad) {
  if (Status st = OpenCursor(); !st) return st;
  MDB_val k, v;
  int rc = cursor_.Get(&k, &v, MDB_FIRST);
  for (; rc == 0; rc = cursor_.Get(&k, &v, MDB_NEXT)) {
    if (Status st = Load(k, v); !st) {
      bad(k.mv_size == 8 ? lmdb::GetBe64(k.mv_data) : 0, st);
      continue;
    }
    fn(first_, block_);
  }
  return rc == MDB_NOTFOUND ? Status::Ok() : lmdb::FromMdb("read events", rc);
}

Result<uint64_t> LastEventSeq(MDB_txn* txn, const StoreDbs& dbs) {
  lmdb::Cursor c;
  if (int rc = c.Open(txn, dbs.events); rc != 0) return lmdb::FromMdb("events cursor", rc);
  MDB_val k, v;
  int rc = c.Get(&k, &v, MDB_LAST);
  if (rc == MDB_NOTFOUND) return uint64_t{0};
  if (rc != 0) return lmdb::FromMdb("last seq", rc);
  if (k.mv_size != 8) return Status::Error("corrupt events key");
  return lmdb::GetBe64(k.mv_data);
}

}  // namespace trace
