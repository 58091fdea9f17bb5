#!/usr/bin/env bash
# A team on one gateway (README "Teams"): events of two users on two hosts
# and of the central machine itself (trace-tail --user/--host) arrive through
# OTLP (/v1/logs, resource host.name + user.email), http hooks and
# /api/events with X-Claude-Trace-User/-Host headers, and a followed
# transcript. Then: /api/traces, /api/sessions, /api/usage (by user, by host,
# filtered) and the SSE stream (replay and live) filter by user and host;
# trace-query does the same; a bad header is a 400. Last, trace-gateway
# refuses a non-loopback --listen without a token (one line, exit 2).
source "$TRACE_SOURCE_DIR/tests/system/lib.sh"
B=$TRACE_BIN
CTL=$(free_port); PUB=$(free_port); IPUB=$(free_port); HTTP=$(free_port)
export CLAUDE_TRACE_DIR="$CLAUDE_CONFIG_DIR/traces"
mkdir -p "$CLAUDE_TRACE_DIR" "$CLAUDE_CONFIG_DIR/projects/-srv-app"
U="http://127.0.0.1:$HTTP"
NOW=$(($(date +%s) * 1000))

# The central machine's own Claude Code: one transcript, tagged by its tail.
printf '%s\n' '{"type":"assistant","uuid":"l-1","sessionId":"s-local","timestamp":"'"$(date -u +%Y-%m-%dT%H:%M:%S.000Z)"'","cwd":"/srv/app","message":{"id":"msg_l1","model":"claude-sonnet-4-5","role":"assistant","content":[],"usage":{"input_tokens":100,"output_tokens":1}}}' \
  > "$CLAUDE_CONFIG_DIR/projects/-srv-app/s-local.jsonl"

start tail "$B/trace-tail" --pub "tcp://127.0.0.1:$PUB" --control "tcp://127.0.0.1:$CTL" \
  --state "$T/tail-state.json" --user ops --host central
start index "$B/trace-index" --sub "tcp://127.0.0.1:$PUB" --tail-control "tcp://127.0.0.1:$CTL" \
  --pub "tcp://127.0.0.1:$IPUB" --db "$T/db"
wait_for 20 test -f "$T/db/data.mdb"
start gateway "$B/trace-gateway" --db "$T/db" --sub "tcp://127.0.0.1:$IPUB" \
  --listen "127.0.0.1:$HTTP" --log-level warn
wait_for 20 curl -sf "$U/health"

J=(-H 'Content-Type: application/json')
BOB=(-H 'X-Claude-Trace-User: bob' -H 'X-Claude-Trace-Host: bob-desktop')
post() {  # post PATH BODY [CURL-ARGS...] -> status
  local path=$1 body=$2; shift 2
  curl -s -o "$T/resp" -w '%{http_code}' "${J[@]}" "$@" --data-binary "$body" "$U$path"
}
assistant() {  # assistant SPAN SESSION INPUT [EXTRA-JSON]
  echo '{"span_id":"'"$1"'","event_type":"assistant","session_id":"'"$2"'","timestamp":'"$NOW"',"model":"claude-sonnet-4-5","message_id":"m-'"$1"'","usage":{"input_tokens":'"$3"',"output_tokens":1}'"${4:-}"'}'
}

# alice: Claude Code's OTLP export, who and where in its attributes.
OTLP='{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"claude-code"}},{"key":"host.name","value":{"stringValue":"alice-laptop"}}]},"scopeLogs":[{"scope":{"name":"com.anthropic.claude_code.events"},"logRecords":[{"timeUnixNano":"'"$NOW"'000000","body":{"stringValue":"claude_code.user_prompt"},"attributes":[{"key":"session.id","value":{"stringValue":"s-alice"}},{"key":"user.email","value":{"stringValue":"alice@example.com"}},{"key":"prompt_length","value":{"stringValue":"12"}}]}]}]}]}'
assert_eq "$(post /v1/logs "$OTLP")" 200 "POST /v1/logs"
# alice's tokens as a POSTed event naming her itself (no headers).
assert_eq "$(post /api/events "$(assistant a-1 s-alice 10 ',"user":"alice@example.com","host":"alice-laptop"')")" 201 \
  "POST /api/events naming its own user/host"
# bob: http hook and /api/events, named by the headers of his settings.
assert_eq "$(post /api/hooks '{"session_id":"s-bob","hook_event_name":"SessionStart","cwd":"/home/bob/w","source":"startup"}' "${BOB[@]}")" 204 \
  "POST /api/hooks with X-Claude-Trace-User/-Host"
assert_eq "$(post /api/events "$(assistant b-1 s-bob 1000)" "${BOB[@]}")" 201 "POST /api/events with headers"
# The event's own user wins over the header's.
assert_eq "$(post /api/events "$(assistant c-1 s-carol 5 ',"user":"carol"')" "${BOB[@]}")" 201 "event naming carol"
# Header too long: a 400 naming it, nothing spooled.
LONG=$(head -c 300 /dev/zero | tr '\0' x)
assert_eq "$(post /api/events "$(assistant x-1 s-x 1)" -H "X-Claude-Trace-User: $LONG")" 400 "long header"
assert_eq "$(jq -r .error.code "$T/resp")" bad_header "long header error code"
assert_eq "$(post /api/hooks '{"session_id":"s-x","hook_event_name":"Stop"}' -H "X-Claude-Trace-Host: $LONG")" 400 \
  "long header on /api/hooks"
pass "ingest: OTLP, http hook and /api/events with user/host; a bad header is a 400"

total() { curl -sf "$U/api/traces?$1" | jq -r .total; }
stored() { test "$(total "")" = "$1"; }  # wait_for expands its arguments once: a function
wait_for 20 stored 6 || fail "6 events: $(curl -s "$U/api/traces" | jq -c '[.traces[] | [.seq, .span_id, .user, .host]]')"
assert_eq "$(total user=bob)" 2 "bob's events (hook + assistant)"
assert_eq "$(total host=bob-desktop)" 3 "bob-desktop's events (carol's came from there too)"
assert_eq "$(total 'user=bob&host=bob-desktop')" 2 "user and host together"
assert_eq "$(total user=alice@example.com)" 2 "alice's events (OTLP + assistant)"
assert_eq "$(total host=alice-laptop)" 2 "alice-laptop's events"
assert_eq "$(total 'user=ops&host=central')" 1 "the central tail's own transcript line"
assert_eq "$(total user=carol)" 1 "an event's own user beats the header"
assert_eq "$(total user=nobody)" 0 "unknown user"
assert_eq "$(curl -sf "$U/api/traces?user=alice@example.com&event_type=claude_code.user_prompt" | jq -r '.traces[0].host')" \
  alice-laptop "the OTLP record's host from its resource"
assert_eq "$(curl -sf "$U/api/traces?user=bob" | jq -r '[.traces[].host] | unique | join(",")')" bob-desktop \
  "returned events carry host"
pass "/api/traces filters by user and host"

sessions() { curl -sf "$U/api/sessions?$1" | jq -r '[.sessions[].session_id] | sort | join(",")'; }
assert_eq "$(sessions user=bob)" s-bob "bob's sessions"
assert_eq "$(sessions host=bob-desktop)" s-bob,s-carol "bob-desktop's sessions"
assert_eq "$(sessions host=central)" s-local "the central machine's sessions"
assert_eq "$(curl -sf "$U/api/sessions?host=bob-desktop" | jq -r .total)" 2 "filtered total"
assert_eq "$(curl -sf "$U/api/sessions/s-alice/summary" | jq -r '.user + "@" + .host')" \
  alice@example.com@alice-laptop "session summary names user and host"
assert_eq "$(sessions '')" s-alice,s-bob,s-carol,s-local "unfiltered"
pass "/api/sessions filters by user and host, aggregates carry them"

usage() { curl -sf "$U/api/usage?tz=UTC&$1"; }
assert_eq "$(usage by=user | jq -c '[.rows[] | [.user, .input_tokens]] | sort')" \
  '[["alice@example.com",10],["bob",1000],["carol",5],["ops",100]]' "usage by user"
assert_eq "$(usage by=host | jq -c '[.rows[] | [.host, .input_tokens]] | sort')" \
  '[["alice-laptop",10],["bob-desktop",1005],["central",100]]' "usage by host"
assert_eq "$(usage host=bob-desktop | jq -r .totals.input_tokens)" 1005 "usage filtered by host"
assert_eq "$(usage 'user=bob&by=session' | jq -r '[.rows[].session_id] | join(",")')" s-bob "usage by session for bob"
assert_eq "$(curl -s -o /dev/null -w '%{http_code}' "$U/api/usage?by=team")" 400 "unknown grouping"
pass "/api/usage groups and filters by user and host"

# SSE: replay from seq 1 then live, only bob's events.
curl -sN --max-time 4 "$U/api/stream?user=bob&last_event_id=1" > "$T/sse.txt" &
SSE=$!
sleep 1
assert_eq "$(post /api/events "$(assistant b-2 s-bob 1)" "${BOB[@]}")" 201 "live bob event"
assert_eq "$(post /api/events "$(assistant a-2 s-alice 1 ',"user":"alice@example.com"')")" 201 "live alice event"
wait "$SSE" || true
grep '^data: ' "$T/sse.txt" | sed 's/^data: //' > "$T/sse.jsonl"
assert_eq "$(jq -r .user "$T/sse.jsonl" | sort | uniq -c | tr -s ' ')" " 3 bob" "SSE with user=bob: his hook and two assistant events"
grep -q '"span_id":"b-2"' "$T/sse.jsonl" || fail "SSE with user=bob: the live event"
curl -sN --max-time 2 "$U/api/stream?host=alice-laptop&last_event_id=0" -o /dev/null -w '%{http_code}' > "$T/code" || true
assert_eq "$(cat "$T/code")" 200 "SSE host filter accepted"
WANT=$(curl -sf "$U/api/traces?user=alice@example.com" | jq '[.traces[] | select(.seq > 1)] | length')
curl -sN --max-time 2 -X POST "${J[@]}" --data '{"user":"alice@example.com","last_event_id":1}' "$U/api/stream" > "$T/sse2.txt" || true
assert_eq "$(grep -c '^data: ' "$T/sse2.txt")" "$WANT" "POST /api/stream body filter by user: alice's after seq 1"
assert_eq "$(grep '^data: ' "$T/sse2.txt" | sed 's/^data: //' | jq -r .user | sort -u)" alice@example.com "only alice's"
pass "SSE filters by user and host (query and body)"

Q=("$B/trace-query" --db "$T/db")
assert_eq "$("${Q[@]}" events --user bob --json | jq -r .user | sort | uniq -c | tr -s ' ')" " 3 bob" "trace-query events --user"
assert_eq "$("${Q[@]}" events --host central --json | jq -r .session_id)" s-local "trace-query events --host"
assert_eq "$("${Q[@]}" sessions --host bob-desktop --json | jq -r .session_id | sort | tr '\n' ' ')" "s-bob s-carol " \
  "trace-query sessions --host"
"${Q[@]}" sessions --user bob | grep -q 'bob-desktop' || fail "sessions table shows the host"
assert_eq "$("${Q[@]}" usage --by host --timezone UTC --json | jq -c '[.rows[].host] | sort')" \
  '["alice-laptop","bob-desktop","central"]' "trace-query usage --by host"
assert_eq "$("${Q[@]}" usage --user ops --json | jq -r .totals.input_tokens)" 100 "trace-query usage --user"
"${Q[@]}" usage --by user | head -1 | grep -q '^USER' || fail "usage table headed USER"
pass "trace-query filters events, sessions and usage by user and host"

# A gateway reachable from other machines needs a token.
P2=$(free_port)
set +e
"$B/trace-gateway" --db "$T/db" --sub "" --listen "0.0.0.0:$P2" 2> "$T/refused.err" > /dev/null
rc=$?
set -e
assert_eq "$rc" 2 "exit code of a non-loopback listen without a token"
assert_eq "$(cat "$T/refused.err")" \
  "trace-gateway: listen 0.0.0.0:$P2 failed: a non-loopback listen address requires --token (or TRACE_TOKEN)" \
  "the one-line refusal"
for listen in ":$P2" "[::]:$P2" "192.0.2.1:$P2"; do
  set +e
  "$B/trace-gateway" --db "$T/db" --sub "" --listen "$listen" 2> /dev/null > /dev/null
  rc=$?
  set -e
  assert_eq "$rc" 2 "refused without a token: --listen $listen"
done
start open env TRACE_TOKEN=team-secret "$B/trace-gateway" --db "$T/db" --sub "" --listen "0.0.0.0:$P2" --log-level warn
wait_for 20 curl -sf "http://127.0.0.1:$P2/health"
assert_eq "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$P2/api/sessions")" 401 "token enforced"
assert_eq "$(curl -s -H 'Authorization: Bearer team-secret' "http://127.0.0.1:$P2/api/sessions?user=bob" | jq -r .total)" 1 \
  "with the token, filters work"
P3=$(free_port)
start loopback "$B/trace-gateway" --db "$T/db" --sub "" --listen "localhost:$P3" --log-level warn
wait_for 20 curl -sf "http://127.0.0.1:$P3/health"
pass "non-loopback listen: refused without a token (exit 2, one line), served with TRACE_TOKEN; localhost needs none"
