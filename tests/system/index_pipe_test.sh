#!/usr/bin/env bash
# trace-tail --stdout | trace-index --stdin: exits 0 at EOF after committing;
# every line is stored once (a second run stores nothing new); the invalid
# line becomes a raw event; aggregates equal --verify; trace-query reads it.
source "$TRACE_SOURCE_DIR/tests/system/lib.sh"
B=$TRACE_BIN
python3 "$TRACE_SOURCE_DIR/tests/system/index_writer.py" "$T/in" 3000 3 >/dev/null
echo 'not json at all {' >>"$T/in/w-0.jsonl"
printf '%s' '{"span_id":"tail-no-newline","trace_id":"x","session_id":"w-session-1","timestamp":1770912145284,"event_type":"Stop","hook_type":"stop"}' >>"$T/in/w-1.jsonl"

"$B/trace-tail" --once --stdout --state '' --kind span "$T/in/*.jsonl" 2>"$T/tail.log" |
  "$B/trace-index" --stdin --db "$T/db" 2>"$T/index.log" || fail "pipeline exited non-zero"

count() { mdb_stat -s "$1" "$T/db" | awk '/Entries:/{print $2}'; }
assert_eq "$(stored_events "$T/db")" 3002 "events stored"
assert_eq "$(count ids)" 3002 "span ids"
raw=$("$B/trace-query" --db "$T/db" events --event-type raw --json | wc -l)
parse_errors=$("$B/trace-query" --db "$T/db" events --json --limit 5000 | grep -c '"parse_error"')
[ "$raw" -ge 1 ] || [ "$parse_errors" -ge 1 ] || fail "invalid line not kept as an event"
all=$("$B/trace-query" --db "$T/db" events --json --limit 5000)
[[ "$all" == *'"span_id":"tail-no-newline"'* ]] || fail "final line without newline lost"

# Again: everything is a duplicate.
"$B/trace-tail" --once --stdout --state '' --kind span "$T/in/*.jsonl" 2>>"$T/tail.log" |
  "$B/trace-index" --stdin --db "$T/db" 2>>"$T/index.log" || fail "second run failed"
assert_eq "$(stored_events "$T/db")" 3002 "events after re-reading"

"$B/trace-index" --verify --db "$T/db" >"$T/verify.out" || { cat "$T/verify.out"; fail "verify"; }

s=$("$B/trace-query" --db "$T/db" session w-session-0 --json)
echo "$s" | python3 -c '
import json,sys
s=json.load(sys.stdin)
assert s["events"]>=1000, s["events"]
assert s["tool_calls"]>0 and s["tool_failures"]>0, s
assert s["open_tool_calls"]==0, s["open_tool_calls"]
assert s["prompts"]==s["event_types"]["UserPromptSubmit"], s
' || fail "session aggregate"
table=$("$B/trace-query" --db "$T/db" sessions)
[[ "$table" == *w-session-2* ]] || fail "sessions table"
total=$("$B/trace-query" --db "$T/db" events --tool-name Bash --event-type PostToolUse --limit 1 | tail -1)
[[ "$total" =~ ^1\ of\ [0-9]+\ events$ ]] || fail "events table footer: $total"

# A store that cannot be opened: one line, non-zero.
echo x >"$T/notadir"
if "$B/trace-index" --stdin --db "$T/notadir" </dev/null 2>"$T/err.txt"; then fail "opened a file as store"; fi
[ "$(wc -l <"$T/err.txt")" -eq 1 ] || fail "expected a one-line error: $(cat "$T/err.txt")"
grep -q '^trace-index: open store failed:' "$T/err.txt" || fail "error format: $(cat "$T/err.txt")"
pass "pipe: 3002 events once, raw kept, verify clean"
