#!/usr/bin/env bash
# trace-tail -> trace-index over ZeroMQ with the real binaries on free ports:
# a late joiner (index started after the tail published everything) misses
# nothing (start-up REWIND); live lines are stored once and republished with
# consecutive seqs after the commit; aggregates equal --verify; SIGTERM exits 0.
source "$TRACE_SOURCE_DIR/tests/system/lib.sh"
B=$TRACE_BIN
CTL=$(free_port); PUB=$(free_port); IPUB=$(free_port)
count() { mdb_stat -s "$1" "$T/db" 2>/dev/null | awk '/Entries:/{print $2}'; }
has_events() { [ "$(stored_events "$T/db")" = "$1" ]; }
W="python3 $TRACE_SOURCE_DIR/tests/system/index_writer.py"

$W "$T/in" 5000 4 0 a >/dev/null
start tail "$B/trace-tail" --pub "tcp://127.0.0.1:$PUB" --control "tcp://127.0.0.1:$CTL" \
  --state "$T/tail-state.json" --kind span "$T/in/*.jsonl"
wait_for 20 grep -q '"started"' "$T/tail.log"
sleep 1  # the tail publishes its 5000 lines to nobody
start index "$B/trace-index" --sub "tcp://127.0.0.1:$PUB" --tail-control "tcp://127.0.0.1:$CTL" \
  --pub "tcp://127.0.0.1:$IPUB" --db "$T/db"
wait_for 30 has_events 5000 || fail "late joiner stored $(stored_events "$T/db") of 5000"

/usr/bin/python3 "$TRACE_SOURCE_DIR/tests/system/index_sub.py" "tcp://127.0.0.1:$IPUB" 2000 60 >"$T/sub.out" &
SUB=$!; _pids+=("$SUB")
wait_for 10 grep -q ready "$T/sub.out"
sleep 0.3  # let the SUB connection finish before the first republish
$W "$T/in" 2000 4 2000 b >/dev/null
wait_for 30 has_events 7000 || fail "live lines: stored $(stored_events "$T/db") of 7000"
wait "$SUB" || true
seqs=$(grep -v ready "$T/sub.out")
assert_eq "$(echo "$seqs" | wc -l)" 2000 "republished events"
assert_eq "$(echo "$seqs" | head -1)" 5001 "first republished seq"
assert_eq "$(echo "$seqs" | tail -1)" 7000 "last republished seq"
echo "$seqs" | awk 'NR>1 && $1!=prev+1{exit 1} {prev=$1}' || fail "republished seqs not consecutive"

kill -TERM "$(pid_of index)"; wait "$(pid_of index)" || fail "trace-index exit code on SIGTERM"
assert_eq "$(count ids)" 7000 "span ids"
"$B/trace-index" --verify --db "$T/db" >"$T/verify.out" || { cat "$T/verify.out"; fail "verify"; }
pass "zmq: late joiner complete, 2000 live events republished in order, verify clean"
