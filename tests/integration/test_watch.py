"""WATCH / UNWATCH on top of MULTI/EXEC, as redis-server 7.0.15: EXEC
replies a null array and runs nothing when a watched key was changed (by
another client, by this client before EXEC, by expiry, by FLUSHALL, by a
slot migrating away); WATCH inside MULTI is refused; UNWATCH, EXEC, DISCARD
and RESET forget the watched keys."""

import threading
import time

import pytest

import srvutil
from srvutil import Err


def txn(c, *cmds):
    """MULTI, cmds, EXEC on raw connection c; returns EXEC's reply."""
    assert c.cmd("MULTI") == "OK"
    for cmd in cmds:
        assert c.cmd(*cmd) == "QUEUED", cmd
    return c.cmd("EXEC")


@pytest.fixture
def two(server, raw):
    """Two connections (c1 watches, c2 interferes) on an empty keyspace."""
    if not server.alive():
        pytest.fail("the module's server died earlier; log tail:\n" + server.log_tail())
    c1, c2 = raw(), raw()
    assert c1.cmd("FLUSHALL") == "OK"
    return c1, c2


def test_exec_runs_when_untouched(two):
    c1, c2 = two
    c1.cmd("SET", "k", "1")
    assert c1.cmd("WATCH", "k", "other") == "OK"
    c2.cmd("SET", "unrelated", "x")
    c2.cmd("GET", "k")  # a read is no change
    assert txn(c1, ("INCR", "k")) == [2]
    assert c1.cmd("GET", "k") == b"2"


def test_changed_by_another_client(two):
    c1, c2 = two
    c1.cmd("SET", "k", "1")
    assert c1.cmd("WATCH", "k") == "OK"
    c2.cmd("SET", "k", "2")
    assert txn(c1, ("SET", "k", "mine")) is None
    assert c1.cmd("GET", "k") == b"2"
    # EXEC forgot the watch: the next transaction runs.
    assert txn(c1, ("SET", "k", "mine")) == ["OK"]


def test_missing_key_created(two):
    c1, c2 = two
    c1.cmd("WATCH", "nokey")
    c2.cmd("SET", "nokey", "a")
    assert txn(c1, ("SET", "x", "1")) is None
    assert c1.cmd("GET", "x") is None


def test_other_writes(two):
    c1, c2 = two
    writes = [
        ("APPEND", "k", "z"), ("INCRBY", "k", "2"), ("INCRBYFLOAT", "k", "1.5"), ("EXPIRE", "k", "100"),
        ("PEXPIRE", "k", "-1"), ("DEL", "k"), ("UNLINK", "k"), ("RENAME", "k", "k2"),
        ("SETRANGE", "k", "0", "x"), ("GETDEL", "k"), ("GETEX", "k", "EX", "100"), ("MSET", "a", "1", "k", "2"),
        ("GETSET", "k", "3"), ("SET", "k", "1"), ("PSETEX", "k", "100000", "v"),
        ("RESTORE", "k", "0", None, "REPLACE"),
    ]
    c1.cmd("SET", "k", "1")
    payload = c1.cmd("DUMP", "k")
    for w in writes:
        c1.cmd("FLUSHALL")
        c1.cmd("SET", "k", "1")
        c1.cmd("WATCH", "k")
        w = tuple(payload if a is None else a for a in w)
        assert not isinstance(c2.cmd(*w), Err), w
        assert txn(c1, ("PING",)) is None, w
    # RENAME onto a watched destination, COPY onto it.
    for w in (("RENAME", "src", "k"), ("COPY", "src", "k", "REPLACE"), ("COPY", "src", "k")):
        c1.cmd("FLUSHALL")
        c1.cmd("SET", "src", "s")
        c1.cmd("WATCH", "k")
        c2.cmd(*w)
        assert txn(c1, ("PING",)) is None, w


def test_persist_touches(two):
    c1, c2 = two
    c1.cmd("SET", "k", "1", "EX", "100")
    c1.cmd("WATCH", "k")
    assert c2.cmd("PERSIST", "k") == 1
    assert txn(c1, ("PING",)) is None


def test_no_op_writes_do_not_touch(two):
    c1, c2 = two
    c1.cmd("SET", "k", "1")
    c1.cmd("WATCH", "k")
    assert c2.cmd("PERSIST", "k") == 0  # no TTL: nothing changed
    assert c2.cmd("EXPIRE", "k", "100", "XX") == 0
    assert c2.cmd("SETNX", "k", "2") == 0
    assert c2.cmd("SET", "k", "2", "NX") is None
    assert c2.cmd("DEL", "absent") == 0
    assert c2.cmd("RENAME", "k", "k") == "OK"
    assert txn(c1, ("GET", "k")) == [b"1"]


def test_own_write_before_exec_aborts(two):
    c1, _ = two
    c1.cmd("SET", "k", "1")
    c1.cmd("WATCH", "k")
    c1.cmd("DEL", "k")
    assert txn(c1, ("SET", "k", "2")) is None
    assert c1.cmd("GET", "k") is None


def test_own_queued_writes_do_not_abort(two):
    c1, _ = two
    c1.cmd("SET", "k", "1")
    c1.cmd("WATCH", "k")
    assert txn(c1, ("SET", "k", "2"), ("SET", "k", "3")) == ["OK", "OK"]
    assert c1.cmd("GET", "k") == b"3"


def test_watch_inside_multi(two):
    c1, _ = two
    assert c1.cmd("MULTI") == "OK"
    assert c1.cmd("WATCH", "k") == Err("ERR WATCH inside MULTI is not allowed")
    assert c1.cmd("SET", "k", "v") == "QUEUED"
    # The refused WATCH does not poison the transaction.
    assert c1.cmd("EXEC") == ["OK"]
    assert c1.cmd("WATCH") == Err("ERR wrong number of arguments for 'watch' command")
    assert c1.cmd("UNWATCH", "x") == Err("ERR wrong number of arguments for 'unwatch' command")


def test_unwatch_discard_reset(two):
    c1, c2 = two
    c1.cmd("SET", "k", "1")
    c1.cmd("WATCH", "k")
    assert c1.cmd("UNWATCH") == "OK"
    c2.cmd("SET", "k", "2")
    assert txn(c1, ("GET", "k")) == [b"2"]
    assert c1.cmd("UNWATCH") == "OK"  # always OK

    c1.cmd("WATCH", "k")
    c1.cmd("MULTI")
    assert c1.cmd("DISCARD") == "OK"
    c2.cmd("SET", "k", "3")
    assert txn(c1, ("GET", "k")) == [b"3"]

    c1.cmd("WATCH", "k")
    assert c1.cmd("RESET") == "RESET"
    c2.cmd("SET", "k", "4")
    assert txn(c1, ("GET", "k")) == [b"4"]

    # UNWATCH inside MULTI is queued, and forgets nothing before EXEC.
    c1.cmd("WATCH", "k")
    c2.cmd("SET", "k", "5")
    assert txn(c1, ("UNWATCH",)) is None


def test_dirty_survives_later_watch(two):
    c1, c2 = two
    c1.cmd("WATCH", "a")
    c2.cmd("SET", "a", "1")
    c1.cmd("WATCH", "b")
    c1.cmd("WATCH", "a")
    assert txn(c1, ("PING",)) is None


def test_execabort_also_unwatches(two):
    c1, c2 = two
    c1.cmd("WATCH", "k")
    c1.cmd("MULTI")
    assert isinstance(c1.cmd("NOSUCHCMD"), Err)
    assert c1.cmd("EXEC") == Err("EXECABORT Transaction discarded because of previous errors.")
    c2.cmd("SET", "k", "1")
    assert txn(c1, ("PING",)) == ["PONG"]


def test_expired_between_watch_and_exec(two):
    c1, _ = two
    c1.cmd("SET", "k", "1", "PX", "100")
    c1.cmd("WATCH", "k")
    srvutil.wait_until(lambda: c1.cmd("PTTL", "k") == -2, 5, what="k to expire")
    assert txn(c1, ("PING",)) is None


def test_expired_logically_not_reclaimed(two):
    """Redis 7.0: a key live at WATCH and past its TTL at EXEC fails EXEC,
    whether or not the active expiry reclaimed it by then."""
    c1, _ = two
    c1.cmd("SET", "k", "1", "PX", "30")
    c1.cmd("WATCH", "k")
    time.sleep(0.06)
    assert txn(c1, ("PING",)) is None


def test_expired_before_watch_is_no_change(two):
    c1, c2 = two
    c1.cmd("SET", "k", "1", "PX", "1")
    time.sleep(0.02)
    c1.cmd("WATCH", "k")  # stored but expired, or already reclaimed
    assert c2.cmd("GET", "k") is None  # lazy expiry removing it is no change
    assert txn(c1, ("PING",)) == ["PONG"]


def test_flushall_and_flushdb(two):
    c1, c2 = two
    for flush in ("FLUSHALL", "FLUSHDB"):
        c1.cmd("SET", "k", "1")
        c1.cmd("WATCH", "k")
        c2.cmd(flush)
        assert txn(c1, ("PING",)) is None, flush
    # A watched key that did not exist is not touched by a flush.
    c1.cmd("WATCH", "absent")
    c2.cmd("SET", "other", "1")
    c2.cmd("FLUSHALL")
    assert txn(c1, ("PING",)) == ["PONG"]
    # Nor by two of them (the key stays absent throughout).
    c1.cmd("WATCH", "absent")
    c1.cmd("FLUSHALL")
    c2.cmd("FLUSHALL")
    assert txn(c1, ("PING",)) == ["PONG"]


def test_many_watchers_and_disconnect(server, raw):
    clients = [raw() for _ in range(5)]
    clients[0].cmd("FLUSHALL")
    for i, c in enumerate(clients):
        assert c.cmd("WATCH", "shared", "k%d" % i) == "OK"
    clients[4].close()  # a watcher going away leaves the others alone
    clients[0].cmd("SET", "shared", "x")
    for c in clients[:4]:
        assert txn(c, ("PING",)) is None
    assert txn(clients[1], ("PING",)) == ["PONG"]


def test_race_increments(server):
    """Optimistic increments from two clients: the total is exact because
    a lost race makes EXEC fail and the loser retries."""
    with server.raw() as c0:
        c0.cmd("FLUSHALL")
        c0.cmd("SET", "counter", "0")
    aborted = [0]

    def worker(n):
        with server.raw() as c:
            for _ in range(n):
                while True:
                    c.cmd("WATCH", "counter")
                    v = int(c.cmd("GET", "counter"))
                    if txn(c, ("SET", "counter", str(v + 1))) is not None:
                        break
                    aborted[0] += 1

    threads = [threading.Thread(target=worker, args=(300,)) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    with server.raw() as c0:
        assert c0.cmd("GET", "counter") == b"600"


# ---- cluster mode ----

SPLIT = 8192


@pytest.fixture(scope="module")
def pair(bus_nodes):
    return srvutil.form_pair(bus_nodes, SPLIT)


def test_cluster_crossslot(pair):
    a, _ = pair
    with srvutil.Raw(a.port, 5) as c:
        assert c.cmd("WATCH", "{b}1", "{b}2") == "OK"
        assert c.cmd("WATCH", "{b}1", "{c}1") == srvutil.Err(
            "CROSSSLOT Keys in request don't hash to the same slot")
        assert c.cmd("UNWATCH") == "OK"


def test_cluster_exec_fails_after_slot_migrated(pair):
    a, b = pair
    key = "{b}w"
    slot = srvutil.key_slot(key)
    assert slot < SPLIT
    try:
        with srvutil.Raw(a.port, 5) as c:
            assert c.cmd("SET", key, "1") == "OK"
            assert c.cmd("WATCH", key) == "OK"
            assert b.cmd("CLUSTER", "SETSLOT", slot, "IMPORTING", a.myid()) == "OK"
            assert a.cmd("CLUSTER", "SETSLOT", slot, "MIGRATING", b.myid()) == "OK"
            assert a.cmd("MIGRATE", "127.0.0.1", b.port, key, 0, 5000) == "OK"
            assert b.cmd("CLUSTER", "SETSLOT", slot, "NODE", b.myid()) == "OK"
            assert a.cmd("CLUSTER", "SETSLOT", slot, "NODE", b.myid()) == "OK"
            assert c.cmd("MULTI") == "OK"
            assert c.cmd("PING") == "QUEUED"
            assert c.cmd("EXEC") is None
    finally:
        # Give the slot back to A.
        b.cmd("CLUSTER", "SETSLOT", slot, "MIGRATING", a.myid())
        a.cmd("CLUSTER", "SETSLOT", slot, "IMPORTING", b.myid())
        b.cmd("MIGRATE", "127.0.0.1", a.port, key, 0, 5000)
        a.cmd("CLUSTER", "SETSLOT", slot, "NODE", a.myid())
        b.cmd("CLUSTER", "SETSLOT", slot, "NODE", a.myid())



# ---- the signals of string and generic commands: keyspace events ----

EVENT_SCRIPT = [
    ("SET", "k", "1"), ("SET", "k", "2", "EX", "100"), ("SETEX", "k2", "100", "v"), ("SETNX", "k3", "v"),
    ("GETSET", "k3", "w"), ("MSET", "a", "1", "b", "2"), ("APPEND", "a", "x"), ("APPEND", "new", "x"),
    ("INCR", "n"), ("INCRBYFLOAT", "n", "1.5"), ("SETRANGE", "sr", "2", "x"), ("EXPIRE", "k", "100"),
    ("PERSIST", "k"), ("PEXPIRE", "k", "-1"), ("RENAME", "a", "b"), ("COPY", "b", "c"), ("GETDEL", "c"),
    ("GETEX", "b", "PX", "100000"), ("GETEX", "b", "PERSIST"), ("DEL", "b", "k2", "nope"),
    ("SET", "e", "1", "PX", "10"), ("RESTORE", "r", "0", None), ("RESTORE", "r", "0", None, "REPLACE"),
    ("SET", "x", "1", "KEEPTTL"), ("SET", "x", "2", "GET"), ("SET", "x", "3", "NX"), ("FLUSHALL",),
]

EVENTS = [
    ("set", "k"), ("set", "k"), ("expire", "k"), ("set", "k2"), ("expire", "k2"), ("set", "k3"),
    ("set", "k3"), ("set", "a"), ("set", "b"), ("append", "a"), ("append", "new"), ("incrby", "n"),
    ("incrbyfloat", "n"), ("setrange", "sr"), ("expire", "k"), ("persist", "k"), ("del", "k"),
    ("rename_from", "a"), ("rename_to", "b"), ("copy_to", "c"), ("del", "c"), ("expire", "b"),
    ("persist", "b"), ("del", "b"), ("del", "k2"), ("set", "e"), ("expire", "e"), ("expired", "e"),
    ("restore", "r"), ("restore", "r"), ("set", "x"), ("set", "x"),
]

# With "n" too: Redis sends "new" whenever a key is added (its dbAdd).
EVENTS_N = [
    ("new", "k"), ("set", "k"), ("set", "k"), ("expire", "k"), ("new", "k2"), ("set", "k2"), ("expire", "k2"),
    ("new", "k3"), ("set", "k3"), ("set", "k3"), ("new", "a"), ("set", "a"), ("new", "b"), ("set", "b"),
    ("append", "a"), ("new", "new"), ("append", "new"), ("new", "n"), ("incrby", "n"), ("incrbyfloat", "n"),
    ("new", "sr"), ("setrange", "sr"), ("expire", "k"), ("persist", "k"), ("del", "k"), ("new", "b"),
    ("rename_from", "a"), ("rename_to", "b"), ("new", "c"), ("copy_to", "c"), ("del", "c"), ("expire", "b"),
    ("persist", "b"), ("del", "b"), ("del", "k2"), ("new", "e"), ("set", "e"), ("expire", "e"),
    ("expired", "e"), ("new", "r"), ("restore", "r"), ("new", "r"), ("restore", "r"), ("new", "x"),
    ("set", "x"), ("set", "x"),
]


def run_event_script(server, flags):
    with server.raw() as c, server.raw() as sub:
        assert c.cmd("FLUSHALL") == "OK"
        c.cmd("SET", "dumped", "v")
        payload = c.cmd("DUMP", "dumped")
        c.cmd("DEL", "dumped")
        assert c.cmd("CONFIG", "SET", "notify-keyspace-events", flags) == "OK"
        try:
            assert sub.cmd("PSUBSCRIBE", "__keyevent@0__:*") == [b"psubscribe", b"__keyevent@0__:*", 1]
            sub.sock.settimeout(5)
            got = []
            for cmd in EVENT_SCRIPT:
                cmd = tuple(payload if a is None else a for a in cmd)
                c.cmd(*cmd)
                if cmd[:2] == ("SET", "e"):
                    srvutil.wait_until(lambda: c.cmd("EXISTS", "e") == 0, 5, what="e to expire")
            c.cmd("SET", "end", "1")
            while True:
                m = sub.reply()
                ev = (m[2].decode().split(":", 1)[1], m[3].decode())
                if ev[1] == "end":
                    break
                got.append(ev)
            return got
        finally:
            c.cmd("CONFIG", "SET", "notify-keyspace-events", "")


def test_keyspace_events(server):
    assert run_event_script(server, "KEA") == EVENTS


def test_keyspace_event_new(server):
    assert run_event_script(server, "KEAn") == EVENTS_N
