#!/usr/bin/env bash
# Runs clang-tidy (the checks in the top-level .clang-tidy) with the compile
# commands CMake exported for BUILD, and fails when it finds anything.
# Usage: scripts/check-tidy.sh [BUILD] [FILE...]   (default: build, tools/*/main.cc)
# BUILD is configured first if needed (make configure). Runs JOBS (default
# nproc) files at once; CLANG_TIDY picks the binary.
set -euo pipefail
cd "$(dirname "$0")/.."

build=${1:-build}
shift || true
files=("$@")
[ ${#files[@]} -gt 0 ] || files=(tools/*/main.cc)
clang_tidy=${CLANG_TIDY:-clang-tidy}
jobs=${JOBS:-$(nproc)}
if ! command -v "$clang_tidy" >/dev/null 2>&1; then
  echo "check-tidy: $clang_tidy not found (scripts/install-deps.sh installs it)" >&2
  exit 2
fi
[ -f "$build/compile_commands.json" ] || make --no-print-directory configure BUILD="$build"

out_dir=$(mktemp -d)
trap 'rm -rf "$out_dir"' EXIT
# .clang-tidy makes every finding an error, so clang-tidy exits non-zero on a
# finding as on a file it cannot compile.
for i in "${!files[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
  {
    rc=0
    "$clang_tidy" -p "$build" --quiet "${files[$i]}" >"$out_dir/$i.out" 2>&1 || rc=$?
    echo "$rc" >"$out_dir/$i.rc"
  } &
done
wait

bad=()
findings=0
for i in "${!files[@]}"; do
  out=$(grep -vE '^[0-9]+ (warning|error)s? (generated|treated as errors?)\.?$' "$out_dir/$i.out" || true)
  if [ "$(cat "$out_dir/$i.rc")" -ne 0 ] || [ -n "$out" ]; then
    printf '%s\n' "$out"
    bad+=("${files[$i]}")
    findings=$((findings + $(grep -cE '^[^ ]+:[0-9]+:[0-9]+: (warning|error):' <<<"$out" || true)))
  fi
done

if [ ${#bad[@]} -gt 0 ]; then
  echo "check-tidy: $findings findings in ${#bad[@]} of ${#files[@]} files: ${bad[*]}" >&2
  exit 1
fi
echo "check-tidy: ${#files[@]} files clean" >&2
