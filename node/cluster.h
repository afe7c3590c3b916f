/*
 * cluster.h — node/'s side of cluster mode: it builds the gossip state
 * machine's environment (clock, randomness, the bus transport, logging,
 * keys of lost slots), loads and saves nodes.conf under a lock, and drives
 * the cluster cron. The cluster logic itself is gossip/.
 */
#ifndef SHOAL_NODE_CLUSTER_H
#define SHOAL_NODE_CLUSTER_H

#include <stdbool.h>

#include "gossip/gossip.h"

struct node_server;

/* Loads nodes.conf (or makes a new identity when it is missing/empty),
 * takes the lock, starts the bus listener and the 100 ms cron. On failure
 * logs why and returns a negative errno (the server refuses to start). */
int node_cluster_start(struct node_server *srv);
void node_cluster_stop(struct node_server *srv);
/* Each loop iteration: gossip's deferred work, and a timer for the moment
 * it asks to run again (gossip_wakeup_ms). */
void node_cluster_before_sleep(struct node_server *srv);
/* CONFIG SET of a cluster-* option: hand the new values to gossip. */
void node_cluster_config_changed(struct node_server *srv);
/* Writes nodes.conf atomically now. 0 or -errno with *err set. */
int node_cluster_save(struct node_server *srv, bool do_fsync, const char **err);
/* The endpoint redirects and CLUSTER SLOTS/SHARDS name for node n, per
 * cluster-preferred-endpoint-type: its ip, its hostname ("?" if none), or
 * NULL for unknown-endpoint. */
const char *node_cluster_endpoint(const struct node_server *srv, const struct gossip_node *n);
/* The port the bus listens on: cluster-port, or port + 10000. */
int node_cluster_bus_port(const struct node_server *srv);

/* A node's replication offset: gossiped for others, live for myself. */
int64_t node_cluster_repl_offset(const struct node_server *srv, const struct gossip_node *n);

#endif
