"""Mixed clusters: $SHOAL_SERVER nodes and Debian's redis-server 7.0.15
(/usr/bin/redis-server) on one cluster bus. (a) two shoal masters and one
redis master, (b) one shoal master and two redis masters: they meet (in both
directions), every node lists every other as connected, slots assigned on
one node after the join are seen on all, clients are redirected across implementations,
and a killed node (shoal in (a), redis in (b)) is flagged fail by both
survivors. In (a) the killed node comes back with its id and the flag
clears on both. With SHOAL_SERVER=redis-server these are all-redis
clusters. A missing /usr/bin/redis-server fails the tests."""


from redis.cluster import RedisCluster

import srvutil

N_T = srvutil.BUS_NODE_TIMEOUT_MS / 1000.0
FAIL_LIMIT_S = 2 * N_T + 2
SLOTS = srvutil.CLUSTER_SLOTS_COUNT
RANGES = [(0, 5460), (5461, 10922), (10923, SLOTS - 1)]


def form_cluster(nodes):
    """MEETs nodes[0]->nodes[1]->nodes[2] (across implementations both ways);
    nodes[0] and nodes[2] own their slots before, nodes[1] adds its range
    once all know each other. Waits until that range is seen everywhere and
    every node is in state ok."""
    for i in (0, 2):
        nodes[i].own_slots(*RANGES[i])
    nodes[0].meet(nodes[1])
    nodes[1].meet(nodes[2])
    srvutil.wait_bus_joined(nodes)
    late = nodes[1]
    late.own_slots(*RANGES[1])
    srvutil.wait_until(lambda: all(n.cluster_nodes()[late.node_id].slot_set()
                                   == set(range(RANGES[1][0], RANGES[1][1] + 1)) for n in nodes),
                       5, interval_s=0.05,
                       what="slots added on %s (%s) seen by all" % (late.name, late.kind))
    for n in nodes:
        n.wait_cluster_state("ok")


def check_converged(nodes):
    want = [(s, e, o.port, o.node_id) for o, (s, e) in zip(nodes, RANGES)]
    for n in nodes:
        assert n.cluster_slots() == want, "%s (%s)" % (n.name, n.kind)
        view = n.cluster_nodes()
        for o, (s, e) in zip(nodes, RANGES):
            line = view[o.node_id]
            assert line.slots == ["%d-%d" % (s, e)], (n.name, line)
            assert line.addr == "127.0.0.1:%d@%d" % (o.port, o.bus_port), (n.name, line)
            assert line.flags - {"myself"} == {"master"}, (n.name, line)
        info = n.cluster_info()
        assert (info["cluster_known_nodes"], info["cluster_size"]) == ("3", "3"), (n.name, info)
    epochs = {n.cluster_nodes()[n.node_id].config_epoch for n in nodes}
    assert len(epochs) == 3, "config epochs did not become distinct: %r" % epochs


def check_clients_across(nodes):
    """MOVED from every node to every other, and redis-py over all three."""
    keys = {0: "{n}", 1: "{c}", 2: "{a}"}  # slots 3432, 7365, 15495
    for i, tag in keys.items():
        assert RANGES[i][0] <= srvutil.key_slot(tag) <= RANGES[i][1]
    for n in nodes:
        for i, tag in keys.items():
            owner = nodes[i]
            reply = n.cmd("GET", tag)
            if owner is n:
                assert reply is None
            else:
                assert reply == srvutil.Err("MOVED %d 127.0.0.1:%d" % (srvutil.key_slot(tag), owner.port))
    rc = RedisCluster(host="127.0.0.1", port=nodes[0].port, socket_timeout=20)
    try:
        assert {n.port for n in rc.get_primaries()} == {n.port for n in nodes}
        kv = {"mix%d" % i: "v%d" % i for i in range(60)}
        for k, v in kv.items():
            assert rc.set(k, v) is True
        assert all(n.cmd("DBSIZE") > 0 for n in nodes)
        assert {k: rc.get(k) for k in kv} == {k: v.encode() for k, v in kv.items()}
    finally:
        rc.close()


def kill_and_check_fail(nodes, victim):
    survivors = [n for n in nodes if n is not victim]
    victim.kill()
    took = srvutil.wait_flagged(survivors, victim.node_id, timeout_s=FAIL_LIMIT_S)
    assert took > N_T * 0.9, "flagged fail %.2fs after the kill" % took
    for n in survivors:
        n.wait_cluster_state("fail", 2)


def test_two_shoal_masters_and_one_redis_master(bus_nodes):
    redis = srvutil.redis_path()
    s1 = bus_nodes("a-shoal1")
    r1 = bus_nodes("a-redis1", path=redis)
    s2 = bus_nodes("a-shoal2")
    nodes = [s1, r1, s2]  # s1 meets r1, r1 meets s2
    form_cluster(nodes)
    check_converged(nodes)
    check_clients_across(nodes)
    # a shoal node dies: the other shoal node and the redis node flag it
    kill_and_check_fail(nodes, s2)
    s2.restart()
    assert s2.myid() == s2.node_id
    srvutil.wait_flagged([s1, r1], s2.node_id, flagged=False, timeout_s=2 * N_T + 5)
    srvutil.wait_bus_joined(nodes, 10)
    for n in nodes:
        n.wait_cluster_state("ok")
    check_converged(nodes)


def test_one_shoal_master_and_two_redis_masters(bus_nodes):
    redis = srvutil.redis_path()
    r1 = bus_nodes("b-redis1", path=redis)
    s1 = bus_nodes("b-shoal1")
    r2 = bus_nodes("b-redis2", path=redis)
    nodes = [r1, s1, r2]  # r1 meets s1, s1 meets r2
    form_cluster(nodes)
    check_converged(nodes)
    check_clients_across(nodes)
    # a redis node dies: the shoal node and the other redis node flag it
    kill_and_check_fail(nodes, r2)
