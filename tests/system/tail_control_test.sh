#!/usr/bin/env bash
# The control socket (proto/wire.md) with a python3-zmq DEALER: HELLO gives
# STATE (ids, pub_seq, per-source offsets); REWIND re-publishes from the
# given offset (others from their origin) with the same span_ids; unknown
# commands get ERROR; publisher_id is stable per --state file, epoch is not.
source "$(dirname "$0")/lib.sh"

PYZMQ=$(for p in python3 /usr/bin/python3; do "$p" -c 'import zmq' 2>/dev/null && { echo "$p"; break; }; done)
[ -n "$PYZMQ" ] || fail "python3-zmq is not installed"
pp=$(free_port); pc=$(free_port)
mkdir -p "$T/in"
for i in $(seq 0 9); do echo "{\"display\":\"a$i\",\"timestamp\":$((1769606193350 + i))}"; done >"$T/in/a.jsonl"
for i in $(seq 0 4); do echo "{\"display\":\"b$i\",\"timestamp\":1769606193350}"; done >"$T/in/b.jsonl"

run_tail() {
  "$TRACE_BIN/trace-tail" --stdout --pub "tcp://127.0.0.1:$pp" --control "tcp://127.0.0.1:$pc" \
    --state "$T/state.json" --kind history "$T/in/*.jsonl" >>"$T/stdout.jsonl" 2>>"$T/tail.log" &
  tail_pid=$!
  _pids+=("$tail_pid")
}
run_tail
have_lines() { [ "$(wc -l <"$1")" -ge "$2" ]; }
wait_for 10 have_lines "$T/stdout.jsonl" 15

"$PYZMQ" - "$pp" "$pc" "$T" <<'PY'
import json, os, sys, time, zmq
pp, pc, T = sys.argv[1:]
ctx = zmq.Context()
dealer = ctx.socket(zmq.DEALER)
dealer.connect("tcp://127.0.0.1:" + pc)
def ask(cmd, body):
    dealer.send_multipart([cmd.encode(), json.dumps(body).encode() if not isinstance(body, bytes) else body])
    assert dealer.poll(5000), "no reply to " + cmd
    word, reply = dealer.recv_multipart()
    return word.decode(), json.loads(reply)

word, state = ask("HELLO", {})
assert word == "STATE", word
assert len(state["publisher_id"]) == 16 and len(state["epoch"]) == 16, state
assert state["pub_seq"] == 15, state
src = {os.path.basename(s["path"]): s for s in state["sources"]}
assert src["a.jsonl"]["offset"] == os.path.getsize(T + "/in/a.jsonl"), src
st = os.stat(T + "/in/a.jsonl")
assert src["a.jsonl"]["id"] == "%d:%d" % (st.st_dev, st.st_ino), src

sub = ctx.socket(zmq.SUB)
sub.connect("tcp://127.0.0.1:" + pp)
sub.setsockopt(zmq.SUBSCRIBE, b"")
for i in range(200):                       # wait until the subscription is live
    with open(T + "/in/probe.jsonl", "a") as f:
        f.write('{"display":"probe%d","timestamp":1}\n' % i)
    if sub.poll(100):
        break
else:
    sys.exit("SUB never received anything")
time.sleep(0.3)
while sub.poll(100):
    sub.recv_multipart()

a_lines = open(T + "/in/a.jsonl", "rb").read().split(b"\n")
offset5 = sum(len(l) + 1 for l in a_lines[:5])
word, before = ask("HELLO", {})
word, rewound = ask("REWIND", {"sources": [{"id": src["a.jsonl"]["id"], "path": src["a.jsonl"]["path"], "offset": offset5}]})
assert word == "REWOUND", (word, rewound)
assert rewound["pub_seq"] == before["pub_seq"], (rewound, before)
assert rewound["rewound"] == 3, rewound                  # a to offset5; b and probe to origin 0
probes = sum(1 for _ in open(T + "/in/probe.jsonl"))
want = 5 + 5 + probes
got = []
while len(got) < want and sub.poll(5000):
    topic, header, body = sub.recv_multipart()
    seq = int.from_bytes(header[20:28], "big")
    assert seq > rewound["pub_seq"], seq
    got.append(json.loads(body))
assert len(got) == want, (len(got), want)
displays = sorted(e["data"]["display"] for e in got if not e["data"]["display"].startswith("probe"))
assert displays == sorted(["a5", "a6", "a7", "a8", "a9", "b0", "b1", "b2", "b3", "b4"]), displays
first = {}
for line in open(T + "/stdout.jsonl"):
    e = json.loads(line)
    first.setdefault((e["source"]["path"], e["source"]["offset"]), e["span_id"])
for e in got:                                            # same ids as the first time
    assert first[(e["source"]["path"], e["source"]["offset"])] == e["span_id"]

word, err = ask("FROB", {})
assert word == "ERROR" and "unknown command" in err["message"], (word, err)
word, err = ask("REWIND", b"not json")
assert word == "ERROR", word
json.dump(state, open(T + "/state1.json", "w"))
print("control ok:", want, "events resent")
PY
pass "HELLO/STATE, REWIND/REWOUND, ERROR"

kill -TERM "$tail_pid"; wait "$tail_pid" || fail "SIGTERM exit code"
run_tail
"$PYZMQ" - "$pc" "$T/state1.json" <<'PY'
import json, sys, zmq
d = zmq.Context().socket(zmq.DEALER)
d.connect("tcp://127.0.0.1:" + sys.argv[1])
d.send_multipart([b"HELLO", b"{}"])
assert d.poll(5000)
word, body = d.recv_multipart()
s2, s1 = json.loads(body), json.load(open(sys.argv[2]))
assert s2["publisher_id"] == s1["publisher_id"], (s1, s2)
assert s2["epoch"] != s1["epoch"]
assert s2["pub_seq"] == 0, s2          # restart from --state: nothing to resend
PY
pass "publisher_id stable per --state, new epoch per start, resumes without resending"
