/*
 * gossip_meet.c — joining nodes: CLUSTER MEET, the handshake that turns a
 * node known only by address into one known by id, and address updates.
 *
 * Owns handshake nodes from creation to rename (or deletion as a
 * duplicate) and the rules for adopting a node's new address. Does not own
 * handshake expiry (the cron in gossip.c) nor gossip-learned nodes
 * (gossip_recv.c), which skip the handshake.
 *
 * BACKGROUND
 * A node met by address has no id yet, so it gets a random placeholder id
 * and the HANDSHAKE flag. Nothing it says is trusted until the handshake
 * ends: A sends MEET, B answers PONG, and that PONG, arriving on A's
 * outbound link to the placeholder, tells A the real id (spec §10). B,
 * which learned of A from the MEET, does the same in the other direction
 * with a PING.
 *
 * BEHAVIOR
 *  - MEET ip port cport: the ip must be an IPv4/IPv6 literal (stored in
 *    normalized form) and both ports in 1..65535. An existing handshake
 *    node with the same ip/port/cport makes it a no-op; otherwise a node
 *    with a random id and HANDSHAKE|MEET is added.
 *  - MEET from an unknown sender: a HANDSHAKE node (no MEET flag: we PING
 *    it) with a random id, ip = the header's myip if set else the TCP peer
 *    address, ports from the header.
 *  - PING/PONG/MEET on my outbound link to a handshake node: if the sender
 *    id is already known, that node takes this address if it differs and
 *    the handshake node is deleted; else the handshake node is renamed to
 *    the sender id, HANDSHAKE cleared, MASTER/SLAVE taken from the header.
 *  - On my outbound link to a non-handshake node, a different sender id
 *    means the address now belongs to someone else: the node becomes
 *    NOADDR with an empty address and the link is closed.
 *  - Address update (a PING on another link than the node's outbound one,
 *    or a duplicate handshake): ip (myip or peer) and ports compared; on a
 *    change they are adopted, the outbound link is closed (reconnects to the
 *    new address), NOADDR cleared, and node/ told if it is my master.
 */
#include "gossip/gossip_int.h"
#include "node/core/core.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#define PORT_MAX 65535

/* The normalized text of an IP literal, or false. */
static bool normalize_ip(const char *ip, char out[GOSSIP_IP_LEN])
{
    unsigned char addr[sizeof(struct in6_addr)];
    if (inet_pton(AF_INET, ip, addr) == 1)
        return inet_ntop(AF_INET, addr, out, GOSSIP_IP_LEN) != NULL;
    if (inet_pton(AF_INET6, ip, addr) == 1)
        return inet_ntop(AF_INET6, addr, out, GOSSIP_IP_LEN) != NULL;
    return false;
}

static bool handshake_in_progress(const struct gossip *g, const char *ip, int port, int cport)
{
    for (int32_t i = 0; i < g->node_count; i++) {
        const struct gossip_node *n = g->nodes[i];
        if (gossip__in_handshake(n) && strcasecmp(n->ip, ip) == 0 && n->port == port && n->cport == cport)
            return true;
    }
    return false;
}

int gossip_meet_start(struct gossip *g, const char *ip, int port, int cport)
{
    char norm[GOSSIP_IP_LEN];
    if (!normalize_ip(ip, norm))
        return -EINVAL;
    if (port <= 0 || port > PORT_MAX || cport <= 0 || cport > PORT_MAX)
        return -EINVAL;
    if (handshake_in_progress(g, norm, port, cport))
        return 0;
    char id[GOSSIP_ID_LEN + 1];
    gossip__random_id(g, id);
    struct gossip_node *n = gossip__node_create(g, id, GOSSIP_NODE_HANDSHAKE | GOSSIP_NODE_MEET);
    if (!n)
        return -ENOSPC;
    snprintf(n->ip, sizeof(n->ip), "%s", norm);
    n->port = (uint16_t)port;
    n->cport = (uint16_t)cport;
    core_assert(handshake_in_progress(g, norm, port, cport));
    return 0;
}

/* The address a header announces, else the TCP peer's. */
static const char *header_ip(const struct gossip_msg_hdr *hdr, const struct gossip_link *link)
{
    if (hdr->myip[0] && gossip__ip_is_valid(hdr->myip))
        return hdr->myip;
    return link->peer_ip;
}

void gossip__meet_accept(struct gossip *g, struct gossip_link *link, const struct gossip_msg_hdr *hdr)
{
    core_assert(hdr->type == GOSSIP_MSG_MEET);
    char id[GOSSIP_ID_LEN + 1];
    gossip__random_id(g, id);
    struct gossip_node *n = gossip__node_create(g, id, GOSSIP_NODE_HANDSHAKE);
    if (!n)
        return;
    gossip__copy_ip(n->ip, header_ip(hdr, link));
    n->port = hdr->port;
    n->pport = hdr->pport;
    n->cport = hdr->cport;
    gossip_todo(g, GOSSIP_TODO_SAVE);
    core_assert(!(n->flags & GOSSIP_NODE_MEET));
}

bool gossip__meet_update_address(struct gossip *g, struct gossip_node *n, struct gossip_link *link,
                                 const struct gossip_msg_hdr *hdr)
{
    if (link == n->link)
        return false;
    const char *ip = header_ip(hdr, link);
    if (n->port == hdr->port && n->cport == hdr->cport && n->pport == hdr->pport && strcmp(ip, n->ip) == 0)
        return false;
    gossip__copy_ip(n->ip, ip);
    n->port = hdr->port;
    n->pport = hdr->pport;
    n->cport = hdr->cport;
    if (n->link)
        gossip__link_free(g, n->link);
    n->flags &= ~(uint32_t)GOSSIP_NODE_NOADDR;
    gossip__log(g, CORE_LOG_WARNING, "Address updated for node %.40s, now %s:%u", n->id, n->ip, n->port);
    if (gossip_node_is_replica(g->myself) && g->myself->master == n && g->env.master_changed)
        g->env.master_changed(g->env.ud, n);
    core_assert(n->link == NULL);
    return true;
}

static bool complete_handshake(struct gossip *g, struct gossip_link *link, struct gossip_node *sender,
                               const struct gossip_msg_hdr *hdr)
{
    struct gossip_node *n = link->node;
    if (sender) {
        /* We met a node we already knew under its real id. */
        gossip__log(g, CORE_LOG_VERBOSE, "Handshake: we already know node %.40s, updating the address if needed.",
                    sender->id);
        if (gossip__meet_update_address(g, sender, link, hdr))
            gossip_todo(g, GOSSIP_TODO_SAVE | GOSSIP_TODO_UPDATE_STATE);
        gossip__node_delete(g, n); /* closes link */
        return true;
    }
    if (!gossip__id_is_valid(hdr->sender, GOSSIP_ID_LEN)) {
        gossip__log(g, CORE_LOG_WARNING, "Handshake with %s:%u: invalid node id, ignored", n->ip, n->port);
        return true;
    }
    gossip__node_rename(g, n, hdr->sender);
    gossip__log(g, CORE_LOG_DEBUG, "Handshake with node %.40s completed.", n->id);
    n->flags &= ~(uint32_t)GOSSIP_NODE_HANDSHAKE;
    n->flags |= hdr->flags & (GOSSIP_NODE_MASTER | GOSSIP_NODE_SLAVE);
    gossip_todo(g, GOSSIP_TODO_SAVE);
    core_assert(!gossip__in_handshake(n));
    return false;
}

bool gossip__meet_check_link(struct gossip *g, struct gossip_link *link, struct gossip_node *sender,
                             const struct gossip_msg_hdr *hdr)
{
    core_assert(link->outbound && link->node);
    struct gossip_node *n = link->node;
    if (gossip__in_handshake(n))
        return complete_handshake(g, link, sender, hdr);
    if (memcmp(n->id, hdr->sender, GOSSIP_ID_LEN) == 0)
        return false;
    gossip__log(g, CORE_LOG_VERBOSE,
                "PONG contains mismatching sender ID. About node %.40s added %lld ms ago, having flags %u", n->id,
                (long long)(gossip__now(g) - n->ctime_ms), n->flags);
    n->flags |= GOSSIP_NODE_NOADDR;
    n->ip[0] = '\0';
    n->port = 0;
    n->pport = 0;
    n->cport = 0;
    gossip__link_free(g, link);
    gossip_todo(g, GOSSIP_TODO_SAVE);
    core_assert(n->link == NULL);
    return true;
}
