/*
 * persist.h — the keyspace as an RDB: writing it (SAVE, BGSAVE, the
 * replication snapshot), loading it (dump.rdb at start-up, a replica's full
 * sync), DUMP/RESTORE values, the save points, and the one child process
 * (fork) the server may run at a time.
 *
 * Owns: mapping keyspace entries to RDB records and back (via
 * replication/rdb.h), fork bookkeeping, the INFO persistence fields.
 */
#ifndef SHOAL_NODE_PERSIST_H
#define SHOAL_NODE_PERSIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct node_server;
struct node_text;

/* Replication identity written as aux fields (repl-stream-db, repl-id,
 * repl-offset) so a restarted node can PSYNC; NULL = omit them. */
struct node_persist_repl_info {
    int stream_db;
    char replid[41];
    int64_t offset;
};

/* Writes the whole keyspace as RDB v10 to fd with blocking writes (fd may be
 * a file, a pipe or a socket set blocking by the caller). Returns 0, or -1
 * with errno set. Safe to call in a forked child. */
int node_persist_write_rdb(struct node_server *srv, int fd, const struct node_persist_repl_info *ri);

/* ---- the child process ---- */
enum node_child_kind { NODE_CHILD_NONE = 0, NODE_CHILD_RDB, NODE_CHILD_REPL };
/* Called in the parent when the child exited: ok = exit status 0. */
typedef void (*node_child_done_fn)(struct node_server *srv, void *ud, bool ok, int exit_code, int signal);
/* Forks. Parent: the child's pid (> 0), or -1 with errno (EBUSY: a child is
 * already running). Child: 0 — it must end with _exit(). done runs in the
 * parent once the child was reaped. */
pid_t node_child_fork(struct node_server *srv, enum node_child_kind kind, node_child_done_fn done, void *ud);
enum node_child_kind node_child_running(const struct node_server *srv);
/* Kills the running child (SIGUSR1, as Redis) and reaps it; done is called with ok = false. */
void node_child_kill(struct node_server *srv);

/* ---- loading ---- */
enum node_persist_load_flags {
    NODE_PERSIST_KEEP_EXPIRED = 1, /* a replica keeps keys whose TTL passed (its master sends DEL) */
};
/* What the aux fields of a loaded file said (replication identity). */
struct node_persist_load_info {
    bool has_repl;          /* repl-id (40 chars) and repl-offset present and valid */
    char replid[41];
    int64_t offset;
    int stream_db;          /* 0 when absent */
    uint64_t keys_loaded;
    uint64_t expired_skipped;
    uint64_t empty_skipped; /* empty collections (Redis skips them too) */
};
struct node_persist_loader;
/* Starts loading into srv->ks, which the caller has emptied. Sets
 * srv->loading (INFO loading:1, -LOADING) until node_persist_loader_free. */
struct node_persist_loader *node_persist_loader_new(struct node_server *srv, unsigned flags);
/* Feeds any amount of input (the loader keeps partial records). Returns 0 =
 * more input needed, 1 = done (*used = bytes of buf consumed: anything after
 * the RDB trailer is left to the caller), -1 = error (message via
 * node_persist_loader_error; the caller empties the keyspace: nothing
 * half-loaded is served). */
int node_persist_loader_feed(struct node_persist_loader *ld, const void *buf, size_t len, size_t *used);
const char *node_persist_loader_error(const struct node_persist_loader *ld);
const struct node_persist_load_info *node_persist_loader_info(const struct node_persist_loader *ld);
void node_persist_loader_free(struct node_persist_loader *ld);
/* Optional: the size of the whole input when known (the disk form's
 * $<len>), for INFO loading_total_bytes / loading_loaded_perc. */
void node_persist_loader_set_total(struct node_persist_loader *ld, uint64_t total_bytes);

/* Start-up: loads dir/dbfilename if it exists. 0 (also when absent), or -1
 * with err set: the server refuses to start rather than run half-loaded. */
int node_persist_load_startup(struct node_server *srv, struct node_persist_load_info *info, char *err, size_t errsize);

/* ---- save points, shutdown, INFO ---- */
/* From the server cron: BGSAVE when a save point is reached, reaping the child. */
void node_persist_cron(struct node_server *srv, int64_t now_ms);
/* SHUTDOWN / SIGTERM: a final synchronous save when save points are set (or
 * force). Returns 0, or -1 (logged) when the save failed. */
int node_persist_shutdown_save(struct node_server *srv, bool force);
/* Appends the INFO persistence section's fields (without the "# Persistence" title). */
void node_persist_info(struct node_server *srv, struct node_text *t);
/* INFO stats: latest_fork_usec and total_forks (every child, BGSAVE or replication). */
void node_persist_fork_stats(const struct node_server *srv, int64_t *latest_fork_usec, uint64_t *total_forks);
/* At exit, after the last save: frees the persistence state (any child
 * must have been killed or reaped first). */
void node_persist_free(struct node_server *srv);
/* true while a BGSAVE failed last and stop-writes-on-bgsave-error is set (MISCONF). */
bool node_persist_writes_refused(const struct node_server *srv);

#endif
