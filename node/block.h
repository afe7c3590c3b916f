/*
 * block.h — clients blocked on keys (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH,
 * BLMPOP, BZPOPMIN, BZPOPMAX, BZMPOP).
 *
 * A blocking command that finds nothing to serve calls node_block_keys and
 * returns without a reply. When a key it waits on is signalled ready
 * (node_key_ready), the framework runs the command again, exactly as the
 * client sent it, with node_block_rerun(c) true; the command then either
 * serves (replies, and propagates its non-blocking form, e.g. "LPOP key",
 * via node_prop_rewrite) or calls node_block_keys again to keep waiting —
 * it keeps its place in every key's queue (clients are served in the order
 * they blocked). A rerun happens right after the command that made the key
 * ready (before that client's next command is read), as Redis does.
 *
 * On timeout the framework replies the nil the command declared. When the
 * key's slot stops being served here the client gets "-MOVED <slot>
 * <host>:<port>" (or -CLUSTERDOWN), and when this node turns into a replica
 * "-UNBLOCKED force unblock from blocking operation, instance state
 * changed (master -> replica?)", as Redis 7.0.
 */
#ifndef SHOAL_NODE_BLOCK_H
#define SHOAL_NODE_BLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "node/ks.h"

struct node_client;
struct node_server;

/* The nil a blocking command answers when it may not block (inside
 * MULTI). A timed-out client always gets a null array, as Redis 7.0 answers
 * every list or zset timeout (BLMOVE and BRPOPLPUSH included). */
enum node_block_nil {
    NODE_BLOCK_NIL_ARRAY = 0, /* *-1 (RESP3 _): BLPOP, BRPOP, BLMPOP, BZPOPMIN/MAX, BZMPOP */
    NODE_BLOCK_NIL_BULK = 1,  /* $-1 (RESP3 _): BLMOVE, BRPOPLPUSH */
};

/* Parses a blocking timeout (seconds, a float allowed, as Redis 7.0) in
 * argv[argi] into an absolute deadline in unix ms (0 = wait forever).
 * Replies "ERR timeout is not a float or out of range", "ERR timeout is
 * negative" or "ERR timeout is out of range" and returns false on error. */
bool node_block_parse_timeout(struct node_client *c, int argi, int64_t *deadline_ms);
/* False when the command must not block and answers its nil at once:
 * inside MULTI/EXEC, or applied from this node's master. */
bool node_block_allowed(const struct node_client *c);
/* Blocks c on the keys at argv indexes key_idx[0..nkeys) until deadline_ms
 * (unix ms, 0 = forever); only a key holding type `want` wakes it. Call once
 * per run, as the command's last act, without replying. */
void node_block_keys(struct node_client *c, const int *key_idx, int nkeys, int64_t deadline_ms,
                     enum node_ks_type want, enum node_block_nil nil);
/* True while the framework reruns a blocked command. */
bool node_block_rerun(const struct node_client *c);
/* Whether argv[argi] may serve the running command: always outside a
 * rerun; on a rerun only the key that became ready (Redis 7.0 serves a
 * client blocked on several keys from the key signalled, not from the
 * first of its keys that holds elements). */
bool node_block_serving(const struct node_client *c, int argi);
/* A key now holds elements a blocked client may take (LPUSH, LMOVE's
 * destination, ZADD, ZINCRBY, RESTORE/RENAME/COPY/SMOVE onto it ...).
 * Cheap when nobody is blocked on it. */
void node_key_ready(struct node_server *srv, const char *key, size_t klen);
/* c is going away: forget it in every queue (no reply). */
void node_block_client_closed(struct node_client *c);
/* Slots left this node or the cluster state changed: blocked clients whose
 * key is no longer served here are answered -MOVED/-CLUSTERDOWN now. */
void node_block_cluster_changed(struct node_server *srv);
/* Reruns the commands of clients waiting on keys signalled ready, until
 * none is left (dispatch.c: after each top-level command, EXEC as a whole). */
void node_block_handle_ready(struct node_server *srv);
/* Shutdown, after the loop closed its handles. */
void node_block_free(struct node_server *srv);

#endif
