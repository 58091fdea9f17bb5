#!/usr/bin/env bash
# trace-index --otlp-export into a real trace-gateway's POST /v1/logs as the
# collector (pipeline A: trace-tail -> trace-index --otlp-export; collector B:
# trace-gateway spooling what it receives as OTel log records). Checked from
# B's spool: every committed event of A arrives, exactly once while nothing
# restarts; a graceful restart resumes with no gap and no duplicate; a kill -9
# repeats at most the batch in flight (OTLP is at-least-once); the collector
# down for a while, then up: the export catches up while indexing went on;
# requests too large for the collector (413) are halved until they fit, an
# event too large alone is skipped and counted, and the export goes on. Both
# protocols: http/protobuf, then http/json.
source "$TRACE_SOURCE_DIR/tests/system/lib.sh"
B=$TRACE_BIN
CTL=$(free_port); PUB=$(free_port); IPUB=$(free_port); HB=$(free_port); NOSUB=$(free_port)
BATCH=50
mkdir -p "$T/in"
POS="$T/dbA/otlp-export.json"
SPOOL="$T/spoolB/ingest.jsonl"

"$B/trace-index" --stdin --db "$T/dbB" </dev/null 2>/dev/null  # the collector's own (empty) store
start_collector() {  # start_collector [EXTRA-FLAGS...]
  start collector "$B/trace-gateway" --db "$T/dbB" --spool "$T/spoolB" --sub "tcp://127.0.0.1:$NOSUB" \
    --listen "127.0.0.1:$HB" --log-level warn "$@"
  wait_for 20 curl -sf "http://127.0.0.1:$HB/health"
}
start_index() {  # start_index PROTOCOL
  start index "$B/trace-index" --sub "tcp://127.0.0.1:$PUB" --tail-control "tcp://127.0.0.1:$CTL" \
    --pub "tcp://127.0.0.1:$IPUB" --db "$T/dbA" --otlp-export "http://127.0.0.1:$HB" \
    --otlp-export-protocol "$1" --otlp-export-batch $BATCH --otlp-export-batch-ms 20 \
    --otlp-export-header "X-Claude-Trace=test"
}
stop() { kill "-${2:-TERM}" "$(pid_of "$1")"; wait "$(pid_of "$1")" 2>/dev/null || true; }

# add FROM TO [PAD]: span lines FROM..TO (PAD: a field of that many bytes).
add() {
  local pad=""
  [ -n "${3:-}" ] && pad=$(head -c "$3" /dev/zero | tr '\0' x)
  for i in $(seq "$1" "$2"); do
    printf '{"span_id":"ex-%d","trace_id":"t1","session_id":"sess-export","event_type":"PreToolUse","tool_name":"Bash","timestamp":%d,"pad":"%s"}\n' \
      "$i" "$((1770912145000 + i))" "$pad"
  done >>"$T/in/spans.jsonl"
}
exported() { jq -r .exported_seq "$POS" 2>/dev/null || echo 0; }
at_least() { [ "$(exported)" -ge "$1" ]; }
# The seqs of A's events in B's spool, one a line, as received (repeats kept).
received() { jq -r 'select(.otel == "log") | .body | fromjson | .seq' "$SPOOL" 2>/dev/null | sort -n; }
count() { received | wc -l; }
unique() { received | uniq | wc -l; }
# expect_all N: B holds seqs 1..N (repeats allowed; none missing, none extra).
expect_all() {
  local want
  want=$(seq 1 "$1")
  [ "$(received | uniq)" == "$want" ] || fail "spool has $(unique) distinct seqs, want 1..$1: missing $(comm -13 <(received | uniq) <(echo "$want") | head -5 | tr '\n' ' ')"
}

start_collector
start tail "$B/trace-tail" --pub "tcp://127.0.0.1:$PUB" --control "tcp://127.0.0.1:$CTL" \
  --state "$T/tail-state.json" "$T/in/*.jsonl"
start_index http/protobuf
add 1 300
wait_for 60 at_least 300
expect_all 300
assert_eq "$(count)" 300 "records received (no repeats)"
rec=$(jq -c -n 'first(inputs | select(.otel == "log"))' "$SPOOL")
assert_eq "$(echo "$rec" | jq -r '.attributes."session.id" + " " + .attributes.tool_name + " " + .resource."service.name" + " " + .event_name')" \
  "sess-export Bash claude-trace PreToolUse" "mapped attributes"
span=$(echo "$rec" | jq -r '.body | fromjson | .span_id')
assert_eq "$(echo "$rec" | jq -r .attributes.span_id)" "$span" "body is the event"
assert_eq "$(echo "$rec" | jq -r '.time_ms')" "$((1770912145000 + ${span#ex-}))" "time from the event"
pass "http/protobuf: 300 committed events in B's spool, each once, attributes mapped"

# A graceful restart resumes after the stored position: nothing twice, nothing lost.
stop index
add 301 400
start_index http/protobuf
wait_for 60 at_least 400
expect_all 400
assert_eq "$(count)" 400 "records after a graceful restart"
pass "SIGTERM + restart: resumed from the stored position, no gap, no repeat"

# kill -9 while exporting: at most the batch in flight is sent again.
add 401 2400
wait_for 60 at_least 401
stop index KILL
start_index http/protobuf
wait_for 120 at_least 2400
expect_all 2400
repeats=$(( $(count) - 2400 ))
[ "$repeats" -le $BATCH ] || fail "kill -9 repeated $repeats records (at most one batch of $BATCH)"
assert_eq "$(jq -r 'select(.otel == "log") | .id' "$SPOOL" | sort -u | wc -l)" 2400 \
  "distinct record ids (a repeat is byte-identical: the collector's index drops it)"
pass "kill -9 + restart: all 2400, $repeats repeated (at-least-once, <= one batch), same ids"

# The collector down: indexing goes on, the export waits, then catches up.
stop collector
add 2401 2600
wait_for 30 grep -q '"otlp export: will retry"' "$T/index.log"
last_seq() { "$B/trace-query" --db "$T/dbA" events --json --limit 1 | jq -r .seq; }
indexed() { [ "$(last_seq)" == 2600 ]; }
wait_for 30 indexed
assert_eq "$(exported)" 2400 "position while the collector is down"
start_collector
wait_for 60 at_least 2600
expect_all 2600
pass "collector down for a while, then up: caught up to 2600 (indexing never waited)"

# A collector with a small --max-body: batches it finds too large (413) are
# halved and go through; the one event larger than the limit on its own is
# skipped and counted, and the export goes on. http/json for the rest.
stop collector
start_collector --max-body 65536
stop index
start_index http/json
add 2601 2601 200000  # one event too big for the collector's --max-body
add 2602 2700          # 50-event batches of these are too big as well
wait_for 60 at_least 2700
spans=$(jq -r 'select(.otel == "log") | .body | fromjson | .span_id' "$SPOOL" | sort -u)
[ "$spans" == "$( (seq 1 2600; seq 2602 2700) | sed 's/^/ex-/' | sort)" ] ||
  fail "want every event but ex-2601 (refused), got $(echo "$spans" | wc -l) distinct"
assert_eq "$(unique)" 2699 "distinct seqs"
grep -q 'batches halved' "$T/index.log" || fail "no log of the halved batches"
stop index
grep -q '"otlp export stopped".*"rejected_batches":1,"rejected_events":1' "$T/index.log" ||
  fail "the refused event is not counted"
pass "413: batches halved until they fit, the one oversized event skipped and counted, as http/json"
