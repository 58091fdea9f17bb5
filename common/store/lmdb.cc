// See lmdb.h.
#include "common/store/lmdb.h"

namespace trace::lmdb {

Status FromMdb(const std::string& what, int rc) {
  return Status::Error(what + ": " + mdb_strerror(rc));
}

void PutBe64(char* out, uint64_t v) {
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
}

uint64_t GetBe64(const void* in) {
  const auto* p = static_cast<const unsigned char*>(in);
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}

std::string Be64(uint64_t v) {
  std::string s(8, '\0');
  PutBe64(s.data(), v);
  return s;
}

Txn& Txn::operator=(Txn&& o) noexcept {
  if (this != &o) {
    Abort();
    txn_ = o.txn_;
    o.txn_ = nullptr;
  }
  return *this;
}

int Txn::Begin(MDB_env* env, unsigned flags) {
  Abort();
  return mdb_txn_begin(env, nullptr, flags, &txn_);
}

Status Txn::Commit(int* rc_out) {
  MDB_txn* t = txn_;
  txn_ = nullptr;
  int rc = mdb_txn_commit(t);
  if (rc_out) *rc_out = rc;
  return rc == 0 ? Status::Ok() : FromMdb("commit", rc);
}

void Txn::Abort() {
  if (txn_) mdb_txn_abort(txn_);
  txn_ = nullptr;
}

}  // namespace trace::lmdb
