#!/usr/bin/env bash
# Two remote trace-tails on loopback publish over CURVE into one trace-index
# that binds (--listen-events/--listen-control): every line exactly once,
# including after kill -9 and a restart of a tail; unauthorized keys refused;
# bad remote flags and keys give one-line errors.
# The namespace variant is remote_tails_test.sh; the scenario is remote_lib.sh.
source "$TRACE_SOURCE_DIR/tests/system/lib.sh"
source "$TRACE_SOURCE_DIR/tests/system/remote_lib.sh"
# Bad remote flags and keys: one line "trace-xxx: ..." and the documented exit code.
expect_exit() {  # expect_exit CODE PATTERN CMD...
  local want=$1 pattern=$2; shift 2
  local rc=0
  "$@" >"$T/flag.out" 2>"$T/flag.err" || rc=$?
  assert_eq "$rc" "$want" "exit code of: $*"
  assert_eq "$(wc -l <"$T/flag.err")" 1 "one error line of: $*"
  grep -q "$pattern" "$T/flag.err" || fail "error of '$*' lacks '$pattern': $(cat "$T/flag.err")"
}
"$B/trace-index" keygen --out "$T/k" >/dev/null
"$B/trace-index" keygen --out "$T/k" --name laptop >/dev/null
cp "$T/k/laptop.key" "$T/k/open.key"; chmod 644 "$T/k/open.key"
TAILX=("$B/trace-tail" --state "$T/k/s.json" "$T/k/nothing*.jsonl")
expect_exit 3 "exists; not overwritten" "$B/trace-index" keygen --out "$T/k"
expect_exit 2 "exclude each other" "${TAILX[@]}" --pub tcp://127.0.0.1:1 --pub-connect tcp://127.0.0.1:2
expect_exit 2 "exclude each other" "${TAILX[@]}" --control tcp://127.0.0.1:1 --control-connect tcp://127.0.0.1:2
expect_exit 2 "needs --pub-connect" "${TAILX[@]}" --control-connect tcp://127.0.0.1:2
expect_exit 2 "go together" "${TAILX[@]}" --pub-connect tcp://127.0.0.1:2 --curve-key "$T/k/laptop.key"
expect_exit 2 "needs --pub-connect" "${TAILX[@]}" --curve-key "$T/k/laptop.key" --curve-server-key "$T/k/server.pub"
expect_exit 3 "chmod 600" "${TAILX[@]}" --pub-connect tcp://127.0.0.1:2 \
  --curve-key "$T/k/open.key" --curve-server-key "$T/k/server.pub"
expect_exit 3 "curve-server-key" "${TAILX[@]}" --pub-connect tcp://127.0.0.1:2 \
  --curve-key "$T/k/laptop.key" --curve-server-key "not-a-key"
expect_exit 2 "needs --listen-events" "$B/trace-index" --db "$T/k/db" --listen-control tcp://127.0.0.1:2
expect_exit 2 "needs --listen-control" "$B/trace-index" --db "$T/k/db" --listen-events tcp://127.0.0.1:2
expect_exit 2 "curve-keys" "$B/trace-index" --db "$T/k/db" --curve-keys "$T/k"
expect_exit 3 "server.key" "$B/trace-index" --db "$T/k/db" --listen-events tcp://127.0.0.1:2 \
  --listen-control tcp://127.0.0.1:3 --curve-keys "$T/nowhere"
pass "bad remote flags and keys: one-line errors, exit 2 (flags) / 3 (keys)"

remote_scenario 127.0.0.1 "" ""
