"""Sorted set commands through redis-py, with the exact replies and error texts of 7.0.15."""

import random

import pytest
import redis

import srvutil


def err(excinfo):
    return str(excinfo.value)


def ex(r, *args):
    """The raw reply: redis-py's zset callbacks would turn scores into floats."""
    r.response_callbacks.clear()
    return r.execute_command(*args)


# ---- ZADD and its options ----

def test_zadd_basic_and_scores(r):
    assert ex(r, "ZADD", "z", "1", "a", "2", "b", "0.1", "c") == 3
    assert ex(r, "ZSCORE", "z", "c") == b"0.10000000000000001"
    assert ex(r, "ZSCORE", "z", "a") == b"1"
    assert ex(r, "ZADD", "z", "inf", "p", "-inf", "n", "+inf", "q") == 3
    assert ex(r, "ZSCORE", "z", "p") == b"inf"
    assert ex(r, "ZSCORE", "z", "n") == b"-inf"
    assert ex(r, "ZCARD", "z") == 6
    assert ex(r, "ZADD", "z", "5", "a") == 0
    assert ex(r, "ZSCORE", "z", "a") == b"5"
    assert ex(r, "ZSCORE", "z", "nope") is None
    assert ex(r, "ZSCORE", "nokey", "a") is None
    assert ex(r, "ZCARD", "nokey") == 0
    assert ex(r, "TYPE", "z") == b"zset"


def test_zadd_options(r):
    assert ex(r, "ZADD", "z", "XX", "1", "a") == 0
    assert ex(r, "EXISTS", "z") == 0
    assert ex(r, "ZADD", "z", "NX", "1", "a") == 1
    assert ex(r, "ZADD", "z", "NX", "5", "a", "2", "b") == 1
    assert ex(r, "ZSCORE", "z", "a") == b"1"
    assert ex(r, "ZADD", "z", "XX", "CH", "3", "a", "9", "c") == 1
    assert ex(r, "ZSCORE", "z", "c") is None
    assert ex(r, "ZADD", "z", "GT", "CH", "1", "a", "10", "b") == 1
    assert ex(r, "ZRANGE", "z", "0", "-1", "WITHSCORES") == [b"a", b"3", b"b", b"10"]
    assert ex(r, "ZADD", "z", "LT", "CH", "5", "a", "1", "b", "7", "new") == 2
    assert ex(r, "ZRANGE", "z", "0", "-1", "WITHSCORES") == [b"b", b"1", b"a", b"3", b"new", b"7"]
    assert ex(r, "ZADD", "z", "CH", "1", "b", "4", "a") == 1


def test_zadd_incr(r):
    assert ex(r, "ZADD", "z", "INCR", "1.5", "a") == b"1.5"
    assert ex(r, "ZADD", "z", "INCR", "1", "a") == b"2.5"
    assert ex(r, "ZADD", "z", "INCR", "0", "a") == b"2.5"
    assert ex(r, "ZADD", "z", "NX", "INCR", "1", "a") is None
    assert ex(r, "ZADD", "z", "XX", "INCR", "1", "b") is None
    assert ex(r, "ZADD", "z", "GT", "INCR", "-1", "a") is None
    assert ex(r, "ZINCRBY", "z", "10", "a") == b"12.5"
    assert ex(r, "ZINCRBY", "z", "0.1", "x") == b"0.10000000000000001"
    ex(r, "ZADD", "z", "inf", "i")
    with pytest.raises(redis.ResponseError) as e:
        ex(r, "ZINCRBY", "z", "-inf", "i")
    assert err(e) == "resulting score is not a number (NaN)"
    with pytest.raises(redis.ResponseError) as e:
        ex(r, "ZADD", "z", "INCR", "-inf", "i")
    assert err(e) == "resulting score is not a number (NaN)"
    assert ex(r, "ZSCORE", "z", "i") == b"inf"


def test_zadd_errors(r):
    cases = [
        (("ZADD", "z", "NX", "XX", "1", "a"), "XX and NX options at the same time are not compatible"),
        (("ZADD", "z", "GT", "NX", "1", "a"), "GT, LT, and/or NX options at the same time are not compatible"),
        (("ZADD", "z", "GT", "LT", "1", "a"), "GT, LT, and/or NX options at the same time are not compatible"),
        (("ZADD", "z", "INCR", "1", "a", "2", "b"), "INCR option supports a single increment-element pair"),
        (("ZADD", "z", "1", "a", "2"), "syntax error"),
        (("ZADD", "z", "x", "a"), "value is not a valid float"),
        (("ZADD", "z", "nan", "a"), "value is not a valid float"),
        (("ZINCRBY", "z", "abc", "a"), "value is not a valid float"),
    ]
    for args, text in cases:
        with pytest.raises(redis.ResponseError) as e:
            ex(r, *args)
        assert err(e) == text, args
    assert ex(r, "EXISTS", "z") == 0
    r.set("s", "v")
    for args in (("ZADD", "s", "1", "a"), ("ZSCORE", "s", "a"), ("ZCARD", "s"), ("ZRANGE", "s", "0", "1"),
                 ("ZREM", "s", "a"), ("ZRANK", "s", "a"), ("ZPOPMIN", "s"), ("ZUNION", "1", "s"),
                 ("ZCOUNT", "s", "0", "1"), ("ZSCAN", "s", "0"), ("ZRANDMEMBER", "s")):
        with pytest.raises(redis.ResponseError) as e:
            ex(r, *args)
        assert err(e).startswith("WRONGTYPE"), args


# ---- reads ----

def test_zrem_zmscore_zrank(r):
    ex(r, "ZADD", "z", "1", "a", "2", "b", "3", "c")
    assert ex(r, "ZMSCORE", "z", "a", "x", "c") == [b"1", None, b"3"]
    assert ex(r, "ZMSCORE", "nokey", "a") == [None]
    assert ex(r, "ZRANK", "z", "c") == 2
    assert ex(r, "ZREVRANK", "z", "c") == 0
    assert ex(r, "ZRANK", "z", "x") is None
    assert ex(r, "ZREM", "z", "a", "x", "a") == 1
    assert ex(r, "ZREM", "z", "b", "c") == 2
    assert ex(r, "EXISTS", "z") == 0
    assert ex(r, "ZREM", "z", "a") == 0


def test_zcount_zlexcount(r):
    ex(r, "ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d")
    assert ex(r, "ZCOUNT", "z", "2", "3") == 2
    assert ex(r, "ZCOUNT", "z", "(2", "3") == 1
    assert ex(r, "ZCOUNT", "z", "-inf", "+inf") == 4
    assert ex(r, "ZCOUNT", "z", "(1", "(1") == 0
    assert ex(r, "ZCOUNT", "z", "5", "1") == 0
    with pytest.raises(redis.ResponseError) as e:
        ex(r, "ZCOUNT", "z", "x", "1")
    assert err(e) == "min or max is not a float"
    ex(r, "ZADD", "l", "0", "a", "0", "b", "0", "c", "0", "d")
    assert ex(r, "ZLEXCOUNT", "l", "-", "+") == 4
    assert ex(r, "ZLEXCOUNT", "l", "[b", "(d") == 2
    assert ex(r, "ZLEXCOUNT", "l", "(a", "[c") == 2
    assert ex(r, "ZLEXCOUNT", "l", "+", "-") == 0
    with pytest.raises(redis.ResponseError) as e:
        ex(r, "ZLEXCOUNT", "l", "b", "+")
    assert err(e) == "min or max not valid string range item"


def test_zrange_rank(r):
    ex(r, "ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d")
    assert ex(r, "ZRANGE", "z", "0", "-1") == [b"a", b"b", b"c", b"d"]
    assert ex(r, "ZRANGE", "z", "1", "2", "WITHSCORES") == [b"b", b"2", b"c", b"3"]
    assert ex(r, "ZRANGE", "z", "-2", "100") == [b"c", b"d"]
    assert ex(r, "ZRANGE", "z", "3", "1") == []
    assert ex(r, "ZRANGE", "z", "0", "0", "REV") == [b"d"]
    assert ex(r, "ZREVRANGE", "z", "0", "1", "WITHSCORES") == [b"d", b"4", b"c", b"3"]
    assert ex(r, "ZRANGE", "nokey", "0", "-1") == []
    with pytest.raises(redis.ResponseError) as e:
        ex(r, "ZRANGE", "z", "0", "1", "LIMIT", "0", "1")
    assert err(e) == "syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"
    with pytest.raises(redis.ResponseError) as e:
        ex(r, "ZRANGE", "z", "a", "b")
    assert err(e) == "value is not an integer or out of range"
    with pytest.raises(redis.ResponseError) as e:
        ex(r, "ZREVRANGE", "z", "0", "1", "REV")
    assert err(e) == "syntax error"


def test_zrange_byscore_bylex(r):
    ex(r, "ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e")
    assert ex(r, "ZRANGE", "z", "(1", "3", "BYSCORE") == [b"b", b"c"]
    assert ex(r, "ZRANGE", "z", "3", "(1", "BYSCORE", "REV") == [b"c", b"b"]
    assert ex(r, "ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "1", "2") == [b"b", b"c"]
    assert ex(r, "ZRANGE", "z", "+inf", "-inf", "BYSCORE", "REV", "LIMIT", "1", "2", "WITHSCORES") == \
        [b"d", b"4", b"c", b"3"]
    assert ex(r, "ZRANGEBYSCORE", "z", "2", "4", "WITHSCORES", "LIMIT", "1", "-1") == [b"c", b"3", b"d", b"4"]
    assert ex(r, "ZRANGEBYSCORE", "z", "2", "4", "LIMIT", "-1", "2") == []
    assert ex(r, "ZRANGEBYSCORE", "z", "2", "4", "LIMIT", "0", "0") == []
    assert ex(r, "ZREVRANGEBYSCORE", "z", "4", "2") == [b"d", b"c", b"b"]
    assert ex(r, "ZREVRANGEBYSCORE", "z", "2", "4") == []
    ex(r, "ZADD", "l", "0", "a", "0", "b", "0", "c", "0", "d")
    assert ex(r, "ZRANGEBYLEX", "l", "[b", "+") == [b"b", b"c", b"d"]
    assert ex(r, "ZRANGEBYLEX", "l", "-", "(c", "LIMIT", "1", "5") == [b"b"]
    assert ex(r, "ZREVRANGEBYLEX", "l", "+", "(b") == [b"d", b"c"]
    assert ex(r, "ZRANGE", "l", "[d", "[b", "BYLEX", "REV") == [b"d", b"c", b"b"]
    with pytest.raises(redis.ResponseError) as e:
        ex(r, "ZRANGE", "l", "-", "+", "BYLEX", "WITHSCORES")
    assert err(e) == "syntax error, WITHSCORES not supported in combination with BYLEX"
    with pytest.raises(redis.ResponseError) as e:
        ex(r, "ZRANGEBYLEX", "l", "-", "+", "WITHSCORES")
    assert err(e) == "syntax error, WITHSCORES not supported in combination with BYLEX"
    with pytest.raises(redis.ResponseError) as e:
        ex(r, "ZRANGEBYSCORE", "z", "x", "1")
    assert err(e) == "min or max is not a float"
    with pytest.raises(redis.ResponseError) as e:
        ex(r, "ZRANGEBYLEX", "l", "a", "+")
    assert err(e) == "min or max not valid string range item"
    with pytest.raises(redis.ResponseError) as e:
        ex(r, "ZRANGEBYSCORE", "z", "0", "1", "BYSCORE")
    assert err(e) == "syntax error"


def test_zrangestore(r):
    ex(r, "ZADD", "z", "1", "a", "2", "b", "3", "c")
    assert ex(r, "ZRANGESTORE", "d", "z", "0", "1") == 2
    assert ex(r, "ZRANGE", "d", "0", "-1", "WITHSCORES") == [b"a", b"1", b"b", b"2"]
    assert ex(r, "ZRANGESTORE", "d", "z", "(1", "+inf", "BYSCORE", "LIMIT", "0", "1") == 1
    assert ex(r, "ZRANGE", "d", "0", "-1") == [b"b"]
    assert ex(r, "ZRANGESTORE", "d", "z", "5", "6") == 0
    assert ex(r, "EXISTS", "d") == 0
    assert ex(r, "ZRANGESTORE", "z", "z", "0", "0") == 1
    assert ex(r, "ZRANGE", "z", "0", "-1") == [b"a"]
    r.set("d", "x")
    assert ex(r, "ZRANGESTORE", "d", "nokey", "0", "-1") == 0
    assert ex(r, "EXISTS", "d") == 0
    with pytest.raises(redis.ResponseError) as e:
        ex(r, "ZRANGESTORE", "d", "z", "0", "1", "WITHSCORES")
    assert err(e) == "syntax error"


# ---- removals and pops ----

def test_zremrange(r):
    ex(r, "ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e")
    assert ex(r, "ZREMRANGEBYRANK", "z", "0", "1") == 2
    assert ex(r, "ZREMRANGEBYRANK", "z", "-1", "-1") == 1
    assert ex(r, "ZRANGE", "z", "0", "-1") == [b"c", b"d"]
    assert ex(r, "ZREMRANGEBYSCORE", "z", "(3", "inf") == 1
    assert ex(r, "ZREMRANGEBYSCORE", "z", "-inf", "inf") == 1
    assert ex(r, "EXISTS", "z") == 0
    ex(r, "ZADD", "l", "0", "a", "0", "b", "0", "c")
    assert ex(r, "ZREMRANGEBYLEX", "l", "[a", "(c") == 2
    assert ex(r, "ZREMRANGEBYLEX", "nokey", "-", "+") == 0
    with pytest.raises(redis.ResponseError) as e:
        ex(r, "ZREMRANGEBYLEX", "l", "x", "+")
    assert err(e) == "min or max not valid string range item"
    with pytest.raises(redis.ResponseError) as e:
        ex(r, "ZREMRANGEBYRANK", "l", "x", "1")
    assert err(e) == "value is not an integer or out of range"


def test_zpop(r):
    ex(r, "ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d")
    assert ex(r, "ZPOPMIN", "z") == [b"a", b"1"]
    assert ex(r, "ZPOPMAX", "z", "2") == [b"d", b"4", b"c", b"3"]
    assert ex(r, "ZPOPMIN", "z", "0") == []
    assert ex(r, "ZPOPMIN", "z", "10") == [b"b", b"2"]
    assert ex(r, "EXISTS", "z") == 0
    assert ex(r, "ZPOPMIN", "z") == []
    with pytest.raises(redis.ResponseError) as e:
        ex(r, "ZPOPMIN", "z", "-1")
    assert err(e) == "value is out of range, must be positive"


def test_zmpop(r):
    ex(r, "ZADD", "z2", "1", "a", "2", "b", "3", "c")
    assert ex(r, "ZMPOP", "2", "z1", "z2", "MIN") == [b"z2", [[b"a", b"1"]]]
    assert ex(r, "ZMPOP", "2", "z1", "z2", "MAX", "COUNT", "5") == [b"z2", [[b"c", b"3"], [b"b", b"2"]]]
    assert ex(r, "ZMPOP", "1", "z2", "MIN") is None
    for args, text in [(("ZMPOP", "0", "z", "MIN"), "numkeys should be greater than 0"),
                       (("ZMPOP", "1", "z", "MID"), "syntax error"),
                       (("ZMPOP", "1", "z", "MIN", "COUNT", "0"), "count should be greater than 0"),
                       (("ZMPOP", "1", "z", "MIN", "COUNT", "1", "COUNT", "1"), "syntax error")]:
        with pytest.raises(redis.ResponseError) as e:
            ex(r, *args)
        assert err(e) == text, args


def test_bzpop_immediate_and_timeout(r):
    ex(r, "ZADD", "z", "1", "a", "2", "b")
    assert ex(r, "BZPOPMIN", "nokey", "z", "0") == [b"z", b"a", b"1"]
    assert ex(r, "BZPOPMAX", "z", "0") == [b"z", b"b", b"2"]
    assert ex(r, "BZPOPMIN", "z", "0.05") is None
    ex(r, "ZADD", "z", "1", "a")
    assert ex(r, "BZMPOP", "0.05", "1", "z", "MAX") == [b"z", [[b"a", b"1"]]]
    assert ex(r, "BZMPOP", "0.05", "1", "z", "MAX") is None


def test_bzpopmin_wakes_up(server):
    c1 = server.client()
    c2 = server.client()
    c1.response_callbacks.clear()
    c1.delete("bz")
    import threading
    out = {}

    def waiter():
        out["v"] = c1.execute_command("BZPOPMIN", "bz", "5")
    t = threading.Thread(target=waiter)
    t.start()
    srvutil.wait_until(lambda: c2.info("clients")["blocked_clients"] == 1, 5, what="client blocked")
    c2.execute_command("ZADD", "bz", "7", "m")
    t.join(10)
    assert out["v"] == [b"bz", b"m", b"7"]
    assert c2.exists("bz") == 0


# ---- random, scan ----

def test_zrandmember(r):
    assert ex(r, "ZRANDMEMBER", "nokey") is None
    assert ex(r, "ZRANDMEMBER", "nokey", "3") == []
    members = {b"m%d" % i: i for i in range(20)}
    ex(r, "ZADD", "z", *[x for m, s in members.items() for x in (s, m)])
    assert ex(r, "ZRANDMEMBER", "z") in members
    got = ex(r, "ZRANDMEMBER", "z", "5")
    assert len(got) == 5 and len(set(got)) == 5 and set(got) <= set(members)
    assert sorted(ex(r, "ZRANDMEMBER", "z", "50")) == sorted(members)
    got = ex(r, "ZRANDMEMBER", "z", "-30")
    assert len(got) == 30 and set(got) <= set(members)
    got = ex(r, "ZRANDMEMBER", "z", "3", "WITHSCORES")
    assert len(got) == 6
    for m, s in zip(got[0::2], got[1::2]):
        assert int(s) == members[m]
    with pytest.raises(redis.ResponseError) as e:
        ex(r, "ZRANDMEMBER", "z", "1", "x")
    assert err(e) == "syntax error"
    with pytest.raises(redis.ResponseError) as e:
        ex(r, "ZRANDMEMBER", "z", "-9223372036854775807", "WITHSCORES")
    assert err(e) == "value is out of range"


@pytest.mark.parametrize("n", [10, 1000])
def test_zscan_complete(r, n):
    ex(r, "ZADD", "z", *[x for i in range(n) for x in (i * 0.5, "m%d" % i)])
    seen = {}
    cursor = 0
    while True:
        cursor, items = ex(r, "ZSCAN", "z", cursor, "COUNT", "20")
        cursor = int(cursor)
        for m, s in zip(items[0::2], items[1::2]):
            seen[m] = s
        if cursor == 0:
            break
    assert len(seen) == n
    assert seen[b"m3"] == b"1.5" and seen[b"m4"] == b"2"
    cursor, items = ex(r, "ZSCAN", "z", "0", "MATCH", "m1", "COUNT", "100000")
    assert items == [b"m1", b"0.5"]
    with pytest.raises(redis.ResponseError) as e:
        ex(r, "ZSCAN", "z", "x")
    assert err(e) == "invalid cursor"
    with pytest.raises(redis.ResponseError) as e:
        ex(r, "ZSCAN", "z", "0", "COUNT", "0")
    assert err(e) == "syntax error"


# ---- algebra ----

def test_zunion_zinter_zdiff(r):
    ex(r, "ZADD", "a", "1", "x", "2", "y", "3", "z")
    ex(r, "ZADD", "b", "10", "y", "20", "z", "30", "w")
    ex(r, "SADD", "s", "x", "w")
    assert ex(r, "ZUNION", "2", "a", "b", "WITHSCORES") == \
        [b"x", b"1", b"y", b"12", b"z", b"23", b"w", b"30"]
    assert ex(r, "ZUNION", "2", "a", "b", "WEIGHTS", "2", "0.5", "AGGREGATE", "MAX", "WITHSCORES") == \
        [b"x", b"2", b"y", b"5", b"z", b"10", b"w", b"15"]
    assert ex(r, "ZINTER", "2", "a", "b", "AGGREGATE", "MIN", "WITHSCORES") == [b"y", b"2", b"z", b"3"]
    assert ex(r, "ZINTER", "2", "a", "s", "WITHSCORES") == [b"x", b"2"]
    assert ex(r, "ZUNION", "2", "s", "nokey", "WITHSCORES") == [b"w", b"1", b"x", b"1"]
    assert ex(r, "ZINTER", "2", "a", "nokey") == []
    assert ex(r, "ZDIFF", "2", "a", "b", "WITHSCORES") == [b"x", b"1"]
    assert ex(r, "ZDIFF", "1", "a") == [b"x", b"y", b"z"]
    assert ex(r, "ZINTERCARD", "2", "a", "b") == 2
    assert ex(r, "ZINTERCARD", "2", "a", "b", "LIMIT", "1") == 1
    assert ex(r, "ZUNIONSTORE", "d", "2", "a", "b") == 4
    assert ex(r, "ZRANGE", "d", "0", "-1", "WITHSCORES") == \
        [b"x", b"1", b"y", b"12", b"z", b"23", b"w", b"30"]
    assert ex(r, "ZINTERSTORE", "d", "2", "a", "b", "WEIGHTS", "1", "2") == 2
    assert ex(r, "ZRANGE", "d", "0", "-1", "WITHSCORES") == [b"y", b"22", b"z", b"43"]
    assert ex(r, "ZDIFFSTORE", "d", "2", "b", "a") == 1
    assert ex(r, "ZRANGE", "d", "0", "-1", "WITHSCORES") == [b"w", b"30"]
    assert ex(r, "ZINTERSTORE", "d", "2", "a", "nokey") == 0
    assert ex(r, "EXISTS", "d") == 0
    ex(r, "ZADD", "i1", "inf", "m")
    ex(r, "ZADD", "i2", "-inf", "m")
    assert ex(r, "ZUNION", "2", "i1", "i2", "WITHSCORES") == [b"m", b"0"]
    assert ex(r, "ZUNION", "1", "i1", "WEIGHTS", "0", "WITHSCORES") == [b"m", b"0"]


def test_zalgebra_errors(r):
    ex(r, "ZADD", "a", "1", "x")
    r.set("str", "v")
    cases = [
        (("ZUNIONSTORE", "d", "0", "a"), "at least 1 input key is needed for 'zunionstore' command"),
        (("ZINTER", "0", "a"), "at least 1 input key is needed for 'zinter' command"),
        (("ZUNION", "3", "a"), "syntax error"),
        (("ZUNION", "1", "a", "WEIGHTS", "x"), "weight value is not a float"),
        (("ZUNION", "1", "a", "AGGREGATE", "AVG"), "syntax error"),
        (("ZDIFF", "1", "a", "WEIGHTS", "1"), "syntax error"),
        (("ZUNIONSTORE", "d", "1", "a", "WITHSCORES"), "syntax error"),
        (("ZINTERCARD", "0", "a"), "at least 1 input key is needed for 'zintercard' command"),
        (("ZINTERCARD", "1", "a", "LIMIT", "-1"), "LIMIT can't be negative"),
        (("ZUNION", "1", "str"), "WRONGTYPE Operation against a key holding the wrong kind of value"),
    ]
    for args, text in cases:
        with pytest.raises(redis.ResponseError) as e:
            ex(r, *args)
        assert err(e) == text, args


def test_getkeys(r):
    assert ex(r, "COMMAND", "GETKEYS", "ZUNIONSTORE", "d", "2", "a", "b") == [b"d", b"a", b"b"]
    assert ex(r, "COMMAND", "GETKEYS", "ZINTER", "2", "a", "b", "WEIGHTS", "1", "2") == [b"a", b"b"]
    assert ex(r, "COMMAND", "GETKEYS", "ZDIFFSTORE", "d", "1", "a") == [b"d", b"a"]
    assert ex(r, "COMMAND", "GETKEYS", "ZINTERCARD", "2", "a", "b") == [b"a", b"b"]
    assert ex(r, "COMMAND", "GETKEYS", "ZMPOP", "2", "a", "b", "MIN") == [b"a", b"b"]
    assert ex(r, "COMMAND", "GETKEYS", "BZMPOP", "0", "2", "a", "b", "MIN") == [b"a", b"b"]


# ---- encodings, persistence ----

def test_encodings(r):
    ex(r, "ZADD", "z", *[x for i in range(128) for x in (i, "m%d" % i)])
    assert ex(r, "OBJECT", "ENCODING", "z") == b"listpack"
    ex(r, "ZADD", "z", "1000", "one-more")
    assert ex(r, "OBJECT", "ENCODING", "z") == b"skiplist"
    ex(r, "ZREMRANGEBYRANK", "z", "0", "-3")
    assert ex(r, "OBJECT", "ENCODING", "z") == b"skiplist"  # never converted back in place
    ex(r, "ZADD", "l", "1", "x" * 64)
    assert ex(r, "OBJECT", "ENCODING", "l") == b"listpack"
    ex(r, "ZADD", "l", "1", "y" * 65)
    assert ex(r, "OBJECT", "ENCODING", "l") == b"skiplist"
    assert ex(r, "ZUNIONSTORE", "d", "1", "z") == 2
    assert ex(r, "OBJECT", "ENCODING", "d") == b"listpack"
    ex(r, "ZADD", "big", *[x for i in range(129) for x in (i, "m%d" % i)])
    assert ex(r, "OBJECT", "ENCODING", "big") == b"skiplist"


DEBUG = ("--enable-debug-command", "yes")


@pytest.fixture
def rdbg(make_server):
    """A client of a server that allows DEBUG."""
    c = make_server(*DEBUG).client()
    c.response_callbacks.clear()
    return c


def test_dump_restore_roundtrip(rdbg):
    r = rdbg
    ex(r, "ZADD", "small", "1", "a", "0.1", "b", "-inf", "c", "1e20", "d")
    ex(r, "ZADD", "large", *[x for i in range(200) for x in (i * 1.5 - 100, "m:%03d" % i)])
    for key in ("small", "large"):
        payload = r.dump(key)
        before = ex(r, "ZRANGE", key, "0", "-1", "WITHSCORES")
        enc = ex(r, "OBJECT", "ENCODING", key)
        digest = ex(r, "DEBUG", "DIGEST-VALUE", key)
        r.restore(key + ":copy", 0, payload)
        assert ex(r, "ZRANGE", key + ":copy", "0", "-1", "WITHSCORES") == before
        assert ex(r, "OBJECT", "ENCODING", key + ":copy") == enc
        assert ex(r, "DEBUG", "DIGEST-VALUE", key + ":copy") == digest


def test_dump_interop_with_redis(make_server):
    """DUMP payloads move both ways between shoal and redis-server; digests agree."""
    a = make_server(*DEBUG)
    b = make_server(*DEBUG, path=srvutil.REDIS_SERVER_PATH, name="zset-interop-redis")
    ca, cb = a.client(), b.client()
    ca.response_callbacks.clear()
    cb.response_callbacks.clear()
    ca.execute_command("ZADD", "small", "1", "a", "0.1", "b", "-inf", "c", "1e20", "d", "5", "tie_b", "5", "tie_a")
    ca.execute_command("ZADD", "large", *[x for i in range(200) for x in (i * 1.5 - 100, "m:%03d" % i)])
    for key in ("small", "large"):
        cb.restore(key, 0, ca.dump(key))
        assert cb.execute_command("ZRANGE", key, "0", "-1", "WITHSCORES") == \
            ca.execute_command("ZRANGE", key, "0", "-1", "WITHSCORES")
        assert cb.execute_command("DEBUG", "DIGEST-VALUE", key) == ca.execute_command("DEBUG", "DIGEST-VALUE", key)
        assert cb.execute_command("OBJECT", "ENCODING", key) == ca.execute_command("OBJECT", "ENCODING", key)
        assert cb.dump(key) == ca.dump(key)
        ca.restore(key + "2", 0, cb.dump(key))
        assert ca.execute_command("ZRANGE", key + "2", "0", "-1", "WITHSCORES") == \
            cb.execute_command("ZRANGE", key, "0", "-1", "WITHSCORES")


def test_persist_restart(make_server):
    s = make_server(*DEBUG)
    r = s.client()
    r.response_callbacks.clear()
    ex(r, "ZADD", "small", "1", "a", "2", "b")
    ex(r, "ZADD", "large", *[x for i in range(300) for x in (i, "m%d" % i)])
    ex(r, "ZADD", "long", "1", "x" * 70)
    d1 = ex(r, "DEBUG", "DIGEST")
    assert ex(r, "SAVE") == b"OK"
    r.close()
    s.stop()
    s.start()
    r = s.client()
    r.response_callbacks.clear()
    assert ex(r, "DEBUG", "DIGEST") == d1
    assert ex(r, "ZCARD", "large") == 300
    assert ex(r, "OBJECT", "ENCODING", "large") == b"skiplist"
    assert ex(r, "OBJECT", "ENCODING", "long") == b"skiplist"
    assert ex(r, "OBJECT", "ENCODING", "small") == b"listpack"
    assert ex(r, "ZRANGE", "large", "0", "1", "WITHSCORES") == [b"m0", b"0", b"m1", b"1"]


# ---- the feed example ----

def test_feed_trim(r):
    base = 1_700_000_000_000
    for i in range(500):
        ex(r, "ZADD", "feed:u1", base + i * 1000, "post:%d" % i)
    assert ex(r, "ZCARD", "feed:u1") == 500
    # keep the last 100 seconds
    cutoff = base + 400 * 1000
    assert ex(r, "ZREMRANGEBYSCORE", "feed:u1", "-inf", "(%d" % cutoff) == 400
    assert ex(r, "ZRANGE", "feed:u1", "0", "2") == [b"post:400", b"post:401", b"post:402"]
    # keep the newest 10
    assert ex(r, "ZREMRANGEBYRANK", "feed:u1", "0", "-11") == 90
    assert ex(r, "ZREVRANGE", "feed:u1", "0", "1") == [b"post:499", b"post:498"]
    assert ex(r, "ZREVRANGEBYSCORE", "feed:u1", "+inf", str(base + 495 * 1000), "LIMIT", "0", "2") == \
        [b"post:499", b"post:498"]


# ---- a random workload against a model ----

def test_random_model(r):
    rnd = random.Random(7)
    model = {}
    for step in range(3000):
        op = rnd.random()
        m = "m%d" % rnd.randrange(300)
        if op < 0.5:
            s = rnd.randrange(-50, 50) / 4
            ex(r, "ZADD", "z", s, m)
            model[m] = s
        elif op < 0.7:
            assert ex(r, "ZREM", "z", m) == (1 if m in model else 0)
            model.pop(m, None)
        elif op < 0.8:
            got = float(ex(r, "ZINCRBY", "z", "1.25", m))
            model[m] = model.get(m, 0) + 1.25
            assert got == model[m]
        else:
            order = sorted(model.items(), key=lambda kv: (kv[1], kv[0].encode()))
            if m in model:
                assert ex(r, "ZRANK", "z", m) == [k for k, _ in order].index(m)
            lo = rnd.randrange(-15, 15)
            got = ex(r, "ZRANGEBYSCORE", "z", lo, lo + 3)
            assert got == [k.encode() for k, v in order if lo <= v <= lo + 3]
    order = sorted(model.items(), key=lambda kv: (kv[1], kv[0].encode()))
    got = ex(r, "ZRANGE", "z", "0", "-1")
    assert got == [k.encode() for k, _ in order]


# ---- cluster ----

def test_cluster_hash_tagged_union(full_cluster_server):
    c = full_cluster_server.client()
    c.response_callbacks.clear()
    c.execute_command("ZADD", "{u}a", "1", "x")
    c.execute_command("ZADD", "{u}b", "2", "x", "3", "y")
    assert c.execute_command("ZUNIONSTORE", "{u}d", "2", "{u}a", "{u}b") == 2
    assert c.execute_command("ZRANGE", "{u}d", "0", "-1", "WITHSCORES") == [b"x", b"3", b"y", b"3"]
    with pytest.raises(redis.ResponseError) as e:
        c.execute_command("ZUNIONSTORE", "d", "2", "{u}a", "{u}b")
    assert err(e).startswith("CROSSSLOT")
    with pytest.raises(redis.ResponseError) as e:
        c.execute_command("ZINTERCARD", "2", "a", "b")
    assert err(e).startswith("CROSSSLOT")


# ---- RESP3 shapes ----

def test_resp3_shapes(raw):
    c = raw()
    c.cmd("HELLO", "3")
    c.cmd("FLUSHALL")
    c.cmd("ZADD", "z", "1", "a", "2.5", "b", "3", "c")
    assert c.cmd("ZSCORE", "z", "b") == 2.5
    assert c.cmd("ZRANGE", "z", "0", "1", "WITHSCORES") == [[b"a", 1.0], [b"b", 2.5]]
    assert c.cmd("ZRANGE", "z", "0", "1") == [b"a", b"b"]
    assert c.cmd("ZUNION", "1", "z", "WITHSCORES")[0] == [b"a", 1.0]
    assert c.cmd("ZPOPMIN", "z") == [b"a", 1.0]
    assert c.cmd("ZPOPMIN", "z", "1") == [[b"b", 2.5]]
    assert c.cmd("ZRANDMEMBER", "z", "1", "WITHSCORES") == [[b"c", 3.0]]
    assert c.cmd("ZMPOP", "1", "z", "MIN") == [b"z", [[b"c", 3.0]]]
    assert c.cmd("ZINCRBY", "z", "1", "x") == 1.0
    assert c.cmd("ZMSCORE", "z", "x", "y") == [1.0, None]
    c.cmd("FLUSHALL")


# ---- replication: a replica ends up with the master's data ----

def test_replica_matches_master(make_server):
    m = make_server(*DEBUG)
    rep = make_server(*DEBUG)
    srvutil.replicaof(rep, m)
    srvutil.wait_caught_up(m, rep, srvutil.REPL_SYNC_TIMEOUT_S)
    c = m.client()
    c.response_callbacks.clear()
    ex(c, "ZADD", "z", *[x for i in range(300) for x in (i % 17, "m%d" % i)])
    ex(c, "ZADD", "s", "1", "a", "2", "b", "3", "c", "4", "d")
    ex(c, "ZPOPMIN", "z", "5")
    ex(c, "ZPOPMAX", "s")
    ex(c, "ZMPOP", "2", "nokey", "z", "MAX", "COUNT", "3")
    ex(c, "BZPOPMIN", "s", "0")
    ex(c, "BZMPOP", "0", "1", "s", "MIN", "COUNT", "9")
    ex(c, "ZINCRBY", "z", "0.1", "m100")
    ex(c, "ZADD", "z", "GT", "CH", "1000", "m101", "-1", "m102")
    ex(c, "ZREMRANGEBYRANK", "z", "0", "9")
    ex(c, "ZREMRANGEBYSCORE", "z", "(15", "16")
    ex(c, "ZUNIONSTORE", "u", "2", "z", "s", "WEIGHTS", "2", "3")
    ex(c, "ZRANGESTORE", "r", "z", "0", "9", "REV")
    ex(c, "ZDIFFSTORE", "d", "2", "z", "r")
    # a pop served after blocking propagates as its plain form too
    import threading
    w = m.client()
    w.response_callbacks.clear()
    out = {}
    t = threading.Thread(target=lambda: out.update(v=w.execute_command("BZPOPMAX", "later", "5")))
    t.start()
    srvutil.wait_until(lambda: _blocked(m.client(), 1), 5, what="client blocked")
    ex(c, "ZADD", "later", "1", "a", "2", "b")
    t.join(10)
    assert out["v"] == [b"later", b"b", b"2"]
    srvutil.wait_caught_up(m, rep)
    cr = rep.client()
    assert cr.execute_command("DEBUG", "DIGEST") == c.execute_command("DEBUG", "DIGEST")
    assert cr.execute_command("DBSIZE") == c.execute_command("DBSIZE")


# ---- keyspace notifications ----

def test_keyspace_events(make_server):
    s = make_server("--notify-keyspace-events", "KEA")
    c = s.client()
    c.response_callbacks.clear()
    p = c.pubsub()
    p.psubscribe("__keyevent@0__:*")
    p.get_message(timeout=5)
    cmds = [("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e", "6", "f"),
            ("ZINCRBY", "z", "1", "a"), ("ZADD", "z", "INCR", "1", "a"), ("ZREM", "z", "a"),
            ("ZREMRANGEBYSCORE", "z", "2", "2"), ("ZREMRANGEBYRANK", "z", "0", "0"),
            ("ZREMRANGEBYLEX", "z", "[x", "[y"),
            ("ZPOPMIN", "z"), ("ZPOPMAX", "z"), ("ZUNIONSTORE", "u", "1", "z"),
            ("ZINTERSTORE", "i", "1", "z"), ("ZDIFFSTORE", "d", "1", "z"),
            ("ZRANGESTORE", "r", "z", "0", "-1"), ("ZREM", "z", "e"), ("ZINTERSTORE", "u", "1", "nokey")]
    for cmd in cmds:
        ex(c, *cmd)
    want = [(b"zadd", b"z"), (b"zincr", b"z"), (b"zincr", b"z"), (b"zrem", b"z"),
            (b"zremrangebyscore", b"z"), (b"zremrangebyrank", b"z"),
            (b"zpopmin", b"z"), (b"zpopmax", b"z"), (b"zunionstore", b"u"),
            (b"zinterstore", b"i"), (b"zdiffstore", b"d"), (b"zrangestore", b"r"),
            (b"zrem", b"z"), (b"del", b"z"), (b"del", b"u")]
    got = []
    deadline = 50
    while len(got) < len(want) and deadline:
        msg = p.get_message(timeout=0.2)
        if msg is None:
            deadline -= 1
            continue
        if msg["type"] == "pmessage":
            got.append((msg["channel"].split(b":", 1)[1], msg["data"]))
    assert got == want
    p.close()


def test_zrandmember_distinct_large(r):
    ex(r, "ZADD", "z", *[x for i in range(1000) for x in (i, "m%d" % i)])
    for count in (1, 10, 249, 250, 600, 999):
        got = ex(r, "ZRANDMEMBER", "z", str(count))
        assert len(got) == count and len(set(got)) == count, count
    got = ex(r, "ZRANDMEMBER", "z", "10", "WITHSCORES")
    for m, s in zip(got[0::2], got[1::2]):
        assert m == b"m" + s


def test_bzmpop_error_order(r):
    with pytest.raises(redis.ResponseError) as e:
        ex(r, "BZMPOP", "x", "0", "z", "MIN")
    assert err(e) == "numkeys should be greater than 0"
    with pytest.raises(redis.ResponseError) as e:
        ex(r, "BZMPOP", "x", "1", "z", "MIN")
    assert err(e) == "timeout is not a float or out of range"
    with pytest.raises(redis.ResponseError) as e:
        ex(r, "BZPOPMIN", "z", "-1")
    assert err(e) == "timeout is negative"


def test_encodings_of_created_keys(r):
    ex(r, "ZADD", "dup", *[x for i in range(129) for x in (i, "same")])
    ex(r, "ZADD", "big", *[x for i in range(200) for x in (i, "m%d" % i)])
    ex(r, "ZADD", "long", "1", "a", "2", "y" * 65)
    out = {}
    ex(r, "ZRANGESTORE", "s1", "big", "0", "9")
    ex(r, "ZRANGESTORE", "s2", "big", "0", "199")
    ex(r, "ZRANGESTORE", "s3", "big", "0", "9", "BYSCORE")
    ex(r, "ZRANGESTORE", "s4", "long", "0", "0")
    ex(r, "ZUNIONSTORE", "s5", "1", "long")
    ex(r, "ZINTERSTORE", "s6", "2", "big", "s1")
    ex(r, "ZDIFFSTORE", "s7", "2", "big", "s1")
    for k in ("dup", "s1", "s2", "s3", "s4", "s5", "s6", "s7"):
        out[k] = ex(r, "OBJECT", "ENCODING", k)
    assert out == {"dup": b"listpack", "s1": b"listpack", "s2": b"skiplist", "s3": b"listpack",
                   "s4": b"listpack", "s5": b"skiplist", "s6": b"listpack", "s7": b"skiplist"}


def test_zrandmember_negative_count_listpack_ints(r):
    ex(r, "ZADD", "z", "1", "10", "2", "20", "3", "abc")
    got = ex(r, "ZRANDMEMBER", "z", "-300", "WITHSCORES")
    assert len(got) == 600
    pairs = set(zip(got[0::2], got[1::2]))
    assert pairs <= {(b"10", b"1"), (b"20", b"2"), (b"abc", b"3")}
    assert len(pairs) == 3


def test_watch_sees_zset_writes(server):
    a = server.client()
    b = server.client()
    a.flushall()
    a.execute_command("ZADD", "w", "1", "x")
    for write, touches in [(("ZADD", "w", "NX", "5", "x"), False), (("ZINCRBY", "w", "1", "x"), True),
                           (("ZREM", "w", "nope"), False), (("ZPOPMIN", "w"), True)]:
        a.execute_command("ZADD", "w", "1", "x")
        a.execute_command("WATCH", "w")
        b.execute_command(*write)
        a.execute_command("MULTI")
        a.execute_command("PING")
        res = a.execute_command("EXEC")
        assert (res is None) == touches, write


def _blocked(client, n):
    return client.info("clients")["blocked_clients"] == n


def test_bzmpop_woken_by_store_and_multi_nil(server):
    import threading
    c1, c2 = server.client(), server.client()
    c1.response_callbacks.clear()
    c2.response_callbacks.clear()
    c2.flushall()
    out = {}

    def waiter():
        out["v"] = c1.execute_command("BZMPOP", "5", "2", "q1", "q2", "MAX", "COUNT", "2")
    t = threading.Thread(target=waiter)
    t.start()
    srvutil.wait_until(lambda: _blocked(server.client(), 1), 5, what="client blocked")
    c2.execute_command("ZADD", "src", "1", "a", "2", "b", "3", "c")
    c2.execute_command("ZUNIONSTORE", "q2", "1", "src")
    t.join(10)
    assert out["v"] == [b"q2", [[b"c", b"3"], [b"b", b"2"]]]
    assert c2.execute_command("ZRANGE", "q2", "0", "-1") == [b"a"]
    c2.execute_command("MULTI")
    c2.execute_command("BZPOPMIN", "empty", "0")
    c2.execute_command("BZMPOP", "0", "1", "empty", "MIN")
    assert c2.execute_command("EXEC") == [None, None]


def test_encoding_limits_follow_config(make_server):
    s = make_server("--zset-max-listpack-entries", "4", "--zset-max-listpack-value", "8")
    r = s.client()
    r.response_callbacks.clear()
    ex(r, "ZADD", "a", "1", "a", "2", "b", "3", "c", "4", "d")
    assert ex(r, "OBJECT", "ENCODING", "a") == b"listpack"
    ex(r, "ZADD", "a", "5", "e")
    assert ex(r, "OBJECT", "ENCODING", "a") == b"skiplist"
    ex(r, "ZADD", "b", "1", "123456789")
    assert ex(r, "OBJECT", "ENCODING", "b") == b"skiplist"
    ex(r, "CONFIG", "SET", "zset-max-listpack-entries", "0")
    ex(r, "ZADD", "c", "1", "x")
    assert ex(r, "OBJECT", "ENCODING", "c") == b"skiplist"
