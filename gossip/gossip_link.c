/*
 * gossip_link.c — bus link records: opening my outbound link to a node,
 * accepting inbound ones, binding an inbound link to the node that sends on
 * it, and closing.
 *
 * Owns struct gossip_link's lifetime and g->links. Does not own sockets
 * (the environment's connect/send/close) nor what a message on a link means.
 *
 * BACKGROUND
 * Each pair of nodes talks over two TCP connections (spec §1): my outbound
 * link to a node carries my PINGs and broadcasts and brings back its PONGs;
 * its outbound link arrives here as an inbound link, which stays anonymous
 * until a message names a known sender.
 *
 * BEHAVIOR
 *  - The cron opens an outbound link for every node without one. A connect
 *    that fails (at once, or reported closed before it completed) frees the
 *    record; if no ping was outstanding, ping_sent becomes now so failure
 *    detection still starts. Shoal also starts that clock when an
 *    established outbound link closes (Redis waits for the next cron's
 *    failed reconnect, up to 100 ms later): a killed node's peers see EOF
 *    at once, and a node that is alive answers the reconnect's PING.
 *  - When the connect completes, the first message goes out at once: MEET if
 *    the node has the MEET flag (then cleared), else PING; a ping_sent that
 *    was pending from before the reconnect is kept (PFAIL timing survives
 *    link recycling).
 *  - A known sender binds an anonymous inbound link; a newer inbound link
 *    from the same node replaces the older one as the node's inbound link
 *    (the older stays open and is still attributed to the node, 7.0.15).
 */
#include "gossip/gossip_int.h"
#include "node/core/core.h"

#include <stdio.h>
#include <string.h>

static struct gossip_link *link_new(struct gossip *g, bool outbound)
{
    struct gossip_link *l = core_calloc(1, sizeof(*l));
    l->outbound = outbound;
    l->create_ms = gossip__now(g);
    if (g->link_count == g->link_cap) {
        g->link_cap = g->link_cap ? g->link_cap * 2 : 16;
        g->links = core_realloc(g->links, (size_t)g->link_cap * sizeof(*g->links));
    }
    l->slot = g->link_count;
    g->links[g->link_count++] = l;
    return l;
}

/* Forgets the record without telling the environment. */
static void link_release(struct gossip *g, struct gossip_link *l)
{
    core_assert(l->slot >= 0 && l->slot < g->link_count && g->links[l->slot] == l);
    struct gossip_node *n = l->node;
    if (n && n->link == l)
        n->link = NULL;
    else if (n && n->inbound == l)
        n->inbound = NULL;
    struct gossip_link *last = g->links[g->link_count - 1];
    g->links[l->slot] = last;
    last->slot = l->slot;
    g->link_count--;
    core_free(l);
}

void gossip__link_free(struct gossip *g, struct gossip_link *link)
{
    core_assert(link != NULL);
    g->env.close(g->env.ud, link);
    link_release(g, link);
}

void gossip__link_connect(struct gossip *g, struct gossip_node *n, int64_t now)
{
    core_assert(n->link == NULL && n != g->myself);
    struct gossip_link *l = link_new(g, true);
    l->node = n;
    snprintf(l->peer_ip, sizeof(l->peer_ip), "%s", n->ip);
    l->peer_port = n->cport;
    n->link = l;
    int rc = g->env.connect(g->env.ud, l);
    if (rc < 0) {
        /* No ping could be sent: pretend one was, or a node we can never
         * reach would never be flagged. */
        if (n->ping_sent_ms == 0)
            n->ping_sent_ms = now;
        gossip__log(g, CORE_LOG_DEBUG, "Unable to connect to Cluster Node [%s]:%u", n->ip, n->cport);
        link_release(g, l);
        core_assert(n->link == NULL);
    }
}

struct gossip_link *gossip_link_accepted(struct gossip *g, void *io, const char *peer_ip, const char *local_ip)
{
    core_assert(peer_ip && local_ip);
    struct gossip_link *l = link_new(g, false);
    l->io = io;
    l->connected = true;
    snprintf(l->peer_ip, sizeof(l->peer_ip), "%s", peer_ip);
    snprintf(l->local_ip, sizeof(l->local_ip), "%s", local_ip);
    core_assert(l->node == NULL);
    return l;
}

void gossip_link_connected(struct gossip *g, struct gossip_link *link, const char *local_ip)
{
    core_assert(link->outbound && !link->connected);
    struct gossip_node *n = link->node;
    core_assert(n && n->link == link);
    link->connected = true;
    snprintf(link->local_ip, sizeof(link->local_ip), "%s", local_ip ? local_ip : "");
    int64_t old_ping_sent = n->ping_sent_ms;
    gossip__ping_send(g, link, (n->flags & GOSSIP_NODE_MEET) ? GOSSIP_MSG_MEET : GOSSIP_MSG_PING);
    if (old_ping_sent)
        n->ping_sent_ms = old_ping_sent;
    /* Cleared after the first message: once the PONG comes we are past the
     * handshake and want plain PINGs from now on. */
    n->flags &= ~(uint32_t)GOSSIP_NODE_MEET;
}

void gossip_link_closed(struct gossip *g, struct gossip_link *link)
{
    core_assert(link != NULL && g->links[link->slot] == link);
    struct gossip_node *n = link->node;
    /* A connect that failed later rather than at once (libuv reports even
     * an immediate refusal through the callback) counts the same, and so
     * does losing an established link. */
    if (n && link->outbound && n->ping_sent_ms == 0)
        n->ping_sent_ms = gossip__now(g);
    if (n)
        gossip__log(g, CORE_LOG_DEBUG, "Link to node %.40s closed", n->id);
    link_release(g, link);
}

void gossip__link_bind_inbound(struct gossip_node *n, struct gossip_link *link)
{
    core_assert(!link->outbound && link->node == NULL);
    n->inbound = link;
    link->node = n;
}
