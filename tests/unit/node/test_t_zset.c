/*
 * test_t_zset.c — the sorted set value (node/t_zset.c): listpack ->
 * skiplist conversion at both thresholds, 100,000 random operations against
 * a reference sorted array, RDB bodies round trip through the type hooks,
 * and redis-server 7.0.15's zset DUMP payloads load with Redis's members,
 * scores and encoding and are written back byte for byte.
 */
#include <criterion/criterion.h>

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "node/config.h"
#include "node/digest.h"
#include "node/obj.h"
#include "node/t_zset.h"
#include "replication/rdb.h"
#include "testjson.h"

static const struct t_zset_lim deflim = {128, 64};

static struct node_config cfg_default(void)
{
    struct node_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.zset_max_listpack_entries = 128;
    cfg.zset_max_listpack_value = 64;
    return cfg;
}

Test(t_zset, converts_at_entries_threshold)
{
    struct t_zset *z = t_zset_new(&deflim, 1, 1);
    char m[16];
    for (int i = 0; i < 128; i++) {
        snprintf(m, sizeof(m), "m%d", i);
        cr_assert_eq(t_zset_add(z, &deflim, m, strlen(m), i, 0, NULL), T_ZSET_OUT_ADDED);
    }
    cr_assert_str_eq(t_zset_encoding(z), "listpack");
    t_zset_add(z, &deflim, "x", 1, 5.5, 0, NULL);
    cr_assert_str_eq(t_zset_encoding(z), "skiplist");
    cr_assert_eq(t_zset_len(z), 129);
    size_t rank;
    double s;
    cr_assert(t_zset_rank(z, "x", 1, false, &rank, &s));
    cr_assert_eq(rank, 6);
    cr_assert_eq(s, 5.5);
    t_zset_free(z);
}

Test(t_zset, converts_at_value_threshold)
{
    char big[66];
    memset(big, 'v', sizeof(big));
    struct t_zset *z = t_zset_new(&deflim, 1, 1);
    t_zset_add(z, &deflim, big, 64, 1, 0, NULL);
    cr_assert_str_eq(t_zset_encoding(z), "listpack");
    t_zset_add(z, &deflim, big, 65, 2, 0, NULL);
    cr_assert_str_eq(t_zset_encoding(z), "skiplist");
    cr_assert_eq(t_zset_len(z), 2);
    /* shrinking happens only when asked (stores, loading) */
    t_zset_del(z, big, 65);
    t_zset_shrink_if_fits(z, &deflim);
    cr_assert_str_eq(t_zset_encoding(z), "listpack");
    t_zset_free(z);
}

/* ---- reference model: a sorted array ---- */

struct ref_el {
    char m[12];
    size_t n;
    double s;
};

static int ref_cmp(const struct ref_el *a, const struct ref_el *b)
{
    if (a->s != b->s)
        return a->s < b->s ? -1 : 1;
    size_t n = a->n < b->n ? a->n : b->n;
    int r = memcmp(a->m, b->m, n);
    if (r)
        return r;
    return a->n < b->n ? -1 : a->n > b->n;
}

static int ref_find(const struct ref_el *a, size_t len, const char *m, size_t n)
{
    for (size_t i = 0; i < len; i++)
        if (a[i].n == n && memcmp(a[i].m, m, n) == 0)
            return (int)i;
    return -1;
}

static void ref_insert(struct ref_el *a, size_t *len, const char *m, size_t n, double s)
{
    struct ref_el e = {.n = n, .s = s};
    memcpy(e.m, m, n);
    size_t i = 0;
    while (i < *len && ref_cmp(&a[i], &e) < 0)
        i++;
    memmove(&a[i + 1], &a[i], (*len - i) * sizeof(*a));
    a[i] = e;
    (*len)++;
}

static void ref_remove(struct ref_el *a, size_t *len, size_t i)
{
    memmove(&a[i], &a[i + 1], (*len - i - 1) * sizeof(*a));
    (*len)--;
}

static void check_same(const struct t_zset *z, const struct ref_el *a, size_t len)
{
    cr_assert_eq(t_zset_len(z), len);
    struct t_zset_it it;
    struct t_zset_el el;
    t_zset_it_init(&it, z, 0, false);
    for (size_t i = 0; i < len; i++) {
        cr_assert(t_zset_it_next(&it, &el));
        cr_assert_eq(el.n, a[i].n);
        cr_assert(memcmp(el.m, a[i].m, el.n) == 0);
        cr_assert_eq(el.score, a[i].s);
    }
    cr_assert_not(t_zset_it_next(&it, &el));
}

static void random_ops(const struct t_zset_lim *lim, unsigned seed, int nops, int nmembers)
{
    struct ref_el *a = calloc((size_t)nmembers + 1, sizeof(*a));
    size_t len = 0;
    struct t_zset *z = t_zset_new(lim, 1, 1);
    srand(seed);
    for (int op = 0; op < nops; op++) {
        char m[12];
        int mn = snprintf(m, sizeof(m), "m%d", rand() % nmembers);
        double s = (rand() % 64) / 4.0 - 8;
        int idx = ref_find(a, len, m, (size_t)mn);
        int what = rand() % 10;
        if (what < 4) {
            int r = t_zset_add(z, lim, m, (size_t)mn, s, 0, NULL);
            if (idx < 0) {
                cr_assert_eq(r, T_ZSET_OUT_ADDED);
            } else {
                cr_assert_eq(r, a[idx].s == s ? 0 : T_ZSET_OUT_UPDATED);
                ref_remove(a, &len, (size_t)idx);
            }
            ref_insert(a, &len, m, (size_t)mn, s);
        } else if (what < 6) {
            cr_assert_eq(t_zset_del(z, m, (size_t)mn), idx >= 0);
            if (idx >= 0)
                ref_remove(a, &len, (size_t)idx);
        } else if (what < 7) {
            double ns;
            t_zset_add(z, lim, m, (size_t)mn, 0.25, T_ZSET_IN_INCR, &ns);
            double old = idx >= 0 ? a[idx].s : 0;
            if (idx >= 0)
                ref_remove(a, &len, (size_t)idx);
            ref_insert(a, &len, m, (size_t)mn, old + 0.25);
            cr_assert_eq(ns, old + 0.25);
        } else if (what < 8) {
            size_t rank;
            bool found = t_zset_rank(z, m, (size_t)mn, false, &rank, NULL);
            cr_assert_eq(found, idx >= 0);
            if (found)
                cr_assert_eq(rank, (size_t)idx);
        } else if (what < 9) {
            struct t_zset_srange r = {.min = s, .max = s + 2, .minex = rand() % 2, .maxex = rand() % 2};
            size_t first, end, f2 = 0, e2 = 0;
            t_zset_srange_ranks(z, &r, &first, &end);
            for (size_t i = 0; i < len; i++) {
                if (r.minex ? a[i].s <= r.min : a[i].s < r.min)
                    f2++;
                if (r.maxex ? a[i].s < r.max : a[i].s <= r.max)
                    e2++;
            }
            cr_assert_eq(first, f2);
            cr_assert_eq(end, e2);
        } else if (len > 0 && rand() % 20 == 0) {
            size_t st = (size_t)rand() % len, en = st + (size_t)rand() % 3;
            if (en >= len)
                en = len - 1;
            t_zset_del_range(z, st, en);
            for (size_t i = st; i <= en; i++)
                ref_remove(a, &len, st);
        }
        if (op % 997 == 0)
            check_same(z, a, len);
    }
    check_same(z, a, len);
    t_zset_free(z);
    free(a);
}

Test(t_zset, random_vs_model_listpack_and_skiplist)
{
    /* 200 members: the set crosses 128 and becomes a skiplist midway */
    random_ops(&deflim, 1, 50000, 200);
    /* small members count: stays a listpack much of the time */
    random_ops(&deflim, 2, 25000, 100);
    /* skiplist from the start */
    struct t_zset_lim tiny = {0, 0};
    random_ops(&tiny, 3, 25000, 500);
}

/* ---- RDB ---- */

static void roundtrip(struct t_zset *z, int want_type, const char *want_enc)
{
    struct rdb_enc enc;
    rdb_enc_init(&enc, NULL, NULL, false, true);
    cr_assert_eq(node_zset_type.rdb_type(z), want_type);
    cr_assert_eq(node_zset_type.rdb_write(&enc, z), 0);
    struct rdb_value v = {.type = want_type, .body = enc.buf, .body_len = enc.len};
    struct node_config cfg = cfg_default();
    void *out = NULL;
    const char *why = NULL;
    cr_assert_eq(node_zset_type.rdb_load(&v, &cfg, &out, &why), NODE_OBJ_LOAD_OK, "%s", why ? why : "");
    cr_assert_str_eq(t_zset_encoding(out), want_enc);
    cr_assert_eq(t_zset_len(out), t_zset_len(z));
    struct t_zset_it a, b;
    struct t_zset_el x, y;
    t_zset_it_init(&a, z, 0, false);
    t_zset_it_init(&b, out, 0, false);
    while (t_zset_it_next(&a, &x)) {
        cr_assert(t_zset_it_next(&b, &y));
        cr_assert_eq(x.n, y.n);
        cr_assert(memcmp(x.m, y.m, x.n) == 0);
        cr_assert_eq(x.score, y.score);
    }
    t_zset_free(out);
    rdb_enc_free(&enc);
}

Test(t_zset, rdb_roundtrip_both_encodings)
{
    struct t_zset *z = t_zset_new(&deflim, 1, 1);
    t_zset_add(z, &deflim, "a", 1, 0.1, 0, NULL);
    t_zset_add(z, &deflim, "b", 1, -INFINITY, 0, NULL);
    t_zset_add(z, &deflim, "c", 1, 1e20, 0, NULL);
    t_zset_add(z, &deflim, "12", 2, 12, 0, NULL);
    roundtrip(z, RDB_TYPE_ZSET_LISTPACK, "listpack");
    char m[16];
    for (int i = 0; i < 300; i++) {
        snprintf(m, sizeof(m), "k%d", i);
        t_zset_add(z, &deflim, m, strlen(m), i * 0.5, 0, NULL);
    }
    roundtrip(z, RDB_TYPE_ZSET_2, "skiplist");
    t_zset_free(z);
}

/* <source>/../shared/vectors, as the other vector tests find it. */
static void vectors_dir(char *out, size_t size)
{
    testjson_vectors_dir(out, size, "RDB_VECTORS_DIR", NULL);
}

static uint8_t *read_file(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc((size_t)sz);
    cr_assert_eq(fread(buf, 1, (size_t)sz, f), (size_t)sz);
    fclose(f);
    *n = (size_t)sz;
    return buf;
}

/* Loads a redis-server DUMP payload, checks it, and DUMPs it back byte for byte. */
static struct t_zset *load_vector(const char *name, const char *want_enc, size_t want_len)
{
    char path[PATH_MAX * 3];
    vectors_dir(path, sizeof(path));
    size_t dl = strlen(path);
    snprintf(path + dl, sizeof(path) - dl, "/dump/%s", name);
    size_t n;
    uint8_t *payload = read_file(path, &n);
    struct rdb_value v;
    struct rdb_scratch sc = {0};
    cr_assert_eq(rdb_dump_parse(payload, n, &v, &sc), RDB_DUMP_OK);
    struct node_config cfg = cfg_default();
    void *out = NULL;
    const char *why = NULL;
    cr_assert_eq(node_zset_type.rdb_load(&v, &cfg, &out, &why), NODE_OBJ_LOAD_OK);
    cr_assert_str_eq(t_zset_encoding(out), want_enc, "%s", name);
    cr_assert_eq(t_zset_len(out), want_len, "%s", name);
    struct rdb_enc enc;
    rdb_enc_init(&enc, NULL, NULL, true, true);
    rdb_enc_type(&enc, node_zset_type.rdb_type(out));
    node_zset_type.rdb_write(&enc, out);
    rdb_enc_dump_footer(&enc);
    if (payload[1] == 0xc3) {
        /* an LZF-compressed listpack: compare the listpack itself (compressors may differ) */
        size_t clen = ((size_t)(payload[2] & 0x3f) << 8) | payload[3];
        size_t ulen = ((size_t)(payload[4] & 0x3f) << 8) | payload[5];
        uint8_t *blob = malloc(ulen);
        cr_assert(rdb_lzf_decompress(payload + 6, clen, blob, ulen));
        struct rdb_enc raw;
        rdb_enc_init(&raw, NULL, NULL, false, true);
        node_zset_type.rdb_write(&raw, out);
        cr_assert_eq(raw.len, ulen + 2, "%s", name);
        cr_assert(memcmp(raw.buf + 2, blob, ulen) == 0, "%s: listpack differs from redis-server's", name);
        rdb_enc_free(&raw);
        free(blob);
    } else if (strcmp(name, "zset-longmember.bin") != 0) {
        /* (longmember's member is LZF-compressed: shoal's compressor may pick other matches) */
        cr_assert_eq(enc.len, n, "%s", name);
        cr_assert(memcmp(enc.buf, payload, n) == 0, "%s: DUMP differs from redis-server's", name);
    }
    rdb_enc_free(&enc);
    rdb_scratch_free(&sc);
    free(payload);
    return out;
}

Test(t_zset, redis_vectors_load)
{
    double s;
    struct t_zset *z = load_vector("zset-small.bin", "listpack", 12);
    cr_assert(t_zset_score(z, "frac", 4, &s) && s == 0.1);
    cr_assert(t_zset_score(z, "ninf", 4, &s) && isinf(s) && s < 0);
    cr_assert(t_zset_score(z, "big", 3, &s) && s == 1e20);
    size_t rank;
    cr_assert(t_zset_rank(z, "tie_b", 5, false, &rank, NULL) && rank == 8);
    t_zset_free(z);
    z = load_vector("zset-large.bin", "skiplist", 200);
    cr_assert(t_zset_score(z, "m:199", 5, &s) && s == 199 * 1.5 - 100);
    cr_assert(t_zset_rank(z, "m:000", 5, false, &rank, NULL) && rank == 0);
    t_zset_free(z);
    z = load_vector("zset-longmember.bin", "skiplist", 2);
    t_zset_free(z);
}

Test(t_zset, load_rejects_duplicates_and_skips_empty)
{
    struct rdb_enc enc;
    rdb_enc_init(&enc, NULL, NULL, false, true);
    rdb_enc_len(&enc, 2);
    rdb_enc_str(&enc, "a", 1);
    rdb_enc_double(&enc, 1);
    rdb_enc_str(&enc, "a", 1);
    rdb_enc_double(&enc, 2);
    struct rdb_value v = {.type = RDB_TYPE_ZSET_2, .body = enc.buf, .body_len = enc.len};
    struct node_config cfg = cfg_default();
    void *out = NULL;
    const char *why = NULL;
    cr_assert_eq(node_zset_type.rdb_load(&v, &cfg, &out, &why), NODE_OBJ_LOAD_ERROR);
    cr_assert_not_null(why);
    rdb_enc_free(&enc);
    rdb_enc_init(&enc, NULL, NULL, false, true);
    rdb_enc_len(&enc, 0);
    v.body = enc.buf;
    v.body_len = enc.len;
    cr_assert_eq(node_zset_type.rdb_load(&v, &cfg, &out, &why), NODE_OBJ_LOAD_EMPTY);
    rdb_enc_free(&enc);
}

/* ---- redis-server 7.0.15's all-types.rdb ---- */

static int vec_key(void *ud, const struct rdb_key *k)
{
    int *seen = ud;
    if (k->val.type != RDB_TYPE_ZSET_2 && k->val.type != RDB_TYPE_ZSET_LISTPACK)
        return 0;
    struct node_config cfg = cfg_default();
    void *out = NULL;
    const char *why = NULL;
    cr_assert_eq(node_zset_type.rdb_load(&k->val, &cfg, &out, &why), NODE_OBJ_LOAD_OK);
    struct t_zset *z = out;
    double s;
    (*seen)++;
    if (k->klen == 10 && memcmp(k->key, "zset:small", 10) == 0) {
        cr_assert_str_eq(t_zset_encoding(z), "listpack");
        cr_assert_eq(t_zset_len(z), 12);
        cr_assert(t_zset_score(z, "pinf", 4, &s) && isinf(s) && s > 0);
    } else if (k->klen == 10 && memcmp(k->key, "zset:large", 10) == 0) {
        cr_assert_str_eq(t_zset_encoding(z), "skiplist");
        cr_assert_eq(t_zset_len(z), 200);
        cr_assert(t_zset_score(z, "m:010", 5, &s) && s == 10 * 1.5 - 100);
    } else {
        cr_assert_str_eq(t_zset_encoding(z), "skiplist");
        cr_assert_eq(t_zset_len(z), 2);
    }
    t_zset_free(z);
    return 0;
}

Test(t_zset, redis_all_types_rdb_zsets_load)
{
    char path[PATH_MAX * 3];
    vectors_dir(path, sizeof(path));
    size_t dl = strlen(path);
    snprintf(path + dl, sizeof(path) - dl, "/rdb/all-types.rdb");
    size_t n;
    uint8_t *data = read_file(path, &n);
    int seen = 0;
    struct rdb_dec_cb cb = {.key = vec_key};
    struct rdb_dec d;
    rdb_dec_init(&d, &cb, &seen, 0);
    rdb_dec_feed(&d, data, n);
    cr_assert_eq(d.status, RDB_DEC_DONE, "decoder: %s", d.err);
    rdb_dec_free(&d);
    free(data);
    cr_assert_eq(seen, 3);
}

Test(t_zset, loads_old_zset_type_with_text_scores)
{
    /* RDB_TYPE_ZSET (3): scores as length-prefixed text, 254 = +inf, 255 = -inf */
    static const uint8_t body[] = {3, 1, 'a', 3, '1', '.', '5', 1, 'b', 254, 1, 'c', 255};
    struct rdb_value v = {.type = RDB_TYPE_ZSET, .body = body, .body_len = sizeof(body)};
    struct node_config cfg = cfg_default();
    void *out = NULL;
    const char *why = NULL;
    cr_assert_eq(node_zset_type.rdb_load(&v, &cfg, &out, &why), NODE_OBJ_LOAD_OK, "%s", why ? why : "");
    double s;
    cr_assert_str_eq(t_zset_encoding(out), "listpack");
    cr_assert(t_zset_score(out, "a", 1, &s) && s == 1.5);
    cr_assert(t_zset_score(out, "b", 1, &s) && isinf(s) && s > 0);
    size_t rank;
    cr_assert(t_zset_rank(out, "c", 1, false, &rank, NULL) && rank == 0);
    t_zset_free(out);
}
