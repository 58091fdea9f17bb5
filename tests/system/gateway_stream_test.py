"""SSE through the real pipeline: lines appended to a watched file reach
stream clients (filtered), Last-Event-ID resume gets exactly the missed
events then continues live, the connection cap answers 429, a client that
does not read is cut off while the others keep receiving, POSTed events come
back on the stream, heartbeats flow, SIGTERM ends streams cleanly."""
import json
import sys

from gateway_lib import Pipeline, SseClient, fail, span, wait_until


def check_live_and_filter(p):
    port = p.ports["http"]
    everything = SseClient(port)
    only_b = SseClient(port, "/api/stream?session_id=s-b")
    by_post = SseClient(port, "/api/stream", method="POST", body=json.dumps({"session_id": "s-a"}))
    for c in (everything, only_b, by_post):
        if c.wait_status() != 200:
            fail("stream status %r" % c.status)
        if b"text/event-stream" not in c.head:
            fail("content type: %r" % c.head)
    wait_until("3 stream clients", lambda: p.get("/api/stream/stats")[1]["total_clients"] == 3)
    p.append("t1.jsonl", [span(i, "s-a" if i % 2 else "s-b") for i in range(20)])
    got = everything.wait_events(20)
    ids = everything.ids()
    if ids != sorted(ids) or len(set(ids)) != 20:
        fail("ids not increasing/unique: %s" % ids)
    spans = [json.loads(e["data"])["span_id"] for e in got]
    if sorted(spans) != sorted("sp-%s-%d" % ("s-a" if i % 2 else "s-b", i) for i in range(20)):
        fail("wrong spans %s" % spans)
    b = only_b.wait_events(10)
    if {json.loads(e["data"])["session_id"] for e in b} != {"s-b"}:
        fail("session filter leaked")
    a = by_post.wait_events(10)
    if {json.loads(e["data"])["session_id"] for e in a} != {"s-a"}:
        fail("POST filter leaked")
    if not any(f.get("retry") for f in everything.frames):
        fail("no retry: hint")
    only_b.close()
    by_post.close()
    print("PASS: appended lines reach SSE clients in seq order; GET and POST filters")
    return everything


def check_resume(p, client):
    last = client.ids()[-1]
    client.close()
    p.append("t1.jsonl", [span(100 + i, "s-a") for i in range(15)])
    wait_until("15 more stored", lambda: p.get("/health")[1]["store"]["last_seq"] >= last + 15)
    resumed = SseClient(p.ports["http"], headers={"Last-Event-ID": str(last)})
    got = resumed.wait_events(15)
    ids = resumed.ids()
    if ids != list(range(last + 1, last + 16)):
        fail("resume got %s, want %d..%d" % (ids, last + 1, last + 15))
    p.append("t1.jsonl", [span(200 + i, "s-a") for i in range(5)])
    resumed.wait_events(20)
    ids = resumed.ids()
    if ids != list(range(last + 1, last + 21)):
        fail("replay->live switch: %s" % ids)
    by_param = SseClient(p.ports["http"], "/api/stream?session_id=s-a&last_event_id=%d" % (last + 10))
    by_param.wait_events(10)
    if by_param.ids() != list(range(last + 11, last + 21)):
        fail("last_event_id param: %s" % by_param.ids())
    by_param.close()
    print("PASS: Last-Event-ID resume gets exactly the missed events, then live, no gap/dup")
    return resumed


def check_cap_and_slow_client(p, reader):
    port = p.ports["http"]
    stalled = SseClient(port, rcvbuf=4096)  # connects, then never reads
    extra = SseClient(port)
    if stalled.wait_status() != 200 or extra.wait_status() != 200:
        fail("clients 2-3 refused")
    fourth = SseClient(port)
    fourth.wait_status()
    over = SseClient(port)
    if over.wait_status() != 429:
        fail("5th stream got %r, want 429" % over.status)
    over.close()
    fourth.close()
    print("PASS: connection cap answers 429")
    base = len(reader.events())
    n, chunk = 1500, 100
    for start in range(0, n, chunk):  # bursts the live readers keep up with
        p.append("t2.jsonl", [span(1000 + i, "s-c", tool_input={"pad": "x" * 400})
                              for i in range(start, start + chunk)])
        reader.wait_events(base + start + chunk, timeout=60)
        extra.wait_events(start + chunk, timeout=60)
    stats = wait_until("slow client dropped",
                       lambda: (lambda s: s if s["dropped_slow"] >= 1 else None)(p.get("/api/stream/stats")[1]))
    while not stalled.closed:
        stalled.pump(1.0)
    if len(stalled.events()) >= n:
        fail("stalled client got everything")
    print("PASS: a non-reading client is disconnected (%d of %d delivered) while others got all %d; stats %s"
          % (len(stalled.events()), n, n, {k: stats[k] for k in ("dropped_slow", "total_clients")}))
    extra.close()


def check_ingest_and_heartbeat(p, reader):
    base = len(reader.events())
    status, body = p.request("POST", "/api/events", json.dumps(
        [{"event_type": "UserPromptSubmit", "session_id": "s-ing", "data": {"prompt": "hi"}},
         {"timestamp": "2024-01-26T10:30:00Z", "event": "PreToolUse", "sessionId": "s-ing",
          "data": {"tool_name": "Read"}}]), {"Content-Type": "application/json"})
    if status != 201:
        fail("ingest %r %r" % (status, body))
    got = reader.wait_events(base + 2)
    seen = {json.loads(e["data"])["span_id"] for e in got[base:]}
    if seen != set(body["ids"]):
        fail("ingested ids %s not streamed: %s" % (body["ids"], seen))
    status, ev = p.get("/api/traces/" + body["ids"][1])
    if status != 200 or ev["session_id"] != "s-ing" or ev["kind"] != "ingest":
        fail("ingested event in store: %r %r" % (status, ev))
    wait_until("heartbeat", lambda: reader.pump(0.3) or any(f.get("event") == "heartbeat" for f in reader.frames))
    print("PASS: POST /api/events -> spool -> tail -> index -> SSE and REST; heartbeats")


def main():
    p = Pipeline(["--max-clients", "4", "--sse-queue", "256", "--sse-sndbuf", "8192",
                  "--heartbeat-ms", "1000", "--retry-ms", "200"])
    try:
        p.start_all()
        reader = check_live_and_filter(p)
        reader = check_resume(p, reader)
        check_cap_and_slow_client(p, reader)
        check_ingest_and_heartbeat(p, reader)
        p.stop("trace-gateway")
        while not reader.closed:
            reader.pump(1.0)
        print("PASS: SIGTERM ends streams cleanly and exits 0")
        p.ok = True
    finally:
        p.close()


if __name__ == "__main__":
    sys.path.insert(0, __file__.rsplit("/", 1)[0])
    main()
