"""
The cluster tools against shoal nodes: shoal-cluster and Debian's
`redis-cli --cluster` (7.0.15) create a 3+3 cluster, check it, grow it with
add-node + rebalance, shrink it with rebalance + del-node, and close an open
slot with fix; an ioredis Cluster client uses the result. Bad input to
shoal-cluster gets the documented exit code and message and changes nothing.

Every test runs against redis-server nodes too (SHOAL_SERVER=redis-server):
the redis-cli parts are validated there first, and shoal-cluster must drive
redis-server 7.0 nodes as well. shoal-cluster parts skip when the tool is not
built (docs/shoal-cluster.md documents its CLI, exit codes and JSON).
"""

import os

import pytest

import failutil
import srvutil
import toolutil
from toolutil import addr

SLOTS = srvutil.CLUSTER_SLOTS_COUNT
REDIS_CLI_RANGES = [(0, 5460), (5461, 10922), (10923, 16383)]
GROW_KEYS = 3000
OPEN_SLOT = 100
OPEN_SLOT_KEYS = 40
REBALANCE_THRESHOLD_PCT = 2.0


@pytest.fixture
def make(request):
    f = failutil.NodeFactory(request.node.name)
    yield f
    f.stop_all()


def _ranges(slots):
    return [tuple(r) for r in failutil._ranges(slots)]


def _check_3x1(nodes):
    """The cluster over nodes settled as 3 masters with redis-cli's slot
    ranges, each with one replica; returns its Layout."""
    lay = toolutil.settle(nodes)
    bad = toolutil.layout_problems(lay, masters=3, replicas_per_master=1, ports=[n.port for n in nodes])
    assert not bad, bad
    assert sorted(_ranges(s) for s in lay.masters.values()) == [[r] for r in REDIS_CLI_RANGES], lay
    # Every node agrees on who replicates whom (agreement covers roles too).
    for n in nodes:
        view = toolutil.Layout(n.cluster_nodes())
        assert view.replicas == lay.replicas, "%s: %r vs %r" % (n.name, view, lay)
    return lay


def _json_matches_nodes(doc, node):
    """[] if the nodes of a shoal-cluster --json document are those of
    node's CLUSTER NODES (ids, addresses, roles, masters, slots)."""
    bad = []
    view = node.cluster_nodes()
    got = {n["id"]: n for n in doc.get("nodes", [])}
    if set(got) != set(view):
        return ["json lists %s, CLUSTER NODES %s" % (sorted(got), sorted(view))]
    replicas = {}
    for line in view.values():
        if "slave" in line.flags:
            replicas[line.master] = replicas.get(line.master, 0) + 1
    for nid, line in view.items():
        j = got[nid]
        role = "replica" if "slave" in line.flags else "master"
        want = {"addr": line.addr.split("@")[0], "role": role,
                "master": line.master if role == "replica" else None,
                "slots": [list(r) for r in _ranges(line.slot_set())],
                "slots_count": len(line.slot_set()),
                "replicas": replicas.get(nid, 0) if role == "master" else 0}
        for k, v in want.items():
            if j.get(k) != v:
                bad.append("%s %s: json %r, CLUSTER NODES %r" % (nid[:8], k, j.get(k), v))
    return bad


def _assert_check_ok(nodes, seed):
    """Both tools' check passes on the cluster (shoal-cluster's when built)."""
    res = toolutil.redis_cli_cluster("check", addr(seed))
    assert res.rc == 0, res.details()
    assert "[OK] All nodes agree about slots configuration." in res.out, res.details()
    assert "[OK] All 16384 slots covered." in res.out, res.details()
    if os.access(toolutil.SHOAL_CLUSTER_PATH, os.X_OK):
        res = toolutil.shoal_cluster("check", addr(seed))
        assert res.rc == 0, res.details()


def _assert_ioredis(seed):
    res = toolutil.ioredis_smoke(seed.port)
    assert res.rc == 0, res.details()
    assert '"ok":true' in res.out, res.details()


# ---- create ----

def test_create_3x1_with_shoal_cluster(make):
    toolutil.need_shoal_cluster()
    nodes = toolutil.start_empty(make, 6)
    res = toolutil.shoal_cluster("create", *[addr(n) for n in nodes], "--replicas", 1, "--yes")
    assert res.rc == 0, res.details()
    _check_3x1(nodes)
    # The first three nodes are the masters (one host: no interleaving).
    for n in nodes[:3]:
        assert failutil.is_master(n), "%s is not a master" % n.name

    res = toolutil.shoal_cluster("check", addr(nodes[4]))
    assert res.rc == 0, res.details()
    res = toolutil.shoal_cluster("check", addr(nodes[0]), "--json")
    assert res.rc == 0, res.details()
    doc = res.json()
    assert doc.get("ok") is True and doc.get("exit_code") == 0 and doc.get("command") == "check", doc
    assert doc.get("problems") == [], doc.get("problems")
    summary = doc.get("summary", {})
    assert (summary.get("masters"), summary.get("replicas"), summary.get("slots_covered"),
            summary.get("agree")) == (3, 3, SLOTS, True), summary
    bad = _json_matches_nodes(doc, nodes[0])
    assert not bad, bad

    _assert_check_ok(nodes, nodes[2])
    _assert_ioredis(nodes[0])


def test_create_3x1_with_redis_cli(make):
    nodes = toolutil.start_empty(make, 6)
    res = toolutil.redis_cli_cluster("create", *[addr(n) for n in nodes], "--cluster-replicas", 1,
                                     "--cluster-yes")
    assert res.rc == 0, res.details()
    assert "[OK] All 16384 slots covered." in res.out, res.details()
    _check_3x1(nodes)
    _assert_check_ok(nodes, nodes[3])
    _assert_ioredis(nodes[1])


# ---- add-node, rebalance, del-node ----

@pytest.mark.parametrize("tool", toolutil.TOOLS)
def test_add_node_rebalance_del_node(make, tool):
    t = toolutil.Tool(tool).need()
    cl = failutil.form_cluster(make, masters=3, replicas_of={})
    keys = toolutil.keys_for_slots(set(range(SLOTS)), GROW_KEYS, "grow:")
    expected = {k: "v-" + k for k in keys}
    toolutil.load(cl.masters[0], expected)
    new = make("new", *srvutil.REPL_FAST_ARGS)
    nodes = cl.nodes + [new]

    res = t.add_node(new, cl.masters[1])
    assert res.rc == 0, res.details()
    srvutil.wait_bus_joined(nodes, failutil.FORM_TIMEOUT_S)
    assert failutil.is_master(new)
    # A node that just joined answers CLUSTERDOWN until it has learned the
    # slot map: rebalancing before that fails (redis-server does the same).
    toolutil.settle(nodes)

    res = t.rebalance(cl.masters[0], use_empty_masters=True)
    assert res.rc == 0, res.details()
    print("%s rebalance over 4: %s" % (tool, res))
    lay = toolutil.settle(nodes)
    counts = lay.slot_counts()
    assert len(counts) == 4 and all(counts.values()), lay
    for nid, c in counts.items():
        assert abs(c - SLOTS / 4) <= SLOTS / 4 * REBALANCE_THRESHOLD_PCT / 100, \
            "%s: %d slots after rebalance over 4 masters: %r" % (lay.ports[nid], c, lay)
    bad = toolutil.keyspace_problems(nodes, expected)
    assert not bad, bad

    # Empty the new master again (weight 0), then remove it.
    res = t.rebalance(cl.masters[0], weights={new.node_id: 0})
    assert res.rc == 0, res.details()
    print("%s rebalance to empty: %s" % (tool, res))
    lay = toolutil.settle(nodes)
    # With cluster-allow-replica-migration yes (the default) a master that
    # gave away its last slot follows the master that took it.
    left = lay.masters.get(new.node_id, set())
    assert not left, "still owns %s" % toolutil._ranges_text(left)
    res = t.del_node(cl.masters[0], new.node_id)
    assert res.rc == 0, res.details()

    srvutil.wait_until(lambda: all(new.node_id not in n.cluster_nodes() for n in cl.nodes), 10,
                       what="every node to forget the deleted one")
    srvutil.wait_until(lambda: list(new.cluster_nodes()) == [new.node_id], 10,
                       what="the deleted node to know only itself (CLUSTER RESET SOFT)")
    lay = toolutil.settle(cl.nodes)
    assert toolutil.layout_problems(lay, masters=3, ports=[n.port for n in cl.nodes]) == []
    bad = toolutil.keyspace_problems(cl.nodes, expected)
    assert not bad, bad
    # The removed node does not come back through gossip.
    srvutil.wait_until(lambda: toolutil.settle_problem(cl.nodes) == "", 5, what="settled")
    assert all(new.node_id not in n.cluster_nodes() for n in cl.nodes)
    _assert_check_ok(cl.nodes, cl.masters[2])


# ---- fix ----

def _open_slot(cl, slot, nkeys):
    """Leaves slot part migrated from masters[0] to masters[1]: MIGRATING on
    the source, IMPORTING on the target, a quarter of its keys already moved
    with MIGRATE (a clear minority, so redis-cli's "owner by number of keys"
    choice is the source). Returns {key: value} of all its keys."""
    src, dst = cl.masters[0], cl.masters[1]
    keys = toolutil.keys_for_slots({slot}, nkeys, "open:")
    expected = {k: "v-" + k for k in keys}
    toolutil.load(src, expected)
    assert dst.cmd("CLUSTER", "SETSLOT", slot, "IMPORTING", src.node_id) == "OK"
    assert src.cmd("CLUSTER", "SETSLOT", slot, "MIGRATING", dst.node_id) == "OK"
    reply = src.cmd("MIGRATE", "127.0.0.1", dst.port, "", 0, 5000, "KEYS", *keys[:nkeys // 4])
    assert reply == "OK", "MIGRATE ... KEYS replied %r" % (reply,)
    assert src.cmd("CLUSTER", "COUNTKEYSINSLOT", slot) == nkeys - nkeys // 4
    assert dst.cmd("CLUSTER", "COUNTKEYSINSLOT", slot) == nkeys // 4
    return expected


@pytest.mark.parametrize("tool", toolutil.TOOLS)
def test_fix_open_slot(make, tool):
    t = toolutil.Tool(tool).need()
    cl = failutil.form_cluster(make, masters=3, replicas_of={})
    src, dst = cl.masters[0], cl.masters[1]
    expected = _open_slot(cl, OPEN_SLOT, OPEN_SLOT_KEYS)

    res = t.check(src)
    assert res.rc == 1, "check of a cluster with an open slot: " + res.details()
    assert str(OPEN_SLOT) in res.out, res.details()

    res = t.fix(src)
    assert res.rc == 0, res.details()
    lay = toolutil.settle(cl.nodes)
    # Which side ends up owning the slot is the tool's choice (redis-cli:
    # the node with more of its keys); all its keys must be there, none left
    # on the other side.
    owner = [m for m, s in lay.masters.items() if OPEN_SLOT in s]
    assert len(owner) == 1 and owner[0] in (src.node_id, dst.node_id), \
        "slot %d owned by %r after fix: %r" % (OPEN_SLOT, owner, lay)
    other = dst if owner[0] == src.node_id else src
    owner_node = src if other is dst else dst
    assert owner_node.cmd("CLUSTER", "COUNTKEYSINSLOT", OPEN_SLOT) == OPEN_SLOT_KEYS
    assert other.cmd("CLUSTER", "COUNTKEYSINSLOT", OPEN_SLOT) == 0
    print("%s fix: slot %d went to the %s" % (tool, OPEN_SLOT, "source" if owner_node is src else "target"))
    bad = toolutil.keyspace_problems(cl.nodes, expected)
    assert not bad, bad
    res = t.check(src)
    assert res.rc == 0, res.details()
    _assert_check_ok(cl.nodes, dst)


# ---- bad input to shoal-cluster ----

def _assert_refused(res, rc, *words):
    assert res.rc == rc, "want exit %d: %s" % (rc, res.details())
    text = res.text().lower()
    for w in words:
        assert w.lower() in text, "%r not in the message: %s" % (w, res.details())


def test_bad_input_changes_nothing(make, make_server):
    toolutil.need_shoal_cluster()
    cl = failutil.form_cluster(make, masters=3, replicas_of={})
    m0 = cl.masters[0]
    before = toolutil.wait_snapshot_stable(cl.nodes)
    unknown = "f" * 40

    res = toolutil.shoal_cluster("reshard", addr(m0), "--from", m0.node_id, "--to", unknown, "--slots", 10, "--yes")
    _assert_refused(res, 2, unknown)
    res = toolutil.shoal_cluster("reshard", addr(m0), "--from", unknown, "--to", m0.node_id, "--slots", 10, "--yes")
    _assert_refused(res, 2, unknown)
    res = toolutil.shoal_cluster("reshard", addr(m0), "--from", m0.node_id, "--to", unknown, "--slots", 10,
                                 "--json")
    assert res.rc == 2, res.details()
    doc = res.json()
    assert doc.get("ok") is False and doc.get("exit_code") == 2 and doc.get("error"), doc
    # Usage errors.
    for args in (["reshard", addr(m0), "--from", m0.node_id, "--to", cl.masters[1].node_id],
                 ["reshard", addr(m0), "--from", m0.node_id, "--to", cl.masters[1].node_id, "--slots", "x"],
                 ["frobnicate", addr(m0)],
                 ["check", "127.0.0.1"],
                 ["check", addr(m0), "--no-such-option"]):
        res = toolutil.shoal_cluster(*args)
        assert res.rc == 2, res.details()

    # del-node of a master that still owns slots is refused.
    res = toolutil.shoal_cluster("del-node", addr(cl.masters[1]), m0.node_id)
    _assert_refused(res, 1, "empty")

    # create with a node that already is in a cluster (knows other nodes).
    fresh = toolutil.start_empty(make, 2, prefix="fresh")
    fresh_before = toolutil.nodes_snapshot(fresh)
    res = toolutil.shoal_cluster("create", addr(m0), addr(fresh[0]), addr(fresh[1]), "--yes")
    _assert_refused(res, 1, addr(m0), "empty")

    # create with a node holding a key.
    # A cluster node serves keys only in its slots: own the key's slot for
    # the SET, then give the slot up (the key stays, the node knows nobody).
    keyed = make("keyed", "--cluster-require-full-coverage", "no", *srvutil.REPL_FAST_ARGS)
    slot = toolutil.slot_of("somekey")
    assert keyed.cmd("CLUSTER", "ADDSLOTS", slot) == "OK"
    keyed.wait_cluster_state("ok")
    assert keyed.cmd("SET", "somekey", "1") == "OK"
    assert keyed.cmd("CLUSTER", "DELSLOTS", slot) == "OK"
    res = toolutil.shoal_cluster("create", addr(fresh[0]), addr(fresh[1]), addr(keyed), "--yes")
    _assert_refused(res, 1, addr(keyed), "empty")

    # create with a node not in cluster mode.
    plain = make_server(name="standalone")
    res = toolutil.shoal_cluster("create", addr(fresh[0]), addr(fresh[1]), addr(plain), "--yes")
    _assert_refused(res, 1, addr(plain), "cluster")
    res = toolutil.shoal_cluster("check", addr(plain))
    _assert_refused(res, 1, addr(plain), "cluster")

    # Nothing changed anywhere.
    assert toolutil.nodes_snapshot(fresh) == fresh_before
    for n in fresh + [keyed]:
        info = n.cluster_info()
        assert (info["cluster_known_nodes"], info["cluster_slots_assigned"]) == ("1", "0"), (n.name, info)
    assert keyed.cmd("CLUSTER", "COUNTKEYSINSLOT", slot) == 1
    assert plain.client().dbsize() == 0
    assert toolutil.nodes_snapshot(cl.nodes) == before
    _assert_check_ok(cl.nodes, m0)


# ---- shoal-cluster's harder paths ----

def _place(node, owner, key, value):
    """Puts key on node although owner owns its slot (a leftover of an
    interrupted move): open the slot there, ASKING SET, close it again."""
    slot = toolutil.slot_of(key)
    assert node.cmd("CLUSTER", "SETSLOT", slot, "IMPORTING", owner.node_id) == "OK"
    with srvutil.Raw(node.port) as r:
        assert r.cmd("ASKING") == "OK"
        assert r.cmd("SET", key, value) == "OK"
    assert node.cmd("CLUSTER", "SETSLOT", slot, "STABLE") == "OK"


def test_shoal_cluster_busykey_and_stray_keys(make):
    """A reshard whose target already holds an equal copy of a key (BUSYKEY,
    digests equal: replaced), with another slot's MIGRATE pipelined behind it;
    and fix of a key stranded on a node with no open slot state."""
    toolutil.need_shoal_cluster()
    cl = failutil.form_cluster(make, masters=3, replicas_of={}, args=("--enable-debug-command", "yes"))
    m0, m1, m2 = cl.masters
    first = cl.ranges[0][0]
    dup, solo = toolutil.keys_for_slots({first}, 1, "dup:")[0], toolutil.keys_for_slots({first + 1}, 1, "solo:")[0]
    assert m0.cmd("SET", dup, "same") == "OK" and m0.cmd("SET", solo, "x") == "OK"
    _place(m1, m0, dup, "same")
    res = toolutil.shoal_cluster("reshard", toolutil.addr(m0), "--from", m0.node_id, "--to", m1.node_id,
                                 "--slots", "2", "--yes")
    assert res.rc == 0, res.details()
    lay = toolutil.settle(cl.nodes)
    assert {first, first + 1} <= lay.masters[m1.node_id], lay
    assert m1.cmd("GET", dup) == b"same" and m1.cmd("GET", solo) == b"x"
    assert m0.cmd("CLUSTER", "COUNTKEYSINSLOT", first) == 0 and m0.cmd("CLUSTER", "COUNTKEYSINSLOT", first + 1) == 0

    stray_slot = cl.ranges[0][0] + 10
    stray = toolutil.keys_for_slots({stray_slot}, 1, "stray:")[0]
    assert m1.cmd("CLUSTER", "SETSLOT", stray_slot, "IMPORTING", m0.node_id) == "OK"
    _place(m2, m0, stray, "lost?")
    res = toolutil.shoal_cluster("fix", toolutil.addr(m0), "--yes")
    assert res.rc == 0, res.details()
    toolutil.settle(cl.nodes)
    assert m0.cmd("GET", stray) == b"lost?"
    assert m2.cmd("CLUSTER", "COUNTKEYSINSLOT", stray_slot) == 0
    for n in cl.nodes:
        assert not toolutil.open_slots(n), (n.name, toolutil.open_slots(n))
    assert toolutil.shoal_cluster("check", toolutil.addr(m0)).rc == 0
