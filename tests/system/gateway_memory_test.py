"""Bounded memory per request (issue 13) against the real gateway on a store of
200 events of 1 MB, all of one task: GET /api/traces?limit=1000 read slowly,
GET with HTTP/1.0, the task's tree (nested by parent_id, read fast and slowly),
/api/sessions, /api/tools, the session summary, and two SSE clients resuming
from the first event (one slow) all get every byte, while the gateway's peak
anonymous memory (RssAnon, sampled every 5 ms) stays under 100 MB plus 1 MB
per client. The store's mmap pages (RssFile,
page cache the kernel can reclaim, counted in VmHWM) are reported apart.
Before, one resuming client grew the gateway by ~2 GB and the traces page was
built whole in memory, and so was the task tree (200 MB here)."""
import json
import os
import socket
import subprocess
import threading
import time

from gateway_lib import BIN, StoreGateway, fail, wait_until


def sanitized(binary):
    """True when binary runs on a sanitizer's runtime (make asan/tsan): its
    allocator keeps freed memory in quarantine and adds shadow memory, so the
    process's RSS says nothing about the gateway's own bound."""
    out = subprocess.run(["ldd", binary], capture_output=True, text=True).stdout
    return "libasan" in out or "libtsan" in out

N, SIZE = 200, 1 << 20


def vm(pid, key):
    for line in open("/proc/%d/status" % pid):
        if line.startswith(key + ":"):
            return int(line.split()[1]) // 1024
    return 0


def http_get(port, path, version="1.1", rate=None, method="GET"):
    """The whole response, read at most rate bytes/s when given."""
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    s.sendall(("%s %s HTTP/%s\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n" %
               (method, path, version)).encode())
    out = bytearray()
    t0 = time.time()
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        out += chunk
        # One clock reading: checked and slept on, so a slow moment never makes it negative.
        delay = len(out) / rate - (time.time() - t0) if rate else 0
        if delay > 0:
            time.sleep(delay)
    s.close()
    head, _, body = bytes(out).partition(b"\r\n\r\n")
    return head, body


def dechunk(body):
    out, pos = bytearray(), 0
    while True:
        eol = body.index(b"\r\n", pos)
        size = int(body[pos:eol], 16)
        if size == 0:
            return bytes(out)
        out += body[eol + 2:eol + 2 + size]
        pos = eol + 4 + size


def sse_count(port, rate=None):
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    s.sendall(b"GET /api/stream?last_event_id=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    buf, seen, t0, total = bytearray(), 0, time.time(), 0
    while seen < N - 1:
        chunk = s.recv(1 << 20)
        if not chunk:
            fail("stream closed after %d events" % seen)
        total += len(chunk)
        start = max(0, len(buf) - 1)
        buf += chunk
        while True:
            end = buf.find(b"\n\n", start)
            if end < 0:
                break
            if buf.startswith(b"event: trace"):
                seen += 1
            del buf[:end + 2]
            start = 0
        delay = total / rate - (time.time() - t0) if rate else 0
        if delay > 0:
            time.sleep(delay)
    s.close()
    return seen


CLIENTS = 6  # traces, traces 1.0, tree, slow tree, two SSE (one at a time, but counted)


def check_tree(port):
    """GET /api/tasks/T-big/tree: chunked, every event once, under its parent."""
    for rate in (None, 100 << 20):
        head, body = http_get(port, "/api/tasks/T-big/tree", rate=rate)
        if b"Transfer-Encoding: chunked" not in head:
            fail("task tree not chunked: %r" % head)
        tree = json.loads(dechunk(body))
        if tree["count"] != N or tree["truncated"] or len(tree["roots"]) != 1:
            fail("task tree: count %r, %d roots" % (tree["count"], len(tree["roots"])))
        seen, stack = [], [(tree["roots"][0], None)]
        while stack:
            node, parent = stack.pop()
            if node.get("parent_id") != parent or len(node["tool_output"]["content"]) < SIZE - 6:
                fail("task tree: %s misplaced or cut" % node["span_id"])
            seen.append(node["span_id"])
            stack += [(c, node["span_id"]) for c in node["children"]]
        if sorted(seen) != sorted("big-%d" % i for i in range(N)):
            fail("task tree holds %d of %d events" % (len(set(seen)), N))
    print("PASS: GET /api/tasks/{id}/tree of %d x 1 MB events streams whole (chunked, fast and "
          "slow reader), each event once under its parent" % N)


def check_aggregates(port):
    head, body = http_get(port, "/api/sessions?limit=1000")
    sessions = json.loads(dechunk(body) if b"chunked" in head else body)
    if sessions["total"] != 1 or sessions["sessions"][0]["session_id"] != "big":
        fail("sessions list: %r" % sessions)
    head, body = http_get(port, "/api/tools")
    tools = json.loads(dechunk(body) if b"chunked" in head else body)["tools"]
    if [t.get("tool_name") for t in tools] != ["Read"] or tools[0]["calls"] != N:
        fail("tools list: %r" % tools)
    head, body = http_get(port, "/api/sessions/big/summary")
    if json.loads(body)["session_id"] != "big":
        fail("session summary: %r" % body[:200])
    print("PASS: /api/sessions, /api/tools and the session summary answer on the large store")


def main():
    with StoreGateway("ct-mem-") as g:
        src = os.path.join(g.dir, "big.jsonl")
        with open(src, "w") as f:
            for i in range(N):
                parent = "big-%d" % ((i - 1) // 2) if i else None  # a binary tree
                f.write(json.dumps({"span_id": "big-%d" % i, "session_id": "big",
                                    "hook_type": "tool", "task_id": "T-big", "parent_id": parent,
                                    "event_type": "PostToolUse", "tool_name": "Read",
                                    "timestamp": 1764000000000 + i,
                                    "tool_output": {"content": ("%06d" % i) * (SIZE // 6)}}) + "\n")
        tail = subprocess.Popen([os.path.join(BIN, "trace-tail"), "--once", "--stdout", "--state", "",
                                 src], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        subprocess.run([os.path.join(BIN, "trace-index"), "--stdin", "--db", g.db, "--no-durable"],
                       stdin=tail.stdout, stderr=subprocess.DEVNULL, check=True)
        tail.wait()
        os.remove(src)
        gw, port = g.start(), g.port
        wait_until("gateway", lambda: http_get(port, "/health")[0].split()[1] == b"200")
        base = vm(gw.pid, "VmHWM")
        peak_anon = [0]
        sampling = threading.Event()

        def sample():
            while not sampling.is_set():
                peak_anon[0] = max(peak_anon[0], vm(gw.pid, "RssAnon"))
                time.sleep(0.005)

        sampler = threading.Thread(target=sample, daemon=True)  # a failure ends it with the test
        sampler.start()

        head, body = http_get(port, "/api/traces?limit=1000", )
        if b"Transfer-Encoding: chunked" not in head:
            fail("traces page not chunked: %r" % head)
        page = json.loads(dechunk(body))
        spans = [e["span_id"] for e in page["traces"]]
        if page["total"] != N or spans != ["big-%d" % i for i in reversed(range(N))]:
            fail("traces page: total %r, %d events" % (page["total"], len(spans)))
        head, body = http_get(port, "/api/traces?limit=1000&offset=10", version="1.0")
        page = json.loads(body)
        if len(page["traces"]) != N - 10 or page["traces"][0]["span_id"] != "big-%d" % (N - 11):
            fail("HTTP/1.0 page with offset: %d events" % len(page["traces"]))
        head, body = http_get(port, "/api/traces?limit=1000", method="HEAD")
        if b"Transfer-Encoding: chunked" not in head or body:
            fail("HEAD of the traces page: %r, %d body bytes" % (head, len(body)))
        print("PASS: GET /api/traces?limit=1000 of %d x 1 MB events streams whole (chunked; "
              "HTTP/1.0 until close), in order, total right; HEAD gets the head only" % N)

        check_tree(port)
        check_aggregates(port)

        got = sse_count(port)
        slow = sse_count(port, rate=100 << 20)
        if got != N - 1 or slow != N - 1:
            fail("SSE replays got %d and %d of %d" % (got, slow, N - 1))
        sampling.set()
        sampler.join()
        peak = peak_anon[0]
        print("gateway: VmHWM %d MB at start, %d MB at the end, of which the store's mmap "
              "(RssFile) %d MB; peak RssAnon %d MB" % (base, vm(gw.pid, "VmHWM"),
                                                       vm(gw.pid, "RssFile"), peak))
        if sanitized(os.path.join(BIN, "trace-gateway")):
            print("SKIP: the memory bound is not checked on a sanitizer build (its allocator "
                  "keeps freed memory); the responses above were")
        elif peak > 100 + CLIENTS:
            fail("peak anonymous RSS %d MB > 100 MB + 1 MB per client" % peak)
        else:
            print("PASS: peak anonymous RSS %d MB <= %d MB (100 MB + 1 MB x %d clients) while "
                  "%d MB were served six times" % (peak, 100 + CLIENTS, CLIENTS, N))


if __name__ == "__main__":
    main()
