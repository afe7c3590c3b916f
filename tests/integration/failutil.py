"""
failutil.py: forming a cluster of masters and replicas, and watching it fail
over, for the failover tests (test_failover.py and other modules import it).

Owns: a per-test node factory that stops every node it made, form_cluster()
(N masters over even slot ranges, each with its replicas, everyone agreeing
and in state ok), polls for roles and for every live node agreeing on the
layout, kill/restart/stop/continue helpers, and two write recorders that
follow MOVED (a batch writer acknowledged with WAIT, and a thread writing
under a failover). Does not own starting or stopping processes (srvutil) nor
any assertion about what a test expects.

The API below is stable; everything starting with "_" is not.

  NodeFactory(prefix)              make(name, *args) -> started BusNode; stop_all()
  form_cluster(make, masters=3, replicas_of={0: 1, 1: 1, 2: 1}, args=())
                                   -> Cluster (.masters, .replicas, .nodes, .ranges, live())
  Cluster(masters, replicas, ranges), even_ranges(count)
  FORM_TIMEOUT_S, AGREE_TIMEOUT_S, ROLE_TIMEOUT_S, N_T_MS, N_T
  wait_master(node, timeout_s)     node is a master owning slots (own view, ROLE)
  is_master(node)                  its own CLUSTER NODES line says master
  wait_replica_of(node, master, timeout_s, observers=None)
  wait_all_agree(nodes, timeout_s, healthy=True) -> ({id: (role, master id)}, {owner id: ranges})
  agreement_problem(nodes, healthy=True), config_epochs(observer), slot_owner(observer, slot)
  wait_state(nodes, state, timeout_s)
  wait_epochs_distinct(nodes, timeout_s)  every node sees distinct master configEpochs
  kill(node) / restart(node) / sigstop(node) / sigcont(node)
  keys_in_slots(start, end, count, prefix)
  write_acked(node, keys, numreplicas, ...) -> {key: value} acknowledged by WAIT
  read_problems(seeds, expected)   keys whose value differs (following MOVED)
  values_on(node, keys)            {key: value} read on node itself (READONLY)
  AckedWriter(seeds, keys)         thread: SET with increasing values, records OKs

Every node runs with srvutil.BUS_NODE_TIMEOUT_MS (1000 ms) and REPL_FAST_ARGS.
"""

import os
import re
import signal
import threading
import time

import pytest

import srvutil
from srvutil import Err, Raw

N_T_MS = srvutil.BUS_NODE_TIMEOUT_MS
N_T = N_T_MS / 1000.0
FORM_TIMEOUT_S = 30.0
AGREE_TIMEOUT_S = 20.0
ROLE_TIMEOUT_S = 20.0
POLL_S = 0.05
MOVED_RE = re.compile(r"^(?:MOVED|ASK) (\d+) ([\d.]+):(\d+)$")
# Replies after which a write is known not to have happened: retry it later.
RETRY_PREFIXES = ("CLUSTERDOWN", "TRYAGAIN", "LOADING", "MASTERDOWN", "READONLY")


class NodeFactory:
    """make(name, *args, path=None) -> a started srvutil.BusNode; stop_all()
    stops them all (resuming SIGSTOPped ones first) and fails the test for
    any that exited on its own or not cleanly. Use one per test, as a
    function-scoped fixture, so a test's cluster does not outlive it."""

    def __init__(self, prefix):
        self.prefix = re.sub(r"[^\w.-]", "_", prefix)[:30]
        self.made = []

    def __call__(self, name, *args, path=None):
        n = srvutil.BusNode("%s-%s" % (self.prefix, name), args, path=path)
        self.made.append(n)
        n.start()
        return n

    def stop_all(self):
        failures = []
        for n in self.made:
            if n.alive():
                sigcont(n)
        for n in self.made:
            try:
                srvutil.check_stopped_cleanly(n)
            except pytest.fail.Exception as e:
                failures.append(str(e))
        if failures:
            pytest.fail("\n".join(failures))


class Cluster:
    """What form_cluster() built. masters[i] owns ranges[i] (inclusive
    (start, end)); replicas[i] is the list of masters[i]'s replicas; nodes
    is every node, masters first. Roles change during a test: these lists
    are the initial layout only."""

    def __init__(self, masters, replicas, ranges):
        self.masters = masters
        self.replicas = replicas
        self.ranges = ranges
        self.nodes = list(masters) + [r for i in sorted(replicas) for r in replicas[i]]

    def live(self):
        return [n for n in self.nodes if n.alive()]


def even_ranges(count):
    """count contiguous slot ranges covering all slots, as redis-cli splits."""
    per = srvutil.CLUSTER_SLOTS_COUNT / count
    out = []
    for i in range(count):
        start = int(round(i * per))
        end = int(round((i + 1) * per)) - 1
        out.append((start, end))
    return out


def form_cluster(make, masters=3, replicas_of=None, args=()):
    """Starts masters + replicas with make(name, *args) (a NodeFactory or
    the conftest bus_nodes fixture), gives masters even slot ranges, MEETs
    everyone, attaches replicas_of[i] replicas to master i with CLUSTER
    REPLICATE, and returns once every replica has caught up, every node
    agrees on the layout and every node is in state ok."""
    if replicas_of is None:
        replicas_of = {i: 1 for i in range(masters)}
    args = list(srvutil.REPL_FAST_ARGS) + list(args)
    ms = [make("m%d" % i, *args) for i in range(masters)]
    reps = {}
    for i in range(masters):
        reps[i] = [make("r%d%s" % (i, "abcdefgh"[j]), *args) for j in range(replicas_of.get(i, 0))]
    cl = Cluster(ms, reps, even_ranges(masters))
    for m, (start, end) in zip(ms, cl.ranges):
        m.own_slots(start, end)
    for n in cl.nodes[1:]:
        ms[0].meet(n)
    srvutil.wait_bus_joined(cl.nodes, FORM_TIMEOUT_S)
    for i, rs in reps.items():
        for r in rs:
            reply = r.cmd("CLUSTER", "REPLICATE", ms[i].node_id)
            if reply != "OK":
                raise AssertionError("%s: CLUSTER REPLICATE %s: %r" % (r.name, ms[i].node_id, reply))
    for i, rs in reps.items():
        for r in rs:
            wait_replica_of(r, ms[i], FORM_TIMEOUT_S)
    wait_state(cl.nodes, "ok", FORM_TIMEOUT_S)
    # A replica whose gossiped offset is still 0 is left out of some
    # replies by Redis 7.0 and ranks oddly: give every stream a few bytes.
    for i, m in enumerate(ms):
        start, end = cl.ranges[i]
        key = keys_in_slots(start, end, 1, "warm:")[0]
        reply = m.cmd("SET", key, "1")
        if reply != "OK":
            raise AssertionError("%s: SET %s: %r" % (m.name, key, reply))
    for i, rs in reps.items():
        for r in rs:
            srvutil.wait_caught_up(ms[i], r, srvutil.REPL_SYNC_TIMEOUT_S)
    wait_state(cl.nodes, "ok", FORM_TIMEOUT_S)
    wait_all_agree(cl.nodes, FORM_TIMEOUT_S)
    wait_epochs_distinct(cl.nodes, FORM_TIMEOUT_S)
    return cl


def wait_epochs_distinct(nodes, timeout_s=AGREE_TIMEOUT_S):
    """Every node sees every master with a configEpoch of its own: the
    collision rule (masters formed with ADDSLOTS all start at 0) has settled,
    so a later epoch bump cannot race it."""
    def settled():
        for n in nodes:
            epochs = [line.config_epoch for line in n.cluster_nodes().values() if "master" in line.flags]
            if len(set(epochs)) != len(epochs):
                return False
        return True

    srvutil.wait_until(settled, timeout_s, interval_s=0.05, what="distinct master configEpochs")


# ---- observation ----

def _role(node):
    try:
        return node.cmd("ROLE")
    except (OSError, ValueError):
        return None


def _own_line(node):
    try:
        view = node.cluster_nodes()
    except (OSError, ValueError, AssertionError):
        return None
    return view.get(node.node_id)


def _poll(pred, timeout_s, what, last):
    try:
        return srvutil.wait_until(pred, timeout_s, interval_s=POLL_S, what=what)
    except AssertionError as e:
        raise AssertionError("%s; last seen: %s" % (e, last[0])) from None


def _check_alive(nodes):
    for n in nodes:
        if n.crashed():
            raise AssertionError("%s died; log tail:\n%s" % (n.name, n.log_tail(srvutil.CRASH_TAIL_LINES)))


def is_master(node):
    """True if node's own CLUSTER NODES line says master (False if it does
    not answer)."""
    line = _own_line(node)
    return line is not None and "master" in line.flags


def wait_master(node, timeout_s=ROLE_TIMEOUT_S):
    """Polls until node calls itself a master owning at least one slot in its
    own CLUSTER NODES and ROLE says master. Returns the seconds it took."""
    t0 = time.monotonic()
    last = [None]

    def done():
        _check_alive([node])
        line = _own_line(node)
        role = _role(node)
        last[0] = (line, role)
        return (line is not None and "master" in line.flags and line.slot_set()
                and isinstance(role, list) and role[:1] == [b"master"])

    _poll(done, timeout_s, "%s to be a master with slots" % node.name, last)
    return time.monotonic() - t0


def wait_replica_of(node, master, timeout_s=ROLE_TIMEOUT_S, observers=None):
    """Polls until node replicates master: its own CLUSTER NODES line says
    slave of master, ROLE names master's port with the link connected, and
    every node in observers (live ones) shows node as master's replica.
    Returns the seconds it took."""
    t0 = time.monotonic()
    last = [None]
    observers = [o for o in (observers or []) if o is not node]

    def done():
        _check_alive([node, master])
        line = _own_line(node)
        role = _role(node)
        last[0] = (node.name, line, role)
        if line is None or "slave" not in line.flags or line.master != master.node_id:
            return False
        if not (isinstance(role, list) and role[:4] == [b"slave", b"127.0.0.1", master.port, b"connected"]):
            return False
        for o in observers:
            if not o.alive():
                continue
            try:
                ol = o.cluster_nodes().get(node.node_id)
            except (OSError, ValueError, AssertionError) as e:
                last[0] = (o.name, str(e))
                return False
            last[0] = (o.name, ol)
            if ol is None or "slave" not in ol.flags or ol.master != master.node_id:
                return False
        return True

    _poll(done, timeout_s, "%s to replicate %s" % (node.name, master.name), last)
    return time.monotonic() - t0


def wait_state(nodes, state="ok", timeout_s=AGREE_TIMEOUT_S):
    """Polls until every live node in nodes has cluster_state:state."""
    deadline = time.monotonic() + timeout_s
    for n in nodes:
        if n.alive():
            n.wait_cluster_state(state, max(0.1, deadline - time.monotonic()))


def _ranges(slots):
    """A sorted set of slots as a tuple of inclusive (start, end) ranges."""
    out = []
    for s in sorted(slots):
        if out and out[-1][1] == s - 1:
            out[-1][1] = s
        else:
            out.append([s, s])
    return tuple((a, b) for a, b in out)


def _layout(view, live_ids):
    """A view reduced to what must agree: (role, master id) of every live
    node, and which node owns which slot ranges (dead owners included)."""
    roles = {}
    for nid in live_ids:
        line = view.get(nid)
        if line is None:
            return None
        role = "master" if "master" in line.flags else "slave"
        roles[nid] = (role, line.master)
    owners = {}
    for line in view.values():
        if line.slots:
            owners[line.id] = _ranges(line.slot_set())
    return roles, owners


def agreement_problem(nodes, healthy=True):
    """"" if every live node in nodes shows the same layout (see _layout) and,
    with healthy, no live node sees another live node as fail/fail?/
    handshake or disconnected; else what differs."""
    live = [n for n in nodes if n.alive()]
    live_ids = [n.node_id for n in live]
    first = None
    for n in live:
        try:
            view = n.cluster_nodes()
        except (OSError, ValueError, AssertionError) as e:
            return "%s: %s" % (n.name, e)
        lay = _layout(view, live_ids)
        if lay is None:
            return "%s does not list every live node" % n.name
        if healthy:
            for nid in live_ids:
                line = view[nid]
                if line.flags & srvutil.BUS_BAD_FLAGS or line.link != "connected":
                    return "%s sees %r" % (n.name, line)
        if first is None:
            first = (n, lay)
        elif lay != first[1]:
            return "%s: %r\n differs from %s: %r" % (n.name, lay, first[0].name, first[1])
    return ""


def wait_all_agree(nodes, timeout_s=AGREE_TIMEOUT_S, healthy=True):
    """Polls until agreement_problem(nodes) is empty; returns the agreed
    layout ({id: (role, master id)} of live nodes, {owner id: ranges})."""
    last = [""]

    def done():
        _check_alive(nodes)
        last[0] = agreement_problem(nodes, healthy)
        return not last[0]

    _poll(done, timeout_s, "all live nodes to agree", last)
    live = [n for n in nodes if n.alive()]
    return _layout(live[0].cluster_nodes(), [n.node_id for n in live])


def config_epochs(observer):
    """{node id: configEpoch} as observer's CLUSTER NODES shows them."""
    return {nid: line.config_epoch for nid, line in observer.cluster_nodes().items()}


def slot_owner(observer, slot):
    """The node id observer thinks owns slot (None if unassigned)."""
    for line in observer.cluster_nodes().values():
        if slot in line.slot_set():
            return line.id
    return None


# ---- faults ----

def kill(node):
    """SIGKILL; returns time.monotonic() right after the signal was sent."""
    node.exit_expected = True
    os.kill(node.pid, signal.SIGKILL)
    t = time.monotonic()
    node.proc.wait(timeout=srvutil.STOP_TIMEOUT_S)
    node.returncode = node.proc.returncode
    if not node.logf.closed:
        node.logf.close()
    return t


def _myid_or_none(node):
    _check_alive([node])
    reply = node.cmd("CLUSTER", "MYID")
    return reply.decode() if isinstance(reply, bytes) else None


def restart(node):
    """Starts a killed node again on its port with its nodes.conf (same id)."""
    node.restart()
    # It may become a replica and load its master's snapshot right away
    # (-LOADING, as redis-server answers CLUSTER MYID then too).
    got = srvutil.wait_until(lambda: _myid_or_none(node), ROLE_TIMEOUT_S, interval_s=POLL_S,
                             what="%s to answer CLUSTER MYID after its restart" % node.name)
    if got != node.node_id:
        raise AssertionError("%s restarted with id %s, was %s" % (node.name, got, node.node_id))
    return node


def sigstop(node):
    os.kill(node.pid, signal.SIGSTOP)


def sigcont(node):
    try:
        os.kill(node.pid, signal.SIGCONT)
    except ProcessLookupError:
        pass


# ---- keys and writes ----

def keys_in_slots(start, end, count, prefix="k:"):
    """count distinct keys prefix<i> whose slots lie in start..end."""
    out = []
    i = 0
    while len(out) < count:
        k = "%s%d" % (prefix, i)
        if start <= srvutil.key_slot(k) <= end:
            out.append(k)
        i += 1
        if i > 1000000:
            raise AssertionError("no %d keys in slots %d-%d" % (count, start, end))
    return out


def write_acked(node, keys, numreplicas=1, batch=50, value=lambda k: "v-" + k, wait_ms=5000):
    """SETs keys on node in pipelined batches, each followed by WAIT
    numreplicas wait_ms. Returns {key: value} of the batches WAIT
    acknowledged (returned >= numreplicas); raises on any other reply."""
    acked = {}
    c = node.client(decode_responses=True)
    try:
        for base in range(0, len(keys), batch):
            chunk = keys[base:base + batch]
            p = c.pipeline(transaction=False)
            for k in chunk:
                p.set(k, value(k))
            res = p.execute()
            if not all(r is True for r in res):
                raise AssertionError("%s: SET batch replied %r" % (node.name, res))
            if c.execute_command("WAIT", numreplicas, wait_ms) >= numreplicas:
                for k in chunk:
                    acked[k] = value(k)
    finally:
        c.close()
    return acked


def values_on(node, keys):
    """{key: value or None} read from node itself (READONLY, so a replica
    answers too), in one pipelined round of GETs."""
    with Raw(node.port, 20) as c:
        c.send(srvutil.encode("READONLY") + b"".join(srvutil.encode("GET", k) for k in keys))
        if c.reply() != "OK":
            raise AssertionError("%s: READONLY refused" % node.name)
        return {k: c.reply() for k in keys}


class _Router:
    """Sends single-key commands to the node owning the key: starts at any
    live seed, follows MOVED, and on a dead connection asks a live seed's
    CLUSTER SLOTS for the owner."""

    def __init__(self, seeds):
        self.seeds = list(seeds)
        self.conns = {}
        self.slot_port = {}

    def close(self):
        for c in self.conns.values():
            c.close()
        self.conns.clear()

    def _conn(self, port):
        c = self.conns.get(port)
        if c is None:
            c = Raw(port, 5)
            self.conns[port] = c
        return c

    def _drop(self, port):
        c = self.conns.pop(port, None)
        if c is not None:
            c.close()

    def _lookup(self, slot):
        for s in self.seeds:
            if not s.alive():
                continue
            try:
                for row in s.cmd("CLUSTER", "SLOTS"):
                    if row[0] <= slot <= row[1]:
                        return row[2][1]
            except (OSError, ValueError, TypeError):
                continue
        live = [s for s in self.seeds if s.alive()]
        return live[0].port if live else None

    def port_for(self, key):
        slot = srvutil.key_slot(key)
        port = self.slot_port.get(slot)
        if port is None:
            port = self._lookup(slot)
            self.slot_port[slot] = port
        return slot, port

    def cmd(self, *args):
        """One try: returns (port, reply); reply is an Err, a value, or an
        OSError instance when the connection failed (state unknown)."""
        slot, port = self.port_for(args[1])
        if port is None:
            return None, OSError("no live seed")
        try:
            reply = self._conn(port).cmd(*args)
        except (OSError, ValueError, ConnectionError) as e:
            self._drop(port)
            self.slot_port.pop(slot, None)
            return port, e if isinstance(e, OSError) else OSError(str(e))
        if isinstance(reply, Err):
            m = MOVED_RE.match(reply.text)
            if m and reply.text.startswith("MOVED"):
                self.slot_port[int(m.group(1))] = int(m.group(3))
        return port, reply

    def cmd_following(self, *args, timeout_s=10.0):
        """Retries through MOVED, CLUSTERDOWN-like errors and dead links until
        a final reply or timeout; returns (port, reply)."""
        deadline = time.monotonic() + timeout_s
        while True:
            port, reply = self.cmd(*args)
            retry = isinstance(reply, OSError) or (
                isinstance(reply, Err) and (reply.text.startswith("MOVED") or reply.text.startswith(RETRY_PREFIXES)))
            if not retry or time.monotonic() > deadline:
                return port, reply
            if not (isinstance(reply, Err) and reply.text.startswith("MOVED")):
                time.sleep(0.05)


def read_problems(seeds, expected, allowed=None, show=5):
    """Reads every key of expected ({key: value}) from its owner (following
    MOVED from seeds) and returns a list of "key: want X, got Y" for the
    ones that differ. allowed[key] may hold other values accepted for key
    (writes whose reply was lost)."""
    r = _Router(seeds)
    bad = []
    try:
        for k, want in expected.items():
            port, got = r.cmd_following("GET", k)
            if isinstance(got, bytes):
                got = got.decode()
            if got != want and got not in (allowed or {}).get(k, ()):
                bad.append("%s: want %r, got %r from port %s" % (k, want, got, port))
    finally:
        r.close()
    return bad[:show] + (["... %d in all" % len(bad)] if len(bad) > show else [])


class AckedWriter(threading.Thread):
    """A client thread writing SET key <n> with one increasing counter n over
    keys (round robin) until stop(), following MOVED to the new owner and
    retrying after CLUSTERDOWN/TRYAGAIN/dead links. Records, per key, the
    last value acknowledged with OK (acked) and the values whose outcome is
    unknown because the connection failed (unknown). oks_by_port counts OKs
    per node port. Any other reply is recorded in errors."""

    def __init__(self, seeds, keys, pace_s=0.0):
        threading.Thread.__init__(self, daemon=True)
        self.router = _Router(seeds)
        self.keys = list(keys)
        self.pace_s = pace_s
        self.acked = {}
        self.unknown = {}
        self.oks_by_port = {}
        self.retries = {}
        self.errors = []
        self.exc = None
        self._stop_ev = threading.Event()

    def run(self):
        n = 0
        try:
            while not self._stop_ev.is_set():
                k = self.keys[n % len(self.keys)]
                v = str(n)
                n += 1
                port, reply = self.router.cmd("SET", k, v)
                if reply == "OK":
                    self.acked[k] = v
                    self.oks_by_port[port] = self.oks_by_port.get(port, 0) + 1
                elif isinstance(reply, OSError):
                    self.unknown.setdefault(k, set()).add(v)
                    self.retries["conn"] = self.retries.get("conn", 0) + 1
                    time.sleep(0.05)
                elif isinstance(reply, Err) and reply.text.startswith(("MOVED",) + RETRY_PREFIXES):
                    word = reply.text.split(" ", 1)[0]
                    self.retries[word] = self.retries.get(word, 0) + 1
                    if word != "MOVED":
                        time.sleep(0.02)
                else:
                    self.errors.append((port, k, v, reply))
                if self.pace_s:
                    time.sleep(self.pace_s)
        except Exception as e:  # reported by stop()
            self.exc = e
        finally:
            self.router.close()

    def oks(self):
        return sum(self.oks_by_port.values())

    def wait_oks(self, count, port=None, timeout_s=20.0):
        """Polls until count OKs were recorded (at port, if given)."""
        def done():
            if self.exc is not None:
                raise AssertionError("writer failed: %r" % self.exc)
            got = self.oks_by_port.get(port, 0) if port else self.oks()
            return got >= count
        srvutil.wait_until(done, timeout_s, interval_s=POLL_S,
                           what="%d acknowledged writes%s (have %r, retries %r)"
                           % (count, " at port %s" % port if port else "", self.oks_by_port, self.retries))

    def stop(self):
        self._stop_ev.set()
        self.join(30)
        if self.is_alive():
            raise AssertionError("writer thread did not stop")
        if self.exc is not None:
            raise AssertionError("writer thread failed: %r" % self.exc)
        return self.acked

    def problems(self, seeds):
        """read_problems() for everything acknowledged; a value written later
        whose reply was lost is accepted too."""
        allowed = {k: {v for v in vs if int(v) > int(self.acked.get(k, "-1"))}
                   for k, vs in self.unknown.items()}
        return read_problems(seeds, self.acked, allowed)
