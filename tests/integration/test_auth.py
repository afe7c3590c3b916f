"""HELLO (RESP2/RESP3 negotiation), AUTH with requirepass, the
unauthenticated protocol limits, and protected mode."""

import pytest
import redis

import srvutil
from srvutil import Err, encode

PASSWORD = "s3cret pass"
NOAUTH = b"-NOAUTH Authentication required.\r\n"
WRONGPASS = b"-WRONGPASS invalid username-password pair or user is disabled.\r\n"
HELLO_NOAUTH = (b"-NOAUTH HELLO must be called with the client already authenticated, otherwise "
                b"the HELLO AUTH <user> <pass> option can be used to authenticate the client and "
                b"select the RESP protocol version at the same time\r\n")


def hello_bytes(proto, client_id):
    head = b"%7\r\n" if proto == 3 else b"*14\r\n"
    return (head + b"$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n"
            b"$5\r\nproto\r\n:%d\r\n$2\r\nid\r\n:%d\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n"
            b"$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n" % (proto, client_id))


@pytest.fixture(scope="module")
def secure(request):
    """A server with requirepass."""
    s = srvutil.Server("auth-requirepass", ["--requirepass", PASSWORD]).start()
    yield s
    srvutil.check_stopped_cleanly(s)


# ---- HELLO without a password ----

def test_hello3_map_bytes(raw):
    c = raw()
    cid = c.cmd("CLIENT", "ID")
    c.send(b"HELLO 3\r\n")
    want = hello_bytes(3, cid)
    assert c.raw_reply() == want


def test_hello2_and_no_version(raw):
    c = raw()
    cid = c.cmd("CLIENT", "ID")
    c.send(b"HELLO\r\n")
    assert c.raw_reply() == hello_bytes(2, cid)
    c.send(b"HELLO 3\r\nHELLO\r\nHELLO 2\r\nGET nokey\r\n")
    assert c.raw_reply() == hello_bytes(3, cid)
    assert c.raw_reply() == hello_bytes(3, cid)
    assert c.raw_reply() == hello_bytes(2, cid)
    assert c.raw_reply() == b"$-1\r\n"


def test_hello_errors(raw):
    c = raw()
    c.send(b"HELLO 4\r\nHELLO 1\r\nHELLO abc\r\nHELLO 3 BOGUS\r\nHELLO 3 AUTH default\r\n"
           b"HELLO 3 SETNAME\r\n")
    want = (b"-NOPROTO unsupported protocol version\r\n"
            b"-NOPROTO unsupported protocol version\r\n"
            b"-ERR Protocol version is not an integer or out of range\r\n"
            b"-ERR Syntax error in HELLO option 'BOGUS'\r\n"
            b"-ERR Syntax error in HELLO option 'AUTH'\r\n"
            b"-ERR Syntax error in HELLO option 'SETNAME'\r\n")
    assert c.expect(want) == want
    c.send(b"GET nokey\r\n")  # still RESP2
    assert c.expect(b"$-1\r\n") == b"$-1\r\n"


def test_hello_setname(raw):
    c = raw()
    c.cmd("HELLO", "3", "SETNAME", "via-hello")
    assert c.cmd("CLIENT", "GETNAME") == b"via-hello"
    assert c.cmd("HELLO", "3", "SETNAME", "bad name") == Err(
        "ERR Client names cannot contain spaces, newlines or special characters.")


def test_auth_without_password_configured(raw):
    c = raw()
    assert c.cmd("AUTH", "x") == Err(
        "ERR AUTH <password> called without any password configured for the default user. "
        "Are you sure your configuration is correct?")
    # the default user has nopass: any password works with a user name
    assert c.cmd("AUTH", "default", "anything") == "OK"


# ---- requirepass ----

def test_noauth_before_auth(secure):
    with secure.raw() as c:
        c.send(b"GET x\r\nPING\r\nSET a b\r\nCLIENT ID\r\n")
        assert c.expect(NOAUTH * 4) == NOAUTH * 4
        # command lookup and arity come before the auth check
        c.send(b"NOSUCH\r\nGET\r\n")
        want = (b"-ERR unknown command 'NOSUCH', with args beginning with: \r\n"
                b"-ERR wrong number of arguments for 'get' command\r\n")
        assert c.expect(want) == want


def test_exec_before_auth_is_execabort(secure):
    with secure.raw() as c:
        c.send(b"EXEC\r\nMULTI\r\nDISCARD\r\n")
        want = (b"-EXECABORT Transaction discarded because of: NOAUTH Authentication required.\r\n"
                + NOAUTH + NOAUTH)
        assert c.expect(want) == want


def test_auth_wrongpass_then_ok(secure):
    with secure.raw() as c:
        c.send(encode("AUTH", "bad") + encode("AUTH", "default", "bad")
               + encode("AUTH", "nouser", PASSWORD) + encode("GET", "x"))
        assert c.expect(WRONGPASS * 3 + NOAUTH) == WRONGPASS * 3 + NOAUTH
        c.send(encode("AUTH", PASSWORD) + encode("GET", "x"))
        assert c.expect(b"+OK\r\n$-1\r\n") == b"+OK\r\n$-1\r\n"
        c.send(encode("AUTH", "a", "b", "c"))
        assert c.expect(b"-ERR syntax error\r\n") == b"-ERR syntax error\r\n"


def test_auth_with_username(secure):
    with secure.raw() as c:
        assert c.cmd("AUTH", "default", PASSWORD) == "OK"
        assert c.cmd("PING") == "PONG"


def test_hello_before_auth(secure):
    with secure.raw() as c:
        c.send(b"HELLO 3\r\nHELLO\r\n" + encode("HELLO", "3", "AUTH", "default", "bad"))
        want = HELLO_NOAUTH * 2 + WRONGPASS
        assert c.expect(want) == want
        c.send(b"GET x\r\n")
        assert c.expect(NOAUTH) == NOAUTH  # still RESP2 and unauthenticated


def test_hello_auth(secure):
    with secure.raw() as c:
        c.send(encode("HELLO", "3", "AUTH", "default", PASSWORD, "SETNAME", "nm"))
        reply = c.reply()
        assert reply[b"proto"] == 3 and reply[b"server"] == b"redis"
        c.send(b"GET nokey\r\n")
        assert c.expect(b"_\r\n") == b"_\r\n"
        assert c.cmd("CLIENT", "GETNAME") == b"nm"


def test_reset_deauthenticates(secure):
    with secure.raw() as c:
        assert c.cmd("AUTH", PASSWORD) == "OK"
        c.send(b"RESET\r\nGET x\r\n")
        assert c.expect(b"+RESET\r\n" + NOAUTH) == b"+RESET\r\n" + NOAUTH


def test_quit_works_unauthenticated(secure):
    with secure.raw() as c:
        c.send(b"QUIT\r\n")
        assert c.read_to_eof() == b"+OK\r\n"


def test_redis_py_with_password(secure):
    bad = secure.client()
    with pytest.raises(redis.AuthenticationError):
        bad.get("x")
    wrong = secure.client(password="nope")
    with pytest.raises(redis.ResponseError) as e:
        wrong.ping()
    assert str(e.value).startswith("WRONGPASS")
    good = secure.client(password=PASSWORD)
    assert good.set("k", "v") is True
    assert good.get("k") == b"v"
    good.close()


def test_unauthenticated_multibulk_limit(secure):
    with secure.raw() as c:
        c.send(b"*11\r\n")
        assert c.read_to_eof() == b"-ERR Protocol error: unauthenticated multibulk length\r\n"
    with secure.raw() as c:
        c.send(b"*10\r\n" + b"$4\r\nPING\r\n" * 10)
        assert c.raw_reply() == NOAUTH


def test_unauthenticated_bulk_limit(secure):
    with secure.raw() as c:
        c.send(b"*2\r\n$16385\r\n")
        assert c.read_to_eof() == b"-ERR Protocol error: unauthenticated bulk length\r\n"
    with secure.raw() as c:
        c.send(b"*2\r\n$20000\r\n")
        assert c.read_to_eof() == b"-ERR Protocol error: unauthenticated bulk length\r\n"
    with secure.raw() as c:
        c.send(b"*2\r\n$3\r\nGET\r\n$16384\r\n" + b"a" * 16384 + b"\r\n")
        assert c.raw_reply() == NOAUTH


def test_authenticated_client_has_no_small_limits(secure):
    with secure.raw() as c:
        assert c.cmd("AUTH", PASSWORD) == "OK"
        assert c.cmd("SET", "big", b"x" * 20000) == "OK"
        assert c.cmd("MSET", *(["k", "v"] * 20)) == "OK"
        assert c.cmd("STRLEN", "big") == 20000
    assert secure.alive()


# ---- protected mode ----

def test_protected_mode_config(rd, secure):
    assert rd.config_get("protected-mode") == {"protected-mode": "yes"}
    s = secure.client(password=PASSWORD, decode_responses=True)
    assert s.config_get("requirepass") == {"requirepass": PASSWORD}
    s.close()


def test_protected_mode_can_be_changed(make_server):
    s = make_server()
    r = s.client(decode_responses=True)
    assert r.config_get("protected-mode") == {"protected-mode": "yes"}
    assert r.config_set("protected-mode", "no") is True
    assert r.config_get("protected-mode") == {"protected-mode": "no"}
    assert r.config_set("protected-mode", "yes") is True
    assert r.config_get("protected-mode") == {"protected-mode": "yes"}


def test_requirepass_set_at_runtime(make_server):
    s = make_server()
    r = s.client()
    assert r.config_set("requirepass", "later") is True
    with s.raw() as c:
        assert c.cmd("GET", "x") == Err("NOAUTH Authentication required.")
        assert c.cmd("AUTH", "later") == "OK"
        assert c.cmd("CONFIG", "SET", "requirepass", "") == "OK"
    with s.raw() as c:
        assert c.cmd("GET", "x") is None
