"""Replication across implementations: Debian's redis-server 7.0.15
(/usr/bin/redis-server) as the replica of a $SHOAL_SERVER master, and
$SHOAL_SERVER as the replica of a redis-server master, each in both transfer
forms (diskless EOF-marker and disk, chosen by the master's
repl-diskless-sync). Each case checks the full sync (every key, value and
absolute expire time, long compressible values included), then the stream
(MULTI/EXEC blocks, SET EX, EXPIRE, a key that expires on the master and
reaches the replica as DEL), then a partial resync after CLIENT KILL TYPE
master on the replica (sync_partial_ok rises on the master, sync_full does
not). With SHOAL_SERVER=redis-server both sides are redis-server. A missing
/usr/bin/redis-server fails the tests. (dump.rdb exchange is covered by
test_persist.py.)"""


import pytest

import srvutil
from srvutil import Raw

FAST = srvutil.REPL_FAST_ARGS
SNAPSHOT_KEYS = 20000


def cmd(server, *args):
    with Raw(server.port, 10) as c:
        return c.cmd(*args)


def load_varied(m):
    """Keys the RDB encodes in different ways: small ints, negative and
    large ints, long compressible strings (LZF), binary bytes, an empty
    value, and a block with TTLs."""
    srvutil.load_keys(m, SNAPSHOT_KEYS, prefix="k:", ttl_every=5)
    c = m.client()
    try:
        p = c.pipeline(transaction=False)
        p.set("int:small", 7).set("int:neg", -123456).set("int:big", 2 ** 62)
        p.set("lzf:long", "abcdefgh" * 1000).set("lzf:ttl", "z" * 5000, ex=5000)
        p.set("bin", bytes(range(256)) * 4).set("empty", "").set("float", "3.14159")
        assert all(x is True for x in p.execute())
    finally:
        c.close()
    return SNAPSHOT_KEYS + 8


def check_stream(m, r):
    """Writes after the sync, then compares both keyspaces."""
    mc = m.client(decode_responses=True)
    try:
        mc.set("s:ex", "v", ex=1000)
        mc.set("s:plain", "v")
        mc.expire("s:plain", 2000)
        mc.setex("s:setex", 300, "v")
        mc.set("s:n", 1)
        mc.incrbyfloat("s:n", 0.5)
        p = mc.pipeline(transaction=True)
        p.set("tx:a", "1").incr("tx:a").set("tx:b", "x", px=900000).delete("k:1").getdel("k:2")
        assert p.execute() == [True, 2, True, 1, "v2"]
        p = mc.pipeline(transaction=True)
        p.mset({"tx:c": "c", "tx:d": "d"}).rename("tx:c", "tx:e").append("tx:d", "dd")
        assert p.execute() == [True, True, 3]
        mc.set("s:short", "v", px=100)
        # the master expires it (actively, or lazily here) and sends DEL
        srvutil.wait_until(lambda: mc.exists("s:short") == 0, 5, what="s:short to expire on the master")
    finally:
        mc.close()
    srvutil.wait_caught_up(m, r)
    assert cmd(r, "EXISTS", "s:short", "k:1", "k:2", "tx:c") == 0
    assert cmd(r, "GET", "tx:a") == b"2" and cmd(r, "GET", "tx:d") == b"ddd"
    assert cmd(r, "GET", "s:n") == b"1.5"
    srvutil.assert_same_keyspace(m, r)


def check_partial_resync(m, r):
    full0, partial0, _ = srvutil.sync_stats(m)
    assert cmd(r, "CLIENT", "KILL", "TYPE", "master") == 1
    srvutil.load_keys(m, 1000, prefix="gap:", ttl_every=4)
    with Raw(m.port) as c:
        assert c.cmd("MULTI") == "OK"
        c.cmd("SET", "gap:tx", "1")
        c.cmd("INCR", "gap:tx")
        assert c.cmd("EXEC") == ["OK", 2]
    srvutil.wait_caught_up(m, r)
    full1, partial1, _ = srvutil.sync_stats(m)
    assert (full1, partial1) == (full0, partial0 + 1), "sync_full/sync_partial_ok went %r -> %r" % (
        (full0, partial0), (full1, partial1))
    assert cmd(r, "GET", "gap:tx") == b"2"
    srvutil.assert_same_keyspace(m, r)


def run_replication(m, r):
    count = load_varied(m)
    full0 = srvutil.sync_stats(m)[0]
    srvutil.replicaof(r, m)
    srvutil.wait_caught_up(m, r, srvutil.REPL_SYNC_TIMEOUT_S)
    assert srvutil.sync_stats(m)[0] == full0 + 1
    assert cmd(r, "DBSIZE") == count
    assert srvutil.repl_info(r)["master_replid"] == srvutil.repl_info(m)["master_replid"]
    srvutil.assert_same_keyspace(m, r)
    assert cmd(r, "GET", "lzf:long") == b"abcdefgh" * 1000
    assert cmd(r, "GET", "bin") == bytes(range(256)) * 4
    check_stream(m, r)
    check_partial_resync(m, r)


FORMS = pytest.mark.parametrize("diskless", ["yes", "no"], ids=["eof-form", "disk-form"])


@FORMS
def test_redis_replica_of_shoal_master(make_server, diskless):
    redis = srvutil.redis_path()
    m = make_server("--repl-diskless-sync", diskless, *FAST, name="shoal-master-" + diskless)
    r = make_server(*FAST, path=redis, name="redis-replica-" + diskless)
    run_replication(m, r)


@FORMS
def test_shoal_replica_of_redis_master(make_server, diskless):
    redis = srvutil.redis_path()
    m = make_server("--repl-diskless-sync", diskless, *FAST, path=redis, name="redis-master-" + diskless)
    r = make_server(*FAST, name="shoal-replica-" + diskless)
    run_replication(m, r)
