"""Wrong-arity errors of every listed command and subcommand, byte for
byte (the arity table is redis-server 7.0.15's COMMAND INFO)."""

import pytest

from srvutil import encode

ARITY_7_0 = {
    "set": -3, "get": 2, "getset": 3, "getdel": 2, "getex": -2, "mget": -2, "mset": -3,
    "msetnx": -3, "setnx": 3, "setex": 4, "psetex": 4, "append": 3, "strlen": 2, "incr": 2,
    "decr": 2, "incrby": 3, "decrby": 3, "incrbyfloat": 3, "getrange": 4, "setrange": 4,
    "del": -2, "unlink": -2, "exists": -2, "type": 2, "keys": 2, "scan": -2, "randomkey": 1,
    "rename": 3, "renamenx": 3, "copy": -3, "touch": -2, "dbsize": 1, "flushall": -1,
    "flushdb": -1, "object": -2, "select": 2, "expire": -3, "pexpire": -3, "expireat": -3,
    "pexpireat": -3, "ttl": 2, "pttl": 2, "expiretime": 2, "pexpiretime": 2, "persist": 2,
    "multi": 1, "exec": 1, "discard": 1, "ping": -1, "echo": 2, "quit": -1, "reset": 1,
    "time": 1, "info": -1, "config": -2, "client": -2, "command": -1, "hello": -1, "auth": -2,
    "shutdown": -1,
}


def arity_error(name):
    if name == "exec":
        # a rejected EXEC always reports EXECABORT, even outside MULTI
        return (b"-EXECABORT Transaction discarded because of: wrong number of arguments "
                b"for 'exec' command\r\n")
    return b"-ERR wrong number of arguments for '%s' command\r\n" % name.encode()


def too_few(name, arity):
    need = arity if arity > 0 else -arity
    if need <= 1:
        return None
    return [name.upper()] + ["a"] * (need - 2)


def too_many(name, arity):
    if arity < 0:
        return None
    return [name] + ["a"] * arity


CASES = []
for _name, _arity in sorted(ARITY_7_0.items()):
    for _kind, _args in (("few", too_few(_name, _arity)), ("many", too_many(_name, _arity))):
        if _args is not None:
            CASES.append(pytest.param(_args, _name, id="%s-%s" % (_name, _kind)))


@pytest.mark.parametrize("args,name", CASES)
def test_wrong_arity(raw, args, name):
    c = raw()
    c.send(encode(*args) + b"PING\r\n")
    want = arity_error(name) + b"+PONG\r\n"
    assert c.expect(want) == want


SUBCOMMAND_CASES = [
    (["CONFIG", "GET"], "config|get"),
    (["CONFIG", "SET", "hz"], "config|set"),
    (["CONFIG", "RESETSTAT", "x"], "config|resetstat"),
    (["CONFIG", "REWRITE", "x"], "config|rewrite"),
    (["CLIENT", "SETNAME"], "client|setname"),
    (["CLIENT", "GETNAME", "x"], "client|getname"),
    (["CLIENT", "ID", "x"], "client|id"),
    (["CLIENT", "KILL"], "client|kill"),
    (["CLIENT", "INFO", "x"], "client|info"),
    (["OBJECT", "ENCODING"], "object|encoding"),
    (["COMMAND", "GETKEYS"], "command|getkeys"),
    (["COMMAND", "COUNT", "x"], "command|count"),
]


@pytest.mark.parametrize("args,name", SUBCOMMAND_CASES, ids=[n for _, n in SUBCOMMAND_CASES])
def test_wrong_arity_subcommand(raw, args, name):
    c = raw()
    c.send(encode(*args) + b"PING\r\n")
    want = arity_error(name) + b"+PONG\r\n"
    assert c.expect(want) == want


@pytest.mark.parametrize("container", ["CONFIG", "CLIENT", "OBJECT", "COMMAND"])
def test_unknown_subcommand(raw, container):
    c = raw()
    c.send(encode(container, "nosuchsub", "x") + b"PING\r\n")
    want = (b"-ERR unknown subcommand 'nosuchsub'. Try %s HELP.\r\n+PONG\r\n"
            % container.encode())
    assert c.expect(want) == want
