"""The wire protocol on raw sockets: pipelining, RESP3, inline commands,
malformed and oversized input, and big values."""

import random
import threading

import pytest

import srvutil
from srvutil import encode

CLOSE_WAIT_S = 10


def expect_error_then_close(c, error_line):
    """The server replies error_line and closes; nothing else is sent."""
    data, closed = c.read_for(CLOSE_WAIT_S)
    assert data == error_line
    assert closed, "server did not close the connection after a protocol error"


def assert_alive(server):
    assert server.alive(), "server exited:\n" + server.log_tail()
    with server.raw() as c:
        assert c.cmd("PING") == "PONG"


# ---- pipelining ----

def test_pipeline_10000_commands_in_one_write(server, raw):
    c = raw(timeout_s=60)
    c.cmd("DEL", "counter")
    reqs = []
    want = []
    for i in range(10000):
        kind = i % 4
        if kind == 0:
            reqs.append(encode("SET", "pk:%d" % i, "v%d" % i))
            want.append(b"+OK\r\n")
        elif kind == 1:
            reqs.append(encode("GET", "pk:%d" % (i - 1)))
            v = b"v%d" % (i - 1)
            want.append(b"$%d\r\n%s\r\n" % (len(v), v))
        elif kind == 2:
            reqs.append(encode("INCR", "counter"))
            want.append(b":%d\r\n" % (i // 4 + 1))
        else:
            reqs.append(b"PING\r\n")  # inline and multibulk mixed
            want.append(b"+PONG\r\n")
    blob = b"".join(reqs)
    # Send from a thread so a server that writes replies while we are still
    # sending cannot deadlock the test on full socket buffers.
    sender = threading.Thread(target=c.send, args=(blob,))
    sender.start()
    for i, w in enumerate(want):
        got = c.raw_reply()
        assert got == w, "reply %d out of order or wrong" % i
    sender.join(timeout=30)
    assert not sender.is_alive()
    assert c.cmd("GET", "counter") == b"2500"


def test_pipeline_redis_py(r):
    p = r.pipeline(transaction=False)
    for i in range(1000):
        p.set("k%d" % i, i)
        p.get("k%d" % i)
    res = p.execute()
    assert res[0::2] == [True] * 1000
    assert res[1::2] == [str(i).encode() for i in range(1000)]


def test_commands_split_across_writes(raw):
    c = raw()
    data = encode("SET", "split", "value") + encode("GET", "split")
    for b in data:
        c.send(bytes([b]))
    assert c.expect(b"+OK\r\n$5\r\nvalue\r\n") == b"+OK\r\n$5\r\nvalue\r\n"


# ---- RESP3 ----

def test_resp3_reply_types(raw):
    c = raw()
    c.cmd("FLUSHALL")
    c.cmd("HELLO", "3")
    pairs = [
        (encode("GET", "nokey"), b"_\r\n"),
        (encode("SET", "a", "v"), b"+OK\r\n"),
        (encode("MGET", "a", "nokey"), b"*2\r\n$1\r\nv\r\n_\r\n"),
        (encode("CONFIG", "GET", "maxclients"), b"%1\r\n$10\r\nmaxclients\r\n$5\r\n10000\r\n"),
        (encode("SET", "a", "w", "NX"), b"_\r\n"),
        (encode("SET", "a", "x", "GET"), b"$1\r\nv\r\n"),
        (encode("CLIENT", "GETNAME"), b"_\r\n"),
        (encode("OBJECT", "ENCODING", "zz"), b"_\r\n"),
        (encode("COMMAND", "INFO", "nosuch"), b"*1\r\n_\r\n"),
        (encode("SCAN", "0"), b"*2\r\n$1\r\n0\r\n*1\r\n$1\r\na\r\n"),
        (encode("INCRBYFLOAT", "f", "1.5"), b"$3\r\n1.5\r\n"),
        (encode("GETDEL", "nokey"), b"_\r\n"),
        (encode("GETEX", "nokey"), b"_\r\n"),
        (encode("GETSET", "nokey2", "1"), b"_\r\n"),
        (encode("TTL", "a"), b":-1\r\n"),
        (encode("FLUSHALL"), b"+OK\r\n"),
        (encode("RANDOMKEY"), b"_\r\n"),
        (encode("INFO", "keyspace"), b"=16\r\ntxt:# Keyspace\r\n\r\n"),
        (encode("NOSUCH"), b"-ERR unknown command 'NOSUCH', with args beginning with: \r\n"),
        (b"MULTI\r\nGET nokey\r\nEXEC\r\n", b"+OK\r\n+QUEUED\r\n*1\r\n_\r\n"),
    ]
    for req, want in pairs:
        c.send(req)
        assert c.expect(want) == want, req


def test_resp3_verbatim_strings(raw):
    c = raw()
    c.cmd("HELLO", "3")
    c.send(b"CLIENT INFO\r\n")
    head = c.read_line()
    assert head.startswith(b"=")
    n = int(head[1:])
    body = c.read_exact(n + 2)
    assert body.startswith(b"txt:id=") and body.endswith(b"\n\r\n")
    assert b" resp=3\n" in body
    reply = c.cmd("INFO", "server")
    assert isinstance(reply, srvutil.Verbatim) and reply.startswith(b"txt:# Server\r\n")
    reply = c.cmd("CLIENT", "LIST")
    assert isinstance(reply, srvutil.Verbatim) and reply.startswith(b"txt:id=")


def test_resp3_command_docs_is_a_map(raw):
    c = raw()
    c.cmd("HELLO", "3")
    c.send(b"COMMAND DOCS get\r\n")
    want = (b"%1\r\n$3\r\nget\r\n%5\r\n$7\r\nsummary\r\n$22\r\nGet the value of a key\r\n"
            b"$5\r\nsince\r\n$5\r\n1.0.0\r\n$5\r\ngroup\r\n$6\r\nstring\r\n"
            b"$10\r\ncomplexity\r\n$4\r\nO(1)\r\n$9\r\narguments\r\n*1\r\n%3\r\n"
            b"$4\r\nname\r\n$3\r\nkey\r\n$4\r\ntype\r\n$3\r\nkey\r\n$14\r\nkey_spec_index\r\n:0\r\n")
    assert c.raw_reply() == want


# ---- inline commands ----

def test_inline_commands_and_quotes(raw):
    c = raw()
    c.send(b'set a "hello\\x41\\n" \r\nget a\r\n')
    assert c.expect(b"+OK\r\n$7\r\nhelloA\n\r\n") == b"+OK\r\n$7\r\nhelloA\n\r\n"
    c.send(b"set b 'it\\'s'\r\nget b\r\n")
    assert c.expect(b"+OK\r\n$4\r\nit's\r\n") == b"+OK\r\n$4\r\nit's\r\n"
    c.send(b'set c "tab\\there \\"q\\" \\\\"\r\nget c\r\n')
    want = b'+OK\r\n$14\r\ntab\there "q" \\\r\n'
    assert c.expect(want) == want
    c.send(b'SET   d   ab"c d"  \nGET d\n')  # bare \n, quote inside a token
    assert c.expect(b"+OK\r\n$5\r\nabc d\r\n") == b"+OK\r\n$5\r\nabc d\r\n"
    c.send(b'set e "" \r\nstrlen e\r\n')
    assert c.expect(b"+OK\r\n:0\r\n") == b"+OK\r\n:0\r\n"


def test_empty_lines_and_empty_multibulk_get_no_reply(raw):
    c = raw()
    c.send(b"\r\n\n   \r\nping\r\n*0\r\n*-1\r\nPING\r\n")
    assert c.expect(b"+PONG\r\n+PONG\r\n") == b"+PONG\r\n+PONG\r\n"
    data, closed = c.read_for(0.2)
    assert data == b"" and not closed


@pytest.mark.parametrize("line", [b"set a 'x'y\r\n", b'set a "x\r\n', b"set a 'it''s'\r\n",
                                  b'set a "x"y\r\n'], ids=["sq-tail", "dq-open", "sq-double", "dq-tail"])
def test_inline_unbalanced_quotes(server, raw, line):
    c = raw()
    c.send(line + b"PING\r\n")
    expect_error_then_close(c, b"-ERR Protocol error: unbalanced quotes in request\r\n")
    assert_alive(server)


def test_inline_unknown_command_from_garbage(raw):
    c = raw()
    c.send(b"\xff\xfe\xfd garbage\r\nPING\r\n")
    want = b"-ERR unknown command '\xff\xfe\xfd', with args beginning with: 'garbage' \r\n+PONG\r\n"
    assert c.expect(want) == want


# ---- malformed multibulk: error, then close, server alive ----

PROTOCOL_ERRORS = [
    ("mbulk-abc", b"*abc\r\n", b"-ERR Protocol error: invalid multibulk length\r\n"),
    ("mbulk-3e9", b"*3000000000\r\n", b"-ERR Protocol error: invalid multibulk length\r\n"),
    ("mbulk-leading-zero", b"*01\r\n$4\r\nPING\r\n",
     b"-ERR Protocol error: invalid multibulk length\r\n"),
    ("bulk-negative", b"*1\r\n$-5\r\n", b"-ERR Protocol error: invalid bulk length\r\n"),
    ("bulk-plus", b"*1\r\n$+5\r\n", b"-ERR Protocol error: invalid bulk length\r\n"),
    ("bulk-abc", b"*1\r\n$abc\r\n", b"-ERR Protocol error: invalid bulk length\r\n"),
    ("bulk-600M", b"*1\r\n$600000000\r\n", b"-ERR Protocol error: invalid bulk length\r\n"),
    ("bulk-512M+1", b"*1\r\n$536870913\r\n", b"-ERR Protocol error: invalid bulk length\r\n"),
    ("expected-dollar-f", b"*1\r\nfoo\r\n", b"-ERR Protocol error: expected '$', got 'f'\r\n"),
    ("expected-dollar-colon", b"*2\r\n$4\r\nECHO\r\n:1\r\n",
     b"-ERR Protocol error: expected '$', got ':'\r\n"),
]
# Without any line end: the server must give up at 64 KB of buffered line.
TOO_BIG_LINES = [
    ("inline", b"a" * 70000, b"-ERR Protocol error: too big inline request\r\n"),
    ("mbulk-count", b"*" + b"1" * 70000, b"-ERR Protocol error: too big mbulk count string\r\n"),
    ("bulk-count", b"*1\r\n$" + b"1" * 70000,
     b"-ERR Protocol error: too big bulk count string\r\n"),
]


@pytest.mark.parametrize("data,error", [p[1:] for p in PROTOCOL_ERRORS],
                         ids=[p[0] for p in PROTOCOL_ERRORS])
def test_protocol_error_replies_and_closes(server, raw, data, error):
    c = raw()
    c.send(data + b"PING\r\n")  # never executed: the error ends the connection
    expect_error_then_close(c, error)
    assert_alive(server)


@pytest.mark.parametrize("data,error", [p[1:] for p in TOO_BIG_LINES],
                         ids=[p[0] for p in TOO_BIG_LINES])
def test_too_big_line_replies_and_closes(server, raw, data, error):
    c = raw()
    c.send(data)
    expect_error_then_close(c, error)
    assert_alive(server)


def test_protocol_error_after_good_commands(server, raw, r):
    c = raw()
    c.send(encode("SET", "before", "1") + b"*1\r\nfoo\r\n" + encode("SET", "after", "1"))
    expect_error_then_close(c, b"+OK\r\n-ERR Protocol error: expected '$', got 'f'\r\n")
    assert r.exists("before") == 1
    assert r.exists("after") == 0


def test_http_post_and_host_are_dropped(server, raw):
    for line in [b"POST / HTTP/1.1\r\n", b"Host: example.com\r\n"]:
        c = raw()
        c.send(line)
        data, closed = c.read_for(CLOSE_WAIT_S)
        assert data == b"" and closed
    assert_alive(server)


def test_max_multibulk_count_waits_for_data(server, raw):
    c = raw()
    c.send(b"*2147483647\r\n")
    data, closed = c.read_for(0.3)
    assert data == b"" and not closed
    c.close()
    assert_alive(server)


def test_huge_declared_bulk_then_close(server):
    c = server.raw()
    c.send(b"*1\r\n$536870912\r\n")
    c.close()
    c = server.raw()
    c.send(b"*2\r\n$3\r\nSET\r\n$536870912\r\nabc")
    c.close()
    assert_alive(server)
    rss = server.rss_kb()
    assert rss is not None and rss < 512 * 1024, "server RSS %d kB after huge declared bulks" % rss


def test_half_command_then_close(server, r):
    for part in [b"*3\r\n$3\r\nSET\r\n$4\r\nhalf\r\n$5\r\nval", b"*3\r\n$3\r\nSET\r\n$4\r\nha",
                 b"*3\r\n", b"*", b"SET half inline"]:
        c = server.raw()
        c.send(part)
        c.close()
    assert_alive(server)
    assert r.exists("half") == 0


def test_random_garbage_keeps_server_alive(server):
    rnd = random.Random(1234)
    for i in range(60):
        n = rnd.choice([1, 7, 100, 5000])
        blob = rnd.randbytes(n)
        if i % 3 == 0:
            blob = b"*" + blob  # get past the inline path now and then
        elif i % 3 == 1:
            blob = b"*2\r\n$" + blob
        c = server.raw(timeout_s=2)
        try:
            c.send(blob)
            c.read_for(0.01)
        except OSError:
            pass
        c.close()
    assert_alive(server)
    with server.raw() as c:
        assert c.cmd("SET", "still", "ok") == "OK"
        assert c.cmd("GET", "still") == b"ok"


# ---- big values ----

def test_one_megabyte_value_raw(raw):
    c = raw(timeout_s=30)
    value = random.Random(7).randbytes(1 << 20)
    c.send(encode("SET", "bigraw", value))
    assert c.expect(b"+OK\r\n") == b"+OK\r\n"
    c.send(encode("GET", "bigraw"))
    assert c.read_line() == b"$1048576"
    assert c.read_exact((1 << 20) + 2) == value + b"\r\n"
    assert c.cmd("DEL", "bigraw") == 1


def test_unknown_command_error_text(raw):
    c = raw()
    long_arg = "x" * 200
    c.send(encode("foo", "a", "b") + encode("FOO") + encode("foo", long_arg, "more"))
    want = (b"-ERR unknown command 'foo', with args beginning with: 'a' 'b' \r\n"
            b"-ERR unknown command 'FOO', with args beginning with: \r\n")
    assert c.expect(want) == want
    line = c.read_line()
    assert line.startswith(b"-ERR unknown command 'foo', with args beginning with: 'xxxx")
    assert b"more" not in line
