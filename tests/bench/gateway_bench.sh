#!/usr/bin/env bash
# trace-gateway benchmarks (make bench). Prints figures and ratios:
#  1. REST: wrk on /api/traces?session_id=..&limit=100 and
#     /api/sessions/{id}/summary against a store of BENCH_EVENTS (1M) events.
#     Targets: >= 20k req/s, summary p99 <= 5 ms.
#  2. SSE fan-out, trace-gateway vs nginx+nchan (one worker each), the same C++
#     client (bin/sse_load: epoll, monotonic stamps) at ~100k deliveries/s:
#     100 x 1000/s, 1000 x 100/s, 10000 x 10/s. p50/p99 and server RSS per
#     client. Targets: p99 no worse than nchan's, <= 10 KB RSS/client.
#  3. End to end: file append -> trace-tail -> trace-index -> gateway -> SSE,
#     100 clients x 1000 lines/s. Target p99 <= 10 ms.
# BENCH_QUICK=1 runs small sizes (development); BENCH_PARTS=rest,fanout,e2e
# picks sections. Usage: gateway_bench.sh [BUILD]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
BIN=$(cd "$build/bin" && pwd)
T=$(mktemp -d /tmp/ct-gwbench.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$T"; }
trap cleanup EXIT
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() { for _ in $(seq 200); do curl -s -o /dev/null "$1" && return 0; sleep 0.05; done; return 1; }
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
quick=${BENCH_QUICK:-0}
events=${BENCH_EVENTS:-1000000}; secs=10; fan_secs=8
[ "$quick" = 1 ] && { events=${BENCH_EVENTS:-50000}; secs=3; fan_secs=3; }
echo "== trace-gateway benchmarks (events=$events, $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg))"

parts=${BENCH_PARTS:-rest,fanout,e2e}
# --- 1. REST --------------------------------------------------------------------
if [[ $parts == *rest* ]]; then
"$BIN/trace-gen" --home "$T/claude" --lines "$events" --sessions 50 --max-bytes 1000 --seed 3 2>/dev/null
"$BIN/trace-tail" --once --stdout --state '' "$T/claude/traces/*.jsonl" "$T/claude/projects/**/*.jsonl" 2>/dev/null |
  "$BIN/trace-index" --stdin --db "$T/db" --no-durable 2>"$T/index.log"
port=$(free_port)
"$BIN/trace-gateway" --db "$T/db" --sub "" --listen "127.0.0.1:$port" --spool "$T/spool" \
  --threads 64 --log-level warn 2>"$T/gw.log" & pids+=($!)
wait_http "http://127.0.0.1:$port/health"
stored=$(curl -s "http://127.0.0.1:$port/health" | jq .store.last_seq)
sid=$(curl -s "http://127.0.0.1:$port/api/sessions?limit=1" | jq -r '.sessions[0].session_id')
echo "store: $stored events; session $sid"
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }  # utime + stime, 1/CLK_TCK s
wrk_run() {  # name url; server CPU per request is less noisy than req/s on shared cores
  local gw=${pids[-1]} c0 c1 out; c0=$(cpu_ticks "$gw")
  out=$(wrk -t2 -c32 -d"${secs}s" --latency "$2"); c1=$(cpu_ticks "$gw")
  local rps p99 n; rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}'); n=$(echo "$out" | awk '/requests in/ {print $1}')
  printf '%-34s %10s req/s   p99 %-8s server CPU %s us/request\n' "$1" "$rps" "$p99" \
    "$(awk -v t=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" -v n="$n" 'BEGIN { printf "%.0f", n ? t / hz * 1e6 / n : 0 }')"
}
wrk_run "GET /api/traces?session_id&limit=100" "http://127.0.0.1:$port/api/traces?session_id=$sid&limit=100"
wrk_run "GET /api/sessions/{id}/summary" "http://127.0.0.1:$port/api/sessions/$sid/summary"
# Reads that decode stored events (schema 3 compresses them): the newest page
# unfiltered, and an SSE replay from Last-Event-ID 1 (live only at 0). For before/after
# figures run this script with the build dir of a schema 2 commit too.
wrk_run "GET /api/traces?limit=100" "http://127.0.0.1:$port/api/traces?limit=100"
replay=$(( stored - 1 < 100000 ? stored - 1 : 100000 ))
t0=$(date +%s%N)
got=$(curl -sN "http://127.0.0.1:$port/api/stream?last_event_id=1" | grep -m "$replay" -c '^id: ' || true)
t1=$(date +%s%N)
echo "SSE replay from Last-Event-ID 1: $got events in $(( (t1 - t0) / 1000000 )) ms" \
     "($(( got * 1000000000 / (t1 - t0 + 1) )) events/s, one client)"
echo "targets: >= 20000 req/s; summary p99 <= 5 ms (wrk -t2 -c32 on the same 2 cores as the server)"
echo "baseline (before the one-sendmsg/splice/priced-cache work, same script, 1M events):"
echo "  traces 2,264-2,419 req/s p99 48-55 ms, server CPU 510 us/request"
echo "  summary 17,897-19,481 req/s p99 7.0-7.8 ms, server CPU 84 us/request"
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
fi

# --- 2. SSE fan-out vs nginx + nchan ------------------------------------------
"$BIN/trace-index" --stdin --db "$T/empty" < /dev/null 2>/dev/null
fanout() {  # server clients rate
  local server=$1 clients=$2 rate=$3 port pid base out
  port=$(free_port)
  if [ "$server" = gateway ]; then
    local zport; zport=$(free_port)
    "$BIN/trace-gateway" --db "$T/empty" --sub "tcp://127.0.0.1:$zport" --listen "127.0.0.1:$port" \
      --spool "$T/spool" --max-clients 20000 --log-level warn 2>>"$T/gw.log" & pid=$!
    wait_http "http://127.0.0.1:$port/health"
    base=$(rss_kb $pid)
    out=$("$BIN/sse_load" --mode gateway --port "$port" --zmq-bind "tcp://127.0.0.1:$zport" \
      --clients "$clients" --rate "$rate" --duration "$fan_secs" --payload 300 &
      lp=$!; sleep $((fan_secs / 2 + 3)); rss_kb $pid > "$T/rss"; wait $lp)
  else
    mkdir -p "$T/nginx"
    sed -e "s|@DIR@|$T/nginx|g" -e "s|@PORT@|$port|g" "$root/tests/bench/nchan.conf.in" > "$T/nginx/nginx.conf"
    nginx -c "$T/nginx/nginx.conf" -p "$T/nginx" 2>>"$T/nginx/stderr" & pid=$!
    wait_http "http://127.0.0.1:$port/sub" || true
    local worker; worker=$(pgrep -P $pid | head -1); worker=${worker:-$pid}
    base=$(rss_kb "$worker")
    out=$("$BIN/sse_load" --mode nchan --port "$port" --path /sub --pub-port "$port" --pub-path /pub \
      --clients "$clients" --rate "$rate" --duration "$fan_secs" --payload 300 &
      lp=$!; sleep $((fan_secs / 2 + 3)); rss_kb "$worker" > "$T/rss"; wait $lp)
  fi
  kill $pid 2>/dev/null; wait $pid 2>/dev/null || true
  local per; per=$(( ($(cat "$T/rss") - base) * 1024 / clients ))
  echo "$out" | jq -r --arg s "$server" --arg per "$per" \
    '"\($s|.[0:7]) \(.clients|tostring|.[0:6]) x \(.rate)/s  delivered \(.received)/\(.expected)  p50 \(.p50_us)us  p99 \(.p99_us)us  max \(.max_us)us  RSS/client \($per) B"'
  echo "$out" | jq -r '.p99_us' > "$T/p99.$server"
}
if [[ $parts == *fanout* ]]; then
echo "-- SSE fan-out (payload 300 B, ${fan_secs}s each)"
for cfg in "100 1000" "1000 100" "10000 10"; do
  set -- $cfg
  [ "$quick" = 1 ] && [ "$1" = 10000 ] && set -- 2000 50
  fanout gateway "$1" "$2"
  fanout nchan "$1" "$2"
  awk -v g="$(cat "$T/p99.gateway")" -v n="$(cat "$T/p99.nchan")" \
    'BEGIN { printf "   p99 ratio gateway/nchan: %.2f (target <= 1)\n", (n > 0 ? g / n : 0) }'
done
fi

# --- 3. End to end -------------------------------------------------------------
[[ $parts == *e2e* ]] || exit 0
p1=$(free_port); p2=$(free_port); p3=$(free_port); port=$(free_port)
mkdir -p "$T/e2e"
"$BIN/trace-tail" --pub "tcp://127.0.0.1:$p1" --control "tcp://127.0.0.1:$p2" --state '' \
  --kind span "$T/e2e/*.jsonl" 2>"$T/e2e-tail.log" & pids+=($!)
"$BIN/trace-index" --sub "tcp://127.0.0.1:$p1" --tail-control "tcp://127.0.0.1:$p2" \
  --pub "tcp://127.0.0.1:$p3" --db "$T/e2e-db" 2>"$T/e2e-index.log" & pids+=($!)
"$BIN/trace-gateway" --db "$T/e2e-db" --sub "tcp://127.0.0.1:$p3" --listen "127.0.0.1:$port" \
  --spool "$T/spool" --log-level warn 2>"$T/e2e-gw.log" & pids+=($!)
wait_http "http://127.0.0.1:$port/health"
for _ in $(seq 100); do curl -s "http://127.0.0.1:$port/health" | jq -e .ready >/dev/null && break; sleep 0.1; done
out=$("$BIN/sse_load" --mode file --file "$T/e2e/bench.jsonl" --port "$port" \
  --clients 100 --rate 1000 --duration "$fan_secs" --payload 300)
echo "$out" | jq -r '"-- end to end (append -> tail -> index -> gateway -> SSE), \(.clients) clients x \(.rate) lines/s: delivered \(.received)/\(.expected)  p50 \(.p50_us)us  p99 \(.p99_us)us  max \(.max_us)us (target p99 <= 10000us)"'
