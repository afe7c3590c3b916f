"""Blocking pops as redis-server 7.0.15: BLPOP/BRPOP/BLMOVE/BRPOPLPUSH/
BLMPOP/BZPOPMIN woken by another client's push in the order the clients
blocked, timeouts (fractional seconds, 0 = forever) answered with the
nil of each command in RESP2 and RESP3, no blocking inside MULTI, the
served pop reaching a replica as its non-blocking form, and the answers a
blocked client gets when its slot moves away (-MOVED) or its node becomes
a replica (-UNBLOCKED)."""

import time

import pytest

import srvutil
from srvutil import Err, encode

UNBLOCKED = ("UNBLOCKED force unblock from blocking operation, instance state changed "
             "(master -> replica?)")


def blocked_count(server):
    return int(srvutil.info_section(server, "clients")["blocked_clients"])


def wait_blocked(server, n):
    srvutil.wait_until(lambda: blocked_count(server) == n, 5, what="%d blocked clients" % n)


def block(server, conn, *cmd):
    """Sends a blocking command on conn and waits until the server shows one
    more blocked client (so the order among several is known)."""
    before = blocked_count(server)
    conn.send(encode(*cmd))
    wait_blocked(server, before + 1)


@pytest.fixture
def conns(server, raw):
    if not server.alive():
        pytest.fail("the module's server died earlier; log tail:\n" + server.log_tail())
    c = raw()
    assert c.cmd("FLUSHALL") == "OK"
    return raw


def test_blpop_woken_by_push(server, conns):
    waiter, pusher = conns(), conns()
    block(server, waiter, "BLPOP", "q", "0")
    assert pusher.cmd("LPUSH", "q", "a") == 1
    assert waiter.reply() == [b"q", b"a"]
    assert pusher.cmd("EXISTS", "q") == 0  # served: nothing left
    assert blocked_count(server) == 0
    # The waiter reads commands again.
    assert waiter.cmd("PING") == "PONG"


def test_fifo_among_three(server, conns):
    pusher = conns()
    waiters = [conns() for _ in range(3)]
    for w in waiters:
        block(server, w, "BLPOP", "q", "0")
    assert pusher.cmd("RPUSH", "q", "a", "b") == 2
    assert waiters[0].reply() == [b"q", b"a"]
    assert waiters[1].reply() == [b"q", b"b"]
    assert blocked_count(server) == 1
    assert pusher.cmd("RPUSH", "q", "c") == 1
    assert waiters[2].reply() == [b"q", b"c"]


def test_multiple_keys_first_nonempty(server, conns):
    waiter, pusher = conns(), conns()
    block(server, waiter, "BRPOP", "k1", "k2", "0")
    assert pusher.cmd("RPUSH", "k2", "x", "y") == 2
    assert waiter.reply() == [b"k2", b"y"]
    assert pusher.cmd("LRANGE", "k2", "0", "-1") == [b"x"]


def test_served_from_the_key_signalled_first(server, conns):
    """Redis 7.0 serves a client blocked on several keys from the key that
    became ready first, not from the first of its keys holding elements."""
    for cmd, push in ((("BLPOP", "la", "lb", "0"), ("RPUSH", "lb", "x", "RPUSH", "la", "y")),
                      (("BZPOPMIN", "za", "zb", "0"), ("ZADD", "zb", "1", "x", "ZADD", "za", "1", "y"))):
        waiter, pusher = conns(), conns()
        block(server, waiter, *cmd)
        assert pusher.cmd("MULTI") == "OK"
        pusher.cmd(*push[:len(push) // 2])
        pusher.cmd(*push[len(push) // 2:])
        assert len(pusher.cmd("EXEC")) == 2
        reply = waiter.reply()
        assert reply[:2] == [cmd[2].encode(), b"x"], (cmd, reply)


def test_push_inside_exec_serves_after(server, conns):
    waiter, pusher = conns(), conns()
    block(server, waiter, "BLPOP", "q", "0")
    assert pusher.cmd("MULTI") == "OK"
    assert pusher.cmd("RPUSH", "q", "a") == "QUEUED"
    assert pusher.cmd("RPUSH", "q", "b") == "QUEUED"
    assert pusher.cmd("EXEC") == [1, 2]
    assert waiter.reply() == [b"q", b"a"]
    assert pusher.cmd("LRANGE", "q", "0", "-1") == [b"b"]


def test_push_and_pop_in_one_exec_leaves_nothing(server, conns):
    waiter, pusher = conns(), conns()
    block(server, waiter, "BLPOP", "q", "0")
    assert pusher.cmd("MULTI") == "OK"
    pusher.cmd("RPUSH", "q", "a")
    pusher.cmd("LPOP", "q")
    assert pusher.cmd("EXEC") == [1, b"a"]
    assert waiter.read_for(0.2) == (b"", False)  # still blocked
    assert pusher.cmd("RPUSH", "q", "b") == 1
    assert waiter.reply() == [b"q", b"b"]


def test_timeout_fraction(server, conns):
    c = conns()
    t0 = time.monotonic()
    assert c.cmd("BLPOP", "q", "0.1") is None
    took = time.monotonic() - t0
    assert 0.09 <= took < 2.0, took
    # Redis 7.0 answers every timed-out list or zset wait with a null
    # array, BRPOPLPUSH and BLMOVE included (their non-blocking nil is a
    # null bulk).
    c.send(encode("BRPOPLPUSH", "q", "d", "0.05"))
    assert c.raw_reply() == b"*-1\r\n"
    c.send(encode("BLMOVE", "q", "d", "LEFT", "LEFT", "0.05"))
    assert c.raw_reply() == b"*-1\r\n"
    c.send(encode("BLPOP", "q", "0.05"))
    assert c.raw_reply() == b"*-1\r\n"
    assert blocked_count(server) == 0


def test_timeout_resp3(server, conns):
    c = conns()
    assert isinstance(c.cmd("HELLO", "3"), dict)
    c.send(encode("BLPOP", "q", "0.05"))
    assert c.raw_reply() == b"_\r\n"
    c.send(encode("BLMOVE", "q", "d", "LEFT", "LEFT", "0.05"))
    assert c.raw_reply() == b"_\r\n"
    c.send(encode("BZPOPMIN", "z", "0.05"))
    assert c.raw_reply() == b"_\r\n"


def test_zero_waits_forever(server, conns):
    waiter, pusher = conns(), conns()
    block(server, waiter, "BLPOP", "q", "0")
    assert waiter.read_for(0.5) == (b"", False)
    assert blocked_count(server) == 1
    pusher.cmd("RPUSH", "q", "late")
    assert waiter.reply() == [b"q", b"late"]


def test_timeout_errors(server, conns):
    c = conns()
    assert c.cmd("BLPOP", "q", "abc") == Err("ERR timeout is not a float or out of range")
    assert c.cmd("BLPOP", "q", "-1") == Err("ERR timeout is negative")
    assert c.cmd("BLPOP", "q", "1e30") == Err("ERR timeout is negative")
    assert c.cmd("BLPOP", "q", "nan") == Err("ERR timeout is not a float or out of range")
    assert c.cmd("BZPOPMIN", "z", "x") == Err("ERR timeout is not a float or out of range")
    # A tiny positive timeout rounds up to 1 ms: it times out, it does not wait forever.
    assert c.cmd("BLPOP", "q", "0.0000001") is None


def test_not_disconnected_by_idle_timeout(make_server):
    s = make_server("--timeout", "1")
    with s.raw() as waiter:
        waiter.send(encode("BLPOP", "q", "0"))
        wait_blocked(s, 1)
        time.sleep(2.5)  # idle well past the timeout, checked by the cron
        with s.raw() as pusher:
            assert blocked_count(s) == 1
            assert pusher.cmd("RPUSH", "q", "v") == 1
            assert waiter.reply() == [b"q", b"v"]


def test_blmove_and_brpoplpush(server, conns):
    waiter, pusher = conns(), conns()
    block(server, waiter, "BLMOVE", "src", "dst", "RIGHT", "LEFT", "0")
    assert pusher.cmd("RPUSH", "src", "a", "b") == 2
    assert waiter.reply() == b"b"
    assert pusher.cmd("LRANGE", "dst", "0", "-1") == [b"b"]
    block(server, waiter, "BRPOPLPUSH", "src2", "dst", "0")
    assert pusher.cmd("RPUSH", "src2", "c") == 1
    assert waiter.reply() == b"c"
    assert pusher.cmd("LRANGE", "dst", "0", "-1") == [b"c", b"b"]


def test_blmove_chain_wakes_next_waiter(server, conns):
    """A served BLMOVE pushes to its destination, which serves a client
    blocked there, in the same round."""
    mover, popper, pusher = conns(), conns(), conns()
    block(server, popper, "BLPOP", "b", "0")
    block(server, mover, "BLMOVE", "a", "b", "LEFT", "RIGHT", "0")
    assert pusher.cmd("RPUSH", "a", "x") == 1
    assert mover.reply() == b"x"
    assert popper.reply() == [b"b", b"x"]
    assert pusher.cmd("EXISTS", "a", "b") == 0


def test_bzpopmin_bzpopmax(server, conns):
    waiter, pusher = conns(), conns()
    block(server, waiter, "BZPOPMIN", "z", "0")
    assert pusher.cmd("ZADD", "z", "2", "b", "1", "a") == 2
    assert waiter.reply() == [b"z", b"a", b"1"]
    block(server, waiter, "BZPOPMAX", "z2", "z3", "0")
    assert pusher.cmd("ZADD", "z3", "5", "e", "4", "d") == 2
    assert waiter.reply() == [b"z3", b"e", b"5"]


def test_wrong_type_push_does_not_serve(server, conns):
    """A zset appearing on a key a BLPOP waits on does not serve it."""
    waiter, pusher = conns(), conns()
    block(server, waiter, "BLPOP", "k", "0")
    assert pusher.cmd("ZADD", "k", "1", "a") == 1
    assert waiter.read_for(0.2) == (b"", False)
    assert pusher.cmd("DEL", "k") == 1
    assert pusher.cmd("RPUSH", "k", "v") == 1
    assert waiter.reply() == [b"k", b"v"]


def test_blmpop(server, conns):
    waiter, pusher = conns(), conns()
    block(server, waiter, "BLMPOP", "0", "2", "k1", "k2", "LEFT", "COUNT", "2")
    assert pusher.cmd("RPUSH", "k2", "x", "y", "z") == 3
    assert waiter.reply() == [b"k2", [b"x", b"y"]]
    c = conns()
    c.send(encode("BLMPOP", "0.05", "1", "nope", "RIGHT"))
    assert c.raw_reply() == b"*-1\r\n"


def test_rename_onto_waited_key_serves(server, conns):
    waiter, pusher = conns(), conns()
    block(server, waiter, "BLPOP", "dst", "0")
    pusher.cmd("RPUSH", "src", "v")
    assert pusher.cmd("RENAME", "src", "dst") == "OK"
    assert waiter.reply() == [b"dst", b"v"]


def test_inside_multi_returns_nil_at_once(server, conns):
    c = conns()
    assert c.cmd("MULTI") == "OK"
    assert c.cmd("BLPOP", "q", "0") == "QUEUED"
    assert c.cmd("BLMOVE", "q", "d", "LEFT", "LEFT", "0") == "QUEUED"
    assert c.cmd("BZPOPMIN", "z", "0") == "QUEUED"
    assert c.cmd("EXEC") == [None, None, None]
    assert blocked_count(server) == 0


def test_disconnect_while_blocked(server, conns):
    gone, waiter, pusher = conns(), conns(), conns()
    block(server, gone, "BLPOP", "q", "0")
    block(server, waiter, "BLPOP", "q", "0")
    gone.close()
    wait_blocked(server, 1)
    assert pusher.cmd("RPUSH", "q", "v") == 1
    assert waiter.reply() == [b"q", b"v"]


def test_replica_gets_the_pop(make_server):
    master = make_server()
    replica = make_server()
    srvutil.replicaof(replica, master)
    srvutil.wait_caught_up(master, replica)
    with master.raw() as waiter, master.raw() as pusher:
        waiter.send(encode("BLPOP", "q", "0"))
        wait_blocked(master, 1)
        assert pusher.cmd("RPUSH", "q", "a", "b", "c") == 3
        assert waiter.reply() == [b"q", b"a"]
        waiter.send(encode("BLMOVE", "none", "dst", "LEFT", "LEFT", "0"))
        wait_blocked(master, 1)
        assert pusher.cmd("RPUSH", "none", "m") == 1
        assert waiter.reply() == b"m"
        waiter.send(encode("BZPOPMAX", "z", "0"))
        wait_blocked(master, 1)
        assert pusher.cmd("ZADD", "z", "1", "x", "2", "y") == 2
        assert waiter.reply() == [b"z", b"y", b"2"]
    srvutil.wait_caught_up(master, replica)
    with replica.raw() as c:
        assert c.cmd("LRANGE", "q", "0", "-1") == [b"b", b"c"]
        assert c.cmd("LRANGE", "dst", "0", "-1") == [b"m"]
        assert c.cmd("EXISTS", "none") == 0
        assert c.cmd("ZRANGE", "z", "0", "-1") == [b"x"]


def test_replicaof_unblocks(make_server):
    master = make_server()
    node = make_server()
    with node.raw() as waiter:
        waiter.send(encode("BLPOP", "q", "0"))
        wait_blocked(node, 1)
        srvutil.replicaof(node, master)
        assert waiter.reply() == Err(UNBLOCKED)
        out, closed = waiter.read_for(2)
        assert closed and out == b""


# ---- cluster mode ----

SPLIT = 8192


@pytest.fixture(scope="module")
def pair(bus_nodes):
    return srvutil.form_pair(bus_nodes, SPLIT)


def test_cluster_blocked_client_moved(pair):
    a, b = pair
    key = "{b}q"
    slot = srvutil.key_slot(key)
    assert slot < SPLIT
    try:
        with srvutil.Raw(a.port, 10) as waiter, srvutil.Raw(a.port, 10) as pusher:
            assert pusher.cmd("RPUSH", "{b}other", "x") == 1
            assert pusher.cmd("DEL", "{b}other") == 1
            waiter.send(encode("BLPOP", key, "0"))
            wait_blocked(a, 1)
            assert b.cmd("CLUSTER", "SETSLOT", slot, "IMPORTING", a.myid()) == "OK"
            assert a.cmd("CLUSTER", "SETSLOT", slot, "MIGRATING", b.myid()) == "OK"
            assert a.cmd("CLUSTER", "SETSLOT", slot, "NODE", b.myid()) == "OK"
            assert b.cmd("CLUSTER", "SETSLOT", slot, "NODE", b.myid()) == "OK"
            assert waiter.reply() == Err("MOVED %d 127.0.0.1:%d" % (slot, b.port))
            assert blocked_count(a) == 0
    finally:
        b.cmd("CLUSTER", "SETSLOT", slot, "MIGRATING", a.myid())
        a.cmd("CLUSTER", "SETSLOT", slot, "IMPORTING", b.myid())
        a.cmd("CLUSTER", "SETSLOT", slot, "NODE", a.myid())
        b.cmd("CLUSTER", "SETSLOT", slot, "NODE", a.myid())


def test_cluster_served_in_slot(pair):
    a, _ = pair
    with srvutil.Raw(a.port, 10) as waiter, srvutil.Raw(a.port, 10) as pusher:
        waiter.send(encode("BLPOP", "{b}q2", "0"))
        wait_blocked(a, 1)
        assert pusher.cmd("RPUSH", "{b}q2", "v") == 1
        assert waiter.reply() == [b"{b}q2", b"v"]
        assert waiter.cmd("BLPOP", "{b}1", "{c}1", "0") == Err(
            "CROSSSLOT Keys in request don't hash to the same slot")


def test_shutdown_with_blocked_clients(make_server):
    s = make_server()
    with s.raw() as a, s.raw() as b:
        a.send(encode("BLPOP", "q", "0"))
        b.send(encode("BZPOPMIN", "z", "100"))
        wait_blocked(s, 2)
        s.stop()  # stop_all at teardown checks that it ended cleanly


def test_pipelined_commands_wait_behind_the_block(server, conns):
    waiter, pusher = conns(), conns()
    before = blocked_count(server)
    waiter.send(encode("BLPOP", "q", "0") + encode("PING") + encode("BLPOP", "q", "0.05"))
    wait_blocked(server, before + 1)
    assert waiter.read_for(0.2) == (b"", False)  # PING waits behind the block
    pusher.cmd("RPUSH", "q", "v")
    assert waiter.reply() == [b"q", b"v"]
    assert waiter.reply() == "PONG"
    assert waiter.reply() is None
