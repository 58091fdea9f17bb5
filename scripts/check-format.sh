#!/usr/bin/env bash
# Fails, listing them, when a C++ file (*.h, *.cc under common/ tools/ tests/)
# is not as clang-format would write it with the checked-in .clang-format.
# Usage: scripts/check-format.sh [-v]   (-v: print each file's diagnostics)
# CLANG_FORMAT picks the binary (default clang-format, scripts/install-deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

verbose=0
[ "${1:-}" = "-v" ] && verbose=1
clang_format=${CLANG_FORMAT:-clang-format}
if ! command -v "$clang_format" >/dev/null 2>&1; then
  echo "check-format: $clang_format not found (scripts/install-deps.sh installs it)" >&2
  exit 2
fi

mapfile -t files < <(find common tools tests -name node_modules -prune -o \
                       -type f \( -name '*.h' -o -name '*.cc' \) -print | sort)
bad=()
warnings=0
for f in "${files[@]}"; do
  if ! out=$("$clang_format" --style=file --dry-run -Werror "$f" 2>&1); then
    bad+=("$f")
    warnings=$((warnings + $(grep -c 'error:' <<<"$out" || true)))
    [ "$verbose" -eq 1 ] && printf '%s\n' "$out"
  fi
done

if [ ${#bad[@]} -gt 0 ]; then
  printf '%s\n' "${bad[@]}"
  echo "check-format: ${#bad[@]} of ${#files[@]} files are not clang-formatted" \
       "($warnings places; fix with: clang-format -i FILE...)" >&2
  exit 1
fi
echo "check-format: ${#files[@]} files clang-formatted" >&2
