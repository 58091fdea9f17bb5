// The one adapter over LMDB: environment opening, transactions as RAII
// objects, MDB_* return codes turned into Status, and the big-endian key
// encodings the store uses (so byte order = numeric order in B-trees).
#pragma once

#include <lmdb.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "common/base/status.h"

namespace trace::lmdb {

// "<what>: <mdb_strerror(rc)>".
Status FromMdb(const std::string& what, int rc);

inline MDB_val Val(std::string_view s) { return MDB_val{s.size(), const_cast<char*>(s.data())}; }
inline std::string_view View(const MDB_val& v) {
  return {static_cast<const char*>(v.mv_data), v.mv_size};
}

// 8-byte big-endian encodings. Timestamps are signed: the sign bit is
// flipped so that negative values sort before positive ones.
void PutBe64(char* out, uint64_t v);
uint64_t GetBe64(const void* in);
std::string Be64(uint64_t v);
inline uint64_t BiasTs(int64_t ts) { return static_cast<uint64_t>(ts) ^ (1ULL << 63); }
inline int64_t UnbiasTs(uint64_t v) { return static_cast<int64_t>(v ^ (1ULL << 63)); }

// A transaction that aborts on destruction unless committed. Read-only
// transactions are cheap (no lock, no I/O); write transactions are
// exclusive per environment.
class Txn {
 public:
  Txn() = default;
  ~Txn() { Abort(); }
  Txn(const Txn&) = delete;
  Txn& operator=(const Txn&) = delete;
  Txn(Txn&& o) noexcept : txn_(o.txn_) { o.txn_ = nullptr; }
  Txn& operator=(Txn&& o) noexcept;

  // Returns the raw MDB_* code so callers can react to MDB_MAP_RESIZED.
  int Begin(MDB_env* env, unsigned flags);
  // rc_out (optional) receives the MDB_* / errno code of a failure.
  Status Commit(int* rc_out = nullptr);
  void Abort();
  MDB_txn* get() const { return txn_; }

 private:
  MDB_txn* txn_ = nullptr;
};

// A cursor closed on destruction. Cursors of read txns must be closed
// explicitly; LMDB frees a write txn's cursors when the txn ends, so a
// Cursor on a write txn must be destroyed before its commit or abort.
class Cursor {
 public:
  Cursor() = default;
  ~Cursor() { Close(); }
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;
  int Open(MDB_txn* txn, MDB_dbi dbi) { return mdb_cursor_open(txn, dbi, &cur_); }
  int Get(MDB_val* k, MDB_val* v, MDB_cursor_op op) { return mdb_cursor_get(cur_, k, v, op); }
  MDB_cursor* get() const { return cur_; }
  void Close() {
    if (cur_) mdb_cursor_close(cur_);
    cur_ = nullptr;
  }

 private:
  MDB_cursor* cur_ = nullptr;
};

}  // namespace trace::lmdb
