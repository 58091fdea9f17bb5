#!/usr/bin/env bash
# `trace-hook install/uninstall` on real files: byte-exact results against
# tests/fixtures/settings, idempotence, backup, --dry-run writes nothing,
# invalid JSON refused and untouched, a symlinked settings file stays a link;
# --http [--token-env]: http hooks where Claude Code takes them, commands elsewhere.
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

# --http: http hooks where Claude Code takes them, the command hook for
# SessionStart and Setup; with --token-env the bearer header and allowedEnvVars.
cp "$FIX/existing.json" "$S"; rm -f "$S.trace-hook.bak"
URL=http://127.0.0.1:8080/api/hooks
"$HOOK" install --settings "$S" --events PreToolUse,SessionStart,Setup --command $CMD --http $URL --token-env TRACE_TOKEN --dry-run > "$T/diff"
cmp -s "$S" "$FIX/existing.json" || fail "--http --dry-run changed the file"
assert_eq "$(grep -c '^+.*"url": "http://127.0.0.1:8080/api/hooks"' "$T/diff")" 1 "http handlers in diff"
"$HOOK" install --settings "$S" --events PreToolUse,SessionStart,Setup --command $CMD --http $URL --token-env TRACE_TOKEN > /dev/null
cmp "$S" "$FIX/existing.http.json" || fail "--http install differs from fixture"
cmp "$S.trace-hook.bak" "$FIX/existing.json" || fail "--http backup is not the original"
"$HOOK" install --settings "$S" --events PreToolUse,SessionStart,Setup --command $CMD --http $URL --token-env TRACE_TOKEN | grep -q "no change" || fail "second --http install changed something"
"$HOOK" uninstall --settings "$S" --command $CMD > /dev/null
cmp "$S" "$FIX/existing.json" || fail "uninstall did not remove the http hooks"
pass "install --http: fixture byte for byte, twice = no change, backup, uninstall removes both kinds"

"$HOOK" install --http $URL --token-env TRACE_TOKEN > /dev/null
python3 - "$CLAUDE_CONFIG_DIR/settings.json" "$HOOK" <<'PY'
import json, sys, os
events = json.load(open(sys.argv[1]))["hooks"]
assert len(events) == 31, len(events)
for name, groups in events.items():
    assert len(groups) == 1 and len(groups[0]["hooks"]) == 1, (name, groups)
    h = groups[0]["hooks"][0]
    if name in ("SessionStart", "Setup"):
        assert h["type"] == "command" and h["command"] == os.path.realpath(sys.argv[2]), h
    else:
        assert h == {"type": "http", "url": "http://127.0.0.1:8080/api/hooks",
                     "headers": {"Authorization": "Bearer $TRACE_TOKEN"},
                     "allowedEnvVars": ["TRACE_TOKEN"], "timeout": 10}, h
PY
"$HOOK" uninstall > /dev/null
assert_eq "$(cat "$CLAUDE_CONFIG_DIR/settings.json")" "{}" "after --http uninstall"
pass "install --http (all events): 29 http hooks with the token header, 2 command hooks; uninstall empties"

for bad in "--http ftp://x/api/hooks" "--http http://x/api/hooks --token-env 1BAD" "--token-env TOKEN"; do
  set +e; "$HOOK" install --settings "$S" $bad 2>/dev/null >/dev/null; rc=$?; set -e
  assert_eq "$rc" 2 "usage error for: $bad"
done
cmp "$S" "$FIX/existing.json" || fail "a refused --http install touched the file"
pass "bad --http/--token-env values are usage errors, file untouched"
