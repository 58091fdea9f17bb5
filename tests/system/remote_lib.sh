# The remote-tails scenario (proto/wire.md "Remote tails"), shared by
# remote_tails_test.sh (two tails in network namespaces) and
# remote_tails_loopback_test.sh (two tails on loopback). Source lib.sh first.
# remote_scenario INDEX_IP RUN_A RUN_B: RUN_A/RUN_B prefix each tail's
# command ("" or "ip netns exec NS"); the index binds INDEX_IP in this namespace.
B=$TRACE_BIN
W="python3 $TRACE_SOURCE_DIR/tests/system/index_writer.py"
count() { mdb_stat -s "$1" "$T/db" 2>/dev/null | awk '/Entries:/{print $2}'; }
has_events() { [ "$(stored_events "$T/db")" = "$1" ]; }
grep_n() { grep -c "$1" "$2" 2>/dev/null || true; }

# start_tail NAME RUN: a remote tail of $T/NAME/in/*.jsonl with key NAME.key.
start_tail() {
  local name=$1 run=$2
  start "tail-$name" $run "$B/trace-tail" --pub-connect "tcp://$IP:$PE" \
    --control-connect "tcp://$IP:$PC" --curve-server-key "$T/keys/server.pub" \
    --curve-key "$T/$name/$name.key" --state "$T/$name/state.json" --kind span \
    --host "host-$name" "$T/$name/in/*.jsonl"
}

# Each tail's events come from its own files and carry its host.
assert_sources() {
  local name=$1 rows
  rows=$("$B/trace-query" --db "$T/db" events --session-id "$name-session-0" --json --limit 1000)
  [ -n "$rows" ] || fail "no events of tail $name"
  echo "$rows" | python3 -c '
import json, sys
name, base = sys.argv[1], sys.argv[2]
for line in sys.stdin:
    e = json.loads(line)
    assert e["source"]["path"].startswith(base + "/" + name + "/in/"), e["source"]
    assert e.get("host") == "host-" + name, e.get("host")
' "$name" "$T" || fail "events of tail $name carry another source or host"
}

remote_scenario() {
  IP=$1; local run_a=$2 run_b=$3
  PE=$(free_port); PC=$(free_port); IPUB=$(free_port)
  "$B/trace-index" keygen --out "$T/keys" >/dev/null
  for n in a b c; do "$B/trace-index" keygen --out "$T/$n" --name "$n" >/dev/null; done
  cp "$T/a/a.pub" "$T/b/b.pub" "$T/keys/authorized/"  # c is not authorized
  $W "$T/a/in" 3000 3 0 a >/dev/null
  $W "$T/b/in" 2000 2 0 b >/dev/null
  $W "$T/c/in" 500 1 0 c >/dev/null

  start index "$B/trace-index" --listen-events "tcp://$IP:$PE" --listen-control "tcp://$IP:$PC" \
    --curve-keys "$T/keys" --pub "tcp://127.0.0.1:$IPUB" --db "$T/db" --no-durable
  wait_for 20 grep -q '"started"' "$T/index.log"
  start_tail a "$run_a"
  start_tail b "$run_b"
  wait_for 60 has_events 5000 || fail "two remote tails: stored $(stored_events "$T/db") of 5000"
  assert_eq "$(grep_n 'remote tail announced' "$T/index.log")" 2 "tails announced"
  pass "two remote tails over CURVE: 5000 lines stored once"

  # A key the index does not know: refused and logged, nothing indexed.
  start_tail c "$run_a"
  wait_for 20 grep -q 'curve client refused' "$T/index.log" || fail "unauthorized key not refused"
  wait_for 20 grep -q 'curve handshake refused' "$T/tail-c.log" || fail "tail c not told"
  # A tail without CURVE at all gets no further.
  start plain $run_b "$B/trace-tail" --pub-connect "tcp://$IP:$PE" --control-connect "tcp://$IP:$PC" \
    --state "$T/c/plain-state.json" --kind span "$T/c/in/*.jsonl"
  sleep 2
  assert_eq "$(stored_events "$T/db")" 5000 "events after unauthorized tails"

  # kill -9 of tail a while it is publishing, new lines meanwhile, a restart:
  # the index catches up over the connection the restarted tail opens.
  $W "$T/a/in" 3000 2 1500 a2 >/dev/null &
  local writer=$!
  sleep 1
  kill -9 "$(pid_of tail-a)"
  wait "$(pid_of tail-a)" 2>/dev/null || true
  $W "$T/b/in" 1000 2 0 b2 >/dev/null
  sleep 1
  start_tail a "$run_a"
  wait "$writer"
  wait_for 60 has_events 9000 || fail "after kill -9 and restart: stored $(stored_events "$T/db") of 9000"
  sleep 2  # late duplicates would land now
  assert_eq "$(stored_events "$T/db")" 9000 "events (each line once)"
  assert_eq "$(count ids)" 9000 "span ids"
  grep -q '"rewind"' "$T/tail-a.log" || fail "restarted tail a was not rewound"

  # kill -9 of the index; lines written while it is down; a restart on the
  # same endpoints: both tails reconnect, re-announce and are caught up.
  kill -9 "$(pid_of index)"
  wait "$(pid_of index)" 2>/dev/null || true
  $W "$T/a/in" 500 1 0 a3 >/dev/null
  $W "$T/b/in" 500 1 0 b3 >/dev/null
  start index "$B/trace-index" --listen-events "tcp://$IP:$PE" --listen-control "tcp://$IP:$PC" \
    --curve-keys "$T/keys" --pub "tcp://127.0.0.1:$IPUB" --db "$T/db" --no-durable
  wait_for 60 has_events 10000 || fail "after kill -9 of the index: stored $(stored_events "$T/db") of 10000"
  sleep 2
  assert_eq "$(stored_events "$T/db")" 10000 "events after the index restart (each line once)"
  assert_eq "$(count ids)" 10000 "span ids after the index restart"
  assert_sources a
  assert_sources b
  kill -TERM "$(pid_of index)"; wait "$(pid_of index)" || fail "trace-index exit code on SIGTERM"
  "$B/trace-index" --verify --db "$T/db" >"$T/verify.out" || { cat "$T/verify.out"; fail "verify"; }
  pass "kill -9 of a remote tail mid-stream and of the index, restarts: 10000 lines once"
}
