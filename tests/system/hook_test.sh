#!/usr/bin/env bash
# trace-hook as Claude Code runs it: a payload on stdin, nothing on stdout,
# exit 0 always. Checks whole lines under 50 parallel writers, garbage input,
# unwritable / full destinations, a 10 MB payload and a stdin that never closes.
source "$TRACE_SOURCE_DIR/tests/system/lib.sh"
HOOK="$TRACE_BIN/trace-hook"
export CLAUDE_TRACE_DIR="$T/traces"

# json_lines FILE: prints the number of lines, failing on any non-JSON line.
json_lines() {
  python3 - "$1" <<'PY'
import json, sys
n = 0
for line in open(sys.argv[1], encoding="utf-8"):
    json.loads(line); n += 1
print(n)
PY
}
field() { python3 -c 'import json,sys; d=json.loads(open(sys.argv[1]).readlines()[int(sys.argv[2])]); print(eval(sys.argv[3], {}, {"d": d}))' "$@"; }

# 1. Seed 000's manual test.
out=$(echo '{"session_id":"test","hook_event_name":"PostToolUse","tool_name":"Read"}' | "$HOOK"); rc=$?
assert_eq "$rc" 0 "exit code"; assert_eq "$out" "" "stdout"
assert_eq "$(json_lines "$T/traces/test.jsonl")" 1 "lines"
assert_eq "$(field "$T/traces/test.jsonl" 0 'd["event_type"], d["tool_name"], d["trace_id"]')" "('PostToolUse', 'Read', 'test')" "fields"
pass "seed manual test"

# 2. 50 parallel hooks of one session, each with a 200 KB tool response, so
# unlocked appends would interleave: every line must come out whole.
big=$(head -c 150000 /dev/urandom | base64 -w0)
for i in $(seq 1 50); do
  printf '{"session_id":"par","hook_event_name":"PostToolUse","tool_name":"Bash","tool_use_id":"toolu_%d","tool_response":{"stdout":"%s"}}' "$i" "$big" > "$T/p$i.json"
done
for i in $(seq 1 50); do "$HOOK" < "$T/p$i.json" > "$T/out$i" & done
wait
assert_eq "$(cat "$T"/out* | wc -c)" 0 "stdout of parallel hooks"
assert_eq "$(json_lines "$T/traces/par.jsonl")" 50 "whole lines"
assert_eq "$(python3 -c 'import json,sys; print(len({json.loads(l)["span_id"] for l in open(sys.argv[1])}), len({json.loads(l)["tool_use_id"] for l in open(sys.argv[1])}))' "$T/traces/par.jsonl")" "50 50" "distinct ids"
pass "50 parallel invocations, 50 whole lines"

# 3. Garbage and invalid UTF-8: a raw span, exit 0.
out=$(printf 'this is {not json \xff\xfe' | "$HOOK"); rc=$?
assert_eq "$rc" 0 "garbage exit"; assert_eq "$out" "" "garbage stdout"
assert_eq "$(field "$T/traces/unknown-session.jsonl" 0 'd["event_type"], "parse_error" in d, d["raw"].startswith("this is {not json")')" "('raw', True, True)" "raw span"
pass "garbage stdin becomes a raw span"

# 4. Destinations that cannot be written: exit 0, nothing on stdout, one line
# in the fallback error log ($XDG_STATE_HOME/claude-trace/hook-errors.log).
export XDG_STATE_HOME="$T/state"
touch "$T/plainfile"
for dir in "$T/plainfile/traces" /proc/claude-trace-test; do
  out=$(echo '{"session_id":"x","hook_event_name":"Stop"}' | CLAUDE_TRACE_DIR="$dir" "$HOOK"); rc=$?
  assert_eq "$rc" 0 "exit with $dir"; assert_eq "$out" "" "stdout with $dir"
done
assert_eq "$(grep -c 'record span' "$T/state/claude-trace/hook-errors.log")" 2 "error log lines"
# A full disk: the session file is a link to /dev/full (write -> ENOSPC).
mkdir -p "$T/full" && ln -s /dev/full "$T/full/s.jsonl"
out=$(echo '{"session_id":"s","hook_event_name":"Stop"}' | CLAUDE_TRACE_DIR="$T/full" "$HOOK"); rc=$?
assert_eq "$rc" 0 "full disk exit"; assert_eq "$out" "" "full disk stdout"
grep -q 'No space left on device' "$T/full/hook-errors.log" || fail "ENOSPC not logged"
pass "missing, unwritable and full destinations: exit 0, error logged"

# 5. A 10 MB payload is recorded whole, once, in bounded time.
python3 -c 'import json; print(json.dumps({"session_id":"big","hook_event_name":"PostToolUse","tool_name":"Read","tool_response":{"content":"x"*10_000_000}}))' > "$T/big.json"
start=$(date +%s%N)
"$HOOK" < "$T/big.json"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$ms" -lt 5000 ] || fail "10 MB payload took $ms ms"
assert_eq "$(field "$T/traces/big.jsonl" 0 'len(d["payload"]["tool_response"]["content"]), d["tool_output"], d["metadata"]["tool_io_in_payload"]')" "(10000000, None, True)" "big record"
size=$(stat -c %s "$T/traces/big.jsonl")
[ "$size" -lt 10010000 ] || fail "10 MB payload written twice ($size bytes)"
pass "10 MB payload in $ms ms, stored once ($size bytes)"

# Above the cap (CLAUDE_TRACE_MAX_BYTES) the input is cut and says so.
CLAUDE_TRACE_MAX_BYTES=1000000 "$HOOK" < "$T/big.json"
assert_eq "$(field "$T/traces/unknown-session.jsonl" 1 'd["event_type"], d["metadata"]["input_note"]')" "('raw', 'stdin truncated to 1000000 of $(stat -c %s "$T/big.json") bytes')" "capped input"
pass "input above the cap becomes a raw span with a note"

# 6. A writer that never closes stdin: the hook gives up at its read timeout.
python3 - "$HOOK" <<'PY'
import subprocess, sys, time, os
env = dict(os.environ, CLAUDE_TRACE_READ_TIMEOUT_MS="300")
p = subprocess.Popen([sys.argv[1]], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
p.stdin.write(b'{"session_id":"slow","hook_event_name":"Stop"')
p.stdin.flush()
t = time.monotonic()
out = p.stdout.read()
rc = p.wait(timeout=10)
took = time.monotonic() - t
assert rc == 0 and out == b"", (rc, out)
assert took < 3, took
PY
assert_eq "$(field "$T/traces/unknown-session.jsonl" 2 'd["event_type"], d["metadata"]["input_note"]')" "('raw', 'stdin read timed out after 300 ms')" "timeout note"
pass "stdin left open: bounded by the read timeout"

# 7. Flags: --help and --version succeed, unknown arguments are usage errors.
"$HOOK" --help | grep -q "install" || fail "--help"
"$HOOK" --version | grep -q "trace-hook" || fail "--version"
set +e; "$HOOK" --bogus 2>"$T/err"; rc=$?; set -e
assert_eq "$rc" 2 "bad flag exit"; grep -q "^trace-hook: parse arguments failed" "$T/err" || fail "one-line error"
pass "flags"
