#!/usr/bin/env bash
# Claude Code's network channels into trace-gateway (make bench): wrk POSTs
#  1. http hook bodies (PostToolUse, ~600 bytes, a new tool_use_id each) to
#     /api/hooks: every 204 is after the spool append and fdatasync.
#     Target: p99 <= 5 ms on loopback.
#  2. OTLP/JSON log exports (10 Claude-Code-shaped api_request records each) to
#     /v1/logs, the same durability.
# wrk (1 and 8 connections) on the same cores as the gateway; BENCH_QUICK=1
# runs 3 s each.
# Usage: ingest_bench.sh [BUILD]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
BIN=$(cd "$build/bin" && pwd)
T=$(mktemp -d /tmp/ct-ingbench.XXXXXX)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$T"; }
trap cleanup EXIT
command -v wrk >/dev/null || { echo "ingest bench: wrk missing (scripts/install-deps.sh --bench)"; exit 1; }
secs=10; [ "${BENCH_QUICK:-0}" = 1 ] && secs=3
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BIN/trace-gateway" --db "$T/db" --sub "" --listen "127.0.0.1:$port" --spool "$T/spool" \
  --log-level warn 2>"$T/gw.log" & pid=$!
for _ in $(seq 200); do curl -s -o /dev/null "http://127.0.0.1:$port/health" && break; sleep 0.05; done
echo "== ingest benchmarks ($(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg), spool on $(df -P "$T" | awk 'NR==2 {print $1}'))"

cat > "$T/hook.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local n = 0
local fmt = '{"session_id":"bench-session","transcript_path":"/home/u/.claude/projects/p/t.jsonl",' ..
  '"cwd":"/home/u/proj","permission_mode":"default","hook_event_name":"PostToolUse","tool_name":"Write",' ..
  '"tool_input":{"file_path":"/home/u/proj/src/file.txt","content":"some file content of a few dozen bytes"},' ..
  '"tool_response":{"filePath":"/home/u/proj/src/file.txt","success":true},"tool_use_id":"toolu_%08d_%d","duration_ms":12}'
request = function()
  n = n + 1
  return wrk.format(nil, "/api/hooks", nil, string.format(fmt, n, math.random(1, 1e9)))
end
LUA
python3 - "$T/logs.json" <<'PY'
import json, sys
def kv(k, v): return {"key": k, "value": {"stringValue": str(v)}}
recs = [{"timeUnixNano": str(1770912145284000000 + i), "body": {"stringValue": "claude_code.api_request"},
         "attributes": [kv("event.name", "api_request"), kv("session.id", "bench-session"),
                        kv("user.email", "dev@example.com"), kv("model", "claude-opus-4-6"),
                        kv("cost_usd", "0.0421"), kv("duration_ms", 2345), kv("input_tokens", 3),
                        kv("output_tokens", 120), kv("cache_read_tokens", 11442),
                        kv("cache_creation_tokens", 15005), kv("request_id", "req_%d" % i)]}
        for i in range(10)]
body = {"resourceLogs": [{"resource": {"attributes": [kv("service.name", "claude-code")]},
                          "scopeLogs": [{"scope": {"name": "com.anthropic.claude_code.events"}, "logRecords": recs}]}]}
open(sys.argv[1], "w").write(json.dumps(body, separators=(",", ":")))
PY
cat > "$T/logs.lua" <<LUA
wrk.method = "POST"
wrk.path = "/v1/logs"
wrk.headers["Content-Type"] = "application/json"
local f = io.open("$T/logs.json", "rb")
wrk.body = f:read("*a")
f:close()
LUA
run() {  # name script [connections]
  local c=${3:-8} out; out=$(wrk -t"$(( c < 2 ? 1 : 2 ))" -c"$c" -d"${secs}s" --latency -s "$2" "http://127.0.0.1:$port")
  printf '%-40s %10s req/s   p50 %-8s p99 %-8s non-2xx %s\n' "$1" \
    "$(echo "$out" | awk '/Requests\/sec/ {print $2}')" "$(echo "$out" | awk '$1=="50%" {print $2}')" \
    "$(echo "$out" | awk '$1=="99%" {print $2}')" "$(echo "$out" | awk '/Non-2xx/ {print $4}' | grep . || echo 0)"
}
# One session's hooks arrive one after another (Claude Code waits for each);
# 8 connections stand for several sessions at once.
run "POST /api/hooks, 1 connection" "$T/hook.lua" 1
run "POST /api/hooks, 8 connections" "$T/hook.lua" 8
run "POST /v1/logs (OTLP/JSON, 10 records)" "$T/logs.lua"
echo "spool: $(wc -l < "$T/spool/ingest.jsonl") lines, $(du -h "$T/spool/ingest.jsonl" | cut -f1)"
metrics=$(curl -s "http://127.0.0.1:$port/metrics")
appends=$(echo "$metrics" | awk '$1=="trace_gateway_spool_appends_total" {print $2}')
syncs=$(echo "$metrics" | awk '$1=="trace_gateway_spool_syncs_total" {print $2}')
[ -n "$appends" ] && [ -n "$syncs" ] && [ "$syncs" != 0 ] &&
  echo "group commit: $appends appends, $syncs fdatasyncs ($(awk -v a="$appends" -v s="$syncs" 'BEGIN {printf "%.1f", a / s}') appends per sync)"
echo "target: /api/hooks p99 <= 5 ms (every reply after fdatasync of the spool)"
