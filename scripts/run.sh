#!/usr/bin/env bash
# Runs the claude-trace pipeline under supervisord in the foreground:
#   scripts/run.sh BUILD           # make run:  tail + index + gateway
#   scripts/run.sh BUILD --demo    # make demo: plus trace-gen writing live sessions
#                                  #            into a demo Claude home
#   scripts/run.sh BUILD --stop    # make stop: stop a running pipeline cleanly
# Ctrl-C stops everything cleanly too. Settings (environment, with defaults):
#   CT_DATA_DIR   ${XDG_DATA_HOME:-~/.local/share}/claude-trace (db, spool, logs)
#   CT_HTTP_HOST  127.0.0.1      CT_HTTP_PORT 8080
#   CT_TAIL_PUB_PORT 5556  CT_TAIL_CONTROL_PORT 5555  CT_INDEX_PUB_PORT 5557
#   CT_DEMO_RATE  20 (lines/s written by --demo)
#   TRACE_TOKEN   if set, the gateway requires it (Bearer / ?access_token=)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
mode=${2:-}
case "$build" in /*) ;; *) build="$root/$build" ;; esac

export CT_BIN="$build/bin"
export CT_DATA_DIR="${CT_DATA_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/claude-trace}"
export CT_HTTP_HOST="${CT_HTTP_HOST:-127.0.0.1}" CT_HTTP_PORT="${CT_HTTP_PORT:-8080}"
export CT_TAIL_PUB_PORT="${CT_TAIL_PUB_PORT:-5556}" CT_TAIL_CONTROL_PORT="${CT_TAIL_CONTROL_PORT:-5555}"
export CT_INDEX_PUB_PORT="${CT_INDEX_PUB_PORT:-5557}"
export CT_EXTRA_CONF="$root/deploy/none.conf"
export CT_DEMO_RATE="${CT_DEMO_RATE:-20}" CT_DEMO_SEED="${CT_DEMO_SEED:-$RANDOM}"
conf="$root/deploy/supervisord.conf"
sock="$CT_DATA_DIR/supervisor.sock"

running() { [ -S "$sock" ] && supervisorctl -c "$conf" pid >/dev/null 2>&1; }

if [ "$mode" = "--stop" ]; then
  if running; then
    supervisorctl -c "$conf" shutdown >/dev/null
    echo "claude-trace: stopping (logs in $CT_DATA_DIR/logs)"
  else
    echo "claude-trace: not running (no supervisord at $sock)"
  fi
  exit 0
fi

for b in trace-tail trace-index trace-gateway; do
  [ -x "$CT_BIN/$b" ] || { echo "claude-trace: $CT_BIN/$b missing: run 'make build' first" >&2; exit 1; }
done
command -v supervisord >/dev/null || { echo "claude-trace: supervisord missing: run scripts/install-deps.sh" >&2; exit 1; }
if running; then
  echo "claude-trace: already running (make stop to stop it); UI at http://$CT_HTTP_HOST:$CT_HTTP_PORT/"
  exit 0
fi
mkdir -p "$CT_DATA_DIR/logs"

if [ "$mode" = "--demo" ]; then
  export CLAUDE_CONFIG_DIR="$CT_DATA_DIR/demo-claude"
  export CLAUDE_TRACE_DIR="$CLAUDE_CONFIG_DIR/traces"
  mkdir -p "$CLAUDE_TRACE_DIR"
  export CT_EXTRA_CONF="$root/deploy/supervisord.demo.conf"
fi

url="http://$CT_HTTP_HOST:$CT_HTTP_PORT/"
# Announce the URL once the gateway answers (supervisord keeps the foreground).
(
  for _ in $(seq 300); do
    if curl -s -o /dev/null "${url}health" 2>/dev/null; then
      echo
      echo "claude-trace is running: $url"
      echo "  logs:  $CT_DATA_DIR/logs/   stop: Ctrl-C here, or 'make stop' elsewhere"
      if [ "$mode" = "--demo" ]; then
        echo "  demo:  trace-gen writes ~$CT_DEMO_RATE lines/s into $CLAUDE_CONFIG_DIR"
      else
        echo "  hook:  $CT_BIN/trace-hook install   (wires Claude Code's hooks into ~/.claude/settings.json)"
      fi
      exit 0
    fi
    sleep 0.2
  done
  echo "claude-trace: the gateway did not answer on $url; see $CT_DATA_DIR/logs/" >&2
) &
echo "claude-trace: starting trace-tail, trace-index, trace-gateway under supervisord (data in $CT_DATA_DIR)"
# exec: SIGTERM/SIGINT sent to this script reach supervisord itself, which
# stops the three tools cleanly (a shell waiting on it would not forward
# them). The announcer above ends on its own.
exec supervisord -c "$conf"
