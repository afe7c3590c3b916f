"""Failover across implementations: clusters mixing $SHOAL_SERVER nodes and
Debian's redis-server 7.0.15 (/usr/bin/redis-server), node timeout 1000 ms.

(a) A shoal replica of a shoal master wins the election when the other
    voting masters are redis-server nodes (the master is SIGKILLed).
(b) A redis-server replica of a shoal master wins when the voters are shoal
    nodes.
    In both, the master has a second replica of the other implementation,
    started with cluster-replica-no-failover yes so that the winner is
    known in advance (equal offsets would otherwise leave it to the random
    part of the election delay). That replica must follow the winner with a
    PARTIAL resync (psync2: sync_partial_ok rises on the winner, sync_full
    stays 0), and every live node must show the same CLUSTER NODES layout:
    roles, masters, slot ranges and configEpochs, the winner's epoch above
    every other.
(c) A manual CLUSTER FAILOVER (default) of a shoal replica whose master is
    redis-server, and of a redis-server replica whose master is shoal, while
    a client writes to that shard: no acknowledged write is lost, the old
    master ends as the new master's replica with the same data.

With SHOAL_SERVER=redis-server every role is redis-server: that is how the
tests themselves are validated. A missing /usr/bin/redis-server fails them.
"""

import time

import pytest

import failutil
import srvutil
from srvutil import Raw

N_T = srvutil.BUS_NODE_TIMEOUT_MS / 1000.0
# SIGKILL to a writable new master: failure detection (node timeout plus
# gossip) and redis's election delay (500-999 ms plus rank), with slack for
# a loaded 2-core machine.
FAILOVER_LIMIT_S = 2 * N_T + 4
ROLE_TIMEOUT_S = 20.0
NO_FAILOVER = ("--cluster-replica-no-failover", "yes")
WRITER_KEYS = 40
OKS_BEFORE = 300
OKS_AFTER = 300


def binary(kind):
    return srvutil.redis_path() if kind == "redis" else srvutil.SERVER_PATH


@pytest.fixture
def factory(request):
    f = failutil.NodeFactory(request.node.name)
    yield f
    f.stop_all()


def mixed_maker(factory, kinds, extra=None):
    """A make(name, *args) for form_cluster that starts node name
    ("m0", "r0a", ...) with the binary kinds[name] names ("shoal"/"redis")
    and extra[name] options appended."""
    extra = extra or {}

    def make(name, *args):
        return factory(name, *(tuple(args) + tuple(extra.get(name, ()))), path=binary(kinds[name]))

    return make


def check_layout(nodes, expected):
    """Every live node in nodes agrees (failutil), the agreed roles match
    expected ({node: (role, master node or None)}), and every live node
    shows the same configEpoch for every node. Returns {id: configEpoch}."""
    roles, _ = failutil.wait_all_agree(nodes, ROLE_TIMEOUT_S)
    for n, (role, master) in expected.items():
        want = (role, master.node_id if master else "-")
        assert roles[n.node_id] == want, "%s (%s): %r, want %r" % (n.name, n.kind, roles[n.node_id], want)
    live = [n for n in nodes if n.alive()]
    last = {}

    def same_epochs():
        views = {}
        for n in live:
            views[n.name] = failutil.config_epochs(n)
        last.update(views)
        first = next(iter(views.values()))
        return first if all(v == first for v in views.values()) else None

    try:
        return srvutil.wait_until(same_epochs, ROLE_TIMEOUT_S, interval_s=0.05,
                                  what="every live node to show the same configEpochs")
    except AssertionError as e:
        raise AssertionError("%s; last: %r" % (e, last)) from None


def slot_ranges_of(observer, node):
    return observer.cluster_nodes()[node.node_id].slots


def assert_set_ok(node, key):
    reply = node.cmd("SET", key, "after-failover")
    assert reply == "OK", "%s (%s): SET %s replied %r" % (node.name, node.kind, key, reply)


def assert_same_keys(master, replica, keys):
    """DBSIZE and every key of keys agree on master and its caught-up
    replica (READONLY reads; MGET would cross slots)."""
    srvutil.wait_caught_up(master, replica)
    with Raw(master.port, 10) as m, Raw(replica.port, 10) as r:
        assert r.cmd("READONLY") == "OK"
        assert m.cmd("DBSIZE") == r.cmd("DBSIZE")
        for k in keys:
            assert m.cmd("GET", k) == r.cmd("GET", k), "%s differs on %s" % (k, replica.name)


# ---- (a), (b): automatic failover, the second replica resyncs partially ----

AUTO_CASES = {
    # the master, its replicas (winner, second) and the two voting masters
    "shoal-winner-redis-voters": {"m0": "shoal", "r0a": "shoal", "r0b": "redis",
                                  "m1": "redis", "m2": "redis"},
    "redis-winner-shoal-voters": {"m0": "shoal", "r0a": "redis", "r0b": "shoal",
                                  "m1": "shoal", "m2": "shoal"},
}


@pytest.mark.parametrize("case", sorted(AUTO_CASES))
def test_automatic_failover_mixed(factory, case):
    kinds = AUTO_CASES[case]
    make = mixed_maker(factory, kinds, {"r0b": NO_FAILOVER})
    cl = failutil.form_cluster(make, replicas_of={0: 2})
    m0 = cl.masters[0]
    winner, second = cl.replicas[0]
    start, end = cl.ranges[0]
    key = failutil.keys_in_slots(start, end, 1, "fo:")[0]
    acked = failutil.write_acked(m0, failutil.keys_in_slots(start, end, 300, "acked:"), numreplicas=2)
    assert len(acked) == 300
    srvutil.wait_caught_up(m0, winner)
    srvutil.wait_caught_up(m0, second)
    full0, partial0, _ = srvutil.sync_stats(winner)
    epochs0 = failutil.config_epochs(cl.masters[1])

    t_kill = failutil.kill(m0)
    failutil.wait_master(winner, FAILOVER_LIMIT_S)
    assert_set_ok(winner, key)
    took = time.monotonic() - t_kill
    assert took < FAILOVER_LIMIT_S, "new master writable %.2fs after the kill" % took

    failutil.wait_replica_of(second, winner, ROLE_TIMEOUT_S, observers=cl.live())
    srvutil.wait_caught_up(winner, second)
    full1, partial1, _ = srvutil.sync_stats(winner)
    assert (full1, partial1) == (full0, partial0 + 1), (
        "%s (%s) served sync_full/sync_partial_ok %r -> %r: %s (%s) did not resync partially"
        % (winner.name, winner.kind, (full0, partial0), (full1, partial1), second.name, second.kind))
    ri = srvutil.repl_info(second)
    assert ri["master_replid"] == srvutil.repl_info(winner)["master_replid"]

    live = cl.live()
    expected = {winner: ("master", None), second: ("slave", winner),
                cl.masters[1]: ("master", None), cl.masters[2]: ("master", None)}
    epochs = check_layout(cl.nodes, expected)
    for n in live:
        assert slot_ranges_of(n, winner) == ["%d-%d" % (start, end)], n.name
        for i in (1, 2):
            s, e = cl.ranges[i]
            assert slot_ranges_of(n, cl.masters[i]) == ["%d-%d" % (s, e)], n.name
        assert slot_ranges_of(n, m0) == [], n.name
        assert "fail" in n.cluster_nodes()[m0.node_id].flags, n.name
    # a replica shows its master's configEpoch: compare with other shards
    others = [e for nid, e in epochs.items() if nid not in (winner.node_id, second.node_id)]
    assert epochs[winner.node_id] > max(others), "winner's configEpoch %d, others %r" % (
        epochs[winner.node_id], epochs)
    assert epochs[second.node_id] == epochs[winner.node_id]
    assert epochs[winner.node_id] > max(epochs0.values())
    for n in live:
        n.wait_cluster_state("ok")
    bad = failutil.read_problems(live, acked)
    assert not bad, "acknowledged writes lost: %s" % bad
    assert_same_keys(winner, second, sorted(acked) + [key])


# ---- (c): manual failover under writes ----

MANUAL_CASES = {
    # the master and its one replica, promoted with CLUSTER FAILOVER
    "shoal-replica-of-redis": {"m0": "redis", "r0a": "shoal", "m1": "shoal", "m2": "redis"},
    "redis-replica-of-shoal": {"m0": "shoal", "r0a": "redis", "m1": "redis", "m2": "shoal"},
}


@pytest.mark.parametrize("case", sorted(MANUAL_CASES))
def test_manual_failover_mixed_under_writes(factory, case):
    kinds = MANUAL_CASES[case]
    cl = failutil.form_cluster(mixed_maker(factory, kinds), replicas_of={0: 1})
    m0 = cl.masters[0]
    rep = cl.replicas[0][0]
    start, end = cl.ranges[0]
    w = failutil.AckedWriter(cl.nodes, failutil.keys_in_slots(start, end, WRITER_KEYS, "mf:"))
    w.start()
    try:
        w.wait_oks(OKS_BEFORE, port=m0.port)
        assert rep.cmd("CLUSTER", "FAILOVER") == "OK"
        failutil.wait_master(rep, ROLE_TIMEOUT_S)
        failutil.wait_replica_of(m0, rep, ROLE_TIMEOUT_S, observers=cl.nodes)
        w.wait_oks(OKS_AFTER, port=rep.port)
    finally:
        acked = w.stop()
    assert not w.errors, "unexpected replies: %r" % w.errors[:5]
    assert len(acked) == WRITER_KEYS
    bad = w.problems(cl.nodes)
    assert not bad, "acknowledged writes lost (retries %r): %s" % (w.retries, bad)
    expected = {rep: ("master", None), m0: ("slave", rep),
                cl.masters[1]: ("master", None), cl.masters[2]: ("master", None)}
    epochs = check_layout(cl.nodes, expected)
    others = [e for nid, e in epochs.items() if nid not in (rep.node_id, m0.node_id)]
    assert epochs[rep.node_id] > max(others) and epochs[m0.node_id] == epochs[rep.node_id], epochs
    for n in cl.nodes:
        assert slot_ranges_of(n, rep) == ["%d-%d" % (start, end)], n.name
        assert slot_ranges_of(n, m0) == [], n.name
    srvutil.wait_caught_up(rep, m0)
    assert_same_keys(rep, m0, sorted(acked))
    failutil.wait_state(cl.nodes, "ok")
