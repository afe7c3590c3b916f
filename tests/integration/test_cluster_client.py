"""One cluster-mode node owning all 16384 slots, driven by redis-py 4.3.4's
RedisCluster exactly as an application would: discovery through CLUSTER
SLOTS, single-key and hash-tagged multi-key commands, cluster pipelines and
the fan-out commands (DBSIZE, KEYS, FLUSHALL) that go to every primary. Also
redis-cli -c and redis-cli --cluster check/info (CLUSTER NODES, INFO,
COUNTKEYSINSLOT parsed by the reference tool)."""

import shutil
import subprocess

import pytest
import redis
from redis.cluster import RedisCluster

import srvutil


@pytest.fixture
def rc(full_cluster_server):
    c = full_cluster_server.cluster_client()
    c.flushall()
    yield c
    c.close()


def test_discovers_one_primary_owning_every_slot(rc, full_cluster_server):
    nodes = rc.get_nodes()
    assert len(nodes) == 1
    node = nodes[0]
    assert node.port == full_cluster_server.port
    assert node.server_type == "primary"
    assert rc.get_primaries() == [node]
    assert rc.get_replicas() == []
    for key in ["foo", "hello", "{user1000}.following", "a{b", ""]:
        assert rc.get_node_from_key(key) is node
    assert rc.keyslot("{user1000}.following") == 3443


def test_set_get_and_hash_tags(rc):
    assert rc.set("foo", "bar") is True
    assert rc.get("foo") == b"bar"
    assert rc.get("missing") is None
    assert rc.mset({"{user1}name": "ann", "{user1}age": "33"}) is True
    assert rc.mget("{user1}name", "{user1}age", "{user1}none") == [b"ann", b"33", None]
    assert rc.msetnx({"{user1}name": "x", "{user1}new": "y"}) is False
    assert rc.get("{user1}name") == b"ann"
    assert rc.cluster_keyslot("{user1}name") == rc.keyslot("{user1}age")


def test_nonatomic_multi_slot_helpers(rc):
    # redis-py splits these per slot: each part must be served here.
    keys = {"k%d" % i: str(i) for i in range(50)}
    slots = {srvutil.key_slot(k) for k in keys}
    assert rc.mset_nonatomic(keys) == [True] * len(slots)  # one MSET per slot
    assert rc.mget_nonatomic(list(keys)) == [v.encode() for v in keys.values()]
    assert rc.exists(*keys) == 50
    assert rc.delete(*keys) == 50
    assert rc.exists(*keys) == 0


def test_delete_unlink_exists(rc):
    rc.set("a", 1)
    rc.set("b", 2)
    assert rc.exists("a") == 1
    assert rc.delete("a") == 1
    assert rc.delete("a") == 0
    assert rc.unlink("b") == 1
    assert rc.exists("a", "b") == 0


def test_expire_ttl_persist(rc):
    rc.set("e", "v")
    assert rc.expire("e", 100) is True
    assert 0 < rc.ttl("e") <= 100
    assert 0 < rc.pttl("e") <= 100000
    assert rc.persist("e") is True
    assert rc.ttl("e") == -1
    assert rc.set("px", "v", px=100000) is True
    assert 0 < rc.pttl("px") <= 100000
    assert rc.expire("missing", 10) is False
    assert rc.ttl("missing") == -2
    assert rc.pexpireat("e", 1) is True  # in the past: deleted at once
    assert rc.exists("e") == 0


def test_counters_and_strings(rc):
    assert rc.incr("n") == 1
    assert rc.incrby("n", 41) == 42
    assert rc.decr("n") == 41
    assert rc.incrbyfloat("f", 1.5) == 1.5
    assert rc.append("s", "ab") == 2
    assert rc.append("s", "cd") == 4
    assert rc.getrange("s", 1, 2) == b"bc"
    assert rc.strlen("s") == 4
    assert rc.getset("s", "new") == b"abcd"
    assert rc.getdel("s") == b"new"
    assert rc.get("s") is None


def test_rename_copy_within_a_hash_tag(rc):
    rc.set("{t}src", "v")
    assert rc.rename("{t}src", "{t}dst") is True
    assert rc.get("{t}dst") == b"v"
    assert rc.copy("{t}dst", "{t}cp") is True
    assert rc.get("{t}cp") == b"v"
    assert rc.renamenx("{t}cp", "{t}dst") is False


def test_pipeline(rc):
    with rc.pipeline() as p:
        p.set("p1", "a")
        p.set("{p}x", 1)
        p.incr("{p}x")
        p.get("p1")
        p.get("{p}x")
        p.expire("p1", 100)
        p.ttl("p1")
        p.delete("p1")
        p.exists("p1")
        p.get("never")
        res = p.execute()
    assert res[:5] == [True, True, 2, b"a", b"2"]
    assert res[5] is True
    assert 0 < res[6] <= 100
    assert res[7:] == [1, 0, None]


def test_pipeline_of_many_commands_over_many_slots(rc):
    n = 2000
    with rc.pipeline() as p:
        for i in range(n):
            p.set("pk:%d" % i, i)
        assert p.execute() == [True] * n
    with rc.pipeline() as p:
        for i in range(n):
            p.get("pk:%d" % i)
        assert p.execute() == [str(i).encode() for i in range(n)]
    assert rc.dbsize() == n


def test_pipeline_reports_errors_in_place(rc):
    rc.set("str", "x")
    with rc.pipeline() as p:
        p.set("ok1", 1)
        p.incr("str")
        p.get("ok1")
        res = p.execute(raise_on_error=False)
    assert res[0] is True
    assert isinstance(res[1], redis.ResponseError)
    assert "not an integer" in str(res[1])
    assert res[2] == b"1"


def test_fanout_commands(rc):
    for i in range(20):
        rc.set("fan:%d" % i, i)
    assert rc.dbsize() == 20
    assert sorted(rc.keys("fan:*")) == sorted(b"fan:%d" % i for i in range(20))
    assert rc.ping() is True
    assert rc.flushall() is True
    assert rc.dbsize() == 0


def test_cluster_commands_through_the_client(rc, full_cluster_server):
    info = rc.cluster_info()
    assert info["cluster_state"] == "ok"
    assert int(info["cluster_slots_assigned"]) == 16384
    rc.set("{s}a", 1)
    rc.set("{s}b", 2)
    slot = rc.keyslot("{s}a")
    assert rc.cluster_countkeysinslot(slot) == 2
    # redis-py decodes this reply to str itself
    assert sorted(rc.cluster_get_keys_in_slot(slot, 10)) == ["{s}a", "{s}b"]
    myid = rc.cluster_myid(rc.get_primaries()[0]).decode()
    assert len(myid) == 40


def test_client_side_crossslot_is_not_sent(rc):
    # redis-py refuses before sending; the server's answer is tested in
    # test_cluster_routing.py.
    with pytest.raises(redis.exceptions.RedisClusterException):
        rc.mget("a", "b")


def test_second_client_shares_the_view(full_cluster_server, rc):
    rc.set("shared", "1")
    other = RedisCluster(host="127.0.0.1", port=full_cluster_server.port)
    try:
        assert other.get("shared") == b"1"
    finally:
        other.close()


def test_plain_client_on_a_full_node(full_cluster_server, rc):
    # A node that owns every slot serves a non-cluster client too.
    c = full_cluster_server.client()
    try:
        assert c.set("plain", "v") is True
        assert rc.get("plain") == b"v"
        assert srvutil.key_slot("plain") == rc.keyslot("plain")
    finally:
        c.close()


REDIS_CLI = shutil.which("redis-cli") or "/usr/bin/redis-cli"


def redis_cli(port, *args):
    p = subprocess.run([REDIS_CLI, "-p", str(port)] + list(args), capture_output=True,
                       text=True, timeout=30)
    return p.returncode, p.stdout, p.stderr


def test_redis_cli_cluster_mode(full_cluster_server, rc):
    port = full_cluster_server.port
    assert redis_cli(port, "-c", "SET", "{cli}a", "1") == (0, "OK\n", "")
    assert redis_cli(port, "-c", "GET", "{cli}a") == (0, "1\n", "")
    assert rc.get("{cli}a") == b"1"


def test_redis_cli_cluster_check_and_info(full_cluster_server, rc):
    port = full_cluster_server.port
    rc.set("x", 1)
    rc.set("y", 2)
    myid = rc.cluster_myid(rc.get_primaries()[0]).decode()
    code, out, errs = redis_cli(port, "--cluster", "check", "127.0.0.1:%d" % port)
    assert code == 0, (out, errs)
    assert "127.0.0.1:%d (%s...) -> 2 keys | 16384 slots | 0 slaves." % (port, myid[:8]) in out
    assert "M: %s 127.0.0.1:%d\n   slots:[0-16383] (16384 slots) master" % (myid, port) in out
    assert "[OK] All nodes agree about slots configuration." in out
    assert "[OK] All 16384 slots covered." in out
    assert "[WARNING]" not in out and "[ERR]" not in out, out
    code, out, errs = redis_cli(port, "--cluster", "info", "127.0.0.1:%d" % port)
    assert code == 0 and "[OK] 2 keys in 1 masters." in out, (out, errs)
