"""List commands through redis-py, with the replies and error texts of
redis-server 7.0.15 (run this file against both servers)."""

import random
import threading
import time

import pytest
import redis

import srvutil

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
NOT_INT = "value is not an integer or out of range"
POSITIVE = "value is out of range, must be positive"


def err(excinfo):
    return str(excinfo.value)


def rerr(r, *args):
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command(*args)
    return err(e)


# ---- pushes and pops ----

def test_push_and_range(r):
    assert r.rpush("l", "a", "b", "c") == 3
    assert r.lpush("l", "x", "y") == 5
    assert r.lrange("l", 0, -1) == [b"y", b"x", b"a", b"b", b"c"]
    assert r.llen("l") == 5
    assert r.llen("missing") == 0
    assert r.rpush("n", 1, 2, -3, "007", "", 9223372036854775807) == 6
    assert r.lrange("n", 0, -1) == [b"1", b"2", b"-3", b"007", b"", b"9223372036854775807"]
    assert r.type("l") == b"list"
    assert r.object("encoding", "l") == b"quicklist"


def test_pushx(r):
    assert r.lpushx("l", "a") == 0
    assert r.execute_command("RPUSHX", "l", "a", "b") == 0
    assert r.exists("l") == 0
    r.rpush("l", "m")
    assert r.execute_command("LPUSHX", "l", "a", "b") == 3
    assert r.rpushx("l", "z") == 4
    assert r.lrange("l", 0, -1) == [b"b", b"a", b"m", b"z"]


def test_pop_single_and_count(r):
    r.rpush("l", *"abcdef")
    assert r.lpop("l") == b"a"
    assert r.rpop("l") == b"f"
    assert r.lpop("l", 2) == [b"b", b"c"]
    assert r.rpop("l", 10) == [b"e", b"d"]
    assert r.exists("l") == 0  # an emptied list is deleted
    assert r.lpop("l") is None
    r.rpush("l", "a")
    assert r.lpop("l", 0) == []
    assert r.llen("l") == 1


def test_pop_reply_shapes_resp2(raw):
    c = raw()
    c.cmd("DEL", "l")
    c.send(srvutil.encode("LPOP", "l"))
    assert c.raw_reply() == b"$-1\r\n"
    c.send(srvutil.encode("LPOP", "l", "3"))
    assert c.raw_reply() == b"*-1\r\n"
    c.send(srvutil.encode("RPUSH", "l", "a"))
    c.raw_reply()
    c.send(srvutil.encode("LPOP", "l", "0"))
    assert c.raw_reply() == b"*0\r\n"
    c.send(srvutil.encode("LPOP", "l", "5"))
    assert c.raw_reply() == b"*1\r\n$1\r\na\r\n"


def test_pop_reply_shapes_resp3(raw):
    c = raw()
    c.cmd("HELLO", "3")
    c.cmd("DEL", "l")
    c.send(srvutil.encode("LPOP", "l"))
    assert c.raw_reply() == b"_\r\n"
    c.send(srvutil.encode("RPOP", "l", "3"))
    assert c.raw_reply() == b"_\r\n"
    c.send(srvutil.encode("LMPOP", "1", "l", "LEFT"))
    assert c.raw_reply() == b"_\r\n"


def test_pop_errors(r):
    r.rpush("l", "a")
    assert rerr(r, "LPOP", "l", "-1") == POSITIVE
    assert rerr(r, "LPOP", "l", "abc") == POSITIVE
    assert rerr(r, "RPOP", "missing", "-1") == POSITIVE
    assert rerr(r, "LPOP", "l", "1", "2") == "wrong number of arguments for 'lpop' command"
    assert rerr(r, "RPOP", "l", "1", "2") == "wrong number of arguments for 'rpop' command"


# ---- reads ----

def test_lrange_indexes(r):
    r.rpush("l", *range(10))
    assert r.lrange("l", 2, 4) == [b"2", b"3", b"4"]
    assert r.lrange("l", -3, -1) == [b"7", b"8", b"9"]
    assert r.lrange("l", -100, 1) == [b"0", b"1"]
    assert r.lrange("l", 5, 100) == [b"5", b"6", b"7", b"8", b"9"]
    assert r.lrange("l", 5, 4) == []
    assert r.lrange("l", 10, 20) == []
    assert r.lrange("missing", 0, -1) == []
    assert rerr(r, "LRANGE", "l", "a", "1") == NOT_INT
    assert rerr(r, "LRANGE", "missing", "0", "x") == NOT_INT


def test_lindex(r):
    r.rpush("l", "a", "b", "c")
    assert r.lindex("l", 0) == b"a"
    assert r.lindex("l", -1) == b"c"
    assert r.lindex("l", 3) is None
    assert r.lindex("l", -4) is None
    assert r.lindex("missing", 0) is None
    assert r.execute_command("LINDEX", "missing", "notanumber") is None
    assert rerr(r, "LINDEX", "l", "x") == NOT_INT


# ---- edits ----

def test_lset(r):
    r.rpush("l", "a", "b", "c")
    assert r.lset("l", 1, "B") is True
    assert r.lset("l", -1, "C" * 100) is True
    assert r.lrange("l", 0, -1) == [b"a", b"B", b"C" * 100]
    assert rerr(r, "LSET", "l", "3", "x") == "index out of range"
    assert rerr(r, "LSET", "l", "-4", "x") == "index out of range"
    assert rerr(r, "LSET", "missing", "0", "x") == "no such key"
    assert rerr(r, "LSET", "missing", "x", "x") == "no such key"
    assert rerr(r, "LSET", "l", "x", "x") == NOT_INT


def test_linsert(r):
    r.rpush("l", "a", "b", "c")
    assert r.linsert("l", "before", "b", "x") == 4
    assert r.linsert("l", "AFTER", "c", "y") == 5
    assert r.linsert("l", "after", "nope", "z") == -1
    assert r.linsert("missing", "after", "a", "z") == 0
    assert r.lrange("l", 0, -1) == [b"a", b"x", b"b", b"c", b"y"]
    assert rerr(r, "LINSERT", "l", "middle", "a", "z") == "syntax error"
    assert rerr(r, "LINSERT", "missing", "middle", "a", "z") == "syntax error"


def test_lrem(r):
    r.rpush("l", *"abacabaa")
    assert r.lrem("l", 2, "a") == 2
    assert r.lrange("l", 0, -1) == [b"b", b"c", b"a", b"b", b"a", b"a"]
    assert r.lrem("l", -2, "a") == 2
    assert r.lrange("l", 0, -1) == [b"b", b"c", b"a", b"b"]
    assert r.lrem("l", 0, "b") == 2
    assert r.lrem("l", 0, "zz") == 0
    assert r.lrem("missing", 0, "a") == 0
    assert r.lrem("l", 0, "a") == 1
    assert r.lrem("l", 0, "c") == 1
    assert r.exists("l") == 0
    assert rerr(r, "LREM", "l", "x", "a") == NOT_INT


def test_ltrim(r):
    r.rpush("l", *range(10))
    assert r.ltrim("l", 2, -3) is True
    assert r.lrange("l", 0, -1) == [str(i).encode() for i in range(2, 8)]
    assert r.ltrim("l", -2, 100) is True
    assert r.lrange("l", 0, -1) == [b"6", b"7"]
    assert r.ltrim("l", 5, 1) is True
    assert r.exists("l") == 0
    assert r.ltrim("missing", 0, 1) is True
    assert rerr(r, "LTRIM", "l", "0", "x") == NOT_INT


def test_lpos(r):
    r.rpush("l", "a", "b", "c", "1", "2", "3", "c", "c")
    assert r.lpos("l", "c") == 2
    assert r.lpos("l", "c", rank=2) == 6
    assert r.lpos("l", "c", rank=-1) == 7
    assert r.lpos("l", "c", rank=-3) == 2
    assert r.lpos("l", "c", rank=4) is None
    assert r.lpos("l", "c", count=0) == [2, 6, 7]
    assert r.lpos("l", "c", count=2) == [2, 6]
    assert r.lpos("l", "c", count=2, rank=-1) == [7, 6]
    assert r.lpos("l", "c", count=0, maxlen=7) == [2, 6]
    assert r.lpos("l", "c", maxlen=2) is None
    assert r.lpos("l", "x", count=3) == []
    assert r.lpos("l", "2") == 4
    assert r.lpos("missing", "a") is None
    assert r.lpos("missing", "a", count=1) == []
    assert rerr(r, "LPOS", "l", "a", "RANK", "0") == (
        "RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative "
        "to start from the end of the list")
    assert rerr(r, "LPOS", "l", "a", "COUNT", "-1") == "COUNT can't be negative"
    assert rerr(r, "LPOS", "l", "a", "COUNT", "x") == "COUNT can't be negative"
    assert rerr(r, "LPOS", "l", "a", "MAXLEN", "-1") == "MAXLEN can't be negative"
    assert rerr(r, "LPOS", "l", "a", "RANK", "x") == NOT_INT
    # 7.0.15 takes LLONG_MIN as a rank that every match reaches, from the tail
    assert r.execute_command("LPOS", "l", "c", "RANK", "-9223372036854775808") == 7
    assert r.execute_command("LPOS", "l", "c", "RANK", "-9223372036854775808", "COUNT", "0") == [7, 6, 2]
    assert rerr(r, "LPOS", "l", "a", "RANK", "9223372036854775808") == NOT_INT
    assert rerr(r, "LPOS", "l", "a", "RANK") == "syntax error"
    assert rerr(r, "LPOS", "l", "a", "FOO", "1") == "syntax error"
    assert rerr(r, "LPOS", "missing", "a", "RANK", "0").startswith("RANK can't be zero")


# ---- moves ----

def test_lmove_and_rpoplpush(r):
    r.rpush("s", "a", "b", "c")
    assert r.lmove("s", "d", "LEFT", "RIGHT") == b"a"
    assert r.lmove("s", "d", "RIGHT", "LEFT") == b"c"
    assert r.lrange("d", 0, -1) == [b"c", b"a"]
    assert r.rpoplpush("s", "d") == b"b"
    assert r.exists("s") == 0
    assert r.lrange("d", 0, -1) == [b"b", b"c", b"a"]
    assert r.lmove("s", "d", "LEFT", "LEFT") is None
    assert r.rpoplpush("s", "d") is None
    # rotation of one list
    assert r.lmove("d", "d", "LEFT", "RIGHT") == b"b"
    assert r.lrange("d", 0, -1) == [b"c", b"a", b"b"]
    r.rpush("one", "x")
    assert r.rpoplpush("one", "one") == b"x"
    assert r.lrange("one", 0, -1) == [b"x"]
    assert rerr(r, "LMOVE", "d", "e", "UP", "LEFT") == "syntax error"
    assert rerr(r, "LMOVE", "d", "e", "LEFT", "DOWN") == "syntax error"


def test_lmove_wrongtype_destination_changes_nothing(r):
    r.rpush("s", "a")
    r.set("str", "v")
    assert rerr(r, "LMOVE", "s", "str", "LEFT", "LEFT") == WRONGTYPE
    assert rerr(r, "RPOPLPUSH", "s", "str") == WRONGTYPE
    assert r.lrange("s", 0, -1) == [b"a"]
    assert r.rpoplpush("missing", "str") is None  # the source is looked at first


def test_lmpop(r):
    r.rpush("b", *"12345")
    assert r.execute_command("LMPOP", "2", "a", "b", "LEFT") == [b"b", [b"1"]]
    assert r.execute_command("LMPOP", "2", "a", "b", "RIGHT", "COUNT", "3") == [b"b", [b"5", b"4", b"3"]]
    assert r.execute_command("LMPOP", "1", "b", "left", "count", "10") == [b"b", [b"2"]]
    assert r.exists("b") == 0
    assert r.execute_command("LMPOP", "2", "a", "b", "LEFT") is None
    assert rerr(r, "LMPOP", "0", "a", "LEFT") == "numkeys should be greater than 0"
    assert rerr(r, "LMPOP", "x", "a", "LEFT") == "numkeys should be greater than 0"
    assert rerr(r, "LMPOP", "-1", "a", "LEFT") == "numkeys should be greater than 0"
    assert rerr(r, "LMPOP", "3", "a", "LEFT") == "syntax error"
    assert rerr(r, "LMPOP", "1", "a", "UP") == "syntax error"
    assert rerr(r, "LMPOP", "1", "a", "LEFT", "COUNT", "0") == "count should be greater than 0"
    assert rerr(r, "LMPOP", "1", "a", "LEFT", "COUNT", "x") == "count should be greater than 0"
    assert rerr(r, "LMPOP", "1", "a", "LEFT", "COUNT", "1", "COUNT", "1") == "syntax error"
    assert rerr(r, "LMPOP", "1", "a", "LEFT", "COUNT") == "syntax error"


def test_getkeys(raw):
    c = raw()
    assert c.cmd("COMMAND", "GETKEYS", "LMPOP", "2", "a", "b", "LEFT") == [b"a", b"b"]
    assert c.cmd("COMMAND", "GETKEYS", "BLMPOP", "0", "2", "a", "b", "LEFT") == [b"a", b"b"]
    assert c.cmd("COMMAND", "GETKEYS", "BLPOP", "a", "b", "0") == [b"a", b"b"]
    assert c.cmd("COMMAND", "GETKEYS", "LMOVE", "a", "b", "LEFT", "RIGHT") == [b"a", b"b"]
    invalid = srvutil.Err("ERR Invalid arguments specified for command")
    assert c.cmd("COMMAND", "GETKEYS", "LMPOP", "0", "a", "LEFT") == invalid
    assert c.cmd("COMMAND", "GETKEYS", "LMPOP", "5", "a", "LEFT") == invalid
    assert c.cmd("COMMAND", "GETKEYS", "BLMPOP", "0", "x", "a", "LEFT") == invalid


# ---- blocking commands on their non-blocking paths ----

def test_blocking_forms_serve_at_once(r):
    r.rpush("b", "1", "2", "3")
    assert r.blpop(["a", "b"], 1) == (b"b", b"1")
    assert r.brpop(["a", "b"], 1) == (b"b", b"3")
    assert r.blmove("b", "d", 1, "LEFT", "LEFT") == b"2"
    assert r.exists("b") == 0
    assert r.brpoplpush("d", "b", 1) == b"2"
    r.rpush("b", "x", "y")
    assert r.execute_command("BLMPOP", "1", "2", "a", "b", "RIGHT", "COUNT", "5") == [b"b", [b"y", b"x", b"2"]]


def test_blocking_syntax_errors(r):
    assert rerr(r, "BLMOVE", "a", "b", "UP", "LEFT", "0") == "syntax error"
    assert rerr(r, "BLMOVE", "a", "b", "LEFT", "UP", "x") == "syntax error"
    assert rerr(r, "BLMPOP", "0", "0", "a", "LEFT") == "numkeys should be greater than 0"
    assert rerr(r, "BLMPOP", "0", "2", "a", "LEFT") == "syntax error"
    assert rerr(r, "BLMPOP", "0", "1", "a", "LEFT", "COUNT", "0") == "count should be greater than 0"


def test_blocking_timeout_errors(r, blocking):
    assert rerr(r, "BLPOP", "a", "x") == "timeout is not a float or out of range"
    assert rerr(r, "BLPOP", "a", "-1") == "timeout is negative"
    assert rerr(r, "BLMPOP", "x", "1", "a", "LEFT") == "timeout is not a float or out of range"
    assert rerr(r, "BRPOPLPUSH", "a", "b", "-1") == "timeout is negative"
    assert rerr(r, "BLMOVE", "a", "b", "LEFT", "LEFT", "-1") == "timeout is negative"


def test_blocking_in_multi_answers_nil(r):
    p = r.pipeline(transaction=True)
    p.blpop(["nokey"], 0)
    p.brpoplpush("nokey", "d", 0)
    p.execute_command("BLMPOP", "0", "1", "nokey", "LEFT")
    assert p.execute() == [None, None, None]


# ---- WRONGTYPE ----

@pytest.mark.parametrize("cmd", [
    ("LPUSH", "s", "a"), ("RPUSH", "s", "a"), ("LPUSHX", "s", "a"), ("RPUSHX", "s", "a"),
    ("LPOP", "s"), ("RPOP", "s", "2"), ("LLEN", "s"), ("LRANGE", "s", "0", "-1"), ("LINDEX", "s", "0"),
    ("LSET", "s", "0", "a"), ("LINSERT", "s", "BEFORE", "a", "b"), ("LREM", "s", "0", "a"),
    ("LTRIM", "s", "0", "1"), ("LPOS", "s", "a"), ("LMOVE", "s", "d", "LEFT", "LEFT"),
    ("RPOPLPUSH", "s", "d"), ("LMPOP", "2", "nokey", "s", "LEFT"), ("BLPOP", "nokey", "s", "0"),
    ("BRPOP", "s", "0"), ("BLMOVE", "s", "d", "LEFT", "LEFT", "0"), ("BRPOPLPUSH", "s", "d", "0"),
    ("BLMPOP", "0", "1", "s", "LEFT"),
])
def test_wrongtype(r, cmd):
    r.set("s", "string")
    assert rerr(r, *cmd) == WRONGTYPE
    assert r.get("s") == b"string"


# ---- a model of many random operations across node boundaries ----

def test_random_ops_against_model(r):
    rnd = random.Random(8)
    model = []
    r.config_set("list-max-listpack-size", "4")
    try:
        for _ in range(3000):
            op = rnd.randrange(9)
            v = rnd.choice(["a", "b", "c", str(rnd.randrange(-300, 300)), "x" * rnd.randrange(1, 200)])
            if op <= 2 or not model:
                if rnd.random() < 0.5:
                    r.lpush("k", v)
                    model.insert(0, v)
                else:
                    r.rpush("k", v)
                    model.append(v)
            elif op == 3:
                i = rnd.randrange(len(model))
                assert r.lindex("k", i) == model[i].encode()
                r.lset("k", i, v)
                model[i] = v
            elif op == 4:
                pivot = rnd.choice(model)
                where = rnd.choice(["BEFORE", "AFTER"])
                got = r.linsert("k", where, pivot, v)
                i = model.index(pivot) + (1 if where == "AFTER" else 0)
                model.insert(i, v)
                assert got == len(model)
            elif op == 5:
                cnt = rnd.randrange(-2, 3)
                target = rnd.choice(model)
                removed = r.lrem("k", cnt, target)
                idx = [i for i, x in enumerate(model) if x == target]
                if cnt < 0:
                    idx = idx[::-1][:-cnt]
                elif cnt > 0:
                    idx = idx[:cnt]
                for i in sorted(idx, reverse=True):
                    del model[i]
                assert removed == len(idx)
            elif op == 6:
                n = rnd.randrange(1, 4)
                got = r.lpop("k", n)
                assert got == [x.encode() for x in model[:n]]
                del model[:n]
            elif op == 7:
                if len(model) > 30:
                    r.ltrim("k", 3, -3)  # -3 is kept
                    model = model[3:-2]
            else:
                assert r.rpop("k") == model.pop().encode()
            if rnd.random() < 0.05:
                assert r.lrange("k", 0, -1) == [x.encode() for x in model]
        assert r.lrange("k", 0, -1) == [x.encode() for x in model]
    finally:
        r.config_set("list-max-listpack-size", "-2")


# ---- DUMP / RESTORE, persistence, digests ----

def test_dump_restore_round_trip(r):
    vals = [str(i) for i in range(-50, 50)] + ["item:%05d" % i for i in range(3000)] + ["z" * 10000]
    r.rpush("l", *vals)
    payload = r.dump("l")
    r.restore("l2", 0, payload)
    assert r.lrange("l2", 0, -1) == [v.encode() for v in vals]
    assert r.object("encoding", "l2") == b"quicklist"


def test_dump_interop_with_redis(r, make_server):
    other = make_server(path=srvutil.redis_path(), name="list-interop-redis")
    o = other.client()
    vals = ["a", "", "12", "-7", "9223372036854775807", "x" * 300] + ["item:%05d" % i for i in range(2000)]
    o.rpush("l", *vals)
    r.restore("from_redis", 0, o.dump("l"))
    assert r.lrange("from_redis", 0, -1) == [v.encode() for v in vals]
    r.rpush("mine", *vals)
    o.restore("from_us", 0, r.dump("mine"))
    assert o.lrange("from_us", 0, -1) == [v.encode() for v in vals]
    o.close()


def test_digest_matches_redis(make_server):
    a = make_server("--enable-debug-command", "yes", name="list-digest-a")
    b = make_server("--enable-debug-command", "yes", path=srvutil.redis_path(), name="list-digest-b")
    ca, cb = a.client(), b.client()
    lists = {
        "l1": ["a", "b", "c"],
        "l2": ["1", "-2", "300", "9223372036854775807", "007", ""],
        "l3": ["item:%05d" % i for i in range(2000)],
    }
    for k, v in lists.items():
        ca.rpush(k, *v)
        cb.rpush(k, *v)
    for k in lists:
        assert ca.execute_command("DEBUG", "DIGEST-VALUE", k) == cb.execute_command("DEBUG", "DIGEST-VALUE", k)
    assert ca.execute_command("DEBUG", "DIGEST") == cb.execute_command("DEBUG", "DIGEST")
    ca.close()
    cb.close()


def test_big_list_survives_restart(make_server):
    s = make_server("--enable-debug-command", "yes")
    c = s.client()
    c.rpush("big", *["e%d" % i if i % 3 else str(i) for i in range(10000)])
    c.rpush("small", "x")
    before = c.execute_command("DEBUG", "DIGEST-VALUE", "big", "small")
    assert c.save()
    c.close()
    s.stop()
    s.start()
    c = s.client()
    assert c.llen("big") == 10000
    assert c.execute_command("DEBUG", "DIGEST-VALUE", "big", "small") == before
    c.close()


# ---- blocking ----

def _blocking_works(server):
    """False while shoal's block framework is a placeholder (nil at once)."""
    if srvutil.IS_REDIS:
        return True
    c = server.client()
    t0 = time.monotonic()
    c.blpop(["__probe__"], 0.3)
    c.close()
    return time.monotonic() - t0 >= 0.2


@pytest.fixture
def blocking(server):
    if not _blocking_works(server):
        pytest.skip("node/block.c (the blocking framework) has not landed: blocking commands answer nil at once")


def _wait_blocked(r, n):
    srvutil.wait_until(lambda: int(r.info("clients")["blocked_clients"]) >= n, 5, what="%d blocked clients" % n)


def test_blpop_woken_by_push(server, r, blocking):
    out = {}
    c = server.client()

    def waiter():
        out["v"] = c.blpop(["q1", "q2"], 5)

    t = threading.Thread(target=waiter)
    t.start()
    _wait_blocked(r, 1)
    r.rpush("q2", "hello", "world")
    t.join(10)
    assert out["v"] == (b"q2", b"hello")
    assert r.lrange("q2", 0, -1) == [b"world"]
    c.close()


def test_blpop_timeout(server, r, blocking):
    c = server.client()
    t0 = time.monotonic()
    assert c.blpop(["nothing"], 0.2) is None
    assert time.monotonic() - t0 >= 0.15
    t0 = time.monotonic()
    assert c.blmove("nothing", "d", 0.2, "LEFT", "LEFT") is None
    assert time.monotonic() - t0 >= 0.15
    c.close()


def test_blocked_clients_served_in_order(server, r, blocking):
    clients = [server.client() for _ in range(3)]
    results = [None] * 3
    threads = []
    for i, c in enumerate(clients):
        def run(i=i, c=c):
            results[i] = c.brpop(["fifo"], 5)
        t = threading.Thread(target=run)
        t.start()
        threads.append(t)
        _wait_blocked(r, i + 1)
    r.rpush("fifo", "a", "b", "c")
    for t in threads:
        t.join(10)
    assert results == [(b"fifo", b"c"), (b"fifo", b"b"), (b"fifo", b"a")]
    for c in clients:
        c.close()


def test_blmove_and_blmpop_woken(server, r, blocking):
    out = {}
    c1, c2 = server.client(), server.client()
    t1 = threading.Thread(target=lambda: out.setdefault("mv", c1.blmove("src", "dst", 5, "RIGHT", "LEFT")))
    t1.start()
    _wait_blocked(r, 1)
    r.rpush("src", "1", "2")
    t1.join(10)
    assert out["mv"] == b"2"
    assert r.lrange("dst", 0, -1) == [b"2"]
    t2 = threading.Thread(target=lambda: out.setdefault(
        "mp", c2.execute_command("BLMPOP", "5", "2", "x", "y", "LEFT", "COUNT", "2")))
    t2.start()
    _wait_blocked(r, 1)
    r.rpush("y", "a", "b", "c")
    t2.join(10)
    assert out["mp"] == [b"y", [b"a", b"b"]]
    c1.close()
    c2.close()


# ---- replication: what a master propagates rebuilds the same lists ----

def _list_workload(c, seed, ops):
    rnd = random.Random(seed)
    keys = ["{l}%d" % i for i in range(4)]
    for _ in range(ops):
        k, k2 = rnd.choice(keys), rnd.choice(keys)
        v = rnd.choice(["a", "b", str(rnd.randrange(-1000, 1000)), "v" * rnd.randrange(1, 100)])
        side, side2 = rnd.choice(["LEFT", "RIGHT"]), rnd.choice(["LEFT", "RIGHT"])
        cmd = rnd.choice([
            ("RPUSH", k, v, v + "2"), ("LPUSH", k, v), ("LPUSHX", k, v), ("RPUSHX", k, v),
            ("LPOP", k), ("RPOP", k, str(rnd.randrange(0, 4))), ("LINSERT", k, "BEFORE", "a", v),
            ("LSET", k, str(rnd.randrange(-3, 3)), v), ("LREM", k, str(rnd.randrange(-2, 3)), "a"),
            ("LTRIM", k, str(rnd.randrange(0, 3)), str(rnd.randrange(-3, 40))),
            ("LMOVE", k, k2, side, side2), ("RPOPLPUSH", k, k2),
            ("LMPOP", "2", k, k2, side, "COUNT", str(rnd.randrange(1, 4))),
            ("BLPOP", k, k2, "0.01"), ("BRPOP", k, "0.01"), ("BLMOVE", k, k2, side, side2, "0.01"),
            ("BRPOPLPUSH", k, k2, "0.01"), ("BLMPOP", "0.01", "1", k, side, "COUNT", "2"),
        ])
        if cmd[0].startswith("B") and rnd.random() < 0.5:
            c.rpush(k, "fill")  # so the blocking form has something to serve
        try:
            c.execute_command(*cmd)
        except redis.ResponseError as e:
            assert "index out of range" in str(e) or "no such key" in str(e), (cmd, e)


def test_replicas_get_the_same_lists(make_server):
    master = make_server("--enable-debug-command", "yes", name="list-repl-master")
    same = make_server("--enable-debug-command", "yes", name="list-repl-same")
    ref = make_server("--enable-debug-command", "yes", path=srvutil.redis_path(), name="list-repl-redis")
    srvutil.replicaof(same, master)
    srvutil.replicaof(ref, master)
    srvutil.wait_caught_up(master, same)
    srvutil.wait_caught_up(master, ref)
    c = master.client()
    _list_workload(c, 11, 1500)
    srvutil.wait_caught_up(master, same)
    srvutil.wait_caught_up(master, ref)
    want = c.execute_command("DEBUG", "DIGEST")
    for s in (same, ref):
        rc = s.client()
        assert rc.execute_command("DEBUG", "DIGEST") == want, s.name
        rc.close()
    c.close()


# ---- keyspace notifications ----

def _events(server, r, do):
    """The keyevent notifications that do(r) sends, in order."""
    r.config_set("notify-keyspace-events", "Elg")
    p = server.client().pubsub()
    p.psubscribe("__keyevent@0__:*")
    assert p.get_message(timeout=2)["type"] == "psubscribe"
    do(r)
    r.execute_command("RPUSH", "__end__", "x")
    got = []
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        m = p.get_message(timeout=0.2)
        if m is None:
            continue
        ev, key = m["channel"].decode().split(":", 1)[1], m["data"].decode()
        if key == "__end__":
            break
        got.append((ev, key))
    p.close()
    r.config_set("notify-keyspace-events", "")
    return got


def test_keyspace_events(server, r):
    if not srvutil.IS_REDIS and not _events_work(server, r):
        pytest.skip("node/notify.c has not landed: no keyspace events are sent")

    def do(c):
        c.rpush("a", "1", "2")
        c.lpush("a", "0")
        c.linsert("a", "AFTER", "1", "x")
        c.lset("a", 0, "y")
        c.lrem("a", 0, "x")
        c.ltrim("a", 0, 1)
        c.lmove("a", "b", "LEFT", "RIGHT")
        c.rpop("a")
        c.execute_command("LMPOP", "1", "b", "LEFT")
    assert _events(server, r, do) == [
        ("rpush", "a"), ("lpush", "a"), ("linsert", "a"), ("lset", "a"), ("lrem", "a"), ("ltrim", "a"),
        ("rpush", "b"), ("lpop", "a"), ("rpop", "a"), ("del", "a"), ("lpop", "b"), ("del", "b")]


def _events_work(server, r):
    return _events(server, r, lambda c: c.rpush("probe", "x")) == [("rpush", "probe")]


# ---- cluster mode: multi-key forms stay in one slot ----

def test_cluster_crossslot_and_hash_tags(full_cluster_server):
    c = full_cluster_server.client()
    c.flushall()
    cross = "CROSSSLOT Keys in request don't hash to the same slot"
    for cmd in [("LMOVE", "a", "b", "LEFT", "LEFT"), ("RPOPLPUSH", "a", "b"), ("LMPOP", "2", "a", "b", "LEFT"),
                ("BLPOP", "a", "b", "0.01"), ("BLMPOP", "0.01", "2", "a", "b", "LEFT"),
                ("BLMOVE", "a", "b", "LEFT", "LEFT", "0.01"), ("BRPOPLPUSH", "a", "b", "0.01")]:
        assert rerr(c, *cmd) == cross, cmd
    c.rpush("{t}a", "1", "2")
    assert c.execute_command("LMPOP", "2", "{t}b", "{t}a", "RIGHT") == [b"{t}a", [b"2"]]
    assert c.lmove("{t}a", "{t}b", "LEFT", "LEFT") == b"1"
    assert c.blpop(["{t}x", "{t}b"], 1) == (b"{t}b", b"1")
    c.close()


# ---- more blocking: wrong types, MULTI, propagation of served pops ----

def _bg(fn):
    out = {}

    def run():
        try:
            out["v"] = fn()
        except Exception as e:  # noqa: BLE001 - handed to the test
            out["e"] = e

    t = threading.Thread(target=run)
    t.start()
    return t, out


def test_blocked_client_ignores_a_key_of_another_type(server, r, blocking):
    c = server.client()
    t, out = _bg(lambda: c.blpop(["k"], 5))
    _wait_blocked(r, 1)
    r.zadd("k", {"m": 1})  # a zset at the key is no list to pop from: keep waiting
    time.sleep(0.1)
    assert t.is_alive()
    r.delete("k")
    r.rpush("k", "x")
    t.join(10)
    assert out == {"v": (b"k", b"x")}
    c.close()


def test_push_in_multi_wakes_after_exec(server, r, blocking):
    c = server.client()
    t, out = _bg(lambda: c.brpop(["m"], 5))
    _wait_blocked(r, 1)
    p = r.pipeline(transaction=True)
    p.rpush("m", "a", "b")
    p.lpop("m")
    p.execute()
    t.join(10)
    assert out == {"v": (b"m", b"b")}
    assert r.exists("m") == 0
    c.close()


def test_wake_order_across_keys(server, r, blocking):
    ca, cb = server.client(), server.client()
    ta, oa = _bg(lambda: ca.blpop(["k1"], 5))
    _wait_blocked(r, 1)
    tb, ob = _bg(lambda: cb.blpop(["k2", "k1"], 5))
    _wait_blocked(r, 2)
    r.rpush("k1", "first", "second")
    ta.join(10)
    tb.join(10)
    assert oa == {"v": (b"k1", b"first")}
    assert ob == {"v": (b"k1", b"second")}
    ca.close()
    cb.close()


def test_blmpop_timeout_and_count(server, r, blocking):
    c = server.client()
    t0 = time.monotonic()
    assert c.execute_command("BLMPOP", "0.2", "2", "a", "b", "LEFT", "COUNT", "3") is None
    assert time.monotonic() - t0 >= 0.15
    t, out = _bg(lambda: c.execute_command("BLMPOP", "5", "2", "a", "b", "RIGHT", "COUNT", "3"))
    _wait_blocked(r, 1)
    r.rpush("b", "1", "2")
    t.join(10)
    assert out == {"v": [b"b", [b"2", b"1"]]}
    c.close()


def test_served_blocked_pops_replicate(make_server):
    master = make_server("--enable-debug-command", "yes", name="list-bpop-master")
    if not _blocking_works(master):
        pytest.skip("node/block.c (the blocking framework) has not landed")
    ref = make_server("--enable-debug-command", "yes", path=srvutil.redis_path(), name="list-bpop-redis")
    srvutil.replicaof(ref, master)
    srvutil.wait_caught_up(master, ref)
    r = master.client()
    waiters = [
        ("BLPOP", "{q}a", "{q}b", "5"), ("BRPOP", "{q}a", "5"), ("BLMOVE", "{q}a", "{q}d", "RIGHT", "LEFT", "5"),
        ("BRPOPLPUSH", "{q}a", "{q}d", "5"), ("BLMPOP", "5", "2", "{q}x", "{q}a", "LEFT", "COUNT", "2"),
    ]
    clients = [master.client() for _ in waiters]
    threads = []
    for i, (c, w) in enumerate(zip(clients, waiters)):
        threads.append(_bg(lambda c=c, w=w: c.execute_command(*w)))
        _wait_blocked(r, i + 1)
    r.rpush("{q}a", *["e%d" % i for i in range(8)])
    for t, out in threads:
        t.join(10)
        assert "e" not in out, out
    srvutil.wait_caught_up(master, ref)
    want = r.execute_command("DEBUG", "DIGEST")
    rc = ref.client()
    assert rc.execute_command("DEBUG", "DIGEST") == want
    assert rc.lrange("{q}a", 0, -1) == r.lrange("{q}a", 0, -1)
    assert rc.lrange("{q}d", 0, -1) == r.lrange("{q}d", 0, -1)
    rc.close()
    r.close()
    for c in clients:
        c.close()


def test_copy_is_independent(r):
    r.rpush("l", *["e%d" % i for i in range(2000)])
    assert r.copy("l", "l2") is True
    r.lset("l2", 0, "changed")
    r.rpop("l2", 100)
    assert r.lindex("l", 0) == b"e0"
    assert r.llen("l") == 2000
    assert r.llen("l2") == 1900
    assert r.rename("l2", "l3") is True
    assert r.lindex("l3", 0) == b"changed"


def test_blocked_client_unblocked_when_turned_replica(make_server):
    s = make_server(name="list-unblock-node")
    if not _blocking_works(s):
        pytest.skip("node/block.c (the blocking framework) has not landed")
    master = make_server(name="list-unblock-master")
    admin, c = s.client(), s.client()
    t, out = _bg(lambda: c.blpop(["k"], 10))
    _wait_blocked(admin, 1)
    srvutil.replicaof(s, master)
    t.join(10)
    assert "e" in out
    assert str(out["e"]) == "UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)"
    admin.close()
    c.close()
