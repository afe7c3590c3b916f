"""Resource limits under load: the output buffer hard limit for a client
that never reads, and 1,000 concurrent connections."""

import asyncio
import socket
import time

import srvutil
from srvutil import encode, wait_until

MB = 1 << 20
RSS_LIMIT_KB = 512 * 1024
BIG_GETS = 600
CONNECTIONS = 1000
CONNECT_PARALLEL_MAX = 200


def status_kb(pid, field):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return None


def test_output_buffer_limit_disconnects_client_that_never_reads(make_server):
    # shoal's default hard limit for normal clients is 256 MB; redis-server's
    # default is none, so it gets the same limit explicitly.
    args = ["--client-output-buffer-limit", "normal", "256mb", "0", "0"] if srvutil.IS_REDIS else []
    s = make_server(*args)
    r = s.client()
    r.set("big", b"x" * MB)
    hog = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    hog.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # keep the kernel's share small
    hog.settimeout(10)
    hog.connect(("127.0.0.1", s.port))
    hog.sendall(encode("CLIENT", "ID"))
    hog_id = int(hog.recv(64).strip()[1:])
    hog.sendall(encode("GET", "big") * BIG_GETS)  # 600 MB of replies, never read

    peak_kb = 0
    served = 0
    deadline = time.monotonic() + 60
    while True:
        rss = s.rss_kb()
        assert rss is not None, "server died:\n" + s.log_tail()
        peak_kb = max(peak_kb, rss)
        assert r.ping() is True  # other clients are still served meanwhile
        served += 1
        if r.client_list(client_id=[str(hog_id)]) == []:
            break
        assert time.monotonic() < deadline, "client with %d MB pending was not disconnected" % BIG_GETS
        time.sleep(0.01)
    hwm_kb = status_kb(s.pid, "VmHWM")
    print("peak rss %d kB, hwm %d kB, pings %d" % (peak_kb, hwm_kb, served))
    assert peak_kb < RSS_LIMIT_KB, "RSS reached %d kB" % peak_kb
    assert hwm_kb < RSS_LIMIT_KB, "RSS high-water mark %d kB" % hwm_kb

    # The hog sees the connection end after whatever was already in flight.
    received = 0
    hog.settimeout(10)
    try:
        while True:
            chunk = hog.recv(1 << 20)
            if not chunk:
                break
            received += len(chunk)
    except ConnectionResetError:
        pass
    hog.close()
    assert received < BIG_GETS * MB
    # it was the limit that closed it (redis-server's log line, which shoal keeps)
    wait_until(lambda: "for overcoming of output buffer limits" in s.log_text(), timeout_s=5,
               what="the output-buffer-limit log line")
    # and the server carries on
    assert r.set("after", "1") is True
    assert r.get("big") == b"x" * MB
    assert s.alive()


def test_output_buffer_limit_spares_a_client_that_reads(make_server):
    args = ["--client-output-buffer-limit", "normal", "256mb", "0", "0"] if srvutil.IS_REDIS else []
    s = make_server(*args)
    r = s.client()
    r.set("big", b"y" * MB)
    with s.raw(timeout_s=30) as c:
        # 300 MB in total, more than the limit, but never more than 20 MB
        # pending: the limit is on what waits in the buffer.
        for _ in range(15):
            c.send(encode("GET", "big") * 20)
            for _ in range(20):
                assert c.read_line() == b"$1048576"
                c.read_exact(MB + 2)
        assert c.cmd("PING") == "PONG"


async def many_clients(port, n):
    sem = asyncio.Semaphore(CONNECT_PARALLEL_MAX)

    async def connect():
        async with sem:
            return await asyncio.open_connection("127.0.0.1", port)

    conns = await asyncio.gather(*[connect() for _ in range(n)])

    async def work(i, reader, writer):
        key = "conn:%d" % i
        val = b"value-%d" % i
        writer.write(b"PING\r\n" + encode("SET", key, val) + encode("GET", key))
        await writer.drain()
        want = b"+PONG\r\n+OK\r\n$%d\r\n%s\r\n" % (len(val), val)
        got = await reader.readexactly(len(want))
        assert got == want, (i, got)

    await asyncio.gather(*[work(i, rd, wr) for i, (rd, wr) in enumerate(conns)])
    return conns


async def close_all(conns):
    for _, w in conns:
        w.close()
    await asyncio.gather(*[w.wait_closed() for _, w in conns], return_exceptions=True)


def test_1000_concurrent_connections(make_server):
    s = make_server()
    r = s.client()
    assert int(r.config_get("maxclients")["maxclients"]) >= CONNECTIONS

    async def scenario():
        conns = await asyncio.wait_for(many_clients(s.port, CONNECTIONS), timeout=90)
        try:
            # all of them are connected at once
            clients = r.info("clients")["connected_clients"]
            assert clients >= CONNECTIONS + 1, clients
            assert r.dbsize() == CONNECTIONS
        finally:
            await close_all(conns)

    asyncio.run(scenario())
    wait_until(lambda: r.info("clients")["connected_clients"] == 1, timeout_s=20,
               what="connections to be released")
    assert r.get("conn:999") == b"value-999"
    assert s.alive()


def test_clients_that_leave_mid_reply(make_server):
    """Clients that close while a big reply is being written (or after
    reading part of it) must not disturb the server."""
    s = make_server()
    r = s.client()
    r.set("big", b"z" * (4 * MB))
    for i in range(40):
        c = socket.create_connection(("127.0.0.1", s.port), timeout=10)
        c.sendall(encode("GET", "big") * 3)
        if i % 2:
            c.recv(1000 + i * 1000)  # take a little, leave the rest
        if i % 4 == 3:
            # RST instead of FIN: SO_LINGER with a zero timeout
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        c.close()
    assert r.ping() is True
    wait_until(lambda: r.info("clients")["connected_clients"] == 1, timeout_s=20,
               what="abandoned clients to be released")
    assert r.strlen("big") == 4 * MB
    assert s.alive()


def test_big_value_sent_in_small_pieces(make_server):
    s = make_server()
    value = bytes(range(256)) * 4096
    with s.raw(timeout_s=30) as c:
        req = encode("SET", "pieces", value)
        for i in range(0, len(req), 997):
            c.send(req[i:i + 997])
        assert c.expect(b"+OK\r\n") == b"+OK\r\n"
        c.send(encode("STRLEN", "pieces") + encode("GETRANGE", "pieces", MB - 2, MB - 1))
        assert c.expect(b":1048576\r\n$2\r\n\xfe\xff\r\n") == b":1048576\r\n$2\r\n\xfe\xff\r\n"


def test_multi_with_many_queued_commands(make_server):
    s = make_server()
    n = 5000
    with s.raw(timeout_s=30) as c:
        c.send(b"MULTI\r\n" + b"".join(encode("INCR", "ctr") for _ in range(n)) + b"EXEC\r\n")
        assert c.expect(b"+OK\r\n") == b"+OK\r\n"
        for _ in range(n):
            assert c.read_line() == b"+QUEUED"
        assert c.read_line() == b"*%d" % n
        for i in range(n):
            assert c.read_line() == b":%d" % (i + 1)
