"""HTTP framing and connection floods against the real gateway (issue 13),
with raw sockets: only a complete, unambiguous request is accepted (a short
body or a chunked body without its last chunk followed by a close is not
spooled), framing that two parsers could read differently gets 400, an
unknown HTTP version 505, an over-long request line 414, over-large headers
431, a stalled head or body 408; pipelining and 100-continue work; and while 200
idle keep-alive connections, 200 header-drippers and 40 resuming SSE clients
that never read are held, /health and a session summary still answer."""
import json
import os
import socket
import time

from gateway_lib import Pipeline, fail, span, wait_until


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    return s


def read_all(s, timeout=10):
    s.settimeout(timeout)
    out = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
    except (ConnectionResetError, socket.timeout):
        pass
    return out


def status_of(data):
    if not data.startswith(b"HTTP/1.1 "):
        return None
    return int(data.split()[1])


def exchange(port, data, half_close=True):
    """Sends data, shuts down the sending side, returns all that comes back."""
    s = connect(port)
    s.sendall(data)
    if half_close:
        s.shutdown(socket.SHUT_WR)
    out = read_all(s)
    s.close()
    return out


def post(body, extra=b""):
    return (b"POST /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" +
            extra)


def spooled(p):
    path = os.path.join(p.data, "spool", "ingest.jsonl")
    return open(path).read() if os.path.exists(path) else ""


def check_framing(p):
    port = p.ports["http"]
    body = json.dumps(span(1, "short")).encode()
    # A body shorter than its Content-Length, then the end: never accepted.
    out = exchange(port, post(body, b"Content-Length: %d\r\n\r\n" % (len(body) + 50)) + body)
    if status_of(out) != 400:
        fail("short body then close: %r" % out[:200])
    # A chunked body without its last chunk, then the end.
    chunked = b"%x\r\n%s\r\n" % (len(body), body)
    out = exchange(port, post(body, b"Transfer-Encoding: chunked\r\n\r\n") + chunked)
    if status_of(out) != 400:
        fail("chunked without last chunk: %r" % out[:200])
    if "sp-short-1" in spooled(p):
        fail("an incomplete body was spooled")
    print("PASS: a short body or an unfinished chunked body followed by a close is 400 and not spooled")

    cases = {
        "two Content-Lengths": (post(body, b"Content-Length: %d\r\nContent-Length: %d\r\n\r\n" %
                                     (len(body), len(body) + 1)) + body, 400),
        "non-numeric Content-Length": (post(body, b"Content-Length: 12abc\r\n\r\n") + body, 400),
        "Content-Length and chunked": (post(body, b"Content-Length: %d\r\nTransfer-Encoding: chunked\r\n\r\n"
                                            % len(body)) + body, 400),
        "HTTP/2.0": (b"GET /health HTTP/2.0\r\nHost: 127.0.0.1\r\n\r\n", 505),
        "HTTP/1.7": (b"GET /health HTTP/1.7\r\nHost: 127.0.0.1\r\n\r\n", 505),
        "garbage version": (b"GET /health HTCPCP/1.0\r\nHost: 127.0.0.1\r\n\r\n", 400),
        "long request line": (b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 414),
        "huge headers": (b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * 100000 + b"\r\n\r\n", 431),
        "many headers": (b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                         b"".join(b"X-%d: y\r\n" % i for i in range(500)) + b"\r\n", 431),
        "gzip transfer coding": (post(body, b"Transfer-Encoding: gzip\r\n\r\n") + body, 501),
        "obs-fold": (b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX: a\r\n b\r\n\r\n", 400),
        "no Host in 1.1": (b"GET /health HTTP/1.1\r\n\r\n", 400),
        "body over the cap": (post(body, b"Content-Length: 99999999\r\n\r\n"), 413),
    }
    for name, (data, want) in cases.items():
        out = exchange(port, data)
        got = status_of(out)
        if got != want:
            fail("%s: want %d, got %r" % (name, want, out[:200]))
        if b"application/json" not in out.split(b"\r\n\r\n")[0] or b'"error"' not in out:
            fail("%s: not a JSON error: %r" % (name, out[:300]))
    print("PASS: ambiguous framing 400, unknown version 505, long line 414, big head 431, each a JSON error")

    # Complete bodies, chunked and with 100-continue, are accepted and spooled.
    ok = json.dumps(span(2, "chunked")).encode()
    half = len(ok) // 2
    out = exchange(port, post(ok, b"Transfer-Encoding: chunked\r\n\r\n") +
                   b"%x\r\n%s\r\n%x\r\n%s\r\n0\r\n\r\n" % (half, ok[:half], len(ok) - half, ok[half:]))
    if status_of(out) != 201:
        fail("complete chunked body: %r" % out[:300])
    s = connect(port)
    cont = json.dumps(span(3, "continue")).encode()
    s.sendall(post(cont, b"Expect: 100-continue\r\nContent-Length: %d\r\n\r\n" % len(cont)))
    s.settimeout(5)
    first = s.recv(1000)
    if not first.startswith(b"HTTP/1.1 100 Continue\r\n\r\n"):
        fail("no 100 Continue: %r" % first)
    s.sendall(cont)
    s.shutdown(socket.SHUT_WR)
    out = first[len(b"HTTP/1.1 100 Continue\r\n\r\n"):] + read_all(s)
    s.close()
    if status_of(out) != 201:
        fail("after 100 Continue: %r" % out[:300])
    wait_until("both spooled", lambda: "sp-chunked-2" in spooled(p) and "sp-continue-3" in spooled(p))
    # Two pipelined requests in one write: two responses, in order.
    out = exchange(port, b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                   b"GET /nope-404 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    if out.count(b"HTTP/1.1 ") != 2 or b"HTTP/1.1 404" not in out.split(b"HTTP/1.1 200", 1)[1]:
        fail("pipelining: %r" % out[:500])
    print("PASS: complete chunked and 100-continue bodies get 201 and are spooled; pipelined requests answered in order")

    # A head that stalls gets 408 once --header-timeout-ms (1000) is over.
    s = connect(port)
    s.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
    t0 = time.time()
    out = read_all(s, timeout=10)
    s.close()
    if status_of(out) != 408 or not 0.8 < time.time() - t0 < 5:
        fail("stalled head: %r after %.1f s" % (out[:200], time.time() - t0))
    # A body that stalls part way (a slow sender holding a request open) gets
    # 408 once --body-timeout-ms (1000) is over, and nothing of it is spooled.
    stalled = json.dumps(span(4, "stalled")).encode()
    s = connect(port)
    s.sendall(post(stalled, b"Content-Length: %d\r\n\r\n" % len(stalled)) + stalled[:10])
    t0 = time.time()
    out = read_all(s, timeout=10)
    s.close()
    if status_of(out) != 408 or not 0.8 < time.time() - t0 < 5:
        fail("stalled body: %r after %.1f s" % (out[:200], time.time() - t0))
    time.sleep(0.3)
    if "sp-stalled-4" in spooled(p):
        fail("a stalled body was spooled")
    print("PASS: a stalled head or body gets 408 after its timeout; nothing spooled")


def timed_get(port, path):
    t0 = time.time()
    s = connect(port)
    s.sendall(b"GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n" % path.encode())
    out = read_all(s)
    s.close()
    return status_of(out), time.time() - t0


def check_floods(p):
    port = p.ports["http"]
    p.append("flood.jsonl", [span(i, "flood") for i in range(5)])
    wait_until("events indexed", lambda: p.get("/api/sessions/flood/summary")[0] == 200)
    held = []
    for _ in range(200):  # idle keep-alive clients, after one request each
        s = connect(port)
        s.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        held.append(s)
    for s in held:
        s.settimeout(10)
        if status_of(s.recv(65536)) not in (200, 503):
            fail("idle client's first request failed")
    drippers = []
    for _ in range(200):  # slowloris: a head that never ends
        s = connect(port)
        s.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Drip: a")
        drippers.append(s)
    resumers = []
    for _ in range(40):  # resuming SSE clients that never read
        s = connect(port)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.sendall(b"GET /api/stream?last_event_id=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        resumers.append(s)
    worst = 0
    for i in range(20):
        for s in drippers[i * 10:(i + 1) * 10]:
            s.send(b"a")
        for path in ("/health", "/api/sessions/flood/summary"):
            status, secs = timed_get(port, path)
            if status != 200:
                fail("%s during the flood: %r" % (path, status))
            worst = max(worst, secs)
    if worst > 2:
        fail("slowest answer during the flood: %.2f s" % worst)
    m = p.get("/metrics")[1].decode()
    open_line = [l for l in m.splitlines() if l.startswith("trace_gateway_http_connections ")]
    if not open_line or float(open_line[0].split()[1]) < 400:
        fail("connections gauge: %r" % open_line)
    print("PASS: with 200 idle, 200 dripping and 40 stalled SSE clients held, /health and the "
          "summary answer (slowest %.0f ms); %s" % (worst * 1000, open_line[0]))
    for s in held + drippers + resumers:
        s.close()


def main():
    p = Pipeline(["--header-timeout-ms", "1000", "--body-timeout-ms", "1000", "--threads", "4"])
    try:
        p.start_all()
        check_framing(p)
        # The flood on default timeouts, so the drippers are held throughout.
        p.stop("trace-gateway")
        p.gateway_args = ["--threads", "4"]
        p.start_gateway()
        wait_until("gateway ready again", lambda: p.get("/health")[0] == 200)
        check_floods(p)
        p.ok = True
    finally:
        p.close()


if __name__ == "__main__":
    main()
