/*
 * t_zset.c — the sorted set value (see t_zset.h) and its obj.h hooks: RDB
 * and DUMP encodings, DEBUG DIGEST, memory. Command syntax lives in
 * cmd_zset.c and cmd_zset_store.c.
 */
#include "node/t_zset.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/config.h"
#include "node/core/core.h"
#include "node/digest.h"
#include "node/ds_hash.h"
#include "node/obj.h"
#include "replication/rdb.h"

/* A skiplist-encoded element: one allocation, hash chain link first. */
struct zel {
    void *next;
    double score;
    uint32_t len;
    char m[];
};

struct t_zset {
    unsigned char *lp; /* listpack encoding when not NULL */
    struct ds_hash h;
    struct ds_zidx *idx;
    size_t el_bytes; /* bytes of the elements (MEMORY USAGE) */
};

static const void *zel_key(const void *entry, size_t *len)
{
    const struct zel *e = entry;
    *len = e->len;
    return e->m;
}

static int mem_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    size_t n = an < bn ? an : bn;
    int r = n ? memcmp(a, b, n) : 0;
    if (r != 0)
        return r;
    return an < bn ? -1 : an > bn ? 1 : 0;
}

static int el_cmp(double as, const char *am, size_t an, double bs, const char *bm, size_t bn)
{
    if (as < bs)
        return -1;
    if (as > bs)
        return 1;
    return mem_cmp(am, an, bm, bn);
}

static int zel_cmp(const void *a, const void *b)
{
    const struct zel *x = a, *y = b;
    return el_cmp(x->score, x->m, x->len, y->score, y->m, y->len);
}

size_t t_zset_score_str(char *buf, size_t size, double score)
{
    int n;
    if (isinf(score))
        n = snprintf(buf, size, "%s", score > 0 ? "inf" : "-inf");
    else if (score == 0)
        n = snprintf(buf, size, "%s", signbit(score) ? "-0" : "0");
    else if (score > -4503599627370495.0 && score < 4503599627370496.0 && score == (double)(long long)score)
        n = snprintf(buf, size, "%lld", (long long)score);
    else
        n = snprintf(buf, size, "%.17g", score);
    return (size_t)n;
}

/* ---- listpack helpers: entries are member, score pairs ---- */

static double lp_score_at(const unsigned char *p)
{
    struct ds_lp_val v;
    ds_lp_get(p, &v);
    if (v.s == NULL)
        return (double)v.ll;
    char tmp[128];
    size_t n = v.len < sizeof(tmp) - 1 ? v.len : sizeof(tmp) - 1;
    memcpy(tmp, v.s, n);
    tmp[n] = '\0';
    return strtod(tmp, NULL);
}

static void lp_read(const unsigned char *lp, unsigned char *p, struct t_zset_el *el)
{
    size_t len;
    const unsigned char *s = ds_lp_get_str(p, el->buf, &len);
    el->m = (const char *)s;
    el->n = len;
    el->score = lp_score_at(ds_lp_next(lp, p));
}

static unsigned char *lp_find(const unsigned char *lp, const char *m, size_t n)
{
    unsigned char *p = ds_lp_first(lp);
    if (p == NULL)
        return NULL;
    return ds_lp_find(lp, p, m, n, 1);
}

/* Inserts member+score at its place in the order. */
static unsigned char *lp_insert(unsigned char *lp, const char *m, size_t n, double score)
{
    if (score == 0)
        score = 0; /* -0 is stored as the integer 0 in a listpack, as Redis */
    char sbuf[128];
    size_t sl = t_zset_score_str(sbuf, sizeof(sbuf), score);
    unsigned char *p = ds_lp_first(lp);
    struct t_zset_el el;
    while (p != NULL) {
        lp_read(lp, p, &el);
        if (el_cmp(el.score, el.m, el.n, score, m, n) > 0)
            break;
        p = ds_lp_next(lp, ds_lp_next(lp, p));
    }
    if (p == NULL) {
        lp = ds_lp_append(lp, m, n);
        return ds_lp_append(lp, sbuf, sl);
    }
    unsigned char *np;
    lp = ds_lp_insert(lp, p, m, n, &np);
    /* the score goes right after the member, i.e. before the old entry now following it */
    return ds_lp_insert(lp, ds_lp_next(lp, np), sbuf, sl, NULL);
}

static unsigned char *lp_delete_at(unsigned char *lp, unsigned char *p)
{
    lp = ds_lp_delete(lp, &p);
    return ds_lp_delete(lp, &p);
}

/* ---- skiplist helpers ---- */

static struct zel *zel_new(const char *m, size_t n, double score)
{
    struct zel *e = core_malloc(sizeof(*e) + n);
    e->next = NULL;
    e->score = score;
    e->len = (uint32_t)n;
    if (n)
        memcpy(e->m, m, n);
    return e;
}

static void sk_init(struct t_zset *z)
{
    ds_hash_init(&z->h, zel_key);
    z->idx = ds_zidx_new(zel_cmp);
    z->el_bytes = 0;
}

static void sk_insert(struct t_zset *z, const char *m, size_t n, double score)
{
    struct zel *e = zel_new(m, n, score);
    ds_hash_add(&z->h, e);
    ds_zidx_insert(z->idx, e);
    z->el_bytes += sizeof(*e) + n;
}

static void sk_remove(struct t_zset *z, struct zel *e)
{
    ds_zidx_delete(z->idx, e);
    ds_hash_remove(&z->h, e->m, e->len);
    z->el_bytes -= sizeof(*e) + e->len;
    core_free(e);
}

static void zel_free_cb(void *e)
{
    core_free(e);
}

static void to_skiplist(struct t_zset *z)
{
    unsigned char *lp = z->lp;
    z->lp = NULL;
    sk_init(z);
    struct t_zset_el el;
    for (unsigned char *p = ds_lp_first(lp); p != NULL; p = ds_lp_next(lp, ds_lp_next(lp, p))) {
        lp_read(lp, p, &el);
        sk_insert(z, el.m, el.n, el.score);
    }
    ds_lp_free(lp);
}

/* ---- public ---- */

struct t_zset *t_zset_new(const struct t_zset_lim *lim, size_t size_hint, size_t max_len)
{
    struct t_zset *z = core_calloc(1, sizeof(*z));
    if (size_hint <= lim->entries && max_len <= lim->value)
        z->lp = ds_lp_new();
    else
        sk_init(z);
    return z;
}

void t_zset_free(struct t_zset *z)
{
    if (z == NULL)
        return;
    if (z->lp != NULL) {
        ds_lp_free(z->lp);
    } else {
        ds_zidx_free(z->idx);
        ds_hash_clear(&z->h, zel_free_cb);
    }
    core_free(z);
}

struct t_zset *t_zset_dup(const struct t_zset *z)
{
    struct t_zset *d = core_calloc(1, sizeof(*d));
    if (z->lp != NULL) {
        d->lp = ds_lp_dup(z->lp);
        return d;
    }
    sk_init(d);
    struct ds_zidx_it it;
    ds_zidx_it_at(z->idx, 0, &it);
    for (const struct zel *e; (e = ds_zidx_it_next(&it)) != NULL;)
        sk_insert(d, e->m, e->len, e->score);
    return d;
}

size_t t_zset_len(const struct t_zset *z)
{
    return z->lp != NULL ? ds_lp_count(z->lp) / 2 : ds_zidx_count(z->idx);
}

bool t_zset_is_listpack(const struct t_zset *z)
{
    return z->lp != NULL;
}

const char *t_zset_encoding(const struct t_zset *z)
{
    return z->lp != NULL ? "listpack" : "skiplist";
}

void t_zset_shrink_if_fits(struct t_zset *z, const struct t_zset_lim *lim)
{
    if (z->lp != NULL || ds_zidx_count(z->idx) > lim->entries)
        return;
    struct ds_zidx_it it;
    ds_zidx_it_at(z->idx, 0, &it);
    for (const struct zel *e; (e = ds_zidx_it_next(&it)) != NULL;)
        if (e->len > lim->value)
            return;
    unsigned char *lp = ds_lp_new();
    char sbuf[128];
    ds_zidx_it_at(z->idx, 0, &it);
    for (const struct zel *e; (e = ds_zidx_it_next(&it)) != NULL;) {
        lp = ds_lp_append(lp, e->m, e->len);
        lp = ds_lp_append(lp, sbuf, t_zset_score_str(sbuf, sizeof(sbuf), e->score == 0 ? 0 : e->score));
    }
    ds_zidx_free(z->idx);
    ds_hash_clear(&z->h, zel_free_cb);
    z->idx = NULL;
    z->lp = lp;
}

bool t_zset_score(const struct t_zset *z, const char *m, size_t n, double *score)
{
    if (z->lp != NULL) {
        unsigned char *p = lp_find(z->lp, m, n);
        if (p == NULL)
            return false;
        *score = lp_score_at(ds_lp_next(z->lp, p));
        return true;
    }
    const struct zel *e = ds_hash_find(&z->h, m, n);
    if (e == NULL)
        return false;
    *score = e->score;
    return true;
}

/* The score after applying in-flags to an existing member; false = leave it. */
static bool add_new_score(int in, double cur, double *score, int *out)
{
    if (in & T_ZSET_IN_INCR) {
        *score += cur;
        if (isnan(*score)) {
            *out = T_ZSET_OUT_NAN;
            return false;
        }
    }
    if (((in & T_ZSET_IN_LT) && *score >= cur) || ((in & T_ZSET_IN_GT) && *score <= cur)) {
        *out = T_ZSET_OUT_NOP;
        return false;
    }
    if (*score == cur) {
        *out = 0; /* processed, nothing to change (ZADD INCR by 0 still replies) */
        return false;
    }
    *out = T_ZSET_OUT_UPDATED;
    return true;
}

int t_zset_add(struct t_zset *z, const struct t_zset_lim *lim, const char *m, size_t n, double score, int in,
               double *newscore)
{
    if (isnan(score))
        return T_ZSET_OUT_NAN;
    double cur;
    int out = 0;
    if (t_zset_score(z, m, n, &cur)) {
        if (in & T_ZSET_IN_NX) {
            if (newscore)
                *newscore = cur;
            return T_ZSET_OUT_NOP;
        }
        if (!add_new_score(in, cur, &score, &out)) {
            if (newscore)
                *newscore = cur;
            return out;
        }
        if (newscore)
            *newscore = score;
        if (z->lp != NULL) {
            z->lp = lp_delete_at(z->lp, lp_find(z->lp, m, n));
            z->lp = lp_insert(z->lp, m, n, score);
        } else {
            struct zel *e = ds_hash_find(&z->h, m, n);
            ds_zidx_delete(z->idx, e);
            e->score = score;
            ds_zidx_insert(z->idx, e);
        }
        return out;
    }
    if (in & T_ZSET_IN_XX)
        return T_ZSET_OUT_NOP;
    if (newscore)
        *newscore = score;
    if (z->lp != NULL && (t_zset_len(z) + 1 > lim->entries || n > lim->value))
        to_skiplist(z);
    if (z->lp != NULL)
        z->lp = lp_insert(z->lp, m, n, score);
    else
        sk_insert(z, m, n, score);
    return T_ZSET_OUT_ADDED;
}

bool t_zset_del(struct t_zset *z, const char *m, size_t n)
{
    if (z->lp != NULL) {
        unsigned char *p = lp_find(z->lp, m, n);
        if (p == NULL)
            return false;
        z->lp = lp_delete_at(z->lp, p);
        return true;
    }
    struct zel *e = ds_hash_find(&z->h, m, n);
    if (e == NULL)
        return false;
    sk_remove(z, e);
    return true;
}

bool t_zset_rank(const struct t_zset *z, const char *m, size_t n, bool rev, size_t *rank, double *score)
{
    size_t r = 0, len = t_zset_len(z);
    if (z->lp != NULL) {
        unsigned char *p = ds_lp_first(z->lp);
        for (; p != NULL; p = ds_lp_next(z->lp, ds_lp_next(z->lp, p)), r++)
            if (ds_lp_eq(p, m, n))
                break;
        if (p == NULL)
            return false;
        if (score)
            *score = lp_score_at(ds_lp_next(z->lp, p));
    } else {
        const struct zel *e = ds_hash_find(&z->h, m, n);
        if (e == NULL)
            return false;
        r = ds_zidx_rank(z->idx, e);
        if (score)
            *score = e->score;
    }
    *rank = rev ? len - 1 - r : r;
    return true;
}

void t_zset_del_range(struct t_zset *z, size_t start, size_t end)
{
    if (z->lp != NULL) {
        z->lp = ds_lp_delete_range(z->lp, (long long)start * 2, (end - start + 1) * 2);
        return;
    }
    for (size_t i = start; i <= end; i++)
        sk_remove(z, ds_zidx_at(z->idx, start));
}

struct below_adapter {
    t_zset_below_fn fn;
    void *ud;
};

static bool below_zel(const void *elem, void *ud)
{
    const struct zel *e = elem;
    const struct below_adapter *a = ud;
    return a->fn(e->score, e->m, e->len, a->ud);
}

size_t t_zset_count_below(const struct t_zset *z, t_zset_below_fn below, void *ud)
{
    if (z->lp == NULL) {
        struct below_adapter a = {below, ud};
        return ds_zidx_count_below(z->idx, below_zel, &a);
    }
    size_t r = 0;
    struct t_zset_el el;
    for (unsigned char *p = ds_lp_first(z->lp); p != NULL; p = ds_lp_next(z->lp, ds_lp_next(z->lp, p)), r++) {
        lp_read(z->lp, p, &el);
        if (!below(el.score, el.m, el.n, ud))
            break;
    }
    return r;
}

void t_zset_it_init(struct t_zset_it *it, const struct t_zset *z, size_t rank, bool rev)
{
    it->z = z;
    it->rev = rev;
    it->p = NULL;
    if (z->lp != NULL) {
        if (rank < t_zset_len(z))
            it->p = ds_lp_seek(z->lp, (long long)rank * 2);
    } else {
        ds_zidx_it_at(z->idx, rank, &it->zit);
    }
}

bool t_zset_it_next(struct t_zset_it *it, struct t_zset_el *el)
{
    const struct t_zset *z = it->z;
    if (z->lp == NULL) {
        const struct zel *e = it->rev ? ds_zidx_it_prev(&it->zit) : ds_zidx_it_next(&it->zit);
        if (e == NULL)
            return false;
        el->m = e->m;
        el->n = e->len;
        el->score = e->score;
        return true;
    }
    if (it->p == NULL)
        return false;
    lp_read(z->lp, it->p, el);
    if (it->rev) {
        unsigned char *q = ds_lp_prev(z->lp, it->p);
        it->p = q != NULL ? ds_lp_prev(z->lp, q) : NULL;
    } else {
        it->p = ds_lp_next(z->lp, ds_lp_next(z->lp, it->p));
    }
    return true;
}

struct scan_adapter {
    void (*cb)(void *ud, const char *m, size_t n, double score);
    void *ud;
};

static void scan_zel(void *ud, const void *entry)
{
    const struct zel *e = entry;
    const struct scan_adapter *a = ud;
    a->cb(a->ud, e->m, e->len, e->score);
}

uint64_t t_zset_scan(const struct t_zset *z, uint64_t cursor,
                     void (*cb)(void *ud, const char *m, size_t n, double score), void *ud)
{
    if (z->lp == NULL) {
        struct scan_adapter a = {cb, ud};
        return ds_hash_scan(&z->h, cursor, scan_zel, &a);
    }
    struct t_zset_it it;
    struct t_zset_el el;
    t_zset_it_init(&it, z, 0, false);
    while (t_zset_it_next(&it, &el))
        cb(ud, el.m, el.n, el.score);
    return 0;
}

/* ---- obj.h hooks ---- */

static const char *hk_encoding(const void *v)
{
    return t_zset_encoding(v);
}

static size_t hk_length(const void *v)
{
    return t_zset_len(v);
}

static void hk_free(void *v)
{
    t_zset_free(v);
}

static void *hk_dup(const void *v)
{
    return t_zset_dup(v);
}

static int hk_rdb_type(const void *v)
{
    return t_zset_is_listpack(v) ? RDB_TYPE_ZSET_LISTPACK : RDB_TYPE_ZSET_2;
}

static int hk_rdb_write(struct rdb_enc *enc, const void *v)
{
    const struct t_zset *z = v;
    if (z->lp != NULL)
        return rdb_enc_str(enc, z->lp, ds_lp_bytes(z->lp));
    size_t n = ds_zidx_count(z->idx);
    if (rdb_enc_len(enc, n) < 0)
        return -1;
    /* highest first, as Redis walks its skiplist from the tail: loading then inserts at the head */
    if (n == 0)
        return 0;
    struct ds_zidx_it it;
    ds_zidx_it_at(z->idx, n - 1, &it);
    for (const struct zel *e; (e = ds_zidx_it_prev(&it)) != NULL;) {
        if (rdb_enc_str(enc, e->m, e->len) < 0 || rdb_enc_double(enc, e->score) < 0)
            return -1;
    }
    return 0;
}

static enum node_obj_load hk_rdb_load(const struct rdb_value *rv, const struct node_config *cfg, void **out,
                                      const char **why)
{
    struct rdb_iter it;
    if (rdb_iter_init(&it, rv) < 0) {
        *why = "bad zset encoding";
        return NODE_OBJ_LOAD_ERROR;
    }
    struct t_zset_lim lim = {(size_t)cfg->zset_max_listpack_entries, (size_t)cfg->zset_max_listpack_value};
    /* Redis keeps a loaded listpack (or ziplist) compact whatever its
     * members' lengths; only its element count can make it a skiplist */
    if (rv->type == RDB_TYPE_ZSET_LISTPACK || rv->type == RDB_TYPE_ZSET_ZIPLIST)
        lim.value = (size_t)-1;
    /* build as a skiplist (duplicate checks are O(1)), then shrink if it fits */
    struct t_zset *z = core_calloc(1, sizeof(*z));
    sk_init(z);
    struct rdb_elem el;
    int r;
    while ((r = rdb_iter_next(&it, &el)) == 1) {
        if (isnan(el.score)) {
            r = -2;
            break;
        }
        if (ds_hash_find(&z->h, el.s, el.len) != NULL) {
            r = -3;
            break;
        }
        sk_insert(z, (const char *)el.s, el.len, el.score);
    }
    rdb_iter_free(&it);
    if (r != 0) {
        *why = r == -3 ? "duplicate zset member" : r == -2 ? "zset score is NaN" : "corrupt zset value";
        t_zset_free(z);
        return NODE_OBJ_LOAD_ERROR;
    }
    if (t_zset_len(z) == 0) {
        t_zset_free(z);
        return NODE_OBJ_LOAD_EMPTY;
    }
    t_zset_shrink_if_fits(z, &lim);
    *out = z;
    return NODE_OBJ_LOAD_OK;
}

static void hk_digest(const void *v, uint8_t d[20])
{
    struct t_zset_it it;
    struct t_zset_el el;
    t_zset_it_init(&it, v, 0, false);
    while (t_zset_it_next(&it, &el)) {
        uint8_t e[20] = {0};
        char buf[128];
        int n = snprintf(buf, sizeof(buf), "%.17g", el.score);
        node_digest_mix(e, el.m, el.n);
        node_digest_mix(e, buf, (size_t)n);
        node_digest_xor(d, e, 20);
    }
}

static size_t hk_mem(const void *v)
{
    const struct t_zset *z = v;
    if (z->lp != NULL)
        return sizeof(*z) + ds_lp_bytes(z->lp);
    return sizeof(*z) + ds_hash_mem(&z->h) + ds_zidx_mem(z->idx) + z->el_bytes;
}

const struct node_obj_type node_zset_type = {
    .type = NODE_KS_ZSET,
    .name = "zset",
    .encoding = hk_encoding,
    .length = hk_length,
    .free = hk_free,
    .dup = hk_dup,
    .rdb_type = hk_rdb_type,
    .rdb_write = hk_rdb_write,
    .rdb_load = hk_rdb_load,
    .digest = hk_digest,
    .mem = hk_mem,
};

/* ---- ranges ---- */

static bool parse_score_bound(const char *s, size_t n, double *v, bool *ex)
{
    *ex = false;
    if (n > 0 && s[0] == '(') {
        *ex = true;
        s++;
        n--;
    }
    if (n == 0) {
        *v = 0; /* Redis's strtod of "" (or a bare "(") reads 0 */
        return true;
    }
    if (n >= 128)
        return false;
    char tmp[128];
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    char *end;
    double d = strtod(tmp, &end);
    if (end != tmp + n || isnan(d))
        return false;
    *v = d;
    return true;
}

bool t_zset_parse_srange(const char *min, size_t minl, const char *max, size_t maxl, struct t_zset_srange *r)
{
    return parse_score_bound(min, minl, &r->min, &r->minex) && parse_score_bound(max, maxl, &r->max, &r->maxex);
}

static bool parse_lex_bound(const char *s, size_t n, struct t_zset_lbound *b)
{
    if (n == 0)
        return false;
    b->s = s + 1;
    b->n = n - 1;
    b->ex = false;
    b->kind = 0;
    switch (s[0]) {
    case '+':
        if (n != 1)
            return false;
        b->kind = 1;
        return true;
    case '-':
        if (n != 1)
            return false;
        b->kind = -1;
        return true;
    case '(':
        b->ex = true;
        return true;
    case '[':
        return true;
    default:
        return false;
    }
}

bool t_zset_parse_lrange(const char *min, size_t minl, const char *max, size_t maxl, struct t_zset_lrange *r)
{
    return parse_lex_bound(min, minl, &r->min) && parse_lex_bound(max, maxl, &r->max);
}

/* below(): the element lies before the range's start */
static bool below_smin(double score, const char *m, size_t n, void *ud)
{
    const struct t_zset_srange *r = ud;
    (void)m;
    (void)n;
    return r->minex ? score <= r->min : score < r->min;
}

/* below(): the element is not after the range's end */
static bool below_smax(double score, const char *m, size_t n, void *ud)
{
    const struct t_zset_srange *r = ud;
    (void)m;
    (void)n;
    return r->maxex ? score < r->max : score <= r->max;
}

void t_zset_srange_ranks(const struct t_zset *z, const struct t_zset_srange *r, size_t *first, size_t *end)
{
    *first = t_zset_count_below(z, below_smin, (void *)r);
    *end = t_zset_count_below(z, below_smax, (void *)r);
}

static bool below_lmin(double score, const char *m, size_t n, void *ud)
{
    const struct t_zset_lbound *b = ud;
    (void)score;
    int c = mem_cmp(m, n, b->s, b->n);
    return b->ex ? c <= 0 : c < 0;
}

static bool below_lmax(double score, const char *m, size_t n, void *ud)
{
    const struct t_zset_lbound *b = ud;
    (void)score;
    int c = mem_cmp(m, n, b->s, b->n);
    return b->ex ? c < 0 : c <= 0;
}

static size_t lex_count(const struct t_zset *z, const struct t_zset_lbound *b, t_zset_below_fn fn)
{
    if (b->kind < 0)
        return 0;
    if (b->kind > 0)
        return t_zset_len(z);
    return t_zset_count_below(z, fn, (void *)b);
}

void t_zset_lrange_ranks(const struct t_zset *z, const struct t_zset_lrange *r, size_t *first, size_t *end)
{
    *first = lex_count(z, &r->min, below_lmin);
    *end = lex_count(z, &r->max, below_lmax);
}
