"""
conftest.py: pytest wiring for the integration suite.

Owns the fixtures (a shared server per test module, a factory for servers
with their own options, redis-py and raw-socket clients), stopping every
server the suite started, and attaching server log tails to failed tests.
"""

import os
import resource

import pytest

import srvutil

NOFILE_WANTED = 4096


def pytest_report_header(config):
    kind = "redis-server (reference)" if srvutil.IS_REDIS else "shoal-server"
    return "integration server: %s [%s]" % (srvutil.SERVER_PATH, kind)


def pytest_sessionstart(session):
    if not os.access(srvutil.SERVER_PATH, os.X_OK):
        pytest.exit("server binary %s not found or not executable (set SHOAL_SERVER)"
                    % srvutil.SERVER_PATH, returncode=2)
    # 1,000 concurrent connections need more than the usual 1024 fds; servers
    # inherit the limit too.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < NOFILE_WANTED:
        new = NOFILE_WANTED if hard == resource.RLIM_INFINITY else min(NOFILE_WANTED, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))


def pytest_sessionfinish(session, exitstatus):
    srvutil.stop_all()
    if exitstatus == 0:
        srvutil.remove_root_dir()
    elif srvutil._root_dir:
        print("\nserver dirs and logs kept in %s" % srvutil._root_dir)


def pytest_runtest_logstart(nodeid, location):
    srvutil.touched[:] = srvutil.servers_of_interest()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.failed:
        seen = set()
        for s in srvutil.touched:
            if id(s) in seen:
                continue
            seen.add(id(s))
            state = "running" if s.alive() else "exit code %s" % s.returncode
            rep.sections.append(("server log %s port %s pid %s (%s): %s"
                                 % (s.name, s.port, s.proc.pid if s.proc else "-", state, s.log_path),
                                 s.log_tail()))


def stop_all(servers):
    """Stops every server a factory fixture made and reports each one that
    did not end cleanly (crash, non-zero exit) in one failure."""
    failures = []
    for s in servers:
        try:
            srvutil.check_stopped_cleanly(s)
        except pytest.fail.Exception as e:
            failures.append(str(e))
    if failures:
        pytest.fail("\n".join(failures))


@pytest.fixture(scope="module")
def server(request):
    """A default server shared by the tests of one module."""
    s = srvutil.Server(request.module.__name__).start()
    yield s
    srvutil.check_stopped_cleanly(s)


@pytest.fixture
def r(server):
    """A redis-py client on the module's server, with an empty keyspace."""
    if not server.alive():
        pytest.fail("the module's server died earlier; log tail:\n" + server.log_tail())
    c = server.client()
    c.flushall()
    yield c
    c.close()


@pytest.fixture
def rd(server):
    """Like r, but replies decoded to str."""
    if not server.alive():
        pytest.fail("the module's server died earlier; log tail:\n" + server.log_tail())
    c = server.client(decode_responses=True)
    c.flushall()
    yield c
    c.close()


@pytest.fixture
def raw(server):
    """Raw socket connections to the module's server (closed at teardown)."""
    conns = []
    if not server.alive():
        pytest.fail("the module's server died earlier; log tail:\n" + server.log_tail())

    def make(timeout_s=10):
        c = server.raw(timeout_s)
        conns.append(c)
        return c

    yield make
    for c in conns:
        c.close()


@pytest.fixture
def make_server(request):
    """Factory: make_server(*args, conf_text=None, start=True, base_args=None,
    path=None) -> Server with its own options (base_args replaces the default
    "--save '' --appendonly no" part; path runs another binary than
    $SHOAL_SERVER, e.g. srvutil.REDIS_SERVER_PATH for interoperability tests);
    every server it made is stopped at teardown."""
    made = []

    def make(*args, conf_text=None, start=True, name=None, base_args=None, path=None):
        s = srvutil.Server(name or request.node.name, args, conf_text=conf_text,
                           base_args=base_args, path=path)
        made.append(s)
        if start:
            s.start()
        return s

    yield make
    stop_all(made)


@pytest.fixture(scope="module")
def cluster_server(request):
    """A cluster-mode server shared by the tests of one module; it starts as a
    fresh node owning no slots (tests set up the slots they need)."""
    s = srvutil.ClusterServer(request.module.__name__).start()
    yield s
    srvutil.check_stopped_cleanly(s)


@pytest.fixture
def make_cluster_server(request):
    """Factory: make_cluster_server(*args, name=None, start=True) -> a
    cluster-mode ClusterServer with extra options; every server it made is
    stopped at teardown."""
    made = []

    def make(*args, name=None, start=True):
        s = srvutil.ClusterServer(name or request.node.name, args)
        made.append(s)
        if start:
            s.start()
        return s

    yield make
    stop_all(made)


@pytest.fixture(scope="module")
def full_cluster_server(cluster_server):
    """The module's cluster-mode server owning all 16384 slots, once its
    cluster_state is ok."""
    cluster_server.own_slots()
    cluster_server.wait_cluster_state("ok")
    return cluster_server


@pytest.fixture(scope="module")
def bus_nodes(request):
    """Factory shared by one module's tests: bus_nodes(name, *args, path=None)
    -> a started srvutil.BusNode (cluster mode, 1000 ms node timeout, the
    binary at path or $SHOAL_SERVER). Every node it made is stopped at module
    teardown; one that died without being killed by a test fails it."""
    made = []

    def make(name, *args, path=None):
        s = srvutil.BusNode("%s-%s" % (request.module.__name__, name), args, path=path)
        made.append(s)
        s.start()
        return s

    yield make
    stop_all(made)
