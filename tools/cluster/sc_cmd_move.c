/*
 * reshard and rebalance: both refuse a cluster with problems, plan with
 * sc_plan_reshard()/sc_plan_rebalance(), then hand the slots to
 * sc_move_slots() one source→target group at a time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sc_io.h"

#define AGREE_WAIT_S 10.0 /* for the new owners to spread by gossip */

static int load_checked(struct sc_cluster *cl, const char *what)
{
    int rc = sc_load_from_arg(cl, sc_out.o->pos[0]);
    if (rc)
        return rc;
    struct sc_check_result *res = sc_xcalloc(1, sizeof(*res));
    sc_cluster_check(cl, res, &sc_out.probs);
    if (!res->agree && sc_cluster_wait_agree(cl, AGREE_WAIT_S) == 0) {
        /* A change made just before (by us or redis-cli) was still spreading. */
        sc_problems_free(&sc_out.probs);
        sc_cluster_check(cl, res, &sc_out.probs);
    }
    free(res);
    if (sc_out.probs.count) {
        for (int i = 0; i < sc_out.probs.count; i++)
            sc_say("[%s] %s\n", sc_out.probs.items[i].level == SC_ERROR ? "ERR" : "WARNING",
                   sc_out.probs.items[i].message);
        sc_fail("the cluster has problems; run 'shoal-cluster check' or 'fix' before %s", what);
        return 1;
    }
    return 0;
}

static struct sc_cnode *user_master(struct sc_cluster *cl, const char *id, const char *opt, int *rc)
{
    struct sc_cnode *n = sc_cluster_find_prefix(cl, id);
    if (!n) {
        sc_fail("%s: unknown node id '%s' (not in the cluster, or an ambiguous prefix)", opt, id);
        *rc = 2;
    } else if (!sc_cnode_is_master(n)) {
        sc_fail("%s: node %s (%s) is a replica, not a master", opt, n->me->id, n->addr);
        *rc = 2;
        n = NULL;
    }
    return n;
}

static void start_progress(long long slots)
{
    sc_out.total_slots = slots;
    sc_out.start = sc_now();
    sc_out.has_moved = true;
}

static void end_progress(bool ok)
{
    sc_out.moved_seconds = sc_now() - sc_out.start;
    if (sc_out.total_slots > 0)
        sc_progress(true);
    double rate = sc_out.moved_seconds > 0 ? (double)sc_out.moved_keys / sc_out.moved_seconds : 0;
    sc_say("%s %lld slots and %lld keys in %.2f s (%.0f keys/s)%s\n", ok ? "[OK] Moved" : "[ERR] Stopped after",
           sc_out.moved_slots, sc_out.moved_keys, sc_out.moved_seconds, rate,
           ok ? "." : "; the slot being moved is left open: run fix.");
}

static void plan_json(int src, int dst, int count, struct sc_cluster *cl, bool *first)
{
    if (*first)
        sc_buf_puts(&sc_out.extra, ",\"plan\":[");
    sc_buf_printf(&sc_out.extra, "%s{\"from\":\"%s\",\"to\":\"%s\",\"slots\":%d}", *first ? "" : ",",
                  cl->n[src].me->id, cl->n[dst].me->id, count);
    *first = false;
}

/* Runs the moves (grouped by source, in table order). */
static int run_moves(struct sc_cluster *cl, const struct sc_move *mv, int count)
{
    int *slots = sc_xmalloc((size_t)(count ? count : 1) * sizeof(int));
    int rc = 0;
    for (int i = 0; i < count && rc == 0;) {
        int j = i, k = 0;
        while (j < count && mv[j].src == mv[i].src)
            slots[k++] = mv[j++].slot;
        rc = sc_move_slots(cl, &cl->n[mv[i].src], &cl->n[mv[i].dst], slots, k, false);
        i = j;
    }
    free(slots);
    return rc;
}

static int finish_reload(int rc, struct sc_cluster *cl)
{
    char addr[SC_IP_MAX + 8];
    snprintf(addr, sizeof(addr), "%s", cl->n[0].addr);
    sc_cluster_free(cl);
    if (sc_load_from_arg(cl, addr) == 0 && rc == 0) {
        if (sc_cluster_wait_agree(cl, AGREE_WAIT_S) < 0)
            sc_say("[WARNING] The nodes do not agree about the slots yet (gossip still spreading?).\n");
        sc_print_nodes(cl);
    }
    rc = sc_finish(rc, cl);
    sc_cluster_free(cl);
    return rc;
}

static int collect_sources(struct sc_cluster *cl, struct sc_cnode *dst, struct sc_reshard_src *src, int *nsrc)
{
    const char *from = sc_out.o->from;
    int rc = 0;
    *nsrc = 0;
    if (!strcmp(from, "all")) {
        for (int i = 0; i < cl->count; i++)
            if (&cl->n[i] != dst && cl->n[i].me && sc_cnode_is_master(&cl->n[i]) && cl->n[i].me->slots_count)
                src[(*nsrc)++] = (struct sc_reshard_src){i, cl->n[i].me->slots, cl->n[i].me->slots_count};
        return 0;
    }
    char *list = sc_xstrdup(from);
    for (char *save, *t = strtok_r(list, ",", &save); t && rc == 0; t = strtok_r(NULL, ",", &save)) {
        struct sc_cnode *n = user_master(cl, t, "--from", &rc);
        if (n == dst) {
            sc_fail("--from: the target %s cannot also be a source", n->me->id);
            rc = 2;
        } else if (n) {
            int idx = (int)(n - cl->n);
            bool dup = false;
            for (int k = 0; k < *nsrc; k++)
                dup = dup || src[k].index == idx;
            if (dup)
                continue;
            src[(*nsrc)++] = (struct sc_reshard_src){idx, n->me->slots, n->me->slots_count};
        }
    }
    free(list);
    return rc;
}

int sc_cmd_reshard(void)
{
    struct sc_cluster cl;
    int rc = load_checked(&cl, "resharding");
    if (rc) {
        rc = sc_finish(rc, &cl);
        sc_cluster_free(&cl);
        return rc;
    }
    struct sc_cnode *dst = user_master(&cl, sc_out.o->to, "--to", &rc);
    struct sc_reshard_src *src = sc_xcalloc((size_t)cl.count, sizeof(*src));
    int nsrc = 0;
    if (dst)
        rc = collect_sources(&cl, dst, src, &nsrc);
    int total = 0;
    for (int i = 0; i < nsrc; i++)
        total += src[i].slots_count;
    if (rc == 0 && total < sc_out.o->slots) {
        sc_fail("the sources hold %d slots, fewer than --slots %d", total, sc_out.o->slots);
        rc = 1;
    }
    struct sc_move *mv = sc_xcalloc((size_t)sc_out.o->slots, sizeof(*mv));
    int nmv = 0;
    if (rc == 0) {
        int dsti = (int)(dst - cl.n);
        nmv = sc_plan_reshard(src, nsrc, dsti, sc_out.o->slots, mv);
        bool first = true;
        for (int i = 0; i < nmv;) {
            int j = i;
            while (j < nmv && mv[j].src == mv[i].src)
                j++;
            sc_say("Moving %d slots from %s (%s) to %s (%s)\n", j - i, cl.n[mv[i].src].addr,
                   cl.n[mv[i].src].me->id, dst->addr, dst->me->id);
            plan_json(mv[i].src, dsti, j - i, &cl, &first);
            i = j;
        }
        if (!first)
            sc_buf_puts(&sc_out.extra, "]");
        if (!sc_confirm("Do you want to proceed with the proposed reshard plan?")) {
            sc_fail("cancelled: nothing was moved");
            rc = 1;
        }
    }
    if (rc == 0) {
        start_progress(nmv);
        rc = run_moves(&cl, mv, nmv) < 0 ? 1 : 0;
        end_progress(rc == 0);
    }
    free(mv);
    free(src);
    return finish_reload(rc, &cl);
}

static int weights_apply(struct sc_cluster *cl)
{
    const struct sc_opts *o = sc_out.o;
    int rc = 0;
    for (int i = 0; i < o->nweights && rc == 0; i++) {
        struct sc_cnode *n = user_master(cl, o->weights[i].id, "--weight", &rc);
        if (n)
            n->weight = o->weights[i].weight;
    }
    return rc;
}

int sc_cmd_rebalance(void)
{
    struct sc_cluster cl;
    int rc = load_checked(&cl, "rebalancing");
    if (rc == 0)
        rc = weights_apply(&cl);
    if (rc) {
        rc = sc_finish(rc, &cl);
        sc_cluster_free(&cl);
        return rc;
    }
    struct sc_rebal_node *rn = sc_xcalloc((size_t)cl.count, sizeof(*rn));
    int n = 0;
    for (int i = 0; i < cl.count; i++) {
        struct sc_cnode *c = &cl.n[i];
        if (!c->me || !sc_cnode_is_master(c) || (!c->me->slots_count && !sc_out.o->use_empty))
            continue;
        rn[n++] = (struct sc_rebal_node){i, c->weight, c->me->slots_count, c->me->slots, 0};
    }
    int cap = n * n + 1;
    struct sc_rebal_step *steps = sc_xcalloc((size_t)cap, sizeof(*steps));
    int ns = sc_plan_rebalance(rn, n, sc_out.o->threshold, steps, cap);
    if (ns == 0)
        sc_say("*** No rebalancing needed! All nodes are within the %.2f%% threshold.\n", sc_out.o->threshold);
    long long total = 0;
    bool first = true;
    for (int i = 0; i < ns; i++) {
        total += steps[i].count;
        plan_json(steps[i].src, steps[i].dst, steps[i].count, &cl, &first);
    }
    if (!first)
        sc_buf_puts(&sc_out.extra, "]");
    if (ns && !sc_out.o->simulate)
        start_progress(total);
    for (int i = 0; i < ns && rc == 0; i++) {
        struct sc_cnode *s = &cl.n[steps[i].src], *d = &cl.n[steps[i].dst];
        sc_say("Moving %d slots from %s to %s\n", steps[i].count, s->addr, d->addr);
        if (sc_out.o->simulate)
            continue;
        int *slots = sc_xmalloc((size_t)steps[i].count * sizeof(int));
        int k = 0;
        for (int sl = 0; sl < SC_SLOTS && k < steps[i].count; sl++)
            if (sc_slot_has(s->me->slots, sl))
                slots[k++] = sl;
        rc = sc_move_slots(&cl, s, d, slots, k, false) < 0 ? 1 : 0;
        free(slots);
    }
    if (ns && !sc_out.o->simulate)
        end_progress(rc == 0);
    free(rn);
    free(steps);
    return finish_reload(rc, &cl);
}
