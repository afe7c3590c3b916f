"""COMMAND, COMMAND COUNT, COMMAND INFO, COMMAND GETKEYS and COMMAND DOCS:
reply shapes as redis-server 7.0.15 gives them (redis-py's cluster client
reads COMMAND to locate keys)."""

import pytest
from redis.commands.parser import CommandsParser

import srvutil

# Every command the issue lists: all of them must be in COMMAND's table.
REQUIRED_COMMANDS = """
set get getset getdel getex mget mset msetnx setnx setex psetex append strlen incr decr incrby
decrby incrbyfloat getrange setrange del unlink exists type keys scan randomkey rename renamenx
copy touch dbsize flushall flushdb object select expire pexpire expireat pexpireat ttl pttl
expiretime pexpiretime persist multi exec discard ping echo quit reset time info config client
command hello auth shutdown
""".split()

# COMMAND INFO of 7.0.15, recorded from redis-server.
KEYSPEC_RANGE_1 = [b"type", b"range", b"spec", [b"lastkey", 0, b"keystep", 1, b"limit", 0]]
BEGIN_INDEX_1 = [b"type", b"index", b"spec", [b"index", 1]]
EXPECTED_INFO = {
    b"get": [b"get", 2, [b"readonly", b"fast"], 1, 1, 1, [b"@read", b"@string", b"@fast"], [],
             [[b"flags", [b"RO", b"access"], b"begin_search", BEGIN_INDEX_1,
               b"find_keys", KEYSPEC_RANGE_1]],
             []],
    b"set": [b"set", -3, [b"write", b"denyoom"], 1, 1, 1, [b"@write", b"@string", b"@slow"], [],
             [[b"notes", b"RW and ACCESS due to the optional `GET` argument",
               b"flags", [b"RW", b"access", b"update", b"variable_flags"],
               b"begin_search", BEGIN_INDEX_1, b"find_keys", KEYSPEC_RANGE_1]],
             []],
    b"mset": [b"mset", -3, [b"write", b"denyoom"], 1, -1, 2, [b"@write", b"@string", b"@slow"],
              [b"request_policy:multi_shard", b"response_policy:all_succeeded"],
              [[b"flags", [b"OW", b"update"], b"begin_search", BEGIN_INDEX_1,
                b"find_keys", [b"type", b"range", b"spec",
                               [b"lastkey", -1, b"keystep", 2, b"limit", 0]]]],
              []],
    b"ping": [b"ping", -1, [b"fast"], 0, 0, 0, [b"@fast", b"@connection"],
              [b"request_policy:all_shards", b"response_policy:all_succeeded"], [], []],
}
EXPECTED_CONFIG_SUBS = {
    b"config|get": [b"config|get", -3, [b"admin", b"noscript", b"loading", b"stale"], 0, 0, 0,
                    [b"@admin", b"@slow", b"@dangerous"], [], [], []],
    b"config|set": [b"config|set", -4, [b"admin", b"noscript", b"loading", b"stale"], 0, 0, 0,
                    [b"@admin", b"@slow", b"@dangerous"],
                    [b"request_policy:all_nodes", b"response_policy:all_succeeded"], [], []],
    b"config|resetstat": [b"config|resetstat", 2, [b"admin", b"noscript", b"loading", b"stale"],
                          0, 0, 0, [b"@admin", b"@slow", b"@dangerous"], [], [], []],
    b"config|rewrite": [b"config|rewrite", 2, [b"admin", b"noscript", b"loading", b"stale"],
                        0, 0, 0, [b"@admin", b"@slow", b"@dangerous"], [], [], []],
}
FIELD_NAMES = ["name", "arity", "flags", "first_key", "last_key", "step", "acl_categories",
               "tips", "key_specs", "subcommands"]


@pytest.fixture(scope="module")
def command_table(server):
    with server.raw() as c:
        table = c.cmd("COMMAND")
    assert isinstance(table, list)
    return {entry[0]: entry for entry in table}


def check_entry_shape(entry):
    assert isinstance(entry, list) and len(entry) == 10, entry
    name, arity, flags, first, last, step, acl, tips, specs, subs = entry
    assert isinstance(name, bytes) and name == name.lower()
    assert isinstance(arity, int) and arity != 0
    assert isinstance(flags, list) and all(isinstance(f, str) for f in flags)
    assert all(isinstance(x, int) for x in (first, last, step))
    assert isinstance(acl, list) and all(isinstance(a, str) and a.startswith("@") for a in acl)
    assert isinstance(tips, list) and isinstance(specs, list) and isinstance(subs, list)


def test_command_table_shape(command_table):
    assert command_table
    for entry in command_table.values():
        check_entry_shape(entry)
        for sub in entry[9]:
            check_entry_shape(sub)
            assert sub[0].startswith(entry[0] + b"|")


def test_command_has_every_required_command(command_table):
    missing = [c for c in REQUIRED_COMMANDS if c.encode() not in command_table]
    assert missing == []


def test_command_count_matches_table(raw, command_table):
    c = raw()
    assert c.cmd("COMMAND", "COUNT") == len(command_table)


def decode_simple(entry):
    """The RESP parser gives simple strings as str; EXPECTED_* uses bytes."""
    if isinstance(entry, list):
        return [decode_simple(x) for x in entry]
    if isinstance(entry, str):
        return entry.encode()
    return entry


@pytest.mark.parametrize("name", sorted(EXPECTED_INFO))
def test_command_info_legacy_fields(raw, name):
    """Fields 0-6 and the tips: what redis-py and most cluster clients read."""
    c = raw()
    got = decode_simple(c.cmd("COMMAND", "INFO", name))
    assert len(got) == 1
    got = got[0]
    want = EXPECTED_INFO[name]
    assert len(got) == 10
    for i in (0, 1, 3, 4, 5):
        assert got[i] == want[i], FIELD_NAMES[i]
    assert got[2] == want[2], "flags"
    assert sorted(got[6]) == sorted(want[6]), "acl_categories"
    assert got[7] == want[7], "tips"
    assert got[9] == want[9], "subcommands"


@pytest.mark.parametrize("name", sorted(EXPECTED_INFO))
def test_command_info_key_specs(raw, name):
    c = raw()
    got = decode_simple(c.cmd("COMMAND", "INFO", name))[0]
    assert got[8] == EXPECTED_INFO[name][8]


def test_command_info_container_and_subcommands(raw):
    c = raw()
    got = decode_simple(c.cmd("COMMAND", "INFO", "config"))[0]
    assert got[0:6] == [b"config", -2, [], 0, 0, 0]
    assert got[6] == [b"@slow"]
    assert got[7] == [] and got[8] == []
    subs = {s[0]: s for s in got[9]}
    for name, want in EXPECTED_CONFIG_SUBS.items():
        assert name in subs, name
        s = subs[name]
        for i in range(10):
            if i == 6:
                assert sorted(s[i]) == sorted(want[i]), (name, FIELD_NAMES[i])
            else:
                assert s[i] == want[i], (name, FIELD_NAMES[i])


def test_command_info_unknown_and_several(raw):
    c = raw()
    got = c.cmd("COMMAND", "INFO", "get", "nosuchcmd", "PING")
    assert len(got) == 3
    assert got[0][0] == b"get" and got[1] is None and got[2][0] == b"ping"
    assert c.cmd("COMMAND", "INFO", "config|get")[0][0] == b"config|get"


def test_command_info_raw_bytes_for_get(raw):
    c = raw()
    c.send(b"COMMAND INFO get\r\n")
    want = (b"*1\r\n*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n"
            b"*3\r\n+@read\r\n+@string\r\n+@fast\r\n*0\r\n"
            b"*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RO\r\n+access\r\n"
            b"$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n"
            b"*2\r\n$5\r\nindex\r\n:1\r\n"
            b"$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n"
            b"*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n"
            b"*0\r\n")
    assert c.raw_reply() == want


def test_command_getkeys(raw):
    c = raw()
    assert c.cmd("COMMAND", "GETKEYS", "mset", "a", "1", "b", "2") == [b"a", b"b"]
    assert c.cmd("COMMAND", "GETKEYS", "set", "k", "v", "EX", "10") == [b"k"]
    assert c.cmd("COMMAND", "GETKEYS", "del", "x", "y", "z") == [b"x", b"y", b"z"]
    assert c.cmd("COMMAND", "GETKEYS", "copy", "s", "d") == [b"s", b"d"]
    assert c.cmd("COMMAND", "GETKEYS", "ping", "x") == srvutil.Err(
        "ERR The command has no key arguments")
    assert c.cmd("COMMAND", "GETKEYS", "nosuch", "x") == srvutil.Err(
        "ERR Invalid command specified")
    assert c.cmd("COMMAND", "GETKEYS", "get") == srvutil.Err(
        "ERR wrong number of arguments for 'command|getkeys' command")
    assert c.cmd("COMMAND", "GETKEYS", "get", "a", "b") == srvutil.Err(
        "ERR Invalid number of arguments specified for command")


def test_command_docs_shape(raw):
    c = raw()
    got = c.cmd("COMMAND", "DOCS", "get")
    assert isinstance(got, list) and len(got) == 2 and got[0] == b"get"
    doc = dict(zip(got[1][0::2], got[1][1::2]))
    assert doc[b"summary"] == b"Get the value of a key"
    assert doc[b"since"] == b"1.0.0"
    assert doc[b"group"] == b"string"
    assert doc[b"complexity"] == b"O(1)"
    assert doc[b"arguments"] == [[b"name", b"key", b"type", b"key", b"key_spec_index", 0]]
    assert c.cmd("COMMAND", "DOCS", "nosuchcmd") == []


def test_redis_py_parses_command(r):
    table = r.command()
    assert table["get"]["arity"] == 2
    assert table["get"]["first_key_pos"] == 1
    assert "readonly" in table["get"]["flags"]
    assert table["mset"]["step_count"] == 2
    assert r.command_count() == len(table)


def test_redis_py_cluster_commands_parser(r):
    parser = CommandsParser(r)
    assert parser.get_keys(r, "GET", "foo") == ["foo"]
    assert parser.get_keys(r, "MSET", "a", "1", "b", "2") == ["a", "b"]
    assert parser.get_keys(r, "SET", "k", "v", "PX", "5") == ["k"]
    assert parser.get_keys(r, "DEL", "x", "y") == ["x", "y"]
    assert parser.get_keys(r, "PING") is None
    assert parser.get_keys(r, "ECHO", "x") is None
