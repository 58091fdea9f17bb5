#!/usr/bin/env bash
# A line trace-tail crashed or stalled on in an earlier run (recorded in the
# quarantine file, proto/inputs.md) is emitted raw and unparsed on the next
# run, and the lines around it as usual; `--quarantine ''` turns it off. The
# recording itself (signal handler, watchdog) is tested in line_guard_test.
source "$(dirname "$0")/lib.sh"

f="$T/in/s.jsonl"
mkdir -p "$T/in"
printf '%s\n' '{"display":"one","timestamp":1769606193350,"sessionId":"s1"}' \
  '{"display":"two","timestamp":1769606193351,"sessionId":"s1"}' \
  '{"display":"three","timestamp":1769606193352,"sessionId":"s1"}' >"$f"
second=$(head -n 1 "$f" | wc -c)
read -r dev ino < <(python3 -c 'import os,sys; s=os.stat(sys.argv[1]); print(s.st_dev, s.st_ino)' "$f")
printf '%s %s %s SIGSEGV %s\n' "$dev" "$ino" "$second" "$f" >"$T/state.json.quarantine"

"$TRACE_BIN/trace-tail" --once --stdout --kind history --state "$T/state.json" "$f" \
  >"$T/out.jsonl" 2>"$T/tail.log"
python3 - "$T/out.jsonl" "$f" <<'PY'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1])]
lines = open(sys.argv[2]).read().splitlines()
assert len(events) == 3, events
assert [e["event_type"] for e in events] == ["history.append", "raw", "history.append"], events
raw = events[1]
assert raw["parse_error"].startswith("quarantined"), raw
assert raw["raw"] == lines[1] and "data" not in raw, raw
assert raw["source"]["offset"] == len(lines[0]) + 1, raw
PY
grep -q '"quarantined lines will be emitted unparsed"' "$T/tail.log" || fail "no warning in the log"
pass "a quarantined line is emitted raw, the others normalized"

rm "$T/state.json"
"$TRACE_BIN/trace-tail" --once --stdout --kind history --state "$T/state.json" --quarantine '' "$f" \
  >"$T/off.jsonl" 2>"$T/tail-off.log"
assert_eq "$(grep -c '"history.append"' "$T/off.jsonl")" 3 "events with the guard off"
pass "--quarantine '' parses every line"
