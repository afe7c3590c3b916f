/*
 * test_rdb.c — unit tests of the pure RDB codec (replication/rdb*.c).
 *
 * Golden vectors: every file in shared/vectors/rdb and shared/vectors/dump
 * (bytes written by redis-server 7.0.15) is decoded and compared value by
 * value with its manifest (all-types.json, dump.json, read here at test
 * time); the corrupt ones must be refused with the right class of error.
 * Then: CRC-64 and LZF check values, encoder output byte-exact against the
 * spec's examples, encode -> decode round trips at every length/integer
 * boundary, the listpack/intset builders against the spec's worked blobs,
 * hand-built old encodings (ziplist, zipmap, quicklist 1, text scores), and
 * incremental feeding (1 byte at a time, random chunks, truncation).
 *
 * The vectors directory is $RDB_VECTORS_DIR if set, else
 * <source root>/../shared/vectors (found by testjson_vectors_dir).
 */
#include <criterion/criterion.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "replication/rdb.h"
#include "testjson.h"

/* ---- the manifests (JSON, read with testjson.c) ---- */

/* A manifest string: a JSON string, or {"hex": ...}. Caller frees. */
static uint8_t *jbytes(const struct jval *v, size_t *len)
{
    if (v->type == J_STR) {
        *len = strlen(v->str);
        uint8_t *b = malloc(*len + 1);
        memcpy(b, v->str, *len);
        return b;
    }
    cr_assert_eq(v->type, J_OBJ, "manifest string is neither text nor hex");
    const char *hex = testjson_str(v, "hex");
    uint8_t *b = malloc(strlen(hex) / 2 + 1);
    *len = testjson_unhex(hex, b);
    return b;
}

/* ---- files ---- */

static char vectors_dir[PATH_MAX * 2 + 128];

static uint8_t *load(const char *name, size_t *ret_len)
{
    if (!vectors_dir[0])
        testjson_vectors_dir(vectors_dir, sizeof(vectors_dir), "RDB_VECTORS_DIR", NULL);
    return testjson_load_file(vectors_dir, name, ret_len);
}

static struct jval *load_json(const char *name)
{
    size_t len;
    char *text = (char *)load(name, &len);
    struct jval *v = calloc(1, sizeof(*v));
    testjson_parse(text, len, v);
    free(text);
    cr_assert_eq(v->type, J_OBJ);
    return v;
}

static uint8_t *dup_bytes(const void *p, size_t n)
{
    uint8_t *b = malloc(n ? n : 1);
    if (n)
        memcpy(b, p, n);
    return b;
}

/* ---- collecting what the decoder hands out ---- */

struct rec {
    uint64_t db;
    uint8_t *key;
    size_t klen;
    int64_t expire_ms, idle_s;
    int freq;
    int type;
    uint8_t *str; /* STRING values, decoded */
    size_t len;
    uint8_t *body;
    size_t body_len;
};

struct recs {
    struct rec *v;
    size_t n, cap;
    char aux[16][2][64];
    size_t naux;
    uint64_t resize_keys, resize_expires;
    int selects, resizes, functions;
    uint64_t last_db;
    int stop_after; /* key callback fails after this many keys (0 = never) */
};

static int on_aux(void *ud, const uint8_t *name, size_t nlen, const uint8_t *val, size_t vlen)
{
    struct recs *r = ud;
    if (r->naux < 16) {
        snprintf(r->aux[r->naux][0], 64, "%.*s", (int)nlen, name);
        snprintf(r->aux[r->naux][1], 64, "%.*s", (int)vlen, val);
        r->naux++;
    }
    return 0;
}

static int on_select(void *ud, uint64_t db)
{
    struct recs *r = ud;
    r->selects++;
    r->last_db = db;
    return 0;
}

static int on_resize(void *ud, uint64_t keys, uint64_t expires)
{
    struct recs *r = ud;
    r->resizes++;
    r->resize_keys = keys;
    r->resize_expires = expires;
    return 0;
}

static struct rdb_dec *current_dec;

static int on_key(void *ud, const struct rdb_key *k)
{
    struct recs *r = ud;
    if (r->stop_after && (int)r->n >= r->stop_after) {
        rdb_dec_fail(current_dec, "stop at key %.*s", (int)k->klen, k->key);
        return -1;
    }
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 64;
        r->v = realloc(r->v, r->cap * sizeof(*r->v));
    }
    struct rec *x = &r->v[r->n++];
    *x = (struct rec){.db = k->db, .key = dup_bytes(k->key, k->klen), .klen = k->klen,
                      .expire_ms = k->expire_ms, .idle_s = k->idle_s, .freq = k->freq,
                      .type = k->val.type, .body = dup_bytes(k->val.body, k->val.body_len),
                      .body_len = k->val.body_len};
    if (k->val.type == RDB_TYPE_STRING) {
        x->str = dup_bytes(k->val.str, k->val.len);
        x->len = k->val.len;
    }
    return 0;
}

static int on_function(void *ud, const uint8_t *code, size_t len)
{
    struct recs *r = ud;
    r->functions++;
    cr_assert(len >= 4 && !memcmp(code, "#!lua", 5));
    return 0;
}

static const struct rdb_dec_cb all_cb = {on_aux, on_select, on_resize, on_key, on_function};
static const struct rdb_dec_cb no_function_cb = {on_aux, on_select, on_resize, on_key, NULL};

static void recs_free(struct recs *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->v[i].key);
        free(r->v[i].str);
        free(r->v[i].body);
    }
    free(r->v);
    memset(r, 0, sizeof(*r));
}

static struct rdb_value rec_value(const struct rec *x)
{
    return (struct rdb_value){.type = x->type, .str = x->str, .len = x->len, .body = x->body,
                              .body_len = x->body_len};
}

static const struct rec *rec_find(const struct recs *r, const char *key)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->v[i].klen == strlen(key) && !memcmp(r->v[i].key, key, r->v[i].klen))
            return &r->v[i];
    return NULL;
}

/*
 * Feeds buf like a network reader would: chunk sizes from next_chunk (0 =
 * everything), keeping the unconsumed tail and appending the next chunk.
 * Returns the final status; *err gets the message.
 */
static unsigned chunk_seed;

static size_t next_random_chunk(size_t max)
{
    chunk_seed = chunk_seed * 1103515245u + 12345u;
    return 1 + (chunk_seed >> 8) % max;
}

static enum rdb_dec_status decode(const uint8_t *buf, size_t n, size_t chunk_max, const struct rdb_dec_cb *cb,
                                  unsigned flags, struct recs *out, char *err, size_t *consumed)
{
    struct rdb_dec d;
    rdb_dec_init(&d, cb, out, flags);
    current_dec = &d;
    uint8_t *pend = malloc(n + 1);
    size_t plen = 0, pos = 0, total = 0;
    while (d.status == RDB_DEC_MORE) {
        size_t c = chunk_max == 0 ? n - pos : next_random_chunk(chunk_max);
        if (c > n - pos)
            c = n - pos;
        memcpy(pend + plen, buf + pos, c);
        plen += c;
        pos += c;
        size_t used = rdb_dec_feed(&d, pend, plen);
        cr_assert_leq(used, plen);
        memmove(pend, pend + used, plen - used);
        plen -= used;
        total += used;
        if (d.status == RDB_DEC_MORE && used == 0 && c == 0)
            break; /* input ended */
    }
    cr_assert_eq(total, (size_t)d.consumed);
    if (err)
        snprintf(err, 256, "%s", d.err);
    if (consumed)
        *consumed = total;
    enum rdb_dec_status st = d.status;
    free(pend);
    rdb_dec_free(&d);
    return st;
}

/* ---- comparing values with the manifests ---- */

struct item {
    uint8_t *s;
    size_t len;
    uint8_t *s2; /* hash value */
    size_t len2;
    double score;
};

static int bytes_cmp(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
    int c = memcmp(a, b, an < bn ? an : bn);
    return c ? c : (an > bn) - (an < bn);
}

static int item_cmp(const void *x, const void *y)
{
    const struct item *a = x, *b = y;
    return bytes_cmp(a->s, a->len, b->s, b->len);
}

static int zitem_cmp(const void *x, const void *y)
{
    const struct item *a = x, *b = y;
    if (a->score != b->score)
        return a->score < b->score ? -1 : 1;
    return item_cmp(x, y);
}

/* All elements of a collection; hashes as pairs. Returns the count. */
static size_t collect(const struct rdb_value *v, bool pairs, struct item **out)
{
    struct rdb_iter it;
    cr_assert_eq(rdb_iter_init(&it, v), 0, "iter_init type %d", v->type);
    size_t n = 0, cap = 16, elems = 0;
    struct item *items = malloc(cap * sizeof(*items));
    struct rdb_elem e, e2;
    int rc;
    while ((rc = rdb_iter_next(&it, &e)) == 1) {
        elems++;
        if (n == cap)
            items = realloc(items, (cap *= 2) * sizeof(*items));
        items[n] = (struct item){.s = dup_bytes(e.s, e.len), .len = e.len, .score = e.score};
        if (pairs) {
            cr_assert_eq(rdb_iter_next(&it, &e2), 1, "hash field without value");
            elems++;
            /* the field must still be readable while its value is */
            cr_assert(!memcmp(items[n].s, e.s, e.len));
            items[n].s2 = dup_bytes(e2.s, e2.len);
            items[n].len2 = e2.len;
        }
        n++;
    }
    cr_assert_eq(rc, 0, "iterator reported corruption (type %d)", v->type);
    if (it.count >= 0)
        cr_assert_eq((size_t)it.count, elems, "iter count %lld != %zu", (long long)it.count, elems);
    rdb_iter_free(&it);
    *out = items;
    return n;
}

static void items_free(struct item *items, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(items[i].s);
        free(items[i].s2);
    }
    free(items);
}

static void assert_item_bytes(const uint8_t *s, size_t len, const struct jval *want, const char *what, size_t i)
{
    size_t wlen;
    uint8_t *w = jbytes(want, &wlen);
    cr_assert(wlen == len && !memcmp(w, s, len), "%s: element %zu differs (%zu vs %zu bytes)", what, i, len, wlen);
    free(w);
}

static double jscore(const struct jval *v)
{
    if (v->type == J_STR)
        return !strcmp(v->str, "inf") ? INFINITY : -INFINITY;
    cr_assert_eq(v->type, J_NUM);
    return v->num;
}

static void assert_value(const struct rdb_value *v, const char *type, const struct jval *want, const char *key)
{
    cr_assert_str_eq(rdb_type_name(v->type), type, "%s: type", key);
    struct item *items = NULL;
    size_t n;
    if (!strcmp(type, "string")) {
        assert_item_bytes(v->str, v->len, want, key, 0);
        struct rdb_iter it;
        cr_assert_eq(rdb_iter_init(&it, v), -1, "strings are not iterable");
    } else if (!strcmp(type, "stream")) {
        struct rdb_iter it;
        cr_assert_eq(rdb_iter_init(&it, v), -1, "streams are refused by the iterator");
    } else if (!strcmp(type, "list")) {
        n = collect(v, false, &items);
        cr_assert_eq(n, want->n, "%s: %zu elements, want %zu", key, n, want->n);
        for (size_t i = 0; i < n; i++)
            assert_item_bytes(items[i].s, items[i].len, &want->items[i], key, i);
    } else if (!strcmp(type, "set")) {
        n = collect(v, false, &items);
        cr_assert_eq(n, want->n, "%s: %zu members, want %zu", key, n, want->n);
        qsort(items, n, sizeof(*items), item_cmp);
        for (size_t i = 0; i < n; i++)
            assert_item_bytes(items[i].s, items[i].len, &want->items[i], key, i);
    } else if (!strcmp(type, "hash")) {
        n = collect(v, true, &items);
        cr_assert_eq(n, want->n, "%s: %zu fields, want %zu", key, n, want->n);
        bool ordered = v->type == RDB_TYPE_HASH_LISTPACK;
        for (size_t i = 0; i < n; i++) {
            size_t j = i;
            if (!ordered)
                for (j = 0; j < want->n; j++)
                    if (strlen(want->keys[j]) == items[i].len && !memcmp(want->keys[j], items[i].s, items[i].len))
                        break;
            cr_assert(j < want->n && strlen(want->keys[j]) == items[i].len &&
                          !memcmp(want->keys[j], items[i].s, items[i].len),
                      "%s: field %zu not where expected", key, i);
            assert_item_bytes(items[i].s2, items[i].len2, &want->items[j], key, i);
        }
    } else {
        cr_assert_str_eq(type, "zset");
        n = collect(v, false, &items);
        cr_assert_eq(n, want->n, "%s: %zu members, want %zu", key, n, want->n);
        qsort(items, n, sizeof(*items), zitem_cmp);
        for (size_t i = 0; i < n; i++) {
            assert_item_bytes(items[i].s, items[i].len, &want->items[i].items[0], key, i);
            cr_assert_eq(items[i].score, jscore(&want->items[i].items[1]), "%s: score %zu", key, i);
        }
    }
    if (items)
        items_free(items, n);
}

/* ---- golden vectors: RDB files ---- */

static void assert_all_types(const struct recs *r, const struct jval *m)
{
    const struct jval *keys = testjson_req(m, "keys");
    cr_assert_eq(r->n, (size_t)testjson_int(m, "key_count"));
    cr_assert_eq(r->n, keys->n);
    for (size_t i = 0; i < keys->n; i++) {
        const struct jval *k = &keys->items[i];
        const char *name = testjson_str(k, "key");
        const struct rec *x = rec_find(r, name);
        cr_assert(x, "key %s not decoded", name);
        cr_assert_eq(x->db, 0);
        cr_assert_eq(x->type, testjson_int(testjson_req(k, "rdb"), "rdb_type"), "%s: rdb type", name);
        const struct jval *px = testjson_req(k, "pexpireat");
        cr_assert_eq(x->expire_ms, px->type == J_NULL ? -1 : px->inum, "%s: expire", name);
        cr_assert_eq(x->idle_s, -1);
        cr_assert_eq(x->freq, -1);
        struct rdb_value v = rec_value(x);
        assert_value(&v, testjson_str(k, "type"), testjson_req(k, "value"), name);
    }
}

Test(rdb_vectors, all_types_every_key_matches_the_manifest)
{
    size_t n;
    uint8_t *buf = load("rdb/all-types.rdb", &n);
    struct jval *m = load_json("rdb/all-types.json");
    cr_assert_eq(n, (size_t)testjson_int(m, "size"));
    struct recs r = {0};
    char err[256];
    cr_assert_eq(decode(buf, n, 0, &all_cb, 0, &r, err, NULL), RDB_DEC_DONE, "%s", err);
    const struct jval *aux = testjson_req(m, "aux");
    cr_assert_eq(r.naux, aux->n);
    for (size_t i = 0; i < aux->n; i++) {
        cr_assert_str_eq(r.aux[i][0], testjson_str(&aux->items[i], "name"));
        cr_assert_str_eq(r.aux[i][1], testjson_str(&aux->items[i], "value"));
    }
    cr_assert_eq(r.selects, 1);
    cr_assert_eq(r.resizes, 1);
    const struct jval *rs = testjson_req(testjson_req(m, "resizedb"), "0");
    cr_assert_eq(r.resize_keys, (uint64_t)testjson_int(rs, "keys"));
    cr_assert_eq(r.resize_expires, (uint64_t)testjson_int(rs, "expires"));
    assert_all_types(&r, m);
    /* the CRC the decoder computed is the trailer's */
    struct recs r2 = {0};
    struct rdb_dec d;
    rdb_dec_init(&d, &all_cb, &r2, 0);
    current_dec = &d;
    cr_assert_eq(rdb_dec_feed(&d, buf, n), n);
    cr_assert_eq(d.status, RDB_DEC_DONE);
    char want[32];
    snprintf(want, sizeof(want), "0x%016llx", (unsigned long long)d.crc);
    cr_assert_str_eq(want, testjson_str(m, "crc64_value"));
    cr_assert_eq(d.keys, 33);
    rdb_dec_free(&d);
    recs_free(&r2);
    recs_free(&r);
    free(buf);
    testjson_free(m);
    free(m);
}

Test(rdb_vectors, empty_rdb)
{
    size_t n;
    uint8_t *buf = load("rdb/empty.rdb", &n);
    struct recs r = {0};
    char err[256];
    cr_assert_eq(decode(buf, n, 0, &all_cb, 0, &r, err, NULL), RDB_DEC_DONE, "%s", err);
    cr_assert_eq(r.n, 0);
    cr_assert_eq(r.naux, 5);
    cr_assert_eq(r.selects, 0);
    cr_assert_str_eq(r.aux[0][0], "redis-ver");
    cr_assert_str_eq(r.aux[0][1], "7.0.15");
    recs_free(&r);
    free(buf);
}

/* Same records whole, 1 byte at a time and in random chunks. */
static void assert_same_recs(const struct recs *a, const struct recs *b)
{
    cr_assert_eq(a->n, b->n);
    cr_assert_eq(a->naux, b->naux);
    for (size_t i = 0; i < a->n; i++) {
        const struct rec *x = &a->v[i], *y = &b->v[i];
        cr_assert(x->klen == y->klen && !memcmp(x->key, y->key, x->klen));
        cr_assert_eq(x->type, y->type);
        cr_assert_eq(x->expire_ms, y->expire_ms);
        cr_assert(x->body_len == y->body_len && !memcmp(x->body, y->body, x->body_len));
        cr_assert(x->len == y->len && (!x->len || !memcmp(x->str, y->str, x->len)));
    }
}

Test(rdb_vectors, chunked_feeding_gives_the_same_records)
{
    size_t n;
    uint8_t *buf = load("rdb/all-types.rdb", &n);
    struct recs whole = {0}, bytewise = {0};
    char err[256];
    cr_assert_eq(decode(buf, n, 0, &all_cb, 0, &whole, err, NULL), RDB_DEC_DONE);
    cr_assert_eq(decode(buf, n, 1, &all_cb, 0, &bytewise, err, NULL), RDB_DEC_DONE, "%s", err);
    assert_same_recs(&whole, &bytewise);
    recs_free(&bytewise);
    static const size_t maxes[] = {3, 17, 100, 1000, 5000, 20000};
    for (size_t k = 0; k < sizeof(maxes) / sizeof(maxes[0]); k++) {
        chunk_seed = (unsigned)k * 7919u + 1;
        struct recs r = {0};
        cr_assert_eq(decode(buf, n, maxes[k], &all_cb, 0, &r, err, NULL), RDB_DEC_DONE, "%s", err);
        assert_same_recs(&whole, &r);
        recs_free(&r);
    }
    recs_free(&whole);
    free(buf);
}

Test(rdb_vectors, truncated_never_reports_done)
{
    size_t n;
    uint8_t *buf = load("rdb/all-types.rdb", &n);
    for (size_t cut = 0; cut < n; cut += (cut < 200 || n - cut < 200) ? 1 : 997) {
        struct recs r = {0};
        uint8_t *copy = dup_bytes(buf, cut);
        size_t used;
        enum rdb_dec_status st = decode(copy, cut, 0, &all_cb, 0, &r, NULL, &used);
        cr_assert_eq(st, RDB_DEC_MORE, "cut at %zu: status %d", cut, st);
        cr_assert_lt(used, cut + 1);
        free(copy);
        recs_free(&r);
    }
    free(buf);
}

Test(rdb_vectors, corrupt_files_are_refused)
{
    static const struct {
        const char *file;
        enum rdb_dec_status st;
        const char *err;
    } cases[] = {
        {"rdb/corrupt-truncated.rdb", RDB_DEC_MORE, ""},
        {"rdb/corrupt-truncated-trailer.rdb", RDB_DEC_MORE, ""},
        {"rdb/corrupt-flipped-byte.rdb", RDB_DEC_ERROR,
         "Wrong RDB checksum expected: (33fdf68671f78243) but got (ac081dfbd97441ea). Aborting now."},
        {"rdb/corrupt-bad-magic.rdb", RDB_DEC_ERROR, "Wrong signature trying to load DB from file"},
        {"rdb/corrupt-version-11.rdb", RDB_DEC_ERROR, "Can't handle RDB format version 11"},
        {"rdb/corrupt-version-11-goodcrc.rdb", RDB_DEC_ERROR, "Can't handle RDB format version 11"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t n;
        uint8_t *buf = load(cases[i].file, &n);
        for (size_t chunk = 0; chunk <= 1; chunk++) {
            struct recs r = {0};
            char err[256];
            enum rdb_dec_status st = decode(buf, n, chunk ? 4096 : 0, &all_cb, 0, &r, err, NULL);
            cr_assert_eq(st, cases[i].st, "%s: status %d (%s)", cases[i].file, st, err);
            cr_assert_str_eq(err, cases[i].err, "%s", cases[i].file);
            recs_free(&r);
        }
        free(buf);
    }
}

Test(rdb_vectors, checksum_checks_can_be_skipped)
{
    size_t n;
    uint8_t *buf = load("rdb/corrupt-flipped-byte.rdb", &n);
    struct recs r = {0};
    char err[256];
    cr_assert_eq(decode(buf, n, 0, &all_cb, RDB_DEC_NO_CHECKSUM, &r, err, NULL), RDB_DEC_DONE, "%s", err);
    cr_assert_eq(r.n, 33);
    recs_free(&r);
    /* a stored zero means "not computed" */
    memset(buf + n - 8, 0, 8);
    cr_assert_eq(decode(buf, n, 0, &all_cb, 0, &r, err, NULL), RDB_DEC_DONE, "%s", err);
    recs_free(&r);
    free(buf);
}

Test(rdb_vectors, replication_payloads)
{
    static const char *files[] = {"replication/disk-fullsync-payload.rdb", "replication/diskless-fullsync-payload.rdb"};
    for (size_t i = 0; i < 2; i++) {
        size_t n;
        uint8_t *buf = load(files[i], &n);
        struct recs r = {0};
        char err[256];
        cr_assert_eq(decode(buf, n, 7, &all_cb, 0, &r, err, NULL), RDB_DEC_DONE, "%s", err);
        const struct rec *s = rec_find(&r, "preload:string");
        cr_assert(s && s->type == RDB_TYPE_STRING);
        const struct rec *db3 = rec_find(&r, "preload:db3");
        cr_assert(db3 && db3->db == 3);
        bool repl_id = false;
        for (size_t k = 0; k < r.naux; k++)
            if (!strcmp(r.aux[k][0], "repl-id"))
                repl_id = strlen(r.aux[k][1]) == 40;
        cr_assert(repl_id);
        recs_free(&r);
        free(buf);
    }
}

/* ---- golden vectors: DUMP payloads ---- */

Test(rdb_vectors, dump_payloads_match_the_manifest)
{
    struct jval *m = load_json("dump/dump.json");
    const struct jval *p = testjson_req(m, "payloads");
    cr_assert_eq(p->n, 33);
    struct rdb_scratch sc = {0};
    for (size_t i = 0; i < p->n; i++) {
        const struct jval *e = &p->items[i];
        char name[128];
        snprintf(name, sizeof(name), "dump/%s", testjson_str(e, "file"));
        size_t n;
        uint8_t *buf = load(name, &n);
        cr_assert_eq(n, (size_t)testjson_int(e, "payload_len"));
        struct rdb_value v;
        cr_assert_eq(rdb_dump_parse(buf, n, &v, &sc), RDB_DUMP_OK, "%s", name);
        cr_assert_eq(v.type, testjson_int(e, "rdb_type_byte"));
        assert_value(&v, testjson_str(e, "type"), testjson_req(e, "value"), name);
        /* any single flipped bit is caught by the footer or the body check */
        for (size_t k = 0; k < n; k += 1 + n / 64) {
            buf[k] ^= 0x10;
            cr_assert_neq(rdb_dump_parse(buf, n, &v, &sc), RDB_DUMP_OK, "%s flipped at %zu", name, k);
            buf[k] ^= 0x10;
        }
        free(buf);
    }
    rdb_scratch_free(&sc);
    testjson_free(m);
    free(m);
}

Test(rdb_vectors, corrupt_dump_payloads)
{
    static const struct {
        const char *file;
        enum rdb_dump_result want;
    } cases[] = {
        {"dump/corrupt-crc.bin", RDB_DUMP_BAD_FOOTER},
        {"dump/corrupt-version-11.bin", RDB_DUMP_BAD_FOOTER},
        {"dump/corrupt-version-11-stale-crc.bin", RDB_DUMP_BAD_FOOTER},
        {"dump/corrupt-short.bin", RDB_DUMP_BAD_FOOTER},
        {"dump/corrupt-bad-body.bin", RDB_DUMP_BAD_DATA},
        {"dump/corrupt-type-20.bin", RDB_DUMP_BAD_DATA},
    };
    struct rdb_scratch sc = {0};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t n;
        uint8_t *buf = load(cases[i].file, &n);
        struct rdb_value v;
        cr_assert_eq(rdb_dump_parse(buf, n, &v, &sc), cases[i].want, "%s", cases[i].file);
        free(buf);
    }
    rdb_scratch_free(&sc);
}

/* ---- CRC-64 and LZF ---- */

Test(rdb_crc64, check_values)
{
    cr_assert_eq(rdb_crc64(0, "123456789", 9), 0xe9c6d914c4b8d9caULL);
    cr_assert_eq(rdb_crc64(0, "", 0), 0);
    cr_assert_eq(rdb_crc64(0, "a", 1), 0x5fb354025b277b14ULL);
    uint64_t c = rdb_crc64(0, "REDIS0010\xff", 10);
    uint8_t le[8], want[8] = {0xa9, 0xfd, 0x37, 0xfe, 0x89, 0xa7, 0x7e, 0xeb};
    for (int i = 0; i < 8; i++)
        le[i] = (uint8_t)(c >> (8 * i));
    cr_assert_arr_eq(le, want, 8);
}

Test(rdb_crc64, incremental_equals_whole)
{
    uint8_t buf[1000];
    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = (uint8_t)(i * 31 + 7);
    uint64_t whole = rdb_crc64(0, buf, sizeof(buf));
    for (size_t cut = 0; cut <= sizeof(buf); cut += 37)
        cr_assert_eq(rdb_crc64(rdb_crc64(0, buf, cut), buf + cut, sizeof(buf) - cut), whole);
    /* the table-driven result equals the bitwise definition */
    uint64_t crc = 0;
    for (size_t i = 0; i < sizeof(buf); i++) {
        crc ^= buf[i];
        for (int k = 0; k < 8; k++)
            crc = (crc & 1) ? (crc >> 1) ^ 0x95ac9329ac4bc9b5ULL : crc >> 1;
    }
    cr_assert_eq(crc, whole);
}

Test(rdb_lzf, worked_examples)
{
    static const uint8_t c1[] = {0x03, 0x61, 0x62, 0x63, 0x61, 0xe0, 0x0b, 0x02, 0x02, 0x58, 0x59, 0x5a};
    char out[64];
    cr_assert(rdb_lzf_decompress(c1, sizeof(c1), out, 27));
    cr_assert(!memcmp(out, "abcabcabcabcabcabcabcabcXYZ", 27));
    cr_assert(!rdb_lzf_decompress(c1, sizeof(c1), out, 26), "output larger than announced");
    cr_assert(!rdb_lzf_decompress(c1, sizeof(c1), out, 28), "output smaller than announced");
    static const uint8_t c2[] = {0x01, 0x61, 0x61, 0xe0, 0x11, 0x00, 0x01, 0x61, 0x61};
    cr_assert(rdb_lzf_decompress(c2, sizeof(c2), out, 30));
    for (int i = 0; i < 30; i++)
        cr_assert_eq(out[i], 'a');
}

Test(rdb_lzf, malformed_input_is_refused)
{
    char out[64];
    static const uint8_t before_start[] = {0x00, 0x61, 0x20, 0x01}; /* distance 2 with 1 byte out */
    cr_assert(!rdb_lzf_decompress(before_start, sizeof(before_start), out, 4));
    static const uint8_t short_literal[] = {0x05, 0x61, 0x62};
    cr_assert(!rdb_lzf_decompress(short_literal, sizeof(short_literal), out, 6));
    static const uint8_t cut_ref[] = {0x00, 0x61, 0xe0, 0x05};
    cr_assert(!rdb_lzf_decompress(cut_ref, sizeof(cut_ref), out, 20));
    static const uint8_t cut_ref2[] = {0x00, 0x61, 0x20};
    cr_assert(!rdb_lzf_decompress(cut_ref2, sizeof(cut_ref2), out, 4));
}

static void lzf_round_trip(const uint8_t *in, size_t n, bool expect_fit)
{
    size_t cap = n + n / 16 + 64;
    uint8_t *c = malloc(cap), *back = malloc(n ? n : 1);
    size_t clen = rdb_lzf_compress(in, n, c, cap);
    if (expect_fit)
        cr_assert_gt(clen, 0, "compressible input of %zu bytes did not compress", n);
    if (clen) {
        cr_assert(rdb_lzf_decompress(c, clen, back, n), "round trip of %zu bytes", n);
        cr_assert(!memcmp(back, in, n));
        /* the budget is honoured: one byte less than needed fails cleanly */
        cr_assert_eq(rdb_lzf_compress(in, n, c, clen - 1), 0);
    }
    free(c);
    free(back);
}

Test(rdb_lzf, random_round_trips)
{
    unsigned seed = 42;
    for (int round = 0; round < 300; round++) {
        size_t n = 1 + (size_t)(rand_r(&seed) % (round < 250 ? 600 : 200000));
        uint8_t *in = malloc(n);
        int alphabet = 1 + rand_r(&seed) % 256;
        for (size_t i = 0; i < n; i++)
            in[i] = (uint8_t)(rand_r(&seed) % alphabet);
        if (round % 3 == 0) /* long repeats */
            for (size_t i = 20; i < n; i++)
                in[i] = in[i % 20];
        lzf_round_trip(in, n, round % 3 == 0 && n > 40);
        free(in);
    }
    /* incompressible data does not fit a budget below its size */
    uint8_t rnd[4096], out[4096];
    for (size_t i = 0; i < sizeof(rnd); i++)
        rnd[i] = (uint8_t)rand_r(&seed);
    cr_assert_eq(rdb_lzf_compress(rnd, sizeof(rnd), out, sizeof(rnd) - 4), 0);
    lzf_round_trip(rnd, sizeof(rnd), false);
}

/* ---- encoder ---- */

/* An in-memory file built by fn; returns its bytes (caller frees). */
static uint8_t *enc_mem(struct rdb_enc *e, size_t *n)
{
    *n = e->len;
    uint8_t *b = dup_bytes(e->buf, e->len);
    rdb_enc_free(e);
    return b;
}

static void assert_hex(const uint8_t *p, size_t len, const char *hex)
{
    uint8_t want[512];
    size_t n = testjson_unhex(hex, want);
    cr_assert_eq(len, n, "length %zu, want %zu", len, n);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(p[i], want[i], "byte %zu: %02x, want %02x", i, p[i], want[i]);
}

Test(rdb_enc, minimal_files_byte_exact)
{
    struct rdb_enc e;
    rdb_enc_init(&e, NULL, NULL, true, true);
    rdb_enc_header(&e);
    cr_assert_eq(rdb_enc_finish(&e), 0);
    size_t n;
    uint8_t *b = enc_mem(&e, &n);
    assert_hex(b, n, "524544495330303130ffa9fd37fe89a77eeb");
    free(b);

    rdb_enc_init(&e, NULL, NULL, true, true);
    rdb_enc_header(&e);
    rdb_enc_select_db(&e, 0);
    rdb_enc_resize_db(&e, 1, 0);
    rdb_enc_string_key(&e, "foo", 3, "bar", 3, -1);
    rdb_enc_finish(&e);
    b = enc_mem(&e, &n);
    assert_hex(b, n, "524544495330303130fe00fb01000003666f6f03626172ffa125e41c1ad07c4c");
    free(b);

    /* rdbchecksum no: a zero trailer */
    rdb_enc_init(&e, NULL, NULL, true, false);
    rdb_enc_header(&e);
    rdb_enc_finish(&e);
    b = enc_mem(&e, &n);
    assert_hex(b, n, "524544495330303130ff0000000000000000");
    free(b);
}

static uint8_t *dump_of_string(const void *s, size_t n, bool compress, size_t *len)
{
    struct rdb_enc e;
    rdb_enc_init(&e, NULL, NULL, compress, true);
    rdb_enc_type(&e, RDB_TYPE_STRING);
    rdb_enc_str(&e, s, n);
    cr_assert_eq(rdb_enc_dump_footer(&e), 0);
    return enc_mem(&e, len);
}

Test(rdb_enc, dump_payloads_byte_exact)
{
    size_t n;
    uint8_t *b = dump_of_string("hello", 5, true, &n);
    assert_hex(b, n, "000568656c6c6f0a006372df766534200a");
    free(b);
    b = dump_of_string("12345", 5, true, &n);
    assert_hex(b, n, "00c139300a009d94ea2793fc08b9");
    free(b);
    /* 30 x "a": LZF output is not canonical; it must be LZF, smaller, and decode */
    char a30[30];
    memset(a30, 'a', 30);
    b = dump_of_string(a30, 30, true, &n);
    cr_assert_eq(b[1], 0xc3);
    cr_assert_lt(n, 30 + 10);
    struct rdb_value v;
    struct rdb_scratch sc = {0};
    cr_assert_eq(rdb_dump_parse(b, n, &v, &sc), RDB_DUMP_OK);
    cr_assert(v.len == 30 && !memcmp(v.str, a30, 30));
    free(b);
    /* Redis's own bytes for it decode too */
    uint8_t redis[32];
    size_t rn = testjson_unhex("00c3091e016161e01100016161" "0a0045737cbb2b647bbb", redis);
    cr_assert_eq(rdb_dump_parse(redis, rn, &v, &sc), RDB_DUMP_OK);
    cr_assert(v.len == 30 && !memcmp(v.str, a30, 30));
    /* compression off: raw */
    b = dump_of_string(a30, 30, false, &n);
    cr_assert_eq(b[1], 30);
    cr_assert_eq(n, 1 + 1 + 30 + 10);
    free(b);
    rdb_scratch_free(&sc);
}

/* A writer that collects pieces, optionally failing at piece k. */
struct sink {
    uint8_t *buf;
    size_t len, cap, pieces, largest;
    int fail_at;
};

static int sink_write(void *ud, const void *p, size_t n)
{
    struct sink *s = ud;
    if (s->fail_at && (int)s->pieces + 1 == s->fail_at)
        return -1;
    if (s->len + n > s->cap) {
        while (s->len + n > s->cap)
            s->cap = s->cap ? 2 * s->cap : 4096;
        s->buf = realloc(s->buf, s->cap);
    }
    memcpy(s->buf + s->len, p, n);
    s->len += n;
    s->pieces++;
    if (n > s->largest)
        s->largest = n;
    return 0;
}

/* Encodes nkeys string keys (some with big values) through a sink. */
static void enc_many(struct rdb_enc *e, int nkeys)
{
    rdb_enc_header(e);
    rdb_enc_aux(e, "redis-ver", "7.0.15", 6);
    rdb_enc_aux_ll(e, "redis-bits", 64);
    rdb_enc_select_db(e, 0);
    rdb_enc_resize_db(e, (uint64_t)nkeys, 0);
    static char big[200000];
    unsigned seed = 99; /* incompressible: the value goes to write() directly */
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (char)rand_r(&seed);
    for (int i = 0; i < nkeys; i++) {
        char k[32], v[64];
        int kl = snprintf(k, sizeof(k), "key:%d", i), vl = snprintf(v, sizeof(v), "value-%d-%d", i, i * 3);
        if (i % 1000 == 999)
            rdb_enc_string_key(e, k, (size_t)kl, big, sizeof(big), (i / 1000) % 2 ? 4102444800000 : -1);
        else
            rdb_enc_string_key(e, k, (size_t)kl, v, (size_t)vl, -1);
    }
}

Test(rdb_enc, writes_in_chunks_with_the_same_bytes_and_crc)
{
    struct sink s = {0};
    struct rdb_enc e;
    rdb_enc_init(&e, sink_write, &s, true, true);
    enc_many(&e, 5000);
    cr_assert_eq(rdb_enc_finish(&e), 0);
    cr_assert_eq(e.total, s.len);
    cr_assert_gt(s.pieces, 5);
    rdb_enc_free(&e);
    /* the same encoding in memory gives the same bytes */
    rdb_enc_init(&e, NULL, NULL, true, true);
    enc_many(&e, 5000);
    rdb_enc_finish(&e);
    cr_assert_eq(e.len, s.len);
    cr_assert(!memcmp(e.buf, s.buf, s.len));
    rdb_enc_free(&e);
    struct recs r = {0};
    char err[256];
    cr_assert_eq(decode(s.buf, s.len, 0, &all_cb, 0, &r, err, NULL), RDB_DEC_DONE, "%s", err);
    cr_assert_eq(r.n, 5000);
    const struct rec *x = rec_find(&r, "key:999");
    cr_assert(x && x->len == 200000 && x->expire_ms == -1);
    x = rec_find(&r, "key:1999");
    cr_assert(x && x->len == 200000 && x->expire_ms == 4102444800000);
    x = rec_find(&r, "key:4321");
    cr_assert(x && x->len == strlen("value-4321-12963") && !memcmp(x->str, "value-4321-12963", x->len));
    recs_free(&r);
    free(s.buf);
}

Test(rdb_enc, write_failure_is_sticky)
{
    struct sink s = {.fail_at = 2};
    struct rdb_enc e;
    rdb_enc_init(&e, sink_write, &s, true, true);
    int rc = 0;
    for (int i = 0; i < 100000 && rc == 0; i++)
        rc = rdb_enc_string_key(&e, "k", 1, "some value that is long enough", 30, -1);
    cr_assert_eq(rc, -1);
    cr_assert(e.err);
    cr_assert_eq(rdb_enc_str(&e, "x", 1), -1);
    cr_assert_eq(rdb_enc_finish(&e), -1);
    cr_assert_eq(s.pieces, 1);
    rdb_enc_free(&e);
    free(s.buf);
}

/* ---- round trips of the primitive forms ---- */

static void string_round_trip(const void *s, size_t n, bool compress, int want_first_byte)
{
    size_t len;
    uint8_t *b = dump_of_string(s, n, compress, &len);
    if (want_first_byte >= 0)
        cr_assert_eq(b[1], want_first_byte, "'%.*s': form byte %02x, want %02x", (int)(n < 40 ? n : 40),
                     (const char *)s, b[1], want_first_byte);
    struct rdb_value v;
    struct rdb_scratch sc = {0};
    cr_assert_eq(rdb_dump_parse(b, len, &v, &sc), RDB_DUMP_OK);
    cr_assert_eq(v.type, RDB_TYPE_STRING);
    cr_assert(v.len == n && (n == 0 || !memcmp(v.str, s, n)), "round trip of %zu bytes", n);
    rdb_scratch_free(&sc);
    free(b);
}

Test(rdb_roundtrip, integer_forms_at_their_boundaries)
{
    static const struct {
        const char *s;
        int form;
    } cases[] = {
        {"0", 0xc0}, {"127", 0xc0}, {"-128", 0xc0}, {"128", 0xc1}, {"-129", 0xc1}, {"32767", 0xc1},
        {"-32768", 0xc1}, {"32768", 0xc2}, {"-32769", 0xc2}, {"2147483647", 0xc2}, {"-2147483648", 0xc2},
        {"2147483648", 10}, {"-2147483649", 11}, {"9223372036854775807", 19}, {"-9223372036854775808", 20},
        {"007", 3}, {"-0", 2}, {"+1", 2}, {" 1", 2}, {"1 ", 2}, {"00", 2}, {"1.0", 3}, {"-", 1}, {"", 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        string_round_trip(cases[i].s, strlen(cases[i].s), true, cases[i].form);
}

Test(rdb_roundtrip, string_lengths_binary_and_big)
{
    static const size_t lens[] = {0, 1, 20, 21, 63, 64, 100, 16383, 16384, 65535, 65536, 70000, 1 << 20};
    unsigned seed = 7;
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        size_t n = lens[i];
        uint8_t *rnd = malloc(n + 1), *rep = malloc(n + 1);
        for (size_t k = 0; k < n; k++) {
            rnd[k] = (uint8_t)rand_r(&seed);
            rep[k] = (uint8_t)("binary\0\xff"[k % 8]);
        }
        int lf = n < 64 ? (int)n : n < 16384 ? 0x40 | (int)(n >> 8) : 0x80;
        string_round_trip(rnd, n, true, lf); /* random bytes never compress */
        string_round_trip(rnd, n, false, lf);
        string_round_trip(rep, n, false, lf);
        string_round_trip(rep, n, true, n > 20 ? 0xc3 : lf);
        free(rnd);
        free(rep);
    }
}

Test(rdb_roundtrip, length_forms_through_resizedb)
{
    static const uint64_t vals[] = {0, 1, 63, 64, 16383, 16384, 0xffffffffULL, 0x100000000ULL, UINT64_MAX};
    static const size_t sizes[] = {1, 1, 1, 2, 2, 5, 5, 9, 9};
    for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
        struct rdb_enc e;
        rdb_enc_init(&e, NULL, NULL, true, true);
        rdb_enc_header(&e);
        size_t before = e.len;
        rdb_enc_resize_db(&e, vals[i], vals[sizeof(vals) / sizeof(vals[0]) - 1 - i]);
        cr_assert_eq(e.len - before, 1 + sizes[i] + sizes[sizeof(vals) / sizeof(vals[0]) - 1 - i]);
        rdb_enc_finish(&e);
        size_t n;
        uint8_t *b = enc_mem(&e, &n);
        struct recs r = {0};
        char err[256];
        cr_assert_eq(decode(b, n, 1, &all_cb, 0, &r, err, NULL), RDB_DEC_DONE, "%s", err);
        cr_assert_eq(r.resize_keys, vals[i]);
        cr_assert_eq(r.resize_expires, vals[sizeof(vals) / sizeof(vals[0]) - 1 - i]);
        recs_free(&r);
        free(b);
    }
}

Test(rdb_roundtrip, non_minimal_length_forms_are_accepted)
{
    /* key "k" and value "v" with 14-bit and 32-bit length forms */
    uint8_t file[64];
    size_t n = testjson_unhex("524544495330303130" "00" "4001" "6b" "8000000001" "76" "ff" "0000000000000000", file);
    struct recs r = {0};
    char err[256];
    cr_assert_eq(decode(file, n, 0, &all_cb, 0, &r, err, NULL), RDB_DEC_DONE, "%s", err);
    cr_assert_eq(r.n, 1);
    cr_assert(r.v[0].len == 1 && r.v[0].str[0] == 'v');
    recs_free(&r);
}

/* ---- listpack and intset builders ---- */

/* A DUMP payload of type + one blob string. */
static uint8_t *dump_of_blob(int type, const uint8_t *blob, size_t n, bool compress, size_t *len)
{
    struct rdb_enc e;
    rdb_enc_init(&e, NULL, NULL, compress, true);
    rdb_enc_type(&e, type);
    if (type == RDB_TYPE_LIST_QUICKLIST_2) {
        rdb_enc_len(&e, 1);
        rdb_enc_len(&e, 2); /* PACKED */
    }
    rdb_enc_str(&e, blob, n);
    rdb_enc_dump_footer(&e);
    return enc_mem(&e, len);
}

static void assert_elems(const uint8_t *payload, size_t n, const char *const *want, size_t nwant,
                         const double *scores)
{
    struct rdb_value v;
    struct rdb_scratch sc = {0};
    cr_assert_eq(rdb_dump_parse(payload, n, &v, &sc), RDB_DUMP_OK);
    struct rdb_iter it;
    cr_assert_eq(rdb_iter_init(&it, &v), 0);
    struct rdb_elem e;
    for (size_t i = 0; i < nwant; i++) {
        cr_assert_eq(rdb_iter_next(&it, &e), 1, "element %zu missing", i);
        cr_assert(e.len == strlen(want[i]) && !memcmp(e.s, want[i], e.len), "element %zu: '%.*s' want '%s'", i,
                  (int)e.len, e.s, want[i]);
        if (scores)
            cr_assert_eq(e.score, scores[i], "score %zu", i);
    }
    cr_assert_eq(rdb_iter_next(&it, &e), 0);
    rdb_iter_free(&it);
    rdb_scratch_free(&sc);
}

Test(rdb_lp, worked_listpack_of_the_spec)
{
    struct rdb_lp lp;
    rdb_lp_init(&lp);
    static const char *const elems[] = {"-1", "-4096", "4095", "-32768", "8388607", "-2147483648",
                                        "9223372036854775807", "007"};
    for (size_t i = 0; i < 8; i++)
        rdb_lp_append(&lp, elems[i], strlen(elems[i]));
    char bs[200];
    memset(bs, 'B', sizeof(bs));
    rdb_lp_append(&lp, bs, sizeof(bs));
    rdb_lp_finish(&lp);
    cr_assert_eq(lp.len, 250);
    cr_assert_eq(lp.count, 9);
    uint8_t want[250];
    size_t n;
    static const char head[] = "fa0000000900" "dfff02" "d00002" "cfff02" "f1008003" "f2ffff7f04" "f30000008005"
                               "f4ffffffffffffff7f09" "8330303704" "e0c8";
    n = testjson_unhex(head, want);
    memset(want + n, 0x42, 200);
    want[n + 200] = 0x01;
    want[n + 201] = 0xca;
    want[n + 202] = 0xff;
    cr_assert_eq(n + 203, 250);
    cr_assert_arr_eq(lp.buf, want, 250);
    /* and readable as a list node, a plain listpack, compressed or not */
    const char *all[9];
    for (size_t i = 0; i < 8; i++)
        all[i] = elems[i];
    char bstr[201];
    memcpy(bstr, bs, 200);
    bstr[200] = '\0';
    all[8] = bstr;
    for (int compress = 0; compress <= 1; compress++) {
        size_t len;
        uint8_t *p = dump_of_blob(RDB_TYPE_LIST_QUICKLIST_2, lp.buf, lp.len, compress, &len);
        assert_elems(p, len, all, 9, NULL);
        free(p);
    }
    rdb_lp_free(&lp);
}

Test(rdb_lp, spec_observed_blobs)
{
    struct rdb_lp lp;
    rdb_lp_init(&lp);
    rdb_lp_append(&lp, "a", 1);
    rdb_lp_append(&lp, "b", 1);
    rdb_lp_append_ll(&lp, 1);
    rdb_lp_append(&lp, "2", 1);
    rdb_lp_finish(&lp);
    assert_hex(lp.buf, lp.len, "11000000040081610281620201010201ff");
    rdb_lp_free(&lp);

    rdb_lp_init(&lp); /* hash {f1:v1, f2:"12"} */
    rdb_lp_append(&lp, "f1", 2);
    rdb_lp_append(&lp, "v1", 2);
    rdb_lp_append(&lp, "f2", 2);
    rdb_lp_append(&lp, "12", 2);
    rdb_lp_finish(&lp);
    assert_hex(lp.buf, lp.len, "1500000004008266310382763103826632030c01ff");
    size_t len;
    uint8_t *p = dump_of_blob(RDB_TYPE_HASH_LISTPACK, lp.buf, lp.len, true, &len);
    static const char *const h[] = {"f1", "v1", "f2", "12"};
    assert_elems(p, len, h, 4, NULL);
    free(p);
    rdb_lp_free(&lp);

    rdb_lp_init(&lp); /* zset {a:1, b:2.5} */
    rdb_lp_append(&lp, "a", 1);
    rdb_lp_append_ll(&lp, 1);
    rdb_lp_append(&lp, "b", 1);
    rdb_lp_append(&lp, "2.5", 3);
    rdb_lp_finish(&lp);
    assert_hex(lp.buf, lp.len, "140000000400816102010181620283322e3504ff");
    p = dump_of_blob(RDB_TYPE_ZSET_LISTPACK, lp.buf, lp.len, true, &len);
    static const char *const z[] = {"a", "b"};
    static const double zs[] = {1, 2.5};
    assert_elems(p, len, z, 2, zs);
    free(p);
    rdb_lp_free(&lp);

    rdb_lp_init(&lp);
    rdb_lp_finish(&lp);
    assert_hex(lp.buf, lp.len, "070000000000ff");
    rdb_lp_free(&lp);
}

Test(rdb_lp, entry_widths_and_backlen_boundaries)
{
    /* strings around every string-form and backlen boundary, integers at every width */
    static const size_t slens[] = {0, 63, 64, 126, 127, 4095, 4096, 16377, 16378, 16379, 16383, 20000};
    static const long long ints[] = {0, 127, 128, -1, 4095, -4096, 4096, -4097, 32767, -32768, 32768,
                                     8388607, -8388608, 8388608, INT32_MAX, INT32_MIN, (long long)INT32_MAX + 1,
                                     LLONG_MAX, LLONG_MIN};
    struct rdb_lp lp;
    rdb_lp_init(&lp);
    size_t nl = sizeof(slens) / sizeof(slens[0]), ni = sizeof(ints) / sizeof(ints[0]);
    const char **want = malloc((nl + ni) * sizeof(char *));
    char *bufs = malloc(nl * 20001);
    char nums[32][24];
    for (size_t i = 0; i < nl; i++) {
        char *s = bufs + i * 20001;
        for (size_t k = 0; k < slens[i]; k++)
            s[k] = (char)('a' + k % 26);
        s[slens[i]] = '\0';
        rdb_lp_append(&lp, s, slens[i]);
        want[i] = s;
    }
    for (size_t i = 0; i < ni; i++) {
        snprintf(nums[i], sizeof(nums[i]), "%lld", ints[i]);
        if (i % 2)
            rdb_lp_append_ll(&lp, ints[i]);
        else
            rdb_lp_append(&lp, nums[i], strlen(nums[i]));
        want[nl + i] = nums[i];
    }
    rdb_lp_finish(&lp);
    size_t len;
    uint8_t *p = dump_of_blob(RDB_TYPE_LIST_QUICKLIST_2, lp.buf, lp.len, false, &len);
    assert_elems(p, len, want, nl + ni, NULL);
    free(p);
    rdb_lp_free(&lp);
    free(want);
    free(bufs);
}

Test(rdb_lp, intsets)
{
    int64_t v3[] = {1, 2, 3};
    size_t n;
    uint8_t *b = rdb_intset_build(v3, 3, &n);
    assert_hex(b, n, "0200000003000000010002000300");
    size_t len;
    uint8_t *p = dump_of_blob(RDB_TYPE_SET_INTSET, b, n, true, &len);
    static const char *const w3[] = {"1", "2", "3"};
    assert_elems(p, len, w3, 3, NULL);
    free(p);
    free(b);
    int64_t v4[] = {-70000, 1, 70000};
    b = rdb_intset_build(v4, 3, &n);
    cr_assert_eq(b[0], 4);
    cr_assert_eq(n, 8 + 12);
    free(b);
    int64_t v8[] = {INT64_MIN, 1, 5000000000LL, INT64_MAX};
    b = rdb_intset_build(v8, 4, &n);
    cr_assert_eq(b[0], 8);
    p = dump_of_blob(RDB_TYPE_SET_INTSET, b, n, false, &len);
    static const char *const w8[] = {"-9223372036854775808", "1", "5000000000", "9223372036854775807"};
    assert_elems(p, len, w8, 4, NULL);
    free(p);
    /* unsorted or duplicate members are corruption */
    b[8] = 0x02; /* first member now greater than the second */
    b[15] = 0x7f;
    p = dump_of_blob(RDB_TYPE_SET_INTSET, b, n, false, &len);
    struct rdb_value v;
    struct rdb_scratch sc = {0};
    cr_assert_eq(rdb_dump_parse(p, len, &v, &sc), RDB_DUMP_BAD_DATA);
    free(p);
    free(b);
    rdb_scratch_free(&sc);
}

/* ---- hand-built bodies of every older encoding ---- */

static uint8_t *dump_of_hex(const char *hex, size_t *len)
{
    uint8_t body[512];
    size_t n = testjson_unhex(hex, body);
    struct rdb_enc e;
    rdb_enc_init(&e, NULL, NULL, true, true);
    rdb_enc_raw(&e, body, n);
    rdb_enc_dump_footer(&e);
    return enc_mem(&e, len);
}

static void assert_hex_value(const char *hex, const char *const *want, size_t n, const double *scores)
{
    size_t len;
    uint8_t *p = dump_of_hex(hex, &len);
    assert_elems(p, len, want, n, scores);
    free(p);
}

static void assert_hex_bad(const char *hex)
{
    size_t len;
    uint8_t *p = dump_of_hex(hex, &len);
    struct rdb_value v;
    struct rdb_scratch sc = {0};
    cr_assert_eq(rdb_dump_parse(p, len, &v, &sc), RDB_DUMP_BAD_DATA, "accepted %s", hex);
    rdb_scratch_free(&sc);
    free(p);
}

Test(rdb_old, ziplists_zipmaps_quicklist1_and_hashtable_types)
{
    static const char *const l25[] = {"2", "5"};
    assert_hex_value("0a" "0f" "0f0000000c000000020000f302f6ff", l25, 2, NULL);          /* LIST_ZIPLIST */
    assert_hex_value("0e" "01" "0f" "0f0000000c000000020000f302f6ff", l25, 2, NULL);      /* LIST_QUICKLIST */
    static const char *const fv[] = {"f", "v"};
    assert_hex_value("0d" "11" "110000000d0000000200000166030176ff", fv, 2, NULL);        /* HASH_ZIPLIST */
    static const char *const mn[] = {"m", "n"};
    static const double mns[] = {1.5, 7};
    assert_hex_value("0c" "18" "18000000150000000400" "00016d" "0303312e35" "05016e" "03f8" "ff", mn, 2, mns);
    static const char *const zm[] = {"a", "1", "bb", "22"};
    assert_hex_value("09" "0f" "02" "0161" "010031" "026262" "0201323200" "ff", zm, 4, NULL); /* HASH_ZIPMAP */
    static const char *const x5[] = {"x", "5"};
    assert_hex_value("01" "02" "0178" "c005", x5, 2, NULL);                              /* LIST */
    assert_hex_value("02" "02" "0178" "c005", x5, 2, NULL);                              /* SET */
    assert_hex_value("04" "01" "0178" "c005", x5, 2, NULL);                              /* HASH */
    static const char *const abc[] = {"a", "b", "c"};
    static const double abcs[] = {1.5, INFINITY, -INFINITY};
    assert_hex_value("03" "03" "0161" "03312e35" "0162" "fe" "0163" "ff", abc, 3, abcs);  /* ZSET, text scores */
    static const char *const ab[] = {"a", "b"};
    static const double abd[] = {2, -0.5};
    assert_hex_value("05" "02" "0161" "0000000000000040" "0162" "000000000000e0bf", ab, 2, abd); /* ZSET_2 */
    /* a quicklist 2 PLAIN node among packed ones */
    static const char *const pl[] = {"2", "plain-element", "2", "5"};
    assert_hex_value("12" "03" "02" "09" "0900000001000201ff" "01" "0d" "706c61696e2d656c656d656e74"
                     "02" "0b" "0b000000020002010501ff",
                     pl, 4, NULL);
}

Test(rdb_old, corrupt_bodies_are_refused)
{
    assert_hex_bad("0a" "0f" "0f0000000d000000020000f302f6ff");     /* ziplist tail offset wrong */
    assert_hex_bad("0a" "0f" "0f0000000c000000030000f302f6ff");     /* ziplist count wrong */
    assert_hex_bad("0a" "0f" "0f0000000c000000020000f303f6ff");     /* ziplist prevlen wrong */
    assert_hex_bad("0a" "0f" "0f0000000c000000020000f302f5fe");     /* no terminator */
    assert_hex_bad("0a" "0f" "0f0000000c000000020000f302c5ff");     /* bad encoding */
    assert_hex_bad("0d" "0f" "0f0000000c000000020000f302f6ff" "00"); /* trailing byte */
    assert_hex_bad("0d" "0b" "0b0000000a0000000000ff" "00");          /* hash ziplist, trailing */
    assert_hex_bad("12" "01" "03" "09" "0900000001000201ff");         /* container 3 */
    assert_hex_bad("12" "01" "02" "09" "0a00000001000201ff");         /* listpack total wrong */
    assert_hex_bad("12" "01" "02" "09" "0900000002000201ff");         /* listpack count wrong */
    assert_hex_bad("12" "01" "02" "09" "0900000001000202ff");         /* backlen wrong */
    assert_hex_bad("12" "01" "02" "09" "090000000100f501ff");         /* bad entry */
    assert_hex_bad("12" "01" "02" "00");                              /* zero-length packed node */
    assert_hex_bad("10" "09" "0900000001000201ff");                   /* hash listpack, odd count */
    assert_hex_bad("11" "0d" "0d0000000200816102816202ff");          /* zset listpack, score "b" */
    assert_hex_bad("05" "01" "0161" "000000000000f87f");              /* NaN score */
    assert_hex_bad("03" "01" "0161" "fd");                            /* NaN text score */
    assert_hex_bad("03" "01" "0161" "027878");                       /* unparsable text score */
    assert_hex_bad("0b" "0e" "0200000003000000010001000300");         /* intset duplicate */
    assert_hex_bad("0b" "0e" "0300000003000000010002000300");         /* intset width 3 */
    assert_hex_bad("0b" "08" "0200000000000000");                     /* empty intset */
    assert_hex_bad("09" "0f" "03" "0161" "010031" "026262" "0201323200" "ff"); /* zipmap count */
    assert_hex_bad("00" "c3" "05" "01" "00");                         /* LZF lengths impossible */
    assert_hex_bad("00" "c3" "04" "05" "00612005");                   /* LZF reference before start */
    assert_hex_bad("00" "c4");                                        /* unknown string form */
    assert_hex_bad("00" "82");                                        /* unknown length form */
    assert_hex_bad("02" "05" "0161");                                 /* set shorter than its count */
    assert_hex_bad("07" "00");                                        /* module */
    assert_hex_bad("08" "00");                                        /* type 8 */
    assert_hex_bad("14" "00");                                        /* type 20 (RDB 11 set listpack) */
}

Test(rdb_old, streams_are_walked_and_named)
{
    size_t n;
    uint8_t *buf = load("dump/stream-basic.bin", &n);
    struct rdb_value v;
    struct rdb_scratch sc = {0};
    cr_assert_eq(rdb_dump_parse(buf, n, &v, &sc), RDB_DUMP_OK);
    cr_assert_eq(v.type, RDB_TYPE_STREAM_LISTPACKS_2);
    cr_assert_str_eq(rdb_type_name(v.type), "stream");
    struct rdb_iter it;
    cr_assert_eq(rdb_iter_init(&it, &v), -1);
    /* cut anywhere inside, the body no longer parses */
    for (size_t cut = 1; cut < n - 10; cut++) {
        struct rdb_enc e;
        rdb_enc_init(&e, NULL, NULL, false, true);
        rdb_enc_raw(&e, buf, cut);
        rdb_enc_dump_footer(&e);
        cr_assert_eq(rdb_dump_parse(e.buf, e.len, &v, &sc), RDB_DUMP_BAD_DATA, "cut %zu", cut);
        rdb_enc_free(&e);
    }
    rdb_scratch_free(&sc);
    free(buf);
}

Test(rdb_old, type_names)
{
    cr_assert_str_eq(rdb_type_name(0), "string");
    cr_assert_str_eq(rdb_type_name(18), "list");
    cr_assert_str_eq(rdb_type_name(11), "set");
    cr_assert_str_eq(rdb_type_name(17), "zset");
    cr_assert_str_eq(rdb_type_name(9), "hash");
    cr_assert_str_eq(rdb_type_name(15), "stream");
    cr_assert_str_eq(rdb_type_name(7), "module");
    cr_assert_null(rdb_type_name(8));
    cr_assert_null(rdb_type_name(20));
    cr_assert_null(rdb_type_name(-1));
}

/* ---- decoder framing ---- */

/* A file from hex records between the magic and the EOF, CRC computed. */
static uint8_t *file_of(const char *version, const char *hex, bool trailer, size_t *len)
{
    uint8_t *b = malloc(9 + strlen(hex) / 2 + 9);
    memcpy(b, "REDIS", 5);
    memcpy(b + 5, version, 4);
    size_t n = 9 + testjson_unhex(hex, b + 9);
    b[n++] = 0xff;
    if (trailer) {
        uint64_t crc = rdb_crc64(0, b, n);
        for (int i = 0; i < 8; i++)
            b[n++] = (uint8_t)(crc >> (8 * i));
    }
    *len = n;
    return b;
}

static enum rdb_dec_status decode_hex(const char *version, const char *hex, const struct rdb_dec_cb *cb,
                                      struct recs *r, char *err)
{
    size_t n;
    uint8_t *b = file_of(version, hex, strcmp(version, "0005") >= 0, &n);
    enum rdb_dec_status whole = decode(b, n, 0, cb, 0, r, err, NULL);
    struct recs r2 = {.stop_after = r->stop_after};
    char err2[256];
    enum rdb_dec_status bytewise = decode(b, n, 1, cb, 0, &r2, err2, NULL);
    cr_assert_eq(whole, bytewise, "whole and bytewise feeding disagree");
    cr_assert_str_eq(err, err2);
    cr_assert_eq(r->n, r2.n);
    recs_free(&r2);
    free(b);
    return whole;
}

static void assert_refused(const char *hex, const char *needle)
{
    struct recs r = {0};
    char err[256];
    cr_assert_eq(decode_hex("0010", hex, &no_function_cb, &r, err), RDB_DEC_ERROR, "accepted %s", hex);
    cr_assert(strstr(err, needle), "'%s' does not say '%s'", err, needle);
    recs_free(&r);
}

Test(rdb_dec, error_classes)
{
    assert_refused("14" "016b" "00", "Unknown RDB value type 20");
    assert_refused("08" "016b" "00", "Unknown RDB value type 8");
    assert_refused("07" "016b" "00", "module");
    assert_refused("06" "016b" "00", "module");
    assert_refused("f7" "00", "module");
    assert_refused("fe" "10", "databases");
    assert_refused("f5" "0a" "23216c7561206e616d65", "function");
    assert_refused("f6" "00", "function");
    assert_refused("00" "82", "Unknown length encoding");
    assert_refused("00" "016b" "c5", "string encoding");
    assert_refused("00" "016b" "c3" "0401" "61626364", "LZF");
    struct recs r = {0};
    char err[256];
    size_t n;
    uint8_t *b = file_of("0000", "", true, &n);
    cr_assert_eq(decode(b, n, 0, &all_cb, 0, &r, err, NULL), RDB_DEC_ERROR);
    cr_assert_str_eq(err, "Can't handle RDB format version 0");
    free(b);
}

Test(rdb_dec, prefixes_any_order_and_reset_after_the_key)
{
    struct recs r = {0};
    char err[256];
    /* fd (seconds) + f8 idle + aux in between + f9 freq, then a key; the next key has none */
    const char *hex = "fd" "10000000" "f8" "4064" "fa" "0161" "0162" "f9" "05" "00" "016b" "0176"
                      "fe" "02" "00" "016c" "0177"
                      "f9" "ff" "fc" "0100000000000000" "00" "016d" "0178";
    cr_assert_eq(decode_hex("0010", hex, &all_cb, &r, err), RDB_DEC_DONE, "%s", err);
    cr_assert_eq(r.n, 3);
    cr_assert_eq(r.v[0].expire_ms, 16000);
    cr_assert_eq(r.v[0].idle_s, 100);
    cr_assert_eq(r.v[0].freq, 5);
    cr_assert_eq(r.v[0].db, 0);
    cr_assert_eq(r.v[1].expire_ms, -1);
    cr_assert_eq(r.v[1].idle_s, -1);
    cr_assert_eq(r.v[1].freq, -1);
    cr_assert_eq(r.v[1].db, 2);
    cr_assert_eq(r.v[2].freq, 255);
    cr_assert_eq(r.v[2].expire_ms, 1);
    cr_assert_eq(r.naux, 1);
    recs_free(&r);
}

Test(rdb_dec, functions_and_old_versions)
{
    struct recs r = {0};
    char err[256];
    cr_assert_eq(decode_hex("0010", "f5" "0a" "23216c7561206e616d65", &all_cb, &r, err), RDB_DEC_DONE, "%s", err);
    cr_assert_eq(r.functions, 1);
    recs_free(&r);
    /* before version 5 there is no checksum trailer */
    cr_assert_eq(decode_hex("0004", "fe00" "00" "016b" "0176", &all_cb, &r, err), RDB_DEC_DONE, "%s", err);
    cr_assert_eq(r.n, 1);
    recs_free(&r);
}

Test(rdb_dec, a_failing_callback_stops_decoding)
{
    struct recs r = {.stop_after = 2};
    char err[256];
    const char *hex = "00" "0161" "0176" "00" "0162" "0176" "00" "0163" "0176";
    cr_assert_eq(decode_hex("0010", hex, &all_cb, &r, err), RDB_DEC_ERROR);
    cr_assert_str_eq(err, "stop at key c");
    cr_assert_eq(r.n, 2);
    recs_free(&r);
}

Test(rdb_dec, bytes_after_the_trailer_are_not_consumed)
{
    size_t n;
    uint8_t *b = file_of("0010", "00" "0161" "0176", true, &n);
    uint8_t *more = malloc(n + 40);
    memcpy(more, b, n);
    memset(more + n, 0xab, 40); /* e.g. the EOF mark of a diskless transfer */
    struct rdb_dec d;
    struct recs r = {0};
    rdb_dec_init(&d, &all_cb, &r, 0);
    current_dec = &d;
    cr_assert_eq(rdb_dec_feed(&d, more, n + 40), n);
    cr_assert_eq(d.status, RDB_DEC_DONE);
    cr_assert_eq(rdb_dec_feed(&d, more + n, 40), 0);
    cr_assert_eq(d.status, RDB_DEC_DONE);
    rdb_dec_free(&d);
    recs_free(&r);
    free(more);
    free(b);
}

Test(rdb_dec, need_says_how_much_a_record_needs)
{
    /* a 100000-byte string record: after its first bytes, need is exact */
    struct rdb_enc e;
    rdb_enc_init(&e, NULL, NULL, false, true);
    rdb_enc_header(&e);
    char *big = malloc(100000);
    memset(big, 'z', 100000);
    rdb_enc_string_key(&e, "k", 1, big, 100000, -1);
    rdb_enc_finish(&e);
    struct rdb_dec d;
    struct recs r = {0};
    rdb_dec_init(&d, &all_cb, &r, 0);
    current_dec = &d;
    cr_assert_eq(rdb_dec_feed(&d, e.buf, 9 + 1000), 9);
    cr_assert_eq(d.status, RDB_DEC_MORE);
    cr_assert_eq(d.need, 1 + 2 + 5 + 100000, "need %zu", d.need);
    size_t need = d.need;
    cr_assert_eq(rdb_dec_feed(&d, e.buf + 9, need), need);
    cr_assert_eq(r.n, 1);
    rdb_dec_free(&d);
    rdb_enc_free(&e);
    recs_free(&r);

    /* a big set arriving in 64-byte pieces: need never overshoots the
     * record, and the walk resumes where it stopped (else this takes hours) */
    rdb_enc_init(&e, NULL, NULL, false, true);
    rdb_enc_header(&e);
    rdb_enc_type(&e, RDB_TYPE_SET);
    rdb_enc_str(&e, "s", 1);
    rdb_enc_len(&e, 200000);
    for (int i = 0; i < 200000; i++) {
        char m[16];
        rdb_enc_str(&e, m, (size_t)snprintf(m, sizeof(m), "m%d", i));
    }
    rdb_enc_finish(&e);
    rdb_dec_init(&d, &all_cb, &r, 0);
    size_t have = 0, pos = 0, feeds = 0;
    uint64_t max_idx = 0;
    while (d.status == RDB_DEC_MORE && have < e.len) {
        have = have + 64 < e.len ? have + 64 : e.len;
        if (d.need > have - pos)
            continue; /* what a caller does with the hint */
        pos += rdb_dec_feed(&d, e.buf + pos, have - pos);
        feeds++;
        if (d.status == RDB_DEC_MORE) {
            cr_assert_leq(pos + d.need, e.len, "need %zu overshoots the file", d.need);
            if (d.ck_idx > max_idx)
                max_idx = d.ck_idx;
        }
    }
    cr_assert_eq(d.status, RDB_DEC_DONE);
    cr_assert_gt(feeds, 1000);
    cr_assert_gt(max_idx, 199000, "the walk of the partial record was not kept");
    cr_assert_eq(r.n, 1);
    struct rdb_value v = rec_value(&r.v[0]);
    struct item *items;
    size_t n = collect(&v, false, &items);
    cr_assert_eq(n, 200000);
    items_free(items, n);
    rdb_dec_free(&d);
    rdb_enc_free(&e);
    recs_free(&r);
    free(big);
}

Test(rdb_dec, a_partial_record_is_not_walked_twice)
{
    /* white box: after a short feed, the elements already validated are
     * skipped. Spoiling one of them between calls (which a real caller must
     * not do) shows it: the resumed walk does not look at it again. */
    size_t n;
    uint8_t *b = file_of("0010", "02" "0173" "03" "03616161" "03626262" "03636363", true, &n);
    size_t first_member = 9 + 1 + 2 + 1;
    memset(b + n - 8, 0, 8); /* a zero trailer: the CRC is not checked */
    struct recs r = {0};
    struct rdb_dec d;
    rdb_dec_init(&d, &all_cb, &r, 0);
    current_dec = &d;
    cr_assert_eq(rdb_dec_feed(&d, b, first_member + 4 + 4 + 2), 9);
    cr_assert_eq(d.status, RDB_DEC_MORE);
    cr_assert_eq(d.need, 1 + 2 + 1 + 4 * 3, "need %zu", d.need);
    b[first_member] = 0xc5; /* an invalid string form */
    cr_assert_eq(rdb_dec_feed(&d, b + 9, n - 9), n - 9);
    cr_assert_eq(d.status, RDB_DEC_DONE, "%s", d.err);
    rdb_dec_free(&d);
    recs_free(&r);
    /* a fresh walk over the same bytes does see it */
    char err[256];
    cr_assert_eq(decode(b, n, 0, &all_cb, 0, &r, err, NULL), RDB_DEC_ERROR);
    cr_assert(strstr(err, "string encoding"), "%s", err);
    recs_free(&r);
    free(b);
}
