/*
 * sim.h — a deterministic cluster-bus simulator for the gossip state
 * machine: N struct gossip instances on a fake clock, wired through an
 * in-memory transport, all randomness from one seeded generator (STYLE §6
 * "Simulation", after TigerBeetle's packet simulator).
 *
 * Time only moves inside sim_run_*(). Every node ticks every 100 ms (each at
 * its own phase) and runs gossip_before_sleep() after each event it handles.
 * Connections behave like TCP between nodes that can reach each other;
 * blocked pairs (partitions) lose every message and fail every connect in
 * either direction. On top of that, a fault model drops, duplicates and
 * delays (reorders) single messages with seeded probabilities.
 */
#ifndef SHOAL_TEST_GOSSIP_SIM_H
#define SHOAL_TEST_GOSSIP_SIM_H

#include <stdbool.h>
#include <stdint.h>

#include "gossip/gossip.h"

#define SIM_NODES_MAX 16
#define SIM_START_MS 1700000000000LL /* a plausible wall clock */
#define SIM_LATENCY_MS 1

struct sim;

struct sim_node {
    struct sim *sim;
    int idx;
    struct gossip *g;
    char ip[GOSSIP_IP_LEN];
    uint16_t port;
    uint16_t cport;
    int64_t next_tick_ms;
    /* What the environment callbacks saw. */
    int saves;
    int state_changes;
    int slots_lost_calls;
    struct slots_bitmap lost;
    int master_changes;
    char master_id[GOSSIP_ID_LEN + 1]; /* last master_changed: its id, "" = NULL */
    int publishes;
    int shard_publishes;
    /* Fake replication, set by tests: what env->repl_offset and
     * env->repl_data_age_ms answer. */
    int64_t repl_offset;
    int64_t data_age_ms;
    /* env->pause_writes: the deadline in force (0 = none) and the calls. */
    int64_t pause_until_ms;
    int pause_calls;
};

struct sim_faults {
    uint32_t loss_pm;    /* per mille of messages dropped */
    uint32_t dup_pm;     /* per mille delivered twice */
    uint32_t jitter_ms;  /* extra random delay, 0..jitter (reorders) */
};

struct sim {
    int64_t now;
    uint64_t rng;
    uint64_t seq;
    int n;
    struct sim_node nodes[SIM_NODES_MAX];
    bool blocked[SIM_NODES_MAX][SIM_NODES_MAX];
    struct sim_faults faults;
    struct sim_conn *conns;
    int conn_count;
    int conn_cap;
    struct sim_event **heap;
    int heap_count;
    int heap_cap;
    /* Counters for assertions. */
    uint64_t delivered;
    uint64_t dropped;
    uint64_t count_rule_violations; /* PING/PONG/MEET with too many entries */
    uint64_t invalid_frames;        /* frames our own codec refused */
};

/* n nodes (<= SIM_NODES_MAX) with cfg (ports are set per node). */
struct sim *sim_new(int n, uint64_t seed, const struct gossip_config *cfg);
void sim_free(struct sim *s);
/* The default test config: node timeout 1000 ms, full coverage. */
struct gossip_config sim_default_config(void);

/* Advance simulated time by ms, processing everything due. */
void sim_run_for(struct sim *s, int64_t ms);
/* Advance until pred(s, ctx) holds (checked every 10 ms) or timeout_ms has
 * passed. Returns the elapsed ms, or -1 on timeout. */
typedef bool sim_pred(struct sim *s, void *ctx);
int64_t sim_run_until(struct sim *s, int64_t timeout_ms, sim_pred *pred, void *ctx);

/* CLUSTER MEET from a to b. */
int sim_meet(struct sim *s, int a, int b);
/* b's node in a's table (NULL if unknown or only known as a handshake). */
struct gossip_node *sim_view(struct sim *s, int a, int b);
bool sim_all_know_all(struct sim *s, void *ctx);
/* Every node has the same owner (by id) for every slot. */
bool sim_maps_agree(struct sim *s, void *ctx);
/* Assign [from, to] to node a on node a itself (ADDSLOTSRANGE). */
void sim_addslots(struct sim *s, int a, int from, int to);
/* Partition: block/unblock both directions between a and b. */
void sim_block(struct sim *s, int a, int b, bool blocked);
/* Block/unblock a from everyone. */
void sim_isolate(struct sim *s, int a, bool isolated);
/* CLUSTER REPLICATE on a: a becomes a replica of b. */
void sim_replicate(struct sim *s, int a, int b);
/* The node (by index) that a's table says owns slot, or -1. */
int sim_owner(struct sim *s, int a, int slot);

#endif
