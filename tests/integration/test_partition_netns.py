"""A network partition made with Linux network namespaces instead of DEBUG
DROP-CLUSTER-PACKET-FILTER: 3 masters + 3 replicas inside a private netns,
each on its own loopback address (127.0.0.2-7), master 0 cut off from the
others by policy routing rules inside that netns (see netns_partition.py,
which runs the scenario in the namespace and reports JSON). Checks: the
isolated master goes to cluster_state:fail and refuses writes with
CLUSTERDOWN, the majority flags it fail and its replica takes over, and
after the heal the old master replicates the new one and every node agrees.

Needs root and a working `ip netns add`; skips otherwise. The namespace is
named after this process (shoal-ifail-<pid>-<n>) and deleted at teardown,
failed or not, after killing whatever still runs in it; nothing changes in
the root namespace. Needs no shoal-only feature: with
SHOAL_SERVER=redis-server it runs against redis-server 7.0.15."""

import itertools
import json
import os
import signal
import subprocess
import sys

import pytest

import srvutil

HERE = os.path.dirname(os.path.abspath(__file__))
HELPER = os.path.join(HERE, "netns_partition.py")
PYTHON = "/usr/bin/python3"
SCENARIO_TIMEOUT_S = 240
N_T = srvutil.BUS_NODE_TIMEOUT_MS / 1000.0
_seq = itertools.count()


def run_ip(*args, timeout_s=10):
    return subprocess.run(["ip"] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=timeout_s, text=True)


def kill_namespace_pids(ns):
    """SIGKILLs what still runs in ns (only processes this test started:
    the namespace is its own)."""
    out = run_ip("netns", "pids", ns)
    for pid in out.stdout.split():
        try:
            os.kill(int(pid), signal.SIGKILL)
        except (ProcessLookupError, ValueError):
            pass


@pytest.fixture
def netns():
    if os.geteuid() != 0:
        pytest.skip("network namespaces need root (euid %d)" % os.geteuid())
    name = "shoal-ifail-%d-%d" % (os.getpid(), next(_seq))
    try:
        made = run_ip("netns", "add", name)
    except (OSError, subprocess.TimeoutExpired) as e:
        pytest.skip("`ip netns add` cannot run here: %s" % e)
    if made.returncode != 0:
        pytest.skip("`ip netns add %s` failed: %s" % (name, made.stderr.strip()))
    try:
        yield name
    finally:
        kill_namespace_pids(name)
        run_ip("netns", "del", name)


def test_partition_isolated_master_fails_over(netns):
    try:
        proc = subprocess.run(["ip", "netns", "exec", netns, PYTHON, HELPER],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              timeout=SCENARIO_TIMEOUT_S, env=dict(os.environ, SHOAL_SERVER=srvutil.SERVER_PATH))
    except subprocess.TimeoutExpired as e:
        pytest.fail("scenario did not finish within %ds; stderr:\n%s" % (SCENARIO_TIMEOUT_S, e.stderr))
    lines = proc.stdout.strip().splitlines()
    assert proc.returncode == 0 and lines, "helper exited %d; stderr:\n%s" % (proc.returncode, proc.stderr)
    res = json.loads(lines[-1])
    if res["error"]:
        logs = "\n".join("--- %s\n%s" % kv for kv in sorted(res.get("logs", {}).items()))
        pytest.fail("%s\n(server dirs kept in %s)\n%s" % (res["error"], res["kept_dir"], logs))
    t = res["timings"]
    sys.stderr.write("netns partition timings: %r\n" % t)
    # the cut is real: nothing reaches the isolated master for node_timeout
    assert N_T * 0.9 < t["isolated_state_fail_s"] < 2 * N_T + 3, t
    assert N_T * 0.9 < t["flagged_fail_s"] < 2 * N_T + 3, t
    assert t["replica_promoted_s"] < 2 * N_T + 5, t
