/*
 * cmd_set.c — the set commands: SADD SREM SCARD SISMEMBER SMISMEMBER
 * SMEMBERS SRANDMEMBER SPOP SMOVE SINTER SINTERCARD SINTERSTORE SUNION
 * SUNIONSTORE SDIFF SDIFFSTORE SSCAN, with redis-server 7.0.15's replies,
 * error texts, keyspace events and replication stream (SPOP is propagated
 * as SREM of what it popped, or DEL when it popped everything).
 *
 * Owns the semantics of these commands. Does not own the set value and its
 * encodings (t_set.c) nor the keyspace (ks.c).
 */
#include "node/commands.h"
#include "node/core/core.h"
#include "node/notify.h"
#include "node/propagate.h"
#include "node/t_set.h"
#include "node/util.h"
#include "node/watch.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* SREM entries SPOP with a count propagates carry at most this many
 * members each (Redis 7.0's batch size). */
#define SET_SPOP_BATCH 1024
/* SRANDMEMBER/SPOP pick from a copy of the whole set when the count is
 * more than a third of it; below, they draw and drop repeats (Redis's split). */
#define SET_RANDOM_COPY_RATIO 3

static const char ERR_POP_RANGE[] = "ERR value is out of range, must be positive";
static const char ERR_RAND_RANGE[] =
    "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807";

/* ---- helpers ---- */

/* The set at argv[i]: 1 and *ret_s set, 0 if absent, -1 after replying
 * WRONGTYPE. */
static int find_set(struct node_client *c, int i, unsigned flags, struct node_tset **ret_s)
{
    struct node_ks_entry *e = node_ks_find(c->srv->ks, c->argv[i], c->argl[i], flags);
    if (e == NULL)
        return 0;
    if (node_ks_entry_type(e) != NODE_KS_SET) {
        node_reply_error(&c->out, NODE_ERR_WRONGTYPE);
        return -1;
    }
    *ret_s = node_ks_entry_ptr(e);
    return 1;
}

static long long max_intset(const struct node_client *c)
{
    return c->srv->cfg.set_max_intset_entries;
}

static void notify_set(struct node_client *c, const char *event, int key)
{
    node_notify(c->srv, NODE_NOTIFY_SET, event, c->argv[key], c->argl[key]);
}

static void notify_del(struct node_client *c, int key)
{
    node_notify(c->srv, NODE_NOTIFY_GENERIC, "del", c->argv[key], c->argl[key]);
}

/* Owned copies of byte strings (members that outlive their set entry). */
struct strvec {
    char *buf;
    size_t len, cap;
    size_t *off; /* n + 1 offsets */
    size_t n, ncap;
};

static void strvec_init(struct strvec *v)
{
    memset(v, 0, sizeof(*v));
    v->off = core_malloc(sizeof(size_t));
    v->off[0] = 0;
}

static void strvec_push(struct strvec *v, const char *p, size_t len)
{
    if (v->len + len > v->cap) {
        v->cap = (v->len + len) * 2 + 64;
        v->buf = core_realloc(v->buf, v->cap);
    }
    if (v->n >= v->ncap) {
        v->ncap = v->ncap * 2 + 16;
        v->off = core_realloc(v->off, (v->ncap + 1) * sizeof(size_t));
    }
    if (len > 0)
        memcpy(v->buf + v->len, p, len);
    v->len += len;
    v->off[++v->n] = v->len;
}

static const char *strvec_at(const struct strvec *v, size_t i, size_t *len)
{
    *len = v->off[i + 1] - v->off[i];
    return v->buf + v->off[i];
}

static void strvec_free(struct strvec *v)
{
    core_free(v->buf);
    core_free(v->off);
}

static void strvec_push_cb(void *ud, const char *m, size_t len)
{
    strvec_push(ud, m, len);
}

/* ---- SADD SREM SCARD SISMEMBER SMISMEMBER ---- */

void node_cmd_sadd(struct node_client *c)
{
    struct node_tset *s = NULL;
    long long added = 0;
    int r = find_set(c, 1, 0, &s);

    if (r < 0)
        return;
    if (r == 0) {
        s = node_tset_new(c->argv[2], c->argl[2]);
        node_ks_set_ptr(c->srv->ks, c->argv[1], c->argl[1], NODE_KS_SET, s, -1, 0);
        node_notify(c->srv, NODE_NOTIFY_NEW, "new", c->argv[1], c->argl[1]);
    }
    for (int j = 2; j < c->argc; j++)
        if (node_tset_add(s, c->argv[j], c->argl[j], max_intset(c)))
            added++;
    if (added > 0) {
        node_key_modified(c->srv, c->argv[1], c->argl[1]);
        notify_set(c, "sadd", 1);
    }
    node_server_dirty(c->srv, (uint64_t)added);
    node_reply_int(&c->out, added);
}

void node_cmd_srem(struct node_client *c)
{
    struct node_tset *s = NULL;
    long long removed = 0;
    bool deleted = false;
    int r = find_set(c, 1, 0, &s);

    if (r <= 0) {
        if (r == 0)
            node_reply_int(&c->out, 0);
        return;
    }
    for (int j = 2; j < c->argc; j++) {
        if (node_tset_remove(s, c->argv[j], c->argl[j]))
            removed++;
        if (node_tset_len(s) == 0) {
            node_ks_delete(c->srv->ks, c->argv[1], c->argl[1]);
            deleted = true;
            break;
        }
    }
    if (removed > 0) {
        node_key_modified(c->srv, c->argv[1], c->argl[1]);
        notify_set(c, "srem", 1);
        if (deleted)
            notify_del(c, 1);
    }
    node_server_dirty(c->srv, (uint64_t)removed);
    node_reply_int(&c->out, removed);
}

void node_cmd_scard(struct node_client *c)
{
    struct node_tset *s = NULL;
    int r = find_set(c, 1, NODE_KS_READ, &s);

    if (r >= 0)
        node_reply_int(&c->out, r ? (long long)node_tset_len(s) : 0);
}

void node_cmd_sismember(struct node_client *c)
{
    struct node_tset *s = NULL;
    int r = find_set(c, 1, NODE_KS_READ, &s);

    if (r >= 0)
        node_reply_int(&c->out, r && node_tset_has(s, c->argv[2], c->argl[2]));
}

void node_cmd_smismember(struct node_client *c)
{
    struct node_tset *s = NULL;
    int r = find_set(c, 1, NODE_KS_READ, &s);

    if (r < 0)
        return;
    node_reply_array(&c->out, c->argc - 2);
    for (int j = 2; j < c->argc; j++)
        node_reply_int(&c->out, r && node_tset_has(s, c->argv[j], c->argl[j]));
}

static void reply_members(struct node_out *o, const struct node_tset *s)
{
    struct node_tset_iter it;
    const char *m;
    size_t len;

    node_tset_iter_init(&it, s);
    while (node_tset_iter_next(&it, &m, &len))
        node_reply_bulk(o, m, len);
}

void node_cmd_smembers(struct node_client *c)
{
    struct node_tset *s = NULL;
    int r = find_set(c, 1, NODE_KS_READ, &s);

    if (r < 0)
        return;
    if (r == 0) {
        node_reply_set(&c->out, 0);
        return;
    }
    node_reply_set(&c->out, (long long)node_tset_len(s));
    reply_members(&c->out, s);
}

/* ---- SRANDMEMBER SPOP ---- */

/*
 * Appends count distinct random members of s (count < len) to out. A large
 * share is drawn by a partial shuffle of a copy of the whole set; a small
 * one by drawing at random and dropping repeats, so the cost stays about
 * count and not the set's size.
 */
static void pick_distinct(const struct node_tset *s, size_t count, struct strvec *out)
{
    size_t n = node_tset_len(s);

    if (count * SET_RANDOM_COPY_RATIO > n) {
        struct strvec all;
        struct node_tset_iter it;
        const char *m;
        size_t len;
        size_t *perm = core_malloc(n * sizeof(*perm));

        strvec_init(&all);
        node_tset_iter_init(&it, s);
        while (node_tset_iter_next(&it, &m, &len))
            strvec_push(&all, m, len);
        for (size_t i = 0; i < n; i++)
            perm[i] = i;
        for (size_t i = 0; i < count; i++) {
            size_t j = i + (size_t)(core_random_u64() % (n - i));
            size_t t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
            m = strvec_at(&all, perm[i], &len);
            strvec_push(out, m, len);
        }
        core_free(perm);
        strvec_free(&all);
        return;
    }
    /* the picks so far, as a hashtable set: "" is not an integer */
    struct node_tset *seen = node_tset_new("", 0);
    while (out->n < count) {
        char buf[NODE_KS_INTBUF];
        const char *m;
        size_t len;
        node_tset_random(s, core_random_u64(), buf, &m, &len);
        if (node_tset_add(seen, m, len, 0))
            strvec_push(out, m, len);
    }
    node_tset_free(seen);
}

static void srandmember_count(struct node_client *c)
{
    struct node_tset *s = NULL;
    long long count;
    char buf[NODE_KS_INTBUF];
    const char *m;
    size_t len;

    if (!node_arg_ll(c, 2, &count, NULL))
        return;
    if (count == LLONG_MIN) {
        node_reply_error(&c->out, ERR_RAND_RANGE);
        return;
    }
    int r = find_set(c, 1, NODE_KS_READ, &s);
    if (r <= 0) {
        if (r == 0)
            node_reply_array(&c->out, 0);
        return;
    }
    size_t n = node_tset_len(s);
    if (count < 0) {
        /* repeats allowed: -count independent draws */
        node_reply_array(&c->out, -count);
        for (long long i = 0; i < -count; i++) {
            node_tset_random(s, core_random_u64(), buf, &m, &len);
            node_reply_bulk(&c->out, m, len);
        }
        return;
    }
    if ((unsigned long long)count >= n) {
        node_reply_array(&c->out, (long long)n);
        reply_members(&c->out, s);
        return;
    }
    struct strvec picks;
    strvec_init(&picks);
    pick_distinct(s, (size_t)count, &picks);
    node_reply_array(&c->out, (long long)picks.n);
    for (size_t i = 0; i < picks.n; i++) {
        m = strvec_at(&picks, i, &len);
        node_reply_bulk(&c->out, m, len);
    }
    strvec_free(&picks);
}

void node_cmd_srandmember(struct node_client *c)
{
    struct node_tset *s = NULL;
    char buf[NODE_KS_INTBUF];
    const char *m;
    size_t len;

    if (c->argc == 3) {
        srandmember_count(c);
        return;
    }
    if (c->argc > 3) {
        node_reply_error(&c->out, NODE_ERR_SYNTAX);
        return;
    }
    int r = find_set(c, 1, NODE_KS_READ, &s);
    if (r <= 0) {
        if (r == 0)
            node_reply_null(&c->out);
        return;
    }
    node_tset_random(s, core_random_u64(), buf, &m, &len);
    node_reply_bulk(&c->out, m, len);
}

/* SPOP key count that takes every member: the reply is the whole set, the
 * key goes, and the replicas get DEL. */
static void spop_all(struct node_client *c, struct node_tset *s)
{
    static const char *const del = "DEL";
    const char *argv[2] = {del, c->argv[1]};
    size_t argl[2] = {3, c->argl[1]};

    node_reply_set(&c->out, (long long)node_tset_len(s));
    reply_members(&c->out, s);
    node_ks_delete(c->srv->ks, c->argv[1], c->argl[1]);
    notify_del(c, 1);
    node_prop_rewrite(c, 2, argv, argl);
    node_key_modified(c->srv, c->argv[1], c->argl[1]);
}

/* Propagates the popped members as SREM key m... in batches. */
static void spop_propagate(struct node_client *c, const struct strvec *popped)
{
    const char **argv = core_malloc((SET_SPOP_BATCH + 2) * sizeof(*argv));
    size_t *argl = core_malloc((SET_SPOP_BATCH + 2) * sizeof(*argl));
    bool first = true;

    argv[0] = "SREM";
    argl[0] = 4;
    argv[1] = c->argv[1];
    argl[1] = c->argl[1];
    for (size_t i = 0; i < popped->n;) {
        int argc = 2;
        for (; i < popped->n && argc < SET_SPOP_BATCH + 2; i++, argc++)
            argv[argc] = strvec_at(popped, i, &argl[argc]);
        if (first)
            node_prop_rewrite(c, argc, argv, argl);
        else
            node_prop_also(c, argc, argv, argl);
        first = false;
    }
    core_free(argv);
    core_free(argl);
}

static void spop_count(struct node_client *c)
{
    struct node_tset *s = NULL;
    long long count;

    if (!node_arg_ll(c, 2, &count, ERR_POP_RANGE))
        return;
    if (count < 0) {
        node_reply_error(&c->out, ERR_POP_RANGE);
        return;
    }
    int r = find_set(c, 1, 0, &s);
    if (r <= 0 || count == 0) {
        if (r >= 0)
            node_reply_set(&c->out, 0);
        return;
    }
    notify_set(c, "spop", 1);
    node_server_dirty(c->srv, (uint64_t)count);
    if ((unsigned long long)count >= node_tset_len(s)) {
        spop_all(c, s);
        return;
    }
    struct strvec popped;
    strvec_init(&popped);
    pick_distinct(s, (size_t)count, &popped);
    node_reply_set(&c->out, (long long)popped.n);
    for (size_t i = 0; i < popped.n; i++) {
        size_t len;
        const char *m = strvec_at(&popped, i, &len);
        node_tset_remove(s, m, len);
        node_reply_bulk(&c->out, m, len);
    }
    spop_propagate(c, &popped);
    node_key_modified(c->srv, c->argv[1], c->argl[1]);
    strvec_free(&popped);
}

void node_cmd_spop(struct node_client *c)
{
    struct node_tset *s = NULL;
    char buf[NODE_KS_INTBUF];
    const char *m;
    size_t len;

    if (c->argc == 3) {
        spop_count(c);
        return;
    }
    if (c->argc > 3) {
        node_reply_error(&c->out, NODE_ERR_SYNTAX);
        return;
    }
    int r = find_set(c, 1, 0, &s);
    if (r <= 0) {
        if (r == 0)
            node_reply_null(&c->out);
        return;
    }
    node_tset_random(s, core_random_u64(), buf, &m, &len);
    struct strvec popped;
    strvec_init(&popped);
    strvec_push(&popped, m, len);
    m = strvec_at(&popped, 0, &len);
    node_tset_remove(s, m, len);
    notify_set(c, "spop", 1);
    spop_propagate(c, &popped);
    node_reply_bulk(&c->out, m, len);
    if (node_tset_len(s) == 0) {
        node_ks_delete(c->srv->ks, c->argv[1], c->argl[1]);
        notify_del(c, 1);
    }
    node_key_modified(c->srv, c->argv[1], c->argl[1]);
    node_server_dirty(c->srv, 1);
    strvec_free(&popped);
}

/* ---- SMOVE ---- */

void node_cmd_smove(struct node_client *c)
{
    struct node_ks *ks = c->srv->ks;
    struct node_ks_entry *se = node_ks_find(ks, c->argv[1], c->argl[1], 0);
    struct node_ks_entry *de = node_ks_find(ks, c->argv[2], c->argl[2], 0);
    const char *m = c->argv[3];
    size_t len = c->argl[3];

    if (se == NULL) {
        node_reply_int(&c->out, 0);
        return;
    }
    if (node_ks_entry_type(se) != NODE_KS_SET || (de != NULL && node_ks_entry_type(de) != NODE_KS_SET)) {
        node_reply_error(&c->out, NODE_ERR_WRONGTYPE);
        return;
    }
    struct node_tset *src = node_ks_entry_ptr(se);
    struct node_tset *dst = de ? node_ks_entry_ptr(de) : NULL;
    if (src == dst) {
        node_reply_int(&c->out, node_tset_has(src, m, len));
        return;
    }
    if (!node_tset_remove(src, m, len)) {
        node_reply_int(&c->out, 0);
        return;
    }
    notify_set(c, "srem", 1);
    if (node_tset_len(src) == 0) {
        node_ks_delete_entry(ks, se);
        notify_del(c, 1);
    }
    if (dst == NULL) {
        dst = node_tset_new(m, len);
        node_ks_set_ptr(ks, c->argv[2], c->argl[2], NODE_KS_SET, dst, -1, 0);
        node_notify(c->srv, NODE_NOTIFY_NEW, "new", c->argv[2], c->argl[2]);
    }
    node_key_modified(c->srv, c->argv[1], c->argl[1]);
    node_server_dirty(c->srv, 1);
    if (node_tset_add(dst, m, len, max_intset(c))) {
        node_server_dirty(c->srv, 1);
        node_key_modified(c->srv, c->argv[2], c->argl[2]);
        notify_set(c, "sadd", 2);
    }
    node_reply_int(&c->out, 1);
}

/* ---- SINTER SINTERCARD SUNION SDIFF and their STORE forms ---- */

/* The sets of argv[first .. first+n): sets[i] NULL for a missing key.
 * False after replying WRONGTYPE (every key is checked, as 7.0 does). */
static bool load_sets(struct node_client *c, int first, int n, bool write, struct node_tset **sets)
{
    for (int i = 0; i < n; i++) {
        sets[i] = NULL;
        if (find_set(c, first + i, write ? 0 : NODE_KS_READ, &sets[i]) < 0)
            return false;
    }
    return true;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = node_tset_len(*(struct node_tset *const *)a), y = node_tset_len(*(struct node_tset *const *)b);
    return x < y ? -1 : x > y;
}

/* Calls fn for every member of the intersection of sets[0..n) (none NULL). */
static void inter_each(struct node_tset **sets, int n, size_t limit, void (*fn)(void *ud, const char *m, size_t len),
                       void *ud)
{
    struct node_tset_iter it;
    const char *m;
    size_t len, found = 0;

    qsort(sets, (size_t)n, sizeof(*sets), cmp_size);
    node_tset_iter_init(&it, sets[0]);
    while (node_tset_iter_next(&it, &m, &len)) {
        int j = 1;
        while (j < n && (sets[j] == sets[0] || node_tset_has(sets[j], m, len)))
            j++;
        if (j < n)
            continue;
        fn(ud, m, len);
        if (++found == limit)
            break;
    }
}

static void count_cb(void *ud, const char *m, size_t len)
{
    (void)m;
    (void)len;
    (*(size_t *)ud)++;
}

/* The result of a STORE form, built member by member: an intset until a
 * member says otherwise, as Redis's createIntsetObject + setTypeAdd. */
struct dst_build {
    struct node_tset *s;
    long long max_is;
};

static void dst_add(void *ud, const char *m, size_t len)
{
    struct dst_build *b = ud;
    if (b->s == NULL)
        b->s = node_tset_new(m, len);
    node_tset_add(b->s, m, len, b->max_is);
}

enum set_op { SET_OP_INTER, SET_OP_UNION, SET_OP_DIFF };

static void union_diff(struct node_tset **sets, int n, enum set_op op, struct dst_build *b)
{
    struct node_tset_iter it;
    const char *m;
    size_t len;

    if (op == SET_OP_UNION) {
        for (int i = 0; i < n; i++) {
            if (sets[i] == NULL)
                continue;
            node_tset_iter_init(&it, sets[i]);
            while (node_tset_iter_next(&it, &m, &len))
                dst_add(b, m, len);
        }
        return;
    }
    if (sets[0] == NULL)
        return;
    node_tset_iter_init(&it, sets[0]);
    while (node_tset_iter_next(&it, &m, &len)) {
        int j = 1;
        while (j < n && (sets[j] == NULL || (sets[j] != sets[0] && !node_tset_has(sets[j], m, len))))
            j++;
        if (j == n)
            dst_add(b, m, len);
    }
}

/* Stores b's result at argv[dst] (or deletes argv[dst] when empty) and
 * replies its size, as Redis's *STORE commands. */
static void store_result(struct node_client *c, int dst, struct dst_build *b, const char *event)
{
    if (b->s != NULL && node_tset_len(b->s) > 0) {
        long long n = (long long)node_tset_len(b->s);
        bool existed = node_ks_find(c->srv->ks, c->argv[dst], c->argl[dst], NODE_KS_NOTOUCH) != NULL;
        node_ks_set_ptr(c->srv->ks, c->argv[dst], c->argl[dst], NODE_KS_SET, b->s, -1, 0);
        if (!existed)
            node_notify(c->srv, NODE_NOTIFY_NEW, "new", c->argv[dst], c->argl[dst]);
        node_key_modified(c->srv, c->argv[dst], c->argl[dst]);
        node_reply_int(&c->out, n);
        notify_set(c, event, dst);
        node_server_dirty(c->srv, 1);
        return;
    }
    node_tset_free(b->s);
    node_reply_int(&c->out, 0);
    if (node_ks_delete(c->srv->ks, c->argv[dst], c->argl[dst])) {
        node_server_dirty(c->srv, 1);
        node_key_modified(c->srv, c->argv[dst], c->argl[dst]);
        notify_del(c, dst);
    }
}

static void reply_built(struct node_client *c, struct dst_build *b)
{
    if (b->s == NULL) {
        node_reply_set(&c->out, 0);
        return;
    }
    node_reply_set(&c->out, (long long)node_tset_len(b->s));
    reply_members(&c->out, b->s);
    node_tset_free(b->s);
}

static void reply_inter_cb(void *ud, const char *m, size_t len)
{
    struct strvec *v = ud;
    strvec_push(v, m, len);
}

/* SINTER/SUNION/SDIFF (dst 0) and their STORE forms (dst 1): the sets are
 * argv[first..argc). */
static void set_op_generic(struct node_client *c, enum set_op op, int dst, const char *event)
{
    int first = dst ? 2 : 1, n = c->argc - first;
    struct node_tset **sets = core_malloc((size_t)n * sizeof(*sets));
    struct dst_build b = {.s = NULL, .max_is = max_intset(c)};
    bool any_missing = false;

    if (!load_sets(c, first, n, dst != 0, sets)) {
        core_free(sets);
        return;
    }
    for (int i = 0; i < n; i++)
        any_missing |= sets[i] == NULL;
    if (op == SET_OP_INTER && !any_missing) {
        if (dst) {
            inter_each(sets, n, 0, dst_add, &b);
        } else {
            /* streamed into a buffer first: the reply needs the count */
            struct strvec v;
            strvec_init(&v);
            inter_each(sets, n, 0, reply_inter_cb, &v);
            node_reply_set(&c->out, (long long)v.n);
            for (size_t i = 0; i < v.n; i++) {
                size_t len;
                const char *m = strvec_at(&v, i, &len);
                node_reply_bulk(&c->out, m, len);
            }
            strvec_free(&v);
            core_free(sets);
            return;
        }
    } else if (op != SET_OP_INTER) {
        union_diff(sets, n, op, &b);
    }
    core_free(sets);
    if (dst)
        store_result(c, dst, &b, event);
    else
        reply_built(c, &b);
}

void node_cmd_sinter(struct node_client *c)
{
    set_op_generic(c, SET_OP_INTER, 0, NULL);
}

void node_cmd_sinterstore(struct node_client *c)
{
    set_op_generic(c, SET_OP_INTER, 1, "sinterstore");
}

void node_cmd_sunion(struct node_client *c)
{
    set_op_generic(c, SET_OP_UNION, 0, NULL);
}

void node_cmd_sunionstore(struct node_client *c)
{
    set_op_generic(c, SET_OP_UNION, 1, "sunionstore");
}

void node_cmd_sdiff(struct node_client *c)
{
    set_op_generic(c, SET_OP_DIFF, 0, NULL);
}

void node_cmd_sdiffstore(struct node_client *c)
{
    set_op_generic(c, SET_OP_DIFF, 1, "sdiffstore");
}

/* SINTERCARD numkeys key... [LIMIT limit]: numkeys, or 0 after replying. */
static long long sintercard_args(struct node_client *c, long long *ret_limit)
{
    long long numkeys, limit = 0;

    if (!node_arg_ll(c, 1, &numkeys, "ERR numkeys should be greater than 0"))
        return 0;
    if (numkeys < 1) {
        node_reply_error(&c->out, "ERR numkeys should be greater than 0");
        return 0;
    }
    if (numkeys > c->argc - 2) {
        node_reply_error(&c->out, "ERR Number of keys can't be greater than number of args");
        return 0;
    }
    for (int j = 2 + (int)numkeys; j < c->argc; j++) {
        if (node_arg_is(c, j, "limit") && j + 1 < c->argc) {
            j++;
            if (!node_arg_ll(c, j, &limit, "ERR LIMIT can't be negative"))
                return 0;
            if (limit < 0) {
                node_reply_error(&c->out, "ERR LIMIT can't be negative");
                return 0;
            }
        } else {
            node_reply_error(&c->out, NODE_ERR_SYNTAX);
            return 0;
        }
    }
    *ret_limit = limit;
    return numkeys;
}

void node_cmd_sintercard(struct node_client *c)
{
    long long limit = 0;
    long long n = sintercard_args(c, &limit);
    size_t found = 0;

    if (n == 0)
        return;
    struct node_tset **sets = core_malloc((size_t)n * sizeof(*sets));
    if (!load_sets(c, 2, (int)n, false, sets)) {
        core_free(sets);
        return;
    }
    bool any_missing = false;
    for (int i = 0; i < n; i++)
        any_missing |= sets[i] == NULL;
    if (!any_missing)
        inter_each(sets, (int)n, (size_t)limit, count_cb, &found);
    core_free(sets);
    node_reply_int(&c->out, (long long)found);
}

int node_sintercard_getkeys(int argc, const char **argv, const size_t *argl, int *idx, int idx_cap)
{
    return node_cmd_numkeys_getkeys(argc, argv, argl, 1, 0, idx, idx_cap);
}

/* ---- SSCAN ---- */



void node_cmd_sscan(struct node_client *c)
{
    struct node_tset *s = NULL;
    uint64_t cursor;
    struct node_scan_opts o;

    if (!node_util_parse_cursor(c->argv[2], c->argl[2], &cursor)) {
        node_reply_error(&c->out, "ERR invalid cursor");
        return;
    }
    int r = find_set(c, 1, NODE_KS_READ, &s);
    if (r <= 0) {
        if (r == 0) {
            node_reply_array(&c->out, 2);
            node_reply_cursor(&c->out, 0);
            node_reply_array(&c->out, 0);
        }
        return;
    }
    if (!node_scan_parse_opts(c, 3, false, &o))
        return;
    long long count = o.count;
    struct strvec got;
    strvec_init(&got);
    /* as Redis: one bucket at a time until COUNT members were collected or
     * ten times COUNT buckets were visited */
    unsigned long long steps = (unsigned long long)count > ULLONG_MAX / 10 ? ULLONG_MAX : (unsigned long long)count * 10;
    do {
        cursor = node_tset_scan(s, cursor, strvec_push_cb, &got);
    } while (cursor != 0 && steps-- > 0 && got.n < (unsigned long long)count);

    /* Matched once: the kept members' indexes, then the reply. */
    size_t *keep = core_malloc((got.n ? got.n : 1) * sizeof(*keep));
    size_t nkeep = 0;
    for (size_t i = 0; i < got.n; i++) {
        size_t len;
        const char *m = strvec_at(&got, i, &len);
        if (!o.pat || node_util_glob_match(o.pat, o.plen, m, len, false))
            keep[nkeep++] = i;
    }
    node_reply_array(&c->out, 2);
    node_reply_cursor(&c->out, cursor);
    node_reply_array(&c->out, (long long)nkeep);
    for (size_t i = 0; i < nkeep; i++) {
        size_t len;
        const char *m = strvec_at(&got, keep[i], &len);
        node_reply_bulk(&c->out, m, len);
    }
    core_free(keep);
    strvec_free(&got);
}
