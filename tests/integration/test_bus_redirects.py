"""Redirects end to end between two nodes that met over the cluster bus:
MOVED to the other node's address, ASK from a MIGRATING slot for a missing
key, ASKING on the IMPORTING node (one shot), TRYAGAIN for multi-key
commands whose keys are split between the two, and redis-cli -c and redis-py's
RedisCluster following MOVED and ASK, up to a completed slot migration.

Node A owns slots 0-8191, node B 8192-16383. Each test works on the slot of
its own hash tag (test_key_premise) and leaves it stable and empty."""

import shutil
import subprocess

import pytest
from redis.cluster import RedisCluster

import srvutil

SPLIT = 8192
TRYAGAIN = b"-TRYAGAIN Multiple keys request during rehashing of slot\r\n"
OK = b"+OK\r\n"
REDIS_CLI = shutil.which("redis-cli") or "/usr/bin/redis-cli"

# Hash tags of slots owned by A, one per test; "foo" and "{a}" are B's.
TAG_ASK, TAG_ASKING, TAG_TRYAGAIN, TAG_CLI, TAG_PY = "{b}", "{c}", "{f}", "{j}", "{n}"


def test_key_premise():
    for tag in (TAG_ASK, TAG_ASKING, TAG_TRYAGAIN, TAG_CLI, TAG_PY, "hello"):
        assert srvutil.key_slot(tag) < SPLIT, tag
    assert srvutil.key_slot("foo") == 12182 and srvutil.key_slot("{a}") == 15495
    tags = (TAG_ASK, TAG_ASKING, TAG_TRYAGAIN, TAG_CLI, TAG_PY)
    assert len({srvutil.key_slot(t) for t in tags}) == len(tags)


@pytest.fixture(scope="module")
def pair(bus_nodes):
    """(A, B): two nodes that know each other, slots split, state ok on both."""
    return srvutil.form_pair(bus_nodes, SPLIT)


@pytest.fixture
def ab(pair):
    """The pair with empty keyspaces; every slot is stable again afterwards."""
    a, b = pair
    for n in pair:
        if not n.alive():
            pytest.fail("%s died earlier; log tail:\n%s" % (n.name, n.log_tail()))
        assert n.cmd("FLUSHALL") == "OK"
    yield a, b
    for tag in (TAG_ASK, TAG_ASKING, TAG_TRYAGAIN, TAG_CLI, TAG_PY):
        for n in pair:
            if n.alive():
                n.cmd("CLUSTER", "SETSLOT", srvutil.key_slot(tag), "STABLE")


def exchange(c, *cmds):
    """Sends cmds in one write and returns the bytes of their replies."""
    c.send(b"".join(srvutil.encode(*cmd) for cmd in cmds))
    return b"".join(c.raw_reply() for _ in cmds)


def moved(slot, node):
    return b"-MOVED %d 127.0.0.1:%d\r\n" % (slot, node.port)


def ask(slot, node):
    return b"-ASK %d 127.0.0.1:%d\r\n" % (slot, node.port)


def bulk(v):
    return b"$%d\r\n%s\r\n" % (len(v), v)


def migrate_slot(src, dst, slot):
    """Puts slot in MIGRATING on src and IMPORTING on dst."""
    assert dst.cmd("CLUSTER", "SETSLOT", slot, "IMPORTING", src.node_id) == "OK"
    assert src.cmd("CLUSTER", "SETSLOT", slot, "MIGRATING", dst.node_id) == "OK"


def test_moved_to_the_owner(ab):
    a, b = ab
    with a.raw() as ca, b.raw() as cb:
        assert exchange(cb, ("SET", "foo", "on-b"), ("SET", "hello", "x")) == OK + moved(866, a)
        assert exchange(ca, ("GET", "foo"), ("SET", "foo", "y"), ("DEL", "foo")) == moved(12182, b) * 3
        assert exchange(ca, ("SET", "hello", "on-a"), ("GET", "hello")) == OK + bulk(b"on-a")
        # a multi-key command for one foreign slot is moved as a whole
        assert exchange(ca, ("MGET", "{a}1", "{a}2")) == moved(15495, b)
        assert exchange(cb, ("GET", "foo"), ("GET", "hello")) == bulk(b"on-b") + moved(866, a)


def test_ask_from_a_migrating_slot(ab):
    a, b = ab
    slot = srvutil.key_slot(TAG_ASK)
    with a.raw() as ca:
        assert exchange(ca, ("SET", TAG_ASK + "here", "v")) == OK
        migrate_slot(a, b, slot)
        # a present key is still served by the owner, a missing one is asked for
        assert exchange(ca, ("GET", TAG_ASK + "here"), ("GET", TAG_ASK + "gone"),
                        ("SET", TAG_ASK + "new", "v")) == bulk(b"v") + ask(slot, b) * 2
        assert exchange(ca, ("GET", "hello")) == b"$-1\r\n"  # other slots unaffected
    a_line = a.cluster_nodes()[a.node_id]
    b_line = b.cluster_nodes()[b.node_id]
    assert "[%d->-%s]" % (slot, b.node_id) in a_line.slots, a_line
    assert "[%d-<-%s]" % (slot, a.node_id) in b_line.slots, b_line
    # the slot still belongs to A in both views until SETSLOT NODE
    for n in ab:
        assert n.cluster_nodes()[a.node_id].slot_set() >= {slot}


def test_asking_on_the_importing_node(ab):
    a, b = ab
    slot = srvutil.key_slot(TAG_ASKING)
    migrate_slot(a, b, slot)
    k = TAG_ASKING + "k"
    with b.raw() as cb:
        assert exchange(cb, ("GET", k)) == moved(slot, a)
        assert exchange(cb, ("ASKING",), ("SET", k, "imported")) == OK * 2
        # ASKING is one shot: the next command is moved again
        assert exchange(cb, ("GET", k)) == moved(slot, a)
        assert exchange(cb, ("ASKING",), ("GET", k)) == OK + bulk(b"imported")
        assert exchange(cb, ("ASKING",), ("GET", "hello")) == OK + moved(866, a)
    with a.raw() as ca:  # the source lost nothing and now asks for the key
        assert exchange(ca, ("GET", k)) == ask(slot, b)


def test_tryagain_for_keys_split_between_the_nodes(ab):
    a, b = ab
    slot = srvutil.key_slot(TAG_TRYAGAIN)
    k1, k2, k3 = TAG_TRYAGAIN + "1", TAG_TRYAGAIN + "2", TAG_TRYAGAIN + "3"
    with a.raw() as ca, b.raw() as cb:
        assert exchange(ca, ("SET", k1, "on-a")) == OK
        migrate_slot(a, b, slot)
        assert exchange(cb, ("ASKING",), ("SET", k2, "on-b")) == OK * 2
        # on the source: some keys here, some not
        assert exchange(ca, ("MGET", k1, k2), ("DEL", k1, k2), ("EXISTS", k2, k1)) == TRYAGAIN * 3
        # none here: the whole command is asked for
        assert exchange(ca, ("MGET", k2, k3)) == ask(slot, b)
        # every key here: served
        assert exchange(ca, ("MGET", k1, k1)) == b"*2\r\n" + bulk(b"on-a") * 2
        # on the target with ASKING: some keys missing
        assert exchange(cb, ("ASKING",), ("MGET", k2, k1)) == OK + TRYAGAIN
        assert exchange(cb, ("ASKING",), ("MGET", k2, k2)) == OK + b"*2\r\n" + bulk(b"on-b") * 2
        assert exchange(ca, ("GET", k1)) == bulk(b"on-a")  # nothing was deleted


def redis_cli(node, *args):
    p = subprocess.run([REDIS_CLI, "-p", str(node.port), "-c"] + list(args),
                       capture_output=True, text=True, timeout=30)
    return p.returncode, p.stdout, p.stderr


def test_redis_cli_follows_moved_and_ask(ab):
    a, b = ab
    slot = srvutil.key_slot(TAG_CLI)
    assert redis_cli(a, "SET", "foo", "via-a") == (0, "OK\n", "")
    assert b.cmd("GET", "foo") == b"via-a"
    assert redis_cli(b, "GET", "foo") == (0, "via-a\n", "")
    assert redis_cli(a, "GET", "foo") == (0, "via-a\n", "")
    assert redis_cli(b, "SET", "hello", "via-b") == (0, "OK\n", "")
    assert a.cmd("GET", "hello") == b"via-b"
    migrate_slot(a, b, slot)
    k = TAG_CLI + "moved-already"
    with b.raw() as cb:
        assert exchange(cb, ("ASKING",), ("SET", k, "on-b")) == OK * 2
    # A answers ASK, redis-cli sends ASKING + GET to B
    assert redis_cli(a, "GET", k) == (0, "on-b\n", "")
    assert redis_cli(b, "GET", k) == (0, "on-b\n", "")  # MOVED to A, then ASK back


def test_redis_py_follows_ask_then_moved_after_migration(ab):
    a, b = ab
    slot = srvutil.key_slot(TAG_PY)
    rc = RedisCluster(host="127.0.0.1", port=a.port, socket_timeout=20)
    try:
        assert {n.port for n in rc.get_primaries()} == {a.port, b.port}
        keys = ["py%d" % i for i in range(40)]
        for k in keys:
            assert rc.set(k, k) is True
        assert a.cmd("DBSIZE") + b.cmd("DBSIZE") == 40
        assert a.cmd("DBSIZE") > 0 and b.cmd("DBSIZE") > 0
        assert [rc.get(k) for k in keys] == [k.encode() for k in keys]
        assert rc.set(TAG_PY + "stay", "s") is True
        assert rc.set(TAG_PY + "move", "m") is True
        migrate_slot(a, b, slot)
        # move one key by hand (no MIGRATE here): ASKING + SET on B, DEL on A
        with b.raw() as cb:
            assert exchange(cb, ("ASKING",), ("SET", TAG_PY + "move", "m")) == OK * 2
        assert a.cmd("DEL", TAG_PY + "move") == 1
        assert rc.get(TAG_PY + "move") == b"m"  # ASK followed
        assert rc.get(TAG_PY + "stay") == b"s"
        assert rc.get_node_from_key(TAG_PY).port == a.port  # ASK does not remap
        # finish: the last key, then the slot goes to B on both nodes
        with b.raw() as cb:
            assert exchange(cb, ("ASKING",), ("SET", TAG_PY + "stay", "s")) == OK * 2
        assert a.cmd("DEL", TAG_PY + "stay") == 1
        assert b.cmd("CLUSTER", "SETSLOT", slot, "NODE", b.node_id) == "OK"
        assert a.cmd("CLUSTER", "SETSLOT", slot, "NODE", b.node_id) == "OK"
        with a.raw() as ca:
            assert exchange(ca, ("GET", TAG_PY + "stay")) == moved(slot, b)
        assert rc.get(TAG_PY + "stay") == b"s"  # MOVED followed
        assert rc.get_node_from_key(TAG_PY).port == b.port
        assert rc.get(TAG_PY + "move") == b"m"
        want = sorted([(0, slot - 1, a.port, a.node_id), (slot, slot, b.port, b.node_id),
                       (slot + 1, SPLIT - 1, a.port, a.node_id),
                       (SPLIT, srvutil.CLUSTER_SLOTS_COUNT - 1, b.port, b.node_id)])
        srvutil.wait_until(lambda: a.cluster_slots() == want and b.cluster_slots() == want,
                           5, what="both nodes to agree slot %d is B's" % slot)
    finally:
        rc.close()
