#!/usr/bin/env bash
# Installs the Debian packages claude-trace needs to build, run, test, check
# (clang-format, clang-tidy: .ci/run) and benchmark, and the npm packages its
# browser, EventSource and OpenTelemetry-SDK tests use.
# Idempotent and quiet when everything is present.
# Usage: install-deps.sh [--bench] [--fuzz]   (benchmarks' peers; clang for make fuzz)
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
want=(
  build-essential cmake git
  libzmq3-dev cppzmq-dev liblmdb-dev lmdb-utils rapidjson-dev libpoco-dev
  libboost-program-options-dev libgtest-dev libgmock-dev googletest libsqlite3-dev
  libprotobuf-dev protobuf-compiler zlib1g-dev libzstd-dev zstd
  supervisor curl jq python3 python3-zmq python3-jsonschema chromium
  clang-format clang-tidy tzdata
)
# Node.js and npm may come from outside Debian (the machine image ships them);
# ask apt for them only when they are missing.
command -v node >/dev/null 2>&1 || want+=(nodejs)
command -v npm >/dev/null 2>&1 || want+=(npm)
for arg in "$@"; do
  case $arg in
    --bench) want+=(wrk hyperfine nginx-light libnginx-mod-nchan sqlite3) ;;
    --fuzz) want+=(clang libclang-rt-14-dev) ;;  # libFuzzer and the sanitizer runtimes
    *) echo "install-deps: unknown option '$arg'" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get update -qq >/dev/null
  $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm packages for the system tests (EventSource client, headless browser driver,
# the OpenTelemetry JS SDK and its OTLP exporters).
if [ ! -f "$here/tests/node_modules/.deps-ok" ] || [ "$here/tests/package.json" -nt "$here/tests/node_modules/.deps-ok" ]; then
  if [ -f "$here/tests/package.json" ]; then
    echo "install-deps: installing npm packages for tests" >&2
    (cd "$here/tests" && npm install --no-audit --no-fund --silent >/dev/null)
    touch "$here/tests/node_modules/.deps-ok"
  fi
fi
