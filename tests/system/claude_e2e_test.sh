#!/usr/bin/env bash
# End to end as a user runs it: a fake Claude home with trace-hook installed
# by `trace-hook install`, the pipeline running (trace-tail -> trace-index ->
# trace-gateway on free ports), and a driver playing a Claude Code session:
# hook commands read from settings.json fed real-shaped payloads (parallel
# tool calls, a failure, a sub-agent), transcript lines appended alongside.
# The session summary over REST must show the right counts, durations, tokens.
source "$TRACE_SOURCE_DIR/tests/system/lib.sh"
B=$TRACE_BIN
SID=e2e-5f1c9a7b-1d2e-4f30-8a41-6b7c8d9e0f12
CTL=$(free_port); PUB=$(free_port); IPUB=$(free_port); HTTP=$(free_port)
export CLAUDE_TRACE_DIR="$CLAUDE_CONFIG_DIR/traces"
unset CLAUDE_TRACE_TASK_ID CLAUDE_TRACE_TASK_PATTERN TRACE_PRICES || true

# A project checked out on a task branch (task id SHOP-77 from .git/HEAD).
mkdir -p "$T/shop/.git"
echo "ref: refs/heads/feature/SHOP-77-e2e" > "$T/shop/.git/HEAD"

"$B/trace-hook" install > "$T/install.out"
grep -q "installed into $CLAUDE_CONFIG_DIR/settings.json" "$T/install.out" || fail "install: $(cat "$T/install.out")"

start tail "$B/trace-tail" --pub "tcp://127.0.0.1:$PUB" --control "tcp://127.0.0.1:$CTL" --state "$T/tail-state.json"
start index "$B/trace-index" --sub "tcp://127.0.0.1:$PUB" --tail-control "tcp://127.0.0.1:$CTL" \
  --pub "tcp://127.0.0.1:$IPUB" --db "$T/db"
wait_for 20 test -f "$T/db/data.mdb"
start gateway "$B/trace-gateway" --db "$T/db" --sub "tcp://127.0.0.1:$IPUB" --listen "127.0.0.1:$HTTP" --log-level warn
wait_for 20 curl -sf "http://127.0.0.1:$HTTP/health"

python3 "$TRACE_SOURCE_DIR/tests/system/claude_driver.py" "$CLAUDE_CONFIG_DIR" "$T/shop" "$SID" > "$T/driver.out"
assert_eq "$(cat "$T/driver.out")" '{"hook_runs": 14}' "hook invocations"
assert_eq "$(wc -l < "$CLAUDE_TRACE_DIR/$SID.jsonl")" 14 "span lines written by the installed hook"
pass "driver ran 14 hook events through the installed command; 14 spans on disk"

# 14 spans + 9 main transcript lines + 3 sub-agent lines.
summary() { curl -sf "http://127.0.0.1:$HTTP/api/sessions/$SID/summary" > "$T/summary.json"; }
settled() { summary && [ "$(jq .events "$T/summary.json")" = 26 ]; }
wait_for 30 settled || fail "summary never reached 26 events: $(cat "$T/summary.json" 2>/dev/null)"

python3 - "$T/summary.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
def eq(got, want, what):
    assert got == want, f"{what}: expected {want!r}, got {got!r}"
# Tool calls are counted once per tool_use_id although each appears in hook
# spans (Pre/Post) and in transcript lines (tool_use/tool_result):
# toolu_E1 Bash (failed), toolu_E2 Read, toolu_E3 Task, toolu_E4 Grep (sub-agent).
eq(s["tool_calls"], 4, "tool calls")
eq(s["tool_failures"], 1, "tool failures")
eq(s["open_tool_calls"], 0, "open tool calls")
eq(sorted(s["tools"]), ["Bash", "Grep", "Read", "Task"], "tools")
eq(s["tools"]["Bash"]["failures"], 1, "Bash failures")
# Durations: the hook payloads' duration_ms (Claude Code >= 2.1.119).
for tool, ms in {"Bash": 4187, "Read": 12, "Task": 5000, "Grep": 30}.items():
    eq(s["tools"][tool]["duration"]["max_ms"], ms, tool + " duration")
eq(s["tool_duration"]["sum_ms"], 4187 + 12 + 5000 + 30, "duration sum")
eq(s["event_types"]["PreToolUse"], 4, "PreToolUse spans")
eq(s["event_types"]["PostToolUseFailure"], 1, "PostToolUseFailure spans")
eq(s["agents"], ["ag-e2e"], "agents")
eq(s["prompts"], 1, "prompts (hook and transcript see the same prompt)")
# Tokens, one count per API message with the largest output_tokens:
#  msg_E1 sonnet: 8 in, 75 out (20->50->75), 3000 write, 12000 read
#  msg_E2 sonnet: 4 in, 60 out, 500 write, 15000 read
#  msg_E4 sonnet: 3 in, 90 out, 0 write, 15500 read
#  msg_E3 haiku (sub-agent file): 100 in, 40 out, 0 write, 2000 read
u = s["usage"]
eq((u["input_tokens"], u["output_tokens"], u["cache_creation_input_tokens"], u["cache_read_input_tokens"]),
   (115, 265, 3500, 44500), "token usage")
eq(u["messages"], 4, "API messages")
eq(s["assistant_turns"], 4, "assistant turns")
# Cost, added by the gateway from common/pricing:
#  sonnet-4-5: (15*3 + 225*15 + 3500*3.75 + 42500*0.30)/1e6 = 0.029295
#  haiku-4-5:  (100*1 + 40*5 + 2000*0.10)/1e6              = 0.0005
assert abs(s["cost_usd"]["total"] - 0.029795) < 1e-9, s.get("cost_usd")
assert abs(s["cost_usd"]["by_model"]["claude-haiku-4-5-20251001"] - 0.0005) < 1e-9, s["cost_usd"]
PY
pass "REST session summary: counts, durations, tokens, cost"

curl -sf "http://127.0.0.1:$HTTP/api/tasks/SHOP-77" > "$T/task.json" || fail "no task SHOP-77"
[ "$(jq '.task.events' "$T/task.json")" -ge 14 ] || fail "task SHOP-77: $(cat "$T/task.json")"
pass "spans carry task_id SHOP-77 from the git branch"

"$B/trace-hook" uninstall > /dev/null
assert_eq "$(cat "$CLAUDE_CONFIG_DIR/settings.json")" "{}" "settings after uninstall"
pass "uninstall leaves the settings as they were"
