"""Every collection type end to end, across the parts that move data: a
replica after 100,000 random operations of every family holds exactly its
master's data (DEBUG DIGEST), and so does the master after a restart from
its RDB; dump.rdb files written by redis-server 7.0.15 (every type, compact
and full encodings) load into shoal with identical contents and encodings,
and redis-server loads shoal's; MIGRATE moves every type between a shoal
node and a redis-server node of one cluster, both ways; a 3+3 cluster
serves every family on hash-tagged keys through a cluster client.

Every test also runs against redis-server (SHOAL_SERVER=/usr/bin/redis-server)."""

import os
import random
import shutil

import pytest
import redis

import failutil
import srvutil

DEBUG = ("--enable-debug-command", "yes")
WORKLOAD_OPS = 100_000
WORKLOAD_BATCH = 1000
KEYS_PER_FAMILY = 60


# ---- a deterministic mixed workload ----

def _member(rng):
    """Mostly small integers and short strings (compact encodings), now and
    then a long one (forces the full encoding)."""
    roll = rng.random()
    if roll < 0.4:
        return str(rng.randrange(0, 300))
    if roll < 0.97:
        return "m%d" % rng.randrange(0, 400)
    return "long-" + "x" * rng.randrange(60, 200)


def _score(rng):
    return rng.choice([rng.randrange(-50, 50), round(rng.uniform(-100, 100), 3)])


def _op(rng):
    """One random command (a tuple of arguments)."""
    fam = rng.randrange(5)
    i = rng.randrange(KEYS_PER_FAMILY)
    j = rng.randrange(KEYS_PER_FAMILY)
    m = _member(rng)
    if fam == 0:
        k, k2 = "l:%d" % i, "l:%d" % j
        return rng.choice([
            ("LPUSH", k, m, _member(rng)), ("RPUSH", k, m), ("LPOP", k), ("RPOP", k, 2), ("LSET", k, 0, m),
            ("LINSERT", k, "BEFORE", m, "ins"), ("LREM", k, 0, m), ("LTRIM", k, 0, rng.randrange(1, 80)),
            ("LMOVE", k, k2, "LEFT", "RIGHT"), ("RPOPLPUSH", k, k2), ("LPUSHX", k, m), ("RPUSH", k, *[m] * 30),
        ])
    if fam == 1:
        k = "h:%d" % i
        f = "f%d" % rng.randrange(0, 200)
        return rng.choice([
            ("HSET", k, f, m), ("HSET", k, f, m, "g" + f, _member(rng)), ("HDEL", k, f), ("HSETNX", k, f, m),
            ("HINCRBY", k, "n" + f, rng.randrange(-5, 5)), ("HINCRBYFLOAT", k, "x" + f, "1.5"),
            ("HMSET", k, *[x for n in range(20) for x in ("b%d" % n, m)]),
        ])
    if fam == 2:
        k, k2 = "s:%d" % i, "s:%d" % j
        return rng.choice([
            ("SADD", k, m, _member(rng)), ("SADD", k, *[str(rng.randrange(0, 2000)) for _ in range(40)]),
            ("SREM", k, m), ("SPOP", k), ("SPOP", k, 3), ("SMOVE", k, k2, m),
            ("SINTERSTORE", "s:%d" % rng.randrange(KEYS_PER_FAMILY), k, k2),
            ("SUNIONSTORE", "s:%d" % rng.randrange(KEYS_PER_FAMILY), k, k2),
            ("SDIFFSTORE", "s:%d" % rng.randrange(KEYS_PER_FAMILY), k, k2),
        ])
    if fam == 3:
        k, k2 = "z:%d" % i, "z:%d" % j
        return rng.choice([
            ("ZADD", k, _score(rng), m), ("ZADD", k, *[x for n in range(30) for x in (_score(rng), "zm%d" % n)]),
            ("ZADD", k, "GT", "CH", _score(rng), m), ("ZINCRBY", k, _score(rng), m), ("ZREM", k, m),
            ("ZPOPMIN", k), ("ZPOPMAX", k, 2), ("ZREMRANGEBYRANK", k, 0, 1),
            ("ZREMRANGEBYSCORE", k, "-inf", "(-40"), ("ZREMRANGEBYLEX", k, "[a", "[b"),
            ("ZUNIONSTORE", "z:%d" % rng.randrange(KEYS_PER_FAMILY), 2, k, k2, "WEIGHTS", 1, 2),
            ("ZINTERSTORE", "z:%d" % rng.randrange(KEYS_PER_FAMILY), 2, k, k2, "AGGREGATE", "MAX"),
            ("ZRANGESTORE", "z:%d" % rng.randrange(KEYS_PER_FAMILY), k, 0, 5),
            ("ZDIFFSTORE", "z:%d" % rng.randrange(KEYS_PER_FAMILY), 2, k, k2),
        ])
    k = rng.choice(["l", "h", "s", "z"]) + ":%d" % i
    return rng.choice([
        ("DEL", k), ("EXPIRE", k, 3600), ("PERSIST", k), ("SET", "str:%d" % i, m), ("INCR", "cnt:%d" % i),
        ("COPY", k, k[:2] + "%d" % j, "REPLACE"), ("PEXPIRE", k, rng.randrange(1, 30)),
    ])


def run_workload(client, ops, seed):
    rng = random.Random(seed)
    done = 0
    while done < ops:
        pipe = client.pipeline(transaction=False)
        n = min(WORKLOAD_BATCH, ops - done)
        for _ in range(n):
            pipe.execute_command(*_op(rng))
        pipe.execute(raise_on_error=False)
        done += n


def digest(server):
    return server.client().execute_command("DEBUG", "DIGEST")


def key_dump(client):
    """{key: (type, contents)} for every key, comparable across servers."""
    out = {}
    for k in client.scan_iter(count=1000):
        t = client.type(k)
        if t == b"string":
            v = client.get(k)
        elif t == b"list":
            v = client.lrange(k, 0, -1)
        elif t == b"hash":
            v = sorted(client.hgetall(k).items())
        elif t == b"set":
            v = sorted(client.smembers(k))
        elif t == b"zset":
            v = client.zrange(k, 0, -1, withscores=True)
        else:
            v = None
        out[k] = (t, v)
    return out


def diff_keys(a, b, show=5):
    da, db = key_dump(a), key_dump(b)
    bad = [k for k in set(da) | set(db) if da.get(k) != db.get(k)]
    return ["%r: %r != %r" % (k, da.get(k), db.get(k)) for k in sorted(bad)[:show]], len(bad)


def assert_same_data(a, b, what):
    da, db = digest(a), digest(b)
    if da != db:
        lines, n = diff_keys(a.client(), b.client())
        pytest.fail("%s: digests differ (%s vs %s), %d keys differ:\n%s" % (what, da, db, n, "\n".join(lines)))


def test_replica_matches_master_after_random_workload(make_server):
    """100,000 random operations over lists, hashes, sets, sorted sets and
    generic commands (nondeterministic ones included: SPOP, stores, moves,
    HINCRBYFLOAT); the replica's data equals the master's, a replica that
    full-syncs afterwards too, and so does the master reloaded from RDB."""
    master = make_server(*DEBUG, *srvutil.REPL_FAST_ARGS)
    replica = make_server(*DEBUG, *srvutil.REPL_FAST_ARGS, "--replicaof", "127.0.0.1", str(master.port))
    srvutil.wait_caught_up(master, replica, srvutil.REPL_SYNC_TIMEOUT_S)
    run_workload(master.client(), WORKLOAD_OPS, seed=8)
    # The workload's millisecond TTLs end now; SCAN then removes the
    # expired ones (a DEL each for the replica), so digests no longer depend
    # on when the expiry cycle runs.
    mc = master.client()
    srvutil.wait_until(lambda: all(not (0 <= mc.pttl(k) <= 100) for k in mc.scan_iter(count=1000)), 10,
                       what="the workload's millisecond TTLs to pass")
    key_dump(mc)
    srvutil.wait_caught_up(master, replica, srvutil.REPL_SYNC_TIMEOUT_S)
    assert mc.dbsize() > 100
    assert_same_data(master, replica, "streamed replica")

    late = make_server(*DEBUG, "--replicaof", "127.0.0.1", str(master.port))
    srvutil.wait_caught_up(master, late, srvutil.REPL_SYNC_TIMEOUT_S)
    assert_same_data(master, late, "full-synced replica")

    before, before_keys = digest(master), key_dump(mc)
    # The late replica's sync child may still be exiting: SAVE would be
    # refused ("Background save already in progress"), as on redis-server.
    srvutil.wait_until(lambda: mc.info("persistence")["rdb_bgsave_in_progress"] == 0, 10,
                       what="the sync child to end")
    mc.execute_command("SAVE")
    master.stop()
    master.start()
    if digest(master) != before:
        after_keys = key_dump(master.client())
        bad = sorted(k for k in set(before_keys) | set(after_keys) if before_keys.get(k) != after_keys.get(k))
        pytest.fail("the master's data changed across an RDB restart: %d keys, e.g. %s" % (
            len(bad), ["%r: %r -> %r" % (k, before_keys.get(k), after_keys.get(k)) for k in bad[:3]]))


# ---- RDB files both ways with redis-server ----

def _fill_every_encoding(c):
    """Keys of every type shoal has, in compact and full encodings; returns
    {key: encoding} as the writer reports it."""
    c.set("s:int", 12345)
    c.set("s:emb", "short")
    c.set("s:raw", "r" * 100)
    c.rpush("l:small", *["a", "1", "-7", "b" * 30])
    c.rpush("l:big", *["e%d" % i for i in range(3000)])
    c.rpush("l:ints", *range(-500, 500, 3))
    c.hset("h:lp", mapping={"f%d" % i: "v%d" % i for i in range(20)})
    c.hset("h:ht", mapping={"f%d" % i: i for i in range(300)})
    c.hset("h:long", mapping={"a": "x" * 100, "b": "1"})
    c.sadd("set:int", *range(100))
    c.sadd("set:bigint", *range(0, 2000, 3))
    c.sadd("set:str", *["m%d" % i for i in range(50)])
    c.zadd("z:lp", {"m%d" % i: i * 1.5 for i in range(30)})
    c.zadd("z:sl", {"m%d" % i: (i % 17) - 0.25 for i in range(500)})
    c.zadd("z:long", {"y" * 80: 1, "b": float("inf"), "c": float("-inf")})
    c.expire("h:lp", 3600)
    c.expire("z:sl", 7200)
    return {k: c.object("encoding", k) for k in c.keys()}


def _start_with_rdb(make_server, rdb_path, path=None):
    s = make_server(*DEBUG, start=False, path=path)
    shutil.copy(rdb_path, os.path.join(s.dir, "dump.rdb"))
    s.start()
    return s


def test_rdb_from_redis_loads_and_back(make_server):
    """redis-server writes every type in every encoding; shoal loads it with
    the same contents, encodings and digest; redis-server loads shoal's SAVE
    with the same digest."""
    red = make_server(*DEBUG, path=srvutil.redis_path())
    rc = red.client()
    enc = _fill_every_encoding(rc)
    assert set(enc.values()) >= {b"int", b"embstr", b"raw", b"quicklist", b"listpack", b"hashtable", b"intset",
                                 b"skiplist"}
    want = key_dump(rc)
    want_digest = digest(red)
    rc.execute_command("SAVE")

    sh = _start_with_rdb(make_server, os.path.join(red.dir, "dump.rdb"))
    sc = sh.client()
    assert key_dump(sc) == want
    assert {k: sc.object("encoding", k) for k in sc.keys()} == enc
    assert digest(sh) == want_digest
    assert 3590 <= sc.ttl("h:lp") <= 3600
    sc.execute_command("SAVE")

    back = _start_with_rdb(make_server, os.path.join(sh.dir, "dump.rdb"), path=srvutil.redis_path())
    bc = back.client()
    assert key_dump(bc) == want
    assert digest(back) == want_digest
    assert {k: bc.object("encoding", k) for k in bc.keys()} == enc


def test_dump_restore_every_type_both_ways(make_server):
    """DUMP payloads of every type and encoding restore into the other server
    with equal DEBUG DIGEST-VALUE."""
    red = make_server(*DEBUG, path=srvutil.redis_path())
    sh = make_server(*DEBUG)
    rc, sc = red.client(), sh.client()
    _fill_every_encoding(rc)
    _fill_every_encoding(sc)
    for k in rc.keys():
        for src, dst in ((rc, sc), (sc, rc)):
            payload = src.dump(k)
            dst.restore(b"copy:" + k, max(src.pttl(k), 0), payload, replace=True)
            assert dst.execute_command("DEBUG", "DIGEST-VALUE", b"copy:" + k) == \
                src.execute_command("DEBUG", "DIGEST-VALUE", k), k
            assert dst.object("encoding", b"copy:" + k) == src.object("encoding", k), k


# ---- MIGRATE between a shoal node and a redis-server node of one cluster ----

def _move_slot(src, dst, slot, keys):
    assert dst.cmd("CLUSTER", "SETSLOT", slot, "IMPORTING", src.node_id) == "OK"
    assert src.cmd("CLUSTER", "SETSLOT", slot, "MIGRATING", dst.node_id) == "OK"
    reply = src.cmd("MIGRATE", "127.0.0.1", dst.port, "", 0, 5000, "KEYS", *keys)
    assert reply == "OK", reply
    for n in (dst, src):
        assert n.cmd("CLUSTER", "SETSLOT", slot, "NODE", dst.node_id) == "OK"


@pytest.fixture
def factory(request):
    f = failutil.NodeFactory(request.node.name)
    yield f
    f.stop_all()


def test_migrate_every_type_mixed_cluster(factory):
    """A slot holding every type moves from shoal to redis-server with
    MIGRATE and back again; contents and digests survive both moves."""
    paths = {"m0": srvutil.SERVER_PATH, "m1": srvutil.redis_path()}

    def make(name, *args):
        return factory(name, *args, *DEBUG, path=paths[name])

    cl = failutil.form_cluster(make, masters=2, replicas_of={})
    shoal, red = cl.masters
    tag = "{mv}"
    slot = srvutil.key_slot(tag.encode())
    owner, other = (shoal, red) if slot <= cl.ranges[0][1] else (red, shoal)
    c = redis.Redis(port=owner.port)
    keys = []
    for name, fill in [
        ("list", lambda k: c.rpush(k, *range(200))),
        ("hashlp", lambda k: c.hset(k, mapping={"a": 1, "b": "two"})),
        ("hashht", lambda k: c.hset(k, mapping={"f%d" % i: i for i in range(300)})),
        ("setint", lambda k: c.sadd(k, 1, 2, 3)),
        ("setht", lambda k: c.sadd(k, *["m%d" % i for i in range(100)])),
        ("zsetlp", lambda k: c.zadd(k, {"a": 1, "b": 2.5})),
        ("zsetsl", lambda k: c.zadd(k, {"m%d" % i: i for i in range(300)})),
        ("str", lambda k: c.set(k, "v")),
    ]:
        k = "%s:%s" % (tag, name)
        fill(k)
        keys.append(k)
    c.expire(keys[0], 3600)
    digests = {k: c.execute_command("DEBUG", "DIGEST-VALUE", k) for k in keys}

    # there (one kind of server) and back (the other kind)
    for src, dst in ((owner, other), (other, owner)):
        _move_slot(src, dst, slot, keys)
        got = redis.Redis(port=dst.port)
        assert {k: got.execute_command("DEBUG", "DIGEST-VALUE", k) for k in keys} == digests, dst.name
        assert got.lrange(keys[0], 0, 2) == [b"0", b"1", b"2"]
        assert got.ttl(keys[0]) > 3500
        assert src.cmd("EXISTS", keys[0]) == srvutil.Err("MOVED %d 127.0.0.1:%d" % (slot, dst.port))


# ---- a 3+3 cluster through a cluster client ----

def test_cluster_families_with_hash_tags(factory):
    """Each family on hash-tagged keys through RedisCluster across a 3+3
    cluster; multi-key forms work within a tag and answer CROSSSLOT across
    slots; every replica's data equals its master's."""
    cl = failutil.form_cluster(lambda name, *a: factory(name, *a, *DEBUG))
    rc = redis.RedisCluster(host="127.0.0.1", port=cl.masters[0].port, decode_responses=True)
    try:
        for t in range(20):
            tag = "{user%d}" % t
            rc.rpush(tag + ":q", "a", "b", "c")
            assert rc.lmove(tag + ":q", tag + ":done", "LEFT", "RIGHT") == "a"
            rc.hset(tag + ":h", mapping={"name": "n%d" % t, "age": t})
            assert rc.hincrby(tag + ":h", "age", 1) == t + 1
            rc.sadd(tag + ":s1", "x", "y", t)
            rc.sadd(tag + ":s2", "y", "z")
            assert rc.sinterstore(tag + ":si", [tag + ":s1", tag + ":s2"]) == 1
            assert rc.smove(tag + ":s1", tag + ":s2", "x")
            rc.zadd(tag + ":feed", {"m%d" % i: 1000 + i for i in range(10)})
            assert rc.zremrangebyscore(tag + ":feed", "-inf", 1002) == 3
            assert rc.zunionstore(tag + ":zu", [tag + ":feed", tag + ":si"]) == 8
            assert rc.zrangestore(tag + ":top", tag + ":feed", 0, 2) == 3
            assert rc.zrank(tag + ":feed", "m9") == 6
        tag_a, tag_b = "{user0}", "{user1}"
        assert srvutil.key_slot(tag_a.encode()) != srvutil.key_slot(tag_b.encode())
        node = rc.get_node_from_key(tag_a)
        raw = redis.Redis(host=node.host, port=node.port, decode_responses=True)
        for cmd in (("SUNIONSTORE", tag_a + ":d", tag_a + ":s1", tag_b + ":s1"),
                    ("ZUNIONSTORE", tag_a + ":d", 2, tag_a + ":feed", tag_b + ":feed"),
                    ("LMOVE", tag_a + ":q", tag_b + ":q", "LEFT", "LEFT"),
                    ("SINTERCARD", 2, tag_a + ":s1", tag_b + ":s1")):
            with pytest.raises(redis.ResponseError, match="CROSSSLOT") as e:
                raw.execute_command(*cmd)
            assert "CROSSSLOT" in str(e.value), cmd
    finally:
        rc.close()
    for i, m in enumerate(cl.masters):
        for r in cl.replicas[i]:
            srvutil.wait_caught_up(m, r)
            assert_same_data(m, r, "replica %s" % r.name)
