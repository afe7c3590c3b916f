"""
Live resharding: 512 slots holding 20,000 keys move from one master to
another while a redis-py RedisCluster client keeps writing and reading keys
with and without hash tags. Afterwards every key ever acknowledged is on the
slot's new owner with its last value (and only there), the replicas hold the
same keys as their masters, and the client saw only redirects it follows:
never a wrong value, a missing key or an error it had to handle itself.

The shoal-cluster reshard moves them there and `redis-cli --cluster reshard`
moves them back under the same checks; a second test does both directions
with redis-cli, which validates the test itself against redis-server.
"""

import pytest

import failutil
import srvutil
import toolutil
from toolutil import addr

MOVE_SLOTS = 512
MOVED_KEYS = 20000
OTHER_KEYS = 2000
LIVE_KEYS_EVERY = 50
TAG_GROUPS = 30
TAG_GROUP_SIZE = 3
CLIENT_WARMUP_OPS = 100
RESHARD_TIMEOUT_S = 120.0
SLOTS = srvutil.CLUSTER_SLOTS_COUNT


@pytest.fixture
def make(request):
    f = failutil.NodeFactory(request.node.name)
    yield f
    f.stop_all()


class Fixture:
    """A 3+3 cluster whose first master's lowest 512 slots hold 20,000
    keys (plus keys elsewhere and hash-tag groups in the moving slots)."""

    def __init__(self, make):
        self.cl = failutil.form_cluster(make, masters=3)
        self.src, self.dst = self.cl.masters[0], self.cl.masters[1]
        start, _ = self.cl.ranges[0]
        # Both tools hand over a source's lowest-numbered slots.
        self.moving = set(range(start, start + MOVE_SLOTS))
        keys = toolutil.keys_for_slots(self.moving, MOVED_KEYS, "rk:")
        tags = toolutil.keys_for_slots(self.moving, TAG_GROUPS, "tag")
        self.groups = [["{%s}:%d" % (t, j) for j in range(TAG_GROUP_SIZE)] for t in tags]
        others = set(range(SLOTS)) - self.moving
        other = toolutil.keys_for_slots(others, OTHER_KEYS, "ok:")
        self.expected = {k: "v-" + k for k in keys + other + [k for g in self.groups for k in g]}
        toolutil.load(self.src, self.expected)
        self.live_keys = keys[::LIVE_KEYS_EVERY]
        self.read_keys = keys + other



def _move_live(fx, mover, from_node, to_node, what):
    """Runs mover() (a tool moving MOVE_SLOTS slots from from_node to
    to_node) under a LiveClient; checks the client, the new layout, every
    key and the replicas. Returns the tool's result."""
    before = toolutil.settle(fx.cl.nodes)
    redirects0 = toolutil.redirect_counts(fx.cl.masters)
    client = toolutil.LiveClient(fx.cl.masters, fx.live_keys, fx.groups, fx.expected, fx.read_keys)
    client.start()
    try:
        client.wait_ops(CLIENT_WARMUP_OPS)
        ops0 = client.ops
        res = mover()
        ops_during = client.ops - ops0
        client.wait_ops(client.ops + CLIENT_WARMUP_OPS)
    finally:
        client.stop()
    redirects = toolutil.counts_diff(toolutil.redirect_counts(fx.cl.masters), redirects0)
    assert res.rc == 0, res.details()
    assert not client.problems(), "%s: %s (redirects sent: %r)" % (what, client.problems(), redirects)
    # The client's slot map went stale: it was sent somewhere else at least once.
    assert redirects["MOVED"] + redirects["ASK"] > 0, "%s: no redirect sent: %r" % (what, redirects)
    assert ops_during > 0, "%s: the client made no operation while the tool ran (%s)" % (what, res)
    after = toolutil.settle(fx.cl.nodes)
    src_id, dst_id = from_node.node_id, to_node.node_id
    moved = before.masters[src_id] - after.masters[src_id]
    assert len(moved) == MOVE_SLOTS and moved == after.masters[dst_id] - before.masters[dst_id], \
        "%s: moved %d slots; before %r, after %r" % (what, len(moved), before, after)
    assert moved == fx.moving, "%s moved other slots than the source's lowest %d: %r" % (
        what, MOVE_SLOTS, toolutil._ranges_text(moved))
    bad = toolutil.keyspace_problems(fx.cl.nodes, fx.expected, client.allowed())
    assert not bad, "%s: %s" % (what, bad)
    for m, r in ((fx.src, fx.cl.replicas[0][0]), (fx.dst, fx.cl.replicas[1][0])):
        diff = toolutil.replica_problems(m, r)
        assert not diff, "%s: %s" % (what, diff)
    print("%s: redirects %r, TRYAGAIN past the client's retries %d" % (what, redirects, client.tryagain))
    return res, client, ops_during


def _redis_cli_reshard(fx, from_node, to_node):
    return toolutil.redis_cli_cluster(
        "reshard", addr(fx.src), "--cluster-from", from_node.node_id, "--cluster-to", to_node.node_id,
        "--cluster-slots", MOVE_SLOTS, "--cluster-yes", timeout_s=RESHARD_TIMEOUT_S)


def _shoal_reshard(fx, from_node, to_node):
    return toolutil.shoal_cluster(
        "reshard", addr(fx.src), "--from", from_node.node_id, "--to", to_node.node_id,
        "--slots", MOVE_SLOTS, "--yes", timeout_s=RESHARD_TIMEOUT_S)


def test_reshard_live_shoal_cluster_then_redis_cli(make):
    toolutil.need_shoal_cluster()
    fx = Fixture(make)
    res, client, ops = _move_live(fx, lambda: _shoal_reshard(fx, fx.src, fx.dst), fx.src, fx.dst,
                                  "shoal-cluster reshard")
    print("shoal-cluster reshard: %s, %d client ops meanwhile" % (res, ops))
    res, client, ops = _move_live(fx, lambda: _redis_cli_reshard(fx, fx.dst, fx.src), fx.dst, fx.src,
                                  "redis-cli --cluster reshard back")
    print("redis-cli reshard back: %s, %d client ops meanwhile" % (res, ops))


def test_reshard_live_redis_cli_both_ways(make):
    fx = Fixture(make)
    res, client, ops = _move_live(fx, lambda: _redis_cli_reshard(fx, fx.src, fx.dst), fx.src, fx.dst,
                                  "redis-cli --cluster reshard")
    print("redis-cli reshard: %s, %d client ops meanwhile" % (res, ops))
    res, client, ops = _move_live(fx, lambda: _redis_cli_reshard(fx, fx.dst, fx.src), fx.dst, fx.src,
                                  "redis-cli --cluster reshard back")
    print("redis-cli reshard back: %s, %d client ops meanwhile" % (res, ops))
