# Shell helpers shared by the benchmarks (sourced, not run; scripts/bench.sh
# runs only *_bench.sh).

# median_ms CMD...: the median wall time in ms of $runs runs of CMD.
median_ms() {
  local ts=()
  for _ in $(seq "$runs"); do
    local s=$(date +%s%N)
    "$@" > /dev/null 2>&1 || true
    ts+=($(( ($(date +%s%N) - s) / 1000 )))
  done
  printf '%s\n' "${ts[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.1f", a[int((NR+1)/2)]/1000}'
}
