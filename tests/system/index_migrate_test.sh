#!/usr/bin/env bash
# trace-index --migrate: schema 3 and schema 2 stores, rebuilt from a schema 4
# one with mdb_dump/mdb_load and store_json_dump as the previous trace-index
# versions wrote them (3: `ids` keyed by the identities, one event per
# value; 2: that, and JSON values, no dicts), are refused by readers and the writer with the
# --migrate instruction; a migration killed with SIGKILL part-way (during
# the ids re-key, during the values) is refused too and finishes when run
# again; afterwards every event reads back byte for byte as before, in
# blocks, `ids` holds exactly what trace-index writes, --verify passes, and a
# third run is a no-op.
source "$TRACE_SOURCE_DIR/tests/system/lib.sh"
B=$TRACE_BIN
N=${MIGRATE_TEST_LINES:-30000}

"$B/trace-gen" --home "$T/gen" --lines "$N" --seed 7 >/dev/null
mapfile -t files < <(find "$T/gen" -name '*.jsonl' | sort)
"$B/trace-tail" --once --stdout --state '' "${files[@]}" 2>/dev/null >"$T/events.jsonl"
"$B/trace-index" --stdin --db "$T/v4" --log-level warn <"$T/events.jsonl"
"$B/trace-query" --db "$T/v4" events --json --limit 1000000 >"$T/before.json"
events=$(stored_events "$T/v4")
[ "$events" -gt 1000 ] || fail "only $events events stored"
ids_data() { mdb_dump -s ids "$1" | sed '1,/^HEADER=END$/d'; }
ids_data "$T/v4" >"$T/ids.v4"
[ "$(grep -c . "$T/ids.v4")" = $(( 2 * events + 1 )) ] || fail "ids: not one entry per event"

"$B/store_json_dump" "$T/v4" >"$T/events.dump"
"$B/store_json_dump" --singles "$T/v4" >"$T/events.v3.dump"
"$B/store_json_dump" --ids "$T/v4" >"$T/ids.dump"
# make_old VERSION: the schema 3 or 2 store in $T/db.
make_old() {
  local skip="ids events"
  if [ "$1" = 2 ]; then skip="ids events dicts"; fi
  rm -rf "$T/db" && mkdir -p "$T/db"
  for db in $(mdb_dump -l "$T/v4"); do
    [[ " $skip " == *" $db "* ]] || mdb_dump -s "$db" "$T/v4" | mdb_load -s "$db" "$T/db"
  done
  mdb_load -s ids "$T/db" <"$T/ids.dump"
  if [ "$1" = 2 ]; then mdb_load -s events "$T/db" <"$T/events.dump"; fi
  if [ "$1" = 3 ]; then mdb_load -s events "$T/db" <"$T/events.v3.dump"; fi
  printf 'VERSION=3\nformat=print\ntype=btree\nHEADER=END\n schema_version\n %s\nDATA=END\n' "$1" |
    mdb_load -s meta "$T/db"
  if [ "$1" = 2 ] && mdb_dump -l "$T/db" | grep -qx dicts; then
    fail "the schema 2 store has a dicts table"
  fi
}

refused() {  # refused WHAT WHY: reader and writer both name --migrate
  local out
  out=$("$B/trace-query" --db "$T/db" events --limit 1 2>&1) && fail "$1: trace-query read it"
  [[ $out == *"$2"*"trace-index --migrate --db $T/db"* ]] || fail "$1: trace-query said: $out"
  out=$("$B/trace-index" --stdin --db "$T/db" </dev/null 2>&1) && fail "$1: trace-index opened it"
  [[ $out == *"$2"*"trace-index --migrate --db $T/db"* ]] || fail "$1: trace-index said: $out"
  [ "$(echo "$out" | wc -l)" = 1 ] || fail "$1: not one line: $out"
}

meta_has() { mdb_dump -p -s meta "$T/db" | grep -c "^ $1\$" || true; }
# kill_during KEY VERSION: runs --migrate and kills it as soon as meta/KEY
# is committed (or later: the polling is slow), from a fresh copy until a
# kill lands while KEY is there.
kill_during() {
  for attempt in 1 2 3 4 5 6 7 8; do
    "$B/trace-index" --migrate --db "$T/db" 2>"$T/migrate-killed.log" &
    local pid=$!
    while kill -0 $pid 2>/dev/null && [ "$(meta_has "$1")" = 0 ]; do sleep 0.005; done
    kill -KILL $pid 2>/dev/null || true
    wait $pid 2>/dev/null || true
    [ "$(meta_has "$1")" = 1 ] && return 0
    make_old "$2"
  done
  fail "no kill landed while meta/$1 was set in 8 attempts"
}

migrated() {  # migrated WHAT: events, ids and --verify as before the downgrade
  [ "$(meta_has migrated_seq)" = 0 ] || fail "$1: migrated_seq left behind"
  [ "$(meta_has ids_rekey)" = 0 ] || fail "$1: ids_rekey left behind"
  if mdb_dump -l "$T/db" | grep -qx ids_rekeyed; then fail "$1: ids_rekeyed left behind"; fi
  ids_data "$T/db" | cmp -s - "$T/ids.v4" || fail "$1: ids differ from what trace-index writes"
  "$B/trace-query" --db "$T/db" events --json --limit 1000000 >"$T/after.json"
  cmp -s "$T/before.json" "$T/after.json" || fail "$1: events differ after the migration"
  "$B/trace-index" --verify --db "$T/db" >"$T/verify.out" || fail "$1: verify: $(tail -3 "$T/verify.out")"
  local values; values=$(mdb_stat -s events "$T/db" | awk '/Entries:/{print $2}')
  [ "$values" -lt $(( events / 10 )) ] || fail "$1: $values values for $events events: not blocks"
}

# Schema 3: the values into blocks, the ids keys.
make_old 3
refused "schema 3" "store schema version 3 predates version 4 (event blocks, hashed ids keys)"
pass "a schema 3 store is refused with the --migrate instruction"
kill_during ids_rekey 3
refused "interrupted re-key" "store schema version 3"
pass "a migration killed during the ids re-key leaves a store that is still refused"
"$B/trace-index" --migrate --db "$T/db" 2>"$T/migrate.log" || fail "migrate after the kill failed"
last=$(grep '"msg":"migrating"' "$T/migrate.log" | tail -1)
[[ $last == *"\"ids_done\":$(( 2 * events )),\"ids_total\":$(( 2 * events ))"* ]] ||
  fail "last progress: $last"
grep -q '"msg":"migrated".*"from_schema":3' "$T/migrate.log" || fail "no end line: $(tail -1 "$T/migrate.log")"
migrated "schema 3"
pass "the re-run finished schema 3: $events events in blocks, ids re-keyed, events identical, --verify clean"

# Schema 2: values and messages, then the ids.
make_old 2
refused "schema 2" "store schema version 2 predates version 4 (compressed event blocks, hashed ids keys)"
pass "a schema 2 store is refused with the --migrate instruction"
kill_during migrated_seq 2
refused "interrupted migration" "store schema version 2"
pass "a migration killed part-way leaves a store that is still refused"

"$B/trace-index" --migrate --db "$T/db" 2>"$T/migrate.log" || fail "migrate after the kill failed"
last=$(grep '"msg":"migrating","events_done"' "$T/migrate.log" | tail -1)
[[ $last == *"\"events_done\":$events,\"events_total\":$events"* ]] || fail "last progress: $last"
last=$(grep '"msg":"migrating"' "$T/migrate.log" | tail -1)
[[ $last == *"\"ids_done\":$(( 2 * events )),\"ids_total\":$(( 2 * events ))"* ]] ||
  fail "last progress: $last"
migrated "schema 2"
pass "the re-run finished: $events events read back identical, ids re-keyed, --verify clean"

"$B/trace-index" --migrate --db "$T/db" 2>"$T/again.log" || fail "third run failed"
grep -q "already schema 4" "$T/again.log" || fail "third run: $(cat "$T/again.log")"
echo '{"span_id":"after-migrate","kind":"hook","event_type":"Stop","timestamp":1}' |
  "$B/trace-index" --stdin --db "$T/db" --log-level warn || fail "trace-index cannot write it"
assert_eq "$(stored_events "$T/db")" $(( events + 1 )) "events"
# Every line sent again is a duplicate: the writer finds the re-keyed ids.
"$B/trace-index" --stdin --db "$T/db" --log-level warn <"$T/events.jsonl"
assert_eq "$(stored_events "$T/db")" $(( events + 1 )) "events after resending"
pass "a migrated store is schema 4: no-op migrate, trace-index writes it and dedupes against it"
