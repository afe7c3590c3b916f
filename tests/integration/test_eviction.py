"""maxmemory and eviction (issue 8): the eight policies, the OOM error, evictions
reaching replicas as DEL, INFO fields, OBJECT IDLETIME/FREQ/REFCOUNT.

Every test is validated against redis-server 7.0.15 (SHOAL_SERVER=/usr/bin/redis-server).

Redis's LRU clock has a resolution of one second: keys touched within the same
second look equally idle. The hot-set test therefore writes in rounds that each
fall in their own second (rounds smaller than the dataset), reading the hot set
throughout, as a cache with a steady load would.
"""

import time

import pytest
import redis

import srvutil

OOM = "OOM command not allowed when used memory > 'maxmemory'."
LFU_SELECTED = ("An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching "
                "between policies at runtime LRU and LFU data will take some time to adjust.")
LFU_NOT_SELECTED = ("An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when "
                    "switching between policies at runtime LRU and LFU data will take some time to adjust.")
MB = 1024 * 1024


def info(c, section):
    return c.info(section)


def used(c):
    return int(info(c, "memory")["used_memory"])


def evicted(c):
    return int(info(c, "stats")["evicted_keys"])


def fill(c, prefix, count, size, batch=200, ex=None, start=0):
    """SET prefix:i to size bytes for i in [start, start+count), pipelined."""
    val = b"v" * size
    for b in range(start, start + count, batch):
        p = c.pipeline(transaction=False)
        for i in range(b, min(b + batch, start + count)):
            p.set("%s:%d" % (prefix, i), val, ex=ex)
        p.execute()


def count_present(c, keys):
    p = c.pipeline(transaction=False)
    for k in keys:
        p.exists(k)
    return sum(p.execute())


def next_second_reading(c, hot):
    """Reads the hot set until the wall clock enters a new second, then a
    little more (Redis's LRU clock follows in its 100 ms cron), then once more."""
    sec = int(time.time())
    deadline = time.monotonic() + 3
    while int(time.time()) == sec and time.monotonic() < deadline:
        read_all(c, hot)
    settle = time.monotonic() + 0.15
    while time.monotonic() < settle:
        read_all(c, hot)
    read_all(c, hot)


def read_all(c, keys):
    p = c.pipeline(transaction=False)
    for k in keys:
        p.get(k)
    p.execute()


# ---- allkeys-lru: the cache case ----

def test_allkeys_lru_keeps_memory_and_hot_set(make_server):
    s = make_server("--maxmemory", "50mb", "--maxmemory-policy", "allkeys-lru")
    c = s.client()
    hot = ["hot:%d" % i for i in range(1000)]
    fill(c, "hot", 1000, 1000)
    next_second_reading(c, hot)
    size, per_round, batch = 10000, 2000, 200  # 20 MB rounds, 200 MB in all
    peak = 0
    for rnd in range(10):
        for b in range(0, per_round, batch):
            fill(c, "cold", batch, size, batch=batch, start=rnd * per_round + b)
            read_all(c, hot)
        peak = max(peak, used(c))
        if rnd != 9:
            next_second_reading(c, hot)
    info_mem = info(c, "memory")
    assert int(info_mem["maxmemory"]) == 50 * MB
    assert info_mem["maxmemory_human"] == "50.00M"
    assert info_mem["maxmemory_policy"] == "allkeys-lru"
    # Redis overshoots by at most what one command and the query buffers hold.
    assert peak <= 50 * MB + 3 * MB, peak
    srvutil.wait_until(lambda: used(c) <= 50 * MB + 1 * MB, 5, what="used_memory under maxmemory")
    survived = count_present(c, hot)
    assert survived >= 950, survived
    cold_left = c.dbsize() - survived
    assert cold_left < 20000 * 0.3, cold_left
    assert evicted(c) >= 20000 - cold_left - 1000 + survived - 10
    assert evicted(c) > 14000


def test_evictions_reach_replica_as_del(make_server):
    m = make_server("--maxmemory", "8mb", "--maxmemory-policy", "allkeys-random")
    r = make_server()
    srvutil.replicaof(r, m)
    srvutil.wait_caught_up(m, r, srvutil.REPL_SYNC_TIMEOUT_S)
    mc, rc = m.client(), r.client()
    fill(mc, "k", 3000, 10000)
    assert evicted(mc) > 1000
    srvutil.wait_caught_up(m, r)
    assert rc.dbsize() == mc.dbsize()
    assert set(rc.scan_iter(count=1000)) == set(mc.scan_iter(count=1000))
    assert evicted(rc) == 0  # a replica never evicts by itself


def test_config_set_maxmemory_inside_multi_keeps_replica_equal(make_server):
    """Eviction waits for the transaction to end: a DEL sent from inside EXEC
    would reach the replica before the write it undoes."""
    m = make_server("--maxmemory-policy", "allkeys-random")
    r = make_server()
    srvutil.replicaof(r, m)
    srvutil.wait_caught_up(m, r, srvutil.REPL_SYNC_TIMEOUT_S)
    mc, rc = m.client(), r.client()
    fill(mc, "k", 50, 100)
    p = mc.pipeline(transaction=True)
    p.set("a", "1")
    p.config_set("maxmemory", "1")
    p.config_set("maxmemory", "0")
    p.execute()
    srvutil.wait_caught_up(m, r)
    assert set(rc.scan_iter(count=1000)) == set(mc.scan_iter(count=1000))
    assert mc.get("a") == b"1"


def test_config_set_maxmemory_lower_evicts(make_server):
    s = make_server("--maxmemory-policy", "allkeys-lru")
    c = s.client()
    fill(c, "k", 2000, 10000)
    before = c.dbsize()
    assert c.config_set("maxmemory", str(8 * MB))
    srvutil.wait_until(lambda: used(c) <= 8 * MB + MB // 2, 5, what="eviction after CONFIG SET maxmemory")
    assert c.dbsize() < before
    assert evicted(c) > 0
    assert c.config_resetstat()
    assert evicted(c) == 0


# ---- noeviction ----

def test_noeviction_refuses_writes_reads_work(make_server):
    s = make_server("--maxmemory-policy", "noeviction")
    c = s.client()
    fill(c, "k", 500, 10000)
    assert c.config_set("maxmemory", str(2 * MB))
    with pytest.raises(redis.exceptions.ResponseError) as ei:
        c.set("new", "v")
    assert str(ei.value) == OOM
    with pytest.raises(redis.exceptions.ResponseError) as ei:
        c.append("k:1", "more")
    assert str(ei.value) == OOM
    assert c.get("k:1") == b"v" * 10000
    assert c.dbsize() == 500
    assert c.exists("k:2") == 1
    # Inside MULTI everything queued is refused (Redis), and EXEC then aborts.
    p = c.pipeline(transaction=True)
    p.get("k:1")
    with pytest.raises(redis.exceptions.ResponseError) as ei:
        p.execute()
    assert OOM in str(ei.value)
    assert evicted(c) == 0
    # DEL is not a DENYOOM command: it works, and frees memory.
    keys = ["k:%d" % i for i in range(500)]
    for i in range(0, 500, 100):
        assert c.delete(*keys[i:i + 100]) == 100
    assert c.set("new", "v")
    assert c.get("new") == b"v"


# ---- volatile-* and allkeys-random ----

@pytest.mark.parametrize("policy", ["volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"])
def test_volatile_policies_evict_only_ttl_keys(make_server, policy):
    s = make_server("--maxmemory-policy", policy)
    c = s.client()
    fill(c, "keep", 300, 10000)
    c.config_set("maxmemory", str(used(c) + 3 * MB))
    fill(c, "ttl", 1000, 10000, ex=100000)
    assert count_present(c, ["keep:%d" % i for i in range(300)]) == 300
    assert evicted(c) > 500
    # Nothing volatile left to evict while over the limit: writes are refused.
    c.config_set("maxmemory", str(1 * MB))
    srvutil.wait_until(lambda: c.dbsize() == 300, 5, what="volatile keys evicted")
    with pytest.raises(redis.exceptions.ResponseError) as ei:
        c.set("x", "v" * 1000)
    assert str(ei.value) == OOM
    assert count_present(c, ["keep:%d" % i for i in range(300)]) == 300


@pytest.mark.parametrize("policy", ["allkeys-random", "allkeys-lfu"])
def test_allkeys_policies_evict_any_key(make_server, policy):
    s = make_server("--maxmemory-policy", policy)
    c = s.client()
    fill(c, "keep", 300, 10000)
    c.config_set("maxmemory", str(used(c) + 3 * MB))
    fill(c, "more", 1000, 10000)
    assert count_present(c, ["keep:%d" % i for i in range(300)]) < 300
    assert evicted(c) > 500


def test_volatile_ttl_evicts_shortest_ttl_first(make_server):
    s = make_server("--maxmemory-policy", "volatile-ttl")
    c = s.client()
    fill(c, "short", 500, 10000, ex=10000)
    fill(c, "long", 500, 10000, ex=1000000)
    c.config_set("maxmemory", str(used(c) + 1 * MB))
    fill(c, "filler", 400, 10000, ex=2000000)
    short_left = count_present(c, ["short:%d" % i for i in range(500)])
    long_left = count_present(c, ["long:%d" % i for i in range(500)])
    assert evicted(c) >= 250
    assert long_left >= 450, long_left
    assert short_left <= 250, short_left


# ---- cluster mode: 16384 dicts ----

def test_cluster_mode_eviction_is_fast(make_cluster_server):
    s = make_cluster_server("--maxmemory", "4mb", "--maxmemory-policy", "allkeys-lru")
    s.own_slots()
    s.wait_cluster_state("ok")
    c = s.client()
    # The node owns every slot, so a plain client may write any key; 2000 keys
    # leave most of the 16384 per-slot dicts empty.
    t0 = time.monotonic()
    val = b"v" * 10000
    for b in range(0, 2000, 200):
        p = c.pipeline(transaction=False)
        for i in range(b, b + 200):
            p.set("k:%d" % i, val)
        p.execute()
    took = time.monotonic() - t0
    assert evicted(c) > 1000
    assert used(c) <= 5 * MB
    assert took < 10, took


# ---- OBJECT IDLETIME / FREQ / REFCOUNT ----

def test_object_idletime_grows_and_resets(make_server):
    s = make_server()
    c = s.client()
    c.set("k", "v")
    assert c.object("idletime", "k") <= 1
    srvutil.wait_until(lambda: c.object("idletime", "k") >= 2, 6, interval_s=0.2, what="idletime >= 2")
    assert c.get("k") == b"v"
    assert c.object("idletime", "k") <= 1
    assert c.object("idletime", "missing") is None
    with pytest.raises(redis.exceptions.ResponseError) as ei:
        c.object("freq", "k")
    assert str(ei.value) == LFU_NOT_SELECTED
    # RESTORE IDLETIME sets it.
    dump = c.dump("k")
    assert c.restore("r", 0, dump, idletime=1000)
    assert 1000 <= c.object("idletime", "r") <= 1001


def test_object_freq_grows_with_hits(make_server):
    s = make_server("--maxmemory-policy", "allkeys-lfu")
    c = s.client()
    c.set("k", "v")
    assert c.object("freq", "k") == 5  # LFU_INIT_VAL
    for _ in range(200):
        c.get("k")
    f = c.object("freq", "k")
    assert f > 5
    assert c.object("freq", "k") == f  # OBJECT itself does not count
    assert c.object("freq", "missing") is None
    with pytest.raises(redis.exceptions.ResponseError) as ei:
        c.object("idletime", "k")
    assert str(ei.value) == LFU_SELECTED
    dump = c.dump("k")
    assert c.restore("r", 0, dump, frequency=100)
    assert c.object("freq", "r") == 100


def test_object_refcount(make_server):
    s = make_server()
    c = s.client()
    c.set("small", "42")
    c.set("big", "123456")
    c.set("str", "hello")
    assert c.object("refcount", "small") == 2147483647
    assert c.object("refcount", "big") == 1
    assert c.object("refcount", "str") == 1
    assert c.object("refcount", "missing") is None
    # With an LRU/LFU limit every key needs its own access data: nothing shared.
    c.config_set("maxmemory-policy", "allkeys-lru")
    c.config_set("maxmemory", str(1024 * MB))
    c.set("small2", "42")
    assert c.object("refcount", "small2") == 1


def test_info_defaults(make_server):
    s = make_server()
    c = s.client()
    m = info(c, "memory")
    assert int(m["maxmemory"]) == 0
    assert m["maxmemory_human"] == "0B"
    assert m["maxmemory_policy"] == "noeviction"
    assert int(info(c, "stats")["evicted_keys"]) == 0
    c.config_set("maxmemory-policy", "volatile-ttl")
    assert info(c, "memory")["maxmemory_policy"] == "volatile-ttl"


@pytest.mark.parametrize("policy", ["allkeys-lru", "allkeys-lfu"])
def test_rdb_keeps_idle_and_freq(make_server, policy):
    s = make_server("--maxmemory-policy", policy)
    c = s.client()
    c.set("k", "v")
    dump = c.dump("k")
    if policy == "allkeys-lru":
        assert c.restore("r", 0, dump, idletime=1000)
    else:
        assert c.restore("r", 0, dump, frequency=100)
    assert c.save()
    s.stop()
    s.start()
    c = s.client()
    if policy == "allkeys-lru":
        assert 1000 <= c.object("idletime", "r") <= 1010
        assert c.object("idletime", "k") <= 10
    else:
        assert 99 <= c.object("freq", "r") <= 100
        assert c.object("freq", "k") <= 6


def test_evicted_notification_and_watch(make_server):
    s = make_server("--maxmemory-policy", "allkeys-random", "--notify-keyspace-events", "Ee")
    c = s.client()
    fill(c, "k", 300, 10000)
    sub = s.client().pubsub()
    sub.subscribe("__keyevent@0__:evicted")
    assert sub.get_message(timeout=5)["type"] == "subscribe"
    w = s.client()
    p = w.pipeline(transaction=True)
    p.watch(*["k:%d" % i for i in range(300)])
    c.config_set("maxmemory", str(used(c) - 1 * MB))
    fill(c, "more", 10, 10000)
    assert evicted(c) > 0
    msg = sub.get_message(timeout=5)
    assert msg and msg["type"] == "message" and msg["data"].startswith(b"k:"), msg
    # An evicted watched key fails the transaction (signalModifiedKey).
    p.multi()
    p.set("x", "y")
    with pytest.raises(redis.exceptions.WatchError):
        p.execute()
    sub.close()
