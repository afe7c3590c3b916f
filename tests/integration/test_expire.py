"""Expiry: EXPIRE PEXPIRE EXPIREAT PEXPIREAT (NX XX GT LT), TTL PTTL
EXPIRETIME PEXPIRETIME PERSIST, lazy and active expiry."""

import time

import pytest
import redis

from srvutil import wait_until


def err(excinfo):
    return str(excinfo.value)


def test_ttl_pttl_missing_and_persistent(r):
    assert r.ttl("missing") == -2
    assert r.pttl("missing") == -2
    r.set("k", "v")
    assert r.ttl("k") == -1
    assert r.pttl("k") == -1
    assert r.execute_command("EXPIRETIME", "k") == -1
    assert r.execute_command("PEXPIRETIME", "k") == -1
    assert r.execute_command("EXPIRETIME", "missing") == -2
    assert r.execute_command("PEXPIRETIME", "missing") == -2


def test_expire_pexpire(r):
    r.set("k", "v")
    assert r.expire("k", 100) is True
    assert 99 <= r.ttl("k") <= 100
    assert r.pexpire("k", 50000) is True
    assert 49000 <= r.pttl("k") <= 50000
    assert r.expire("missing", 100) is False
    assert r.pexpire("missing", 100) is False


def test_expireat_pexpireat_and_expiretime(r):
    r.set("k", "v")
    at = int(time.time()) + 1000
    assert r.expireat("k", at) is True
    assert r.execute_command("EXPIRETIME", "k") == at
    assert r.execute_command("PEXPIRETIME", "k") == at * 1000
    assert 998 <= r.ttl("k") <= 1000
    assert r.pexpireat("k", at * 1000 + 777) is True
    assert r.execute_command("PEXPIRETIME", "k") == at * 1000 + 777
    assert r.execute_command("EXPIRETIME", "k") == at + 1  # rounded to the nearest second
    assert r.expireat("missing", at) is False


def test_expire_in_the_past_deletes(r):
    r.set("a", "v")
    assert r.expire("a", -1) is True
    assert r.exists("a") == 0
    r.set("b", "v")
    assert r.pexpireat("b", 1000) is True
    assert r.exists("b") == 0
    r.set("c", "v")
    assert r.execute_command("EXPIRE", "c", 0) == 1
    assert r.get("c") is None


def test_expire_nx_xx(r):
    r.set("k", "v")
    assert r.expire("k", 100, xx=True) is False
    assert r.ttl("k") == -1
    assert r.expire("k", 100, nx=True) is True
    assert r.expire("k", 200, nx=True) is False
    assert 99 <= r.ttl("k") <= 100
    assert r.expire("k", 200, xx=True) is True
    assert 199 <= r.ttl("k") <= 200


def test_expire_gt_lt(r):
    r.set("k", "v")
    # no TTL counts as infinite: GT never applies, LT always does
    assert r.expire("k", 100, gt=True) is False
    assert r.ttl("k") == -1
    assert r.expire("k", 100, lt=True) is True
    assert r.expire("k", 50, gt=True) is False
    assert r.expire("k", 200, gt=True) is True
    assert 199 <= r.ttl("k") <= 200
    assert r.expire("k", 300, lt=True) is False
    assert r.expire("k", 150, lt=True) is True
    assert 149 <= r.ttl("k") <= 150
    assert r.pexpire("k", 200000, gt=True) is True
    assert r.pexpire("k", 100000, lt=True) is True
    now = int(time.time())
    assert r.expireat("k", now + 50, lt=True) is True
    assert r.expireat("k", now + 40, gt=True) is False
    assert r.pexpireat("k", (now + 60) * 1000, gt=True) is True
    assert r.pexpireat("k", (now + 60) * 1000, nx=True) is False


def test_expire_option_errors(r):
    r.set("k", "v")
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("EXPIRE", "k", 10, "NX", "XX")
    assert err(e) == "NX and XX, GT or LT options at the same time are not compatible"
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("EXPIRE", "k", 10, "NX", "GT")
    assert err(e) == "NX and XX, GT or LT options at the same time are not compatible"
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("EXPIRE", "k", 10, "GT", "LT")
    assert err(e) == "GT and LT options at the same time are not compatible"
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("EXPIRE", "k", 10, "BOGUS")
    assert err(e) == "Unsupported option BOGUS"
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("EXPIRE", "k", "abc")
    assert err(e) == "value is not an integer or out of range"
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("EXPIRE", "k", "9223372036854775807")
    assert err(e) == "invalid expire time in 'expire' command"
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("PEXPIRE", "k", "9223372036854775000")
    assert err(e) == "invalid expire time in 'pexpire' command"
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("EXPIREAT", "k", "9223372036854775807")
    assert err(e) == "invalid expire time in 'expireat' command"
    assert r.ttl("k") == -1


def test_persist(r):
    r.set("k", "v", ex=100)
    assert r.persist("k") is True
    assert r.ttl("k") == -1
    assert r.persist("k") is False
    assert r.persist("missing") is False


def sleep_past(deadline_monotonic):
    # Waiting for a TTL to run out is the point of these tests, so this waits
    # for wall time to pass, not for the server.
    while time.monotonic() < deadline_monotonic:
        time.sleep(0.01)


def test_lazy_expiry_on_access(r):
    t_set = time.monotonic()
    r.set("k", "v", px=300)
    r.set("keep", "v")
    v = r.get("k")
    if time.monotonic() - t_set < 0.25:  # a slow machine may be past the TTL already
        assert v == b"v"
    sleep_past(t_set + 0.5)
    assert r.get("k") is None
    assert r.exists("k") == 0
    assert r.ttl("k") == -2
    assert r.get("keep") == b"v"


def test_lazy_expiry_of_every_read_path(r):
    names = ["g", "s", "e", "t", "x", "c"]
    for n in names:
        r.set(n, "v", px=100)
    t_set = time.monotonic()
    sleep_past(t_set + 0.25)
    assert r.strlen("s") == 0
    assert r.exists("e") == 0
    assert r.type("t") == b"none"
    assert r.getrange("x", 0, -1) == b""
    assert r.incr("c") == 1  # an expired counter starts again from 0
    assert r.set("g", "new", nx=True) is True


def test_active_expiry_without_access(r):
    r.mset({"live:%d" % i: "v" for i in range(10)})
    t0 = time.monotonic()
    p = r.pipeline(transaction=False)
    for i in range(200):
        p.set("tmp:%d" % i, "v", px=500)
    p.execute()
    n = r.dbsize()
    if time.monotonic() - t0 < 0.45:  # a slow machine may be past the TTL already
        assert n == 210
    before = r.info("stats")["expired_keys"]
    # Only DBSIZE (which touches no key) until the expired keys are gone.
    wait_until(lambda: r.dbsize() == 10, timeout_s=10, what="DBSIZE to drop to 10")
    assert r.info("stats")["expired_keys"] >= before + 200
    assert sorted(r.keys("*")) == sorted(b"live:%d" % i for i in range(10))
