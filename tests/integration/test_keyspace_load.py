"""The keyspace under volume: SCAN guarantees while the table grows and
shrinks between calls, 100k keys in and out, active expiry of many keys,
binary key names."""

import random
import time

from srvutil import wait_until


def fill(r, keys, value=b"v", px=None, batch=5000):
    keys = list(keys)
    for i in range(0, len(keys), batch):
        p = r.pipeline(transaction=False)
        for k in keys[i:i + batch]:
            if px is None:
                p.set(k, value)
            else:
                p.set(k, value, px=px)
        p.execute()


def delete(r, keys, batch=5000):
    keys = list(keys)
    for i in range(0, len(keys), batch):
        r.delete(*keys[i:i + batch])


def test_scan_sees_every_stable_key_while_table_grows(r):
    stable = [b"stable:%d" % i for i in range(2000)]
    fill(r, stable)
    seen = set()
    cursor = 0
    added = 0
    for step in range(100000):
        cursor, keys = r.scan(cursor, count=50)
        seen.update(keys)
        if cursor == 0:
            break
        if step % 2 == 0 and added < 30000:
            fill(r, (b"grow:%d" % (added + i) for i in range(3000)))
            added += 3000
    assert added > 0, "the scan ended before the table could grow"
    missing = set(stable) - seen
    assert not missing, "%d stable keys never returned, e.g. %r" % (len(missing), sorted(missing)[:5])


def test_scan_sees_every_stable_key_while_table_shrinks(r):
    stable = [b"stable:%d" % i for i in range(500)]
    doomed = [b"doomed:%d" % i for i in range(20000)]
    fill(r, stable)
    fill(r, doomed)
    seen = set()
    cursor = 0
    deleted = 0
    for step in range(100000):
        cursor, keys = r.scan(cursor, count=100)
        seen.update(keys)
        if cursor == 0:
            break
        if deleted < len(doomed):
            delete(r, doomed[deleted:deleted + 4000])
            deleted += 4000
    missing = set(stable) - seen
    assert not missing, "%d stable keys never returned, e.g. %r" % (len(missing), sorted(missing)[:5])
    assert r.dbsize() == 500 + len(doomed) - min(deleted, len(doomed))


def test_100k_keys_in_and_out(r):
    n = 100000
    keys = [b"k:%06d" % i for i in range(n)]
    fill(r, keys, value=b"x" * 16)
    assert r.dbsize() == n
    rnd = random.Random(99)
    sample = rnd.sample(keys, 500)
    assert r.mget(sample) == [b"x" * 16] * 500
    delete(r, keys[::2])
    assert r.dbsize() == n // 2
    assert r.exists(*keys[:1000]) == 500
    assert r.get(keys[1]) == b"x" * 16 and r.get(keys[0]) is None
    delete(r, keys[1::2])
    assert r.dbsize() == 0
    assert r.randomkey() is None


def test_active_expiry_of_many_keys(r):
    fill(r, (b"live:%d" % i for i in range(5000)))
    t0 = time.monotonic()
    fill(r, (b"tmp:%d" % i for i in range(20000)), px=1500)
    n = r.dbsize()
    if time.monotonic() - t0 < 1.4:  # on a loaded machine some may be gone already
        assert n == 25000
    wait_until(lambda: r.dbsize() == 5000, timeout_s=30, interval_s=0.05,
               what="20000 volatile keys to be expired actively")
    info = r.info("keyspace")
    assert info["db0"]["keys"] == 5000
    assert info["db0"]["expires"] == 0


def test_binary_key_names(r):
    keys = [b"", b"\x00", b"a\x00b", b"\r\n", b"\xff\xfe", b" space ", b"*?[", b"\x00" * 300]
    for i, k in enumerate(keys):
        assert r.set(k, b"%d" % i) is True
    for i, k in enumerate(keys):
        assert r.get(k) == b"%d" % i
    assert sorted(r.keys("*")) == sorted(keys)
    seen = set()
    cursor = 0
    while True:
        cursor, ks = r.scan(cursor)
        seen.update(ks)
        if cursor == 0:
            break
    assert seen == set(keys)
    assert r.keys("a?b") == [b"a\x00b"]
    assert r.rename(b"a\x00b", b"c\x00d") is True
    assert r.get(b"c\x00d") == b"2"
