#!/usr/bin/env bash
# Usage reports through the real binaries: transcripts with hand-placed
# timestamps -> trace-tail --once | trace-index --stdin -> trace-query usage
# by day (Berlin's 23-hour and New York's 25-hour DST days), week, month,
# project, block (the same UTC hours in any zone), the same report from
# GET /api/usage, one-line errors for a bad zone, and the status line with
# and without a store. Expected figures are worked out in the comments.
source "$TRACE_SOURCE_DIR/tests/system/lib.sh"
export TRACE_PRICES="$TRACE_SOURCE_DIR/tests/fixtures/prices.json"  # sonnet-4-5: $3 per 1M input
DB="$T/db"
NOW_MS=$(( $(date +%s) * 1000 ))

python3 - "$CLAUDE_CONFIG_DIR/projects" "$HOME" "$NOW_MS" <<'PY'
import json, os, sys, datetime
root, home, now_ms = sys.argv[1], sys.argv[2], int(sys.argv[3])
def iso(ms): return datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
def line(session, cwd, n, ts, tokens):
    return json.dumps({"parentUuid": None, "isSidechain": False, "cwd": cwd, "sessionId": session,
        "version": "2.1.90", "type": "assistant", "uuid": f"u-{session}-{n}", "timestamp": ts,
        "requestId": f"req-{session}-{n}", "message": {"model": "claude-sonnet-4-5-20250929",
        "id": f"msg-{session}-{n}", "type": "message", "role": "assistant",
        "content": [{"type": "text", "text": "ok"}],
        "usage": {"input_tokens": tokens, "output_tokens": 0, "cache_creation_input_tokens": 0,
                  "cache_read_input_tokens": 0}}}, separators=(",", ":"))
sessions = {
  "shop": (f"{home}/src/shop", [("2026-03-28T23:30:00.000Z", 1000), ("2026-03-29T21:45:00.000Z", 2000),
                                ("2026-03-29T22:30:00.000Z", 4000)]),
  "api": ("/srv/api", [("2026-11-01T04:30:00.000Z", 8000), ("2026-11-02T04:30:00.000Z", 16000),
                       ("2026-11-02T05:30:00.000Z", 32000)]),
  "live": ("/srv/live", [(iso(now_ms - 60000), 100000)]),
}
for sid, (cwd, msgs) in sessions.items():
    d = os.path.join(root, cwd.replace("/", "-"))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, sid + ".jsonl"), "w") as f:
        for n, (ts, tokens) in enumerate(msgs):
            f.write(line(sid, cwd, n, ts, tokens) + "\n")
PY
"$TRACE_BIN/trace-tail" --once --stdout 2>"$T/tail.log" | "$TRACE_BIN/trace-index" --stdin --db "$DB" 2>"$T/index.log"

q() { "$TRACE_BIN/trace-query" --db "$DB" usage --json --until 20261130 "$@"; }
rows() { jq -rc '[.rows[] | "\(.[$k]) \(.input_tokens)"] | join(", ")' --arg k "$1"; }

# Berlin: 23:30Z on 03-28 is 00:30 CET on the 29th; 21:45Z on the 29th is 23:45
# CEST (the 29th has 23 hours: 23:00Z..22:00Z); 22:30Z is 00:30 on the 30th.
# November: 04:30Z = 05:30 CET the same day.
assert_eq "$(q --timezone Europe/Berlin | rows day)" \
  "2026-03-29 3000, 2026-03-30 4000, 2026-11-01 8000, 2026-11-02 48000" "Berlin days"
assert_eq "$(q --timezone UTC | rows day)" \
  "2026-03-28 1000, 2026-03-29 6000, 2026-11-01 8000, 2026-11-02 48000" "UTC days"
# New York: 04:30Z on 11-01 is 00:30 EDT; 04:30Z on 11-02 is 23:30 EST on the
# 1st (a 25-hour day: 04:00Z..05:00Z next day); 05:30Z is 00:30 EST on the 2nd.
assert_eq "$(q --timezone America/New_York --since 20261101 | rows day)" \
  "2026-11-01 24000, 2026-11-02 32000" "New York days"
pass "days across both DST changes in their zones"

# Weeks from Monday (29 March and 1 November 2026 are Sundays), from Sunday.
assert_eq "$(q --timezone Europe/Berlin --by week | rows week)" \
  "2026-03-23 3000, 2026-03-30 4000, 2026-10-26 8000, 2026-11-02 48000" "weeks from Monday"
assert_eq "$(q --timezone Europe/Berlin --by week --week-start sunday | rows week)" \
  "2026-03-29 7000, 2026-11-01 56000" "weeks from Sunday"
assert_eq "$(q --timezone Europe/Berlin --by month --order desc | rows month)" \
  "2026-11 56000, 2026-03 7000" "months, newest first"
assert_eq "$(q --by project --project-aliases /srv/api=API | jq -rc '[.rows[] | "\(.project_name) \(.input_tokens)"] | join(", ")')" \
  "~/src/shop 7000, API 56000" "projects by last activity, readable and aliased"
assert_eq "$(q --by session --project shop | jq -rc '[.rows[] | "\(.session_id) \(.project) \(.cost_usd)"] | join(", ")')" \
  "shop ~/src/shop 0.021" "a project's sessions; 7000 * 3 / 1e6 = 0.021"
pass "weeks, months, projects"

# Blocks [floor_hour(first), +5 h) in UTC: 23:00-04:00 {m1}; 21:00-02:00 {m2, m3};
# 04:00-09:00 on 11-01 {m4}; 04:00-09:00 on 11-02 {m5, m6}. Kolkata sees the same.
blocks="2026-03-28T23:00:00.000Z 1000, 2026-03-29T21:00:00.000Z 6000, 2026-11-01T04:00:00.000Z 8000, 2026-11-02T04:00:00.000Z 48000"
assert_eq "$(q --by block --timezone UTC | rows block_start)" "$blocks" "blocks"
assert_eq "$(q --by block --timezone Asia/Kolkata | rows block_start)" "$blocks" "blocks in Kolkata"
"$TRACE_BIN/trace-query" --db "$DB" usage --json --by block --last 1 --token-limit max > "$T/active.json"
assert_eq "$(jq -r '.rows[0] | "\(.active) \(.input_tokens) \(.projection.total_tokens > 600000) \(.token_limit.limit) \(.token_limit.exceeds)"' "$T/active.json")" \
  "true 100000 true 48000 true" "the live block is active, projected past the largest past block"
COLUMNS=80 "$TRACE_BIN/trace-query" --db "$DB" usage --by block --timezone Asia/Kolkata > "$T/blocks.txt"
grep -q "^2026-03-29 04:30" "$T/blocks.txt" || { cat "$T/blocks.txt"; fail "block start in local time"; }
grep -q "^\* active: .* left; burn" "$T/blocks.txt" || { cat "$T/blocks.txt"; fail "active block line"; }
grep -v '^prices: ' "$T/blocks.txt" | awk 'length > 80 { exit 1 }' || { cat "$T/blocks.txt"; fail "table wider than 80 columns"; }
pass "5-hour blocks are zone-independent; the active one has a projection"

set +e
"$TRACE_BIN/trace-query" --db "$DB" usage --timezone Mars/Olympus_Mons 2>"$T/err"; rc=$?
set -e
assert_eq "$rc" 2 "unknown zone exit code"
assert_eq "$(wc -l < "$T/err")" 1 "one line"
grep -q "^trace-query: usage failed: timezone: unknown time zone 'Mars/Olympus_Mons'" "$T/err" || fail "$(cat "$T/err")"
pass "an unknown zone is one line and exit 2"

PORT=$(free_port)
start gateway "$TRACE_BIN/trace-gateway" --db "$DB" --sub "" --listen "127.0.0.1:$PORT" \
  --spool "$T/spool" --log-level warn
wait_for 10 curl -sf "http://127.0.0.1:$PORT/health"
curl -sf "http://127.0.0.1:$PORT/api/usage?by=day&tz=America/New_York&since=20261101&until=20261130" > "$T/rest.json"
assert_eq "$(rows day < "$T/rest.json")" "2026-11-01 24000, 2026-11-02 32000" "REST days in New York"
assert_eq "$(jq -r .timezone "$T/rest.json")" "America/New_York" "REST names the zone"
q --timezone America/New_York --since 20261101 > "$T/cli.json"
assert_eq "$(jq -c 'del(.prices)' "$T/rest.json")" "$(jq -c 'del(.prices)' "$T/cli.json")" "REST = CLI"
code=$(curl -s -o "$T/err.json" -w '%{http_code}' "http://127.0.0.1:$PORT/api/usage?tz=Nowhere/Town")
assert_eq "$code" 400 "REST unknown zone"
assert_eq "$(jq -r .error.code "$T/err.json")" bad_parameter "REST error code"
pass "GET /api/usage answers the same report and 400 for a bad zone"

# Status line: the live message (100000 input = $0.30) is in the active block
# and today (UTC) unless it fell just before midnight.
today=$(python3 -c "import time; n=$NOW_MS/1000; print('0.30' if time.gmtime(n).tm_yday == time.gmtime(n-60).tm_yday else '0.00')")
input='{"session_id":"live","model":{"id":"claude-sonnet-4-5","display_name":"Sonnet 4.5"},"context_window":{"used_percentage":12.5}}'
line=$(echo "$input" | TZ=UTC "$TRACE_BIN/trace-query" --db "$DB" statusline --no-color)
case "$line" in
  "🤖 Sonnet 4.5 | 💰 \$0.30 session / \$$today today / \$0.30 block ("*" left) | 🔥 \$"*"/hr | 🧠 12%") ;;
  *) fail "status line: $line" ;;
esac
line=$(echo "$input" | "$TRACE_BIN/trace-query" --db "$T/no-such-db" statusline --no-color)
assert_eq "$line" "🤖 Sonnet 4.5 | 💰 N/A session / N/A today / N/A block | 🧠 12%" "status line without a store"
line=$(echo "garbage" | "$TRACE_BIN/trace-query" --db "$DB" statusline)
case "$line" in "🤖 Claude | 💰 N/A session / "*) ;; *) fail "status line on bad input: $line" ;; esac
pass "status line from the store, without one, and on bad input"
