// See store.h: event queries. A query walks the candidates of its most
// selective index (the equality filter whose key has the fewest DUPSORT
// entries, by mdb_cursor_count), and checks the other filters against the
// other indexes with MDB_GET_BOTH; only matching events are read.
#include <algorithm>
#include <limits>

#include "common/store/event_reader.h"
#include "common/store/lmdb.h"
#include "common/store/lmdb_store.h"
#include "common/store/store_schema.h"

namespace trace {

namespace {

using lmdb::Val;
using lmdb::View;

struct Candidate {
  uint64_t seq;
  int64_t ts;
};

struct EqualityFilter {
  MDB_dbi dbi;
  std::string_view key;
};

std::vector<EqualityFilter> EqualityFilters(const EventFilter& f, const StoreDbs& d) {
  std::vector<EqualityFilter> out;
  auto add = [&](MDB_dbi dbi, const std::string& key) {
    if (!key.empty()) out.push_back({dbi, key});
  };
  add(d.by_session, f.session_id);
  add(d.by_task, f.task_id);
  add(d.by_tool, f.tool_name);
  add(d.by_trace, f.trace_id);
  add(d.by_type, f.event_type);
  add(d.by_user, f.user);  // dbi 0: a store older than the index, nothing matches
  add(d.by_host, f.host);
  return out;
}

// Walks candidate (seq, ts) pairs in seq order, descending or ascending,
// from one source: an index key, the time index, or all events.
class CandidateWalk {
 public:
  CandidateWalk(MDB_txn* txn, const StoreDbs& d, const EventFilter& f) : txn_(txn), d_(d), f_(f) {}

  // Chooses the source; *known_total is set when the source's size is the
  // exact match count (no other filter to check), else nullopt.
  Status Plan(std::optional<uint64_t>* known_total, bool* empty) {
    auto eq = EqualityFilters(f_, d_);
    size_t best_count = std::numeric_limits<size_t>::max();
    for (size_t i = 0; i < eq.size(); ++i) {
      if (eq[i].dbi == 0) return (*empty = true, Status::Ok());
      lmdb::Cursor c;
      if (int rc = c.Open(txn_, eq[i].dbi); rc != 0) return lmdb::FromMdb("cursor", rc);
      MDB_val k = Val(eq[i].key), v;
      int rc = c.Get(&k, &v, MDB_SET);
      size_t n = 0;
      if (rc == 0) mdb_cursor_count(c.get(), &n);
      if (n < best_count) {
        best_count = n;
        best_ = static_cast<int>(i);
      }
    }
    *empty = best_ >= 0 && best_count == 0;
    if (best_ >= 0) {
      index_ = eq[best_];
      eq.erase(eq.begin() + best_);
    }
    others_ = std::move(eq);
    bool timed = f_.from_ms || f_.to_ms;
    if (best_ >= 0 && others_.empty() && !timed) *known_total = best_count;
    if (best_ < 0 && !timed) {
      // Seqs are 1, 2, 3 ... without holes (--verify checks it).
      auto last = LastEventSeq(txn_, d_);
      if (!last) return last.status();
      *known_total = *last;
    }
    return Status::Ok();
  }

  // Positions before the first candidate: descending from below `below`
  // (0 = from the newest), or ascending from above `above`.
  Status Start(bool descending, uint64_t below, uint64_t above) {
    desc_ = descending;
    if (best_ >= 0) return StartIndex(below, above);
    if (f_.from_ms || f_.to_ms) return StartTime(below, above);
    return StartAll(below, above);
  }

  // Next candidate; false at the end.
  Result<bool> Next(Candidate* out) {
    if (best_ >= 0) return NextIndex(out);
    if (f_.from_ms || f_.to_ms) return NextTime(out);
    return NextAll(out);
  }

  // The other filters (time range and the other equality indexes).
  Result<bool> Matches(const Candidate& c) {
    if (f_.from_ms && c.ts < *f_.from_ms) return false;
    if (f_.to_ms && c.ts > *f_.to_ms) return false;
    std::string entry = IndexEntry(c.seq, c.ts);
    for (const EqualityFilter& e : others_) {
      lmdb::Cursor cur;
      if (int rc = cur.Open(txn_, e.dbi); rc != 0) return lmdb::FromMdb("cursor", rc);
      MDB_val k = Val(e.key), v = Val(entry);
      int rc = cur.Get(&k, &v, MDB_GET_BOTH);
      if (rc == MDB_NOTFOUND) return false;
      if (rc != 0) return lmdb::FromMdb("index lookup", rc);
    }
    return true;
  }

 private:
  Status StartIndex(uint64_t below, uint64_t above) {
    if (int rc = cur_.Open(txn_, index_.dbi); rc != 0) return lmdb::FromMdb("cursor", rc);
    MDB_val k = Val(index_.key), v;
    std::string entry = IndexEntry(desc_ ? below : above + 1, std::numeric_limits<int64_t>::min());
    if (desc_ && below == 0) {
      pending_rc_ = cur_.Get(&k, &v, MDB_SET);
      if (pending_rc_ == 0) pending_rc_ = cur_.Get(&k, &v, MDB_LAST_DUP);
    } else {
      v = Val(entry);
      pending_rc_ = cur_.Get(&k, &v, MDB_GET_BOTH_RANGE);
      if (desc_) {
        // Positioned at the first entry >= below: step back one.
        if (pending_rc_ == 0)
          pending_rc_ = cur_.Get(&k, &v, MDB_PREV_DUP);
        else if (pending_rc_ == MDB_NOTFOUND)
          pending_rc_ = LastDup(&k, &v);
      }
    }
    pending_ = v;
    first_ = true;
    return pending_rc_ == 0 || pending_rc_ == MDB_NOTFOUND
               ? Status::Ok()
               : lmdb::FromMdb("index seek", pending_rc_);
  }

  int LastDup(MDB_val* k, MDB_val* v) {
    *k = Val(index_.key);
    int rc = cur_.Get(k, v, MDB_SET);
    return rc == 0 ? cur_.Get(k, v, MDB_LAST_DUP) : rc;
  }

  // The position the Start* call found, then one cursor step (op) per call;
  // *pending is where the first position goes (key or value).
  int Step(MDB_cursor_op op, MDB_val* k, MDB_val* v, MDB_val* pending) {
    if (!first_) return cur_.Get(k, v, op);
    first_ = false;
    *pending = pending_;
    return pending_rc_;
  }

  Result<bool> NextIndex(Candidate* out) {
    MDB_val k, v;
    int rc = Step(desc_ ? MDB_PREV_DUP : MDB_NEXT_DUP, &k, &v, &v);
    if (rc == MDB_NOTFOUND) return false;
    if (rc != 0) return lmdb::FromMdb("index walk", rc);
    if (v.mv_size != kIndexEntrySize) return Status::Error("corrupt index entry");
    *out = {IndexEntrySeq(v), IndexEntryTs(v)};
    return true;
  }

  Status StartTime(uint64_t below, uint64_t above) {
    lmdb::Cursor c;
    if (int rc = c.Open(txn_, d_.by_time); rc != 0) return lmdb::FromMdb("cursor", rc);
    std::string from =
        lmdb::Be64(lmdb::BiasTs(f_.from_ms.value_or(std::numeric_limits<int64_t>::min())));
    uint64_t to = lmdb::BiasTs(f_.to_ms.value_or(std::numeric_limits<int64_t>::max()));
    MDB_val k = Val(from), v;
    int rc = c.Get(&k, &v, MDB_SET_RANGE);
    for (; rc == 0 && lmdb::GetBe64(k.mv_data) <= to; rc = c.Get(&k, &v, MDB_NEXT)) {
      uint64_t seq = lmdb::GetBe64(v.mv_data);
      if ((below && seq >= below) || seq <= above) continue;
      timed_.push_back({seq, lmdb::UnbiasTs(lmdb::GetBe64(k.mv_data))});
    }
    if (rc != 0 && rc != MDB_NOTFOUND) return lmdb::FromMdb("time walk", rc);
    std::sort(timed_.begin(), timed_.end(), [this](const Candidate& a, const Candidate& b) {
      return desc_ ? a.seq > b.seq : a.seq < b.seq;
    });
    return Status::Ok();
  }

  Result<bool> NextTime(Candidate* out) {
    if (timed_pos_ >= timed_.size()) return false;
    *out = timed_[timed_pos_++];
    return true;
  }

  // All events: the values' keys and event counts give their seqs (no
  // value is decoded).
  Status StartAll(uint64_t below, uint64_t above) {
    if (int rc = cur_.Open(txn_, d_.events); rc != 0) return lmdb::FromMdb("cursor", rc);
    limit_ = desc_ ? below : above;
    std::string key = lmdb::Be64(desc_ ? (below ? below : 1) : above + 1);
    MDB_val k = Val(key), v;
    int rc = cur_.Get(&k, &v, desc_ && below == 0 ? MDB_LAST : MDB_SET_RANGE);
    if (desc_ && below != 0 && rc == MDB_NOTFOUND) rc = cur_.Get(&k, &v, MDB_LAST);
    return EnterValue(rc, k, v);
  }

  // Takes the value the cursor is on (rc: the move's result) as the next
  // run of seqs.
  Status EnterValue(int rc, const MDB_val& k, const MDB_val& v) {
    run_first_ = 1;
    run_last_ = 0;  // empty
    if (rc == MDB_NOTFOUND) return (ended_ = true, Status::Ok());
    if (rc != 0) return lmdb::FromMdb("event walk", rc);
    if (k.mv_size != 8) return Status::Error("corrupt events key");
    auto n = ValueEventCount(View(v));
    uint64_t last = lmdb::GetBe64(k.mv_data);
    if (!n || *n > last) return Status::Error("event " + std::to_string(last) + ": corrupt value");
    run_first_ = last - *n + 1;
    run_last_ = last;
    next_ = desc_ ? run_last_ : run_first_;
    return Status::Ok();
  }

  Result<bool> NextAll(Candidate* out) {
    for (;;) {
      if (ended_) return false;
      bool in_run = run_first_ <= next_ && next_ <= run_last_;
      bool wanted = desc_ ? (limit_ == 0 || next_ < limit_) : next_ > limit_;
      if (in_run && wanted) {
        *out = {desc_ ? next_-- : next_++, 0};
        return true;
      }
      if (in_run && !desc_) {  // ascending: seqs at or below `above` are skipped
        next_ = limit_ + 1;
        continue;
      }
      if (in_run) {  // descending: seqs at or above `below` are skipped
        next_ = limit_ - 1;
        continue;
      }
      MDB_val k, v;
      int rc = cur_.Get(&k, &v, desc_ ? MDB_PREV : MDB_NEXT);
      if (Status st = EnterValue(rc, k, v); !st) return st;
    }
  }

  MDB_txn* txn_;
  const StoreDbs& d_;
  const EventFilter& f_;
  int best_ = -1;
  EqualityFilter index_{};
  std::vector<EqualityFilter> others_;
  bool desc_ = true;
  lmdb::Cursor cur_;
  int pending_rc_ = MDB_NOTFOUND;
  MDB_val pending_{};
  bool first_ = true;
  std::vector<Candidate> timed_;
  size_t timed_pos_ = 0;
  // The all-events walk: the current value's seqs, the next one to give,
  // the bound (below or above) and whether the values ran out.
  uint64_t run_first_ = 1, run_last_ = 0, next_ = 0, limit_ = 0;
  bool ended_ = false;
};

// Appends the JSON of seq to *out: from the cache, or decoded from the map
// (then cached). false (ok) when no event has that seq.
Result<bool> AppendEvent(EventReader& reader, EventCache& cache, uint64_t seq, std::string* out) {
  if (cache.Append(seq, out)) return true;
  size_t start = out->size();
  auto found = reader.Append(seq, out);
  if (!found) return found.status().Wrap("event " + std::to_string(seq));
  if (*found) cache.Insert(seq, std::string_view(*out).substr(start));
  return found;
}

Status FetchEvents(EventReader& reader, EventCache& cache, const std::vector<uint64_t>& seqs,
                   std::vector<std::string>* out) {
  out->reserve(out->size() + seqs.size());
  std::string json;
  for (uint64_t seq : seqs) {
    json.clear();
    auto found = AppendEvent(reader, cache, seq, &json);
    if (!found) return found.status();
    if (*found) out->push_back(json);
  }
  return Status::Ok();
}

// Appends the events' JSON to *out, comma-separated, each decoded (or
// copied from the cache) straight into *out.
Status AppendEvents(EventReader& reader, EventCache& cache, const std::vector<uint64_t>& seqs,
                    std::string* out) {
  bool first = true;
  for (uint64_t seq : seqs) {
    if (!first) *out += ',';
    auto found = AppendEvent(reader, cache, seq, out);
    if (!found) return found.status();
    if (*found)
      first = false;
    else if (!first)
      out->pop_back();  // no event there: take the comma back
  }
  return Status::Ok();
}

// The seqs of the requested page (newest first) and the total match count.
Status PlanPage(MDB_txn* txn, const StoreDbs& d, const EventQuery& q, std::vector<uint64_t>* seqs,
                uint64_t* total_out) {
  CandidateWalk walk(txn, d, q.filter);
  std::optional<uint64_t> known_total;
  bool empty = false;
  if (Status st = walk.Plan(&known_total, &empty); !st || empty) return st;
  // Without a cursor and with an exact total, only the page is walked;
  // otherwise every candidate is visited once to count the matches.
  bool count_all = !known_total;
  if (known_total) *total_out = *known_total;
  if (Status st = walk.Start(true, count_all ? 0 : q.before_seq, 0); !st) return st;
  size_t position = 0;
  uint64_t total = 0;
  Candidate c{};
  for (;;) {
    auto more = walk.Next(&c);
    if (!more) return more.status();
    if (!*more) break;
    auto match = walk.Matches(c);
    if (!match) return match.status();
    if (!*match) continue;
    ++total;
    if (q.before_seq && c.seq >= q.before_seq) continue;
    if (position++ >= q.offset && seqs->size() < q.limit) seqs->push_back(c.seq);
    if (!count_all && seqs->size() >= q.limit) break;
  }
  if (count_all) *total_out = total;
  return Status::Ok();
}

}  // namespace

Result<EventPage> LmdbStore::QueryEvents(const EventQuery& q) {
  EventPage page;
  Status st = Read([&](MDB_txn* txn, const StoreDbs& d) {
    std::vector<uint64_t> seqs;
    Status planned = PlanPage(txn, d, q, &seqs, &page.total);
    EventReader reader(decoder_, txn, d);
    return planned ? FetchEvents(reader, cache_, seqs, &page.events) : planned;
  });
  if (!st) return st;
  return page;
}

Result<uint64_t> LmdbStore::AppendEventsJson(const EventQuery& q, std::string* out) {
  uint64_t total = 0;
  Status st = Read([&](MDB_txn* txn, const StoreDbs& d) {
    std::vector<uint64_t> seqs;
    Status planned = PlanPage(txn, d, q, &seqs, &total);
    EventReader reader(decoder_, txn, d);
    return planned ? AppendEvents(reader, cache_, seqs, out) : planned;
  });
  if (!st) return st;
  return total;
}

Result<std::vector<std::string>> LmdbStore::EventsAfter(uint64_t after_seq,
                                                        const EventFilter& filter, size_t max) {
  std::vector<std::string> out;
  Status st = Read([&](MDB_txn* txn, const StoreDbs& d) -> Status {
    CandidateWalk walk(txn, d, filter);
    std::optional<uint64_t> known_total;
    bool empty = false;
    if (Status s = walk.Plan(&known_total, &empty); !s || empty) return s;
    if (Status s = walk.Start(false, 0, after_seq); !s) return s;
    std::vector<uint64_t> seqs;
    Candidate c{};
    while (seqs.size() < max) {
      auto more = walk.Next(&c);
      if (!more) return more.status();
      if (!*more) break;
      auto match = walk.Matches(c);
      if (!match) return match.status();
      if (*match) seqs.push_back(c.seq);
    }
    EventReader reader(decoder_, txn, d);
    return FetchEvents(reader, cache_, seqs, &out);
  });
  if (!st) return st;
  return out;
}

Result<std::vector<std::string>> LmdbStore::TaskEvents(const std::string& task_id, size_t max) {
  EventFilter f;
  f.task_id = task_id;
  return EventsAfter(0, f, max);
}

Result<bool> ReadEventsAfter(EventDecoder& decoder, MDB_txn* txn, const StoreDbs& d,
                             uint64_t after_seq, size_t max, size_t max_bytes,
                             std::vector<std::pair<uint64_t, std::string>>* out) {
  size_t taken = 0, bytes = 0;
  // The budget is of event JSON, what the caller sends on; the first event
  // is taken whatever its size, so a read always moves on.
  return EventReader(decoder, txn, d)
      .ForEachAfter(after_seq, [&](uint64_t seq, std::string_view json) {
        if (taken == max || (taken > 0 && bytes + json.size() > max_bytes)) return false;
        bytes += json.size();
        out->emplace_back(seq, std::string(json));
        ++taken;
        return true;
      });
}

}  // namespace trace
