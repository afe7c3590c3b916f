"""Cluster state (ok / fail) of one node and what clients get from it: a
node with half the slots under cluster-require-full-coverage yes (default)
and no, with cluster-allow-reads-when-down yes, and the state following
slot changes. The state after a change is polled, never slept for: a fresh
master stays in fail for about 2 s and after a minority for the rejoin
delay (cluster-node-timeout 500 ms here)."""

import pytest

import srvutil

HALF_END = 8191
# The node owns 0-8191: "hello" (866) and "{user1000}..." (3443) are its
# own keys, "foo" (12182) and "a" (15495) are not (test_key_premise).

NOT_SERVED = b"-CLUSTERDOWN Hash slot not served\r\n"
DOWN = b"-CLUSTERDOWN The cluster is down\r\n"
DOWN_READS = b"-CLUSTERDOWN The cluster is down and only accepts read commands\r\n"
OK = b"+OK\r\n"


def own(key):
    return srvutil.key_slot(key) <= HALF_END


def exchange(c, *cmds):
    c.send(b"".join(srvutil.encode(*cmd) for cmd in cmds))
    return b"".join(c.raw_reply() for _ in cmds)


def test_key_premise():
    assert srvutil.key_slot("hello") == 866
    assert srvutil.key_slot("{user1000}.following") == 3443
    assert srvutil.key_slot("foo") == 12182
    assert srvutil.key_slot("a") == 15495
    assert own("hello") and not own("foo") and not own("a")


@pytest.fixture(scope="module")
def half_node(cluster_server):
    """The module's node owning slots 0-8191 only (default full coverage)."""
    cluster_server.own_slots(0, HALF_END)
    return cluster_server


@pytest.fixture
def hraw(half_node):
    conns = []

    def make():
        c = half_node.raw()
        conns.append(c)
        return c

    yield make
    for c in conns:
        c.close()


def test_half_node_state_is_fail(half_node):
    info = half_node.cluster_info()
    assert info["cluster_state"] == "fail"
    assert info["cluster_slots_assigned"] == "8192"
    assert info["cluster_slots_ok"] == "8192"
    assert info["cluster_slots_pfail"] == "0"
    assert info["cluster_slots_fail"] == "0"
    assert info["cluster_known_nodes"] == "1"


def test_half_node_unassigned_slot_not_served(hraw):
    c = hraw()
    for cmd in [("GET", "foo"), ("SET", "foo", "1"), ("DEL", "foo"), ("EXISTS", "foo"),
                ("MGET", "foo", "foo"), ("EXPIRE", "foo", "10"), ("TTL", "a")]:
        assert exchange(c, cmd) == NOT_SERVED, cmd


def test_half_node_own_slots_cluster_down(hraw):
    c = hraw()
    for cmd in [("GET", "hello"), ("SET", "hello", "1"), ("DEL", "hello"),
                ("EXISTS", "hello"), ("MGET", "{user1000}.a", "{user1000}.b"),
                ("INCR", "hello"), ("TTL", "hello")]:
        assert exchange(c, cmd) == DOWN, cmd


def test_half_node_crossslot_before_down(hraw):
    # Different slots are reported as CROSSSLOT even while down, and the
    # first key decides "not served".
    c = hraw()
    assert exchange(c, ("MGET", "hello", "foo")) == \
        b"-CROSSSLOT Keys in request don't hash to the same slot\r\n"
    assert exchange(c, ("MGET", "foo", "hello")) == NOT_SERVED


def test_half_node_keyless_commands_work(hraw):
    c = hraw()
    assert exchange(c, ("PING",), ("DBSIZE",), ("ECHO", "x"), ("CLUSTER", "KEYSLOT", "foo"),
                    ("CLUSTER", "COUNTKEYSINSLOT", "866")) == \
        b"+PONG\r\n:0\r\n$1\r\nx\r\n:12182\r\n:0\r\n"
    assert exchange(c, ("FLUSHALL",)) == OK


def test_half_node_multi_with_down_commands_aborts(hraw):
    c = hraw()
    c.send(b"MULTI\r\nGET hello\r\nPING\r\nEXEC\r\nMULTI\r\nGET foo\r\nEXEC\r\nMULTI\r\nPING\r\nEXEC\r\n")
    want = (OK + DOWN + b"+QUEUED\r\n"
            + b"-EXECABORT Transaction discarded because of previous errors.\r\n"
            + OK + NOT_SERVED
            + b"-EXECABORT Transaction discarded because of previous errors.\r\n"
            + OK + b"+QUEUED\r\n*1\r\n+PONG\r\n")
    assert c.expect(want) == want


def test_full_coverage_no_serves_own_half(make_cluster_server):
    s = make_cluster_server("--cluster-require-full-coverage", "no")
    s.own_slots(0, HALF_END)
    info = s.wait_cluster_state("ok")
    assert info["cluster_slots_assigned"] == "8192"
    with s.raw() as c:
        assert exchange(c, ("SET", "hello", "1"), ("GET", "hello"), ("INCR", "hello"),
                        ("MSET", "{user1000}.a", "1", "{user1000}.b", "2"),
                        ("MGET", "{user1000}.a", "{user1000}.b"), ("DEL", "hello")) == \
            OK + b"$1\r\n1\r\n:2\r\n" + OK + b"*2\r\n$1\r\n1\r\n$1\r\n2\r\n:1\r\n"
        assert exchange(c, ("GET", "foo"), ("SET", "foo", "1"), ("DEL", "a")) == NOT_SERVED * 3
        assert exchange(c, ("DBSIZE",)) == b":2\r\n"
        # no slots at all is fail even without full coverage
        assert exchange(c, ("FLUSHALL",), ("CLUSTER", "FLUSHSLOTS")) == OK + OK
        s.wait_cluster_state("fail")
        assert exchange(c, ("GET", "hello")) == NOT_SERVED


def test_allow_reads_when_down(make_cluster_server):
    s = make_cluster_server("--cluster-allow-reads-when-down", "yes")
    s.own_slots(0, HALF_END)
    assert s.cluster_info()["cluster_state"] == "fail"
    with s.raw() as c:
        assert exchange(c, ("GET", "hello"), ("EXISTS", "hello"), ("MGET", "hello", "hello"),
                        ("TTL", "hello"), ("STRLEN", "hello")) == \
            b"$-1\r\n:0\r\n*2\r\n$-1\r\n$-1\r\n:-2\r\n:0\r\n"
        for cmd in [("SET", "hello", "1"), ("DEL", "hello"), ("INCR", "hello"),
                    ("EXPIRE", "hello", "10"), ("MSET", "{user1000}.a", "1")]:
            assert exchange(c, cmd) == DOWN_READS, cmd
        assert exchange(c, ("GET", "foo"), ("SET", "foo", "1")) == NOT_SERVED * 2
        c.send(b"MULTI\r\nGET hello\r\nSET hello x\r\nEXEC\r\nMULTI\r\nGET hello\r\nEXEC\r\n")
        want = (OK + b"+QUEUED\r\n" + DOWN_READS
                + b"-EXECABORT Transaction discarded because of previous errors.\r\n"
                + OK + b"+QUEUED\r\n*1\r\n$-1\r\n")
        assert c.expect(want) == want


def test_allow_reads_when_down_reads_existing_data(make_cluster_server):
    # Data written while ok stays readable once the node is down.
    s = make_cluster_server("--cluster-allow-reads-when-down", "yes")
    s.own_slots()
    s.wait_cluster_state("ok")
    with s.raw() as c:
        assert exchange(c, ("SET", "hello", "world")) == OK
        assert exchange(c, ("CLUSTER", "DELSLOTSRANGE", HALF_END + 1, 16383)) == OK
        s.wait_cluster_state("fail")
        assert exchange(c, ("GET", "hello"), ("SET", "hello", "x")) == \
            b"$5\r\nworld\r\n" + DOWN_READS
        assert exchange(c, ("GET", "foo")) == NOT_SERVED


def test_state_follows_slot_changes(make_cluster_server):
    s = make_cluster_server()
    info = s.cluster_info()
    assert info["cluster_state"] == "fail"
    assert info["cluster_slots_assigned"] == "0"
    s.own_slots()
    info = s.wait_cluster_state("ok")
    assert info["cluster_slots_assigned"] == info["cluster_slots_ok"] == "16384"
    assert info["cluster_size"] == "1"
    with s.raw() as c:
        assert exchange(c, ("SET", "hello", "1"), ("SET", "foo", "2")) == OK + OK
        # one slot missing: fail at once, for keys of every slot
        assert exchange(c, ("CLUSTER", "DELSLOTS", "16383")) == OK
        info = s.wait_cluster_state("fail")
        assert info["cluster_slots_assigned"] == "16383"
        assert exchange(c, ("GET", "hello"), ("GET", "foo")) == DOWN * 2
        # back to full coverage: ok again (after the rejoin delay, if any)
        assert exchange(c, ("CLUSTER", "ADDSLOTS", "16383")) == OK
        s.wait_cluster_state("ok")
        assert exchange(c, ("GET", "hello"), ("GET", "foo")) == b"$1\r\n1\r\n$1\r\n2\r\n"


def test_config_set_full_coverage_no_at_runtime(make_cluster_server):
    # A node in fail re-evaluates its state periodically, so relaxing the
    # coverage rule at runtime brings it up without any slot change.
    s = make_cluster_server()
    s.own_slots(0, HALF_END)
    with s.raw() as c:
        assert exchange(c, ("CONFIG", "GET", "cluster-require-full-coverage")) == \
            b"*2\r\n$29\r\ncluster-require-full-coverage\r\n$3\r\nyes\r\n"
        assert exchange(c, ("GET", "hello")) == DOWN
        assert exchange(c, ("CONFIG", "SET", "cluster-require-full-coverage", "no")) == OK
        s.wait_cluster_state("ok")
        assert exchange(c, ("SET", "hello", "1"), ("GET", "foo")) == OK + NOT_SERVED
