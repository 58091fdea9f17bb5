#!/usr/bin/env bash
# trace-tail live: while a writer appends in random-sized chunks, creates
# files in new subdirectories, rotates, deletes/recreates and truncates,
# every line arrives exactly once and in per-file order; SIGTERM exits 0.
source "$(dirname "$0")/lib.sh"

mkdir -p "$T/live"
# Events (stdout) and logs (stderr) in separate files: the writer watches the events.
"$TRACE_BIN/trace-tail" --stdout --poll-ms 700 "$T/live/**/*.jsonl" >"$T/live.out" 2>"$T/tail.log" &
tail_pid=$!
_pids+=("$tail_pid")
wait_for 10 grep -q '"started"' "$T/tail.log"

python3 - "$T/live" "$T/live.out" "$T/expected.json" <<'PY'
import json, os, random, sys, time
root, out, expected_path = sys.argv[1:]
rng = random.Random(5)
expected = []          # (path, generation, n) in write order
gen = {}

def seen_count():
    with open(out, "rb") as f:
        return sum(1 for l in f if b'"kind":"notice"' not in l)

def wait_caught_up():
    deadline = time.time() + 20
    while seen_count() < len(expected):
        if time.time() > deadline:
            sys.exit("tail did not catch up: %d < %d" % (seen_count(), len(expected)))
        time.sleep(0.02)

def lines_for(path, count):
    g = gen.setdefault(path, 0)
    data = b""
    for _ in range(count):
        n = sum(1 for e in expected if e[0] == path and e[1] == g)
        line = json.dumps({"f": path, "g": g, "n": n, "pad": "x" * rng.randint(0, 3000)})
        data += line.encode() + (b"\r\n" if rng.random() < 0.1 else b"\n")
        expected.append((path, g, n))
    return data

def write_chunked(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "ab", buffering=0) as f:
        i = 0
        while i < len(data):
            j = min(len(data), i + rng.randint(1, 5000))
            f.write(data[i:j])
            i = j
            if rng.random() < 0.3:
                time.sleep(rng.random() * 0.002)

files = [os.path.join(root, "d%d" % d, "s%d" % (d % 2), "f%d.jsonl" % i) for d in range(4) for i in range(3)]
for round_ in range(3):
    for p in files:
        write_chunked(p, lines_for(p, rng.randint(5, 40)))

wait_caught_up()
rot = files[0]                                   # rotation: rename away, new file at the path
write_chunked(rot, lines_for(rot, 30))           # appended just before the rotation
os.rename(rot, rot + ".1")
gen[rot] += 1
write_chunked(rot, lines_for(rot, 20))

dele = files[1]                                  # delete and recreate
wait_caught_up()
os.remove(dele)
gen[dele] += 1
write_chunked(dele, lines_for(dele, 15))

trunc = files[2]                                 # truncate in place
wait_caught_up()
os.truncate(trunc, 0)
gen[trunc] += 1
write_chunked(trunc, lines_for(trunc, 10))

for p in files:
    write_chunked(p, lines_for(p, rng.randint(1, 10)))
wait_caught_up()
json.dump(expected, open(expected_path, "w"))
print(len(expected), "lines written")
PY

kill -TERM "$tail_pid"
wait "$tail_pid" || fail "trace-tail did not exit 0 on SIGTERM"
python3 - "$T/live.out" "$T/expected.json" <<'PY'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1])]
expected = [tuple(e) for e in json.load(open(sys.argv[2]))]
notices = [e for e in events if e["kind"] == "notice"]
lines = [(e["data"]["f"], e["data"]["g"], e["data"]["n"]) for e in events if e["kind"] != "notice"]
dups = {l for l in lines if lines.count(l) > 1}
assert not dups, ("duplicates", sorted(dups)[:5])
assert set(lines) == set(expected), ("missing", sorted(set(expected) - set(lines))[:5],
                                     "extra", sorted(set(lines) - set(expected))[:5])
last = {}
for f, g, n in lines:                            # per-file order
    assert n == last.get((f, g), -1) + 1, ("out of order", f, g, n)
    last[(f, g)] = n
assert any(e["notice"] == "truncated" for e in notices), notices
print(len(lines), "lines,", len(notices), "notices")
PY
pass "live: exactly once, in order, across rotation, delete/recreate, truncation"
