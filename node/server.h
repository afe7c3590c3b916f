/*
 * server.h — the node's core types: the server, a client connection, and the
 * command table entry. Every command file includes this header.
 *
 * A command proc reads its arguments from c->argv[0..argc) / c->argl (NOT
 * NUL-terminated: they point into the query buffer), does its work on
 * c->srv->ks and appends exactly one reply to &c->out.
 */
#ifndef SHOAL_NODE_SERVER_H
#define SHOAL_NODE_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "node/config.h"
#include "node/ks.h"
#include "node/reply.h"
#include "node/resp_parse.h"

struct node_client;
struct node_server;
struct gossip;
struct gossip_bus;
struct repl;
struct repl_client;
struct node_persist_state;
struct node_prop_state;
struct node_pause;
struct node_migrate_state;
struct node_evict_state;
struct node_block_state;
struct node_watch_state;
struct node_pubsub_state;
struct node_block_client;
struct node_watch_client;
struct node_pubsub_client;
typedef void node_cmd_proc(struct node_client *c);
/* For commands with movable keys: fills idx with the argv indexes of the keys;
 * returns how many (at most idx_cap), or -1 on a syntax error. */
typedef int node_cmd_getkeys_proc(int argc, const char **argv, const size_t *argl, int *idx, int idx_cap);

enum node_cmd_flags {
    NODE_CMD_WRITE = 1u << 0,
    NODE_CMD_READONLY = 1u << 1,
    NODE_CMD_DENYOOM = 1u << 2,
    NODE_CMD_ADMIN = 1u << 3,
    NODE_CMD_PUBSUB = 1u << 4,
    NODE_CMD_NOSCRIPT = 1u << 5,
    NODE_CMD_BLOCKING = 1u << 6,
    NODE_CMD_LOADING = 1u << 7,
    NODE_CMD_STALE = 1u << 8,
    NODE_CMD_SKIP_MONITOR = 1u << 9,
    NODE_CMD_SKIP_SLOWLOG = 1u << 10,
    NODE_CMD_FAST = 1u << 11,
    NODE_CMD_NO_AUTH = 1u << 12,
    NODE_CMD_MAY_REPLICATE = 1u << 13,
    NODE_CMD_NO_MULTI = 1u << 14,
    NODE_CMD_MOVABLE_KEYS = 1u << 15,
    NODE_CMD_ALLOW_BUSY = 1u << 16,
    NODE_CMD_ASKING = 1u << 17,
    NODE_CMD_NO_ASYNC_LOADING = 1u << 18,
};

struct node_cmd {
    const char *name;         /* lower case; "config|get" style for subcommands is built from parent */
    node_cmd_proc *proc;
    int arity;                /* > 0 exact argc, < 0 at least -arity */
    uint32_t flags;
    const char *acl;          /* ACL categories, space separated, without '@': "write string slow" */
    int first_key, last_key, key_step; /* Redis's legacy key positions; 0 0 0 if none */
    node_cmd_getkeys_proc *getkeys;    /* movable keys */
    const struct node_cmd *subcmds;    /* container commands (CONFIG, CLIENT, ...) */
    int nsubcmds;
    const char *summary;
    const char *since;
    const char *group;
};

struct node_cmd_stats {
    uint64_t calls, rejected, failed;
    uint64_t ticks; /* core_ticks() spent; core_ticks_to_us() when reported */
};

/* The command named by argv[0] (and argv[1] for containers), or NULL.
 * *parent is set to the container when a subcommand is returned. */
const struct node_cmd *node_cmd_lookup(const char *name, size_t len);
const struct node_cmd *node_cmd_lookup_sub(const struct node_cmd *parent, const char *name, size_t len);
/* Iteration over the top-level table (COMMAND, COMMAND COUNT). */
size_t node_cmd_count(void);
const struct node_cmd *node_cmd_at(size_t index);
/* Per-command statistics slot (INFO commandstats). */
struct node_cmd_stats *node_cmd_stats(const struct node_cmd *cmd);
void node_cmd_reset_stats(void);
/* Writes the key argv indexes of a command into idx. Returns count or -1. */
int node_cmd_get_keys(const struct node_cmd *cmd, int argc, const char **argv, const size_t *argl, int *idx,
                      int idx_cap);
/* Redis's genericGetKeys for a numkeys form (ZUNIONSTORE, LMPOP, SINTERCARD
 * ...): numkeys at argv[numi] read as atoi() does (leading blanks, a sign,
 * the digits that follow), then that many keys after it; dst > 0 puts that
 * argv index first (the destination of the store forms). -1 when numkeys is
 * not a count of keys that are there (COMMAND GETKEYS: "Invalid arguments"). */
int node_cmd_numkeys_getkeys(int argc, const char **argv, const size_t *argl, int numi, int dst, int *idx,
                             int idx_cap);
/* "get" or "config|get": the name used in error texts. */
void node_cmd_fullname(const struct node_cmd *cmd, char *buf, size_t size);

enum node_client_flags {
    NODE_CLIENT_CLOSE_AFTER_REPLY = 1u << 0,
    NODE_CLIENT_CLOSE_ASAP = 1u << 1,
    NODE_CLIENT_MULTI = 1u << 2,
    NODE_CLIENT_DIRTY_EXEC = 1u << 3,
    NODE_CLIENT_AUTHENTICATED = 1u << 4,
    NODE_CLIENT_PENDING_WRITE = 1u << 5,
    NODE_CLIENT_WRITING = 1u << 6,
    NODE_CLIENT_CLOSING = 1u << 7,
    NODE_CLIENT_IN_EXEC = 1u << 8,
    NODE_CLIENT_PROTOCOL_ERROR = 1u << 9,
    NODE_CLIENT_ASKING = 1u << 10,
    NODE_CLIENT_READONLY = 1u << 11,
    NODE_CLIENT_UNIX = 1u << 12,
    NODE_CLIENT_REPLICA = 1u << 13,     /* a replica attached to this node (PSYNC/SYNC sent) */
    NODE_CLIENT_MASTER = 1u << 14,      /* this node's link to its master: commands applied, replies dropped */
    NODE_CLIENT_BLOCKED = 1u << 15,     /* waiting (WAIT): input is not processed until unblocked */
    NODE_CLIENT_FORCE_REPLY = 1u << 16, /* master link: keep this command's reply (REPLCONF GETACK) */
    NODE_CLIENT_UNBLOCKED = 1u << 17,   /* unblocked: queued input is processed before the loop sleeps */
    NODE_CLIENT_POSTPONED = 1u << 18,   /* blocked by a pause, its command unconsumed (node/pause.c) */
};

/* One command queued by MULTI; owns copies of its arguments. */
struct node_multi_cmd {
    const struct node_cmd *cmd;
    int argc;
    char **argv;
    size_t *argl;
};

struct node_client {
    uint64_t id;
    struct node_server *srv;
    uv_tcp_t tcp;
    unsigned flags;

    /* query buffer: bytes [qpos, qlen) are unparsed */
    char *qbuf;
    size_t qlen, qcap, qpos;
    size_t qbuf_peak;
    struct node_resp_parser parser;

    /* the command being executed */
    int argc;
    const char **argv;
    size_t *argl;
    const struct node_cmd *cmd, *lastcmd;

    struct node_out out;
    uv_write_t wreq;
    uv_buf_t *wbufs;          /* iovecs of the write in flight */
    size_t wbufs_cap;
    size_t wbytes;            /* bytes in the write in flight */

    char *name;               /* CLIENT SETNAME, NULL if none */
    char addr[64];            /* ip:port of the peer */
    char laddr[64];
    int fd;
    int64_t ctime_ms;
    int64_t last_interaction_ms;
    int64_t obuf_soft_since_ms;

    struct node_multi_cmd *mstate;
    int mcount, mcap;

    int64_t woff;                 /* master_repl_offset after this client's last command (WAIT) */
    struct repl_client *repl;     /* replication state when a replica or the master link (replication/) */
    int64_t bpop_timeout_ms;      /* blocked: absolute deadline (unix ms), 0 = none */
    struct node_client *unblocked_next; /* list of clients to resume */
    struct node_client *postponed_next; /* node/pause.c's queue */

    struct node_pubsub_client *pubsub;     /* subscriptions (node/pubsub.c), NULL if none */
    struct node_watch_client *watch;       /* watched keys (node/watch.c), NULL if none */
    struct node_block_client *block;       /* blocked on keys (node/block.c), NULL if not */

    struct node_client *prev, *next;       /* all clients */
    struct node_client *pending_next;      /* clients with replies to flush */
};

struct node_server_stats {
    uint64_t total_connections;
    uint64_t rejected_connections;
    uint64_t total_commands;
    uint64_t net_input_bytes;
    uint64_t net_output_bytes;
    uint64_t total_error_replies;
    uint64_t client_qbuf_limit_disconnections;
    uint64_t client_obuf_limit_disconnections;
    int64_t start_mono_us;
    size_t used_memory_peak;           /* sampled by the cron and by INFO */
    /* instantaneous ops/sec: a ring of per-100ms samples, filled by the cron */
    uint64_t ops_samples[16];
    int ops_sample_index;
    uint64_t ops_last_commands;
    int64_t ops_last_ms;
};

struct node_server {
    struct node_config cfg;
    uv_loop_t *loop;
    uv_tcp_t *listeners[NODE_CONFIG_BIND_MAX]; /* heap: freed by their close callbacks */
    int nlisteners;
    int listen_port;                           /* what the listeners were opened with */
    char *listen_bind[NODE_CONFIG_BIND_MAX];
    int listen_bind_count;
    uv_prepare_t before_poll;
    uv_timer_t cron;
    uv_signal_t sigterm, sigint;

    struct node_ks *ks;
    struct gossip *gossip;             /* NULL unless cluster-enabled */
    struct gossip_bus *bus;
    uv_timer_t cluster_cron;
    uv_timer_t cluster_wakeup; /* gossip_wakeup_ms(): an election delay ending between ticks */
    int cluster_lock_fd;
    struct node_client *clients;       /* list head */
    size_t nclients;
    struct node_client *pending;       /* clients with output to flush */
    uint64_t next_client_id;

    char run_id[41];
    int64_t start_time_ms;
    uint64_t cronloops;
    struct node_server_stats stats;
    bool shutdown_asap;
    bool shutdown_done_save;           /* SHUTDOWN already saved (or was told NOSAVE) */
    uint64_t dirty;                    /* changes since start (INFO rdb_changes_since_last_save) */
    struct repl *repl;                 /* replication: always present */
    struct node_persist_state *persist; /* node/persist.c private state */
    struct node_prop_state *prop;      /* node/propagate.c private state */
    bool loading;                      /* a dataset is being loaded: -LOADING for most commands */
    struct node_client *unblocked;     /* clients to resume before the loop sleeps, oldest first */
    struct node_client *unblocked_tail;
    struct node_pause *pause;          /* node/pause.c */
    struct node_migrate_state *migrate; /* node/cmd_migrate.c: cached connections to MIGRATE targets */
    const char *executable;
    struct node_pubsub_state *pubsub;  /* node/pubsub.c: channels and patterns */
    struct node_watch_state *watch;    /* node/watch.c: watched keys -> clients */
    struct node_block_state *block;    /* node/block.c: keys -> blocked clients, ready keys */
    struct node_evict_state *evict;    /* node/evict.c: eviction pool and stats */
};

/* ---- helpers for command procs (node/dispatch.c, node/client.c) ---- */
/* Replies "-ERR wrong number of arguments for '<fullname>' command". */
void node_reply_arity_error(struct node_client *c);
/* Replies "-ERR unknown subcommand '<sub>'. Try <CMD> HELP." */
void node_reply_subcommand_error(struct node_client *c);
/* A container subcommand that parses its own arguments got a wrong count:
 * "unknown subcommand or wrong number of arguments for '<sub as typed>'". */
void node_reply_subcommand_args_error(struct node_client *c);
/* Replies "-ERR invalid expire time in '<fullname>' command". */
void node_reply_invalid_expire(struct node_client *c);
/* Parses argv[i] as a strict integer; on failure replies err (or NODE_ERR_NOT_INT) and returns false. */
bool node_arg_ll(struct node_client *c, int i, long long *out, const char *err);
/* Case-insensitive compare of argv[i] with a literal. */
bool node_arg_is(const struct node_client *c, int i, const char *lit);
/* The options of SCAN, HSCAN, SSCAN and ZSCAN. */
struct node_scan_opts {
    long long count;  /* COUNT, >= 1; 10 when absent */
    const char *pat;  /* MATCH; NULL when absent or "*" (every name) */
    size_t plen;
    const char *type; /* TYPE (SCAN only); NULL when absent */
    size_t tlen;
};
/* Parses them from argv[first] on (TYPE only when allow_type); replies
 * Redis's error and returns false on a bad one. */
bool node_scan_parse_opts(struct node_client *c, int first, bool allow_type, struct node_scan_opts *o);

/* CONFIG RESETSTAT: zeroes the server's and the commands' statistics. */
void node_server_reset_stats(struct node_server *srv);

/* Commands per second over the last ~1.6 s (INFO instantaneous_ops_per_sec). */
long long node_server_instantaneous_ops(const struct node_server *srv);

/* Marks the keyspace changed (counts for INFO; later: replication, WATCH). */
void node_server_dirty(struct node_server *srv, uint64_t n);

/* Drops a client's MULTI state (DISCARD, RESET, disconnect). */
void node_multi_reset(struct node_client *c);

/* Closes a client after its pending replies are written (or now). */
void node_client_close(struct node_client *c, bool asap);

/* Blocks c after its current command: no further input is processed until
 * node_client_unblock (the unblocker writes the reply first). */
void node_client_block(struct node_client *c);
/* Resumes a blocked client: its pending input is processed before the loop sleeps. */
void node_client_unblock(struct node_client *c);
/* Makes a client of an already connected socket (takes fd; flags such as
 * NODE_CLIENT_MASTER), authenticated, listed in CLIENT LIST; NULL on error
 * (fd closed). Reading starts at once. */
struct node_client *node_client_adopt_fd(struct node_server *srv, int fd, unsigned flags);
/* Processes bytes as if read from c's socket (what a handshake read past its end). */
void node_client_feed(struct node_client *c, const char *buf, size_t len);
/* Writes pending output now, or queues it (replication writes to replicas). */
void node_client_write_now(struct node_client *c);

#endif
