#!/usr/bin/env bash
# trace-gateway against the request-level attacks of issue #13, with curl:
# the token cannot be bypassed by spelling a path differently (the path is
# normalized once, before the token check and the router); without a token
# only loopback Host names are served (DNS rebinding), cross-origin writes
# are refused and bodies must be application/json (cross-site forms).
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

# With a token, the Host check is off (the token is what protects).
assert_eq "$(code -H 'Host: trace.example' -H 'Authorization: Bearer s3cret' "$B/api/sessions")" 200 \
  "a foreign Host with the token"
stop tokened

# --- 2. without a token: loopback Host names only ------------------------------
gateway open
for host in "127.0.0.1:$PORT" "localhost:$PORT" "LOCALHOST" "127.9.8.7:1" "[::1]:$PORT" "[::1]"; do
  assert_eq "$(code -H "Host: $host" "$B/api/sessions")" 200 "Host $host"
done
for host in evil.example "evil.example:$PORT" "localhost.evil.example" "127.0.0.1.evil.example" \
    "10.1.2.3:$PORT" "0.0.0.0:$PORT"; do
  assert_eq "$(code -H "Host: $host" "$B/api/sessions")" 421 "Host $host"
  assert_eq "$(error_code)" host_not_allowed "Host $host error code"
  assert_eq "$(code -H "Host: $host" -X POST -H 'Content-Type: application/json' \
    -d '{"event_type":"Stop","session_id":"s"}' "$B/api/events")" 421 "POST with Host $host"
  assert_eq "$(code -H "Host: $host" "$B/")" 421 "the UI with Host $host"
done
# An HTTP/1.1 request without Host is malformed (RFC 9112 3.2): 400 before any policy.
assert_eq "$(code -H 'Host:' "$B/api/sessions")" 400 "no Host header"
[ ! -s "$T/spool/ingest.jsonl" ] || fail "a request with a foreign Host was spooled"
pass "without a token: loopback Host names served, others 421"

# --- 3. cross-origin writes: 403 -------------------------------------------------
ev='{"event_type":"Stop","session_id":"s-origin"}'
json=(-X POST -H 'Content-Type: application/json' -d "$ev")
for origin in https://evil.example "http://localhost.evil.example" null "http://127.0.0.1.evil.example:$PORT"; do
  assert_eq "$(code "${json[@]}" -H "Origin: $origin" "$B/api/events")" 403 "POST from Origin $origin"
  assert_eq "$(error_code)" origin_not_allowed "Origin $origin error code"
  assert_eq "$(code -X POST -H 'Content-Type: application/json' -H "Origin: $origin" \
    -d '{"session_id":"s1"}' "$B/api/stream")" 403 "POST /api/stream from Origin $origin"
done
[ ! -s "$T/spool/ingest.jsonl" ] || fail "a cross-origin POST was spooled"
assert_eq "$(code "${json[@]}" "$B/api/events")" 201 "POST without Origin (curl, scripts)"
assert_eq "$(code "${json[@]}" -H "Origin: http://localhost:5173" "$B/api/events")" 201 "POST from a local Origin"
assert_eq "$(code "${json[@]}" -H "Origin: http://127.0.0.1:$PORT" "$B/api/events")" 201 "POST from the UI's own Origin"
assert_eq "$(code -H 'Origin: https://evil.example' "$B/api/sessions")" 200 "a cross-origin GET (unreadable: no CORS header)"
grep -qi 'access-control-allow-origin' <(curl -s -D - -o /dev/null -H 'Origin: https://evil.example' "$B/api/sessions") &&
  fail "CORS header for a foreign origin"
pass "cross-origin POSTs get 403 and write nothing; local and Origin-less POSTs are accepted"

# --- 4. bodies must be JSON: 415 ---------------------------------------------------
lines_before=$(wc -l <"$T/spool/ingest.jsonl")
for type in text/plain application/x-www-form-urlencoded multipart/form-data ""; do
  assert_eq "$(code -X POST -H "Content-Type: $type" -d "$ev" "$B/api/events")" 415 "Content-Type '$type'"
  assert_eq "$(error_code)" unsupported_media_type "Content-Type '$type' error code"
done
assert_eq "$(code -X POST -d "$ev" "$B/api/events")" 415 "curl -d's default form type"
assert_eq "$(code -X POST -H 'Content-Type: text/plain' -d '{"session_id":"s1"}' "$B/api/stream")" 415 "stream filter as text/plain"
assert_eq "$(wc -l <"$T/spool/ingest.jsonl")" "$lines_before" "nothing of a 415 is spooled"
assert_eq "$(code -X POST -H 'Content-Type: application/json; charset=utf-8' -d "$ev" "$B/api/events")" 201 "JSON with a charset"
pass "non-JSON bodies get 415"
stop open

# --- 5. --allowed-host and --cors-origin extend the lists ------------------------
gateway named --allowed-host trace.example --allowed-host box.lan:8443 --cors-origin https://ui.example
assert_eq "$(code -H 'Host: trace.example' "$B/api/sessions")" 200 "allowed host"
assert_eq "$(code -H "Host: TRACE.example:$PORT" "$B/api/sessions")" 200 "allowed host, any port"
assert_eq "$(code -H 'Host: box.lan:8443' "$B/api/sessions")" 200 "allowed host:port"
assert_eq "$(code -H 'Host: box.lan:9999' "$B/api/sessions")" 421 "allowed host, other port"
assert_eq "$(code -H 'Host: other.example' "$B/api/sessions")" 421 "a host not named"
assert_eq "$(code "${json[@]}" -H 'Origin: https://ui.example' "$B/api/events")" 201 "POST from a --cors-origin"
assert_eq "$(code "${json[@]}" -H 'Origin: https://evil.example' "$B/api/events")" 403 "POST from another origin"
"$TRACE_BIN/trace-gateway" --help | grep -- '--allowed-host NAME' >/dev/null || fail "--allowed-host in --help"
kill -0 "$(pid_of named)" || fail "gateway died"
pass "--allowed-host and --cors-origin"
