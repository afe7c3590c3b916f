"""
test_persist.py: the keyspace as an RDB (issue 5): SAVE / BGSAVE / LASTSAVE,
save points, the final save at shutdown, loading dump.rdb at start-up
(refusing corrupt files and types shoal does not hold), DUMP / RESTORE with
redis-server 7.0.15's bytes, replies and check order, and RDB files going
both ways between shoal and redis-server.

Interoperability tests run /usr/bin/redis-server and FAIL (never skip) when
it is missing. Restarts reuse the server's own directory (Server.dir).
"""

import os
import shutil
import signal
import struct
import threading
import time

import pytest

import srvutil
from srvutil import Err, wait_until

VECTORS = "/work/shared/vectors"
if not os.path.isdir(VECTORS):
    VECTORS = os.path.normpath(os.path.join(srvutil.HERE, "..", "..", "..", "shared", "vectors"))
RDB_VECTORS = os.path.join(VECTORS, "rdb")
DUMP_VECTORS = os.path.join(VECTORS, "dump")
REDIS = srvutil.REDIS_SERVER_PATH

# What the tests allow between a PTTL read before a restart and after it.
TTL_MARGIN_MS = 5000
NO_SAVE = ["--appendonly", "no", "--save", ""]


# ---- helpers ----

def crc64(data, crc=0):
    """CRC-64/Jones as RDB files and DUMP payloads use it (rdb.md §14)."""
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x95AC9329AC4BC9B5 if crc & 1 else 0)
    return crc


def rdb_file(body):
    """A whole RDB v10 file: magic, body records, EOF and the CRC trailer."""
    data = b"REDIS0010" + body + b"\xff"
    return data + struct.pack("<Q", crc64(data))


def rdb_str(s):
    assert len(s) < 64
    return bytes([len(s)]) + s


def info(c, section="persistence"):
    """INFO fields as the server's text (redis-py already parsed them)."""
    return {k: str(v) for k, v in c.info(section).items()}


def restart(s):
    """Stops s with SIGTERM (exit code 0 expected) and starts it again on
    the same directory."""
    rc = s.stop()
    assert rc == 0, "exit code %s on SIGTERM; log:\n%s" % (rc, s.log_tail())
    s.start()
    return s.client()


def log_since(s, offset):
    return s.log_text(offset)


def wait_bgsave_done(c, timeout_s=30):
    wait_until(lambda: info(c)["rdb_bgsave_in_progress"] == "0", timeout_s, what="BGSAVE to end")
    return info(c)


def child_pid_from_log(s, offset):
    def find():
        for line in log_since(s, offset).splitlines():
            if "Background saving started by pid " in line:
                return int(line.rsplit(" ", 1)[1])
        return None
    return wait_until(find, 10, what="'Background saving started by pid' in the log")


def require_redis():
    assert os.access(REDIS, os.X_OK), "%s is required for the interoperability tests" % REDIS


def put_file(s, src, name="dump.rdb"):
    shutil.copyfile(src, os.path.join(s.dir, name))


def put_bytes(s, data, name="dump.rdb"):
    with open(os.path.join(s.dir, name), "wb") as f:
        f.write(data)


STRING_FORMS = {
    b"int:small": b"12",
    b"int:neg": b"-7",
    b"int:16": b"12345",
    b"int:32": b"2147483647",
    b"int:64": b"9223372036854775807",
    b"int:noncanonical": b"007",
    b"embstr": b"hello world",
    b"raw": b"r" * 100,
    b"binary": bytes(range(256)) * 3,
    b"empty": b"",
    b"compressible": b"abc" * 1000,
    b"big": os.urandom(1 << 20),
}


def fill_string_forms(c, ttl_keys=(b"embstr", b"int:16", b"big")):
    for k, v in STRING_FORMS.items():
        if k in ttl_keys:
            c.set(k, v, px=600000)
        else:
            c.set(k, v)


def check_string_forms(c, ttl_before, elapsed_ms):
    assert c.dbsize() == len(STRING_FORMS)
    for k, v in STRING_FORMS.items():
        assert c.get(k) == v, k
        pttl = c.pttl(k)
        if k in ttl_before:
            assert ttl_before[k] - elapsed_ms - TTL_MARGIN_MS <= pttl <= ttl_before[k], (k, pttl)
        else:
            assert pttl == -1, (k, pttl)


# ---- SAVE, restart ----

def test_save_then_restart_restores_every_string_form_with_ttl(make_server):
    s = make_server(base_args=NO_SAVE)
    c = s.client()
    fill_string_forms(c)
    assert c.execute_command("SAVE") in (b"OK", True)
    t0 = time.monotonic()
    ttls = {k: c.pttl(k) for k in (b"embstr", b"int:16", b"big")}
    assert os.path.getsize(os.path.join(s.dir, "dump.rdb")) > (1 << 20)
    assert not [f for f in os.listdir(s.dir) if f.startswith("temp-")]
    c = restart(s)
    check_string_forms(c, ttls, (time.monotonic() - t0) * 1000)
    assert c.object("encoding", b"int:16") == b"int"
    assert c.object("encoding", b"embstr") == b"embstr"
    i = info(c)
    assert i["rdb_last_load_keys_loaded"] == str(len(STRING_FORMS))
    assert i["rdb_last_load_keys_expired"] == "0"
    assert i["loading"] == "0"


def test_lastsave_and_changes_counter(make_server):
    s = make_server(base_args=NO_SAVE)
    c = s.client()
    first = c.lastsave()
    assert abs(first.timestamp() - time.time()) < 60
    c.set("a", "1")
    c.set("b", "2")
    assert info(c)["rdb_changes_since_last_save"] == "2"
    # LASTSAVE has a 1 s resolution: save in a later second to see it move.
    wait_until(lambda: int(time.time()) > int(first.timestamp()), 3, what="the next second")
    c.execute_command("SAVE")
    i = info(c)
    assert i["rdb_changes_since_last_save"] == "0"
    assert int(i["rdb_last_save_time"]) > int(first.timestamp())
    assert c.lastsave() > first
    assert int(i["rdb_saves"]) >= 1
    assert i["rdb_last_bgsave_status"] == "ok"


def test_empty_keyspace_round_trip(make_server):
    s = make_server(base_args=NO_SAVE)
    c = s.client()
    c.execute_command("SAVE")
    c = restart(s)
    assert c.dbsize() == 0
    assert c.ping()


def test_expired_keys_are_dropped_when_loading(make_server):
    s = make_server(base_args=NO_SAVE)
    c = s.client()
    c.set("gone", "x", px=300)
    c.set("kept", "y", px=600000)
    c.set("plain", "z")
    c.execute_command("SAVE")
    expire_at = time.time() + 0.3
    wait_until(lambda: time.time() > expire_at + 0.05, 5, what="the TTL to pass")
    c = restart(s)
    assert c.exists("gone") == 0
    assert c.get("kept") == b"y"
    assert c.get("plain") == b"z"
    i = info(c)
    assert i["rdb_last_load_keys_expired"] == "1"
    assert i["rdb_last_load_keys_loaded"] == "2"


def test_rdbchecksum_and_rdbcompression_off(make_server):
    s = make_server(base_args=NO_SAVE + ["--rdbchecksum", "no", "--rdbcompression", "no"])
    c = s.client()
    c.set("long", "a" * 1000)
    c.set("n", "12345")
    assert c.dump("long")[:4] == b"\x00\x43\xe8" + b"a"  # raw: len(1000) then the bytes
    c.execute_command("SAVE")
    with open(os.path.join(s.dir, "dump.rdb"), "rb") as f:
        data = f.read()
    assert data.endswith(b"\xff" + b"\x00" * 8)
    assert b"a" * 1000 in data
    c = restart(s)
    assert c.get("long") == b"a" * 1000 and c.get("n") == b"12345"


# ---- BGSAVE ----

def test_bgsave_while_clients_keep_writing(make_server):
    s = make_server(base_args=NO_SAVE)
    c = s.client()
    pipe = c.pipeline(transaction=False)
    for i in range(100000):
        pipe.set("pre:%d" % i, "v%d" % i)
        if i % 10000 == 9999:
            pipe.execute()
    pipe.execute()
    first = c.lastsave()
    wait_until(lambda: int(time.time()) > int(first.timestamp()), 3, what="the next second")

    stop = threading.Event()
    writes = [0]
    errors = []

    def writer():
        w = s.client()
        n = 0
        while not stop.is_set():
            try:
                w.set("live:%d" % n, n)
                n += 1
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(e)
                return
        writes[0] = n
        w.close()

    t = threading.Thread(target=writer)
    t.start()
    try:
        off = os.path.getsize(s.log_path)
        assert c.bgsave() in (True, b"Background saving started")
        child_pid_from_log(s, off)
        i = wait_bgsave_done(c)
    finally:
        stop.set()
        t.join(30)
    assert not errors, errors
    assert writes[0] > 0
    assert i["rdb_last_bgsave_status"] == "ok"
    assert c.lastsave() > first
    assert "Background saving terminated with success" in log_since(s, off)
    assert int(info(c, "stats")["total_forks"]) >= 1
    # The file is complete: every key written before the fork is in it.
    c = restart(s)
    assert c.dbsize() >= 100000
    for i in (0, 4242, 99999):
        assert c.get("pre:%d" % i) == b"v%d" % i


def test_bgsave_replies_while_a_child_runs(make_server):
    s = make_server(base_args=NO_SAVE)
    c = s.client()
    for i in range(1000):
        c.set("k%d" % i, i)
    with s.raw() as raw:
        assert raw.cmd("BGSAVE", "FOO") == Err("ERR syntax error")
        assert raw.cmd("BGSAVE", "SCHEDULE", "X") == Err("ERR syntax error")
        off = os.path.getsize(s.log_path)
        assert raw.cmd("BGSAVE") == "Background saving started"
        pid = child_pid_from_log(s, off)
        # Freeze the child so it is certainly running during the checks.
        os.kill(pid, signal.SIGSTOP)
        try:
            i = info(c)
            assert i["rdb_bgsave_in_progress"] == "1"
            assert i["current_save_keys_total"] == "1000"
            assert int(i["rdb_current_bgsave_time_sec"]) >= 0
            assert raw.cmd("BGSAVE") == Err("ERR Background save already in progress")
            assert raw.cmd("BGSAVE", "SCHEDULE") == Err("ERR Background save already in progress")
            assert raw.cmd("SAVE") == Err("ERR Background save already in progress")
            assert raw.cmd("SET", "during", "1") == "OK"
        finally:
            os.kill(pid, signal.SIGCONT)
        i = wait_bgsave_done(c)
        assert i["rdb_last_bgsave_status"] == "ok"
        assert i["rdb_current_bgsave_time_sec"] == "-1"
        assert i["rdb_changes_since_last_save"] == "1"


def test_bgsave_inside_multi_is_scheduled(make_server):
    s = make_server(base_args=NO_SAVE)
    c = s.client()
    c.set("x", "1")
    saves = int(info(c)["rdb_saves"])
    with s.raw() as raw:
        assert raw.cmd("MULTI") == "OK"
        assert raw.cmd("BGSAVE") == "QUEUED"
        assert raw.cmd("EXEC") == ["Background saving scheduled"]
    wait_until(lambda: int(info(c)["rdb_saves"]) > saves, 10, what="the scheduled BGSAVE")
    i = wait_bgsave_done(c)
    assert i["rdb_last_bgsave_status"] == "ok"
    assert os.path.exists(os.path.join(s.dir, "dump.rdb"))


def test_killed_child_is_an_error_and_misconf_refuses_writes(make_server):
    # A save point that never fires: stop-writes-on-bgsave-error needs one.
    s = make_server(base_args=["--appendonly", "no", "--save", "3600 100000000"])
    c = s.client()
    c.set("a", "1")
    with s.raw() as raw:
        off = os.path.getsize(s.log_path)
        assert raw.cmd("BGSAVE") == "Background saving started"
        pid = child_pid_from_log(s, off)
        os.kill(pid, signal.SIGKILL)
        i = wait_bgsave_done(c)
        assert i["rdb_last_bgsave_status"] == "err"
        assert "Background saving terminated by signal 9" in log_since(s, off)
        reply = raw.cmd("SET", "b", "2")
        assert isinstance(reply, Err) and reply.text.startswith("MISCONF "), reply
        assert raw.cmd("GET", "a") == b"1"
        assert not [f for f in os.listdir(s.dir) if f.startswith("temp-")]
        # A good save lifts the refusal.
        assert raw.cmd("BGSAVE") == "Background saving started"
        wait_until(lambda: info(c)["rdb_last_bgsave_status"] == "ok", 20, what="a good BGSAVE")
        assert raw.cmd("SET", "b", "2") == "OK"


def test_failed_bgsave_and_failed_save(make_server):
    s = make_server(base_args=["--appendonly", "no", "--save", "3600 100000000"])
    c = s.client()
    c.set("a", "1")
    # A directory where the file should go: the final rename fails.
    os.mkdir(os.path.join(s.dir, "dump.rdb"))
    try:
        with s.raw() as raw:
            assert raw.cmd("SAVE") == Err("ERR")
            off = os.path.getsize(s.log_path)
            assert raw.cmd("BGSAVE") == "Background saving started"
            wait_until(lambda: info(c)["rdb_last_bgsave_status"] == "err", 20, what="the BGSAVE to fail")
            assert "Background saving error" in log_since(s, off)
            assert raw.cmd("SET", "b", "2").text.startswith("MISCONF ")
            assert not [f for f in os.listdir(s.dir) if f.startswith("temp-")]
            assert raw.cmd("SHUTDOWN") == Err("ERR Errors trying to SHUTDOWN. Check logs.")
            assert raw.cmd("GET", "a") == b"1"
            # As Redis: a master refuses even PING while MISCONF holds.
            assert raw.cmd("PING").text.startswith("MISCONF ")
    finally:
        os.rmdir(os.path.join(s.dir, "dump.rdb"))


def test_save_point_triggers_bgsave(make_server):
    s = make_server(base_args=["--appendonly", "no", "--save", "1 3"])
    c = s.client()
    c.set("a", "1")
    c.set("b", "2")
    c.set("c", "3")
    wait_until(lambda: "3 changes in 1 seconds. Saving..." in s.log_text(), 15,
               what="the save point to fire")
    wait_until(lambda: info(c)["rdb_changes_since_last_save"] == "0", 15, what="the save to finish")
    i = wait_bgsave_done(c)
    assert i["rdb_last_bgsave_status"] == "ok"
    assert os.path.exists(os.path.join(s.dir, "dump.rdb"))
    c = restart(s)
    assert c.mget("a", "b", "c") == [b"1", b"2", b"3"]


def test_save_point_not_reached_does_not_save(make_server):
    s = make_server(base_args=["--appendonly", "no", "--save", "1 100"])
    c = s.client()
    c.set("a", "1")
    deadline = time.monotonic() + 2.5
    while time.monotonic() < deadline:
        assert info(c)["rdb_saves"] == "0"
        time.sleep(0.1)


# ---- shutdown ----

def shutdown(s, *args):
    """SHUTDOWN [args] on a raw connection; waits for the process to exit."""
    with s.raw() as raw:
        raw.send(srvutil.encode("SHUTDOWN", *args))
        out = raw.read_to_eof()
    assert out == b"", out
    assert s.wait_exit() == 0


def test_shutdown_and_sigterm_save_when_save_points_are_set(make_server):
    s = make_server(base_args=["--appendonly", "no", "--save", "3600 1"])
    c = s.client()
    c.set("one", "1")
    c = restart(s)  # SIGTERM saves
    assert c.get("one") == b"1"
    c.set("two", "2")
    shutdown(s)
    s.start()
    c = s.client()
    assert c.get("two") == b"2"
    c.set("three", "3")
    shutdown(s, "NOSAVE")
    s.start()
    assert s.client().exists("three") == 0


def test_shutdown_save_without_save_points(make_server):
    s = make_server(base_args=NO_SAVE)
    c = s.client()
    c.set("k", "v")
    c = restart(s)  # no save points: SIGTERM does not save
    assert c.dbsize() == 0
    c.set("k", "v")
    shutdown(s, "SAVE")
    s.start()
    assert s.client().get("k") == b"v"


# ---- refusing files ----

def run_with_file(make_server, data=None, src=None):
    s = make_server(base_args=NO_SAVE, start=False)
    if src:
        put_file(s, src)
    else:
        put_bytes(s, data)
    rc, log = s.run_to_exit()
    assert rc is not None, "the server kept running on a bad dump.rdb; log:\n" + log
    assert rc != 0, log
    assert "Ready to accept" not in log, log
    if srvutil.IS_SHOAL:
        assert "dump.rdb" in log, log  # the message names the file
    return log


@pytest.mark.parametrize("name,problem", [
    ("corrupt-truncated.rdb", None),
    ("corrupt-truncated-trailer.rdb", None),
    ("corrupt-flipped-byte.rdb", None),
    ("corrupt-bad-magic.rdb", None),
    ("corrupt-version-11.rdb", "11"),
    ("corrupt-version-11-goodcrc.rdb", "11"),
])
def test_corrupt_file_stops_the_server(make_server, name, problem):
    log = run_with_file(make_server, src=os.path.join(RDB_VECTORS, name))
    if problem and srvutil.IS_SHOAL:
        assert problem in log


STRINGS_FILE_BODY = (b"\xfe\x00\xfb\x02\x00" + b"\x00" + rdb_str(b"foo") + rdb_str(b"bar")
                     + b"\x00" + rdb_str(b"n") + b"\xc1\x39\x30")


def test_empty_collection_in_file_is_skipped(make_server):
    """Redis skips an empty collection in an RDB file (it cannot exist) and
    loads the rest."""
    body = (b"\xfe\x00" + b"\x00" + rdb_str(b"a") + rdb_str(b"1") + b"\x02" + rdb_str(b"k") + b"\x00"
            + b"\x00" + rdb_str(b"b") + rdb_str(b"2"))
    s = make_server(base_args=NO_SAVE, start=False)
    put_bytes(s, rdb_file(body))
    s.start()
    c = s.client()
    assert sorted(c.keys()) == [b"a", b"b"]
    assert "empty keys skipped: 1" in s.log_text()


@pytest.mark.parametrize("cut", [1, 8, 9, 12, 20])
@pytest.mark.skipif(srvutil.IS_REDIS, reason=srvutil.SHOAL_ONLY)
def test_truncated_file_is_named_truncated(make_server, cut):
    data = rdb_file(STRINGS_FILE_BODY)
    log = run_with_file(make_server, data=data[:-cut])
    assert "truncated" in log.lower()


@pytest.mark.skipif(srvutil.IS_REDIS, reason=srvutil.SHOAL_ONLY)
def test_bad_checksum_is_named(make_server):
    good = rdb_file(STRINGS_FILE_BODY)
    bad = good[:-1] + bytes([good[-1] ^ 0xff])
    log = run_with_file(make_server, data=bad)
    assert "checksum" in log.lower()


@pytest.mark.skipif(srvutil.IS_REDIS, reason=srvutil.SHOAL_ONLY)
def test_types_shoal_does_not_hold_are_refused_by_name(make_server):
    log = run_with_file(make_server, src=os.path.join(RDB_VECTORS, "all-types.rdb"))
    assert "is not supported by this shoal version" in log
    assert "type stream is not supported" in log, log


@pytest.mark.skipif(srvutil.IS_REDIS, reason=srvutil.SHOAL_ONLY)
def test_database_other_than_0_is_refused(make_server):
    data = rdb_file(b"\xfe\x03\xfb\x01\x00\x00" + rdb_str(b"x") + rdb_str(b"y"))
    log = run_with_file(make_server, data=data)
    assert "database 3" in log


def test_duplicate_key_is_refused(make_server):
    rec = b"\x00" + rdb_str(b"dup") + rdb_str(b"v")
    log = run_with_file(make_server, data=rdb_file(b"\xfe\x00" + rec + rec))
    assert "uplicate" in log


def test_hand_built_minimal_files_load(make_server):
    s = make_server(base_args=NO_SAVE, start=False)
    # Accepted by 7.0.15 (rdb.md §16): no aux, no RESIZEDB, a seconds expire,
    # idle and freq prefixes, an all-zero checksum.
    body = (b"\xfe\x00"
            + b"\xfd" + struct.pack("<i", int(time.time()) + 3600) + b"\x00" + rdb_str(b"secs") + rdb_str(b"1")
            + b"\xf8\x05\x00" + rdb_str(b"idle") + rdb_str(b"i")
            + b"\xf9\x07\x00" + rdb_str(b"freq") + rdb_str(b"f")
            + b"\x00" + rdb_str(b"int") + b"\xc1\x39\x30")
    put_bytes(s, b"REDIS0010" + body + b"\xff" + b"\x00" * 8)
    s.start()
    c = s.client()
    assert c.mget("secs", "idle", "freq", "int") == [b"1", b"i", b"f", b"12345"]
    assert 3500 < c.ttl("secs") <= 3600


def test_empty_vector_file_loads(make_server):
    s = make_server(base_args=NO_SAVE, start=False)
    put_file(s, os.path.join(RDB_VECTORS, "empty.rdb"))
    s.start()
    assert s.client().dbsize() == 0


# ---- interoperability with redis-server 7.0.15 ----

def test_redis_written_rdb_loads_into_shoal(make_server):
    require_redis()
    rs = make_server(path=REDIS, name="redis-writer")
    rc = rs.client()
    fill_string_forms(rc)
    rc.set("lzf", "abcabcabcabcabcabcabcabcXYZ" * 10, px=900000)
    assert rc.execute_command("SAVE") in (b"OK", True)
    ttls = {k: rc.pttl(k) for k in (b"embstr", b"int:16", b"big")}
    t0 = time.monotonic()
    sh = make_server(name="shoal-reader", start=False)
    put_file(sh, os.path.join(rs.dir, "dump.rdb"))
    sh.start()
    c = sh.client()
    assert c.get("lzf") == b"abcabcabcabcabcabcabcabcXYZ" * 10
    assert 0 < c.pttl("lzf") <= 900000
    c.delete("lzf")
    check_string_forms(c, ttls, (time.monotonic() - t0) * 1000)


def test_shoal_written_rdb_loads_into_redis(make_server):
    require_redis()
    sh = make_server(name="shoal-writer")
    c = sh.client()
    fill_string_forms(c)
    assert c.execute_command("SAVE") in (b"OK", True)
    ttls = {k: c.pttl(k) for k in (b"embstr", b"int:16", b"big")}
    t0 = time.monotonic()
    rs = make_server(path=REDIS, name="redis-reader", start=False)
    put_file(rs, os.path.join(sh.dir, "dump.rdb"))
    rs.start()
    rc = rs.client()
    check_string_forms(rc, ttls, (time.monotonic() - t0) * 1000)
    assert "Done loading RDB, keys loaded: %d" % len(STRING_FORMS) in rs.log_text()


def test_shoal_bgsave_file_loads_into_redis(make_server):
    require_redis()
    sh = make_server(name="shoal-bg-writer")
    c = sh.client()
    pipe = c.pipeline(transaction=False)
    for i in range(20000):
        pipe.set("k:%d" % i, "v" * (i % 50), px=3600000 if i % 3 == 0 else None)
    pipe.execute()
    assert c.bgsave()
    wait_bgsave_done(c)
    rs = make_server(path=REDIS, name="redis-bg-reader", start=False)
    put_file(rs, os.path.join(sh.dir, "dump.rdb"))
    rs.start()
    rc = rs.client()
    assert rc.dbsize() == 20000
    for i in (0, 1, 2, 49, 19999):
        assert rc.get("k:%d" % i) == b"v" * (i % 50)
        assert (rc.pttl("k:%d" % i) > 0) == (i % 3 == 0)
    db0 = rc.info("keyspace")["db0"]
    assert (db0["keys"], db0["expires"]) == (20000, len(range(0, 20000, 3)))


DUMP_SAME_BYTES = [b"hello", b"12345", b"100", b"-1", b"-129", b"2147483647", b"-2147483648",
                   b"2147483648", b"9223372036854775807", b"007", b"", b"a" * 20,
                   bytes(range(256)), b"12345678901", b" 1"]
DUMP_LZF = [b"x" * 64, b"a" * 30, b"abcabcabcabcabcabcabcabcXYZ", b"hello world " * 100]


def test_dump_bytes_equal_redis(make_server):
    require_redis()
    sh = make_server(name="shoal-dump")
    rs = make_server(path=REDIS, name="redis-dump")
    c, rc = sh.client(), rs.client()
    for i, v in enumerate(DUMP_SAME_BYTES + DUMP_LZF):
        c.set("d%d" % i, v)
        rc.set("d%d" % i, v)
    for i, v in enumerate(DUMP_SAME_BYTES):
        assert c.dump("d%d" % i) == rc.dump("d%d" % i), v
    for i, v in enumerate(DUMP_LZF, start=len(DUMP_SAME_BYTES)):
        # LZF output may differ; each side must read the other's payload.
        ours, theirs = c.dump("d%d" % i), rc.dump("d%d" % i)
        assert ours[0] == 0 and ours[-10:-8] == b"\x0a\x00"
        c.restore("x%d" % i, 0, theirs)
        rc.restore("x%d" % i, 0, ours)
        assert c.get("x%d" % i) == v and rc.get("x%d" % i) == v
    assert c.dump("missing") is None
    assert rc.dump("missing") is None


def test_dump_restore_round_trip(make_server):
    s = make_server(base_args=NO_SAVE)
    c = s.client()
    for k, v in STRING_FORMS.items():
        c.set(k, v)
        p = c.dump(k)
        c.restore(b"copy:" + k, 0, p)
        assert c.get(b"copy:" + k) == v
        assert c.pttl(b"copy:" + k) == -1
    c.restore("ttl", 100000, c.dump(b"embstr"))
    assert 90000 < c.pttl("ttl") <= 100000
    at = int(time.time() * 1000) + 200000
    c.restore("abs", at, c.dump(b"embstr"), absttl=True)
    assert 190000 < c.pttl("abs") <= 200000
    assert c.object("encoding", "copy:int:16") == b"int"


def vector_payload(name):
    with open(os.path.join(DUMP_VECTORS, name), "rb") as f:
        return f.read()


def restore_sequence(raw, payload):
    """The same RESTORE calls against either server; the replies."""
    now = int(time.time() * 1000)
    seq = [
        ("RESTORE", "k", "0", payload),
        ("RESTORE", "k", "0", payload),
        ("RESTORE", "k", "0", payload, "REPLACE"),
        ("RESTORE", "k", "0", payload, "BOGUS"),
        ("RESTORE", "k", "-1", payload),
        ("RESTORE", "n1", "-1", payload),
        ("RESTORE", "n1", "abc", payload),
        ("RESTORE", "n1", "0", payload, "BOGUS"),
        ("RESTORE", "n1", "0", payload, "IDLETIME"),
        ("RESTORE", "n1", "0", payload, "IDLETIME", "-1"),
        ("RESTORE", "n1", "0", payload, "IDLETIME", "abc"),
        ("RESTORE", "n1", "0", payload, "FREQ", "256"),
        ("RESTORE", "n1", "0", payload, "FREQ", "-1"),
        ("RESTORE", "n1", "0", payload, "FREQ", "x"),
        ("RESTORE", "n1", "0", payload, "IDLETIME", "10", "FREQ", "5"),
        ("RESTORE", "n1", "0", payload, "FREQ", "5", "IDLETIME", "10"),
        ("RESTORE", "n1", "-5", payload, "FREQ", "300"),
        ("RESTORE", "n1", "0", payload, "IDLETIME", "10"),
        ("RESTORE", "n2", "0", payload, "FREQ", "255", "REPLACE", "ABSTTL"),
        ("RESTORE", "c1", "0", vector_payload("corrupt-crc.bin")),
        ("RESTORE", "c1", "0", vector_payload("corrupt-short.bin")),
        ("RESTORE", "c1", "0", vector_payload("corrupt-version-11.bin")),
        ("RESTORE", "c1", "0", vector_payload("corrupt-version-11-stale-crc.bin")),
        ("RESTORE", "c1", "0", vector_payload("corrupt-bad-body.bin")),
        ("RESTORE", "c1", "0", vector_payload("corrupt-type-20.bin")),
        ("RESTORE", "c1", "abc", vector_payload("corrupt-crc.bin")),
        ("RESTORE", "c1", "0", b""),
        ("EXISTS", "c1"),
        ("RESTORE", "past", "1", payload, "ABSTTL"),
        ("EXISTS", "past"),
        ("RESTORE", "k", "1", payload, "ABSTTL", "REPLACE"),
        ("EXISTS", "k"),
        ("RESTORE", "soon", str(now + 100000), payload, "ABSTTL"),
        ("RESTORE", "rel", "100000", payload),
        ("RESTORE", "n3", "0"),
        ("RESTORE", "n3", "0", payload, "absttl", "replace", "idletime", "0"),
        ("DUMP", "nothing"),
        ("DUMP", "n3"),
        ("GET", "n1"),
    ]
    return [raw.cmd(*cmd) for cmd in seq]


def test_restore_errors_and_options_match_redis(make_server):
    require_redis()
    sh = make_server(name="shoal-restore")
    rs = make_server(path=REDIS, name="redis-restore")
    payload = vector_payload("str-short.bin")
    with sh.raw() as a, rs.raw() as b:
        ours = restore_sequence(a, payload)
        theirs = restore_sequence(b, payload)
        assert ours == theirs
        assert 90000 < a.cmd("PTTL", "rel") <= 100000
        assert 90000 < a.cmd("PTTL", "soon") <= 100000
        assert a.cmd("GET", "n3") == b"hello world"
        assert a.cmd("DBSIZE") == b.cmd("DBSIZE")


@pytest.mark.skipif(srvutil.IS_REDIS, reason=srvutil.SHOAL_ONLY)
def test_restore_of_a_type_shoal_does_not_hold(make_server):
    s = make_server(base_args=NO_SAVE)
    with s.raw() as raw:
        for name, t in (("stream-basic.bin", "stream"),):
            reply = raw.cmd("RESTORE", "x", "0", vector_payload(name))
            assert reply == Err("ERR DUMP payload of type %s is not supported by this shoal version" % t), (name, reply)
        assert raw.cmd("EXISTS", "x") == 0


def test_restore_vectors_of_every_string_encoding(make_server):
    import json
    with open(os.path.join(DUMP_VECTORS, "dump.json")) as f:
        manifest = json.load(f)
    s = make_server(base_args=NO_SAVE)
    c = s.client()
    n = 0
    for p in manifest["payloads"]:
        if p["type"] != "string":
            continue
        c.restore("v:" + p["file"], 0, vector_payload(p["file"]))
        want = p["value"]
        want = bytes.fromhex(want["hex"]) if isinstance(want, dict) else want.encode()
        assert c.get("v:" + p["file"]) == want, p["file"]
        # Same bytes as Redis except LZF, whose output may legitimately differ.
        if "payload_hex" in p and not p["payload_hex"].startswith("00c3"):
            assert c.dump("v:" + p["file"]).hex() == p["payload_hex"], p["file"]
        n += 1
    assert n >= 10


# ---- INFO ----

def test_info_persistence_fields_match_redis(make_server):
    require_redis()
    sh = make_server(name="shoal-info")
    rs = make_server(path=REDIS, name="redis-info")

    def fields(s):
        with s.raw() as raw:
            text = raw.cmd("INFO", "persistence").decode()
        return [line.split(":", 1)[0] for line in text.split("\r\n") if line and not line.startswith("#")]

    assert fields(sh) == fields(rs)
    i = info(sh.client())
    assert i["loading"] == "0"
    assert i["rdb_last_bgsave_time_sec"] == "-1"
    assert i["rdb_current_bgsave_time_sec"] == "-1"
    assert i["aof_enabled"] == "0"


# ---- what RESTORE sends to replicas ----

def attach_fake_replica(s):
    """A raw connection that did PSYNC ? -1 without capa eof (so the disk
    form, $<len>) and consumed the snapshot; returns it, reading the stream."""
    raw = s.raw(timeout_s=30)
    raw.send(srvutil.encode("PSYNC", "?", "-1"))
    line = raw.read_line().lstrip(b"\n")
    assert line.startswith(b"+FULLRESYNC "), line
    line = raw.read_line().lstrip(b"\n")
    assert line.startswith(b"$"), line
    rdb = raw.read_exact(int(line[1:]))
    assert rdb.startswith(b"REDIS0010")
    return raw


def next_stream_command(raw, name):
    """The next command called name in the replication stream (others skipped)."""
    while True:
        while raw.buf.startswith(b"\n"):
            raw.buf = raw.buf[1:]
        cmd = raw.reply()
        if isinstance(cmd, list) and cmd and cmd[0].upper() == name:
            return cmd


@pytest.mark.parametrize("kind", ["shoal", "redis"])
def test_restore_is_propagated_with_an_absolute_ttl(make_server, kind):
    if kind == "redis":
        require_redis()
    s = make_server(path=REDIS if kind == "redis" else None, name="restore-prop-" + kind)
    payload = vector_payload("str-short.bin")
    raw = attach_fake_replica(s)
    try:
        c = s.client()
        before = int(time.time() * 1000)
        c.restore("rel", 50000, payload)
        after = int(time.time() * 1000)
        cmd = next_stream_command(raw, b"RESTORE")
        assert cmd[1] == b"rel" and cmd[3] == payload and cmd[4:] == [b"ABSTTL"], cmd
        assert before + 50000 <= int(cmd[2]) <= after + 50000
        c.restore("nottl", 0, payload)
        assert next_stream_command(raw, b"RESTORE") == [b"RESTORE", b"nottl", b"0", payload]
        at = after + 100000
        c.execute_command("RESTORE", "abs", at, payload, "ABSTTL", "REPLACE")
        assert next_stream_command(raw, b"RESTORE") == [b"RESTORE", b"abs", str(at).encode(), payload,
                                                        b"ABSTTL", b"REPLACE"]
        # Arriving expired over an existing key: the key's removal is a DEL.
        c.restore("nottl", 1, payload, absttl=True, replace=True)
        assert next_stream_command(raw, b"DEL") == [b"DEL", b"nottl"]
    finally:
        raw.close()
