// See ids_rekey.h. A step reads its entries first and writes them after:
// no cursor is kept across the writes.
#include "common/store/ids_rekey.h"

#include <string>
#include <utility>
#include <vector>

#include "common/store/ids_key.h"
#include "common/store/lmdb.h"

namespace trace {

namespace {

using lmdb::Val;
using lmdb::View;

constexpr char kRekeying = 'k', kCopying = 'c';

using Entries = std::vector<std::pair<std::string, std::string>>;

Status Fail(const std::string& what, int code, int* rc) {
  *rc = code;
  return lmdb::FromMdb(what, code);
}

uint64_t Count(MDB_txn* txn, MDB_dbi dbi) {
  MDB_stat st;
  return mdb_stat(txn, dbi, &st) == 0 ? st.ms_entries : 0;
}

// Up to max entries of dbi after key `after` ("": from the first); *end:
// none follow them.
Status ReadAfter(MDB_txn* txn, MDB_dbi dbi, std::string_view after, size_t max, Entries* out,
                 bool* end, int* rc) {
  lmdb::Cursor c;
  if (int r = c.Open(txn, dbi); r != 0) return Fail("cursor", r, rc);
  MDB_val k = Val(after), v;
  int r = c.Get(&k, &v, after.empty() ? MDB_FIRST : MDB_SET_RANGE);
  if (r == 0 && !after.empty() && View(k) == after) r = c.Get(&k, &v, MDB_NEXT);
  for (; r == 0 && out->size() < max; r = c.Get(&k, &v, MDB_NEXT))
    out->emplace_back(std::string(View(k)), std::string(View(v)));
  if (r != 0 && r != MDB_NOTFOUND) return Fail("read ids", r, rc);
  *end = r == MDB_NOTFOUND;
  return Status::Ok();
}

Status PutMarker(MDB_txn* txn, MDB_dbi meta, const std::string& marker, int* rc) {
  MDB_val k = Val(kMetaIdsRekey), v = Val(marker);
  int r = mdb_put(txn, meta, &k, &v, 0);
  return r == 0 ? Status::Ok() : Fail("put ids_rekey", r, rc);
}

}  // namespace

Status IdsRekey::Step(MDB_txn* txn, bool* more, int* rc) {
  *rc = 0;
  MDB_dbi rekeyed;
  if (int r = mdb_dbi_open(txn, kIdsRekeyedDb, MDB_CREATE, &rekeyed); r != 0)
    return Fail(std::string("open database '") + kIdsRekeyedDb + "'", r, rc);
  MDB_val k = Val(kMetaIdsRekey), v;
  int r = mdb_get(txn, dbs_.meta, &k, &v);
  if (r != 0 && r != MDB_NOTFOUND) return Fail("read ids_rekey", r, rc);
  std::string marker = r == 0 ? std::string(View(v)) : std::string(1, kRekeying);
  *more = true;
  if (marker[0] == kRekeying) return Rekey(txn, rekeyed, std::string_view(marker).substr(1), rc);
  if (marker == std::string(1, kCopying)) return CopyBack(txn, rekeyed, more, rc);
  return Status::Error("meta ids_rekey is not a re-key position");
}

// Old entries after `after` into ids_rekeyed under their new keys. Two
// identities with one key (both 64-bit hashes equal: never expected) keep
// the lower seq, the line stored first, as the writer's dedupe would.
// After the last old entry, `ids` is emptied for the copy back.
Status IdsRekey::Rekey(MDB_txn* txn, MDB_dbi rekeyed, std::string_view after, int* rc) {
  Entries batch;
  bool end = false;
  if (Status st = ReadAfter(txn, dbs_.ids, after, per_txn_, &batch, &end, rc); !st) return st;
  for (const auto& [identity, seq] : batch) {
    if (seq.size() != 8) return Status::Error("ids entry of a schema 3 store is not a seq");
    IdsKey key(identity);
    MDB_val k = Val(key.view()), v = Val(seq);
    int r = mdb_put(txn, rekeyed, &k, &v, MDB_NOOVERWRITE);
    if (r == MDB_KEYEXIST) {  // v: the seq stored under the key
      r = 0;
      if (lmdb::GetBe64(v.mv_data) > lmdb::GetBe64(seq.data())) {
        v = Val(seq);
        r = mdb_put(txn, rekeyed, &k, &v, 0);
      }
    }
    if (r != 0) return Fail("re-key ids", r, rc);
  }
  progress_.total = 2 * Count(txn, dbs_.ids);
  progress_.done = Count(txn, rekeyed);
  progress_.written = batch.size();
  if (!end) return PutMarker(txn, dbs_.meta, kRekeying + batch.back().first, rc);
  if (int r = mdb_drop(txn, dbs_.ids, 0); r != 0) return Fail("empty ids", r, rc);
  return PutMarker(txn, dbs_.meta, std::string(1, kCopying), rc);
}

// The next new keys after the last one in `ids`, appended in key order.
Status IdsRekey::CopyBack(MDB_txn* txn, MDB_dbi rekeyed, bool* more, int* rc) {
  std::string last;
  Entries batch;
  bool end = false;
  {
    lmdb::Cursor c;
    if (int r = c.Open(txn, dbs_.ids); r != 0) return Fail("cursor", r, rc);
    MDB_val k, v;
    int r = c.Get(&k, &v, MDB_LAST);
    if (r != 0 && r != MDB_NOTFOUND) return Fail("read ids", r, rc);
    if (r == 0) last = View(k);
  }
  if (Status st = ReadAfter(txn, rekeyed, last, per_txn_, &batch, &end, rc); !st) return st;
  {
    lmdb::Cursor c;
    if (int r = c.Open(txn, dbs_.ids); r != 0) return Fail("cursor", r, rc);
    for (const auto& [key, seq] : batch) {
      MDB_val k = Val(key), v = Val(seq);
      if (int r = mdb_cursor_put(c.get(), &k, &v, MDB_APPEND); r != 0)
        return Fail("copy ids back", r, rc);
    }
  }
  uint64_t entries = Count(txn, rekeyed);
  progress_.total = 2 * entries;
  progress_.done = entries + Count(txn, dbs_.ids);
  progress_.written = batch.size();
  *more = !end;
  return Status::Ok();
}

Status IdsRekey::Finish(MDB_txn* txn, int* rc) {
  *rc = 0;
  MDB_dbi rekeyed;
  int r = mdb_dbi_open(txn, kIdsRekeyedDb, 0, &rekeyed);
  if (r == 0) r = mdb_drop(txn, rekeyed, 1);
  if (r != 0 && r != MDB_NOTFOUND) return Fail(std::string("drop ") + kIdsRekeyedDb, r, rc);
  MDB_val k = Val(kMetaIdsRekey);
  r = mdb_del(txn, dbs_.meta, &k, nullptr);
  return r == 0 || r == MDB_NOTFOUND ? Status::Ok() : Fail("del ids_rekey", r, rc);
}

}  // namespace trace
