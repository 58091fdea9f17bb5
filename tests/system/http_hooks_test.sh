#!/usr/bin/env bash
# Claude Code's http hooks into the running pipeline (trace-tail -> trace-index
# -> trace-gateway on free ports), with curl as Claude Code: POST /api/hooks
# answers 204 with an empty body for every hook shape of the reference doc and
# for unknown event names; broken bodies get a 4xx JSON reason and write
# nothing; the same firing through the command hook (trace-hook) and the http
# hook is one event, counted once; /api/events takes raw hook payloads too.
source "$TRACE_SOURCE_DIR/tests/system/lib.sh"
B=$TRACE_BIN
SID=hh-3f1c9a7b-1d2e-4f30-8a41-6b7c8d9e0f12
CTL=$(free_port); PUB=$(free_port); IPUB=$(free_port); HTTP=$(free_port)
export CLAUDE_TRACE_DIR="$CLAUDE_CONFIG_DIR/traces"
unset CLAUDE_TRACE_TASK_ID CLAUDE_TRACE_TASK_PATTERN || true
mkdir -p "$CLAUDE_TRACE_DIR"
U="http://127.0.0.1:$HTTP"

start tail "$B/trace-tail" --pub "tcp://127.0.0.1:$PUB" --control "tcp://127.0.0.1:$CTL" --state "$T/tail-state.json"
start index "$B/trace-index" --sub "tcp://127.0.0.1:$PUB" --tail-control "tcp://127.0.0.1:$CTL" \
  --pub "tcp://127.0.0.1:$IPUB" --db "$T/db"
wait_for 20 test -f "$T/db/data.mdb"
start gateway "$B/trace-gateway" --db "$T/db" --sub "tcp://127.0.0.1:$IPUB" --listen "127.0.0.1:$HTTP" \
  --max-body 65536 --log-level warn
wait_for 20 curl -sf "$U/health"
SPOOL="$XDG_DATA_HOME/claude-trace/spool/ingest.jsonl"

# hook BODY -> "status bytes-of-body", the body in $T/resp
hook() {
  curl -s -o "$T/resp" -w '%{http_code} %{size_download}' -H 'Content-Type: application/json' \
    --data-binary "$1" "$U/api/hooks"
}

# Body shapes of the reference doc (§1), one of each kind, and an event name
# no Claude Code has sent yet.
PRE='{"session_id":"'$SID'","prompt_id":"550e8400-e29b-41d4-a716-446655440000","transcript_path":"/home/user/.claude/projects/x/t.jsonl","cwd":"/home/user/my-project","permission_mode":"default","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"npm test","description":"Run test suite","timeout":120000,"run_in_background":false},"tool_use_id":"toolu_01ABC123"}'
POST='{"session_id":"'$SID'","transcript_path":"/t.jsonl","cwd":"/home/user/my-project","permission_mode":"default","hook_event_name":"PostToolUse","tool_name":"Write","tool_input":{"file_path":"/path/to/file.txt","content":"file content"},"tool_response":{"filePath":"/path/to/file.txt","success":true},"tool_use_id":"toolu_02","duration_ms":12}'
FAIL='{"session_id":"'$SID'","transcript_path":"/t.jsonl","cwd":"/home/user/my-project","permission_mode":"default","hook_event_name":"PostToolUseFailure","tool_name":"Bash","tool_input":{"command":"npm test"},"tool_use_id":"toolu_01ABC123","error":"Exit code 1\nError: Cannot find module '"'express'"'","is_interrupt":false,"duration_ms":4187}'
PROMPT='{"session_id":"'$SID'","transcript_path":"/t.jsonl","cwd":"/home/user/my-project","hook_event_name":"UserPromptSubmit","prompt":"Write a function to calculate factorial"}'
NOTE='{"session_id":"'$SID'","transcript_path":"/t.jsonl","cwd":"/home/user/my-project","hook_event_name":"Notification","message":"Claude needs your permission to use Bash","title":"Permission needed","notification_type":"permission_prompt"}'
FUTURE='{"session_id":"'$SID'","hook_event_name":"QuantumLeap","cwd":"/p","leap":{"to":[1955,{"via":"DeLorean"}],"speed_mph":88.0}}'
for body in "$PRE" "$POST" "$FAIL" "$PROMPT" "$NOTE" "$FUTURE"; do
  assert_eq "$(hook "$body")" "204 0" "POST /api/hooks $(echo "$body" | jq -r .hook_event_name)"
done
assert_eq "$(wc -l < "$SPOOL")" 6 "spooled records before the replies"
pass "six hook shapes (one never seen before): 204, empty body, in the spool when answered"

# Broken bodies: a 4xx with a JSON reason, nothing spooled.
bad() {  # bad WANT_STATUS WANT_CODE CURL-ARGS...
  local want=$1 code=$2; shift 2
  local got
  got=$(curl -s -o "$T/resp" -w '%{http_code}' "$@" "$U/api/hooks")
  assert_eq "$got" "$want" "status for $*"
  assert_eq "$(jq -r .error.code "$T/resp")" "$code" "error code for $*"
}
J=(-H 'Content-Type: application/json')
bad 400 invalid_hook "${J[@]}" --data-binary '{"session_id":"s","hook_event_name":'
bad 400 invalid_hook "${J[@]}" --data-binary '[{"session_id":"s","hook_event_name":"Stop"}]'
bad 400 invalid_hook "${J[@]}" --data-binary '{"hook_event_name":"Stop"}'
bad 400 invalid_hook "${J[@]}" --data-binary '{"session_id":"s","hook_event_name":42}'
bad 400 invalid_hook "${J[@]}" --data-binary '"just a string"'
bad 400 invalid_hook "${J[@]}" --data-binary "$(printf '{"session_id":"s","hook_event_name":"Stop","x":%s%s}' "$(printf '[%.0s' $(seq 600))" "$(printf ']%.0s' $(seq 600))")"
bad 400 invalid_hook "${J[@]}" --data-binary "$(printf '{"session_id":"\xff","hook_event_name":"Stop"}')"
bad 400 invalid_hook "${J[@]}" --data-binary ''
bad 415 unsupported_media_type -H 'Content-Type: text/plain' --data-binary "$PRE"
bad 413 body_too_large "${J[@]}" --data-binary "{\"session_id\":\"s\",\"hook_event_name\":\"Stop\",\"pad\":\"$(head -c 70000 /dev/zero | tr '\0' x)\"}"
assert_eq "$(curl -s -o /dev/null -w '%{http_code}' "$U/api/hooks")" 405 "GET /api/hooks"
assert_eq "$(wc -l < "$SPOOL")" 6 "nothing of a refused body spooled"
pass "broken, wrong-type, oversized bodies: 4xx with a JSON reason, nothing spooled"

# The same firing through both hooks: the command hook writes a span, the http
# hook a spool record; the index keeps one event.
echo "$POST" | "$B/trace-hook"
echo "$PROMPT" | "$B/trace-hook"
assert_eq "$(wc -l < "$CLAUDE_TRACE_DIR/$SID.jsonl")" 2 "spans from the command hook"
# /api/events takes a raw hook payload, under the same firing id.
STOP='{"session_id":"'$SID'","hook_event_name":"Stop","stop_hook_active":false,"last_assistant_message":"Done."}'
assert_eq "$(curl -s -o "$T/resp" -w '%{http_code}' "${J[@]}" --data-binary "[$STOP]" "$U/api/events")" 201 "/api/events with a hook payload"
assert_eq "$(jq -r '.ids[0][0:3]' "$T/resp")" "hk-" "firing id returned"
assert_eq "$(hook "$STOP")" "204 0" "the same Stop through /api/hooks"
# Sentinels after the duplicates in each file (traces, spool): each file is
# read in order, so once both are stored the duplicates have been seen.
echo '{"session_id":"'$SID'","hook_event_name":"SessionEnd","reason":"other"}' | "$B/trace-hook"
assert_eq "$(hook '{"session_id":"'$SID'","hook_event_name":"Notification","message":"sentinel"}')" "204 0" "sentinel"

# 6 http hooks + 2 spans (duplicates) + 2 Stop (one a duplicate) + 2 sentinels = 9 events.
summary() { curl -sf "$U/api/sessions/$SID/summary" > "$T/summary.json"; }
both() { curl -sf "$U/api/traces?session_id=$SID&limit=100" > "$T/traces.json" &&
  [ "$(jq '[.traces[] | select(.event_type == "SessionEnd" or .data.message == "sentinel")] | length' "$T/traces.json")" = 2 ]; }
wait_for 20 both || fail "sentinels never arrived: $(cat "$T/traces.json" 2>/dev/null | head -c 2000)"
summary
python3 - "$T/summary.json" "$T/traces.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
t = json.load(open(sys.argv[2]))
def eq(got, want, what):
    assert got == want, f"{what}: expected {want!r}, got {got!r}"
eq(s["events"], 9, "events")
eq(s["event_types"].get("PostToolUse"), 1, "PostToolUse once though both hooks sent it")
eq(s["event_types"].get("UserPromptSubmit"), 1, "prompt once")
eq(s["event_types"].get("Stop"), 1, "Stop once though /api/events and /api/hooks sent it")
eq(s["event_types"].get("QuantumLeap"), 1, "unknown event kept")
eq(s["event_types"].get("Notification"), 2, "two distinct notifications")
eq(s["tool_failures"], 1, "one failed tool call")
ev = {e["event_type"]: e for e in t["traces"]}
eq(ev["SessionEnd"]["kind"], "span", "a command-hook-only event is a span")
assert ev["PostToolUse"]["kind"] in ("hook", "span"), ev["PostToolUse"]["kind"]  # whichever came first
eq(len(t["traces"]), 9, "traces")
eq(len({e["span_id"] for e in t["traces"]}), 9, "distinct span ids")
assert all(e["span_id"].startswith("hk-") for e in t["traces"]), [e["span_id"] for e in t["traces"]]
q = ev["QuantumLeap"]
eq(q["kind"], "hook", "kind")
eq(q["hook_type"], "other", "hook_type of an unknown event")
eq(q["data"]["leap"], {"to": [1955, {"via": "DeLorean"}], "speed_mph": 88.0}, "unknown event data whole")
f = ev["PostToolUseFailure"]
eq([f["tool_name"], f["tool_use_id"], f["is_error"], f["duration_ms"]], ["Bash", "toolu_01ABC123", True, 4187], "failure fields")
eq(ev["PreToolUse"]["tool_input"]["command"], "npm test", "tool_input")
eq(ev["PreToolUse"]["trace_id"], ev["PreToolUse"]["session_id"], "trace_id = session")
PY
pass "one firing through the command and the http hook (and /api/events) is one event, counted once"
