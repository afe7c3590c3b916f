"""Six fresh nodes joined by MEETs in a chain (1 meets 2, 2 meets 3, ...):
gossip must spread every node to every other within 5 s, slots added on one
node must show up in CLUSTER SLOTS and CLUSTER NODES of all six, and once
all 16384 slots are assigned every node reaches cluster_state:ok with six
masters of distinct config epochs (collision resolution)."""

import pytest

import srvutil

NODES_COUNT = 6
CHAIN_JOIN_LIMIT_S = 5.0
SLOTS = srvutil.CLUSTER_SLOTS_COUNT


@pytest.fixture(scope="module")
def six(bus_nodes):
    """Six fresh nodes (none knows another yet)."""
    return [bus_nodes("n%d" % (i + 1)) for i in range(NODES_COUNT)]


def meet_chain(nodes):
    for x, y in zip(nodes, nodes[1:]):
        x.meet(y)


@pytest.fixture
def joined(six):
    """The six nodes, all knowing each other (joins them if an earlier test
    did not)."""
    for n in six:
        if not n.alive():
            pytest.fail("%s died earlier; log tail:\n%s" % (n.name, n.log_tail()))
    if any(srvutil.bus_view_problems(n, six) for n in six):
        meet_chain(six)
        srvutil.wait_bus_joined(six)
    return six


def test_chain_of_meets_joins_all_six_within_5s(six):
    for n in six:
        view = n.cluster_nodes()
        assert list(view) == [n.node_id], "fresh node knows others: %r" % view
        assert view[n.node_id].flags == {"myself", "master"}
    meet_chain(six)
    took = srvutil.wait_bus_joined(six, timeout_s=CHAIN_JOIN_LIMIT_S)
    for n in six:
        info = n.cluster_info()
        assert info["cluster_known_nodes"] == str(NODES_COUNT), info
        view = n.cluster_nodes()
        assert len(view) == NODES_COUNT
        for line in view.values():
            assert line.flags - {"myself"} == {"master"}, line
            peer = next(p for p in six if p.node_id == line.id)
            assert line.addr == "127.0.0.1:%d@%d" % (peer.port, peer.bus_port), line
    assert took <= CHAIN_JOIN_LIMIT_S


def slot_views(nodes):
    return [n.cluster_slots() for n in nodes]


def wait_slots_everywhere(nodes, want, timeout_s=5.0):
    last = []

    def agree():
        last[:] = slot_views(nodes)
        return all(v == want for v in last)

    try:
        srvutil.wait_until(agree, timeout_s, interval_s=0.05, what="CLUSTER SLOTS %r on all" % want)
    except AssertionError as e:
        raise AssertionError("%s; last views: %r" % (e, last)) from None


def test_slots_added_on_one_node_are_seen_by_all(joined):
    n3 = joined[2]
    assert n3.cmd("CLUSTER", "ADDSLOTSRANGE", 100, 199) == "OK"
    assert n3.cmd("CLUSTER", "ADDSLOTS", 5000) == "OK"
    want = [(100, 199, n3.port, n3.node_id), (5000, 5000, n3.port, n3.node_id)]
    wait_slots_everywhere(joined, want)
    for n in joined:
        line = n.cluster_nodes()[n3.node_id]
        assert line.slots == ["100-199", "5000"], (n.name, line)
        others = [l for l in n.cluster_nodes().values() if l.id != n3.node_id]
        assert all(not l.slots for l in others), (n.name, others)
        assert n.cluster_info()["cluster_slots_assigned"] == "101"


def test_all_slots_assigned_cluster_ok_everywhere(joined):
    # Every node adds its own share (n3 keeps what it already has).
    owned = {id(joined[2]): {100 + i for i in range(100)} | {5000}}
    taken = set().union(*owned.values())
    free = [s for s in range(SLOTS) if s not in taken]
    share = len(free) // NODES_COUNT + 1
    for i, n in enumerate(joined):
        part = free[i * share:(i + 1) * share]
        if part:
            assert n.cmd("CLUSTER", "ADDSLOTS", *part) == "OK"
        owned[id(n)] = owned.get(id(n), set()) | set(part)
    assert set().union(*owned.values()) == set(range(SLOTS))

    def views_agree():
        for n in joined:
            view = n.cluster_nodes()
            for peer in joined:
                if view[peer.node_id].slot_set() != owned[id(peer)]:
                    return False
        return True

    srvutil.wait_until(views_agree, 5.0, interval_s=0.05,
                       what="every node to list every node's slots")
    first = joined[0].cluster_slots()
    assert sum(e - s + 1 for s, e, _, _ in first) == SLOTS
    assert slot_views(joined) == [first] * NODES_COUNT
    for n in joined:
        info = n.wait_cluster_state("ok")
        assert info["cluster_slots_assigned"] == str(SLOTS)
        assert info["cluster_slots_ok"] == str(SLOTS)
        assert info["cluster_size"] == str(NODES_COUNT)

    def distinct_epochs():
        for n in joined:
            epochs = [l.config_epoch for l in n.cluster_nodes().values()]
            if len(set(epochs)) != NODES_COUNT:
                return False
        return True

    srvutil.wait_until(distinct_epochs, 10.0, interval_s=0.05,
                       what="six distinct config epochs in every view")
    views = [{l.id: l.config_epoch for l in n.cluster_nodes().values()} for n in joined]
    assert views == [views[0]] * NODES_COUNT
