#!/usr/bin/env bash
# Deeply nested JSON at each entry point of the real binaries (issue #13):
# before the depth limit (json::kMaxDepth, proto/inputs.md "Nesting") every
# parser recursed until the stack ran out. Now trace-tail and trace-index
# keep the line as a raw event and go on, trace-hook records a raw span and
# exits 0, trace-gateway answers 400 and keeps serving.
source "$(dirname "$0")/lib.sh"

# deep N: N opening brackets, no newline.
deep() { python3 -c 'import sys; sys.stdout.write("[" * int(sys.argv[1]))' "$1"; }
# nested N: a JSON value nested N levels.
nested() { python3 -c 'import sys; n = int(sys.argv[1]); sys.stdout.write("[" * n + "]" * n)' "$1"; }

# --- trace-tail: a 100k-deep line, then a good line; and after a restart -----
mkdir -p "$T/f"
{ deep 100000; echo; echo '{"display":"after the deep line","timestamp":1769606193350}'; } >"$T/f/h.jsonl"
"$TRACE_BIN/trace-tail" --once --stdout --state "$T/tail-state.json" "$T/f/h.jsonl" \
  >"$T/tail.out" 2>"$T/tail.log" || fail "trace-tail exited $?"
python3 - "$T/tail.out" <<'PY'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1])]
assert len(events) == 2, [e.get("kind") for e in events]
raw, good = events
assert raw["kind"] == "raw" and raw["raw"] == "[" * 100000, raw["kind"]
assert raw["parse_error"] == "nested deeper than 513 levels at byte 513", raw["parse_error"]
assert good["kind"] == "history" and good["data"]["display"] == "after the deep line", good
PY
# The restart that used to crash again: the position was saved past the line.
"$TRACE_BIN/trace-tail" --once --stdout --state "$T/tail-state.json" "$T/f/h.jsonl" \
  >"$T/tail2.out" 2>>"$T/tail.log" || fail "trace-tail restart exited $?"
assert_eq "$(wc -l <"$T/tail2.out")" 0 "events re-sent after restart"
pass "trace-tail: the 100k-deep line is a raw event with parse_error, the next line an event"

# --- trace-index --stdin: deep lines among events ------------------------------
# (a 200k-deep line and a 150k-deep event each used to crash it)
{
  deep 200000; echo
  printf '{"span_id":"deep-1","kind":"hook","event_type":"PreToolUse","session_id":"s1","timestamp":1,"data":'
  nested 150000; echo '}'
  echo '{"span_id":"good-1","kind":"hook","event_type":"Stop","session_id":"s1","timestamp":1769606193350}'
} | "$TRACE_BIN/trace-index" --stdin --db "$T/db" 2>"$T/index.log" || fail "trace-index exited $?"
"$TRACE_BIN/trace-query" --db "$T/db" events --json >"$T/events.out"
python3 - "$T/events.out" <<'PY'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1])]
assert sorted(e["event_type"] for e in events) == ["Stop", "raw", "raw"], [e["event_type"] for e in events]
for e in events:
    if e["event_type"] == "raw":  # N: where the 515th level opens
        n = 514 if e["raw"].startswith("[") else e["raw"].index("[") + 513
        assert e["parse_error"] == "not valid JSON: nested deeper than 514 levels at byte %d" % n, e["parse_error"]
PY
pass "trace-index: deep lines are stored as raw events, the good one as itself"

# --- trace-hook: deep payloads on stdin ----------------------------------------
# 100k '[' (the brief's case), 200k '[', and an object whose tool_input nests
# 100k deep (which used to crash it while writing the span).
export CLAUDE_TRACE_DIR="$T/traces"
deep 100000 >"$T/hook1.json"
deep 200000 >"$T/hook2.json"
{ printf '{"session_id":"deep-s","hook_event_name":"PreToolUse","tool_input":'; nested 100000; printf '}'; } >"$T/hook3.json"
for i in 1 2 3; do
  out=$("$TRACE_BIN/trace-hook" <"$T/hook$i.json") || fail "trace-hook exited $? on payload $i"
  assert_eq "$out" "" "trace-hook stdout on payload $i"
done
python3 - "$T/traces/unknown-session.jsonl" "$T"/hook{1,2,3}.json <<'PY'
import json, sys
spans = [json.loads(l) for l in open(sys.argv[1])]
payloads = [open(p).read() for p in sys.argv[2:]]
assert len(spans) == 3, len(spans)
for span, payload in zip(spans, payloads):
    assert span["event_type"] == "raw" and span["raw"] == payload, span["event_type"]
    n = 512 if payload.startswith("[") else payload.index("[") + 511  # where the 513th level opens
    assert span["parse_error"] == "nested deeper than 512 levels at byte %d" % n, span["parse_error"]
PY
assert_eq "$(grep -c 'kept raw: nested deeper than 512 levels' "$T/traces/hook-errors.log")" 3 "hook errors logged"
pass "trace-hook: exit 0, a raw span each, the errors logged"

# --- trace-gateway: deep bodies get 400 and the gateway stays up -------------
PORT=$(free_port)
B="http://127.0.0.1:$PORT"
start gateway "$TRACE_BIN/trace-gateway" --db "$T/db" --sub "" --listen "127.0.0.1:$PORT" \
  --spool "$T/spool" --log-level warn
wait_for 10 curl -sf "$B/health"
post() {  # post PATH FILE -> status, body in $T/body
  curl -s -o "$T/body" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    --data-binary "@$2" "$B$1"
}
{ printf '{"event_type":"PreToolUse","session_id":"s","tool_input":'; nested 65000; printf '}'; } >"$T/65k.json"
deep 150000 >"$T/150k.json"
for body in 65k 150k; do
  assert_eq "$(post /api/events "$T/$body.json")" 400 "POST /api/events $body deep"
  jq -e '.error.code == "invalid_events" and (.error.message | test("nested deeper than 512 levels"))' \
    "$T/body" >/dev/null || fail "400 body for $body: $(head -c 300 "$T/body")"
  assert_eq "$(curl -s -o /dev/null -w '%{http_code}' "$B/health")" 200 "/health after $body"
done
assert_eq "$(post /api/stream "$T/150k.json")" 400 "POST /api/stream 150k deep"
jq -e '.error.code == "bad_body"' "$T/body" >/dev/null || fail "stream 400 body: $(cat "$T/body")"
# The other bodies JSON enters by: Claude Code's HTTP hooks and the OTLP/HTTP
# JSON receivers (issue 13: every parser, not only ingest's).
{ printf '{"session_id":"s","hook_event_name":"PreToolUse","tool_input":'; nested 100000; printf '}'; } >"$T/hook-deep.json"
assert_eq "$(post /api/hooks "$T/hook-deep.json")" 400 "POST /api/hooks 100k deep"
jq -e '.error.message | test("nested deeper than 512 levels")' "$T/body" >/dev/null ||
  fail "hooks 400 body: $(head -c 300 "$T/body")"
{ printf '{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":'; nested 100000; printf '}]}]}]}'; } >"$T/otlp-deep.json"
for p in /v1/logs /v1/metrics; do
  assert_eq "$(post $p "$T/otlp-deep.json")" 400 "POST $p 100k deep"
  assert_eq "$(post $p "$T/150k.json")" 400 "POST $p 150k '['"
done
[ ! -s "$T/spool/ingest.jsonl" ] || fail "a refused event reached the spool"
kill -0 "$(pid_of gateway)" || fail "gateway died"
assert_eq "$(curl -s -o /dev/null -w '%{http_code}' "$B/health")" 200 "/health at the end"
pass "trace-gateway: 65k- to 150k-deep bodies of events, hooks, stream filters and OTLP get 400, nothing spooled, /health 200"
