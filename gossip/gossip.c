/*
 * gossip.c — the state machine's entry points: creation, the 100 ms cron,
 * the before-sleep work queue, configuration changes, and the front door for
 * received frames. Owns the order in which the cron runs the protocol rules
 * (each rule lives in its own file) and the shared helpers for logging,
 * randomness and saving. Does not own any single rule.
 *
 * BACKGROUND
 * Redis's clusterCron() runs every 100 ms and, per node: counts PFAIL nodes,
 * expires handshakes, reconnects missing links; then pings one random node
 * every 10th run; then per node again: recycles silent links, pings nodes
 * whose pong is older than N_T/2, and flags PFAIL. Work triggered by
 * messages (state update, config save) is batched until the event loop is
 * about to sleep (clusterBeforeSleep()), so a burst of messages saves once.
 *
 * BEHAVIOR (gossip_tick)
 *  1. pfail_count = PFAIL nodes (not myself, not NOADDR); handshake nodes
 *     older than max(N_T, 1000) ms are deleted; nodes without an outbound
 *     link (not myself, not NOADDR) get a connect attempt.
 *  2. Every 10th tick: the random ping (gossip_ping.c).
 *  3. Per node (not myself/NOADDR/HANDSHAKE): link recycling and the N_T/2
 *     ping (gossip_ping.c); if no ping was just sent, PFAIL detection
 *     (gossip_fd.c).
 *  4. Failover (gossip_failover.c): manual failover timeout; on a replica
 *     the election and replica migration.
 *  5. The state is recomputed if a node became PFAIL or the state is fail.
 *
 * BEHAVIOR (gossip_before_sleep): a flagged election runs first, then the
 * state update, then the save (with fsync if any flagger asked for it).
 */
#include "gossip/gossip_int.h"
#include "node/core/core.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define LOG_LINE_MAX 512

static void myself_from_config(struct gossip *g)
{
    struct gossip_node *me = g->myself;
    me->port = g->cfg.port;
    me->pport = g->cfg.pport;
    me->cport = g->cfg.cport;
    if (g->cfg.announce_ip[0])
        snprintf(me->ip, sizeof(me->ip), "%s", g->cfg.announce_ip);
    snprintf(me->hostname, sizeof(me->hostname), "%s", g->cfg.hostname);
    if (g->cfg.replica_no_failover)
        me->flags |= GOSSIP_NODE_NOFAILOVER;
    else
        me->flags &= ~(uint32_t)GOSSIP_NODE_NOFAILOVER;
}

/* cluster-node-timeout takes 0..LLONG_MAX as in Redis; the rules multiply
 * it (4 x N_T, N_T x validity factor), so keep it where that cannot
 * overflow and where "no time" still means a moment. */
static void config_take(struct gossip *g, const struct gossip_config *cfg)
{
    g->cfg = *cfg;
    g->cfg.node_timeout_ms = CORE_MAX(CORE_MIN(cfg->node_timeout_ms, GOSSIP_NODE_TIMEOUT_MAX_MS), (int64_t)1);
    g->cfg.replica_validity_factor = CORE_MAX(cfg->replica_validity_factor, 0);
    g->cfg.repl_ping_period_ms = CORE_MAX(CORE_MIN(cfg->repl_ping_period_ms, GOSSIP_NODE_TIMEOUT_MAX_MS), (int64_t)0);
}

struct gossip *gossip_new(const struct gossip_config *cfg, const struct gossip_env *env)
{
    core_assert(cfg && env && env->now_ms && env->random_bytes);
    core_assert(env->connect && env->send && env->close);
    struct gossip *g = core_calloc(1, sizeof(*g));
    config_take(g, cfg);
    g->env = *env;
    slots_map_init(&g->map);
    slots_bitmap_zero(&g->not_claiming);
    g->drop_filter = GOSSIP_DROP_NONE;
    g->mf_master_offset = -1; /* no manual failover: no master offset yet */
    g->state_ok = false;
    g->size = 1; /* until the first state evaluation, as Redis starts */
    char id[GOSSIP_ID_LEN + 1];
    gossip__random_id(g, id);
    g->myself = gossip__node_create(g, id, GOSSIP_NODE_MYSELF | GOSSIP_NODE_MASTER);
    core_assert(g->myself && g->node_count == 1);
    myself_from_config(g);
    return g;
}

void gossip_free(struct gossip *g)
{
    if (!g)
        return;
    while (g->link_count > 0)
        gossip__link_free(g, g->links[g->link_count - 1]);
    for (int32_t i = 0; i < g->node_count; i++) {
        struct gossip_node *n = g->nodes[i];
        core_free(n->replicas);
        core_free(n->reports);
        core_free(n);
    }
    core_free(g->nodes);
    core_free(g->links);
    core_free(g->bans);
    core_free(g->id_index);
    core_free(g->txbuf);
    core_free(g);
}

void gossip_config_apply(struct gossip *g, const struct gossip_config *cfg)
{
    config_take(g, cfg);
    myself_from_config(g);
    gossip_todo(g, GOSSIP_TODO_SAVE);
}

void gossip_todo(struct gossip *g, uint32_t todo)
{
    core_assert((todo & ~(uint32_t)0xf) == 0);
    g->todo |= todo;
}

void gossip__save_now(struct gossip *g, bool fsync)
{
    g->todo &= ~(uint32_t)(GOSSIP_TODO_SAVE | (fsync ? GOSSIP_TODO_FSYNC : 0));
    if (g->env.save_config)
        g->env.save_config(g->env.ud, fsync);
}

void gossip_before_sleep(struct gossip *g)
{
    /* The election first, so the state update and save it asks for happen
     * in this same call. It may flag itself again (a manual failover
     * waiting for the offset): that stays for the next call. */
    if (g->todo & GOSSIP_TODO_FAILOVER) {
        g->todo &= ~(uint32_t)GOSSIP_TODO_FAILOVER;
        gossip__failover_before_sleep(g);
    }
    uint32_t todo = g->todo;
    g->todo = todo & GOSSIP_TODO_FAILOVER;
    if (todo & GOSSIP_TODO_UPDATE_STATE)
        gossip_state_update(g);
    if (todo & GOSSIP_TODO_SAVE)
        gossip__save_now(g, (todo & GOSSIP_TODO_FSYNC) != 0);
    core_assert(g->myself && (g->myself->flags & GOSSIP_NODE_MYSELF));
}

/* Step 1 for one node; false if the node was deleted. */
static bool tick_reconnect(struct gossip *g, struct gossip_node *n, int64_t now)
{
    if (n->flags & (GOSSIP_NODE_MYSELF | GOSSIP_NODE_NOADDR))
        return true;
    if (n->flags & GOSSIP_NODE_PFAIL)
        g->pfail_count++;
    int64_t handshake_timeout = CORE_MAX(g->cfg.node_timeout_ms, GOSSIP_HANDSHAKE_TIMEOUT_MIN_MS);
    if (gossip__in_handshake(n) && now - n->ctime_ms > handshake_timeout) {
        gossip__log(g, CORE_LOG_VERBOSE, "Handshake with node %.40s (%s:%u) timed out", n->id, n->ip, n->port);
        gossip__node_delete(g, n);
        return false;
    }
    if (!n->link)
        gossip__link_connect(g, n, now);
    return true;
}

void gossip_tick(struct gossip *g)
{
    core_assert(g->myself && g->myself->index >= 0);
    g->tick_count++;
    int64_t now = gossip__now(g);
    g->pfail_count = 0;
    for (int32_t i = 0; i < g->node_count;) {
        if (tick_reconnect(g, g->nodes[i], now))
            i++; /* else the last node moved into i */
    }
    if (g->tick_count % GOSSIP_RANDOM_PING_TICKS == 0)
        gossip__ping_random(g);
    bool update_state = false;
    int32_t new_pfail = 0;
    for (int32_t i = 0; i < g->node_count; i++) {
        struct gossip_node *n = g->nodes[i];
        if (n->flags & (GOSSIP_NODE_MYSELF | GOSSIP_NODE_NOADDR | GOSSIP_NODE_HANDSHAKE))
            continue;
        now = gossip__now(g);
        if (gossip__ping_node_cron(g, n, now))
            continue;
        bool was_pfail = (n->flags & GOSSIP_NODE_PFAIL) != 0;
        gossip__fd_check_node(g, n, now);
        if (!was_pfail && (n->flags & GOSSIP_NODE_PFAIL)) {
            update_state = true;
            new_pfail++;
        }
    }
    if (new_pfail > 0) {
        /* Shoal: a report counts only from a master; send mine now rather
         * than with the next N_T/2 heartbeat (gossip_ping.c). */
        g->pfail_count += new_pfail;
        if (gossip_node_is_master(g->myself))
            gossip__send_pongs(g, GOSSIP_PONG_MASTERS_UP);
    }
    gossip__failover_tick(g);
    if (update_state || !g->state_ok)
        gossip_state_update(g);
    core_assert(g->node_count >= 1);
}

int gossip_on_message(struct gossip *g, struct gossip_link *link, const uint8_t *buf, size_t len)
{
    core_assert(link && link->slot >= 0 && link->slot < g->link_count && g->links[link->slot] == link);
    core_assert(buf != NULL);
    /* 7.0.15 counts a known type before any check, then applies the debug
     * filter (an exact type match; -1 matches nothing). */
    if (len >= GOSSIP_MSG_PREFIX_SIZE + 6) {
        uint16_t type = (uint16_t)((buf[12] << 8) | buf[13]);
        if (type < GOSSIP_TYPE_COUNT)
            g->stats_received[type]++;
        if (g->drop_filter >= 0 && type == g->drop_filter) {
            gossip__log(g, CORE_LOG_WARNING, "Dropping packet that matches debug drop filter");
            return 0;
        }
    }
    if (g->drop_filter == GOSSIP_DROP_ALL)
        return 0; /* isolated: no log line per message */
    struct gossip_msg m;
    int rc = gossip_msg_decode(buf, len, &m);
    if (rc < 0)
        return rc;
    gossip__recv_dispatch(g, link, &m);
    return 0;
}

void gossip__log(const struct gossip *g, enum core_log_level level, const char *fmt, ...)
{
    if (!g->env.log)
        return;
    char line[LOG_LINE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    g->env.log(g->env.ud, level, line);
}

uint32_t gossip__random(const struct gossip *g)
{
    uint32_t r;
    g->env.random_bytes(g->env.ud, &r, sizeof(r));
    return r;
}

void gossip__random_id(const struct gossip *g, char id[GOSSIP_ID_LEN + 1])
{
    static const char hex[] = "0123456789abcdef";
    uint8_t raw[GOSSIP_ID_LEN / 2];
    g->env.random_bytes(g->env.ud, raw, sizeof(raw));
    for (size_t i = 0; i < GOSSIP_ID_LEN; i++)
        id[i] = hex[(raw[i / 2] >> ((i & 1) * 4)) & 15];
    id[GOSSIP_ID_LEN] = '\0';
}
