#!/usr/bin/env bash
# --state: a restart after SIGTERM neither re-sends nor skips a line (lines
# appended while it was down, a completed partial line and a new file all
# arrive once); after kill -9 nothing is lost and any line sent twice has
# the same span_id (so the index drops it).
source "$(dirname "$0")/lib.sh"

mkdir -p "$T/in"
"$TRACE_BIN/trace-gen" --home "$T/gen" --lines 1500 --seed 4 >/dev/null
cp "$T"/gen/traces/*.jsonl "$T/in/"
printf '{"display":"half' >>"$T/in/history.jsonl"
total() { cat "$T"/in/*.jsonl | grep -c . ; }
have() { [ "$(cat "$T"/out*.jsonl 2>/dev/null | wc -l)" -ge "$1" ]; }

run() {  # run NAME: a live tail with the shared state file
  "$TRACE_BIN/trace-tail" --stdout --state "$T/state.json" --checkpoint-ms 100 \
    "$T/in/*.jsonl" >"$T/out-$1.jsonl" 2>"$T/tail-$1.log" &
  tail_pid=$!
  _pids+=("$tail_pid")
}

n1=$(( $(total) - 1 ))                  # the partial line is held back
run 1
wait_for 20 have "$n1"
kill -TERM "$tail_pid"; wait "$tail_pid" || fail "SIGTERM exit code"
[ -s "$T/state.json" ] || fail "no state file"

printf ' done","timestamp":1}\n' >>"$T/in/history.jsonl"
for i in $(seq 1 50); do echo "{\"display\":\"down $i\",\"timestamp\":1}" >>"$T/in/history.jsonl"; done
"$TRACE_BIN/trace-gen" --home "$T/gen2" --lines 300 --seed 5 >/dev/null
cat "$T"/gen2/traces/*.jsonl >"$T/in/new.jsonl"
run 2
wait_for 20 have "$(total)"
kill -TERM "$tail_pid"; wait "$tail_pid" || fail "SIGTERM exit code"

check() {  # check ALLOW_DUPLICATES
  python3 - "$T" "$1" <<'PY'
import glob, json, os, sys
T, allow_dups = sys.argv[1], sys.argv[2] == "1"
expected = {}
for f in glob.glob(T + "/in/*.jsonl"):
    off = 0
    for line in open(f, "rb").read().split(b"\n")[:-1]:
        if line.strip():
            expected[(f, off)] = json.loads(line)
        off += len(line) + 1
seen = {}
for out in sorted(glob.glob(T + "/out-*.jsonl")):
    for line in open(out):
        e = json.loads(line)
        key = (e["source"]["path"], e["source"]["offset"])
        if key in seen:
            assert allow_dups, ("sent twice", key, out)
            assert seen[key] == e["span_id"], ("duplicate with another span_id", key)
        seen[key] = e["span_id"]
        assert e["data"] == expected[key], key
missing = set(expected) - set(seen)
assert not missing, ("skipped", sorted(missing)[:3])
print(len(seen), "lines exactly once" if not allow_dups else "lines at least once")
PY
}
check 0
pass "SIGTERM + restart: exactly once"

for i in $(seq 1 2000); do echo "{\"display\":\"burst $i\",\"timestamp\":1}"; done >>"$T/in/history.jsonl"
run 3
sleep 0.3
kill -KILL "$tail_pid"; wait "$tail_pid" 2>/dev/null || true
for i in $(seq 1 20); do echo "{\"display\":\"after kill $i\",\"timestamp\":1}"; done >>"$T/in/history.jsonl"
run 4
wait_for 20 grep -q '"after kill 20"' "$T/out-4.jsonl"
kill -TERM "$tail_pid"; wait "$tail_pid" || fail "SIGTERM exit code"
check 1
pass "kill -9 + restart: nothing lost, duplicates keep their span_id"
