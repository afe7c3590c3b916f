"""String commands through redis-py, with the exact error texts of 7.0.15."""

import time

import pytest
import redis

INT64_MAX = 9223372036854775807


def err(excinfo):
    return str(excinfo.value)


# ---- SET and its options ----

def test_set_get_basic(r):
    assert r.set("k", "v") is True
    assert r.get("k") == b"v"
    assert r.get("missing") is None
    assert r.set("k", b"\x00\xff\r\n") is True
    assert r.get("k") == b"\x00\xff\r\n"
    assert r.set("empty", "") is True
    assert r.get("empty") == b""


def test_set_ex_px(r):
    assert r.set("k", "v", ex=100)
    assert 99 <= r.ttl("k") <= 100
    assert r.set("k", "v", px=100000)
    assert 99000 <= r.pttl("k") <= 100000
    assert r.set("k", "v")
    assert r.ttl("k") == -1  # a plain SET drops the TTL


def test_set_exat_pxat(r):
    now = int(time.time())
    assert r.set("k", "v", exat=now + 100)
    assert 98 <= r.ttl("k") <= 100
    assert r.execute_command("EXPIRETIME", "k") == now + 100
    assert r.set("k", "v", pxat=(now + 200) * 1000 + 123)
    assert r.execute_command("PEXPIRETIME", "k") == (now + 200) * 1000 + 123


def test_set_expire_in_the_past_deletes(r):
    r.set("k", "v", exat=int(time.time()) - 10)
    assert r.get("k") is None
    assert r.exists("k") == 0


def test_set_nx_xx(r):
    assert r.set("k", "1", nx=True) is True
    assert r.set("k", "2", nx=True) is None
    assert r.get("k") == b"1"
    assert r.set("k", "3", xx=True) is True
    assert r.get("k") == b"3"
    assert r.set("other", "x", xx=True) is None
    assert r.exists("other") == 0


def test_set_keepttl(r):
    r.set("k", "v", ex=100)
    assert r.set("k", "w", keepttl=True)
    assert r.get("k") == b"w"
    assert 99 <= r.ttl("k") <= 100


def test_set_get_option(r):
    assert r.set("k", "new", get=True) is None
    assert r.set("k", "newer", get=True) == b"new"
    assert r.get("k") == b"newer"
    # NX and GET together are allowed in 7.0
    assert r.set("k", "x", nx=True, get=True) == b"newer"
    assert r.get("k") == b"newer"


def test_set_errors(r):
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("SET", "k", "v", "EX", "0")
    assert err(e) == "invalid expire time in 'set' command"
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("SET", "k", "v", "PX", "-5")
    assert err(e) == "invalid expire time in 'set' command"
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("SET", "k", "v", "EX", "abc")
    assert err(e) == "value is not an integer or out of range"
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("SET", "k", "v", "NX", "XX")
    assert err(e) == "syntax error"
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("SET", "k", "v", "EX", "10", "PX", "100")
    assert err(e) == "syntax error"
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("SET", "k", "v", "KEEPTTL", "EX", "10")
    assert err(e) == "syntax error"
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("SET", "k")
    assert err(e) == "wrong number of arguments for 'set' command"
    assert r.exists("k") == 0


# ---- GETSET / GETDEL / GETEX ----

def test_getset(r):
    assert r.getset("k", "1") is None
    assert r.getset("k", "2") == b"1"
    assert r.get("k") == b"2"
    r.set("t", "v", ex=100)
    r.getset("t", "w")
    assert r.ttl("t") == -1


def test_getdel(r):
    r.set("k", "v")
    assert r.getdel("k") == b"v"
    assert r.exists("k") == 0
    assert r.getdel("k") is None


def test_getex(r):
    r.set("k", "v")
    assert r.getex("k") == b"v"
    assert r.ttl("k") == -1
    assert r.getex("k", ex=100) == b"v"
    assert 99 <= r.ttl("k") <= 100
    assert r.getex("k", px=50000) == b"v"
    assert 49000 <= r.pttl("k") <= 50000
    now = int(time.time())
    assert r.getex("k", exat=now + 300) == b"v"
    assert r.execute_command("EXPIRETIME", "k") == now + 300
    assert r.getex("k", pxat=(now + 400) * 1000) == b"v"
    assert r.execute_command("PEXPIRETIME", "k") == (now + 400) * 1000
    assert r.getex("k", persist=True) == b"v"
    assert r.ttl("k") == -1
    assert r.getex("missing", ex=10) is None
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("GETEX", "k", "EX", "10", "PERSIST")
    assert err(e) == "syntax error"
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("GETEX", "k", "EX", "0")
    assert err(e) == "invalid expire time in 'getex' command"


# ---- multi-key ----

def test_mset_mget(r):
    assert r.mset({"a": "1", "b": "2", "c": "3"}) is True
    assert r.mget("a", "b", "nope", "c") == [b"1", b"2", None, b"3"]
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("MSET", "a", "1", "b")
    assert err(e) == "wrong number of arguments for 'mset' command"


def test_msetnx(r):
    assert r.msetnx({"a": "1", "b": "2"}) is True
    assert r.msetnx({"b": "x", "c": "3"}) is False
    assert r.mget("a", "b", "c") == [b"1", b"2", None]


def test_setnx_setex_psetex(r):
    assert r.setnx("k", "1") is True
    assert r.setnx("k", "2") is False
    assert r.get("k") == b"1"
    assert r.setex("s", 100, "v") is True
    assert 99 <= r.ttl("s") <= 100
    assert r.psetex("p", 100000, "v") is True
    assert 99000 <= r.pttl("p") <= 100000
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("SETEX", "s", "0", "v")
    assert err(e) == "invalid expire time in 'setex' command"
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("PSETEX", "s", "-1", "v")
    assert err(e) == "invalid expire time in 'psetex' command"


# ---- APPEND / STRLEN / ranges ----

def test_append_strlen(r):
    assert r.append("k", "hello") == 5
    assert r.append("k", " world") == 11
    assert r.get("k") == b"hello world"
    assert r.strlen("k") == 11
    assert r.strlen("missing") == 0
    r.set("n", 123)
    assert r.append("n", "4") == 4
    assert r.get("n") == b"1234"
    assert r.incr("n") == 1235


def test_getrange(r):
    r.set("k", "This is a string")
    assert r.getrange("k", 0, 3) == b"This"
    assert r.getrange("k", -3, -1) == b"ing"
    assert r.getrange("k", 0, -1) == b"This is a string"
    assert r.getrange("k", 10, 100) == b"string"
    assert r.getrange("k", 5, 2) == b""
    assert r.getrange("missing", 0, 10) == b""
    r.set("n", 12345)
    assert r.getrange("n", 1, 2) == b"23"


def test_setrange(r):
    r.set("k", "Hello World")
    assert r.setrange("k", 6, "Redis") == 11
    assert r.get("k") == b"Hello Redis"
    assert r.setrange("pad", 5, "x") == 6
    assert r.get("pad") == b"\x00\x00\x00\x00\x00x"
    assert r.setrange("none", 3, "") == 0
    assert r.exists("none") == 0
    with pytest.raises(redis.ResponseError) as e:
        r.setrange("k", -1, "x")
    assert err(e) == "offset is out of range"
    with pytest.raises(redis.ResponseError) as e:
        r.setrange("k", 536870912, "x")
    assert err(e) == "string exceeds maximum allowed size (proto-max-bulk-len)"


# ---- counters ----

def test_incr_decr(r):
    assert r.incr("c") == 1
    assert r.incr("c") == 2
    assert r.decr("c") == 1
    assert r.incrby("c", 10) == 11
    assert r.decrby("c", 20) == -9
    assert r.incrby("c", -1) == -10
    assert r.get("c") == b"-10"
    r.set("k", "v", ex=100)
    r.set("k", "5", keepttl=True)
    assert r.incr("k") == 6
    assert r.ttl("k") > 0  # INCR keeps the TTL


def test_incr_errors(r):
    r.set("s", "abc")
    with pytest.raises(redis.ResponseError) as e:
        r.incr("s")
    assert err(e) == "value is not an integer or out of range"
    r.set("s", " 1")
    with pytest.raises(redis.ResponseError):
        r.incr("s")
    r.set("m", INT64_MAX)
    with pytest.raises(redis.ResponseError) as e:
        r.incr("m")
    assert err(e) == "increment or decrement would overflow"
    r.set("m", -INT64_MAX - 1)
    with pytest.raises(redis.ResponseError) as e:
        r.decr("m")
    assert err(e) == "increment or decrement would overflow"
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("INCRBY", "x", "1.5")
    assert err(e) == "value is not an integer or out of range"
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("DECRBY", "x", "-9223372036854775808")
    assert err(e) == "decrement would overflow"


def test_incrbyfloat(r):
    assert r.incrbyfloat("f", 10.5) == 10.5
    assert r.get("f") == b"10.5"
    assert r.incrbyfloat("f", 0.1) == pytest.approx(10.6)
    assert r.get("f") == b"10.6"
    r.set("g", "5.0e3")
    r.execute_command("INCRBYFLOAT", "g", "2.0e2")
    assert r.get("g") == b"5200"
    r.set("h", 3)
    r.execute_command("INCRBYFLOAT", "h", "1")
    assert r.get("h") == b"4"
    r.execute_command("INCRBYFLOAT", "h", "-4.5")
    assert r.get("h") == b"-0.5"
    r.set("s", "abc")
    with pytest.raises(redis.ResponseError) as e:
        r.incrbyfloat("s", 1)
    assert err(e) == "value is not a valid float"
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("INCRBYFLOAT", "h", "abc")
    assert err(e) == "value is not a valid float"
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("INCRBYFLOAT", "h", "inf")
    assert err(e) == "increment would produce NaN or Infinity"


def test_one_megabyte_value_round_trips(r):
    value = bytes(range(256)) * 4096
    assert len(value) == 1 << 20
    assert r.set("big", value)
    assert r.get("big") == value
    assert r.strlen("big") == 1 << 20
    assert r.getrange("big", (1 << 20) - 3, -1) == b"\xfd\xfe\xff"
