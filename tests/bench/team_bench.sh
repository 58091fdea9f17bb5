#!/usr/bin/env bash
# A team's store (README "Teams"): trace-gen writes a Claude home; each
# session's transcripts are read by their own trace-tail with another
# --user/--host (8 users on 4 hosts), into one trace-index. Then times, median of RUNS: the usage
# reports grouped by day (the baseline), by user and by host, and filtered by
# one user (the session -> user/host join over the sessions aggregate), the
# sessions of one user, and one user's newest events (the by_user index).
# Prints each figure and the join's cost over the baseline.
# Usage: TRACE_BIN=build/bin tests/bench/team_bench.sh [RUNS]
# (TEAM_BENCH_LINES, default 300000; TEAM_BENCH_SESSIONS, default 64.)
set -euo pipefail
: "${TRACE_BIN:?TRACE_BIN must point at build/bin}"
runs=${1:-5}
lines=${TEAM_BENCH_LINES:-300000}
sessions=${TEAM_BENCH_SESSIONS:-64}
work=$(mktemp -d "${TMPDIR:-/tmp}/team-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
export CLAUDE_CONFIG_DIR="$work/claude" TZ=UTC

"$TRACE_BIN/trace-gen" --home "$CLAUDE_CONFIG_DIR" --lines "$lines" --sessions "$sessions" \
  --min-bytes 200 --max-bytes 2000 > "$work/gen.json"
echo "team_bench: generated $(jq .lines "$work/gen.json") lines, $(ls "$CLAUDE_CONFIG_DIR"/projects/*/*.jsonl | wc -l) sessions"

t0=$(date +%s%N)
i=0
for f in "$CLAUDE_CONFIG_DIR"/projects/*/*.jsonl; do
  "$TRACE_BIN/trace-tail" --once --stdout --state "" --kind transcript \
    --user "user$((i % 8))" --host "host$((i % 4))" "$f" "${f%.jsonl}/subagents/*.jsonl" 2>> "$work/tail.log"
  i=$((i + 1))
done | "$TRACE_BIN/trace-index" --stdin --db "$work/db" 2> "$work/index.log"
index_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
q=("$TRACE_BIN/trace-query" --db "$work/db")
events=$("${q[@]}" events --limit 1 --json | jq .seq)
users=$("${q[@]}" usage --by user --json | jq '.rows | length')
echo "team_bench: indexed $events events ($users users) in ${index_ms} ms"

# median_ms: tests/bench/bench_lib.sh
source "$(dirname "$0")/bench_lib.sh"

day=$(median_ms "${q[@]}" usage --by day --json)
by_user=$(median_ms "${q[@]}" usage --by user --json)
by_host=$(median_ms "${q[@]}" usage --by host --json)
one_user=$(median_ms "${q[@]}" usage --user user3 --json)
sessions_ms=$(median_ms "${q[@]}" sessions --user user3 --json)
events_ms=$(median_ms "${q[@]}" events --user user3 --limit 100 --json)
events_all=$(median_ms "${q[@]}" events --limit 100 --json)
python3 - "$day" "$by_user" "$by_host" "$one_user" "$sessions_ms" "$events_ms" "$events_all" <<'PY'
import sys
day, by_user, by_host, one_user, sess, ev, ev_all = (float(x) for x in sys.argv[1:])
print(f"team_bench: usage --by day         {day:8.1f} ms (baseline: no join)")
for name, v in (("usage --by user", by_user), ("usage --by host", by_host), ("usage --user user3", one_user)):
    print(f"team_bench: {name:22s} {v:8.1f} ms ({v - day:+.1f} ms for the session join)")
print(f"team_bench: sessions --user user3   {sess:8.1f} ms")
print(f"team_bench: events --user user3     {ev:8.1f} ms (100 newest, by_user; unfiltered {ev_all:.1f} ms)")
PY
