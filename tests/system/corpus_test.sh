#!/usr/bin/env bash
# The real-shaped corpus (tests/fixtures/corpus, sources and the arithmetic in
# tests/fixtures/README.md "corpus/"): three sessions of Claude Code 1.0.17,
# 2.1.39 and 2.1.97 with a sub-agent and its meta file, a compaction run, a
# /btw side-question file that replays its parent's lines, lines without a
# timestamp, 1-hour cache writes and a model the price table does not know.
# Through the real binaries (trace-tail | trace-index, trace-query, the
# gateway's REST routes), every figure asserted here was computed by hand.
source "$TRACE_SOURCE_DIR/tests/system/lib.sh"
export TZ=UTC
cp -r "$TRACE_SOURCE_DIR/tests/fixtures/corpus/." "$CLAUDE_CONFIG_DIR/"
DB="$T/db"
A=a1000000-0000-4000-8000-00000000000a
B=b2000000-0000-4000-8000-00000000000b
C=c3000000-0000-4000-8000-00000000000c

"$TRACE_BIN/trace-tail" --once --stdout > "$T/events.jsonl" 2> "$T/tail.log"
# 9 (A) + 16 (B) + 4 (B's Explore agent) + 3 (B's compaction) + 7 (C) + 6 (C's side question)
assert_eq "$(wc -l < "$T/events.jsonl")" 45 "one event per line"
"$TRACE_BIN/trace-index" --stdin --db "$DB" < "$T/events.jsonl" 2> "$T/index.log"
# A second read of the same files stores nothing more.
"$TRACE_BIN/trace-tail" --once --stdout 2>> "$T/tail.log" |
  "$TRACE_BIN/trace-index" --stdin --db "$DB" 2>> "$T/index.log"
"$TRACE_BIN/trace-index" --db "$DB" --verify > "$T/verify.txt" 2>> "$T/index.log" ||
  { cat "$T/verify.txt"; fail "verify"; }

"$TRACE_BIN/trace-query" --db "$DB" sessions --json > "$T/sessions.jsonl"
for by in day session model; do
  "$TRACE_BIN/trace-query" --db "$DB" usage --by $by --json > "$T/usage-$by.json"
done

PORT=$(free_port)
BASE="http://127.0.0.1:$PORT"
start gateway "$TRACE_BIN/trace-gateway" --db "$DB" --sub "" --listen "127.0.0.1:$PORT" \
  --spool "$T/spool" --log-level warn
wait_for 10 curl -sf "$BASE/health"
curl -sf "$BASE/api/sessions" > "$T/rest-sessions.json"
for s in $A $B $C; do curl -sf "$BASE/api/sessions/$s/summary" > "$T/rest-$s.json"; done
curl -sf "$BASE/api/traces/c3-u1" > "$T/rest-trace.json"
curl -sf "$BASE/api/traces?session_id=$C&limit=100" > "$T/rest-traces-C.json"

python3 - "$T" "$A" "$B" "$C" <<'PY'
import json, sys
T, A, B, C = sys.argv[1:]
load = lambda n: json.load(open(f"{T}/{n}"))
ms = lambda iso: __import__("datetime").datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000
# Costs leave the tools rounded to a millionth of a dollar.
def close(a, b, what):
    assert a is not None and abs(a - b) < 1e-6, f"{what}: {a} != {b}"
def expect(got, want, what):
    assert got == want, f"{what}: {got!r} != {want!r}"

# --- per message, by hand (README "corpus/"): (input, output, 5m write, 1h write, read) ---
# Prices per 1M: sonnet-4 3/15/3.75/6/0.30, opus-4-6 5/25/6.25/10/0.50, haiku-4-5 1/5/1.25/2/0.10.
cost = lambda p, i, o, c5, c1, r: (i * p[0] + o * p[1] + c5 * p[2] + c1 * p[3] + r * p[4]) / 1e6
SONNET4, OPUS, HAIKU = (3, 15, 3.75, 6, 0.3), (5, 25, 6.25, 10, 0.5), (1, 5, 1.25, 2, 0.1)
# A: msg_01A1 (4, 150, 1000, 0, 0) + msg_01A2 (6, 80, 0, 0, 1200) + msg_01A3 (10, 300, 500, 0, 1200)
A_cost = cost(SONNET4, 20, 530, 1500, 0, 2400)                    # 0.014355
# B main: msg_01B1 (3, 60, 10005, 5000, 11442), msg_01B2 (5, 400, 0, 200, 26447),
#         msg_01B3 (8, 250, 1000, 0, 20000); compaction msg_01C1 (10, 1500, 0, 0, 40000);
#   Explore (haiku): msg_01S1 (12, 40, 3000, 0, 0), msg_01S2 (20, 200, 0, 0, 3000)
B_opus = cost(OPUS, 26, 2210, 11005, 5200, 97889)                  # 0.22510575
B_haiku = cost(HAIKU, 32, 240, 3000, 0, 3000)                      # 0.005282
# C: msg_01C1 (3, 80, 0, 4673, 11367) and msg_01C2 (1, 4564, 8255, 0, 38035) on 04-10;
#    side question msg_01Q1 (2, 120, 300, 0, 50000) and msg_01C3 claude-haiku-5-5 (50, 100) on 04-11
#    (the side-question file's replays of msg_01C1/msg_01C2 count nothing again)
C_10 = cost(OPUS, 4, 4644, 8255, 4673, 49402)                      # 0.23914475
C_11 = cost(OPUS, 2, 120, 300, 0, 50000)                           # 0.029885
assert abs(A_cost - 0.014355) < 1e-12; close(A_cost, 0.014355, "A by hand"); close(B_opus + B_haiku, 0.23038775, "B by hand")
close(C_10, 0.23914475, "C 04-10 by hand"); close(C_11, 0.029885, "C 04-11 by hand")

def tokens(r):
    return (r["input_tokens"], r["output_tokens"], r["cache_creation_5m_input_tokens"],
            r["cache_creation_1h_input_tokens"], r["cache_read_input_tokens"], r["messages"])

day = {r["day"]: r for r in load("usage-day.json")["rows"]}
expect(list(day), ["2025-06-10", "2026-02-12", "2026-04-10", "2026-04-11"], "days")
expect(tokens(day["2025-06-10"]), (20, 530, 1500, 0, 2400, 3), "day 2025-06-10")
expect(tokens(day["2026-02-12"]), (58, 2450, 14005, 5200, 100889, 6), "day 2026-02-12")
expect(tokens(day["2026-04-10"]), (4, 4644, 8255, 4673, 49402, 2), "day 2026-04-10")
expect(tokens(day["2026-04-11"]), (52, 220, 300, 0, 50000, 2), "day 2026-04-11")
close(day["2025-06-10"]["cost_usd"], A_cost, "cost 2025-06-10")
close(day["2026-02-12"]["cost_usd"], B_opus + B_haiku, "cost 2026-02-12")
close(day["2026-04-10"]["cost_usd"], C_10, "cost 2026-04-10")
expect(day["2026-04-11"]["cost_usd"], None, "04-11 has an unpriced model")
close(day["2026-04-11"]["known_cost_usd"], C_11, "known cost 2026-04-11")
tot = load("usage-day.json")["totals"]
expect(tokens(tot), (134, 7844, 24060, 9873, 202691, 13), "totals")
close(tot["known_cost_usd"], 0.5137725, "known total")            # A + B + C_10 + C_11
expect(tot["unknown_models"], ["claude-haiku-5-5"], "unknown models")
expect(round(tot["known_cost_usd"], 2), 0.51, "to the cent")

sess = {r["session_id"]: r for r in load("usage-session.json")["rows"]}
close(sess[A]["cost_usd"], A_cost, "usage A"); close(sess[B]["cost_usd"], B_opus + B_haiku, "usage B")
close(sess[C]["known_cost_usd"], C_10 + C_11, "usage C")         # 0.26902975
model = {r["model"]: r for r in load("usage-model.json")["rows"]}
# opus: B's 4 messages (26, 2210, 11005, 5200, 97889) + C's 3 (6, 4764, 8555, 4673, 99402)
expect(tokens(model["claude-opus-4-6"]), (32, 6974, 19560, 9873, 197291, 7), "opus")
expect(tokens(model["claude-haiku-5-5"]), (50, 100, 0, 0, 0, 1), "unknown model")
expect(model["claude-haiku-5-5"]["cost_usd"], None, "unknown model unpriced")

# --- sessions: prompts, first/last activity, model, agents ---
rows = {s["session_id"]: s for s in map(json.loads, open(f"{T}/sessions.jsonl"))}
# A: "refactor the handlers", "now add tests" (not the interruption, not the tool result)
# B: /model (typed), "Work on bead shop-12.", !git status (typed), "continue with the tests"
#    (not the caveat, the command output, the shell output, the compact summary, nor the
#    task the parent gave its Explore agent or the compaction request)
# C: "why is the build slow?", "try it with the new model" (not the side-question replay)
expect({k: rows[k]["prompts"] for k in (A, B, C)}, {A: 2, B: 4, C: 2}, "prompts")
expect((rows[A]["first_ts"], rows[A]["last_ts"]), (ms("2025-06-10T09:00:00.000Z"), ms("2025-06-10T09:01:20.000Z")), "A times")
expect((rows[B]["first_ts"], rows[B]["last_ts"]), (ms("2026-02-12T16:00:00.000Z"), ms("2026-02-12T16:06:30.000Z")), "B times")
expect((rows[C]["first_ts"], rows[C]["last_ts"]), (ms("2026-04-10T23:58:00.000Z"), ms("2026-04-11T00:01:10.000Z")), "C times")
expect(list(rows), [C, B, A], "most recent activity first")
# B: 3 main-thread opus messages; the Explore agent's 2 haiku ones and the
# compaction's opus one do not decide. C: 2 opus vs 1 claude-haiku-5-5 on the main thread.
expect({k: rows[k]["model"] for k in (A, B, C)},
       {A: "claude-sonnet-4-20250514", B: "claude-opus-4-6", C: "claude-opus-4-6"}, "models")
expect(rows[B]["main_models"], {"claude-opus-4-6": 3}, "B main models")
expect(rows[B]["agent_models"], {"claude-haiku-4-5-20251001": 2, "claude-opus-4-6": 1}, "B agent models")
expect(rows[B]["agent_list"], [
    {"agent_id": "a2898e3", "kind": "subagent", "agent_type": "Explore", "description": "Find the checkout code"},
    {"agent_id": "acompact-e1f845", "kind": "compaction", "agent_type": None, "description": None}], "B agents")
expect([a["kind"] for a in rows[C]["agent_list"]], ["side_question"], "C agents")
# Every line is stored: C's 7 + its side question's 6 (4 replays with the parent's uuids).
expect({k: rows[k]["events"] for k in (A, B, C)}, {A: 9, B: 23, C: 13}, "events")
expect({k: rows[k]["tool_calls"] for k in (A, B, C)}, {A: 1, B: 2, C: 1}, "tool calls once per tool_use_id")
expect({k: rows[k]["assistant_turns"] for k in (A, B, C)}, {A: 3, B: 6, C: 4}, "API messages")

# --- lines without a timestamp: neighbours' times, flagged ---
ev = [json.loads(l) for l in open(f"{T}/events.jsonl")]
borrowed = {(e["source"]["path"].split("/")[-1], e["event_type"], e["source"]["offset"] == 0):
            (e["timestamp"], e["timestamp_source"]) for e in ev if "timestamp_source" in e}
expect(len([e for e in ev if "timestamp_source" in e]), 4, "lines without a timestamp")
expect(borrowed[(f"{A}.jsonl", "summary", True)], (ms("2025-06-10T09:00:00.000Z"), "next"), "A summary")
expect(borrowed[(f"{B}.jsonl", "file-history-snapshot", True)], (ms("2026-02-12T16:00:00.000Z"), "next"), "B snapshot 1")
expect(borrowed[(f"{B}.jsonl", "file-history-snapshot", False)], (ms("2026-02-12T16:05:00.100Z"), "previous"), "B snapshot 2")
expect(borrowed[(f"{C}.jsonl", "file-history-snapshot", False)], (ms("2026-04-10T23:58:07.000Z"), "previous"), "C snapshot")
explore = [e for e in ev if e.get("agent_id") == "a2898e3"]
expect({(e["agent_kind"], e["agent_type"], e["agent_description"]) for e in explore},
       {("subagent", "Explore", "Find the checkout code")}, "Explore agent's events")

# --- REST: the same figures from the gateway ---
rest = {s["session_id"]: s for s in load("rest-sessions.json")["sessions"]}
expect({k: (rest[k]["prompts"], rest[k]["model"], rest[k]["last_ts"]) for k in (A, B, C)},
       {k: (rows[k]["prompts"], rows[k]["model"], rows[k]["last_ts"]) for k in (A, B, C)}, "REST sessions")
close(load(f"rest-{A}.json")["cost_usd"]["total"], A_cost, "REST A cost")
close(load(f"rest-{B}.json")["cost_usd"]["total"], B_opus + B_haiku, "REST B cost")
sc = load(f"rest-{C}.json")
expect(sc["cost_usd"]["total"], None, "REST C: unpriced model")
close(sc["cost_usd"]["by_model"]["claude-opus-4-6"], C_10 + C_11, "REST C opus")
expect(sc["cost_usd"]["unknown_models"], ["claude-haiku-5-5"], "REST C unknown")
traces_c = load("rest-traces-C.json")
expect(traces_c["total"], 13, "REST traces of C")
copies = sorted(t["seq"] for t in traces_c["traces"] if t["span_id"] == "c3-u1")
expect(len(copies), 2, "c3-u1 in the session file and in the side question's")
expect(load("rest-trace.json")["seq"], copies[0], "a replayed uuid names its first stored line")
PY
pass "corpus: tokens, costs, prompts, times, models and agents as computed by hand"
