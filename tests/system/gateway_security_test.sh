#!/usr/bin/env bash
# trace-gateway against the request-level attacks of issue #13, with curl:
# the token cannot be bypassed by spelling a path differently (the path is
# normalized once, before the token check and the router).
source "$(dirname "$0")/lib.sh"

echo '{"span_id":"span-1","kind":"hook","event_type":"Stop","session_id":"s1","timestamp":1769606193350}' |
  "$TRACE_BIN/trace-index" --stdin --db "$T/db" 2>"$T/index.log"

PORT=$(free_port)
B="http://127.0.0.1:$PORT"
# code ARGS... -> the status code, body in $T/body. --path-as-is: curl sends
# /./ and /../ as written; --max-time: a stream answers 200 and stays open.
code() { curl -s --path-as-is --max-time 3 -o "$T/body" -w '%{http_code}' "$@" || true; }
error_code() { jq -r '.error.code' "$T/body"; }
gateway() {  # gateway NAME ARGS...: (re)starts the gateway on $PORT
  local name=$1; shift
  start "$name" "$TRACE_BIN/trace-gateway" --db "$T/db" --sub "" --listen "127.0.0.1:$PORT" \
    --spool "$T/spool" --log-level warn "$@"
  wait_for 10 curl -sf "$B/health"
}
stop() { kill -TERM "$(pid_of "$1")"; wait "$(pid_of "$1")" || fail "$1: SIGTERM exit code"; }

# --- 1. the token on every spelling of every protected route -----------------
gateway tokened --token s3cret
protected=(
  /api/sessions //api/sessions /api//sessions /api/sessions/ ///api/sessions//
  /./api/sessions /x/../api/sessions /api/./sessions /%2Fapi/sessions /api/%2e/sessions
  /api/stream //api/stream /api/stream/ //api//stream/
  /metrics /metrics/ //metrics /./metrics /api/../metrics
  /api/tools/ //api/traces /api/traces/span-1/ //api/sessions/s1/summary /api/stream/stats/
)
for p in "${protected[@]}"; do
  assert_eq "$(code "$B$p")" 401 "GET $p without the token"
  assert_eq "$(error_code)" unauthorized "GET $p error code"
  assert_eq "$(code -H 'Authorization: Bearer s3cret' "$B$p")" 200 "GET $p with the token"
done
for p in /api/events //api/events /api/events/ /./api/events; do
  assert_eq "$(code -X POST -H 'Content-Type: application/json' -d '{"event_type":"Stop","session_id":"s"}' "$B$p")" \
    401 "POST $p without the token"
done
for p in /health //health /health/ /./health; do
  assert_eq "$(code "$B$p")" 200 "GET $p is open"
done
assert_eq "$(code "$B/")" 200 "the web UI loads without the token"
assert_eq "$(code "$B//index.html")" 200 "the web UI under another spelling"
pass "with --token, ${#protected[@]} spellings of protected routes get 401 without it and 200 with it"
stop tokened
