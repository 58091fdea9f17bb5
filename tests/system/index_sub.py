#!/usr/bin/env python3
# Subscribes to trace-index's PUB (proto/wire.md framing), prints the seq of
# every event received, one per line, until COUNT events or TIMEOUT seconds.
# Usage: index_sub.py ENDPOINT COUNT TIMEOUT (run with /usr/bin/python3: python3-zmq)
import json, sys, time, zmq

ep, count, timeout = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
ctx = zmq.Context()
s = ctx.socket(zmq.SUB)
s.setsockopt(zmq.SUBSCRIBE, b"")
s.connect(ep)
print("ready", flush=True)
deadline = time.time() + timeout
got = 0
while got < count and time.time() < deadline:
    if not s.poll(100):
        continue
    frames = s.recv_multipart()
    assert len(frames) == 3 and frames[1][:2] == b"CT", frames[:2]
    ev = json.loads(frames[2])
    assert frames[0].decode() == "%s.%s" % (ev["kind"], ev.get("session_id") or ""), frames[0]
    print(ev["seq"], flush=True)
    got += 1
