/*
 * gossip_recv.c — acting on one decoded bus message, in redis-server
 * 7.0.15's order (spec §9), and the gossip section of PING/PONG/MEET
 * (§11.3).
 *
 * Owns the order of the steps and who counts as the sender. Each step's
 * rule lives with its concept: handshake and addresses (gossip_meet.c),
 * epochs (gossip_epoch.c), slots and UPDATE (gossip_slots.c), failure
 * reports and FAIL (gossip_fd.c), votes and manual failover (AUTH_REQUEST,
 * AUTH_ACK, MFSTART: gossip_failover.c). MODULE is only counted.
 *
 * BACKGROUND
 * A message is believed only from a sender we know: the node bound to the
 * link (unless still in handshake), or the node the header names, which
 * then also binds an anonymous inbound link. An unknown sender still gets a
 * PONG, and a MEET from one starts a handshake.
 *
 * BEHAVIOR
 *  1. Sender known: data_received = now; if not in handshake its epochs and
 *     replication offset are taken from the header.
 *  2. PING/MEET: my own IP is learned from this connection's local address
 *     on a MEET, or while I have none (unless cluster-announce-ip); a MEET
 *     from an unknown sender adds a handshake node and its gossip is
 *     processed (without a sender nothing new is added); always a PONG on
 *     this link.
 *  3. PING/PONG/MEET: outbound handshake/mismatch checks; NOFAILOVER copied;
 *     a PING on another link updates the sender's address; a PONG on my
 *     outbound link refreshes pong_received, ends the outstanding ping and
 *     clears PFAIL (or maybe FAIL). Then, sender known: role, slot claims
 *     and UPDATE check, epoch collision, gossip section, extensions.
 *  4. FAIL, UPDATE, PUBLISH(SHARD), AUTH_REQUEST, AUTH_ACK, MFSTART from a
 *     known sender: their rules.
 *  Gossip entries, known node: a master sender's PFAIL/FAIL flag adds a
 *  failure report (and may promote to FAIL), no flag removes it; with no
 *  flag, no ping outstanding and no reports, its pong time is advanced (not
 *  more than 500 ms into the future); a node I see as PFAIL/FAIL that the
 *  entry shows healthy at another address takes that address. Unknown node:
 *  added with the entry's flags if the sender is known, the entry is not
 *  NOADDR, and the id is valid and not banned.
 */
#include "gossip/gossip_conf.h"
#include "gossip/gossip_int.h"
#include "node/core/core.h"

#include <stdio.h>
#include <string.h>

static struct gossip_node *resolve_sender(struct gossip *g, struct gossip_link *link, const struct gossip_msg_hdr *hdr)
{
    if (link->node && !gossip__in_handshake(link->node))
        return link->node;
    struct gossip_node *sender = gossip_node_find(g, hdr->sender, GOSSIP_ID_LEN);
    if (sender && !link->node && !link->outbound)
        gossip__link_bind_inbound(sender, link);
    return sender;
}

static void learn_my_ip(struct gossip *g, const struct gossip_link *link, uint16_t type)
{
    struct gossip_node *me = g->myself;
    if ((type != GOSSIP_MSG_MEET && me->ip[0]) || g->cfg.announce_ip[0] || !link->local_ip[0])
        return;
    if (strcmp(link->local_ip, me->ip) == 0)
        return;
    snprintf(me->ip, sizeof(me->ip), "%s", link->local_ip);
    gossip__log(g, CORE_LOG_WARNING, "IP address for this node updated to %s", me->ip);
    gossip_todo(g, GOSSIP_TODO_SAVE);
}

static void gossip_known(struct gossip *g, struct gossip_node *sender, struct gossip_node *n,
                         const struct gossip_msg_entry *e, int64_t now)
{
    uint32_t flags = e->flags;
    if (sender && gossip_node_is_master(sender) && n != g->myself) {
        if (flags & (GOSSIP_NODE_FAIL | GOSSIP_NODE_PFAIL)) {
            if (gossip__fd_add_report(g, n, sender))
                gossip__log(g, CORE_LOG_VERBOSE, "Node %.40s reported node %.40s as not reachable.", sender->id,
                            n->id);
            gossip__fd_mark_failing_if_needed(g, n);
        } else if (gossip__fd_del_report(g, n, sender)) {
            gossip__log(g, CORE_LOG_VERBOSE, "Node %.40s reported node %.40s is back online.", sender->id, n->id);
        }
    }
    if (!(flags & (GOSSIP_NODE_FAIL | GOSSIP_NODE_PFAIL)) && n->ping_sent_ms == 0 &&
        gossip_fd_count_reports(g, n) == 0) {
        int64_t pong_ms = (int64_t)e->pong_received_s * 1000;
        if (pong_ms <= now + GOSSIP_PONG_FUTURE_SLACK_MS && pong_ms > n->pong_received_ms)
            n->pong_received_ms = pong_ms;
    }
    if ((n->flags & (GOSSIP_NODE_FAIL | GOSSIP_NODE_PFAIL)) &&
        !(flags & (GOSSIP_NODE_NOADDR | GOSSIP_NODE_FAIL | GOSSIP_NODE_PFAIL)) &&
        (strcasecmp(n->ip, e->ip) != 0 || n->port != e->port || n->cport != e->cport) && gossip__ip_is_valid(e->ip)) {
        if (n->link)
            gossip__link_free(g, n->link);
        gossip__copy_ip(n->ip, e->ip);
        n->port = e->port;
        n->pport = e->pport;
        n->cport = e->cport;
        n->flags &= ~(uint32_t)GOSSIP_NODE_NOADDR;
    }
}

static void gossip_unknown(struct gossip *g, struct gossip_node *sender, const struct gossip_msg_entry *e)
{
    if (!sender || (e->flags & GOSSIP_NODE_NOADDR))
        return;
    if (!gossip__id_is_valid(e->nodename, GOSSIP_ID_LEN) || !gossip__ip_is_valid(e->ip))
        return;
    if (gossip__node_is_banned(g, e->nodename))
        return;
    /* Exactly the gossiped flags, as 7.0.15 does (MYSELF is never sent). */
    struct gossip_node *n = gossip__node_create(g, e->nodename, e->flags & ~(uint32_t)GOSSIP_NODE_MYSELF);
    if (!n)
        return;
    gossip__copy_ip(n->ip, e->ip);
    n->port = e->port;
    n->pport = e->pport;
    n->cport = e->cport;
    core_assert(n != g->myself);
}

static void process_gossip(struct gossip *g, struct gossip_node *sender, const struct gossip_msg_ping *ping)
{
    int64_t now = gossip__now(g);
    for (size_t i = 0; i < ping->count; i++) {
        struct gossip_msg_entry e;
        int rc = gossip_msg_entry_at(ping, i, &e);
        core_assert(rc == 0);
        struct gossip_node *n = gossip_node_find(g, e.nodename, GOSSIP_ID_LEN);
        if (n)
            gossip_known(g, sender, n, &e, now);
        else
            gossip_unknown(g, sender, &e);
    }
}

static void process_extensions(struct gossip *g, struct gossip_node *sender, const struct gossip_msg_ping *ping)
{
    /* 7.0.15 clears a hostname the message does not carry. */
    if (!ping->has_hostname) {
        sender->hostname[0] = '\0';
        return;
    }
    size_t len = ping->hostname_len;
    if (len > GOSSIP_HOSTNAME_MAX || (len > 0 && !gossip_conf_hostname_is_valid(ping->hostname, len)))
        return; /* nodes.conf could not hold it */
    memcpy(sender->hostname, ping->hostname, len);
    sender->hostname[len] = '\0';
}

/* A PONG on my outbound link: the node answered my ping. */
static void pong_on_outbound(struct gossip *g, struct gossip_node *n, int64_t now)
{
    n->pong_received_ms = now;
    n->ping_sent_ms = 0;
    if (n->flags & GOSSIP_NODE_PFAIL) {
        n->flags &= ~(uint32_t)GOSSIP_NODE_PFAIL;
        gossip_todo(g, GOSSIP_TODO_SAVE | GOSSIP_TODO_UPDATE_STATE);
    } else if (n->flags & GOSSIP_NODE_FAIL) {
        gossip__fd_clear_fail_if_needed(g, n);
    }
}

/* Role from `slaveof` (§9 step 4, "Role"). */
static void process_role(struct gossip *g, struct gossip_node *sender, const struct gossip_msg_hdr *hdr)
{
    if (gossip_msg_id_is_zero(hdr->slaveof)) {
        gossip__node_set_master_role(g, sender);
        return;
    }
    struct gossip_node *master = gossip_node_find(g, hdr->slaveof, GOSSIP_ID_LEN);
    if (gossip_node_is_master(sender)) {
        /* A master turned into a replica. */
        gossip_slots_flush(g, sender);
        sender->flags &= ~(uint32_t)(GOSSIP_NODE_MASTER | GOSSIP_NODE_MIGRATE_TO);
        sender->flags |= GOSSIP_NODE_SLAVE;
        gossip_todo(g, GOSSIP_TODO_SAVE | GOSSIP_TODO_UPDATE_STATE);
    }
    if (master && master != sender && sender->master != master) {
        if (sender->master)
            gossip__node_detach_replica(sender->master, sender);
        gossip__node_attach_replica(master, sender);
        sender->master = master;
        gossip_todo(g, GOSSIP_TODO_SAVE);
    }
}

/* Step 3 once the sender is known. */
static void process_config(struct gossip *g, struct gossip_node *sender, const struct gossip_msg *m)
{
    const struct gossip_msg_hdr *hdr = &m->hdr;
    process_role(g, sender, hdr);
    gossip__slots_recv_claim(g, sender, hdr);
    if (gossip_node_is_master(g->myself) && gossip_node_is_master(sender) &&
        hdr->config_epoch == g->myself->config_epoch)
        gossip__epoch_collision(g, sender);
    process_gossip(g, sender, &m->body.ping);
    process_extensions(g, sender, &m->body.ping);
}

static void recv_ping(struct gossip *g, struct gossip_link *link, struct gossip_node *sender, const struct gossip_msg *m)
{
    const struct gossip_msg_hdr *hdr = &m->hdr;
    if (hdr->type == GOSSIP_MSG_PING || hdr->type == GOSSIP_MSG_MEET) {
        learn_my_ip(g, link, hdr->type);
        if (!sender && hdr->type == GOSSIP_MSG_MEET) {
            gossip__meet_accept(g, link, hdr);
            process_gossip(g, NULL, &m->body.ping);
        }
        gossip__ping_send(g, link, GOSSIP_MSG_PONG);
    }
    if (link->outbound && gossip__meet_check_link(g, link, sender, hdr))
        return; /* link may be gone */
    if (sender) {
        sender->flags = (sender->flags & ~(uint32_t)GOSSIP_NODE_NOFAILOVER) | (hdr->flags & GOSSIP_NODE_NOFAILOVER);
        if (hdr->type == GOSSIP_MSG_PING && !gossip__in_handshake(sender) &&
            gossip__meet_update_address(g, sender, link, hdr))
            gossip_todo(g, GOSSIP_TODO_SAVE | GOSSIP_TODO_UPDATE_STATE);
    }
    if (link->outbound && hdr->type == GOSSIP_MSG_PONG)
        pong_on_outbound(g, link->node, gossip__now(g));
    if (sender)
        process_config(g, sender, m);
}

void gossip__recv_dispatch(struct gossip *g, struct gossip_link *link, const struct gossip_msg *m)
{
    const struct gossip_msg_hdr *hdr = &m->hdr;
    struct gossip_node *sender = resolve_sender(g, link, hdr);
    core_assert(!sender || g->nodes[sender->index] == sender);
    if (sender) {
        sender->data_received_ms = gossip__now(g);
        if (!gossip__in_handshake(sender))
            gossip__epoch_recv_hdr(g, sender, hdr);
    }
    switch (hdr->type) {
    case GOSSIP_MSG_PING:
    case GOSSIP_MSG_PONG:
    case GOSSIP_MSG_MEET:
        recv_ping(g, link, sender, m);
        break;
    case GOSSIP_MSG_FAIL:
        if (sender)
            gossip__fd_recv_fail(g, sender, &m->body.fail);
        break;
    case GOSSIP_MSG_UPDATE:
        if (sender)
            gossip__slots_recv_update(g, sender, &m->body.update);
        break;
    case GOSSIP_MSG_PUBLISH:
    case GOSSIP_MSG_PUBLISHSHARD:
        if (sender && g->env.publish)
            g->env.publish(g->env.ud, hdr->type == GOSSIP_MSG_PUBLISHSHARD, m->body.publish.channel,
                           m->body.publish.channel_len, m->body.publish.message, m->body.publish.message_len);
        break;
    case GOSSIP_MSG_FAILOVER_AUTH_REQUEST:
        if (sender && !gossip__in_handshake(sender))
            gossip__failover_recv_auth_request(g, sender, hdr);
        break;
    case GOSSIP_MSG_FAILOVER_AUTH_ACK:
        if (sender && !gossip__in_handshake(sender))
            gossip__failover_recv_auth_ack(g, sender, hdr);
        break;
    case GOSSIP_MSG_MFSTART:
        if (sender && !gossip__in_handshake(sender))
            gossip__failover_recv_mfstart(g, link, sender);
        break;
    case GOSSIP_MSG_MODULE:
        break; /* no modules: counted only */
    default:
        gossip__log(g, CORE_LOG_WARNING, "Received unknown packet type: %u", hdr->type);
        break;
    }
}
