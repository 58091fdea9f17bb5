#!/usr/bin/env bash
# Nothing is lost: while a writer appends lines to 4 files, trace-index and
# trace-tail are killed with SIGKILL several times at random moments and
# restarted in varying order. After the pipeline settles every line is in
# LMDB exactly once and the aggregates verify. INDEX_CRASH_LINES (default
# 40000) and INDEX_CRASH_RATE (lines/s, default 2500) size the run; the
# bench-sized variant is INDEX_CRASH_LINES=200000 INDEX_CRASH_RATE=4000.
source "$TRACE_SOURCE_DIR/tests/system/lib.sh"
B=$TRACE_BIN
N=${INDEX_CRASH_LINES:-40000}
RATE=${INDEX_CRASH_RATE:-2500}
CTL=$(free_port); PUB=$(free_port); IPUB=$(free_port)
count() { mdb_stat -s "$1" "$T/db" 2>/dev/null | awk '/Entries:/{print $2}'; }
has_events() { [ "$(stored_events "$T/db")" = "$1" ]; }
RANDOM=$$

run_tail() {
  start tail "$B/trace-tail" --pub "tcp://127.0.0.1:$PUB" --control "tcp://127.0.0.1:$CTL" \
    --state "$T/tail-state.json" --kind span "$T/in/*.jsonl"
}
run_index() {
  start index "$B/trace-index" --sub "tcp://127.0.0.1:$PUB" --tail-control "tcp://127.0.0.1:$CTL" \
    --pub "tcp://127.0.0.1:$IPUB" --db "$T/db" --batch-ms 5
}
kill9() { kill -KILL "$(pid_of "$1")" 2>/dev/null || true; wait "$(pid_of "$1")" 2>/dev/null || true; }

mkdir -p "$T/in"
python3 "$TRACE_SOURCE_DIR/tests/system/index_writer.py" "$T/in" "$N" 4 "$RATE" c >"$T/writer.out" &
WRITER=$!; _pids+=("$WRITER")
run_tail
run_index
kills=0
while kill -0 "$WRITER" 2>/dev/null; do
  sleep "0.$(( RANDOM % 9 + 3 ))"
  case $(( RANDOM % 3 )) in
    0) kill9 index; sleep "0.$(( RANDOM % 5 ))"; run_index ;;
    1) kill9 tail; sleep "0.$(( RANDOM % 5 ))"; run_tail ;;
    2) kill9 index; kill9 tail
       if (( RANDOM % 2 )); then run_index; sleep 0.2; run_tail; else run_tail; sleep 0.2; run_index; fi ;;
  esac
  kills=$(( kills + 1 ))
done
wait "$WRITER" || fail "writer failed"
assert_eq "$(cat "$T/writer.out")" "$N" "lines written"
wait_for 60 has_events "$N" || fail "after settling: $(stored_events "$T/db") events stored, $N lines written"
sleep 1  # anything arriving late would be a duplicate: it must not be stored
assert_eq "$(stored_events "$T/db")" "$N" "events (no duplicates)"
assert_eq "$(count ids)" "$N" "distinct span ids"
"$B/trace-query" --db "$T/db" events --json --limit "$N" | python3 -c '
import json, sys
n = int(sys.argv[1])
ids = {json.loads(l)["span_id"] for l in sys.stdin}
want = {"c-%d" % i for i in range(n)}
assert ids == want, "missing %d, unexpected %d" % (len(want - ids), len(ids - want))
' "$N" || fail "stored span ids differ from the lines written"
kill -TERM "$(pid_of index)"; wait "$(pid_of index)" || fail "index exit on SIGTERM"
"$B/trace-index" --verify --db "$T/db" >"$T/verify.out" || { tail -5 "$T/verify.out"; fail "verify"; }
pass "crash: $kills kill rounds, $N lines stored exactly once, verify clean"
