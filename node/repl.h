/*
 * repl.h — master/replica replication's I/O sides (../shared/spec/replication.md):
 * the state both sides share (replication ids, offsets, the backlog), and
 * what the rest of the node calls. The pure rules (backlog ring, ids, the
 * PSYNC decision, reply-line parsing) are in replication/.
 *
 * Two owners: repl_master.c (replicas attached to this node: PSYNC/SYNC,
 * REPLCONF, the snapshot, feeding the stream, ACKs, WAIT, min-replicas, ROLE,
 * INFO replication) and repl_replica.c (this node's link to its master:
 * REPLICAOF, the handshake, receiving and loading the snapshot, applying the
 * stream, ACKs, reconnection). repl.c holds the shared state and the
 * identity rules of spec §8 (new ids, shifting replid to replid2).
 */
#ifndef SHOAL_NODE_REPL_H
#define SHOAL_NODE_REPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "replication/repl_backlog.h"
#include "replication/repl_psync.h"

struct node_server;
struct node_client;
struct node_text;
struct node_out;
struct repl_master_state;  /* repl_master.c */
struct repl_replica_state; /* repl_replica.c */

struct repl {
    struct node_server *srv;
    struct repl_ids ids;             /* replid, replid2, master_repl_offset, second_replid_offset */
    struct repl_backlog *backlog;    /* NULL until first needed */
    int stream_db;                   /* DB of the last command in the stream, -1 = emit SELECT next */
    /* stats (INFO stats) */
    uint64_t sync_full, sync_partial_ok, sync_partial_err;
    /* the two sides' private state */
    struct repl_master_state *m;
    struct repl_replica_state *r;
};

/* repl.c */
struct repl *repl_new(struct node_server *srv);
void repl_free(struct repl *r);
/* A fresh random 40-hex id. */
void repl_random_id(char out[REPL_ID_LEN + 1]);
/* New history: replid = random, replid2 cleared (spec §8.1, first full sync / backlog TTL). */
void repl_change_replid(struct repl *r);
/* Promotion: replid2 = replid, second_replid_offset = offset + 1, new replid. */
void repl_shift_replid(struct repl *r);
void repl_clear_replid2(struct repl *r);
/* Creates the backlog (repl-backlog-size) if there is none. */
void repl_backlog_ensure(struct repl *r);
/* Called by the server cron about every 100 ms; each side keeps its own 1 s pace. */
void repl_cron(struct repl *r, int64_t now_ms);
/* Before the loop sleeps: WAIT's GETACK and unblocking (master side). */
void repl_before_sleep(struct repl *r);
/* A client connection is being freed: the side that knew it (as replica,
 * as master link, as a WAIT waiter) forgets it. */
void repl_client_closed(struct repl *r, struct node_client *c);

/* ---- master side (repl_master.c) ---- */
void repl_master_init(struct repl *r);
void repl_master_free(struct repl *r);
/* Appends bytes to the replication stream: master_repl_offset, backlog and
 * every replica's output (or its pending buffer while its snapshot is sent).
 * As Redis: nothing happens while no backlog exists (no replica ever
 * attached); once created the backlog is fed whether or not replicas are
 * connected, until repl-backlog-ttl frees it. */
void repl_feed(struct repl *r, const void *buf, size_t len);
/* True when repl_feed would do anything (propagation skips its work otherwise). */
bool repl_stream_active(const struct repl *r);
/* Refuse writes with NOREPLICAS? (min-replicas-to-write / -max-lag). */
bool repl_min_replicas_refuse(const struct repl *r);
/* Disconnects every attached replica (promotion, new history). */
void repl_disconnect_replicas(struct repl *r);
void repl_master_cron(struct repl *r, int64_t now_ms);
void repl_master_before_sleep(struct repl *r);
void repl_master_client_closed(struct repl *r, struct node_client *c);
/* INFO replication: the master-side lines from connected_slaves on. */
void repl_master_info(struct repl *r, struct node_text *t);

/* ---- replica side (repl_replica.c) ---- */
void repl_replica_init(struct repl *r);
void repl_replica_free(struct repl *r);
/* REPLICAOF host port (host NULL: NO ONE, become a master). */
void repl_set_master(struct repl *r, const char *host, int port);
bool repl_is_replica(const struct repl *r);
/* The master link is up and the stream flowing (spec: state connected). */
bool repl_link_up(const struct repl *r);
/* From the client read path, after each command the master link executed:
 * bytes = the command's exact request bytes. Advances the applied offset
 * (not inside MULTI) and forwards applied bytes to sub-replicas/backlog. */
void repl_master_applied(struct repl *r, struct node_client *c, const char *bytes, size_t len);
/* The applied offset (REPLCONF ACK, cluster bus headers). */
int64_t repl_replica_offset(const struct repl *r);
/* How old this replica's data may be (cluster failover, spec cluster-bus.md
 * §15): ms since the last byte from the master while the link is up; else
 * since the link went down; INT64_MAX if it has not been up since this node
 * became a replica (as Redis: such a replica never fails over on its own).
 * 0 when not a replica. */
int64_t repl_replica_data_age_ms(const struct repl *r, int64_t now_ms);
void repl_replica_cron(struct repl *r, int64_t now_ms);
void repl_replica_client_closed(struct repl *r, struct node_client *c);
/* ROLE on a replica: the 5-element array (spec §13). */
void repl_replica_role(struct repl *r, struct node_out *out);
/* INFO replication: the replica-side lines (master_host .. replica_announced). */
void repl_replica_info(struct repl *r, struct node_text *t);

/* INFO replication, whole section body (role first). */
void repl_info(struct repl *r, struct node_text *t);

#endif
