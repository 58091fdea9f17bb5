#!/usr/bin/env bash
# Golden aggregates: the REST bodies the real trace-index + trace-gateway serve
# (/api/sessions, /api/sessions/{id}/summary, /api/tasks/{id}, /api/tools) for a
# fixed input, compared byte for byte with proto/golden/aggregates/*.json, the
# files the web UI's model test reads. GOLDEN_UPDATE=1 rewrites them instead.
source "$TRACE_SOURCE_DIR/tests/system/lib.sh"
export LC_ALL=C  # glob and sort order
GOLDEN="$TRACE_SOURCE_DIR/proto/golden/aggregates"

# --- the fixed input ---------------------------------------------------------
# 1. trace-tail's golden events (proto/golden/*.out.jsonl): hook, span,
#    transcript, history, ingest and raw shapes, with tasks and tool calls.
cat "$TRACE_SOURCE_DIR"/proto/golden/*.out.jsonl > "$T/events.jsonl"

# 2. The usage fixture (tests/fixtures/claude-home: priced, long-context and
#    unpriced models, a failed tool call, a sub-agent) through the real
#    trace-tail. What depends on the run is fixed: file order (by path and
#    offset) and the temp path. Lines without a timestamp take their
#    neighbours' (timestamp_source), never the clock, so they need no fixing;
#    nor do user and host: the machine's are left out (--user/--host '').
cp -r "$TRACE_SOURCE_DIR/tests/fixtures/claude-home/." "$CLAUDE_CONFIG_DIR/"
"$TRACE_BIN/trace-tail" --once --stdout --state "" --user "" --host "" \
  > "$T/fixture.raw.jsonl" 2> "$T/tail.log"
python3 - "$T/fixture.raw.jsonl" "$CLAUDE_CONFIG_DIR" >> "$T/events.jsonl" <<'PY'
import json, sys
path, home = sys.argv[1], sys.argv[2]
events = [json.loads(line) for line in open(path, encoding="utf-8")]
events.sort(key=lambda e: (e["source"]["path"], e["source"]["offset"]))
for e in events:
    e["source"]["path"] = e["source"]["path"].replace(home, "/home/dev/.claude", 1)
    print(json.dumps(e, ensure_ascii=False, separators=(",", ":")))
PY
assert_eq "$(wc -l < "$T/fixture.raw.jsonl")" 30 "fixture events from 18 + 5 + 7 transcript lines"

"$TRACE_BIN/trace-index" --stdin --db "$T/db" < "$T/events.jsonl" 2> "$T/index.log"

# A fixed price table (tests/fixtures/prices.json), so a price update in
# deploy/prices.json does not change the golden files; it leaves
# claude-experimental-x unpriced on purpose.
PORT=$(free_port)
B="http://127.0.0.1:$PORT"
start gateway "$TRACE_BIN/trace-gateway" --db "$T/db" --sub "" --listen "127.0.0.1:$PORT" \
  --spool "$T/spool" --prices "$TRACE_SOURCE_DIR/tests/fixtures/prices.json" --log-level warn
wait_for 10 curl -sf "$B/health"

# --- the responses -----------------------------------------------------------
OUT="$T/aggregates"
mkdir -p "$OUT"
# fetch PATH NAME: the body of GET PATH, pretty-printed (key order and number
# spelling kept: Python's json round-trips doubles exactly, jq 1.6 does not).
fetch() {
  curl -sf "$B$1" | python3 -m json.tool --indent 1 --no-ensure-ascii > "$OUT/$2.json" ||
    fail "GET $1"
}
fetch "/api/sessions" sessions
fetch "/api/tools" tools
# Ids become file names and URL paths as they are: the input's are plain.
plain_ids() { grep -E '^[A-Za-z0-9._-]+$' || true; }
for id in $(jq -r '.sessions[].session_id' "$OUT/sessions.json" | plain_ids); do
  fetch "/api/sessions/$id/summary" "session.$id"
done
for id in $(jq -r 'select(.task_id != null) | .task_id' "$T/events.jsonl" | sort -u | plain_ids); do
  fetch "/api/tasks/$id" "task.$id"
done
assert_eq "$(ls "$OUT" | wc -l)" 15 "sessions, tools, 11 session summaries, 2 tasks"

# --- compare (or update) -------------------------------------------------------
if [ "${GOLDEN_UPDATE:-}" = 1 ]; then
  mkdir -p "$GOLDEN"
  rm -f "$GOLDEN"/*.json
  cp "$OUT"/*.json "$GOLDEN/"
  pass "golden aggregates rewritten in $GOLDEN (review the diff)"
  exit 0
fi
diff -ru "$GOLDEN" "$OUT" > "$T/golden.diff" || {
  cat "$T/golden.diff" >&2
  fail "REST aggregates differ from proto/golden/aggregates (GOLDEN_UPDATE=1 after a deliberate change)"
}
pass "REST aggregates equal proto/golden/aggregates ($(ls "$OUT" | wc -l) files)"
