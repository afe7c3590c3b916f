/*
 * cmd_zset_store.c — sorted set commands that read ranges or combine keys:
 * the ZRANGE family (ZRANGE, ZRANGESTORE, ZREVRANGE, Z[REV]RANGEBYSCORE,
 * Z[REV]RANGEBYLEX), ZUNION/ZINTER/ZDIFF and their STORE forms, ZINTERCARD,
 * and their key-position procs. Plain sets take part in the algebra with
 * score 1, as in Redis. Single-key updates live in cmd_zset.c.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "node/block.h"
#include "node/commands.h"
#include "node/core/core.h"
#include "node/notify.h"
#include "node/reply.h"
#include "node/t_set.h"
#include "node/t_zset.h"
#include "node/util.h"
#include "node/watch.h"

/* Stores result at argv[dsti] (or deletes dst when empty) and replies its length; takes result. */
static void zstore_finish(struct node_client *c, int dsti, struct t_zset *result, const char *event)
{
    const char *dst = c->argv[dsti];
    size_t dl = c->argl[dsti];
    size_t n = result ? t_zset_len(result) : 0;
    if (n > 0) {
        struct t_zset_lim lim = t_zset_cmd_lim(c);
        t_zset_shrink_if_fits(result, &lim);
        bool existed = node_ks_find(c->srv->ks, dst, dl, NODE_KS_NOTOUCH) != NULL;
        node_ks_set_ptr(c->srv->ks, dst, dl, NODE_KS_ZSET, result, -1, 0);
        if (!existed)
            node_notify(c->srv, NODE_NOTIFY_NEW, "new", dst, dl);
        node_reply_int(&c->out, (long long)n);
        node_key_modified(c->srv, dst, dl);
        node_notify(c->srv, NODE_NOTIFY_ZSET, event, dst, dl);
        node_server_dirty(c->srv, 1);
        node_key_ready(c->srv, dst, dl);
        return;
    }
    t_zset_free(result);
    node_reply_int(&c->out, 0);
    if (node_ks_delete(c->srv->ks, dst, dl)) {
        node_key_modified(c->srv, dst, dl);
        node_notify(c->srv, NODE_NOTIFY_GENERIC, "del", dst, dl);
        node_server_dirty(c->srv, 1);
    }
}

/* A skiplist-encoded scratch set (O(log n) updates whatever its size). */
static struct t_zset *scratch_new(void)
{
    struct t_zset_lim lim = {0, 0};
    return t_zset_new(&lim, 1, 1);
}

static const struct t_zset_lim nolim = {(size_t)-1, (size_t)-1};

/* ---- the ZRANGE family ---- */

enum zr_type { ZR_AUTO, ZR_RANK, ZR_SCORE, ZR_LEX };

struct zr_req {
    int dsti;        /* ZRANGESTORE's destination, -1 otherwise */
    int srci;        /* the source key */
    enum zr_type type;
    int rev;         /* -1 = not said yet (ZRANGE's REV may set it) */
    bool ws;
    long long off, lim;
};

static bool zr_parse_opts(struct node_client *c, struct zr_req *r)
{
    for (int j = r->srci + 3; j < c->argc; j++) {
        int left = c->argc - j - 1;
        if (r->dsti < 0 && node_arg_is(c, j, "withscores")) {
            r->ws = true;
        } else if (node_arg_is(c, j, "limit") && left >= 2) {
            if (!node_util_parse_ll(c->argv[j + 1], c->argl[j + 1], &r->off) ||
                !node_util_parse_ll(c->argv[j + 2], c->argl[j + 2], &r->lim)) {
                node_reply_error(&c->out, NODE_ERR_NOT_INT);
                return false;
            }
            j += 2;
        } else if (r->rev < 0 && node_arg_is(c, j, "rev")) {
            r->rev = 1;
        } else if (r->type == ZR_AUTO && node_arg_is(c, j, "bylex")) {
            r->type = ZR_LEX;
        } else if (r->type == ZR_AUTO && node_arg_is(c, j, "byscore")) {
            r->type = ZR_SCORE;
        } else {
            node_reply_error(&c->out, NODE_ERR_SYNTAX);
            return false;
        }
    }
    if (r->rev < 0)
        r->rev = 0;
    if (r->type == ZR_AUTO)
        r->type = ZR_RANK;
    if (r->lim != -1 && r->type == ZR_RANK) {
        node_reply_error(&c->out,
                         "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
        return false;
    }
    if (r->ws && r->type == ZR_LEX) {
        node_reply_error(&c->out, "ERR syntax error, WITHSCORES not supported in combination with BYLEX");
        return false;
    }
    return true;
}

/* The elements to emit: n ranks from start, downwards when rev. */
struct zr_span {
    size_t start, n;
};

/* Applies LIMIT to the ranks [first, end) of a score or lex range. */
static struct zr_span zr_limit(const struct zr_req *r, size_t first, size_t end)
{
    struct zr_span s = {0, 0};
    if (end <= first || r->off < 0)
        return s;
    size_t avail = end - first;
    size_t skip = (unsigned long long)r->off < avail ? (size_t)r->off : avail;
    s.n = avail - skip;
    if (r->lim >= 0 && (unsigned long long)r->lim < s.n)
        s.n = (size_t)r->lim;
    s.start = r->rev ? end - 1 - skip : first + skip;
    return s;
}

static struct zr_span zr_rank_span(const struct zr_req *r, long long start, long long end, size_t len)
{
    struct zr_span s = {0, 0};
    long long l = (long long)len;
    if (start < 0)
        start += l;
    if (end < 0)
        end += l;
    if (start < 0)
        start = 0;
    if (start > end || start >= l)
        return s;
    if (end >= l)
        end = l - 1;
    s.n = (size_t)(end - start + 1);
    s.start = r->rev ? (size_t)(l - 1 - start) : (size_t)start;
    return s;
}

/* Parses the range (argv[srci+1], argv[srci+2]) and computes the span in z (may be NULL). */
static bool zr_span_of(struct node_client *c, const struct zr_req *r, const struct t_zset *z, struct zr_span *s)
{
    int mi = r->srci + 1, xi = r->srci + 2;
    s->start = s->n = 0;
    if (r->type == ZR_RANK) {
        long long a, b;
        if (!node_util_parse_ll(c->argv[mi], c->argl[mi], &a) || !node_util_parse_ll(c->argv[xi], c->argl[xi], &b)) {
            node_reply_error(&c->out, NODE_ERR_NOT_INT);
            return false;
        }
        if (z != NULL)
            *s = zr_rank_span(r, a, b, t_zset_len(z));
        return true;
    }
    if (r->rev) { /* the range is given as max, min */
        int t = mi;
        mi = xi;
        xi = t;
    }
    size_t first = 0, end = 0;
    if (r->type == ZR_SCORE) {
        struct t_zset_srange sr;
        if (!t_zset_parse_srange(c->argv[mi], c->argl[mi], c->argv[xi], c->argl[xi], &sr)) {
            node_reply_error(&c->out, "ERR min or max is not a float");
            return false;
        }
        if (z != NULL)
            t_zset_srange_ranks(z, &sr, &first, &end);
    } else {
        struct t_zset_lrange lr;
        if (!t_zset_parse_lrange(c->argv[mi], c->argl[mi], c->argv[xi], c->argl[xi], &lr)) {
            node_reply_error(&c->out, "ERR min or max not valid string range item");
            return false;
        }
        if (z != NULL)
            t_zset_lrange_ranks(z, &lr, &first, &end);
    }
    if (z != NULL)
        *s = zr_limit(r, first, end);
    return true;
}

static void zr_emit(struct node_client *c, const struct zr_req *r, const struct t_zset *z, struct zr_span s)
{
    struct t_zset_it it;
    struct t_zset_el el;
    if (r->dsti >= 0) {
        struct t_zset *res = scratch_new();
        if (s.n > 0)
            t_zset_it_init(&it, z, s.start, r->rev);
        for (size_t i = 0; i < s.n && t_zset_it_next(&it, &el); i++)
            t_zset_add(res, &nolim, el.m, el.n, el.score, 0, NULL);
        zstore_finish(c, r->dsti, res, "zrangestore");
        return;
    }
    bool nested = r->ws && c->out.proto > 2;
    node_reply_array(&c->out, (long long)(r->ws && !nested ? s.n * 2 : s.n));
    if (s.n > 0)
        t_zset_it_init(&it, z, s.start, r->rev);
    for (size_t i = 0; i < s.n && t_zset_it_next(&it, &el); i++) {
        if (nested)
            node_reply_array(&c->out, 2);
        node_reply_bulk(&c->out, el.m, el.n);
        if (r->ws)
            t_zset_cmd_reply_score(c, el.score);
    }
}

static void zrange_generic(struct node_client *c, int dsti, int srci, enum zr_type type, int rev)
{
    struct zr_req r = {.dsti = dsti, .srci = srci, .type = type, .rev = rev, .ws = false, .off = 0, .lim = -1};
    struct zr_span s;
    if (!zr_parse_opts(c, &r) || !zr_span_of(c, &r, NULL, &s))
        return;
    struct t_zset *z;
    if (t_zset_cmd_lookup(c, srci, true, NULL, &z) < 0)
        return;
    if (z == NULL) {
        if (dsti >= 0)
            zstore_finish(c, dsti, NULL, "zrangestore");
        else
            node_reply_array(&c->out, 0);
        return;
    }
    zr_span_of(c, &r, z, &s);
    zr_emit(c, &r, z, s);
}

void node_cmd_zrange(struct node_client *c)
{
    zrange_generic(c, -1, 1, ZR_AUTO, -1);
}

void node_cmd_zrangestore(struct node_client *c)
{
    zrange_generic(c, 1, 2, ZR_AUTO, -1);
}

void node_cmd_zrevrange(struct node_client *c)
{
    zrange_generic(c, -1, 1, ZR_RANK, 1);
}

void node_cmd_zrangebyscore(struct node_client *c)
{
    zrange_generic(c, -1, 1, ZR_SCORE, 0);
}

void node_cmd_zrevrangebyscore(struct node_client *c)
{
    zrange_generic(c, -1, 1, ZR_SCORE, 1);
}

void node_cmd_zrangebylex(struct node_client *c)
{
    zrange_generic(c, -1, 1, ZR_LEX, 0);
}

void node_cmd_zrevrangebylex(struct node_client *c)
{
    zrange_generic(c, -1, 1, ZR_LEX, 1);
}

/* ---- ZUNION / ZINTER / ZDIFF ---- */

enum zop { ZOP_UNION, ZOP_INTER, ZOP_DIFF };
enum zagg { ZAGG_SUM, ZAGG_MIN, ZAGG_MAX };

struct zsrc {
    const struct t_zset *z;  /* a sorted set, or */
    const struct node_tset *s; /* a set (scores 1), or neither: absent */
    double w;
    size_t len;
    int order; /* argument position, to keep qsort deterministic */
};

static bool zsrc_score(const struct zsrc *src, const char *m, size_t n, double *score)
{
    if (src->z != NULL)
        return t_zset_score(src->z, m, n, score);
    if (src->s != NULL && node_tset_has(src->s, m, n)) {
        *score = 1.0;
        return true;
    }
    return false;
}

/* Calls fn for every element of src. */
static void zsrc_each(const struct zsrc *src, void (*fn)(void *ud, const char *m, size_t n, double score), void *ud)
{
    if (src->z != NULL) {
        struct t_zset_it it;
        struct t_zset_el el;
        t_zset_it_init(&it, src->z, 0, false);
        while (t_zset_it_next(&it, &el))
            fn(ud, el.m, el.n, el.score);
    } else if (src->s != NULL) {
        struct node_tset_iter it;
        const char *m;
        size_t n;
        node_tset_iter_init(&it, src->s);
        while (node_tset_iter_next(&it, &m, &n))
            fn(ud, m, n, 1.0);
    }
}

static int zsrc_cmp(const void *a, const void *b)
{
    const struct zsrc *x = a, *y = b;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    return x->order - y->order;
}

static double zagg(enum zagg agg, double acc, double v)
{
    switch (agg) {
    case ZAGG_SUM:
        acc += v;
        return isnan(acc) ? 0 : acc; /* inf + -inf */
    case ZAGG_MIN:
        return v < acc ? v : acc;
    default:
        return v > acc ? v : acc;
    }
}

static double weighted(double w, double s)
{
    double v = w * s;
    return isnan(v) ? 0 : v;
}

struct zop_ctx {
    struct t_zset *res;
    const struct zsrc *srcs;
    int nsrc;
    enum zagg agg;
    const struct zsrc *cur;
    long long limit; /* ZINTERCARD: stop counting here (0 = none) */
    size_t card;
};

static void zop_union_el(void *ud, const char *m, size_t n, double score)
{
    struct zop_ctx *x = ud;
    double v = weighted(x->cur->w, score), old;
    if (t_zset_score(x->res, m, n, &old))
        v = zagg(x->agg, old, v);
    t_zset_add(x->res, &nolim, m, n, v, 0, NULL);
}

static void zop_inter_el(void *ud, const char *m, size_t n, double score)
{
    struct zop_ctx *x = ud;
    if (x->limit > 0 && x->card >= (size_t)x->limit)
        return;
    double v = weighted(x->srcs[0].w, score), s;
    for (int j = 1; j < x->nsrc; j++) {
        if (!zsrc_score(&x->srcs[j], m, n, &s))
            return;
        v = zagg(x->agg, v, weighted(x->srcs[j].w, s));
    }
    x->card++;
    if (x->res != NULL)
        t_zset_add(x->res, &nolim, m, n, v, 0, NULL);
}

static void zop_diff_el(void *ud, const char *m, size_t n, double score)
{
    struct zop_ctx *x = ud;
    double s;
    for (int j = 1; j < x->nsrc; j++)
        if (zsrc_score(&x->srcs[j], m, n, &s))
            return;
    t_zset_add(x->res, &nolim, m, n, score, 0, NULL);
}

/* Looks the sources up; false after replying WRONGTYPE. */
static bool zop_sources(struct node_client *c, int first, int nsrc, struct zsrc *srcs)
{
    for (int i = 0; i < nsrc; i++) {
        struct node_ks_entry *e = node_ks_find(c->srv->ks, c->argv[first + i], c->argl[first + i], NODE_KS_READ);
        srcs[i] = (struct zsrc){.z = NULL, .s = NULL, .w = 1.0, .len = 0, .order = i};
        if (e == NULL)
            continue;
        if (node_ks_entry_type(e) == NODE_KS_ZSET) {
            srcs[i].z = node_ks_entry_ptr(e);
            srcs[i].len = t_zset_len(srcs[i].z);
        } else if (node_ks_entry_type(e) == NODE_KS_SET) {
            srcs[i].s = node_ks_entry_ptr(e);
            srcs[i].len = node_tset_len(srcs[i].s);
        } else {
            node_reply_error(&c->out, NODE_ERR_WRONGTYPE);
            return false;
        }
    }
    return true;
}

struct zop_opts {
    enum zagg agg;
    bool ws;
    long long limit;
};

static bool zop_parse_opts(struct node_client *c, int j, enum zop op, bool store, bool card, struct zsrc *srcs,
                           int nsrc, struct zop_opts *o)
{
    for (; j < c->argc; j++) {
        int left = c->argc - j - 1;
        if (card && left >= 1 && node_arg_is(c, j, "limit")) {
            if (!node_util_parse_ll(c->argv[j + 1], c->argl[j + 1], &o->limit) || o->limit < 0) {
                node_reply_error(&c->out, "ERR LIMIT can't be negative");
                return false;
            }
            j++;
        } else if (!card && op != ZOP_DIFF && left >= nsrc && node_arg_is(c, j, "weights")) {
            for (int i = 0; i < nsrc; i++) {
                j++;
                if (!node_util_parse_double(c->argv[j], c->argl[j], &srcs[i].w)) {
                    node_reply_error(&c->out, "ERR weight value is not a float");
                    return false;
                }
            }
        } else if (!card && op != ZOP_DIFF && left >= 1 && node_arg_is(c, j, "aggregate")) {
            j++;
            if (node_arg_is(c, j, "sum"))
                o->agg = ZAGG_SUM;
            else if (node_arg_is(c, j, "min"))
                o->agg = ZAGG_MIN;
            else if (node_arg_is(c, j, "max"))
                o->agg = ZAGG_MAX;
            else {
                node_reply_error(&c->out, NODE_ERR_SYNTAX);
                return false;
            }
        } else if (!card && !store && node_arg_is(c, j, "withscores")) {
            o->ws = true;
        } else {
            node_reply_error(&c->out, NODE_ERR_SYNTAX);
            return false;
        }
    }
    return true;
}

static struct t_zset *zop_compute(enum zop op, struct zsrc *srcs, int nsrc, const struct zop_opts *o, bool card,
                                  size_t *cardinality)
{
    struct zop_ctx x = {.res = card ? NULL : scratch_new(), .srcs = srcs, .nsrc = nsrc, .agg = o->agg,
                        .limit = o->limit, .card = 0};
    if (op == ZOP_DIFF) {
        if (nsrc > 1)
            qsort(srcs + 1, (size_t)nsrc - 1, sizeof(*srcs), zsrc_cmp);
        x.cur = &srcs[0];
        zsrc_each(&srcs[0], zop_diff_el, &x);
    } else {
        qsort(srcs, (size_t)nsrc, sizeof(*srcs), zsrc_cmp);
        if (op == ZOP_UNION) {
            for (int i = 0; i < nsrc; i++) {
                x.cur = &srcs[i];
                zsrc_each(&srcs[i], zop_union_el, &x);
            }
        } else if (srcs[0].len > 0) {
            x.cur = &srcs[0];
            zsrc_each(&srcs[0], zop_inter_el, &x);
        }
    }
    *cardinality = x.card;
    return x.res;
}

static void zop_reply(struct node_client *c, const struct t_zset *res, bool ws)
{
    size_t n = t_zset_len(res);
    bool nested = ws && c->out.proto > 2;
    node_reply_array(&c->out, (long long)(ws && !nested ? n * 2 : n));
    struct t_zset_it it;
    struct t_zset_el el;
    t_zset_it_init(&it, res, 0, false);
    while (t_zset_it_next(&it, &el)) {
        if (nested)
            node_reply_array(&c->out, 2);
        node_reply_bulk(&c->out, el.m, el.n);
        if (ws)
            t_zset_cmd_reply_score(c, el.score);
    }
}

/* dsti: the destination's argv index or -1; numkeys at argv[nki]. */
static void zop_generic(struct node_client *c, int dsti, int nki, enum zop op, bool card)
{
    static const char *const events[] = {"zunionstore", "zinterstore", "zdiffstore"};
    long long nk;
    if (!node_util_parse_ll(c->argv[nki], c->argl[nki], &nk)) {
        node_reply_error(&c->out, NODE_ERR_NOT_INT);
        return;
    }
    if (nk < 1) {
        node_reply_errorf(&c->out, "ERR at least 1 input key is needed for '%s' command", c->cmd->name);
        return;
    }
    if (nk > c->argc - nki - 1) {
        node_reply_error(&c->out, NODE_ERR_SYNTAX);
        return;
    }
    int nsrc = (int)nk;
    struct zsrc *srcs = core_malloc(sizeof(*srcs) * (size_t)nsrc);
    struct zop_opts o = {.agg = ZAGG_SUM, .ws = false, .limit = 0};
    if (!zop_sources(c, nki + 1, nsrc, srcs) ||
        !zop_parse_opts(c, nki + 1 + nsrc, op, dsti >= 0, card, srcs, nsrc, &o)) {
        core_free(srcs);
        return;
    }
    size_t cardinality;
    struct t_zset *res = zop_compute(op, srcs, nsrc, &o, card, &cardinality);
    core_free(srcs);
    if (card)
        node_reply_int(&c->out, (long long)cardinality);
    else if (dsti >= 0)
        zstore_finish(c, dsti, res, events[op]);
    else
        zop_reply(c, res, o.ws);
    if (dsti < 0)
        t_zset_free(res);
}

void node_cmd_zunion(struct node_client *c)
{
    zop_generic(c, -1, 1, ZOP_UNION, false);
}

void node_cmd_zunionstore(struct node_client *c)
{
    zop_generic(c, 1, 2, ZOP_UNION, false);
}

void node_cmd_zinter(struct node_client *c)
{
    zop_generic(c, -1, 1, ZOP_INTER, false);
}

void node_cmd_zinterstore(struct node_client *c)
{
    zop_generic(c, 1, 2, ZOP_INTER, false);
}

void node_cmd_zintercard(struct node_client *c)
{
    zop_generic(c, -1, 1, ZOP_INTER, true);
}

void node_cmd_zdiff(struct node_client *c)
{
    zop_generic(c, -1, 1, ZOP_DIFF, false);
}

void node_cmd_zdiffstore(struct node_client *c)
{
    zop_generic(c, 1, 2, ZOP_DIFF, false);
}

/* ---- key positions (as COMMAND GETKEYS on 7.0: the destination, then the sources) ---- */

int node_zunion_getkeys(int argc, const char **argv, const size_t *argl, int *idx, int idx_cap)
{
    return node_cmd_numkeys_getkeys(argc, argv, argl, 1, 0, idx, idx_cap);
}

int node_zunionstore_getkeys(int argc, const char **argv, const size_t *argl, int *idx, int idx_cap)
{
    return node_cmd_numkeys_getkeys(argc, argv, argl, 2, 1, idx, idx_cap);
}

int node_zinter_getkeys(int argc, const char **argv, const size_t *argl, int *idx, int idx_cap)
{
    return node_cmd_numkeys_getkeys(argc, argv, argl, 1, 0, idx, idx_cap);
}

int node_zinterstore_getkeys(int argc, const char **argv, const size_t *argl, int *idx, int idx_cap)
{
    return node_cmd_numkeys_getkeys(argc, argv, argl, 2, 1, idx, idx_cap);
}

int node_zintercard_getkeys(int argc, const char **argv, const size_t *argl, int *idx, int idx_cap)
{
    return node_cmd_numkeys_getkeys(argc, argv, argl, 1, 0, idx, idx_cap);
}

int node_zdiff_getkeys(int argc, const char **argv, const size_t *argl, int *idx, int idx_cap)
{
    return node_cmd_numkeys_getkeys(argc, argv, argl, 1, 0, idx, idx_cap);
}

int node_zdiffstore_getkeys(int argc, const char **argv, const size_t *argl, int *idx, int idx_cap)
{
    return node_cmd_numkeys_getkeys(argc, argv, argl, 2, 1, idx, idx_cap);
}
