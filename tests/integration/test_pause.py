"""CLIENT PAUSE / CLIENT UNPAUSE as redis-server 7.0.15 has them: replies and
errors, which commands wait (WRITE: writes and a MULTI's queued writes;
ALL: everything), postponed commands running in arrival order when the
pause ends (timeout or UNPAUSE), a postponed client disconnecting, INFO
blocked_clients, and a master's replication offset standing still while
writes are paused even with keys past their TTL. Also CLUSTER FAILOVER's
errors that do not need a failover to happen.

Spec: ../shared/spec/cluster-bus.md §17, §23; replication.md. The suite
passes against redis-server (SHOAL_SERVER=/usr/bin/redis-server); the part
that differs on purpose (the master's PING during a pause) is shoal-only."""

import time

import pytest
import redis

import srvutil
from srvutil import Err

NO_REPLY_S = 0.3      # how long a postponed command is watched for a premature reply
REPLY_TIMEOUT_S = 5.0


def err(excinfo):
    return str(excinfo.value)


def blocked_clients(server):
    return int(srvutil.info_section(server, "clients")["blocked_clients"])


def wait_blocked(server, n):
    srvutil.wait_until(lambda: blocked_clients(server) == n, 5, what="blocked_clients == %d" % n)


@pytest.fixture
def unpause(server):
    """An empty keyspace before, no client pause after."""
    with server.raw(5) as c:
        c.cmd("FLUSHALL")
    yield
    with server.raw(5) as c:
        c.cmd("CLIENT", "UNPAUSE")


def send_postponed(server, raw, *args, blocked_after):
    """Sends args on a new connection; checks the command waits."""
    c = raw()
    c.send(srvutil.encode(*args))
    wait_blocked(server, blocked_after)
    return c


def assert_no_reply(c):
    out, closed = c.read_for(NO_REPLY_S)
    c.sock.settimeout(REPLY_TIMEOUT_S)  # read_for leaves its last short timeout behind
    assert (out, closed) == (b"", False)


@pytest.mark.parametrize("args,reply", [
    (("CLIENT", "PAUSE"), Err("ERR wrong number of arguments for 'client|pause' command")),
    (("CLIENT", "PAUSE", "abc"), Err("ERR timeout is not an integer or out of range")),
    (("CLIENT", "PAUSE", "1.5"), Err("ERR timeout is not an integer or out of range")),
    (("CLIENT", "PAUSE", "99999999999999999999"), Err("ERR timeout is not an integer or out of range")),
    (("CLIENT", "PAUSE", "-1"), Err("ERR timeout is negative")),
    (("CLIENT", "PAUSE", "10", "foo"), Err("ERR CLIENT PAUSE mode must be WRITE or ALL")),
    # the mode is checked before the timeout
    (("CLIENT", "PAUSE", "abc", "foo"), Err("ERR CLIENT PAUSE mode must be WRITE or ALL")),
    (("CLIENT", "PAUSE", "10", "write", "x"),
     Err("ERR unknown subcommand or wrong number of arguments for 'PAUSE'. Try CLIENT HELP.")),
    (("CLIENT", "UNPAUSE", "x"), Err("ERR wrong number of arguments for 'client|unpause' command")),
    (("CLIENT", "PAUSE", "0"), "OK"),
    (("CLIENT", "PAUSE", "0", "WRITE"), "OK"),
    (("CLIENT", "PAUSE", "0", "all"), "OK"),
    (("CLIENT", "UNPAUSE"), "OK"),
])
def test_pause_replies_and_errors(raw, args, reply, unpause):
    assert raw().cmd(*args) == reply


def test_client_help_lists_pause(rd):
    lines = rd.execute_command("CLIENT", "HELP")
    i = lines.index("UNPAUSE")
    assert lines[i:i + 4] == ["UNPAUSE", "    Stop the current client pause, resuming traffic.",
                              "PAUSE <timeout> [WRITE|ALL]",
                              "    Suspend all, or just write, clients for <timeout> milliseconds."]


def test_overflowing_timeout_pauses_nothing(raw, unpause):
    # 7.0.15: now + timeout wraps into the past, +OK and no pause
    c = raw()
    assert c.cmd("CLIENT", "PAUSE", "9223372036854775807", "WRITE") == "OK"
    assert raw().cmd("SET", "k", "v") == "OK"


def test_write_pause_serves_reads_and_delays_writes_until_timeout(server, raw, unpause):
    c = raw()
    assert c.cmd("SET", "k", "old") == "OK"
    t0 = time.monotonic()
    assert c.cmd("CLIENT", "PAUSE", "800", "WRITE") == "OK"
    w = send_postponed(server, raw, "SET", "k", "new", blocked_after=1)
    assert c.cmd("GET", "k") == b"old"
    assert c.cmd("PING") == "PONG"
    assert_no_reply(w)
    assert w.reply() == "OK"
    assert time.monotonic() - t0 >= 0.75
    assert c.cmd("GET", "k") == b"new"
    assert blocked_clients(server) == 0


def test_unpause_releases_postponed_writes(server, raw, unpause):
    c = raw()
    assert c.cmd("CLIENT", "PAUSE", "60000", "WRITE") == "OK"
    w = send_postponed(server, raw, "INCR", "n", blocked_after=1)
    assert_no_reply(w)
    t0 = time.monotonic()
    assert c.cmd("CLIENT", "UNPAUSE") == "OK"
    assert w.reply() == 1
    assert time.monotonic() - t0 < REPLY_TIMEOUT_S


def test_all_pause_blocks_every_command(raw, unpause):
    # INFO waits too, so nothing here polls blocked_clients
    c = raw()
    assert c.cmd("CLIENT", "PAUSE", "1000", "ALL") == "OK"
    t0 = time.monotonic()
    conns = [raw() for _ in range(3)]
    for x, args in zip(conns, [("PING",), ("GET", "k"), ("CLIENT", "UNPAUSE")]):
        x.send(srvutil.encode(*args))
    # CLIENT UNPAUSE itself waits under ALL, as on redis
    for x in conns:
        assert_no_reply(x)
    assert [x.reply() for x in conns] == ["PONG", None, "OK"]
    assert time.monotonic() - t0 >= 0.95


def test_postponed_commands_run_in_arrival_order(server, raw, unpause):
    c = raw()
    assert c.cmd("CLIENT", "PAUSE", "60000", "WRITE") == "OK"
    conns = []
    for i, part in enumerate(["a", "b", "c", "d"]):
        conns.append(send_postponed(server, raw, "APPEND", "k", part, blocked_after=i + 1))
    # a pipelined client keeps its own order behind its postponed command
    p = raw()
    p.send(srvutil.encode("APPEND", "k", "e") + srvutil.encode("APPEND", "k", "f"))
    wait_blocked(server, 5)
    assert c.cmd("CLIENT", "UNPAUSE") == "OK"
    assert [x.reply() for x in conns] == [1, 2, 3, 4]
    assert p.reply() == 5 and p.reply() == 6
    assert c.cmd("GET", "k") == b"abcdef"


def test_write_pause_holds_queued_writes_in_multi(server, raw, unpause):
    c = raw()
    assert c.cmd("CLIENT", "PAUSE", "60000", "WRITE") == "OK"
    m = raw()
    assert m.cmd("MULTI") == "OK"
    assert m.cmd("GET", "k") == "QUEUED"
    m.send(srvutil.encode("SET", "k", "v"))
    wait_blocked(server, 1)
    assert_no_reply(m)
    assert c.cmd("CLIENT", "UNPAUSE") == "OK"
    assert m.reply() == "QUEUED"
    assert m.cmd("EXEC") == [None, "OK"]


def test_postponed_client_that_disconnects(server, raw, unpause):
    c = raw()
    assert c.cmd("CLIENT", "PAUSE", "60000", "WRITE") == "OK"
    gone = send_postponed(server, raw, "SET", "gone", "1", blocked_after=1)
    stays = send_postponed(server, raw, "SET", "stays", "1", blocked_after=2)
    assert blocked_clients(server) == 2
    gone.close()
    wait_blocked(server, 1)
    assert c.cmd("CLIENT", "UNPAUSE") == "OK"
    assert stays.reply() == "OK"
    assert c.cmd("EXISTS", "gone", "stays") == 1
    assert c.cmd("PING") == "PONG"


def test_pause_extends_to_the_later_deadline(server, raw, unpause):
    c = raw()
    t0 = time.monotonic()
    assert c.cmd("CLIENT", "PAUSE", "1000", "WRITE") == "OK"
    assert c.cmd("CLIENT", "PAUSE", "100", "WRITE") == "OK"
    w = send_postponed(server, raw, "SET", "k", "v", blocked_after=1)
    assert w.reply() == "OK"
    assert time.monotonic() - t0 >= 0.95


def test_offset_stands_still_while_writes_paused(make_server):
    # A ping period longer than the test: as Redis 7.0, the master's
    # replication PING goes on during a CLIENT PAUSE (only a manual
    # failover's pause stops it), and the point here is expiry.
    period = 60
    fast = srvutil.REPL_FAST_ARGS
    m = make_server("--repl-ping-replica-period", str(period), *fast, name="pause-master-%d" % period)
    rep = make_server(*fast, name="pause-replica-%d" % period)
    srvutil.replicaof(rep, m)
    mc = m.client()
    mc.set("plain", "1")
    srvutil.wait_caught_up(m, rep)
    mc.set("ttl", "1", px=800)
    assert mc.execute_command("CLIENT", "PAUSE", "2500", "WRITE") == b"OK"
    t0 = time.monotonic()
    offset = srvutil.repl_info(m)["master_repl_offset"]
    assert mc.exists("ttl") == 1  # paused before its expiry
    # past the TTL: hidden from reads, but neither deleted nor replicated
    srvutil.wait_until(lambda: mc.get("ttl") is None, 5, what="ttl key expired")
    assert mc.exists("ttl") == 0
    while time.monotonic() - t0 < 2.0:
        assert srvutil.repl_info(m)["master_repl_offset"] == offset
        time.sleep(0.1)
    assert mc.execute_command("CLIENT", "UNPAUSE") == b"OK"
    # after the pause an access deletes the expired key and replicates the DEL
    # (redis 7.0's active cycle may take long to come back to it)
    srvutil.wait_until(lambda: mc.get("ttl") is None and srvutil.repl_info(m)["master_repl_offset"] != offset,
                       5, what="offset moves")
    srvutil.wait_caught_up(m, rep)
    assert rep.client().exists("ttl", "plain") == 1
    mc.close()


def test_cluster_failover_errors_on_a_master(make_cluster_server):
    s = make_cluster_server()
    c = s.client(decode_responses=True)
    for args in (("FAILOVER",), ("FAILOVER", "force"), ("FAILOVER", "TAKEOVER")):
        with pytest.raises(redis.ResponseError) as e:
            c.execute_command("CLUSTER", *args)
        assert err(e) == "You should send CLUSTER FAILOVER to a replica"
    with pytest.raises(redis.ResponseError) as e:
        c.execute_command("CLUSTER", "FAILOVER", "bogus")
    assert err(e) == "syntax error"
    with pytest.raises(redis.ResponseError) as e:
        c.execute_command("CLUSTER", "FAILOVER", "force", "x")
    assert err(e) == "unknown subcommand or wrong number of arguments for 'FAILOVER'. Try CLUSTER HELP."
    help_lines = c.execute_command("CLUSTER", "HELP")
    i = help_lines.index("FAILOVER [FORCE|TAKEOVER]")
    assert help_lines[i - 2:i + 4] == [
        "DELSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
        "    Delete slots information which are between <start-slot> and <end-slot> from current node.",
        "FAILOVER [FORCE|TAKEOVER]", "    Promote current replica node to being a master.",
        "FORGET <node-id>", "    Remove a node from the cluster."]
    c.close()


def test_cluster_failover_without_cluster(rd):
    for args in (("FAILOVER",), ("FAILOVER", "bogus")):
        with pytest.raises(redis.ResponseError) as e:
            rd.execute_command("CLUSTER", *args)
        assert err(e) == "This instance has cluster support disabled"


@pytest.mark.skipif(srvutil.IS_REDIS, reason=srvutil.SHOAL_ONLY)
def test_debug_drop_all_packets_filter(make_cluster_server):
    s = make_cluster_server("--enable-debug-command", "yes")
    c = s.client(decode_responses=True)
    for v in ("-2", "-1", "-7", "4"):
        assert c.execute_command("DEBUG", "DROP-CLUSTER-PACKET-FILTER", v) == "OK"
    assert "    Set to -2 (shoal only) to isolate this node: drop every packet and send none." in \
        c.execute_command("DEBUG", "HELP")
    c.close()
