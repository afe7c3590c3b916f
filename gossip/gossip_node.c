/*
 * gossip_node.c — the node table: creating, finding, renaming and deleting
 * nodes, the id index, replica lists and roles, the FORGET blacklist, and
 * CLUSTER FORGET / CLUSTER RESET.
 *
 * Owns g->nodes (dense: deleting moves the last node into the hole and
 * renumbers it in the slot map) and every cross-reference a deleted node
 * leaves behind: slots, open slots, failure reports it filed, replica and
 * master pointers, links still bound to it. Does not own what makes a node
 * appear (gossip_meet.c, gossip_recv.c) or its slots (gossip_slots.c).
 *
 * BACKGROUND
 * CLUSTER FORGET alone cannot remove a node from a cluster: every other node
 * still gossips about it and would add it back. So the forgotten id is
 * blacklisted for 60 s, during which gossip about it is ignored; the
 * operator runs FORGET on every node within that window.
 *
 * BEHAVIOR
 *  - FORGET: unknown id, myself, or my master are refused; otherwise the
 *    id is banned for 60 s (gossip cannot re-add it) and the node deleted.
 *  - Becoming a replica (REPLICATE, a lost slot claim, migration) or a
 *    RESET ends any manual failover (lifting a write pause I set).
 *  - RESET: a replica becomes a master; open slots closed; every slot
 *    unassigned; every other node deleted; hard also sets currentEpoch,
 *    lastVoteEpoch and configEpoch to 0 and takes a new random id. Saved
 *    with fsync; the state is recomputed.
 *  - Deleting a node unassigns its slots and clears open slots naming it,
 *    drops the failure reports it filed, detaches it from its master and
 *    its replicas from it, and closes every link bound to it.
 */
#include "gossip/gossip_conf.h"
#include "gossip/gossip_int.h"
#include "node/core/core.h"

#include <string.h>

#define ID_INDEX_MIN 16

static uint32_t id_hash(const char *id)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < GOSSIP_ID_LEN; i++)
        h = (h ^ (uint8_t)id[i]) * 16777619u;
    return h;
}

static void index_insert(struct gossip *g, struct gossip_node *n)
{
    uint32_t mask = g->id_index_cap - 1;
    uint32_t i = id_hash(n->id) & mask;
    for (uint32_t probes = 0; probes < g->id_index_cap; probes++, i = (i + 1) & mask) {
        if (!g->id_index[i]) {
            g->id_index[i] = n;
            return;
        }
    }
    core_assert(!"id index full");
}

/* Rebuilt whole on deletes and renames (rare); sized for twice the nodes so
 * probe chains stay short. */
static void index_rebuild(struct gossip *g, int32_t want_nodes)
{
    uint32_t cap = ID_INDEX_MIN;
    while (cap < 2u * (uint32_t)want_nodes)
        cap *= 2;
    if (cap != g->id_index_cap) {
        core_free(g->id_index);
        g->id_index = core_calloc(cap, sizeof(*g->id_index));
        g->id_index_cap = cap;
    } else {
        memset(g->id_index, 0, cap * sizeof(*g->id_index));
    }
    for (int32_t i = 0; i < g->node_count; i++)
        index_insert(g, g->nodes[i]);
}

struct gossip_node *gossip_node_find(const struct gossip *g, const char *id, size_t len)
{
    if (len != GOSSIP_ID_LEN || g->id_index_cap == 0)
        return NULL;
    uint32_t mask = g->id_index_cap - 1;
    uint32_t i = id_hash(id) & mask;
    for (uint32_t probes = 0; probes < g->id_index_cap; probes++, i = (i + 1) & mask) {
        struct gossip_node *n = g->id_index[i];
        if (!n)
            return NULL;
        if (memcmp(n->id, id, GOSSIP_ID_LEN) == 0)
            return n;
    }
    return NULL;
}

uint64_t gossip_node_epoch(const struct gossip_node *n)
{
    if (gossip_node_is_replica(n) && n->master)
        return n->master->config_epoch;
    return n->config_epoch;
}

struct gossip_node *gossip__node_create(struct gossip *g, const char *id, uint32_t flags)
{
    core_assert(gossip_node_find(g, id, GOSSIP_ID_LEN) == NULL);
    core_assert(g->node_count <= GOSSIP_NODES_MAX);
    if (g->node_count == GOSSIP_NODES_MAX) {
        gossip__log(g, CORE_LOG_WARNING, "Node table full (%d nodes): not adding %.40s", GOSSIP_NODES_MAX, id);
        return NULL;
    }
    if (g->node_count == g->node_cap) {
        g->node_cap = g->node_cap ? g->node_cap * 2 : 8;
        g->nodes = core_realloc(g->nodes, (size_t)g->node_cap * sizeof(*g->nodes));
    }
    struct gossip_node *n = core_calloc(1, sizeof(*n));
    memcpy(n->id, id, GOSSIP_ID_LEN);
    n->flags = flags;
    n->index = g->node_count;
    n->ctime_ms = gossip__now(g);
    slots_bitmap_zero(&n->slots);
    g->nodes[g->node_count++] = n;
    if ((uint32_t)g->node_count * 2 > g->id_index_cap)
        index_rebuild(g, g->node_count);
    else
        index_insert(g, n);
    core_assert(gossip_node_find(g, id, GOSSIP_ID_LEN) == n);
    return n;
}

/* Closes every link whose node is n (outbound, the bound inbound one, and
 * older inbound links from it still open). */
static void drop_links_of(struct gossip *g, struct gossip_node *n)
{
    for (int32_t i = 0; i < g->link_count;) {
        struct gossip_link *l = g->links[i];
        if (l->node == n)
            gossip__link_free(g, l); /* the last link moved into i */
        else
            i++;
    }
    core_assert(n->link == NULL && n->inbound == NULL);
}

static void unlink_roles(struct gossip *g, struct gossip_node *n)
{
    if (n->master)
        gossip__node_detach_replica(n->master, n);
    for (int32_t i = 0; i < n->replica_count; i++)
        n->replicas[i]->master = NULL;
    n->replica_count = 0;
    if (g->mf_replica == n)
        g->mf_replica = NULL;
}

void gossip__node_delete(struct gossip *g, struct gossip_node *n)
{
    core_assert(n != g->myself);
    core_assert(n->index >= 0 && n->index < g->node_count && g->nodes[n->index] == n);
    gossip__slots_forget_node(g, n);
    gossip__fd_drop_reports_by(g, n);
    unlink_roles(g, n);
    drop_links_of(g, n);
    int32_t hole = n->index, last = g->node_count - 1;
    if (hole != last) {
        struct gossip_node *moved = g->nodes[last];
        g->nodes[hole] = moved;
        moved->index = hole;
        slots_map_renumber_node(&g->map, last, hole);
    }
    g->nodes[last] = NULL;
    g->node_count--;
    index_rebuild(g, g->node_count);
    core_free(n->replicas);
    core_free(n->reports);
    core_free(n);
    core_debug_assert(slots_map_check(&g->map, g->node_count) == 0);
}

void gossip__node_rename(struct gossip *g, struct gossip_node *n, const char *id)
{
    core_assert(gossip_node_find(g, id, GOSSIP_ID_LEN) == NULL);
    gossip__log(g, CORE_LOG_DEBUG, "Renaming node %.40s into %.40s", n->id, id);
    memcpy(n->id, id, GOSSIP_ID_LEN);
    n->id[GOSSIP_ID_LEN] = '\0';
    index_rebuild(g, g->node_count);
    core_assert(gossip_node_find(g, id, GOSSIP_ID_LEN) == n);
}

static void bans_purge(struct gossip *g, int64_t now)
{
    for (int32_t i = 0; i < g->ban_count;) {
        if (g->bans[i].until_ms < now)
            g->bans[i] = g->bans[--g->ban_count];
        else
            i++;
    }
}

bool gossip__node_is_banned(struct gossip *g, const char *id)
{
    bans_purge(g, gossip__now(g));
    for (int32_t i = 0; i < g->ban_count; i++)
        if (memcmp(g->bans[i].id, id, GOSSIP_ID_LEN) == 0)
            return true;
    return false;
}

void gossip__node_ban(struct gossip *g, const char *id)
{
    int64_t now = gossip__now(g);
    bans_purge(g, now);
    int32_t at = g->ban_count;
    for (int32_t i = 0; i < g->ban_count; i++)
        if (memcmp(g->bans[i].id, id, GOSSIP_ID_LEN) == 0)
            at = i;
    if (at == g->ban_count && g->ban_count == GOSSIP_BANS_MAX) {
        at = 0; /* full: the ban ending first makes room */
        for (int32_t i = 1; i < g->ban_count; i++)
            if (g->bans[i].until_ms < g->bans[at].until_ms)
                at = i;
    } else if (at == g->ban_count) {
        if (g->ban_count == g->ban_cap) {
            g->ban_cap = g->ban_cap ? g->ban_cap * 2 : 8;
            g->bans = core_realloc(g->bans, (size_t)g->ban_cap * sizeof(*g->bans));
        }
        g->ban_count++;
    }
    memcpy(g->bans[at].id, id, GOSSIP_ID_LEN);
    g->bans[at].until_ms = now + GOSSIP_FORGET_TTL_MS;
    core_assert(g->ban_count <= GOSSIP_BANS_MAX);
}

void gossip__node_attach_replica(struct gossip_node *master, struct gossip_node *replica)
{
    core_assert(master != replica);
    for (int32_t i = 0; i < master->replica_count; i++)
        if (master->replicas[i] == replica)
            return;
    if (master->replica_count == master->replica_cap) {
        master->replica_cap = master->replica_cap ? master->replica_cap * 2 : 4;
        master->replicas = core_realloc(master->replicas, (size_t)master->replica_cap * sizeof(*master->replicas));
    }
    master->replicas[master->replica_count++] = replica;
    master->flags |= GOSSIP_NODE_MIGRATE_TO;
    core_assert(master->replica_count <= GOSSIP_NODES_MAX);
}

void gossip__node_detach_replica(struct gossip_node *master, struct gossip_node *replica)
{
    for (int32_t i = 0; i < master->replica_count; i++) {
        if (master->replicas[i] != replica)
            continue;
        memmove(&master->replicas[i], &master->replicas[i + 1],
                (size_t)(master->replica_count - i - 1) * sizeof(*master->replicas));
        master->replica_count--;
        break;
    }
    if (master->replica_count == 0)
        master->flags &= ~(uint32_t)GOSSIP_NODE_MIGRATE_TO;
    core_assert(master->replica_count >= 0);
}

void gossip__node_set_master_role(struct gossip *g, struct gossip_node *n)
{
    if (gossip_node_is_master(n))
        return;
    if (n->master) {
        gossip__node_detach_replica(n->master, n);
        if (n != g->myself)
            n->flags |= GOSSIP_NODE_MIGRATE_TO;
    }
    n->flags &= ~(uint32_t)GOSSIP_NODE_SLAVE;
    n->flags |= GOSSIP_NODE_MASTER;
    n->master = NULL;
    gossip_todo(g, GOSSIP_TODO_SAVE | GOSSIP_TODO_UPDATE_STATE);
    core_assert(gossip_node_is_master(n) && !gossip_node_is_replica(n));
}

void gossip__node_set_my_master(struct gossip *g, struct gossip_node *master)
{
    struct gossip_node *me = g->myself;
    core_assert(master != me && me->slot_count == 0);
    if (gossip_node_is_master(me)) {
        me->flags &= ~(uint32_t)(GOSSIP_NODE_MASTER | GOSSIP_NODE_MIGRATE_TO);
        me->flags |= GOSSIP_NODE_SLAVE;
        slots_map_clear_open(&g->map);
    } else if (me->master) {
        gossip__node_detach_replica(me->master, me);
    }
    me->master = master;
    gossip__node_attach_replica(master, me);
    gossip__failover_mf_reset(g);
    if (g->env.master_changed)
        g->env.master_changed(g->env.ud, master);
    core_assert(gossip_node_is_replica(me) && me->master == master);
}

void gossip_node_replicate(struct gossip *g, struct gossip_node *master)
{
    core_assert(master && master != g->myself && gossip_node_is_master(master));
    gossip__node_set_my_master(g, master);
    gossip_todo(g, GOSSIP_TODO_SAVE | GOSSIP_TODO_UPDATE_STATE);
}

enum gossip_forget_result gossip_node_forget(struct gossip *g, const char *id, size_t len)
{
    struct gossip_node *n = gossip_node_find(g, id, len);
    if (!n)
        return GOSSIP_FORGET_UNKNOWN;
    if (n == g->myself)
        return GOSSIP_FORGET_MYSELF;
    if (gossip_node_is_replica(g->myself) && g->myself->master == n)
        return GOSSIP_FORGET_MY_MASTER;
    char saved[GOSSIP_ID_LEN];
    memcpy(saved, n->id, GOSSIP_ID_LEN); /* id may point into n */
    gossip__node_ban(g, saved);
    gossip__node_delete(g, n);
    gossip_todo(g, GOSSIP_TODO_SAVE | GOSSIP_TODO_UPDATE_STATE);
    core_assert(gossip_node_find(g, saved, GOSSIP_ID_LEN) == NULL);
    return GOSSIP_FORGET_OK;
}

void gossip_node_reset(struct gossip *g, bool hard)
{
    struct gossip_node *me = g->myself;
    if (gossip_node_is_replica(me)) {
        gossip__node_set_master_role(g, me);
        if (g->env.master_changed)
            g->env.master_changed(g->env.ud, NULL);
    }
    slots_map_clear_open(&g->map);
    gossip__failover_mf_reset(g);
    for (int slot = 0; slot < SLOTS_COUNT; slot++)
        gossip_slots_unassign(g, slot);
    for (int32_t i = g->node_count - 1; i >= 0; i--)
        if (g->nodes[i] != me)
            gossip__node_delete(g, g->nodes[i]);
    if (hard) {
        g->current_epoch = 0;
        g->last_vote_epoch = 0;
        me->config_epoch = 0;
        gossip__log(g, CORE_LOG_WARNING, "configEpoch set to 0 via CLUSTER RESET HARD");
        char id[GOSSIP_ID_LEN + 1];
        gossip__random_id(g, id);
        gossip__node_rename(g, me, id);
        gossip__log(g, CORE_LOG_NOTICE, "Node hard reset, now I'm %.40s", me->id);
    }
    gossip_todo(g, GOSSIP_TODO_SAVE | GOSSIP_TODO_UPDATE_STATE | GOSSIP_TODO_FSYNC);
    core_assert(g->node_count == 1 && g->nodes[0] == me && me->slot_count == 0);
}

bool gossip__id_is_valid(const char *id, size_t len)
{
    return gossip_conf_id_is_valid(id, len);
}

bool gossip__ip_is_valid(const char *ip)
{
    return gossip_conf_ip_is_valid(ip, strlen(ip));
}
