/*
 * test_gossip_failover.c — replica election, votes, manual failover,
 * replica migration and DEBUG DROP-CLUSTER-PACKET-FILTER -2 (gossip_failover.c,
 * spec §15-§18): whole clusters on the simulator (sim.h) over several seeds,
 * and the voting rules one crafted message at a time on a single instance.
 * Node timeout 1000 ms.
 */
#include <criterion/criterion.h>

#include "gossip/gossip_conf.h"
#include "gossip/gossip_int.h"
#include "node/core/core.h"
#include "tests/unit/gossip/sim.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define NT_MS 1000
#define SEEDS 5

/* How long a killed master's replica may take to win, from the rules
 * (N_T = 1000, tick 100, every alive node pings every other at least every
 * N_T/2 + a tick):
 *   PFAIL:  a ping outstanding within N_T/2 + tick of the kill, flagged at
 *           the first tick after N_T more                      1000+500+200
 *   FAIL:   the PFAIL gossip reaches a second master within N_T/2 + tick,
 *           and the FAIL broadcast reaches the replica at once      500+200
 *   delay:  fixed + random + the tick that notices it is due    100+100+100
 *   votes:  a few ms of latency                                         100 */
#define FAILOVER_BOUND_MS                                                                                         \
    (NT_MS + NT_MS / 2 + 2 * GOSSIP_TICK_MS + NT_MS / 2 + 2 * GOSSIP_TICK_MS + GOSSIP_ELECTION_DELAY_FIXED_MS +    \
     GOSSIP_ELECTION_DELAY_RANDOM_MS + GOSSIP_TICK_MS + 100)

/* A cluster: nodes [0, masters) own the slots in equal ranges; node i >=
 * masters replicates master_of[i]. */
struct topo {
    int n;
    int masters;
    int master_of[SIM_NODES_MAX];
};

static struct topo topo_make(int masters, const int *replica_masters, int replicas)
{
    struct topo t;
    memset(&t, 0, sizeof(t));
    t.masters = masters;
    t.n = masters + replicas;
    for (int i = 0; i < t.n; i++)
        t.master_of[i] = i < masters ? -1 : replica_masters[i - masters];
    return t;
}

static int slot_from(const struct topo *t, int m)
{
    return m * SLOTS_COUNT / t->masters;
}

static int slot_to(const struct topo *t, int m)
{
    return (m + 1) * SLOTS_COUNT / t->masters - 1;
}

static bool topology_settled(struct sim *s, void *ctx)
{
    const struct topo *t = ctx;
    for (int a = 0; a < t->n; a++) {
        if (!s->nodes[a].g->state_ok)
            return false;
        for (int i = t->masters; i < t->n; i++) {
            struct gossip_node *r = sim_view(s, a, i);
            if (!r || !gossip_node_is_replica(r) || r->master != sim_view(s, a, t->master_of[i]))
                return false;
        }
    }
    return sim_maps_agree(s, NULL);
}

static struct sim *build(const struct topo *t, uint64_t seed, const struct gossip_config *cfg)
{
    struct sim *s = sim_new(t->n, seed, cfg);
    for (int i = 0; i + 1 < t->n; i++)
        cr_assert_eq(sim_meet(s, i, i + 1), 0);
    cr_assert_geq(sim_run_until(s, 5000, sim_all_know_all, NULL), 0, "cluster did not join");
    for (int m = 0; m < t->masters; m++)
        sim_addslots(s, m, slot_from(t, m), slot_to(t, m));
    for (int i = t->masters; i < t->n; i++)
        sim_replicate(s, i, t->master_of[i]);
    cr_assert_geq(sim_run_until(s, 10000, topology_settled, (void *)t), 0, "topology did not settle (seed %llu)",
                  (unsigned long long)seed);
    return s;
}

static struct gossip_config failover_config(void)
{
    struct gossip_config cfg = sim_default_config();
    cfg.replica_validity_factor = 10;
    cfg.migration_barrier = 1;
    cfg.repl_ping_period_ms = 10000;
    return cfg;
}

/* 3 masters, 3 replicas: 3 -> 0, 4 -> 1, 5 -> 2. */
static struct topo three_three(void)
{
    static const int of[] = {0, 1, 2};
    return topo_make(3, of, 3);
}

/* Every node but skip and skip2 (-1: none) has the same owner for every
 * slot. */
static bool maps_agree_except(struct sim *s, int skip, int skip2)
{
    int ref = 0;
    while (ref == skip || ref == skip2)
        ref++;
    for (int a = 0; a < s->n; a++) {
        if (a == skip || a == skip2 || a == ref)
            continue;
        for (int slot = 0; slot < SLOTS_COUNT; slot++)
            if (sim_owner(s, a, slot) != sim_owner(s, ref, slot))
                return false;
    }
    return true;
}

struct takeover_watch {
    int dead;   /* isolated node, not asked (-1: none) */
    int dead2;
    int winner;
    int from, to;
};

/* Everybody alive sees winner as a master owning [from, to]. */
static bool taken_over(struct sim *s, void *ctx)
{
    const struct takeover_watch *w = ctx;
    for (int a = 0; a < s->n; a++) {
        if (a == w->dead || a == w->dead2)
            continue;
        struct gossip_node *n = sim_view(s, a, w->winner);
        if (!gossip_node_is_master(n) || sim_owner(s, a, w->from) != w->winner ||
            sim_owner(s, a, w->to) != w->winner)
            return false;
    }
    return maps_agree_except(s, w->dead, w->dead2);
}

struct role_watch {
    int node;
    int master;
};

/* Every node (the watched one included) sees node as a replica of master. */
static bool replica_everywhere(struct sim *s, void *ctx)
{
    const struct role_watch *w = ctx;
    for (int a = 0; a < s->n; a++) {
        struct gossip_node *n = sim_view(s, a, w->node);
        if (!n || !gossip_node_is_replica(n) || n->master != sim_view(s, a, w->master))
            return false;
    }
    return true;
}

/* The same, leaving out node 0 (cut off). */
static bool replica_everywhere_but_0(struct sim *s, void *ctx)
{
    const struct role_watch *w = ctx;
    for (int a = 1; a < s->n; a++) {
        struct gossip_node *n = sim_view(s, a, w->node);
        if (!n || !gossip_node_is_replica(n) || n->master != sim_view(s, a, w->master))
            return false;
    }
    return true;
}

static bool replica_everywhere_but_6(struct sim *s, void *ctx)
{
    const struct role_watch *w = ctx;
    for (int a = 0; a < 6; a++) {
        struct gossip_node *n = sim_view(s, a, w->node);
        if (!n || !gossip_node_is_replica(n) || n->master != sim_view(s, a, w->master))
            return false;
    }
    return true;
}

/* winner takes master m's range while dead (and dead2) are cut off. */
static struct takeover_watch watch(const struct topo *t, int dead, int dead2, int winner, int m)
{
    return (struct takeover_watch){
        .dead = dead, .dead2 = dead2, .winner = winner, .from = slot_from(t, m), .to = slot_to(t, m)};
}

static bool is_master_in_own_view(struct sim *s, int i)
{
    return gossip_node_is_master(s->nodes[i].g->myself);
}

Test(failover_sim, killed_master_is_replaced_by_its_replica_within_the_bound)
{
    struct topo t = three_three();
    struct gossip_config cfg = failover_config();
    int64_t took_sum = 0;
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        struct sim *s = build(&t, seed * 101, &cfg);
        uint64_t old_epoch = s->nodes[0].g->myself->config_epoch;
        sim_isolate(s, 0, true);
        struct takeover_watch w = watch(&t, 0, -1, 3, 0);
        int64_t took = sim_run_until(s, FAILOVER_BOUND_MS, taken_over, &w);
        cr_assert_geq(took, 0, "seed %llu: replica 3 did not take over within %d ms", (unsigned long long)seed,
                      FAILOVER_BOUND_MS);
        took_sum += took;
        struct gossip *g3 = s->nodes[3].g;
        cr_assert_eq(g3->myself->slot_count, slot_to(&t, 0) - slot_from(&t, 0) + 1);
        cr_assert_gt(g3->myself->config_epoch, old_epoch);
        for (int a = 1; a < t.n; a++)
            cr_assert_gt(sim_view(s, a, 3)->config_epoch, old_epoch, "node %d knows the new epoch", a);
        cr_assert_str_eq(s->nodes[3].master_id, "", "node/ was told to promote (master_changed(NULL))");
        /* Exactly one new master, and the other replicas stayed where they were. */
        cr_assert(!is_master_in_own_view(s, 4) && !is_master_in_own_view(s, 5));
        /* One election (a broadcast: one request per linked node). */
        cr_assert_leq(g3->stats_sent[GOSSIP_MSG_FAILOVER_AUTH_REQUEST], (uint64_t)t.n - 1, "one election was enough");
        cr_assert_eq(g3->failover_auth_epoch, g3->myself->config_epoch);
        cr_assert_eq(s->nodes[4].g->stats_sent[GOSSIP_MSG_FAILOVER_AUTH_REQUEST], 0u);
        /* The majority serves again. */
        for (int step = 0; step < 300; step++) {
            bool ok = true;
            for (int a = 1; a < t.n; a++)
                ok = ok && s->nodes[a].g->state_ok;
            if (ok)
                break;
            sim_run_for(s, 10);
        }
        for (int a = 1; a < t.n; a++)
            cr_assert(s->nodes[a].g->state_ok, "seed %llu node %d ok again", (unsigned long long)seed, a);
        sim_free(s);
    }
    cr_log_info("kill -> everyone agrees on the new master: mean %lld ms (bound %d)", (long long)(took_sum / SEEDS),
                FAILOVER_BOUND_MS);
}

Test(failover_sim, old_master_rejoining_becomes_a_replica_of_the_winner)
{
    struct topo t = three_three();
    struct gossip_config cfg = failover_config();
    for (uint64_t seed = 1; seed <= 3; seed++) {
        struct sim *s = build(&t, seed * 7, &cfg);
        sim_isolate(s, 0, true);
        struct takeover_watch w = watch(&t, 0, -1, 3, 0);
        cr_assert_geq(sim_run_until(s, FAILOVER_BOUND_MS, taken_over, &w), 0);
        cr_assert(is_master_in_own_view(s, 0), "still a master while cut off");
        int changes = s->nodes[0].master_changes;
        sim_isolate(s, 0, false);
        w.dead = -1;
        cr_assert_geq(sim_run_until(s, 5000, taken_over, &w), 0, "seed %llu: maps did not converge",
                      (unsigned long long)seed);
        struct role_watch r = {.node = 0, .master = 3};
        cr_assert_geq(sim_run_until(s, 5000, replica_everywhere, &r), 0, "seed %llu: 0 not a replica of 3 everywhere",
                      (unsigned long long)seed);
        struct gossip *g0 = s->nodes[0].g;
        cr_assert_eq(g0->myself->slot_count, 0);
        cr_assert_gt(s->nodes[0].master_changes, changes);
        cr_assert_str_eq(s->nodes[0].master_id, s->nodes[3].g->myself->id, "node/ told to follow the winner");
        sim_free(s);
    }
}

/* 3 masters, 4 replicas: 3 and 4 -> 0, 5 -> 1, 6 -> 2. */
static struct topo three_four(void)
{
    static const int of[] = {0, 0, 1, 2};
    return topo_make(3, of, 4);
}

/* Lets every node hear everyone's current offsets (one N_T/2 ping round). */
static void spread_offsets(struct sim *s)
{
    sim_run_for(s, NT_MS);
}

Test(failover_sim, the_replica_with_the_larger_offset_wins)
{
    struct topo t = three_four();
    struct gossip_config cfg = failover_config();
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        struct sim *s = build(&t, seed * 31, &cfg);
        int best = seed % 2 ? 4 : 3, other = best == 4 ? 3 : 4;
        s->nodes[best].repl_offset = 5000;
        s->nodes[other].repl_offset = 4000;
        spread_offsets(s);
        sim_isolate(s, 0, true);
        struct takeover_watch w = watch(&t, 0, -1, best, 0);
        cr_assert_geq(sim_run_until(s, FAILOVER_BOUND_MS + GOSSIP_ELECTION_RANK_STEP_MS, taken_over, &w), 0,
                      "seed %llu: %d did not win", (unsigned long long)seed, best);
        struct role_watch r = {.node = other, .master = best};
        cr_assert_geq(sim_run_until(s, 3000, replica_everywhere_but_0, &r), 0, "the loser follows the winner");
        cr_assert_eq(s->nodes[other].g->stats_sent[GOSSIP_MSG_FAILOVER_AUTH_REQUEST], 0u,
                     "rank 1 waited one step more and never asked");
        sim_free(s);
    }
}

Test(failover_sim, equal_offsets_elect_exactly_one)
{
    struct topo t = three_four();
    struct gossip_config cfg = failover_config();
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        struct sim *s = build(&t, seed * 57, &cfg);
        s->nodes[3].repl_offset = s->nodes[4].repl_offset = 777;
        spread_offsets(s);
        sim_isolate(s, 0, true);
        /* A split vote waits for the retry: 2 x max(2 x N_T, 2000). */
        int64_t limit = FAILOVER_BOUND_MS + 4 * 2000 + 1000;
        int winner = -1;
        for (int64_t waited = 0; waited < limit && winner < 0; waited += 10) {
            sim_run_for(s, 10);
            if (is_master_in_own_view(s, 3))
                winner = 3;
            if (is_master_in_own_view(s, 4))
                winner = winner == 3 ? 99 : 4;
        }
        cr_assert(winner == 3 || winner == 4, "seed %llu: winner %d", (unsigned long long)seed, winner);
        int loser = winner == 3 ? 4 : 3;
        struct takeover_watch w = watch(&t, 0, -1, winner, 0);
        cr_assert_geq(sim_run_until(s, 3000, taken_over, &w), 0);
        struct role_watch r = {.node = loser, .master = winner};
        cr_assert_geq(sim_run_until(s, 3000, replica_everywhere_but_0, &r), 0);
        sim_run_for(s, 5000);
        cr_assert(!is_master_in_own_view(s, loser), "seed %llu: only one winner", (unsigned long long)seed);
        sim_free(s);
    }
}

/* Sets one node's own config (ports kept) and lets it take effect. */
static void node_config(struct sim *s, int i, bool no_failover)
{
    struct gossip_config c = s->nodes[i].g->cfg;
    c.replica_no_failover = no_failover;
    gossip_config_apply(s->nodes[i].g, &c);
    gossip_before_sleep(s->nodes[i].g);
}

static uint64_t auth_requests(struct sim *s, int i)
{
    return s->nodes[i].g->stats_sent[GOSSIP_MSG_FAILOVER_AUTH_REQUEST];
}

Test(failover_sim, a_nofailover_replica_never_starts_an_election_but_can_be_forced)
{
    struct topo t = three_three();
    struct gossip_config cfg = failover_config();
    for (uint64_t seed = 1; seed <= 3; seed++) {
        struct sim *s = build(&t, seed * 13, &cfg);
        node_config(s, 3, true);
        sim_run_for(s, NT_MS);
        for (int a = 0; a < t.n; a++)
            cr_assert(sim_view(s, a, 3)->flags & GOSSIP_NODE_NOFAILOVER, "node %d sees NOFAILOVER", a);
        sim_isolate(s, 0, true);
        sim_run_for(s, FAILOVER_BOUND_MS + 5000);
        cr_assert(sim_view(s, 3, 0)->flags & GOSSIP_NODE_FAIL);
        cr_assert(!is_master_in_own_view(s, 3));
        cr_assert_eq(auth_requests(s, 3), 0u);
        cr_assert_eq(sim_owner(s, 1, slot_from(&t, 0)), 0, "nobody took the slots");
        /* Manual failover still works; the default one needs a live master. */
        struct gossip *g3 = s->nodes[3].g;
        cr_assert_eq(gossip_failover_manual(g3, GOSSIP_FAILOVER_DEFAULT), GOSSIP_FAILOVER_MASTER_DOWN);
        cr_assert(!gossip_failover_manual_in_progress(g3));
        cr_assert_eq(gossip_failover_manual(g3, GOSSIP_FAILOVER_FORCE), GOSSIP_FAILOVER_OK);
        gossip_before_sleep(g3);
        struct takeover_watch w = watch(&t, 0, -1, 3, 0);
        cr_assert_geq(sim_run_until(s, 1000, taken_over, &w), 0, "seed %llu: FORCE did not win",
                      (unsigned long long)seed);
        sim_free(s);
    }
}

Test(failover_sim, nofailover_siblings_do_not_count_in_the_rank)
{
    struct topo t = three_four();
    struct gossip_config cfg = failover_config();
    for (uint64_t seed = 1; seed <= 3; seed++) {
        struct sim *s = build(&t, seed * 17, &cfg);
        node_config(s, 3, true);
        s->nodes[3].repl_offset = 9000; /* far ahead, but never fails over */
        s->nodes[4].repl_offset = 100;
        spread_offsets(s);
        sim_isolate(s, 0, true);
        struct takeover_watch w = watch(&t, 0, -1, 4, 0);
        cr_assert_geq(sim_run_until(s, FAILOVER_BOUND_MS, taken_over, &w), 0);
        cr_assert_eq(s->nodes[4].g->failover_auth_rank, 0, "rank 0: the NOFAILOVER sibling is not counted");
        cr_assert_eq(auth_requests(s, 3), 0u);
        sim_free(s);
    }
}

Test(failover_sim, stale_data_blocks_the_automatic_election_not_a_forced_one)
{
    struct topo t = three_three();
    struct gossip_config cfg = failover_config();
    /* Allowed: data_age - N_T <= repl-ping-replica-period + N_T x factor. */
    int64_t limit = cfg.repl_ping_period_ms + NT_MS * cfg.replica_validity_factor + NT_MS;
    for (uint64_t seed = 1; seed <= 4; seed++) {
        struct sim *s = build(&t, seed * 19, &cfg);
        s->nodes[3].data_age_ms = limit + 1;
        sim_isolate(s, 0, true);
        sim_run_for(s, FAILOVER_BOUND_MS + 3000);
        cr_assert(sim_view(s, 3, 0)->flags & GOSSIP_NODE_FAIL);
        cr_assert(!is_master_in_own_view(s, 3), "seed %llu: too old data must not fail over", (unsigned long long)seed);
        cr_assert_eq(auth_requests(s, 3), 0u);
        if (seed % 2) {
            s->nodes[3].data_age_ms = limit; /* just young enough */
        } else {
            cr_assert_eq(gossip_failover_manual(s->nodes[3].g, GOSSIP_FAILOVER_FORCE), GOSSIP_FAILOVER_OK);
            gossip_before_sleep(s->nodes[3].g);
        }
        struct takeover_watch w = watch(&t, 0, -1, 3, 0);
        cr_assert_geq(sim_run_until(s, 1000, taken_over, &w), 0, "seed %llu: no takeover", (unsigned long long)seed);
        sim_free(s);
    }
}

Test(failover_sim, default_manual_failover_waits_for_the_offset_then_swaps_roles)
{
    struct topo t = three_three();
    struct gossip_config cfg = failover_config();
    for (uint64_t seed = 1; seed <= 3; seed++) {
        struct sim *s = build(&t, seed * 23, &cfg);
        struct gossip *g0 = s->nodes[0].g, *g3 = s->nodes[3].g;
        s->nodes[0].repl_offset = 1000;
        s->nodes[3].repl_offset = 900;
        cr_assert_eq(gossip_failover_manual(g0, GOSSIP_FAILOVER_DEFAULT), GOSSIP_FAILOVER_NOT_REPLICA);
        int64_t t0 = s->now;
        cr_assert_eq(gossip_failover_manual(g3, GOSSIP_FAILOVER_DEFAULT), GOSSIP_FAILOVER_OK);
        cr_assert(gossip_failover_manual_in_progress(g3));
        sim_run_for(s, 300);
        cr_assert(gossip_failover_manual_in_progress(g0), "the master took the request");
        cr_assert_eq(g0->mf_replica, sim_view(s, 0, 3));
        cr_assert_eq(s->nodes[0].pause_until_ms, t0 + 1 + GOSSIP_MF_PAUSE_MS, "writes paused for 10 s");
        cr_assert_eq(g3->mf_master_offset, 1000, "offset from the first PAUSED header");
        sim_run_for(s, 1500);
        cr_assert(!is_master_in_own_view(s, 3), "not before the replica caught up");
        cr_assert(!g3->mf_can_start);
        cr_assert_eq(auth_requests(s, 3), 0u);
        s->nodes[3].repl_offset = 1000;
        int64_t caught_up = s->now;
        struct takeover_watch w = watch(&t, -1, -1, 3, 0);
        cr_assert_geq(sim_run_until(s, 1000, taken_over, &w), 0, "seed %llu: no swap", (unsigned long long)seed);
        cr_assert_lt(s->now - caught_up, 300, "the election starts without the automatic delay");
        struct role_watch r = {.node = 0, .master = 3};
        cr_assert_geq(sim_run_until(s, 1000, replica_everywhere, &r), 0);
        cr_assert_eq(s->nodes[0].pause_until_ms, 0, "the old master lifted its pause");
        cr_assert_str_eq(s->nodes[0].master_id, g3->myself->id);
        cr_assert_str_eq(s->nodes[3].master_id, "");
        cr_assert(!gossip_failover_manual_in_progress(g0) && !gossip_failover_manual_in_progress(g3));
        sim_free(s);
    }
}

Test(failover_sim, forced_failover_with_the_master_cut_off_wins_before_fail)
{
    struct topo t = three_three();
    struct gossip_config cfg = failover_config();
    for (uint64_t seed = 1; seed <= 3; seed++) {
        struct sim *s = build(&t, seed * 29, &cfg);
        sim_isolate(s, 0, true);
        struct gossip *g3 = s->nodes[3].g;
        cr_assert_eq(gossip_failover_manual(g3, GOSSIP_FAILOVER_FORCE), GOSSIP_FAILOVER_OK);
        gossip_before_sleep(g3);
        struct takeover_watch w = watch(&t, 0, -1, 3, 0);
        int64_t took = sim_run_until(s, 1000, taken_over, &w);
        cr_assert_geq(took, 0);
        cr_assert_lt(took, NT_MS, "votes granted on FORCEACK, not after FAIL");
        cr_assert(!gossip_failover_manual_in_progress(g3));
        sim_free(s);
    }
}

Test(failover_sim, takeover_needs_no_majority)
{
    struct topo t = three_three();
    struct gossip_config cfg = failover_config();
    for (uint64_t seed = 1; seed <= 3; seed++) {
        struct sim *s = build(&t, seed * 37, &cfg);
        sim_isolate(s, 0, true);
        sim_isolate(s, 1, true);
        struct gossip *g3 = s->nodes[3].g;
        int saves = s->nodes[3].saves;
        cr_assert_eq(gossip_failover_manual(g3, GOSSIP_FAILOVER_TAKEOVER), GOSSIP_FAILOVER_OK);
        /* At once, without votes. */
        cr_assert(gossip_node_is_master(g3->myself));
        cr_assert_eq(g3->myself->slot_count, slot_to(&t, 0) - slot_from(&t, 0) + 1);
        cr_assert_eq(g3->myself->config_epoch, g3->current_epoch);
        cr_assert_eq(g3->myself->config_epoch, gossip__epoch_max(g3));
        cr_assert_gt(s->nodes[3].saves, saves);
        cr_assert_str_eq(s->nodes[3].master_id, "");
        cr_assert(!gossip_failover_manual_in_progress(g3));
        gossip_before_sleep(g3);
        struct takeover_watch w = watch(&t, 0, 1, 3, 0);
        cr_assert_geq(sim_run_until(s, 2000, taken_over, &w), 0, "seed %llu: the others did not follow",
                      (unsigned long long)seed);
        cr_assert_eq(auth_requests(s, 3), 0u);
        sim_free(s);
    }
}

Test(failover_sim, manual_failover_times_out_and_unpauses_the_master)
{
    struct topo t = three_three();
    struct gossip_config cfg = failover_config();
    for (uint64_t seed = 1; seed <= 3; seed++) {
        struct sim *s = build(&t, seed * 41, &cfg);
        struct gossip *g0 = s->nodes[0].g, *g3 = s->nodes[3].g;
        s->nodes[0].repl_offset = 1000;
        s->nodes[3].repl_offset = 10; /* never catches up */
        cr_assert_eq(gossip_failover_manual(g3, GOSSIP_FAILOVER_DEFAULT), GOSSIP_FAILOVER_OK);
        sim_run_for(s, 300);
        cr_assert_gt(s->nodes[0].pause_until_ms, s->now);
        cr_assert_eq(s->nodes[0].pause_calls, 1);
        sim_run_for(s, GOSSIP_MF_TIMEOUT_MS);
        cr_assert(!gossip_failover_manual_in_progress(g3));
        cr_assert(!gossip_failover_manual_in_progress(g0));
        cr_assert_eq(s->nodes[0].pause_until_ms, 0, "unpaused on the timeout");
        cr_assert_eq(s->nodes[0].pause_calls, 2);
        cr_assert(!is_master_in_own_view(s, 3) && is_master_in_own_view(s, 0));
        cr_assert_eq(auth_requests(s, 3), 0u);
        sim_free(s);
    }
}

struct migration_watch {
    int mover;
    int target;
};

static bool migrated(struct sim *s, void *ctx)
{
    const struct migration_watch *w = ctx;
    struct gossip *g = s->nodes[w->mover].g;
    return g->myself->master == sim_view(s, w->mover, w->target);
}

Test(failover_sim, replica_migration_moves_the_lowest_id_replica_after_5s)
{
    /* 3 masters; 0 has replicas 3 and 4, 1 has 5, 2 has 6. */
    static const int of[] = {0, 0, 1, 2};
    struct topo t = topo_make(3, of, 4);
    struct gossip_config cfg = failover_config();
    for (uint64_t seed = 1; seed <= 3; seed++) {
        struct sim *s = build(&t, seed * 43, &cfg);
        int mover = strcmp(s->nodes[3].g->myself->id, s->nodes[4].g->myself->id) < 0 ? 3 : 4;
        int stayer = 7 - mover;
        sim_isolate(s, 6, true); /* master 2 loses its only replica */
        int64_t fail_seen = -1;
        struct migration_watch w = {.mover = mover, .target = 2};
        for (int64_t waited = 0; waited < 20000 && !migrated(s, &w); waited += 10) {
            sim_run_for(s, 10);
            if (fail_seen < 0 && (sim_view(s, mover, 6)->flags & GOSSIP_NODE_FAIL))
                fail_seen = s->now;
            cr_assert(s->nodes[stayer].g->myself->master == sim_view(s, stayer, 0), "the other replica stays");
        }
        cr_assert(migrated(s, &w), "seed %llu: no migration", (unsigned long long)seed);
        cr_assert_geq(fail_seen, 0);
        cr_assert_gt(s->now - fail_seen, GOSSIP_MIGRATION_DELAY_MS, "orphaned for more than 5 s first");
        cr_assert_str_eq(s->nodes[mover].master_id, s->nodes[2].g->myself->id, "node/ told to follow");
        struct role_watch r = {.node = mover, .master = 2};
        cr_assert_geq(sim_run_until(s, 2000, replica_everywhere_but_6, &r), 0);
        sim_run_for(s, 6000);
        cr_assert_eq(s->nodes[stayer].g->myself->master, sim_view(s, stayer, 0), "only one moves");
        sim_free(s);
    }
}

static bool isolated_sees_fail(struct sim *s, void *ctx)
{
    (void)s;
    return !((struct gossip *)ctx)->state_ok;
}

Test(failover_sim, drop_all_isolates_a_node)
{
    struct topo t = three_three();
    struct gossip_config cfg = failover_config();
    for (uint64_t seed = 1; seed <= 3; seed++) {
        struct sim *s = build(&t, seed * 47, &cfg);
        struct gossip *g2 = s->nodes[2].g;
        g2->drop_filter = GOSSIP_DROP_ALL;
        uint64_t sent = 0, received = 0;
        for (int ty = 0; ty < GOSSIP_TYPE_COUNT; ty++) {
            sent += g2->stats_sent[ty];
            received += g2->stats_received[ty];
        }
        struct takeover_watch w = watch(&t, 2, -1, 5, 2);
        cr_assert_geq(sim_run_until(s, FAILOVER_BOUND_MS, taken_over, &w), 0, "seed %llu", (unsigned long long)seed);
        for (int a = 0; a < t.n; a++)
            if (a != 2)
                cr_assert(sim_view(s, a, 2)->flags & GOSSIP_NODE_FAIL, "node %d sees it FAIL", a);
        /* The others' FAIL can now beat its own view of their silence by a
         * tick or two: both start at N_T. */
        cr_assert_geq(sim_run_until(s, 1000, isolated_sees_fail, g2), 0, "it sees everyone silent");
        uint64_t sent2 = 0, received2 = 0;
        for (int ty = 0; ty < GOSSIP_TYPE_COUNT; ty++) {
            sent2 += g2->stats_sent[ty];
            received2 += g2->stats_received[ty];
        }
        cr_assert_eq(sent2, sent, "nothing sent, nothing counted as sent");
        cr_assert_gt(received2, received, "received messages are still counted");
        g2->drop_filter = GOSSIP_DROP_NONE;
        struct role_watch r = {.node = 2, .master = 5};
        cr_assert_geq(sim_run_until(s, 5000, replica_everywhere, &r), 0, "back: it follows the winner");
        sim_free(s);
    }
}

/* One instance and crafted messages: the voting rules (§16), the manual
 * failover commands and DROP_ALL. */

#define SENT_MAX 64

struct sent_msg {
    const struct gossip_link *link;
    uint16_t type;
    uint8_t mflags0;
    int fsync_saves; /* fsynced saves made before it was sent */
};

/* Connects always "succeed" (links stay pending) so the rules that need
 * an outbound link can be seen; every send is recorded. */
struct bench {
    int64_t now;
    uint64_t rng;
    struct gossip *g;
    struct sent_msg sent[SENT_MAX];
    int sent_count;
    int64_t pause_until_ms;
    int pause_calls;
    int fsync_saves;
};

static int64_t b_now(void *ud)
{
    return ((struct bench *)ud)->now;
}

static void b_random(void *ud, void *buf, size_t len)
{
    struct bench *b = ud;
    uint8_t *p = buf;
    for (size_t i = 0; i < len; i++) {
        b->rng = b->rng * 6364136223846793005ull + 1442695040888963407ull;
        p[i] = (uint8_t)(b->rng >> 56);
    }
}

static int b_connect(void *ud, struct gossip_link *link)
{
    (void)ud;
    (void)link;
    return 0;
}

static void b_send(void *ud, struct gossip_link *link, const uint8_t *buf, size_t len)
{
    struct bench *b = ud;
    cr_assert_geq(len, (size_t)GOSSIP_MSG_HDR_SIZE);
    if (b->sent_count == SENT_MAX)
        return;
    b->sent[b->sent_count++] =
        (struct sent_msg){.link = link, .type = (uint16_t)((buf[12] << 8) | buf[13]), .mflags0 = buf[2253],
                          .fsync_saves = b->fsync_saves};
}

static void b_save(void *ud, bool fsync)
{
    struct bench *b = ud;
    if (fsync)
        b->fsync_saves++;
}

static void b_close(void *ud, struct gossip_link *link)
{
    (void)ud;
    (void)link;
}

static void b_pause(void *ud, int64_t until_ms)
{
    struct bench *b = ud;
    b->pause_until_ms = until_ms;
    b->pause_calls++;
}

static struct bench *bench_new(void)
{
    struct bench *b = core_calloc(1, sizeof(*b));
    b->now = SIM_START_MS;
    b->rng = 42;
    struct gossip_config cfg = failover_config();
    cfg.port = 7000;
    cfg.cport = 17000;
    struct gossip_env env = {.ud = b, .now_ms = b_now, .random_bytes = b_random, .connect = b_connect,
                             .send = b_send, .close = b_close, .pause_writes = b_pause,
                             .save_config = b_save};
    b->g = gossip_new(&cfg, &env);
    return b;
}

static void bench_free(struct bench *b)
{
    gossip_free(b->g);
    core_free(b);
}

static struct gossip_node *add_node(struct bench *b, uint32_t flags, struct gossip_node *master)
{
    char id[GOSSIP_ID_LEN + 1];
    gossip__random_id(b->g, id);
    struct gossip_node *n = gossip__node_create(b->g, id, flags);
    strcpy(n->ip, "10.0.0.9");
    n->port = 7001;
    n->cport = 17001;
    if (master) {
        n->master = master;
        gossip__node_attach_replica(master, n);
    }
    gossip__link_connect(b->g, n, b->now);
    cr_assert(n->link != NULL);
    return n;
}

/* Myself (epoch 1), X (epoch 2) and Y (epoch 3) share the slots; R and R2
 * replicate X, Q replicates Y. currentEpoch 10, state settled. */
struct voters {
    struct bench *b;
    struct gossip_node *x, *y, *r, *r2, *q;
};

static struct voters voters_new(void)
{
    struct voters v;
    v.b = bench_new();
    struct gossip *g = v.b->g;
    v.x = add_node(v.b, GOSSIP_NODE_MASTER, NULL);
    v.y = add_node(v.b, GOSSIP_NODE_MASTER, NULL);
    v.r = add_node(v.b, GOSSIP_NODE_SLAVE, v.x);
    v.r2 = add_node(v.b, GOSSIP_NODE_SLAVE, v.x);
    v.q = add_node(v.b, GOSSIP_NODE_SLAVE, v.y);
    g->myself->config_epoch = 1;
    v.x->config_epoch = 2;
    v.y->config_epoch = 3;
    g->current_epoch = 10;
    for (int slot = 0; slot < SLOTS_COUNT; slot++)
        gossip_slots_assign(g, slot, slot % 3 == 0 ? g->myself : slot % 3 == 1 ? v.x : v.y);
    gossip_state_update(g);
    v.b->now += GOSSIP_WRITABLE_DELAY_MS + 1;
    gossip_state_update(g);
    cr_assert_eq(g->size, 3);
    gossip_before_sleep(g);
    return v;
}

/* A header from n as it would build it (a replica shows its master's). */
static struct gossip_msg_hdr hdr_from(const struct gossip_node *n, uint64_t current_epoch)
{
    struct gossip_msg_hdr hdr;
    memset(&hdr, 0, sizeof(hdr));
    const struct gossip_node *side = gossip_node_is_replica(n) && n->master ? n->master : n;
    hdr.port = n->port;
    hdr.cport = n->cport;
    hdr.current_epoch = current_epoch;
    hdr.config_epoch = side->config_epoch;
    memcpy(hdr.sender, n->id, GOSSIP_ID_LEN);
    hdr.myslots = side->slots;
    if (gossip_node_is_replica(n))
        memcpy(hdr.slaveof, n->master ? n->master->id : "0123456789012345678901234567890123456789", GOSSIP_ID_LEN);
    hdr.flags = (uint16_t)((n->flags & (GOSSIP_NODE_MASTER | GOSSIP_NODE_SLAVE)) | GOSSIP_NODE_MYSELF);
    return hdr;
}

/* Delivers a header-only message on a fresh inbound link. */
static void deliver(struct bench *b, uint16_t type, const struct gossip_msg_hdr *hdr)
{
    static uint8_t buf[GOSSIP_MSG_HDR_SIZE];
    ssize_t len = gossip_msg_encode_header_only(buf, sizeof(buf), type, hdr);
    cr_assert_eq(len, GOSSIP_MSG_HDR_SIZE);
    struct gossip_link *l = gossip_link_accepted(b->g, NULL, "10.0.0.9", "10.0.0.1");
    cr_assert_eq(gossip_on_message(b->g, l, buf, (size_t)len), 0);
}

static int acks_to(const struct bench *b, const struct gossip_node *n)
{
    int count = 0;
    for (int i = 0; i < b->sent_count; i++)
        if (b->sent[i].type == GOSSIP_MSG_FAILOVER_AUTH_ACK && b->sent[i].link == n->link)
            count++;
    return count;
}

/* n asks for a vote in epoch; returns the ACKs it got from this request. */
static int ask(struct voters *v, struct gossip_node *n, uint64_t epoch, bool force_ack)
{
    struct gossip_msg_hdr hdr = hdr_from(n, epoch);
    if (force_ack)
        hdr.mflags[0] |= GOSSIP_MSG_MFLAG_FORCEACK;
    int before = acks_to(v->b, n);
    deliver(v->b, GOSSIP_MSG_FAILOVER_AUTH_REQUEST, &hdr);
    return acks_to(v->b, n) - before;
}

static void set_fail(struct voters *v, struct gossip_node *n)
{
    n->flags |= GOSSIP_NODE_FAIL;
    n->fail_time_ms = v->b->now;
}

Test(failover_vote, no_vote_while_the_master_is_up_unless_forceack)
{
    struct voters v = voters_new();
    struct gossip *g = v.b->g;
    cr_assert_eq(ask(&v, v.r, 11, false), 0);
    cr_assert_eq(g->last_vote_epoch, 0u);
    cr_assert_eq(g->current_epoch, 11u, "the request's epoch was still learned");
    cr_assert_eq(ask(&v, v.r, 12, true), 1, "a manual failover's request");
    cr_assert_eq(g->last_vote_epoch, 12u);
    cr_assert_eq(v.x->voted_time_ms, v.b->now);
    const struct sent_msg *ack = NULL;
    for (int i = 0; i < v.b->sent_count; i++)
        if (v.b->sent[i].type == GOSSIP_MSG_FAILOVER_AUTH_ACK)
            ack = &v.b->sent[i];
    cr_assert(ack != NULL);
    cr_assert_geq(ack->fsync_saves, 1, "lastVoteEpoch saved with fsync before the ACK went out");
    struct gossip_conf c;
    gossip_conf_init(&c);
    gossip_persist_build(g, &c);
    cr_assert_eq(c.last_vote_epoch, 12u);
    gossip_conf_free(&c);
    bench_free(v.b);
}

Test(failover_vote, one_vote_per_epoch)
{
    struct voters v = voters_new();
    set_fail(&v, v.x);
    set_fail(&v, v.y);
    cr_assert_eq(ask(&v, v.r, 11, false), 1);
    cr_assert_eq(ask(&v, v.q, 11, false), 0, "already voted in epoch 11");
    cr_assert_eq(ask(&v, v.q, 12, false), 1, "another master's replica, a new epoch");
    bench_free(v.b);
}

Test(failover_vote, one_vote_per_master_within_two_node_timeouts)
{
    struct voters v = voters_new();
    set_fail(&v, v.x);
    set_fail(&v, v.y);
    cr_assert_eq(ask(&v, v.r, 11, false), 1);
    v.b->now += 2 * NT_MS - 1;
    cr_assert_eq(ask(&v, v.r2, 12, false), 0, "same master, too soon");
    cr_assert_eq(ask(&v, v.q, 13, false), 1, "the cooldown is per master");
    v.b->now += 1;
    cr_assert_eq(ask(&v, v.r2, 14, false), 1, "2 x N_T later");
    bench_free(v.b);
}

Test(failover_vote, request_for_slots_held_by_a_newer_epoch_is_refused)
{
    struct voters v = voters_new();
    set_fail(&v, v.x);
    /* R claims X's slots and one of Y's (epoch 3) with X's epoch 2. */
    struct gossip_msg_hdr hdr = hdr_from(v.r, 11);
    int y_slot = slots_bitmap_next(&v.y->slots, 0);
    slots_bitmap_add(&hdr.myslots, y_slot);
    int before = acks_to(v.b, v.r);
    deliver(v.b, GOSSIP_MSG_FAILOVER_AUTH_REQUEST, &hdr);
    cr_assert_eq(acks_to(v.b, v.r), before, "slot %d is Y's with a greater epoch", y_slot);
    cr_assert_eq(v.b->g->last_vote_epoch, 0u);
    /* Equal epochs are fine. */
    cr_assert_eq(ask(&v, v.r, 12, false), 1);
    bench_free(v.b);
}

Test(failover_vote, stale_request_epoch_and_non_voters)
{
    struct voters v = voters_new();
    struct gossip *g = v.b->g;
    set_fail(&v, v.x);
    cr_assert_eq(ask(&v, v.r, 9, false), 0, "reqEpoch < curEpoch");
    /* A master asking, or a replica whose master I do not know. */
    cr_assert_eq(ask(&v, v.y, 11, false), 0);
    struct gossip_node *orphan = add_node(v.b, GOSSIP_NODE_SLAVE, NULL);
    cr_assert_eq(ask(&v, orphan, 12, false), 0);
    /* Without slots I do not vote. */
    for (int slot = 0; slot < SLOTS_COUNT; slot += 3)
        gossip_slots_assign(g, slot, v.y);
    cr_assert_eq(ask(&v, v.r, 13, false), 0);
    cr_assert_eq(g->last_vote_epoch, 0u);
    bench_free(v.b);
}

Test(failover_vote, no_link_no_ack_but_the_epoch_is_spent)
{
    struct voters v = voters_new();
    struct gossip *g = v.b->g;
    set_fail(&v, v.x);
    gossip__link_free(g, v.r->link);
    int sent = v.b->sent_count;
    struct gossip_msg_hdr hdr = hdr_from(v.r, 11);
    deliver(v.b, GOSSIP_MSG_FAILOVER_AUTH_REQUEST, &hdr);
    cr_assert_eq(v.b->sent_count, sent, "no ACK without my outbound link");
    cr_assert_eq(g->last_vote_epoch, 11u, "as 7.0.15: the vote is recorded before the send");
    bench_free(v.b);
}

Test(failover_vote, acks_count_from_masters_with_slots_in_the_election_epoch)
{
    struct bench *b = bench_new();
    struct gossip *g = b->g;
    struct gossip_node *x = add_node(b, GOSSIP_NODE_MASTER, NULL);
    struct gossip_node *y = add_node(b, GOSSIP_NODE_MASTER, NULL);
    struct gossip_node *z = add_node(b, GOSSIP_NODE_MASTER, NULL); /* no slots */
    for (int slot = 0; slot < SLOTS_COUNT; slot++)
        gossip_slots_assign(g, slot, slot % 2 ? x : y);
    gossip_node_replicate(g, x);
    gossip_before_sleep(g);
    g->failover_auth_epoch = 11;
    g->current_epoch = 11;
    struct gossip_msg_hdr hdr = hdr_from(y, 10);
    deliver(b, GOSSIP_MSG_FAILOVER_AUTH_ACK, &hdr);
    cr_assert_eq(g->failover_auth_count, 0, "an ACK from an older epoch");
    hdr = hdr_from(z, 11);
    deliver(b, GOSSIP_MSG_FAILOVER_AUTH_ACK, &hdr);
    cr_assert_eq(g->failover_auth_count, 0, "a master without slots does not vote");
    hdr = hdr_from(y, 11);
    deliver(b, GOSSIP_MSG_FAILOVER_AUTH_ACK, &hdr);
    cr_assert_eq(g->failover_auth_count, 1);
    cr_assert(g->todo & GOSSIP_TODO_FAILOVER, "checked for a win before sleeping");
    bench_free(b);
}

Test(failover_manual, errors_and_the_master_side_of_mfstart)
{
    struct voters v = voters_new();
    struct gossip *g = v.b->g;
    cr_assert_eq(gossip_failover_manual(g, GOSSIP_FAILOVER_DEFAULT), GOSSIP_FAILOVER_NOT_REPLICA);
    cr_assert_eq(gossip_failover_manual(g, GOSSIP_FAILOVER_TAKEOVER), GOSSIP_FAILOVER_NOT_REPLICA);
    /* MFSTART from a replica that is not mine: ignored. */
    struct gossip_msg_hdr hdr = hdr_from(v.q, 10);
    deliver(v.b, GOSSIP_MSG_MFSTART, &hdr);
    cr_assert(!gossip_failover_manual_in_progress(g));
    cr_assert_eq(v.b->pause_calls, 0);
    /* From one of mine: pause 10 s, PING it at once with PAUSED. */
    struct gossip_node *mine = add_node(v.b, GOSSIP_NODE_SLAVE, g->myself);
    int sent = v.b->sent_count;
    hdr = hdr_from(mine, 10);
    deliver(v.b, GOSSIP_MSG_MFSTART, &hdr);
    cr_assert(gossip_failover_manual_in_progress(g));
    cr_assert_eq(g->mf_replica, mine);
    cr_assert_eq(g->mf_end_ms, v.b->now + GOSSIP_MF_TIMEOUT_MS);
    cr_assert_eq(v.b->pause_until_ms, v.b->now + GOSSIP_MF_PAUSE_MS);
    cr_assert_eq(v.b->sent_count, sent + 1);
    cr_assert_eq(v.b->sent[sent].type, GOSSIP_MSG_PING);
    cr_assert(v.b->sent[sent].mflags0 & GOSSIP_MSG_MFLAG_PAUSED);
    /* Timed out: unpaused, PAUSED gone. */
    v.b->now += GOSSIP_MF_TIMEOUT_MS + 1;
    gossip_tick(g);
    cr_assert(!gossip_failover_manual_in_progress(g));
    cr_assert_eq(v.b->pause_until_ms, 0);
    cr_assert_eq(v.b->pause_calls, 2);
    bench_free(v.b);
}

Test(failover_manual, replica_side_errors)
{
    struct bench *b = bench_new();
    struct gossip *g = b->g;
    struct gossip_node *x = add_node(b, GOSSIP_NODE_MASTER, NULL);
    struct gossip_node *y = add_node(b, GOSSIP_NODE_MASTER, NULL);
    for (int slot = 0; slot < SLOTS_COUNT; slot++)
        gossip_slots_assign(g, slot, slot % 2 ? x : y);
    gossip_node_replicate(g, x);
    gossip_before_sleep(g);
    set_fail(&(struct voters){.b = b}, x);
    cr_assert_eq(gossip_failover_manual(g, GOSSIP_FAILOVER_DEFAULT), GOSSIP_FAILOVER_MASTER_DOWN);
    x->flags &= ~(uint32_t)GOSSIP_NODE_FAIL;
    gossip__link_free(g, x->link);
    cr_assert_eq(gossip_failover_manual(g, GOSSIP_FAILOVER_DEFAULT), GOSSIP_FAILOVER_MASTER_DOWN, "no link");
    cr_assert(!gossip_failover_manual_in_progress(g));
    /* FORCE: an election at once, FORCEACK set. */
    int sent = b->sent_count;
    cr_assert_eq(gossip_failover_manual(g, GOSSIP_FAILOVER_FORCE), GOSSIP_FAILOVER_OK);
    gossip_before_sleep(g);
    cr_assert_eq(g->failover_auth_epoch, 1u);
    int requests = 0;
    for (int i = sent; i < b->sent_count; i++) {
        if (b->sent[i].type != GOSSIP_MSG_FAILOVER_AUTH_REQUEST)
            continue;
        requests++;
        cr_assert_eq(b->sent[i].link, y->link);
        cr_assert(b->sent[i].mflags0 & GOSSIP_MSG_MFLAG_FORCEACK);
    }
    cr_assert_eq(requests, 1);
    /* A replica without a known master. */
    struct gossip_node *me = g->myself;
    gossip__node_detach_replica(x, me);
    me->master = NULL;
    cr_assert_eq(gossip_failover_manual(g, GOSSIP_FAILOVER_FORCE), GOSSIP_FAILOVER_NO_MASTER);
    bench_free(b);
}

Test(failover_drop, drop_all_counts_then_drops_and_sends_nothing)
{
    struct voters v = voters_new();
    struct gossip *g = v.b->g;
    g->drop_filter = GOSSIP_DROP_ALL;
    int sent = v.b->sent_count;
    int64_t data_before = v.x->data_received_ms;
    v.b->now += 10;
    struct gossip_msg_hdr hdr = hdr_from(v.x, 50);
    static uint8_t buf[GOSSIP_MSG_HDR_SIZE];
    ssize_t len = gossip_msg_encode_ping(buf, sizeof(buf), GOSSIP_MSG_PING, &hdr, NULL, 0, NULL, 0);
    cr_assert_eq(len, GOSSIP_MSG_HDR_SIZE);
    struct gossip_link *l = gossip_link_accepted(g, NULL, "10.0.0.9", "10.0.0.1");
    uint64_t pings = g->stats_received[GOSSIP_MSG_PING];
    cr_assert_eq(gossip_on_message(g, l, buf, (size_t)len), 0);
    cr_assert_eq(g->stats_received[GOSSIP_MSG_PING], pings + 1, "counted");
    cr_assert_eq(v.x->data_received_ms, data_before, "not processed");
    cr_assert_eq(g->current_epoch, 10u);
    uint64_t sent_stats = 0;
    for (int ty = 0; ty < GOSSIP_TYPE_COUNT; ty++)
        sent_stats += g->stats_sent[ty];
    for (int i = 0; i < 30; i++) {
        v.b->now += GOSSIP_TICK_MS;
        gossip_tick(g);
        gossip_before_sleep(g);
    }
    cr_assert_eq(v.b->sent_count, sent, "no PONG, no PING");
    uint64_t sent_after = 0;
    for (int ty = 0; ty < GOSSIP_TYPE_COUNT; ty++)
        sent_after += g->stats_sent[ty];
    cr_assert_eq(sent_after, sent_stats, "nothing counted as sent");
    /* The single-type filter is unchanged. */
    g->drop_filter = GOSSIP_MSG_PONG;
    cr_assert_eq(gossip_on_message(g, l, buf, (size_t)len), 0);
    cr_assert_eq(v.x->data_received_ms, v.b->now, "a PING passes a PONG filter");
    bench_free(v.b);
}
