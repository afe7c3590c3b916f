"""Failover (cluster-bus.md §15-§18, replication.md §8) on clusters of
$SHOAL_SERVER nodes with a 1000 ms node timeout, each test on its own
cluster built by failutil.form_cluster(): a replica taking over a SIGKILLed
master without losing WAIT-acknowledged writes, the old master coming back
as its replica; CLUSTER FAILOVER (default under a stream of writes, FORCE,
TAKEOVER, errors); the replica with the larger offset winning and its
sibling resyncing partially; replica migration to an orphaned master; and
(shoal only) a partition made with DEBUG DROP-CLUSTER-PACKET-FILTER -2.

Every behaviour except the partition was checked against redis-server
7.0.15 first."""

import time

import pytest

import failutil
import srvutil
from failutil import N_T
from srvutil import Err

# SIGKILL of a master to its replica serving the slots: FAIL takes N_T plus
# a gossip round, the election waits 500-999 ms plus rank, then the votes.
PROMOTE_LIMIT_S = 2 * N_T + 4
# Two equal replicas can split the votes of one epoch; the retry comes
# 2 x max(2 N_T, 2 s) later.
SPLIT_VOTE_LIMIT_S = 30.0
MIGRATION_DELAY_S = 5.0
BIG_ARGS = ["--repl-backlog-size", "64mb", "--client-output-buffer-limit", "replica 512mb 512mb 0"]
DEBUG_ARGS = ["--enable-debug-command", "yes"]


@pytest.fixture
def make(request):
    """A node factory whose nodes are all stopped when the test ends."""
    f = failutil.NodeFactory("fo-" + request.node.name.replace("test_", ""))
    yield f
    f.stop_all()


def set_config(node, name, value):
    assert node.cmd("CONFIG", "SET", name, value) == "OK", (node.name, name)


def set_no_failover(*nodes):
    """cluster-replica-no-failover yes: these replicas never start an
    automatic election, so a promotion can only come from the command."""
    for n in nodes:
        set_config(n, "cluster-replica-no-failover", "yes")


def serves_write(node, key):
    """True if a SET of key is accepted by node itself (no redirect)."""
    try:
        return node.cmd("SET", key, "probe", timeout_s=2) == "OK"
    except OSError:
        return False


def role_of(node):
    return node.cmd("ROLE")


# ---- 1. automatic failover after SIGKILL ----

def test_replica_takes_over_killed_master_and_old_master_rejoins(make):
    cl = failutil.form_cluster(make, 3, {0: 1, 1: 1, 2: 1})
    m0, r0 = cl.masters[0], cl.replicas[0][0]
    start, end = cl.ranges[0]
    keys = failutil.keys_in_slots(start, end, 300, "acked:")
    acked = failutil.write_acked(m0, keys, numreplicas=1, batch=50)
    assert len(acked) == len(keys), "WAIT 1 did not acknowledge every batch"
    probe = failutil.keys_in_slots(start, end, 1, "probe:")[0]

    t_kill = failutil.kill(m0)
    srvutil.wait_until(lambda: serves_write(r0, probe), PROMOTE_LIMIT_S + 5, interval_s=0.05,
                       what="%s to accept writes for slots %d-%d" % (r0.name, start, end))
    took = time.monotonic() - t_kill
    assert took <= PROMOTE_LIMIT_S, "promoted %.2fs after the kill (limit %.1fs)" % (took, PROMOTE_LIMIT_S)
    assert took > N_T * 0.9, "promoted %.2fs after the kill, before a node timeout" % took
    failutil.wait_master(r0, 1)
    live = cl.live()
    failutil.wait_state(live, "ok")
    roles, owners = failutil.wait_all_agree(live)
    assert owners[r0.node_id] == ((start, end),) and m0.node_id not in owners, owners
    problems = failutil.read_problems(live, acked)
    assert not problems, problems

    failutil.restart(m0)
    failutil.wait_replica_of(m0, r0, observers=cl.nodes)
    roles, owners = failutil.wait_all_agree(cl.nodes)
    assert roles[m0.node_id] == ("slave", r0.node_id) and roles[r0.node_id] == ("master", "-"), roles
    info = srvutil.repl_info(m0)
    assert info["role"] == "slave" and info["master_port"] == str(r0.port), info
    srvutil.wait_caught_up(r0, m0, srvutil.REPL_SYNC_TIMEOUT_S)
    failutil.wait_state(cl.nodes, "ok")
    assert role_of(m0)[:4] == [b"slave", b"127.0.0.1", r0.port, b"connected"]
    on_m0 = failutil.values_on(m0, keys)
    assert on_m0 == {k: v.encode() for k, v in acked.items()}


# ---- 2. CLUSTER FAILOVER ----

def test_manual_failover_under_writes_loses_nothing(make):
    cl = failutil.form_cluster(make, 3, {0: 1, 1: 1, 2: 1})
    m0, r0 = cl.masters[0], cl.replicas[0][0]
    start, end = cl.ranges[0]
    w = failutil.AckedWriter(cl.nodes, failutil.keys_in_slots(start, end, 40, "mf:"))
    w.start()
    try:
        w.wait_oks(300, port=m0.port)
        assert r0.cmd("CLUSTER", "FAILOVER") == "OK"
        failutil.wait_master(r0, 10)
        failutil.wait_replica_of(m0, r0, 10, observers=cl.nodes)
        w.wait_oks(300, port=r0.port)
    finally:
        acked = w.stop()
    assert not w.errors, w.errors[:5]
    assert not w.unknown, "connections failed during a manual failover: %r" % w.retries
    assert len(acked) == 40
    roles, owners = failutil.wait_all_agree(cl.nodes)
    assert owners[r0.node_id] == ((start, end),) and m0.node_id not in owners, owners
    assert roles[m0.node_id] == ("slave", r0.node_id)
    problems = w.problems(cl.nodes)
    assert not problems, problems
    srvutil.wait_caught_up(r0, m0)
    failutil.wait_state(cl.nodes, "ok")


def test_failover_force_with_master_just_killed(make):
    cl = failutil.form_cluster(make, 3, {0: 1, 1: 1, 2: 1})
    m0, r0 = cl.masters[0], cl.replicas[0][0]
    set_no_failover(r0)
    start, end = cl.ranges[0]
    t_kill = failutil.kill(m0)
    assert r0.cmd("CLUSTER", "FAILOVER", "FORCE") == "OK"
    failutil.wait_master(r0, PROMOTE_LIMIT_S)
    took = time.monotonic() - t_kill
    # FORCE needs no FAIL: it starts the election at once with FORCEACK
    assert took < PROMOTE_LIMIT_S, took
    probe = failutil.keys_in_slots(start, end, 1, "probe:")[0]
    live = cl.live()
    failutil.wait_state(live, "ok")
    roles, owners = failutil.wait_all_agree(live)
    assert owners[r0.node_id] == ((start, end),), owners
    assert serves_write(r0, probe)


def test_failover_takeover_without_majority(make):
    cl = failutil.form_cluster(make, 3, {0: 1, 1: 1, 2: 1})
    (m0, m1, _), (r0, r1, r2) = cl.masters, [cl.replicas[i][0] for i in range(3)]
    set_no_failover(r0, r1, r2)
    failutil.kill(m0)
    failutil.kill(m1)
    assert r0.cmd("CLUSTER", "FAILOVER", "TAKEOVER") == "OK"
    failutil.wait_master(r0, 5)
    start, end = cl.ranges[0]
    seen = {}

    def superseded():
        # The bump without consensus makes r0's epoch greater than its old
        # master's (that is what moves the slots) and unique among masters.
        # It need not be the greatest: as in Redis, a replica's own stale
        # epoch may equal the maximum (no bump then), and the collision rule
        # may move the other master past it.
        nodes = r0.cluster_nodes()
        seen["mine"] = nodes[r0.node_id].config_epoch
        masters = [line.config_epoch for nid, line in nodes.items() if "master" in line.flags and nid != r0.node_id]
        return seen["mine"] > nodes[m0.node_id].config_epoch and seen["mine"] not in masters

    srvutil.wait_until(superseded, 10, interval_s=0.05, what="r0's configEpoch past m0's and unique")
    live = cl.live()

    def everyone_sees_it():
        mine = r0.cluster_nodes()[r0.node_id].config_epoch
        return all(failutil.slot_owner(n, start) == r0.node_id and failutil.slot_owner(n, end) == r0.node_id
                   and n.cluster_nodes()[r0.node_id].config_epoch == mine for n in live)

    srvutil.wait_until(everyone_sees_it, 10, interval_s=0.05, what="every live node to see r0 own m0's slots")
    roles, owners = failutil.wait_all_agree(live, healthy=False)
    assert owners[r0.node_id] == ((start, end),), owners
    assert owners[m1.node_id] == (cl.ranges[1],), owners  # nobody took m1's slots
    assert roles[r1.node_id] == ("slave", m1.node_id)
    assert r0.cluster_info()["cluster_my_epoch"] == str(r0.cluster_nodes()[r0.node_id].config_epoch)


def test_failover_errors(make):
    cl = failutil.form_cluster(make, 3, {0: 0, 1: 1, 2: 0})
    m0, m1, r1 = cl.masters[0], cl.masters[1], cl.replicas[1][0]
    for opt in ((), ("FORCE",), ("TAKEOVER",)):
        assert m0.cmd("CLUSTER", "FAILOVER", *opt) == Err("ERR You should send CLUSTER FAILOVER to a replica")
    assert r1.cmd("CLUSTER", "FAILOVER", "NOW") == Err("ERR syntax error")
    assert r1.cmd("CLUSTER", "FAILOVER", "FORCE", "TAKEOVER") == Err(
        "ERR unknown subcommand or wrong number of arguments for 'FAILOVER'. Try CLUSTER HELP.")
    set_no_failover(r1)
    failutil.kill(m1)
    srvutil.wait_flagged([r1, m0], m1.node_id, timeout_s=2 * N_T + 3)
    assert r1.cmd("CLUSTER", "FAILOVER") == Err("ERR Master is down or failed, please use CLUSTER FAILOVER FORCE")
    assert r1.cluster_nodes()[r1.node_id].master == m1.node_id
    # FORCE still works once FAIL is agreed
    assert r1.cmd("CLUSTER", "FAILOVER", "FORCE") == "OK"
    failutil.wait_master(r1, PROMOTE_LIMIT_S)
    live = cl.live()
    failutil.wait_state(live, "ok")
    failutil.wait_all_agree(live)


# ---- 3. the replica with the larger offset wins; psync2 for its sibling ----

def fill(node, keys, size):
    """Writes keys with size-byte values in pipelined batches."""
    c = node.client()
    try:
        payload = b"x" * size
        for base in range(0, len(keys), 16):
            p = c.pipeline(transaction=False)
            for k in keys[base:base + 16]:
                p.set(k, payload)
            assert all(r is True for r in p.execute())
    finally:
        c.close()


def test_larger_offset_wins_and_sibling_resyncs_partially(make):
    cl = failutil.form_cluster(make, 3, {0: 2, 1: 1, 2: 1}, args=BIG_ARGS)
    m0, (ra, rb) = cl.masters[0], cl.replicas[0]
    start, end = cl.ranges[0]
    keys = failutil.keys_in_slots(start, end, 400, "big:")
    failutil.sigstop(rb)
    try:
        fill(m0, keys, 64 * 1024)  # 25 MB: far more than loopback socket buffers hold
        srvutil.wait_caught_up(m0, ra, 30)
        m0_info = srvutil.repl_info(m0)
        final, old_replid = int(m0_info["master_repl_offset"]), m0_info["master_replid"]
        failutil.kill(m0)
    finally:
        failutil.sigcont(rb)
    # rb reads what the kernel still held for it, then sees the link drop
    def rb_link_down():
        info = srvutil.repl_info(rb)
        return info if info.get("master_link_status") == "down" else None

    rb_info = srvutil.wait_until(rb_link_down, 10, interval_s=0.02, what="rb to see its master gone")
    lag = final - int(rb_info["master_repl_offset"])
    assert lag > 4 * 1024 * 1024, "premise: rb should lag far behind (lag %d bytes)" % lag
    full0, part0, _ = srvutil.sync_stats(ra)

    failutil.wait_master(ra, PROMOTE_LIMIT_S + 5)
    failutil.wait_replica_of(rb, ra, observers=cl.nodes)
    srvutil.wait_caught_up(ra, rb, 30)
    assert srvutil.sync_stats(rb)[0] == 0  # rb never served a replica
    full1, part1, err1 = srvutil.sync_stats(ra)
    assert (full1, part1) == (full0, part0 + 1), "ra: sync_full %d->%d, sync_partial_ok %d->%d" % (
        full0, full1, part0, part1)
    # psync2: ra keeps m0's history as its second id, rb continues ra's
    ra_info, rb_info = srvutil.repl_info(ra), srvutil.repl_info(rb)
    assert ra_info["master_replid2"] == old_replid and ra_info["second_repl_offset"] == str(final + 1), ra_info
    assert ra_info["master_replid"] != old_replid and rb_info["master_replid"] == ra_info["master_replid"], rb_info
    live = cl.live()
    failutil.wait_state(live, "ok")
    roles, owners = failutil.wait_all_agree(live)
    assert roles[ra.node_id] == ("master", "-") and roles[rb.node_id] == ("slave", ra.node_id), roles
    on_ra = failutil.values_on(ra, keys)
    assert on_ra == failutil.values_on(rb, keys)
    assert all(v is not None and len(v) == 64 * 1024 for v in on_ra.values())


def test_equal_replicas_one_wins_other_resyncs_partially(make):
    cl = failutil.form_cluster(make, 3, {0: 2, 1: 1, 2: 1}, args=BIG_ARGS)
    m0, pair = cl.masters[0], cl.replicas[0]
    start, end = cl.ranges[0]
    keys = failutil.keys_in_slots(start, end, 100, "eq:")
    acked = failutil.write_acked(m0, keys, numreplicas=2)
    assert len(acked) == len(keys)
    for r in pair:
        srvutil.wait_caught_up(m0, r)
    before = {r.name: srvutil.sync_stats(r) for r in pair}
    failutil.kill(m0)

    def one_master():
        masters = [r for r in pair if failutil.is_master(r)]
        return masters[0] if len(masters) == 1 else None

    winner = srvutil.wait_until(one_master, SPLIT_VOTE_LIMIT_S, interval_s=0.05, what="one of the replicas promoted")
    loser = pair[1] if winner is pair[0] else pair[0]
    failutil.wait_master(winner, 5)
    failutil.wait_replica_of(loser, winner, observers=cl.nodes)
    srvutil.wait_caught_up(winner, loser)
    full, part, _ = srvutil.sync_stats(winner)
    assert (full, part) == (before[winner.name][0], before[winner.name][1] + 1), (before, full, part)
    live = cl.live()
    failutil.wait_state(live, "ok")
    failutil.wait_all_agree(live)
    problems = failutil.read_problems(live, acked)
    assert not problems, problems


# ---- 4. replica migration ----

def test_replica_migrates_to_orphaned_master(make):
    cl = failutil.form_cluster(make, 3, {0: 2, 1: 1, 2: 1})
    m1 = cl.masters[1]
    pair, lone = cl.replicas[0], cl.replicas[1][0]
    mover = min(pair, key=lambda n: n.node_id)
    stayer = pair[1] if mover is pair[0] else pair[0]
    t_kill = failutil.kill(lone)
    failutil.wait_replica_of(mover, m1, MIGRATION_DELAY_S + 2 * N_T + 15)
    took = time.monotonic() - t_kill
    assert took > MIGRATION_DELAY_S, "migrated %.2fs after the kill, before the migration delay" % took
    live = cl.live()
    roles, _ = failutil.wait_all_agree(live)
    assert roles[mover.node_id] == ("slave", m1.node_id), roles
    assert roles[stayer.node_id] == ("slave", cl.masters[0].node_id), roles
    srvutil.wait_caught_up(m1, mover)
    failutil.wait_state(live, "ok")


# ---- 5. partition (shoal only) ----

@pytest.mark.skipif(srvutil.IS_REDIS, reason="DROP-CLUSTER-PACKET-FILTER -2 is shoal's; " + srvutil.SHOAL_ONLY)
def test_isolated_master_goes_down_and_rejoins_as_replica(make):
    cl = failutil.form_cluster(make, 3, {0: 1, 1: 1, 2: 1}, args=DEBUG_ARGS)
    m0, r0 = cl.masters[0], cl.replicas[0][0]
    start, end = cl.ranges[0]
    key = failutil.keys_in_slots(start, end, 1, "part:")[0]
    assert m0.cmd("DEBUG", "DROP-CLUSTER-PACKET-FILTER", -2) == "OK"
    t0 = time.monotonic()
    m0.wait_cluster_state("fail", N_T + 3)
    reply = m0.cmd("SET", key, "x")
    assert isinstance(reply, Err) and reply.text.startswith("CLUSTERDOWN"), reply
    failutil.wait_master(r0, PROMOTE_LIMIT_S + 3 - (time.monotonic() - t0))
    majority = [n for n in cl.nodes if n is not m0]
    failutil.wait_state(majority, "ok")
    failutil.wait_all_agree(majority)
    assert serves_write(r0, key)
    assert m0.cmd("DEBUG", "DROP-CLUSTER-PACKET-FILTER", -1) == "OK"
    failutil.wait_replica_of(m0, r0, observers=cl.nodes)
    roles, owners = failutil.wait_all_agree(cl.nodes)
    assert owners[r0.node_id] == ((start, end),) and m0.node_id not in owners, owners
    srvutil.wait_caught_up(r0, m0)
    failutil.wait_state(cl.nodes, "ok")
