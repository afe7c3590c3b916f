"""
toolutil.py: running the cluster tools (shoal-cluster and Debian's
`redis-cli --cluster`) against test clusters, and checking what they left.

Owns: locating both tool binaries, running them with a deadline and keeping
their output for failure messages, fast key-slot maths for loading tens of
thousands of keys, loading and reading a whole cluster's keyspace through the
slot owners, independent checks of a cluster's layout (coverage, agreement,
open slots, master/replica pairing), a CLUSTER NODES snapshot for "nothing
changed" assertions, the ioredis smoke script, and a RedisCluster client
thread that reads and writes during a reshard. Does not own starting
processes (srvutil) nor forming clusters by hand (failutil).

  SHOAL_CLUSTER_PATH, REDIS_CLI_PATH, need_shoal_cluster()
  shoal_cluster(*args) / redis_cli_cluster(sub, *args) -> ToolResult (.rc .out .err .seconds)
  addr(node), start_empty(make, count, prefix)
  slot_of(key), keys_for_slots(slots, count, prefix)
  slot_ports(node), load(seed, {key: value}), read_all(nodes) -> {key: (value, port)}
  keyspace_problems(nodes, expected), open_slots(node)
  settle(nodes) -> Layout (masters {id: slot set}, replicas {id: master id})
  layout_problems(layout, masters=, replicas_per_master=)
  nodes_snapshot(nodes)   CLUSTER NODES of each node without the ping/pong columns
  ioredis_smoke(port) -> ToolResult (skips when node/ioredis are missing)
  LiveClient(seeds, keys, tagged_groups, expected)
"""

import json
import os
import random
import shutil
import subprocess
import threading
import time

import pytest

import failutil
import srvutil
from srvutil import Raw

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
JS_DIR = os.path.join(REPO, "tests", "js")
SLOTS = srvutil.CLUSTER_SLOTS_COUNT
TOOL_TIMEOUT_S = 120.0
SETTLE_TIMEOUT_S = 30.0
LOAD_BATCH = 1000


def _default_tool_path():
    """shoal-cluster beside the server under test (<build>/node/shoal-server
    -> <build>/tools/cluster/shoal-cluster); against redis-server, the one
    in the default build dir."""
    server = os.path.abspath(srvutil.SERVER_PATH)
    if srvutil.IS_SHOAL and os.path.basename(os.path.dirname(server)) == "node":
        build = os.path.dirname(os.path.dirname(server))
    else:
        build = os.path.join(REPO, "build")
    return os.path.join(build, "tools", "cluster", "shoal-cluster")


SHOAL_CLUSTER_PATH = os.environ.get("SHOAL_CLUSTER") or _default_tool_path()
REDIS_CLI_PATH = shutil.which("redis-cli") or "/usr/bin/redis-cli"


def need_shoal_cluster():
    if not os.access(SHOAL_CLUSTER_PATH, os.X_OK):
        pytest.skip("shoal-cluster not built at %s (set SHOAL_CLUSTER)" % SHOAL_CLUSTER_PATH)
    return SHOAL_CLUSTER_PATH


def need_redis_cli():
    if not os.access(REDIS_CLI_PATH, os.X_OK):
        pytest.fail("%s is missing: scripts/install-deps installs redis-tools" % REDIS_CLI_PATH)
    return REDIS_CLI_PATH


# ---- running the tools ----

class ToolResult:
    """One finished tool run: exit code, stdout, stderr, wall time."""

    def __init__(self, argv, rc, out, err, seconds):
        self.argv = argv
        self.rc = rc
        self.out = out
        self.err = err
        self.seconds = seconds

    def text(self):
        return self.out + self.err

    def json(self):
        try:
            return json.loads(self.out)
        except ValueError as e:
            raise AssertionError("%s: stdout is not one JSON document (%s):\n%s" % (self, e, self.out[-3000:]))

    def __str__(self):
        return "`%s` exited %s after %.1fs" % (" ".join(self.argv), self.rc, self.seconds)

    def details(self, tail=60):
        """The run and the last lines of its output, for assertion messages."""
        lines = self.text().splitlines()
        return "%s; output tail:\n%s" % (self, "\n".join(lines[-tail:]))


def run(argv, timeout_s=TOOL_TIMEOUT_S, input_text=None, env=None):
    """Runs argv to completion (no terminal: plain output, no prompts unless
    input_text answers them). A run past timeout_s is killed and fails."""
    t0 = time.monotonic()
    e = dict(os.environ)
    e.pop("REDISCLI_AUTH", None)
    e["TERM"] = "dumb"
    if env:
        e.update(env)
    try:
        p = subprocess.run(argv, input=input_text if input_text is not None else "",
                           capture_output=True, text=True, timeout=timeout_s, env=e,
                           errors="replace")
    except subprocess.TimeoutExpired as ex:
        out = ex.stdout.decode("utf-8", "replace") if isinstance(ex.stdout, bytes) else (ex.stdout or "")
        raise AssertionError("`%s` did not finish within %.0fs; output so far:\n%s"
                             % (" ".join(argv), timeout_s, out[-3000:])) from None
    return ToolResult(argv, p.returncode, p.stdout, p.stderr, time.monotonic() - t0)


def shoal_cluster(*args, **kw):
    return run([need_shoal_cluster()] + [str(a) for a in args], **kw)


def redis_cli_cluster(sub, *args, **kw):
    return run([need_redis_cli(), "--cluster", sub] + [str(a) for a in args], **kw)


def addr(node):
    return "127.0.0.1:%d" % node.port


def start_empty(make, count, prefix="n", args=()):
    """count fresh cluster nodes (no slots, knowing nobody) from a
    failutil.NodeFactory or the bus_nodes fixture."""
    return [make("%s%d" % (prefix, i), *(list(srvutil.REPL_FAST_ARGS) + list(args))) for i in range(count)]


# ---- keys and slots ----

def slot_of(key):
    """The hash slot of key (srvutil.key_slot)."""
    return srvutil.key_slot(key)


def keys_for_slots(slots, count, prefix="k:"):
    """count distinct keys prefix<i> whose slots are in slots (a set)."""
    out = []
    i = 0
    limit = count * SLOTS * 4 // max(1, len(slots)) + 100000
    while len(out) < count:
        k = "%s%d" % (prefix, i)
        if slot_of(k) in slots:
            out.append(k)
        i += 1
        if i > limit:
            raise AssertionError("found only %d of %d keys in %d slots" % (len(out), count, len(slots)))
    return out


def slot_ports(node):
    """{slot: master port} from node's CLUSTER SLOTS."""
    out = {}
    for row in node.cmd("CLUSTER", "SLOTS"):
        for s in range(row[0], row[1] + 1):
            out[s] = row[2][1]
    return out


def load(seed, kv):
    """SETs every key of kv on its slot owner (from seed's CLUSTER SLOTS),
    pipelined in batches; raises on any reply other than OK."""
    owners = slot_ports(seed)
    by_port = {}
    for k, v in kv.items():
        port = owners.get(slot_of(k))
        if port is None:
            raise AssertionError("slot %d of %r has no owner" % (slot_of(k), k))
        by_port.setdefault(port, []).append((k, v))
    for port, items in by_port.items():
        with Raw(port, 30) as c:
            for base in range(0, len(items), LOAD_BATCH):
                chunk = items[base:base + LOAD_BATCH]
                c.send(b"".join(srvutil.encode("SET", k, v) for k, v in chunk))
                for k, _ in chunk:
                    r = c.reply()
                    if r != "OK":
                        raise AssertionError("port %d: SET %s replied %r" % (port, k, r))
    return len(kv)


def node_keys(node):
    """{key: value} of every key node itself holds (READONLY, so a replica
    answers too): SCAN, then pipelined GETs."""
    out = {}
    with Raw(node.port, 30) as c:
        if c.cmd("READONLY") != "OK":
            raise AssertionError("%s: READONLY refused" % node.name)
        for k, v in _scan_get(c):
            out[k.decode()] = v.decode() if isinstance(v, bytes) else v
    if len(out) != len(set(out)):
        raise AssertionError("%s: SCAN returned a key twice" % node.name)
    return out


def _scan_get(c):
    """(key, value) of every key on the connection's node: SCAN, then
    pipelined GETs."""
    keys = []
    cursor = b"0"
    while True:
        cursor, batch = c.cmd("SCAN", cursor, "COUNT", 2000)
        keys.extend(batch)
        if cursor in (b"0", 0):
            break
    for base in range(0, len(keys), LOAD_BATCH):
        chunk = keys[base:base + LOAD_BATCH]
        c.send(b"".join(srvutil.encode("GET", k) for k in chunk))
        vals = [c.reply() for _ in chunk]
        yield from zip(chunk, vals)


def replica_problems(master, replica):
    """"" once replica has caught up with master and holds exactly its keys
    and values; else the difference."""
    srvutil.wait_caught_up(master, replica)
    return srvutil.keyspace_diff(node_keys(master), node_keys(replica), master.name, replica.name)


def _masters(nodes):
    return [n for n in nodes if n.alive() and failutil.is_master(n)]


def read_all(nodes):
    """Every key held by the live masters among nodes: {key: (value, port)}.
    A key held by two masters raises (a reshard must move, not copy)."""
    out = {}
    for n in _masters(nodes):
        with Raw(n.port, 30) as c:
            for k, v in _scan_get(c):
                k = k.decode()
                if k in out:
                    raise AssertionError("key %r is on both port %d and port %d" % (k, out[k][1], n.port))
                out[k] = (v.decode() if isinstance(v, bytes) else v, n.port)
    return out


def keyspace_problems(nodes, expected, allowed=None, show=5):
    """[] if every key of expected ({key: value}) is on the master owning
    its slot with that value (or one in allowed[key]); else what differs.
    Keys the cluster holds beyond expected are not a problem."""
    held = read_all(nodes)
    seed = _masters(nodes)[0]
    owners = slot_ports(seed)
    bad = []
    for k, want in expected.items():
        got = held.get(k)
        if got is None:
            bad.append("%s: lost (want %r)" % (k, want))
        elif got[0] != want and got[0] not in (allowed or {}).get(k, ()):
            bad.append("%s: want %r, got %r on port %d" % (k, want, got[0], got[1]))
        elif owners.get(slot_of(k)) != got[1]:
            bad.append("%s (slot %d) is on port %d, the slot's owner is %s"
                       % (k, slot_of(k), got[1], owners.get(slot_of(k))))
    return bad[:show] + (["... %d in all" % len(bad)] if len(bad) > show else [])


def redirect_counts(nodes):
    """{"MOVED": n, "ASK": n, "TRYAGAIN": n} summed over INFO errorstats of
    the live nodes: how many redirects the servers sent (for the report)."""
    out = {"MOVED": 0, "ASK": 0, "TRYAGAIN": 0}
    for n in nodes:
        if not n.alive():
            continue
        info = srvutil.info_section(n, "errorstats")
        for word in out:
            v = info.get("errorstat_" + word)
            if v:
                out[word] += int(v.split("=", 1)[1].split(",", 1)[0])
    return out


def counts_diff(after, before):
    return {k: after[k] - before.get(k, 0) for k in after}


# ---- layout ----

class Layout:
    """One node's view after settle(): masters {id: set of slots} (every
    master, with or without slots), replicas {id: master id}, ports {id: port}."""

    def __init__(self, view):
        self.masters = {}
        self.replicas = {}
        self.ports = {}
        for line in view.values():
            self.ports[line.id] = line.port
            if "master" in line.flags:
                self.masters[line.id] = line.slot_set()
            else:
                self.replicas[line.id] = line.master

    def replicas_of(self, master_id):
        return sorted(r for r, m in self.replicas.items() if m == master_id)

    def slot_counts(self):
        return {m: len(s) for m, s in self.masters.items()}

    def __repr__(self):
        return "<Layout masters %r replicas %r>" % (
            {self.ports[m]: _ranges_text(s) for m, s in self.masters.items()},
            {self.ports[r]: self.ports.get(m) for r, m in self.replicas.items()})


def _ranges_text(slots):
    return ",".join("%d-%d" % r if r[0] != r[1] else "%d" % r[0] for r in failutil._ranges(slots))


def open_slots(node):
    """The [slot->-id] / [slot-<-id] marks in node's own CLUSTER NODES line."""
    line = node.cluster_nodes()[node.node_id]
    return [s for s in line.slots if s.startswith("[")]


def settle_problem(nodes):
    """"" once every live node is in state ok, all agree on the layout, all
    16384 slots are covered and no node has an open slot; else why not."""
    live = [n for n in nodes if n.alive()]
    for n in live:
        try:
            st = n.cluster_info().get("cluster_state")
        except (OSError, ValueError, AssertionError) as e:
            return "%s: %s" % (n.name, e)
        if st != "ok":
            return "%s cluster_state:%s" % (n.name, st)
    p = failutil.agreement_problem(live)
    if p:
        return p
    for n in live:
        marks = open_slots(n)
        if marks:
            return "%s has open slots %s" % (n.name, marks[:5])
    lay = Layout(live[0].cluster_nodes())
    covered = set().union(*lay.masters.values()) if lay.masters else set()
    if len(covered) != SLOTS:
        return "%d slots covered" % len(covered)
    return ""


def settle(nodes, timeout_s=SETTLE_TIMEOUT_S):
    """Polls until settle_problem(nodes) is empty; returns the Layout."""
    last = [""]

    def done():
        failutil._check_alive(nodes)
        last[0] = settle_problem(nodes)
        return not last[0]

    try:
        srvutil.wait_until(done, timeout_s, interval_s=0.1, what="the cluster to settle")
    except AssertionError as e:
        raise AssertionError("%s; last problem: %s" % (e, last[0])) from None
    live = [n for n in nodes if n.alive()]
    return Layout(live[0].cluster_nodes())


def layout_problems(lay, masters, replicas_per_master=0, ports=None):
    """[] if lay has exactly `masters` masters with slots, each with exactly
    replicas_per_master replicas, and (given ports) exactly those nodes."""
    bad = []
    with_slots = [m for m, s in lay.masters.items() if s]
    if len(with_slots) != masters:
        bad.append("%d masters own slots, want %d: %r" % (len(with_slots), masters, lay))
    for m in with_slots:
        rs = lay.replicas_of(m)
        if len(rs) != replicas_per_master:
            bad.append("master %d has replicas %r, want %d" % (lay.ports[m], [lay.ports[r] for r in rs],
                                                                replicas_per_master))
    for r, m in lay.replicas.items():
        if m not in lay.masters:
            bad.append("replica %d follows %s, not a master" % (lay.ports[r], m))
    if ports is not None and sorted(lay.ports.values()) != sorted(ports):
        bad.append("nodes %r, want %r" % (sorted(lay.ports.values()), sorted(ports)))
    return bad


def nodes_snapshot(nodes):
    """{port: sorted CLUSTER NODES lines without ping-sent/pong-recv} of every
    live node: equal snapshots mean no node, role, epoch or slot changed."""
    out = {}
    for n in nodes:
        if not n.alive():
            continue
        lines = []
        for line in n.cluster_nodes().values():
            f = line.line.split(" ")
            lines.append(" ".join(f[:4] + f[6:]))
        out[n.port] = sorted(lines)
    return out


def wait_snapshot_stable(nodes, timeout_s=SETTLE_TIMEOUT_S):
    """Settles the cluster and returns its snapshot once two reads 0.3 s
    apart are equal (gossip has nothing left to change)."""
    settle(nodes, timeout_s)
    last = [None]

    def stable():
        snap = nodes_snapshot(nodes)
        same = snap == last[0]
        last[0] = snap
        if not same:
            time.sleep(0.3)
        return same

    srvutil.wait_until(stable, timeout_s, interval_s=0.0, what="a stable CLUSTER NODES")
    return last[0]


# ---- ioredis ----

def ioredis_smoke(port, keys=200):
    """Runs tests/js/ioredis-smoke.js against the cluster at port; skips
    (with the reason) when node or the ioredis package is not installed."""
    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        pytest.skip("node is not installed (scripts/install-deps installs nodejs)")
    if not os.path.isdir(os.path.join(JS_DIR, "node_modules", "ioredis")):
        pytest.skip("ioredis is not installed in tests/js (scripts/install-deps runs npm ci there)")
    res = run([node, os.path.join(JS_DIR, "ioredis-smoke.js"), str(port), "127.0.0.1", str(keys)], timeout_s=60)
    if res.rc == 3:
        pytest.skip("ioredis cannot be loaded: " + res.err.strip())
    return res


# ---- a client working through a reshard ----

class LiveClient(threading.Thread):
    """A redis-py RedisCluster client thread that keeps writing and reading
    until stop(): SET then GET on plain keys, MSET then MGET on groups of
    keys sharing a hash tag, and GETs of other keys it knows the value of.
    expected ({key: value}) is what it starts from (the loaded keys) and is
    updated with every acknowledged write. Any reply that is a wrong value
    or a missing key is recorded in wrong; any exception the client library
    let through is recorded in errors (TRYAGAIN that outlasted the library's
    retries separately in tryagain: the write did not happen)."""

    def __init__(self, seeds, keys, tagged_groups, expected, read_keys=(), seed=1):
        threading.Thread.__init__(self, daemon=True)
        self.seeds = seeds
        self.keys = list(keys)
        self.groups = [list(g) for g in tagged_groups]
        self.expected = expected
        self.read_keys = list(read_keys)
        self.rng = random.Random(seed)
        self.ops = 0
        self.writes = 0
        self.wrong = []
        self.errors = []
        self.tryagain = 0
        self.unknown = {}
        self._stop_ev = threading.Event()

    def _client(self):
        from redis.cluster import ClusterNode, RedisCluster
        return RedisCluster(startup_nodes=[ClusterNode("127.0.0.1", n.port) for n in self.seeds],
                            decode_responses=True, socket_timeout=20, socket_connect_timeout=10)

    def _ok_value(self, k, got):
        return got == self.expected.get(k) or got in self.unknown.get(k, ())

    def _uncertain(self, keys, v, e):
        from redis.exceptions import TryAgainError
        if isinstance(e, TryAgainError) or "TTL exhausted" in str(e):
            self.tryagain += 1
            # The write may still have happened on a hop before the last try.
            for k in keys:
                self.unknown.setdefault(k, set()).add(v)
            return
        for k in keys:
            self.unknown.setdefault(k, set()).add(v)
        self.errors.append("%s on %s: %r" % (type(e).__name__, keys[0], e))

    def run(self):
        from redis.exceptions import RedisError
        try:
            c = self._client()
        except Exception as e:
            self.errors.append("client start: %r" % e)
            return
        n = 0
        try:
            while not self._stop_ev.is_set() and len(self.errors) < 20 and len(self.wrong) < 20:
                n += 1
                v = "live%d" % n
                if n % 4 == 0 and self.groups:
                    g = self.groups[n % len(self.groups)]
                    try:
                        ok = c.mset({k: v for k in g})
                    except RedisError as e:
                        self._uncertain(g, v, e)
                        continue
                    if ok is not True:
                        self.wrong.append("MSET %s -> %r" % (g, ok))
                        continue
                    for k in g:
                        self.expected[k] = v
                        self.unknown.pop(k, None)
                    self.writes += 1
                    try:
                        got = c.mget(g)
                    except RedisError as e:
                        self.errors.append("MGET %s: %r" % (g, e))
                        continue
                    for k, x in zip(g, got):
                        if x != v:
                            self.wrong.append("MGET %s -> %r, wrote %r" % (k, x, v))
                else:
                    k = self.keys[n % len(self.keys)]
                    try:
                        ok = c.set(k, v)
                    except RedisError as e:
                        self._uncertain([k], v, e)
                        continue
                    if ok is not True:
                        self.wrong.append("SET %s -> %r" % (k, ok))
                        continue
                    self.expected[k] = v
                    self.unknown.pop(k, None)
                    self.writes += 1
                    try:
                        got = c.get(k)
                    except RedisError as e:
                        self.errors.append("GET %s: %r" % (k, e))
                        continue
                    if got != v:
                        self.wrong.append("GET %s -> %r right after SET %r" % (k, got, v))
                if self.read_keys:
                    k = self.read_keys[self.rng.randrange(len(self.read_keys))]
                    try:
                        got = c.get(k)
                    except RedisError as e:
                        self.errors.append("GET %s: %r" % (k, e))
                        continue
                    if not self._ok_value(k, got):
                        self.wrong.append("GET %s -> %r, want %r" % (k, got, self.expected.get(k)))
                self.ops += 1
        except Exception as e:
            self.errors.append("client thread: %r" % e)
        finally:
            c.close()

    def wait_ops(self, count, timeout_s=20.0):
        srvutil.wait_until(lambda: self.ops >= count or self.errors or self.wrong or not self.is_alive(),
                           timeout_s, what="%d client operations" % count)

    def stop(self):
        self._stop_ev.set()
        self.join(60)
        if self.is_alive():
            raise AssertionError("the live client thread did not stop")

    def problems(self):
        out = []
        if self.wrong:
            out.append("wrong values: %s" % self.wrong[:5])
        if self.errors:
            out.append("errors the client library let through: %s" % self.errors[:5])
        return out

    def allowed(self):
        return {k: set(vs) for k, vs in self.unknown.items()}


# ---- one interface over both tools ----

class Tool:
    """The same operations through shoal-cluster ("shoal") or Debian's
    redis-cli --cluster ("redis-cli"), so a test runs once per tool."""

    def __init__(self, name):
        self.name = name

    def need(self):
        if self.name == "shoal":
            need_shoal_cluster()
        else:
            need_redis_cli()
        return self

    def _run(self, sub, *args, **kw):
        if self.name == "shoal":
            return shoal_cluster(sub, *args, **kw)
        return redis_cli_cluster(sub, *args, **kw)

    def _opt(self, name):
        return "--" + name if self.name == "shoal" else "--cluster-" + name

    def create(self, nodes, replicas=0):
        return self._run("create", *[addr(n) for n in nodes], self._opt("replicas"), replicas,
                         self._opt("yes"))

    def check(self, seed):
        return self._run("check", addr(seed))

    def fix(self, seed):
        return self._run("fix", addr(seed), self._opt("yes"))

    def reshard(self, seed, from_id, to_id, slots, **kw):
        return self._run("reshard", addr(seed), self._opt("from"), from_id, self._opt("to"), to_id,
                         self._opt("slots"), slots, self._opt("yes"), **kw)

    def rebalance(self, seed, use_empty_masters=False, weights=None):
        args = [addr(seed)]
        for nid, w in (weights or {}).items():
            args += [self._opt("weight"), "%s=%s" % (nid, w)]
        if use_empty_masters:
            args.append(self._opt("use-empty-masters"))
        return self._run("rebalance", *args)

    def add_node(self, new, existing):
        return self._run("add-node", addr(new), addr(existing))

    def del_node(self, seed, node_id):
        return self._run("del-node", addr(seed), node_id)

    def __repr__(self):
        return self.name


TOOLS = ("shoal", "redis-cli")
