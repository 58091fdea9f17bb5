#!/usr/bin/env bash
# trace-tail --once --stdout over a prepared tree: exactly one event per
# non-empty line (ugly lines included), in file order with exact offsets;
# the default inputs come from the Claude home; bad flags/paths fail cleanly.
source "$(dirname "$0")/lib.sh"

"$TRACE_BIN/trace-gen" --home "$CLAUDE_CONFIG_DIR" --lines 3000 --seed 11 >/dev/null
mkdir -p "$XDG_DATA_HOME/claude-trace/spool"
echo '{"timestamp":"2026-01-26T10:00:00Z","event":"Stop","sessionId":"s3","data":{}}' \
  >"$XDG_DATA_HOME/claude-trace/spool/ingest.jsonl"
ugly="$T/ugly/u.jsonl"
mkdir -p "$T/ugly"
python3 - "$ugly" <<'PY'
import sys
with open(sys.argv[1], "wb") as f:
    f.write(b'{"display":"crlf","timestamp":1769606193350}\r\n')
    f.write(b'\n\r\n   \n')                              # blank lines: no events
    f.write(b'{"display":"caf\xe9","timestamp":1}\n')   # invalid UTF-8
    f.write(b'not json\n')
    f.write(b'{"big":"' + b'x' * 300000 + b'"}\n')       # over the cap below
    f.write(b'{"after":"big"}\n')
    f.write(b'{"partial":"no newline"}')                 # flushed at --once end
PY

"$TRACE_BIN/trace-tail" --once --stdout --max-line-bytes 100000 "$T/ugly/*.jsonl" \
  >"$T/ugly.out" 2>"$T/ugly.log"
python3 - "$ugly" "$T/ugly.out" <<'PY'
import json, sys
data = open(sys.argv[1], "rb").read()
events = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
kinds = [(e["kind"], e.get("parse_error")) for e in events]
assert len(events) == 6, kinds
assert events[0]["data"]["display"] == "crlf" and events[0]["source"]["length"] == 46, events[0]["source"]
assert events[1]["kind"] == "raw" and "\ufffd" in events[1]["raw"], events[1]
assert events[2]["raw"] == "not json"
assert events[3]["parse_error"] == "line too long" and events[3]["source"]["length"] == 300011
assert events[4]["data"] == {"after": "big"}
assert events[5]["data"] == {"partial": "no newline"}
for e in events:  # offsets point at the line itself
    s = e["source"]
    line = data[s["offset"]:s["offset"] + s["length"]]
    assert line.endswith(b"\n") or s["offset"] + s["length"] == len(data), s
PY
pass "ugly lines: one event each, offsets exact"

# --stdin: one source, path "-", identity "-"; without --once it ends at EOF too.
for mode in --once ""; do
  # shellcheck disable=SC2086
  "$TRACE_BIN/trace-tail" $mode --stdout --stdin --max-line-bytes 100000 <"$ugly" >"$T/stdin.out" 2>>"$T/stdin.log"
  python3 - "$T/ugly.out" "$T/stdin.out" <<'PY'
import json, sys
a = [json.loads(l) for l in open(sys.argv[1])]
b = [json.loads(l) for l in open(sys.argv[2])]
assert len(a) == len(b) == 6, (len(a), len(b))
for x, y in zip(a, b):
    assert y["source"]["path"] == "-" and y["source"]["dev"] == 0, y["source"]
    assert x["source"]["offset"] == y["source"]["offset"] and x.get("data") == y.get("data")
PY
done
pass "--stdin reads stdin as one source and exits at EOF"

# Default inputs (no FILE): traces, projects/**, history.jsonl, spool.
"$TRACE_BIN/trace-tail" --once --stdout >"$T/all.out" 2>"$T/all.log"
python3 - "$CLAUDE_CONFIG_DIR" "$XDG_DATA_HOME/claude-trace/spool" "$T/all.out" <<'PY'
import glob, json, os, sys
home, spool, out = sys.argv[1:]
files = glob.glob(home + "/traces/*.jsonl") + glob.glob(home + "/projects/**/*.jsonl", recursive=True) \
    + [home + "/history.jsonl"] + glob.glob(spool + "/*.jsonl")
expected = {}
for f in files:
    off = 0
    for line in open(f, "rb").read().split(b"\n")[:-1]:
        if line.strip():
            expected[(os.path.realpath(f), off)] = line
        off += len(line) + 1
events = [json.loads(l) for l in open(out, encoding="utf-8")]
got = {}
for e in events:
    key = (os.path.realpath(e["source"]["path"]), e["source"]["offset"])
    assert key not in got, ("duplicate", key)
    got[key] = e
assert set(got) == set(expected), (len(got), len(expected))
for key, e in got.items():
    assert e["data"] == json.loads(expected[key]), key
kinds = {e["kind"] for e in events}
assert kinds == {"span", "transcript", "history", "ingest"}, kinds
subagent = [e for e in events if "/subagents/" in e["source"]["path"]]
assert subagent and all(e["agent_id"] and e["session_id"] in e["source"]["path"] for e in subagent)
ids = [e["span_id"] for e in events]
assert len(ids) == len(set(ids)), "span_ids not unique"
print(len(events), "events")
PY
pass "default Claude home: one event per line, all kinds"

# Errors: one line on stderr, documented exit codes.
set +e
"$TRACE_BIN/trace-tail" --once --stdout "$T/missing.jsonl" 2>"$T/err1"; rc1=$?
"$TRACE_BIN/trace-tail" --once --pub "tcp://256.0.0.1:1" "$ugly" 2>"$T/err2"; rc2=$?
"$TRACE_BIN/trace-tail" --kind nonsense "$ugly" 2>"$T/err3"; rc3=$?
"$TRACE_BIN/trace-tail" --help >"$T/help"; rc4=$?
set -e
assert_eq "$rc1" 3 "missing file exit code"
grep -q "^trace-tail: open '.*missing.jsonl' failed: No such file" "$T/err1" || fail "$(cat "$T/err1")"
[ "$rc2" -ne 0 ] || fail "bad endpoint accepted"
grep -q "^trace-tail: bind --pub failed" "$T/err2" || fail "$(cat "$T/err2")"
assert_eq "$rc3" 2 "bad --kind exit code"
assert_eq "$rc4" 0 "--help exit code"
grep -q -- "--from-end" "$T/help" || fail "help lacks flags"
pass "errors and help"

# Every event of both runs validates against proto/event.schema.json.
PYSCHEMA=$(for p in python3 /usr/bin/python3; do "$p" -c 'import jsonschema' 2>/dev/null && { echo "$p"; break; }; done)
[ -n "$PYSCHEMA" ] || fail "python3-jsonschema is not installed (scripts/install-deps.sh)"
{
  "$PYSCHEMA" - "$TRACE_SOURCE_DIR/proto/event.schema.json" "$T/ugly.out" "$T/all.out" <<'PY'
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
v = jsonschema.Draft202012Validator(schema)
n = 0
for path in sys.argv[2:]:
    for line in open(path, encoding="utf-8"):
        v.validate(json.loads(line))
        n += 1
print(n, "events valid")
PY
  pass "events match proto/event.schema.json"
}
