/*
 * gossip_slots.c — slot ownership: assigning slots in the map (with each
 * node's own bitmap and count kept in step), applying the slot claims that
 * headers and UPDATE messages carry, and telling stale owners (spec §14).
 *
 * Owns every ownership change in g->map and g->not_claiming. Does not own
 * migrating/importing state (node/'s SETSLOT, straight on g->map) nor the
 * epochs that decide between claims (gossip_epoch.c).
 *
 * BACKGROUND
 * Every master advertises its slots and its configEpoch in every header;
 * a claim with a greater configEpoch wins. A master that was partitioned
 * away while a replica took over comes back still claiming the old slots
 * with its old epoch; whoever notices tells it with an UPDATE message naming
 * the current owner and its epoch, and it yields (and, left without slots,
 * becomes a replica of the winner).
 *
 * BEHAVIOR (a claim: sender, epoch, bitmap; from a master's PING/PONG/MEET
 * whose bitmap differs from my view, or from an UPDATE)
 *  - About myself: ignored ("Discarding UPDATE message about myself.").
 *  - Claimed slot already the sender's: its "not claiming" mark is cleared.
 *  - Claimed slot I am importing: left alone (only SETSLOT changes it).
 *  - Claimed slot unassigned, unclaimed, or owned with a smaller epoch:
 *    reassigned to the sender (equal epochs never steal). Slots that were
 *    mine are collected as "dirty".
 *  - Unclaimed slot still assigned to the sender: kept, marked "not
 *    claiming" (unclaimed for later claims, left out of UPDATEs).
 *  - Then: if my shard's master lost slots to the sender and has none left,
 *    and (allow-replica-migration or all the sender's claimed slots came
 *    from us), I become a replica of the sender; else if my master is a
 *    replica of a third node, I follow that one; else node/ deletes the
 *    keys of the dirty slots (env->slots_lost).
 *  - UPDATE check: when a known sender's header bitmap differs from my view
 *    of its shard, the first slot it claims that is assigned, claimed, and
 *    owned by a node with a greater configEpoch than the header's, makes me
 *    send one UPDATE about that owner on my outbound link to the sender.
 *  - UPDATE received (known sender, known node, greater epoch than I have):
 *    a replica in my view becomes a master, takes the epoch, and its bitmap
 *    is applied as a claim.
 */
#include "gossip/gossip_int.h"
#include "node/core/core.h"

#include <string.h>

static bool masters_have_replicas(const struct gossip *g)
{
    for (int32_t i = 0; i < g->node_count; i++)
        if (gossip_node_is_master(g->nodes[i]) && g->nodes[i]->replica_count > 0)
            return true;
    return false;
}

void gossip_slots_unassign(struct gossip *g, int slot)
{
    int32_t owner = slots_map_owner(&g->map, slot);
    if (owner == SLOTS_NODE_NONE)
        return;
    struct gossip_node *n = g->nodes[owner];
    core_assert(slots_bitmap_has(&n->slots, slot) && n->slot_count > 0);
    slots_bitmap_del(&n->slots, slot);
    n->slot_count--;
    slots_map_unassign(&g->map, slot);
    slots_bitmap_del(&g->not_claiming, slot);
}

void gossip_slots_assign(struct gossip *g, int slot, struct gossip_node *n)
{
    core_assert(n && g->nodes[n->index] == n);
    if (slots_map_owner(&g->map, slot) == n->index)
        return;
    gossip_slots_unassign(g, slot);
    slots_map_assign(&g->map, slot, n->index);
    slots_bitmap_add(&n->slots, slot);
    n->slot_count++;
    /* A master's first slot makes it a replica-migration target if replicas
     * exist anywhere (Redis's clusterNodeSetSlotBit()). */
    if (n->slot_count == 1 && gossip_node_is_master(n) && masters_have_replicas(g))
        n->flags |= GOSSIP_NODE_MIGRATE_TO;
    core_assert(slots_map_owner(&g->map, slot) == n->index);
}

int gossip_slots_flush(struct gossip *g, struct gossip_node *n)
{
    int count = 0;
    for (int s = slots_bitmap_next(&n->slots, 0); s >= 0; s = slots_bitmap_next(&n->slots, s + 1)) {
        gossip_slots_unassign(g, s);
        count++;
    }
    core_assert(n->slot_count == 0);
    return count;
}

bool gossip_slots_is_unclaimed(const struct gossip *g, int slot)
{
    return slots_map_owner(&g->map, slot) == SLOTS_NODE_NONE || slots_bitmap_has(&g->not_claiming, slot);
}

void gossip__slots_forget_node(struct gossip *g, struct gossip_node *n)
{
    gossip_slots_flush(g, n);
    slots_map_forget_node(&g->map, n->index);
    core_assert(slots_map_count_node(&g->map, n->index) == 0);
}

/* What a claim did to me, for the decisions after it. */
struct claim_result {
    struct slots_bitmap dirty; /* mine, now the sender's */
    int dirty_count;
    int sender_slots;          /* slots claimed */
    int migrated_ours;         /* of those, taken from my shard's master */
};

static void apply_claim_slot(struct gossip *g, struct gossip_node *sender, uint64_t epoch, int slot,
                             struct claim_result *r)
{
    int32_t owner = slots_map_owner(&g->map, slot);
    if (owner == sender->index) {
        slots_bitmap_del(&g->not_claiming, slot);
        return;
    }
    if (slots_map_importing_from(&g->map, slot) != SLOTS_NODE_NONE)
        return;
    if (!gossip_slots_is_unclaimed(g, slot) && g->nodes[owner]->config_epoch >= epoch)
        return;
    struct gossip_node *side = gossip__my_master_side(g);
    if (owner == g->myself->index) {
        slots_bitmap_add(&r->dirty, slot);
        r->dirty_count++;
    }
    if (side && owner == side->index)
        r->migrated_ours++;
    gossip_slots_assign(g, slot, sender);
    gossip_todo(g, GOSSIP_TODO_SAVE | GOSSIP_TODO_UPDATE_STATE | GOSSIP_TODO_FSYNC);
}

static void after_claim(struct gossip *g, struct gossip_node *sender, const struct claim_result *r)
{
    struct gossip_node *me = g->myself;
    struct gossip_node *side = gossip__my_master_side(g);
    if (r->migrated_ours > 0 && side && side->slot_count == 0 &&
        (g->cfg.allow_replica_migration || r->sender_slots == r->migrated_ours)) {
        gossip__log(g, CORE_LOG_WARNING,
                    "Configuration change detected. Reconfiguring myself as a replica of %.40s", sender->id);
        gossip__node_set_my_master(g, sender);
        gossip_todo(g, GOSSIP_TODO_SAVE | GOSSIP_TODO_UPDATE_STATE | GOSSIP_TODO_FSYNC);
    } else if (me->master && me->master->master && me->master->master != me) {
        gossip__log(g, CORE_LOG_WARNING, "I'm a sub-replica! Reconfiguring myself as a replica of grandmaster %.40s",
                    me->master->master->id);
        gossip__node_set_my_master(g, me->master->master);
        gossip_todo(g, GOSSIP_TODO_SAVE | GOSSIP_TODO_UPDATE_STATE | GOSSIP_TODO_FSYNC);
    } else if (r->dirty_count > 0 && g->env.slots_lost) {
        g->env.slots_lost(g->env.ud, &r->dirty);
    }
}

static void apply_claim(struct gossip *g, struct gossip_node *sender, uint64_t epoch, const struct slots_bitmap *slots)
{
    if (sender == g->myself) {
        gossip__log(g, CORE_LOG_VERBOSE, "Discarding UPDATE message about myself.");
        return;
    }
    struct claim_result r;
    memset(&r, 0, sizeof(r));
    /* A byte of slots at a time (sender->slots mirrors its ownership in the
     * map): during a reshard almost every message carries a changed bitmap,
     * and most of its bytes change nothing. Claimed and owned: claiming
     * again; owned, not claimed: no longer claiming; only claimed and not
     * owned needs the per-slot rule. */
    for (int i = 0; i < SLOTS_BITMAP_SIZE; i++) {
        unsigned claimed = slots->bits[i], owned = sender->slots.bits[i];
        r.sender_slots += __builtin_popcount(claimed);
        g->not_claiming.bits[i] = (uint8_t)((g->not_claiming.bits[i] & ~(claimed & owned)) | (owned & ~claimed));
        for (unsigned todo = claimed & ~owned & 0xffu; todo; todo &= todo - 1)
            apply_claim_slot(g, sender, epoch, i * 8 + __builtin_ctz(todo), &r);
    }
    after_claim(g, sender, &r);
    core_assert(r.migrated_ours <= r.sender_slots && r.dirty_count <= r.sender_slots);
}

/* The first claimed slot whose owner has a greater epoch: tell the sender. */
static void check_stale_claim(struct gossip *g, struct gossip_node *sender, const struct gossip_msg_hdr *hdr)
{
    /* Slots the sender itself owns here are skipped a byte at a time. */
    for (int i = 0; i < SLOTS_BITMAP_SIZE; i++) {
        for (unsigned todo = hdr->myslots.bits[i] & ~(unsigned)sender->slots.bits[i] & 0xffu; todo;
             todo &= todo - 1) {
            int s = i * 8 + __builtin_ctz(todo);
            if (gossip_slots_is_unclaimed(g, s))
                continue;
            struct gossip_node *n = g->nodes[slots_map_owner(&g->map, s)];
            if (n->config_epoch > hdr->config_epoch) {
                gossip__log(g, CORE_LOG_VERBOSE,
                            "Node %.40s has old slots configuration, sending an UPDATE message about %.40s",
                            sender->id, n->id);
                gossip__send_update(g, sender->link, n);
                return; /* one UPDATE per message, as 7.0.15 */
            }
        }
    }
}

void gossip__slots_recv_claim(struct gossip *g, struct gossip_node *sender, const struct gossip_msg_hdr *hdr)
{
    core_assert(sender && !gossip__in_handshake(sender));
    struct gossip_node *side = gossip_node_is_master(sender) ? sender : sender->master;
    if (!side || memcmp(&side->slots, &hdr->myslots, sizeof(hdr->myslots)) == 0)
        return;
    if (gossip_node_is_master(sender))
        apply_claim(g, sender, hdr->config_epoch, &hdr->myslots);
    check_stale_claim(g, sender, hdr);
}

void gossip__slots_recv_update(struct gossip *g, struct gossip_node *sender, const struct gossip_msg_update *u)
{
    core_assert(sender != NULL);
    struct gossip_node *n = gossip_node_find(g, u->nodename, GOSSIP_ID_LEN);
    if (!n || n->config_epoch >= u->config_epoch)
        return;
    if (gossip_node_is_replica(n))
        gossip__node_set_master_role(g, n);
    n->config_epoch = u->config_epoch;
    gossip_todo(g, GOSSIP_TODO_SAVE | GOSSIP_TODO_FSYNC);
    apply_claim(g, n, u->config_epoch, &u->slots);
}
