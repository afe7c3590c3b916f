"""Set commands through redis-py, with the replies, error texts, encodings,
keyspace events and replication of redis-server 7.0.15; DUMP/RESTORE of
sets both ways between shoal and redis-server; multi-key set commands on a
one-node cluster (hash tags, CROSSSLOT)."""

import os
import shutil
import struct

import pytest
import redis

import srvutil

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
DEBUG = ("--enable-debug-command", "yes")


@pytest.fixture(scope="module")
def server(request):
    """The module's server, with DEBUG (DIGEST-VALUE) enabled."""
    s = srvutil.Server(request.module.__name__, DEBUG).start()
    yield s
    srvutil.check_stopped_cleanly(s)


def err(excinfo):
    return str(excinfo.value)


def members(r, key):
    return set(r.smembers(key))


def encoding(r, key):
    return r.object("encoding", key)


def resp3(server):
    c = server.raw()
    assert isinstance(c.cmd("HELLO", "3"), dict)
    return c


# ---- single-key commands ----

def test_sadd_srem_scard_sismember(r):
    assert r.sadd("s", "a", "b", "a", "c") == 3
    assert r.sadd("s", "a", "d") == 1
    assert r.scard("s") == 4
    assert r.scard("missing") == 0
    assert r.sismember("s", "a") == 1
    assert r.sismember("s", "zz") == 0
    assert r.sismember("missing", "a") == 0
    assert r.smismember("s", "a", "zz", "d") == [1, 0, 1]
    assert r.smismember("missing", "a", "b") == [0, 0]
    assert r.srem("s", "a", "zz") == 1
    assert r.srem("missing", "a") == 0
    assert members(r, "s") == {b"b", b"c", b"d"}
    # removing the last member removes the key
    assert r.srem("s", "b", "c", "d", "e") == 3
    assert r.exists("s") == 0
    assert r.type("s") == b"none"
    r.sadd("t", "x")
    assert r.type("t") == b"set"
    assert r.smembers("missing") == set()


def test_binary_and_empty_members(r):
    assert r.sadd("s", b"", b"\x00\xff\r\n", b"1") == 3
    assert members(r, "s") == {b"", b"\x00\xff\r\n", b"1"}
    assert r.sismember("s", b"") == 1


def test_wrongtype_everywhere(r):
    r.set("str", "x")
    r.sadd("s", "a")
    calls = [
        ("SADD", "str", "a"), ("SREM", "str", "a"), ("SCARD", "str"), ("SISMEMBER", "str", "a"),
        ("SMISMEMBER", "str", "a"), ("SMEMBERS", "str"), ("SRANDMEMBER", "str"), ("SRANDMEMBER", "str", "2"),
        ("SPOP", "str"), ("SPOP", "str", "2"), ("SMOVE", "str", "s", "a"), ("SMOVE", "s", "str", "a"),
        ("SINTER", "s", "str"), ("SINTER", "missing", "str"), ("SINTERCARD", "2", "missing", "str"),
        ("SINTERSTORE", "d", "s", "str"), ("SUNION", "missing", "str"), ("SUNIONSTORE", "d", "str"),
        ("SDIFF", "missing", "str"), ("SDIFF", "s", "str"), ("SDIFFSTORE", "d", "s", "str"),
        ("SSCAN", "str", "0"),
    ]
    for call in calls:
        with pytest.raises(redis.ResponseError) as e:
            r.execute_command(*call)
        assert err(e) == WRONGTYPE, call
    assert r.exists("d") == 0
    # SMOVE from a missing source does not look at the destination
    assert r.smove("missing", "str", "a") == 0


# ---- encodings ----

def test_intset_then_hashtable(r):
    r.sadd("s", 1, 2, 3, -9223372036854775808, 9223372036854775807)
    assert encoding(r, "s") == b"intset"
    r.sadd("s", "01")  # not canonical: a string
    assert encoding(r, "s") == b"hashtable"
    r.srem("s", "01")
    assert encoding(r, "s") == b"hashtable"  # never converts back
    r.sadd("w", "word")
    assert encoding(r, "w") == b"hashtable"


def test_intset_entries_threshold(r):
    try:
        r.config_set("set-max-intset-entries", 4)
        r.sadd("s", 1, 2, 3, 4)
        assert encoding(r, "s") == b"intset"
        r.sadd("s", 5)
        assert encoding(r, "s") == b"hashtable"
        r.config_set("set-max-intset-entries", 512)
        r.sadd("big", *range(512))
        assert encoding(r, "big") == b"intset"
        r.sadd("big", 512)
        assert encoding(r, "big") == b"hashtable"
        # a store builds its result as SADD would
        r.sadd("a", *range(10))
        r.sunionstore("u", "a")
        assert encoding(r, "u") == b"intset"
        r.sadd("b", "x")
        r.sunionstore("u", "a", "b")
        assert encoding(r, "u") == b"hashtable"
    finally:
        r.config_set("set-max-intset-entries", 512)


# ---- SINTER SUNION SDIFF and stores ----

def test_set_algebra(r):
    r.sadd("a", 1, 2, 3, "x", "y")
    r.sadd("b", 2, 3, 4, "y", "z")
    r.sadd("c", 3, "y", "q")
    assert r.sinter("a", "b") == {b"2", b"3", b"y"}
    assert r.sinter("a", "b", "c") == {b"3", b"y"}
    assert r.sinter("a", "a") == members(r, "a")
    assert r.sinter("a", "missing") == set()
    assert r.sunion("a", "b") == {b"1", b"2", b"3", b"4", b"x", b"y", b"z"}
    assert r.sunion("a", "missing") == members(r, "a")
    assert r.sunion("missing") == set()
    assert r.sdiff("a", "b") == {b"1", b"x"}
    assert r.sdiff("a", "b", "c") == {b"1", b"x"}
    assert r.sdiff("a", "missing") == members(r, "a")
    assert r.sdiff("missing", "a") == set()
    assert r.sdiff("a", "a") == set()
    assert r.smembers("a") == {b"1", b"2", b"3", b"x", b"y"}


def test_stores(r):
    r.sadd("a", 1, 2, 3, "x")
    r.sadd("b", 2, 3, 4)
    assert r.sinterstore("d", "a", "b") == 2
    assert members(r, "d") == {b"2", b"3"}
    assert r.sunionstore("d", "a", "b") == 5
    assert members(r, "d") == {b"1", b"2", b"3", b"4", b"x"}
    assert r.sdiffstore("d", "a", "b") == 2
    assert members(r, "d") == {b"1", b"x"}
    # a destination that is also a source
    assert r.sunionstore("a", "a", "b") == 5
    assert members(r, "a") == {b"1", b"2", b"3", b"4", b"x"}
    # the destination is replaced whatever it held, and loses its TTL
    r.set("str", "v", ex=100)
    assert r.sinterstore("str", "a", "b") == 3
    assert r.type("str") == b"set"
    assert r.ttl("str") == -1
    # an empty result deletes the destination
    for cmd in ("SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"):
        r.sadd("d", "old")
        assert r.execute_command(cmd, "d", "missing") == 0
        assert r.exists("d") == 0
    r.set("d", "string")
    assert r.sdiffstore("d", "a", "a") == 0
    assert r.exists("d") == 0


def test_sintercard(r):
    r.sadd("a", *range(100))
    r.sadd("b", *range(50, 150))
    assert r.sintercard(2, ["a", "b"]) == 50
    assert r.sintercard(2, ["a", "b"], limit=10) == 10
    assert r.sintercard(2, ["a", "b"], limit=0) == 50
    assert r.sintercard(2, ["a", "b"], limit=1000) == 50
    assert r.sintercard(1, ["a"]) == 100
    assert r.sintercard(2, ["a", "missing"]) == 0
    cases = [
        (("0", "a"), "numkeys should be greater than 0"),
        (("-1", "a"), "numkeys should be greater than 0"),
        (("abc", "a"), "numkeys should be greater than 0"),
        (("3", "a", "b"), "Number of keys can't be greater than number of args"),
        (("1", "a", "LIMIT", "-1"), "LIMIT can't be negative"),
        (("1", "a", "LIMIT", "abc"), "LIMIT can't be negative"),
        (("1", "a", "LIMIT"), "syntax error"),
        (("1", "a", "foo"), "syntax error"),
    ]
    for args, text in cases:
        with pytest.raises(redis.ResponseError) as e:
            r.execute_command("SINTERCARD", *args)
        assert err(e) == text, args


def test_command_getkeys_sintercard(raw):
    c = raw()
    assert c.cmd("COMMAND", "GETKEYS", "SINTERCARD", "2", "a", "b", "LIMIT", "1") == [b"a", b"b"]
    for args in (("0", "a"), ("5", "a")):
        reply = c.cmd("COMMAND", "GETKEYS", "SINTERCARD", *args)
        assert reply == srvutil.Err("ERR Invalid arguments specified for command"), args


# ---- SMOVE ----

def test_smove(r):
    r.sadd("src", "a", "b", 1)
    r.sadd("dst", "c")
    assert r.smove("src", "dst", "a") == 1
    assert members(r, "src") == {b"b", b"1"}
    assert members(r, "dst") == {b"c", b"a"}
    assert r.smove("src", "dst", "zz") == 0
    assert r.smove("missing", "dst", "a") == 0
    # into a new key, and the source disappears when emptied
    assert r.smove("src", "new", "1") == 1
    assert encoding(r, "new") == b"intset"
    assert r.smove("src", "new", "b") == 1
    assert r.exists("src") == 0
    assert members(r, "new") == {b"1", b"b"}
    # same key: 1 if a member, nothing changes
    assert r.smove("new", "new", "b") == 1
    assert r.smove("new", "new", "zz") == 0
    assert members(r, "new") == {b"1", b"b"}
    # already in the destination
    r.sadd("x", "m")
    r.sadd("y", "m")
    assert r.smove("x", "y", "m") == 1
    assert r.exists("x") == 0
    assert members(r, "y") == {b"m"}


# ---- SRANDMEMBER SPOP ----

@pytest.mark.parametrize("kind", ["intset", "hashtable"])
def test_srandmember(r, kind):
    items = list(range(200)) if kind == "intset" else ["m%d" % i for i in range(200)]
    r.sadd("s", *items)
    assert encoding(r, "s") == kind.encode()
    everything = members(r, "s")
    assert r.srandmember("s") in everything
    assert r.srandmember("missing") is None
    for count in (1, 5, 60, 100, 199):
        got = r.srandmember("s", count)
        assert len(got) == count and len(set(got)) == count and set(got) <= everything
    assert set(r.srandmember("s", 200)) == everything
    assert sorted(r.srandmember("s", 1000)) == sorted(everything)
    got = r.srandmember("s", -500)
    assert len(got) == 500 and set(got) <= everything
    assert r.srandmember("s", 0) == []
    assert r.srandmember("missing", 5) == []
    assert r.srandmember("missing", -5) == []
    assert r.scard("s") == 200  # nothing removed
    with pytest.raises(redis.ResponseError) as e:
        r.srandmember("s", "abc")
    assert err(e) == "value is not an integer or out of range"
    with pytest.raises(redis.ResponseError) as e:
        r.srandmember("s", -9223372036854775808)
    assert err(e) == ("value is out of range, value must between -9223372036854775807 and "
                      "9223372036854775807")
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("SRANDMEMBER", "s", "1", "2")
    assert err(e) == "syntax error"


@pytest.mark.parametrize("kind", ["intset", "hashtable"])
def test_spop(r, kind):
    items = list(range(300)) if kind == "intset" else ["m%d" % i for i in range(300)]
    r.sadd("s", *items)
    everything = members(r, "s")
    one = r.spop("s")
    assert one in everything and r.sismember("s", one) == 0
    popped = {one}
    for count in (1, 10, 150, 100):
        got = r.spop("s", count)
        assert len(got) == count and len(set(got)) == count
        assert not (set(got) & popped)
        popped |= set(got)
    assert r.scard("s") == 300 - len(popped)
    assert members(r, "s") | popped == everything
    rest = r.spop("s", 1000)
    assert set(rest) | popped == everything
    assert r.exists("s") == 0
    assert r.spop("missing") is None
    assert r.spop("missing", 3) == []
    r.sadd("t", "a")
    assert r.spop("t", 0) == []
    assert r.spop("t") == b"a"
    assert r.exists("t") == 0
    for bad in ("-1", "abc"):
        with pytest.raises(redis.ResponseError) as e:
            r.execute_command("SPOP", "t", bad)
        assert err(e) == "value is out of range, must be positive"
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("SPOP", "t", "1", "2")
    assert err(e) == "syntax error"


def test_resp3_reply_types(server, r):
    r.sadd("s", "a", "b", "c")
    r.sadd("t", "b")
    c = resp3(server)
    try:
        for cmd in (("SMEMBERS", "s"), ("SINTER", "s", "t"), ("SUNION", "s", "t"), ("SDIFF", "s", "t"),
                    ("SMEMBERS", "missing"), ("SPOP", "missing", "2"), ("SPOP", "s", "0")):
            assert isinstance(c.cmd(*cmd), srvutil.RespSet), cmd
        for cmd in (("SRANDMEMBER", "s", "2"), ("SRANDMEMBER", "s", "10"), ("SMISMEMBER", "s", "a"),
                    ("SRANDMEMBER", "missing", "2")):
            reply = c.cmd(*cmd)
            assert isinstance(reply, list) and not isinstance(reply, srvutil.RespSet), cmd
        assert c.cmd("SRANDMEMBER", "missing") is None
        assert c.cmd("SISMEMBER", "s", "a") == 1
        assert isinstance(c.cmd("SPOP", "s", "1"), srvutil.RespSet)
    finally:
        c.close()


# ---- SSCAN ----

def sscan_all(r, key, **kw):
    seen, cursor, calls = [], 0, 0
    while True:
        cursor, items = r.sscan(key, cursor, **kw)
        seen += items
        calls += 1
        if cursor == 0:
            return seen, calls


def test_sscan_complete_10000(r):
    want = {("member:%d" % i).encode() for i in range(10000)}
    p = r.pipeline(transaction=False)
    for i in range(0, 10000, 1000):
        p.sadd("s", *["member:%d" % j for j in range(i, i + 1000)])
    p.execute()
    seen, calls = sscan_all(r, "s", count=100)
    assert set(seen) == want
    assert calls > 10
    seen, _ = sscan_all(r, "s", match="member:99*", count=1000)
    assert set(seen) == {m for m in want if m.startswith(b"member:99")}


def test_sscan_intset_and_errors(r):
    r.sadd("i", *range(50))
    cursor, items = r.sscan("i", 0, count=5)
    assert cursor == 0 and sorted(int(x) for x in items) == list(range(50))
    cursor, items = r.sscan("i", 0, match="1*")
    assert sorted(items) == sorted(b"%d" % i for i in range(50) if str(i).startswith("1"))
    assert r.sscan("missing", 0) == (0, [])
    assert r.execute_command("SSCAN", "missing", "0", "COUNT", "0") == (0, [])
    for args, text in ((("i", "abc"), "invalid cursor"), (("i", "0", "COUNT", "0"), "syntax error"),
                       (("i", "0", "TYPE", "set"), "syntax error"), (("i", "0", "COUNT", "x"),
                                                                     "value is not an integer or out of range"),
                       (("i", "0", "MATCH"), "syntax error")):
        with pytest.raises(redis.ResponseError) as e:
            r.execute_command("SSCAN", *args)
        assert err(e) == text, args


# ---- keyspace events, digests ----

def collect_events(server, r, action):
    p = server.client().pubsub()
    p.psubscribe("__keyevent@0__:*")
    p.get_message(timeout=5)
    try:
        r.config_set("notify-keyspace-events", "KEA")
        action()
        r.sadd("__end__", "1")
        events = []
        while True:
            m = p.get_message(timeout=5)
            assert m is not None, "events so far: %r" % events
            if m["type"] != "pmessage":
                continue
            ev = (m["channel"].split(b":", 1)[1].decode(), m["data"].decode())
            if ev == ("sadd", "__end__"):
                return events
            events.append(ev)
    finally:
        r.config_set("notify-keyspace-events", "")
        p.close()


def test_keyspace_events(server, r):
    def action():
        r.sadd("s", "a", "b", "c")
        r.sadd("s", "a")            # nothing added: no event
        r.srem("s", "a")
        r.srem("s", "zz")           # nothing removed: no event
        r.smove("s", "t", "b")
        r.spop("s")                 # the last member: spop then del
        r.sadd("u", 1, 2)
        r.spop("u", 5)
        r.sadd("a", 1)
        r.sinterstore("d", "a", "a")
        r.sunionstore("d", "a")
        r.sdiffstore("d", "a", "missing")
        r.sdiffstore("d", "a", "a")  # empty: the destination is deleted
    assert collect_events(server, r, action) == [
        ("sadd", "s"), ("srem", "s"), ("srem", "s"), ("sadd", "t"), ("spop", "s"), ("del", "s"),
        ("sadd", "u"), ("spop", "u"), ("del", "u"), ("sadd", "a"), ("sinterstore", "d"),
        ("sunionstore", "d"), ("sdiffstore", "d"), ("del", "d"),
    ]


def test_digest_value_is_order_independent(r):
    r.sadd("a", "x", "y", 1, 2)
    r.sadd("b", 2, 1, "y", "x")
    r.sadd("c", 1, 2)
    r.sadd("d", 2, 1)
    da, db, dc, dd = r.execute_command("DEBUG", "DIGEST-VALUE", "a", "b", "c", "d")
    assert da == db and dc == dd and da != dc


def crc64(data, crc=0):
    """CRC-64/Jones of DUMP payloads."""
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x95AC9329AC4BC9B5 if crc & 1 else 0)
    return crc


def dump_payload(body):
    data = body + b"\x0a\x00"
    return data + struct.pack("<Q", crc64(data))


def test_restore_refuses_duplicate_members_and_skips_nothing_else(r):
    for members_ in ((b"a", b"a"), (b"5", b"5"), (b"5", b"x", b"5")):
        body = b"\x02" + bytes([len(members_)]) + b"".join(bytes([len(m)]) + m for m in members_)
        with pytest.raises(redis.ResponseError) as e:
            r.restore("dup", 0, dump_payload(body))
        assert err(e) == "Bad data format", members_
        assert r.exists("dup") == 0
    # an intset blob: encoding 2, length 2, members 1 and 3
    blob = struct.pack("<IIhh", 2, 2, 1, 3)
    r.restore("is", 0, dump_payload(b"\x0b" + bytes([len(blob)]) + blob))
    assert members(r, "is") == {b"1", b"3"}
    assert encoding(r, "is") == b"intset"
    r.restore("plain", 0, dump_payload(b"\x02\x02\x011\x01x"))
    assert members(r, "plain") == {b"1", b"x"}
    assert encoding(r, "plain") == b"hashtable"


VECTORS = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                         "..", "..", "..", "shared", "vectors", "dump"))


def test_restore_redis_dump_vectors(r):
    """Every set DUMP payload captured from redis-server 7.0.15 restores with
    its members and encoding."""
    import json
    with open(os.path.join(VECTORS, "dump.json")) as f:
        manifest = json.load(f)
    seen = 0
    for p in manifest["payloads"]:
        if p["type"] != "set":
            continue
        with open(os.path.join(VECTORS, p["file"]), "rb") as f:
            payload = f.read()
        assert r.restore(p["key"], 0, payload) in (True, b"OK")
        assert members(r, p["key"]) == {v.encode() for v in p["value"]}, p["key"]
        assert encoding(r, p["key"]).decode() == p["encoding"], p["key"]
        seen += 1
    assert seen == 6


# ---- interoperability with redis-server ----

SAMPLES = {
    "ints": [1, 2, 3, -70000, 5000000000],
    "strs": ["apple", "banana", "", "x" * 100],
    "large": ["member:%04d" % i for i in range(600)],
    "large-ints": list(range(0, 4200, 7)),
}


@pytest.mark.skipif(srvutil.IS_REDIS, reason="needs shoal and redis-server side by side")
def test_dump_restore_both_ways_with_redis(make_server):
    shoal = make_server(*DEBUG).client()
    red = make_server(*DEBUG, path=srvutil.redis_path()).client()
    for src, dst in ((shoal, red), (red, shoal)):
        src.flushall()
        dst.flushall()
        for key, items in SAMPLES.items():
            src.sadd(key, *items)
        for key in SAMPLES:
            payload = src.dump(key)
            assert dst.restore(key, 0, payload) in (True, b"OK")
            assert members(dst, key) == members(src, key), key
            assert encoding(dst, key) == encoding(src, key), key
            assert (dst.execute_command("DEBUG", "DIGEST-VALUE", key) ==
                    src.execute_command("DEBUG", "DIGEST-VALUE", key)), key


@pytest.mark.skipif(srvutil.IS_REDIS, reason="needs shoal and redis-server side by side")
def test_digest_value_matches_redis(make_server):
    shoal = make_server(*DEBUG).client()
    red = make_server(*DEBUG, path=srvutil.redis_path()).client()
    for c in (shoal, red):
        for key, items in SAMPLES.items():
            c.sadd(key, *items)
    for key in SAMPLES:
        assert (shoal.execute_command("DEBUG", "DIGEST-VALUE", key) ==
                red.execute_command("DEBUG", "DIGEST-VALUE", key)), key


@pytest.mark.skipif(srvutil.IS_REDIS, reason="needs shoal and redis-server side by side")
def test_dump_rdb_both_ways_with_redis(make_server):
    """A dump.rdb holding every set encoding, written by one server, loads
    into the other with the same members and encodings."""
    for writer_path, reader_path in ((None, srvutil.redis_path()), (srvutil.redis_path(), None)):
        w = make_server(*DEBUG, path=writer_path)
        wc = w.client()
        for key, items in SAMPLES.items():
            wc.sadd(key, *items)
        wc.save()
        rd = make_server(*DEBUG, path=reader_path, start=False)
        shutil.copyfile(os.path.join(w.dir, "dump.rdb"), os.path.join(rd.dir, "dump.rdb"))
        rd.start()
        rc = rd.client()
        for key in SAMPLES:
            assert members(rc, key) == members(wc, key), key
            assert encoding(rc, key) == encoding(wc, key), key
        assert rc.execute_command("DEBUG", "DIGEST") == wc.execute_command("DEBUG", "DIGEST")


@pytest.mark.skipif(srvutil.IS_REDIS, reason="needs shoal and redis-server side by side")
def test_migrate_both_ways_with_redis(make_server):
    shoal = make_server()
    red = make_server(path=srvutil.redis_path())
    pairs = ((shoal, red), (red, shoal))
    for src, dst in pairs:
        sc, dc = src.client(), dst.client()
        for key, items in SAMPLES.items():
            sc.sadd(key, *items)
        want = {key: members(sc, key) for key in SAMPLES}
        assert sc.execute_command("MIGRATE", "127.0.0.1", dst.port, "", 0, 5000, "KEYS", *SAMPLES) == b"OK"
        assert sc.exists(*SAMPLES) == 0
        for key in SAMPLES:
            assert members(dc, key) == want[key], key
        dc.flushall()


def test_replica_matches_after_spop_and_stores(make_server):
    master = make_server(*DEBUG)
    m = master.client()
    # these reach the replica in the full sync's RDB
    for key, items in SAMPLES.items():
        m.sadd("pre:" + key, *items)
    replica = make_server(*DEBUG, "--replicaof", "127.0.0.1", str(master.port))
    srvutil.wait_caught_up(master, replica)
    m.sadd("s", *["m%d" % i for i in range(3000)])
    m.sadd("i", *range(300))
    m.spop("s")
    m.spop("s", 5)
    m.spop("s", 2500)       # many: SREM batches
    m.spop("i", 299)
    m.spop("i", 10)         # the rest: DEL
    m.sadd("a", *range(50))
    m.sadd("b", *range(25, 75))
    m.sinterstore("d1", "a", "b")
    m.sdiffstore("d2", "a", "b")
    m.smove("a", "b", 1)
    assert m.wait(1, 10000) == 1
    rep = replica.client()
    for key in ("s", "i", "a", "b", "d1", "d2") + tuple("pre:" + k for k in SAMPLES):
        assert members(rep, key) == members(m, key), key
    assert rep.exists("i") == 0
    assert (rep.execute_command("DEBUG", "DIGEST") == m.execute_command("DEBUG", "DIGEST"))


def _normalize(reply):
    if isinstance(reply, (set, list)):
        return sorted(reply, key=lambda x: (type(x).__name__, x)) if isinstance(reply, set) else list(reply)
    return reply


@pytest.mark.skipif(srvutil.IS_REDIS, reason="needs shoal and redis-server side by side")
def test_random_ops_same_replies_as_redis(make_server):
    """3,000 random deterministic set commands give the same replies and the
    same data (members and encodings) on shoal and redis-server."""
    import random
    rng = random.Random(8)
    shoal = make_server().client()
    red = make_server(path=srvutil.redis_path()).client()
    for c in (shoal, red):
        c.config_set("set-max-intset-entries", 16)
    keys = ["k%d" % i for i in range(6)] + ["str"]
    for c in (shoal, red):
        c.set("str", "x")

    def member():
        return str(rng.randrange(-30, 30)) if rng.random() < 0.7 else rng.choice(["a", "b", "c", "", "07", "x" * 70])

    def some_keys():
        return rng.sample(keys, rng.randrange(1, 4))

    def command():
        k = rng.choice(keys)
        op = rng.randrange(14)
        if op < 4:
            return ("SADD", k) + tuple(member() for _ in range(rng.randrange(1, 6)))
        if op < 6:
            return ("SREM", k) + tuple(member() for _ in range(rng.randrange(1, 4)))
        choices = [("SCARD", k), ("SISMEMBER", k, member()), ("SMISMEMBER", k, member(), member()),
                   ("SMEMBERS", k), ("SMOVE", k, rng.choice(keys), member()),
                   ("SINTER",) + tuple(some_keys()), ("SUNION",) + tuple(some_keys()),
                   ("SDIFF",) + tuple(some_keys()), ("SINTERSTORE", rng.choice(keys)) + tuple(some_keys()),
                   ("SUNIONSTORE", rng.choice(keys)) + tuple(some_keys()),
                   ("SDIFFSTORE", rng.choice(keys)) + tuple(some_keys()),
                   ("SINTERCARD", "2", rng.choice(keys), rng.choice(keys), "LIMIT", str(rng.randrange(0, 5))),
                   ("SPOP", k, str(rng.randrange(5, 100))), ("TYPE", k)]
        return rng.choice(choices)

    for i in range(3000):
        cmd = command()
        if cmd[0] == "SPOP" and int(cmd[2]) < 60:
            continue  # random: only whole-set pops are comparable
        replies = []
        for c in (shoal, red):
            try:
                reply = _normalize(c.execute_command(*cmd))
                replies.append(sorted(reply) if cmd[0] == "SPOP" else reply)
            except redis.ResponseError as e:
                replies.append(("error", str(e)))
        assert replies[0] == replies[1], (i, cmd)
    for k in keys[:-1]:
        assert members(shoal, k) == members(red, k), k
        if shoal.exists(k):
            assert encoding(shoal, k) == encoding(red, k), k


# ---- cluster: hash tags and CROSSSLOT ----

def test_cluster_hash_tags_and_crossslot(make_cluster_server):
    node = make_cluster_server()
    node.own_slots()
    node.wait_cluster_state("ok")
    c = node.client()
    c.sadd("{t}a", 1, 2, 3)
    c.sadd("{t}b", 2, 3, 4)
    assert c.sinter("{t}a", "{t}b") == {b"2", b"3"}
    assert c.sinterstore("{t}d", "{t}a", "{t}b") == 2
    assert c.sunionstore("{t}d", "{t}a", "{t}b") == 4
    assert c.sdiffstore("{t}d", "{t}a", "{t}b") == 1
    assert c.sintercard(2, ["{t}a", "{t}b"]) == 2
    assert c.smove("{t}a", "{t}b", 1) == 1
    assert srvutil.key_slot(b"a") != srvutil.key_slot(b"b")
    for cmd in (("SINTER", "a", "b"), ("SUNION", "a", "b"), ("SDIFF", "a", "b"), ("SINTERSTORE", "a", "b"),
                ("SUNIONSTORE", "{t}d", "a"), ("SDIFFSTORE", "a", "{t}a"), ("SMOVE", "a", "b", "m"),
                ("SINTERCARD", "2", "a", "b")):
        with pytest.raises(redis.ResponseError) as e:
            c.execute_command(*cmd)
        assert err(e) == "CROSSSLOT Keys in request don't hash to the same slot", cmd
    rc = node.cluster_client()
    try:
        rc.sadd("{u}x", "m")
        assert rc.smembers("{u}x") == {b"m"}
    finally:
        rc.close()
