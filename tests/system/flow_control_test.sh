#!/usr/bin/env bash
# Flow control and progress (issue #15) through the real pipeline: a backfill
# of a generated Claude home through trace-tail -> ZeroMQ -> trace-index with a
# PUB high-water mark far below the backlog (--hwm 1000: without credit the PUB
# drops and catch-up rewinds). Every line is stored exactly once, resends are
# <= 1% (the index's "duplicates"), the tail was held back by credit, both
# tools log progress and "caught up", and /health and `trace-query status`
# show the backlog while it lasts, then caught up.
source "$TRACE_SOURCE_DIR/tests/system/lib.sh"
B=$TRACE_BIN
CTL=$(free_port); PUB=$(free_port); IPUB=$(free_port); HTTP=$(free_port)
LINES=${FLOW_TEST_LINES:-60000}
count() { mdb_stat -s "$1" "$T/db" 2>/dev/null | awk '/Entries:/{print $2}'; }
has_events() { [ "$(stored_events "$T/db")" = "$1" ]; }

"$B/trace-gen" --home "$CLAUDE_CONFIG_DIR" --lines "$LINES" --seed 11 --max-bytes 3000 >/dev/null
N=$(find "$CLAUDE_CONFIG_DIR" -name '*.jsonl' -exec cat {} + | grep -c '[^[:space:]]')
[ "$N" -ge "$LINES" ] || fail "generated $N lines, wanted $LINES"

start index "$B/trace-index" --sub "tcp://127.0.0.1:$PUB" --tail-control "tcp://127.0.0.1:$CTL" \
  --pub "tcp://127.0.0.1:$IPUB" --db "$T/db"
wait_for 20 test -f "$T/db/progress.json"
start gateway "$B/trace-gateway" --db "$T/db" --sub "tcp://127.0.0.1:$IPUB" \
  --listen "127.0.0.1:$HTTP" --spool "$T/spool"
wait_for 20 curl -sf "http://127.0.0.1:$HTTP/health"
# What a user would look at during the backfill, sampled every 0.2 s.
( while :; do
    curl -s "http://127.0.0.1:$HTTP/health" >>"$T/health.jsonl" && echo >>"$T/health.jsonl"
    "$B/trace-query" --db "$T/db" status >>"$T/status.txt" 2>/dev/null || true
    sleep 0.2
  done ) &
_pids+=("$!")
start tail "$B/trace-tail" --pub "tcp://127.0.0.1:$PUB" --control "tcp://127.0.0.1:$CTL" \
  --state "$T/tail-state.json" --hwm 1000
wait_for 300 has_events "$N" || fail "stored $(stored_events "$T/db") of $N lines"
caught_up() {
  curl -s "http://127.0.0.1:$HTTP/health" | python3 -c '
import json, sys
i = json.load(sys.stdin)["indexing"]
sys.exit(0 if i and i["caught_up"] and i["bytes_left"] == 0 and i["tails"] == 1 else 1)'
}
wait_for 20 caught_up || fail "/health never showed the index caught up"
curl -s "http://127.0.0.1:$HTTP/metrics" >"$T/metrics.txt"
grep -q '^trace_index_backlog_bytes 0$' "$T/metrics.txt" || fail "metrics: $(grep trace_index "$T/metrics.txt")"
grep -q '^trace_index_events_per_second ' "$T/metrics.txt" || fail "no events/s metric"

# Both sample their backlog once a second: each says "caught up" within it.
wait_for 10 grep -q '"caught up"' "$T/tail.log" || fail "trace-tail never logged caught up"
wait_for 10 grep -q '"caught up"' "$T/index.log" || fail "trace-index never logged caught up"
kill -TERM "$(pid_of tail)"; wait "$(pid_of tail)" || fail "trace-tail exit code on SIGTERM"
kill -TERM "$(pid_of index)"; wait "$(pid_of index)" || fail "trace-index exit code on SIGTERM"
assert_eq "$(count ids)" "$N" "span ids"

python3 - "$T" "$N" <<'PY' || fail "flow control / progress assertions"
import json, sys
t, n = sys.argv[1], int(sys.argv[2])
def log(name):
    out = []
    for line in open(f"{t}/{name}.log"):
        try: out.append(json.loads(line))
        except ValueError: pass
    return out
index, tail = log("index"), log("tail")
stopped = [e for e in index if e.get("msg") == "stopped"][-1]
resent = stopped["duplicates"]
print(f"lines {n}, received {stopped['received']}, stored {stopped['stored']}, resent {resent} "
      f"({100.0 * resent / n:.2f}%)")
assert stopped["stored"] == n, stopped
assert resent * 100 <= n, f"resent {resent} of {n} (> 1%)"
tail_stopped = [e for e in tail if e.get("msg") == "stopped"][-1]
print(f"tail: published {tail_stopped['pub_seq']}, held back by credit {tail_stopped['credit_stalls']} times")
assert tail_stopped["credit_stalls"] > 0, "the tail never waited for credit: flow control did not engage"
for name, entries in (("tail", tail), ("index", index)):
    progress = [e for e in entries if e.get("msg") == "progress"]
    assert progress, f"{name}: no progress line"
    p = progress[0]
    for key in ("files", "bytes_done", "bytes_left", "events", "events_per_s", "eta_s", "percent"):
        assert key in p, f"{name}: progress line without {key}: {p}"
    assert any(e.get("msg") == "caught up" for e in entries), f"{name}: no 'caught up' line"
health = [json.loads(l) for l in open(f"{t}/health.jsonl") if l.strip()]
behind = [h["indexing"] for h in health if h.get("indexing") and not h["indexing"]["caught_up"]]
assert behind, "/health never showed a backlog"
b = behind[0]
assert b["bytes_left"] > 0 and b["bytes_total"] >= b["bytes_left"] and 0 <= b["percent"] < 100, b
banners = [h["indexing_banner"] for h in health if h.get("indexing") and not h["indexing"]["caught_up"]]
assert banners[0].startswith("indexing: ") and " left" in banners[0], banners[0]
print("health during the backfill:", banners[0])
status = open(f"{t}/status.txt").read()
assert "% \u00b7 " in status and " left" in status, "trace-query status never showed the backlog"
PY
"$B/trace-query" --db "$T/db" status | grep -q "caught up" || fail "trace-query status: $("$B/trace-query" --db "$T/db" status)"
"$B/trace-index" --verify --db "$T/db" >"$T/verify.out" || { cat "$T/verify.out"; fail "verify"; }
pass "flow control: $N lines stored once through a 1000-message PUB HWM, resends <= 1%, progress shown"
