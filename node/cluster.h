/*
 * cluster.h — this node's view of the cluster: the node table, the slot map
 * and the cluster state (ok/fail), in cluster mode.
 *
 * Owns: node identities and flags as CLUSTER NODES shows them, the slot map
 * (slots/), the §19 state rules (full coverage, quorum of reachable masters,
 * the writable and rejoin delays). The cluster bus will fill the table with
 * other nodes; until then it holds only myself. Does not own routing (the
 * decision is slots_route(), node/dispatch.c applies it) nor replies.
 */
#ifndef SHOAL_NODE_CLUSTER_H
#define SHOAL_NODE_CLUSTER_H

#include <stdbool.h>
#include <stdint.h>

#include "slots/slots.h"

#define NODE_CLUSTER_ID_LEN 40
/* A master still in fail state keeps failing this long after the first
 * evaluation (Redis's CLUSTER_WRITABLE_DELAY). */
#define NODE_CLUSTER_WRITABLE_DELAY_MS 2000
/* Bounds of the delay before a master that was in the minority serves again. */
#define NODE_CLUSTER_REJOIN_DELAY_MIN_MS 500
#define NODE_CLUSTER_REJOIN_DELAY_MAX_MS 5000

enum node_cluster_flags {
    NODE_CN_MYSELF = 1u << 0,
    NODE_CN_MASTER = 1u << 1,
    NODE_CN_REPLICA = 1u << 2,
    NODE_CN_PFAIL = 1u << 3,
    NODE_CN_FAIL = 1u << 4,
    NODE_CN_HANDSHAKE = 1u << 5,
    NODE_CN_NOADDR = 1u << 6,
    NODE_CN_NOFAILOVER = 1u << 7,
};

struct node_cluster_node {
    char id[NODE_CLUSTER_ID_LEN + 1];
    char ip[46];          /* "" while unknown, as Redis shows a fresh node */
    int port;             /* client port */
    int cport;            /* cluster bus port */
    unsigned flags;
    int32_t master;       /* index of my master for replicas, else SLOTS_NODE_NONE */
    uint64_t config_epoch;
    int64_t ping_sent_ms;
    int64_t pong_recv_ms;
    bool link_connected;
};

struct node_cluster {
    struct slots_map map;
    struct node_cluster_node *nodes;
    int32_t count, cap;
    int32_t myself;
    bool state_ok;
    uint64_t current_epoch;
    int64_t first_eval_ms;
    int64_t minority_since_ms;
};

struct node_config;

/* A new cluster view holding only myself, with a fresh random node id. */
struct node_cluster *node_cluster_new(const struct node_config *cfg);
void node_cluster_free(struct node_cluster *cl);
/* The index of the node with this 40-char id, or SLOTS_NODE_NONE. */
int32_t node_cluster_find(const struct node_cluster *cl, const char *id, size_t len);
static inline struct node_cluster_node *node_cluster_myself(struct node_cluster *cl)
{
    return &cl->nodes[cl->myself];
}
/* Re-evaluates ok/fail (spec §19). Returns true if the state changed. */
bool node_cluster_update_state(struct node_cluster *cl, const struct node_config *cfg, int64_t now_ms);
/* Masters owning at least one slot (CLUSTER INFO cluster_size). */
int node_cluster_size(const struct node_cluster *cl);
/* Writes "ip" (or the announced ip) of node i for redirects; never NULL. */
const char *node_cluster_endpoint(const struct node_cluster *cl, int32_t i);

#endif
