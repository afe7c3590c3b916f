"""Process lifecycle: SHUTDOWN and SIGTERM end the server cleanly."""

import signal
import socket

import redis

from srvutil import Err


def port_is_closed(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        return False
    except ConnectionRefusedError:
        return True


def test_shutdown_command_exits_0(make_server):
    s = make_server()
    r = s.client()
    r.set("k", "v")
    try:
        r.shutdown()
    except redis.ConnectionError:
        pass  # the server closes the connection instead of replying
    assert s.wait_exit() == 0, s.log_tail()
    assert port_is_closed(s.port)


def test_shutdown_nosave_on_raw_socket(make_server):
    s = make_server()
    with s.raw() as c:
        c.send(b"SHUTDOWN NOSAVE\r\n")
        data, closed = c.read_for(10)
        assert data == b"" and closed
    assert s.wait_exit() == 0, s.log_tail()


def test_shutdown_bad_option(make_server):
    s = make_server()
    with s.raw() as c:
        assert c.cmd("SHUTDOWN", "BOGUS") == Err("ERR syntax error")
        assert c.cmd("PING") == "PONG"
    assert s.alive()


def test_sigterm_exits_0(make_server):
    s = make_server()
    r = s.client()
    r.set("k", "v")
    extra = s.raw()
    assert extra.cmd("PING") == "PONG"
    rc = s.stop(signal.SIGTERM)
    assert rc == 0, "SIGTERM: exit code %s\n%s" % (rc, s.log_tail())
    data, closed = extra.read_for(5)
    assert closed
    extra.close()
    assert port_is_closed(s.port)


def test_sigint_exits_0(make_server):
    s = make_server()
    assert s.client().ping() is True
    rc = s.stop(signal.SIGINT)
    assert rc == 0, "exit code %s\n%s" % (rc, s.log_tail())
