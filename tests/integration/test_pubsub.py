"""
test_pubsub.py: SUBSCRIBE/PSUBSCRIBE/SSUBSCRIBE, their UNSUBSCRIBEs, PUBLISH,
SPUBLISH and PUBSUB as redis-server 7.0.15 answers them, byte for byte in
RESP2 and RESP3 (push); the RESP2 subscribed context; the pubsub output
buffer class; PUBLISH reaching a replica's subscribers; and in a cluster,
PUBLISH over the bus, shard channels routed like keys and dropped with an
sunsubscribe message when their slot moves away.

Developed against redis-server (SHOAL_SERVER=/usr/bin/redis-server) first.
"""

import socket

import pytest

import failutil
import srvutil
from srvutil import Err, Push, Raw, encode, wait_until


def push(*items):
    """What a message looks like after parsing: RESP2 arrays are lists."""
    return [x.encode() if isinstance(x, str) else x for x in items]


def resp3(server):
    c = server.raw()
    hello = c.cmd("HELLO", "3")
    assert isinstance(hello, dict), hello
    return c


def context_error(name):
    return Err("ERR Can't execute '%s': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are "
               "allowed in this context" % name)


# ---- byte-exact shapes ----

def test_subscribe_and_messages_resp2(server, raw):
    sub, pub = raw(), raw()
    sub.send(encode("SUBSCRIBE", "ch1", "ch2"))
    assert sub.raw_reply() == b"*3\r\n$9\r\nsubscribe\r\n$3\r\nch1\r\n:1\r\n"
    assert sub.raw_reply() == b"*3\r\n$9\r\nsubscribe\r\n$3\r\nch2\r\n:2\r\n"
    sub.send(encode("PSUBSCRIBE", "c*"))
    assert sub.raw_reply() == b"*3\r\n$10\r\npsubscribe\r\n$2\r\nc*\r\n:3\r\n"
    # a shard channel has its own count
    sub.send(encode("SSUBSCRIBE", "s1"))
    assert sub.raw_reply() == b"*3\r\n$10\r\nssubscribe\r\n$2\r\ns1\r\n:1\r\n"

    assert pub.cmd("PUBLISH", "ch1", "hello") == 2  # the channel and the pattern
    assert sub.raw_reply() == b"*3\r\n$7\r\nmessage\r\n$3\r\nch1\r\n$5\r\nhello\r\n"
    assert sub.raw_reply() == b"*4\r\n$8\r\npmessage\r\n$2\r\nc*\r\n$3\r\nch1\r\n$5\r\nhello\r\n"
    assert pub.cmd("PUBLISH", "cx", "") == 1
    assert sub.raw_reply() == b"*4\r\n$8\r\npmessage\r\n$2\r\nc*\r\n$2\r\ncx\r\n$0\r\n\r\n"
    assert pub.cmd("PUBLISH", "nobody", "x") == 0
    assert pub.cmd("SPUBLISH", "s1", "m3") == 1
    assert sub.raw_reply() == b"*3\r\n$8\r\nsmessage\r\n$2\r\ns1\r\n$2\r\nm3\r\n"
    # a shard channel is not a channel, and patterns do not see shard messages
    assert pub.cmd("PUBLISH", "s1", "x") == 0
    assert pub.cmd("SPUBLISH", "ch1", "x") == 0

    sub.send(encode("UNSUBSCRIBE", "ch1"))
    assert sub.raw_reply() == b"*3\r\n$11\r\nunsubscribe\r\n$3\r\nch1\r\n:2\r\n"
    sub.send(encode("PUNSUBSCRIBE"))
    assert sub.raw_reply() == b"*3\r\n$12\r\npunsubscribe\r\n$2\r\nc*\r\n:1\r\n"
    sub.send(encode("SUNSUBSCRIBE", "s1", "s2"))
    assert sub.raw_reply() == b"*3\r\n$12\r\nsunsubscribe\r\n$2\r\ns1\r\n:0\r\n"
    assert sub.raw_reply() == b"*3\r\n$12\r\nsunsubscribe\r\n$2\r\ns2\r\n:0\r\n"
    sub.send(encode("UNSUBSCRIBE"))
    assert sub.raw_reply() == b"*3\r\n$11\r\nunsubscribe\r\n$3\r\nch2\r\n:0\r\n"
    assert sub.cmd("PING") == "PONG"


def test_unsubscribe_with_nothing_subscribed(raw):
    c = raw()
    for name in ("unsubscribe", "punsubscribe", "sunsubscribe"):
        c.send(encode(name.upper()))
        assert c.raw_reply() == b"*3\r\n$%d\r\n%s\r\n$-1\r\n:0\r\n" % (len(name), name.encode())
    # not subscribed afterwards: any command runs
    assert c.cmd("GET", "nokey") is None


def test_resp3_push_shapes(server, raw):
    c = resp3(server)
    pub = raw()
    for name in ("unsubscribe", "punsubscribe", "sunsubscribe"):
        c.send(encode(name.upper()))
        assert c.raw_reply() == b">3\r\n$%d\r\n%s\r\n_\r\n:0\r\n" % (len(name), name.encode())
    c.send(encode("SUBSCRIBE", "a"))
    assert c.raw_reply() == b">3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n"
    c.send(encode("PSUBSCRIBE", "a*"))
    assert c.raw_reply() == b">3\r\n$10\r\npsubscribe\r\n$2\r\na*\r\n:2\r\n"
    c.send(encode("SSUBSCRIBE", "sh"))
    assert c.raw_reply() == b">3\r\n$10\r\nssubscribe\r\n$2\r\nsh\r\n:1\r\n"
    # RESP3 has no subscribed context: every command runs
    assert c.cmd("GET", "nokey") is None
    assert c.cmd("PING") == "PONG"
    assert pub.cmd("PUBLISH", "a", "m") == 2
    assert c.raw_reply() == b">3\r\n$7\r\nmessage\r\n$1\r\na\r\n$1\r\nm\r\n"
    assert c.raw_reply() == b">4\r\n$8\r\npmessage\r\n$2\r\na*\r\n$1\r\na\r\n$1\r\nm\r\n"
    assert pub.cmd("SPUBLISH", "sh", "z") == 1
    assert c.raw_reply() == b">3\r\n$8\r\nsmessage\r\n$2\r\nsh\r\n$1\r\nz\r\n"
    # the publisher subscribed itself: the message comes before the reply
    assert c.cmd("PUBLISH", "a", "self") == Push(push("message", "a", "self"))
    assert c.reply() == Push(push("pmessage", "a*", "a", "self"))
    assert c.reply() == 2
    c.send(encode("UNSUBSCRIBE", "zz", "a"))
    assert c.raw_reply() == b">3\r\n$11\r\nunsubscribe\r\n$2\r\nzz\r\n:2\r\n"
    assert c.raw_reply() == b">3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:1\r\n"
    c.send(encode("PUNSUBSCRIBE"))
    assert c.raw_reply() == b">3\r\n$12\r\npunsubscribe\r\n$2\r\na*\r\n:0\r\n"
    c.send(encode("SUNSUBSCRIBE"))
    assert c.raw_reply() == b">3\r\n$12\r\nsunsubscribe\r\n$2\r\nsh\r\n:0\r\n"


def test_subscribing_twice_counts_once(server, raw):
    c, pub = raw(), raw()
    assert c.cmd("SUBSCRIBE", "d", "d") == push("subscribe", "d", 1)
    assert c.reply() == push("subscribe", "d", 1)
    assert c.cmd("PSUBSCRIBE", "d*", "d*") == push("psubscribe", "d*", 2)
    assert c.reply() == push("psubscribe", "d*", 2)
    assert pub.cmd("PUBSUB", "NUMSUB", "d") == push("d", 1)
    assert pub.cmd("PUBLISH", "d", "once") == 2
    assert c.reply() == push("message", "d", "once")
    assert c.reply() == push("pmessage", "d*", "d", "once")


# ---- the RESP2 subscribed context ----

def test_subscribed_context_resp2(raw):
    c = raw()
    c.send(encode("SUBSCRIBE", "x"))
    c.reply()
    assert c.cmd("GET", "k") == context_error("get")
    assert c.cmd("HELLO", "3") == context_error("hello")
    assert c.cmd("CONFIG", "GET", "port") == context_error("config|get")
    assert c.cmd("MULTI") == context_error("multi")
    # PING answers like a message
    c.send(encode("PING"))
    assert c.raw_reply() == b"*2\r\n$4\r\npong\r\n$0\r\n\r\n"
    c.send(encode("PING", "hi"))
    assert c.raw_reply() == b"*2\r\n$4\r\npong\r\n$2\r\nhi\r\n"
    assert c.cmd("PING", "a", "b") == Err("ERR wrong number of arguments for 'ping' command")
    # an unknown command and a bad arity are reported as usual
    assert c.cmd("NOSUCH") == Err("ERR unknown command 'NOSUCH', with args beginning with: ")
    # a shard subscription alone keeps the client in the context
    assert c.cmd("SSUBSCRIBE", "sx") == push("ssubscribe", "sx", 1)
    assert c.cmd("UNSUBSCRIBE") == push("unsubscribe", "x", 0)
    assert c.cmd("GET", "k") == context_error("get")
    assert c.cmd("SUNSUBSCRIBE") == push("sunsubscribe", "sx", 0)
    assert c.cmd("GET", "k") is None
    assert c.cmd("PING") == "PONG"


def test_reset_and_quit_in_context(server, raw):
    c, pub = raw(), raw()
    c.cmd("SUBSCRIBE", "r")
    c.cmd("PSUBSCRIBE", "r*")
    c.cmd("SSUBSCRIBE", "rs")
    assert c.cmd("RESET") == "RESET"
    assert c.cmd("GET", "k") is None
    assert pub.cmd("PUBLISH", "r", "x") == 0
    assert pub.cmd("SPUBLISH", "rs", "x") == 0
    assert pub.cmd("PUBSUB", "NUMPAT") == 0
    q = raw()
    q.cmd("SUBSCRIBE", "q")
    assert q.cmd("QUIT") == "OK"
    wait_until(lambda: pub.cmd("PUBSUB", "NUMSUB", "q") == push("q", 0), 5, what="QUIT drops subscriptions")


def test_disconnect_drops_subscriptions(server, raw):
    pub = raw()
    c = server.raw()
    c.cmd("SUBSCRIBE", "gone")
    c.cmd("PSUBSCRIBE", "gone*")
    assert pub.cmd("PUBSUB", "NUMSUB", "gone") == push("gone", 1)
    c.close()
    wait_until(lambda: pub.cmd("PUBLISH", "gone", "x") == 0, 5, what="subscriber gone")
    assert pub.cmd("PUBSUB", "NUMPAT") == 0
    assert pub.cmd("PUBSUB", "CHANNELS") == []


def test_ssubscribe_refused_in_exec_subscribe_allowed(server, raw):
    c, pub = raw(), raw()
    assert c.cmd("MULTI") == "OK"
    assert c.cmd("SSUBSCRIBE", "x") == "QUEUED"
    assert c.cmd("SUBSCRIBE", "x") == "QUEUED"
    assert c.cmd("EXEC") == [Err("ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client"),
                             push("subscribe", "x", 1)]
    assert pub.cmd("PUBLISH", "x", "y") == 1
    assert c.reply() == push("message", "x", "y")


def test_arity_errors(raw):
    c = raw()
    assert c.cmd("SUBSCRIBE") == Err("ERR wrong number of arguments for 'subscribe' command")
    assert c.cmd("PSUBSCRIBE") == Err("ERR wrong number of arguments for 'psubscribe' command")
    assert c.cmd("SSUBSCRIBE") == Err("ERR wrong number of arguments for 'ssubscribe' command")
    assert c.cmd("PUBLISH", "x") == Err("ERR wrong number of arguments for 'publish' command")
    assert c.cmd("SPUBLISH", "x", "y", "z") == Err("ERR wrong number of arguments for 'spublish' command")


# ---- PUBSUB ----

def test_pubsub_introspection(server, raw):
    a, b, q = raw(), raw(), raw()
    a.cmd("SUBSCRIBE", "news.1")
    b.send(encode("SUBSCRIBE", "news.1", "news.2", "other"))
    for _ in range(3):
        b.reply()
    a.cmd("PSUBSCRIBE", "news.*")
    b.send(encode("PSUBSCRIBE", "news.*", "o*"))
    b.reply(), b.reply()
    a.cmd("SSUBSCRIBE", "shard.a")
    b.send(encode("SSUBSCRIBE", "shard.a", "shard.b"))
    b.reply(), b.reply()

    assert sorted(q.cmd("PUBSUB", "CHANNELS")) == [b"news.1", b"news.2", b"other"]
    assert sorted(q.cmd("PUBSUB", "CHANNELS", "news.*")) == [b"news.1", b"news.2"]
    assert q.cmd("PUBSUB", "CHANNELS", "news.[2]") == [b"news.2"]
    assert q.cmd("PUBSUB", "CHANNELS", "NEWS.*") == []  # case-sensitive
    assert q.cmd("PUBSUB", "NUMSUB") == []
    assert q.cmd("PUBSUB", "NUMSUB", "news.1", "news.2", "none") == push("news.1", 2, "news.2", 1, "none", 0)
    # distinct patterns, not pattern subscriptions
    assert q.cmd("PUBSUB", "NUMPAT") == 2
    assert sorted(q.cmd("PUBSUB", "SHARDCHANNELS")) == [b"shard.a", b"shard.b"]
    assert q.cmd("PUBSUB", "SHARDCHANNELS", "*.b") == [b"shard.b"]
    assert q.cmd("PUBSUB", "SHARDNUMSUB", "shard.a", "news.1") == push("shard.a", 2, "news.1", 0)
    assert q.cmd("PUBSUB", "SHARDNUMSUB") == []
    # RESP3 uses the same arrays
    r3 = resp3(server)
    assert r3.cmd("PUBSUB", "NUMSUB", "news.2") == push("news.2", 1)
    assert r3.cmd("PUBSUB", "NUMPAT") == 2

    assert q.cmd("PUBSUB", "CHANNELS", "a", "b") == Err(
        "ERR unknown subcommand or wrong number of arguments for 'CHANNELS'. Try PUBSUB HELP.")
    assert q.cmd("PUBSUB", "SHARDCHANNELS", "a", "b") == Err(
        "ERR unknown subcommand or wrong number of arguments for 'SHARDCHANNELS'. Try PUBSUB HELP.")
    assert q.cmd("PUBSUB", "NUMPAT", "x") == Err("ERR wrong number of arguments for 'pubsub|numpat' command")
    assert q.cmd("PUBSUB", "FOO") == Err("ERR unknown subcommand 'FOO'. Try PUBSUB HELP.")
    assert q.cmd("PUBSUB") == Err("ERR wrong number of arguments for 'pubsub' command")
    help_lines = q.cmd("PUBSUB", "HELP")
    assert len(help_lines) == 14
    assert help_lines[0] == "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    assert help_lines[-1] == "    Prints this help."

    a.close()
    b.close()
    wait_until(lambda: q.cmd("PUBSUB", "NUMPAT") == 0, 5, what="patterns dropped")
    assert q.cmd("PUBSUB", "CHANNELS") == []
    assert q.cmd("PUBSUB", "SHARDCHANNELS") == []


def test_pattern_matching(server, raw):
    c, pub = raw(), raw()
    pats = ["h?llo", "h[ae]llo", "h[^e]llo", "h[a-b]llo", "h\\*llo", "*"]
    c.send(encode("PSUBSCRIBE", *pats))
    for _ in pats:
        c.reply()

    def matched(channel):
        n = pub.cmd("PUBLISH", channel, "m")
        got = sorted(c.reply()[1].decode() for _ in range(n))
        return got

    assert matched("hello") == sorted(["h?llo", "h[ae]llo", "*"])
    assert matched("hallo") == sorted(["h?llo", "h[ae]llo", "h[^e]llo", "h[a-b]llo", "*"])
    assert matched("h*llo") == sorted(["h?llo", "h[^e]llo", "h\\*llo", "*"])
    assert matched("hllo") == ["*"]
    # Redis's matcher never matches an empty channel, not even with "*"
    assert matched("") == []
    c.send(encode("PSUBSCRIBE", ""))
    c.reply()
    assert matched("") == [""]
    assert matched("x") == ["*"]


def test_binary_channel_and_message(server, raw):
    c, pub = raw(), raw()
    ch = b"bin\x00\r\n\xff"
    msg = b"\x00" * 3 + b"\r\n" + bytes(range(256))
    assert c.cmd("SUBSCRIBE", ch) == push("subscribe", ch, 1)
    assert pub.cmd("PUBLISH", ch, msg) == 1
    assert c.reply() == push("message", ch, msg)
    big = b"x" * (1 << 20)
    assert pub.cmd("PUBLISH", ch, big) == 1
    assert c.reply() == push("message", ch, big)


def test_many_subscribers_and_channels(server, raw):
    """Subscribing and unsubscribing in any order keeps every count right."""
    pub = raw()
    clients = [raw() for _ in range(5)]
    names = ["m%d" % i for i in range(300)]
    for c in clients:
        c.send(encode("SUBSCRIBE", *names))
    for c in clients:
        for i in range(len(names)):
            assert c.reply() == push("subscribe", names[i], i + 1)
    assert pub.cmd("PUBSUB", "NUMSUB", "m0", "m299") == push("m0", 5, "m299", 5)
    # every other client drops odd channels, in reverse order
    odd = names[1::2][::-1]
    for c in clients[::2]:
        c.send(encode("UNSUBSCRIBE", *odd))
        for i, n in enumerate(odd):
            assert c.reply() == push("unsubscribe", n, 300 - i - 1)
    assert pub.cmd("PUBSUB", "NUMSUB", "m0", "m1", "m298", "m299") == push("m0", 5, "m1", 2, "m298", 5, "m299", 2)
    assert pub.cmd("PUBLISH", "m1", "x") == 2
    assert pub.cmd("PUBLISH", "m2", "x") == 5
    for c in clients[1::2]:
        assert c.reply() == push("message", "m1", "x")
    for c in clients:
        assert c.reply() == push("message", "m2", "x")
    for c in clients:
        c.send(encode("UNSUBSCRIBE"))
        left = 150 if c in clients[::2] else 300
        got = [c.reply() for _ in range(left)]
        assert sorted(g[2] for g in got) == list(range(left))
        assert all(g[0] == b"unsubscribe" for g in got)
    assert pub.cmd("PUBSUB", "CHANNELS") == []


def test_random_subscriptions_against_a_model(server, raw):
    """Random (un)subscribes of every kind from a few clients: every reply's
    count, NUMSUB, SHARDNUMSUB, NUMPAT and CHANNELS agree with a model."""
    import random
    rnd = random.Random(8)
    pub = raw()
    clients = [raw() for _ in range(4)]
    model = [{k: set() for k in "cps"} for _ in clients]
    cmds = {"c": ("SUBSCRIBE", "UNSUBSCRIBE"), "p": ("PSUBSCRIBE", "PUNSUBSCRIBE"),
            "s": ("SSUBSCRIBE", "SUNSUBSCRIBE")}
    names = ["n%d" % i for i in range(40)]
    for _ in range(400):
        i = rnd.randrange(len(clients))
        kind = rnd.choice("cps")
        sub = rnd.random() < 0.6
        args = rnd.sample(names, rnd.randint(1, 3)) if (sub or rnd.random() < 0.8) else []
        c, m = clients[i], model[i]
        c.send(encode(cmds[kind][0 if sub else 1], *args))
        if not args:
            expected = sorted(m[kind]) or [None]
            got = [c.reply() for _ in expected]
            m[kind].clear()
            assert sorted(g[1] or b"" for g in got) == sorted((n or "").encode() for n in expected)
            assert got[-1][2] == (len(m["s"]) if kind == "s" else len(m["c"]) + len(m["p"]))
            continue
        for n in args:
            (m[kind].add if sub else m[kind].discard)(n)
            want = len(m["s"]) if kind == "s" else len(m["c"]) + len(m["p"])
            assert c.reply() == push(cmds[kind][0 if sub else 1].lower(), n, want)
    numsub = pub.cmd("PUBSUB", "NUMSUB", *names)
    assert numsub == push(*[x for n in names for x in (n, sum(n in m["c"] for m in model))])
    shard = pub.cmd("PUBSUB", "SHARDNUMSUB", *names)
    assert shard == push(*[x for n in names for x in (n, sum(n in m["s"] for m in model))])
    assert pub.cmd("PUBSUB", "NUMPAT") == len(set().union(*[m["p"] for m in model]))
    assert sorted(pub.cmd("PUBSUB", "CHANNELS")) == sorted(n.encode() for n in set().union(*[m["c"] for m in model]))
    for c in clients:
        assert c.cmd("RESET") == "RESET"
    assert pub.cmd("PUBSUB", "NUMPAT") == 0
    assert pub.cmd("PUBSUB", "CHANNELS") == []
    assert pub.cmd("PUBSUB", "SHARDCHANNELS") == []


# ---- output buffer limit and replication ----

def test_pubsub_output_buffer_limit(make_server):
    s = make_server("--client-output-buffer-limit", "pubsub 256kb 0 0")
    sub = Raw(s.port)
    # a receive buffer this small keeps most of the backlog in the server
    sub.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    assert sub.cmd("SUBSCRIBE", "flood") == push("subscribe", "flood", 1)
    pub = Raw(s.port)
    normal = Raw(s.port)  # a normal client is not limited by the pubsub class
    payload = b"p" * 65536

    def dropped():
        pub.cmd("PUBLISH", "flood", payload)
        return pub.cmd("PUBSUB", "NUMSUB", "flood") == push("flood", 0)

    wait_until(dropped, 20, what="the slow subscriber disconnected")
    assert normal.cmd("PING") == "PONG"
    sub.close()


def test_publish_reaches_replica_subscribers(make_server):
    master = make_server()
    replica = make_server("--replicaof", "127.0.0.1", str(master.port))
    m = Raw(master.port)
    wait_until(lambda: b"master_link_status:up" in Raw(replica.port).cmd("INFO", "replication"), 15,
               what="replica linked")
    sub = Raw(replica.port)
    sub.cmd("SUBSCRIBE", "fromm")
    ssub = Raw(replica.port)
    ssub.cmd("SSUBSCRIBE", "sfromm")
    assert m.cmd("PUBLISH", "fromm", "hello") == 0
    assert sub.reply() == push("message", "fromm", "hello")
    assert m.cmd("SPUBLISH", "sfromm", "shello") == 0
    assert ssub.reply() == push("smessage", "sfromm", "shello")


# ---- cluster ----

@pytest.fixture
def make(request):
    f = failutil.NodeFactory("ps-" + request.node.name.replace("test_", ""))
    yield f
    f.stop_all()


def channel_in(start, end, prefix="ch"):
    """A channel name whose slot is in [start, end]."""
    return failutil.keys_in_slots(start, end, 1, prefix + ":")[0]


def moved_target(reply):
    assert isinstance(reply, Err) and reply.text.startswith("MOVED "), reply
    return int(reply.text.split()[1]), int(reply.text.rsplit(":", 1)[1])


def test_cluster_publish_over_bus_and_shard_channels(make):
    cl = failutil.form_cluster(make, 3, {0: 1, 1: 0, 2: 0})
    a, b, c = cl.masters
    ra = cl.replicas[0][0]

    # PUBLISH on one node reaches subscribers on every node (replicas too);
    # the reply counts this node's receivers only
    subs = {n.name: Raw(n.port) for n in (a, b, ra)}
    for s in subs.values():
        assert s.cmd("SUBSCRIBE", "global") == push("subscribe", "global", 1)
    local = Raw(c.port)
    local.cmd("PSUBSCRIBE", "glob*")
    pub = Raw(c.port)
    assert pub.cmd("PUBLISH", "global", "hi") == 1
    assert local.reply() == push("pmessage", "glob*", "global", "hi")
    for s in subs.values():
        assert s.reply() == push("message", "global", "hi")
    # from a replica's client too
    assert Raw(ra.port).cmd("PUBLISH", "global", "from-replica") == 1
    for s in subs.values():
        assert s.reply() == push("message", "global", "from-replica")

    # shard channels are routed like keys
    start, end = cl.ranges[0]
    ch = channel_in(start, end)
    slot = srvutil.key_slot(ch)
    assert moved_target(Raw(b.port).cmd("SSUBSCRIBE", ch)) == (slot, a.port)
    assert moved_target(Raw(b.port).cmd("SPUBLISH", ch, "x")) == (slot, a.port)
    other = channel_in(cl.ranges[1][0], cl.ranges[1][1])
    assert Raw(a.port).cmd("SSUBSCRIBE", ch, other) == Err("CROSSSLOT Keys in request don't hash to the same slot")
    sa = Raw(a.port)
    assert sa.cmd("SSUBSCRIBE", ch) == push("ssubscribe", ch, 1)
    # the owner's replica serves them without READONLY
    sr = Raw(ra.port)
    assert sr.cmd("SSUBSCRIBE", ch) == push("ssubscribe", ch, 1)
    # SPUBLISH stays in the shard: b's subscriber of the same name (a plain
    # channel) hears nothing
    assert Raw(a.port).cmd("SPUBLISH", ch, "shard-hi") == 1
    assert sa.reply() == push("smessage", ch, "shard-hi")
    assert sr.reply() == push("smessage", ch, "shard-hi")
    # SPUBLISH from the replica's client reaches the master's subscriber
    assert Raw(ra.port).cmd("SPUBLISH", ch, "via-replica") == 1
    assert sa.reply() == push("smessage", ch, "via-replica")
    assert sr.reply() == push("smessage", ch, "via-replica")
    assert Raw(a.port).cmd("PUBSUB", "SHARDNUMSUB", ch) == push(ch, 1)
    assert Raw(a.port).cmd("PUBSUB", "SHARDCHANNELS") == [ch.encode()]

    # keyspace notifications stay on the node that owns the key
    key = channel_in(start, end, "key")
    for n in (a, b):
        assert n.cmd("CONFIG", "SET", "notify-keyspace-events", "E$") == "OK"
    la, lb = Raw(a.port), Raw(b.port)
    for lis in (la, lb):
        lis.send(encode("SUBSCRIBE", "__keyevent@0__:set", "marker"))
        lis.reply(), lis.reply()
    assert Raw(a.port).cmd("SET", key, "v") == "OK"
    assert Raw(a.port).cmd("PUBLISH", "marker", "end") == 1  # after the event on every link
    assert la.reply() == push("message", "__keyevent@0__:set", key)
    assert la.reply() == push("message", "marker", "end")
    assert lb.reply() == push("message", "marker", "end")


def test_cluster_slot_moved_away_sunsubscribes(make):
    cl = failutil.form_cluster(make, 3, {0: 1, 1: 0, 2: 0})
    a, b, _ = cl.masters
    ra = cl.replicas[0][0]
    start, end = cl.ranges[0]
    ch = channel_in(start, end, "mv")
    slot = srvutil.key_slot(ch)
    keep = next(channel_in(s, s, "keep") for s in range(start, end + 1) if s != slot)
    sa = Raw(a.port)
    assert sa.cmd("SSUBSCRIBE", ch) == push("ssubscribe", ch, 1)
    assert sa.cmd("SSUBSCRIBE", keep) == push("ssubscribe", keep, 2)
    sr = Raw(ra.port)
    assert sr.cmd("SSUBSCRIBE", ch) == push("ssubscribe", ch, 1)
    a3 = resp3(a)
    a3.send(encode("SSUBSCRIBE", ch))
    assert a3.reply() == Push(push("ssubscribe", ch, 1))

    # the slot (no keys in it) goes to b
    assert b.cmd("CLUSTER", "SETSLOT", slot, "IMPORTING", a.node_id) == "OK"
    assert a.cmd("CLUSTER", "SETSLOT", slot, "MIGRATING", b.node_id) == "OK"
    assert b.cmd("CLUSTER", "SETSLOT", slot, "NODE", b.node_id) == "OK"
    assert a.cmd("CLUSTER", "SETSLOT", slot, "NODE", b.node_id) == "OK"

    assert sa.reply() == push("sunsubscribe", ch, 1)
    assert a3.reply() == Push(push("sunsubscribe", ch, 0))
    # the replica learns from the bus
    assert sr.reply() == push("sunsubscribe", ch, 0)
    # its other shard channel stays; the RESP2 replica client left the context
    assert sa.cmd("PUBSUB", "SHARDNUMSUB", ch, keep) == context_error("pubsub|shardnumsub")
    assert Raw(a.port).cmd("PUBSUB", "SHARDCHANNELS") == [keep.encode()]
    assert sr.cmd("PING") == "PONG"
    assert moved_target(Raw(a.port).cmd("SSUBSCRIBE", ch)) == (slot, b.port)
    sb = Raw(b.port)
    assert sb.cmd("SSUBSCRIBE", ch) == push("ssubscribe", ch, 1)
    assert Raw(b.port).cmd("SPUBLISH", ch, "new-owner") == 1
    assert sb.reply() == push("smessage", ch, "new-owner")


def test_cluster_pubsub_interop_with_redis_server(make):
    """A redis-server master with a $SHOAL_SERVER replica, and a shoal
    master: PUBLISH and PUBLISHSHARD cross the bus between implementations
    both ways."""
    redis = srvutil.redis_path()
    kinds = {"m0": redis, "r0a": srvutil.SERVER_PATH, "m1": srvutil.SERVER_PATH, "m2": redis}

    def mk(name, *args):
        return make(name, *args, path=kinds[name])

    cl = failutil.form_cluster(mk, 3, {0: 1, 1: 0, 2: 0})
    rm, sm = cl.masters[0], cl.masters[1]
    sr = cl.replicas[0][0]
    on_shoal, on_redis, on_shoal_replica = Raw(sm.port), Raw(rm.port), Raw(sr.port)
    for c in (on_shoal, on_redis, on_shoal_replica):
        assert c.cmd("SUBSCRIBE", "mixed") == push("subscribe", "mixed", 1)
    assert Raw(rm.port).cmd("PUBLISH", "mixed", "from-redis") == 1
    assert Raw(sm.port).cmd("PUBLISH", "mixed", "from-shoal") == 1
    for c in (on_shoal, on_redis, on_shoal_replica):
        got = sorted([c.reply(), c.reply()])
        assert got == [push("message", "mixed", "from-redis"), push("message", "mixed", "from-shoal")]

    ch = channel_in(*cl.ranges[0])
    s_redis, s_replica = Raw(rm.port), Raw(sr.port)
    assert s_redis.cmd("SSUBSCRIBE", ch) == push("ssubscribe", ch, 1)
    assert s_replica.cmd("SSUBSCRIBE", ch) == push("ssubscribe", ch, 1)
    assert Raw(rm.port).cmd("SPUBLISH", ch, "shard-from-redis") == 1
    assert Raw(sr.port).cmd("SPUBLISH", ch, "shard-from-shoal") == 1
    for c in (s_redis, s_replica):
        got = sorted([c.reply(), c.reply()])
        assert got == [push("smessage", ch, "shard-from-redis"), push("smessage", ch, "shard-from-shoal")]


def test_cluster_failover_keeps_shard_channels_on_the_promoted_replica_only(make):
    """Redis 7.0 drops a shard channel on every node whose slot changed owner
    to someone else: after a failover the old master and the other replica
    tell their subscribers with sunsubscribe, the new master keeps its."""
    cl = failutil.form_cluster(make, 3, {0: 2, 1: 0, 2: 0})
    a = cl.masters[0]
    r1, r2 = cl.replicas[0]
    ch = channel_in(*cl.ranges[0], prefix="fo")
    subs = {n.name: Raw(n.port) for n in (a, r1, r2)}
    for s in subs.values():
        assert s.cmd("SSUBSCRIBE", ch) == push("ssubscribe", ch, 1)
    assert r1.cmd("CLUSTER", "FAILOVER") == "OK"
    failutil.wait_master(r1)
    assert subs[a.name].reply() == push("sunsubscribe", ch, 0)
    assert subs[r2.name].reply() == push("sunsubscribe", ch, 0)
    wait_until(lambda: failutil.slot_owner(r2, srvutil.key_slot(ch)) == r1.node_id, 10, what="r2 sees r1 owning")
    assert Raw(r1.port).cmd("PUBSUB", "SHARDCHANNELS") == [ch.encode()]
    assert Raw(r1.port).cmd("SPUBLISH", ch, "after") == 1
    assert subs[r1.name].reply() == push("smessage", ch, "after")
    assert subs[a.name].cmd("PING") == "PONG"  # out of the subscribed context
