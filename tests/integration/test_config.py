"""CONFIG GET/SET/RESETSTAT/REWRITE and start-up configuration files:
harmless directives, unsafe ones, unknown ones and bad values."""

import os

import pytest
import redis

import srvutil


def err(excinfo):
    return str(excinfo.value)


# ---- CONFIG GET ----

def test_config_get_defaults(rd):
    got = rd.config_get("*")
    expect = {
        "maxclients": "10000",
        "proto-max-bulk-len": "536870912",
        "client-query-buffer-limit": "1073741824",
        "timeout": "0",
        "tcp-keepalive": "300",
        "tcp-backlog": "511",
        "hz": "10",
        "protected-mode": "yes",
        "daemonize": "no",
        "requirepass": "",
        "cluster-enabled": "no",
        "cluster-node-timeout": "15000",
        "cluster-config-file": "nodes.conf",
        "cluster-require-full-coverage": "yes",
        "cluster-allow-reads-when-down": "no",
        "cluster-port": "0",
        "cluster-announce-ip": "",
        "dbfilename": "dump.rdb",
        "loglevel": "notice",
        "bind": "127.0.0.1",
    }
    for k, v in expect.items():
        assert got.get(k) == v, "%s: %r != %r" % (k, got.get(k), v)
    assert int(got["port"]) > 0
    assert os.path.isabs(got["dir"])
    assert "pidfile" in got and "logfile" in got and "databases" in got


def test_config_get_glob_patterns(rd, server):
    assert rd.config_get("maxclie?ts") == {"maxclients": "10000"}
    assert rd.config_get("proto-max-bulk-l[ae]n") == {"proto-max-bulk-len": "536870912"}
    assert rd.config_get("client-query-*") == {"client-query-buffer-limit": "1073741824"}
    assert rd.config_get("port") == {"port": str(server.port)}
    # names match case-insensitively; 7.0 echoes an exact (glob-free) name as sent
    assert rd.config_get("PORT") == {"PORT": str(server.port)}
    assert rd.config_get("nosuchoption") == {}
    assert rd.config_get("nosuch*") == {}
    cluster = rd.config_get("cluster-*")
    for k in ["cluster-enabled", "cluster-config-file", "cluster-node-timeout",
              "cluster-require-full-coverage", "cluster-allow-reads-when-down",
              "cluster-port", "cluster-announce-ip"]:
        assert k in cluster, k
    assert all(k.startswith("cluster-") for k in cluster)


def test_config_get_several_patterns(raw, server):
    c = raw()
    reply = c.cmd("CONFIG", "GET", "port", "hz", "nosuch")
    assert isinstance(reply, list) and len(reply) == 4
    assert dict(zip(reply[0::2], reply[1::2])) == {b"port": str(server.port).encode(), b"hz": b"10"}
    assert c.cmd("CONFIG", "GET") == srvutil.Err(
        "ERR wrong number of arguments for 'config|get' command")


def test_config_get_client_output_buffer_limit(rd):
    val = rd.config_get("client-output-buffer-limit")["client-output-buffer-limit"]
    parts = val.split()
    assert parts[0] == "normal" and parts[4] == "slave" and parts[8] == "pubsub"
    assert parts[5:8] == ["268435456", "67108864", "60"]
    assert parts[9:12] == ["33554432", "8388608", "60"]


@pytest.mark.skipif(srvutil.IS_REDIS, reason=srvutil.SHOAL_ONLY)
def test_config_default_normal_output_buffer_hard_limit_is_256mb(rd):
    val = rd.config_get("client-output-buffer-limit")["client-output-buffer-limit"]
    assert val.split()[0:4] == ["normal", "268435456", "0", "0"]


# ---- CONFIG SET ----

def test_config_set_and_get_back(rd):
    try:
        assert rd.config_set("hz", "20") is True
        assert rd.config_get("hz") == {"hz": "20"}
        assert rd.execute_command("CONFIG", "SET", "timeout", "5", "tcp-keepalive", "100") == "OK"
        assert rd.config_get("timeout") == {"timeout": "5"}
        assert rd.config_get("tcp-keepalive") == {"tcp-keepalive": "100"}
        assert rd.config_set("MAXCLIENTS", "5000") is True
        assert rd.config_get("maxclients") == {"maxclients": "5000"}
        assert rd.config_set("proto-max-bulk-len", "2mb") is True
        assert rd.config_get("proto-max-bulk-len") == {"proto-max-bulk-len": "2097152"}
    finally:
        rd.execute_command("CONFIG", "SET", "hz", "10", "timeout", "0", "tcp-keepalive", "300",
                           "maxclients", "10000", "proto-max-bulk-len", "536870912")


def test_config_set_is_all_or_nothing(rd):
    with pytest.raises(redis.ResponseError) as e:
        rd.execute_command("CONFIG", "SET", "maxclients", "100", "port", "abc")
    assert err(e) == ("CONFIG SET failed (possibly related to argument 'port') - "
                      "argument couldn't be parsed into an integer")
    assert rd.config_get("maxclients") == {"maxclients": "10000"}
    with pytest.raises(redis.ResponseError) as e:
        rd.execute_command("CONFIG", "SET", "hz", "15", "timeout", "-1")
    assert err(e) == ("CONFIG SET failed (possibly related to argument 'timeout') - "
                      "argument must be between 0 and 2147483647 inclusive")
    assert rd.config_get("hz") == {"hz": "10"}
    with pytest.raises(redis.ResponseError) as e:
        rd.execute_command("CONFIG", "SET", "hz", "15", "nosuch", "1")
    assert err(e) == "Unknown option or number of arguments for CONFIG SET - 'nosuch'"
    assert rd.config_get("hz") == {"hz": "10"}


def test_config_set_errors(rd):
    with pytest.raises(redis.ResponseError) as e:
        rd.execute_command("CONFIG", "SET", "hz", "10", "hz", "20")
    assert err(e) == "CONFIG SET failed (possibly related to argument 'hz') - duplicate parameter"
    with pytest.raises(redis.ResponseError) as e:
        rd.execute_command("CONFIG", "SET", "protected-mode", "maybe")
    assert err(e) == ("CONFIG SET failed (possibly related to argument 'protected-mode') - "
                      "argument must be 'yes' or 'no'")
    with pytest.raises(redis.ResponseError) as e:
        rd.execute_command("CONFIG", "SET", "hz")
    assert err(e) == "wrong number of arguments for 'config|set' command"
    with pytest.raises(redis.ResponseError) as e:
        rd.execute_command("CONFIG", "SET", "hz", "10", "timeout")
    assert err(e) == "syntax error"
    with pytest.raises(redis.ResponseError) as e:
        rd.execute_command("CONFIG", "NOSUCH")
    assert err(e) == "unknown subcommand 'NOSUCH'. Try CONFIG HELP."


def test_config_set_timeout_closes_idle_clients(make_server):
    s = make_server()
    r = s.client()
    idle = s.raw()
    assert idle.cmd("PING") == "PONG"
    assert r.config_set("timeout", "1") is True
    try:
        data = idle.read_to_eof(timeout_s=10)
    except ConnectionResetError:
        data = b""
    assert data == b""
    assert r.ping() is True  # r was used, but may be closed too; redis-py reconnects


def test_config_resetstat(r):
    r.set("a", 1)
    try:
        r.execute_command("NOSUCHCOMMAND")
    except redis.ResponseError:
        pass
    assert r.config_resetstat() is True
    stats = r.info("stats")
    assert stats["total_error_replies"] == 0
    assert stats["total_commands_processed"] <= 1
    assert "cmdstat_set" not in r.info("commandstats")


# ---- CONFIG REWRITE ----

REWRITE_CONF = """# top comment: keep me

# about hz
hz 10
activerehashing yes
timeout 0
  # indented comment
latency-monitor-threshold 0
"""


def test_config_rewrite_keeps_comments_and_unknown_lines(make_server):
    s = make_server(conf_text=REWRITE_CONF)
    r = s.client(decode_responses=True)
    assert r.execute_command("CONFIG", "SET", "hz", "20", "maxclients", "500") == "OK"
    assert r.config_rewrite() == "OK"
    with open(s.conf_path) as f:
        text = f.read()
    lines = [l.strip() for l in text.splitlines()]
    assert "# top comment: keep me" in lines
    assert "# about hz" in lines
    assert "# indented comment" in lines
    assert "activerehashing yes" in lines
    assert "latency-monitor-threshold 0" in lines
    assert "timeout 0" in lines
    assert "hz 10" not in lines
    # the changed option is rewritten where it was
    assert lines.index("hz 20") == lines.index("# about hz") + 1
    assert "maxclients 500" in lines
    # the rewritten file is loadable and carries the new values
    s.stop()
    s2 = make_server(conf_text=text, name="rewrite-reload")
    r2 = s2.client(decode_responses=True)
    assert r2.config_get("hz") == {"hz": "20"}
    assert r2.config_get("maxclients") == {"maxclients": "500"}


def test_config_rewrite_without_config_file(r):
    with pytest.raises(redis.ResponseError) as e:
        r.config_rewrite()
    assert err(e) == "The server is running without a config file"


# ---- start-up configuration files ----

HARMLESS_CONF = "activerehashing yes\nlatency-monitor-threshold 0\n"


def test_config_file_harmless_directives_start(make_server):
    s = make_server(conf_text="# harmless\n" + HARMLESS_CONF)
    assert s.client().ping() is True
    if srvutil.IS_SHOAL:
        log = s.log_text().lower()
        for name in ["activerehashing", "latency-monitor-threshold"]:
            lines = [l for l in log.splitlines() if name in l]
            assert lines, "no log line mentions %s" % name
            assert any("ignor" in l for l in lines), "log does not say %s is ignored: %r" % (name, lines)


def refused(make_server, conf_text, base_args=()):
    s = make_server(conf_text=conf_text, start=False, base_args=list(base_args))
    rc, log = s.run_to_exit()
    assert rc is not None, "server kept running with a config it must refuse; log:\n" + log
    assert rc != 0, "exit code 0 for a refused config; log:\n" + log
    return s, log


def test_config_file_unknown_directive_refused(make_server):
    s, log = refused(make_server, "# comment\nnosuchdirective 1\n")
    assert "*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***" in log
    assert "Reading the configuration file, at line 2" in log
    assert ">>> 'nosuchdirective 1'" in log
    assert "Bad directive or wrong number of arguments" in log


def test_config_file_bad_value_refused(make_server):
    s, log = refused(make_server, "hz 10\nport abc\n")
    assert "*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***" in log
    assert "Reading the configuration file, at line 2" in log
    assert ">>> 'port abc'" in log
    assert "argument couldn't be parsed into an integer" in log


def test_config_file_out_of_range_value_refused(make_server):
    s, log = refused(make_server, "maxclients 0\n")
    assert "Reading the configuration file, at line 1" in log
    assert ">>> 'maxclients 0'" in log
    assert "argument must be between 1 and 4294967295 inclusive" in log


def test_command_line_bad_value_refused(make_server):
    s = make_server("--hz", "abc", start=False)
    rc, log = s.run_to_exit()
    assert rc not in (None, 0), log
    assert "argument couldn't be parsed into an integer" in log
    assert "'hz \"abc\"'" in log


@pytest.mark.skipif(srvutil.IS_REDIS, reason=srvutil.SHOAL_ONLY)
@pytest.mark.parametrize("directive", [
    'appendonly yes',
    'rename-command FLUSHALL ""',
])
def test_config_file_unsafe_directive_refused(make_server, directive):
    conf = "# shoal must refuse line 3\nhz 10\n%s\n" % directive
    s, log = refused(make_server, conf)
    assert s.conf_path in log or os.path.basename(s.conf_path) in log, \
        "message does not name the file:\n" + log
    assert "line 3" in log, "message does not name the line:\n" + log
    assert directive.split()[0] in log


# ---- persistence and replication options (issue 5) ----
#
# Names, defaults, aliases and error texts as redis-server 7.0.15 has them;
# the suite passes against it too (SHOAL_SERVER=/usr/bin/redis-server).

REPLICATION_DEFAULTS = {
    "save": "",  # the suite starts every server with --save ""
    "rdbcompression": "yes",
    "rdbchecksum": "yes",
    "stop-writes-on-bgsave-error": "yes",
    "replicaof": "",
    "slaveof": "",
    "masterauth": "",
    "masteruser": "",
    "replica-read-only": "yes",
    "slave-read-only": "yes",
    "replica-serve-stale-data": "yes",
    "slave-serve-stale-data": "yes",
    "replica-priority": "100",
    "slave-priority": "100",
    "replica-announced": "yes",
    "replica-announce-ip": "",
    "slave-announce-ip": "",
    "replica-announce-port": "0",
    "slave-announce-port": "0",
    "replica-lazy-flush": "no",
    "slave-lazy-flush": "no",
    "replica-ignore-maxmemory": "yes",
    "slave-ignore-maxmemory": "yes",
    "repl-diskless-sync": "yes",
    "repl-diskless-sync-delay": "5",
    "repl-diskless-sync-max-replicas": "0",
    "repl-diskless-load": "disabled",
    "repl-backlog-size": "1048576",
    "repl-backlog-ttl": "3600",
    "repl-timeout": "60",
    "repl-ping-replica-period": "10",
    "repl-ping-slave-period": "10",
    "repl-disable-tcp-nodelay": "no",
    "min-replicas-to-write": "0",
    "min-slaves-to-write": "0",
    "min-replicas-max-lag": "10",
    "min-slaves-max-lag": "10",
}

SLAVE_ALIASES = {
    "slaveof", "slave-read-only", "slave-serve-stale-data", "slave-priority", "slave-announce-ip",
    "slave-announce-port", "slave-lazy-flush", "slave-ignore-maxmemory", "repl-ping-slave-period",
    "min-slaves-to-write", "min-slaves-max-lag",
}


def test_config_get_replication_defaults(rd):
    got = rd.config_get("*")
    for k, v in REPLICATION_DEFAULTS.items():
        assert got.get(k) == v, "%s: %r != %r" % (k, got.get(k), v)


def test_config_get_lists_aliases_under_both_names(rd):
    got = rd.config_get("*slave*")
    # cluster-slave-* are Redis options shoal does not implement yet
    assert {k for k in got if not k.startswith("cluster-")} == SLAVE_ALIASES
    assert rd.config_get("*read-only*") == {"replica-read-only": "yes", "slave-read-only": "yes"}
    assert rd.config_get("slave-read-only") == {"slave-read-only": "yes"}
    # one option matched twice by the same name is listed once, as first named
    assert rd.execute_command("CONFIG", "GET", "SLAVE-read-only", "*slave-read-only") == \
        ["SLAVE-read-only", "yes"]
    assert rd.config_get("min-slaves-*") == {"min-slaves-to-write": "0", "min-slaves-max-lag": "10"}


def test_config_set_by_alias(rd):
    try:
        assert rd.config_set("slave-read-only", "no") is True
        assert rd.config_get("replica-read-only") == {"replica-read-only": "no"}
        assert rd.execute_command("CONFIG", "SET", "min-slaves-max-lag", "3", "SLAVE-PRIORITY", "7") == "OK"
        assert rd.config_get("min-replicas-max-lag") == {"min-replicas-max-lag": "3"}
        assert rd.config_get("replica-priority") == {"replica-priority": "7"}
        # both names in one call: not a duplicate, the last value wins
        assert rd.execute_command("CONFIG", "SET", "replica-read-only", "no", "slave-read-only", "yes") == "OK"
        assert rd.config_get("replica-read-only") == {"replica-read-only": "yes"}
        with pytest.raises(redis.ResponseError) as e:
            rd.execute_command("CONFIG", "SET", "slave-read-only", "yes", "SLAVE-READ-ONLY", "no")
        assert err(e) == ("CONFIG SET failed (possibly related to argument 'SLAVE-READ-ONLY') - "
                          "duplicate parameter")
    finally:
        rd.execute_command("CONFIG", "SET", "replica-read-only", "yes", "min-replicas-max-lag", "10",
                           "replica-priority", "100")


@pytest.mark.parametrize("name,value,reason", [
    ("slave-read-only", "maybe", "argument must be 'yes' or 'no'"),
    ("repl-backlog-size", "abc", "argument must be a memory value"),
    ("repl-backlog-size", "0", "argument must be between 1 and 9223372036854775807 inclusive"),
    ("repl-diskless-load", "foo",
     "argument(s) must be one of the following: disabled, on-empty-db, swapdb"),
    ("replica-priority", "-1", "argument must be between 0 and 2147483647 inclusive"),
    ("replica-announce-port", "70000", "argument must be between 0 and 65535 inclusive"),
    ("repl-timeout", "0", "argument must be between 1 and 2147483647 inclusive"),
    ("repl-ping-replica-period", "0", "argument must be between 1 and 2147483647 inclusive"),
    ("repl-backlog-ttl", "-1", "argument must be between 0 and 9223372036854775807 inclusive"),
    ("min-replicas-to-write", "abc", "argument couldn't be parsed into an integer"),
    ("save", "10 1 20", "Invalid save parameters"),
    ("save", "0 1", "Invalid save parameters"),
    ("save", "10 -1", "Invalid save parameters"),
    ("replicaof", "127.0.0.1 6380", "can't set immutable config"),
    ("slaveof", "127.0.0.1 6380", "can't set immutable config"),
    ("rdbchecksum", "no", "can't set immutable config"),
])
def test_config_set_replication_errors(rd, name, value, reason):
    assert_set_refused(rd, name, value, reason)


def assert_set_refused(rd, name, value, reason):
    """CONFIG SET name value fails with Redis's text for reason and changes nothing."""
    before = rd.config_get(name)
    with pytest.raises(redis.ResponseError) as e:
        rd.config_set(name, value)
    assert err(e) == "CONFIG SET failed (possibly related to argument '%s') - %s" % (name, reason)
    assert rd.config_get(name) == before


def test_config_set_replication_values(rd):
    try:
        assert rd.execute_command(
            "CONFIG", "SET", "repl-backlog-size", "2mb", "repl-diskless-load", "SWAPDB",
            "repl-diskless-sync-delay", "0", "repl-timeout", "30", "rdbcompression", "no",
            "stop-writes-on-bgsave-error", "no", "replica-announce-ip", "10.9.8.7",
            "min-replicas-to-write", "0") == "OK"
        got = rd.config_get("*")
        assert got["repl-backlog-size"] == "2097152"
        assert got["repl-diskless-load"] == "swapdb"
        assert got["repl-diskless-sync-delay"] == "0"
        assert got["repl-timeout"] == "30"
        assert got["rdbcompression"] == "no"
        assert got["stop-writes-on-bgsave-error"] == "no"
        assert got["replica-announce-ip"] == got["slave-announce-ip"] == "10.9.8.7"
        # Redis raises a too small backlog to 16kb
        assert rd.config_set("repl-backlog-size", "1") is True
        assert rd.config_get("repl-backlog-size") == {"repl-backlog-size": "16384"}
    finally:
        rd.execute_command(
            "CONFIG", "SET", "repl-backlog-size", "1mb", "repl-diskless-load", "disabled",
            "repl-diskless-sync-delay", "5", "repl-timeout", "60", "rdbcompression", "yes",
            "stop-writes-on-bgsave-error", "yes", "replica-announce-ip", "")


def test_config_set_save(rd):
    try:
        assert rd.config_set("save", "900 1 300 10") is True
        assert rd.config_get("save") == {"save": "900 1 300 10"}
        assert rd.config_set("save", "+5 010") is True
        assert rd.config_get("save") == {"save": "5 10"}
        with pytest.raises(redis.ResponseError) as e:
            rd.config_set("save", "10  1")
        assert err(e) == "CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters"
        assert rd.config_get("save") == {"save": "5 10"}
    finally:
        rd.config_set("save", "")
    assert rd.config_get("save") == {"save": ""}


def test_masterauth_stays_out_of_info_and_log(make_server):
    s = make_server()
    r = s.client(decode_responses=True)
    assert r.config_set("masterauth", "sekr3t-pw") is True
    assert r.config_get("masterauth") == {"masterauth": "sekr3t-pw"}
    assert "sekr3t-pw" not in r.execute_command("INFO", "everything")
    assert "sekr3t-pw" not in s.log_text()


def test_config_file_replication_options(make_server):
    dead_master = srvutil.free_port()
    conf = ("slaveof 127.0.0.1 %d\n"
            "masterauth \"pw with space\"\n"
            "slave-priority 42\n"
            "repl-diskless-load on-empty-db\n"
            "repl-backlog-size 4mb\n"
            "min-slaves-max-lag 7\n"
            "rdbcompression no\n") % dead_master
    s = make_server(conf_text=conf)
    r = s.client(decode_responses=True)
    got = r.config_get("*")
    assert got["replicaof"] == got["slaveof"] == "127.0.0.1 %d" % dead_master
    assert got["masterauth"] == "pw with space"
    assert got["replica-priority"] == "42"
    assert got["repl-diskless-load"] == "on-empty-db"
    assert got["repl-backlog-size"] == str(4 * 1024 * 1024)
    assert got["min-replicas-max-lag"] == "7"
    assert got["rdbcompression"] == "no"
    # the command line comes after the file: save lines add up
    s2 = make_server("--save", "60", "5", "--save", "30 7", name="save-argv", base_args=[])
    assert s2.client(decode_responses=True).config_get("save") == {"save": "60 5 30 7"}


@pytest.mark.parametrize("directive,reason", [
    ("replicaof 127.0.0.1 abc", "Invalid master port"),
    ("slaveof 127.0.0.1", "wrong number of arguments"),
    ("save 10", "Invalid save parameters"),
    ("repl-diskless-load foo", "argument(s) must be one of the following: disabled, on-empty-db, swapdb"),
    ("slave-read-only maybe", "argument must be 'yes' or 'no'"),
    ("repl-timeout 0", "argument must be between 1 and 2147483647 inclusive"),
])
def test_config_file_bad_replication_value_refused(make_server, directive, reason):
    s, log = refused(make_server, "hz 10\n%s\n" % directive)
    assert "Reading the configuration file, at line 2" in log
    assert ">>> '%s'" % directive in log
    assert reason in log


def test_config_file_replicaof_refused_in_cluster_mode(make_server):
    s, log = refused(make_server, "replicaof 127.0.0.1 1\ncluster-enabled yes\n")
    assert "*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nreplicaof directive not allowed in cluster mode" in log


def test_config_rewrite_replication_options(make_server):
    conf = "# replica settings\nslave-read-only no\nrepl-ping-slave-period 5\nmin-replicas-to-write 0\n"
    s = make_server(conf_text=conf)
    r = s.client(decode_responses=True)
    assert r.execute_command("CONFIG", "SET", "repl-ping-replica-period", "7", "masterauth", "a b",
                             "replica-priority", "5", "repl-backlog-size", "2mb", "save", "900 1") == "OK"
    assert r.config_rewrite() == "OK"
    with open(s.conf_path) as f:
        text = f.read()
    lines = [l.strip() for l in text.splitlines()]
    # aliases become the options' own names, in place
    assert lines[1:4] == ["replica-read-only no", "repl-ping-replica-period 7", "min-replicas-to-write 0"]
    assert not [l for l in lines if "slave" in l]
    assert 'masterauth "a b"' in lines
    assert "replica-priority 5" in lines
    assert "repl-backlog-size 2mb" in lines
    assert "save 900 1" in lines
    s.stop()
    s2 = make_server(conf_text=text, name="rewrite-repl-reload", base_args=[])
    got = s2.client(decode_responses=True).config_get("*")
    assert got["replica-read-only"] == "no"
    assert got["repl-ping-replica-period"] == "7"
    assert got["masterauth"] == "a b"
    assert got["repl-backlog-size"] == "2097152"
    assert got["save"] == "900 1"


# ---- cluster failover options (issue: replica failover) ----

FAILOVER_DEFAULTS = {
    "cluster-replica-validity-factor": "10",
    "cluster-slave-validity-factor": "10",
    "cluster-migration-barrier": "1",
    "cluster-allow-replica-migration": "yes",
    "cluster-replica-no-failover": "no",
    "cluster-slave-no-failover": "no",
}


def test_config_failover_options_defaults(rd):
    for k, v in FAILOVER_DEFAULTS.items():
        assert rd.config_get(k) == {k: v}
    assert rd.config_get("*validity*") == {"cluster-replica-validity-factor": "10",
                                           "cluster-slave-validity-factor": "10"}
    assert rd.config_get("*no-failover") == {"cluster-replica-no-failover": "no",
                                             "cluster-slave-no-failover": "no"}


def test_config_failover_options_set_and_aliases(rd):
    try:
        assert rd.execute_command("CONFIG", "SET", "cluster-slave-validity-factor", "0",
                                  "cluster-migration-barrier", "3", "cluster-allow-replica-migration", "no",
                                  "cluster-slave-no-failover", "yes") == "OK"
        assert rd.config_get("cluster-replica-validity-factor") == {"cluster-replica-validity-factor": "0"}
        assert rd.config_get("cluster-migration-barrier") == {"cluster-migration-barrier": "3"}
        assert rd.config_get("cluster-allow-replica-migration") == {"cluster-allow-replica-migration": "no"}
        assert rd.config_get("cluster-replica-no-failover") == {"cluster-replica-no-failover": "yes"}
        assert rd.config_set("cluster-replica-validity-factor", "2147483647") is True
        assert rd.config_get("cluster-slave-validity-factor") == {"cluster-slave-validity-factor": "2147483647"}
    finally:
        rd.execute_command("CONFIG", "SET", "cluster-replica-validity-factor", "10", "cluster-migration-barrier",
                           "1", "cluster-allow-replica-migration", "yes", "cluster-replica-no-failover", "no")


@pytest.mark.parametrize("name,value,reason", [
    ("cluster-replica-validity-factor", "-1", "argument must be between 0 and 2147483647 inclusive"),
    ("cluster-slave-validity-factor", "2147483648", "argument must be between 0 and 2147483647 inclusive"),
    ("cluster-migration-barrier", "-1", "argument must be between 0 and 2147483647 inclusive"),
    ("cluster-migration-barrier", "x", "argument couldn't be parsed into an integer"),
    ("cluster-allow-replica-migration", "maybe", "argument must be 'yes' or 'no'"),
    ("cluster-slave-no-failover", "1", "argument must be 'yes' or 'no'"),
])
def test_config_failover_options_errors(rd, name, value, reason):
    assert_set_refused(rd, name, value, reason)


def test_config_rewrite_failover_options(make_server):
    conf = "# failover\ncluster-slave-validity-factor 5\ncluster-slave-no-failover yes\n"
    s = make_server(conf_text=conf)
    r = s.client(decode_responses=True)
    assert r.config_get("cluster-replica-validity-factor") == {"cluster-replica-validity-factor": "5"}
    assert r.execute_command("CONFIG", "SET", "cluster-migration-barrier", "2",
                             "cluster-allow-replica-migration", "no") == "OK"
    assert r.config_rewrite() == "OK"
    with open(s.conf_path) as f:
        lines = [l.strip() for l in f.read().splitlines()]
    assert lines[1:3] == ["cluster-replica-validity-factor 5", "cluster-replica-no-failover yes"]
    assert "cluster-migration-barrier 2" in lines
    assert "cluster-allow-replica-migration no" in lines
