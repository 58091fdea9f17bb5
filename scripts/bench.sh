#!/usr/bin/env bash
# Runs every benchmark (tests/bench/*_bench.sh) against the binaries in BUILD
# and prints their figures; each prints its own baseline and ratio.
# Usage: scripts/bench.sh [BUILD] [NAME...]   e.g. scripts/bench.sh build tail index
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-build}" && pwd); shift || true
export TRACE_BIN="$build/bin" TRACE_SOURCE_DIR="$here" BENCH_OUT="$build/bench"
mkdir -p "$BENCH_OUT"
rc=0
for b in "$here"/tests/bench/*_bench.sh; do
  name=$(basename "$b" _bench.sh)
  if [ $# -gt 0 ] && [[ ! " $* " == *" $name "* ]]; then continue; fi
  echo "=== bench: $name ==="
  if ! bash "$b"; then echo "bench $name FAILED" >&2; rc=1; fi
done
exit $rc
