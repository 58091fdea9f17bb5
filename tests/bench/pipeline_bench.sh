#!/usr/bin/env bash
# The whole pipeline from scratch (issue #15): a trace-gen Claude home
# backfilled through trace-tail -> ZeroMQ -> trace-index (durable), timed
# from the tail's start until every event is stored, beside the named
# baseline `trace-index --stdin` on the same events (target >= 80% of it).
# Run with flow control (the default credit window) and without it
# (--credit-window 0: drop at the PUB high-water mark and rewind, as before),
# each printing events/s, resends (the index's duplicates, target <= 1%) and
# the peak RSS of both processes. Wall figures suffer on a shared machine.
# Env: PIPELINE_BENCH_LINES (default 1000000), PIPELINE_BENCH_HWM (tail --hwm,
# default 1000000, the tail's default), BENCH_OUT.
set -euo pipefail
: "${TRACE_BIN:?}"
B=$TRACE_BIN
LINES=${PIPELINE_BENCH_LINES:-1000000}
HWM=${PIPELINE_BENCH_HWM:-1000000}
OUT=${BENCH_OUT:-/tmp}/pipeline
rm -rf "$OUT" && mkdir -p "$OUT"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$OUT"/db "$OUT"/home "$OUT"/events.jsonl' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
stored() { mdb_stat -s by_type "$OUT/db" 2>/dev/null | awk '/Entries:/{print $2}'; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

"$B/trace-gen" --home "$OUT/home" --lines "$LINES" --seed 42 >/dev/null
GLOBS=("$OUT/home/traces/*.jsonl" "$OUT/home/projects/**/*.jsonl" "$OUT/home/history.jsonl")
"$B/trace-tail" --once --stdout --state '' "${GLOBS[@]}" 2>/dev/null >"$OUT/events.jsonl"
N=$(wc -l <"$OUT/events.jsonl")
MB=$(du -sm "$OUT/home" | cut -f1)
echo "corpus: $N events from $MB MB of files"

rm -rf "$OUT/db"; sync
t0=$(now_ms)
/usr/bin/time -f "%M" -o "$OUT/stdin.rss" "$B/trace-index" --stdin --db "$OUT/db" --log-level warn <"$OUT/events.jsonl"
STDIN_MS=$(( $(now_ms) - t0 ))
[ "$(stored)" = "$N" ] || { echo "trace-index --stdin stored $(stored) of $N" >&2; exit 1; }
STDIN_RATE=$(( N * 1000 / STDIN_MS ))
echo "trace-index --stdin (baseline): $N events in $STDIN_MS ms = $STDIN_RATE events/s, peak RSS $(( $(cat "$OUT/stdin.rss") / 1024 )) MB"

child_of() { pgrep -P "$1" | head -1; }
pipeline() {  # pipeline NAME CREDIT_WINDOW
  local ctl pub ipub ip tp ipid tpid deadline
  ctl=$(free_port); pub=$(free_port); ipub=$(free_port)
  rm -rf "$OUT/db" "$OUT/tail-state.json"*; sync
  /usr/bin/time -f "%M" -o "$OUT/$1.index.rss" "$B/trace-index" --sub "tcp://127.0.0.1:$pub" \
    --tail-control "tcp://127.0.0.1:$ctl" --pub "tcp://127.0.0.1:$ipub" --db "$OUT/db" \
    --credit-window "$2" 2>"$OUT/$1.index.log" &
  ip=$!
  until [ -f "$OUT/db/progress.json" ]; do sleep 0.05; done
  t0=$(now_ms)
  /usr/bin/time -f "%M" -o "$OUT/$1.tail.rss" "$B/trace-tail" --pub "tcp://127.0.0.1:$pub" \
    --control "tcp://127.0.0.1:$ctl" --state "$OUT/tail-state.json" --hwm "$HWM" \
    "${GLOBS[@]}" 2>"$OUT/$1.tail.log" &
  tp=$!
  deadline=$(( t0 + 1800 * 1000 ))
  until [ "$(stored)" = "$N" ]; do
    [ "$(now_ms)" -lt "$deadline" ] || { echo "$1: stored $(stored) of $N in 30 min" >&2; return 1; }
    sleep 0.1
  done
  local ms=$(( $(now_ms) - t0 ))
  tpid=$(child_of "$tp"); ipid=$(child_of "$ip")
  kill -TERM "$tpid"; wait "$tp" || true
  kill -TERM "$ipid"; wait "$ip" || true
  python3 - "$1" "$N" "$ms" "$STDIN_RATE" "$OUT" <<'PY'
import json, sys
name, n, ms, stdin_rate, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
def stopped(tool):
    for line in reversed(open(f"{out}/{name}.{tool}.log").readlines()):
        try:
            e = json.loads(line)
        except ValueError:
            continue
        if e.get("msg") == "stopped":
            return e
    return {}
index, tail = stopped("index"), stopped("tail")
rss = lambda tool: int(open(f"{out}/{name}.{tool}.rss").read().split()[-1]) // 1024
rate = n * 1000 // max(ms, 1)
resent = index.get("duplicates", 0)
print(f"pipeline {name:<12} {n} events in {ms} ms = {rate} events/s = {100.0 * rate / stdin_rate:.0f}% of --stdin"
      f" (target >= 80%); resent {resent} = {100.0 * resent / n:.2f}% (target <= 1%);"
      f" credit stalls {tail.get('credit_stalls', 0)}; peak RSS tail {rss('tail')} MB, index {rss('index')} MB")
PY
}
pipeline flow-control 8192
pipeline no-credit 0
