#!/usr/bin/env bash
# trace-tail against hostile trees (issue 13), real binary:
#  - two looping directory symlinks under ** (the default projects/**/*.jsonl
#    shape) and an alias: every line comes out once, --once ends, a live tail
#    exits promptly on SIGTERM (it used to spin at 100% CPU, emit nothing and
#    ignore SIGTERM; one loop emitted every line 41 times);
#  - 1,500 files under `ulimit -n 64`: every file is read, once and again
#    after an append to each (484 of 1,500 were never read: EMFILE forever).
source "$(dirname "$0")/lib.sh"
B=$TRACE_BIN

# --- symlink loops ---------------------------------------------------------
P="$T/home/.claude/projects"
mkdir -p "$P/-home-u-proj"
for i in 1 2 3; do echo "{\"type\":\"user\",\"uuid\":\"u$i\",\"sessionId\":\"s\"}"; done \
  >"$P/-home-u-proj/s.jsonl"
ln -s "$P" "$P/-home-u-proj/up"          # loop through the parent
ln -s "$P/-home-u-proj" "$P/-home-u-proj/self"  # loop onto itself
ln -s "$P/-home-u-proj" "$P/alias"      # the same directory twice
timeout -k 5 20 "$B/trace-tail" --once --stdout "$P/**/*.jsonl" >"$T/once.out" 2>"$T/once.log" ||
  fail "--once over symlink loops exited $?"
assert_eq "$(wc -l <"$T/once.out")" 3 "each line once"

"$B/trace-tail" --stdout --state "" "$P/**/*.jsonl" >"$T/live.out" 2>"$T/live.log" &
lpid=$!; _pids+=("$lpid")
has() { [ "$(wc -l <"$1")" -ge "$2" ]; }
wait_for 10 has "$T/live.out" 3
echo '{"type":"user","uuid":"u4","sessionId":"s"}' >>"$P/-home-u-proj/s.jsonl"
wait_for 10 has "$T/live.out" 4
sleep 1.2  # a full rescan over the loops
assert_eq "$(wc -l <"$T/live.out")" 4 "live: each line once"
t0=$(date +%s%N)
kill -TERM "$lpid"
wait "$lpid" || fail "SIGTERM exit code"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$ms" -lt 2000 ] || fail "SIGTERM took $ms ms"
pass "symlink loops: each directory once, each line once, SIGTERM in $ms ms"

# --- more files than descriptors ------------------------------------------------
python3 - "$T/many" <<'PY'
import os, sys
d = sys.argv[1]
os.makedirs(d)
for i in range(1500):
    with open("%s/%04d.jsonl" % (d, i), "w") as f:
        f.write('{"display":"first %d","timestamp":1}\n' % i)
PY
( ulimit -n 64; exec "$B/trace-tail" --once --stdout --kind history "$T/many/*.jsonl" ) \
  >"$T/many-once.out" 2>"$T/many-once.log" || fail "--once under ulimit -n 64 exited $?"
assert_eq "$(grep -c '"first ' "$T/many-once.out")" 1500 "--once: every file read"
# Whole help first: grep -q stops reading at the match, and under pipefail the
# tail's SIGPIPE on the rest would fail the test.
"$B/trace-tail" --help >"$T/help.txt"
grep -q -- "--max-open-files" "$T/help.txt" || fail "--help names --max-open-files"

( ulimit -n 64; exec "$B/trace-tail" --stdout --state "" --kind history --poll-ms 300 \
    "$T/many/*.jsonl" ) >"$T/many-live.out" 2>"$T/many-live.log" &
mpid=$!; _pids+=("$mpid")
wait_for 30 has "$T/many-live.out" 1500 || fail "live: $(wc -l <"$T/many-live.out") of 1500"
for f in "$T"/many/*.jsonl; do echo '{"display":"second","timestamp":1}' >>"$f"; done
wait_for 30 has "$T/many-live.out" 3000 || fail "live appends: $(wc -l <"$T/many-live.out") of 3000"
kill -TERM "$mpid"; wait "$mpid" || fail "SIGTERM exit code"
assert_eq "$(grep -c '"second"' "$T/many-live.out")" 1500 "every append read once"
pass "1,500 files under ulimit -n 64: every file read, in turn"
