/*
 * gossip_send.c — building the sender header every message carries, and
 * sending: one link, broadcasts, FAIL, UPDATE, PUBLISH.
 *
 * Owns the header fields' values (spec §3) and the sent-message counters.
 * Does not own the wire layout (gossip_msg_encode.c) nor PING/PONG/MEET
 * bodies (gossip_ping.c).
 *
 * BEHAVIOR (header)
 *  - A replica advertises its master's configEpoch and slots and names it in
 *    `slaveof`; a master sends its own and 40 zero bytes.
 *  - `myip` is cluster-announce-ip or empty (peers use the TCP address).
 *  - `flags` are my node flags (MYSELF included), `state` 0 ok / 1 fail,
 *    mflags PAUSED while I am a master in a manual failover.
 *  - Broadcasts go on my outbound link of every node except myself and
 *    handshake nodes; a node without a link misses it.
 */
#include "gossip/gossip_int.h"
#include "node/core/core.h"

#include <stdio.h>
#include <string.h>

void gossip__send_hdr_fill(struct gossip *g, struct gossip_msg_hdr *hdr)
{
    struct gossip_node *me = g->myself;
    struct gossip_node *side = gossip__my_master_side(g);
    memset(hdr, 0, sizeof(*hdr));
    hdr->port = me->port;
    hdr->pport = me->pport;
    hdr->cport = me->cport;
    hdr->current_epoch = g->current_epoch;
    hdr->config_epoch = side ? side->config_epoch : me->config_epoch;
    hdr->offset = g->env.repl_offset ? (uint64_t)g->env.repl_offset(g->env.ud) : 0;
    memcpy(hdr->sender, me->id, GOSSIP_ID_LEN);
    hdr->myslots = side ? side->slots : me->slots;
    if (me->master)
        memcpy(hdr->slaveof, me->master->id, GOSSIP_ID_LEN);
    snprintf(hdr->myip, sizeof(hdr->myip), "%s", g->cfg.announce_ip);
    hdr->flags = (uint16_t)me->flags;
    hdr->state = g->state_ok ? 0 : 1;
    if (gossip_node_is_master(me) && g->mf_end_ms)
        hdr->mflags[0] |= GOSSIP_MSG_MFLAG_PAUSED;
    core_assert(memcmp(hdr->sender, me->id, GOSSIP_ID_LEN) == 0);
}

uint8_t *gossip__send_buf(struct gossip *g, size_t size)
{
    core_assert(size >= GOSSIP_MSG_HDR_SIZE && size <= GOSSIP_MSG_FRAME_MAX);
    if (g->txbuf_cap < size) {
        g->txbuf = core_realloc(g->txbuf, size);
        g->txbuf_cap = size;
    }
    return g->txbuf;
}

void gossip__send_raw(struct gossip *g, struct gossip_link *link, uint16_t type, const uint8_t *buf, size_t len)
{
    core_assert(link && link->slot >= 0 && g->links[link->slot] == link);
    core_assert(type < GOSSIP_TYPE_COUNT && len >= GOSSIP_MSG_HDR_SIZE);
    g->stats_sent[type]++;
    g->env.send(g->env.ud, link, buf, len);
}

void gossip__send_broadcast(struct gossip *g, uint16_t type, const uint8_t *buf, size_t len)
{
    for (int32_t i = 0; i < g->node_count; i++) {
        struct gossip_node *n = g->nodes[i];
        if (!n->link || (n->flags & (GOSSIP_NODE_MYSELF | GOSSIP_NODE_HANDSHAKE)))
            continue;
        gossip__send_raw(g, n->link, type, buf, len);
    }
}

void gossip__send_fail(struct gossip *g, const struct gossip_node *failing)
{
    core_assert(failing != g->myself);
    struct gossip_msg_hdr hdr;
    gossip__send_hdr_fill(g, &hdr);
    uint8_t *buf = gossip__send_buf(g, GOSSIP_MSG_FAIL_SIZE);
    ssize_t len = gossip_msg_encode_fail(buf, g->txbuf_cap, &hdr, failing->id);
    core_assert(len == GOSSIP_MSG_FAIL_SIZE);
    gossip__send_broadcast(g, GOSSIP_MSG_FAIL, buf, (size_t)len);
}

void gossip__send_update(struct gossip *g, struct gossip_link *link, const struct gossip_node *n)
{
    if (!link)
        return;
    /* Slots whose owner stopped claiming them are not ours to assert. */
    struct slots_bitmap slots = n->slots;
    for (size_t i = 0; i < SLOTS_BITMAP_SIZE; i++)
        slots.bits[i] &= (uint8_t)~g->not_claiming.bits[i];
    struct gossip_msg_hdr hdr;
    gossip__send_hdr_fill(g, &hdr);
    uint8_t *buf = gossip__send_buf(g, GOSSIP_MSG_UPDATE_SIZE);
    ssize_t len = gossip_msg_encode_update(buf, g->txbuf_cap, &hdr, n->config_epoch, n->id, &slots);
    core_assert(len == GOSSIP_MSG_UPDATE_SIZE);
    gossip__send_raw(g, link, GOSSIP_MSG_UPDATE, buf, (size_t)len);
}

void gossip_send_broadcast_pong(struct gossip *g)
{
    for (int32_t i = 0; i < g->node_count; i++) {
        struct gossip_node *n = g->nodes[i];
        if (!n->link || (n->flags & (GOSSIP_NODE_MYSELF | GOSSIP_NODE_HANDSHAKE)))
            continue;
        gossip__ping_send(g, n->link, GOSSIP_MSG_PONG);
    }
}

static bool in_my_shard(struct gossip *g, const struct gossip_node *n)
{
    struct gossip_node *side = gossip__my_master_side(g);
    if (!side)
        return false;
    return n == side || (gossip_node_is_replica(n) && n->master == side);
}

void gossip_send_publish(struct gossip *g, bool shard, const void *channel, size_t channel_len, const void *message,
                         size_t message_len)
{
    ssize_t size = gossip_msg_publish_size(channel_len, message_len);
    if (size < 0) {
        gossip__log(g, CORE_LOG_WARNING, "PUBLISH too large for the cluster bus: not forwarded");
        return;
    }
    uint16_t type = shard ? GOSSIP_MSG_PUBLISHSHARD : GOSSIP_MSG_PUBLISH;
    struct gossip_msg_hdr hdr;
    gossip__send_hdr_fill(g, &hdr);
    uint8_t *buf = gossip__send_buf(g, (size_t)size);
    ssize_t len = gossip_msg_encode_publish(buf, g->txbuf_cap, type, &hdr, channel, channel_len, message, message_len);
    core_assert(len == size);
    for (int32_t i = 0; i < g->node_count; i++) {
        struct gossip_node *n = g->nodes[i];
        if (!n->link || (n->flags & (GOSSIP_NODE_MYSELF | GOSSIP_NODE_HANDSHAKE)))
            continue;
        if (shard && !in_my_shard(g, n))
            continue;
        gossip__send_raw(g, n->link, type, buf, (size_t)len);
    }
}
