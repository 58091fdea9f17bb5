#!/usr/bin/env bash
# Usage reports and the status line on a large generated Claude home, beside
# ccusage on the same files (issue #16). trace-gen writes USAGE_BENCH_LINES
# (default 1,000,000) compact Claude-Code-shaped lines; the pipeline indexes
# them once (timed: the one-time cost); then each report runs RUNS times
# (median) from the index, and ccusage (npm, installed here into
# $BENCH_OUT/ccusage, run --offline) answers the same question from the
# files. The status line is timed with spawn_bench beside `cat` (the
# process-start floor); target <= 10 ms. Reports the ratios.
# Usage: TRACE_BIN=build/bin tests/bench/usage_bench.sh [RUNS]
set -euo pipefail
: "${TRACE_BIN:?TRACE_BIN must point at build/bin}"
runs=${1:-5}
lines=${USAGE_BENCH_LINES:-1000000}
out=${BENCH_OUT:-/tmp}
work=$(mktemp -d "${TMPDIR:-/tmp}/usage-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
export CLAUDE_CONFIG_DIR="$work/claude" TZ=UTC

t0=$(date +%s%N)
"$TRACE_BIN/trace-gen" --home "$CLAUDE_CONFIG_DIR" --lines "$lines" --sessions 40 \
  --min-bytes 200 --max-bytes 2000 > "$work/gen.json"
gen_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
bytes=$(du -sb "$CLAUDE_CONFIG_DIR" | cut -f1)
echo "usage_bench: generated $(jq .lines "$work/gen.json") lines, $((bytes / 1000000)) MB in ${gen_ms} ms"

t0=$(date +%s%N)
"$TRACE_BIN/trace-tail" --once --stdout --state "" 2>"$work/tail.log" |
  "$TRACE_BIN/trace-index" --stdin --db "$work/db" 2>"$work/index.log"
index_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "usage_bench: indexed from scratch in ${index_ms} ms (one-time; store $(( $(du -sb "$work/db" | cut -f1) / 1000000 )) MB)"

# median_ms: tests/bench/bench_lib.sh
source "$(dirname "$0")/bench_lib.sh"

# ccusage, installed once into $BENCH_OUT (npm's own cache does the rest).
# ccusage 20 is a native binary in a per-platform optional package; when the
# newest release lacks this platform's package, pin the newest version that has one.
cc_dir="$out/ccusage"
cc="$cc_dir/node_modules/.bin/ccusage"
cc_install() { (cd "$cc_dir" && npm install --silent --no-audit --no-fund "ccusage@$1" > /dev/null 2>&1) || true; }
if ! "$cc" --version > /dev/null 2>&1; then
  mkdir -p "$cc_dir"
  cc_install latest
  if ! "$cc" --version > /dev/null 2>&1; then
    platform=$(node -p 'process.platform + "-" + process.arch')
    pin=$(npm view "@ccusage/ccusage-$platform" versions --json 2>/dev/null | jq -r '.[-1]' || true)
    [ -n "$pin" ] && [ "$pin" != null ] && cc_install "$pin" && echo "usage_bench: ccusage@latest has no $platform binary; pinned $pin"
  fi
fi
cc_version=$("$cc" --version 2>/dev/null | tail -1) || cc_version=""
[ -n "$cc_version" ] || { echo "usage_bench: ccusage not available; reporting our figures only"; cc=/nonexistent; }
[ -x "$cc" ] && echo "usage_bench: ccusage $cc_version (run --offline on the same files)"

q="$TRACE_BIN/trace-query"
declare -A ours theirs
for by in day session block; do
  ours[$by]=$(median_ms "$q" --db "$work/db" usage --by $by --json)
done
cc_runs=${CCUSAGE_RUNS:-1}
if [ -x "$cc" ]; then
  saved=$runs; runs=$cc_runs
  theirs[day]=$(median_ms "$cc" daily --offline --json)
  theirs[session]=$(median_ms "$cc" session --offline --json)
  theirs[block]=$(median_ms "$cc" blocks --offline --json)
  runs=$saved
fi

# The status line: spawn_bench (posix_spawn, stdin from a file) beside cat.
transcript=$(ls "$CLAUDE_CONFIG_DIR"/projects/*/*.jsonl | head -1)
sid=$(basename "$transcript" .jsonl)
printf '{"session_id":"%s","transcript_path":"%s","cwd":"/home/dev/project-0","workspace":{"current_dir":"/home/dev/project-0","project_dir":"/home/dev/project-0"},"version":"2.1.90","model":{"id":"claude-sonnet-4-5","display_name":"Sonnet 4.5"},"cost":{"total_cost_usd":1.25},"context_window":{"total_input_tokens":84000,"total_output_tokens":9000,"used_percentage":42,"context_window_size":200000,"current_usage":{"input_tokens":80000,"cache_read_input_tokens":4000}}}' "$sid" "$transcript" > "$work/status.json"
spawn="$TRACE_BIN/spawn_bench"
floor=$("$spawn" 200 "$work/status.json" "$(command -v cat)" | jq .mean_ms)
status=$("$spawn" 200 "$work/status.json" "$q" --db "$work/db" statusline --no-color)
status_ms=$(jq .mean_ms <<< "$status")
status_p95=$(jq .p95_ms <<< "$status")
if [ -x "$cc" ]; then
  saved=$runs; runs=3
  "$cc" statusline --offline < "$work/status.json" > "$work/cc-status.txt" 2>&1 || true
  echo "usage_bench: ccusage statusline says: $(head -c 200 "$work/cc-status.txt")"
  echo "usage_bench: ours says:               $("$q" --db "$work/db" statusline --no-color < "$work/status.json")"
  theirs[statusline]=$(median_ms sh -c "'$cc' statusline --offline < '$work/status.json'")
  runs=$saved
fi

python3 - "$floor" "$status_ms" "$status_p95" "${ours[day]}" "${ours[session]}" "${ours[block]}" \
  "${theirs[day]:-}" "${theirs[session]:-}" "${theirs[block]:-}" "${theirs[statusline]:-}" <<'PY'
import sys
floor, st, st95, d, s, b, cd, cs, cb, cst = (x for x in sys.argv[1:])
def ratio(ours, theirs):
    return f"ccusage {float(theirs):9.1f} ms  = {float(theirs) / float(ours):7.1f}x faster" if theirs else "ccusage n/a"
for name, o, t in (("usage --by day", d, cd), ("usage --by session", s, cs), ("usage --by block", b, cb)):
    print(f"usage_bench: {name:20s} {float(o):8.1f} ms  {ratio(o, t)}")
print(f"usage_bench: {'statusline':20s} {float(st):8.2f} ms mean (p95 {float(st95):.2f}; cat floor {float(floor):.2f} ms)  {ratio(st, cst)}")
print(f"usage_bench: status line target <= 10 ms: {'MET' if float(st) <= 10 else 'NOT MET'}")
worst = min((float(t) / float(o) for o, t in ((d, cd), (s, cs), (b, cb)) if t), default=None)
if worst is not None:
    print(f"usage_bench: reports >= 100x faster than ccusage: {'MET' if worst >= 100 else 'NOT MET'} (slowest ratio {worst:.1f}x)")
PY
