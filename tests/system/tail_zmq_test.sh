#!/usr/bin/env bash
# trace-tail publishing on two PUB endpoints while printing --stdout: a C++
# SUB (tail_sub, framing checked) and a python3-zmq SUB receive exactly the
# events --stdout shows, in the same order, with topic "<kind>.<session>".
source "$(dirname "$0")/lib.sh"

# python3-zmq is a Debian package: use the interpreter that has it.
PYZMQ=$(for p in python3 /usr/bin/python3; do "$p" -c 'import zmq' 2>/dev/null && { echo "$p"; break; }; done)
[ -n "$PYZMQ" ] || fail "python3-zmq is not installed"
p1=$(free_port); p2=$(free_port); pc=$(free_port)
mkdir -p "$T/in"
"$TRACE_BIN/trace-tail" --stdout --pub "tcp://127.0.0.1:$p1" --pub "tcp://127.0.0.1:$p2" \
  --control "tcp://127.0.0.1:$pc" "$T/in/*.jsonl" >"$T/stdout.jsonl" 2>"$T/tail.log" &
_pids+=($!)
"$TRACE_BIN/tail_sub" "tcp://127.0.0.1:$p1" >"$T/cpp.out" 2>"$T/cpp.log" &
_pids+=($!)
"$PYZMQ" -u - "tcp://127.0.0.1:$p2" "$T/py.out" <<'PY' 2>"$T/py.log" &
import sys, zmq
ctx = zmq.Context()
s = ctx.socket(zmq.SUB)
s.connect(sys.argv[1])
s.setsockopt(zmq.SUBSCRIBE, b"")
with open(sys.argv[2], "w") as out:
    while True:
        if not s.poll(30000):
            break
        topic, header, body = s.recv_multipart()
        assert header[:3] == b"CT\x01" and len(header) == 28, header
        out.write(topic.decode() + "\t" + body.decode() + "\n")
        out.flush()
PY
_pids+=($!)

# Subscriptions take a moment to reach the PUB: probe until both SUBs hear it.
i=0
until grep -q probe "$T/cpp.out" 2>/dev/null && grep -q probe "$T/py.out" 2>/dev/null; do
  echo "{\"probe\":$i}" >>"$T/in/probe.jsonl"; i=$((i + 1))
  [ $i -lt 200 ] || fail "subscribers never received a probe"
  sleep 0.05
done

"$TRACE_BIN/trace-gen" --home "$T/gen" --lines 2000 --seed 21 >/dev/null
cp "$T"/gen/traces/*.jsonl "$T/gen/history.jsonl" "$T/in/"
n=$(cat "$T"/gen/traces/*.jsonl "$T/gen/history.jsonl" | grep -c .)
count() { grep -vc probe "$1" 2>/dev/null || true; }
complete() { [ "$(count "$1")" -ge "$n" ]; }
for f in stdout.jsonl cpp.out py.out; do
  wait_for 30 complete "$T/$f" ||
    fail "$f has $(count "$T/$f") of $n events (stdout $(count "$T/stdout.jsonl"), cpp $(count "$T/cpp.out"), py $(count "$T/py.out"))"
done

python3 - "$T/stdout.jsonl" "$T/cpp.out" "$T/py.out" "$n" <<'PY'
import json, sys
stdout, cpp, py, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
def bodies(path, framed):
    out = []
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if "probe" in line:
            continue
        if framed:
            topic, body = line.split("\t", 1)
            e = json.loads(body)
            assert topic == e["kind"] + "." + (e["session_id"] or ""), (topic, e["kind"])
            out.append(body)
        else:
            out.append(line)
    return out
a, b, c = bodies(stdout, False), bodies(cpp, True), bodies(py, True)
assert len(a) == n, (len(a), n)
assert a == b, "C++ SUB differs from --stdout"
assert a == c, "python SUB differs from --stdout"
print(n, "events identical on stdout and both SUBs")
PY
pass "PUB on two endpoints == --stdout"
