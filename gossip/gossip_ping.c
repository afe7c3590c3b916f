/*
 * gossip_ping.c — heartbeats: when to PING whom, and which nodes a
 * PING/PONG/MEET gossips about (spec §11.1, §11.2).
 *
 * Owns the heartbeat schedule, link recycling and the gossip selection.
 * Does not own what a received heartbeat means (gossip_recv.c) nor PFAIL
 * (gossip_fd.c).
 *
 * BACKGROUND
 * Every node must hear about every other often enough that a failure is
 * noticed within N_T, without each message listing the whole cluster. Each
 * heartbeat carries a few random nodes (a tenth of the table, at least 3)
 * plus every node currently suspected (PFAIL), so suspicions spread fast
 * enough to reach the FAIL majority within 2 x N_T.
 *
 * BEHAVIOR
 *  - Random ping (every 10th tick): 5 random draws from the table (with
 *    repetition); among those with an outbound link, no ping outstanding and
 *    not MYSELF/HANDSHAKE, PING the one with the oldest pong_received.
 *  - Per node, every tick: if its link is older than N_T, a ping is
 *    outstanding and both the ping and the last data from it are older
 *    than N_T/2: close the link (the cron reconnects it). If it has a link,
 *    no ping outstanding, and its pong is older than N_T/2: PING it. A
 *    master in a manual failover PINGs the asking replica every tick (its
 *    headers carry PAUSED and the offset the replica must reach).
 *  - Shoal only: when I am a master and a node turns PFAIL here, a PONG
 *    goes at once to every other reachable master. A failure report counts
 *    only from a master, and Redis waits for the next N_T/2 heartbeat to
 *    carry it, which is most of the time between PFAIL and FAIL. A PONG
 *    (not a PING) so no one's ping_sent, hence their failure detection, is
 *    touched; unsolicited PONGs are ordinary (broadcasts).
 *  - ping_sent becomes now when a PING is sent to a node we have a link
 *    record for; MEET and PONG never set it.
 *  - Gossip count (the count rule): N = table size (myself and handshake
 *    nodes included); wanted = max(N/10, 3) capped to N-2. Up to wanted*3
 *    random draws, each skipping myself, PFAIL nodes (added after),
 *    HANDSHAKE or NOADDR nodes and nodes with neither link nor slots (these
 *    also use up one of the N-2 "fresh" candidates), and nodes already in
 *    this packet; stop at wanted. Then every PFAIL node (not HANDSHAKE/
 *    NOADDR), at most as many as the last tick counted.
 *  - Gossip times are seconds (ms / 1000). A HOSTNAME extension is added
 *    when cluster-announce-hostname is set.
 */
#include "gossip/gossip_int.h"
#include "node/core/core.h"

#include <stdio.h>
#include <string.h>

#define GOSSIP_WANTED_MIN 3
#define GOSSIP_WANTED_DIVISOR 10
#define GOSSIP_DRAWS_PER_WANTED 3

static void entry_fill(struct gossip_msg_entry *e, const struct gossip_node *n)
{
    memset(e, 0, sizeof(*e));
    memcpy(e->nodename, n->id, GOSSIP_ID_LEN);
    e->ping_sent_s = (uint32_t)(n->ping_sent_ms / 1000);
    e->pong_received_s = (uint32_t)(n->pong_received_ms / 1000);
    snprintf(e->ip, sizeof(e->ip), "%s", n->ip);
    e->port = n->port;
    e->cport = n->cport;
    e->flags = (uint16_t)n->flags;
    e->pport = n->pport;
    core_assert(!(e->flags & GOSSIP_NODE_MYSELF));
}

static int32_t wanted_count(const struct gossip *g)
{
    int32_t wanted = g->node_count / GOSSIP_WANTED_DIVISOR;
    if (wanted < GOSSIP_WANTED_MIN)
        wanted = GOSSIP_WANTED_MIN;
    if (wanted > g->node_count - 2)
        wanted = g->node_count - 2;
    return wanted < 0 ? 0 : wanted;
}

/* The random phase; returns the entries written into out (room: wanted). */
static int32_t pick_random(struct gossip *g, struct gossip_msg_entry *out, int32_t wanted)
{
    int32_t fresh = g->node_count - 2, count = 0;
    int32_t draws = wanted * GOSSIP_DRAWS_PER_WANTED;
    while (fresh > 0 && count < wanted && draws-- > 0) {
        struct gossip_node *n = g->nodes[gossip__random(g) % (uint32_t)g->node_count];
        if (n == g->myself || (n->flags & GOSSIP_NODE_PFAIL))
            continue;
        if ((n->flags & (GOSSIP_NODE_HANDSHAKE | GOSSIP_NODE_NOADDR)) || (!n->link && n->slot_count == 0)) {
            fresh--; /* Redis counts these as used up too */
            continue;
        }
        if (n->gossip_mark == g->gossip_seq)
            continue;
        entry_fill(&out[count++], n);
        n->gossip_mark = g->gossip_seq;
        fresh--;
    }
    core_assert(count <= wanted);
    return count;
}

static int32_t pick_pfail(struct gossip *g, struct gossip_msg_entry *out, int32_t room)
{
    int32_t count = 0;
    for (int32_t i = 0; i < g->node_count && count < room; i++) {
        struct gossip_node *n = g->nodes[i];
        if ((n->flags & (GOSSIP_NODE_HANDSHAKE | GOSSIP_NODE_NOADDR)) || !(n->flags & GOSSIP_NODE_PFAIL))
            continue;
        entry_fill(&out[count++], n);
    }
    return count;
}

void gossip__ping_send(struct gossip *g, struct gossip_link *link, uint16_t type)
{
    core_assert(type == GOSSIP_MSG_PING || type == GOSSIP_MSG_PONG || type == GOSSIP_MSG_MEET);
    core_assert(link && g->links[link->slot] == link);
    if (link->node && type == GOSSIP_MSG_PING)
        link->node->ping_sent_ms = gossip__now(g);
    int32_t wanted = wanted_count(g);
    int32_t pfail_room = CORE_MIN(g->pfail_count, g->node_count);
    struct gossip_msg_entry *entries = core_malloc(((size_t)wanted + (size_t)pfail_room + 1) * sizeof(*entries));
    g->gossip_seq++;
    int32_t count = pick_random(g, entries, wanted);
    count += pick_pfail(g, entries + count, pfail_room);
    struct gossip_msg_ext ext = {.type = GOSSIP_MSG_EXT_HOSTNAME};
    size_t ext_count = 0;
    if (g->cfg.hostname[0]) {
        ext.u.name.str = g->cfg.hostname;
        ext.u.name.len = strlen(g->cfg.hostname);
        ext_count = 1;
    }
    struct gossip_msg_hdr hdr;
    gossip__send_hdr_fill(g, &hdr);
    ssize_t size = gossip_msg_ping_size((size_t)count, &ext, ext_count);
    core_assert(size >= GOSSIP_MSG_HDR_SIZE);
    uint8_t *buf = gossip__send_buf(g, (size_t)size);
    ssize_t len = gossip_msg_encode_ping(buf, g->txbuf_cap, type, &hdr, entries, (size_t)count, &ext, ext_count);
    core_assert(len == size);
    core_free(entries);
    gossip__send_raw(g, link, type, buf, (size_t)len);
}

void gossip__ping_random(struct gossip *g)
{
    struct gossip_node *best = NULL;
    for (int i = 0; i < GOSSIP_RANDOM_PING_SAMPLES; i++) {
        struct gossip_node *n = g->nodes[gossip__random(g) % (uint32_t)g->node_count];
        if (!n->link || n->ping_sent_ms != 0)
            continue;
        if (n->flags & (GOSSIP_NODE_MYSELF | GOSSIP_NODE_HANDSHAKE))
            continue;
        if (!best || n->pong_received_ms < best->pong_received_ms)
            best = n;
    }
    if (best)
        gossip__ping_send(g, best->link, GOSSIP_MSG_PING);
}

bool gossip__ping_node_cron(struct gossip *g, struct gossip_node *n, int64_t now)
{
    core_assert(!(n->flags & (GOSSIP_NODE_MYSELF | GOSSIP_NODE_HANDSHAKE)));
    int64_t half = g->cfg.node_timeout_ms / 2;
    if (n->link && now - n->link->create_ms > g->cfg.node_timeout_ms && n->ping_sent_ms &&
        now - n->ping_sent_ms > half && now - n->data_received_ms > half) {
        /* Silent for too long though maybe alive: a fresh connection may
         * fix what the old one cannot. */
        gossip__link_free(g, n->link);
    }
    if (n->link && n->ping_sent_ms == 0 && now - n->pong_received_ms > half) {
        gossip__ping_send(g, n->link, GOSSIP_MSG_PING);
        return true;
    }
    if (n->link && g->mf_end_ms && gossip_node_is_master(g->myself) && g->mf_replica == n) {
        gossip__ping_send(g, n->link, GOSSIP_MSG_PING); /* §17: keep the asking replica informed */
        return true;
    }
    core_assert(n->link == NULL || g->links[n->link->slot] == n->link);
    return false;
}
