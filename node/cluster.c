/*
 * cluster.c — the node table and the cluster state (spec §19).
 *
 * BACKGROUND
 * A node serves keys only while the cluster is "ok". Redis decides this from
 * slot coverage and from a quorum of reachable masters, and delays the
 * transitions that could let a partitioned master accept writes: a master
 * stays failed for the first 2 s after its first evaluation, and after being
 * in the minority it serves again only after clamp(node-timeout, 500, 5000) ms.
 *
 * BEHAVIOR
 *  1. A master in fail state stays fail during the first 2000 ms.
 *  2. cluster-require-full-coverage yes: a slot unassigned, or owned by a
 *     FAIL node, makes the state fail.
 *  3. size = masters owning >= 1 slot; reachable = those neither PFAIL nor
 *     FAIL. reachable < size / 2 + 1 -> fail, and "in minority" from now
 *     (so zero slots assigned is fail).
 *  4. fail -> ok for a master waits the rejoin delay after the minority.
 */
#include "node/cluster.h"
#include "node/config.h"
#include "node/core/core.h"
#include "node/core/core_log.h"

#include <stdio.h>
#include <string.h>

struct node_cluster *node_cluster_new(const struct node_config *cfg)
{
    struct node_cluster *cl = core_calloc(1, sizeof(*cl));
    slots_map_init(&cl->map);
    cl->cap = 8;
    cl->nodes = core_calloc((size_t)cl->cap, sizeof(*cl->nodes));
    cl->count = 1;
    cl->myself = 0;
    struct node_cluster_node *me = &cl->nodes[0];
    core_random_hex(me->id, NODE_CLUSTER_ID_LEN);
    if (cfg->cluster_announce_ip)
        snprintf(me->ip, sizeof(me->ip), "%s", cfg->cluster_announce_ip);
    me->port = cfg->port;
    me->cport = cfg->cluster_port ? cfg->cluster_port : cfg->port + 10000;
    me->flags = NODE_CN_MYSELF | NODE_CN_MASTER;
    me->master = SLOTS_NODE_NONE;
    me->link_connected = true;
    cl->state_ok = false;
    return cl;
}

void node_cluster_free(struct node_cluster *cl)
{
    if (!cl)
        return;
    core_free(cl->nodes);
    core_free(cl);
}

int32_t node_cluster_find(const struct node_cluster *cl, const char *id, size_t len)
{
    if (len != NODE_CLUSTER_ID_LEN)
        return SLOTS_NODE_NONE;
    for (int32_t i = 0; i < cl->count; i++)
        if (memcmp(cl->nodes[i].id, id, NODE_CLUSTER_ID_LEN) == 0)
            return i;
    return SLOTS_NODE_NONE;
}

int node_cluster_size(const struct node_cluster *cl)
{
    int size = 0;
    for (int32_t i = 0; i < cl->count; i++)
        if ((cl->nodes[i].flags & NODE_CN_MASTER) && slots_map_count_node(&cl->map, i) > 0)
            size++;
    return size;
}

const char *node_cluster_endpoint(const struct node_cluster *cl, int32_t i)
{
    core_assert(i >= 0 && i < cl->count);
    return cl->nodes[i].ip;
}

static bool coverage_ok(const struct node_cluster *cl)
{
    for (int slot = 0; slot < SLOTS_COUNT; slot++) {
        int32_t owner = slots_map_owner(&cl->map, slot);
        if (owner == SLOTS_NODE_NONE || (cl->nodes[owner].flags & NODE_CN_FAIL))
            return false;
    }
    return true;
}

static bool quorum_ok(const struct node_cluster *cl)
{
    int size = 0, reachable = 0;
    for (int32_t i = 0; i < cl->count; i++) {
        const struct node_cluster_node *n = &cl->nodes[i];
        if (!(n->flags & NODE_CN_MASTER) || slots_map_count_node(&cl->map, i) == 0)
            continue;
        size++;
        if (!(n->flags & (NODE_CN_PFAIL | NODE_CN_FAIL)))
            reachable++;
    }
    return reachable >= size / 2 + 1;
}

bool node_cluster_update_state(struct node_cluster *cl, const struct node_config *cfg, int64_t now_ms)
{
    bool master = node_cluster_myself(cl)->flags & NODE_CN_MASTER;
    if (cl->first_eval_ms == 0)
        cl->first_eval_ms = now_ms;
    if (master && !cl->state_ok && now_ms - cl->first_eval_ms < NODE_CLUSTER_WRITABLE_DELAY_MS)
        return false;
    bool ok = true;
    if (cfg->cluster_require_full_coverage && !coverage_ok(cl))
        ok = false;
    if (!quorum_ok(cl)) {
        ok = false;
        cl->minority_since_ms = now_ms;
    }
    if (ok == cl->state_ok)
        return false;
    long long rejoin = cfg->cluster_node_timeout_ms;
    rejoin = CORE_MAX(rejoin, NODE_CLUSTER_REJOIN_DELAY_MIN_MS);
    rejoin = CORE_MIN(rejoin, NODE_CLUSTER_REJOIN_DELAY_MAX_MS);
    if (ok && master && now_ms - cl->minority_since_ms < rejoin)
        return false;
    cl->state_ok = ok;
    core_log(CORE_LOG_NOTICE, "Cluster state changed: %s", ok ? "ok" : "fail");
    return true;
}
