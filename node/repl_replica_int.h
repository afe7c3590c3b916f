/*
 * repl_replica_int.h — private to the replica side of replication: what
 * repl_replica.c (the link's life: REPLICAOF, the master client, offsets,
 * ACKs, timeouts, INFO/ROLE) and repl_replica_sync.c (one attempt to sync:
 * connect, handshake, PSYNC, receiving and loading the snapshot) share.
 *
 * The attempt (struct repl_sync) owns its socket until it hands it over:
 * on success it calls repl_replica__synced() with a dup of the fd and the
 * bytes it read past the snapshot or +CONTINUE; on failure
 * repl_replica__sync_failed(). After either call the attempt is gone.
 */
#ifndef SHOAL_NODE_REPL_REPLICA_INT_H
#define SHOAL_NODE_REPL_REPLICA_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "node/repl.h"

/* Redis's repl_state, as ROLE names them (spec §13). */
enum repl_link_state {
    REPL_LINK_NONE = 0,   /* not a replica */
    REPL_LINK_CONNECT,    /* must connect (cron retries once per second) */
    REPL_LINK_CONNECTING, /* resolving / TCP connect in progress */
    REPL_LINK_HANDSHAKE,  /* PING .. PSYNC reply */
    REPL_LINK_TRANSFER,   /* after +FULLRESYNC: receiving and loading the snapshot */
    REPL_LINK_CONNECTED,  /* the master client exists and the stream flows */
};

/* A master link that ended, remembered so the next sync can be partial. */
struct repl_cached_master {
    bool valid;
    char replid[REPL_ID_LEN + 1];
    int64_t reploff;
};

struct repl_sync;

struct repl_replica_state {
    char *host; /* NULL: this node is a master */
    int port;
    enum repl_link_state state;
    struct repl_sync *sync;       /* the attempt in progress (CONNECTING..TRANSFER) */
    struct repl_sync *orphan;     /* an attempt whose socket the server's exit closed: freed at exit */
    struct node_client *master;   /* the adopted link (CONNECTED) */
    struct repl_cached_master cached;
    int64_t reploff;              /* applied offset of the current link */
    bool pre_psync;               /* the master only spoke SYNC: no ACKs, nothing cached */
    bool restore_check;           /* start-up replicaof: look for an identity restored from the RDB */
    /* Bytes of a MULTI from the master, held until its EXEC (spec §6). */
    char *multi_buf;
    size_t multi_len, multi_cap;
    int64_t down_since_ms;        /* link lost at; 0 = never connected since REPLICAOF */
    int64_t last_second;          /* the 1 s pace of the cron (unix seconds) */
};

/* What the attempt achieved. */
struct repl_sync_result {
    bool full;                         /* snapshot loaded; else +CONTINUE */
    bool eof_form;                     /* the snapshot came as $EOF:<mark> (ACK at once) */
    bool pre_psync;                    /* the master answered SYNC, not PSYNC */
    char replid[REPL_ID_LEN + 1];      /* full: the master's id ("" when malformed);
                                          continue: the new id or "" */
    int64_t offset;                    /* full: the +FULLRESYNC offset */
};

/* Implemented in repl_replica_sync.c. */
/* Starts an attempt against st->host:st->port; the state moves to CONNECTING. */
struct repl_sync *repl_replica_sync__start(struct repl *r);
/* Abandons the attempt: closes its socket; a half-loaded keyspace is
 * emptied. No callback follows. */
void repl_replica_sync__abort(struct repl_sync *s);
/* Server exit: as abort, and frees the record even if the loop is gone. */
void repl_replica_sync__free(struct repl_sync *s);
/* Unix ms of the last byte received (or of the connect). */
int64_t repl_replica_sync__last_io_ms(const struct repl_sync *s);
/* INFO master_sync_* lines (state TRANSFER only). */
void repl_replica_sync__info(const struct repl_sync *s, struct node_text *t, int64_t now_ms);

/* Implemented in repl_replica.c, called by the attempt. */
void repl_replica__set_state(struct repl *r, enum repl_link_state state);
/* Full sync about to load: forget the cached master, drop sub-replicas and
 * the backlog (a new history starts). */
void repl_replica__attach_new_master(struct repl *r);
/* Takes fd; extra = bytes already read past the handshake/snapshot. */
void repl_replica__synced(struct repl *r, int fd, const struct repl_sync_result *res, const char *extra,
                          size_t extra_len);
void repl_replica__sync_failed(struct repl *r);
/* The cached master PSYNC asks with (NULL when none). */
const struct repl_cached_master *repl_replica__cached(const struct repl *r);
void repl_replica__discard_cached(struct repl *r);

#endif
