"""MULTI / EXEC / DISCARD, checked byte for byte on a raw socket and
through redis-py's transaction pipeline."""

import pytest
import redis

OK = b"+OK\r\n"
QUEUED = b"+QUEUED\r\n"


def test_multi_exec_runs_in_order(raw):
    c = raw()
    c.send(b"MULTI\r\nSET a 1\r\nINCR a\r\nGET a\r\nEXEC\r\n")
    want = OK + QUEUED * 3 + b"*3\r\n+OK\r\n:2\r\n$1\r\n2\r\n"
    assert c.expect(want) == want


def test_empty_multi_exec(raw):
    c = raw()
    c.send(b"MULTI\r\nEXEC\r\n")
    assert c.expect(OK + b"*0\r\n") == OK + b"*0\r\n"


def test_discard(raw):
    c = raw()
    c.send(b"SET d 0\r\nMULTI\r\nSET d 1\r\nDISCARD\r\nGET d\r\n")
    want = OK + OK + QUEUED + OK + b"$1\r\n0\r\n"
    assert c.expect(want) == want


def test_exec_discard_without_multi(raw):
    c = raw()
    c.send(b"EXEC\r\nDISCARD\r\n")
    want = b"-ERR EXEC without MULTI\r\n-ERR DISCARD without MULTI\r\n"
    assert c.expect(want) == want


def test_nested_multi_does_not_abort(raw):
    c = raw()
    c.send(b"MULTI\r\nMULTI\r\nSET n 1\r\nEXEC\r\n")
    want = OK + b"-ERR MULTI calls can not be nested\r\n" + QUEUED + b"*1\r\n+OK\r\n"
    assert c.expect(want) == want


def test_execabort_after_unknown_command(raw):
    c = raw()
    c.send(b"MULTI\r\nSET x 1\r\nFOO bar\r\nSET y 2\r\nEXEC\r\nEXISTS x y\r\n")
    want = (OK + QUEUED
            + b"-ERR unknown command 'FOO', with args beginning with: 'bar' \r\n"
            + QUEUED
            + b"-EXECABORT Transaction discarded because of previous errors.\r\n"
            + b":0\r\n")
    assert c.expect(want) == want


def test_execabort_after_wrong_arity(raw):
    c = raw()
    c.send(b"MULTI\r\nSET x 1\r\nGET\r\nEXEC\r\nEXISTS x\r\n")
    want = (OK + QUEUED
            + b"-ERR wrong number of arguments for 'get' command\r\n"
            + b"-EXECABORT Transaction discarded because of previous errors.\r\n"
            + b":0\r\n")
    assert c.expect(want) == want


def test_execabort_leaves_multi_state(raw):
    c = raw()
    c.send(b"MULTI\r\nNOPE\r\nEXEC\r\nEXEC\r\n")
    want = (OK + b"-ERR unknown command 'NOPE', with args beginning with: \r\n"
            + b"-EXECABORT Transaction discarded because of previous errors.\r\n"
            + b"-ERR EXEC without MULTI\r\n")
    assert c.expect(want) == want


def test_runtime_error_does_not_roll_back(raw):
    c = raw()
    c.send(b"MULTI\r\nSET a foo\r\nINCR a\r\nSET b 2\r\nEXEC\r\nMGET a b\r\n")
    want = (OK + QUEUED * 3
            + b"*3\r\n+OK\r\n-ERR value is not an integer or out of range\r\n+OK\r\n"
            + b"*2\r\n$3\r\nfoo\r\n$1\r\n2\r\n")
    assert c.expect(want) == want


def test_multi_through_redis_py(r):
    p = r.pipeline(transaction=True)
    p.set("a", 1).incr("a").get("a")
    assert p.execute() == [True, 2, b"2"]
    p = r.pipeline(transaction=True)
    p.set("s", "x").incr("s").set("t", "y")
    with pytest.raises(redis.ResponseError) as e:
        p.execute()
    assert "value is not an integer or out of range" in str(e.value)
    assert r.get("t") == b"y"  # executed despite the earlier failure
    p = r.pipeline(transaction=True)
    p.set("s", "x")
    res = p.execute(raise_on_error=False)
    assert res == [True]


def test_multi_queued_commands_see_each_other(r):
    p = r.pipeline(transaction=True)
    p.set("k", "v", ex=100).ttl("k").getdel("k").exists("k")
    res = p.execute()
    assert res[0] is True
    assert 99 <= res[1] <= 100
    assert res[2:] == [b"v", 0]


def test_rejected_exec_inside_multi_aborts(raw):
    c = raw()
    c.send(b"MULTI\r\nSET q 1\r\nEXEC extra\r\nEXEC\r\nEXISTS q\r\n")
    want = (OK + QUEUED
            + b"-EXECABORT Transaction discarded because of: wrong number of arguments for "
              b"'exec' command\r\n"
            + b"-ERR EXEC without MULTI\r\n"
            + b":0\r\n")
    assert c.expect(want) == want
