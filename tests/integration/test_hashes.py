"""Hash commands through redis-py (and raw RESP3), with redis-server 7.0.15's
replies, error texts, encodings (listpack -> hashtable by the
hash-max-listpack-* options and their ziplist aliases), keyspace events,
HSCAN over a big hash, and DUMP/RESTORE in both directions between shoal and
redis-server (equal HGETALL and DEBUG DIGEST-VALUE)."""

import pytest
import redis

import srvutil

DEBUG = ("--enable-debug-command", "yes")
WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


def err(excinfo):
    return str(excinfo.value)


def enc(r, key):
    return r.object("encoding", key)


# ---- the basic commands ----

def test_hset_hget_hmget_hlen(r):
    assert r.hset("h", "a", "1") == 1
    assert r.hset("h", mapping={"a": "2", "b": "x", "c": ""}) == 2
    assert r.hget("h", "a") == b"2"
    assert r.hget("h", "c") == b""
    assert r.hget("h", "nope") is None
    assert r.hget("nokey", "a") is None
    assert r.hmget("h", "a", "nope", "b") == [b"2", None, b"x"]
    assert r.hmget("nokey", "a", "b") == [None, None]
    assert r.hlen("h") == 3
    assert r.hlen("nokey") == 0
    assert r.type("h") == b"hash"


def test_hmset_replies_ok(r):
    assert r.execute_command("HMSET", "h", "a", "1", "b", "2") is True
    assert r.hgetall("h") == {b"a": b"1", b"b": b"2"}


def test_hsetnx(r):
    assert r.hsetnx("h", "a", "1") == 1
    assert r.hsetnx("h", "a", "2") == 0
    assert r.hget("h", "a") == b"1"


def test_hexists_hstrlen(r):
    r.hset("h", mapping={"a": "hello", "n": "12345", "neg": "-7", "e": ""})
    assert r.hexists("h", "a") is True
    assert r.hexists("h", "z") is False
    assert r.hexists("nokey", "a") is False
    assert r.hstrlen("h", "a") == 5
    assert r.hstrlen("h", "n") == 5
    assert r.hstrlen("h", "neg") == 2
    assert r.hstrlen("h", "e") == 0
    assert r.hstrlen("h", "z") == 0
    assert r.hstrlen("nokey", "a") == 0


def test_hdel_removes_empty_hash(r):
    r.hset("h", mapping={"a": "1", "b": "2", "c": "3"})
    assert r.hdel("h", "a", "zz", "a") == 1
    assert r.hdel("nokey", "a") == 0
    assert r.hdel("h", "b", "c", "d") == 2
    assert r.exists("h") == 0


def test_hkeys_hvals_hgetall(r):
    fields = {("f%d" % i).encode(): ("v%d" % i).encode() for i in range(10)}
    r.hset("h", mapping=fields)
    assert sorted(r.hkeys("h")) == sorted(fields)
    assert sorted(r.hvals("h")) == sorted(fields.values())
    assert r.hgetall("h") == fields
    assert r.hkeys("nokey") == []
    assert r.hvals("nokey") == []
    assert r.hgetall("nokey") == {}


def test_listpack_keeps_insertion_order(r):
    r.hset("h", mapping={"z": "1", "a": "2", "m": "3"})
    r.hset("h", "a", "changed")
    assert r.hkeys("h") == [b"z", b"a", b"m"]
    assert r.hvals("h") == [b"1", b"changed", b"3"]


def test_binary_and_integer_like_fields(r):
    r.hset("h", mapping={b"\x00\xff": b"\r\n", "12": "-9223372036854775808", "007": "1.50"})
    assert r.hget("h", b"\x00\xff") == b"\r\n"
    assert r.hget("h", "12") == b"-9223372036854775808"
    assert r.hget("h", "007") == b"1.50"
    assert r.hget("h", "7") is None


# ---- errors ----

def test_arity_errors(r):
    for args in (("HSET", "h", "a"), ("HSET", "h", "a", "1", "b"), ("HMSET", "h", "a", "1", "b")):
        with pytest.raises(redis.ResponseError) as e:
            r.execute_command(*args)
        assert err(e) == "wrong number of arguments for '%s' command" % args[0].lower()
    r.set("s", "v")
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("HSET", "s", "a")  # arity wins over the type
    assert "wrong number of arguments" in err(e)


WRONGTYPE_CMDS = [
    ("HSET", "s", "a", "1"), ("HMSET", "s", "a", "1"), ("HSETNX", "s", "a", "1"), ("HGET", "s", "a"),
    ("HMGET", "s", "a"), ("HDEL", "s", "a"), ("HLEN", "s"), ("HSTRLEN", "s", "a"), ("HEXISTS", "s", "a"),
    ("HKEYS", "s"), ("HVALS", "s"), ("HGETALL", "s"), ("HINCRBY", "s", "a", "1"),
    ("HINCRBYFLOAT", "s", "a", "1.5"), ("HRANDFIELD", "s"), ("HRANDFIELD", "s", "0"),
    ("HRANDFIELD", "s", "-3", "WITHVALUES"), ("HSCAN", "s", "0"), ("HSCAN", "s", "0", "COUNT", "0"),
]


@pytest.mark.parametrize("args", WRONGTYPE_CMDS, ids=lambda a: " ".join(a))
def test_wrongtype(r, args):
    r.set("s", "v")
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command(*args)
    assert err(e) == WRONGTYPE
    assert r.get("s") == b"v"


def test_hincrby(r):
    assert r.hincrby("h", "n", 5) == 5
    assert r.hincrby("h", "n", -7) == -2
    r.hset("h", "big", "9223372036854775807")
    with pytest.raises(redis.ResponseError) as e:
        r.hincrby("h", "big", 1)
    assert err(e) == "increment or decrement would overflow"
    r.hset("h", "small", "-9223372036854775808")
    with pytest.raises(redis.ResponseError) as e:
        r.hincrby("h", "small", -1)
    assert err(e) == "increment or decrement would overflow"
    for bad in ("abc", "1.5", " 1", "01", ""):
        r.hset("h", "bad", bad)
        with pytest.raises(redis.ResponseError) as e:
            r.hincrby("h", "bad", 1)
        assert err(e) == "hash value is not an integer"
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("HINCRBY", "h", "n", "x")
    assert err(e) == "value is not an integer or out of range"
    r.set("s", "v")
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("HINCRBY", "s", "n", "x")  # the increment is checked first
    assert err(e) == "value is not an integer or out of range"
    assert r.hget("h", "n") == b"-2"


def test_hincrbyfloat_formatting_and_errors(r):
    r.set_response_callback("HINCRBYFLOAT", lambda resp, **kw: resp)  # the exact text
    assert r.execute_command("HINCRBYFLOAT", "f", "x", "1e20") == b"100000000000000000000"
    assert r.execute_command("HINCRBYFLOAT", "f", "y", "1.5") == b"1.5"
    assert r.execute_command("HINCRBYFLOAT", "f", "y", "0.1") == b"1.6"
    assert r.execute_command("HINCRBYFLOAT", "f", "z", "3.0") == b"3"
    assert r.execute_command("HINCRBYFLOAT", "f", "z", "-3") == b"0"
    assert r.execute_command("HINCRBYFLOAT", "f", "w", "-0.0001") == b"-0.0001"
    r.hset("f", "i", "10")
    assert r.execute_command("HINCRBYFLOAT", "f", "i", "0.5") == b"10.5"
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("HINCRBYFLOAT", "f", "z", "inf")
    assert err(e) == "value is NaN or Infinity"
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("HINCRBYFLOAT", "f", "z", "abc")
    assert err(e) == "value is not a valid float"
    r.hset("f", "s", "abc")
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("HINCRBYFLOAT", "f", "s", "1")
    assert err(e) == "hash value is not a float"
    r.hset("f", "huge", "1e4932")  # near the long double maximum
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("HINCRBYFLOAT", "f", "huge", "1e4932")
    assert err(e) == "increment would produce NaN or Infinity"
    assert r.hget("f", "huge") == b"1e4932"


def test_hrandfield_shapes_and_errors(r):
    fields = {("f%d" % i).encode(): ("v%d" % i).encode() for i in range(5)}
    r.hset("h", mapping=fields)
    assert r.hrandfield("h") in fields
    assert r.hrandfield("nokey") is None
    assert r.execute_command("HRANDFIELD", "nokey", "5") == []
    assert r.execute_command("HRANDFIELD", "h", "0") == []
    got = r.execute_command("HRANDFIELD", "h", "3")
    assert len(got) == 3 and len(set(got)) == 3 and set(got) <= set(fields)
    got = r.execute_command("HRANDFIELD", "h", "10")
    assert sorted(got) == sorted(fields)
    got = r.execute_command("HRANDFIELD", "h", "-20")
    assert len(got) == 20 and set(got) <= set(fields)
    got = r.execute_command("HRANDFIELD", "h", "-7", "WITHVALUES")
    assert len(got) == 14
    for f, v in zip(got[::2], got[1::2]):
        assert fields[f] == v
    got = r.execute_command("HRANDFIELD", "h", "4", "withvalues")
    assert len(got) == 8 and len(set(got[::2])) == 4
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("HRANDFIELD", "h", "5", "WITHVALUE")
    assert err(e) == "syntax error"
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("HRANDFIELD", "h", "5", "WITHVALUES", "x")
    assert err(e) == "syntax error"
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("HRANDFIELD", "h", "x")
    assert err(e) == "value is not an integer or out of range"
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("HRANDFIELD", "h", "-9223372036854775808")
    assert err(e) == ("value is out of range, value must between -9223372036854775807 and "
                      "9223372036854775807")
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("HRANDFIELD", "h", "4611686018427387904", "WITHVALUES")
    assert err(e) == "value is out of range"


def test_hrandfield_big_hash(r):
    r.config_set("hash-max-listpack-entries", 16)
    try:
        fields = {("f%d" % i).encode(): str(i).encode() for i in range(1000)}
        r.hset("h", mapping=fields)
        assert enc(r, "h") == b"hashtable"
        for count in (1, 10, 400, 999, 1000, 5000):
            got = r.execute_command("HRANDFIELD", "h", str(count))
            assert len(got) == min(count, 1000) and len(set(got)) == len(got) and set(got) <= set(fields)
        got = r.execute_command("HRANDFIELD", "h", "-3000", "WITHVALUES")
        assert len(got) == 6000
        assert all(fields[f] == v for f, v in zip(got[::2], got[1::2]))
    finally:
        r.config_set("hash-max-listpack-entries", 128)


# ---- HSCAN ----

def test_hscan_listpack_returns_everything_at_once(r):
    fields = {("f%d" % i).encode(): b"v" for i in range(50)}
    r.hset("h", mapping=fields)
    cursor, got = r.hscan("h", 0, count=1)
    assert cursor == 0 and got == fields
    cursor, got = r.hscan("h", 0, match="f1*")
    assert cursor == 0 and set(got) == {f for f in fields if f.startswith(b"f1")}
    assert r.hscan("nokey", 0) == (0, {})
    r.set_response_callback("HSCAN", lambda resp, **kw: resp)
    assert r.execute_command("HSCAN", "nokey", "0", "COUNT", "0") == [b"0", []]


def test_hscan_errors(r):
    r.hset("h", "a", "1")
    for args, want in ((("abc",), "invalid cursor"), ((" 1",), "invalid cursor"),
                       (("0", "COUNT", "0"), "syntax error"), (("0", "COUNT", "x"),
                                                               "value is not an integer or out of range"),
                       (("0", "TYPE", "string"), "syntax error"), (("0", "MATCH"), "syntax error"),
                       (("0", "BOGUS", "1"), "syntax error")):
        with pytest.raises(redis.ResponseError) as e:
            r.execute_command("HSCAN", "h", *args)
        assert err(e) == want, args


def test_hscan_full_iteration_of_10000_fields(r):
    pipe = r.pipeline(transaction=False)
    for base in range(0, 10000, 1000):
        pipe.hset("big", mapping={"field:%d" % i: "value:%d" % i for i in range(base, base + 1000)})
    pipe.execute()
    assert enc(r, "big") == b"hashtable"
    seen = {}
    cursor, calls = 0, 0
    while True:
        cursor, got = r.hscan("big", cursor, count=100)
        calls += 1
        seen.update(got)
        if cursor == 0:
            break
        assert calls < 10000
    assert calls > 1
    assert len(seen) == 10000
    assert all(seen[("field:%d" % i).encode()] == ("value:%d" % i).encode() for i in range(10000))
    # MATCH filters after the bucket walk; the union is still exact
    cursor, matched = 0, {}
    while True:
        cursor, got = r.hscan("big", cursor, match="field:99*", count=500)
        matched.update(got)
        if cursor == 0:
            break
    assert set(matched) == {f for f in seen if f.startswith(b"field:99")}


# ---- encodings ----

def test_encoding_entries_threshold(r):
    r.config_set("hash-max-listpack-entries", 4)
    try:
        r.hset("h", mapping={"a": "1", "b": "2", "c": "3", "d": "4"})
        assert enc(r, "h") == b"listpack"
        r.hset("h", "a", "again")
        assert enc(r, "h") == b"listpack"
        r.hset("h", "e", "5")
        assert enc(r, "h") == b"hashtable"
        r.hdel("h", "a", "b", "c", "d")
        assert enc(r, "h") == b"hashtable"  # never back
        r.hincrby("n", "a", 1)
        assert enc(r, "n") == b"listpack"
    finally:
        r.config_set("hash-max-listpack-entries", 128)


def test_encoding_value_threshold_and_ziplist_aliases(r):
    r.config_set("hash-max-ziplist-value", 8)
    try:
        assert r.config_get("hash-max-listpack-value") == {"hash-max-listpack-value": "8"}
        r.hset("h", "a", "12345678")
        r.hset("h", "12345678", "b")
        assert enc(r, "h") == b"listpack"
        assert r.hsetnx("h", "a", "123456789") == 0  # not added: no conversion
        assert enc(r, "h") == b"listpack"
        r.hset("h", "a", "123456789")
        assert enc(r, "h") == b"hashtable"
        r.hset("f", "123456789", "x")
        assert enc(r, "f") == b"hashtable"
        r.hincrby("i", "123456789", 1)  # HINCRBY converts on the field's length too
        assert enc(r, "i") == b"hashtable"
        r.execute_command("HINCRBYFLOAT", "g", "x", "1.123456789")
        assert enc(r, "g") == b"hashtable"
    finally:
        r.config_set("hash-max-listpack-value", 64)
    r.config_set("hash-max-ziplist-entries", 2)
    try:
        assert r.config_get("hash-max-listpack-entries") == {"hash-max-listpack-entries": "2"}
        r.hset("z", mapping={"a": "1", "b": "2", "c": "3"})
        assert enc(r, "z") == b"hashtable"
    finally:
        r.config_set("hash-max-listpack-entries", 128)


def test_restore_chooses_encoding_by_limits(r):
    r.hset("lp", mapping={"f": "x" * 60, "g": "1", "h": "2"})
    lp = r.dump("lp")
    r.config_set("hash-max-listpack-entries", 0)
    try:
        r.hset("ht", mapping={"f": "1", "g": "2", "h": "3"})
        assert enc(r, "ht") == b"hashtable"
        ht = r.dump("ht")
    finally:
        r.config_set("hash-max-listpack-entries", 128)
    assert lp[0] == 16 and ht[0] == 4
    r.config_set("hash-max-listpack-value", 10)
    try:
        r.restore("a", 0, lp)
        assert enc(r, "a") == b"listpack"  # a listpack body keeps its long value
        r.restore("b", 0, ht)
        assert enc(r, "b") == b"listpack"
        r.config_set("hash-max-listpack-value", 0)
        r.restore("c", 0, ht)
        assert enc(r, "c") == b"hashtable"
        r.config_set("hash-max-listpack-value", 64)
        r.config_set("hash-max-listpack-entries", 2)
        r.restore("d", 0, lp)
        assert enc(r, "d") == b"hashtable"
        r.restore("e", 0, ht)
        assert enc(r, "e") == b"hashtable"
    finally:
        r.config_set("hash-max-listpack-value", 64)
        r.config_set("hash-max-listpack-entries", 128)
    assert r.hgetall("a") == r.hgetall("lp") == r.hgetall("d")
    assert r.hgetall("b") == r.hgetall("ht") == r.hgetall("c") == r.hgetall("e")


# ---- RESP3 shapes ----

def test_resp3_shapes(server):
    c = server.raw()
    try:
        c.cmd("HELLO", "3")
        c.cmd("FLUSHALL")
        c.cmd("HSET", "h", "a", "1")
        c.send(srvutil.encode("HGETALL", "h"))
        assert c.raw_reply() == b"%1\r\n$1\r\na\r\n$1\r\n1\r\n"
        c.send(srvutil.encode("HGETALL", "nokey"))
        assert c.raw_reply() == b"%0\r\n"
        c.send(srvutil.encode("HRANDFIELD", "h", "-2", "WITHVALUES"))
        assert c.raw_reply() == b"*2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"
        c.send(srvutil.encode("HRANDFIELD", "h", "1", "WITHVALUES"))
        assert c.raw_reply() == b"*1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"
        c.send(srvutil.encode("HRANDFIELD", "h", "2"))
        assert c.raw_reply() == b"*1\r\n$1\r\na\r\n"
        c.send(srvutil.encode("HGET", "h", "zz"))
        assert c.raw_reply() == b"_\r\n"
        c.send(srvutil.encode("HRANDFIELD", "nokey"))
        assert c.raw_reply() == b"_\r\n"
        c.send(srvutil.encode("HMGET", "h", "a", "zz"))
        assert c.raw_reply() == b"*2\r\n$1\r\n1\r\n_\r\n"
        c.send(srvutil.encode("HSCAN", "h", "0"))
        assert c.raw_reply() == b"*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"
    finally:
        c.close()


# ---- keyspace events ----

def test_keyspace_events(r, server):
    r.config_set("notify-keyspace-events", "KEA")
    try:
        p = server.client().pubsub()
        p.psubscribe("__keyevent@0__:*")
        msg = p.get_message(timeout=5)
        assert msg["type"] == "psubscribe"
        r.hset("h", "a", "1")
        r.hsetnx("h", "a", "2")  # nothing changes: no event
        r.hsetnx("h", "b", "2")
        r.hincrby("h", "n", 1)
        r.hincrbyfloat("h", "x", 1.5)
        r.hdel("h", "zz")  # nothing deleted: no event
        r.hdel("h", "a", "b", "n")
        r.hdel("h", "x")
        r.hset("end", "f", "1")  # a marker: every earlier event came before it
        events = []
        while not events or events[-1] != ("hset", b"end"):
            m = p.get_message(timeout=5)
            assert m is not None, events
            if m["type"] == "pmessage":
                events.append((m["channel"].decode().split(":", 1)[1], m["data"]))
        assert events == [("hset", b"h"), ("hset", b"h"), ("hincrby", b"h"), ("hincrbyfloat", b"h"),
                          ("hdel", b"h"), ("hdel", b"h"), ("del", b"h"), ("hset", b"end")]
        p.close()
    finally:
        r.config_set("notify-keyspace-events", "")


# ---- DUMP/RESTORE and digests across shoal and redis-server ----

def fill(c, key, n, long_value=False):
    c.delete(key)
    fields = {}
    for i in range(n):
        v = ("x" * 100 + str(i)) if long_value and i == 0 else str(i * 7 - 3) if i % 3 else "val:%d" % i
        fields[("f:%d" % i).encode()] = v.encode()
    c.hset(key, mapping=fields)
    return fields


def digest(c, key):
    return c.execute_command("DEBUG", "DIGEST-VALUE", key)[0]


@pytest.mark.skipif(srvutil.IS_REDIS, reason=srvutil.SHOAL_ONLY)
def test_dump_restore_both_ways_with_redis(make_server):
    shoal = make_server(*DEBUG).client()
    red = make_server(*DEBUG, path=srvutil.redis_path(), name="redis-ref").client()
    cases = (("small", 5, False), ("lp128", 128, False), ("big", 1000, False), ("longval", 3, True))
    for key, n, long_value in cases:
        want = fill(shoal, key, n, long_value)
        assert fill(red, key, n, long_value) == want
        assert enc(shoal, key) == enc(red, key), key
        assert digest(shoal, key) == digest(red, key), key
        # shoal -> redis
        red.restore(key + ":from-shoal", 0, shoal.dump(key))
        assert red.hgetall(key + ":from-shoal") == want
        assert enc(red, key + ":from-shoal") == enc(red, key)
        assert digest(red, key + ":from-shoal") == digest(shoal, key)
        # redis -> shoal
        shoal.restore(key + ":from-redis", 0, red.dump(key))
        assert shoal.hgetall(key + ":from-redis") == want
        assert enc(shoal, key + ":from-redis") == enc(red, key)
        assert digest(shoal, key + ":from-redis") == digest(red, key)
    # a listpack payload is byte-identical
    assert shoal.dump("small") == red.dump("small")


def test_digest_value_does_not_depend_on_encoding(make_server):
    c = make_server(*DEBUG).client()
    fill(c, "lp", 20)
    c.config_set("hash-max-listpack-entries", 0)
    fill(c, "ht", 20)
    assert enc(c, "lp") == b"listpack" and enc(c, "ht") == b"hashtable"
    assert digest(c, "lp") == digest(c, "ht")
    assert digest(c, "nokey") == b"0" * 40


# ---- replication and RDB ----

def hash_workload(c, seed, ops):
    """Random hash commands (both encodings, conversions, emptied keys,
    HINCRBYFLOAT whose text a replica must not recompute)."""
    import random
    rnd = random.Random(seed)
    pipe = c.pipeline(transaction=False)
    for _ in range(ops):
        key = "h:%d" % rnd.randrange(20)
        field = "f%d" % rnd.randrange(200 if key.endswith("7") else 30)
        op = rnd.randrange(10)
        if op < 4:
            value = "v" * rnd.randrange(80) if rnd.randrange(4) == 0 else str(rnd.randrange(-1000, 1000))
            pipe.hset(key, field, value)
        elif op == 4:
            pipe.hsetnx(key, field, "nx")
        elif op == 5:
            pipe.hdel(key, field, "f%d" % rnd.randrange(30))
        elif op == 6:
            pipe.execute_command("HINCRBYFLOAT", key, "fl", "%.3f" % (rnd.random() / 10))
        elif op == 7:
            pipe.execute_command("HINCRBY", key, "cnt", rnd.randrange(-5, 6))
        else:
            pipe.hget(key, field)
    pipe.execute(raise_on_error=False)


def test_replica_and_rdb_carry_hashes(make_server):
    m = make_server(*DEBUG)
    replicas = [make_server(*DEBUG, name="replica")]
    if srvutil.IS_SHOAL:
        replicas.append(make_server(*DEBUG, path=srvutil.redis_path(), name="redis-replica"))
    for rs in replicas:
        srvutil.replicaof(rs, m)
        srvutil.wait_caught_up(m, rs, srvutil.REPL_SYNC_TIMEOUT_S)
    mc = m.client()
    mc.config_set("hash-max-listpack-entries", 64)
    hash_workload(mc, 1, 20000)
    want = mc.execute_command("DEBUG", "DIGEST")
    assert want != b"0" * 40
    contents = {k: mc.hgetall(k) for k in mc.keys("h:*")}
    for rs in replicas:
        srvutil.wait_caught_up(m, rs)
        rc = rs.client()
        assert rc.execute_command("DEBUG", "DIGEST") == want, rs.name
        assert {k: rc.hgetall(k) for k in rc.keys("h:*")} == contents, rs.name
    # a full resync of a fresh replica carries the same (the RDB path)
    late = make_server(*DEBUG, name="late-replica")
    srvutil.replicaof(late, m)
    srvutil.wait_caught_up(m, late, srvutil.REPL_SYNC_TIMEOUT_S)
    assert late.client().execute_command("DEBUG", "DIGEST") == want
    # and so does dump.rdb across a restart
    # the replicas' snapshot child may still be finishing: SAVE once it is gone
    srvutil.wait_until(lambda: mc.info("persistence")["rdb_bgsave_in_progress"] == 0, 30,
                       what="no background save")
    assert mc.save()
    m.stop()
    m.start()
    mc = m.client()
    assert mc.execute_command("DEBUG", "DIGEST") == want
    assert {k: mc.hgetall(k) for k in mc.keys("h:*")} == contents


def test_copy_and_rename_keep_the_hash(r):
    r.hset("lp", mapping={"a": "1", "b": "2"})
    r.config_set("hash-max-listpack-entries", 1)
    try:
        r.hset("ht", mapping={"a": "1", "b": "2"})
    finally:
        r.config_set("hash-max-listpack-entries", 128)
    for key in ("lp", "ht"):
        assert r.copy(key, key + ":copy")
        assert r.hgetall(key + ":copy") == {b"a": b"1", b"b": b"2"}
        assert enc(r, key + ":copy") == enc(r, key)
        r.hset(key + ":copy", "a", "changed")  # a deep copy
        assert r.hget(key, "a") == b"1"
        r.rename(key + ":copy", key + ":moved")
        assert r.hget(key + ":moved", "a") == b"changed"


def test_one_node_cluster_with_hash_tags(make_cluster_server):
    s = make_cluster_server()
    s.own_slots()
    s.wait_cluster_state("ok")
    rc = s.cluster_client()
    try:
        for i in range(50):
            key = "{user%d}:profile" % i
            rc.hset(key, mapping={"name": "n%d" % i, "visits": "0"})
            assert rc.hincrby(key, "visits", i) == i
        assert rc.hgetall("{user7}:profile") == {b"name": b"n7", b"visits": b"7"}
        assert rc.hkeys("{user3}:profile") == [b"name", b"visits"]
    finally:
        rc.close()


def crc64(data):
    """Redis's CRC-64 (Jones, reflected), for hand-made DUMP payloads."""
    crc = 0
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0x95AC9329AC4BC9B5 if crc & 1 else crc >> 1
    return crc


def with_footer(body):
    body += b"\x0a\x00"
    return body + crc64(body).to_bytes(8, "little")


@pytest.mark.skipif(srvutil.IS_REDIS, reason="redis-server 7.0 may crash on such bodies unless sanitizing")
def test_corrupt_hash_payloads_never_crash(r):
    import random
    rnd = random.Random(7)
    r.hset("lp", mapping={"a": "1", "bb": "hello", "ccc": "12345", "d": ""})
    r.config_set("hash-max-listpack-entries", 0)
    try:
        r.hset("ht", mapping={"a": "1", "bb": "hello", "ccc": "12345"})
    finally:
        r.config_set("hash-max-listpack-entries", 128)
    bodies = [r.dump("lp")[:-10], r.dump("ht")[:-10]]
    # duplicate fields in each encoding are refused, not kept (redis-server
    # 7.0.15 refuses them only with sanitize-dump-payload yes: "Bad data format")
    dup_plain = b"\x04\x02\x01a\x01x\x01a\x01y"
    dup_lp = bytes.fromhex("10" "13" "13000000" "0400" "816102" "817802" "816102" "817902" "ff")
    for body in (dup_plain, dup_lp):
        with pytest.raises(redis.ResponseError):
            r.restore("dup", 0, with_footer(body))
        assert r.exists("dup") == 0
    for i in range(300):
        body = bytearray(rnd.choice(bodies))
        for _ in range(rnd.randrange(1, 4)):
            body[rnd.randrange(1, len(body))] = rnd.randrange(256)
        try:
            r.restore("k%d" % i, 0, with_footer(bytes(body)))
            r.hgetall("k%d" % i)
        except redis.ResponseError:
            pass
    assert r.ping()
