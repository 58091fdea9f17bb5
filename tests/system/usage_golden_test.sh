#!/usr/bin/env bash
# Token and cost accounting through the real pipeline:
#   trace-tail --once --stdout | trace-index --stdin ; trace-query usage --json
# over tests/fixtures/claude-home (multi-block messages with growing
# output_tokens, parallel tool calls, a tool error, a sub-agent file, a
# message without requestId, a <synthetic> line, unknown line types, a
# long-context request, an unpriced model). Every expected number below is
# computed by hand from the fixture lines; the arithmetic is in the comments.
source "$TRACE_SOURCE_DIR/tests/system/lib.sh"
export TZ=UTC  # the days below are UTC days (reports default to the local zone)
cp -r "$TRACE_SOURCE_DIR/tests/fixtures/claude-home/." "$CLAUDE_CONFIG_DIR/"
DB="$T/db"

"$TRACE_BIN/trace-tail" --once --stdout > "$T/events.jsonl" 2> "$T/tail.log"
assert_eq "$(wc -l < "$T/events.jsonl")" 30 "events from 18 + 5 + 7 transcript lines"
"$TRACE_BIN/trace-index" --stdin --db "$DB" < "$T/events.jsonl" 2> "$T/index.log"
# Indexing the same events again must change nothing (dedupe by span_id).
"$TRACE_BIN/trace-index" --stdin --db "$DB" < "$T/events.jsonl" 2>> "$T/index.log"

for by in day session model; do
  "$TRACE_BIN/trace-query" --db "$DB" usage --by $by --json > "$T/$by.json"
done
"$TRACE_BIN/trace-query" --db "$DB" usage --by day --since 20260213 --until 2026-02-13 --json > "$T/day13.json"
"$TRACE_BIN/trace-query" --db "$DB" session aaaa1111-2222-4333-8444-555566667777 --json > "$T/sessionA.json"
# The fixture price table plus a price for the model it leaves unpriced.
jq -c '.models += [{"id":"claude-experimental-x","input":10,"output":100,"cache_write":0,"cache_read":0}]' \
  "$TRACE_SOURCE_DIR/tests/fixtures/prices.json" > "$T/prices.json"
TRACE_PRICES="$T/prices.json" "$TRACE_BIN/trace-query" --db "$DB" usage --by model --json > "$T/model-priced.json"
"$TRACE_BIN/trace-query" --db "$DB" usage --by day > "$T/table.txt"

python3 - "$T" <<'PY'
import json, sys
T = sys.argv[1]
load = lambda n: json.load(open(f"{T}/{n}.json"))
def close(a, b): return a is not None and abs(a - b) < 1e-9
def check(row, name, i, o, cc, cr, msgs, cost):
    got = (row["input_tokens"], row["output_tokens"], row["cache_creation_input_tokens"],
           row["cache_read_input_tokens"], row["messages"])
    assert got == (i, o, cc, cr, msgs), f"{name}: tokens {got} != {(i, o, cc, cr, msgs)}"
    assert row["total_tokens"] == i + o + cc + cr, f"{name}: total_tokens"
    if cost is None:
        assert row["cost_usd"] is None, f"{name}: cost should be null, got {row['cost_usd']}"
    else:
        assert close(row["cost_usd"], cost), f"{name}: cost {row['cost_usd']} != {cost}"

# Per message (dedupe: one count per message.id/requestId, max output_tokens):
#  msg_A1 sonnet-4-5, 4 lines, output 5->40->120->250: in 10, out 250, cc 5000, cr 20000
#  msg_A2 sonnet-4-5, no requestId, 2 lines, out 30->80:  in 2,  out 80,  cc 1000, cr 25000
#  msg_SYN <synthetic>: skipped (7 in / 7 out must not appear anywhere)
#  msg_A3 opus-4-6 on 2026-02-13, out 100->400:          in 5,  out 400, cc 2000, cr 30000
#         (cache_creation split: 500 5-minute + 1500 1-hour)
#  msg_S1 haiku-4-5 (sub-agent file), out 20->60:         in 300, out 60, cc 0,    cr 4000
#  msg_S2 haiku-4-5 (sub-agent file):                     in 50, out 90,  cc 1200, cr 4300
#  msg_B1 3-5-haiku:                                      in 1000, out 500
#  msg_B2 claude-experimental-x (no price):               in 100, out 10
#  msg_B3 sonnet-4-5, 150000 in + 60000 read > 200k: long tier, out 400->1000
# Prices (USD per 1M): sonnet-4-5 3/15/3.75/0.30, long 6/22.5/7.5/0.60;
# opus-4-6 5/25/6.25 (1-hour write 10)/0.50; haiku-4-5 1/5/1.25/0.10; 3-5-haiku 0.8/4/1/0.08.
sonnet_std = (12*3 + 330*15 + 6000*3.75 + 45000*0.3) / 1e6     # A1+A2 = 0.040986
sonnet_long = (150000*6 + 1000*22.5 + 60000*0.6) / 1e6         # B3    = 0.9585
opus = (5*5 + 400*25 + 500*6.25 + 1500*10 + 30000*0.5) / 1e6  # A3    = 0.04315
haiku45 = (350*1 + 150*5 + 1200*1.25 + 8300*0.1) / 1e6         # S1+S2 = 0.00343
haiku35 = (1000*0.8 + 500*4) / 1e6                              # B1    = 0.0028
assert close(sonnet_std, 0.040986) and close(sonnet_long, 0.9585) and close(opus, 0.04315)

model = {r["model"]: r for r in load("model")["rows"]}
assert set(model) == {"claude-sonnet-4-5-20250929", "claude-opus-4-6", "claude-haiku-4-5-20251001",
                      "claude-3-5-haiku-20241022", "claude-experimental-x"}, sorted(model)
check(model["claude-sonnet-4-5-20250929"], "sonnet", 12 + 150000, 330 + 1000, 6000, 45000 + 60000, 3,
      sonnet_std + sonnet_long)                                 # 0.999486
check(model["claude-opus-4-6"], "opus", 5, 400, 2000, 30000, 1, opus)
check(model["claude-haiku-4-5-20251001"], "haiku-4-5", 350, 150, 1200, 8300, 2, haiku45)
check(model["claude-3-5-haiku-20241022"], "haiku-3-5", 1000, 500, 0, 0, 1, haiku35)
check(model["claude-experimental-x"], "unknown", 100, 10, 0, 0, 1, None)
tot = load("model")["totals"]
check(tot, "totals", 151467, 2390, 9200, 143300, 8, None)      # unknown model => total cost null
assert close(tot["known_cost_usd"], sonnet_std + sonnet_long + opus + haiku45 + haiku35)  # 1.048866
# Cache writes by lifetime: only msg_A3 has a 1-hour part; the rest is 5-minute.
split = lambda r: (r["cache_creation_5m_input_tokens"], r["cache_creation_1h_input_tokens"])
assert split(tot) == (7700, 1500), split(tot)
assert split(model["claude-opus-4-6"]) == (500, 1500), split(model["claude-opus-4-6"])
assert split(model["claude-sonnet-4-5-20250929"]) == (6000, 0)
assert tot["unknown_models"] == ["claude-experimental-x"]

day = {r["day"]: r for r in load("day")["rows"]}
assert list(day) == ["2026-02-12", "2026-02-13"], list(day)
# 02-12: A1 + A2 + S1 + S2.  02-13: A3 (00:00:05Z) + B1 + B2 + B3.
check(day["2026-02-12"], "day 12", 12 + 350, 330 + 150, 6000 + 1200, 45000 + 8300, 4, sonnet_std + haiku45)
check(day["2026-02-13"], "day 13", 5 + 151100, 400 + 1510, 2000, 30000 + 60000, 4, None)
assert close(day["2026-02-13"]["known_cost_usd"], opus + haiku35 + sonnet_long)  # 1.00445
assert [m["model"] for m in day["2026-02-12"]["models"]] == ["claude-haiku-4-5-20251001", "claude-sonnet-4-5-20250929"]

only13 = load("day13")
assert [r["day"] for r in only13["rows"]] == ["2026-02-13"] and only13["since"] == "2026-02-13"
check(only13["totals"], "since/until", 151105, 1910, 2000, 90000, 4, None)

sess = {r["session_id"]: r for r in load("session")["rows"]}
A, B = "aaaa1111-2222-4333-8444-555566667777", "bbbb2222-3333-4444-8555-666677778888"
# Session A includes its sub-agent's messages (same sessionId).
check(sess[A], "session A", 367, 880, 9200, 83300, 5, sonnet_std + opus + haiku45)  # 0.087566
check(sess[B], "session B", 151100, 1510, 0, 60000, 3, None)
assert close(sess[B]["known_cost_usd"], haiku35 + sonnet_long)                        # 0.9613

summary = load("sessionA")
assert close(summary["cost_usd"]["total"], 0.087566), summary["cost_usd"]
assert split(summary["usage"]) == (7700, 1500), summary["usage"]
assert close(summary["cost_usd"]["by_model"]["claude-opus-4-6"], opus)
# Tool calls: toolu_A1 Bash (is_error), toolu_A2 Read, toolu_A3 Task, toolu_S1 Grep.
assert (summary["tool_calls"], summary["tool_failures"]) == (4, 1), (summary["tool_calls"], summary["tool_failures"])
assert summary["tools"]["Bash"]["failures"] == 1

# An overriding table that prices the experimental model: 100*10 + 10*100 = 2000 / 1e6.
priced = json.load(open(f"{T}/model-priced.json"))
assert close(priced["totals"]["cost_usd"], 1.048866 + 0.002), priced["totals"]
assert priced["prices"].endswith("prices.json'"), priced["prices"]
PY
pass "usage by day, session and model match the hand-computed totals"

grep -q "^TOTAL .*151,467 .*2,390 .*9,200 .*143,300 .*306,357 .*\$1.05+?" "$T/table.txt" || { cat "$T/table.txt"; fail "table TOTAL row"; }
grep -q "claude-experimental-x" "$T/table.txt" || fail "unknown model not listed under the table"
pass "table shows totals and flags the unpriced model"

set +e; "$TRACE_BIN/trace-query" --db "$DB" usage --by fortnight 2>"$T/err"; rc=$?; set -e
assert_eq "$rc" 2 "bad --by"
set +e; TRACE_PRICES=/nonexistent.json "$TRACE_BIN/trace-query" --db "$DB" usage 2>"$T/err"; rc=$?; set -e
assert_eq "$rc" 3 "missing price file"; grep -q "load prices failed" "$T/err" || fail "price error message"
pass "bad --by and a missing price table are clear errors"
