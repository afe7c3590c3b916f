/*
 * test_gossip_sim.c — the gossip state machine driven as a cluster: N
 * instances on the simulator (sim.h), with a fake clock, a fake transport
 * and one seed. Node timeout 1000 ms unless said otherwise.
 */
#include <criterion/criterion.h>

#include "gossip/gossip.h"
#include "tests/unit/gossip/sim.h"

#include <errno.h>
#include <string.h>

#define NT_MS 1000

static struct sim *joined(int n, uint64_t seed, const struct gossip_config *cfg)
{
    struct sim *s = sim_new(n, seed, cfg);
    for (int i = 0; i + 1 < n; i++)
        cr_assert_eq(sim_meet(s, i, i + 1), 0);
    cr_assert_geq(sim_run_until(s, 5000, sim_all_know_all, NULL), 0, "cluster did not join in 5 s");
    return s;
}

/* Every slot covered: node i of the first `masters` gets an equal share. */
static void spread_slots(struct sim *s, int masters)
{
    for (int i = 0; i < masters; i++) {
        int from = i * SLOTS_COUNT / masters, to = (i + 1) * SLOTS_COUNT / masters - 1;
        sim_addslots(s, i, from, to);
    }
}

static bool all_ok(struct sim *s, void *ctx)
{
    int skip = ctx ? *(int *)ctx : -1;
    for (int i = 0; i < s->n; i++)
        if (i != skip && !s->nodes[i].g->state_ok)
            return false;
    return true;
}

static bool no_handshake_nodes(struct sim *s)
{
    for (int i = 0; i < s->n; i++)
        for (int32_t j = 0; j < s->nodes[i].g->node_count; j++)
            if (s->nodes[i].g->nodes[j]->flags & GOSSIP_NODE_HANDSHAKE)
                return false;
    return true;
}

Test(gossip_sim, six_nodes_join_by_chain_of_meets)
{
    struct gossip_config cfg = sim_default_config();
    struct sim *s = sim_new(6, 1, &cfg);
    for (int i = 0; i < 5; i++)
        cr_assert_eq(sim_meet(s, i, i + 1), 0);
    /* A second MEET to the same address while the first is pending is a no-op. */
    cr_assert_eq(sim_meet(s, 0, 1), 0);
    cr_assert_eq(s->nodes[0].g->node_count, 2);
    int64_t took = sim_run_until(s, 5000, sim_all_know_all, NULL);
    cr_assert_geq(took, 0, "not every node knows every other within 5 s");
    sim_run_for(s, 2000);
    cr_assert(no_handshake_nodes(s));
    for (int a = 0; a < 6; a++) {
        struct gossip *g = s->nodes[a].g;
        cr_assert_str_eq(g->myself->ip, "127.0.0.1", "node %d learned its ip", a);
        for (int b = 0; b < 6; b++) {
            struct gossip_node *n = sim_view(s, a, b);
            cr_assert(n != NULL);
            cr_assert(gossip_node_is_master(n));
            cr_assert_eq(n->port, s->nodes[b].port);
            cr_assert_eq(n->cport, s->nodes[b].cport);
            if (a != b) {
                cr_assert(n->link && n->link->connected, "%d has a link to %d", a, b);
                cr_assert_eq(n->flags & (GOSSIP_NODE_PFAIL | GOSSIP_NODE_FAIL), 0u);
            }
        }
        cr_assert_gt(g->stats_sent[0], 0u);
        cr_assert_gt(g->stats_received[1], 0u);
    }
    cr_assert_eq(s->count_rule_violations, 0u);
    cr_assert_eq(s->invalid_frames, 0u);
    sim_free(s);
}

Test(gossip_sim, slots_assigned_on_one_node_propagate_to_all)
{
    struct gossip_config cfg = sim_default_config();
    struct sim *s = joined(6, 2, &cfg);
    sim_addslots(s, 0, 0, 5460);
    sim_addslots(s, 1, 5461, 10922);
    sim_addslots(s, 2, 10923, 16383);
    cr_assert_geq(sim_run_until(s, 3000, sim_maps_agree, NULL), 0, "slot maps did not converge");
    for (int a = 0; a < 6; a++) {
        struct gossip *g = s->nodes[a].g;
        cr_assert_eq(slots_map_count_assigned(&g->map), SLOTS_COUNT);
        cr_assert_eq(sim_view(s, a, 0)->slot_count, 5461);
        cr_assert_eq(sim_view(s, a, 3)->slot_count, 0);
        cr_assert_eq(slots_map_check(&g->map, g->node_count), 0);
    }
    /* Full coverage and 3 reachable masters of 3: ok everywhere (after the
     * 2 s writable delay of the masters). */
    cr_assert_geq(sim_run_until(s, 5000, all_ok, NULL), 0, "cluster state not ok");
    for (int a = 0; a < 6; a++)
        cr_assert_eq(gossip_state_size(s->nodes[a].g), 3);
    sim_free(s);
}

struct fail_watch {
    int victim;
    bool want_fail; /* else: want it cleared */
};

static bool victim_flag(struct sim *s, void *ctx)
{
    struct fail_watch *w = ctx;
    for (int i = 0; i < s->n; i++) {
        if (i == w->victim)
            continue;
        bool fail = (sim_view(s, i, w->victim)->flags & GOSSIP_NODE_FAIL) != 0;
        if (fail != w->want_fail)
            return false;
    }
    return true;
}

static struct sim *six_masters_ok(bool full_coverage, uint64_t seed)
{
    struct gossip_config cfg = sim_default_config();
    cfg.require_full_coverage = full_coverage;
    struct sim *s = joined(6, seed, &cfg);
    spread_slots(s, 6);
    cr_assert_geq(sim_run_until(s, 3000, sim_maps_agree, NULL), 0);
    cr_assert_geq(sim_run_until(s, 5000, all_ok, NULL), 0);
    return s;
}

Test(gossip_sim, isolated_master_is_pfail_then_fail_and_state_fails)
{
    struct sim *s = six_masters_ok(true, 3);
    int victim = 5;
    int64_t t0 = s->now, pfail_at[6] = {0}, fail_at[6] = {0};
    sim_isolate(s, victim, true);
    struct fail_watch w = {.victim = victim, .want_fail = true};
    while (!victim_flag(s, &w) && s->now - t0 < 2 * NT_MS + 2000) {
        sim_run_for(s, 10);
        for (int i = 0; i < 5; i++) {
            uint32_t f = sim_view(s, i, victim)->flags;
            if (!pfail_at[i] && (f & GOSSIP_NODE_PFAIL))
                pfail_at[i] = s->now - t0;
            if (!fail_at[i] && (f & GOSSIP_NODE_FAIL))
                fail_at[i] = s->now - t0;
        }
    }
    cr_assert(victim_flag(s, &w), "not FAIL everywhere within 2 x N_T + 2 s");
    int64_t first_pfail = INT64_MAX, first_fail = INT64_MAX;
    for (int i = 0; i < 5; i++) {
        if (pfail_at[i]) {
            cr_assert_gt(pfail_at[i], NT_MS, "node %d suspected it before N_T", i);
            first_pfail = pfail_at[i] < first_pfail ? pfail_at[i] : first_pfail;
        }
        first_fail = fail_at[i] < first_fail ? fail_at[i] : first_fail;
    }
    cr_assert_lt(first_pfail, first_fail, "PFAIL comes first, FAIL needs a majority");
    /* Its slots are owned by a FAIL node: full coverage breaks. */
    sim_run_for(s, 200);
    for (int i = 0; i < 5; i++)
        cr_assert(!s->nodes[i].g->state_ok, "node %d should be fail", i);
    /* The isolated node sees everyone PFAIL: minority, fail too. */
    cr_assert(!s->nodes[victim].g->state_ok);
    cr_assert_gt(s->nodes[0].state_changes, 1);
    sim_free(s);
}

Test(gossip_sim, without_full_coverage_the_majority_stays_ok)
{
    struct sim *s = six_masters_ok(false, 4);
    int victim = 5;
    sim_isolate(s, victim, true);
    struct fail_watch w = {.victim = victim, .want_fail = true};
    for (int step = 0; step < (2 * NT_MS + 2000) / 10 && !victim_flag(s, &w); step++) {
        sim_run_for(s, 10);
        cr_assert(all_ok(s, &victim), "a majority node went fail at step %d", step);
    }
    cr_assert(victim_flag(s, &w));
    sim_run_for(s, 3000);
    cr_assert(all_ok(s, &victim));
    cr_assert(!s->nodes[victim].g->state_ok, "the isolated master is in the minority");
    sim_free(s);
}

Test(gossip_sim, fail_of_a_master_with_slots_clears_only_after_2_node_timeouts)
{
    struct sim *s = six_masters_ok(true, 5);
    int victim = 5;
    sim_isolate(s, victim, true);
    struct fail_watch w = {.victim = victim, .want_fail = true};
    cr_assert_geq(sim_run_until(s, 2 * NT_MS + 2000, victim_flag, &w), 0);
    int64_t latest_fail = 0;
    for (int i = 0; i < 5; i++)
        if (sim_view(s, i, victim)->fail_time_ms > latest_fail)
            latest_fail = sim_view(s, i, victim)->fail_time_ms;
    sim_isolate(s, victim, false);
    /* It answers again at once, but still owns slots: FAIL stays until
     * 2 x N_T after fail_time. */
    sim_run_for(s, 600);
    int64_t earliest_fail = INT64_MAX;
    for (int i = 0; i < 5; i++) {
        struct gossip_node *n = sim_view(s, i, victim);
        if (s->now - n->fail_time_ms <= 2 * NT_MS)
            cr_assert(n->flags & GOSSIP_NODE_FAIL, "node %d cleared FAIL too early", i);
        earliest_fail = n->fail_time_ms < earliest_fail ? n->fail_time_ms : earliest_fail;
    }
    w.want_fail = false;
    cr_assert_geq(sim_run_until(s, 2 * NT_MS + 2000, victim_flag, &w), 0, "FAIL never cleared");
    cr_assert_gt(s->now - earliest_fail, 2 * NT_MS);
    cr_assert_gt(latest_fail, 0);
    cr_assert_geq(sim_run_until(s, 8000, all_ok, NULL), 0, "state did not come back");
    sim_free(s);
}

Test(gossip_sim, fail_of_a_master_without_slots_clears_at_once)
{
    struct gossip_config cfg = sim_default_config();
    struct sim *s = joined(6, 6, &cfg);
    spread_slots(s, 5); /* node 5 has none */
    cr_assert_geq(sim_run_until(s, 5000, all_ok, NULL), 0);
    int victim = 5;
    sim_isolate(s, victim, true);
    struct fail_watch w = {.victim = victim, .want_fail = true};
    cr_assert_geq(sim_run_until(s, 2 * NT_MS + 2000, victim_flag, &w), 0);
    cr_assert(all_ok(s, &victim), "a slotless FAIL node does not break coverage");
    sim_isolate(s, victim, false);
    w.want_fail = false;
    int64_t took = sim_run_until(s, 2 * NT_MS, victim_flag, &w);
    cr_assert_geq(took, 0);
    cr_assert_lt(took, NT_MS, "cleared on its first PONG, took %lld ms", (long long)took);
    sim_free(s);
}

static bool epochs_distinct(struct sim *s, void *ctx)
{
    for (int a = 0; a < s->n; a++)
        for (int b = 0; b < s->n; b++)
            if (a != b && s->nodes[a].g->myself->config_epoch == s->nodes[b].g->myself->config_epoch)
                return false;
    return true;
}

Test(gossip_sim, epoch_collision_the_smaller_id_bumps)
{
    struct gossip_config cfg = sim_default_config();
    struct sim *s = sim_new(2, 7, &cfg);
    struct gossip *a = s->nodes[0].g, *b = s->nodes[1].g;
    cr_assert_eq(gossip_epoch_set(a, 5), GOSSIP_EPOCH_SET_OK);
    cr_assert_eq(gossip_epoch_set(b, 5), GOSSIP_EPOCH_SET_OK);
    cr_assert_eq(gossip_epoch_set(b, 6), GOSSIP_EPOCH_SET_NONZERO);
    cr_assert_eq(sim_meet(s, 0, 1), 0);
    cr_assert_geq(sim_run_until(s, 5000, sim_all_know_all, NULL), 0);
    cr_assert_eq(gossip_epoch_set(a, 9), GOSSIP_EPOCH_SET_NOT_ALONE);
    cr_assert_geq(sim_run_until(s, 3000, epochs_distinct, NULL), 0);
    sim_run_for(s, 2000);
    bool a_smaller = strcmp(a->myself->id, b->myself->id) < 0;
    struct gossip *small = a_smaller ? a : b, *big = a_smaller ? b : a;
    cr_assert_eq(big->myself->config_epoch, 5u, "the greater id never moves");
    cr_assert_eq(small->myself->config_epoch, 6u);
    cr_assert_eq(small->current_epoch, 6u);
    cr_assert_eq(big->current_epoch, 6u, "currentEpoch spreads through headers");
    sim_free(s);
}

Test(gossip_sim, fresh_masters_all_at_epoch_zero_end_distinct)
{
    struct gossip_config cfg = sim_default_config();
    struct sim *s = joined(6, 8, &cfg);
    cr_assert_geq(sim_run_until(s, 10000, epochs_distinct, NULL), 0, "configEpochs still collide");
    sim_run_for(s, 1000);
    cr_assert(epochs_distinct(s, NULL));
    sim_free(s);
}

Test(gossip_sim, bumpepoch_bumped_then_still)
{
    struct gossip_config cfg = sim_default_config();
    struct sim *s = joined(3, 9, &cfg);
    cr_assert_geq(sim_run_until(s, 5000, epochs_distinct, NULL), 0);
    sim_run_for(s, 1000);
    int low = 0;
    for (int i = 1; i < 3; i++)
        if (s->nodes[i].g->myself->config_epoch < s->nodes[low].g->myself->config_epoch)
            low = i;
    struct gossip *g = s->nodes[low].g;
    uint64_t cur = g->current_epoch;
    cr_assert(gossip_epoch_bump(g), "not the maximum: BUMPED");
    cr_assert_eq(g->myself->config_epoch, cur + 1);
    cr_assert_eq(g->current_epoch, cur + 1);
    cr_assert(!gossip_epoch_bump(g), "now the maximum: STILL");
    cr_assert_eq(g->myself->config_epoch, cur + 1);
    /* The others learn the new epochs. */
    sim_run_for(s, 2000);
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(s->nodes[i].g->current_epoch, cur + 1);
        cr_assert_eq(sim_view(s, i, low)->config_epoch, cur + 1);
    }
    sim_free(s);
}

struct stale_ctx {
    int stale, winner;
};

static bool stale_yielded(struct sim *s, void *ctx)
{
    struct stale_ctx *c = ctx;
    struct gossip *g = s->nodes[c->stale].g;
    struct gossip_node *w = sim_view(s, c->stale, c->winner);
    for (int slot = 0; slot < 100; slot++)
        if (slots_map_owner(&g->map, slot) != w->index)
            return false;
    return true;
}

Test(gossip_sim, stale_owner_gets_update_and_yields_to_higher_epoch)
{
    struct gossip_config cfg = sim_default_config();
    struct sim *s = joined(5, 10, &cfg);
    sim_addslots(s, 0, 0, 8191);
    sim_addslots(s, 1, 8192, 16383);
    cr_assert_geq(sim_run_until(s, 3000, sim_maps_agree, NULL), 0);
    cr_assert_geq(sim_run_until(s, 10000, epochs_distinct, NULL), 0);
    /* The stale owner cannot hear the winner directly. */
    struct stale_ctx c = {.stale = 0, .winner = 1};
    sim_block(s, 0, 1, true);
    struct gossip *w = s->nodes[1].g;
    for (int slot = 0; slot < 100; slot++)
        gossip_slots_assign(w, slot, w->myself);
    cr_assert(gossip_epoch_bump(w));
    gossip_send_broadcast_pong(w);
    gossip_todo(w, GOSSIP_TODO_SAVE | GOSSIP_TODO_UPDATE_STATE);
    gossip_before_sleep(w);
    cr_assert_geq(sim_run_until(s, 3000, stale_yielded, &c), 0, "stale owner kept slots 0-99");
    struct gossip *g = s->nodes[0].g;
    cr_assert_gt(g->stats_received[7], 0u, "learned it from an UPDATE");
    cr_assert_gt(s->nodes[2].g->stats_sent[7] + s->nodes[3].g->stats_sent[7] + s->nodes[4].g->stats_sent[7], 0u);
    cr_assert_eq(s->nodes[0].slots_lost_calls > 0, true, "keys of lost slots are deleted");
    for (int slot = 0; slot < 100; slot++)
        cr_assert(slots_bitmap_has(&s->nodes[0].lost, slot));
    cr_assert(!slots_bitmap_has(&s->nodes[0].lost, 100));
    cr_assert_eq(g->myself->slot_count, 8192 - 100, "kept its other slots");
    cr_assert(gossip_node_is_master(g->myself));
    cr_assert_eq(sim_view(s, 0, 1)->config_epoch, w->myself->config_epoch);
    sim_block(s, 0, 1, false);
    cr_assert_geq(sim_run_until(s, 3000, sim_maps_agree, NULL), 0);
    sim_free(s);
}

Test(gossip_sim, master_losing_all_slots_becomes_replica_of_the_winner)
{
    struct gossip_config cfg = sim_default_config();
    struct sim *s = joined(4, 11, &cfg);
    sim_addslots(s, 0, 0, 99);
    sim_addslots(s, 1, 100, 16383);
    cr_assert_geq(sim_run_until(s, 3000, sim_maps_agree, NULL), 0);
    cr_assert_geq(sim_run_until(s, 10000, epochs_distinct, NULL), 0);
    struct gossip *w = s->nodes[1].g;
    for (int slot = 0; slot < 100; slot++)
        gossip_slots_assign(w, slot, w->myself);
    gossip_epoch_bump(w);
    gossip_send_broadcast_pong(w);
    gossip_before_sleep(w);
    sim_run_for(s, 2000);
    struct gossip *g = s->nodes[0].g;
    cr_assert(gossip_node_is_replica(g->myself));
    cr_assert_eq(g->myself->master, sim_view(s, 0, 1));
    cr_assert_eq(s->nodes[0].master_changes, 1);
    /* Others learn the new role from its headers. */
    cr_assert_geq(sim_run_until(s, 3000, sim_maps_agree, NULL), 0);
    sim_run_for(s, 1000);
    for (int a = 1; a < 4; a++) {
        struct gossip_node *n = sim_view(s, a, 0);
        cr_assert(gossip_node_is_replica(n), "node %d sees 0 as replica", a);
        cr_assert_eq(n->master, sim_view(s, a, 1));
    }
    sim_free(s);
}

Test(gossip_sim, forget_bans_the_node_for_60_seconds)
{
    struct gossip_config cfg = sim_default_config();
    struct sim *s = joined(6, 12, &cfg);
    struct gossip *g = s->nodes[0].g;
    char id[GOSSIP_ID_LEN + 1];
    memcpy(id, s->nodes[5].g->myself->id, sizeof(id));
    cr_assert_eq(gossip_node_forget(g, g->myself->id, GOSSIP_ID_LEN), GOSSIP_FORGET_MYSELF);
    cr_assert_eq(gossip_node_forget(g, "0000000000000000000000000000000000000000", GOSSIP_ID_LEN),
                 GOSSIP_FORGET_UNKNOWN);
    cr_assert_eq(gossip_node_forget(g, id, GOSSIP_ID_LEN), GOSSIP_FORGET_OK);
    int64_t t0 = s->now;
    cr_assert_null(gossip_node_find(g, id, GOSSIP_ID_LEN));
    while (s->now - t0 < GOSSIP_FORGET_TTL_MS - 500) {
        sim_run_for(s, 500);
        cr_assert_null(gossip_node_find(g, id, GOSSIP_ID_LEN), "re-added after %lld ms",
                       (long long)(s->now - t0));
    }
    /* After the ban, gossip from the others brings it back. */
    for (int i = 0; i < 100 && !gossip_node_find(g, id, GOSSIP_ID_LEN); i++)
        sim_run_for(s, 100);
    cr_assert_not_null(gossip_node_find(g, id, GOSSIP_ID_LEN));
    cr_assert_geq(s->now - t0, GOSSIP_FORGET_TTL_MS);
    cr_assert_geq(sim_run_until(s, 5000, sim_all_know_all, NULL), 0);
    sim_free(s);
}

static bool converged(struct sim *s, void *ctx)
{
    return sim_all_know_all(s, NULL) && sim_maps_agree(s, NULL) && epochs_distinct(s, NULL);
}

Test(gossip_sim, loss_duplication_and_reordering_still_converge)
{
    struct gossip_config cfg = sim_default_config();
    struct sim *s = sim_new(6, 13, &cfg);
    s->faults = (struct sim_faults){.loss_pm = 50, .dup_pm = 50, .jitter_ms = 20};
    /* An operator re-sends MEET until each pair got acquainted. */
    for (int round = 0; round < 10 && !sim_all_know_all(s, NULL); round++) {
        for (int i = 0; i < 5; i++)
            if (!sim_view(s, i, i + 1))
                sim_meet(s, i, i + 1);
        sim_run_for(s, 3000);
    }
    cr_assert(sim_all_know_all(s, NULL), "did not join under faults");
    sim_addslots(s, 0, 0, 5000);
    sim_addslots(s, 2, 5001, 10000);
    sim_addslots(s, 4, 10001, 16383);
    cr_assert_geq(sim_run_until(s, 20000, converged, NULL), 0, "did not converge under faults");
    cr_assert_gt(s->dropped, 0u);
    /* Faults off: every suspicion clears and the state is ok everywhere. */
    s->faults = (struct sim_faults){0};
    sim_run_for(s, 5 * NT_MS);
    for (int a = 0; a < 6; a++)
        for (int b = 0; b < 6; b++)
            cr_assert_eq(sim_view(s, a, b)->flags & (GOSSIP_NODE_PFAIL | GOSSIP_NODE_FAIL), 0u, "%d sees %d failing",
                         a, b);
    cr_assert(all_ok(s, NULL));
    cr_assert(no_handshake_nodes(s));
    cr_assert_eq(s->invalid_frames, 0u);
    cr_assert_eq(s->count_rule_violations, 0u);
    sim_free(s);
}

Test(gossip_sim, handshake_with_nobody_expires)
{
    struct gossip_config cfg = sim_default_config();
    struct sim *s = sim_new(1, 14, &cfg);
    struct gossip *g = s->nodes[0].g;
    cr_assert_eq(gossip_meet_start(g, "127.0.0.2", 30001, 40001), 0);
    cr_assert_eq(gossip_meet_start(g, "not-an-ip", 30001, 40001), -EINVAL);
    cr_assert_eq(gossip_meet_start(g, "127.0.0.1", 0, 40001), -EINVAL);
    cr_assert_eq(gossip_meet_start(g, "::ffff:1.2.3.4", 30001, 70000), -EINVAL);
    cr_assert_eq(g->node_count, 2);
    sim_run_for(s, 900);
    cr_assert_eq(g->node_count, 2);
    sim_run_for(s, 300);
    cr_assert_eq(g->node_count, 1, "handshake node deleted after max(N_T, 1000) ms");
    sim_free(s);
}

Test(gossip_sim, meet_normalizes_the_ip)
{
    struct gossip_config cfg = sim_default_config();
    struct sim *s = sim_new(1, 15, &cfg);
    struct gossip *g = s->nodes[0].g;
    cr_assert_eq(gossip_meet_start(g, "0:0::1", 30001, 40001), 0);
    cr_assert_str_eq(g->nodes[1]->ip, "::1");
    cr_assert(g->nodes[1]->flags & GOSSIP_NODE_MEET);
    cr_assert_eq(gossip_meet_start(g, "::1", 30001, 40001), 0);
    cr_assert_eq(g->node_count, 2, "same handshake in progress");
    sim_free(s);
}

Test(gossip_sim, reset_hard_forgets_everyone_and_takes_a_new_id)
{
    struct gossip_config cfg = sim_default_config();
    struct sim *s = joined(3, 16, &cfg);
    sim_addslots(s, 0, 0, 100);
    struct gossip *g = s->nodes[0].g;
    char old[GOSSIP_ID_LEN + 1];
    memcpy(old, g->myself->id, sizeof(old));
    gossip_epoch_bump(g);
    gossip_node_reset(g, true);
    cr_assert_eq(g->node_count, 1);
    cr_assert_eq(slots_map_count_assigned(&g->map), 0);
    cr_assert_eq(g->current_epoch, 0u);
    cr_assert_eq(g->myself->config_epoch, 0u);
    cr_assert_str_neq(g->myself->id, old);
    cr_assert_eq(gossip_node_find(g, g->myself->id, GOSSIP_ID_LEN), g->myself);
    /* The others still know the old id; soft reset keeps the id. */
    struct gossip *h = s->nodes[1].g;
    memcpy(old, h->myself->id, sizeof(old));
    gossip_node_reset(h, false);
    cr_assert_str_eq(h->myself->id, old);
    sim_run_for(s, 1000);
    sim_free(s);
}

Test(gossip_sim, drop_filter_drops_one_type_but_counts_it)
{
    struct gossip_config cfg = sim_default_config();
    struct sim *s = joined(3, 17, &cfg);
    struct gossip *g = s->nodes[0].g;
    g->drop_filter = 1; /* PONG */
    uint64_t pongs = g->stats_received[1];
    int victim_seen_pfail = 0;
    for (int i = 0; i < 40; i++) {
        sim_run_for(s, 100);
        if (sim_view(s, 0, 1)->flags & (GOSSIP_NODE_PFAIL | GOSSIP_NODE_FAIL))
            victim_seen_pfail = 1;
    }
    cr_assert_gt(g->stats_received[1], pongs, "dropped PONGs are still counted");
    /* No PONG gets through, but the peers' PINGs are data: no PFAIL. */
    cr_assert_eq(victim_seen_pfail, 0);
    cr_assert_neq(sim_view(s, 0, 1)->ping_sent_ms, 0, "its ping is never answered");
    g->drop_filter = GOSSIP_DROP_NONE;
    sim_run_for(s, 2000);
    cr_assert_eq(sim_view(s, 0, 1)->ping_sent_ms == 0 || s->now - sim_view(s, 0, 1)->ping_sent_ms < 1000, true);
    sim_free(s);
}

Test(gossip_sim, hostname_travels_in_the_extension)
{
    struct gossip_config cfg = sim_default_config();
    struct sim *s = joined(3, 18, &cfg);
    struct gossip_config c1 = s->nodes[1].g->cfg;
    strcpy(c1.hostname, "host-b.example");
    gossip_config_apply(s->nodes[1].g, &c1);
    sim_run_for(s, 2000);
    cr_assert_str_eq(sim_view(s, 0, 1)->hostname, "host-b.example");
    cr_assert_str_eq(sim_view(s, 2, 1)->hostname, "host-b.example");
    c1.hostname[0] = '\0';
    gossip_config_apply(s->nodes[1].g, &c1);
    sim_run_for(s, 2000);
    cr_assert_str_eq(sim_view(s, 0, 1)->hostname, "", "7.0.15 clears a hostname no longer sent");
    sim_free(s);
}

static bool replica_known(struct sim *s, void *ctx)
{
    for (int a = 0; a < s->n; a++) {
        struct gossip_node *r = sim_view(s, a, 3);
        if (!gossip_node_is_replica(r) || r->master != sim_view(s, a, 0))
            return false;
    }
    return true;
}

Test(gossip_sim, a_replica_is_learned_and_its_gossip_files_no_reports)
{
    struct gossip_config cfg = sim_default_config();
    struct sim *s = joined(4, 19, &cfg);
    spread_slots(s, 3);
    cr_assert_geq(sim_run_until(s, 3000, sim_maps_agree, NULL), 0);
    struct gossip *r = s->nodes[3].g;
    gossip_node_replicate(r, sim_view(s, 3, 0));
    gossip_before_sleep(r);
    cr_assert(gossip_node_is_replica(r->myself));
    cr_assert_eq(s->nodes[3].master_changes, 1);
    cr_assert_geq(sim_run_until(s, 3000, replica_known, NULL), 0, "the new role did not spread");
    for (int a = 0; a < 4; a++) {
        struct gossip_node *m = sim_view(s, a, 0);
        cr_assert_eq(m->replica_count, 1);
        cr_assert(m->flags & GOSSIP_NODE_MIGRATE_TO, "a master with a replica is a migration target");
        cr_assert_eq(gossip_node_epoch(sim_view(s, a, 3)), m->config_epoch);
    }
    /* Node 2 is isolated: only masters' gossip counts as failure reports. */
    sim_isolate(s, 2, true);
    struct fail_watch w = {.victim = 2, .want_fail = true};
    cr_assert_geq(sim_run_until(s, 4000, victim_flag, &w), 0);
    for (int a = 0; a < 2; a++) {
        struct gossip_node *v = sim_view(s, a, 2);
        for (int32_t i = 0; i < v->report_count; i++)
            cr_assert(gossip_node_is_master(v->reports[i].reporter), "a replica filed a report");
    }
    sim_free(s);
}

Test(gossip_sim, publish_reaches_everyone_and_spublish_only_the_shard)
{
    struct gossip_config cfg = sim_default_config();
    struct sim *s = joined(4, 20, &cfg);
    spread_slots(s, 3);
    gossip_node_replicate(s->nodes[3].g, sim_view(s, 3, 0));
    cr_assert_geq(sim_run_until(s, 3000, replica_known, NULL), 0);
    gossip_send_publish(s->nodes[1].g, false, "news", 4, "hello", 5);
    gossip_send_publish(s->nodes[0].g, true, "news", 4, "hello", 5);
    sim_run_for(s, 100);
    for (int a = 0; a < 4; a++) {
        cr_assert_eq(s->nodes[a].publishes, a == 1 ? 0 : 1, "node %d", a);
        cr_assert_eq(s->nodes[a].shard_publishes, a == 3 ? 1 : 0, "node %d", a);
    }
    cr_assert_eq(s->nodes[1].g->stats_sent[4], 3u);
    cr_assert_eq(s->nodes[0].g->stats_sent[10], 1u);
    sim_free(s);
}
