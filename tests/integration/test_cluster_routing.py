"""Routing on one cluster-mode node that owns all 16384 slots: CROSSSLOT
for keys of different slots (alone and inside MULTI/EXEC, byte for byte),
hash tags and repeated keys, the cluster-mode refusals of SELECT and COPY ...
DB, and the per-slot key index behind COUNTKEYSINSLOT/GETKEYSINSLOT after
10,000 writes. MOVED/ASK/TRYAGAIN need a second node and are not here."""

import pytest

import srvutil

OK = b"+OK\r\n"
QUEUED = b"+QUEUED\r\n"
CROSSSLOT = b"-CROSSSLOT Keys in request don't hash to the same slot\r\n"
EXECABORT = b"-EXECABORT Transaction discarded because of previous errors.\r\n"
WRITES_COUNT = 10000


@pytest.fixture
def craw(full_cluster_server):
    """Raw connections to the full node; the keyspace starts empty."""
    conns = []

    def make():
        c = full_cluster_server.raw()
        conns.append(c)
        return c

    first = make()
    assert first.cmd("FLUSHALL") == "OK"
    yield make
    for c in conns:
        c.close()


def exchange(c, *cmds):
    """Sends cmds in one write and returns the bytes of their replies."""
    c.send(b"".join(srvutil.encode(*cmd) for cmd in cmds))
    return b"".join(c.raw_reply() for _ in cmds)


def test_different_slots_premise():
    assert srvutil.key_slot("a") != srvutil.key_slot("b")
    assert srvutil.key_slot("{t}a") == srvutil.key_slot("{t}b") == srvutil.key_slot("t")


CROSSSLOT_CMDS = [
    ("MGET", "a", "b"),
    ("MGET", "a", "a", "b"),
    ("MSET", "a", "1", "b", "2"),
    ("MSETNX", "a", "1", "b", "2"),
    ("DEL", "a", "b"),
    ("UNLINK", "a", "b"),
    ("EXISTS", "a", "b"),
    ("TOUCH", "a", "b"),
    ("RENAME", "a", "b"),
    ("RENAMENX", "a", "b"),
    ("COPY", "a", "b"),
    ("COPY", "a", "b", "REPLACE"),
    ("MGET", "{t}a", "{u}a"),
    ("DEL", "{t}a", "{t}b", "c"),
]


@pytest.mark.parametrize("cmd", CROSSSLOT_CMDS, ids=lambda cmd: " ".join(cmd))
def test_crossslot(craw, cmd):
    c = craw()
    assert exchange(c, ("SET", "a", "va"), ("SET", "b", "vb")) == OK + OK
    assert exchange(c, cmd) == CROSSSLOT
    # nothing was written, renamed or deleted
    assert exchange(c, ("GET", "a"), ("GET", "b")) == b"$2\r\nva\r\n$2\r\nvb\r\n"


def test_crossslot_when_no_key_exists(craw):
    c = craw()
    assert exchange(c, ("MGET", "a", "b"), ("DEL", "a", "b"), ("EXISTS", "a", "b")) == CROSSSLOT * 3


def test_same_hash_tag_is_served(craw):
    c = craw()
    assert exchange(c, ("MSET", "{t}a", "1", "{t}b", "2")) == OK
    assert exchange(c, ("MGET", "{t}a", "{t}b", "{t}c")) == b"*3\r\n$1\r\n1\r\n$1\r\n2\r\n$-1\r\n"
    assert exchange(c, ("EXISTS", "{t}a", "{t}b", "{t}c")) == b":2\r\n"
    assert exchange(c, ("TOUCH", "{t}a", "{t}b")) == b":2\r\n"
    assert exchange(c, ("MSETNX", "{t}x", "1", "{t}y", "2")) == b":1\r\n"
    assert exchange(c, ("RENAME", "{t}a", "{t}r")) == OK
    assert exchange(c, ("RENAMENX", "{t}r", "{t}b")) == b":0\r\n"
    assert exchange(c, ("COPY", "{t}r", "{t}copy")) == b":1\r\n"
    assert exchange(c, ("COPY", "{t}r", "{t}copy", "DB", "0", "REPLACE")) == b":1\r\n"
    assert exchange(c, ("UNLINK", "{t}x", "{t}y")) == b":2\r\n"
    assert exchange(c, ("DEL", "{t}r", "{t}b", "{t}copy", "{t}none")) == b":3\r\n"
    assert exchange(c, ("DBSIZE",)) == b":0\r\n"


def test_tag_is_the_first_braces_only(craw):
    c = craw()
    # "foo{bar}{zap}" hashes "bar"; "x{}{bar}" hashes the whole key.
    assert exchange(c, ("MSET", "foo{bar}{zap}", "1", "{bar}", "2")) == OK
    assert exchange(c, ("MGET", "x{}{bar}", "{bar}")) == CROSSSLOT


def test_repeated_key_is_one_slot(craw):
    c = craw()
    assert exchange(c, ("MSET", "a", "1", "a", "2")) == OK
    assert exchange(c, ("MGET", "a", "a", "a")) == b"*3\r\n" + b"$1\r\n2\r\n" * 3
    assert exchange(c, ("EXISTS", "a", "a")) == b":2\r\n"
    assert exchange(c, ("RENAME", "a", "a")) == OK
    assert exchange(c, ("DEL", "a", "a")) == b":1\r\n"


def test_single_key_and_keyless_commands(craw):
    c = craw()
    got = exchange(c, ("SET", "a", "1"), ("SET", "b", "2"), ("GET", "a"), ("INCR", "b"),
                   ("DBSIZE",), ("PING",), ("ECHO", "e"), ("EXPIRE", "a", "100"), ("TTL", "b"))
    assert got == OK + OK + b"$1\r\n1\r\n:3\r\n:2\r\n+PONG\r\n$1\r\ne\r\n:1\r\n:-1\r\n"
    keys = c.cmd("KEYS", "*")
    assert sorted(keys) == [b"a", b"b"]
    assert exchange(c, ("FLUSHALL",), ("DBSIZE",)) == OK + b":0\r\n"


def test_select_and_copy_db_refused(craw):
    c = craw()
    assert exchange(c, ("SET", "{t}a", "1")) == OK
    assert exchange(c, ("SELECT", "1")) == b"-ERR SELECT is not allowed in cluster mode\r\n"
    assert exchange(c, ("SELECT", "0")) == OK
    assert exchange(c, ("COPY", "{t}a", "{t}b", "DB", "1")) == \
        b"-ERR Copying to another database is not allowed in cluster mode\r\n"
    assert exchange(c, ("COPY", "{t}a", "{t}b", "DB", "0")) == b":1\r\n"


# ---- MULTI / EXEC ----

def test_multi_crossslot_command_aborts_exec(craw):
    c = craw()
    c.send(b"MULTI\r\nSET {x}a 1\r\nMGET a b\r\nEXEC\r\n")
    want = OK + QUEUED + CROSSSLOT + EXECABORT
    assert c.expect(want) == want
    assert exchange(c, ("EXISTS", "{x}a")) == b":0\r\n"  # not run, not in MULTI


def test_multi_crossslot_first_then_good_commands(craw):
    c = craw()
    c.send(b"MULTI\r\nMSET a 1 b 2\r\nSET {x}a 1\r\nEXEC\r\nEXISTS {x}a\r\n")
    want = OK + CROSSSLOT + QUEUED + EXECABORT + b":0\r\n"
    assert c.expect(want) == want


def test_multi_single_key_commands_of_different_slots_fail_at_exec(craw):
    # Each command alone is fine; EXEC looks at all queued keys together
    # and its redirection discards the transaction.
    c = craw()
    c.send(b"MULTI\r\nSET a 1\r\nSET b 2\r\nEXEC\r\nEXISTS a\r\nEXISTS b\r\nEXEC\r\n")
    want = (OK + QUEUED + QUEUED + CROSSSLOT + b":0\r\n:0\r\n"
            + b"-ERR EXEC without MULTI\r\n")
    assert c.expect(want) == want


def test_multi_same_slot_transaction_runs(craw):
    c = craw()
    c.send(b"MULTI\r\nSET {x}a 1\r\nINCR {x}a\r\nMGET {x}a {x}b\r\nSET {x}b 5\r\nPING\r\nEXEC\r\n")
    want = (OK + QUEUED * 5
            + b"*5\r\n+OK\r\n:2\r\n*2\r\n$1\r\n2\r\n$-1\r\n+OK\r\n+PONG\r\n")
    assert c.expect(want) == want


def test_multi_keyless_only(craw):
    c = craw()
    c.send(b"MULTI\r\nPING\r\nDBSIZE\r\nEXEC\r\n")
    want = OK + QUEUED + QUEUED + b"*2\r\n+PONG\r\n:0\r\n"
    assert c.expect(want) == want


def test_multi_repeated_key_runs(craw):
    c = craw()
    c.send(b"MULTI\r\nSET a 1\r\nGET a\r\nDEL a a\r\nEXEC\r\n")
    want = OK + QUEUED * 3 + b"*3\r\n+OK\r\n$1\r\n1\r\n:1\r\n"
    assert c.expect(want) == want


def test_redis_py_transaction_with_hash_tag(full_cluster_server):
    c = full_cluster_server.client()
    try:
        c.flushall()
        with c.pipeline(transaction=True) as p:
            p.set("{tx}a", 1).incr("{tx}a").get("{tx}a")
            assert p.execute() == [True, 2, b"2"]
    finally:
        c.close()


# ---- the per-slot key index ----

def write_keys(c, names):
    c.send(b"".join(srvutil.encode("SET", k, "v") for k in names))
    replies = [c.raw_reply() for _ in names]
    assert replies == [OK] * len(names)


def pipelined(c, cmds):
    c.send(b"".join(srvutil.encode(*cmd) for cmd in cmds))
    return [c.reply() for _ in cmds]


def counts_by_slot(c):
    counts = pipelined(c, [("CLUSTER", "COUNTKEYSINSLOT", s)
                           for s in range(srvutil.CLUSTER_SLOTS_COUNT)])
    assert all(isinstance(n, int) for n in counts), [n for n in counts if not isinstance(n, int)][:3]
    return counts


def test_countkeysinslot_and_getkeysinslot_after_10000_writes(craw):
    c = craw()
    names = ["key:%d" % i for i in range(WRITES_COUNT)]
    write_keys(c, names)
    assert c.cmd("DBSIZE") == WRITES_COUNT

    want = {}
    for k in names:
        want.setdefault(srvutil.key_slot(k), set()).add(k.encode())
    # the server's KEYSLOT agrees with the model for every key
    assert pipelined(c, [("CLUSTER", "KEYSLOT", k) for k in names]) == \
        [srvutil.key_slot(k) for k in names]

    counts = counts_by_slot(c)
    assert sum(counts) == WRITES_COUNT
    assert {s: n for s, n in enumerate(counts) if n} == {s: len(ks) for s, ks in want.items()}

    got = pipelined(c, [("CLUSTER", "GETKEYSINSLOT", s, WRITES_COUNT)
                        for s in range(srvutil.CLUSTER_SLOTS_COUNT)])
    for s, keys in enumerate(got):
        assert len(keys) == len(set(keys)), "slot %d lists a key twice" % s
        assert set(keys) == want.get(s, set()), "slot %d" % s


def test_getkeysinslot_count_limit(craw):
    c = craw()
    names = ["{lim}%d" % i for i in range(25)]
    write_keys(c, names)
    slot = srvutil.key_slot("lim")
    assert c.cmd("CLUSTER", "COUNTKEYSINSLOT", slot) == 25
    everything = {k.encode() for k in names}
    for count in [1, 2, 10, 24]:
        keys = c.cmd("CLUSTER", "GETKEYSINSLOT", slot, count)
        assert len(keys) == count
        assert len(set(keys)) == count and set(keys) <= everything
    for count in [25, 26, 1000, 99999999999]:
        assert set(c.cmd("CLUSTER", "GETKEYSINSLOT", slot, count)) == everything
    assert exchange(c, ("CLUSTER", "GETKEYSINSLOT", slot, 0)) == b"*0\r\n"
    assert exchange(c, ("CLUSTER", "GETKEYSINSLOT", slot + 1, 5)) == b"*0\r\n"


def test_slot_index_follows_deletes_renames_and_expiry(craw):
    c = craw()
    names = ["{a}%d" % i for i in range(100)] + ["{b}%d" % i for i in range(100)]
    write_keys(c, names)
    sa, sb = srvutil.key_slot("a"), srvutil.key_slot("b")
    assert (c.cmd("CLUSTER", "COUNTKEYSINSLOT", sa), c.cmd("CLUSTER", "COUNTKEYSINSLOT", sb)) == (100, 100)

    assert c.cmd("DEL", *names[:10]) == 10
    assert c.cmd("UNLINK", *names[10:20]) == 10
    assert c.cmd("CLUSTER", "COUNTKEYSINSLOT", sa) == 80
    assert c.cmd("RENAME", "{a}50", "{a}renamed") == "OK"
    assert c.cmd("CLUSTER", "COUNTKEYSINSLOT", sa) == 80
    assert c.cmd("COPY", "{b}0", "{b}copy") == 1
    assert c.cmd("CLUSTER", "COUNTKEYSINSLOT", sb) == 101
    assert c.cmd("PEXPIREAT", "{b}1", 1) == 1  # a time in the past deletes
    assert c.cmd("GETDEL", "{b}2") == b"v"
    assert c.cmd("CLUSTER", "COUNTKEYSINSLOT", sb) == 99
    keys = set(c.cmd("CLUSTER", "GETKEYSINSLOT", sa, 1000))
    assert b"{a}renamed" in keys and b"{a}50" not in keys and b"{a}0" not in keys
    assert len(keys) == 80

    counts = counts_by_slot(c)
    assert sum(counts) == c.cmd("DBSIZE") == 179
    assert c.cmd("FLUSHALL") == "OK"
    assert c.cmd("CLUSTER", "COUNTKEYSINSLOT", sa) == 0
    assert exchange(c, ("CLUSTER", "GETKEYSINSLOT", sb, 10)) == b"*0\r\n"
