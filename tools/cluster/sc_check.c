/*
 * The health checks over a loaded cluster: agreement of every node's slot
 * configuration (redis-cli's signature), coverage of the 16384 slots, open
 * slots, nodes flagged fail or fail?, unreachable nodes and replicas of
 * unknown masters. Decides only; the caller prints. Pure.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sc.h"

void sc_problems_add(struct sc_problems *p, enum sc_level level, const char *code, const char *fmt, ...)
{
    if (p->count == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 16;
        p->items = sc_xrealloc(p->items, (size_t)p->cap * sizeof(*p->items));
    }
    struct sc_problem *x = &p->items[p->count++];
    x->level = level;
    x->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(x->message, sizeof(x->message), fmt, ap);
    va_end(ap);
}

void sc_problems_free(struct sc_problems *p)
{
    free(p->items);
    p->items = NULL;
    p->count = p->cap = 0;
}

static const struct sc_nline *self_of(const struct sc_view *v)
{
    if (!v->nodes || v->nodes->myself < 0)
        return NULL;
    return &v->nodes->lines[v->nodes->myself];
}

static void check_agreement(const struct sc_view *views, int n, struct sc_check_result *res,
                            struct sc_problems *probs)
{
    const char *ref = NULL;
    res->agree = true;
    for (int i = 0; i < n; i++) {
        if (!views[i].signature)
            continue;
        if (!ref)
            ref = views[i].signature;
        else if (strcmp(ref, views[i].signature) != 0)
            res->agree = false;
    }
    if (!res->agree)
        sc_problems_add(probs, SC_ERROR, "nodes_disagree", "Nodes don't agree about configuration!");
}

static void add_open(struct sc_check_result *res, bool *is_open, int slot)
{
    if (!is_open[slot]) {
        is_open[slot] = true;
        res->open_count++;
    }
}

static int cmp_int(const void *a, const void *b)
{
    return *(const int *)a - *(const int *)b;
}

static void list_open(struct sc_buf *b, const struct sc_open_slot *o, int count)
{
    int *s = sc_xmalloc((size_t)count * sizeof(int));
    for (int k = 0; k < count; k++)
        s[k] = o[k].slot;
    qsort(s, (size_t)count, sizeof(int), cmp_int);
    sc_slot_list_format(b, s, count);
    free(s);
}

static void check_open(const struct sc_view *views, int n, struct sc_check_result *res, struct sc_problems *probs)
{
    bool is_open[SC_SLOTS] = {0};
    res->open_count = 0;
    for (int i = 0; i < n; i++) {
        const struct sc_nline *me = self_of(&views[i]);
        if (!me)
            continue;
        struct sc_buf b = {0};
        if (me->migrating_count) {
            list_open(&b, me->migrating, me->migrating_count);
            sc_problems_add(probs, SC_WARNING, "open_slot", "Node %s has slots in migrating state %s.",
                            views[i].addr, b.data);
            for (int k = 0; k < me->migrating_count; k++)
                add_open(res, is_open, me->migrating[k].slot);
            b.len = 0;
        }
        if (me->importing_count) {
            list_open(&b, me->importing, me->importing_count);
            sc_problems_add(probs, SC_WARNING, "open_slot", "Node %s has slots in importing state %s.",
                            views[i].addr, b.data);
            for (int k = 0; k < me->importing_count; k++)
                add_open(res, is_open, me->importing[k].slot);
        }
        sc_buf_free(&b);
    }
    int k = 0;
    for (int s = 0; s < SC_SLOTS; s++)
        if (is_open[s])
            res->open_slots[k++] = s;
}

static void check_coverage(const struct sc_view *views, int n, struct sc_check_result *res,
                           struct sc_problems *probs)
{
    uint8_t all[SC_SLOTS / 8] = {0};
    for (int i = 0; i < n; i++) {
        const struct sc_nline *me = self_of(&views[i]);
        if (!me)
            continue;
        for (int b = 0; b < SC_SLOTS / 8; b++)
            all[b] |= me->slots[b];
    }
    res->covered = sc_slots_count(all);
    if (res->covered != SC_SLOTS)
        sc_problems_add(probs, SC_ERROR, "slots_not_covered",
                        "Not all %d slots are covered by nodes (%d covered).", SC_SLOTS, res->covered);
}

static bool id_reported(char (*ids)[SC_ID_LEN + 1], int count, const char *id)
{
    for (int i = 0; i < count; i++)
        if (strcmp(ids[i], id) == 0)
            return true;
    return false;
}

static void check_failures(const struct sc_view *views, int n, struct sc_problems *probs)
{
    char (*seen)[SC_ID_LEN + 1] = sc_xcalloc(SC_NODES_MAX, sizeof(*seen));
    int nseen = 0;
    for (int i = 0; i < n; i++) {
        if (!views[i].nodes)
            continue;
        for (int k = 0; k < views[i].nodes->count; k++) {
            const struct sc_nline *l = &views[i].nodes->lines[k];
            if (!(l->flags & (SC_F_FAIL | SC_F_PFAIL)) || id_reported(seen, nseen, l->id) || nseen >= SC_NODES_MAX)
                continue;
            snprintf(seen[nseen++], SC_ID_LEN + 1, "%s", l->id);
            bool fail = l->flags & SC_F_FAIL;
            sc_problems_add(probs, fail ? SC_ERROR : SC_WARNING, fail ? "node_fail" : "node_pfail",
                            "Node %s %s:%d is flagged %s by %s.", l->id, l->ip, l->port, fail ? "fail" : "fail?",
                            views[i].addr);
        }
    }
    free(seen);
}

static void check_masters_known(const struct sc_view *views, int n, struct sc_problems *probs)
{
    for (int i = 0; i < n; i++) {
        const struct sc_nline *me = self_of(&views[i]);
        if (!me || !(me->flags & SC_F_REPLICA) || !me->master[0])
            continue;
        bool found = false;
        for (int j = 0; j < n && !found; j++) {
            const struct sc_nline *o = self_of(&views[j]);
            found = o && strcmp(o->id, me->master) == 0;
        }
        if (!found)
            sc_problems_add(probs, SC_WARNING, "unknown_master", "%s claims to be replica of unknown node ID %s.",
                            views[i].addr, me->master);
    }
}

void sc_check(const struct sc_view *views, int n, struct sc_check_result *res, struct sc_problems *probs)
{
    for (int i = 0; i < n; i++)
        if (!views[i].nodes)
            sc_problems_add(probs, SC_ERROR, "unreachable", "Node %s is unreachable or did not answer.",
                            views[i].addr);
    check_agreement(views, n, res, probs);
    check_open(views, n, res, probs);
    check_coverage(views, n, res, probs);
    check_failures(views, n, probs);
    check_masters_known(views, n, probs);
}
