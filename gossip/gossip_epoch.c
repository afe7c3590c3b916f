/*
 * gossip_epoch.c — currentEpoch and configEpoch (spec §13): learning them
 * from headers, collision resolution, CLUSTER BUMPEPOCH and CLUSTER
 * SET-CONFIG-EPOCH.
 *
 * Owns every change of g->current_epoch and of myself's config_epoch except
 * elections (gossip_failover.c) and RESET HARD (gossip_node.c). Does not
 * own what an epoch decides (slot claims: gossip_slots.c).
 *
 * BACKGROUND
 * A slot belongs to whoever claims it with the greatest configEpoch, so two
 * masters must never share one. Epochs normally come from elections, which
 * give distinct values; the unsafe sources are operators (SET-CONFIG-EPOCH,
 * BUMPEPOCH, SETSLOT NODE, TAKEOVER) and fresh clusters where every master
 * starts at 0. Redis's clusterHandleConfigEpochCollision() repairs any tie
 * without coordination: of two masters with the same configEpoch, the one
 * with the lexicographically smaller id moves to a new, greatest epoch. The
 * node with the greatest id never moves, so repeated rounds converge to all
 * masters having distinct epochs.
 *
 * BEHAVIOR
 *  - From a known non-handshake sender's header: currentEpoch = max(mine,
 *    its); its configEpoch is raised if the header's is greater (replicas
 *    too: they advertise their master's), saved with fsync.
 *  - Collision (a PING/PONG/MEET from a master while I am a master, equal
 *    configEpochs): if the sender's id is greater than mine (bytewise), I
 *    set currentEpoch += 1 and configEpoch = currentEpoch and save with
 *    fsync at once; else nothing.
 *  - BUMPEPOCH: if my configEpoch is 0 or not the greatest among every
 *    node's configEpoch and currentEpoch: currentEpoch += 1, configEpoch =
 *    currentEpoch, save with fsync ("BUMPED"); else "STILL".
 *  - SET-CONFIG-EPOCH e: only when I know no other node and my configEpoch
 *    is 0; currentEpoch is raised to e if lower; saved with fsync.
 */
#include "gossip/gossip_int.h"
#include "node/core/core.h"

#include <string.h>

uint64_t gossip__epoch_max(const struct gossip *g)
{
    uint64_t max = g->current_epoch;
    for (int32_t i = 0; i < g->node_count; i++)
        if (g->nodes[i]->config_epoch > max)
            max = g->nodes[i]->config_epoch;
    return max;
}

void gossip__epoch_recv_hdr(struct gossip *g, struct gossip_node *sender, const struct gossip_msg_hdr *hdr)
{
    core_assert(!gossip__in_handshake(sender));
    if (hdr->current_epoch > g->current_epoch)
        g->current_epoch = hdr->current_epoch;
    if (hdr->config_epoch > sender->config_epoch) {
        sender->config_epoch = hdr->config_epoch;
        gossip_todo(g, GOSSIP_TODO_SAVE | GOSSIP_TODO_FSYNC);
    }
    sender->repl_offset = (int64_t)hdr->offset;
    sender->repl_offset_time_ms = gossip__now(g);
    gossip__failover_recv_hdr(g, sender, hdr);
    core_assert(g->current_epoch >= hdr->current_epoch);
}

void gossip__epoch_collision(struct gossip *g, struct gossip_node *sender)
{
    struct gossip_node *me = g->myself;
    if (sender->config_epoch != me->config_epoch || !gossip_node_is_master(sender) || !gossip_node_is_master(me))
        return;
    /* The smaller id moves; the greater stays. */
    if (memcmp(sender->id, me->id, GOSSIP_ID_LEN) <= 0)
        return;
    uint64_t before = g->current_epoch;
    g->current_epoch++;
    me->config_epoch = g->current_epoch;
    gossip__save_now(g, true);
    gossip__log(g, CORE_LOG_VERBOSE, "WARNING: configEpoch collision with node %.40s. configEpoch set to %llu",
                sender->id, (unsigned long long)me->config_epoch);
    core_assert(g->current_epoch == before + 1 && me->config_epoch > sender->config_epoch);
}

bool gossip_epoch_bump(struct gossip *g)
{
    struct gossip_node *me = g->myself;
    uint64_t max = gossip__epoch_max(g);
    if (me->config_epoch != 0 && me->config_epoch == max)
        return false;
    g->current_epoch++;
    me->config_epoch = g->current_epoch;
    gossip_todo(g, GOSSIP_TODO_SAVE | GOSSIP_TODO_FSYNC);
    gossip__log(g, CORE_LOG_WARNING, "New configEpoch set to %llu", (unsigned long long)me->config_epoch);
    core_assert(me->config_epoch == gossip__epoch_max(g));
    return true;
}

enum gossip_epoch_set_result gossip_epoch_set(struct gossip *g, uint64_t epoch)
{
    struct gossip_node *me = g->myself;
    if (g->node_count > 1)
        return GOSSIP_EPOCH_SET_NOT_ALONE;
    if (me->config_epoch != 0)
        return GOSSIP_EPOCH_SET_NONZERO;
    me->config_epoch = epoch;
    gossip__log(g, CORE_LOG_WARNING, "configEpoch set to %llu via CLUSTER SET-CONFIG-EPOCH",
                (unsigned long long)epoch);
    if (g->current_epoch < epoch)
        g->current_epoch = epoch;
    gossip_todo(g, GOSSIP_TODO_SAVE | GOSSIP_TODO_FSYNC | GOSSIP_TODO_UPDATE_STATE);
    core_assert(g->current_epoch >= me->config_epoch);
    return GOSSIP_EPOCH_SET_OK;
}
