/*
 * repl_master_int.h — private to the master side of replication
 * (repl_master.c, repl_snapshot.c, repl_wait.c): the state of each replica
 * attached to this node, of each snapshot transfer, and of WAIT.
 *
 * Replica life (spec replication.md §3, §4; Redis's SLAVE_STATE_*):
 *   PSYNC → +CONTINUE                          → ONLINE at once
 *   PSYNC → full resync → WAIT_BGSAVE_START    (no child yet; "\n" each second)
 *         → WAIT_BGSAVE_END                    (+FULLRESYNC sent, child running)
 *         → SEND_BULK                          (disk form: the file is being sent)
 *         → ONLINE                             (stream flowing; EOF form: after the
 *                                               first ACK once the child was reaped)
 *         → RDB_SENT                           (rdb-only replicas: closed after the RDB)
 *
 * Stream bytes produced after a snapshot's fork are kept once per transfer
 * (repl_xfer.pending) — every replica of that transfer starts from the same
 * offset — and copied to a replica's output when its stream starts.
 */
#ifndef SHOAL_NODE_REPL_MASTER_INT_H
#define SHOAL_NODE_REPL_MASTER_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <uv.h>

#include "node/config.h"
#include "node/reply.h"
#include "node/repl.h"

/* REPLCONF ip-address: as Redis's NET_HOST_STR_LEN. */
#define REPL_ANNOUNCED_IP_MAX 256
/* Diskless transfer: stop reading the child's pipe while a replica has more
 * than this queued, resume below the low mark (backpressure). */
#define REPL_XFER_OUT_HIGH (4u * 1024 * 1024)
#define REPL_XFER_OUT_LOW (1u * 1024 * 1024)
/* Disk form: bytes read from the snapshot file per step, and how much a
 * replica may have queued before the next step. */
#define REPL_XFER_CHUNK (64u * 1024)
/* Replicas WAIT may be waiting on at once is bounded by the clients;
 * this is the waiter array's first capacity. */
#define REPL_WAITERS_INIT 8

/* Config values as used here: 0 (never valid once configured) falls back to
 * Redis's default, so a zeroed config never makes a 0-byte ring or drops
 * every replica at once. */
static inline size_t repl__backlog_size(const struct node_config *cfg)
{
    return cfg->repl_backlog_size > 0 ? (size_t)cfg->repl_backlog_size : 1024 * 1024;
}
static inline int64_t repl__timeout_ms(const struct node_config *cfg)
{
    return (cfg->repl_timeout > 0 ? cfg->repl_timeout : 60) * 1000LL;
}
static inline int repl__ping_period_s(const struct node_config *cfg)
{
    return cfg->repl_ping_replica_period > 0 ? cfg->repl_ping_replica_period : 10;
}

enum repl_rstate {
    REPL_RS_NONE = 0,          /* REPLCONF seen, no PSYNC/SYNC yet */
    REPL_RS_WAIT_BGSAVE_START,
    REPL_RS_WAIT_BGSAVE_END,
    REPL_RS_SEND_BULK,
    REPL_RS_ONLINE,
    REPL_RS_RDB_SENT,
};

enum { REPL_CAPA_EOF = 1u << 0, REPL_CAPA_PSYNC2 = 1u << 1 };

struct repl_xfer;

/* One replica (c->repl of a client that is not this node's master link). */
struct repl_client {
    struct node_client *c;
    struct repl_client *prev, *next; /* m->replicas, once attached */
    bool attached;                   /* PSYNC/SYNC accepted: counted as a replica */
    enum repl_rstate state;
    unsigned capa;                   /* REPL_CAPA_* */
    bool rdb_only;                   /* REPLCONF rdb-only 1 */
    bool no_data;                    /* REPLCONF rdb-filter-only: an RDB without keys */
    bool pre_psync;                  /* came with SYNC: no ACKs expected */
    int listening_port;
    char *announced_ip;              /* REPLCONF ip-address, NULL = peer address */
    int64_t ack_off;
    int64_t ack_time_ms;
    int64_t wait_since_ms;           /* entered WAIT_BGSAVE_START */
    struct repl_xfer *xfer;          /* until its stream starts */
    bool stream_on_ack;              /* EOF form: ONLINE, the stream waits for an ACK */
    bool mark_sent;                  /* EOF form: the closing mark is queued */
    bool acked_after_mark;           /* ...and an ACK came before the child was reaped */
    int64_t bulk_off;                /* disk form: file bytes queued so far */
    int64_t obuf_soft_since_ms;
    size_t progress_len;             /* diskless: output seen at the last check */
    int64_t progress_ms;
};

/* One snapshot: one forked child, one start offset, its replicas. */
struct repl_xfer {
    struct repl_xfer *next;
    struct repl *r;
    bool diskless;                   /* EOF form through a pipe, else a file */
    bool rdb_only, no_data;          /* what its replicas asked for (all equal) */
    char mark[REPL_ID_LEN + 1];      /* EOF form */
    int64_t start_off;               /* master_repl_offset at the fork */
    pid_t pid;
    bool child_done, child_ok;
    bool finished;                   /* the RDB went (or is going) to its replicas */
    bool failed;                     /* replicas were dropped; waiting to be freed */
    bool kill_sent;                  /* no replica left: the child was told to stop */
    uv_pipe_t *pipe;                 /* diskless: the child's output, NULL once closed */
    bool pipe_eof, pipe_error, paused;
    uint8_t *rbuf;                   /* pipe read buffer */
    int fd;                          /* disk: the (unlinked) snapshot file, -1 if none */
    int64_t size;                    /* disk: its size once the child is done */
    struct node_out pending;         /* stream since the fork */
    int refs;                        /* replicas whose xfer this is */
};

struct repl_waiter {
    struct node_client *c;
    int64_t target;                  /* c->woff when it called WAIT */
    long long numreplicas;
    int64_t deadline_ms;             /* 0 = none */
};

struct repl_master_state {
    struct repl_client *replicas;    /* attached replicas, newest first */
    int nreplicas;
    struct repl_xfer *xfers;
    int64_t last_second_ms;          /* the 1 Hz part of the cron */
    uint64_t seconds;                /* 1 Hz ticks so far (ping period) */
    int64_t no_replicas_since_ms;    /* backlog TTL */
    /* WAIT */
    struct repl_waiter *waiters;
    int nwaiters, waiters_cap;
    bool get_ack;                    /* send REPLCONF GETACK * before sleeping */
    uv_timer_t wait_timer;
    bool wait_timer_armed;
};

/* repl_master.c */
struct repl_client *repl__client(struct node_client *c);
const char *repl__replica_name(const struct repl_client *rc, char *buf, size_t size);
/* Drops a replica connection (logged by the caller). */
void repl__drop(struct repl_client *rc);
/* The snapshot's replica goes online (disk form: at once; EOF form: waits for an ACK). */
void repl__start_stream(struct repl *r, struct repl_client *rc);
/* Output plus the pending stream this replica will get: client-output-buffer-limit replica. */
bool repl__check_obuf(struct repl *r, struct repl_client *rc, int64_t now_ms);
int repl__good_replicas(const struct repl *r, int64_t now_ms);

/* repl_snapshot.c */
/* A replica needs a full resync: attach to a running disk snapshot or wait. */
void repl__snapshot_enqueue(struct repl *r, struct repl_client *rc);
/* Starts a snapshot when replicas wait and the rules allow (delay, child busy). */
void repl__snapshot_maybe_start(struct repl *r, int64_t now_ms);
/* Before sleep: disk-form sends, pipe backpressure, freeing finished transfers. */
void repl__snapshot_before_sleep(struct repl *r);
/* 1 Hz: keepalive newlines, diskless no-progress timeouts. */
void repl__snapshot_cron(struct repl *r, int64_t now_ms);
/* The replica no longer belongs to its transfer (online, dropped). */
void repl__xfer_detach(struct repl_client *rc);
void repl__snapshot_free_all(struct repl *r);

/* repl_wait.c */
void repl__wait_init(struct repl *r);
void repl__wait_free(struct repl *r);
void repl__wait_before_sleep(struct repl *r);
void repl__wait_client_closed(struct repl *r, struct node_client *c);
/* Replicas online whose last ACK reached offset. */
int repl__count_acked(const struct repl *r, int64_t offset);

#endif
