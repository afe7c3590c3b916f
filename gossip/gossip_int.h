/*
 * gossip_int.h — what the gossip state machine's files share and nobody
 * else may call: node table surgery, link bookkeeping, message building,
 * and each protocol rule's entry point. Public API: gossip.h.
 */
#ifndef SHOAL_GOSSIP_INT_H
#define SHOAL_GOSSIP_INT_H

#include "gossip/gossip.h"
#include "gossip/gossip_msg.h"

#include <assert.h>
#include <string.h>

/* The flag values are the wire's. */
static_assert(GOSSIP_NODE_MASTER == GOSSIP_MSG_FLAG_MASTER, "flag MASTER");
static_assert(GOSSIP_NODE_SLAVE == GOSSIP_MSG_FLAG_SLAVE, "flag SLAVE");
static_assert(GOSSIP_NODE_PFAIL == GOSSIP_MSG_FLAG_PFAIL, "flag PFAIL");
static_assert(GOSSIP_NODE_FAIL == GOSSIP_MSG_FLAG_FAIL, "flag FAIL");
static_assert(GOSSIP_NODE_MYSELF == GOSSIP_MSG_FLAG_MYSELF, "flag MYSELF");
static_assert(GOSSIP_NODE_HANDSHAKE == GOSSIP_MSG_FLAG_HANDSHAKE, "flag HANDSHAKE");
static_assert(GOSSIP_NODE_NOADDR == GOSSIP_MSG_FLAG_NOADDR, "flag NOADDR");
static_assert(GOSSIP_NODE_MEET == GOSSIP_MSG_FLAG_MEET, "flag MEET");
static_assert(GOSSIP_NODE_MIGRATE_TO == GOSSIP_MSG_FLAG_MIGRATE_TO, "flag MIGRATE_TO");
static_assert(GOSSIP_NODE_NOFAILOVER == GOSSIP_MSG_FLAG_NOFAILOVER, "flag NOFAILOVER");
static_assert(GOSSIP_ID_LEN == GOSSIP_MSG_NODE_ID_LEN, "node id length");
static_assert(GOSSIP_IP_LEN == GOSSIP_MSG_IP_LEN, "ip length");
static_assert(GOSSIP_TYPE_COUNT == GOSSIP_MSG_TYPE_COUNT, "message types");
static_assert(GOSSIP_HOSTNAME_MAX == GOSSIP_MSG_HOSTNAME_MAX, "hostname length");

/* A banned id (CLUSTER FORGET) and when the ban ends. */
struct gossip_ban {
    char id[GOSSIP_ID_LEN];
    int64_t until_ms;
};
#define GOSSIP_BANS_MAX GOSSIP_NODES_MAX

static inline int64_t gossip__now(const struct gossip *g)
{
    return g->env.now_ms(g->env.ud);
}
static inline bool gossip__in_handshake(const struct gossip_node *n)
{
    return (n->flags & GOSSIP_NODE_HANDSHAKE) != 0;
}
/* Master side of my shard: myself, or my master when I am a replica. */
static inline struct gossip_node *gossip__my_master_side(const struct gossip *g)
{
    return gossip_node_is_replica(g->myself) ? g->myself->master : g->myself;
}

/* Copies an IP string into a node/link field (at most GOSSIP_IP_LEN - 1
 * chars; callers validate peer-supplied ones first, so nothing is cut). */
static inline void gossip__copy_ip(char dst[GOSSIP_IP_LEN], const char *src)
{
    size_t len = strnlen(src, GOSSIP_IP_LEN - 1);
    memcpy(dst, src, len);
    dst[len] = '\0';
}

/* gossip.c */
void gossip__log(const struct gossip *g, enum core_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
uint32_t gossip__random(const struct gossip *g);
void gossip__random_id(const struct gossip *g, char id[GOSSIP_ID_LEN + 1]);
/* Saves now, clearing the pending SAVE/FSYNC work. */
void gossip__save_now(struct gossip *g, bool fsync);

/* gossip_node.c */
struct gossip_node *gossip__node_create(struct gossip *g, const char *id, uint32_t flags);
void gossip__node_delete(struct gossip *g, struct gossip_node *n);
void gossip__node_rename(struct gossip *g, struct gossip_node *n, const char *id);
bool gossip__node_is_banned(struct gossip *g, const char *id);
void gossip__node_ban(struct gossip *g, const char *id);
/* Replica bookkeeping (Redis's clusterNodeAddSlave/RemoveSlave). */
void gossip__node_attach_replica(struct gossip_node *master, struct gossip_node *replica);
void gossip__node_detach_replica(struct gossip_node *master, struct gossip_node *replica);
/* n becomes a master (Redis's clusterSetNodeAsMaster). */
void gossip__node_set_master_role(struct gossip *g, struct gossip_node *n);
/* I become a replica of master (Redis's clusterSetMaster). */
void gossip__node_set_my_master(struct gossip *g, struct gossip_node *master);
bool gossip__id_is_valid(const char *id, size_t len);
bool gossip__ip_is_valid(const char *ip);

/* gossip_link.c */
/* Opens my outbound link to n if it has none (cron). */
void gossip__link_connect(struct gossip *g, struct gossip_node *n, int64_t now);
/* Closes and frees link (env->close), unbinding it from its node. */
void gossip__link_free(struct gossip *g, struct gossip_link *link);
void gossip__link_bind_inbound(struct gossip_node *n, struct gossip_link *link);

/* gossip_send.c */
void gossip__send_hdr_fill(struct gossip *g, struct gossip_msg_hdr *hdr);
/* Makes sure g->txbuf holds size bytes. */
uint8_t *gossip__send_buf(struct gossip *g, size_t size);
void gossip__send_raw(struct gossip *g, struct gossip_link *link, uint16_t type, const uint8_t *buf, size_t len);
/* To every node with an outbound link, except myself and handshake nodes. */
void gossip__send_broadcast(struct gossip *g, uint16_t type, const uint8_t *buf, size_t len);
void gossip__send_fail(struct gossip *g, const struct gossip_node *failing);
void gossip__send_update(struct gossip *g, struct gossip_link *link, const struct gossip_node *n);
/* A header-only message (AUTH_REQUEST, AUTH_ACK, MFSTART) with extra
 * mflags[0] bits; link NULL = nothing sent. */
void gossip__send_header_only(struct gossip *g, struct gossip_link *link, uint16_t type, uint8_t mflags0);
void gossip__send_broadcast_header_only(struct gossip *g, uint16_t type, uint8_t mflags0);
/* Unsolicited PONGs (their gossip and header carry news) to: */
enum gossip_pong_target {
    GOSSIP_PONG_ALL,            /* everyone with a link (a config change) */
    GOSSIP_PONG_LOCAL_REPLICAS, /* my shard's replicas (an election being scheduled) */
    GOSSIP_PONG_MASTERS_UP,     /* connected masters not suspected (a new suspicion, shoal) */
};
void gossip__send_pongs(struct gossip *g, enum gossip_pong_target target);

/* gossip_ping.c */
/* PING, PONG or MEET on link with gossip entries (§11.2). */
void gossip__ping_send(struct gossip *g, struct gossip_link *link, uint16_t type);
/* Cron: one random ping every 10 ticks (§11.1). */
void gossip__ping_random(struct gossip *g);
/* Cron, per node: link recycling and the N_T/2 ping. True if pinged. */
bool gossip__ping_node_cron(struct gossip *g, struct gossip_node *n, int64_t now);

/* gossip_meet.c */
/* A MEET from an unknown sender: add it as a handshake node. */
void gossip__meet_accept(struct gossip *g, struct gossip_link *link, const struct gossip_msg_hdr *hdr);
/* A PING/PONG/MEET on my outbound link: completes a handshake, or detects a
 * node that changed id. True if processing must stop (link may be gone). */
bool gossip__meet_check_link(struct gossip *g, struct gossip_link *link, struct gossip_node *sender,
                             const struct gossip_msg_hdr *hdr);
/* Adopts the address a header/link shows for n unless link is n's own
 * outbound link. True if it changed. */
bool gossip__meet_update_address(struct gossip *g, struct gossip_node *n, struct gossip_link *link,
                                 const struct gossip_msg_hdr *hdr);

/* gossip_recv.c */
void gossip__recv_dispatch(struct gossip *g, struct gossip_link *link, const struct gossip_msg *m);

/* gossip_fd.c */
/* Cron: PFAIL after N_T without answer (§12). */
void gossip__fd_check_node(struct gossip *g, struct gossip_node *n, int64_t now);
bool gossip__fd_add_report(struct gossip *g, struct gossip_node *n, struct gossip_node *reporter);
bool gossip__fd_del_report(struct gossip *g, struct gossip_node *n, struct gossip_node *reporter);
void gossip__fd_drop_reports_by(struct gossip *g, struct gossip_node *reporter);
void gossip__fd_mark_failing_if_needed(struct gossip *g, struct gossip_node *n);
void gossip__fd_clear_fail_if_needed(struct gossip *g, struct gossip_node *n);
void gossip__fd_recv_fail(struct gossip *g, struct gossip_node *sender, const struct gossip_msg_fail *fail);

/* gossip_epoch.c */
uint64_t gossip__epoch_max(const struct gossip *g);
void gossip__epoch_recv_hdr(struct gossip *g, struct gossip_node *sender, const struct gossip_msg_hdr *hdr);
void gossip__epoch_collision(struct gossip *g, struct gossip_node *sender);

/* gossip_failover.c */
/* Cron: manual failover timeout; on a replica the manual failover
 * progress, the election (§15) and replica migration (§18). */
void gossip__failover_tick(struct gossip *g);
/* GOSSIP_TODO_FAILOVER was flagged: the manual failover progress and the
 * election now rather than at the next tick. */
void gossip__failover_before_sleep(struct gossip *g);
/* §9 step 2: a paused master's offset for my manual failover. */
void gossip__failover_recv_hdr(struct gossip *g, struct gossip_node *sender, const struct gossip_msg_hdr *hdr);
void gossip__failover_recv_auth_request(struct gossip *g, struct gossip_node *sender,
                                        const struct gossip_msg_hdr *hdr);
void gossip__failover_recv_auth_ack(struct gossip *g, struct gossip_node *sender, const struct gossip_msg_hdr *hdr);
void gossip__failover_recv_mfstart(struct gossip *g, struct gossip_link *link, struct gossip_node *sender);
/* Ends any manual failover on this node (Redis's resetManualFailover()),
 * lifting the write pause if I paused for one. */
void gossip__failover_mf_reset(struct gossip *g);

/* gossip_slots.c */
void gossip__slots_recv_claim(struct gossip *g, struct gossip_node *sender, const struct gossip_msg_hdr *hdr);
void gossip__slots_recv_update(struct gossip *g, struct gossip_node *sender, const struct gossip_msg_update *u);
/* Forgets n's slots and any open state naming it (node deletion). */
void gossip__slots_forget_node(struct gossip *g, struct gossip_node *n);

#endif
