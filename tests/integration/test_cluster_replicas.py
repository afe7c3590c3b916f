"""Replicas in cluster mode: four $SHOAL_SERVER nodes on one bus, A owning
slots 0-8191 and B 8192-16383, C made a replica of A with CLUSTER
REPLICATE, D an empty master used for the error cases. Checks that the role
is gossiped (CLUSTER NODES, SLOTS, SHARDS and REPLICAS on every node), that
C replicates A's data and serves it after READONLY while redirecting writes
and plain reads to A with MOVED, and CLUSTER REPLICATE's and REPLICAOF's
errors as redis-server 7.0.15 gives them."""

import pytest

import srvutil
from srvutil import Err, Raw

SPLIT = 8192
GOSSIP_TIMEOUT_S = 15.0
TAG_A, TAG_B = "{b}", "{a}"  # slots 3300 (A's) and 15495 (B's)
UNKNOWN_ID = "0123456789abcdef0123456789abcdef01234567"


def test_key_premise():
    assert srvutil.key_slot(TAG_A) < SPLIT <= srvutil.key_slot(TAG_B)


@pytest.fixture(scope="module")
def nodes(bus_nodes):
    """(A, B, C, D) as in the module docstring, once every node shows C as
    A's replica and C has caught up with A."""
    a, b, c, d = (bus_nodes(n, *srvutil.REPL_FAST_ARGS) for n in ("A", "B", "C", "D"))
    a.own_slots(0, SPLIT - 1)
    b.own_slots(SPLIT, srvutil.CLUSTER_SLOTS_COUNT - 1)
    for n in (b, c, d):
        a.meet(n)
    all4 = [a, b, c, d]
    srvutil.wait_bus_joined(all4)
    for n in all4:
        n.wait_cluster_state("ok")
    assert c.cmd("CLUSTER", "REPLICATE", a.node_id) == "OK"
    last = {}

    def gossiped():
        for n in all4:
            line = n.cluster_nodes().get(c.node_id)
            last[n.name] = line
            if line is None or "slave" not in line.flags or line.master != a.node_id:
                return False
        return True

    try:
        srvutil.wait_until(gossiped, GOSSIP_TIMEOUT_S, interval_s=0.05, what="C shown as A's replica")
    except AssertionError as e:
        raise AssertionError("%s; last lines: %r" % (e, last)) from None
    srvutil.wait_caught_up(a, c, srvutil.REPL_SYNC_TIMEOUT_S)
    # Redis 7.0 leaves a replica whose gossiped offset is still 0 out of
    # CLUSTER SLOTS (and calls it "loading" in SHARDS): give the stream bytes.
    assert a.cmd("SET", TAG_A + "warm", "1") == "OK"
    srvutil.wait_caught_up(a, c)
    return a, b, c, d


@pytest.fixture
def abcd(nodes):
    for n in nodes:
        if not n.alive():
            pytest.fail("%s died earlier; log tail:\n%s" % (n.name, n.log_tail()))
    return nodes


def test_role_is_gossiped_to_every_node(abcd):
    a, b, c, d = abcd
    for n in abcd:
        view = n.cluster_nodes()
        cl = view[c.node_id]
        assert cl.flags - {"myself"} == {"slave"} and cl.master == a.node_id and cl.slots == [], (n.name, cl)
        assert ("myself" in cl.flags) == (n is c)
        al = view[a.node_id]
        assert al.flags - {"myself"} == {"master"} and al.slots == ["0-%d" % (SPLIT - 1)], (n.name, al)
        assert view[d.node_id].master == "-"
    assert srvutil.repl_info(c)["master_port"] == str(a.port)
    ai = srvutil.repl_info(a)
    assert ai["connected_slaves"] == "1" and ai["slave0"].startswith("ip=127.0.0.1,port=%d," % c.port)


def test_cluster_replicas_lists_the_replica(abcd):
    a, b, c, d = abcd
    for n in abcd:
        for sub in ("REPLICAS", "SLAVES"):
            reply = n.cmd("CLUSTER", sub, a.node_id)
            assert isinstance(reply, list) and len(reply) == 1, (n.name, sub, reply)
            line = srvutil.ClusterNodeLine(reply[0].decode())
            assert line.id == c.node_id and line.master == a.node_id and "slave" in line.flags
            assert n.cmd("CLUSTER", sub, b.node_id) == []
    assert a.cmd("CLUSTER", "REPLICAS", UNKNOWN_ID) == Err("ERR Unknown node %s" % UNKNOWN_ID)
    assert a.cmd("CLUSTER", "REPLICAS", c.node_id) == Err("ERR The specified node is not a master")


def slots_listing_a_replica(n):
    """CLUSTER SLOTS sorted, once its first range lists a replica."""
    slots = sorted(n.cmd("CLUSTER", "SLOTS"))
    return slots if slots and len(slots[0]) == 4 else None


def shard_members(n, start, end):
    """CLUSTER SHARDS: {node id: node map} of the shard owning start-end."""
    for shard in n.cmd("CLUSTER", "SHARDS"):
        sh = dict(zip(shard[::2], shard[1::2]))
        if sh[b"slots"] == [start, end]:
            members = (dict(zip(x[::2], x[1::2])) for x in sh[b"nodes"])
            return {m[b"id"].decode(): m for m in members}
    raise AssertionError("%s: no shard with slots %d-%d" % (n.name, start, end))


def test_cluster_slots_and_shards_list_the_replica(abcd):
    a, b, c, d = abcd
    for n in abcd:
        slots = srvutil.wait_until(lambda: slots_listing_a_replica(n), GOSSIP_TIMEOUT_S, interval_s=0.1,
                                   what="C in CLUSTER SLOTS on %s" % n.name)
        assert len(slots) == 2, (n.name, slots)
        first = slots[0]
        assert first[:2] == [0, SPLIT - 1], (n.name, first)
        assert first[2][:3] == [b"127.0.0.1", a.port, a.node_id.encode()]
        assert first[3][:3] == [b"127.0.0.1", c.port, c.node_id.encode()]
        assert len(slots[1]) == 3 and slots[1][2][2] == b.node_id.encode()

    def c_online(n):
        members = shard_members(n, 0, SPLIT - 1)
        return members if members.get(c.node_id, {}).get(b"health") == b"online" else None

    for n in abcd:
        members = srvutil.wait_until(lambda: c_online(n), GOSSIP_TIMEOUT_S, interval_s=0.1,
                                     what="C online in A's shard on %s" % n.name)
        assert set(members) == {a.node_id, c.node_id}, (n.name, members)
        assert members[a.node_id][b"role"] == b"master" and members[c.node_id][b"role"] == b"replica"
        assert members[c.node_id][b"port"] == c.port


def test_replica_serves_reads_after_readonly_and_redirects_writes(abcd):
    a, b, c, d = abcd
    key, other = TAG_A + "k", TAG_B + "k"
    slot_a, slot_b = srvutil.key_slot(key), srvutil.key_slot(other)
    assert a.cmd("SET", key, "from-a") == "OK"
    srvutil.wait_caught_up(a, c)
    moved_a = Err("MOVED %d 127.0.0.1:%d" % (slot_a, a.port))
    with Raw(c.port) as conn:
        assert conn.cmd("GET", key) == moved_a
        assert conn.cmd("READONLY") == "OK"
        assert conn.cmd("GET", key) == b"from-a"
        assert conn.cmd("EXISTS", key) == 1
        assert conn.cmd("SET", key, "x") == moved_a
        assert conn.cmd("DEL", key) == moved_a
        assert conn.cmd("GET", other) == Err("MOVED %d 127.0.0.1:%d" % (slot_b, b.port))
        assert conn.cmd("READWRITE") == "OK"
        assert conn.cmd("GET", key) == moved_a
    assert a.cmd("DEL", key) == 1
    srvutil.wait_caught_up(a, c)
    with Raw(c.port) as conn:
        assert conn.cmd("READONLY") == "OK"
        assert conn.cmd("GET", key) is None


def test_cluster_replicate_and_replicaof_errors(abcd):
    a, b, c, d = abcd
    assert d.cmd("CLUSTER", "REPLICATE", UNKNOWN_ID) == Err("ERR Unknown node %s" % UNKNOWN_ID)
    assert d.cmd("CLUSTER", "REPLICATE", d.node_id) == Err("ERR Can't replicate myself")
    assert d.cmd("CLUSTER", "REPLICATE", c.node_id) == Err("ERR I can only replicate a master, not a replica.")
    assert b.cmd("CLUSTER", "REPLICATE", a.node_id) == Err(
        "ERR To set a master the node must be empty and without assigned slots.")
    assert d.cmd("CLUSTER", "REPLICATE") == Err("ERR wrong number of arguments for 'cluster|replicate' command")
    for n in (c, d):
        assert n.cmd("REPLICAOF", "127.0.0.1", a.port) == Err("ERR REPLICAOF not allowed in cluster mode.")
        assert n.cmd("REPLICAOF", "NO", "ONE") == Err("ERR REPLICAOF not allowed in cluster mode.")
    # nothing changed
    assert d.cluster_nodes()[d.node_id].flags == {"myself", "master"}
    assert srvutil.repl_info(b)["role"] == "master"
    assert srvutil.repl_info(c)["master_port"] == str(a.port)
