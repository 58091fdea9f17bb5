#!/usr/bin/env bash
# trace-tail throughput: `trace-tail --once --stdout FILES > /dev/null` over a
# trace-gen corpus (spans, transcripts, sub-agents, history; lines 200 B-50 KB)
# beside the named baseline parse_baseline (the same reads, a RapidJSON
# DOM parse per line, nothing else). Prints lines/s, MB/s and the ratio.
# Two corpora: "mixed" (lines 200 B-50 KB, mean ~1.6 KB) and "small" (200 B-
# 1.5 KB, mean ~0.7 KB: per-line overhead dominates). Wall times suffer when
# the machine is shared; the cpu figures (user+sys of the process) do not.
# Env: BENCH_TAIL_LINES (default 1000000), BENCH_OUT (corpus cache dir).
set -euo pipefail
: "${TRACE_BIN:?}"
lines=${BENCH_TAIL_LINES:-1000000}
out=${BENCH_OUT:-/tmp}

bench() {  # bench NAME MAX_BYTES
  local corpus="$out/tail-corpus-$1-$lines"
  if [ ! -f "$corpus/.done" ]; then
    rm -rf "$corpus"
    echo "generating $lines lines into $corpus ..."
    "$TRACE_BIN/trace-gen" --home "$corpus" --lines "$lines" --seed 42 --max-bytes "$2" >/dev/null
    touch "$corpus/.done"
  fi
  local files
  mapfile -t files < <(find "$corpus" -name '*.jsonl' | sort)
  echo "--- corpus $1 (max line $2 bytes)"
  python3 - "$TRACE_BIN" "$corpus" "${files[@]}" <<'PY'
import os, resource, subprocess, sys, time
bin_dir, corpus, files = sys.argv[1], sys.argv[2], sys.argv[3:]
nbytes = sum(os.path.getsize(f) for f in files)
nlines = sum(1 for f in files for l in open(f, "rb") if l.strip())
def run(cmd):
    best = None
    for _ in range(3):
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.monotonic()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        wall = time.monotonic() - t0
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
        if best is None or wall < best[0]:
            best = (wall, cpu)
    return best
for f in files:  # warm the page cache so both read from memory
    with open(f, "rb") as fh:
        while fh.read(1 << 24):
            pass
base = run([bin_dir + "/parse_baseline"] + files)
tail = run([bin_dir + "/trace-tail", "--once", "--stdout", "--log-level", "warn",
            corpus + "/traces/*.jsonl", corpus + "/projects/**/*.jsonl", corpus + "/history.jsonl"])
def show(name, t):
    wall, cpu = t
    print("%-16s %9d lines %8.1f MB  wall %6.2f s  %9.0f lines/s  %7.1f MB/s  (cpu %5.2f s: %9.0f lines/s)"
          % (name, nlines, nbytes / 1e6, wall, nlines / wall, nbytes / 1e6 / wall, cpu, nlines / cpu))
show("parse_baseline", base)
show("trace-tail", tail)
ratio_wall, ratio_cpu = base[0] / tail[0], base[1] / tail[1]
print("trace-tail / parse-only throughput: %.0f%% wall, %.0f%% cpu (target >= 50%%)" % (100 * ratio_wall, 100 * ratio_cpu))
print("trace-tail lines/s: %.0f wall (target >= 300000)" % (nlines / tail[0]))
PY
}

bench mixed 50000
bench small 1500
