#!/usr/bin/env bash
# trace-index --migrate: a schema 2 store (rebuilt from a schema 3 one with
# mdb_dump/mdb_load and store_json_dump, as the previous trace-index wrote
# it: JSON values, no dicts, version 2) is refused by readers and the writer
# with the --migrate instruction; a migration killed with SIGKILL part-way
# is refused too and finishes when run again; afterwards every event reads
# back byte for byte as before, --verify passes, and a third run is a no-op.
source "$TRACE_SOURCE_DIR/tests/system/lib.sh"
B=$TRACE_BIN
N=${MIGRATE_TEST_LINES:-30000}

"$B/trace-gen" --home "$T/gen" --lines "$N" --seed 7 >/dev/null
mapfile -t files < <(find "$T/gen" -name '*.jsonl' | sort)
"$B/trace-tail" --once --stdout --state '' "${files[@]}" 2>/dev/null >"$T/events.jsonl"
"$B/trace-index" --stdin --db "$T/v3" --log-level warn <"$T/events.jsonl"
"$B/trace-query" --db "$T/v3" events --json --limit 1000000 >"$T/before.json"
events=$(stored_events "$T/v3")
[ "$events" -gt 1000 ] || fail "only $events events stored"

# The schema 2 store: every table but events and dicts copied, events as JSON.
"$B/store_json_dump" "$T/v3" >"$T/events.dump"
make_v2() {
  rm -rf "$T/db" && mkdir -p "$T/db"
  for db in $(mdb_dump -l "$T/v3"); do
    case $db in events | dicts) ;; *) mdb_dump -s "$db" "$T/v3" | mdb_load -s "$db" "$T/db" ;; esac
  done
  mdb_load -s events "$T/db" <"$T/events.dump"
  printf 'VERSION=3\nformat=print\ntype=btree\nHEADER=END\n schema_version\n 2\nDATA=END\n' |
    mdb_load -s meta "$T/db"
  if mdb_dump -l "$T/db" | grep -qx dicts; then fail "the schema 2 store has a dicts table"; fi
}
make_v2

refused() {  # refused WHAT: reader and writer both name --migrate
  local out
  out=$("$B/trace-query" --db "$T/db" events --limit 1 2>&1) && fail "$1: trace-query read it"
  [[ $out == *"trace-index --migrate --db $T/db"* ]] || fail "$1: trace-query said: $out"
  out=$("$B/trace-index" --stdin --db "$T/db" </dev/null 2>&1) && fail "$1: trace-index opened it"
  [[ $out == *"trace-index --migrate --db $T/db"* ]] || fail "$1: trace-index said: $out"
  [ "$(echo "$out" | wc -l)" = 1 ] || fail "$1: not one line: $out"
}
refused "schema 2"
pass "a schema 2 store is refused with the --migrate instruction"

migrated_seq() { mdb_dump -p -s meta "$T/db" | grep -c '^ migrated_seq$' || true; }
# Killed as soon as its first transaction is committed (or later: the
# polling is slow), then again if it finished first, from a fresh copy.
killed=0
for attempt in 1 2 3 4 5; do
  "$B/trace-index" --migrate --db "$T/db" 2>"$T/migrate-killed.log" &
  pid=$!
  while kill -0 $pid 2>/dev/null && [ "$(migrated_seq)" = 0 ]; do sleep 0.01; done
  kill -KILL $pid 2>/dev/null || true
  wait $pid 2>/dev/null || true
  if [ "$(migrated_seq)" = 1 ]; then killed=1; break; fi
  make_v2
done
[ $killed = 1 ] || fail "no kill landed during the migration in 5 attempts"
refused "interrupted migration"
pass "a migration killed part-way leaves a store that is still refused"

"$B/trace-index" --migrate --db "$T/db" 2>"$T/migrate.log" || fail "migrate after the kill failed"
grep -q '"msg":"migrating"' "$T/migrate.log" || fail "no progress line"
last=$(grep '"msg":"migrating"' "$T/migrate.log" | tail -1)
[[ $last == *"\"events_done\":$events,\"events_total\":$events"* ]] || fail "last progress: $last"
[ "$(migrated_seq)" = 0 ] || fail "migrated_seq left behind"
"$B/trace-query" --db "$T/db" events --json --limit 1000000 >"$T/after.json"
cmp -s "$T/before.json" "$T/after.json" || fail "events differ after the migration"
"$B/trace-index" --verify --db "$T/db" >"$T/verify.out" || fail "verify: $(tail -3 "$T/verify.out")"
pass "the re-run finished: $events events read back identical, --verify clean"

"$B/trace-index" --migrate --db "$T/db" 2>"$T/again.log" || fail "third run failed"
grep -q "already schema 3" "$T/again.log" || fail "third run: $(cat "$T/again.log")"
echo '{"span_id":"after-migrate","kind":"hook","event_type":"Stop","timestamp":1}' |
  "$B/trace-index" --stdin --db "$T/db" --log-level warn || fail "trace-index cannot write it"
assert_eq "$(stored_events "$T/db")" $(( events + 1 )) "events"
pass "a migrated store is schema 3: no-op migrate, trace-index writes it"
