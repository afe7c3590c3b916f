"""Failure detection and robustness of the cluster bus on three masters that
cover all 16384 slots (node timeout 1000 ms, DEBUG enabled): redis-cli
--cluster check, garbage and truncated frames on a bus port, DEBUG
DROP-CLUSTER-PACKET-FILTER, and a node killed with SIGKILL that is flagged
fail by the others and rejoins with the same id from its nodes.conf.

What DROP-CLUSTER-PACKET-FILTER can do in redis 7.0.15 (checked there): the
node drops every incoming bus message of that one type. A node answers
PINGs and its own PINGs count as traffic for the others, so one filter on one
node never makes the others suspect it. Dropping PONGs on two nodes does:
neither pings the other again while its ping is unanswered, and the PONGs
they do send each other are dropped, so each flags the other fail? while the
third node sees both healthy."""

import random
import subprocess
import socket
import struct
import time

import pytest

import srvutil

N_T_MS = srvutil.BUS_NODE_TIMEOUT_MS
N_T = N_T_MS / 1000.0
FAIL_LIMIT_S = 2 * N_T + 2  # SIGKILL to "fail" on every other node
SLOTS = srvutil.CLUSTER_SLOTS_COUNT
RANGES = [(0, 5460), (5461, 10922), (10923, SLOTS - 1)]

HDR_LEN = 2256
TYPE_PING, TYPE_PONG, TYPE_FAIL = 0, 1, 3
FLAG_MASTER = 1
FILTER_PING, FILTER_PONG, FILTER_OFF = 0, 1, -1


@pytest.fixture(scope="module")
def trio_nodes(bus_nodes):
    nodes = [bus_nodes("m%d" % (i + 1), "--enable-debug-command", "yes") for i in range(3)]
    for n, (start, end) in zip(nodes, RANGES):
        n.own_slots(start, end)
    nodes[0].meet(nodes[1])
    nodes[1].meet(nodes[2])
    srvutil.wait_bus_joined(nodes)
    return nodes


def wait_healthy(nodes, timeout_s=srvutil.BUS_JOIN_TIMEOUT_S):
    srvutil.wait_bus_joined(nodes, timeout_s)
    for n in nodes:
        n.wait_cluster_state("ok", timeout_s)


@pytest.fixture
def trio(trio_nodes):
    """The three masters, all alive, connected, unflagged and ok."""
    for n in trio_nodes:
        if not n.alive():
            pytest.fail("%s is not running; log tail:\n%s" % (n.name, n.log_tail()))
    wait_healthy(trio_nodes)
    yield trio_nodes
    for n in trio_nodes:
        if n.alive():
            n.cmd("DEBUG", "DROP-CLUSTER-PACKET-FILTER", FILTER_OFF)


def test_redis_cli_cluster_check(trio):
    port = trio[0].port
    p = subprocess.run(["redis-cli", "--cluster", "check", "127.0.0.1:%d" % port],
                       capture_output=True, text=True, timeout=30)
    out = p.stdout
    assert p.returncode == 0, (out, p.stderr)
    assert "[OK] All nodes agree about slots configuration." in out, out
    assert "[OK] All 16384 slots covered." in out, out
    assert "[ERR]" not in out and "[WARNING]" not in out, out
    for n, (start, end) in zip(trio, RANGES):
        assert ("M: %s 127.0.0.1:%d\n   slots:[%d-%d] (%d slots) master"
                % (n.node_id, n.port, start, end, end - start + 1)) in out, out


# ---- raw bus frames ----

def header(totlen, mtype, count=0, sender=None, port=1):
    """A bus header from a made-up master (random id unless sender)."""
    h = bytearray(HDR_LEN)
    h[0:4] = b"RCmb"
    struct.pack_into(">IHHHH", h, 4, totlen, 1, port, mtype, count)
    h[40:80] = (sender or "%040x" % random.getrandbits(160)).encode()
    struct.pack_into(">HHH", h, 2246, 0, port + 10000, FLAG_MASTER)
    return bytes(h)


def bus_conn(node, timeout_s=5):
    return socket.create_connection(("127.0.0.1", node.bus_port), timeout=timeout_s)


def read_frame(s):
    """One whole bus message (at most 64 KiB) from s."""
    buf = b""
    while len(buf) < 8 or len(buf) < struct.unpack(">I", buf[4:8])[0]:
        chunk = s.recv(65536)
        if not chunk:
            raise AssertionError("bus link closed after %d bytes" % len(buf))
        buf += chunk
        assert buf[:4] == b"RCmb"[:len(buf)], buf[:16]
        assert len(buf) < 8 or struct.unpack(">I", buf[4:8])[0] <= 65536, buf[:16]
    return buf


def closed_by_node(node, data):
    """Sends data and returns True if the node closes the link (EOF/RST)."""
    with bus_conn(node, 3) as s:
        try:
            s.sendall(data)
            while s.recv(65536):
                pass
            return True
        except (ConnectionResetError, BrokenPipeError):
            return True
        except socket.timeout:
            return False


def send_tolerating_close(s, data):
    try:
        s.sendall(data)
    except (ConnectionResetError, BrokenPipeError):
        pass


def send_and_close(node, data):
    with bus_conn(node) as s:
        s.sendall(data)


def assert_pong_from(node, frame):
    assert frame[:4] == b"RCmb", frame[:16]
    totlen, ver, _, mtype = struct.unpack(">IHHH", frame[4:14])
    assert (totlen, ver, mtype) == (len(frame), 1, TYPE_PONG), frame[:16]
    assert frame[40:80] == node.node_id.encode()


def stays_healthy(nodes, seconds):
    """Checks repeatedly for seconds that every node sees every node healthy
    and is in state ok."""
    deadline = time.monotonic() + seconds
    while True:
        for n in nodes:
            assert n.cmd("PING") == "PONG"
            problem = srvutil.bus_view_problems(n, nodes)
            assert not problem, problem
            assert n.cluster_info()["cluster_state"] == "ok", n.name
        if time.monotonic() > deadline:
            return
        time.sleep(0.1)


def test_garbage_frames_leave_the_node_healthy(trio):
    x, y, _ = trio
    rnd = random.Random(4)
    # bad signature or a totlen below the header size: the link is closed
    assert closed_by_node(x, rnd.randbytes(65536))
    assert closed_by_node(x, b"RCmb" + struct.pack(">I", 8) + bytes(100))
    assert closed_by_node(x, b"RCmb" + struct.pack(">I", HDR_LEN - 1) + bytes(HDR_LEN))
    assert closed_by_node(x, b"XXXX" + header(HDR_LEN, TYPE_PING)[4:])
    # half a header, a truncated message, then the peer goes away
    for data in (b"RC", b"RCmb", b"RCmb\x00\x00\x08", header(3000, TYPE_PING)[:1000],
                 header(HDR_LEN, TYPE_PING)[:HDR_LEN - 1]):
        for _ in range(10):
            send_and_close(x, data)
    # a lying totlen (count says 5 gossip entries, totlen says none), another
    # protocol version, an unknown type: dropped, the link stays and the next
    # PING gets its PONG
    with bus_conn(x) as s:
        bad_ver = bytearray(header(HDR_LEN, TYPE_PING))
        bad_ver[8:10] = b"\x00\x02"
        s.sendall(header(HDR_LEN, TYPE_PING, count=5) + bytes(bad_ver) + header(HDR_LEN, 77)
                  + header(HDR_LEN + 8, TYPE_PING) + bytes(8) + header(HDR_LEN, TYPE_PING))
        assert_pong_from(x, read_frame(s))
    # a FAIL about a real node from a node nobody knows is ignored
    with bus_conn(x) as s:
        s.sendall(header(HDR_LEN + 40, TYPE_FAIL) + y.node_id.encode() + header(HDR_LEN, TYPE_PING))
        assert_pong_from(x, read_frame(s))
    # a huge totlen: redis keeps reading, a node with a frame size limit may
    # close the link; either way it stays healthy meanwhile
    hold = bus_conn(x)
    try:
        send_tolerating_close(hold, b"RCmb" + struct.pack(">I", 0xFFFFFFFF) + bytes(1 << 20))
        stays_healthy(trio, 2 * N_T)
        x_conns = [bus_conn(x) for _ in range(20)]
        for c in x_conns:
            send_tolerating_close(c, b"RCmb" + struct.pack(">I", 0x7FFFFFFF) + rnd.randbytes(4096))
        for c in x_conns:
            c.close()
    finally:
        hold.close()
    stays_healthy(trio, 0.5)
    assert all(n.alive() for n in trio)


# ---- DEBUG DROP-CLUSTER-PACKET-FILTER ----

def set_filter(node, mtype):
    assert node.cmd("DEBUG", "DROP-CLUSTER-PACKET-FILTER", mtype) == "OK"


def test_drop_filter_needs_debug_enabled(bus_nodes):
    plain = bus_nodes("nodebug")
    reply = plain.cmd("DEBUG", "DROP-CLUSTER-PACKET-FILTER", FILTER_PONG)
    assert isinstance(reply, srvutil.Err) and reply.text.startswith("ERR DEBUG command not allowed"), reply
    plain.stop()


def test_dropping_pings_alone_does_not_look_failed(trio):
    x, y, z = trio
    set_filter(x, FILTER_PING)
    # y and z get no PONG from x any more, but x's own PINGs keep arriving:
    # that traffic keeps x from being suspected
    seen_unanswered = set()
    deadline = time.monotonic() + 3 * N_T
    while time.monotonic() < deadline:
        now_ms = time.time() * 1000
        for o in (y, z):
            line = o.cluster_nodes()[x.node_id]
            assert not line.flags & {"fail?", "fail"}, (o.name, line)
            if line.ping_sent and now_ms - line.ping_sent > N_T_MS:
                seen_unanswered.add(o.name)
        for o in (x, y, z):
            assert o.cluster_info()["cluster_state"] == "ok"
        time.sleep(0.1)
    assert seen_unanswered == {y.name, z.name}, "pings to x never stayed unanswered"
    set_filter(x, FILTER_OFF)


CLEAR_LIMIT_S = 45


def test_dropping_pongs_on_two_nodes_makes_them_suspect_each_other(trio):
    x, y, z = trio
    set_filter(x, FILTER_PONG)
    set_filter(y, FILTER_PONG)
    t0 = time.monotonic()

    def suspected():
        return ("fail?" in srvutil.flags_of(x, y.node_id)
                and "fail?" in srvutil.flags_of(y, x.node_id))

    srvutil.wait_until(suspected, FAIL_LIMIT_S, interval_s=0.05,
                       what="x and y to flag each other fail?")
    assert time.monotonic() - t0 > N_T * 0.9, "suspected before a node timeout passed"
    # one suspicion is no majority: nobody reaches fail, z sees both healthy
    end = time.monotonic() + N_T
    while time.monotonic() < end:
        assert not srvutil.bus_view_problems(z, trio)
        for o in trio:
            for line in o.cluster_nodes().values():
                assert "fail" not in line.flags, (o.name, line)
        time.sleep(0.1)
    set_filter(x, FILTER_OFF)
    set_filter(y, FILTER_OFF)
    # Only a PONG on its own link clears fail?, and a node with a ping
    # outstanding sends no other PING until it recycles that link, which it
    # does only while the peer is silent for N_T/2. If one side clears first
    # its regular PINGs can keep the other waiting for a while: redis 7.0.15
    # usually clears both within 1 s but was seen taking about 5 s.
    # The waiting side can only recycle its link (and so PING again) in a
    # cron tick that falls in a gap of N_T/2 between the other side's PINGs:
    # a race by design of the protocol, slower under sanitizers. Liveness is
    # what is checked here, so the deadline is generous.
    srvutil.wait_flagged([x], y.node_id, flagged=False, timeout_s=CLEAR_LIMIT_S)
    srvutil.wait_flagged([y], x.node_id, flagged=False, timeout_s=CLEAR_LIMIT_S)
    wait_healthy(trio, 5)


# ---- SIGKILL and restart ----

def test_killed_node_is_flagged_fail_and_rejoins_with_its_id(trio):
    x, victim, z = trio
    old_id = victim.node_id
    victim.kill()
    took = srvutil.wait_flagged([x, z], old_id, timeout_s=FAIL_LIMIT_S)
    assert took > N_T * 0.9, "flagged fail %.2fs after the kill" % took
    for o in (x, z):
        o.wait_cluster_state("fail", 2)  # its slots are down now
        info = o.cluster_info()
        assert info["cluster_slots_fail"] == str(RANGES[1][1] - RANGES[1][0] + 1), info
    victim.restart()
    assert victim.myid() == old_id
    srvutil.wait_flagged([x, z], old_id, flagged=False, timeout_s=2 * N_T + 5)
    wait_healthy(trio, 10)
    for n in trio:
        want = [(s, e, o.port, o.node_id) for o, (s, e) in zip(trio, RANGES)]
        assert n.cluster_slots() == want, n.name
