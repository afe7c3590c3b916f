"""netns_partition.py: the partition scenario of test_partition_netns.py,
run INSIDE a private network namespace (ip netns exec <ns> /usr/bin/python3
netns_partition.py). Prints one JSON object on stdout: {"error": null or
text, "timings": {...}, "kept_dir": ...}.

Layout: 3 masters and 3 replicas (m<i> at 127.0.0.<2+i>, its replica at
127.0.0.<5+i>), each bound to and announcing its own loopback address;
this script talks to them from source address 127.0.0.9 only.

How the cut works (all of it inside the namespace): the "local" routing
table rule moves from priority 0 to 1000 so that rules can come before it.
Address rules alone cannot isolate a node: a node that does not bind its
outgoing sockets (shoal, and redis without bind-source-addr) connects from
127.0.0.1 like every other node, so "from 127.0.0.2" never matches its own
connections. m0 therefore runs as its own uid (nobody) and the partition is
  uidrange <uid> prohibit     every packet m0 sends (its connects, and its
                              replies on connections others opened)
  from 127.0.0.2 prohibit     replies from m0's listening sockets
  to 127.0.0.2 prohibit       every packet anyone else sends to m0
with "from/to 127.0.0.9 lookup local" ahead of them so this script still
reaches m0. Adding a rule flushes the route cache, so established links are
cut too (their next send fails), not only new connections. Healing deletes
the three rules.

Steps and checks (node timeout 1000 ms): all ok; cut; m0 reports
cluster_state:fail and answers writes with CLUSTERDOWN; every other node
flags m0 fail; m0's replica becomes a master owning m0's slots and accepts a
write; m0's cluster_stats_messages_received stands still (the cut is real);
heal; m0 becomes a replica of the new master, every node agrees on
the layout and is in state ok, and m0 catches up (the write is readable on
it with READONLY).
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import srvutil  # noqa: E402

HELPER_ADDR = "127.0.0.9"
ISOLATED_UID = 65534
RULE_LOCAL_PREF = 1000
RULE_HELPER_PREFS = (10, 11)
RULE_CUT_PREFS = (100, 101, 102)
N_T = srvutil.BUS_NODE_TIMEOUT_MS / 1000.0
CUT_CHECK_S = 0.5  # several gossip rounds at N_T 1000
STEP_TIMEOUT_S = 4 * N_T + 10
SLOTS = srvutil.CLUSTER_SLOTS_COUNT
RANGES = [(0, 5460), (5461, 10922), (10923, SLOTS - 1)]

# port -> address of every node: srvutil's helpers name a node by its port
ADDR_OF_PORT = {}


class NsRaw(srvutil.Raw):
    """srvutil.Raw that connects to the node's own address from
    HELPER_ADDR (so the cut rules never apply to this script)."""

    def __init__(self, port, timeout_s=10):
        self.sock = socket.create_connection((ADDR_OF_PORT.get(port, "127.0.0.1"), port),
                                             timeout=timeout_s, source_address=(HELPER_ADDR, 0))
        self.buf = b""


srvutil.Raw = NsRaw


def ip(*args):
    subprocess.run(["ip"] + list(args), check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE, timeout=10)


class NsNode(srvutil.BusNode):
    """A BusNode bound to and announcing addr, optionally run as uid."""

    def __init__(self, name, addr, args=(), uid=None):
        srvutil.BusNode.__init__(self, name, args)
        self.addr = addr
        self.uid = uid
        if uid is not None:
            os.chown(self.dir, uid, uid)

    def argv(self, port):
        argv = srvutil.BusNode.argv(self, port)
        i = argv.index("--bind")
        argv[i + 1] = self.addr
        # redis counts only 127.0.0.1 as loopback: this script is 127.0.0.9
        argv += ["--cluster-announce-ip", self.addr, "--replica-announce-ip", self.addr,
                 "--protected-mode", "no"]
        if self.uid is not None:
            argv = ["setpriv", "--reuid=%d" % self.uid, "--regid=%d" % self.uid,
                    "--clear-groups", "--"] + argv
        return argv

    def pick_port(self):
        port = srvutil.cluster_free_port()
        ADDR_OF_PORT[port] = self.addr
        return port

    def wait_ready(self, timeout_s):
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            rc = self.proc.poll()
            if rc is not None:
                self.returncode = rc
                return "exited with code %d" % rc
            try:
                if self.cmd("PING", timeout_s=1) == "PONG":
                    return "ready"
            except (OSError, ValueError):
                pass
            time.sleep(0.02)
        return "no PING reply within %.0fs" % timeout_s


def wait(pred, what, timeout_s=STEP_TIMEOUT_S):
    return srvutil.wait_until(pred, timeout_s, interval_s=0.02, what=what)


def own_line(node):
    return node.cluster_nodes()[node.node_id]


def safe(f):
    try:
        return f()
    except (OSError, ValueError, AssertionError):
        return None


def layout(node):
    """{id: (role, master id, slots)} as node sees every node."""
    return {nid: ("master" if "master" in line.flags else "slave", line.master, tuple(line.slots))
            for nid, line in node.cluster_nodes().items()}


def form(nodes, masters, replicas):
    for m, (start, end) in zip(masters, RANGES):
        m.own_slots(start, end)
    for n in nodes[1:]:
        assert nodes[0].cmd("CLUSTER", "MEET", n.addr, n.port) == "OK"
    srvutil.wait_bus_joined(nodes, 30)
    for r, m in zip(replicas, masters):
        assert r.cmd("CLUSTER", "REPLICATE", m.node_id) == "OK"
    for n in nodes:
        n.wait_cluster_state("ok", 30)
    for i, m in enumerate(masters):
        key = key_in(RANGES[i], "warm")
        assert m.cmd("SET", key, "1") == "OK"
    for r, m in zip(replicas, masters):
        srvutil.wait_caught_up(m, r, 30)
    first = layout(nodes[0])
    wait(lambda: all(safe(lambda: layout(n)) == first for n in nodes), "all nodes to agree", 30)


def key_in(rng, prefix):
    i = 0
    while True:
        k = "%s:%d" % (prefix, i)
        if rng[0] <= srvutil.key_slot(k) <= rng[1]:
            return k
        i += 1


def cut(addr, uid):
    ip("rule", "add", "pref", str(RULE_CUT_PREFS[0]), "uidrange", "%d-%d" % (uid, uid), "prohibit")
    ip("rule", "add", "pref", str(RULE_CUT_PREFS[1]), "from", addr, "prohibit")
    ip("rule", "add", "pref", str(RULE_CUT_PREFS[2]), "to", addr, "prohibit")


def heal():
    for pref in RULE_CUT_PREFS:
        ip("rule", "del", "pref", str(pref))


def setup_routing():
    ip("link", "set", "lo", "up")
    ip("rule", "add", "pref", str(RULE_HELPER_PREFS[0]), "from", HELPER_ADDR, "lookup", "local")
    ip("rule", "add", "pref", str(RULE_HELPER_PREFS[1]), "to", HELPER_ADDR, "lookup", "local")
    ip("rule", "add", "pref", str(RULE_LOCAL_PREF), "lookup", "local")
    ip("rule", "del", "pref", "0")


def scenario(t):
    setup_routing()
    # m0's dir must be reachable by its uid
    os.chmod(srvutil.root_dir(), 0o711)
    masters = [NsNode("m%d" % i, "127.0.0.%d" % (2 + i), srvutil.REPL_FAST_ARGS,
                      uid=ISOLATED_UID if i == 0 else None) for i in range(3)]
    replicas = [NsNode("r%d" % i, "127.0.0.%d" % (5 + i), srvutil.REPL_FAST_ARGS) for i in range(3)]
    nodes = masters + replicas
    for n in nodes:
        n.start()
    form(nodes, masters, replicas)
    m0, r0 = masters[0], replicas[0]
    others = [n for n in nodes if n is not m0]
    key = key_in(RANGES[0], "part")
    assert m0.cmd("SET", key, "before") == "OK"
    srvutil.wait_caught_up(m0, r0)

    t0 = time.monotonic()
    cut(m0.addr, ISOLATED_UID)
    # the isolated master: state fail, and writes refused
    wait(lambda: (safe(m0.cluster_info) or {}).get("cluster_state") == "fail",
         "cluster_state:fail on the isolated master")
    t["isolated_state_fail_s"] = time.monotonic() - t0
    reply = m0.cmd("SET", key, "minority")
    assert isinstance(reply, srvutil.Err) and reply.text.startswith("CLUSTERDOWN"), \
        "write on the isolated master: %r" % (reply,)
    t["clusterdown_s"] = time.monotonic() - t0
    # the majority: m0 flagged fail everywhere, its replica takes over
    srvutil.wait_flagged(others, m0.node_id, timeout_s=STEP_TIMEOUT_S)
    t["flagged_fail_s"] = time.monotonic() - t0

    def r0_writable():
        line = safe(lambda: own_line(r0))
        if line is None or "master" not in line.flags or not line.slots:
            return False
        return safe(lambda: r0.cmd("SET", key, "majority")) == "OK"

    wait(r0_writable, "%s to be a writable master" % r0.name)
    t["replica_promoted_s"] = time.monotonic() - t0
    for n in others:
        n.wait_cluster_state("ok", STEP_TIMEOUT_S)
    # the cut really held: m0 still sees itself as the owner, in state fail
    assert "master" in own_line(m0).flags and own_line(m0).slots, own_line(m0)
    assert m0.cluster_info()["cluster_state"] == "fail"
    # and no bus message reaches m0 any more (its own count stands still)
    counts = []
    for _ in range(2):
        counts.append(m0.cluster_info().get("cluster_stats_messages_received"))
        time.sleep(CUT_CHECK_S)
    assert counts[0] is not None and counts[0] == counts[1], \
        "m0 still receives bus messages: %r" % counts

    t1 = time.monotonic()
    heal()

    def m0_follows():
        line = safe(lambda: own_line(m0))
        role = safe(lambda: m0.cmd("ROLE"))
        return (line is not None and "slave" in line.flags and line.master == r0.node_id
                and isinstance(role, list) and role[0] == b"slave" and role[2] == r0.port
                and role[3] == b"connected")

    wait(m0_follows, "the old master to replicate the new one")
    t["healed_old_master_replica_s"] = time.monotonic() - t1
    last = [None]

    def agreed():
        views = [safe(lambda: layout(n)) for n in nodes]
        last[0] = views
        v = views[0]
        return (v is not None and all(x == v for x in views)
                and v[m0.node_id][:2] == ("slave", r0.node_id)
                and v[r0.node_id] == ("master", "-", ("%d-%d" % RANGES[0],))
                and not any(line.flags & srvutil.BUS_BAD_FLAGS for line in r0.cluster_nodes().values()))

    try:
        wait(agreed, "every node to agree after the heal")
    except AssertionError as e:
        raise AssertionError("%s; last views: %r" % (e, last[0])) from None
    for n in nodes:
        n.wait_cluster_state("ok", STEP_TIMEOUT_S)
    srvutil.wait_caught_up(r0, m0)
    with NsRaw(m0.port, 5) as c:
        assert c.cmd("READONLY") == "OK"
        assert c.cmd("GET", key) == b"majority"
    t["healed_all_agree_s"] = time.monotonic() - t1
    for n in nodes:
        if n.crashed():
            raise AssertionError("%s died; log tail:\n%s" % (n.name, n.log_tail()))
    return nodes


def main():
    result = {"error": None, "timings": {}, "server": srvutil.SERVER_PATH, "kept_dir": None}
    nodes = []
    try:
        nodes = scenario(result["timings"])
    except Exception:
        result["error"] = traceback.format_exc()
        result["logs"] = {s.name: s.log_tail(30) for s in srvutil._all_servers}
    finally:
        srvutil.stop_all()
    if result["error"]:
        result["kept_dir"] = srvutil.root_dir()
    else:
        crashed = [s.name for s in nodes if s.returncode not in (0, None)]
        if crashed:
            result["error"] = "not stopped cleanly: %r" % crashed
            result["kept_dir"] = srvutil.root_dir()
        else:
            shutil.rmtree(srvutil.root_dir(), ignore_errors=True)
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
