/*
 * gossip_persist.c — the node table to and from struct gossip_conf, the
 * parsed form of nodes.conf (spec §20).
 *
 * Owns what a loaded file means for the table and what the table writes.
 * Does not own the text format (gossip_conf.c) nor the file itself (node/
 * reads, writes, locks and fsyncs it).
 *
 * BEHAVIOR
 *  - Load: every line becomes a node with its flags (a FAIL node gets
 *    fail_time = now), address, hostname, master, slots and myself's open
 *    slots. Non-zero ping/pong times become now. A replica whose master is
 *    named gets configEpoch 0 (the file shows the master's). currentEpoch
 *    and lastVoteEpoch come from the vars line, currentEpoch then raised to
 *    the largest configEpoch. Myself keeps the ports, announced ip and
 *    hostname of the running configuration (Redis's clusterInit()).
 *  - Build: every node except handshake ones, in table order, with the
 *    configEpoch CLUSTER NODES shows, "connected" when I hold an outbound
 *    link (or it is myself), and myself's open slots as markers (markers
 *    naming myself or an unlisted node are left out: the file would not
 *    load back).
 */
#include "gossip/gossip_conf.h"
#include "gossip/gossip_int.h"
#include "node/core/core.h"

#include <stdio.h>
#include <string.h>

static_assert(GOSSIP_NODES_MAX <= GOSSIP_CONF_NODES_MAX, "the table must fit in nodes.conf");

static const struct {
    uint32_t conf;
    uint32_t node;
} flag_map[] = {
    {GOSSIP_CONF_MYSELF, GOSSIP_NODE_MYSELF},       {GOSSIP_CONF_MASTER, GOSSIP_NODE_MASTER},
    {GOSSIP_CONF_SLAVE, GOSSIP_NODE_SLAVE},         {GOSSIP_CONF_PFAIL, GOSSIP_NODE_PFAIL},
    {GOSSIP_CONF_FAIL, GOSSIP_NODE_FAIL},           {GOSSIP_CONF_HANDSHAKE, GOSSIP_NODE_HANDSHAKE},
    {GOSSIP_CONF_NOADDR, GOSSIP_NODE_NOADDR},       {GOSSIP_CONF_NOFAILOVER, GOSSIP_NODE_NOFAILOVER},
};

static uint32_t flags_from_conf(uint32_t conf)
{
    uint32_t flags = 0;
    for (size_t i = 0; i < CORE_ARRAY_LEN(flag_map); i++)
        if (conf & flag_map[i].conf)
            flags |= flag_map[i].node;
    return flags;
}

static uint32_t flags_to_conf(uint32_t flags)
{
    uint32_t conf = 0;
    for (size_t i = 0; i < CORE_ARRAY_LEN(flag_map); i++)
        if (flags & flag_map[i].node)
            conf |= flag_map[i].conf;
    return conf;
}

static void load_node(struct gossip *g, struct gossip_node *n, const struct gossip_conf_node *cn, int64_t now)
{
    n->flags = flags_from_conf(cn->flags);
    if (n == g->myself) {
        if (!g->cfg.announce_ip[0])
            snprintf(n->ip, sizeof(n->ip), "%s", cn->ip);
    } else {
        snprintf(n->ip, sizeof(n->ip), "%s", cn->ip);
        snprintf(n->hostname, sizeof(n->hostname), "%s", cn->hostname);
        n->port = cn->port;
        n->cport = cn->cport;
    }
    if (n->flags & GOSSIP_NODE_FAIL)
        n->fail_time_ms = now;
    n->ping_sent_ms = cn->ping_sent_ms ? now : 0;
    n->pong_received_ms = cn->pong_recv_ms ? now : 0;
    n->config_epoch = cn->master_index != GOSSIP_CONF_NO_NODE ? 0 : cn->config_epoch;
}

static void load_slots(struct gossip *g, const struct gossip_conf *c, struct gossip_node **by_index)
{
    for (int s = 0; s < SLOTS_COUNT; s++) {
        if (c->slot_owner[s] != GOSSIP_CONF_NO_NODE)
            gossip_slots_assign(g, s, by_index[c->slot_owner[s]]);
        if (c->migrating_to[s] != GOSSIP_CONF_NO_NODE)
            slots_map_set_migrating(&g->map, s, by_index[c->migrating_to[s]]->index);
        if (c->importing_from[s] != GOSSIP_CONF_NO_NODE)
            slots_map_set_importing(&g->map, s, by_index[c->importing_from[s]]->index);
    }
}

int gossip_persist_load(struct gossip *g, const struct gossip_conf *c)
{
    core_assert(g->node_count == 1 && g->link_count == 0);
    if (c->myself_index == GOSSIP_CONF_NO_NODE || c->myself_index >= c->node_count)
        return -EINVAL;
    if (c->node_count > GOSSIP_NODES_MAX)
        return -E2BIG;
    int64_t now = gossip__now(g);
    struct gossip_node **by_index = core_calloc(c->node_count, sizeof(*by_index));
    gossip__node_rename(g, g->myself, c->nodes[c->myself_index].id);
    for (size_t i = 0; i < c->node_count; i++) {
        const struct gossip_conf_node *cn = &c->nodes[i];
        by_index[i] = i == c->myself_index ? g->myself : gossip__node_create(g, cn->id, 0);
        core_assert(by_index[i] != NULL);
        load_node(g, by_index[i], cn, now);
    }
    for (size_t i = 0; i < c->node_count; i++) {
        uint16_t m = c->nodes[i].master_index;
        if (m != GOSSIP_CONF_NO_NODE && by_index[m] != by_index[i]) {
            by_index[i]->master = by_index[m];
            gossip__node_attach_replica(by_index[m], by_index[i]);
        }
    }
    load_slots(g, c, by_index);
    core_free(by_index);
    g->current_epoch = c->current_epoch;
    g->last_vote_epoch = c->last_vote_epoch;
    uint64_t max = gossip__epoch_max(g);
    if (max > g->current_epoch)
        g->current_epoch = max;
    g->myself->flags |= GOSSIP_NODE_MYSELF;
    gossip_config_apply(g, &g->cfg);
    core_assert(g->node_count == (int32_t)c->node_count);
    return 0;
}

static void build_node(const struct gossip *g, const struct gossip_node *n, const int32_t *conf_index,
                       struct gossip_conf_node *cn)
{
    memset(cn, 0, sizeof(*cn));
    memcpy(cn->id, n->id, GOSSIP_ID_LEN + 1);
    snprintf(cn->ip, sizeof(cn->ip), "%s", n->ip);
    snprintf(cn->hostname, sizeof(cn->hostname), "%s", n->hostname);
    cn->port = n->port;
    cn->cport = n->cport;
    cn->flags = flags_to_conf(n->flags);
    cn->master_index = GOSSIP_CONF_NO_NODE;
    if (gossip_node_is_replica(n) && n->master && conf_index[n->master->index] >= 0)
        cn->master_index = (uint16_t)conf_index[n->master->index];
    cn->ping_sent_ms = n->ping_sent_ms;
    cn->pong_recv_ms = n->pong_received_ms;
    cn->config_epoch = gossip_node_epoch(n);
    cn->link_connected = n->link != NULL || n == g->myself;
}

static void build_slots(const struct gossip *g, const int32_t *conf_index, struct gossip_conf *c)
{
    int32_t me = conf_index[g->myself->index];
    for (int s = 0; s < SLOTS_COUNT; s++) {
        int32_t owner = slots_map_owner(&g->map, s);
        if (owner != SLOTS_NODE_NONE && conf_index[owner] >= 0)
            c->slot_owner[s] = (uint16_t)conf_index[owner];
        int32_t mig = slots_map_migrating_to(&g->map, s);
        int32_t imp = slots_map_importing_from(&g->map, s);
        if (mig != SLOTS_NODE_NONE && conf_index[mig] >= 0 && conf_index[mig] != me)
            c->migrating_to[s] = (uint16_t)conf_index[mig];
        else if (imp != SLOTS_NODE_NONE && conf_index[imp] >= 0 && conf_index[imp] != me)
            c->importing_from[s] = (uint16_t)conf_index[imp];
    }
}

void gossip_persist_build(const struct gossip *g, struct gossip_conf *c)
{
    core_assert(c->node_count == 0);
    int32_t *conf_index = core_malloc((size_t)g->node_count * sizeof(*conf_index));
    for (int32_t i = 0; i < g->node_count; i++) {
        const struct gossip_node *n = g->nodes[i];
        conf_index[i] = gossip__in_handshake(n) ? -1 : (int32_t)c->node_count;
        if (conf_index[i] >= 0) {
            struct gossip_conf_node cn;
            memset(&cn, 0, sizeof(cn));
            c->myself_index = n == g->myself ? (uint16_t)c->node_count : c->myself_index;
            int rc = gossip_conf_add_node(c, &cn);
            core_assert(rc == 0);
        }
    }
    for (int32_t i = 0; i < g->node_count; i++)
        if (conf_index[i] >= 0)
            build_node(g, g->nodes[i], conf_index, &c->nodes[conf_index[i]]);
    build_slots(g, conf_index, c);
    c->current_epoch = g->current_epoch;
    c->last_vote_epoch = g->last_vote_epoch;
    core_free(conf_index);
    core_assert(c->myself_index != GOSSIP_CONF_NO_NODE);
}
