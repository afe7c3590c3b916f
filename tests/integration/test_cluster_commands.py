"""Every CLUSTER subcommand a single node answers (KEYSLOT, COUNTKEYSINSLOT,
GETKEYSINSLOT, ADDSLOTS[RANGE], DELSLOTS[RANGE], FLUSHSLOTS, MYID, NODES,
SLOTS, SHARDS, INFO, SETSLOT), their argument errors in redis-server
7.0.15's order, ASKING/READONLY/READWRITE, and how INFO, HELLO and these
commands differ with cluster mode off. Replies are compared byte for byte.

A lone 7.0 node has not learned its own IP (that comes from a peer), so its
address shows as ":<port>@<port+10000>" and its endpoint as ""."""

import re

import pytest

import srvutil

OK = b"+OK\r\n"
SLOTS_COUNT = srvutil.CLUSTER_SLOTS_COUNT


def err(text):
    return b"-ERR " + text.encode() + b"\r\n"


def bulk(b):
    if isinstance(b, str):
        b = b.encode()
    return b"$%d\r\n%s\r\n" % (len(b), b)


def verbatim(b):
    return b"=%d\r\ntxt:%s\r\n" % (len(b) + 4, b)


def exchange(c, *cmds):
    c.send(b"".join(srvutil.encode(*cmd) for cmd in cmds))
    return b"".join(c.raw_reply() for _ in cmds)


@pytest.fixture
def node(cluster_server):
    """The module's node with an empty keyspace and no slots, and a raw
    connection to it: (server, connection, myid)."""
    c = cluster_server.raw()
    assert exchange(c, ("FLUSHALL",), ("CLUSTER", "FLUSHSLOTS")) == OK + OK
    myid = c.cmd("CLUSTER", "MYID").decode()
    yield cluster_server, c, myid
    c.close()


def nodes_line(s, myid, slots_text=""):
    return ("%s :%d@%d myself,master - 0 0 0 connected%s\n"
            % (myid, s.port, s.port + 10000, slots_text)).encode()


# ---- KEYSLOT ----

KEYSLOT_VECTORS = [
    (b"foo", 12182),
    (b"hello", 866),
    (b"{user1000}.following", 3443),
    (b"{user1000}.followers", 3443),
    (b"{}", 15257),
    (b"{{a}}", 10276),
    (b"a{}{b}", 15033),
    (b"foo{}{bar}", 8363),
    (b"foo{{bar}}zap", 4015),
    (b"foo{bar}{zap}", 5061),
    (b"a{b", 13340),
    (b"a}b{", 6027),
    (b"", 0),
    (b"123456789", 12739),
    (b"{123456789}", 12739),
    (b"x{123456789}y", 12739),
]


@pytest.mark.parametrize("key,slot", KEYSLOT_VECTORS, ids=lambda v: repr(v))
def test_keyslot_vectors(cluster_server, key, slot):
    assert srvutil.key_slot(key) == slot  # the model agrees with the table
    with cluster_server.raw() as c:
        assert exchange(c, ("CLUSTER", "KEYSLOT", key)) == b":%d\r\n" % slot


def test_keyslot_binary_and_long_keys(node):
    s, c, _ = node
    keys = [bytes(range(256)), b"\x00{\x00}\x00", b"k" * 100000, b"{" + b"t" * 5000 + b"}x"]
    for k in keys:
        assert c.cmd("CLUSTER", "KEYSLOT", k) == srvutil.key_slot(k)
    # case matters for the subcommand name only
    assert exchange(c, ("cluster", "keyslot", "foo"), ("ClUsTeR", "KeYsLoT", "FOO")) == \
        b":12182\r\n:%d\r\n" % srvutil.key_slot("FOO")


# ---- MYID / NODES / SLOTS / SHARDS ----

def test_myid_is_40_hex_and_stable(node):
    s, c, myid = node
    assert re.fullmatch(r"[0-9a-f]{40}", myid), myid
    assert exchange(c, ("CLUSTER", "MYID")) == bulk(myid)
    with s.raw() as c2:
        assert c2.cmd("CLUSTER", "MYID").decode() == myid
        c2.send(b"HELLO 3\r\n")
        c2.reply()
        assert exchange(c2, ("CLUSTER", "MYID")) == bulk(myid)
    c.cmd("CLUSTER", "ADDSLOTS", "1")
    assert c.cmd("CLUSTER", "MYID").decode() == myid


def test_nodes_without_slots(node):
    s, c, myid = node
    line = nodes_line(s, myid)
    assert exchange(c, ("CLUSTER", "NODES")) == bulk(line)
    assert c.cmd("HELLO", "3")[b"proto"] == 3
    assert exchange(c, ("CLUSTER", "NODES")) == verbatim(line)


def test_nodes_slot_ranges(node):
    s, c, myid = node
    assert exchange(c, ("CLUSTER", "ADDSLOTS", "5", "0", "1", "2", "100"),
                    ("CLUSTER", "ADDSLOTSRANGE", "200", "300", "16383", "16383", "302", "302")) == OK * 2
    line = nodes_line(s, myid, " 0-2 5 100 200-300 302 16383")
    assert exchange(c, ("CLUSTER", "NODES")) == bulk(line)
    assert exchange(c, ("CLUSTER", "ADDSLOTS", "301")) == OK
    assert exchange(c, ("CLUSTER", "NODES")) == bulk(nodes_line(s, myid, " 0-2 5 100 200-302 16383"))


def test_nodes_all_slots(node):
    s, c, myid = node
    assert exchange(c, ("CLUSTER", "ADDSLOTSRANGE", "0", "16383")) == OK
    assert exchange(c, ("CLUSTER", "NODES")) == bulk(nodes_line(s, myid, " 0-16383"))


def slots_entry(s, myid, start, end, resp3=False):
    return (b"*3\r\n:%d\r\n:%d\r\n*4\r\n$0\r\n\r\n:%d\r\n%s%s"
            % (start, end, s.port, bulk(myid), b"%0\r\n" if resp3 else b"*0\r\n"))


def test_slots_reply(node):
    s, c, myid = node
    assert exchange(c, ("CLUSTER", "SLOTS")) == b"*0\r\n"
    assert exchange(c, ("CLUSTER", "ADDSLOTSRANGE", "0", "16383")) == OK
    assert exchange(c, ("CLUSTER", "SLOTS")) == b"*1\r\n" + slots_entry(s, myid, 0, 16383)
    assert exchange(c, ("CLUSTER", "DELSLOTS", "5", "16383", "100"),
                    ("CLUSTER", "DELSLOTSRANGE", "102", "16000")) == OK * 2
    want = [(0, 4), (6, 99), (101, 101), (16001, 16382)]
    assert exchange(c, ("CLUSTER", "SLOTS")) == \
        b"*4\r\n" + b"".join(slots_entry(s, myid, a, b) for a, b in want)
    c.cmd("HELLO", "3")
    assert exchange(c, ("CLUSTER", "SLOTS")) == \
        b"*4\r\n" + b"".join(slots_entry(s, myid, a, b, resp3=True) for a, b in want)


def shards_reply(s, myid, ranges, resp3=False):
    slots = b"*%d\r\n" % (2 * len(ranges)) + b"".join(b":%d\r\n:%d\r\n" % r for r in ranges)
    fields = [(b"id", bulk(myid)), (b"port", b":%d\r\n" % s.port), (b"ip", b"$0\r\n\r\n"),
              (b"endpoint", b"$0\r\n\r\n"), (b"role", bulk("master")),
              (b"replication-offset", b":0\r\n"), (b"health", bulk("online"))]
    node = (b"%7\r\n" if resp3 else b"*14\r\n") + b"".join(bulk(k) + v for k, v in fields)
    shard = ((b"%2\r\n" if resp3 else b"*4\r\n") + bulk("slots") + slots
             + bulk("nodes") + b"*1\r\n" + node)
    return b"*1\r\n" + shard


def test_shards_reply(node):
    s, c, myid = node
    assert exchange(c, ("CLUSTER", "SHARDS")) == shards_reply(s, myid, [])
    assert exchange(c, ("CLUSTER", "ADDSLOTSRANGE", "0", "2", "5", "5", "7000", "16383")) == OK
    ranges = [(0, 2), (5, 5), (7000, 16383)]
    assert exchange(c, ("CLUSTER", "SHARDS")) == shards_reply(s, myid, ranges)
    c.cmd("HELLO", "3")
    assert exchange(c, ("CLUSTER", "SHARDS")) == shards_reply(s, myid, ranges, resp3=True)


# ---- INFO ----

INFO_FIELDS = ["cluster_state", "cluster_slots_assigned", "cluster_slots_ok",
               "cluster_slots_pfail", "cluster_slots_fail", "cluster_known_nodes",
               "cluster_size", "cluster_current_epoch", "cluster_my_epoch",
               "cluster_stats_messages_sent", "cluster_stats_messages_received",
               "total_cluster_links_buffer_limit_exceeded"]


def info_text(state, assigned, size):
    values = [state, assigned, assigned, 0, 0, 1, size, 0, 0, 0, 0, 0]
    return "".join("%s:%s\r\n" % kv for kv in zip(INFO_FIELDS, values)).encode()


def test_info_fields_without_slots(node):
    s, c, _ = node
    text = c.cmd("CLUSTER", "INFO")
    names = [line.split(b":")[0].decode() for line in text.split(b"\r\n") if line]
    assert names == INFO_FIELDS
    assert text.endswith(b"\r\n")
    info = srvutil.info_dict(text)
    assert info["cluster_state"] == "fail"
    assert info["cluster_slots_assigned"] == "0"
    assert info["cluster_known_nodes"] == "1"


def test_info_ok_with_all_slots_and_fail_without(node):
    s, c, _ = node
    assert exchange(c, ("CLUSTER", "ADDSLOTSRANGE", "0", "16383")) == OK
    s.wait_cluster_state("ok")
    assert exchange(c, ("CLUSTER", "INFO")) == bulk(info_text("ok", 16384, 1))
    c.cmd("HELLO", "3")
    assert exchange(c, ("CLUSTER", "INFO")) == verbatim(info_text("ok", 16384, 1))
    assert exchange(c, ("CLUSTER", "DELSLOTSRANGE", "8192", "16383")) == OK
    info = s.wait_cluster_state("fail")
    assert info["cluster_slots_assigned"] == info["cluster_slots_ok"] == "8192"
    assert info["cluster_size"] == "1"


# ---- ADDSLOTS / ADDSLOTSRANGE / DELSLOTS / DELSLOTSRANGE / FLUSHSLOTS ----

def test_addslots_and_delslots_change_ownership(node):
    s, c, myid = node
    assert exchange(c, ("CLUSTER", "ADDSLOTS", "10", "11", "12")) == OK
    assert s.cluster_info()["cluster_slots_assigned"] == "3"
    assert exchange(c, ("CLUSTER", "DELSLOTS", "11")) == OK
    assert exchange(c, ("CLUSTER", "ADDSLOTSRANGE", "100", "199", "16383", "16383")) == OK
    assert s.cluster_info()["cluster_slots_assigned"] == "103"
    assert exchange(c, ("CLUSTER", "DELSLOTSRANGE", "150", "199", "10", "10")) == OK
    assert exchange(c, ("CLUSTER", "NODES")) == bulk(nodes_line(s, myid, " 12 100-149 16383"))
    assert s.cluster_info()["cluster_slots_assigned"] == "52"


# (command, expected error), showing the order of the checks. [ADD|DEL]SLOTS:
# the syntax of every argument first, then per slot in argument order
# "busy"/"unassigned" and "specified multiple times". [ADD|DEL]SLOTSRANGE:
# range by range, syntax of both ends, then their order, then its slots.
# Setup: the node owns 0-99, 300 and 16383.
SLOT_ARG_ERRORS = [
    (("ADDSLOTS", "16384"), "Invalid or out of range slot"),
    (("ADDSLOTS", "-1"), "Invalid or out of range slot"),
    (("ADDSLOTS", "x"), "Invalid or out of range slot"),
    (("ADDSLOTS", "1.0"), "Invalid or out of range slot"),
    (("ADDSLOTS", "+1"), "Invalid or out of range slot"),
    (("ADDSLOTS", "01"), "Invalid or out of range slot"),
    (("ADDSLOTS", " 1"), "Invalid or out of range slot"),
    (("ADDSLOTS", ""), "Invalid or out of range slot"),
    (("ADDSLOTS", "99999999999999999999"), "Invalid or out of range slot"),
    (("ADDSLOTS", "200", "201", "201", "x"), "Invalid or out of range slot"),
    (("ADDSLOTS", "16383"), "Slot 16383 is already busy"),
    (("ADDSLOTS", "200", "201", "5"), "Slot 5 is already busy"),
    (("ADDSLOTS", "1", "2", "3", "3"), "Slot 1 is already busy"),
    (("ADDSLOTS", "200", "5", "201", "201"), "Slot 5 is already busy"),
    (("ADDSLOTS", "200", "201", "200", "5"), "Slot 200 specified multiple times"),
    (("ADDSLOTS", "0", "16383"), "Slot 0 is already busy"),
    (("ADDSLOTSRANGE", "0", "16384"), "Invalid or out of range slot"),
    (("ADDSLOTSRANGE", "-1", "0"), "Invalid or out of range slot"),
    (("ADDSLOTSRANGE", "200", "250", "x", "240"), "Invalid or out of range slot"),
    (("ADDSLOTSRANGE", "250", "200"), "start slot number 250 is greater than end slot number 200"),
    (("ADDSLOTSRANGE", "200", "250", "260", "240"),
     "start slot number 260 is greater than end slot number 240"),
    (("ADDSLOTSRANGE", "0", "5", "400", "350"), "Slot 0 is already busy"),
    (("ADDSLOTSRANGE", "0", "5", "x", "350"), "Slot 0 is already busy"),
    (("ADDSLOTSRANGE", "400", "350", "x", "1"),
     "start slot number 400 is greater than end slot number 350"),
    (("DELSLOTSRANGE", "1000", "1001", "x", "1"), "Slot 1000 is already unassigned"),
    (("ADDSLOTSRANGE", "200", "300"), "Slot 300 is already busy"),
    (("ADDSLOTSRANGE", "0", "16383"), "Slot 0 is already busy"),
    (("ADDSLOTSRANGE", "200", "250", "240", "260"), "Slot 240 specified multiple times"),
    (("ADDSLOTSRANGE", "200", "201", "200", "201"), "Slot 200 specified multiple times"),
    (("DELSLOTS", "16384"), "Invalid or out of range slot"),
    (("DELSLOTS", "1", "x"), "Invalid or out of range slot"),
    (("DELSLOTS", "1000"), "Slot 1000 is already unassigned"),
    (("DELSLOTS", "1", "1000"), "Slot 1000 is already unassigned"),
    (("DELSLOTS", "1000", "1"), "Slot 1000 is already unassigned"),
    (("DELSLOTS", "1", "1", "1000"), "Slot 1 specified multiple times"),
    (("DELSLOTSRANGE", "10", "5"), "start slot number 10 is greater than end slot number 5"),
    (("DELSLOTSRANGE", "10", "x"), "Invalid or out of range slot"),
    (("DELSLOTSRANGE", "1", "2", "2", "3"), "Slot 2 specified multiple times"),
    (("DELSLOTSRANGE", "90", "110"), "Slot 100 is already unassigned"),
    (("DELSLOTSRANGE", "300", "300", "301", "301"), "Slot 301 is already unassigned"),
]


def test_slot_argument_errors_change_nothing(node):
    s, c, myid = node
    assert exchange(c, ("CLUSTER", "ADDSLOTSRANGE", "0", "99", "300", "300", "16383", "16383")) == OK
    line = bulk(nodes_line(s, myid, " 0-99 300 16383"))
    assert exchange(c, ("CLUSTER", "NODES")) == line
    failures = []
    for cmd, text in SLOT_ARG_ERRORS:
        got = exchange(c, ("CLUSTER",) + cmd)
        if got != err(text):
            failures.append("CLUSTER %s: want %r got %r" % (" ".join(cmd), err(text), got))
    assert not failures, "\n".join(failures)
    assert exchange(c, ("CLUSTER", "NODES")) == line  # all or nothing


def test_slot_arity_errors(node):
    s, c, _ = node
    for cmd in [("ADDSLOTS",), ("DELSLOTS",), ("ADDSLOTSRANGE",), ("ADDSLOTSRANGE", "1"),
                ("ADDSLOTSRANGE", "1", "2", "3"), ("DELSLOTSRANGE", "1"),
                ("DELSLOTSRANGE", "1", "2", "3"), ("ADDSLOTSRANGE", "1", "2", "3", "4", "5")]:
        want = err("wrong number of arguments for 'cluster|%s' command" % cmd[0].lower())
        assert exchange(c, ("CLUSTER",) + cmd) == want, cmd


def test_flushslots(node):
    s, c, myid = node
    assert exchange(c, ("CLUSTER", "ADDSLOTSRANGE", "0", "16383")) == OK
    s.wait_cluster_state("ok")
    assert exchange(c, ("SET", "k", "v")) == OK
    assert exchange(c, ("CLUSTER", "FLUSHSLOTS")) == \
        err("DB must be empty to perform CLUSTER FLUSHSLOTS.")
    assert exchange(c, ("CLUSTER", "NODES")) == bulk(nodes_line(s, myid, " 0-16383"))
    assert exchange(c, ("DEL", "k"), ("CLUSTER", "FLUSHSLOTS")) == b":1\r\n" + OK
    assert exchange(c, ("CLUSTER", "NODES")) == bulk(nodes_line(s, myid))
    assert exchange(c, ("CLUSTER", "SLOTS")) == b"*0\r\n"
    info = s.wait_cluster_state("fail")
    assert info["cluster_slots_assigned"] == "0"
    assert exchange(c, ("CLUSTER", "FLUSHSLOTS")) == OK  # nothing to drop is fine


# ---- COUNTKEYSINSLOT / GETKEYSINSLOT arguments ----

def test_countkeysinslot_getkeysinslot_errors(node):
    s, c, _ = node
    want = [
        (("COUNTKEYSINSLOT", "16384"), err("Invalid slot")),
        (("COUNTKEYSINSLOT", "-1"), err("Invalid slot")),
        (("COUNTKEYSINSLOT", "x"), err("value is not an integer or out of range")),
        (("COUNTKEYSINSLOT", "1.5"), err("value is not an integer or out of range")),
        (("COUNTKEYSINSLOT", "0"), b":0\r\n"),
        (("COUNTKEYSINSLOT", "16383"), b":0\r\n"),
        (("GETKEYSINSLOT", "16384", "1"), err("Invalid slot or number of keys")),
        (("GETKEYSINSLOT", "-1", "1"), err("Invalid slot or number of keys")),
        (("GETKEYSINSLOT", "1", "-1"), err("Invalid slot or number of keys")),
        (("GETKEYSINSLOT", "x", "1"), err("value is not an integer or out of range")),
        (("GETKEYSINSLOT", "1", "x"), err("value is not an integer or out of range")),
        (("GETKEYSINSLOT", "1", "0"), b"*0\r\n"),
        (("GETKEYSINSLOT", "16383", "99999999999"), b"*0\r\n"),
        (("COUNTKEYSINSLOT",), err("wrong number of arguments for 'cluster|countkeysinslot' command")),
        (("COUNTKEYSINSLOT", "1", "2"),
         err("wrong number of arguments for 'cluster|countkeysinslot' command")),
        (("GETKEYSINSLOT", "1"), err("wrong number of arguments for 'cluster|getkeysinslot' command")),
        (("GETKEYSINSLOT", "1", "2", "3"),
         err("wrong number of arguments for 'cluster|getkeysinslot' command")),
    ]
    for cmd, reply in want:
        assert exchange(c, ("CLUSTER",) + cmd) == reply, cmd


def test_countkeysinslot_on_unowned_slot(node):
    # Counting needs no ownership: keys stay when their slot is deleted.
    s, c, _ = node
    assert exchange(c, ("CLUSTER", "ADDSLOTSRANGE", "0", "16383")) == OK
    s.wait_cluster_state("ok")
    assert exchange(c, ("SET", "{t}a", "1"), ("SET", "{t}b", "1")) == OK * 2
    slot = srvutil.key_slot("t")
    assert exchange(c, ("CLUSTER", "DELSLOTS", slot)) == OK
    assert exchange(c, ("CLUSTER", "COUNTKEYSINSLOT", slot)) == b":2\r\n"
    assert sorted(c.cmd("CLUSTER", "GETKEYSINSLOT", slot, 10)) == [b"{t}a", b"{t}b"]
    assert exchange(c, ("GET", "{t}a")) == b"-CLUSTERDOWN Hash slot not served\r\n"
    assert exchange(c, ("DBSIZE",)) == b":2\r\n"


# ---- SETSLOT ----

SETSLOT_BAD = "Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP"


def test_setslot_errors(node):
    s, c, myid = node
    other = "f" * 40
    assert exchange(c, ("CLUSTER", "ADDSLOTSRANGE", "0", "99")) == OK
    want = [
        (("5", "MIGRATING", other), err("I don't know about node %s" % other)),
        (("500", "MIGRATING", other), err("I'm not the owner of hash slot 500")),
        (("500", "MIGRATING", myid), err("I'm not the owner of hash slot 500")),
        (("500", "IMPORTING", other), err("I don't know about node %s" % other)),
        (("5", "IMPORTING", other), err("I'm already the owner of hash slot 5")),
        (("5", "IMPORTING", myid), err("I'm already the owner of hash slot 5")),
        (("5", "NODE", other), err("Unknown node %s" % other)),
        (("500", "NODE", "nope"), err("Unknown node nope")),
        (("5", "BOGUS"), err(SETSLOT_BAD)),
        (("5", "NODE"), err(SETSLOT_BAD)),
        (("5", "MIGRATING"), err(SETSLOT_BAD)),
        (("5", "IMPORTING"), err(SETSLOT_BAD)),
        (("5", "STABLE", "extra"), err(SETSLOT_BAD)),
        (("5", "NODE", myid, "extra"), err(SETSLOT_BAD)),
        (("5", "MIGRATING", myid, "extra"), err(SETSLOT_BAD)),
        (("x", "STABLE"), err("Invalid or out of range slot")),
        (("-1", "STABLE"), err("Invalid or out of range slot")),
        (("16384", "STABLE"), err("Invalid or out of range slot")),
        (("16384", "BOGUS"), err("Invalid or out of range slot")),
        (("5",), err("wrong number of arguments for 'cluster|setslot' command")),
    ]
    failures = []
    for args, reply in want:
        got = exchange(c, ("CLUSTER", "SETSLOT") + args)
        if got != reply:
            failures.append("CLUSTER SETSLOT %s: want %r got %r" % (" ".join(args), reply, got))
    assert not failures, "\n".join(failures)
    assert exchange(c, ("CLUSTER", "NODES")) == bulk(nodes_line(s, myid, " 0-99"))


def test_setslot_stable_and_node(node):
    s, c, myid = node
    assert exchange(c, ("CLUSTER", "ADDSLOTSRANGE", "0", "99")) == OK
    assert exchange(c, ("CLUSTER", "SETSLOT", "5", "STABLE"),
                    ("CLUSTER", "SETSLOT", "16383", "stable"),
                    ("CLUSTER", "SETSLOT", "500", "STABLE")) == OK * 3
    # NODE <myid> assigns an unassigned slot to me and keeps mine mine
    assert exchange(c, ("CLUSTER", "SETSLOT", "300", "NODE", myid),
                    ("CLUSTER", "SETSLOT", "16383", "node", myid),
                    ("CLUSTER", "SETSLOT", "5", "NODE", myid)) == OK * 3
    assert exchange(c, ("CLUSTER", "NODES")) == bulk(nodes_line(s, myid, " 0-99 300 16383"))
    assert s.cluster_info()["cluster_slots_assigned"] == "102"


def test_setslot_migrating_importing_shown_in_nodes(node):
    s, c, myid = node
    assert exchange(c, ("CLUSTER", "ADDSLOTSRANGE", "0", "99")) == OK
    assert exchange(c, ("CLUSTER", "SETSLOT", "7", "MIGRATING", myid),
                    ("CLUSTER", "SETSLOT", "200", "IMPORTING", myid),
                    ("CLUSTER", "SETSLOT", "5", "MIGRATING", myid)) == OK * 3
    want = nodes_line(s, myid, " 0-99 [5->-%s] [7->-%s] [200-<-%s]" % (myid, myid, myid))
    assert exchange(c, ("CLUSTER", "NODES")) == bulk(want)
    assert exchange(c, ("CLUSTER", "SETSLOT", "7", "STABLE"),
                    ("CLUSTER", "SETSLOT", "200", "STABLE")) == OK * 2
    assert exchange(c, ("CLUSTER", "NODES")) == \
        bulk(nodes_line(s, myid, " 0-99 [5->-%s]" % myid))
    # NODE on a migrating slot without keys ends the migration
    assert exchange(c, ("CLUSTER", "SETSLOT", "5", "NODE", myid)) == OK
    assert exchange(c, ("CLUSTER", "NODES")) == bulk(nodes_line(s, myid, " 0-99"))


# ---- the other subcommands' arity, unknown subcommands ----

def test_subcommand_arity_and_unknown(node):
    s, c, _ = node
    for sub in ["INFO", "MYID", "NODES", "SLOTS", "SHARDS", "FLUSHSLOTS"]:
        assert exchange(c, ("CLUSTER", sub, "x")) == \
            err("wrong number of arguments for 'cluster|%s' command" % sub.lower()), sub
    assert exchange(c, ("CLUSTER", "KEYSLOT")) == \
        err("wrong number of arguments for 'cluster|keyslot' command")
    assert exchange(c, ("CLUSTER", "KEYSLOT", "a", "b")) == \
        err("wrong number of arguments for 'cluster|keyslot' command")
    assert exchange(c, ("CLUSTER",)) == err("wrong number of arguments for 'cluster' command")
    assert exchange(c, ("CLUSTER", "NOPE")) == err("unknown subcommand 'NOPE'. Try CLUSTER HELP.")
    assert exchange(c, ("CLUSTER", "nope", "x", "y")) == \
        err("unknown subcommand 'nope'. Try CLUSTER HELP.")


def test_help_lists_the_subcommands(node):
    s, c, _ = node
    lines = c.cmd("CLUSTER", "HELP")
    assert lines[0] == "CLUSTER <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    heads = {line.split()[0] for line in lines[1:] if not line.startswith(" ")}
    for sub in ["ADDSLOTS", "ADDSLOTSRANGE", "COUNTKEYSINSLOT", "DELSLOTS", "DELSLOTSRANGE",
                "GETKEYSINSLOT", "FLUSHSLOTS", "INFO", "KEYSLOT", "MYID", "NODES", "SETSLOT",
                "SLOTS", "SHARDS", "HELP"]:
        assert sub in heads, sub


# ---- ASKING / READONLY / READWRITE, INFO, HELLO, SELECT ----

def test_asking_readonly_readwrite(node):
    s, c, _ = node
    assert exchange(c, ("ASKING",), ("READONLY",), ("READWRITE",), ("asking",)) == OK * 4
    for cmd in ["ASKING", "READONLY", "READWRITE"]:
        assert exchange(c, (cmd, "x")) == \
            err("wrong number of arguments for '%s' command" % cmd.lower())
    c.send(b"MULTI\r\nASKING\r\nREADONLY\r\nREADWRITE\r\nEXEC\r\n")
    want = OK + b"+QUEUED\r\n" * 3 + b"*3\r\n" + OK * 3
    assert c.expect(want) == want


def test_info_and_hello_in_cluster_mode(node):
    s, c, _ = node
    text = c.cmd("INFO", "cluster")
    assert text == b"# Cluster\r\ncluster_enabled:1\r\n"
    assert "Cluster" in srvutil.info_dict(c.cmd("INFO"))["__sections__"]
    assert srvutil.info_dict(c.cmd("INFO"))["cluster_enabled"] == "1"
    assert srvutil.info_dict(c.cmd("INFO", "server"))["redis_mode"] == "cluster"
    hello2 = c.cmd("HELLO", "2")
    assert hello2[hello2.index(b"mode") + 1] == b"cluster"
    assert c.cmd("HELLO", "3")[b"mode"] == b"cluster"


def test_select_in_cluster_mode(node):
    s, c, _ = node
    assert exchange(c, ("SELECT", "1"), ("SELECT", "15"), ("SELECT", "0"), ("SELECT", "x")) == \
        (err("SELECT is not allowed in cluster mode") * 2 + OK
         + err("value is not an integer or out of range"))


# ---- cluster mode off ----

DISABLED = err("This instance has cluster support disabled")


def test_cluster_mode_off(server):
    with server.raw() as c:
        for cmd in [("CLUSTER", "INFO"), ("CLUSTER", "KEYSLOT", "a"), ("CLUSTER", "MYID"),
                    ("CLUSTER", "NODES"), ("CLUSTER", "SLOTS"), ("CLUSTER", "SHARDS"),
                    ("CLUSTER", "ADDSLOTS", "1"), ("CLUSTER", "ADDSLOTSRANGE", "1", "2"),
                    ("CLUSTER", "DELSLOTS", "1"), ("CLUSTER", "DELSLOTSRANGE", "1", "2"),
                    ("CLUSTER", "FLUSHSLOTS"), ("CLUSTER", "COUNTKEYSINSLOT", "1"),
                    ("CLUSTER", "GETKEYSINSLOT", "1", "1"), ("CLUSTER", "SETSLOT", "1", "STABLE"),
                    ("CLUSTER", "HELP"), ("ASKING",), ("READONLY",), ("READWRITE",)]:
            assert exchange(c, cmd) == DISABLED, cmd
        # arity and unknown subcommands are checked first
        assert exchange(c, ("CLUSTER", "INFO", "x")) == \
            err("wrong number of arguments for 'cluster|info' command")
        assert exchange(c, ("ASKING", "x")) == err("wrong number of arguments for 'asking' command")
        assert exchange(c, ("CLUSTER", "NOPE")) == err("unknown subcommand 'NOPE'. Try CLUSTER HELP.")
        c.send(b"MULTI\r\nASKING\r\nEXEC\r\n")
        want = OK + b"+QUEUED\r\n*1\r\n" + DISABLED
        assert c.expect(want) == want


def test_info_and_hello_with_cluster_mode_off(server):
    with server.raw() as c:
        assert c.cmd("INFO", "cluster") == b"# Cluster\r\ncluster_enabled:0\r\n"
        assert srvutil.info_dict(c.cmd("INFO", "server"))["redis_mode"] == "standalone"
        assert c.cmd("HELLO", "3")[b"mode"] == b"standalone"
