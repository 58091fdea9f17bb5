#!/usr/bin/env bash
# `trace-hook install --statusline` on a real settings file: --dry-run writes
# nothing, install keeps the other keys and makes a backup, twice is no
# change, a status line that is not ours is refused (file untouched) unless
# --force, uninstall removes only ours; the default command is the
# trace-query beside trace-hook, and it runs.
source "$TRACE_SOURCE_DIR/tests/system/lib.sh"
HOOK="$TRACE_BIN/trace-hook"
S="$T/settings.json"
printf '{\n  "model": "opus",\n  "hooks": {}\n}\n' > "$S"
cp "$S" "$T/orig.json"

"$HOOK" install --statusline --settings "$S" --dry-run > "$T/diff"
cmp -s "$S" "$T/orig.json" || fail "--dry-run changed the file"
grep -q '^+.*"command": ".*/trace-query statusline"' "$T/diff" || { cat "$T/diff"; fail "diff lacks the command"; }
"$HOOK" install --statusline --settings "$S" > /dev/null
cmp "$S.trace-hook.bak" "$T/orig.json" || fail "backup is not the original"
assert_eq "$(jq -r .model "$S")" opus "other keys kept"
assert_eq "$(jq -r .statusLine.type "$S")" command "statusLine type"
assert_eq "$(jq -r .statusLine.command "$S")" "$TRACE_BIN/trace-query statusline" "command beside trace-hook"
"$HOOK" install --statusline --settings "$S" | grep -q "no change" || fail "second install changed something"
line=$(echo '{"model":{"display_name":"Opus"}}' | bash -c "$(jq -r .statusLine.command "$S") --db '$T/none' --no-color")
case "$line" in "🤖 Opus | "*) ;; *) fail "installed command does not print a line: $line" ;; esac
pass "install --statusline: dry-run, backup, idempotent, and the command runs"

printf '{"statusLine":{"type":"command","command":"npx ccusage statusline"}}\n' > "$S"
cp "$S" "$T/theirs.json"
set +e; "$HOOK" install --statusline --settings "$S" 2> "$T/err" > /dev/null; rc=$?; set -e
assert_eq "$rc" 3 "refused"
cmp -s "$S" "$T/theirs.json" || fail "refusal changed the file"
grep -q -- "--force" "$T/err" || fail "error does not mention --force: $(cat "$T/err")"
"$HOOK" uninstall --statusline --settings "$S" > /dev/null
cmp -s "$S" "$T/theirs.json" || fail "uninstall removed someone else's status line"
"$HOOK" install --statusline --force --settings "$S" > /dev/null
assert_eq "$(jq -r .statusLine.command "$S")" "$TRACE_BIN/trace-query statusline" "--force replaced it"
"$HOOK" uninstall --statusline --settings "$S" > /dev/null
assert_eq "$(jq -c . "$S")" "{}" "uninstall removed ours"
pass "another status line is refused unless --force; uninstall removes only ours"
