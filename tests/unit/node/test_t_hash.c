/*
 * test_t_hash.c — the hash value (node/t_hash.c): listpack -> hashtable
 * conversion at exactly the entries and value-length thresholds, the
 * encoding chosen on load for every RDB hash type (as redis-server 7.0.15
 * chooses it), random operations against a reference model, RDB bodies
 * round trip through the type hooks, and the hashes of redis-server
 * 7.0.15's vectors (DUMP payloads and all-types.rdb) load with the
 * manifest's contents and encodings.
 *
 * The vectors directory is $RDB_VECTORS_DIR if set, else
 * <source root>/../shared/vectors.
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
#include "node/t_hash.h"
#include "replication/rdb.h"
#include "testjson.h"

static struct node_config cfg_of(long long entries, long long value)
{
    struct node_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.hash_max_listpack_entries = entries;
    cfg.hash_max_listpack_value = value;
    return cfg;
}

static const char *enc(const struct node_thash *h)
{
    return node_hash_type.encoding(h);
}

static void set_s(struct node_thash *h, const struct node_config *cfg, const char *f, const char *v)
{
    node_thash_set(h, cfg, f, strlen(f), v, strlen(v));
}

static void assert_get(const struct node_thash *h, const char *f, const char *want, size_t wlen)
{
    char buf[DS_LP_INTBUF];
    const char *v;
    size_t vlen;
    cr_assert(node_thash_get(h, f, strlen(f), buf, &v, &vlen), "field %s missing", f);
    cr_assert_eq(vlen, wlen, "field %s: length %zu, want %zu", f, vlen, wlen);
    cr_assert(memcmp(v, want, wlen) == 0, "field %s: wrong value", f);
}

/* ---- conversion thresholds ---- */

Test(t_hash, converts_past_the_entries_limit)
{
    struct node_config cfg = cfg_of(4, 64);
    struct node_thash *h = node_thash_new();
    char f[16];
    for (int i = 0; i < 4; i++) {
        snprintf(f, sizeof(f), "f%d", i);
        set_s(h, &cfg, f, "v");
    }
    cr_assert_str_eq(enc(h), "listpack");
    set_s(h, &cfg, "f0", "updated"); /* an update adds no field */
    cr_assert_str_eq(enc(h), "listpack");
    set_s(h, &cfg, "f4", "v");
    cr_assert_str_eq(enc(h), "hashtable");
    cr_assert_eq(node_thash_len(h), 5);
    assert_get(h, "f0", "updated", 7);
    /* never back */
    for (int i = 0; i < 4; i++) {
        snprintf(f, sizeof(f), "f%d", i);
        cr_assert(node_thash_del(h, f, strlen(f)));
    }
    cr_assert_str_eq(enc(h), "hashtable");
    cr_assert_eq(node_thash_len(h), 1);
    node_thash_free(h);
}

Test(t_hash, converts_past_the_value_limit_for_values_and_fields)
{
    struct node_config cfg = cfg_of(128, 8);
    struct node_thash *h = node_thash_new();
    set_s(h, &cfg, "a", "12345678");
    set_s(h, &cfg, "12345678", "b");
    cr_assert_str_eq(enc(h), "listpack");
    set_s(h, &cfg, "a", "123456789");
    cr_assert_str_eq(enc(h), "hashtable");
    assert_get(h, "a", "123456789", 9);
    assert_get(h, "12345678", "b", 1);
    node_thash_free(h);

    h = node_thash_new();
    set_s(h, &cfg, "x", "y");
    set_s(h, &cfg, "123456789", "y");
    cr_assert_str_eq(enc(h), "hashtable");
    node_thash_free(h);

    /* node_thash_fit: HSET's pre-pass over its arguments */
    h = node_thash_new();
    node_thash_fit(h, &cfg, 8);
    cr_assert_str_eq(enc(h), "listpack");
    node_thash_fit(h, &cfg, 9);
    cr_assert_str_eq(enc(h), "hashtable");
    node_thash_free(h);
}

Test(t_hash, zero_entries_limit_makes_every_hash_a_hashtable)
{
    struct node_config cfg = cfg_of(0, 64);
    struct node_thash *h = node_thash_new();
    set_s(h, &cfg, "f", "v");
    cr_assert_str_eq(enc(h), "hashtable");
    node_thash_free(h);
}

Test(t_hash, integers_in_a_listpack_read_back_as_text)
{
    struct node_config cfg = cfg_of(128, 64);
    struct node_thash *h = node_thash_new();
    set_s(h, &cfg, "12", "-9223372036854775808");
    set_s(h, &cfg, "007", "1.5");
    assert_get(h, "12", "-9223372036854775808", 20);
    assert_get(h, "007", "1.5", 3);
    cr_assert_not(node_thash_exists(h, "7", 1));
    node_thash_to_hashtable(h);
    assert_get(h, "12", "-9223372036854775808", 20);
    assert_get(h, "007", "1.5", 3);
    node_thash_free(h);
}

/* ---- a reference model ---- */

#define MODEL_FIELDS 300

struct model {
    char *v[MODEL_FIELDS]; /* NULL = absent */
    size_t vlen[MODEL_FIELDS];
    size_t n;
};

static uint64_t rng = 88172645463325252ULL;

static uint64_t next_rand(void *ud)
{
    (void)ud;
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static size_t field_name(size_t i, char *buf)
{
    /* some integer-looking, some long, some empty: all listpack entry kinds */
    if (i == 0)
        return 0;
    if (i % 7 == 0)
        return (size_t)snprintf(buf, 80, "%zu", i * 1000003);
    if (i % 31 == 0)
        return (size_t)snprintf(buf, 80, "long-field-%0*zu", 60, i);
    return (size_t)snprintf(buf, 80, "f:%zu", i);
}

static size_t random_value(char *buf)
{
    uint64_t r = next_rand(NULL);
    if (r % 4 == 0)
        return (size_t)snprintf(buf, 100, "%lld", (long long)(next_rand(NULL) >> (r % 60)) * (r % 8 ? 1 : -1));
    size_t len = (size_t)(r >> 8) % 70;
    for (size_t i = 0; i < len; i++)
        buf[i] = (char)('a' + next_rand(NULL) % 26);
    return len;
}

static void model_check(const struct model *m, const struct node_thash *h)
{
    char name[100];
    cr_assert_eq(node_thash_len(h), m->n);
    size_t seen = 0;
    struct node_thash_iter it;
    struct node_thash_kv kv;
    node_thash_iter_init(&it, h);
    while (node_thash_iter_next(&it, &kv))
        seen++;
    cr_assert_eq(seen, m->n);
    for (size_t i = 0; i < MODEL_FIELDS; i++) {
        size_t fl = field_name(i, name);
        name[fl] = '\0';
        if (m->v[i] == NULL)
            cr_assert_not(node_thash_exists(h, name, fl), "field %zu should be absent", i);
        else
            assert_get(h, name, m->v[i], m->vlen[i]);
    }
}

static void model_op(struct model *m, struct node_thash *h, const struct node_config *cfg)
{
    char name[100], val[100];
    size_t i = (size_t)(next_rand(NULL) % MODEL_FIELDS);
    size_t fl = field_name(i, name);
    if (next_rand(NULL) % 3 == 0) {
        bool had = m->v[i] != NULL;
        cr_assert_eq(node_thash_del(h, name, fl), had);
        if (had) {
            free(m->v[i]);
            m->v[i] = NULL;
            m->n--;
        }
        return;
    }
    size_t vl = random_value(val);
    bool added = node_thash_set(h, cfg, name, fl, val, vl);
    cr_assert_eq(added, m->v[i] == NULL, "field %zu (%.*s) enc %s len %zu", i, (int)fl, name, enc(h),
                 node_thash_len(h));
    if (added)
        m->n++;
    free(m->v[i]);
    m->v[i] = malloc(vl + 1);
    memcpy(m->v[i], val, vl);
    m->vlen[i] = vl;
}

static void model_free(struct model *m)
{
    for (size_t i = 0; i < MODEL_FIELDS; i++)
        free(m->v[i]);
}

Test(t_hash, random_operations_match_a_reference_model)
{
    /* limits that a run crosses; fresh hashes start each round */
    static const long long limits[][2] = {{128, 64}, {16, 64}, {500, 80}, {0, 0}, {1000, 1000}};
    for (size_t l = 0; l < sizeof(limits) / sizeof(limits[0]); l++) {
        struct node_config cfg = cfg_of(limits[l][0], limits[l][1]);
        struct model m;
        memset(&m, 0, sizeof(m));
        struct node_thash *h = node_thash_new();
        for (int op = 0; op < 20000; op++) {
            model_op(&m, h, &cfg);
            if (op % 2000 == 0)
                model_check(&m, h);
        }
        model_check(&m, h);
        struct node_thash *d = node_thash_dup(h);
        cr_assert_str_eq(enc(d), enc(h));
        model_check(&m, d);
        node_thash_free(d);
        node_thash_free(h);
        model_free(&m);
    }
}

Test(t_hash, random_picks_are_fields_and_distinct_when_asked)
{
    struct node_config cfg = cfg_of(64, 64);
    char f[32];
    for (int n = 1; n <= 300; n += 37) {
        struct node_thash *h = node_thash_new();
        for (int i = 0; i < n; i++) {
            snprintf(f, sizeof(f), "%d", i);
            set_s(h, &cfg, f, f);
        }
        node_thash_pick picks[300];
        for (size_t count = 1; count <= (size_t)n; count = count * 2 + 1) {
            node_thash_random(h, count, true, next_rand, NULL, picks);
            bool seen[300] = {false};
            for (size_t i = 0; i < count; i++) {
                char fb[DS_LP_INTBUF], vb[DS_LP_INTBUF];
                struct node_thash_kv kv;
                node_thash_pick_kv(h, picks[i], fb, vb, &kv);
                cr_assert(kv.flen == kv.vlen && memcmp(kv.f, kv.v, kv.flen) == 0);
                snprintf(f, sizeof(f), "%.*s", (int)kv.flen, kv.f);
                int k = atoi(f);
                cr_assert(k >= 0 && k < n);
                cr_assert_not(seen[k], "pick %d repeated (n %d count %zu)", k, n, count);
                seen[k] = true;
            }
            node_thash_random(h, 300, false, next_rand, NULL, picks);
        }
        node_thash_free(h);
    }
}

static void scan_mark(void *ud, const struct node_thash_kv *kv)
{
    int *seen = ud;
    char f[32];
    snprintf(f, sizeof(f), "%.*s", (int)kv->flen, kv->f);
    seen[atoi(f + 1)]++;
}

Test(t_hash, scan_of_a_hashtable_returns_every_field)
{
    struct node_config cfg = cfg_of(0, 64);
    struct node_thash *h = node_thash_new();
    char f[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(f, sizeof(f), "k%d", i);
        set_s(h, &cfg, f, "v");
    }
    static int seen[1000];
    memset(seen, 0, sizeof(seen));
    uint64_t cursor = 0;
    size_t steps = 0;
    do {
        cursor = node_thash_scan(h, cursor, scan_mark, seen);
        cr_assert(++steps < 100000);
    } while (cursor != 0);
    for (int i = 0; i < 1000; i++)
        cr_assert_eq(seen[i], 1, "field k%d seen %d times", i, seen[i]);
    node_thash_free(h);
}

/* ---- RDB bodies through the hooks ---- */

static uint8_t *dump_of(const struct node_thash *h, size_t *len)
{
    struct rdb_enc e;
    rdb_enc_init(&e, NULL, NULL, true, true);
    cr_assert_eq(rdb_enc_type(&e, (enum rdb_type)node_hash_type.rdb_type(h)), 0);
    cr_assert_eq(node_hash_type.rdb_write(&e, h), 0);
    cr_assert_eq(rdb_enc_dump_footer(&e), 0);
    uint8_t *p = malloc(e.len);
    memcpy(p, e.buf, e.len);
    *len = e.len;
    rdb_enc_free(&e);
    return p;
}

/* (node_obj_type_for_rdb lives in obj.c, whose node_obj_register needs the
 * keyspace library this test does not link.) */
static bool is_hash_type(int t)
{
    return t == RDB_TYPE_HASH || t == RDB_TYPE_HASH_ZIPMAP || t == RDB_TYPE_HASH_ZIPLIST ||
           t == RDB_TYPE_HASH_LISTPACK;
}

/* Loads a DUMP payload through the hook: the result, *out on OK. */
static enum node_obj_load load_payload(const uint8_t *p, size_t n, const struct node_config *cfg,
                                       struct node_thash **out, int *type)
{
    struct rdb_value v;
    struct rdb_scratch sc = {0};
    cr_assert_eq(rdb_dump_parse(p, n, &v, &sc), RDB_DUMP_OK, "payload refused");
    if (type)
        *type = v.type;
    cr_assert(is_hash_type(v.type), "type byte %d", v.type);
    const char *why = NULL;
    void *val = NULL;
    enum node_obj_load r = node_hash_type.rdb_load(&v, cfg, &val, &why);
    if (r == NODE_OBJ_LOAD_ERROR)
        cr_assert(why != NULL && why[0]);
    rdb_scratch_free(&sc);
    *out = val;
    return r;
}

static bool same_contents(const struct node_thash *a, const struct node_thash *b)
{
    struct node_thash_iter it;
    struct node_thash_kv kv;
    char buf[DS_LP_INTBUF];
    const char *v;
    size_t vlen;
    if (node_thash_len(a) != node_thash_len(b))
        return false;
    node_thash_iter_init(&it, a);
    while (node_thash_iter_next(&it, &kv)) {
        char f[200];
        cr_assert(kv.flen < sizeof(f));
        memcpy(f, kv.f, kv.flen);
        if (!node_thash_get(b, f, kv.flen, buf, &v, &vlen) || vlen != kv.vlen || memcmp(v, kv.v, vlen) != 0)
            return false;
    }
    return true;
}

static void digest_of(const struct node_thash *h, uint8_t d[NODE_DIGEST_LEN])
{
    memset(d, 0, NODE_DIGEST_LEN);
    node_hash_type.digest(h, d);
}

Test(t_hash, rdb_bodies_round_trip_in_both_encodings)
{
    struct node_config big = cfg_of(1000, 1000), dflt = cfg_of(128, 64), tiny = cfg_of(2, 3);
    struct model m;
    memset(&m, 0, sizeof(m));
    struct node_thash *h = node_thash_new();
    for (int op = 0; op < 3000; op++)
        model_op(&m, h, &big);
    cr_assert_str_eq(enc(h), "listpack");
    struct node_thash *ht = node_thash_dup(h);
    node_thash_to_hashtable(ht);

    size_t n1, n2;
    uint8_t *lp_payload = dump_of(h, &n1), *ht_payload = dump_of(ht, &n2);
    cr_assert_eq(lp_payload[0], RDB_TYPE_HASH_LISTPACK);
    cr_assert_eq(ht_payload[0], RDB_TYPE_HASH);

    uint8_t d1[NODE_DIGEST_LEN], d2[NODE_DIGEST_LEN];
    digest_of(h, d1);
    digest_of(ht, d2);
    cr_assert(memcmp(d1, d2, NODE_DIGEST_LEN) == 0, "digest depends on the encoding");

    const struct node_config *cfgs[] = {&big, &dflt, &tiny};
    for (size_t i = 0; i < 3; i++) {
        struct node_thash *a, *b;
        cr_assert_eq(load_payload(lp_payload, n1, cfgs[i], &a, NULL), NODE_OBJ_LOAD_OK);
        cr_assert_eq(load_payload(ht_payload, n2, cfgs[i], &b, NULL), NODE_OBJ_LOAD_OK);
        cr_assert(same_contents(a, h) && same_contents(b, h));
        model_check(&m, a);
        model_check(&m, b);
        node_thash_free(a);
        node_thash_free(b);
    }
    free(lp_payload);
    free(ht_payload);
    node_thash_free(ht);
    node_thash_free(h);
    model_free(&m);
}

/* Which encoding each RDB hash type loads into, by the limits (redis-server
 * 7.0.15, by RESTORE): all convert past the entries limit; only the plain
 * and zipmap types also on a long field or value. */
static const char *load_enc(int rdb_type, const struct node_thash *src, const struct node_config *cfg)
{
    size_t n;
    uint8_t *p = dump_of(src, &n);
    cr_assert_eq(p[0], rdb_type);
    struct node_thash *h;
    cr_assert_eq(load_payload(p, n, cfg, &h, NULL), NODE_OBJ_LOAD_OK);
    cr_assert(same_contents(h, src));
    const char *e = enc(h);
    node_thash_free(h);
    free(p);
    return e;
}

Test(t_hash, load_chooses_the_encoding_as_redis)
{
    struct node_config dflt = cfg_of(128, 64);
    struct node_thash *lp = node_thash_new();
    set_s(lp, &dflt, "f", "0123456789");
    set_s(lp, &dflt, "g", "1");
    set_s(lp, &dflt, "h", "2");
    struct node_thash *ht = node_thash_dup(lp);
    node_thash_to_hashtable(ht);

    struct node_config e3 = cfg_of(3, 64), e2 = cfg_of(2, 64), v9 = cfg_of(128, 9), v10 = cfg_of(128, 10);
    cr_assert_str_eq(load_enc(RDB_TYPE_HASH_LISTPACK, lp, &e3), "listpack");
    cr_assert_str_eq(load_enc(RDB_TYPE_HASH_LISTPACK, lp, &e2), "hashtable");
    cr_assert_str_eq(load_enc(RDB_TYPE_HASH_LISTPACK, lp, &v9), "listpack");
    cr_assert_str_eq(load_enc(RDB_TYPE_HASH, ht, &e3), "listpack");
    cr_assert_str_eq(load_enc(RDB_TYPE_HASH, ht, &e2), "hashtable");
    cr_assert_str_eq(load_enc(RDB_TYPE_HASH, ht, &v10), "listpack");
    cr_assert_str_eq(load_enc(RDB_TYPE_HASH, ht, &v9), "hashtable");
    node_thash_free(lp);
    node_thash_free(ht);
}

/* ---- hand-built old encodings (the same bytes test_rdb.c decodes) ---- */

static uint8_t *dump_of_hex(const char *hex, size_t *len)
{
    uint8_t body[512];
    size_t n = testjson_unhex(hex, body);
    struct rdb_enc e;
    rdb_enc_init(&e, NULL, NULL, true, true);
    rdb_enc_raw(&e, body, n);
    rdb_enc_dump_footer(&e);
    uint8_t *p = malloc(e.len);
    memcpy(p, e.buf, e.len);
    *len = e.len;
    rdb_enc_free(&e);
    return p;
}

static enum node_obj_load load_hex(const char *hex, const struct node_config *cfg, struct node_thash **h)
{
    size_t n;
    uint8_t *p = dump_of_hex(hex, &n);
    enum node_obj_load r = load_payload(p, n, cfg, h, NULL);
    free(p);
    return r;
}

#define HEX_ZIPLIST_FV "0d" "11" "110000000d0000000200000166030176ff"
#define HEX_ZIPMAP_A1_BB22 "09" "0f" "02" "0161" "010031" "026262" "0201323200" "ff"

Test(t_hash, ziplist_and_zipmap_bodies_load_with_redis_encoding_rules)
{
    struct node_config dflt = cfg_of(128, 64), v0 = cfg_of(128, 0), e0 = cfg_of(0, 64);
    struct node_thash *h;

    cr_assert_eq(load_hex(HEX_ZIPLIST_FV, &dflt, &h), NODE_OBJ_LOAD_OK);
    cr_assert_str_eq(enc(h), "listpack");
    assert_get(h, "f", "v", 1);
    node_thash_free(h);
    cr_assert_eq(load_hex(HEX_ZIPLIST_FV, &v0, &h), NODE_OBJ_LOAD_OK);
    cr_assert_str_eq(enc(h), "listpack");
    node_thash_free(h);
    cr_assert_eq(load_hex(HEX_ZIPLIST_FV, &e0, &h), NODE_OBJ_LOAD_OK);
    cr_assert_str_eq(enc(h), "hashtable");
    node_thash_free(h);

    cr_assert_eq(load_hex(HEX_ZIPMAP_A1_BB22, &dflt, &h), NODE_OBJ_LOAD_OK);
    cr_assert_str_eq(enc(h), "listpack");
    cr_assert_eq(node_thash_len(h), 2);
    assert_get(h, "a", "1", 1);
    assert_get(h, "bb", "22", 2);
    node_thash_free(h);
    cr_assert_eq(load_hex(HEX_ZIPMAP_A1_BB22, &v0, &h), NODE_OBJ_LOAD_OK);
    cr_assert_str_eq(enc(h), "hashtable");
    node_thash_free(h);
    cr_assert_eq(load_hex(HEX_ZIPMAP_A1_BB22, &e0, &h), NODE_OBJ_LOAD_OK);
    cr_assert_str_eq(enc(h), "hashtable");
    node_thash_free(h);
}

Test(t_hash, duplicate_fields_are_refused_in_every_encoding)
{
    struct node_config dflt = cfg_of(128, 64), e0 = cfg_of(0, 64);
    struct node_thash *h = NULL;
    /* plain: 2 pairs "a"->"x", "a"->"y" */
    cr_assert_eq(load_hex("04" "02" "0161" "0178" "0161" "0179", &dflt, &h), NODE_OBJ_LOAD_ERROR);
    cr_assert_eq(load_hex("04" "02" "0161" "0178" "0161" "0179", &e0, &h), NODE_OBJ_LOAD_ERROR);
    /* listpack: a x a y (6-bit strings, back-length 2) */
    cr_assert_eq(load_hex("10" "13" "13000000" "0400" "816102" "817802" "816102" "817902" "ff", &dflt, &h),
                 NODE_OBJ_LOAD_ERROR);
    cr_assert_eq(load_hex("10" "13" "13000000" "0400" "816102" "817802" "816102" "817902" "ff", &e0, &h),
                 NODE_OBJ_LOAD_ERROR);
    /* ... and the same listpack without the duplicate loads */
    cr_assert_eq(load_hex("10" "13" "13000000" "0400" "816102" "817802" "816202" "817902" "ff", &dflt, &h),
                 NODE_OBJ_LOAD_OK);
    assert_get(h, "b", "y", 1);
    node_thash_free(h);
}

/* ---- redis-server 7.0.15's vectors ---- */

static char vectors_dir[PATH_MAX * 2 + 128];

static const char *vectors(void)
{
    if (!vectors_dir[0])
        testjson_vectors_dir(vectors_dir, sizeof(vectors_dir), "RDB_VECTORS_DIR", NULL);
    return vectors_dir;
}

static uint8_t *read_vector(const char *name, size_t *len)
{
    char path[sizeof(vectors_dir) + 64];
    snprintf(path, sizeof(path), "%s/%s", vectors(), name);
    FILE *f = fopen(path, "rb");
    cr_assert(f, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = malloc((size_t)n + 1);
    cr_assert_eq(fread(p, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return p;
}

/* The manifest's hashes (all-types.json, dump.json): the same four keys. */
static void assert_vector_hash(const char *key, const struct node_thash *h)
{
    char f[32], v[32];
    if (strcmp(key, "hash:small") == 0) {
        static const char *const kv[] = {"name", "redis", "version", "7.0.15", "int", "42", "neg", "-7",
                                          "big", "9223372036854775807", "empty", "", "float", "3.14"};
        cr_assert_eq(node_thash_len(h), 7);
        for (size_t i = 0; i < 14; i += 2)
            assert_get(h, kv[i], kv[i + 1], strlen(kv[i + 1]));
        cr_assert_str_eq(enc(h), "listpack");
        /* insertion order is kept in a listpack */
        struct node_thash_iter it;
        struct node_thash_kv x;
        node_thash_iter_init(&it, h);
        for (size_t i = 0; node_thash_iter_next(&it, &x); i += 2)
            cr_assert(x.flen == strlen(kv[i]) && memcmp(x.f, kv[i], x.flen) == 0);
    } else if (strcmp(key, "hash:large") == 0) {
        cr_assert_eq(node_thash_len(h), 600);
        for (int i = 0; i < 600; i++) {
            snprintf(f, sizeof(f), "field:%04d", i);
            snprintf(v, sizeof(v), "value:%04d", i);
            assert_get(h, f, v, strlen(v));
        }
        cr_assert_str_eq(enc(h), "hashtable");
    } else if (strcmp(key, "hash:bigvalue") == 0) {
        char l[101];
        memset(l, 'L', 100);
        cr_assert_eq(node_thash_len(h), 2);
        assert_get(h, "a", "1", 1);
        assert_get(h, "long", l, 100);
        cr_assert_str_eq(enc(h), "hashtable");
    } else if (strcmp(key, "hash:ttl") == 0) {
        cr_assert_eq(node_thash_len(h), 1);
        assert_get(h, "f", "v", 1);
        cr_assert_str_eq(enc(h), "listpack");
    } else {
        cr_assert_fail("unexpected hash key %s", key);
    }
}

Test(t_hash, dump_vectors_load_with_the_manifest_contents)
{
    static const char *const files[][2] = {{"dump/hash-small.bin", "hash:small"},
                                           {"dump/hash-large.bin", "hash:large"},
                                           {"dump/hash-bigvalue.bin", "hash:bigvalue"},
                                           {"dump/hash-ttl.bin", "hash:ttl"}};
    struct node_config dflt = cfg_of(128, 64);
    for (size_t i = 0; i < 4; i++) {
        size_t n;
        uint8_t *p = read_vector(files[i][0], &n);
        struct node_thash *h;
        int type;
        cr_assert_eq(load_payload(p, n, &dflt, &h, &type), NODE_OBJ_LOAD_OK);
        assert_vector_hash(files[i][1], h);
        /* written back as Redis writes it: the same type byte */
        size_t n2;
        uint8_t *again = dump_of(h, &n2);
        cr_assert_eq(again[0], type);
        if (type == RDB_TYPE_HASH_LISTPACK)
            cr_assert(n2 == n && memcmp(again, p, n) == 0, "%s: listpack payload differs", files[i][0]);
        free(again);
        node_thash_free(h);
        free(p);
    }
}

struct rdb_walk {
    const struct node_config *cfg;
    int hashes;
};

static int on_key(void *ud, const struct rdb_key *k)
{
    struct rdb_walk *w = ud;
    if (!is_hash_type(k->val.type))
        return 0;
    char key[64];
    snprintf(key, sizeof(key), "%.*s", (int)k->klen, (const char *)k->key);
    void *val = NULL;
    const char *why = NULL;
    cr_assert_eq(node_hash_type.rdb_load(&k->val, w->cfg, &val, &why), NODE_OBJ_LOAD_OK, "%s: %s", key,
                 why ? why : "");
    assert_vector_hash(key, val);
    node_thash_free(val);
    w->hashes++;
    return 0;
}

Test(t_hash, all_types_rdb_hashes_load_with_the_manifest_contents)
{
    size_t n;
    uint8_t *p = read_vector("rdb/all-types.rdb", &n);
    struct node_config dflt = cfg_of(128, 64);
    struct rdb_walk w = {&dflt, 0};
    struct rdb_dec_cb cb = {.key = on_key};
    struct rdb_dec d;
    rdb_dec_init(&d, &cb, &w, 0);
    rdb_dec_feed(&d, p, n);
    cr_assert_eq(d.status, RDB_DEC_DONE, "%s", d.err);
    cr_assert_eq(w.hashes, 4);
    rdb_dec_free(&d);
    free(p);
}
