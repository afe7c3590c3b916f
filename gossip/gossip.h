/*
 * gossip.h — this node's view of the cluster and the cluster bus protocol
 * logic: the node table, MEET/handshake, heartbeats and gossip, failure
 * detection (PFAIL/FAIL), epochs, slot ownership propagation (UPDATE) and the
 * cluster state (ok/fail). Behaviour follows redis-server 7.0.15 as written
 * down in shared/spec/cluster-bus.md (section numbers below are that file's).
 *
 * Owns: struct gossip (the node table, the slot map, epochs, stats) and the
 * state machine that reacts to time (gossip_tick), to bus messages
 * (gossip_on_message) and to link events. Does not own sockets, files or
 * the clock: everything outside comes in and goes out through struct
 * gossip_env, so a test drives N instances with a fake clock and a fake
 * transport. Does not own the wire format (gossip_msg.h) nor the nodes.conf
 * text (gossip_conf.h); gossip_persist_*() converts between the table and
 * struct gossip_conf. Replica election, voting, manual failover and
 * replica migration (§15-§18) are gossip_failover.c's.
 *
 * READING THE TABLE (node/, for CLUSTER NODES/SLOTS/SHARDS/INFO, redirects):
 * g->nodes[0 .. g->node_count) are the known nodes, myself included, in no
 * particular order. A node's index is the int32_t stored in g->map (slots/)
 * and is stable only until the next call into gossip: deleting a node moves
 * the last node into its place. struct gossip_node pointers stay valid
 * until that node is deleted (FORGET, RESET, handshake timeout, duplicate
 * handshake). Write fields only through the functions below, except the
 * migrating/importing side of g->map, which node/ may set directly with
 * slots_map_set_migrating()/_importing()/_stable() (SETSLOT is local state).
 *
 * THREADING AND RE-ENTRY: single-threaded. env callbacks must not call back
 * into gossip (queue the work instead); gossip may call env->close() on the
 * very link whose message it is processing, so the environment must defer
 * freeing its own connection until gossip_on_message() returns.
 */
#ifndef SHOAL_GOSSIP_H
#define SHOAL_GOSSIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "node/core/core_log.h"
#include "slots/slots.h"

#define GOSSIP_ID_LEN 40
#define GOSSIP_IP_LEN 46 /* buffer for an IP string with its NUL (INET6_ADDRSTRLEN) */
#define GOSSIP_HOSTNAME_MAX 255
/* Node table bound: gossip from peers adds nodes, so it is a peer-controlled
 * count. Must not exceed GOSSIP_CONF_NODES_MAX (nodes.conf must load back). */
#define GOSSIP_NODES_MAX 4096
/* Known message types 0..10 (stats per type, CLUSTER INFO). */
#define GOSSIP_TYPE_COUNT 11
/* DEBUG DROP-CLUSTER-PACKET-FILTER off. */
#define GOSSIP_DROP_NONE (-1)
/* DEBUG DROP-CLUSTER-PACKET-FILTER -2 (shoal only; 7.0.15 has no such
 * value): isolate this node from the bus. Every message received is
 * dropped and none is sent, so the others see silence (PFAIL/FAIL) and
 * this node sees everyone silent (a partition without netns). */
#define GOSSIP_DROP_ALL (-2)

/* Timing (spec §29). */
#define GOSSIP_TICK_MS 100                /* gossip_tick() period */
#define GOSSIP_RANDOM_PING_TICKS 10       /* one random ping every 10 ticks */
#define GOSSIP_RANDOM_PING_SAMPLES 5      /* best of 5 random samples */
#define GOSSIP_HANDSHAKE_TIMEOUT_MIN_MS 1000
#define GOSSIP_FORGET_TTL_MS 60000        /* CLUSTER FORGET blacklist */
#define GOSSIP_PONG_FUTURE_SLACK_MS 500   /* gossiped pong times from the future */
#define GOSSIP_WRITABLE_DELAY_MS 2000     /* master stays fail after start */
#define GOSSIP_REJOIN_DELAY_MIN_MS 500
#define GOSSIP_REJOIN_DELAY_MAX_MS 5000
#define GOSSIP_NODE_TIMEOUT_MAX_MS (1LL << 40) /* ~35 years: larger values are clamped */
#define GOSSIP_MF_TIMEOUT_MS 5000         /* manual failover limit (§17) */
#define GOSSIP_MF_PAUSE_MS 10000          /* master's write pause for it */
#define GOSSIP_MIGRATION_DELAY_MS 5000    /* orphaned this long before migration (§18) */
#define GOSSIP_AUTH_TIMEOUT_MIN_MS 2000   /* election timeout max(2 x N_T, this) (§15) */
#define GOSSIP_CANT_FAILOVER_RELOG_MS 10000 /* "Currently unable to failover" repeat limit */

/* SHOAL'S ELECTION DELAY (§15; local to the replica, so not a wire rule).
 * Redis waits 500 + random(0..499) + rank x 1000 ms after its master is
 * FAIL. shoal aims at kill -> new master writable in <= 1.2 s median at
 * N_T 1000 ms, so it waits 50 + random(0..99) + rank x 200 ms. The fixed
 * part still lets the FAIL message reach the other masters (one hop, well
 * under 50 ms on a LAN; a FAIL I broadcast myself precedes my request on
 * each link anyway) before they are asked to vote; the random part
 * separates equal-rank replicas; it stays smaller than one rank step, so a
 * replica of a better rank (larger offset) always asks first, as in Redis.
 * A replica that learns its rank got worse adds (new - old) x the step. */
#define GOSSIP_ELECTION_DELAY_FIXED_MS 50
#define GOSSIP_ELECTION_DELAY_RANDOM_MS 100 /* random(0 .. this - 1) */
#define GOSSIP_ELECTION_RANK_STEP_MS 200
_Static_assert(GOSSIP_ELECTION_DELAY_RANDOM_MS < GOSSIP_ELECTION_RANK_STEP_MS, "rank must dominate the random part");

/* Node flags: the wire values of spec §5, so headers and gossip entries copy
 * them as they are (static_assert'ed against gossip_msg.h). */
enum gossip_node_flag {
    GOSSIP_NODE_MASTER = 1u << 0,
    GOSSIP_NODE_SLAVE = 1u << 1,
    GOSSIP_NODE_PFAIL = 1u << 2,
    GOSSIP_NODE_FAIL = 1u << 3,
    GOSSIP_NODE_MYSELF = 1u << 4,
    GOSSIP_NODE_HANDSHAKE = 1u << 5,
    GOSSIP_NODE_NOADDR = 1u << 6,
    GOSSIP_NODE_MEET = 1u << 7,       /* send MEET, not PING, on the next connect */
    GOSSIP_NODE_MIGRATE_TO = 1u << 8, /* valid replica-migration target */
    GOSSIP_NODE_NOFAILOVER = 1u << 9,
};

/* Work deferred to gossip_before_sleep() (Redis's clusterDoBeforeSleep). */
enum gossip_todo {
    GOSSIP_TODO_SAVE = 1u << 0,         /* env->save_config() */
    GOSSIP_TODO_FSYNC = 1u << 1,        /* ... with fsync */
    GOSSIP_TODO_UPDATE_STATE = 1u << 2, /* recompute ok/fail (§19) */
    GOSSIP_TODO_FAILOVER = 1u << 3,     /* run the replica election now (§15) */
};

struct gossip_node;

/*
 * One bus connection. Gossip allocates and frees these records; the
 * environment owns the connection itself and keeps it in `io`.
 *   outbound: gossip calls env->connect(link) (peer_ip:peer_port filled in);
 *             the environment reports gossip_link_connected() or
 *             gossip_link_closed() later.
 *   inbound:  the environment accepts a connection and calls
 *             gossip_link_accepted(), which returns the record.
 * After gossip_link_closed() or env->close() the record is freed: the
 * environment must drop its pointer and report nothing more for it.
 */
struct gossip_link {
    void *io;                  /* the environment's connection */
    struct gossip_node *node;  /* outbound: its node; inbound: bound sender or NULL */
    bool outbound;
    bool connected;            /* outbound: connect completed; inbound: always */
    int64_t create_ms;
    char peer_ip[GOSSIP_IP_LEN];  /* remote address of the TCP connection */
    char local_ip[GOSSIP_IP_LEN]; /* our address of it ("" until known) */
    uint16_t peer_port;           /* outbound: the bus port connected to */
    int32_t slot;                 /* private: position in g->links */
};

/* A failure report: `reporter` (a master) said the node is PFAIL/FAIL. */
struct gossip_fail_report {
    struct gossip_node *reporter;
    int64_t time_ms;
};

struct gossip_node {
    char id[GOSSIP_ID_LEN + 1];
    char ip[GOSSIP_IP_LEN];     /* "" while unknown */
    char hostname[GOSSIP_HOSTNAME_MAX + 1]; /* "" = none announced */
    uint16_t port;              /* client port (TLS port in a TLS cluster) */
    uint16_t pport;             /* plaintext port in a TLS cluster, else 0 */
    uint16_t cport;             /* bus port */
    uint32_t flags;             /* enum gossip_node_flag */
    int32_t index;              /* position in g->nodes and in g->map */
    int64_t ctime_ms;           /* creation (handshake timeout) */
    uint64_t config_epoch;      /* a replica's own (its master's is shown) */
    struct gossip_node *master; /* replicas: its master if known */
    struct gossip_node **replicas; /* masters: replicas in attach order */
    int32_t replica_count;
    int32_t replica_cap;
    struct slots_bitmap slots;  /* slots owned, mirrors g->map */
    int32_t slot_count;
    int64_t ping_sent_ms;       /* unix ms of the outstanding PING, 0 = none */
    int64_t pong_received_ms;
    int64_t data_received_ms;   /* any message from it, any link */
    int64_t fail_time_ms;       /* when FAIL was set */
    int64_t repl_offset;        /* last advertised in a header */
    int64_t repl_offset_time_ms;
    int64_t voted_time_ms;      /* §16 per-master vote cooldown */
    int64_t orphaned_time_ms;   /* §18: orphaned since, 0 = not */
    struct gossip_link *link;    /* my outbound link to it */
    struct gossip_link *inbound; /* its outbound link to me, once bound */
    struct gossip_fail_report *reports;
    int32_t report_count;
    int32_t report_cap;
    uint64_t gossip_mark;       /* private: last packet it was gossiped in */
};

/* Settings taken from the server config (spec §28). gossip_new() copies it;
 * gossip_config_apply() takes a changed one (CONFIG SET). */
struct gossip_config {
    int64_t node_timeout_ms;             /* cluster-node-timeout (N_T) */
    uint16_t port;                       /* announced client port */
    uint16_t pport;                      /* plaintext port (TLS cluster) or 0 */
    uint16_t cport;                      /* announced bus port */
    char announce_ip[GOSSIP_IP_LEN];     /* cluster-announce-ip, "" = learn it */
    char hostname[GOSSIP_HOSTNAME_MAX + 1]; /* cluster-announce-hostname, "" = none */
    bool require_full_coverage;          /* cluster-require-full-coverage */
    bool allow_replica_migration;        /* cluster-allow-replica-migration */
    bool replica_no_failover;            /* cluster-replica-no-failover */
    int32_t replica_validity_factor;     /* cluster-replica-validity-factor, 0 = always eligible */
    int32_t migration_barrier;           /* cluster-migration-barrier */
    int64_t repl_ping_period_ms;         /* repl-ping-replica-period in ms (§15 data age) */
};

/*
 * The outside world. Required: now_ms, random_bytes, connect, send, close.
 * The rest may be NULL. ud is passed back to every callback.
 */
struct gossip_env {
    void *ud;
    /* Wall clock, unix ms (CLUSTER NODES and gossip carry unix times). */
    int64_t (*now_ms)(void *ud);
    void (*random_bytes)(void *ud, void *buf, size_t len);
    /* Start connecting link to link->peer_ip:link->peer_port and set
     * link->io. 0: in progress (a connected/closed event follows);
     * negative errno: failed at once, no event will follow. */
    int (*connect)(void *ud, struct gossip_link *link);
    /* Queue bytes on link (also while an outbound link is still
     * connecting; they go out once connected). Copies buf. */
    void (*send)(void *ud, struct gossip_link *link, const uint8_t *buf, size_t len);
    /* Close link; the record is freed right after this returns. */
    void (*close)(void *ud, struct gossip_link *link);
    /* Persist nodes.conf now (gossip_persist_build() gives the content);
     * fsync when asked. A failure to save is the environment's to handle
     * (Redis exits). */
    void (*save_config)(void *ud, bool fsync);
    void (*log)(void *ud, enum core_log_level level, const char *msg);
    /* My replication offset for headers (§30); NULL = 0. */
    int64_t (*repl_offset)(void *ud);
    /* Slots that were mine went to another node: delete their keys. */
    void (*slots_lost)(void *ud, const struct slots_bitmap *slots);
    /* The cluster state changed (after the change). */
    void (*state_changed)(void *ud, bool ok);
    /* I became a replica of master (NULL: I became a master again). node/
     * points replication at master->ip:port. */
    void (*master_changed)(void *ud, const struct gossip_node *master);
    /* A PUBLISH (shard false) or PUBLISHSHARD (shard true) from the bus;
     * the bytes are valid for the call only. */
    void (*publish)(void *ud, bool shard, const uint8_t *channel, size_t channel_len, const uint8_t *message,
                    size_t message_len);
    /* §15 data age, asked only while I am a replica: ms since the last
     * interaction with my master while the replication link is up, or
     * since the link went down (or was never up). NULL = 0. */
    int64_t (*repl_data_age_ms)(void *ud);
    /* §17, master side of a manual failover: pause client writes until
     * until_ms (unix ms, as now_ms); 0 = lift that pause now. A later call
     * replaces the earlier deadline. NULL = no pausing. */
    void (*pause_writes)(void *ud, int64_t until_ms);
};

struct gossip {
    struct gossip_config cfg;
    struct gossip_env env;
    struct slots_map map;
    /* Slots whose owner stopped claiming them (§14.1): still assigned, but
     * unclaimed for later claims and masked out of UPDATE messages. */
    struct slots_bitmap not_claiming;
    struct gossip_node **nodes;
    int32_t node_count;
    int32_t node_cap;
    struct gossip_node *myself;
    uint64_t current_epoch;
    uint64_t last_vote_epoch;
    /* Cluster state (§19). size = masters with >= 1 slot, as of the last
     * evaluation (also the FAIL quorum base). */
    bool state_ok;
    int32_t size;
    int64_t state_first_eval_ms;
    int64_t minority_since_ms;
    uint64_t stats_sent[GOSSIP_TYPE_COUNT];
    uint64_t stats_received[GOSSIP_TYPE_COUNT];
    int32_t pfail_count;    /* PFAIL nodes counted by the last tick */
    int32_t drop_filter;    /* DEBUG DROP-CLUSTER-PACKET-FILTER <type>: node/ writes it;
                               a received message of exactly this type is
                               counted, then dropped; GOSSIP_DROP_NONE (-1)
                               drops nothing; GOSSIP_DROP_ALL (-2) isolates
                               (drops all received, sends nothing) */
    uint32_t todo;          /* enum gossip_todo */
    uint64_t tick_count;
    /* §15-§17 election and manual failover state (gossip_failover.c). */
    int64_t failover_auth_time_ms;
    int32_t failover_auth_count;
    bool failover_auth_sent;
    int32_t failover_auth_rank;
    uint64_t failover_auth_epoch;
    int64_t mf_end_ms;               /* manual failover deadline, 0 = none */
    struct gossip_node *mf_replica;  /* master side: the replica asking */
    int64_t mf_master_offset;        /* replica side: -1 until the paused master's header */
    bool mf_can_start;
    bool mf_paused;                  /* master side: env->pause_writes() is in force for it */
    int32_t cant_failover_reason;    /* private: the last "unable to failover" logged */
    int64_t cant_failover_log_ms;
    /* Private. */
    struct gossip_link **links;      /* every live link record */
    int32_t link_count;
    int32_t link_cap;
    struct gossip_ban *bans;         /* FORGET blacklist */
    int32_t ban_count;
    int32_t ban_cap;
    struct gossip_node **id_index;   /* open addressing by id hash */
    uint32_t id_index_cap;
    uint64_t gossip_seq;             /* packets built, for gossip_mark */
    uint8_t *txbuf;                  /* encode scratch */
    size_t txbuf_cap;
};

/* Lifecycle and inputs (gossip.c). */

/* A new view holding only myself (MASTER, a random id from env, ports from
 * cfg), cluster state fail. Borrows cfg and env (both copied). */
struct gossip *gossip_new(const struct gossip_config *cfg, const struct gossip_env *env);
/* Closes every link (env->close) and frees everything. NULL is a no-op. */
void gossip_free(struct gossip *g);
/* The 100 ms cluster cron (§11.1, §12, §19). */
void gossip_tick(struct gossip *g);
/* Runs deferred work (state update, config save): call once per event
 * loop iteration, after processing events. */
void gossip_before_sleep(struct gossip *g);
/* When gossip_before_sleep() must run again even if no event comes (unix
 * ms; 0 = only on events and ticks): a replica's election delay ending
 * between ticks. The environment arms a timer for it after each
 * gossip_before_sleep(). */
int64_t gossip_wakeup_ms(const struct gossip *g);
/* Defers work (enum gossip_todo) to gossip_before_sleep(): node/ calls it
 * after changing slots (ADDSLOTS: SAVE|UPDATE_STATE). */
void gossip_todo(struct gossip *g, uint32_t todo);
/* Takes a changed configuration: myself's ports, hostname, announced ip and
 * NOFAILOVER follow it. */
void gossip_config_apply(struct gossip *g, const struct gossip_config *cfg);
/*
 * One whole frame received on link (framing and gossip_msg_validate() are
 * the caller's; this decodes again and never trusts the bytes). Counts it
 * in stats_received, applies DEBUG DROP-CLUSTER-PACKET-FILTER, then acts in
 * 7.0.15's order (§9). Returns 0, or the decoder's negative error. May
 * close link (env->close) before returning. Borrows buf.
 */
int gossip_on_message(struct gossip *g, struct gossip_link *link, const uint8_t *buf, size_t len);

/* Links (gossip_link.c). */

/* A connection was accepted on the bus port. Returns the record to pass
 * with its events. */
struct gossip_link *gossip_link_accepted(struct gossip *g, void *io, const char *peer_ip, const char *local_ip);
/* An outbound connect completed: sends the first PING (or MEET). */
void gossip_link_connected(struct gossip *g, struct gossip_link *link, const char *local_ip);
/* The connection failed or closed; frees the record. */
void gossip_link_closed(struct gossip *g, struct gossip_link *link);

/* The node table (gossip_node.c). */

/* The node with this id (exactly GOSSIP_ID_LEN bytes), or NULL. */
struct gossip_node *gossip_node_find(const struct gossip *g, const char *id, size_t len);
static inline struct gossip_node *gossip_node_at(const struct gossip *g, int32_t index)
{
    return g->nodes[index];
}
static inline bool gossip_node_is_master(const struct gossip_node *n)
{
    return (n->flags & GOSSIP_NODE_MASTER) != 0;
}
static inline bool gossip_node_is_replica(const struct gossip_node *n)
{
    return (n->flags & GOSSIP_NODE_SLAVE) != 0;
}
/* The configEpoch CLUSTER NODES/INFO show: a replica's master's if known. */
uint64_t gossip_node_epoch(const struct gossip_node *n);

enum gossip_forget_result {
    GOSSIP_FORGET_OK = 0,
    GOSSIP_FORGET_UNKNOWN,   /* "Unknown node <id>" */
    GOSSIP_FORGET_MYSELF,    /* "I tried hard but I can't forget myself..." */
    GOSSIP_FORGET_MY_MASTER, /* "Can't forget my master!" */
};
/* CLUSTER FORGET: deletes the node and bans its id from gossip for 60 s. */
enum gossip_forget_result gossip_node_forget(struct gossip *g, const char *id, size_t len);
/* CLUSTER RESET SOFT/HARD, the cluster side (node/ checks and empties the
 * keyspace first): become a master, close and drop every slot, forget
 * every other node; hard also zeroes the epochs and takes a new id. */
void gossip_node_reset(struct gossip *g, bool hard);

/* CLUSTER REPLICATE, and SETSLOT NODE leaving me without slots (with
 * cluster-allow-replica-migration): I become a replica of master. node/
 * checks the command's errors first; I must own no slots and master must be
 * another node flagged master. Calls env->master_changed. */
void gossip_node_replicate(struct gossip *g, struct gossip_node *master);

/* MEET (gossip_meet.c). */

/* CLUSTER MEET ip port cport: starts a handshake unless one with the same
 * address is already in progress (still 0). -EINVAL for an ip that is not
 * an IPv4/IPv6 literal or a port outside 1..65535 ("Invalid node address
 * specified"); node/ checks the port arguments' own error texts first. */
int gossip_meet_start(struct gossip *g, const char *ip, int port, int cport);

/* Failure detection (gossip_fd.c). */

/* CLUSTER COUNT-FAILURE-REPORTS: valid (unexpired) reports about n. */
int32_t gossip_fd_count_reports(struct gossip *g, struct gossip_node *n);

/* Epochs (gossip_epoch.c). */

/* CLUSTER BUMPEPOCH: true for "BUMPED", false for "STILL"; the epoch to
 * print is g->myself->config_epoch either way. Also SETSLOT NODE <myself>
 * on an importing slot (§25), then gossip_send_broadcast_pong(). */
bool gossip_epoch_bump(struct gossip *g);

enum gossip_epoch_set_result {
    GOSSIP_EPOCH_SET_OK = 0,
    GOSSIP_EPOCH_SET_NOT_ALONE, /* "The user can assign a config epoch only when the node does not know any other node." */
    GOSSIP_EPOCH_SET_NONZERO,   /* "Node config epoch is already non-zero" */
};
/* CLUSTER SET-CONFIG-EPOCH (node/ rejects negative values first). */
enum gossip_epoch_set_result gossip_epoch_set(struct gossip *g, uint64_t epoch);

/*
 * Slots (gossip_slots.c): the only way to change ownership in g->map.
 * CLUSTER SETSLOT <s> NODE <n> (spec §25) composes from these: node/ checks
 * the errors and keys, clears migrating if needed, then
 *   was_mine = owner(s) == myself; gossip_slots_assign(g, s, n);
 *   if (was_mine && n != myself && myself->slot_count == 0 &&
 *       allow_replica_migration) gossip_node_replicate(g, n);
 *   if (n == myself && importing(s)) { gossip_epoch_bump(g);
 *       slots_map_set_importing(&g->map, s, SLOTS_NODE_NONE);
 *       gossip_send_broadcast_pong(g); }
 *   gossip_todo(g, GOSSIP_TODO_SAVE | GOSSIP_TODO_UPDATE_STATE);
 */

/* Gives slot to n (any previous owner loses it). Node/ then calls
 * gossip_todo(SAVE | UPDATE_STATE) once for the whole command. */
void gossip_slots_assign(struct gossip *g, int slot, struct gossip_node *n);
void gossip_slots_unassign(struct gossip *g, int slot);
/* Every slot of n unassigned (FLUSHSLOTS). Returns how many. */
int gossip_slots_flush(struct gossip *g, struct gossip_node *n);
/* True if slot is unassigned or its owner stopped claiming it. */
bool gossip_slots_is_unclaimed(const struct gossip *g, int slot);

/* Sending (gossip_send.c). */

/* PONG to every connected node: after a config change others must learn
 * now (SETSLOT NODE closing an import, a won failover). */
void gossip_send_broadcast_pong(struct gossip *g);
/* A client PUBLISH goes to every node with a link; SPUBLISH (shard) only to
 * my shard: my master (or me) and its replicas. */
void gossip_send_publish(struct gossip *g, bool shard, const void *channel, size_t channel_len, const void *message,
                         size_t message_len);

/* Cluster state (gossip_state.c). */

/* Recomputes ok/fail now (§19); env->state_changed on a change. */
void gossip_state_update(struct gossip *g);
/* Masters with >= 1 slot right now (CLUSTER INFO cluster_size). */
int32_t gossip_state_size(const struct gossip *g);

/* Failover (gossip_failover.c): §15 election, §16 votes, §17 manual
 * failover, §18 replica migration. The automatic parts run from
 * gossip_tick() and gossip_before_sleep(); winning calls
 * env->master_changed(NULL) (node/ promotes its dataset: replid2). */

enum gossip_failover_mode {
    GOSSIP_FAILOVER_DEFAULT = 0, /* master pauses writes, I catch up, election */
    GOSSIP_FAILOVER_FORCE,       /* election now, no master handshake */
    GOSSIP_FAILOVER_TAKEOVER,    /* no election: bump epoch, take the slots */
};
enum gossip_failover_result {
    GOSSIP_FAILOVER_OK = 0,
    GOSSIP_FAILOVER_NOT_REPLICA, /* "You should send CLUSTER FAILOVER to a replica" */
    GOSSIP_FAILOVER_NO_MASTER,   /* "I'm a replica but my master is unknown to me" */
    GOSSIP_FAILOVER_MASTER_DOWN, /* "Master is down or failed, please use CLUSTER FAILOVER FORCE" */
};
/* CLUSTER FAILOVER [FORCE|TAKEOVER] sent to this node (§17). */
enum gossip_failover_result gossip_failover_manual(struct gossip *g, enum gossip_failover_mode mode);
/* True while a manual failover is in progress on this node (either side:
 * the replica that asked, or the master that paused for it). */
bool gossip_failover_manual_in_progress(const struct gossip *g);

/* nodes.conf (gossip_persist.c). */

struct gossip_conf;
/* Replaces the table with a loaded file (spec §20 load rules: non-zero
 * ping/pong times become now, FAIL gets fail_time now, currentEpoch is
 * raised to the largest configEpoch). Only right after gossip_new().
 * Returns 0 or -EINVAL (no myself). */
int gossip_persist_load(struct gossip *g, const struct gossip_conf *c);
/* Fills c (gossip_conf_init()ed by the caller) with what nodes.conf must
 * hold: every node but handshake ones, the epochs and myself's open slots.
 * The caller formats it with gossip_conf_format() and frees it. */
void gossip_persist_build(const struct gossip *g, struct gossip_conf *c);

#endif
