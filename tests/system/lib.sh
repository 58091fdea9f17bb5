# Shared helpers for the bash system tests (source it; not a test itself).
# Every test gets a private temp dir ($T), free loopback ports, and a cleanup
# trap that kills every daemon it started, even when an assertion fails.
set -euo pipefail

: "${TRACE_BIN:?TRACE_BIN must point at build/bin}"
: "${TRACE_SOURCE_DIR:?TRACE_SOURCE_DIR must point at the repo root}"
T=$(mktemp -d "${TMPDIR:-/tmp}/ct-test.XXXXXX")
export HOME="$T/home" XDG_DATA_HOME="$T/data" CLAUDE_CONFIG_DIR="$T/home/.claude"
mkdir -p "$HOME" "$XDG_DATA_HOME" "$CLAUDE_CONFIG_DIR"
_pids=()

cleanup() {
  local rc=$?
  for p in "${_pids[@]:-}"; do [ -n "$p" ] && kill -TERM "$p" 2>/dev/null || true; done
  for p in "${_pids[@]:-}"; do [ -n "$p" ] && wait "$p" 2>/dev/null || true; done
  if [ $rc -ne 0 ]; then
    echo "--- logs of failed test ($T) ---" >&2
    for f in "$T"/*.log; do [ -f "$f" ] && { echo "== $f" >&2; tail -n 40 "$f" >&2; }; done
  fi
  [ $rc -eq 0 ] && rm -rf "$T"
  exit $rc
}
trap cleanup EXIT

# A TCP port free on 127.0.0.1 right now.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# start NAME CMD...: runs CMD in the background, logs to $T/NAME.log, remembers
# its pid in $NAME_pid-like variable printed by `pid_of NAME`.
start() {
  local name=$1; shift
  "$@" >"$T/$name.log" 2>&1 &
  local pid=$!
  _pids+=("$pid")
  eval "PID_${name//-/_}=$pid"
}
pid_of() { local v="PID_${1//-/_}"; echo "${!v}"; }

# wait_for SECONDS CMD...: retries CMD every 50 ms until it succeeds.
wait_for() {
  local deadline=$(( $(date +%s%N) / 1000000 + $1 * 1000 )); shift
  until "$@" >/dev/null 2>&1; do
    if [ $(( $(date +%s%N) / 1000000 )) -gt $deadline ]; then
      echo "timed out waiting for: $*" >&2
      return 1
    fi
    sleep 0.05
  done
}

fail() { echo "FAIL: $*" >&2; exit 1; }
# Events stored in the store at $1. `events` holds blocks of events, so its
# entries are not events; every event has one by_type entry.
stored_events() { mdb_stat -s by_type "$1" 2>/dev/null | awk '/Entries:/{print $2}'; }
assert_eq() { [ "$1" == "$2" ] || fail "${3:-values differ}: expected '$2', got '$1'"; }
pass() { echo "PASS: $*"; }
