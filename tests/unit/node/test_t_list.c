/*
 * test_t_list.c — the list value (node/t_list.c): edits across node
 * boundaries against a reference array, node splits and merges, the RDB
 * hooks (QUICKLIST_2 write -> DUMP parse -> load), and loading every RDB
 * list encoding: redis-server 7.0.15's DUMP vectors (shared/vectors/dump,
 * $LIST_VECTORS_DIR overrides) and hand-built LIST / ZIPLIST / QUICKLIST.
 */
#include <criterion/criterion.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "node/config.h"
#include "node/core/core.h"
#include "node/digest.h"
#include "node/obj.h"
#include "node/t_list.h"
#include "replication/rdb.h"
#include "testjson.h"

/* ---- a reference model: an array of owned strings ---- */

struct ref {
    char **v;
    size_t *n;
    size_t len, cap;
};

static void ref_insert(struct ref *r, size_t at, const char *s, size_t n)
{
    if (r->len == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 64;
        r->v = realloc(r->v, r->cap * sizeof(*r->v));
        r->n = realloc(r->n, r->cap * sizeof(*r->n));
    }
    memmove(r->v + at + 1, r->v + at, (r->len - at) * sizeof(*r->v));
    memmove(r->n + at + 1, r->n + at, (r->len - at) * sizeof(*r->n));
    r->v[at] = malloc(n + 1);
    memcpy(r->v[at], s, n);
    r->n[at] = n;
    r->len++;
}

static void ref_delete(struct ref *r, size_t at, size_t count)
{
    for (size_t i = at; i < at + count; i++)
        free(r->v[i]);
    memmove(r->v + at, r->v + at + count, (r->len - at - count) * sizeof(*r->v));
    memmove(r->n + at, r->n + at + count, (r->len - at - count) * sizeof(*r->n));
    r->len -= count;
}

static void ref_free(struct ref *r)
{
    ref_delete(r, 0, r->len);
    free(r->v);
    free(r->n);
}

static void check_equal(struct node_list *l, const struct ref *r)
{
    cr_assert_eq(node_list_check(l), 0);
    cr_assert_eq(node_list_len(l), r->len);
    struct node_list_iter it;
    node_list_iter_init(&it, l, 0, true);
    unsigned char buf[DS_LP_INTBUF];
    for (size_t i = 0; i < r->len; i++) {
        cr_assert(!node_list_iter_done(&it));
        size_t len;
        const unsigned char *s = node_list_iter_get(&it, buf, &len);
        cr_assert_eq(len, r->n[i], "element %zu length", i);
        cr_assert(memcmp(s, r->v[i], len) == 0, "element %zu", i);
        node_list_iter_next(&it);
    }
    cr_assert(node_list_iter_done(&it));
}

static uint64_t rng_state = 88172645463325252ULL;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Elements of every listpack form: small and big integers, short and long strings. */
static size_t random_elem(char *buf)
{
    switch (rnd() % 5) {
    case 0:
        return (size_t)snprintf(buf, 64, "%lld", (long long)(rnd() % 200) - 100);
    case 1:
        return (size_t)snprintf(buf, 64, "%lld", (long long)rnd());
    case 2:
        return (size_t)snprintf(buf, 64, "e%llu", (unsigned long long)(rnd() % 50));
    case 3: {
        size_t n = 60 + rnd() % 300;
        memset(buf, 'a' + (int)(rnd() % 26), n);
        return n;
    }
    default:
        return 0;
    }
}

static void random_ops(int fill, int ops)
{
    struct node_list *l = node_list_new(fill);
    struct ref r = {0};
    char buf[512];
    for (int op = 0; op < ops; op++) {
        size_t n = random_elem(buf);
        unsigned kind = (unsigned)(rnd() % 10);
        if (r.len == 0 || kind < 3) {
            bool head = rnd() & 1;
            node_list_push(l, buf, n, head);
            ref_insert(&r, head ? 0 : r.len, buf, n);
        } else if (kind == 3) {
            size_t at = rnd() % r.len;
            bool after = rnd() & 1;
            struct node_list_iter it;
            node_list_iter_init(&it, l, at, true);
            node_list_iter_insert(&it, buf, n, after);
            ref_insert(&r, at + (after ? 1 : 0), buf, n);
        } else if (kind == 4 || kind == 5) {
            size_t at = rnd() % r.len;
            size_t count = 1 + rnd() % (kind == 4 ? 3 : 40);
            if (count > r.len - at)
                count = r.len - at;
            node_list_del_range(l, at, count);
            ref_delete(&r, at, count);
        } else if (kind == 6) {
            size_t at = rnd() % r.len;
            struct node_list_iter it;
            node_list_iter_init(&it, l, at, true);
            node_list_iter_replace(&it, buf, n);
            free(r.v[at]);
            r.v[at] = malloc(n + 1);
            memcpy(r.v[at], buf, n);
            r.n[at] = n;
        } else {
            /* delete a few while walking, either way */
            size_t at = rnd() % r.len;
            bool forward = rnd() & 1;
            struct node_list_iter it;
            node_list_iter_init(&it, l, at, forward);
            size_t k = 1 + rnd() % 3;
            for (size_t i = 0; i < k && !node_list_iter_done(&it); i++) {
                node_list_iter_delete(&it);
                ref_delete(&r, at, 1);
                if (!forward) {
                    if (at == 0)
                        break;
                    at--;
                }
            }
        }
        if (op % 997 == 0)
            check_equal(l, &r);
    }
    check_equal(l, &r);
    struct node_list *d = node_list_dup(l);
    check_equal(d, &r);
    node_list_free(d);
    node_list_free(l);
    ref_free(&r);
}

Test(t_list, random_ops_against_reference_fill_entries)
{
    random_ops(5, 100000);
}

Test(t_list, random_ops_against_reference_fill_bytes)
{
    random_ops(-1, 100000);
}

Test(t_list, push_pop_both_ends_default_fill)
{
    struct node_list *l = node_list_new(-2);
    char buf[32];
    for (int i = 0; i < 10000; i++) {
        size_t n = (size_t)snprintf(buf, sizeof(buf), "item:%05d", i);
        node_list_push(l, buf, n, false);
    }
    cr_assert_eq(node_list_len(l), 10000);
    cr_assert_eq(node_list_check(l), 0);
    cr_assert(node_list_node_count(l) > 10 && node_list_node_count(l) < 40, "nodes %zu", node_list_node_count(l));
    struct node_list_iter it;
    node_list_iter_init(&it, l, 9999, false);
    unsigned char ib[DS_LP_INTBUF];
    size_t len;
    const unsigned char *s = node_list_iter_get(&it, ib, &len);
    cr_assert(len == 10 && memcmp(s, "item:09999", 10) == 0);
    node_list_del_range(l, 0, 5000);
    node_list_iter_init(&it, l, 0, true);
    s = node_list_iter_get(&it, ib, &len);
    cr_assert(len == 10 && memcmp(s, "item:05000", 10) == 0);
    node_list_del_range(l, 0, 5000);
    cr_assert_eq(node_list_len(l), 0);
    cr_assert_eq(node_list_node_count(l), 0);
    node_list_free(l);
}

Test(t_list, split_and_merge)
{
    /* 4 entries per node: 12 pushes make 3 full nodes */
    struct node_list *l = node_list_new(4);
    for (int i = 0; i < 12; i++) {
        char c = (char)('a' + i);
        node_list_push(l, &c, 1, false);
    }
    cr_assert_eq(node_list_node_count(l), 3);
    /* inserting inside a full node splits it */
    struct node_list_iter it;
    node_list_iter_init(&it, l, 5, true);
    node_list_iter_insert(&it, "X", 1, false);
    cr_assert_eq(node_list_check(l), 0);
    cr_assert_eq(node_list_len(l), 13);
    cr_assert_eq(node_list_node_count(l), 4);
    unsigned char ib[DS_LP_INTBUF];
    size_t len;
    node_list_iter_init(&it, l, 5, true);
    const unsigned char *s = node_list_iter_get(&it, ib, &len);
    cr_assert(len == 1 && s[0] == 'X');
    /* empty the middle down: small neighbours merge on the next split */
    node_list_del_range(l, 4, 4);
    cr_assert_eq(node_list_check(l), 0);
    node_list_iter_init(&it, l, 2, true);
    node_list_iter_insert(&it, "Y", 1, true);
    cr_assert_eq(node_list_check(l), 0);
    cr_assert(node_list_node_count(l) <= 3);
    /* an element bigger than the byte budget gets a node of its own */
    struct node_list *b = node_list_new(-1);
    char *big = malloc(10000);
    memset(big, 'z', 10000);
    node_list_push(b, "a", 1, false);
    node_list_push(b, big, 10000, false);
    node_list_push(b, "b", 1, false);
    cr_assert_eq(node_list_node_count(b), 3);
    cr_assert_eq(node_list_check(b), 0);
    free(big);
    node_list_free(b);
    node_list_free(l);
}

Test(t_list, replace_with_a_bigger_element_keeps_nodes_in_budget)
{
    struct node_list *l = node_list_new(-1);
    struct ref r = {0};
    char buf[16];
    for (int i = 0; i < 600; i++) {
        size_t n = (size_t)snprintf(buf, sizeof(buf), "e%05d", i);
        node_list_push(l, buf, n, false);
        ref_insert(&r, r.len, buf, n);
    }
    char *big = malloc(3000);
    memset(big, 'B', 3000);
    size_t at[] = {0, 599, 300, 301, 150};
    for (size_t k = 0; k < CORE_ARRAY_LEN(at); k++) {
        struct node_list_iter it;
        node_list_iter_init(&it, l, at[k], true);
        node_list_iter_replace(&it, big, 3000);
        free(r.v[at[k]]);
        r.v[at[k]] = malloc(3000);
        memcpy(r.v[at[k]], big, 3000);
        r.n[at[k]] = 3000;
        check_equal(l, &r);
    }
    free(big);
    node_list_free(l);
    ref_free(&r);
}

/* ---- RDB ---- */

static struct node_config test_cfg(void)
{
    struct node_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.list_max_listpack_size = -2;
    return cfg;
}

/* Loads a DUMP payload through the list hooks. */
static struct node_list *load_payload(const uint8_t *p, size_t n)
{
    struct rdb_value v;
    struct rdb_scratch sc = {0};
    enum rdb_dump_result r = rdb_dump_parse(p, n, &v, &sc);
    cr_assert_eq(r, RDB_DUMP_OK);
    cr_assert(v.type == RDB_TYPE_LIST || v.type == RDB_TYPE_LIST_ZIPLIST || v.type == RDB_TYPE_LIST_QUICKLIST ||
              v.type == RDB_TYPE_LIST_QUICKLIST_2);
    struct node_config cfg = test_cfg();
    void *out = NULL;
    const char *why = NULL;
    enum node_obj_load lr = node_list_type.rdb_load(&v, &cfg, &out, &why);
    cr_assert_eq(lr, NODE_OBJ_LOAD_OK, "load: %s", why ? why : "");
    rdb_scratch_free(&sc);
    return out;
}

static void dump_of(const struct node_list *l, struct rdb_enc *e)
{
    rdb_enc_init(e, NULL, NULL, true, true);
    cr_assert_eq(rdb_enc_type(e, (enum rdb_type)node_list_type.rdb_type(l)), 0);
    cr_assert_eq(node_list_type.rdb_write(e, l), 0);
    cr_assert_eq(rdb_enc_dump_footer(e), 0);
}

Test(t_list_rdb, write_parse_load_round_trip)
{
    struct node_list *l = node_list_new(-2);
    struct ref r = {0};
    char buf[512];
    for (int i = 0; i < 5000; i++) {
        size_t n = random_elem(buf);
        node_list_push(l, buf, n, false);
        ref_insert(&r, r.len, buf, n);
    }
    cr_assert(node_list_node_count(l) > 1);
    struct rdb_enc e;
    dump_of(l, &e);
    struct node_list *back = load_payload(e.buf, e.len);
    check_equal(back, &r);
    uint8_t d1[20] = {0}, d2[20] = {0};
    node_list_type.digest(l, d1);
    node_list_type.digest(back, d2);
    cr_assert(memcmp(d1, d2, 20) == 0);
    cr_assert_str_eq(node_list_type.encoding(back), "quicklist");
    cr_assert_eq(node_list_type.length(back), 5000);
    rdb_enc_free(&e);
    node_list_free(back);
    node_list_free(l);
    ref_free(&r);
}

/* ---- redis-server 7.0.15's DUMP payloads ---- */

static uint8_t *load_vector(const char *name, size_t *len)
{
    char dir[PATH_MAX * 2 + 128];
    testjson_vectors_dir(dir, sizeof(dir), "RDB_VECTORS_DIR", "dump");
    return testjson_load_file(dir, name, len);
}

static void expect_elem(struct node_list *l, size_t i, const char *s, size_t n)
{
    struct node_list_iter it;
    node_list_iter_init(&it, l, i, true);
    unsigned char ib[DS_LP_INTBUF];
    size_t len;
    const unsigned char *got = node_list_iter_get(&it, ib, &len);
    cr_assert(len == n && memcmp(got, s, n) == 0, "element %zu", i);
}

static void expect_numbered(const char *file, const char *fmt, int count)
{
    size_t n;
    uint8_t *p = load_vector(file, &n);
    struct node_list *l = load_payload(p, n);
    cr_assert_eq(node_list_len(l), (size_t)count);
    char buf[64];
    for (int i = 0; i < count; i++) {
        int k = snprintf(buf, sizeof(buf), fmt, i);
        expect_elem(l, (size_t)i, buf, (size_t)k);
    }
    cr_assert_eq(node_list_check(l), 0);
    /* and what shoal writes back loads the same */
    struct rdb_enc e;
    dump_of(l, &e);
    struct node_list *back = load_payload(e.buf, e.len);
    cr_assert_eq(node_list_len(back), (size_t)count);
    rdb_enc_free(&e);
    node_list_free(back);
    node_list_free(l);
    free(p);
}

Test(t_list_vectors, small_every_listpack_form)
{
    static const char *const want[] = {"a", "b", "c", "", "hello world", "0", "127", "128", "-1", "4095",
                                       "-4096", "4096", "32767", "-32768", "8388607", "-8388608", "2147483647",
                                       "-2147483648", "9223372036854775807", "-9223372036854775808", "007",
                                       "1.5"};
    size_t n;
    uint8_t *p = load_vector("list-small.bin", &n);
    struct node_list *l = load_payload(p, n);
    size_t nwant = CORE_ARRAY_LEN(want);
    cr_assert_eq(node_list_len(l), nwant + 2);
    for (size_t i = 0; i < nwant; i++)
        expect_elem(l, i, want[i], strlen(want[i]));
    char xs[64];
    memset(xs, 'x', 63);
    expect_elem(l, nwant, xs, 63);
    memset(xs, 'y', 64);
    expect_elem(l, nwant + 1, xs, 64);
    node_list_free(l);
    free(p);
}

Test(t_list_vectors, large_and_compressed)
{
    expect_numbered("list-large.bin", "item:%05d", 3000);
    expect_numbered("list-compressed.bin", "compressed:%05d", 2000);
}

Test(t_list_vectors, bigelem_plain_ttl)
{
    size_t n;
    uint8_t *p = load_vector("list-plain.bin", &n);
    struct node_list *l = load_payload(p, n);
    cr_assert_eq(node_list_len(l), 3);
    expect_elem(l, 0, "head", 4);
    expect_elem(l, 2, "tail", 4);
    char *mid = malloc(16 * 640);
    for (int i = 0; i < 640; i++)
        memcpy(mid + 16 * i, "0123456789abcdef", 16);
    expect_elem(l, 1, mid, 16 * 640);
    free(mid);
    node_list_free(l);
    free(p);

    p = load_vector("list-bigelem.bin", &n);
    l = load_payload(p, n);
    cr_assert_eq(node_list_len(l), 3);
    expect_elem(l, 0, "head", 4);
    expect_elem(l, 2, "tail", 4);
    node_list_free(l);
    free(p);

    p = load_vector("list-ttl.bin", &n);
    l = load_payload(p, n);
    cr_assert_eq(node_list_len(l), 2);
    expect_elem(l, 0, "one", 3);
    expect_elem(l, 1, "two", 3);
    node_list_free(l);
    free(p);
}

/* ---- the old encodings, built by hand ---- */

/* A DUMP payload: type byte, body, version 10, CRC-64. */
static uint8_t *payload(int type, const uint8_t *body, size_t n, size_t *len)
{
    uint8_t *p = malloc(n + 11);
    p[0] = (uint8_t)type;
    memcpy(p + 1, body, n);
    p[n + 1] = 10;
    p[n + 2] = 0;
    uint64_t crc = rdb_crc64(0, p, n + 3);
    for (int i = 0; i < 8; i++)
        p[n + 3 + i] = (uint8_t)(crc >> (8 * i));
    *len = n + 11;
    return p;
}

/* A ziplist of "a", "bb", 5 (int8) and 300 (int16): rdb.md §11. */
static size_t make_ziplist(uint8_t *z)
{
    static const uint8_t entries[] = {
        0x00, 0x01, 'a',             /* prevlen 0, 6-bit string of 1 */
        0x03, 0x02, 'b', 'b',        /* prevlen 3 */
        0x04, 0xfe, 0x05,            /* int8 5 */
        0x03, 0xc0, 0x2c, 0x01,      /* int16 300 */
    };
    size_t total = 10 + sizeof(entries) + 1;
    uint32_t tail = 10 + 3 + 4 + 3;
    z[0] = (uint8_t)total, z[1] = 0, z[2] = 0, z[3] = 0;
    z[4] = (uint8_t)tail, z[5] = (uint8_t)(tail >> 8), z[6] = 0, z[7] = 0;
    z[8] = 4, z[9] = 0;
    memcpy(z + 10, entries, sizeof(entries));
    z[total - 1] = 0xff;
    return total;
}

static void expect_abb(struct node_list *l, int times)
{
    cr_assert_eq(node_list_len(l), (size_t)(4 * times));
    for (int t = 0; t < times; t++) {
        expect_elem(l, (size_t)(4 * t), "a", 1);
        expect_elem(l, (size_t)(4 * t + 1), "bb", 2);
        expect_elem(l, (size_t)(4 * t + 2), "5", 1);
        expect_elem(l, (size_t)(4 * t + 3), "300", 3);
    }
}

Test(t_list_old, plain_list_ziplist_quicklist)
{
    /* 1 LIST: len then strings */
    static const uint8_t plain[] = {0x04, 0x01, 'a', 0x02, 'b', 'b', 0xc0, 0x05, 0xc1, 0x2c, 0x01};
    size_t n;
    uint8_t *p = payload(RDB_TYPE_LIST, plain, sizeof(plain), &n);
    struct node_list *l = load_payload(p, n);
    expect_abb(l, 1);
    node_list_free(l);
    free(p);

    /* 10 LIST_ZIPLIST: one ziplist string */
    uint8_t z[64], body[160];
    size_t zn = make_ziplist(z);
    body[0] = (uint8_t)zn;
    memcpy(body + 1, z, zn);
    p = payload(RDB_TYPE_LIST_ZIPLIST, body, zn + 1, &n);
    l = load_payload(p, n);
    expect_abb(l, 1);
    node_list_free(l);
    free(p);

    /* 14 LIST_QUICKLIST: two ziplist nodes */
    body[0] = 2;
    body[1] = (uint8_t)zn;
    memcpy(body + 2, z, zn);
    body[2 + zn] = (uint8_t)zn;
    memcpy(body + 3 + zn, z, zn);
    p = payload(RDB_TYPE_LIST_QUICKLIST, body, 2 * zn + 3, &n);
    l = load_payload(p, n);
    expect_abb(l, 2);
    node_list_free(l);
    free(p);
}

Test(t_list_old, empty_list_loads_as_empty)
{
    static const uint8_t none[] = {0x00};
    size_t n;
    uint8_t *p = payload(RDB_TYPE_LIST, none, sizeof(none), &n);
    struct rdb_value v;
    struct rdb_scratch sc = {0};
    if (rdb_dump_parse(p, n, &v, &sc) == RDB_DUMP_OK) {
        struct node_config cfg = test_cfg();
        void *out = NULL;
        const char *why = NULL;
        cr_assert_eq(node_list_type.rdb_load(&v, &cfg, &out, &why), NODE_OBJ_LOAD_EMPTY);
    }
    rdb_scratch_free(&sc);
    free(p);
}
