"""Helpers for the gateway system tests (imported; not a test itself):
temp dirs, free ports, the real trace-tail -> trace-index -> trace-gateway
pipeline on loopback, plain HTTP, and a raw-socket SSE client."""
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

BIN = os.environ["TRACE_BIN"]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def fail(msg):
    raise AssertionError(msg)


def wait_until(what, fn, timeout=20.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            v = fn()
            if v:
                return v
        except (OSError, ValueError, http.client.HTTPException):
            pass
        time.sleep(0.05)
    fail("timed out waiting for " + what)


class Pipeline:
    """trace-tail (following a temp Claude home), trace-index, trace-gateway."""

    def __init__(self, gateway_args=()):
        self.dir = tempfile.mkdtemp(prefix="ct-gw-")
        self.home = os.path.join(self.dir, "home")
        self.claude = os.path.join(self.home, ".claude")
        self.traces = os.path.join(self.claude, "traces")
        os.makedirs(self.traces)
        self.env = dict(os.environ, HOME=self.home, XDG_DATA_HOME=os.path.join(self.dir, "data"),
                        CLAUDE_CONFIG_DIR=self.claude)
        self.data = os.path.join(self.dir, "data", "claude-trace")
        self.ports = {k: free_port() for k in ("pub", "ctl", "ipub", "http")}
        self.procs = {}
        self.gateway_args = list(gateway_args)
        self.ok = False

    def ep(self, name):
        return "tcp://127.0.0.1:%d" % self.ports[name]

    def start(self, name, args):
        log = open(os.path.join(self.dir, name + ".log"), "ab")
        self.procs[name] = subprocess.Popen([os.path.join(BIN, name)] + args, env=self.env,
                                            stdout=log, stderr=log)

    def start_all(self):
        self.start("trace-tail", ["--pub", self.ep("pub"), "--control", self.ep("ctl")])
        self.start("trace-index", ["--sub", self.ep("pub"), "--tail-control", self.ep("ctl"),
                                   "--pub", self.ep("ipub"), "--batch-ms", "5"])
        self.start_gateway()
        wait_until("gateway ready", lambda: self.get("/health")[0] == 200)
        return self

    def start_gateway(self):
        self.start("trace-gateway", ["--sub", self.ep("ipub"), "--listen",
                                     "127.0.0.1:%d" % self.ports["http"]] + self.gateway_args)

    def stop(self, name):
        p = self.procs.pop(name)
        p.terminate()
        rc = p.wait(timeout=20)
        if rc != 0:
            fail("%s exited %d on SIGTERM" % (name, rc))

    def close(self):
        for name in list(self.procs):
            try:
                self.stop(name)
            except Exception as e:  # keep cleaning up
                print("cleanup:", e, file=sys.stderr)
        if self.ok:
            shutil.rmtree(self.dir, ignore_errors=True)
        else:
            for f in sorted(os.listdir(self.dir)):
                if f.endswith(".log"):
                    print("== " + f, file=sys.stderr)
                    with open(os.path.join(self.dir, f), errors="replace") as fh:
                        print("".join(fh.readlines()[-30:]), file=sys.stderr)

    def request(self, method, path, body=None, headers=None):
        c = http.client.HTTPConnection("127.0.0.1", self.ports["http"], timeout=10)
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, (json.loads(data) if data and r.getheader("Content-Type", "").startswith("application/json") else data)

    def get(self, path):
        return self.request("GET", path)

    def append(self, name, records):
        with open(os.path.join(self.traces, name), "a") as f:
            for r in records:
                f.write(json.dumps(r) + "\n")


class StoreGateway:
    """trace-gateway alone (no upstream) on a store in a temp dir, for the tests that
    need no pipeline: `with StoreGateway("ct-x-") as g:` fill g.db, g.start(args...);
    on leaving the block the gateway is stopped and the dir removed, unless the block
    failed: then the tail of the gateway's log is printed and the dir kept."""

    def __init__(self, prefix):
        self.dir = tempfile.mkdtemp(prefix=prefix)
        self.db = os.path.join(self.dir, "db")
        self.port = free_port()
        self.proc = None

    def __enter__(self):
        return self

    def start(self, *args):
        log = open(os.path.join(self.dir, "gw.log"), "w")
        self.proc = subprocess.Popen([os.path.join(BIN, "trace-gateway"), "--db", self.db,
                                      "--sub", "", "--listen", "127.0.0.1:%d" % self.port,
                                      "--spool", os.path.join(self.dir, "spool")] + list(args),
                                     stdout=log, stderr=log)
        return self.proc

    def __exit__(self, exc_type, exc, tb):
        if self.proc:
            self.proc.terminate()
            self.proc.wait(timeout=30)
        log = os.path.join(self.dir, "gw.log")
        if exc_type is None:
            shutil.rmtree(self.dir, ignore_errors=True)
        elif os.path.exists(log):
            print(open(log).read()[-3000:])
        return False


def span(i, session, **extra):
    r = {"span_id": "sp-%s-%d" % (session, i), "session_id": session,
         "event_type": "PreToolUse", "hook_type": "PreToolUse", "tool_name": "Bash",
         "timestamp": 1764000000000 + i, "tool_input": {"command": "echo %d" % i}}
    r.update(extra)
    return r


class SseClient:
    """A raw-socket SSE client: frames parsed as they arrive."""

    def __init__(self, port, path="/api/stream", headers=None, rcvbuf=None, method="GET", body=None):
        self.sock = socket.socket()
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.connect(("127.0.0.1", port))
        req = "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAccept: text/event-stream\r\n" % (method, path, port)
        for k, v in (headers or {}).items():
            req += "%s: %s\r\n" % (k, v)
        if body is not None:
            req += "Content-Type: application/json\r\nContent-Length: %d\r\n" % len(body)
        self.sock.sendall((req + "\r\n" + (body or "")).encode())
        self.buf = b""
        self.status = None
        self.head = b""
        self.frames = []
        self.closed = False

    def pump(self, timeout):
        self.sock.settimeout(timeout)
        try:
            chunk = self.sock.recv(1 << 20)
        except socket.timeout:
            return
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            self.closed = True
            return
        self.buf += chunk
        if self.status is None and b"\r\n\r\n" in self.buf:
            self.head, self.buf = self.buf.split(b"\r\n\r\n", 1)
            self.status = int(self.head.split()[1])
        if self.status is not None:
            while b"\n\n" in self.buf:
                raw, self.buf = self.buf.split(b"\n\n", 1)
                frame = {}
                for line in raw.decode().split("\n"):
                    k, _, v = line.partition(": ")
                    frame[k] = v
                self.frames.append(frame)

    def events(self):
        return [f for f in self.frames if f.get("event") == "trace"]

    def ids(self):
        return [int(f["id"]) for f in self.events()]

    def wait_events(self, n, timeout=20.0):
        deadline = time.time() + timeout
        while len(self.events()) < n and not self.closed and time.time() < deadline:
            self.pump(0.2)
        if len(self.events()) < n:
            fail("got %d of %d events (closed=%s)" % (len(self.events()), n, self.closed))
        return self.events()

    def wait_status(self, timeout=10.0):
        deadline = time.time() + timeout
        while self.status is None and not self.closed and time.time() < deadline:
            self.pump(0.2)
        return self.status

    def close(self):
        self.sock.close()
