"""
test_notify.py: keyspace notifications (notify-keyspace-events) as Redis
7.0.15 sends them: the flag letters CONFIG SET accepts and CONFIG GET
shows, the __keyspace@0__/__keyevent@0__ channels, which class each event
belongs to, and the events of a representative set of commands of every
family (strings, keys, expiry, lists, hashes, sets, sorted sets, new keys,
eviction).

The events come from the other families' commands: a family that still
answers "not implemented yet" fails its test here until it lands.
Developed against redis-server (SHOAL_SERVER=/usr/bin/redis-server) first.
"""

import pytest

from srvutil import Err, Raw, encode, wait_until

MARK = "notify-test-mark"


def set_events(c, flags):
    assert c.cmd("CONFIG", "SET", "notify-keyspace-events", flags) == "OK"


class Listener:
    """A connection subscribed to every keyspace and keyevent channel, and to
    a marker channel that ends each batch (delivery is in order)."""

    def __init__(self, port):
        self.c = Raw(port)
        self.c.send(encode("PSUBSCRIBE", "__key*@*__:*"))
        assert self.c.reply()[0] == b"psubscribe"
        self.c.send(encode("SUBSCRIBE", MARK))
        assert self.c.reply()[0] == b"subscribe"
        self.pub = Raw(port)

    def collect(self):
        """Every notification since the last call, as (channel, message) str pairs."""
        assert self.pub.cmd("PUBLISH", MARK, "end") == 1
        out = []
        while True:
            m = self.c.reply()
            if m[0] == b"message" and m[1] == MARK.encode():
                return out
            assert m[0] == b"pmessage", m
            out.append((m[2].decode(), m[3].decode()))

    def events(self):
        """Only the keyevent notifications, as (event, key) pairs."""
        prefix = "__keyevent@0__:"
        return [(ch[len(prefix):], msg) for ch, msg in self.collect() if ch.startswith(prefix)]


@pytest.fixture
def srv(make_server):
    return make_server()


@pytest.fixture
def r(srv):
    c = Raw(srv.port)
    yield c
    c.close()


@pytest.fixture
def lis(srv):
    listener = Listener(srv.port)
    yield listener
    listener.c.close()
    listener.pub.close()


# ---- the option ----

@pytest.mark.parametrize("given, shown", [
    ("", ""), ("KEA", "AKE"), ("K", "K"), ("E", "E"), ("g", "g"), ("Ag", "A"), ("KEm", "KEm"),
    ("KEn", "nKE"), ("KEA$lshzxetmdn", "AKEm"), ("$", "$"), ("KEd", "dKE"), ("KEt", "tKE"),
    ("KEtezxhsl$gdn", "AKE"), ("KEg$lshzxet", "g$lshzxetKE"), ("Exlhz", "lhzxE"), ("n", "n"),
    ("AAAK", "AK"),
])
def test_flags_canonical_form(r, given, shown):
    set_events(r, given)
    assert r.cmd("CONFIG", "GET", "notify-keyspace-events") == [b"notify-keyspace-events", shown.encode()]


def test_flags_invalid_letter(r):
    set_events(r, "KE")
    for bad in ("Kq", "a", "KEA ", "k"):
        assert r.cmd("CONFIG", "SET", "notify-keyspace-events", bad) == Err(
            "ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - Invalid event "
            "class character. Use 'Ag$lshzxeKEtmdn'.")
    assert r.cmd("CONFIG", "GET", "notify-keyspace-events") == [b"notify-keyspace-events", b"KE"]


def test_flags_from_command_line(make_server):
    s = make_server("--notify-keyspace-events", "Elg")
    assert Raw(s.port).cmd("CONFIG", "GET", "notify-keyspace-events") == [b"notify-keyspace-events", b"glE"]


# ---- channels and classes ----

def test_off_by_default(r, lis):
    assert r.cmd("SET", "k", "v") == "OK"
    assert lis.collect() == []


def test_keyspace_and_keyevent_channels(r, lis):
    set_events(r, "KEA")
    assert r.cmd("SET", "k1", "v") == "OK"
    assert lis.collect() == [("__keyspace@0__:k1", "set"), ("__keyevent@0__:set", "k1")]
    set_events(r, "K$")
    r.cmd("SET", "k1", "v")
    assert lis.collect() == [("__keyspace@0__:k1", "set")]
    set_events(r, "E$")
    r.cmd("SET", "k1", "v")
    assert lis.collect() == [("__keyevent@0__:set", "k1")]
    # a class without K or E sends nothing
    set_events(r, "A")
    r.cmd("SET", "k1", "v")
    assert lis.collect() == []
    # K and E without the event's class send nothing
    set_events(r, "KEg")
    r.cmd("SET", "k1", "v")
    assert lis.collect() == []
    assert r.cmd("DEL", "k1") == 1
    assert lis.collect() == [("__keyspace@0__:k1", "del"), ("__keyevent@0__:del", "k1")]


def test_binary_key(r, lis):
    set_events(r, "KE$")
    key = b"bin\x00\r\nkey"
    r.cmd("SET", key, "v")
    assert lis.c.reply() == [b"pmessage", b"__key*@*__:*", b"__keyspace@0__:" + key, b"set"]
    assert lis.c.reply() == [b"pmessage", b"__key*@*__:*", b"__keyevent@0__:set", key]
    assert lis.collect() == []


def test_keyspace_subscriber_on_one_key(srv, r):
    """A plain SUBSCRIBE to one key's channel, RESP3 push."""
    set_events(r, "K$")
    c = Raw(srv.port)
    c.cmd("HELLO", "3")
    c.cmd("SUBSCRIBE", "__keyspace@0__:watched")
    r.cmd("SET", "other", "1")
    r.cmd("SET", "watched", "1")
    assert c.reply() == [b"message", b"__keyspace@0__:watched", b"set"]


# ---- events per family ----

def test_string_and_generic_events(r, lis):
    set_events(r, "EA")
    r.cmd("SET", "s", "1")
    r.cmd("INCRBY", "s", "5")
    r.cmd("INCR", "s")
    r.cmd("APPEND", "s", "0")
    r.cmd("EXPIRE", "s", "100")
    r.cmd("PERSIST", "s")
    r.cmd("RENAME", "s", "t")
    r.cmd("DEL", "t", "missing")
    r.cmd("SET", "e", "v", "EX", "100")
    assert lis.events() == [
        ("set", "s"), ("incrby", "s"), ("incrby", "s"), ("append", "s"), ("expire", "s"), ("persist", "s"),
        ("rename_from", "s"), ("rename_to", "t"), ("del", "t"), ("set", "e"), ("expire", "e"),
    ]
    # a read or a failed write sends nothing
    r.cmd("GET", "e")
    r.cmd("INCR", "e")
    assert lis.events() == []


def test_expired_event(r, lis):
    set_events(r, "Ex")
    assert r.cmd("SET", "gone", "v", "PX", "1") == "OK"
    got = []

    def expired():
        r.cmd("GET", "gone")  # expires it lazily if the cycle did not yet
        got.extend(lis.events())
        return got

    wait_until(expired, 5, what="the expired event")
    assert got == [("expired", "gone")]


def test_new_key_event(r, lis):
    set_events(r, "En")
    r.cmd("SET", "fresh", "1")
    r.cmd("SET", "fresh", "2")
    r.cmd("DEL", "fresh")
    r.cmd("SET", "fresh", "3")
    assert lis.events() == [("new", "fresh"), ("new", "fresh")]
    # the key is added before the command's own event
    set_events(r, "En$lhsz")
    r.cmd("SET", "fresh2", "1")
    r.cmd("RPUSH", "newlist", "a")
    r.cmd("RPUSH", "newlist", "b")
    assert lis.events() == [("new", "fresh2"), ("set", "fresh2"), ("new", "newlist"), ("rpush", "newlist"),
                            ("rpush", "newlist")]
    r.cmd("HSET", "newhash", "f", "v")
    r.cmd("SADD", "newset", "m")
    r.cmd("ZADD", "newzset", "1", "m")
    r.cmd("HSET", "newhash", "g", "v")
    assert lis.events() == [("new", "newhash"), ("hset", "newhash"), ("new", "newset"), ("sadd", "newset"),
                            ("new", "newzset"), ("zadd", "newzset"), ("hset", "newhash")]


def test_list_events(r, lis):
    set_events(r, "Elg")
    r.cmd("LPUSH", "l", "a", "b")
    r.cmd("RPUSH", "l", "c")
    r.cmd("RPOP", "l")
    r.cmd("LPOP", "l", "5")
    assert lis.events() == [("lpush", "l"), ("rpush", "l"), ("rpop", "l"), ("lpop", "l"), ("del", "l")]


def test_hash_events(r, lis):
    set_events(r, "Ehg")
    r.cmd("HSET", "h", "f1", "1", "f2", "2")
    r.cmd("HINCRBY", "h", "f1", "3")
    r.cmd("HDEL", "h", "f1", "nope")
    r.cmd("HDEL", "h", "nope")
    r.cmd("HDEL", "h", "f2")
    assert lis.events() == [("hset", "h"), ("hincrby", "h"), ("hdel", "h"), ("hdel", "h"), ("del", "h")]


def test_set_events(r, lis):
    set_events(r, "Esg")
    r.cmd("SADD", "s", "a", "b")
    r.cmd("SADD", "s", "a")
    r.cmd("SREM", "s", "a")
    r.cmd("SREM", "s", "b")
    assert lis.events() == [("sadd", "s"), ("srem", "s"), ("srem", "s"), ("del", "s")]


def test_zset_events(r, lis):
    set_events(r, "Ezg")
    r.cmd("ZADD", "z", "1", "a", "2", "b")
    r.cmd("ZINCRBY", "z", "5", "a")
    r.cmd("ZREM", "z", "a", "nope")
    r.cmd("ZREM", "z", "b")
    assert lis.events() == [("zadd", "z"), ("zincr", "z"), ("zrem", "z"), ("zrem", "z"), ("del", "z")]


def test_evicted_event(r, lis):
    set_events(r, "Ee")
    for i in range(50):
        r.cmd("SET", "ev:%d" % i, "x" * 1000)
    assert r.cmd("CONFIG", "SET", "maxmemory-policy", "allkeys-random") == "OK"
    assert r.cmd("CONFIG", "SET", "maxmemory", "1") == "OK"
    r.cmd("SET", "trigger", "1")  # evicts all it can, then may be refused
    assert r.cmd("CONFIG", "SET", "maxmemory", "0") == "OK"
    events = lis.events()
    assert events, "no evicted event"
    assert all(ev == "evicted" for ev, _ in events), events
    assert {k for _, k in events} == {"ev:%d" % i for i in range(50)}
