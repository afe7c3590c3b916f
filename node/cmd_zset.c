/*
 * cmd_zset.c — sorted set commands on one key: ZADD, ZINCRBY, ZREM, ZCARD,
 * ZSCORE, ZMSCORE, ZRANK, ZREVRANK, ZCOUNT, ZLEXCOUNT, ZREMRANGEBY*,
 * ZPOPMIN/MAX, ZMPOP and their blocking forms, ZRANDMEMBER, ZSCAN; and the
 * helpers both zset command files share (t_zset.h). The range queries and
 * the multi-key algebra live in cmd_zset_store.c; the value in t_zset.c.
 */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "node/block.h"
#include "node/commands.h"
#include "node/core/core.h"
#include "node/notify.h"
#include "node/propagate.h"
#include "node/reply.h"
#include "node/t_zset.h"
#include "node/util.h"
#include "node/watch.h"

#define ERR_NAN "ERR resulting score is not a number (NaN)"

int t_zset_cmd_lookup(struct node_client *c, int argi, bool read, struct node_ks_entry **e, struct t_zset **z)
{
    struct node_ks_entry *en = node_ks_find(c->srv->ks, c->argv[argi], c->argl[argi], read ? NODE_KS_READ : 0);
    *z = NULL;
    if (e)
        *e = en;
    if (en == NULL)
        return 0;
    if (node_ks_entry_type(en) != NODE_KS_ZSET) {
        node_reply_error(&c->out, NODE_ERR_WRONGTYPE);
        return -1;
    }
    *z = node_ks_entry_ptr(en);
    return 0;
}

/* The lookup of a blocking pop: on a rerun a key of another type is just
 * not ready (Redis serves blocked zset clients only from sorted sets). */
static int blocking_lookup(struct node_client *c, int argi, struct t_zset **z)
{
    if (!node_block_rerun(c))
        return t_zset_cmd_lookup(c, argi, false, NULL, z);
    *z = NULL;
    if (!node_block_serving(c, argi))
        return 0;
    struct node_ks_entry *e = node_ks_find(c->srv->ks, c->argv[argi], c->argl[argi], 0);
    *z = e && node_ks_entry_type(e) == NODE_KS_ZSET ? node_ks_entry_ptr(e) : NULL;
    return 0;
}

struct t_zset_lim t_zset_cmd_lim(const struct node_client *c)
{
    struct t_zset_lim l = {(size_t)c->srv->cfg.zset_max_listpack_entries, (size_t)c->srv->cfg.zset_max_listpack_value};
    return l;
}

void t_zset_cmd_reply_score(struct node_client *c, double score)
{
    node_reply_double(&c->out, score);
}

void t_zset_cmd_after_remove(struct node_client *c, int argi, struct t_zset *z, const char *event, size_t removed)
{
    if (removed == 0)
        return;
    const char *key = c->argv[argi];
    size_t klen = c->argl[argi];
    bool gone = t_zset_len(z) == 0;
    if (gone)
        node_ks_delete(c->srv->ks, key, klen);
    node_key_modified(c->srv, key, klen);
    node_notify(c->srv, NODE_NOTIFY_ZSET, event, key, klen);
    if (gone)
        node_notify(c->srv, NODE_NOTIFY_GENERIC, "del", key, klen);
    node_server_dirty(c->srv, removed);
}

/* ---- ZADD / ZINCRBY ---- */

struct zadd_opts {
    int in;
    bool ch;
    int first; /* argv index of the first score */
};

static bool zadd_parse_opts(struct node_client *c, struct zadd_opts *o)
{
    o->in = 0;
    o->ch = false;
    int j = 2;
    for (; j < c->argc; j++) {
        if (node_arg_is(c, j, "nx"))
            o->in |= T_ZSET_IN_NX;
        else if (node_arg_is(c, j, "xx"))
            o->in |= T_ZSET_IN_XX;
        else if (node_arg_is(c, j, "gt"))
            o->in |= T_ZSET_IN_GT;
        else if (node_arg_is(c, j, "lt"))
            o->in |= T_ZSET_IN_LT;
        else if (node_arg_is(c, j, "ch"))
            o->ch = true;
        else if (node_arg_is(c, j, "incr"))
            o->in |= T_ZSET_IN_INCR;
        else
            break;
    }
    o->first = j;
    int left = c->argc - j;
    if (left == 0 || left % 2 != 0) {
        node_reply_error(&c->out, NODE_ERR_SYNTAX);
        return false;
    }
    int in = o->in;
    if ((in & T_ZSET_IN_NX) && (in & T_ZSET_IN_XX)) {
        node_reply_error(&c->out, "ERR XX and NX options at the same time are not compatible");
        return false;
    }
    if (((in & T_ZSET_IN_GT) && (in & T_ZSET_IN_NX)) || ((in & T_ZSET_IN_LT) && (in & T_ZSET_IN_NX)) ||
        ((in & T_ZSET_IN_GT) && (in & T_ZSET_IN_LT))) {
        node_reply_error(&c->out, "ERR GT, LT, and/or NX options at the same time are not compatible");
        return false;
    }
    if ((in & T_ZSET_IN_INCR) && left > 2) {
        node_reply_error(&c->out, "ERR INCR option supports a single increment-element pair");
        return false;
    }
    return true;
}

/* The shared body of ZADD and ZINCRBY (which is ZADD INCR). */
static void zadd_generic(struct node_client *c, const struct zadd_opts *o)
{
    int npairs = (c->argc - o->first) / 2;
    double *scores = core_malloc(sizeof(double) * (size_t)npairs);
    for (int i = 0; i < npairs; i++) {
        int si = o->first + 2 * i;
        if (!node_util_parse_double(c->argv[si], c->argl[si], &scores[i])) {
            node_reply_error(&c->out, NODE_ERR_NOT_FLOAT);
            core_free(scores);
            return;
        }
    }
    struct t_zset *z;
    if (t_zset_cmd_lookup(c, 1, false, NULL, &z) < 0) {
        core_free(scores);
        return;
    }
    struct t_zset_lim lim = t_zset_cmd_lim(c);
    bool incr = (o->in & T_ZSET_IN_INCR) != 0;
    size_t added = 0, updated = 0, processed = 0;
    double last = 0;
    bool nan = false;
    if (z == NULL && !(o->in & T_ZSET_IN_XX)) {
        /* Redis 7.0 picks the encoding from the first member alone */
        z = t_zset_new(&lim, 1, c->argl[o->first + 1]);
        node_ks_set_ptr(c->srv->ks, c->argv[1], c->argl[1], NODE_KS_ZSET, z, -1, 0);
        node_notify(c->srv, NODE_NOTIFY_NEW, "new", c->argv[1], c->argl[1]);
    }
    for (int i = 0; z != NULL && i < npairs; i++) {
        int mi = o->first + 2 * i + 1;
        int r = t_zset_add(z, &lim, c->argv[mi], c->argl[mi], scores[i], o->in, &last);
        if (r & T_ZSET_OUT_NAN) {
            nan = true;
            break;
        }
        if (r & T_ZSET_OUT_ADDED)
            added++;
        if (r & T_ZSET_OUT_UPDATED)
            updated++;
        if (!(r & T_ZSET_OUT_NOP))
            processed++;
    }
    core_free(scores);
    if (nan)
        node_reply_error(&c->out, ERR_NAN);
    else if (incr && processed)
        t_zset_cmd_reply_score(c, last);
    else if (incr)
        node_reply_null(&c->out);
    else
        node_reply_int(&c->out, (long long)(o->ch ? added + updated : added));
    if (added || updated) {
        node_key_modified(c->srv, c->argv[1], c->argl[1]);
        node_notify(c->srv, NODE_NOTIFY_ZSET, incr ? "zincr" : "zadd", c->argv[1], c->argl[1]);
        node_server_dirty(c->srv, added + updated);
    }
    if (added)
        node_key_ready(c->srv, c->argv[1], c->argl[1]);
}

void node_cmd_zadd(struct node_client *c)
{
    struct zadd_opts o;
    if (zadd_parse_opts(c, &o))
        zadd_generic(c, &o);
}

void node_cmd_zincrby(struct node_client *c)
{
    struct zadd_opts o = {.in = T_ZSET_IN_INCR, .ch = false, .first = 2};
    zadd_generic(c, &o);
}

/* ---- single-key reads and removals ---- */

void node_cmd_zrem(struct node_client *c)
{
    struct t_zset *z;
    if (t_zset_cmd_lookup(c, 1, false, NULL, &z) < 0)
        return;
    size_t removed = 0;
    for (int j = 2; z != NULL && j < c->argc; j++) {
        if (t_zset_del(z, c->argv[j], c->argl[j]))
            removed++;
        if (t_zset_len(z) == 0)
            break;
    }
    node_reply_int(&c->out, (long long)removed);
    if (z != NULL)
        t_zset_cmd_after_remove(c, 1, z, "zrem", removed);
}

void node_cmd_zcard(struct node_client *c)
{
    struct t_zset *z;
    if (t_zset_cmd_lookup(c, 1, true, NULL, &z) < 0)
        return;
    node_reply_int(&c->out, z ? (long long)t_zset_len(z) : 0);
}

void node_cmd_zscore(struct node_client *c)
{
    struct t_zset *z;
    double s;
    if (t_zset_cmd_lookup(c, 1, true, NULL, &z) < 0)
        return;
    if (z != NULL && t_zset_score(z, c->argv[2], c->argl[2], &s))
        t_zset_cmd_reply_score(c, s);
    else
        node_reply_null(&c->out);
}

void node_cmd_zmscore(struct node_client *c)
{
    struct t_zset *z;
    double s;
    if (t_zset_cmd_lookup(c, 1, true, NULL, &z) < 0)
        return;
    node_reply_array(&c->out, c->argc - 2);
    for (int j = 2; j < c->argc; j++) {
        if (z != NULL && t_zset_score(z, c->argv[j], c->argl[j], &s))
            t_zset_cmd_reply_score(c, s);
        else
            node_reply_null(&c->out);
    }
}

static void zrank_generic(struct node_client *c, bool rev)
{
    struct t_zset *z;
    size_t rank;
    if (t_zset_cmd_lookup(c, 1, true, NULL, &z) < 0)
        return;
    if (z != NULL && t_zset_rank(z, c->argv[2], c->argl[2], rev, &rank, NULL))
        node_reply_int(&c->out, (long long)rank);
    else
        node_reply_null(&c->out);
}

void node_cmd_zrank(struct node_client *c)
{
    zrank_generic(c, false);
}

void node_cmd_zrevrank(struct node_client *c)
{
    zrank_generic(c, true);
}

void node_cmd_zcount(struct node_client *c)
{
    struct t_zset_srange r;
    struct t_zset *z;
    if (!t_zset_parse_srange(c->argv[2], c->argl[2], c->argv[3], c->argl[3], &r)) {
        node_reply_error(&c->out, "ERR min or max is not a float");
        return;
    }
    if (t_zset_cmd_lookup(c, 1, true, NULL, &z) < 0)
        return;
    size_t first = 0, end = 0;
    if (z != NULL)
        t_zset_srange_ranks(z, &r, &first, &end);
    node_reply_int(&c->out, end > first ? (long long)(end - first) : 0);
}

void node_cmd_zlexcount(struct node_client *c)
{
    struct t_zset_lrange r;
    struct t_zset *z;
    if (!t_zset_parse_lrange(c->argv[2], c->argl[2], c->argv[3], c->argl[3], &r)) {
        node_reply_error(&c->out, "ERR min or max not valid string range item");
        return;
    }
    if (t_zset_cmd_lookup(c, 1, true, NULL, &z) < 0)
        return;
    size_t first = 0, end = 0;
    if (z != NULL)
        t_zset_lrange_ranks(z, &r, &first, &end);
    node_reply_int(&c->out, end > first ? (long long)(end - first) : 0);
}

enum zrem_kind { ZREM_RANK, ZREM_SCORE, ZREM_LEX };

/* Parses the bounds of ZREMRANGEBY* into ranks [*first, *end) of z; false after replying an error. */
static bool zremrange_bounds(struct node_client *c, enum zrem_kind kind, const struct t_zset *z, size_t *first,
                             size_t *end)
{
    *first = *end = 0;
    if (kind == ZREM_RANK) {
        long long s, e;
        if (!node_util_parse_ll(c->argv[2], c->argl[2], &s) || !node_util_parse_ll(c->argv[3], c->argl[3], &e)) {
            node_reply_error(&c->out, NODE_ERR_NOT_INT);
            return false;
        }
        if (z == NULL)
            return true;
        long long len = (long long)t_zset_len(z);
        if (s < 0)
            s += len;
        if (e < 0)
            e += len;
        if (s < 0)
            s = 0;
        if (s > e || s >= len)
            return true;
        if (e >= len)
            e = len - 1;
        *first = (size_t)s;
        *end = (size_t)e + 1;
    } else if (kind == ZREM_SCORE) {
        struct t_zset_srange r;
        if (!t_zset_parse_srange(c->argv[2], c->argl[2], c->argv[3], c->argl[3], &r)) {
            node_reply_error(&c->out, "ERR min or max is not a float");
            return false;
        }
        if (z != NULL)
            t_zset_srange_ranks(z, &r, first, end);
    } else {
        struct t_zset_lrange r;
        if (!t_zset_parse_lrange(c->argv[2], c->argl[2], c->argv[3], c->argl[3], &r)) {
            node_reply_error(&c->out, "ERR min or max not valid string range item");
            return false;
        }
        if (z != NULL)
            t_zset_lrange_ranks(z, &r, first, end);
    }
    return true;
}

static void zremrange_generic(struct node_client *c, enum zrem_kind kind)
{
    static const char *const events[] = {"zremrangebyrank", "zremrangebyscore", "zremrangebylex"};
    struct t_zset *z;
    size_t first, end;
    /* Redis checks the range syntax before looking the key up */
    if (!zremrange_bounds(c, kind, NULL, &first, &end))
        return;
    if (t_zset_cmd_lookup(c, 1, false, NULL, &z) < 0)
        return;
    if (z == NULL) {
        node_reply_int(&c->out, 0);
        return;
    }
    zremrange_bounds(c, kind, z, &first, &end);
    size_t removed = end > first ? end - first : 0;
    if (removed)
        t_zset_del_range(z, first, end - 1);
    node_reply_int(&c->out, (long long)removed);
    t_zset_cmd_after_remove(c, 1, z, events[kind], removed);
}

void node_cmd_zremrangebyrank(struct node_client *c)
{
    zremrange_generic(c, ZREM_RANK);
}

void node_cmd_zremrangebyscore(struct node_client *c)
{
    zremrange_generic(c, ZREM_SCORE);
}

void node_cmd_zremrangebylex(struct node_client *c)
{
    zremrange_generic(c, ZREM_LEX);
}

/* ---- pops ---- */

/* Pops up to count elements of the zset at argv[argi] (max: highest first)
 * and replies them: flat [m, s, ...] unless nested (RESP3 with a count, and
 * ZMPOP), then [[m, s], ...]. ZPOPMIN/ZPOPMAX propagate verbatim; ZMPOP and
 * BZMPOP as "ZPOPMIN|ZPOPMAX key <popped>" (rewrite), as Redis 7.0. */
static void zpop_reply(struct node_client *c, int argi, struct t_zset *z, bool max, long long count, bool nested,
                       bool rewrite)
{
    size_t len = t_zset_len(z);
    size_t n = (unsigned long long)count < len ? (size_t)count : len;
    node_reply_array(&c->out, (long long)(nested ? n : n * 2));
    struct t_zset_it it;
    struct t_zset_el el;
    t_zset_it_init(&it, z, max ? len - 1 : 0, max);
    for (size_t i = 0; i < n && t_zset_it_next(&it, &el); i++) {
        if (nested)
            node_reply_array(&c->out, 2);
        node_reply_bulk(&c->out, el.m, el.n);
        t_zset_cmd_reply_score(c, el.score);
    }
    if (n == 0)
        return;
    if (max)
        t_zset_del_range(z, len - n, len - 1);
    else
        t_zset_del_range(z, 0, n - 1);
    if (rewrite) {
        char cnt[24];
        size_t cl = node_util_ll2str(cnt, (long long)n);
        const char *argv[3] = {max ? "ZPOPMAX" : "ZPOPMIN", c->argv[argi], cnt};
        size_t argl[3] = {7, c->argl[argi], cl};
        node_prop_rewrite(c, 3, argv, argl);
    }
    t_zset_cmd_after_remove(c, argi, z, max ? "zpopmax" : "zpopmin", n);
}

static void zpop_generic(struct node_client *c, bool max)
{
    long long count = 1;
    bool has_count = c->argc > 2;
    if (c->argc > 3) {
        node_reply_error(&c->out, NODE_ERR_SYNTAX);
        return;
    }
    if (has_count) {
        if (!node_util_parse_ll(c->argv[2], c->argl[2], &count) || count < 0) {
            node_reply_error(&c->out, "ERR value is out of range, must be positive");
            return;
        }
    }
    struct t_zset *z;
    if (t_zset_cmd_lookup(c, 1, false, NULL, &z) < 0)
        return;
    if (z == NULL || count == 0) {
        node_reply_array(&c->out, 0);
        return;
    }
    zpop_reply(c, 1, z, max, count, has_count && c->out.proto > 2, false);
}

void node_cmd_zpopmin(struct node_client *c)
{
    zpop_generic(c, false);
}

void node_cmd_zpopmax(struct node_client *c)
{
    zpop_generic(c, true);
}

/* BZPOPMIN/BZPOPMAX key [key ...] timeout */
static void bzpop_generic(struct node_client *c, bool max)
{
    int64_t deadline;
    if (!node_block_parse_timeout(c, c->argc - 1, &deadline))
        return;
    for (int j = 1; j < c->argc - 1; j++) {
        struct t_zset *z;
        if (blocking_lookup(c, j, &z) < 0)
            return;
        if (z == NULL)
            continue;
        node_reply_array(&c->out, 3);
        node_reply_bulk(&c->out, c->argv[j], c->argl[j]);
        /* the pair follows the key flat: reply it without an array header */
        size_t len = t_zset_len(z);
        struct t_zset_it it;
        struct t_zset_el el;
        t_zset_it_init(&it, z, max ? len - 1 : 0, max);
        t_zset_it_next(&it, &el);
        node_reply_bulk(&c->out, el.m, el.n);
        t_zset_cmd_reply_score(c, el.score);
        if (max)
            t_zset_del_range(z, len - 1, len - 1);
        else
            t_zset_del_range(z, 0, 0);
        const char *argv[2] = {max ? "ZPOPMAX" : "ZPOPMIN", c->argv[j]};
        size_t argl[2] = {7, c->argl[j]};
        node_prop_rewrite(c, 2, argv, argl);
        t_zset_cmd_after_remove(c, j, z, max ? "zpopmax" : "zpopmin", 1);
        return;
    }
    if (!node_block_allowed(c)) {
        node_reply_null_array(&c->out);
        return;
    }
    int nkeys = c->argc - 2;
    int *idx = core_malloc(sizeof(int) * (size_t)nkeys);
    for (int j = 0; j < nkeys; j++)
        idx[j] = j + 1;
    node_block_keys(c, idx, nkeys, deadline, NODE_KS_ZSET, NODE_BLOCK_NIL_ARRAY);
    core_free(idx);
}

void node_cmd_bzpopmin(struct node_client *c)
{
    bzpop_generic(c, false);
}

void node_cmd_bzpopmax(struct node_client *c)
{
    bzpop_generic(c, true);
}

/* [B]ZMPOP: argv[first] is numkeys; replies [key, [[m, s], ...]] or a null array. */
static void zmpop_generic(struct node_client *c, int first, bool blocking)
{
    int64_t deadline = 0;
    long long nk;
    /* A count too large for the arguments is a syntax error below, as Redis. */
    if (!node_util_parse_ll(c->argv[first], c->argl[first], &nk) || nk <= 0) {
        node_reply_error(&c->out, "ERR numkeys should be greater than 0");
        return;
    }
    int kfirst = first + 1;
    if (nk > c->argc - kfirst - 1) {
        node_reply_error(&c->out, NODE_ERR_SYNTAX);
        return;
    }
    int j = kfirst + (int)nk;
    bool max;
    if (node_arg_is(c, j, "min"))
        max = false;
    else if (node_arg_is(c, j, "max"))
        max = true;
    else {
        node_reply_error(&c->out, NODE_ERR_SYNTAX);
        return;
    }
    long long count = 1;
    bool seen_count = false;
    for (j++; j < c->argc; j++) {
        if (!seen_count && node_arg_is(c, j, "count") && j + 1 < c->argc) {
            if (!node_util_parse_ll(c->argv[j + 1], c->argl[j + 1], &count) || count <= 0) {
                node_reply_error(&c->out, "ERR count should be greater than 0");
                return;
            }
            seen_count = true;
            j++;
        } else {
            node_reply_error(&c->out, NODE_ERR_SYNTAX);
            return;
        }
    }
    /* BZMPOP's timeout is checked after the rest of its syntax, as Redis */
    if (blocking && !node_block_parse_timeout(c, 1, &deadline))
        return;
    for (int k = kfirst; k < kfirst + (int)nk; k++) {
        struct t_zset *z;
        if (blocking_lookup(c, k, &z) < 0)
            return;
        if (z == NULL)
            continue;
        node_reply_array(&c->out, 2);
        node_reply_bulk(&c->out, c->argv[k], c->argl[k]);
        zpop_reply(c, k, z, max, count, true, true);
        return;
    }
    if (!blocking || !node_block_allowed(c)) {
        node_reply_null_array(&c->out);
        return;
    }
    int *idx = core_malloc(sizeof(int) * (size_t)nk);
    for (int k = 0; k < (int)nk; k++)
        idx[k] = kfirst + k;
    node_block_keys(c, idx, (int)nk, deadline, NODE_KS_ZSET, NODE_BLOCK_NIL_ARRAY);
    core_free(idx);
}

void node_cmd_zmpop(struct node_client *c)
{
    zmpop_generic(c, 1, false);
}

void node_cmd_bzmpop(struct node_client *c)
{
    zmpop_generic(c, 2, true);
}

/* ---- ZRANDMEMBER ---- */

static void reply_el_at(struct node_client *c, const struct t_zset *z, size_t rank, bool withscores, bool nested)
{
    struct t_zset_it it;
    struct t_zset_el el;
    t_zset_it_init(&it, z, rank, false);
    t_zset_it_next(&it, &el);
    if (nested)
        node_reply_array(&c->out, 2);
    node_reply_bulk(&c->out, el.m, el.n);
    if (withscores)
        t_zset_cmd_reply_score(c, el.score);
}

/* count distinct elements (count < len). Memory stays proportional to the
 * reply: a partial Fisher-Yates over all ranks when count is a large part
 * of the set, else Floyd's sampling with a small open-addressing table. */
static void zrand_distinct(struct node_client *c, const struct t_zset *z, size_t count, bool ws, bool nested)
{
    size_t len = t_zset_len(z);
    if (count > len / 4) {
        size_t *ranks = core_malloc(sizeof(size_t) * len);
        for (size_t i = 0; i < len; i++)
            ranks[i] = i;
        for (size_t i = 0; i < count; i++) {
            size_t k = i + (size_t)(core_random_u64() % (len - i));
            size_t t = ranks[i];
            ranks[i] = ranks[k];
            ranks[k] = t;
            reply_el_at(c, z, ranks[i], ws, nested);
        }
        core_free(ranks);
        return;
    }
    size_t cap = 16;
    while (cap < count * 2)
        cap *= 2;
    size_t *tab = core_malloc(sizeof(size_t) * cap);
    for (size_t i = 0; i < cap; i++)
        tab[i] = SIZE_MAX;
    for (size_t j = len - count; j < len; j++) {
        size_t t = (size_t)(core_random_u64() % (j + 1)), h = (t * 0x9E3779B97F4A7C15ULL) & (cap - 1);
        while (tab[h] != SIZE_MAX && tab[h] != t)
            h = (h + 1) & (cap - 1);
        if (tab[h] == t) { /* taken: j itself is new (Floyd) */
            t = j;
            h = (t * 0x9E3779B97F4A7C15ULL) & (cap - 1);
            while (tab[h] != SIZE_MAX)
                h = (h + 1) & (cap - 1);
        }
        tab[h] = t;
        reply_el_at(c, z, t, ws, nested);
    }
    core_free(tab);
}

/* n picks with repetition (a negative count) */
static void zrand_repeat(struct node_client *c, const struct t_zset *z, unsigned long long n, bool ws, bool nested)
{
    size_t len = t_zset_len(z);
    if (!t_zset_is_listpack(z)) {
        for (unsigned long long i = 0; i < n; i++)
            reply_el_at(c, z, (size_t)(core_random_u64() % len), ws, nested);
        return;
    }
    /* a listpack has no O(1) rank access: read it once (an integer
     * member's text is written into its own els[i].buf) */
    struct t_zset_el *els = core_malloc(sizeof(*els) * len);
    struct t_zset_it it;
    size_t got = 0;
    t_zset_it_init(&it, z, 0, false);
    while (got < len && t_zset_it_next(&it, &els[got]))
        got++;
    for (unsigned long long i = 0; i < n; i++) {
        const struct t_zset_el *e = &els[core_random_u64() % got];
        if (nested)
            node_reply_array(&c->out, 2);
        node_reply_bulk(&c->out, e->m, e->n);
        if (ws)
            t_zset_cmd_reply_score(c, e->score);
    }
    core_free(els);
}

void node_cmd_zrandmember(struct node_client *c)
{
    long long l = 0;
    bool ws = false;
    /* Redis's order: the count, then the syntax, then WITHSCORES's bound. */
    if (c->argc >= 3) {
        if (!node_util_parse_ll(c->argv[2], c->argl[2], &l)) {
            node_reply_error(&c->out, NODE_ERR_NOT_INT);
            return;
        }
        if (l < -LLONG_MAX) {
            node_reply_errorf(&c->out, "ERR value is out of range, value must between %lld and %lld", -LLONG_MAX,
                              LLONG_MAX);
            return;
        }
        if (c->argc > 4 || (c->argc == 4 && !node_arg_is(c, 3, "withscores"))) {
            node_reply_error(&c->out, NODE_ERR_SYNTAX);
            return;
        }
        ws = c->argc == 4;
        if (ws && (l < -LLONG_MAX / 2 || l > LLONG_MAX / 2)) {
            node_reply_error(&c->out, "ERR value is out of range");
            return;
        }
    }
    struct t_zset *z;
    if (t_zset_cmd_lookup(c, 1, true, NULL, &z) < 0)
        return;
    if (c->argc == 2) {
        if (z == NULL)
            node_reply_null(&c->out);
        else
            reply_el_at(c, z, (size_t)(core_random_u64() % t_zset_len(z)), false, false);
        return;
    }
    bool nested = ws && c->out.proto > 2;
    if (z == NULL || l == 0) {
        node_reply_array(&c->out, 0);
        return;
    }
    size_t len = t_zset_len(z);
    if (l < 0) {
        unsigned long long n = (unsigned long long)(-l);
        node_reply_array(&c->out, (long long)(ws && !nested ? n * 2 : n));
        zrand_repeat(c, z, n, ws, nested);
        return;
    }
    size_t n = (unsigned long long)l < len ? (size_t)l : len;
    node_reply_array(&c->out, (long long)(ws && !nested ? n * 2 : n));
    if (n == len) {
        for (size_t i = 0; i < len; i++)
            reply_el_at(c, z, i, ws, nested);
        return;
    }
    zrand_distinct(c, z, n, ws, nested);
}

/* ---- ZSCAN ---- */

struct zscan_acc {
    char **items;
    size_t *lens;
    size_t n, cap;
    const char *pat;
    size_t patl;
    size_t visited; /* elements seen before MATCH filtered them */
};

static void zscan_push(struct zscan_acc *a, const char *s, size_t n)
{
    if (a->n == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 32;
        a->items = core_realloc(a->items, a->cap * sizeof(char *));
        a->lens = core_realloc(a->lens, a->cap * sizeof(size_t));
    }
    a->items[a->n] = core_malloc(n ? n : 1);
    if (n)
        memcpy(a->items[a->n], s, n);
    a->lens[a->n++] = n;
}

static void zscan_cb(void *ud, const char *m, size_t n, double score)
{
    struct zscan_acc *a = ud;
    a->visited++;
    if (a->pat != NULL && !node_util_glob_match(a->pat, a->patl, m, n, false))
        return;
    char buf[128];
    zscan_push(a, m, n);
    zscan_push(a, buf, t_zset_score_str(buf, sizeof(buf), score));
}


void node_cmd_zscan(struct node_client *c)
{
    uint64_t cursor;
    if (!node_util_parse_cursor(c->argv[2], c->argl[2], &cursor)) {
        node_reply_error(&c->out, "ERR invalid cursor");
        return;
    }
    /* As Redis: a missing key is an empty scan before the options are read. */
    struct t_zset *z;
    if (t_zset_cmd_lookup(c, 1, true, NULL, &z) < 0)
        return;
    if (z == NULL) {
        node_reply_array(&c->out, 2);
        node_reply_cursor(&c->out, 0);
        node_reply_array(&c->out, 0);
        return;
    }
    struct node_scan_opts o;
    if (!node_scan_parse_opts(c, 3, false, &o))
        return;
    long long count = o.count;
    struct zscan_acc a = {.pat = o.pat, .patl = o.plen};
    if (t_zset_is_listpack(z)) {
        cursor = t_zset_scan(z, 0, zscan_cb, &a);
    } else {
        /* as Redis: stop once COUNT items (a member and its score are two)
         * were seen or 10*COUNT buckets visited */
        long long budget = count > LLONG_MAX / 10 ? LLONG_MAX : count * 10;
        do
            cursor = t_zset_scan(z, cursor, zscan_cb, &a);
        while (cursor != 0 && --budget > 0 && 2 * a.visited < (size_t)count);
    }
    node_reply_array(&c->out, 2);
    node_reply_cursor(&c->out, cursor);
    node_reply_array(&c->out, (long long)a.n);
    for (size_t i = 0; i < a.n; i++) {
        node_reply_bulk(&c->out, a.items[i], a.lens[i]);
        core_free(a.items[i]);
    }
    core_free(a.items);
    core_free(a.lens);
}

/* ---- key positions ---- */

int node_zmpop_getkeys(int argc, const char **argv, const size_t *argl, int *idx, int idx_cap)
{
    return node_cmd_numkeys_getkeys(argc, argv, argl, 1, 0, idx, idx_cap);
}

int node_bzmpop_getkeys(int argc, const char **argv, const size_t *argl, int *idx, int idx_cap)
{
    return node_cmd_numkeys_getkeys(argc, argv, argl, 2, 0, idx, idx_cap);
}
