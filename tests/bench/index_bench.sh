#!/usr/bin/env bash
# trace-index benchmark. Bulk: INDEX_BENCH_EVENTS (default 1000000) realistic
# events (index_bench gen; INDEX_BENCH_CORPUS=trace-gen uses trace-gen's
# Claude home through trace-tail instead) through `trace-index --stdin` (durable: one fsync per commit) vs the
# baseline, seed 000's SQLite store (traces table + its five indexes, WAL,
# prepared INSERT, transactions of the same 4096 rows), fed the same file.
# Prints events/s (wall and per CPU second: the machine may be shared),
# bytes on disk per event, peak RSS, and the ratio. Latency: events at
# 1000/s published like a trace-tail, timed until trace-index republishes
# them (two ZeroMQ hops included), p50/p99.
set -euo pipefail
: "${TRACE_BIN:?}"
N=${INDEX_BENCH_EVENTS:-1000000}
OUT=${BENCH_OUT:-/tmp}/index
rm -rf "$OUT" && mkdir -p "$OUT"
trap 'rm -rf "$OUT"/db "$OUT"/lat-db "$OUT"/sqlite.db* "$OUT"/events.jsonl "$OUT"/fsync.probe "$OUT"/size-*; kill $(jobs -p) 2>/dev/null || true' EXIT
B=$TRACE_BIN

if [ "${INDEX_BENCH_CORPUS:-synthetic}" = trace-gen ]; then
  # trace-gen's Claude home (spans, transcripts, sub-agents, history; lines up
  # to 50 KB), normalized by trace-tail: the events trace-index really sees.
  "$B/trace-gen" --home "$OUT/home" --lines "$N" --seed 42 >/dev/null
  mapfile -t files < <(find "$OUT/home" -name '*.jsonl' | sort)
  "$B/trace-tail" --once --stdout --state '' "${files[@]}" 2>/dev/null >"$OUT/events.jsonl"
  rm -rf "$OUT/home"
  N=$(wc -l <"$OUT/events.jsonl")
else
  "$B/index_bench" gen "$N" "$OUT/events.jsonl"
fi
bytes=$(stat -c %s "$OUT/events.jsonl")
echo "corpus: $N events, $(( bytes / N )) bytes/event of JSON"

# Each side runs ROUNDS times from an empty store, after a sync (so no
# writeback of the corpus or of the last run competes with its fsyncs),
# after one unmeasured warm-up run each (the first run after the corpus was
# written pays for reclaiming its page cache: 20-40% slower here). The two
# sides take turns, so a shared VM's slow and fast spells (20% and more run
# to run) fall on both; the median run of each side by wall time is
# reported.
ROUNDS=${INDEX_BENCH_ROUNDS:-3}
run_once() {  # run_once NAME ROUND CLEAN STDIN CMD...
  rm -rf $3; sync
  /usr/bin/time -f "%e %U %S %M" -o "$OUT/$1.$2.time" "${@:5}" <"$4"
}
median() {  # median NAME -> sets WALL CPU RSS of the median run
  read -r WALL USR SYS RSS < <(cat "$OUT/$1".*.time | sort -n | sed -n "$(( (ROUNDS + 1) / 2 ))p")
  CPU=$(echo "$USR + $SYS" | bc)
  echo "$1: wall per run $(cat "$OUT/$1".*.time | awk '{printf "%s ", $1}')s (median reported)"
}
for ((r = -1; r < ROUNDS; r++)); do  # round -1: warm-up
  run_once index $r "$OUT/db" "$OUT/events.jsonl" "$B/trace-index" --stdin --db "$OUT/db" --batch-size 4096 --log-level warn
  stored=$(mdb_stat -s by_type "$OUT/db" | awk '/Entries:/{print $2}')
  [ "$stored" = "$N" ] || { echo "trace-index stored $stored of $N" >&2; exit 1; }
  I_DISK=$(stat -c %s "$OUT/db/data.mdb")
  I_USED=$(mdb_stat -e "$OUT/db" | awk '/Number of pages used/{print $5}')
  I_PAGE=$(mdb_stat -e "$OUT/db" | awk '/Page size/{print $3}')
  run_once sqlite $r "$OUT/sqlite.db*" /dev/null "$B/index_bench" sqlite "$OUT/events.jsonl" "$OUT/sqlite.db" 4096
  S_DISK=$(( $(stat -c %s "$OUT/sqlite.db") + $(stat -c %s "$OUT/sqlite.db-wal" 2>/dev/null || echo 0) ))
done
rm -f "$OUT"/*.-1.time
median index
I_WALL=$WALL I_CPU=$CPU I_RSS=$RSS
median sqlite
S_WALL=$WALL S_CPU=$CPU S_RSS=$RSS

rate() { echo "scale=0; $N / $1" | bc; }
echo "trace-index (LMDB, durable): $(rate "$I_WALL") events/s wall (${I_WALL}s), $(rate "$I_CPU") events/CPU-s," \
     "$(( I_USED * I_PAGE / N )) bytes/event used ($(( I_DISK / N )) file), peak RSS $(( I_RSS / 1024 )) MB"
echo "baseline seed 000 SQLite (WAL): $(rate "$S_WALL") events/s wall (${S_WALL}s), $(rate "$S_CPU") events/CPU-s," \
     "$(( S_DISK / N )) bytes/event, peak RSS $(( S_RSS / 1024 )) MB"
# Paired ratio: each round's SQLite run over the trace-index run beside it.
paired=$(for ((r = 0; r < ROUNDS; r++)); do
  echo "$(cut -d' ' -f1 "$OUT/sqlite.$r.time") $(cut -d' ' -f1 "$OUT/index.$r.time")"
done | awk '{printf "%.2f\n", $1 / $2}' | sort -n | sed -n "$(( (ROUNDS + 1) / 2 ))p")
echo "ratio trace-index / SQLite: $(echo "scale=2; $S_WALL / $I_WALL" | bc)x wall (median of paired rounds ${paired}x)," \
     "$(echo "scale=2; $S_CPU / $I_CPU" | bc)x CPU" \
     "(trace-index also keeps span_id dedupe, 6 indexes, session/task/tool aggregates and token buckets)"

# Store size against the files it indexes (issue #15): trace-gen's Claude
# home (compact JSON lines with Claude Code's field set; prose, code and tool
# output) normalized by trace-tail and indexed durably from empty. The store
# is data.mdb (what the disk holds; LMDB keeps freed pages for reuse) and the
# pages its tables use; the reference is the files' own zstd -3.
SIZE_LINES=${STORE_BENCH_LINES:-200000}
"$B/trace-gen" --home "$OUT/size-home" --lines "$SIZE_LINES" --seed 11 >/dev/null
mapfile -t sfiles < <(find "$OUT/size-home" -name '*.jsonl' | sort)
src=$(cat "${sfiles[@]}" | wc -c)
zsrc=$(cat "${sfiles[@]}" | zstd -3 -q -c | wc -c)
"$B/trace-tail" --once --stdout --state '' "${sfiles[@]}" 2>/dev/null >"$OUT/size-events.jsonl"
rm -rf "$OUT/size-home" "$OUT/size-db"; sync
sev=$(wc -l <"$OUT/size-events.jsonl"); sevb=$(stat -c %s "$OUT/size-events.jsonl")
/usr/bin/time -f "%e %U %S" -o "$OUT/size.time" "$B/trace-index" --stdin --db "$OUT/size-db" \
  --log-level warn <"$OUT/size-events.jsonl"
sfile=$(stat -c %s "$OUT/size-db/data.mdb")
table_bytes() {  # table_bytes [NAME]: pages of one table (or all) x page size
  local ps; ps=$(mdb_stat -e "$OUT/size-db" | awk '/Page size/{print $3}')
  mdb_stat -a "$OUT/size-db" | awk -v want="${1:-}" -v ps="$ps" '
    /^Status of/ {name = $3} /pages:/ && (want == "" || name == want) {n += $NF} END {print n * ps}'
}
sused=$(table_bytes); sevents=$(table_bytes events)
read -r SW SU SS <"$OUT/size.time"
ratio() { echo "scale=3; $1 / $2" | bc; }
echo "store size (trace-gen home, $SIZE_LINES lines, $src bytes; $sev events, $(( sevb / sev )) bytes/event of JSON):" \
     "data.mdb $sfile bytes = $(ratio "$sfile" "$src")x the files (tables use $sused = $(ratio "$sused" "$src")x;" \
     "events $sevents = $(( sevents / sev )) bytes/event); target <= 0.5x, goal 0.25x;" \
     "reference: zstd -3 of the files $zsrc bytes = $(ratio "$zsrc" "$src")x"
echo "durable --stdin on that corpus: $(echo "scale=0; $sev / $SW" | bc) events/s wall (${SW}s)," \
     "$(echo "scale=0; $sev / ($SU + $SS)" | bc) events/CPU-s"
rm -rf "$OUT/size-db" "$OUT/size-events.jsonl"

# Memory: peak anonymous RSS (the process's own memory: parse buffers,
# batches in flight, the aggregate cache bounded by entries) and peak
# file-backed RSS (store pages the builder reads through the map: page cache,
# shared and reclaimable), on the first quarter of the corpus and on all of it.
peak_rss() {  # peak_rss LINES -> "anon_MB file_MB"
  rm -rf "$OUT/db"; sync
  head -n "$1" "$OUT/events.jsonl" | "$B/trace-index" --stdin --db "$OUT/db" --log-level warn &
  local pid=$! anon=0 file=0 a f
  while kill -0 $pid 2>/dev/null; do
    read -r a f < <(awk '/RssAnon/{a=$2} /RssFile/{f=$2} END{print a+0, f+0}' /proc/$pid/status 2>/dev/null || echo "0 0")
    (( a > anon )) && anon=$a; (( f > file )) && file=$f
    sleep 0.05
  done
  wait $pid
  echo "$(( anon / 1024 )) $(( file / 1024 ))"
}
read -r Q_ANON Q_FILE < <(peak_rss $(( N / 4 )))
read -r F_ANON F_FILE < <(peak_rss "$N")
echo "memory: peak anonymous RSS $Q_ANON MB at $(( N / 4 )) events, $F_ANON MB at $N" \
     "(mapped store pages: $Q_FILE MB, $F_FILE MB; the aggregate cache is bounded by entries)"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
fsync_ms=$(python3 -c '
import os, time, sys
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT); t = time.time()
for i in range(20): os.pwrite(fd, b"x" * 4096, i * 4096); os.fdatasync(fd)
print("%.2f" % ((time.time() - t) / 20 * 1000))' "$OUT/fsync.probe")
echo "disk: one 4 KiB write + fdatasync takes ${fsync_ms} ms here (a durable commit syncs once under load, twice when idle)"
for mode in durable no-durable; do
  P1=$(free_port); P2=$(free_port)
  flag=(); [ $mode = no-durable ] && flag=(--no-durable)
  rm -rf "$OUT/lat-db"
  "$B/trace-index" --sub "tcp://127.0.0.1:$P1" --no-catchup --pub "tcp://127.0.0.1:$P2" \
    --db "$OUT/lat-db" --log-level warn "${flag[@]}" &
  IDX=$!
  "$B/index_bench" latency "tcp://127.0.0.1:$P1" "tcp://127.0.0.1:$P2" 1000 ${INDEX_BENCH_LATENCY_SECONDS:-10} |
    sed "s/^/commit latency ($mode, 1000 events\/s, publish->republish) /"
  kill -TERM $IDX; wait $IDX
done
