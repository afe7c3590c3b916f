/*
 * persist_int.h — private interfaces between the persistence files:
 * persist.c (writing RDB, SAVE/BGSAVE, save points, INFO), persist_load.c
 * (loading), child.c (the fork) and cmd_persist.c (the commands).
 *
 * struct node_persist_state is srv->persist: created on first use by
 * node_persist__state(), never shared with other parts of the node.
 */
#ifndef SHOAL_NODE_PERSIST_INT_H
#define SHOAL_NODE_PERSIST_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "node/persist.h"
#include "replication/rdb.h"

struct node_ks_entry;
struct node_text;

/* Redis's CONFIG_BGSAVE_RETRY_DELAY: seconds between automatic BGSAVE tries after a failure. */
#define NODE_PERSIST_RETRY_DELAY_S 5
/* The longest single RDB record a loader buffers (key + value); bigger is refused. */
#define NODE_PERSIST_RECORD_MAX ((size_t)1 << 30)

/* A page shared with the child (MAP_SHARED): what the child reports while
 * it runs. Written only by the child, read by the parent. */
struct node_persist_progress {
    volatile uint64_t keys_processed;
    volatile uint64_t cow_current;   /* bytes of private dirty memory, last sample */
    volatile uint64_t cow_peak;
    volatile uint64_t cow_sum;       /* for the average in the log line */
    volatile uint64_t cow_samples;
    volatile int64_t cow_time_ms;    /* unix ms of the last sample, 0 = none yet */
    volatile uint64_t cow_final;     /* set once the child finished writing */
};

struct node_persist_state {
    /* the child (child.c) */
    pid_t child_pid;                 /* 0 = none */
    enum node_child_kind child_kind;
    node_child_done_fn child_done;
    void *child_ud;
    int64_t child_start_s;           /* unix seconds the child was forked */
    uint64_t child_keys_total;       /* keys when forked (current_save_keys_total) */
    bool in_child;                   /* this process IS the child */
    uint64_t total_forks;
    int64_t latest_fork_usec;
    struct node_persist_progress *progress;
    bool progress_mapped;            /* mmap'ed (else a plain allocation: no sharing) */

    /* saving (persist.c) */
    int64_t lastsave_s;              /* LASTSAVE */
    int64_t lastbgsave_try_s;
    bool lastbgsave_ok;
    uint64_t dirty_at_save;          /* srv->dirty when the last save's snapshot was taken */
    uint64_t dirty_before_bgsave;
    pid_t bgsave_pid;                /* the BGSAVE child, for its temp file */
    bool bgsave_scheduled;
    int64_t last_bgsave_time_s;      /* -1 until a child ended */
    uint64_t saves;
    uint64_t last_cow_size;

    /* loading (persist_load.c) */
    struct node_persist_loader *loader; /* the load in progress, for INFO */
    uint64_t last_load_keys_loaded;
    uint64_t last_load_keys_expired;
};

/* srv->persist, created on first use. */
struct node_persist_state *node_persist__state(struct node_server *srv);

/* child.c: from the cron, reaps an ended child and runs its done callback. */
void node_child__reap(struct node_server *srv);
/* Private dirty bytes of this process (the child's copy-on-write), 0 if unknown. */
uint64_t node_child__private_dirty(void);

/* cmd_persist.c: the DUMP payload of an entry (type byte, body, version,
 * CRC-64) in a fresh *enc the caller frees with rdb_enc_free. 0, or
 * -ENOTSUP (nothing to free) when shoal cannot write that type yet. */
int node_persist__dump_payload(const struct node_server *srv, const struct node_ks_entry *e, struct rdb_enc *enc);
#define NODE_PERSIST_ERR_DUMP_TYPE "ERR DUMP of this type is not supported by this shoal version"

/* persist.c: the RDB type byte a keyspace entry is written with, or -1 when
 * shoal cannot write that type yet. */
int node_persist__rdb_type(const struct node_ks_entry *e);
/* Writes the entry's value body (what follows the type byte and key). */
int node_persist__write_body(struct rdb_enc *enc, const struct node_ks_entry *e);
/* The replication identity a save now would carry (Redis's
 * rdbPopulateSaveInfo), or NULL. */
const struct node_persist_repl_info *node_persist__save_info(struct node_server *srv,
                                                             struct node_persist_repl_info *ri);
/* SAVE: writes dir/dbfilename through a temp file; 0 or -1 (logged). */
int node_persist__save(struct node_server *srv);
/* BGSAVE: 0 when the child started, -1 (logged) otherwise. */
int node_persist__bgsave(struct node_server *srv);

/* LASTSAVE: unix seconds of the last successful save (start-up counts as one). */
int64_t node_persist__lastsave(struct node_server *srv);
/* BGSAVE inside MULTI/EXEC: started by the cron once no child runs. */
void node_persist__schedule_bgsave(struct node_server *srv);

/* persist_load.c: the loading_* INFO fields of the load in progress. */
void node_persist__loading_info(struct node_server *srv, struct node_text *t);
/* persist_load.c: true when shoal can hold values of this RDB type. */
bool node_persist__type_supported(int rdb_type);
/* persist_load.c: stores a decoded value under key (replacing any value).
 * Returns 0, 1 when the value is an empty collection (nothing stored: the
 * key is skipped, as Redis), or -1 with *why naming the problem. */
int node_persist__store(struct node_server *srv, const uint8_t *key, size_t klen, const struct rdb_value *v,
                        int64_t expire_ms, const char **why);

#endif
