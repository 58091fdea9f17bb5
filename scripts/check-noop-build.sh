#!/usr/bin/env bash
# Proves a second build of an up-to-date tree does nothing: `make build` must
# neither re-run CMake nor compile, and configuring twice more with the same
# arguments must leave nothing to compile, link or generate (a find module
# whose flags change between configures made `make run` after `make test`
# rebuild nearly everything). Usage: scripts/check-noop-build.sh [BUILD]
# (default build; built first if it is not, which takes minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
jobs=$(nproc)
marker=$(mktemp)
trap 'rm -f "$marker"' EXIT

fail() { echo "check-noop-build: $*" >&2; exit 1; }

# What was (re)built since the marker: compiler/linker outputs and the tools.
rebuilt_since_marker() {
  find "$build" -type f -newer "$marker" \( -name '*.o' -o -name '*.a' -o -path "$build/bin/*" \) |
    sed "s|^$build/||" | sort
}

# Lines of a build log that did work (what an up-to-date build never prints).
work_lines() { grep -E '^\[ *[0-9]+%\] (Building|Linking|Generating|Embedding)' || true; }

make --no-print-directory build BUILD="$build" >/dev/null

touch "$marker"
out=$(make --no-print-directory build BUILD="$build" 2>&1)
[ "$build/CMakeCache.txt" -nt "$marker" ] && fail "make build re-ran CMake on a configured tree"
work=$(work_lines <<<"$out")
rebuilt=$(rebuilt_since_marker)
[ -z "$work$rebuilt" ] || fail "make build did work on an up-to-date tree:"$'\n'"$work"$'\n'"$rebuilt"

# Configure twice more with the very arguments make used, as a user running
# cmake by hand (or an IDE) would, then build.
[ -f "$build/configure-args" ] || fail "$build/configure-args missing (the Makefile writes it)"
args=$(cat "$build/configure-args")
for _ in 1 2; do
  eval "cmake -S . -B \"\$build\" $args" >/dev/null
done
touch "$marker"
out=$(cmake --build "$build" -j "$jobs" 2>&1)
work=$(work_lines <<<"$out")
rebuilt=$(rebuilt_since_marker)
if [ -n "$work$rebuilt" ]; then
  fail "configuring again made the next build redo work:"$'\n'"$work"$'\n'"$rebuilt"
fi
echo "check-noop-build: $build: a second make build and two more configures rebuild nothing" >&2
