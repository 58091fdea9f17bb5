"""Latency of /health and a session summary while N idle keep-alive or N
slowloris connections are held against trace-gateway (issue 13), with the
gateway's RSS. Run by http_flood_bench.sh; prints one line per phase.
Usage: http_flood.py PORT GATEWAY_PID SESSION_ID N"""
import socket
import sys
import threading
import time

port, gw_pid, sid, n = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
REQS = 400


def rss_mb():
    for line in open("/proc/%s/status" % gw_pid):
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
    return 0


def get(s, path):
    s.sendall(b"GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" % path.encode())
    buf = b""
    while b"\r\n\r\n" not in buf:
        buf += s.recv(65536)
    head, body = buf.split(b"\r\n\r\n", 1)
    length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
    while len(body) < length:
        body += s.recv(65536)
    return int(head.split()[1])


def measure(phase):
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    out = []
    for path in ("/health", "/api/sessions/%s/summary" % sid):
        lat = []
        for _ in range(REQS):
            t0 = time.perf_counter()
            if get(s, path) != 200:
                raise SystemExit("%s: %s failed" % (phase, path))
            lat.append((time.perf_counter() - t0) * 1000)
        lat.sort()
        out.append("%s p50 %.2f p99 %.2f max %.1f ms" % (
            path.split("/")[-1] if "summary" in path else "health", lat[len(lat) // 2],
            lat[int(len(lat) * 0.99)], lat[-1]))
    s.close()
    print("%-26s %s; gateway RSS %.0f MB" % (phase, "; ".join(out), rss_mb()), flush=True)


def open_many(count, first):
    socks = []
    for _ in range(count):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.connect(("127.0.0.1", port))
        s.sendall(first)
        socks.append(s)
    return socks


measure("no flood")
t0 = time.time()
idle = open_many(n, b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
for s in idle:
    s.recv(65536)  # the first answer; then the connection stays open and idle
print("opened %d idle keep-alive connections in %.1f s" % (n, time.time() - t0), flush=True)
measure("%d idle held" % n)
for s in idle:
    s.close()
time.sleep(0.5)

t0 = time.time()
drip = open_many(n, b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Drip: ")
print("opened %d slowloris connections in %.1f s" % (n, time.time() - t0), flush=True)
stop = threading.Event()


def dripper():
    while not stop.is_set():
        for s in drip:
            try:
                s.send(b"a")
            except OSError:
                pass
        stop.wait(1.0)


t = threading.Thread(target=dripper)
t.start()
measure("%d slowloris held" % n)
stop.set()
t.join()
alive = 0
for s in drip:
    s.setblocking(False)
    try:
        s.recv(1)  # closed, or answered: not held
    except BlockingIOError:
        alive += 1  # still open, nothing sent back: held
    except OSError:
        pass
print("slowloris connections still held at the end: %d of %d" % (alive, n), flush=True)
for s in drip:
    s.close()
