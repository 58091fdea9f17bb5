#!/usr/bin/env bash
# trace-gateway REST API over real HTTP (curl) against a store filled by
# trace-tail --once | trace-index --stdin: every endpoint, its errors, auth,
# CORS, limits, ingest, static files, and hostile HTTP that must not kill it.
source "$(dirname "$0")/lib.sh"

# --- a store with two sessions, a task tree and tool calls -------------------
python3 - "$T/hooks.jsonl" <<'PY'
import json, sys
with open(sys.argv[1], "w") as f:
    for i in range(40):
        sid = "sess-a" if i % 2 == 0 else "sess-b"
        f.write(json.dumps({"span_id": "span-%d" % i, "session_id": sid,
            "task_id": "task-1" if i < 6 else None,
            "parent_id": ("span-%d" % (i - 1)) if 0 < i < 6 else None,
            "event_type": "PreToolUse" if i % 3 else "PostToolUse",
            "hook_event_name": "PreToolUse" if i % 3 else "PostToolUse",
            "tool_name": "Bash" if i % 4 else "Read", "tool_use_id": "tu-%d" % (i // 3),
            "timestamp": 1764000000000 + i * 1000}) + "\n")
PY
"$TRACE_BIN/trace-tail" --once --stdout --state "" --kind span "$T/hooks.jsonl" 2>"$T/tail.log" |
  "$TRACE_BIN/trace-index" --stdin --db "$T/db" 2>"$T/index.log"

PORT=$(free_port)
B="http://127.0.0.1:$PORT"
start gateway "$TRACE_BIN/trace-gateway" --db "$T/db" --sub "" --listen "127.0.0.1:$PORT" \
  --spool "$T/spool" --max-body 4096 --log-level warn
wait_for 10 curl -sf "$B/health"

# get URL -> "$T/body", echoes the status code
get() { curl -s -o "$T/body" -w '%{http_code}' "$@"; }
jqf() { jq -rc "$1" "$T/body"; }

assert_eq "$(get "$B/health")" 200 "/health"
assert_eq "$(jqf '"\(.ready) \(.store.last_seq)"')" "true 40" "/health body"

assert_eq "$(get "$B/api/traces")" 200 "/api/traces"
assert_eq "$(jqf '"\(.traces|length) \(.total) \(.limit) \(.offset) \(.traces[0].seq)"')" \
  "40 40 100 0 40" "traces page, newest first"
assert_eq "$(get "$B/api/traces?session_id=sess-a&limit=5&offset=2")" 200
assert_eq "$(jqf '"\([.traces[].seq]) \(.total)"')" "[35,33,31,29,27] 20" "filter+offset"
assert_eq "$(get "$B/api/traces?session_id=sess-a&before_seq=5")" 200
assert_eq "$(jqf '[.traces[].seq]')" "[3,1]" "before_seq cursor"
assert_eq "$(get "$B/api/traces?tool_name=Read&event_type=PostToolUse")" 200
assert_eq "$(jqf '[.traces[] | [.tool_name, .event_type]] | unique')" \
  '[["Read","PostToolUse"]]' "tool+type filter"
assert_eq "$(get "$B/api/traces?from=1764000030000&to=2025-11-24T16:00:35Z")" 200
assert_eq "$(jqf '"\(.traces[-1].timestamp) \(.total)"')" "1764000030000 6" "from/to ms and RFC 3339"
pass "GET /api/traces filters, paging, cursor"

for bad in "limit=0" "limit=1001" "limit=abc" "offset=-1" "before_seq=x" "from=yesterday" "to=2026-13-45"; do
  assert_eq "$(get "$B/api/traces?$bad")" 400 "$bad"
  name=${bad%%=*}
  jqf '"\(.error.code) \(.error.message)"' | grep -q "bad_parameter $name" || fail "400 must name $name: $(cat "$T/body")"
done
pass "bad numbers/dates are 400 naming the parameter"

assert_eq "$(get "$B/api/traces/span-7")" 200
assert_eq "$(jqf '"\(.span_id) \(.session_id)"')" "span-7 sess-b" "trace by span_id"
assert_eq "$(get "$B/api/traces/nope")" 404
assert_eq "$(get "$B/api/tasks/task-1")" 200
assert_eq "$(jqf 'has("task")')" "true" "task aggregate"
assert_eq "$(get "$B/api/tasks/task-1/tree")" 200
assert_eq "$(jqf '"\(.count) \(.roots|length) \(.roots[0].span_id) \(.roots[0].children[0].span_id)"')" \
  "6 1 span-0 span-1" "task tree nested by parent_id"
assert_eq "$(get "$B/api/tasks/none/tree")" 404
assert_eq "$(get "$B/api/tasks/none")" 404
assert_eq "$(get "$B/api/sessions")" 200
assert_eq "$(jqf '"\(.total) \([.sessions[].session_id]|sort)"')" '2 ["sess-a","sess-b"]' "sessions"
assert_eq "$(get "$B/api/sessions?limit=1")" 200
assert_eq "$(jqf '"\(.sessions|length) \(.total)"')" "1 2" "sessions limit"
assert_eq "$(get "$B/api/sessions/sess-a/summary")" 200
assert_eq "$(jqf '"\(.session_id) \(.events)"')" "sess-a 20" "session summary"
assert_eq "$(get "$B/api/sessions/nope/summary")" 404
assert_eq "$(get "$B/api/tools")" 200
assert_eq "$(jqf '[.tools[].tool_name]|sort')" '["Bash","Read"]' "tools"
assert_eq "$(get "$B/api/stream/stats")" 200
assert_eq "$(jqf '"\(.total_clients) \(.max_clients)"')" "0 1000" "stream stats"
assert_eq "$(get "$B/metrics")" 200
grep -q '^trace_gateway_http_requests_total{route="/api/traces",code="200"} ' "$T/body" || fail "metrics counts requests"
grep -q '^trace_gateway_store_last_seq 40$' "$T/body" || fail "metrics store seq"
grep -q '^trace_gateway_sse_clients 0$' "$T/body" || fail "metrics sse clients"
pass "every read endpoint answers with the stored data"

assert_eq "$(get "$B/api/nothing")" 404
assert_eq "$(jqf '.error.code')" "not_found"
assert_eq "$(get -X DELETE "$B/api/traces")" 405
assert_eq "$(get -X POST "$B/api/traces")" 405
assert_eq "$(get "$B/api/traces/a%zz")" 400
pass "404, 405, bad percent-encoding 400"

# --- ingest -----------------------------------------------------------------
assert_eq "$(get -X POST -H 'Content-Type: application/json' \
  -d '[{"event_type":"PreToolUse","session_id":"s9","tool_name":"Bash"},{"timestamp":"2024-01-26T10:30:00Z","event":"Stop","sessionId":"s9","data":{}}]' \
  "$B/api/events")" 201
assert_eq "$(jqf '"\(.accepted) \(.ids|unique|length)"')" "2 2" "ingest 201 with ids"
id0=$(jqf '.ids[0]')
grep -q "\"span_id\":\"$id0\"" "$T/spool/ingest.jsonl" || fail "accepted event is in the spool"
lines_before=$(wc -l < "$T/spool/ingest.jsonl")
assert_eq "$(get -X POST -H 'Content-Type: application/json' -d '[{"event_type":"Stop","session_id":"s"},{"event_type":"NoSuchHook","session_id":"s"}]' "$B/api/events")" 400
jqf '.error.reasons[0]' | grep -q NoSuchHook || fail "400 gives the reason"
assert_eq "$(get -X POST -H 'Content-Type: application/json' -d '{not json' "$B/api/events")" 400
assert_eq "$(wc -l < "$T/spool/ingest.jsonl")" "$lines_before" "nothing of a rejected request is written"
big="[$(printf '{"event_type":"Stop","session_id":"s"},%.0s' $(seq 200)){}]"
assert_eq "$(get -X POST -d "$big" "$B/api/events")" 413
pass "ingest: 201 with ids, 400 with reasons, 413 over the body cap, all-or-nothing"

# --- static files -------------------------------------------------------------
code=$(curl -s -D "$T/headers" -o "$T/body" -w '%{http_code}' "$B/")
assert_eq "$code" 200 "GET /"
grep -qi '^content-type: text/html' "$T/headers" || fail "index.html content type"
etag=$(grep -i '^etag:' "$T/headers" | cut -d' ' -f2 | tr -d '\r')
[ -n "$etag" ] || fail "ETag"
assert_eq "$(get -H "If-None-Match: $etag" "$B/")" 304 "revalidation"
pass "web UI served embedded with ETag"

# --- CORS ---------------------------------------------------------------------
curl -s -D "$T/headers" -o /dev/null -H 'Origin: http://localhost:5173' "$B/api/tools"
grep -qi '^access-control-allow-origin: http://localhost:5173' "$T/headers" || fail "CORS for localhost"
curl -s -D "$T/headers" -o /dev/null -H 'Origin: https://evil.example' "$B/api/tools"
grep -qi '^access-control-allow-origin' "$T/headers" && fail "no CORS for foreign origins"
assert_eq "$(get -X OPTIONS -H 'Origin: http://127.0.0.1:3000' "$B/api/events")" 204 "preflight"
pass "CORS allows localhost origins only"

# --- hostile HTTP: 4xx, and the server keeps serving ---------------------------
python3 - "$PORT" <<'PY'
import socket, sys
port = int(sys.argv[1])
def raw(data, read=True):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(data)
    out = b""
    try:
        while read:
            chunk = s.recv(65536)
            if not chunk: break
            out += chunk
            if b"\r\n\r\n" in out: break
    except (ConnectionResetError, socket.timeout):
        pass
    s.close()
    return out.split(b"\r\n", 1)[0]
cases = {
  "bad request line": b"GARBAGE\r\n\r\n",
  "binary junk": bytes(range(256)) * 4,
  "huge header": b"GET /health HTTP/1.1\r\nX-Big: " + b"a" * 100000 + b"\r\n\r\n",
  "too many headers": b"GET /health HTTP/1.1\r\n" + b"".join(b"X-%d: y\r\n" % i for i in range(500)) + b"\r\n",
  "huge uri": b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n",
  "bad percent": b"GET /api/traces?session_id=%e0%zz HTTP/1.1\r\nHost: x\r\n\r\n",
  "nul escape": b"GET /api/traces/%00 HTTP/1.1\r\nHost: x\r\n\r\n",
  "bad content-length": b"POST /api/events HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
  "huge content-length": b"POST /api/events HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n",
  "bad chunked": b"POST /api/events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
  "invalid json": b"POST /api/events HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n{{{{{",
}
for name, data in cases.items():
    status = raw(data)
    ok = status.startswith(b"HTTP/1.") and status.split()[1][:1] == b"4" if status else True
    if not ok:
        sys.exit("FAIL: %s got %r" % (name, status))
raw(b"GET /health HTTP/1.1\r\nHost: x\r\n", read=False)  # half a request, then gone
PY
assert_eq "$(get "$B/health")" 200 "still serving after hostile input"
kill -0 "$(pid_of gateway)" || fail "gateway died"
pass "malformed HTTP gets 4xx and the server keeps serving"

# --- token and rate limit -----------------------------------------------------
kill -TERM "$(pid_of gateway)"; wait "$(pid_of gateway)" || fail "SIGTERM exit code"
start gateway2 env TRACE_TOKEN=s3cret "$TRACE_BIN/trace-gateway" --db "$T/db" --sub "" \
  --listen "127.0.0.1:$PORT" --spool "$T/spool" --rate-limit 1 --rate-burst 5 --log-level warn
wait_for 10 curl -sf "$B/health"
assert_eq "$(get "$B/api/tools")" 401 "no token"
assert_eq "$(jqf '.error.code')" "unauthorized"
assert_eq "$(get -H 'Authorization: Bearer wrong' "$B/api/tools")" 401 "wrong token"
assert_eq "$(get -H 'Authorization: Bearer s3cret' "$B/api/tools")" 200 "bearer"
assert_eq "$(get "$B/api/tools?access_token=s3cret")" 200 "access_token param"
assert_eq "$(get "$B/metrics")" 401 "metrics need the token"
assert_eq "$(get "$B/health")" 200 "health is open"
# Burst 5 at 1/s: some of 30 quick requests are refused. The first refusal's
# body is checked (on a slow machine a later request may find a token again).
codes="" limited=""
for i in $(seq 30); do
  code=$(get -H 'Authorization: Bearer s3cret' "$B/api/tools")
  codes+="$code "
  [ "$code" = 429 ] && [ -z "$limited" ] && limited=$(jqf '.error.code')
done
echo "$codes" | grep -q 429 || fail "rate limit: $codes"
assert_eq "$limited" "rate_limited"
pass "token enforced (header or access_token), /health open; per-client rate limit 429"
