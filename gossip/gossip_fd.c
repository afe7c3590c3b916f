/*
 * gossip_fd.c — failure detection (spec §12): local suspicion (PFAIL),
 * failure reports from other masters, the majority rule that turns PFAIL
 * into FAIL, the FAIL broadcast, and clearing FAIL when a node answers.
 *
 * Owns the PFAIL and FAIL flags' transitions and each node's failure
 * reports. Does not own the heartbeats that feed it (gossip_ping.c) nor the
 * cluster state it affects (gossip_state.c).
 *
 * BACKGROUND
 * One node's silence proves nothing: it may be on the wrong side of a
 * partition. So a node only suspects (PFAIL) on its own, and gossips the
 * suspicion. When a majority of the masters that serve slots agree within
 * a window of 2 x N_T, the node is declared FAIL and every node is told at
 * once; FAIL is what triggers failover and what breaks full coverage. There
 * is no "unfail" message: each node clears FAIL on its own once the node
 * answers, and for a master still owning slots only after 2 x N_T, so a
 * failover had its chance to take the slots first.
 *
 * BEHAVIOR
 *  - PFAIL: a node with a ping outstanding, whose ping AND last data are
 *    both older than N_T, becomes PFAIL (unless PFAIL or FAIL already).
 *  - Reports: one per reporting master (refreshed, not duplicated), valid
 *    for 2 x N_T; expired ones are purged whenever counted or removed.
 *  - FAIL: when the node is PFAIL here, not FAIL, and valid reports (+1 if
 *    I am a master) >= size/2 + 1 (size = masters with slots at the last
 *    state update): set FAIL, clear PFAIL, fail_time = now, broadcast FAIL,
 *    save and update the state. My master turning FAIL flags the election
 *    (GOSSIP_TODO_FAILOVER) instead of waiting for the next tick.
 *  - A FAIL message from a known sender about a known node that is neither
 *    me nor FAIL: set FAIL, clear PFAIL, fail_time = now.
 *  - Clearing (a PONG on my outbound link while FAIL): a replica or a master
 *    without slots at once; a master with slots only once now - fail_time
 *    > 2 x N_T.
 */
#include "gossip/gossip_int.h"
#include "node/core/core.h"

#include <string.h>

static int64_t report_validity_ms(const struct gossip *g)
{
    return g->cfg.node_timeout_ms * 2;
}

void gossip__fd_check_node(struct gossip *g, struct gossip_node *n, int64_t now)
{
    core_assert(!(n->flags & (GOSSIP_NODE_MYSELF | GOSSIP_NODE_HANDSHAKE)));
    if (n->ping_sent_ms == 0)
        return;
    /* Any data from it proves it alive: its pongs may queue behind data. */
    int64_t ping_delay = now - n->ping_sent_ms;
    int64_t data_delay = now - n->data_received_ms;
    int64_t delay = CORE_MIN(ping_delay, data_delay);
    if (delay <= g->cfg.node_timeout_ms || (n->flags & (GOSSIP_NODE_PFAIL | GOSSIP_NODE_FAIL)))
        return;
    gossip__log(g, CORE_LOG_DEBUG, "*** NODE %.40s possibly failing", n->id);
    n->flags |= GOSSIP_NODE_PFAIL;
    core_assert(n->flags & GOSSIP_NODE_PFAIL);
}

static void purge_reports(struct gossip *g, struct gossip_node *n)
{
    int64_t now = gossip__now(g);
    int32_t kept = 0;
    for (int32_t i = 0; i < n->report_count; i++)
        if (now - n->reports[i].time_ms <= report_validity_ms(g))
            n->reports[kept++] = n->reports[i];
    n->report_count = kept;
}

int32_t gossip_fd_count_reports(struct gossip *g, struct gossip_node *n)
{
    purge_reports(g, n);
    core_assert(n->report_count >= 0 && n->report_count <= g->node_count);
    return n->report_count;
}

bool gossip__fd_add_report(struct gossip *g, struct gossip_node *n, struct gossip_node *reporter)
{
    core_assert(n != reporter && reporter != NULL);
    int64_t now = gossip__now(g);
    for (int32_t i = 0; i < n->report_count; i++) {
        if (n->reports[i].reporter == reporter) {
            n->reports[i].time_ms = now;
            return false;
        }
    }
    if (n->report_count == n->report_cap) {
        n->report_cap = n->report_cap ? n->report_cap * 2 : 4;
        n->reports = core_realloc(n->reports, (size_t)n->report_cap * sizeof(*n->reports));
    }
    n->reports[n->report_count++] = (struct gossip_fail_report){.reporter = reporter, .time_ms = now};
    /* One per reporter, and reporters are nodes of the table. */
    core_assert(n->report_count <= g->node_count);
    return true;
}

bool gossip__fd_del_report(struct gossip *g, struct gossip_node *n, struct gossip_node *reporter)
{
    for (int32_t i = 0; i < n->report_count; i++) {
        if (n->reports[i].reporter != reporter)
            continue;
        n->reports[i] = n->reports[--n->report_count];
        purge_reports(g, n);
        return true;
    }
    return false;
}

void gossip__fd_drop_reports_by(struct gossip *g, struct gossip_node *reporter)
{
    for (int32_t i = 0; i < g->node_count; i++) {
        struct gossip_node *n = g->nodes[i];
        if (n != reporter)
            gossip__fd_del_report(g, n, reporter);
    }
}

static void set_fail(struct gossip *g, struct gossip_node *n)
{
    n->flags &= ~(uint32_t)GOSSIP_NODE_PFAIL;
    n->flags |= GOSSIP_NODE_FAIL;
    n->fail_time_ms = gossip__now(g);
    gossip_todo(g, GOSSIP_TODO_SAVE | GOSSIP_TODO_UPDATE_STATE);
    /* My master failed: schedule the election now, not at the next tick
     * (shoal only; Redis waits for its cron). */
    if (gossip_node_is_replica(g->myself) && g->myself->master == n)
        gossip_todo(g, GOSSIP_TODO_FAILOVER);
}

void gossip__fd_mark_failing_if_needed(struct gossip *g, struct gossip_node *n)
{
    core_assert(n != g->myself);
    int32_t needed = g->size / 2 + 1;
    if (!(n->flags & GOSSIP_NODE_PFAIL) || (n->flags & GOSSIP_NODE_FAIL))
        return;
    int32_t failures = gossip_fd_count_reports(g, n);
    if (gossip_node_is_master(g->myself))
        failures++;
    if (failures < needed)
        return;
    gossip__log(g, CORE_LOG_NOTICE, "Marking node %.40s as failing (quorum reached).", n->id);
    set_fail(g, n);
    gossip__send_fail(g, n);
    core_assert((n->flags & (GOSSIP_NODE_FAIL | GOSSIP_NODE_PFAIL)) == GOSSIP_NODE_FAIL);
}

void gossip__fd_recv_fail(struct gossip *g, struct gossip_node *sender, const struct gossip_msg_fail *fail)
{
    core_assert(sender != NULL);
    struct gossip_node *n = gossip_node_find(g, fail->nodename, GOSSIP_ID_LEN);
    if (!n || (n->flags & (GOSSIP_NODE_FAIL | GOSSIP_NODE_MYSELF)))
        return;
    gossip__log(g, CORE_LOG_NOTICE, "FAIL message received from %.40s about %.40s", sender->id, n->id);
    set_fail(g, n);
    core_assert(n->flags & GOSSIP_NODE_FAIL);
}

void gossip__fd_clear_fail_if_needed(struct gossip *g, struct gossip_node *n)
{
    core_assert(n->flags & GOSSIP_NODE_FAIL);
    int64_t now = gossip__now(g);
    if (gossip_node_is_replica(n) || n->slot_count == 0) {
        gossip__log(g, CORE_LOG_NOTICE, "Clear FAIL state for node %.40s: %s is reachable again.", n->id,
                    gossip_node_is_replica(n) ? "replica" : "master without slots");
        n->flags &= ~(uint32_t)GOSSIP_NODE_FAIL;
        gossip_todo(g, GOSSIP_TODO_SAVE | GOSSIP_TODO_UPDATE_STATE);
        return;
    }
    if (gossip_node_is_master(n) && now - n->fail_time_ms > report_validity_ms(g)) {
        gossip__log(g, CORE_LOG_NOTICE,
                    "Clear FAIL state for node %.40s: is reachable again and nobody is serving its slots after some "
                    "time.",
                    n->id);
        n->flags &= ~(uint32_t)GOSSIP_NODE_FAIL;
        gossip_todo(g, GOSSIP_TODO_SAVE | GOSSIP_TODO_UPDATE_STATE);
    }
}
