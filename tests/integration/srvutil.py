"""
srvutil.py: start, watch and stop real server processes for the integration
suite, plus a raw-socket RESP client for byte-exact checks.

Owns: picking a free 127.0.0.1 port, the per-server temp dir and log file,
readiness polling, stopping by pid, and a minimal RESP2/RESP3 reply reader.
Does not own pytest wiring (conftest.py) or any assertion about behaviour.

The binary comes from $SHOAL_SERVER. Its command line is redis-server's, so
the suite is developed against /usr/bin/redis-server 7.0.15 and runs
unchanged against shoal-server; shoal-only checks use IS_SHOAL to skip.
"""

import binascii
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SERVER = os.path.normpath(os.path.join(HERE, "..", "..", "build", "node", "shoal-server"))
SERVER_PATH = os.environ.get("SHOAL_SERVER") or DEFAULT_SERVER
# Decided by the binary's name: the suite must know which server it drives
# before it can start one (config refusal tests never get a running server).
IS_REDIS = os.path.basename(SERVER_PATH).startswith("redis-server")
IS_SHOAL = not IS_REDIS
SHOAL_ONLY = "shoal-only behaviour (SHOAL_SERVER is redis-server)"

# Ports other people's servers use on this machine: never hand them out.
FORBIDDEN_PORTS = set(range(7000, 7006)) | {6379} | set(range(17000, 17006))
START_TIMEOUT_S = 15.0
STOP_TIMEOUT_S = 10.0
START_ATTEMPTS_MAX = 8
LOG_TAIL_LINES = 40
CRASH_TAIL_LINES = 150  # a crash report's backtrace sits well above the last lines

# The arguments every server gets: no persistence, loopback only. Redis has
# 16 databases by default, shoal only DB 0; "databases 1" makes redis-server
# behave like shoal for SELECT and COPY ... DB.
BASE_ARGS = ["--save", "", "--appendonly", "no"]
REDIS_COMPAT_ARGS = ["--databases", "1"] if IS_REDIS else []

_root_lock = threading.Lock()
_root_dir = None
_all_servers = []
# Servers a test touched (alive at its start or started during it): the
# conftest report hook prints their log tails when the test fails.
touched = []


def root_dir():
    """The session's scratch directory (created on first use)."""
    global _root_dir
    with _root_lock:
        if _root_dir is None:
            _root_dir = tempfile.mkdtemp(prefix="shoal-it-")
        return _root_dir


def remove_root_dir():
    global _root_dir
    with _root_lock:
        if _root_dir is not None:
            shutil.rmtree(_root_dir, ignore_errors=True)
            _root_dir = None


def _die_with_parent():
    """In the child before exec: SIGTERM the server if pytest itself dies
    (killed with SIGKILL, teardown never runs), so no server outlives it."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:
        pass


def free_port():
    """A port the kernel just gave us on 127.0.0.1 (released again: the
    caller retries if someone else grabs it before the server binds)."""
    for _ in range(100):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        finally:
            s.close()
        if port not in FORBIDDEN_PORTS and port + 10000 not in FORBIDDEN_PORTS:
            return port
    raise RuntimeError("no free port found")


class StartError(Exception):
    pass


class Server:
    """One server process: its own dir, log file, port and pid."""

    def __init__(self, name, args=(), conf_text=None, path=None, base_args=None):
        self.name = name
        self.extra_args = list(args)
        self.base_args = BASE_ARGS + REDIS_COMPAT_ARGS if base_args is None else list(base_args)
        self.conf_text = conf_text
        self.path = path or SERVER_PATH
        self.dir = tempfile.mkdtemp(prefix=re.sub(r"[^\w.-]", "_", name)[:40] + "-", dir=root_dir())
        self.log_path = os.path.join(self.dir, "server.log")
        self.conf_path = None
        if conf_text is not None:
            self.conf_path = os.path.join(self.dir, "server.conf")
            with open(self.conf_path, "w") as f:
                f.write(conf_text)
        self.port = None
        self.proc = None
        self.returncode = None
        # Set once the suite asked the process to end (stop, SHUTDOWN, a
        # refused config); an exit without it is a crash.
        self.exit_expected = False
        self.killed = False
        _all_servers.append(self)

    # ---- command line and process ----

    def argv(self, port):
        argv = [self.path]
        if self.conf_path:
            argv.append(self.conf_path)
        argv += ["--port", str(port), "--bind", "127.0.0.1", "--dir", self.dir]
        argv += self.base_args + self.extra_args
        return argv

    def spawn(self, argv):
        self.logf = open(self.log_path, "ab")
        self.log_offset = self.logf.tell()
        self.logf.write(("### " + " ".join(repr(a) for a in argv) + "\n").encode())
        self.logf.flush()
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self.logf,
                                     stderr=subprocess.STDOUT, cwd=self.dir,
                                     preexec_fn=_die_with_parent)
        self.returncode = None
        self.exit_expected = False
        self.killed = False
        touched.append(self)

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def crashed(self):
        """True if the process ended without the suite asking it to."""
        return self.proc is not None and self.proc.poll() is not None and not self.exit_expected

    def pick_port(self):
        return free_port()

    def start(self, timeout_s=START_TIMEOUT_S):
        """Starts the server and waits until it answers PING; retries on a new
        port when the chosen one turned out to be taken."""
        for _ in range(START_ATTEMPTS_MAX):
            port = self.pick_port()
            self.spawn(self.argv(port))
            self.port = port
            state = self.wait_ready(timeout_s)
            if state == "ready":
                return self
            if state == "addr-in-use":
                continue
            self.exit_expected = True  # reported here, not again at teardown
            self.stop()
            raise StartError("%s did not become ready (%s); log tail:\n%s"
                             % (self.name, state, self.log_tail()))
        raise StartError("%s: no usable port after %d attempts; log tail:\n%s"
                         % (self.name, START_ATTEMPTS_MAX, self.log_tail()))

    def wait_ready(self, timeout_s):
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            rc = self.proc.poll()
            if rc is not None:
                self.returncode = rc
                self.logf.close()
                if "already in use" in self.log_text(self.log_offset).lower():
                    return "addr-in-use"
                return "exited with code %d" % rc
            if ping_ok(self.port):
                if serves_pid(self.port, self.proc.pid):
                    return "ready"
                # someone else took the port between our probe and the bind
                self.exit_expected = True
                self.stop()
                return "addr-in-use"
            time.sleep(0.02)
        return "no PING reply within %.0fs" % timeout_s

    def run_to_exit(self, timeout_s=START_TIMEOUT_S):
        """For servers expected to refuse to start: runs the command line on a
        free port and returns (exit code, log text). Kills it if it keeps
        running past the deadline and returns (None, log)."""
        self.port = free_port()
        self.spawn(self.argv(self.port))
        self.exit_expected = True
        try:
            self.returncode = self.proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.stop()
            return None, self.log_text()
        self.logf.close()
        return self.returncode, self.log_text()

    def stop(self, sig=signal.SIGTERM, timeout_s=STOP_TIMEOUT_S):
        """Stops the process by its pid: sig, wait, then SIGKILL. Returns the
        exit code (negative = killed by that signal)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.exit_expected = True
            try:
                os.kill(self.proc.pid, sig)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.killed = True
                self.proc.wait(timeout=timeout_s)
        self.returncode = self.proc.returncode
        if not self.logf.closed:
            self.logf.close()
        return self.returncode

    def wait_exit(self, timeout_s=STOP_TIMEOUT_S):
        """Waits for the process to exit by itself (after SHUTDOWN); returns
        its code or None."""
        self.exit_expected = True
        try:
            self.returncode = self.proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            return None
        return self.returncode

    # ---- observation ----

    def log_text(self, offset=0):
        try:
            with open(self.log_path, "rb") as f:
                f.seek(offset)
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def log_tail(self, n=LOG_TAIL_LINES):
        return "\n".join(self.log_text().splitlines()[-n:])

    def rss_kb(self):
        """VmRSS of the server process in kB (None once it exited)."""
        try:
            with open("/proc/%d/status" % self.proc.pid) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
        except OSError:
            return None
        return None

    def client(self, **kw):
        import redis
        kw.setdefault("socket_timeout", 20)
        kw.setdefault("socket_connect_timeout", 10)
        return redis.Redis(host="127.0.0.1", port=self.port, **kw)

    def raw(self, timeout_s=10):
        return Raw(self.port, timeout_s)

    def __repr__(self):
        return "<Server %s port=%s pid=%s>" % (self.name, self.port,
                                               self.proc.pid if self.proc else None)


def ping_ok(port):
    """True if a fresh connection to port gets +PONG (or -NOAUTH: the server
    is up but wants a password)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"PING\r\n")
            data = s.recv(64)
            return data.startswith(b"+PONG") or data.startswith(b"-NOAUTH")
    except OSError:
        return False


def serves_pid(port, pid):
    """True if the server on port reports process_id pid in INFO (or cannot
    tell because it wants a password first)."""
    try:
        with Raw(port, 5) as c:
            c.send(b"INFO server\r\n")
            reply = c.reply()
    except (OSError, ValueError):
        return False
    if isinstance(reply, Err):
        return reply.text.startswith("NOAUTH")
    m = re.search(rb"\r\nprocess_id:(\d+)\r\n", reply or b"")
    return bool(m) and int(m.group(1)) == pid


def running_servers():
    return [s for s in _all_servers if s.alive()]


def servers_of_interest():
    """Running servers and ones that died on their own: their logs matter."""
    return [s for s in _all_servers if s.alive() or s.crashed()]


def check_stopped_cleanly(s):
    """Stops s; fails the current teardown if it crashed earlier or did not
    exit 0 on SIGTERM (shutdown with clients and keys in place)."""
    if s.crashed():
        pytest.fail("%s (pid %d) exited by itself with code %s; log %s, tail:\n%s"
                    % (s.name, s.pid, s.proc.returncode, s.log_path, s.log_tail(CRASH_TAIL_LINES)))
    if not s.alive():
        return
    rc = s.stop()
    if rc != 0:
        pytest.fail("%s (pid %d) exited with code %s on SIGTERM%s; log tail:\n%s"
                    % (s.name, s.pid, rc, " (needed SIGKILL)" if s.killed else "", s.log_tail()))


def stop_all():
    for s in _all_servers:
        if s.alive():
            s.stop()


def redis_path():
    """The reference redis-server binary; its absence fails (never skips)
    the interoperability test that asks."""
    if not os.access(REDIS_SERVER_PATH, os.X_OK):
        pytest.fail("%s is missing: the interoperability tests need it" % REDIS_SERVER_PATH)
    return REDIS_SERVER_PATH


def wait_until(pred, timeout_s=10.0, interval_s=0.02, what="condition"):
    """Polls pred() until it is truthy; returns its value or raises."""
    deadline = time.monotonic() + timeout_s
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %.1fs waiting for %s" % (timeout_s, what))
        time.sleep(interval_s)


# ---- raw RESP ----

class Err:
    """An error reply: text without the leading '-' or '!'."""

    def __init__(self, text):
        self.text = text

    def __eq__(self, other):
        return isinstance(other, Err) and other.text == self.text

    def __repr__(self):
        return "Err(%r)" % self.text


class Verbatim(bytes):
    pass


class Push(list):
    pass


class RespSet(list):
    pass


class Raw:
    """A plain TCP connection that sends bytes and reads RESP replies exactly
    as the server wrote them."""

    def __init__(self, port, timeout_s=10):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout_s)
        self.buf = b""

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send(self, data):
        self.sock.sendall(data)

    def cmd(self, *args):
        """Sends one multibulk command and returns its parsed reply."""
        self.send(encode(*args))
        return self.reply()

    def fill(self):
        chunk = self.sock.recv(1 << 16)
        if not chunk:
            raise ConnectionError("server closed the connection (buffered: %r)" % self.buf[:200])
        self.buf += chunk

    def read_exact(self, n):
        while len(self.buf) < n:
            self.fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_line(self):
        while b"\r\n" not in self.buf:
            self.fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def expect(self, data):
        """Reads up to len(data) bytes and returns them for the caller to
        compare with data. Returns early (with what it has) as soon as the
        bytes differ from data, the server closes, or nothing arrives for the
        socket timeout, so a wrong reply fails fast instead of hanging."""
        while len(self.buf) < len(data):
            if not data.startswith(self.buf):
                break
            try:
                chunk = self.sock.recv(1 << 16)
            except (socket.timeout, ConnectionResetError):
                break
            if not chunk:
                break
            self.buf += chunk
        n = min(len(data), len(self.buf))
        if self.buf[:n] != data[:n]:
            n = len(self.buf)  # show everything that came, the mismatch included
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_to_eof(self, timeout_s=10):
        """Everything until the server closes; raises socket.timeout if it
        does not close within timeout_s."""
        self.sock.settimeout(timeout_s)
        out = self.buf
        self.buf = b""
        while True:
            chunk = self.sock.recv(1 << 16)
            if not chunk:
                return out
            out += chunk

    def read_for(self, wait_s):
        """Whatever arrives within wait_s: (bytes, closed). Stops early at
        EOF. For checking that nothing (more) is sent."""
        deadline = time.monotonic() + wait_s
        out = self.buf
        self.buf = b""
        closed = False
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(1 << 16)
            except socket.timeout:
                break
            except ConnectionResetError:
                closed = True
                break
            if not chunk:
                closed = True
                break
            out += chunk
        return out, closed

    def reply(self):
        return self.parse(raw=False)

    def raw_reply(self):
        """The exact bytes of the next reply."""
        return self.parse(raw=True)

    def parse(self, raw):
        line = self.read_line()
        t, rest = line[:1], line[1:]
        rawb = line + b"\r\n"
        if t == b"+":
            val = rest.decode()
        elif t == b"-":
            val = Err(rest.decode())
        elif t == b":":
            val = int(rest)
        elif t == b",":
            val = float(rest)
        elif t == b"#":
            val = rest == b"t"
        elif t == b"_":
            val = None
        elif t == b"(":
            val = int(rest)
        elif t in (b"$", b"=", b"!"):
            n = int(rest)
            if n < 0:
                val = None
            else:
                body = self.read_exact(n + 2)
                rawb += body
                body = body[:-2]
                val = Err(body.decode()) if t == b"!" else (Verbatim(body) if t == b"=" else body)
        elif t in (b"*", b"~", b">", b"%", b"|"):
            n = int(rest)
            if n < 0:
                val = None
            else:
                count = 2 * n if t in (b"%", b"|") else n
                items = []
                for _ in range(count):
                    item = self.parse(raw)
                    if raw:
                        rawb += item
                    else:
                        items.append(item)
                if t == b"%":
                    val = {_hashable(items[i]): items[i + 1] for i in range(0, len(items), 2)}
                elif t == b"~":
                    val = RespSet(items)
                elif t == b">":
                    val = Push(items)
                elif t == b"|":
                    val = self.parse(raw)  # attributes precede the real reply
                    if raw:
                        rawb += val
                else:
                    val = items
        else:
            raise ValueError("not a RESP reply: %r" % line[:200])
        return rawb if raw else val


def _hashable(v):
    return tuple(v) if isinstance(v, list) else v


def encode(*args):
    """A multibulk request."""
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, int):
            a = str(a).encode()
        elif isinstance(a, str):
            a = a.encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def info_dict(text):
    """INFO text -> {field: value-string}, plus '__sections__' list."""
    if isinstance(text, bytes):
        text = text.decode()
    d = {"__sections__": []}
    for line in text.split("\r\n"):
        if line.startswith("# "):
            d["__sections__"].append(line[2:])
        elif ":" in line:
            k, v = line.split(":", 1)
            d[k] = v
    return d


# ---- cluster mode ----
#
# A cluster-mode server also listens on its bus port (port + 10000), so both
# must be free and the bus port must exist. The short node timeout keeps the
# rejoin delay after a slot change at its 500 ms floor; a fresh master still
# stays in state fail for about 2 s, so callers poll CLUSTER INFO.

CLUSTER_BUS_PORT_OFFSET = 10000
CLUSTER_PORT_MAX = 65535 - CLUSTER_BUS_PORT_OFFSET - 1
CLUSTER_NODE_TIMEOUT_MS = 500
CLUSTER_STATE_TIMEOUT_S = 15.0
CLUSTER_SLOTS_COUNT = 16384


def _port_is_free(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def cluster_free_port():
    """A free 127.0.0.1 port P whose bus port P + 10000 is free too."""
    for _ in range(200):
        port = free_port()
        if port > CLUSTER_PORT_MAX:
            continue
        bus = port + CLUSTER_BUS_PORT_OFFSET
        if bus in FORBIDDEN_PORTS or not _port_is_free(bus):
            continue
        return port
    raise RuntimeError("no free port pair (P, P+%d) found" % CLUSTER_BUS_PORT_OFFSET)


class ClusterServer(Server):
    """A server started with cluster-enabled yes and its nodes.conf in its own
    dir. It owns no slots at start (a fresh node). No "databases 1" here:
    the reference is a stock cluster node, whose 16 databases only show in
    the cluster-mode refusals (SELECT, MOVE, COPY ... DB)."""

    def __init__(self, name, args=(), conf_text=None, path=None, base_args=None):
        Server.__init__(self, name, args, conf_text=conf_text, path=path,
                        base_args=BASE_ARGS if base_args is None else base_args)

    def argv(self, port):
        argv = Server.argv(self, port)
        argv += ["--cluster-enabled", "yes",
                 "--cluster-config-file", os.path.join(self.dir, "nodes.conf"),
                 "--cluster-node-timeout", str(CLUSTER_NODE_TIMEOUT_MS)]
        return argv

    def pick_port(self):
        """A port whose bus port (port + 10000) is free too."""
        return cluster_free_port()

    def cluster_info(self):
        """CLUSTER INFO as {field: value-string} (on a fresh connection)."""
        with Raw(self.port, 5) as c:
            reply = c.cmd("CLUSTER", "INFO")
        if isinstance(reply, Err):
            raise AssertionError("CLUSTER INFO failed: %s" % reply.text)
        return info_dict(reply)

    def wait_cluster_state(self, state="ok", timeout_s=CLUSTER_STATE_TIMEOUT_S):
        """Polls CLUSTER INFO until cluster_state is state; returns the info."""
        last = {}

        def reached():
            last.clear()
            last.update(self.cluster_info())
            return dict(last) if last.get("cluster_state") == state else None

        try:
            return wait_until(reached, timeout_s, interval_s=0.05,
                              what="cluster_state:%s on port %s" % (state, self.port))
        except AssertionError as e:
            raise AssertionError("%s; last CLUSTER INFO: %r" % (e, last)) from None

    def cluster_client(self, **kw):
        """redis-py's RedisCluster seeded with this node only."""
        from redis.cluster import RedisCluster
        kw.setdefault("socket_timeout", 20)
        kw.setdefault("socket_connect_timeout", 10)
        return RedisCluster(host="127.0.0.1", port=self.port, **kw)

    def own_slots(self, start=0, end=CLUSTER_SLOTS_COUNT - 1):
        """CLUSTER ADDSLOTSRANGE start end on a fresh connection."""
        with Raw(self.port, 5) as c:
            reply = c.cmd("CLUSTER", "ADDSLOTSRANGE", start, end)
        if reply != "OK":
            raise AssertionError("CLUSTER ADDSLOTSRANGE %d %d: %r" % (start, end, reply))


def crc16_xmodem(data):
    """CRC-16/XMODEM from Python's binascii (CRC-CCITT with initial value 0
    is XMODEM): an independent model of the server's, and fast enough to
    pick tens of thousands of keys by slot."""
    return binascii.crc_hqx(data, 0)


def key_slot(key):
    """The hash slot of key (bytes or str), hash tags included."""
    if isinstance(key, str):
        key = key.encode()
    start = key.find(b"{")
    if start >= 0:
        end = key.find(b"}", start + 1)
        if end > start + 1:
            key = key[start + 1:end]
    return crc16_xmodem(key) % CLUSTER_SLOTS_COUNT


# ---- cluster bus: several nodes that know each other ----
#
# Multi-node tests run every node with a 1000 ms node timeout (the failure
# detection bounds in the tests are multiples of it) and may mix binaries:
# BusNode takes the binary's path, so a shoal node and a stock redis-server
# node can join one cluster.

BUS_NODE_TIMEOUT_MS = 1000
REDIS_SERVER_PATH = "/usr/bin/redis-server"
BUS_JOIN_TIMEOUT_S = 15.0
# Flags that say a node is not (yet) a healthy peer in CLUSTER NODES.
BUS_BAD_FLAGS = {"fail?", "fail", "handshake", "noaddr"}


class BusNode(ClusterServer):
    """A cluster node for multi-node tests: node timeout 1000 ms, any binary,
    and restartable on its own port with its own nodes.conf (same id)."""

    def __init__(self, name, args=(), path=None, node_timeout_ms=BUS_NODE_TIMEOUT_MS):
        ClusterServer.__init__(self, name, args, path=path)
        self.node_timeout_ms = node_timeout_ms
        self.node_id = None
        self.nodes_conf = os.path.join(self.dir, "nodes.conf")

    def argv(self, port):
        argv = Server.argv(self, port)
        argv += ["--cluster-enabled", "yes",
                 "--cluster-config-file", self.nodes_conf,
                 "--cluster-node-timeout", str(self.node_timeout_ms)]
        return argv

    @property
    def bus_port(self):
        return self.port + CLUSTER_BUS_PORT_OFFSET

    @property
    def kind(self):
        return "redis" if os.path.basename(self.path).startswith("redis-server") else "shoal"

    def start(self, timeout_s=START_TIMEOUT_S):
        ClusterServer.start(self, timeout_s)
        self.node_id = self.myid()
        return self

    def restart(self, timeout_s=START_TIMEOUT_S):
        """Starts the (stopped) node again on the same port, same nodes.conf."""
        assert not self.alive(), "%s is still running" % self.name
        self.spawn(self.argv(self.port))
        state = self.wait_ready(timeout_s)
        if state != "ready":
            self.exit_expected = True
            self.stop()
            raise StartError("%s did not restart on port %d (%s); log tail:\n%s"
                             % (self.name, self.port, state, self.log_tail()))
        return self

    def kill(self):
        """SIGKILL by pid (an expected death: teardown does not report it)."""
        self.exit_expected = True
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=STOP_TIMEOUT_S)
        self.returncode = self.proc.returncode
        if not self.logf.closed:
            self.logf.close()

    def cmd(self, *args, timeout_s=5):
        """One command on a fresh connection; returns the parsed reply."""
        with Raw(self.port, timeout_s) as c:
            return c.cmd(*args)

    def myid(self):
        reply = self.cmd("CLUSTER", "MYID")
        if not isinstance(reply, bytes) or len(reply) != 40:
            raise AssertionError("%s: CLUSTER MYID replied %r" % (self.name, reply))
        return reply.decode()

    def meet(self, other):
        reply = self.cmd("CLUSTER", "MEET", "127.0.0.1", other.port)
        if reply != "OK":
            raise AssertionError("%s: CLUSTER MEET 127.0.0.1 %d: %r" % (self.name, other.port, reply))

    def cluster_nodes(self):
        """CLUSTER NODES parsed: {id: ClusterNodeLine}."""
        reply = self.cmd("CLUSTER", "NODES")
        if not isinstance(reply, bytes):
            raise AssertionError("%s: CLUSTER NODES replied %r" % (self.name, reply))
        return parse_cluster_nodes(reply.decode())

    def cluster_slots(self):
        """CLUSTER SLOTS as a sorted list of (start, end, master port, master id)."""
        reply = self.cmd("CLUSTER", "SLOTS")
        if not isinstance(reply, list):
            raise AssertionError("%s: CLUSTER SLOTS replied %r" % (self.name, reply))
        return sorted((r[0], r[1], r[2][1], r[2][2].decode()) for r in reply)


class ClusterNodeLine:
    """One CLUSTER NODES line."""

    def __init__(self, line):
        f = line.split(" ")
        if len(f) < 8:
            raise AssertionError("short CLUSTER NODES line: %r" % line)
        self.line = line
        self.id = f[0]
        self.addr = f[1]
        self.flags = set(f[2].split(","))
        self.master = f[3]
        self.ping_sent = int(f[4])
        self.pong_recv = int(f[5])
        self.config_epoch = int(f[6])
        self.link = f[7]
        self.slots = f[8:]

    @property
    def port(self):
        return int(self.addr.split("@")[0].rsplit(":", 1)[1])

    def slot_set(self):
        out = set()
        for s in self.slots:
            if s.startswith("["):
                continue  # migrating/importing marks
            a, _, b = s.partition("-")
            out.update(range(int(a), int(b or a) + 1))
        return out

    def __repr__(self):
        return "<%s>" % self.line


def parse_cluster_nodes(text):
    if not text.endswith("\n"):
        raise AssertionError("CLUSTER NODES does not end with a newline: %r" % text[-80:])
    out = {}
    for line in text[:-1].split("\n"):
        n = ClusterNodeLine(line)
        if n.id in out:
            raise AssertionError("node %s listed twice:\n%s" % (n.id, text))
        out[n.id] = n
    return out


def bus_view_problems(node, expected):
    """Why node's CLUSTER NODES is not exactly the healthy expected set of
    nodes (all connected, none in handshake/fail), or "" if it is."""
    try:
        view = node.cluster_nodes()
    except (OSError, ValueError, AssertionError) as e:
        return "%s: %s" % (node.name, e)
    want = {n.node_id for n in expected}
    if set(view) != want:
        return "%s lists %d nodes %s, want %s" % (node.name, len(view), sorted(view), sorted(want))
    for n in view.values():
        if n.link != "connected" or n.flags & BUS_BAD_FLAGS:
            return "%s: %r" % (node.name, n)
    return ""


def form_pair(bus_nodes, split):
    """(A, B) from the bus_nodes fixture: A owns slots 0..split-1, B the
    rest; they know each other and both are in state ok."""
    a = bus_nodes("A")
    b = bus_nodes("B")
    a.own_slots(0, split - 1)
    b.own_slots(split, CLUSTER_SLOTS_COUNT - 1)
    a.meet(b)
    wait_bus_joined([a, b])
    for n in (a, b):
        n.wait_cluster_state("ok")
    return a, b


def wait_bus_joined(nodes, timeout_s=BUS_JOIN_TIMEOUT_S):
    """Polls until every node lists exactly nodes, all connected and healthy.
    Returns the seconds it took."""
    t0 = time.monotonic()
    last = [""]

    def joined():
        for n in nodes:
            last[0] = bus_view_problems(n, nodes)
            if last[0]:
                return False
        return True

    try:
        wait_until(joined, timeout_s, interval_s=0.05, what="%d nodes to know each other" % len(nodes))
    except AssertionError as e:
        raise AssertionError("%s; last problem: %s" % (e, last[0])) from None
    return time.monotonic() - t0


def flags_of(observer, node_id):
    """The flags observer shows for node_id (None if it does not list it)."""
    line = observer.cluster_nodes().get(node_id)
    return None if line is None else line.flags


def wait_flagged(observers, target_id, flagged=True, timeout_s=10.0, flag="fail"):
    """Polls until every observer shows flag on target_id's line (or, with
    flagged=False, none of fail/fail? any more). Returns the seconds it took."""
    t0 = time.monotonic()
    last = {}

    def done():
        for o in observers:
            f = flags_of(o, target_id)
            last[o.name] = f
            if f is None:
                return False
            if flagged and flag not in f:
                return False
            if not flagged and f & {"fail", "fail?"}:
                return False
        return True

    what = "%s %s %s by %s" % (target_id, "flagged" if flagged else "not flagged", flag,
                                ", ".join(o.name for o in observers))
    try:
        wait_until(done, timeout_s, interval_s=0.05, what=what)
    except AssertionError as e:
        raise AssertionError("%s; last flags: %r" % (e, last)) from None
    return time.monotonic() - t0


# ---- replication: a master and its replicas ----
#
# Used by test_replication.py, test_repl_interop.py and
# test_cluster_replicas.py. "Caught up" means the replica's link is up and
# its applied offset equals the master's master_repl_offset: the only
# reliable "replica has everything" signal that does not rely on WAIT.

REPL_FAST_ARGS = ["--repl-diskless-sync-delay", "0"]
REPL_SYNC_TIMEOUT_S = 60.0
REPL_CATCHUP_TIMEOUT_S = 20.0
KEYSPACE_SCAN_COUNT = 5000
KEYSPACE_BATCH_KEYS = 2000
REPL_ID_RE = re.compile(r"^[0-9a-f]{40}$")
REPL_NO_ID = "0" * 40


def info_section(server, section, timeout_s=10):
    """INFO <section> as {field: value-string} (fresh connection). An error
    reply (LOADING, ...) raises AssertionError."""
    with Raw(server.port, timeout_s) as c:
        reply = c.cmd("INFO", section)
    if isinstance(reply, Err):
        raise AssertionError("%s: INFO %s failed: %s" % (server.name, section, reply.text))
    return info_dict(reply)


def info_field_order(server, section):
    """The field names of INFO <section>, in the order the server wrote them."""
    with Raw(server.port, 10) as c:
        reply = c.cmd("INFO", section)
    return [line.split(":", 1)[0] for line in reply.decode().split("\r\n")
            if line and not line.startswith("#")]


def repl_info(server):
    return info_section(server, "replication")


def sync_stats(server):
    """(sync_full, sync_partial_ok, sync_partial_err) from INFO stats."""
    st = info_section(server, "stats")
    return int(st["sync_full"]), int(st["sync_partial_ok"]), int(st["sync_partial_err"])


def replicaof(replica, master):
    """REPLICAOF 127.0.0.1 <master port> on replica (master=None: NO ONE)."""
    with Raw(replica.port, 5) as c:
        if master is None:
            reply = c.cmd("REPLICAOF", "NO", "ONE")
        else:
            reply = c.cmd("REPLICAOF", "127.0.0.1", master.port)
    if not (isinstance(reply, str) and reply.startswith("OK")):
        raise AssertionError("%s: REPLICAOF %s: %r" % (replica.name, master and master.port, reply))
    return reply


def replica_problem(master, replica):
    """Why replica is not caught up with master ("" when it is): link up,
    no sync in progress, applied offset == master_repl_offset."""
    try:
        ri = repl_info(replica)
        mi = repl_info(master)
    except (OSError, ValueError, AssertionError) as e:
        return "INFO failed: %s" % e
    if ri.get("role") != "slave":
        return "%s role is %r" % (replica.name, ri.get("role"))
    if ri.get("master_port") != str(master.port):
        return "%s master_port is %r, want %d" % (replica.name, ri.get("master_port"), master.port)
    if ri.get("master_link_status") != "up":
        return "%s master_link_status:%s" % (replica.name, ri.get("master_link_status"))
    if ri.get("master_sync_in_progress") != "0":
        return "%s master_sync_in_progress:%s" % (replica.name, ri.get("master_sync_in_progress"))
    if ri.get("slave_repl_offset") != mi.get("master_repl_offset"):
        return "%s slave_repl_offset:%s, %s master_repl_offset:%s" % (
            replica.name, ri.get("slave_repl_offset"), master.name, mi.get("master_repl_offset"))
    return ""


def wait_caught_up(master, replica, timeout_s=REPL_CATCHUP_TIMEOUT_S):
    """Polls until replica_problem() is empty; returns the seconds it took."""
    t0 = time.monotonic()
    last = [""]

    def ok():
        for s in (master, replica):
            if s.crashed():
                raise AssertionError("%s died; log tail:\n%s" % (s.name, s.log_tail(CRASH_TAIL_LINES)))
        last[0] = replica_problem(master, replica)
        return not last[0]

    try:
        wait_until(ok, timeout_s, interval_s=0.05,
                   what="%s to catch up with %s" % (replica.name, master.name))
    except AssertionError as e:
        raise AssertionError("%s; last problem: %s" % (e, last[0])) from None
    return time.monotonic() - t0


def load_keys(server, count, prefix="key:", ttl_every=10, value_size=0, ttl_ms=3600000):
    """Writes count string keys prefix<i> in pipelined batches (MSET, plus
    SET PX for every ttl_every-th key, with a distinct TTL around ttl_ms).
    Values are "v<i>" padded with "x" to value_size. Returns the number of
    keys written."""
    c = server.client()
    try:
        for base in range(0, count, KEYSPACE_BATCH_KEYS):
            p = c.pipeline(transaction=False)
            plain = {}
            for i in range(base, min(count, base + KEYSPACE_BATCH_KEYS)):
                k = "%s%d" % (prefix, i)
                v = ("v%d" % i).ljust(value_size, "x")
                if ttl_every and i % ttl_every == 0:
                    p.set(k, v, px=ttl_ms + i)
                else:
                    plain[k] = v
            if plain:
                p.mset(plain)
            for res in p.execute():
                if res is not True:
                    raise AssertionError("%s: load_keys got %r" % (server.name, res))
    finally:
        c.close()
    return count


def dump_keyspace(server):
    """Every key of a string-only keyspace: {key: (value, pexpiretime)}, via
    SCAN then pipelined MGET and PEXPIRETIME. The absolute expire time is
    compared, not the TTL: master and replica hold the same millisecond."""
    c = server.client(socket_timeout=60)
    keys = []
    try:
        cursor = 0
        while True:
            cursor, batch = c.scan(cursor, count=KEYSPACE_SCAN_COUNT)
            keys.extend(batch)
            if cursor == 0:
                break
        out = {}
        for base in range(0, len(keys), KEYSPACE_BATCH_KEYS):
            chunk = keys[base:base + KEYSPACE_BATCH_KEYS]
            p = c.pipeline(transaction=False)
            p.mget(chunk)
            for k in chunk:
                p.pexpiretime(k)
            res = p.execute()
            for k, v, t in zip(chunk, res[0], res[1:]):
                out[k] = (v, t)
    finally:
        c.close()
    if len(out) != len(keys):
        raise AssertionError("%s: SCAN returned a key twice (%d keys, %d distinct)"
                             % (server.name, len(keys), len(out)))
    return out


def keyspace_diff(a, b, name_a="master", name_b="replica", show=5):
    """"" if the two dump_keyspace() results are equal, else a short report."""
    if a == b:
        return ""
    only_a = [k for k in a if k not in b]
    only_b = [k for k in b if k not in a]
    differ = [k for k in a if k in b and a[k] != b[k]]
    lines = ["%s has %d keys, %s has %d" % (name_a, len(a), name_b, len(b))]
    if only_a:
        lines.append("%d only on %s, e.g. %r" % (len(only_a), name_a, only_a[:show]))
    if only_b:
        lines.append("%d only on %s, e.g. %r" % (len(only_b), name_b, only_b[:show]))
    for k in differ[:show]:
        lines.append("%r: %s %r, %s %r" % (k, name_a, a[k], name_b, b[k]))
    if differ:
        lines.append("%d keys differ in value or expire time" % len(differ))
    return "; ".join(lines)


def assert_same_keyspace(master, replica):
    """Compares every key, value and absolute expire time of the two."""
    diff = keyspace_diff(dump_keyspace(master), dump_keyspace(replica), master.name, replica.name)
    assert not diff, diff


class Writer(threading.Thread):
    """Writes keys prefix<i> (SET, every 7th with PX) to server in small
    pipelined batches until stop(); records how many batches completed and
    when. Used to make writes while a full sync runs."""

    BATCH = 50

    def __init__(self, server, prefix):
        threading.Thread.__init__(self, daemon=True)
        self.server = server
        self.prefix = prefix
        self.written = 0
        self.batch_times = []
        self.error = None
        self._stop_ev = threading.Event()

    def run(self):
        c = self.server.client()
        try:
            while not self._stop_ev.is_set():
                p = c.pipeline(transaction=False)
                for i in range(self.written, self.written + self.BATCH):
                    k = "%s%d" % (self.prefix, i)
                    if i % 7 == 0:
                        p.set(k, "w%d" % i, px=3600000 + i)
                    else:
                        p.set(k, "w%d" % i)
                p.execute()
                self.written += self.BATCH
                self.batch_times.append(time.monotonic())
        except Exception as e:  # reported by stop()
            self.error = e
        finally:
            c.close()

    def stop(self):
        self._stop_ev.set()
        self.join(30)
        if self.is_alive():
            raise AssertionError("writer thread on %s did not stop" % self.server.name)
        if self.error is not None:
            raise AssertionError("writer thread on %s failed: %r" % (self.server.name, self.error))
        return self.written

    def batches_between(self, t0, t1):
        return sum(1 for t in self.batch_times if t0 <= t <= t1)
