"""Connection and server commands: PING ECHO QUIT RESET TIME INFO and
CLIENT ID/SETNAME/GETNAME/LIST/INFO/KILL."""

import re
import time

import pytest

import srvutil
from srvutil import encode, info_dict, wait_until


def err(excinfo):
    return str(excinfo.value)


# ---- PING ECHO TIME ----

def test_ping_echo_bytes(raw):
    c = raw()
    c.send(b"PING\r\n" + encode("PING", "hello") + encode("ECHO", b"a\r\nb") + encode("ECHO", ""))
    want = b"+PONG\r\n$5\r\nhello\r\n$4\r\na\r\nb\r\n$0\r\n\r\n"
    assert c.expect(want) == want
    c.send(encode("PING", "a", "b") + encode("ECHO"))
    want = (b"-ERR wrong number of arguments for 'ping' command\r\n"
            b"-ERR wrong number of arguments for 'echo' command\r\n")
    assert c.expect(want) == want


def test_ping_echo_redis_py(r):
    assert r.ping() is True
    assert r.echo("x y") == b"x y"


def test_time(r, raw):
    secs, usecs = r.time()
    assert abs(secs - time.time()) < 5
    assert 0 <= usecs < 1000000
    c = raw()
    c.send(b"TIME\r\n")
    reply = c.reply()
    assert isinstance(reply, list) and len(reply) == 2
    assert all(isinstance(x, bytes) and x.isdigit() for x in reply)


# ---- QUIT and RESET ----

def test_quit_replies_ok_then_closes(raw, r):
    c = raw()
    c.send(b"QUIT\r\nSET after-quit 1\r\n")
    assert c.read_to_eof() == b"+OK\r\n"
    assert r.exists("after-quit") == 0  # nothing after QUIT runs


def test_quit_redis_py(server):
    c = server.client()
    c.ping()
    assert c.execute_command("QUIT") is True
    c.close()


def test_reset(raw):
    c = raw()
    c.send(encode("CLIENT", "SETNAME", "before") + b"MULTI\r\nSET x 1\r\n")
    assert c.expect(b"+OK\r\n+OK\r\n+QUEUED\r\n") == b"+OK\r\n+OK\r\n+QUEUED\r\n"
    c.send(b"RESET\r\n")
    assert c.expect(b"+RESET\r\n") == b"+RESET\r\n"
    assert c.cmd("CLIENT", "GETNAME") is None
    assert c.cmd("EXEC") == srvutil.Err("ERR EXEC without MULTI")
    assert c.cmd("EXISTS", "x") == 0


def test_reset_returns_to_resp2(raw):
    c = raw()
    c.send(b"HELLO 3\r\n")
    hello = c.reply()
    assert hello[b"proto"] == 3
    c.send(b"GET nokey\r\n")
    assert c.expect(b"_\r\n") == b"_\r\n"
    c.send(b"RESET\r\nGET nokey\r\n")
    assert c.expect(b"+RESET\r\n$-1\r\n") == b"+RESET\r\n$-1\r\n"


# ---- INFO ----

REQUIRED_SECTIONS = ["Server", "Clients", "Memory", "Persistence", "Stats",
                     "Replication", "CPU", "Cluster", "Keyspace"]


def info(server, *sections):
    c = server.raw()
    try:
        text = c.cmd("INFO", *sections)
    finally:
        c.close()
    assert isinstance(text, bytes)
    return text.decode()


def test_info_default_sections(server):
    text = info(server)
    d = info_dict(text)
    for s in REQUIRED_SECTIONS:
        assert s in d["__sections__"], "missing section # %s" % s
    assert text.startswith("# Server\r\n")
    assert text.endswith("\r\n")
    # sections are separated by a blank line
    assert "\r\n\r\n# Clients\r\n" in text
    assert "Commandstats" not in d["__sections__"]


def test_info_server_fields(server):
    d = info_dict(info(server, "server"))
    assert d["__sections__"] == ["Server"]
    assert d["redis_version"] == "7.0.15"
    assert int(d["process_id"]) == server.pid
    assert int(d["tcp_port"]) == server.port
    assert re.fullmatch(r"[0-9a-f]{40}", d["run_id"])
    assert d["redis_mode"] == "standalone"
    assert d["arch_bits"] == "64"
    assert d["multiplexing_api"] == "epoll"
    assert int(d["uptime_in_seconds"]) >= 0
    assert abs(int(d["server_time_usec"]) / 1e6 - time.time()) < 5
    for field in ["redis_git_sha1", "redis_git_dirty", "redis_build_id", "os", "gcc_version",
                  "process_supervised", "hz", "configured_hz", "lru_clock", "executable",
                  "config_file", "io_threads_active", "monotonic_clock", "uptime_in_days"]:
        assert field in d, field
    # run_id is stable for the life of the process
    assert info_dict(info(server, "server"))["run_id"] == d["run_id"]


@pytest.mark.skipif(srvutil.IS_REDIS, reason=srvutil.SHOAL_ONLY)
def test_info_shoal_version(server):
    d = info_dict(info(server, "server"))
    assert d.get("shoal_version"), "INFO server has no shoal_version field"
    assert d["redis_version"] == "7.0.15"


def test_info_memory_clients_stats_fields(server):
    d = info_dict(info(server, "memory"))
    assert int(d["used_memory"]) > 0
    assert int(d["used_memory_rss"]) > 0
    assert re.fullmatch(r"\d+B|\d+\.\d\d[KMGTPE]", d["used_memory_human"]), d["used_memory_human"]
    for field in ["used_memory_peak", "maxmemory", "maxmemory_policy", "mem_allocator",
                  "mem_fragmentation_ratio"]:
        assert field in d, field
    d = info_dict(info(server, "clients"))
    assert int(d["connected_clients"]) >= 1
    assert int(d["maxclients"]) == 10000
    assert d["blocked_clients"] == "0"
    d = info_dict(info(server, "stats"))
    for field in ["total_connections_received", "total_commands_processed",
                  "instantaneous_ops_per_sec", "total_net_input_bytes", "total_net_output_bytes",
                  "rejected_connections", "expired_keys", "evicted_keys", "keyspace_hits",
                  "keyspace_misses", "total_error_replies"]:
        assert field in d, field
    d = info_dict(info(server, "replication"))
    assert d["role"] == "master"
    assert d["connected_slaves"] == "0"
    d = info_dict(info(server, "persistence"))
    assert d["loading"] == "0"
    assert d["aof_enabled"] == "0"
    d = info_dict(info(server, "cpu"))
    assert float(d["used_cpu_sys"]) >= 0 and float(d["used_cpu_user"]) >= 0


def test_info_connected_clients_counts(make_server):
    s = make_server()  # its own server: no other test's connections come and go
    with s.raw() as mon:
        def clients():
            return int(info_dict(mon.cmd("INFO", "clients").decode())["connected_clients"])

        assert clients() == 1
        extra = [s.raw() for _ in range(5)]
        try:
            for c in extra:
                assert c.cmd("PING") == "PONG"
            assert clients() == 6
        finally:
            for c in extra:
                c.close()
        wait_until(lambda: clients() == 1, what="connected_clients to drop back to 1")


def test_info_keyspace(r, server):
    d = info_dict(info(server, "keyspace"))
    assert d["__sections__"] == ["Keyspace"]
    assert "db0" not in d  # an empty DB has no line
    r.mset({"a": 1, "b": 2, "c": 3})
    r.expire("a", 1000)
    d = info_dict(info(server, "keyspace"))
    m = re.fullmatch(r"keys=(\d+),expires=(\d+),avg_ttl=(\d+)", d["db0"])
    assert m, d["db0"]
    assert m.group(1) == "3" and m.group(2) == "1"
    assert r.info("keyspace")["db0"]["keys"] == 3


def test_info_multiple_and_special_sections(server):
    d = info_dict(info(server, "server", "clients"))
    assert d["__sections__"] == ["Server", "Clients"]
    assert info(server, "nosuchsection") == ""
    d = info_dict(info(server, "all"))
    assert "Commandstats" in d["__sections__"]
    for s in REQUIRED_SECTIONS:
        assert s in d["__sections__"]
    d = info_dict(info(server, "everything"))
    assert "Commandstats" in d["__sections__"]


def test_info_commandstats_and_resetstat(r, server):
    assert r.config_resetstat() is True
    r.set("x", 1)
    r.set("x", 2)
    r.get("x")
    d = info_dict(info(server, "commandstats"))
    m = re.fullmatch(r"calls=(\d+),usec=(\d+),usec_per_call=(\d+\.\d\d),rejected_calls=(\d+),"
                     r"failed_calls=(\d+)", d["cmdstat_set"])
    assert m, d["cmdstat_set"]
    assert m.group(1) == "2"
    assert d["cmdstat_get"].startswith("calls=1,")
    stats = info_dict(info(server, "stats"))
    assert int(stats["total_commands_processed"]) >= 3
    assert r.config_resetstat() is True
    d = info_dict(info(server, "commandstats"))
    assert "cmdstat_set" not in d
    stats = info_dict(info(server, "stats"))
    assert int(stats["total_commands_processed"]) <= 2
    assert stats["total_error_replies"] == "0"


def test_info_stats_counters(r, server):
    assert r.config_resetstat() is True
    r.set("hit", "1")
    before = info_dict(info(server, "stats"))
    r.get("hit")
    r.get("hit")
    r.get("miss")
    after = info_dict(info(server, "stats"))
    assert int(after["keyspace_hits"]) - int(before["keyspace_hits"]) == 2
    assert int(after["keyspace_misses"]) - int(before["keyspace_misses"]) == 1
    conns = int(after["total_connections_received"])
    with server.raw() as c:
        c.cmd("PING")
    assert int(info_dict(info(server, "stats"))["total_connections_received"]) >= conns + 1
    r.set("gone", "1", px=1)
    wait_until(lambda: int(info_dict(info(server, "stats"))["expired_keys"])
               > int(after["expired_keys"]), what="expired_keys to count the key")


def test_info_redis_py(r):
    d = r.info()
    assert d["redis_version"] == "7.0.15"
    assert d["tcp_port"] > 0


# ---- CLIENT ----

def test_client_id_setname_getname(raw):
    c = raw()
    cid = c.cmd("CLIENT", "ID")
    assert isinstance(cid, int) and cid > 0
    assert c.cmd("CLIENT", "GETNAME") is None
    assert c.cmd("CLIENT", "SETNAME", "worker-1") == "OK"
    assert c.cmd("CLIENT", "GETNAME") == b"worker-1"
    assert c.cmd("CLIENT", "SETNAME", "a b") == srvutil.Err(
        "ERR Client names cannot contain spaces, newlines or special characters.")
    assert c.cmd("CLIENT", "GETNAME") == b"worker-1"
    assert c.cmd("CLIENT", "SETNAME", "") == "OK"
    assert c.cmd("CLIENT", "GETNAME") is None
    d = raw()
    assert d.cmd("CLIENT", "ID") > cid  # ids grow


def parse_client_line(line):
    fields = []
    for part in line.split(" "):
        k, _, v = part.partition("=")
        fields.append((k, v))
    return fields


# The CLIENT LIST / CLIENT INFO field names of 7.0.15, in order.
CLIENT_FIELDS_7_0 = ["id", "addr", "laddr", "fd", "name", "age", "idle", "flags", "db", "sub",
                     "psub", "ssub", "multi", "qbuf", "qbuf-free", "argv-mem", "multi-mem", "rbs",
                     "rbp", "obl", "oll", "omem", "tot-mem", "events", "cmd", "user", "redir",
                     "resp"]


def test_client_list_and_info(raw, server):
    a = raw()
    b = raw()
    a.cmd("CLIENT", "SETNAME", "alpha")
    aid = a.cmd("CLIENT", "ID")
    bid = b.cmd("CLIENT", "ID")
    text = b.cmd("CLIENT", "LIST").decode()
    assert text.endswith("\n")
    lines = text.rstrip("\n").split("\n")
    by_id = {}
    for line in lines:
        d = dict(parse_client_line(line))
        by_id[int(d["id"])] = d
    assert aid in by_id and bid in by_id
    da = by_id[aid]
    assert da["name"] == "alpha"
    assert da["addr"] == "127.0.0.1:%d" % a.sock.getsockname()[1]
    assert da["laddr"] == "127.0.0.1:%d" % server.port
    assert da["cmd"] == "client|id"
    assert da["db"] == "0"
    assert da["flags"] == "N"
    assert da["resp"] == "2"
    assert by_id[bid]["cmd"] == "client|list"
    info_line = a.cmd("CLIENT", "INFO").decode()
    assert info_line.endswith("\n") and info_line.count("\n") == 1
    d = dict(parse_client_line(info_line.rstrip("\n")))
    assert int(d["id"]) == aid
    assert d["name"] == "alpha"
    assert d["cmd"] == "client|info"
    # filtered form
    only = b.cmd("CLIENT", "LIST", "ID", str(aid)).decode().rstrip("\n").split("\n")
    assert len(only) == 1 and dict(parse_client_line(only[0]))["id"] == str(aid)


def test_client_list_multi_and_resp_fields(raw):
    c = raw()
    c.send(b"MULTI\r\nSET a 1\r\nSET b 2\r\n")
    assert c.expect(b"+OK\r\n+QUEUED\r\n+QUEUED\r\n") == b"+OK\r\n+QUEUED\r\n+QUEUED\r\n"
    listing = raw().cmd("CLIENT", "LIST").decode()
    line = [l for l in listing.split("\n") if " multi=2 " in l]
    assert len(line) == 1, listing
    assert " flags=x " in " " + line[0] + " "
    c.cmd("DISCARD")
    h = raw()
    h.cmd("HELLO", "3")
    text = h.cmd("CLIENT", "INFO").decode()
    assert text.startswith("txt:") and " resp=3\n" in text


def test_client_list_field_names_match_7_0(raw):
    c = raw()
    line = c.cmd("CLIENT", "INFO").decode().rstrip("\n")
    assert [k for k, _ in parse_client_line(line)] == CLIENT_FIELDS_7_0


def test_client_kill_by_id(raw, server):
    victim = raw()
    vid = victim.cmd("CLIENT", "ID")
    killer = raw()
    assert killer.cmd("CLIENT", "KILL", "ID", str(vid)) == 1
    # the victim's socket is closed by the server
    try:
        data = victim.read_to_eof(timeout_s=5)
    except ConnectionResetError:
        data = b""
    assert data == b""
    assert killer.cmd("CLIENT", "KILL", "ID", str(vid)) == 0
    assert killer.cmd("CLIENT", "KILL", "ID", "abc") == srvutil.Err(
        "ERR client-id should be greater than 0")
    # the server still serves
    assert killer.cmd("PING") == "PONG"


def test_client_kill_by_addr(raw):
    victim = raw()
    victim.cmd("PING")
    addr = "127.0.0.1:%d" % victim.sock.getsockname()[1]
    killer = raw()
    assert killer.cmd("CLIENT", "KILL", addr) == "OK"
    try:
        data = victim.read_to_eof(timeout_s=5)
    except ConnectionResetError:
        data = b""
    assert data == b""
    assert killer.cmd("CLIENT", "KILL", addr) == srvutil.Err("ERR No such client")
    assert killer.cmd("CLIENT", "KILL", "ADDR", addr) == 0


def test_client_kill_redis_py(server, r):
    other = server.client()
    other.client_setname("victim")
    vid = other.client_id()
    assert r.client_kill_filter(_id=vid) == 1
    wait_until(lambda: "victim" not in [c["name"] for c in r.client_list()],
               what="the killed client to leave CLIENT LIST")
    other.close()


def test_client_unknown_subcommand(raw):
    c = raw()
    assert c.cmd("CLIENT", "NO-SUCH") == srvutil.Err(
        "ERR unknown subcommand 'NO-SUCH'. Try CLIENT HELP.")
    assert c.cmd("CLIENT") == srvutil.Err("ERR wrong number of arguments for 'client' command")
