"""MIGRATE between standalone servers and between cluster nodes with open
slots (ASK, ASKING, TRYAGAIN while keys are split, SETSLOT NODE closing the
move), its options (COPY, REPLACE, AUTH, AUTH2, KEYS), errors (BUSYKEY from
the target, NOKEY, IOERR on connect and on a silent target) and the cached
connection; replicas of the source see the deletions. DEBUG DIGEST and
DIGEST-VALUE, and FUNCTION LIST/DUMP/RESTORE as redis-cli --cluster add-node
uses them, compared with redis-server 7.0.15; CLUSTER SETSLOT's errors.

Every test also runs against redis-server (SHOAL_SERVER=/usr/bin/redis-server):
only the texts shoal chose itself are skipped there."""

import socket

import pytest

import srvutil
from srvutil import Err

DEBUG = ("--enable-debug-command", "yes")
BUSYKEY = Err("ERR Target instance replied with error: BUSYKEY Target key name already exists.")


def _start(name, *args, path=None):
    return srvutil.Server(name, args, path=path).start()


@pytest.fixture(scope="module")
def servers():
    """src and dst (both $SHOAL_SERVER), a password-protected target, and a
    redis-server for the mixed cases."""
    made = {
        "src": _start("migrate-src", *DEBUG),
        "dst": _start("migrate-dst", *DEBUG),
        "auth": _start("migrate-auth", "--requirepass", "secret"),
        "redis": _start("migrate-redis", *DEBUG, "--databases", "1", path=srvutil.redis_path()),
    }
    yield made
    for s in made.values():
        srvutil.check_stopped_cleanly(s)


@pytest.fixture
def sd(servers):
    for s in servers.values():
        if not s.alive():
            pytest.fail("%s died earlier; log tail:\n%s" % (s.name, s.log_tail()))
    src, dst = servers["src"].client(), servers["dst"].client()
    src.flushall()
    dst.flushall()
    servers["redis"].client().flushall()
    servers["auth"].client(password="secret").flushall()
    yield src, dst, servers
    src.close()
    dst.close()


def migrate(server, *args):
    return srvutil.Raw(server.port, 10).cmd("MIGRATE", *args)


def test_single_key_keeps_ttl_and_leaves_source(sd):
    src, dst, s = sd
    src.set("a", "hello", px=50000)
    src.set("n", 12345)
    assert migrate(s["src"], "127.0.0.1", s["dst"].port, "a", 0, 5000) == "OK"
    assert migrate(s["src"], "127.0.0.1", s["dst"].port, "n", 0, 5000) == "OK"
    assert dst.get("a") == b"hello" and dst.get("n") == b"12345"
    assert 40000 < dst.pttl("a") <= 50000
    assert dst.pttl("n") == -1
    assert src.exists("a", "n") == 0


def test_keys_form_skips_missing_and_nokey(sd):
    src, dst, s = sd
    src.mset({"k1": "v1", "k2": "v2", "k3": "v3"})
    port = s["dst"].port
    assert migrate(s["src"], "127.0.0.1", port, "", 0, 5000, "KEYS", "k1", "nope", "k2", "k3") == "OK"
    assert dst.mget("k1", "k2", "k3") == [b"v1", b"v2", b"v3"]
    assert src.dbsize() == 0
    assert migrate(s["src"], "127.0.0.1", port, "", 0, 5000, "KEYS", "k1", "nope") == "NOKEY"
    assert migrate(s["src"], "127.0.0.1", port, "k1", 0, 5000) == "NOKEY"


def test_busykey_copy_replace(sd):
    src, dst, s = sd
    port = s["dst"].port
    src.set("x", "new")
    src.set("y", "only-here")
    dst.set("x", "old")
    # The first error is reported; y was acknowledged and leaves the source.
    assert migrate(s["src"], "127.0.0.1", port, "", 0, 5000, "KEYS", "x", "y") == BUSYKEY
    assert src.get("x") == b"new" and dst.get("x") == b"old"
    assert src.exists("y") == 0 and dst.get("y") == b"only-here"
    assert migrate(s["src"], "127.0.0.1", port, "x", 0, 5000, "COPY", "REPLACE") == "OK"
    assert src.get("x") == b"new" and dst.get("x") == b"new"
    assert migrate(s["src"], "127.0.0.1", port, "x", 0, 5000, "REPLACE") == "OK"
    assert src.exists("x") == 0 and dst.get("x") == b"new"


def test_argument_errors(sd):
    src, dst, s = sd
    src.set("x", "1")
    port = s["dst"].port
    assert migrate(s["src"], "127.0.0.1", port, "x", 0, 5000, "KEYS", "x") == Err(
        "ERR When using MIGRATE KEYS option, the key argument must be set to the empty string")
    assert migrate(s["src"], "127.0.0.1", port, "x", 0, 5000, "BOGUS") == Err("ERR syntax error")
    assert migrate(s["src"], "127.0.0.1", port, "x", 0, 5000, "AUTH") == Err("ERR syntax error")
    assert migrate(s["src"], "127.0.0.1", port, "x", 0, 5000, "AUTH2", "u") == Err("ERR syntax error")
    assert migrate(s["src"], "127.0.0.1", port, "x", 0, "soon") == Err(
        "ERR value is not an integer or out of range")
    assert migrate(s["src"], "127.0.0.1", port, "x", "db", 5000) == Err(
        "ERR value is not an integer or out of range")
    assert srvutil.Raw(s["src"].port).cmd("MIGRATE", "127.0.0.1", port, "x", 0) == Err(
        "ERR wrong number of arguments for 'migrate' command")
    r = srvutil.Raw(s["src"].port)
    assert r.cmd("COMMAND", "GETKEYS", "MIGRATE", "h", 1, "", 0, 5, "COPY", "KEYS", "a", "b") == [b"a", b"b"]
    assert r.cmd("COMMAND", "GETKEYS", "MIGRATE", "h", 1, "k", 0, 5, "AUTH", "pw") == [b"k"]
    info = r.cmd("COMMAND", "INFO", "MIGRATE")[0]
    assert info[:6] == [b"migrate", -6, ["write", "movablekeys"], 3, 3, 1]
    assert src.get("x") == b"1"


def test_ioerr_connect_and_silent_target(sd):
    src, dst, s = sd
    src.set("x", "1")
    # Redis does not check the outcome of its non-blocking connect: a
    # refused connection shows up as a failed write (retried once).
    port = srvutil.free_port()
    assert migrate(s["src"], "127.0.0.1", port, "x", 0, 500) == Err(
        "IOERR error or timeout writing to target instance")
    # A listener that never accepts: the connection completes in the
    # kernel, the request is buffered, no reply ever comes.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    try:
        assert migrate(s["src"], "127.0.0.1", silent.getsockname()[1], "x", 0, 300) == Err(
            "IOERR error or timeout reading to target instance")
    finally:
        silent.close()
    assert src.get("x") == b"1"


def test_auth_and_auth2(sd):
    src, dst, s = sd
    port = s["auth"].port
    src.mset({"a": "1", "b": "2", "c": "3"})
    assert migrate(s["src"], "127.0.0.1", port, "a", 0, 5000) == Err(
        "ERR Target instance replied with error: NOAUTH Authentication required.")
    assert migrate(s["src"], "127.0.0.1", port, "a", 0, 5000, "AUTH", "bad") == Err(
        "ERR Target instance replied with error: WRONGPASS invalid username-password pair or user is disabled.")
    assert src.get("a") == b"1"
    assert migrate(s["src"], "127.0.0.1", port, "a", 0, 5000, "AUTH", "secret") == "OK"
    assert migrate(s["src"], "127.0.0.1", port, "", 0, 5000, "AUTH2", "default", "secret", "KEYS", "b", "c") == "OK"
    assert s["auth"].client(password="secret").mget("a", "b", "c") == [b"1", b"2", b"3"]
    assert src.dbsize() == 0


def restore_clients(server, **kw):
    """Connections on server whose last command was RESTORE or RESTORE-ASKING."""
    listed = server.client(**kw).client_list()
    return [c for c in listed if c["cmd"] in ("restore", "restore-asking")]


def test_cached_connection_reused_and_retried(sd):
    src, dst, s = sd
    port = s["dst"].port
    for i in range(5):
        src.set("c%d" % i, i)
        assert migrate(s["src"], "127.0.0.1", port, "c%d" % i, 0, 5000) == "OK"
    conns = restore_clients(s["dst"])
    assert len(conns) == 1, conns
    # The target drops the cached connection: the next MIGRATE fails on the
    # stale socket and retries once on a new one.
    dst.client_kill_filter(_id=conns[0]["id"])
    srvutil.wait_until(lambda: not restore_clients(s["dst"]), 5, what="cached connection closed")
    src.set("d", "1")
    assert migrate(s["src"], "127.0.0.1", port, "d", 0, 5000) == "OK"
    assert dst.get("d") == b"1"
    assert len(restore_clients(s["dst"])) == 1


def test_replica_sees_dels(sd, make_server):
    src, dst, s = sd
    replica = make_server()
    srvutil.replicaof(replica, s["src"])
    src.mset({"r1": "a", "r2": "b", "r3": "c"})
    srvutil.wait_caught_up(s["src"], replica)
    rc = replica.client()
    assert rc.dbsize() == 3
    assert migrate(s["src"], "127.0.0.1", s["dst"].port, "", 0, 5000, "KEYS", "r1", "r2") == "OK"
    assert migrate(s["src"], "127.0.0.1", s["dst"].port, "r3", 0, 5000, "COPY") == "OK"
    srvutil.wait_until(lambda: rc.dbsize() == 1, 10, what="replica applies the DEL")
    srvutil.wait_caught_up(s["src"], replica)
    assert rc.get("r3") == b"c"
    srvutil.replicaof(replica, None)


def test_mixed_with_redis(sd):
    src, dst, s = sd
    red = s["redis"].client()
    src.set("m1", "from-src", px=60000)
    assert migrate(s["src"], "127.0.0.1", s["redis"].port, "m1", 0, 5000) == "OK"
    assert red.get("m1") == b"from-src" and 50000 < red.pttl("m1") <= 60000
    red.set("m2", "from-redis")
    assert migrate(s["redis"], "127.0.0.1", s["src"].port, "", 0, 5000, "KEYS", "m1", "m2") == "OK"
    assert src.mget("m1", "m2") == [b"from-src", b"from-redis"]
    assert red.dbsize() == 0
    # A SELECT the target refuses (redis runs with one database).
    assert migrate(s["src"], "127.0.0.1", s["redis"].port, "m1", 3, 5000) == Err(
        "ERR Target instance replied with error: ERR DB index is out of range")


def test_digests_match_redis(sd):
    src, dst, s = sd
    red = s["redis"].client()
    values = {"s": "hello", "i": 12345, "neg": -7, "empty": "", "bin": b"\x00\xff\r\n",
              "long": "x" * 1000, "f": "3.14"}
    for c in (src, red):
        c.mset(values)
        c.pexpire("s", 100000)
    keys = sorted(values) + ["missing"]
    mine = srvutil.Raw(s["src"].port).cmd("DEBUG", "DIGEST-VALUE", *keys)
    theirs = srvutil.Raw(s["redis"].port).cmd("DEBUG", "DIGEST-VALUE", *keys)
    assert mine == theirs
    assert mine[-1] == "0" * 40 and all(len(d) == 40 for d in mine)
    assert len(set(mine)) == len(mine)
    assert srvutil.Raw(s["src"].port).cmd("DEBUG", "DIGEST") == srvutil.Raw(s["redis"].port).cmd("DEBUG", "DIGEST")
    src.flushall()
    assert srvutil.Raw(s["src"].port).cmd("DEBUG", "DIGEST") == "0" * 40


def test_debug_gated(sd):
    src, dst, s = sd
    assert srvutil.Raw(s["auth"].port).cmd("AUTH", "secret") == "OK"
    with srvutil.Raw(s["auth"].port) as r:
        r.cmd("AUTH", "secret")
        reply = r.cmd("DEBUG", "DIGEST")
    assert isinstance(reply, Err) and reply.text.startswith("ERR DEBUG command not allowed.")


def test_function_add_node_steps(sd):
    src, dst, s = sd
    mine, theirs = srvutil.Raw(s["src"].port), srvutil.Raw(s["redis"].port)
    assert mine.cmd("FUNCTION", "LIST") == []
    assert mine.cmd("FUNCTION", "LIST", "WITHCODE", "LIBRARYNAME", "x*") == []
    dump = mine.cmd("FUNCTION", "DUMP")
    assert dump == theirs.cmd("FUNCTION", "DUMP") == bytes.fromhex("0a005d9b5c400f7fa2da")
    assert mine.cmd("FUNCTION", "RESTORE", theirs.cmd("FUNCTION", "DUMP")) == "OK"
    assert theirs.cmd("FUNCTION", "RESTORE", dump, "REPLACE") == "OK"
    assert mine.cmd("FUNCTION", "RESTORE", dump, "FLUSH") == "OK"
    assert mine.cmd("FUNCTION", "RESTORE", b"\x0a\x00" + b"\x00" * 8) == Err(
        "ERR DUMP payload version or checksum are wrong")
    assert mine.cmd("FUNCTION", "RESTORE", dump, "MERGE") == Err(
        "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.")
    src.set("str", "v")
    assert mine.cmd("FUNCTION", "RESTORE", src.dump("str")) == Err("ERR given type is not a function")
    assert mine.cmd("FUNCTION", "FLUSH") == "OK"
    assert mine.cmd("FUNCTION", "KILL") == Err("NOTBUSY No scripts in execution right now.")
    assert mine.cmd("FUNCTION", "DELETE", "lib") == Err("ERR Library not found")


@pytest.mark.skipif(srvutil.IS_REDIS, reason=srvutil.SHOAL_ONLY)
def test_function_libraries_refused(sd):
    src, dst, s = sd
    red = srvutil.Raw(s["redis"].port)
    assert red.cmd("FUNCTION", "LOAD", "#!lua name=lib\nredis.register_function('f', function() return 1 end)") \
        == b"lib"
    payload = red.cmd("FUNCTION", "DUMP")
    red.cmd("FUNCTION", "FLUSH")
    mine = srvutil.Raw(s["src"].port)
    assert mine.cmd("FUNCTION", "RESTORE", payload) == Err(
        "ERR Function libraries are not supported by this shoal version (no scripting engine)")
    assert mine.cmd("FUNCTION", "LOAD", "#!lua name=lib\nreturn 1") == Err(
        "ERR Functions are not supported by this shoal version (no scripting engine)")
    assert mine.cmd("FUNCTION", "LIST") == []


# ---- cluster mode ----

SPLIT = 8192
TAG = "{b}"          # a slot of A's
TAG_ERR = "{c}"      # another slot of A's, for SETSLOT errors


def test_cluster_tags_premise():
    assert srvutil.key_slot(TAG) < SPLIT and srvutil.key_slot(TAG_ERR) < SPLIT
    assert srvutil.key_slot(TAG) != srvutil.key_slot(TAG_ERR)


@pytest.fixture(scope="module")
def trio(bus_nodes):
    """A (0-8191) and B (8192-16383) masters, C a replica of A."""
    a = bus_nodes("A")
    b = bus_nodes("B")
    c = bus_nodes("C")
    a.own_slots(0, SPLIT - 1)
    b.own_slots(SPLIT, srvutil.CLUSTER_SLOTS_COUNT - 1)
    a.meet(b)
    a.meet(c)
    srvutil.wait_bus_joined([a, b, c])
    assert c.cmd("CLUSTER", "REPLICATE", a.node_id) == "OK"
    for n in (a, b, c):
        n.wait_cluster_state("ok")
    srvutil.wait_until(lambda: "slave" in c.cluster_nodes()[c.node_id].flags
                       and "slave" in a.cluster_nodes()[c.node_id].flags
                       and "slave" in b.cluster_nodes()[c.node_id].flags, 10, what="C seen as a replica")
    return a, b, c


def test_cluster_migration_ask_tryagain_and_close(trio):
    a, b, c = trio
    slot = srvutil.key_slot(TAG)
    keys = ["%s%d" % (TAG, i) for i in range(4)]
    with srvutil.Raw(a.port) as ra:
        for k in keys:
            assert ra.cmd("SET", k, "v-" + k) == "OK"
        assert ra.cmd("PEXPIRE", keys[0], 100000) == 1
    assert b.cmd("CLUSTER", "SETSLOT", slot, "IMPORTING", a.node_id) == "OK"
    assert a.cmd("CLUSTER", "SETSLOT", slot, "MIGRATING", b.node_id) == "OK"
    # RESTORE-ASKING lands on the importing node without ASKING.
    assert a.cmd("MIGRATE", "127.0.0.1", b.port, "", 0, 5000, "KEYS", keys[0], keys[1]) == "OK"
    assert a.cmd("GET", keys[0]) == Err("ASK %d 127.0.0.1:%d" % (slot, b.port))
    assert a.cmd("GET", keys[2]) == b"v-" + keys[2].encode()
    assert a.cmd("MGET", keys[0], keys[2]) == Err("TRYAGAIN Multiple keys request during rehashing of slot")
    with srvutil.Raw(b.port) as rb:
        assert rb.cmd("GET", keys[0]) == Err("MOVED %d 127.0.0.1:%d" % (slot, a.port))
        assert rb.cmd("ASKING") == "OK"
        assert rb.cmd("GET", keys[0]) == b"v-" + keys[0].encode()
        assert rb.cmd("PTTL", keys[0]) == Err("MOVED %d 127.0.0.1:%d" % (slot, a.port))
        assert rb.cmd("ASKING") == "OK"
        assert 0 < rb.cmd("PTTL", keys[0]) <= 100000
    # MIGRATE on an open slot runs where it is sent, even for a key not here.
    assert a.cmd("MIGRATE", "127.0.0.1", b.port, keys[0], 0, 5000) == "NOKEY"
    assert a.cmd("CLUSTER", "SETSLOT", slot, "NODE", b.node_id) == Err(
        "ERR Can't assign hashslot %d to a different node while I still hold keys for this hash slot." % slot)
    assert a.cmd("MIGRATE", "127.0.0.1", b.port, "", 0, 5000, "KEYS", *keys) == "OK"
    assert a.cmd("CLUSTER", "COUNTKEYSINSLOT", slot) == 0
    srvutil.wait_until(lambda: c.cmd("DBSIZE") == 0, 10, what="replica C sees the DELs")
    # A takes the greatest epoch, so closing the import must bump B's past it.
    assert a.cmd("CLUSTER", "BUMPEPOCH").split(" ")[0] in ("BUMPED", "STILL")
    a_epoch = int(a.cluster_info()["cluster_my_epoch"])
    srvutil.wait_until(lambda: int(b.cluster_info()["cluster_current_epoch"]) >= a_epoch, 10,
                       what="B hears A's epoch")
    epoch_before = a_epoch
    assert b.cmd("CLUSTER", "SETSLOT", slot, "NODE", b.node_id) == "OK"
    assert a.cmd("CLUSTER", "SETSLOT", slot, "NODE", b.node_id) == "OK"
    # Closing the import gives B the greatest epoch (bumped unless it had it already).
    info = b.cluster_info()
    assert int(info["cluster_my_epoch"]) == int(info["cluster_current_epoch"]) > epoch_before
    assert all(int(n.config_epoch) < int(info["cluster_my_epoch"])
               for n in b.cluster_nodes().values() if n.id != b.node_id)
    assert a.cmd("GET", keys[1]) == Err("MOVED %d 127.0.0.1:%d" % (slot, b.port))
    assert b.cmd("MGET", *keys) == [b"v-" + k.encode() for k in keys]
    srvutil.wait_until(lambda: slot in c.cluster_nodes()[b.node_id].slot_set(), 10, what="C learns B owns the slot")
    # Back to A, cold: SETSLOT NODE on both without keys.
    assert b.cmd("DEL", *keys) == len(keys)
    assert b.cmd("CLUSTER", "SETSLOT", slot, "NODE", a.node_id) == "OK"
    assert a.cmd("CLUSTER", "SETSLOT", slot, "NODE", a.node_id) == "OK"
    srvutil.wait_until(lambda: slot in b.cluster_nodes()[a.node_id].slot_set(), 10, what="B learns A owns it again")


def test_setslot_errors(trio):
    a, b, c = trio
    slot = srvutil.key_slot(TAG_ERR)
    bogus = "f" * 40
    assert c.cmd("CLUSTER", "SETSLOT", slot, "STABLE") == Err("ERR Please use SETSLOT only with masters.")
    assert b.cmd("CLUSTER", "SETSLOT", slot, "MIGRATING", a.node_id) == Err(
        "ERR I'm not the owner of hash slot %d" % slot)
    assert a.cmd("CLUSTER", "SETSLOT", slot, "IMPORTING", b.node_id) == Err(
        "ERR I'm already the owner of hash slot %d" % slot)
    assert a.cmd("CLUSTER", "SETSLOT", slot, "MIGRATING", bogus) == Err("ERR I don't know about node %s" % bogus)
    assert b.cmd("CLUSTER", "SETSLOT", slot, "IMPORTING", bogus) == Err("ERR I don't know about node %s" % bogus)
    assert a.cmd("CLUSTER", "SETSLOT", slot, "MIGRATING", c.node_id) == Err("ERR Target node is not a master")
    assert b.cmd("CLUSTER", "SETSLOT", slot, "IMPORTING", c.node_id) == Err("ERR Target node is not a master")
    assert a.cmd("CLUSTER", "SETSLOT", slot, "NODE", bogus) == Err("ERR Unknown node %s" % bogus)
    assert a.cmd("CLUSTER", "SETSLOT", slot, "NODE", c.node_id) == Err("ERR Target node is not a master")
    assert a.cmd("CLUSTER", "SETSLOT", 16384, "STABLE") == Err("ERR Invalid or out of range slot")
    assert a.cmd("CLUSTER", "SETSLOT", slot, "BOGUS") == Err(
        "ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP")
    assert a.cmd("CLUSTER", "SETSLOT", slot, "NODE") == Err(
        "ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP")
    assert a.cmd("SET", TAG_ERR, "1") == "OK"
    try:
        assert a.cmd("CLUSTER", "SETSLOT", slot, "NODE", b.node_id) == Err(
            "ERR Can't assign hashslot %d to a different node while I still hold keys for this hash slot." % slot)
        assert a.cmd("CLUSTER", "SETSLOT", slot, "MIGRATING", b.node_id) == "OK"
        assert "[%d->-%s]" % (slot, b.node_id) in a.cmd("CLUSTER", "NODES").decode()
        assert a.cmd("CLUSTER", "SETSLOT", slot, "STABLE") == "OK"
        assert "->-" not in a.cmd("CLUSTER", "NODES").decode()
    finally:
        a.cmd("DEL", TAG_ERR)


def test_cluster_migrate_routes_by_its_keys(trio):
    """Outside an open slot MIGRATE is routed like any keyed command, by the
    key or by the keys after KEYS (COMMAND GETKEYS's answer)."""
    a, b, _ = trio
    mine = next("{a-route%d}" % i for i in range(1000) if srvutil.key_slot("{a-route%d}" % i) < SPLIT)
    theirs = next("{b-route%d}" % i for i in range(1000) if srvutil.key_slot("{b-route%d}" % i) >= SPLIT)
    slot_b = srvutil.key_slot(theirs)
    assert a.cmd("MIGRATE", "127.0.0.1", b.port, theirs, 0, 5000) == Err(
        "MOVED %d 127.0.0.1:%d" % (slot_b, b.port))
    assert a.cmd("MIGRATE", "127.0.0.1", b.port, "", 0, 5000, "KEYS", theirs) == Err(
        "MOVED %d 127.0.0.1:%d" % (slot_b, b.port))
    assert a.cmd("MIGRATE", "127.0.0.1", b.port, "", 0, 5000, "KEYS", mine, theirs) == Err(
        "CROSSSLOT Keys in request don't hash to the same slot")
    assert a.cmd("MIGRATE", "127.0.0.1", b.port, "", 0, 5000, "KEYS", mine) == "NOKEY"
