/*
 * test_t_set.c — the set value (node/t_set.c): intset -> hashtable
 * conversion (non-integer member, entries threshold), random operations
 * against a reference model, RDB bodies round trip through the type hooks,
 * and every set encoding of redis-server 7.0.15's all-types.rdb loads with
 * Redis's members and encoding.
 */
#include <criterion/criterion.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "node/config.h"
#include "node/digest.h"
#include "node/obj.h"
#include "node/t_set.h"
#include "replication/rdb.h"
#include "testjson.h"

static const char *enc(const struct node_tset *s)
{
    return node_set_type.encoding(s);
}

static struct node_tset *make(const char *const *m, size_t n, long long max_is)
{
    struct node_tset *s = node_tset_new(m[0], strlen(m[0]));
    for (size_t i = 0; i < n; i++)
        node_tset_add(s, m[i], strlen(m[i]), max_is);
    return s;
}

Test(t_set, intset_until_a_non_integer)
{
    const char *m[] = {"3", "1", "-2", "9223372036854775807", "-9223372036854775808"};
    struct node_tset *s = make(m, 5, 512);
    cr_assert_str_eq(enc(s), "intset");
    cr_assert_eq(node_tset_len(s), 5);
    cr_assert(!node_tset_add(s, "1", 1, 512));
    cr_assert(node_tset_has(s, "-2", 2));
    cr_assert(!node_tset_has(s, "01", 2));
    cr_assert(!node_tset_remove(s, "x", 1));
    cr_assert_str_eq(enc(s), "intset");
    cr_assert(node_tset_add(s, "a", 1, 512));
    cr_assert_str_eq(enc(s), "hashtable");
    cr_assert_eq(node_tset_len(s), 6);
    for (size_t i = 0; i < 5; i++)
        cr_assert(node_tset_has(s, m[i], strlen(m[i])), "%s lost in the conversion", m[i]);
    /* never back, even when only integers remain */
    cr_assert(node_tset_remove(s, "a", 1));
    cr_assert_str_eq(enc(s), "hashtable");
    node_tset_free(s);
}

Test(t_set, non_canonical_integers_are_strings)
{
    const char *odd[] = {"01", "+1", " 1", "1 ", "", "-0", "9223372036854775808", "1.0"};
    for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
        struct node_tset *s = node_tset_new("1", 1);
        node_tset_add(s, "1", 1, 512);
        cr_assert_str_eq(enc(s), "intset");
        node_tset_add(s, odd[i], strlen(odd[i]), 512);
        cr_assert_str_eq(enc(s), "hashtable", "'%s' kept the intset", odd[i]);
        cr_assert_eq(node_tset_len(s), 2);
        node_tset_free(s);
    }
    struct node_tset *s = node_tset_new("x", 1);
    cr_assert_str_eq(enc(s), "hashtable");
    node_tset_free(s);
}

Test(t_set, intset_entries_threshold)
{
    struct node_tset *s = node_tset_new("0", 1);
    char buf[32];
    for (int i = 0; i < 4; i++) {
        int n = snprintf(buf, sizeof(buf), "%d", i * 1000);
        node_tset_add(s, buf, (size_t)n, 4);
    }
    cr_assert_str_eq(enc(s), "intset");
    node_tset_add(s, "0", 1, 4); /* a repeat does not count */
    cr_assert_str_eq(enc(s), "intset");
    node_tset_add(s, "7", 1, 4);
    cr_assert_str_eq(enc(s), "hashtable");
    cr_assert_eq(node_tset_len(s), 5);
    cr_assert(node_tset_has(s, "3000", 4));
    node_tset_free(s);
    /* limit 0: even the first member converts */
    s = node_tset_new("5", 1);
    node_tset_add(s, "5", 1, 0);
    cr_assert_str_eq(enc(s), "hashtable");
    node_tset_free(s);
}

/* ---- random operations against a reference model ---- */

#define MODEL_UNIVERSE 400

static uint64_t rnd_state = 42;

static uint64_t rnd(void)
{
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 7;
    rnd_state ^= rnd_state << 17;
    return rnd_state;
}

/* Universe element i: integers for even i, words for odd i. */
static size_t elem(size_t i, char *buf)
{
    return (size_t)(i % 2 ? sprintf(buf, "w%zu", i) : sprintf(buf, "%lld", (long long)i * 1000003 - 200000000));
}

static void check_model(const struct node_tset *s, const bool *in)
{
    size_t n = 0, seen = 0;
    char buf[32];
    for (size_t i = 0; i < MODEL_UNIVERSE; i++) {
        size_t len = elem(i, buf);
        cr_assert_eq(node_tset_has(s, buf, len), in[i], "membership of %s", buf);
        n += in[i];
    }
    cr_assert_eq(node_tset_len(s), n);
    struct node_tset_iter it;
    const char *m;
    size_t len;
    node_tset_iter_init(&it, s);
    while (node_tset_iter_next(&it, &m, &len))
        seen++;
    cr_assert_eq(seen, n);
}

Test(t_set, random_ops_vs_model)
{
    for (int round = 0; round < 4; round++) {
        bool in[MODEL_UNIVERSE] = {false};
        bool ints_only = round % 2 == 0;
        long long max_is = round < 2 ? 64 : 512;
        struct node_tset *s = node_tset_new("0", 1);
        char buf[32];
        for (int op = 0; op < 20000; op++) {
            size_t i = (size_t)(rnd() % MODEL_UNIVERSE);
            if (ints_only)
                i &= ~(size_t)1;
            size_t len = elem(i, buf);
            if (rnd() % 3) {
                cr_assert_eq(node_tset_add(s, buf, len, max_is), !in[i]);
                in[i] = true;
            } else {
                cr_assert_eq(node_tset_remove(s, buf, len), in[i]);
                in[i] = false;
            }
            if (op % 1000 == 0)
                check_model(s, in);
        }
        check_model(s, in);
        /* a random pick is a member */
        for (int k = 0; k < 100 && node_tset_len(s) > 0; k++) {
            const char *m;
            size_t len;
            node_tset_random(s, rnd(), buf, &m, &len);
            cr_assert(node_tset_has(s, m, len));
        }
        struct node_tset *d = node_tset_dup(s);
        check_model(d, in);
        cr_assert_str_eq(enc(d), enc(s));
        node_tset_free(d);
        node_tset_free(s);
    }
}

struct scan_acc {
    size_t calls;
    struct node_tset *got;
};

static void scan_cb(void *ud, const char *m, size_t len)
{
    struct scan_acc *a = ud;
    a->calls++;
    node_tset_add(a->got, m, len, 0);
}

Test(t_set, scan_returns_everything)
{
    char buf[32];
    struct node_tset *s = node_tset_new("x", 1);
    for (int i = 0; i < 3000; i++)
        node_tset_add(s, buf, (size_t)sprintf(buf, "m%d", i), 512);
    struct scan_acc a = {0, node_tset_new("x", 1)};
    uint64_t cursor = 0;
    do {
        cursor = node_tset_scan(s, cursor, scan_cb, &a);
    } while (cursor != 0);
    cr_assert_eq(node_tset_len(a.got), 3000);
    node_tset_free(a.got);
    node_tset_free(s);
    /* an intset answers in one step */
    s = node_tset_new("1", 1);
    node_tset_add(s, "1", 1, 512);
    node_tset_add(s, "2", 1, 512);
    a = (struct scan_acc){0, node_tset_new("x", 1)};
    cr_assert_eq(node_tset_scan(s, 0, scan_cb, &a), 0);
    cr_assert_eq(a.calls, 2);
    node_tset_free(a.got);
    node_tset_free(s);
}

/* ---- RDB ---- */

static struct node_config cfg_with(long long max_is)
{
    struct node_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.set_max_intset_entries = max_is;
    return cfg;
}

/* Writes s with the hooks and loads it back with max_is. */
static struct node_tset *round_trip(const struct node_tset *s, long long max_is, int *ret_type)
{
    struct rdb_enc e;
    rdb_enc_init(&e, NULL, NULL, true, true);
    int type = node_set_type.rdb_type(s);
    cr_assert_eq(node_set_type.rdb_write(&e, s), 0);
    struct rdb_value rv = {.type = type, .body = e.buf, .body_len = e.len};
    struct node_config cfg = cfg_with(max_is);
    void *out = NULL;
    const char *why = NULL;
    cr_assert_eq(node_set_type.rdb_load(&rv, &cfg, &out, &why), NODE_OBJ_LOAD_OK, "load: %s", why ? why : "");
    rdb_enc_free(&e);
    *ret_type = type;
    return out;
}

static bool same_members(const struct node_tset *a, const struct node_tset *b)
{
    struct node_tset_iter it;
    const char *m;
    size_t len;
    if (node_tset_len(a) != node_tset_len(b))
        return false;
    node_tset_iter_init(&it, a);
    while (node_tset_iter_next(&it, &m, &len))
        if (!node_tset_has(b, m, len))
            return false;
    return true;
}

Test(t_set, rdb_round_trip)
{
    char buf[64];
    struct node_tset *is = node_tset_new("1", 1), *ht = node_tset_new("a", 1);
    for (int i = 0; i < 300; i++) {
        node_tset_add(is, buf, (size_t)sprintf(buf, "%lld", (long long)i * 98765431 - 7), 512);
        node_tset_add(ht, buf, (size_t)sprintf(buf, "member-%d-with-some-bytes-to-compress", i), 512);
    }
    node_tset_add(ht, "", 0, 512);
    int type;
    struct node_tset *b = round_trip(is, 512, &type);
    cr_assert_eq(type, RDB_TYPE_SET_INTSET);
    cr_assert(same_members(is, b));
    cr_assert_str_eq(enc(b), "intset");
    node_tset_free(b);
    /* loaded past a lower limit: a hashtable */
    b = round_trip(is, 100, &type);
    cr_assert_str_eq(enc(b), "hashtable");
    cr_assert(same_members(is, b));
    node_tset_free(b);
    b = round_trip(ht, 512, &type);
    cr_assert_eq(type, RDB_TYPE_SET);
    cr_assert_str_eq(enc(b), "hashtable");
    cr_assert(same_members(ht, b));
    node_tset_free(b);
    /* a hashtable of integers only comes back as an intset when it fits */
    struct node_tset *ints = node_tset_new("1", 1);
    node_tset_add(ints, "1", 1, 0);
    node_tset_add(ints, "2", 1, 0);
    cr_assert_str_eq(enc(ints), "hashtable");
    b = round_trip(ints, 512, &type);
    cr_assert_eq(type, RDB_TYPE_SET);
    cr_assert_str_eq(enc(b), "intset");
    node_tset_free(b);
    b = round_trip(ints, 1, &type);
    cr_assert_str_eq(enc(b), "hashtable");
    node_tset_free(b);
    node_tset_free(ints);
    node_tset_free(is);
    node_tset_free(ht);
}

static enum node_obj_load load_plain(const char *const *m, size_t n, const char **why, void **out)
{
    struct rdb_enc e;
    rdb_enc_init(&e, NULL, NULL, false, true);
    rdb_enc_len(&e, n);
    for (size_t i = 0; i < n; i++)
        rdb_enc_str(&e, m[i], strlen(m[i]));
    struct rdb_value rv = {.type = RDB_TYPE_SET, .body = e.buf, .body_len = e.len};
    struct node_config cfg = cfg_with(512);
    enum node_obj_load r = node_set_type.rdb_load(&rv, &cfg, out, why);
    rdb_enc_free(&e);
    return r;
}

Test(t_set, rdb_load_refuses_duplicates_and_skips_empty)
{
    const char *dup_str[] = {"a", "b", "a"}, *dup_int[] = {"5", "6", "5"};
    const char *why = NULL;
    void *out = NULL;
    cr_assert_eq(load_plain(dup_str, 3, &why, &out), NODE_OBJ_LOAD_ERROR);
    cr_assert_not_null(why);
    cr_assert_eq(load_plain(dup_int, 3, &why, &out), NODE_OBJ_LOAD_ERROR);
    cr_assert_eq(load_plain(NULL, 0, &why, &out), NODE_OBJ_LOAD_EMPTY);
}

Test(t_set, digest_ignores_order)
{
    const char *a[] = {"x", "1", "yy", "22"}, *b[] = {"22", "yy", "1", "x"};
    struct node_tset *s1 = make(a, 4, 512), *s2 = make(b, 4, 512);
    uint8_t d1[20] = {0}, d2[20] = {0};
    node_set_type.digest(s1, d1);
    node_set_type.digest(s2, d2);
    cr_assert(memcmp(d1, d2, 20) == 0);
    node_tset_free(s1);
    node_tset_free(s2);
}

/* ---- redis-server 7.0.15's all-types.rdb ---- */

struct vec_ctx {
    int seen;
};

static void expect_set(const struct rdb_key *k, const char *encoding, const char *const *m, size_t n)
{
    struct node_config cfg = cfg_with(512);
    void *out = NULL;
    const char *why = NULL;
    cr_assert_eq(node_set_type.rdb_load(&k->val, &cfg, &out, &why), NODE_OBJ_LOAD_OK, "%.*s: %s", (int)k->klen,
                 (const char *)k->key, why ? why : "");
    struct node_tset *s = out;
    cr_assert_str_eq(enc(s), encoding, "%.*s", (int)k->klen, (const char *)k->key);
    cr_assert_eq(node_tset_len(s), n);
    for (size_t i = 0; i < n; i++)
        cr_assert(node_tset_has(s, m[i], strlen(m[i])), "%.*s lacks %s", (int)k->klen, (const char *)k->key, m[i]);
    node_tset_free(s);
}

static void expect_generated(const struct rdb_key *k, const char *encoding, const char *fmt, int step)
{
    char **m = calloc(600, sizeof(*m));
    for (int i = 0; i < 600; i++) {
        m[i] = malloc(32);
        snprintf(m[i], 32, fmt, i * step);
    }
    expect_set(k, encoding, (const char *const *)m, 600);
    for (int i = 0; i < 600; i++)
        free(m[i]);
    free(m);
}

static bool key_is(const struct rdb_key *k, const char *name)
{
    return k->klen == strlen(name) && memcmp(k->key, name, k->klen) == 0;
}

static int vec_key(void *ud, const struct rdb_key *k)
{
    struct vec_ctx *vc = ud;
    static const char *const i16[] = {"-5", "1", "100", "2", "3"}, *const i32[] = {"-70000", "1", "70000"},
                             *const i64[] = {"-9223372036854775808", "1", "5000000000"},
                             *const strs[] = {"apple", "banana", "cherry"};
    if (k->val.type != RDB_TYPE_SET && k->val.type != RDB_TYPE_SET_INTSET)
        return 0;
    vc->seen++;
    if (key_is(k, "set:int16"))
        expect_set(k, "intset", i16, 5);
    else if (key_is(k, "set:int32"))
        expect_set(k, "intset", i32, 3);
    else if (key_is(k, "set:int64"))
        expect_set(k, "intset", i64, 3);
    else if (key_is(k, "set:strings"))
        expect_set(k, "hashtable", strs, 3);
    else if (key_is(k, "set:large"))
        expect_generated(k, "hashtable", "member:%04d", 1);
    else if (key_is(k, "set:large-ints"))
        expect_generated(k, "hashtable", "%d", 7);
    else
        cr_assert_fail("unexpected set key %.*s", (int)k->klen, (const char *)k->key);
    return 0;
}

/* <source>/../shared/vectors/rdb, as the other vector tests find it. */
static void vectors_path(char *out, size_t size)
{
    char dir[PATH_MAX * 2 + 128];
    testjson_vectors_dir(dir, sizeof(dir), "RDB_VECTORS_DIR", "rdb");
    snprintf(out, size, "%s/all-types.rdb", dir);
}

Test(t_set, redis_all_types_rdb_sets_load)
{
    char path[PATH_MAX * 3];
    vectors_path(path, sizeof(path));
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    static uint8_t data[1 << 20];
    size_t n = fread(data, 1, sizeof(data), f);
    fclose(f);
    cr_assert(n > 0 && n < sizeof(data));

    struct vec_ctx vc = {0};
    struct rdb_dec_cb cb = {.key = vec_key};
    struct rdb_dec d;
    rdb_dec_init(&d, &cb, &vc, 0);
    rdb_dec_feed(&d, data, n);
    cr_assert_eq(d.status, RDB_DEC_DONE, "decoder: %s", d.err);
    rdb_dec_free(&d);
    cr_assert_eq(vc.seen, 6);
}
