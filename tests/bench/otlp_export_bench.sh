#!/usr/bin/env bash
# trace-index --otlp-export (make bench), with a real trace-gateway's /v1/logs
# as the collector (it appends and fdatasyncs each request before answering):
#  1. throughput: a store of N committed events (~1 kB each) exported from
#     position 0, events/s until the last is acknowledged, per protocol;
#  2. lag: trace-tail -> trace-index --otlp-export live at R events/s; per
#     event, write time (its timestamp) -> the collector's receipt (received_ms),
#     p50/p99. This includes tail and index commit; the export's own share is
#     the rest (batch wait --otlp-export-batch-ms 20 here, the poll, the POST).
# N=100000 (BENCH_EVENTS), lag 10 s at 1000/s; BENCH_QUICK=1: N=20000, 3 s.
# Usage: otlp_export_bench.sh [BUILD]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
BIN=$(cd "${TRACE_BIN:-${1:-$root/build}/bin}" && pwd)
T=$(mktemp -d /tmp/ct-otlpbench.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$T"
}
trap cleanup EXIT
N=${BENCH_EVENTS:-100000}; LAG_S=10; RATE=1000
[ "${BENCH_QUICK:-0}" = 1 ] && { N=20000; LAG_S=3; }
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
ms() { echo $(( $(date +%s%N) / 1000000 )); }
HB=$(port)
echo "== otlp export benchmarks ($(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg))"

# span lines shaped like hook records, ~1 kB each (timestamp = when written).
python3 - "$T/spans.jsonl" "$N" <<'PY'
import json, sys, time
n = int(sys.argv[2])
now = int(time.time() * 1000)
with open(sys.argv[1], "w") as f:
    for i in range(n):
        f.write(json.dumps({"span_id": f"b-{i}", "trace_id": "t", "session_id": f"sess-{i % 50}",
            "event_type": "PostToolUse", "tool_name": "Bash", "timestamp": now + i,
            "duration_ms": 12, "tool_input": {"command": "npm test -- --grep " + "x" * 600},
            "tool_output": {"stdout": "ok " * 80}}, separators=(",", ":")) + "\n")
PY
"$BIN/trace-tail" --once --stdout --from-start --state "$T/st.json" "$T/spans.jsonl" 2>/dev/null |
  "$BIN/trace-index" --stdin --db "$T/dbA" 2>/dev/null
"$BIN/trace-index" --stdin --db "$T/dbB" </dev/null 2>/dev/null

start_collector() {
  rm -rf "$T/spoolB"
  "$BIN/trace-gateway" --db "$T/dbB" --sub "tcp://127.0.0.1:$(port)" --listen "127.0.0.1:$HB" \
    --spool "$T/spoolB" --log-level warn >/dev/null 2>"$T/gw.log" &
  pids+=($!)
  for _ in $(seq 200); do curl -s -o /dev/null "http://127.0.0.1:$HB/health" && break; sleep 0.05; done
}
exported() { jq -r .exported_seq "$1" 2>/dev/null || echo 0; }

start_collector
for proto in http/protobuf http/json; do
  rm -f "$T/pos.json"
  t0=$(ms)
  "$BIN/trace-index" --db "$T/dbA" --sub "tcp://127.0.0.1:$(port)" --no-catchup \
    --pub "tcp://127.0.0.1:$(port)" --otlp-export "http://127.0.0.1:$HB" \
    --otlp-export-protocol "$proto" --otlp-export-state "$T/pos.json" >/dev/null 2>"$T/export.log" &
  pid=$!
  pids+=($pid)
  until [ "$(exported "$T/pos.json")" -ge "$N" ]; do
    [ $(( $(ms) - t0 )) -lt 600000 ] || { echo "export stalled at $(exported "$T/pos.json")"; exit 1; }
    sleep 0.02
  done
  t1=$(ms)
  kill "$pid"; wait "$pid" 2>/dev/null || true
  batches=$(grep -o '"batches":[0-9]*' "$T/export.log" | head -1 | cut -d: -f2)
  echo "throughput $proto: $N events in $((t1 - t0)) ms = $(( N * 1000 / (t1 - t0 > 0 ? t1 - t0 : 1) )) events/s ($batches requests)"
done

# Lag, live: a writer appends RATE events/s for LAG_S s (same collector).
CTL=$(port); PUB=$(port)
"$BIN/trace-tail" --pub "tcp://127.0.0.1:$PUB" --control "tcp://127.0.0.1:$CTL" --state "$T/lt.json" \
  "$T/live/*.jsonl" >/dev/null 2>"$T/tail.log" &
pids+=($!)
mkdir -p "$T/live"
"$BIN/trace-index" --db "$T/dbL" --sub "tcp://127.0.0.1:$PUB" --tail-control "tcp://127.0.0.1:$CTL" \
  --pub "tcp://127.0.0.1:$(port)" --otlp-export "http://127.0.0.1:$HB" --otlp-export-batch-ms 20 \
  --otlp-export-state "$T/lpos.json" >/dev/null 2>"$T/lindex.log" &
pids+=($!)
sleep 1
python3 - "$T/live/l.jsonl" "$RATE" "$LAG_S" <<'PY'
import json, sys, time
path, rate, secs = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
n = int(rate * secs)
start = time.time()
with open(path, "a", buffering=1) as f:
    for i in range(n):
        due = start + i / rate
        if due > time.time():
            time.sleep(due - time.time())
        f.write(json.dumps({"span_id": f"l-{i}", "session_id": "live", "event_type": "PreToolUse",
                            "tool_name": "Read", "timestamp": int(time.time() * 1000)}) + "\n")
PY
want=$((RATE * LAG_S))
for _ in $(seq 600); do [ "$(exported "$T/lpos.json")" -ge "$want" ] && break; sleep 0.05; done
python3 - "$T/spoolB/ingest.jsonl" "$want" <<'PY'
import json, sys
lags = []
for line in open(sys.argv[1]):
    r = json.loads(line)
    e = json.loads(r["body"])
    if e.get("session_id") == "live":
        lags.append(r["received_ms"] - e["timestamp"])
lags.sort()
if not lags:
    sys.exit("lag: nothing arrived")
p = lambda q: lags[min(len(lags) - 1, int(q * len(lags)))]
print(f"lag write -> collector at {sys.argv[2]} events: {len(lags)} arrived, p50 {p(0.5)} ms, "
      f"p99 {p(0.99)} ms, max {lags[-1]} ms")
PY
