#!/usr/bin/env bash
# trace-gateway under connection floods (issue 13): /health and a session
# summary p50/p99 with no flood, with N (10000) idle keep-alive connections
# held and with N slowloris connections (a head that never ends, one byte a
# second each) held, and the gateway's RSS in each phase.
# Target: p99 <= 50 ms while the flood is held. Timeouts are raised so the
# flood stays for the whole measurement (defaults shed it: --keep-alive-s 15,
# --header-timeout-ms 10000). BENCH_QUICK=1: N=2000. Usage: http_flood_bench.sh [BUILD]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
BIN=$(cd "$build/bin" && pwd)
T=$(mktemp -d /tmp/ct-floodbench.XXXXXX)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$T"; }
trap cleanup EXIT
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
n=${BENCH_FLOOD:-10000}
[ "${BENCH_QUICK:-0}" = 1 ] && n=${BENCH_FLOOD:-2000}
echo "== trace-gateway connection floods (N=$n, fd limit $(ulimit -n), $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg))"
"$BIN/trace-gen" --home "$T/claude" --lines 20000 --sessions 20 --max-bytes 1000 --seed 5 >/dev/null 2>&1
"$BIN/trace-tail" --once --stdout --state '' "$T/claude/traces/*.jsonl" "$T/claude/projects/**/*.jsonl" 2>/dev/null |
  "$BIN/trace-index" --stdin --db "$T/db" --no-durable 2>"$T/index.log"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BIN/trace-gateway" --db "$T/db" --sub "" --listen "127.0.0.1:$port" --spool "$T/spool" \
  --keep-alive-s 600 --header-timeout-ms 600000 --max-connections $((n + 1000)) \
  --log-level warn 2>"$T/gw.log" & pid=$!
for _ in $(seq 200); do curl -s -o /dev/null "http://127.0.0.1:$port/health" && break; sleep 0.05; done
sid=$(curl -s "http://127.0.0.1:$port/api/sessions?limit=1" | jq -r '.sessions[0].session_id')
python3 "$root/tests/bench/http_flood.py" "$port" "$pid" "$sid" "$n"
echo "target: p99 <= 50 ms with $n idle or slowloris connections held"
echo "baseline (Poco thread per connection, before issue 13): 32 idle or dripping connections deny all service"
