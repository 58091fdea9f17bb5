#!/usr/bin/env bash
# Runs each libFuzzer target of a TRACE_FUZZ build (make fuzz) for a bounded
# time over its seeds, growing a corpus kept in BUILD/fuzz/corpus/<target>.
# An input that crashes, trips a sanitizer or an invariant, runs longer than
# 10 s (a stall) or takes over 2.5 GB fails the run; the input is saved in
# BUILD/fuzz/artifacts/, to be committed to tests/fuzz/regressions/<target>/
# with the fix (make test replays that folder).
# Usage: fuzz.sh BUILD [SECONDS_PER_TARGET]. Exit status: 0 when none failed.
set -uo pipefail
build=${1:?usage: fuzz.sh BUILD [SECONDS]}
seconds=${2:-60}
out=$build/fuzz
mkdir -p "$out/artifacts"
failed=0
shopt -s nullglob
seed_lists=("$out"/*.seeds)
[ ${#seed_lists[@]} -gt 0 ] || { echo "fuzz: no targets in $out (build fuzz_targets first)" >&2; exit 2; }
for list in "${seed_lists[@]}"; do
  target=$(basename "$list" .seeds)
  mkdir -p "$out/corpus/$target"
  mapfile -t seeds < "$list"
  echo "=== fuzz $target: ${seconds}s" >&2
  # The first directory is the one libFuzzer adds new inputs to.
  if "$out/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2560 -max_len=4096 \
       -print_final_stats=1 -artifact_prefix="$out/artifacts/$target-" \
       "$out/corpus/$target" "${seeds[@]}" >"$out/$target.log" 2>&1; then
    grep -E '^(#[0-9]+.*DONE|stat::number_of_executed_units|stat::new_units_added)' "$out/$target.log" >&2
  else
    failed=1
    tail -n 40 "$out/$target.log" >&2
    echo "fuzz: $target failed; inputs in $out/artifacts/$target-*; add the input to" \
         "tests/fuzz/regressions/$target/ with its fix" >&2
  fi
done
exit $failed
