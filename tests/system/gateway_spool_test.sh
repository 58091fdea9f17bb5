#!/usr/bin/env bash
# The ingest spool never loses a 201 (issue 13), full pipeline: trace-gateway
# appends to <spool>/ingest.jsonl, trace-tail follows it, trace-index stores.
#  - kill -9 of the gateway while a client posts, restarted each time, with a
#    torn last line (what a kill mid-append leaves) put in the spool in some
#    rounds: every 201'd event reaches the store, each torn line is a raw
#    event of its own (the next gateway used to append its first event onto
#    it, and that event was lost);
#  - the spool file deleted under a running gateway: the next 201s go to a
#    new file at the path, not into the unlinked inode, and reach the store.
source "$(dirname "$0")/lib.sh"
B=$TRACE_BIN
CTL=$(free_port); PUB=$(free_port); IPUB=$(free_port); PORT=$(free_port)
URL="http://127.0.0.1:$PORT"
mkdir -p "$T/spool"
start index "$B/trace-index" --sub "tcp://127.0.0.1:$PUB" --tail-control "tcp://127.0.0.1:$CTL" \
  --pub "tcp://127.0.0.1:$IPUB" --db "$T/db" --batch-ms 5
start tail "$B/trace-tail" --pub "tcp://127.0.0.1:$PUB" --control "tcp://127.0.0.1:$CTL" \
  --state "$T/tail.state" --kind ingest "$T/spool/*.jsonl"
wait_for 10 test -f "$T/db/data.mdb"
run_gateway() {
  start gateway "$B/trace-gateway" --db "$T/db" --sub "" --listen "127.0.0.1:$PORT" \
    --spool "$T/spool" --log-level warn
  wait_for 10 curl -sf "$URL/health"
}
stored_ids() {
  "$B/trace-query" --db "$T/db" events --json --limit 1000000 2>/dev/null |
    python3 -c 'import json,sys; [print(json.loads(l)["span_id"]) for l in sys.stdin]' | sort
}
# all_stored FILE: every id in FILE (one a line) is stored.
all_stored() { [ -z "$(comm -23 <(sort "$1") <(stored_ids))" ]; }

# --- kill -9 while posting ---------------------------------------------------------
run_gateway
python3 - "$URL" "$T/acked" "$T/stop" <<'PY' &
import json, os, sys, urllib.request
url, acked, stop = sys.argv[1:]
pad = "x" * 8000  # big bodies: a kill lands inside a write now and then
n = 0
with open(acked, "w") as out:
    while not os.path.exists(stop):
        ids = ["k-%d-%d" % (n, i) for i in range(8)]
        n += 1
        body = json.dumps([{"span_id": s, "event_type": "Stop", "session_id": "spool",
                            "data": {"pad": pad}} for s in ids]).encode()
        req = urllib.request.Request(url + "/api/events", body, {"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=5) as r:
                if r.status == 201:
                    out.write("\n".join(ids) + "\n")
                    out.flush()
        except Exception:
            pass  # the gateway is down: not acknowledged, not counted
PY
poster=$!; _pids+=("$poster")
for round in $(seq 1 8); do
  sleep "0.$(( RANDOM % 5 + 2 ))"
  kill -KILL "$(pid_of gateway)"; wait "$(pid_of gateway)" 2>/dev/null || true
  if (( round % 2 == 0 )); then  # what a kill in the middle of an append leaves
    printf '{"span_id":"torn-%d","event_type":"Stop","session_id":"spool","data":{"pad":"xx' \
      "$round" >>"$T/spool/ingest.jsonl"
  fi
  run_gateway
done
sleep 0.3
touch "$T/stop"; wait "$poster"
acked=$(wc -l <"$T/acked")
[ "$acked" -gt 100 ] || fail "only $acked events acknowledged"
wait_for 30 all_stored "$T/acked" ||
  fail "$(comm -23 <(sort "$T/acked") <(stored_ids) | wc -l) of $acked acknowledged events not stored"
raw=$("$B/trace-query" --db "$T/db" events --json --limit 1000000 | grep -c '"torn-' || true)
[ "$raw" -ge 4 ] || fail "torn lines: $raw raw events, expected one per torn line"
pass "kill -9 x8 while posting: all $acked acknowledged events stored, torn lines kept apart"

# --- the spool file deleted under a running gateway ------------------------------
post() {  # post ID: echoes the status
  curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
    -d "{\"span_id\":\"$1\",\"event_type\":\"Stop\",\"session_id\":\"spool\"}" "$URL/api/events"
}
: >"$T/rm-acked"
for i in 1 2 3; do assert_eq "$(post "before-rm-$i")" 201 "post"; echo "before-rm-$i" >>"$T/rm-acked"; done
wait_for 20 all_stored "$T/rm-acked" || fail "events before the rm not stored"
rm "$T/spool/ingest.jsonl"
for i in 1 2 3; do assert_eq "$(post "after-rm-$i")" 201 "post"; echo "after-rm-$i" >>"$T/rm-acked"; done
[ -f "$T/spool/ingest.jsonl" ] || fail "no spool file at the path after the rm"
wait_for 20 all_stored "$T/rm-acked" || fail "events acknowledged after the rm not stored"
pass "spool deleted under the gateway: reopened before acknowledging, nothing lost"
