#!/usr/bin/env bash
# Two remote trace-tails on loopback publish over CURVE into one trace-index
# that binds (--listen-events/--listen-control): every line exactly once,
# including after kill -9 and a restart of a tail; unauthorized keys refused.
# The namespace variant is remote_tails_test.sh; the scenario is remote_lib.sh.
source "$TRACE_SOURCE_DIR/tests/system/lib.sh"
source "$TRACE_SOURCE_DIR/tests/system/remote_lib.sh"
remote_scenario 127.0.0.1 "" ""
