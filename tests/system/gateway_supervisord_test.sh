#!/usr/bin/env bash
# deploy/supervisord.conf via scripts/run.sh (what `make run` does), on free
# ports with a temp data dir: all three tools start, /health is ready, a line
# written to the Claude home reaches the REST API, a kill -9'd gateway is
# restarted, and `run.sh --stop` (make stop) stops everything with exit 0.
source "$(dirname "$0")/lib.sh"
command -v supervisord >/dev/null || fail "supervisord not installed"

export CT_DATA_DIR="$T/ct-data" CT_HTTP_PORT=$(free_port) CT_TAIL_PUB_PORT=$(free_port)
export CT_TAIL_CONTROL_PORT=$(free_port) CT_INDEX_PUB_PORT=$(free_port)
build_dir=$(cd "$TRACE_BIN/.." && pwd)
B="http://127.0.0.1:$CT_HTTP_PORT"
start run "$TRACE_SOURCE_DIR/scripts/run.sh" "$build_dir"

ready() { curl -sf "$B/health" | jq -e '.ready and .upstream.connected' >/dev/null; }
wait_for 30 ready
wait_for 10 grep -q "claude-trace is running: http://127.0.0.1:$CT_HTTP_PORT/" "$T/run.log" || fail "URL printed"
grep -q "trace-hook install" "$T/run.log" || fail "hook instructions printed"
pass "supervisord starts tail, index and gateway; /health ready and upstream connected"

mkdir -p "$CLAUDE_CONFIG_DIR/traces"
echo '{"span_id":"sup-1","session_id":"sup","event_type":"Stop","timestamp":1764000000000}' \
  >> "$CLAUDE_CONFIG_DIR/traces/s.jsonl"
wait_for 20 curl -sf "$B/api/traces/sup-1"
pass "a hook span written to the Claude home reaches /api/traces"

conf="$TRACE_SOURCE_DIR/deploy/supervisord.conf"
old=$(supervisorctl -c "$conf" pid trace-gateway)
kill -9 "$old"
restarted() { local p; p=$(supervisorctl -c "$conf" pid trace-gateway); [ "$p" != "$old" ] && [ "$p" != 0 ] && ready; }
wait_for 30 restarted
pass "a killed gateway is restarted by supervisord"

"$TRACE_SOURCE_DIR/scripts/run.sh" "$build_dir" --stop
wait "$(pid_of run)" || fail "run.sh exit status"
for p in trace-tail trace-index trace-gateway; do
  grep -q "stopped: $p (exit status 0)" "$T/run.log" || fail "$p did not stop cleanly"
done
pass "make stop stops all three cleanly (exit 0)"
