"""Master/replica replication between two $SHOAL_SERVER processes (two
redis-servers with SHOAL_SERVER=redis-server, which is how these tests are
validated): full sync of 200,000 keys in both transfer forms with writes
during the sync and no half-loaded keyspace visible, the command stream
(rewrites, MULTI/EXEC, expiry DELs) checked on a real replica and byte by byte
on a hand-driven one, INFO replication and ROLE, partial resync after a
killed link, full resync past the backlog, WAIT, min-replicas-to-write,
read-only replicas, promotion with REPLICAOF NO ONE and the psync2 partial
resync of the old master, and REPLICAOF's replies.

Spec: ../shared/spec/replication.md §3-§9, §11-§14. Equality of two
keyspaces means every key, value and absolute expire time (PEXPIRETIME) is
the same: the stream carries absolute times, so nothing may drift."""

import os
import re
import select
import signal
import threading
import time

import pytest

import srvutil
from srvutil import Err, Raw, encode

FAST = srvutil.REPL_FAST_ARGS
FULL_SYNC_KEYS = 200000
READONLY_ERR = "READONLY You can't write against a read only replica."
NOREPLICAS_ERR = "NOREPLICAS Not enough good replicas to write."
WAIT_ON_REPLICA_ERR = ("ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 "
                       "if a replica is configured to be writable (which is not the default) writes to "
                       "replicas are just local and are not propagated.")
FAKE_REPLICA_PORT = 45678
STREAM_READ_TIMEOUT_S = 10.0
ACK_PERIOD_S = 0.2
INFO_ATTEMPTS_MAX = 3


def cmd(server, *args):
    with Raw(server.port, 10) as c:
        return c.cmd(*args)


def dbsize(server):
    return cmd(server, "DBSIZE")


# ---- a master and a replica shared by the module ----

@pytest.fixture(scope="module")
def pair():
    m = srvutil.Server("repl-master", FAST).start()
    r = srvutil.Server("repl-replica", FAST).start()
    srvutil.replicaof(r, m)
    srvutil.wait_caught_up(m, r, srvutil.REPL_SYNC_TIMEOUT_S)
    yield m, r
    failures = []
    for s in (r, m):
        try:
            srvutil.check_stopped_cleanly(s)
        except pytest.fail.Exception as e:
            failures.append(str(e))
    if failures:
        pytest.fail("\n".join(failures))


@pytest.fixture
def mr(pair):
    """(master, replica): linked, caught up, both keyspaces empty."""
    m, r = pair
    for s in pair:
        if not s.alive():
            pytest.fail("%s died earlier; log tail:\n%s" % (s.name, s.log_tail()))
    info = srvutil.repl_info(r)
    if info.get("role") != "slave" or info.get("master_port") != str(m.port):
        srvutil.replicaof(r, m)  # an earlier test failed half-way
    assert cmd(m, "FLUSHALL") == "OK"
    srvutil.wait_caught_up(m, r)
    assert dbsize(r) == 0
    return m, r


# ---- full synchronization ----

class DbsizePoller(threading.Thread):
    """Polls DBSIZE on a replica during its full sync and records every
    reply: the replica must show its old keyspace (0 keys here), -LOADING,
    or the whole snapshot; never a part of it."""

    def __init__(self, server):
        threading.Thread.__init__(self, daemon=True)
        self.server = server
        self.replies = []
        self.error = None
        self._stop_ev = threading.Event()

    def run(self):
        try:
            with Raw(self.server.port, 10) as c:
                while not self._stop_ev.is_set():
                    self.replies.append(c.cmd("DBSIZE"))
                    time.sleep(0.005)
        except Exception as e:
            self.error = e

    def stop(self):
        self._stop_ev.set()
        self.join(30)
        assert not self.is_alive(), "DBSIZE poller did not stop"
        assert self.error is None, "DBSIZE poller failed (connection dropped?): %r" % self.error
        return self.replies


def check_never_half_loaded(replies, full):
    bad = [x for x in replies
           if not (x == 0
                   or (isinstance(x, int) and x >= full)
                   or (isinstance(x, Err) and x.text.startswith("LOADING")))]
    assert not bad, "DBSIZE during the sync showed a partial keyspace: %r" % bad[:10]
    assert replies, "the DBSIZE poller got no reply at all"


@pytest.mark.parametrize("diskless", ["yes", "no"], ids=["eof-form", "disk-form"])
def test_full_sync_of_200k_keys_with_writes_during_it(make_server, diskless):
    m = make_server("--repl-diskless-sync", diskless, *FAST, name="full-sync-master-" + diskless)
    r = make_server(*FAST, name="full-sync-replica-" + diskless)
    srvutil.load_keys(m, FULL_SYNC_KEYS, prefix="key:", ttl_every=10)
    assert dbsize(m) == FULL_SYNC_KEYS
    full0, partial0, _ = srvutil.sync_stats(m)

    writer = srvutil.Writer(m, "during:")
    poller = DbsizePoller(r)
    writer.start()
    poller.start()
    try:
        srvutil.wait_until(lambda: writer.written > 0 or writer.error, 10, what="the writer to start")
        t0 = time.monotonic()
        assert srvutil.replicaof(r, m) == "OK"
        srvutil.wait_until(lambda: srvutil.repl_info(r)["master_link_status"] == "up",
                           srvutil.REPL_SYNC_TIMEOUT_S, interval_s=0.02, what="master_link_status:up")
        t1 = time.monotonic()
        # keep writing a little after the link is up: those go through the live stream
        srvutil.wait_until(lambda: writer.batches_between(t1, time.monotonic()) >= 3 or writer.error,
                           10, what="writes after the sync")
    finally:
        written = writer.stop()
        replies = poller.stop()
    assert writer.batches_between(t0, t1) > 0, "no write happened while the sync ran"
    srvutil.wait_caught_up(m, r)
    check_never_half_loaded(replies, FULL_SYNC_KEYS)

    full1, partial1, _ = srvutil.sync_stats(m)
    assert (full1, partial1) == (full0 + 1, partial0)
    assert dbsize(m) == FULL_SYNC_KEYS + written
    assert dbsize(r) == FULL_SYNC_KEYS + written
    srvutil.assert_same_keyspace(m, r)
    info = srvutil.repl_info(r)
    assert info["master_sync_in_progress"] == "0"
    assert info["master_replid"] == srvutil.repl_info(m)["master_replid"]


# ---- the stream, read by a hand-driven replica ----

def read_nl_line(c):
    """One handshake line as a replica reads it: up to \\n, \\r stripped."""
    while b"\n" not in c.buf:
        c.fill()
    line, c.buf = c.buf.split(b"\n", 1)
    return line[:-1] if line.endswith(b"\r") else line


def decode_command(data):
    """The argv of one RESP multibulk command (exact bytes, nothing more)."""
    assert data[:1] == b"*", data
    end = data.index(b"\r\n")
    count = int(data[1:end])
    pos, argv = end + 2, []
    for _ in range(count):
        assert data[pos:pos + 1] == b"$", data
        end = data.index(b"\r\n", pos)
        n = int(data[pos + 1:end])
        argv.append(data[end + 2:end + 2 + n])
        assert data[end + 2 + n:end + 4 + n] == b"\r\n", data
        pos = end + 4 + n
    assert pos == len(data), data
    return argv


class FakeReplica:
    """A replica driven by hand: the 7.0 handshake (each step's reply read
    before the next, spec §2), the snapshot in either framing, then the
    stream one command at a time with its exact bytes counted."""

    def __init__(self, master):
        self.c = Raw(master.port, STREAM_READ_TIMEOUT_S)
        self.consumed = 0

    def close(self):
        self.c.close()

    def sync(self):
        c = self.c
        assert c.cmd("PING") == "PONG"
        assert c.cmd("REPLCONF", "listening-port", FAKE_REPLICA_PORT) == "OK"
        assert c.cmd("REPLCONF", "capa", "eof", "capa", "psync2") == "OK"
        c.send(encode("PSYNC", "?", "-1"))
        line = b""
        while not line:  # newline keepalives may come first
            line = read_nl_line(c)
        m = re.match(rb"^\+FULLRESYNC ([0-9a-f]{40}) (\d+)$", line)
        assert m, line
        self.replid, self.offset = m.group(1).decode(), int(m.group(2))
        line = b""
        while not line:
            line = read_nl_line(c)
        if line.startswith(b"$EOF:"):
            mark = line[5:]
            assert re.match(rb"^[0-9a-f]{40}$", mark), line
            while not (len(c.buf) >= 40 and c.buf.endswith(mark)):
                c.fill()
            self.rdb, c.buf = c.buf[:-40], b""
            self.form = "eof"
            self.ack()  # and again while waiting: the stream starts after one
        else:
            assert re.match(rb"^\$\d+$", line), line
            self.rdb = c.read_exact(int(line[1:]))
            self.form = "disk"
        assert self.rdb.startswith(b"REDIS0010"), self.rdb[:20]

    def wait_data(self):
        """Waits for stream bytes, sending REPLCONF ACK every ACK_PERIOD_S
        meanwhile as a real replica does: after an EOF-form transfer the
        master starts the stream only on an ACK that arrives once it has
        finished the transfer on its side (spec §4.2)."""
        deadline = time.monotonic() + STREAM_READ_TIMEOUT_S
        while not self.c.buf:
            readable, _, _ = select.select([self.c.sock], [], [], ACK_PERIOD_S)
            if readable:
                return
            if time.monotonic() > deadline:
                raise AssertionError("no stream bytes for %.0fs" % STREAM_READ_TIMEOUT_S)
            self.ack()

    def next_command(self, skip_ping=True):
        """The next stream command's argv (lower-case pings skipped and
        counted)."""
        while True:
            self.wait_data()
            data = self.c.raw_reply()
            self.consumed += len(data)
            argv = decode_command(data)
            if not (skip_ping and argv == [b"ping"]):
                return argv

    def ack(self):
        self.c.send(encode("REPLCONF", "ACK", self.offset + self.consumed))


def near_ms(value, want_ms, slack_ms=10000):
    return abs(int(value) - want_ms) <= slack_ms


@pytest.mark.parametrize("diskless", ["yes", "no"], ids=["eof-form", "disk-form"])
def test_stream_bytes_seen_by_a_hand_driven_replica(make_server, diskless):
    m = make_server("--repl-diskless-sync", diskless, "--repl-ping-replica-period", "60", *FAST)
    assert cmd(m, "SET", "before", "sync") == "OK"
    fr = FakeReplica(m)
    try:
        fr.sync()
        assert fr.form == ("eof" if diskless == "yes" else "disk")
        assert b"before" in fr.rdb
        assert b"repl-id" in fr.rdb and fr.replid.encode() in fr.rdb
        info = srvutil.repl_info(m)
        assert info["master_replid"] == fr.replid
        check_stream(m, fr)
    finally:
        fr.close()


def check_stream(m, fr):
    now_ms = int(time.time() * 1000)
    with Raw(m.port, 10) as c:
        def do(*args):
            reply = c.cmd(*args)
            assert not isinstance(reply, Err), (args, reply)
            return reply
        do("set", "k2", "v2")
        assert fr.next_command() == [b"SELECT", b"0"]  # first command after a full sync
        assert fr.next_command() == [b"set", b"k2", b"v2"]  # the client's case kept
        do("expire", "k2", "100")
        argv = fr.next_command()
        assert argv[:2] == [b"PEXPIREAT", b"k2"] and len(argv) == 3 and near_ms(argv[2], now_ms + 100000), argv
        do("incr", "cnt")
        assert fr.next_command() == [b"incr", b"cnt"]
        do("set", "ee", "1", "ex", "100")
        argv = fr.next_command()
        assert argv[:4] == [b"SET", b"ee", b"1", b"PXAT"] and near_ms(argv[4], now_ms + 100000), argv
        do("setex", "se", "50", "v")
        argv = fr.next_command()
        assert argv[:4] == [b"SET", b"se", b"v", b"PXAT"] and near_ms(argv[4], now_ms + 50000), argv
        do("incrbyfloat", "fl", "1.5")
        assert fr.next_command() == [b"SET", b"fl", b"1.5", b"KEEPTTL"]
        do("getdel", "k2")
        assert fr.next_command() == [b"DEL", b"k2"]
        do("getex", "ee", "persist")
        assert fr.next_command() == [b"PERSIST", b"ee"]
        do("del", "missing")  # changed nothing: not propagated
        do("multi")
        do("set", "a", "1")
        do("set", "b", "2")
        assert do("exec") == ["OK", "OK"]
        assert [fr.next_command() for _ in range(4)] == [
            [b"MULTI"], [b"set", b"a", b"1"], [b"set", b"b", b"2"], [b"EXEC"]]
        do("multi")
        do("set", "c", "3")
        do("exec")
        assert fr.next_command() == [b"set", b"c", b"3"]  # one effect: not wrapped
        do("set", "tmp", "1", "px", "1")
        argv = fr.next_command()
        assert argv[:4] == [b"SET", b"tmp", b"1", b"PXAT"], argv
        srvutil.wait_until(lambda: c.cmd("exists", "tmp") == 0, 5, what="tmp to expire on the master")
        assert fr.next_command() == [b"DEL", b"tmp"]
        do("flushall")
        assert fr.next_command() == [b"flushall"]
    check_offsets_and_ack(m, fr)


def check_offsets_and_ack(m, fr):
    """master_repl_offset counts exactly the stream bytes (§6); a REPLCONF
    ACK gets no reply and shows as the replica's offset in INFO."""
    master_off = int(srvutil.repl_info(m)["master_repl_offset"])
    while fr.offset + fr.consumed < master_off:  # only pings may be left
        assert fr.next_command(skip_ping=False) == [b"ping"]
    assert fr.offset + fr.consumed == master_off
    fr.ack()
    want = "ip=127.0.0.1,port=%d,state=online,offset=%d," % (FAKE_REPLICA_PORT, master_off)
    srvutil.wait_until(lambda: srvutil.repl_info(m).get("slave0", "").startswith(want), 5,
                       what="slave0 to show the ACKed offset (%s)" % want)
    extra, closed = fr.c.read_for(0.3)
    assert (extra, closed) == (b"", False), "the master answered REPLCONF ACK or closed: %r" % extra


def test_master_pings_its_replicas_every_period(make_server):
    """With no writes the stream carries a lower-case ping every
    repl-ping-replica-period seconds (§5.2), counted in the offset, and a
    real replica follows it."""
    m = make_server("--repl-ping-replica-period", "1", *FAST)
    fr = FakeReplica(m)
    try:
        fr.sync()
        times = []
        for _ in range(2):
            assert fr.next_command(skip_ping=False) == [b"ping"]
            times.append(time.monotonic())
        assert 0.5 <= times[1] - times[0] <= 3, times
        assert fr.consumed == 28
    finally:
        fr.close()
    r = make_server(*FAST)
    srvutil.replicaof(r, m)
    srvutil.wait_caught_up(m, r, srvutil.REPL_SYNC_TIMEOUT_S)
    off = int(srvutil.repl_info(m)["master_repl_offset"])
    srvutil.wait_until(lambda: int(srvutil.repl_info(m)["master_repl_offset"]) >= off + 28, 5,
                       what="two more pings")
    srvutil.wait_caught_up(m, r)


# ---- the stream on a real replica ----

def test_writes_after_sync_reach_the_replica(mr):
    m, r = mr
    mc = m.client(decode_responses=True)
    try:
        mc.set("s", "plain")
        mc.set("sex", "v", ex=1000)
        mc.set("spx", "v", px=2000000)
        mc.setex("setex", 500, "v")
        mc.set("n", 10)
        mc.incr("n")
        mc.set("f", "1.25", px=3000000)
        mc.incrbyfloat("f", 2.5)  # keeps its TTL on both
        mc.set("ap", "ab")
        mc.append("ap", "cd")
        mc.set("gone", "x")
        mc.delete("gone")
        mc.set("ex", "v")
        mc.expire("ex", 900)
        mc.set("pers", "v", ex=900)
        mc.persist("pers")
        mc.set("gd", "v")
        assert mc.getdel("gd") == "v"
        mc.set("gx", "v")
        assert mc.getex("gx", px=1500000) == "v"
        mc.set("gp", "v", ex=900)
        assert mc.getex("gp", persist=True) == "v"
        mc.mset({"m1": "a", "m2": "b", "m3": "c"})
        mc.set("old", "v", ex=800)
        mc.rename("old", "new")
        p = mc.pipeline(transaction=True)
        p.set("tx1", "1").incr("tx1").set("tx2", "2", ex=700).delete("m3")
        assert p.execute() == [True, 2, True, 1]
        srvutil.wait_caught_up(m, r)
        srvutil.assert_same_keyspace(m, r)
        rc = r.client(decode_responses=True)
        try:
            assert rc.get("n") == "11" and rc.get("f") == "3.75" and rc.get("ap") == "abcd"
            assert rc.exists("gone", "gd", "old", "m3") == 0
            assert rc.get("new") == "v" and rc.ttl("new") > 700
            assert rc.ttl("pers") == -1 and rc.ttl("gp") == -1 and rc.pttl("f") > 2000000
            assert rc.get("tx1") == "2"
            mc.flushall()
            mc.set("after-flush", "1")
            srvutil.wait_caught_up(m, r)
            assert rc.dbsize() == 1 and rc.get("after-flush") == "1"
        finally:
            rc.close()
    finally:
        mc.close()


def test_key_expiring_on_master_is_deleted_on_replica_by_the_master(mr):
    """A replica never expires keys itself (§5.1): while the master is
    stopped an expired key reads as missing on the replica but stays in its
    keyspace; the master's DEL removes it."""
    m, r = mr
    assert cmd(m, "SET", "keep", "1") == "OK"
    assert cmd(m, "SET", "short", "v", "PX", "300") == "OK"
    srvutil.wait_caught_up(m, r)
    assert dbsize(r) == 2
    os.kill(m.pid, signal.SIGSTOP)
    try:
        srvutil.wait_until(lambda: cmd(r, "GET", "short") is None, 5, what="short to read as expired")
        assert cmd(r, "EXISTS", "short") == 0
        assert dbsize(r) == 2, "the replica deleted an expired key by itself"
    finally:
        os.kill(m.pid, signal.SIGCONT)
    srvutil.wait_until(lambda: dbsize(r) == 1, 10, what="the master's DEL to reach the replica")
    srvutil.wait_caught_up(m, r)
    assert cmd(r, "GET", "keep") == b"1"


# ---- INFO replication and ROLE ----

MASTER_FIELDS = ["role", "connected_slaves", "slave0", "master_failover_state", "master_replid",
                 "master_replid2", "master_repl_offset", "second_repl_offset", "repl_backlog_active",
                 "repl_backlog_size", "repl_backlog_first_byte_offset", "repl_backlog_histlen"]
REPLICA_FIELDS = ["role", "master_host", "master_port", "master_link_status", "master_last_io_seconds_ago",
                  "master_sync_in_progress", "slave_read_repl_offset", "slave_repl_offset",
                  "slave_priority", "slave_read_only", "replica_announced", "connected_slaves",
                  "master_failover_state", "master_replid", "master_replid2", "master_repl_offset",
                  "second_repl_offset", "repl_backlog_active", "repl_backlog_size",
                  "repl_backlog_first_byte_offset", "repl_backlog_histlen"]


def test_info_replication_and_role_on_both_sides(mr):
    m, r = mr
    assert cmd(m, "SET", "x", "1") == "OK"
    assert srvutil.info_field_order(m, "replication") == MASTER_FIELDS
    assert srvutil.info_field_order(r, "replication") == REPLICA_FIELDS
    # A periodic ping moves the master's offset: retry a reading it spoiled.
    for _ in range(INFO_ATTEMPTS_MAX):
        srvutil.wait_caught_up(m, r)
        off = int(srvutil.repl_info(m)["master_repl_offset"])
        want0 = "ip=127.0.0.1,port=%d,state=online,offset=%d," % (r.port, off)
        srvutil.wait_until(lambda: srvutil.repl_info(m)["slave0"].startswith(want0), 5,
                           what="slave0 to show the replica's ACK of %d" % off)
        mi, ri = srvutil.repl_info(m), srvutil.repl_info(r)
        with Raw(m.port) as c:
            mrole = c.cmd("ROLE")
        with Raw(r.port) as c:
            rrole = c.cmd("ROLE")
            c.send(b"HELLO 3\r\n")
            c.reply()
            rrole3 = c.cmd("ROLE")
        if srvutil.repl_info(m)["master_repl_offset"] == str(off):
            break
    check_master_info(mi, r, off)
    check_replica_info(ri, m, mi, off)
    assert mrole == [b"master", off, [[b"127.0.0.1", str(r.port).encode(), str(off).encode()]]]
    assert rrole == rrole3 == [b"slave", b"127.0.0.1", m.port, b"connected", off]


def check_master_info(mi, r, off):
    m0 = re.match(r"^ip=127\.0\.0\.1,port=%d,state=online,offset=%d,lag=(\d+)$" % (r.port, off), mi["slave0"])
    assert m0 and int(m0.group(1)) <= 5, mi["slave0"]
    assert (mi["role"], mi["connected_slaves"], mi["master_failover_state"]) == ("master", "1", "no-failover")
    assert srvutil.REPL_ID_RE.match(mi["master_replid"])
    assert (mi["master_replid2"], mi["second_repl_offset"]) == (srvutil.REPL_NO_ID, "-1")
    assert (mi["repl_backlog_active"], mi["repl_backlog_size"]) == ("1", "1048576")
    first, hist = int(mi["repl_backlog_first_byte_offset"]), int(mi["repl_backlog_histlen"])
    assert first >= 1 and hist > 0 and first + hist - 1 == off


def check_replica_info(ri, m, mi, off):
    assert (ri["role"], ri["master_host"], ri["master_port"]) == ("slave", "127.0.0.1", str(m.port))
    assert (ri["master_link_status"], ri["master_sync_in_progress"]) == ("up", "0")
    assert int(ri["master_last_io_seconds_ago"]) in range(0, 12)
    assert ri["slave_read_repl_offset"] == ri["slave_repl_offset"] == str(off)
    assert (ri["slave_priority"], ri["slave_read_only"], ri["replica_announced"]) == ("100", "1", "1")
    assert (ri["connected_slaves"], ri["master_failover_state"]) == ("0", "no-failover")
    assert (ri["master_replid"], ri["master_repl_offset"]) == (mi["master_replid"], str(off))
    assert (ri["master_replid2"], ri["second_repl_offset"]) == (srvutil.REPL_NO_ID, "-1")
    assert ri["repl_backlog_active"] == "1" and int(ri["repl_backlog_histlen"]) >= 0


def test_role_and_info_of_a_lone_master(server):
    with Raw(server.port) as c:
        assert c.cmd("ROLE") == [b"master", 0, []]
    info = srvutil.repl_info(server)
    assert (info["role"], info["connected_slaves"], info["master_repl_offset"]) == ("master", "0", "0")
    assert (info["repl_backlog_active"], info["repl_backlog_histlen"]) == ("0", "0")
    assert "slave0" not in info


# ---- partial and full resynchronization ----

def test_killed_link_resumes_with_partial_resync(mr):
    m, r = mr
    srvutil.load_keys(m, 500, prefix="pre:")
    srvutil.wait_caught_up(m, r)
    full0, partial0, _ = srvutil.sync_stats(m)
    replid = srvutil.repl_info(m)["master_replid"]
    assert cmd(r, "CLIENT", "KILL", "TYPE", "master") == 1
    srvutil.load_keys(m, 1000, prefix="gap:", ttl_every=3)
    srvutil.wait_caught_up(m, r)
    full1, partial1, _ = srvutil.sync_stats(m)
    assert (full1, partial1) == (full0, partial0 + 1), "sync_full/sync_partial_ok went %r -> %r" % (
        (full0, partial0), (full1, partial1))
    assert srvutil.repl_info(r)["master_replid"] == replid
    assert dbsize(r) == 1500
    srvutil.assert_same_keyspace(m, r)


def test_gap_larger_than_the_backlog_forces_a_full_resync(make_server):
    m = make_server("--repl-backlog-size", "16384", *FAST, name="small-backlog-master")
    r = make_server(*FAST, name="small-backlog-replica")
    srvutil.replicaof(r, m)
    srvutil.wait_caught_up(m, r, srvutil.REPL_SYNC_TIMEOUT_S)
    assert srvutil.repl_info(m)["repl_backlog_size"] == "16384"
    old_off = int(srvutil.repl_info(r)["slave_repl_offset"])
    full0, partial0, _ = srvutil.sync_stats(m)
    os.kill(r.pid, signal.SIGSTOP)  # it cannot reconnect before the gap exists
    try:
        assert cmd(m, "CLIENT", "KILL", "TYPE", "replica") == 1
        srvutil.wait_until(lambda: srvutil.repl_info(m)["connected_slaves"] == "0", 5,
                           what="the master to drop the replica")
        srvutil.load_keys(m, 400, prefix="big:", value_size=500, ttl_every=0)  # ~220 KB of stream
        mi = srvutil.repl_info(m)
        assert int(mi["repl_backlog_first_byte_offset"]) > old_off + 1, mi
    finally:
        os.kill(r.pid, signal.SIGCONT)
    srvutil.wait_caught_up(m, r, srvutil.REPL_SYNC_TIMEOUT_S)
    full1, partial1, _ = srvutil.sync_stats(m)
    assert (full1, partial1) == (full0 + 1, partial0)
    assert dbsize(r) == 400
    srvutil.assert_same_keyspace(m, r)


# ---- WAIT ----

def test_wait_counts_a_live_replica(mr):
    m, _ = mr
    with Raw(m.port) as c:
        assert c.cmd("SET", "w", "1") == "OK"
        assert c.cmd("WAIT", 1, 0) == 1
        assert c.cmd("SET", "w", "2") == "OK"
        t0 = time.monotonic()
        assert c.cmd("WAIT", 1, 5000) == 1
        assert time.monotonic() - t0 < 4
        assert c.cmd("SET", "w", "3") == "OK"
        t0 = time.monotonic()
        assert c.cmd("WAIT", 2, 200) == 1  # only one replica: the count at the timeout
        assert time.monotonic() - t0 >= 0.18


def test_wait_without_replica_times_out_with_zero(server):
    with Raw(server.port) as c:
        assert c.cmd("SET", "w", "1") == "OK"
        t0 = time.monotonic()
        assert c.cmd("WAIT", 1, 100) == 0
        took = time.monotonic() - t0
        assert 0.09 <= took < 3, took
        t0 = time.monotonic()
        assert c.cmd("WAIT", 0, 0) == 0
        assert time.monotonic() - t0 < 1


def test_wait_blocked_client_is_unblocked_when_the_node_becomes_a_replica(make_server):
    """REPLICAOF while a client waits in WAIT: the waiter gets -UNBLOCKED and the
    server keeps serving past WAIT's own timeout (it once replied into the freed
    client from WAIT's timer)."""
    s = make_server()
    with Raw(s.port) as c:
        assert c.cmd("SET", "w", "1") == "OK"
        c.send(encode("WAIT", 1, 1500))
        srvutil.wait_until(lambda: srvutil.info_section(s, "clients")["blocked_clients"] == "1",
                           what="the WAIT to block")
        with Raw(s.port) as admin:
            assert admin.cmd("REPLICAOF", "127.0.0.1", srvutil.free_port()) == "OK"
            reply = c.reply()
            assert isinstance(reply, Err) and reply.text.startswith("UNBLOCKED"), reply
            deadline = time.monotonic() + 2.5
            while time.monotonic() < deadline:
                assert admin.cmd("PING") == "PONG"
                time.sleep(0.1)
    assert s.alive()


def test_wait_errors(server, mr):
    with Raw(server.port) as c:
        assert c.cmd("WAIT", 1, -1) == Err("ERR timeout is negative")
        assert c.cmd("WAIT", 1, "abc") == Err("ERR timeout is not an integer or out of range")
        assert c.cmd("WAIT", "abc", 0) == Err("ERR value is not an integer or out of range")
        assert c.cmd("WAIT", 1) == Err("ERR wrong number of arguments for 'wait' command")
    _, r = mr
    assert cmd(r, "WAIT", 1, 100) == Err(WAIT_ON_REPLICA_ERR)


# ---- min-replicas-to-write, read-only replicas ----

def test_min_replicas_to_write_without_replica_refuses_writes(server):
    with Raw(server.port) as c:
        assert c.cmd("CONFIG", "SET", "min-replicas-to-write", "1") == "OK"
        try:
            assert c.cmd("SET", "k", "v") == Err(NOREPLICAS_ERR)
            assert c.cmd("GET", "k") is None
            assert srvutil.repl_info(server)["min_slaves_good_slaves"] == "0"
        finally:
            assert c.cmd("CONFIG", "SET", "min-replicas-to-write", "0") == "OK"
        assert c.cmd("SET", "k", "v") == "OK"
        assert "min_slaves_good_slaves" not in srvutil.repl_info(server)


def test_min_replicas_to_write_with_a_replica_accepts_writes(mr):
    m, r = mr
    with Raw(m.port) as c:
        assert c.cmd("CONFIG", "SET", "min-replicas-to-write", "1") == "OK"
        try:
            srvutil.wait_until(lambda: c.cmd("SET", "k", "v") == "OK", 5, what="SET to be accepted")
            assert srvutil.repl_info(m)["min_slaves_good_slaves"] == "1"
        finally:
            assert c.cmd("CONFIG", "SET", "min-replicas-to-write", "0") == "OK"
    srvutil.wait_caught_up(m, r)
    assert cmd(r, "GET", "k") == b"v"


def test_replica_refuses_writes_unless_writable(mr):
    m, r = mr
    assert cmd(m, "SET", "k", "master") == "OK"
    srvutil.wait_caught_up(m, r)
    with Raw(r.port) as c:
        assert c.cmd("SET", "k", "v") == Err(READONLY_ERR)
        assert c.cmd("DEL", "k") == Err(READONLY_ERR)
        assert c.cmd("FLUSHALL") == Err(READONLY_ERR)
        assert c.cmd("GET", "k") == b"master"
        assert c.cmd("CONFIG", "SET", "replica-read-only", "no") == "OK"
        try:
            assert srvutil.repl_info(r)["slave_read_only"] == "0"
            assert c.cmd("SET", "local", "1") == "OK"
            assert c.cmd("GET", "local") == b"1"
        finally:
            assert c.cmd("CONFIG", "SET", "replica-read-only", "yes") == "OK"
    assert cmd(m, "SET", "k2", "v2") == "OK"
    srvutil.wait_caught_up(m, r)
    assert cmd(m, "EXISTS", "local") == 0, "a writable replica's write reached its master"
    assert cmd(r, "GET", "k2") == b"v2"


# ---- promotion and psync2 ----

def test_promoted_replica_serves_partial_resync_to_its_old_master(make_server):
    args = FAST + ["--repl-ping-replica-period", "60"]  # no ping may slip in between the two offsets
    a = make_server(*args, name="psync2-A")
    b = make_server(*args, name="psync2-B")
    srvutil.replicaof(b, a)
    srvutil.wait_caught_up(a, b, srvutil.REPL_SYNC_TIMEOUT_S)
    srvutil.load_keys(a, 300, prefix="before:", ttl_every=4)
    srvutil.wait_caught_up(a, b)
    old_id = srvutil.repl_info(a)["master_replid"]

    assert srvutil.replicaof(b, None) == "OK"
    bi = srvutil.repl_info(b)
    off = int(bi["master_repl_offset"])
    assert bi["role"] == "master" and srvutil.REPL_ID_RE.match(bi["master_replid"])
    assert bi["master_replid"] != old_id
    assert (bi["master_replid2"], bi["second_repl_offset"]) == (old_id, str(off + 1))
    assert off == int(srvutil.repl_info(a)["master_repl_offset"])
    new_id = bi["master_replid"]

    assert cmd(b, "SET", "after", "promote") == "OK"
    assert srvutil.sync_stats(b)[:2] == (0, 0)
    srvutil.replicaof(a, b)
    srvutil.wait_caught_up(b, a, srvutil.REPL_SYNC_TIMEOUT_S)
    assert srvutil.sync_stats(b)[:2] == (0, 1), "the old master did not resync partially"
    ai = srvutil.repl_info(a)
    assert (ai["role"], ai["master_replid"], ai["master_replid2"]) == ("slave", new_id, old_id)
    assert ai["second_repl_offset"] == str(off + 1)
    assert ai["master_repl_offset"] == srvutil.repl_info(b)["master_repl_offset"]
    assert cmd(a, "GET", "after") == b"promote"
    srvutil.assert_same_keyspace(b, a)


# ---- REPLICAOF replies ----

def test_replicaof_replies(mr, server):
    m, r = mr
    with Raw(r.port) as c:
        assert c.cmd("REPLICAOF", "127.0.0.1", m.port) == "OK Already connected to specified master"
        assert c.cmd("SLAVEOF", "127.0.0.1", m.port) == "OK Already connected to specified master"
    with Raw(server.port) as c:
        for port in ("notaport", "70000", "-1", "65536"):
            assert c.cmd("REPLICAOF", "127.0.0.1", port) == Err("ERR Invalid master port"), port
        assert c.cmd("REPLICAOF", "a") == Err("ERR wrong number of arguments for 'replicaof' command")
        assert c.cmd("SLAVEOF", "a", "b", "c") == Err("ERR wrong number of arguments for 'slaveof' command")
        assert c.cmd("REPLICAOF", "no", "one") == "OK"  # already a master: nothing changes
        assert c.cmd("SLAVEOF", "NO", "ONE") == "OK"
        assert srvutil.repl_info(server)["role"] == "master"
    srvutil.wait_caught_up(m, r)
