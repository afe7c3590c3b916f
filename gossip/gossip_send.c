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
 *  - While drop_filter is GOSSIP_DROP_ALL nothing is sent nor counted.
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
    if (g->drop_filter == GOSSIP_DROP_ALL)
        return; /* isolated: silence, and nothing counted as sent */
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

/* Encodes a header-only message into g->txbuf; returns its length. */
static size_t header_only_build(struct gossip *g, uint16_t type, uint8_t mflags0)
{
    core_assert(type == GOSSIP_MSG_FAILOVER_AUTH_REQUEST || type == GOSSIP_MSG_FAILOVER_AUTH_ACK ||
                type == GOSSIP_MSG_MFSTART);
    struct gossip_msg_hdr hdr;
    gossip__send_hdr_fill(g, &hdr);
    hdr.mflags[0] |= mflags0;
    uint8_t *buf = gossip__send_buf(g, GOSSIP_MSG_HDR_SIZE);
    ssize_t len = gossip_msg_encode_header_only(buf, g->txbuf_cap, type, &hdr);
    core_assert(len == GOSSIP_MSG_HDR_SIZE);
    return (size_t)len;
}

void gossip__send_header_only(struct gossip *g, struct gossip_link *link, uint16_t type, uint8_t mflags0)
{
    if (!link)
        return;
    size_t len = header_only_build(g, type, mflags0);
    gossip__send_raw(g, link, type, g->txbuf, len);
}

void gossip__send_broadcast_header_only(struct gossip *g, uint16_t type, uint8_t mflags0)
{
    size_t len = header_only_build(g, type, mflags0);
    gossip__send_broadcast(g, type, g->txbuf, len);
}

static bool pong_wanted(const struct gossip *g, const struct gossip_node *n, enum gossip_pong_target target)
{
    const struct gossip_node *me = g->myself;
    switch (target) {
    case GOSSIP_PONG_ALL:
        return true;
    case GOSSIP_PONG_LOCAL_REPLICAS: /* replicas of me, or of my own master (my siblings) */
        return gossip_node_is_replica(n) && n->master && (n->master == me || n->master == me->master);
    case GOSSIP_PONG_MASTERS_UP:
        return gossip_node_is_master(n) && !(n->flags & (GOSSIP_NODE_NOADDR | GOSSIP_NODE_PFAIL | GOSSIP_NODE_FAIL)) &&
               n->link->connected;
    }
    return false;
}

void gossip__send_pongs(struct gossip *g, enum gossip_pong_target target)
{
    for (int32_t i = 0; i < g->node_count; i++) {
        struct gossip_node *n = g->nodes[i];
        if (!n->link || (n->flags & (GOSSIP_NODE_MYSELF | GOSSIP_NODE_HANDSHAKE)) || !pong_wanted(g, n, target))
            continue;
        gossip__ping_send(g, n->link, GOSSIP_MSG_PONG);
    }
}

void gossip_send_broadcast_pong(struct gossip *g)
{
    gossip__send_pongs(g, GOSSIP_PONG_ALL);
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
