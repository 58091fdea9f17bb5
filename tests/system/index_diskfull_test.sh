#!/usr/bin/env bash
# A write that fails mid-load (the file size limit stands in for a full
# disk: LMDB's pwrite fails with EFBIG as it would with ENOSPC) leaves the
# store at its last commit: trace-index retries, gives up with exit 1 and a
# clear error; the store opens, verifies and holds whole batches only; a
# rerun with room stores every line exactly once.
source "$TRACE_SOURCE_DIR/tests/system/lib.sh"
B=$TRACE_BIN
python3 "$TRACE_SOURCE_DIR/tests/system/index_writer.py" "$T/in" 20000 4 >/dev/null
"$B/trace-tail" --once --stdout --state '' --kind span "$T/in/*.jsonl" 2>"$T/tail.log" >"$T/events.jsonl"
total=$(wc -l <"$T/events.jsonl")
[ "$total" -ge 20000 ] || fail "corpus: $total lines"

# 3 MiB of data.mdb at most; SIGXFSZ ignored, so the write fails instead.
rc=0
( ulimit -f 3072; trap '' XFSZ; exec "$B/trace-index" --stdin --db "$T/db" --batch-size 500 \
    --commit-retries 2 <"$T/events.jsonl" 2>"$T/index.log" ) || rc=$?
assert_eq "$rc" 1 "exit code when the disk is full"
grep -q '"commit failed"' "$T/index.log" || fail "no commit failure logged: $(tail -3 "$T/index.log")"
# LMDB reports a short write as EIO.
grep -q 'disk full?' "$T/index.log" || fail "error does not say why: $(tail -3 "$T/index.log")"

count() { mdb_stat -s "$1" "$T/db" | awk '/Entries:/{print $2}'; }
stored=$(stored_events "$T/db")
[ "$stored" -gt 0 ] && [ "$stored" -lt "$total" ] || fail "stored $stored of $total before the disk filled"
assert_eq "$(count ids)" "$stored" "ids match events after the failure"
"$B/trace-index" --verify --db "$T/db" >"$T/verify1.out" || { cat "$T/verify1.out"; fail "verify after failure"; }
last=$("$B/trace-query" --db "$T/db" events --limit 1 --json | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["seq"])')
assert_eq "$last" "$stored" "seqs are dense up to the last commit"

# Room again: the rest goes in, nothing twice.
"$B/trace-index" --stdin --db "$T/db" <"$T/events.jsonl" 2>>"$T/index.log" || fail "rerun failed"
assert_eq "$(stored_events "$T/db")" "$total" "every line stored after the rerun"
assert_eq "$(count ids)" "$total" "span ids after the rerun"
"$B/trace-index" --verify --db "$T/db" >"$T/verify2.out" || { cat "$T/verify2.out"; fail "verify after rerun"; }
pass "disk full: last commit kept, verify clean, rerun stores every line once"
