#!/usr/bin/env bash
# Remote tails into one trace-index (proto/wire.md "Remote tails"): events/s
# the index stores from 2 and from 8 remote trace-tails on loopback, with and
# without CURVE, beside the baseline of one local tail (the default
# arrangement: tail binds, index dials) carrying the same lines. Each run:
# the tails connect and are caught up on empty directories, then every tail
# gets its share of BENCH_REMOTE_LINES hook lines at once (files hard-linked
# in: a backfill burst); the figure is lines / (time until all are stored).
# Index CPU (user+sys) is printed too: wall times suffer on a shared machine.
# Env: BENCH_REMOTE_LINES (default 400000), BENCH_OUT (corpus cache dir),
# BENCH_REMOTE_TAILS (default "2 8"), BENCH_DURABLE=1 to fsync each commit.
set -euo pipefail
: "${TRACE_BIN:?}" "${TRACE_SOURCE_DIR:?}"
export BENCH_OUT=${BENCH_OUT:-/tmp}
python3 - <<'PY'
import json, os, shutil, socket, subprocess, sys, tempfile, time
B, SRC, OUT = os.environ["TRACE_BIN"], os.environ["TRACE_SOURCE_DIR"], os.environ["BENCH_OUT"]
TOTAL = int(os.environ.get("BENCH_REMOTE_LINES", "400000"))
TAILS = [int(n) for n in os.environ.get("BENCH_REMOTE_TAILS", "2 8").split()]
DURABLE = os.environ.get("BENCH_DURABLE") == "1"
TICK = os.sysconf("SC_CLK_TCK")

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def corpus(n):
    """n directories of TOTAL/n lines each (2 files per tail), made once."""
    d = os.path.join(OUT, "remote-corpus-%d-%d" % (n, TOTAL))
    if not os.path.exists(d + "/.done"):
        shutil.rmtree(d, ignore_errors=True)
        for i in range(n):
            subprocess.run(["python3", SRC + "/tests/system/index_writer.py", "%s/t%d" % (d, i),
                            str(TOTAL // n), "2", "0", "t%d" % i], check=True, stdout=subprocess.DEVNULL)
        open(d + "/.done", "w").close()
    return d

def stored(db):
    # one by_type entry per event (`events` entries are blocks of them)
    r = subprocess.run(["mdb_stat", "-s", "by_type", db], capture_output=True, text=True)
    for line in r.stdout.splitlines():
        if "Entries:" in line:
            return int(line.split()[-1])
    return 0

def cpu_s(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK

def wait(cond, secs, what):
    end = time.monotonic() + secs
    while not cond():
        if time.monotonic() > end:
            raise SystemExit("remote_bench: timed out waiting for " + what)
        time.sleep(0.02)

def run(n, mode):  # mode: "local" | "plain" | "curve"
    src = corpus(n)
    d = tempfile.mkdtemp(prefix="remote-bench-", dir=OUT)
    procs, logs = [], []
    def start(name, cmd):
        log = open("%s/%s.log" % (d, name), "w")
        procs.append(subprocess.Popen(cmd, stdout=log, stderr=log)); logs.append(d + "/" + name + ".log")
        return procs[-1]
    try:
        pe, pc = free_port(), free_port()
        idx = [B + "/trace-index", "--db", d + "/db", "--pub", "tcp://127.0.0.1:%d" % free_port(),
               "--log-level", "info"]
        if not DURABLE:
            idx.append("--no-durable")
        tail_base = []
        if mode == "local":
            idx += ["--sub", "tcp://127.0.0.1:%d" % pe, "--tail-control", "tcp://127.0.0.1:%d" % pc]
        else:
            idx += ["--listen-events", "tcp://127.0.0.1:%d" % pe, "--listen-control", "tcp://127.0.0.1:%d" % pc]
            tail_base = ["--pub-connect", "tcp://127.0.0.1:%d" % pe, "--control-connect", "tcp://127.0.0.1:%d" % pc]
        if mode == "curve":
            subprocess.run([B + "/trace-index", "keygen", "--out", d + "/keys"], check=True, stdout=subprocess.DEVNULL)
            idx += ["--curve-keys", d + "/keys"]
        for i in range(n):
            os.makedirs("%s/t%d/in" % (d, i))
            if mode == "curve":
                subprocess.run([B + "/trace-index", "keygen", "--out", "%s/t%d" % (d, i), "--name", "t%d" % i],
                               check=True, stdout=subprocess.DEVNULL)
                shutil.copy("%s/t%d/t%d.pub" % (d, i, i), d + "/keys/authorized/")
        index = start("index", idx)
        for i in range(n):
            t = [B + "/trace-tail", "--state", "%s/t%d/state.json" % (d, i), "--kind", "span",
                 "--log-level", "warn", "%s/t%d/in/*.jsonl" % (d, i)]
            if mode == "local":
                t += ["--pub", "tcp://127.0.0.1:%d" % pe, "--control", "tcp://127.0.0.1:%d" % pc]
            else:
                t += tail_base
            if mode == "curve":
                t += ["--curve-server-key", d + "/keys/server.pub", "--curve-key", "%s/t%d/t%d.key" % (d, i, i)]
            start("tail%d" % i, t)
        # Every link caught up (start-up REWIND answered) before the burst.
        wait(lambda: open(logs[0]).read().count('"rewound"') >= n if mode != "local" else True, 60, "tails to connect")
        time.sleep(1.5 if mode == "local" else 0.2)  # local: the dialed link, no announcement to wait for
        want, c0, t0 = (TOTAL // n) * n, cpu_s(index.pid), time.monotonic()
        for i in range(n):
            for f in sorted(os.listdir("%s/t%d" % (src, i))):
                os.link("%s/t%d/%s" % (src, i, f), "%s/t%d/in/%s" % (d, i, f))
        wait(lambda: stored(d + "/db") >= want, 600, "%d events" % want)
        wall, cpu = time.monotonic() - t0, cpu_s(index.pid) - c0
        got = stored(d + "/db")
        if got != want:
            raise SystemExit("remote_bench: stored %d of %d" % (got, want))
        index.terminate(); index.wait()
        text = open(logs[0]).read()
        stop = [json.loads(l) for l in text.splitlines() if '"stopped"' in l]
        dups = stop[0].get("duplicates", 0) if stop else -1
        return want, wall, cpu, text.count('"msg":"rewind"') - n, dups
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait()
        shutil.rmtree(d, ignore_errors=True)

def show(label, r, base=None):
    n, wall, cpu, rewinds, dups = r
    extra = "  %3.0f%% of local" % (100 * base[1] / wall) if base else ""
    print("%-22s %8d lines  wall %6.2f s  %9.0f events/s  (index cpu %5.2f s: %9.0f events/cpu-s)"
          "  rewinds %d, duplicates %d%s"
          % (label, n, wall, n / wall, cpu, n / cpu if cpu > 0 else 0, rewinds, dups, extra))

print("--- %d hook lines per run, %s commits (BENCH_DURABLE=1 for fsync)" % (TOTAL, "durable" if DURABLE else "--no-durable"))
base = run(1, "local")
show("1 local tail", base)
for n in TAILS:
    show("%d remote tails plain" % n, run(n, "plain"), base)
    show("%d remote tails CURVE" % n, run(n, "curve"), base)
PY
