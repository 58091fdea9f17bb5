#!/usr/bin/env bash
# `trace-hook install/uninstall` on real files: byte-exact results against
# tests/fixtures/settings, idempotence, backup, --dry-run writes nothing,
# invalid JSON refused and untouched, a symlinked settings file stays a link.
source "$TRACE_SOURCE_DIR/tests/system/lib.sh"
HOOK="$TRACE_BIN/trace-hook"
FIX="$TRACE_SOURCE_DIR/tests/fixtures/settings"
CMD=/opt/claude-trace/bin/trace-hook
S="$T/settings.json"

cp "$FIX/existing.json" "$S"
# --dry-run: a unified diff on stdout, the file unchanged, no backup.
"$HOOK" install --settings "$S" --events PreToolUse,PostToolUse,Stop --command $CMD --dry-run > "$T/diff"
cmp -s "$S" "$FIX/existing.json" || fail "--dry-run changed the file"
[ ! -e "$S.trace-hook.bak" ] || fail "--dry-run wrote a backup"
head -2 "$T/diff" | grep -q "^+++ " || fail "dry-run output is not a unified diff"
assert_eq "$(grep -c '^+.*"command": "/opt/claude-trace/bin/trace-hook"' "$T/diff")" 3 "added handlers in diff"
pass "--dry-run prints a diff and writes nothing"

"$HOOK" install --settings "$S" --events PreToolUse,PostToolUse,Stop --command $CMD > /dev/null
cmp "$S" "$FIX/existing.installed.json" || fail "install result differs from fixture"
cmp "$S.trace-hook.bak" "$FIX/existing.json" || fail "backup is not the original"
"$HOOK" install --settings "$S" --events PreToolUse,PostToolUse,Stop --command $CMD | grep -q "no change" || fail "second install changed something"
cmp "$S" "$FIX/existing.installed.json" || fail "second install altered the file"
pass "install matches the fixture byte for byte; twice = no change; backup kept"

"$HOOK" uninstall --settings "$S" --command $CMD > /dev/null
cmp "$S" "$FIX/existing.json" || fail "uninstall did not restore the original"
pass "uninstall restores the original bytes"

cp "$FIX/compact.json" "$S"
"$HOOK" install --settings "$S" --events PostToolUse,SessionStart --command $CMD > /dev/null
cmp "$S" "$FIX/compact.installed.json" || fail "compact install"
"$HOOK" uninstall --settings "$S" --command $CMD > /dev/null
cmp "$S" "$FIX/compact.uninstalled.json" || fail "compact uninstall"
pass "older install at another path updated in place, then removed"

cp "$FIX/invalid.json" "$S"; rm -f "$S.trace-hook.bak"
set +e; "$HOOK" install --settings "$S" 2> "$T/err" >/dev/null; rc=$?; set -e
assert_eq "$rc" 3 "exit code on invalid JSON"
assert_eq "$(wc -l < "$T/err")" 1 "one-line error"
grep -q "invalid JSON.*file left untouched" "$T/err" || fail "message: $(cat "$T/err")"
cmp "$S" "$FIX/invalid.json" || fail "invalid file was modified"
[ ! -e "$S.trace-hook.bak" ] || fail "backup written for a refused file"
pass "invalid JSON refused, file untouched"

# Default location ($CLAUDE_CONFIG_DIR/settings.json), all events, default
# command = this binary; the file did not exist before.
"$HOOK" install > /dev/null
python3 - "$CLAUDE_CONFIG_DIR/settings.json" "$HOOK" <<'PY'
import json, sys, os
s = json.load(open(sys.argv[1]))
events = s["hooks"]
assert len(events) == 31, len(events)
cmds = {g["hooks"][0]["command"] for groups in events.values() for g in groups}
assert cmds == {os.path.realpath(sys.argv[2])}, cmds
PY
"$HOOK" uninstall > /dev/null
assert_eq "$(cat "$CLAUDE_CONFIG_DIR/settings.json")" "{}" "after uninstall"
pass "default settings file: 31 events installed with this binary's path, then removed"

# Dotfile managers keep settings.json as a symlink: the link must survive.
mkdir -p "$T/dotfiles"; cp "$FIX/existing.json" "$T/dotfiles/settings.json"
ln -s "$T/dotfiles/settings.json" "$T/link.json"
"$HOOK" install --settings "$T/link.json" --events PreToolUse,PostToolUse,Stop --command $CMD > /dev/null
[ -L "$T/link.json" ] || fail "symlink replaced by a file"
cmp "$T/dotfiles/settings.json" "$FIX/existing.installed.json" || fail "link target not updated"
pass "symlinked settings file edited through the link"

set +e; "$HOOK" install --settings "$S" --events 'Pre Tool' 2>/dev/null; rc=$?; set -e
assert_eq "$rc" 2 "bad --events"
pass "bad --events is a usage error"
