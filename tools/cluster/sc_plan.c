/*
 * The planners: who becomes master and which replica goes where for create,
 * which slots a reshard takes from which source, and the rebalance steps.
 * They follow redis-cli 7.0's rules (spec cluster-tool.md §5, §8, §9) so a
 * cluster made by either tool looks the same. Pure; randomness comes from the
 * caller's seed so the tests are deterministic.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sc.h"

#define CREATE_NODES_MAX SC_NODES_MAX

static unsigned next_rand(unsigned *state)
{
    *state = *state * 1103515245u + 12345u;
    return (*state >> 16) & 0x7fff;
}

/* Groups by IP (first appearance order) and takes one from each group in turn. */
static void interleave(const struct sc_create_node *nodes, int n, int *order)
{
    int group_of[CREATE_NODES_MAX];
    int ngroups = 0;
    int first_of_group[CREATE_NODES_MAX];
    for (int i = 0; i < n; i++) {
        int g = -1;
        for (int k = 0; k < ngroups; k++)
            if (strcmp(nodes[first_of_group[k]].ip, nodes[i].ip) == 0)
                g = k;
        if (g < 0) {
            g = ngroups++;
            first_of_group[g] = i;
        }
        group_of[i] = g;
    }
    bool used[CREATE_NODES_MAX] = {0};
    int out = 0;
    while (out < n) {
        for (int g = 0; g < ngroups; g++) {
            for (int i = 0; i < n; i++) {
                if (!used[i] && group_of[i] == g) {
                    used[i] = true;
                    order[out++] = i;
                    break;
                }
            }
        }
    }
}

static void assign_slots(struct sc_create_node *nodes, const int *order, int masters)
{
    /* Single precision, as redis-cli computes it, so ranges match its output. */
    float spn = (float)SC_SLOTS / (float)masters;
    float cursor = 0.0f;
    int first = 0;
    for (int i = 0; i < masters; i++) {
        long last = lroundf(cursor + spn - 1);
        if (last > SC_SLOTS || i == masters - 1)
            last = SC_SLOTS - 1;
        if (last < first)
            last = first;
        nodes[order[i]].slot_first = first;
        nodes[order[i]].slot_last = (int)last;
        first = (int)last + 1;
        cursor += spn;
    }
}

static int replica_count(const struct sc_create_node *nodes, int n, int m)
{
    int c = 0;
    for (int i = 0; i < n; i++)
        if (!nodes[i].is_master && nodes[i].master == m)
            c++;
    return c;
}

/* Takes the first remaining candidate on another host than master m (or the
 * first remaining at all). Returns its position in cand, -1 if none. */
static int pick_candidate(const struct sc_create_node *nodes, const int *cand, const bool *taken, int nc, int m)
{
    for (int k = 0; k < nc; k++)
        if (!taken[k] && strcmp(nodes[cand[k]].ip, nodes[m].ip) != 0)
            return k;
    for (int k = 0; k < nc; k++)
        if (!taken[k])
            return k;
    return -1;
}

static void place_replicas(struct sc_create_node *nodes, int n, const int *order, int masters, int replicas)
{
    int nc = n - masters;
    int cand[CREATE_NODES_MAX];
    bool taken[CREATE_NODES_MAX] = {0};
    for (int k = 0; k < nc; k++) /* rotated left by one */
        cand[k] = order[masters + (k + 1) % nc];
    for (int i = 0; i < masters; i++) {
        int m = order[i];
        while (replica_count(nodes, n, m) < replicas) {
            int k = pick_candidate(nodes, cand, taken, nc, m);
            if (k < 0)
                break;
            taken[k] = true;
            nodes[cand[k]].master = m;
        }
    }
    for (int i = 0; i < masters; i++) { /* one extra pass for leftovers */
        int k = pick_candidate(nodes, cand, taken, nc, order[i]);
        if (k < 0)
            break;
        taken[k] = true;
        nodes[cand[k]].master = order[i];
    }
}

int sc_plan_create_score(const struct sc_create_node *nodes, int n)
{
    int score = 0;
    /* For each (ip, master) group: master present + k replicas -> 10000*k;
     * only replicas, n >= 2 -> n. */
    for (int i = 0; i < n; i++) {
        int m = nodes[i].is_master ? i : nodes[i].master;
        if (m < 0)
            continue;
        bool seen_before = false;
        for (int j = 0; j < i; j++) {
            int mj = nodes[j].is_master ? j : nodes[j].master;
            if (mj == m && strcmp(nodes[j].ip, nodes[i].ip) == 0)
                seen_before = true;
        }
        if (seen_before)
            continue;
        int reps = 0;
        bool has_master = false;
        for (int j = i; j < n; j++) {
            int mj = nodes[j].is_master ? j : nodes[j].master;
            if (mj != m || strcmp(nodes[j].ip, nodes[i].ip) != 0)
                continue;
            if (nodes[j].is_master)
                has_master = true;
            else
                reps++;
        }
        if (has_master)
            score += 10000 * reps;
        else if (reps >= 2)
            score += reps;
    }
    return score;
}

static void optimise(struct sc_create_node *nodes, int n, unsigned seed)
{
    unsigned st = seed;
    int score = sc_plan_create_score(nodes, n);
    int reps[CREATE_NODES_MAX];
    int nr = 0;
    for (int i = 0; i < n; i++)
        if (!nodes[i].is_master && nodes[i].master >= 0)
            reps[nr++] = i;
    if (nr < 2)
        return;
    for (int iter = 0; score > 0 && iter < 500 * n; iter++) {
        int a = reps[next_rand(&st) % (unsigned)nr];
        int b = reps[next_rand(&st) % (unsigned)nr];
        if (a == b || nodes[a].master == nodes[b].master)
            continue;
        int ma = nodes[a].master;
        nodes[a].master = nodes[b].master;
        nodes[b].master = ma;
        int s2 = sc_plan_create_score(nodes, n);
        if (s2 >= score) { /* keep only improvements: deterministic layouts */
            nodes[b].master = nodes[a].master;
            nodes[a].master = ma;
        } else {
            score = s2;
        }
    }
}

int sc_plan_create(struct sc_create_node *nodes, int n, int replicas, int *order_out, unsigned seed)
{
    if (n <= 0 || n > CREATE_NODES_MAX || replicas < 0)
        return -EINVAL;
    int masters = n / (replicas + 1);
    if (masters < 3)
        return -EINVAL;
    interleave(nodes, n, order_out);
    for (int i = 0; i < n; i++) {
        nodes[i].is_master = false;
        nodes[i].master = -1;
        nodes[i].slot_first = nodes[i].slot_last = -1;
    }
    for (int i = 0; i < masters; i++)
        nodes[order_out[i]].is_master = true;
    assign_slots(nodes, order_out, masters);
    if (n > masters)
        place_replicas(nodes, n, order_out, masters, replicas);
    optimise(nodes, n, seed);
    return masters;
}

static void sort_sources(struct sc_reshard_src *src, int n)
{
    for (int i = 1; i < n; i++) { /* stable insertion sort, descending */
        struct sc_reshard_src x = src[i];
        int j = i - 1;
        while (j >= 0 && src[j].slots_count < x.slots_count) {
            src[j + 1] = src[j];
            j--;
        }
        src[j + 1] = x;
    }
}

int sc_plan_reshard(struct sc_reshard_src *src, int nsrc, int dst, int numslots, struct sc_move *out)
{
    sort_sources(src, nsrc);
    long tot = 0;
    for (int i = 0; i < nsrc; i++)
        tot += src[i].slots_count;
    if (tot == 0 || numslots <= 0)
        return 0;
    int count = 0;
    for (int i = 0; i < nsrc && count < numslots; i++) {
        double share = (double)numslots / (double)tot * src[i].slots_count;
        int n = i == 0 ? (int)ceil(share) : (int)floor(share);
        int taken = 0;
        for (int s = 0; s < SC_SLOTS && taken < n && count < numslots; s++) {
            if (!sc_slot_has(src[i].slots, s))
                continue;
            out[count].src = src[i].index;
            out[count].dst = dst;
            out[count].slot = s;
            count++;
            taken++;
        }
    }
    return count;
}

static bool over_threshold(const struct sc_rebal_node *n, int expected, double threshold)
{
    if (n->slots_count > 0)
        return fabs(100.0 - 100.0 * expected / n->slots_count) > threshold;
    return expected > 1;
}

int sc_plan_rebalance(struct sc_rebal_node *nodes, int n, double threshold_pct, struct sc_rebal_step *out,
                      int out_cap)
{
    double total_weight = 0;
    for (int i = 0; i < n; i++)
        total_weight += nodes[i].weight;
    if (total_weight <= 0)
        return 0;
    bool any_over = false;
    long total_balance = 0;
    for (int i = 0; i < n; i++) {
        int expected = (int)((double)SC_SLOTS / total_weight * nodes[i].weight);
        nodes[i].balance = nodes[i].slots_count - expected;
        total_balance += nodes[i].balance;
        if (over_threshold(&nodes[i], expected, threshold_pct))
            any_over = true;
    }
    if (!any_over)
        return 0;
    while (total_balance > 0) {
        for (int i = 0; i < n && total_balance > 0; i++) {
            if (nodes[i].balance <= 0) {
                nodes[i].balance--;
                total_balance--;
            }
        }
    }
    for (int i = 1; i < n; i++) { /* stable sort by balance ascending */
        struct sc_rebal_node x = nodes[i];
        int j = i - 1;
        while (j >= 0 && nodes[j].balance > x.balance) {
            nodes[j + 1] = nodes[j];
            j--;
        }
        nodes[j + 1] = x;
    }
    int steps = 0;
    int d = 0, s = n - 1;
    while (d < s && steps < out_cap) {
        int need = -nodes[d].balance;
        int give = nodes[s].balance;
        int num = need < give ? need : give;
        if (num > 0) {
            out[steps].src = nodes[s].index;
            out[steps].dst = nodes[d].index;
            out[steps].count = num;
            steps++;
        }
        nodes[d].balance += num;
        nodes[s].balance -= num;
        if (nodes[d].balance >= 0)
            d++;
        if (nodes[s].balance <= 0)
            s--;
    }
    return steps;
}
