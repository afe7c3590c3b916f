/*
 * propagate.h — what a command leaves in the replication stream (spec
 * replication.md §5.2-5.4).
 *
 * After a top-level command that made the dataset dirty, its argv goes to
 * the stream verbatim unless the command rewrote it here; DELs of keys found
 * expired while it ran go first; more than one entry is wrapped in
 * MULTI/EXEC; SELECT is emitted when the stream's DB is unknown. Commands
 * applied from this node's own master are not propagated here: the replica
 * forwards the master's bytes verbatim (repl_master_applied).
 */
#ifndef SHOAL_NODE_PROPAGATE_H
#define SHOAL_NODE_PROPAGATE_H

#include <stdbool.h>
#include <stddef.h>

struct node_client;
struct node_server;

/* Replaces what the running command propagates with this argv (copied).
 * Call at most once per command; wins over the default verbatim argv. */
void node_prop_rewrite(struct node_client *c, int argc, const char *const *argv, const size_t *argl);
/* Adds one more entry after the command's own (SPOP count's SREMs ...). */
void node_prop_also(struct node_client *c, int argc, const char *const *argv, const size_t *argl);
/* The running command propagates nothing even though it made changes. */
void node_prop_prevent(struct node_client *c);
/* Forces propagation of the running command even if nothing changed (FLUSHALL). */
void node_prop_force(struct node_client *c);

/* A key was removed because it expired (lazy, during a command, or by the
 * active cycle): propagates DEL key. */
void node_prop_expired(struct node_server *srv, const char *key, size_t klen);
/* A key was evicted (maxmemory): DEL key goes out at once as its own
 * entry, never joined to a command's unit (Redis's performEvictions runs
 * before the command). */
void node_prop_evicted(struct node_server *srv, const char *key, size_t klen);

/* dispatch.c: around the top-level execution of one command (or EXEC). */
void node_prop_begin(struct node_server *srv, struct node_client *c);
void node_prop_end(struct node_server *srv, struct node_client *c, bool dirty);
/* Whether the running command's entries go anywhere (skip building a rewrite if not). */
bool node_prop_wanted(const struct node_client *c);
void node_prop_free(struct node_server *srv);
/* Feeds raw bytes that are already a whole stream entry (REPLCONF GETACK, ping). */
void node_prop_raw(struct node_server *srv, const char *buf, size_t len);

#endif
