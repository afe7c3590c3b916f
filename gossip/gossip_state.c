/*
 * gossip_state.c — the cluster state, ok or fail (spec §19), and the
 * cluster size.
 *
 * Owns g->state_ok, g->size and the two delays around them. Does not own
 * what node/ does while the state is fail (-CLUSTERDOWN: slots_route()).
 *
 * BACKGROUND
 * A node serves keys only while the cluster is "ok". Redis decides this from
 * slot coverage and from a quorum of reachable masters, and delays the
 * transitions that could let a partitioned master accept writes: a master
 * stays failed for the first 2 s after its first evaluation (time to hear
 * from the cluster after a restart), and after having been in the minority
 * it serves again only clamp(N_T, 500, 5000) ms later (time to receive an
 * UPDATE if its slots were taken meanwhile).
 *
 * BEHAVIOR
 *  1. A master in fail state stays fail during the first 2000 ms after the
 *     first evaluation.
 *  2. cluster-require-full-coverage yes: a slot unassigned, or owned by a
 *     FAIL node, makes the state fail.
 *  3. size = masters owning >= 1 slot; reachable = those neither PFAIL nor
 *     FAIL (myself included). reachable < size/2 + 1 -> fail, and "in the
 *     minority" from now (so no slots assigned at all is fail).
 *  4. fail -> ok for a master waits the rejoin delay after the minority.
 *  A change is logged ("Cluster state changed: ok|fail") and reported
 *  through env->state_changed.
 */
#include "gossip/gossip_int.h"
#include "node/core/core.h"

static bool coverage_ok(const struct gossip *g)
{
    for (int slot = 0; slot < SLOTS_COUNT; slot++) {
        int32_t owner = slots_map_owner(&g->map, slot);
        if (owner == SLOTS_NODE_NONE || (g->nodes[owner]->flags & GOSSIP_NODE_FAIL))
            return false;
    }
    return true;
}

int32_t gossip_state_size(const struct gossip *g)
{
    int32_t size = 0;
    for (int32_t i = 0; i < g->node_count; i++)
        if (gossip_node_is_master(g->nodes[i]) && g->nodes[i]->slot_count > 0)
            size++;
    return size;
}

static int32_t reachable_masters(const struct gossip *g)
{
    int32_t reachable = 0;
    for (int32_t i = 0; i < g->node_count; i++) {
        const struct gossip_node *n = g->nodes[i];
        if (gossip_node_is_master(n) && n->slot_count > 0 && !(n->flags & (GOSSIP_NODE_PFAIL | GOSSIP_NODE_FAIL)))
            reachable++;
    }
    return reachable;
}

static int64_t rejoin_delay_ms(const struct gossip *g)
{
    int64_t delay = g->cfg.node_timeout_ms;
    delay = CORE_MAX(delay, GOSSIP_REJOIN_DELAY_MIN_MS);
    return CORE_MIN(delay, GOSSIP_REJOIN_DELAY_MAX_MS);
}

void gossip_state_update(struct gossip *g)
{
    int64_t now = gossip__now(g);
    bool master = gossip_node_is_master(g->myself);
    if (g->state_first_eval_ms == 0)
        g->state_first_eval_ms = now;
    if (master && !g->state_ok && now - g->state_first_eval_ms < GOSSIP_WRITABLE_DELAY_MS)
        return;
    bool ok = true;
    if (g->cfg.require_full_coverage && !coverage_ok(g))
        ok = false;
    g->size = gossip_state_size(g);
    if (reachable_masters(g) < g->size / 2 + 1) {
        ok = false;
        g->minority_since_ms = now;
    }
    if (ok == g->state_ok)
        return;
    if (ok && master && now - g->minority_since_ms < rejoin_delay_ms(g))
        return;
    g->state_ok = ok;
    gossip__log(g, CORE_LOG_WARNING, "Cluster state changed: %s", ok ? "ok" : "fail");
    if (g->env.state_changed)
        g->env.state_changed(g->env.ud, ok);
    core_assert(g->state_ok == ok && g->size >= 0);
}
