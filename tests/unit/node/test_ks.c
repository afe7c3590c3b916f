/*
 * test_ks.c — unit tests of the keyspace (node/ks*.c): entries of every size
 * class, integer encoding, TTLs, lazy and active expiry, incremental
 * rehashing, the SCAN guarantee, random keys, rename/copy, resizing values,
 * flush, several dicts, owned values and the memory budget per key.
 *
 * White-box where it helps: ks_int.h is included to look at table sizes.
 */
#include "node/ks.h"
#include "node/core/core.h"
#include "node/ks_int.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#define T0 1700000000000LL /* a fixed "now" */

static struct node_ks *ks;

static void setup(void)
{
    ks = node_ks_new(1);
    node_ks_set_now(ks, T0);
}

static void teardown(void)
{
    cr_assert_eq(node_ks_check(ks), 0);
    node_ks_free(ks);
    ks = NULL;
}

TestSuite(ks, .init = setup, .fini = teardown);

static size_t kfmt(char *buf, const char *prefix, unsigned long i)
{
    return (size_t)snprintf(buf, 64, "%s%012lu", prefix, i);
}

/* The value of key as bytes (int values as text); asserts presence. */
static void expect_value(const char *key, size_t klen, const char *val, size_t vlen)
{
    struct node_ks_entry *e = node_ks_find(ks, key, klen, 0);
    cr_assert_not_null(e, "key missing");
    char buf[NODE_KS_INTBUF];
    size_t len;
    const char *v = node_ks_str_get(e, buf, &len);
    cr_assert_eq(len, vlen, "len %zu want %zu", len, vlen);
    cr_assert_eq(node_ks_str_len(e), vlen);
    cr_assert(memcmp(v, val, vlen) == 0);
    size_t kl;
    const char *k = node_ks_entry_key(e, &kl);
    cr_assert_eq(kl, klen);
    cr_assert(memcmp(k, key, klen) == 0);
}

static char *pattern(size_t len, unsigned salt)
{
    char *p = core_malloc(len + 1);
    for (size_t i = 0; i < len; i++)
        p[i] = (char)('a' + (i * 7 + salt) % 26);
    return p;
}

/* ---- sizes, overwrite ---- */

static const size_t sizes[] = {0, 1, 44, 45, 255, 256, 70000};

Test(ks, set_get_every_size_class)
{
    const char bkey[] = {'a', '\0', 'b', '\xff', '\0'};
    for (size_t ki = 0; ki < CORE_ARRAY_LEN(sizes); ki++) {
        for (size_t vi = 0; vi < CORE_ARRAY_LEN(sizes); vi++) {
            char *key = pattern(sizes[ki], 1), *val = pattern(sizes[vi], 2);
            node_ks_set_str(ks, key, sizes[ki], val, sizes[vi], -1, 0);
            expect_value(key, sizes[ki], val, sizes[vi]);
            cr_assert(node_ks_delete(ks, key, sizes[ki]));
            cr_assert_null(node_ks_find(ks, key, sizes[ki], 0));
            core_free(key);
            core_free(val);
        }
    }
    node_ks_set_str(ks, NULL, 0, NULL, 0, -1, 0); /* empty key and value */
    expect_value("", 0, "", 0);
    cr_assert(node_ks_delete(ks, NULL, 0));
    node_ks_set_str(ks, bkey, sizeof(bkey), "v\0w", 3, -1, 0);
    expect_value(bkey, sizeof(bkey), "v\0w", 3);
    cr_assert_null(node_ks_find(ks, bkey, sizeof(bkey) - 1, 0));
    cr_assert_null(node_ks_find(ks, "a", 1, 0));
    cr_assert_eq(node_ks_size(ks), 1);
}

Test(ks, overwrite_between_all_size_classes)
{
    for (int ttl = 0; ttl < 2; ttl++) {
        for (size_t a = 0; a < CORE_ARRAY_LEN(sizes); a++) {
            for (size_t b = 0; b < CORE_ARRAY_LEN(sizes); b++) {
                char *va = pattern(sizes[a], 3), *vb = pattern(sizes[b], 4);
                int64_t when = ttl ? T0 + 1000 : -1;
                node_ks_set_str(ks, "key", 3, va, sizes[a], when, 0);
                node_ks_set_str(ks, "other", 5, "x", 1, T0 + 5, 0);
                struct node_ks_entry *e = node_ks_set_str(ks, "key", 3, vb, sizes[b], -1, NODE_KS_KEEPTTL);
                cr_assert_eq(node_ks_entry_expire(e), when);
                expect_value("key", 3, vb, sizes[b]);
                cr_assert_eq(node_ks_check(ks), 0);
                cr_assert_eq(node_ks_size(ks), 2);
                cr_assert_eq(node_ks_expires_size(ks), ttl ? 2u : 1u);
                core_free(va);
                core_free(vb);
            }
        }
    }
    /* Overwrite without KEEPTTL clears the TTL. */
    struct node_ks_entry *e = node_ks_set_str(ks, "key", 3, "z", 1, -1, 0);
    cr_assert_eq(node_ks_entry_expire(e), -1);
    cr_assert_eq(node_ks_expires_size(ks), 1);
}

/* ---- integer encoding ---- */

Test(ks, integer_encoding_rules)
{
    static const struct {
        const char *s;
        const char *enc;
    } cases[] = {
        {"123", "int"},
        {"-5", "int"},
        {"0", "int"},
        {"9223372036854775807", "int"},
        {"-9223372036854775808", "int"},
        {"9223372036854775808", "embstr"},
        {"-9223372036854775809", "embstr"},
        {"12345678901234567890", "embstr"},
        {"007", "embstr"},
        {"+1", "embstr"},
        {"-0", "embstr"},
        {"-", "embstr"},
        {" 1", "embstr"},
        {"1 ", "embstr"},
        {"1a", "embstr"},
        {"", "embstr"},
        {"00", "embstr"},
        {"abc", "embstr"},
        {"123456789012345678901234567890123456789012345", "raw"},
        {"12345678901234567890123456789012345678901234", "embstr"},
    };
    for (size_t i = 0; i < CORE_ARRAY_LEN(cases); i++) {
        size_t len = strlen(cases[i].s);
        struct node_ks_entry *e = node_ks_set_str(ks, "k", 1, cases[i].s, len, -1, 0);
        cr_assert_str_eq(node_ks_entry_encoding(e), cases[i].enc, "%s", cases[i].s);
        int64_t v;
        cr_assert_eq(node_ks_str_get_int(e, &v), strcmp(cases[i].enc, "int") == 0, "%s", cases[i].s);
        expect_value("k", 1, cases[i].s, len);
    }
    struct node_ks_entry *e = node_ks_set_int(ks, "n", 1, INT64_MIN, -1, 0);
    int64_t v = 0;
    cr_assert(node_ks_str_get_int(e, &v));
    cr_assert_eq(v, INT64_MIN);
    cr_assert_str_eq(node_ks_entry_encoding(e), "int");
    expect_value("n", 1, "-9223372036854775808", 20);
    node_ks_set_int(ks, "n", 1, 42, -1, 0);
    expect_value("n", 1, "42", 2);
    node_ks_set_str(ks, "n", 1, "forty-two", 9, -1, 0);
    expect_value("n", 1, "forty-two", 9);
}

/* ---- TTL ---- */

Test(ks, ttl_set_clear_keep)
{
    struct node_ks_entry *e = node_ks_set_str(ks, "a", 1, "v", 1, T0 + 100, 0);
    cr_assert_eq(node_ks_entry_expire(e), T0 + 100);
    cr_assert_eq(node_ks_expires_size(ks), 1);
    e = node_ks_set_int(ks, "a", 1, 7, -1, NODE_KS_KEEPTTL);
    cr_assert_eq(node_ks_entry_expire(e), T0 + 100);
    node_ks_set_expire(ks, &e, T0 + 200);
    cr_assert_eq(node_ks_entry_expire(node_ks_find(ks, "a", 1, 0)), T0 + 200);
    node_ks_set_expire(ks, &e, -1);
    cr_assert_eq(node_ks_entry_expire(e), -1);
    cr_assert_eq(node_ks_expires_size(ks), 0);
    cr_assert_eq(node_ks_check(ks), 0);
    node_ks_set_expire(ks, &e, T0 + 300);
    cr_assert_eq(node_ks_entry_expire(node_ks_find(ks, "a", 1, 0)), T0 + 300);
    expect_value("a", 1, "7", 1);
    e = node_ks_set_str(ks, "a", 1, "w", 1, T0 + 50, 0); /* new TTL replaces */
    cr_assert_eq(node_ks_entry_expire(e), T0 + 50);
    e = node_ks_set_str(ks, "a", 1, "w", 1, -1, 0); /* plain SET clears */
    cr_assert_eq(node_ks_entry_expire(e), -1);
    cr_assert_eq(node_ks_expires_size(ks), 0);
    /* KEEPTTL on a key without TTL, and on a new key. */
    e = node_ks_set_str(ks, "b", 1, "v", 1, -1, NODE_KS_KEEPTTL);
    cr_assert_eq(node_ks_entry_expire(e), -1);
}

Test(ks, ttl_vector_many_keys)
{
    char k[64];
    for (unsigned long i = 0; i < 10000; i++) {
        size_t n = kfmt(k, "t:", i);
        node_ks_set_str(ks, k, n, "v", 1, (i % 3) ? T0 + 1000 + (int64_t)i : -1, 0);
    }
    cr_assert_eq(node_ks_check(ks), 0);
    for (unsigned long i = 0; i < 10000; i += 2) {
        size_t n = kfmt(k, "t:", i);
        struct node_ks_entry *e = node_ks_find(ks, k, n, 0);
        if (i % 4 == 0)
            node_ks_set_expire(ks, &e, -1);
        else
            node_ks_delete_entry(ks, e);
    }
    cr_assert_eq(node_ks_check(ks), 0);
    size_t want = 0;
    for (unsigned long i = 0; i < 10000; i++)
        want += (i % 2 == 1) && (i % 3) != 0;
    cr_assert_eq(node_ks_expires_size(ks), want);
}

Test(ks, lazy_expiry)
{
    node_ks_set_str(ks, "a", 1, "v", 1, T0 + 10, 0);
    node_ks_set_str(ks, "b", 1, "v", 1, T0 + 10, 0);
    node_ks_set_str(ks, "c", 1, "v", 1, -1, 0);
    node_ks_set_now(ks, T0 + 10); /* now == when: still alive (Redis) */
    cr_assert_not_null(node_ks_find(ks, "a", 1, NODE_KS_READ));
    node_ks_set_now(ks, T0 + 11);
    cr_assert_null(node_ks_find(ks, "a", 1, NODE_KS_READ | NODE_KS_NOEXPIRE));
    cr_assert_eq(node_ks_size(ks), 3);
    cr_assert_eq(node_ks_stats(ks)->expired_keys, 0);
    cr_assert_null(node_ks_find(ks, "a", 1, NODE_KS_READ));
    cr_assert_eq(node_ks_size(ks), 2);
    cr_assert_eq(node_ks_stats(ks)->expired_keys, 1);
    cr_assert_eq(node_ks_stats(ks)->keyspace_hits, 1);
    cr_assert_eq(node_ks_stats(ks)->keyspace_misses, 2);
    cr_assert_not(node_ks_delete(ks, "b", 1)); /* expired: absent */
    cr_assert_eq(node_ks_stats(ks)->expired_keys, 2);
    cr_assert_eq(node_ks_expires_size(ks), 0);
    cr_assert_not_null(node_ks_find(ks, "c", 1, 0));
    node_ks_reset_stats(ks);
    cr_assert_eq(node_ks_stats(ks)->expired_keys, 0);
    /* Setting an expired key replaces it as new (KEEPTTL has nothing to keep). */
    node_ks_set_str(ks, "d", 1, "v", 1, T0 + 5, 0);
    struct node_ks_entry *e = node_ks_set_str(ks, "d", 1, "w", 1, -1, NODE_KS_KEEPTTL);
    cr_assert_eq(node_ks_entry_expire(e), -1);
    cr_assert_eq(node_ks_stats(ks)->expired_keys, 1);
}

Test(ks, active_expiry_all_expired)
{
    char k[64];
    for (unsigned long i = 0; i < 5000; i++) {
        size_t n = kfmt(k, "live:", i);
        node_ks_set_str(ks, k, n, "v", 1, -1, 0);
        n = kfmt(k, "dead:", i);
        node_ks_set_str(ks, k, n, "v", 1, T0 + 1, 0);
    }
    node_ks_set_now(ks, T0 + 2);
    size_t removed = node_ks_active_expire(ks, INT64_MAX);
    cr_assert_eq(removed, 5000);
    cr_assert_eq(node_ks_size(ks), 5000);
    cr_assert_eq(node_ks_expires_size(ks), 0);
    cr_assert_eq(node_ks_stats(ks)->expired_keys, 5000);
    cr_assert_eq(node_ks_check(ks), 0);
}

Test(ks, active_expiry_mixed_keeps_live)
{
    char k[64];
    for (unsigned long i = 0; i < 4000; i++) {
        size_t n = kfmt(k, "k:", i);
        node_ks_set_str(ks, k, n, "v", 1, (i % 2) ? T0 + 1 : T0 + 100000, 0);
    }
    node_ks_set_now(ks, T0 + 2);
    /* One cycle stops once <= 25% of a sample is expired; cycles repeat. */
    size_t removed = 0;
    for (int cycle = 0; cycle < 10000 && node_ks_expires_size(ks) > 2000; cycle++)
        removed += node_ks_active_expire(ks, INT64_MAX);
    cr_assert_eq(removed, 2000);
    cr_assert_eq(node_ks_expires_size(ks), 2000);
    for (unsigned long i = 0; i < 4000; i += 2) {
        size_t n = kfmt(k, "k:", i);
        cr_assert_not_null(node_ks_find(ks, k, n, 0));
    }
    int64_t avg = node_ks_avg_ttl(ks);
    cr_assert(avg > 90000 && avg <= 100000, "avg_ttl %lld", (long long)avg);
    cr_assert(node_ks_check(ks) == 0);
}

Test(ks, active_expiry_deadline_past_does_one_round)
{
    char k[64];
    for (unsigned long i = 0; i < 1000; i++) {
        size_t n = kfmt(k, "d:", i);
        node_ks_set_str(ks, k, n, "v", 1, T0, 0);
    }
    node_ks_set_now(ks, T0 + 1);
    size_t removed = node_ks_active_expire(ks, 0);
    cr_assert_eq(removed, 20);
    cr_assert_eq(node_ks_size(ks), 980);
}

/* ---- rehashing ---- */

static size_t table_size(const struct ks_dict *d, int t)
{
    return d->table[t] ? (size_t)1 << d->bits[t] : 0;
}

Test(ks, rehash_grow_shrink_100k)
{
    char k[64];
    const unsigned long n = 100000;
    struct ks_dict *d = &ks->dicts[0];
    bool saw_rehash = false;
    for (unsigned long i = 0; i < n; i++) {
        size_t len = kfmt(k, "r:", i);
        node_ks_set_str(ks, k, len, k, len, (i % 5) ? -1 : T0 + 1000, 0);
        saw_rehash |= d->table[1] != NULL;
        if (i % 9973 == 0)
            cr_assert_eq(node_ks_check(ks), 0);
    }
    cr_assert(saw_rehash);
    cr_assert_eq(node_ks_size(ks), n);
    while (node_ks_rehash_step(ks, 100)) {
    }
    cr_assert_eq(table_size(d, 0), 131072);
    for (unsigned long i = 0; i < n; i++) {
        size_t len = kfmt(k, "r:", i);
        expect_value(k, len, k, len);
    }
    bool saw_shrink = false;
    for (unsigned long i = 0; i < n - 10; i++) {
        size_t len = kfmt(k, "r:", i);
        cr_assert(node_ks_delete(ks, k, len));
        saw_shrink |= d->table[1] && d->bits[1] < d->bits[0];
        if (i % 9973 == 0)
            cr_assert_eq(node_ks_check(ks), 0);
    }
    cr_assert(saw_shrink);
    while (node_ks_rehash_step(ks, 100)) {
    }
    cr_assert_eq(node_ks_check(ks), 0);
    cr_assert_eq(table_size(d, 0), 16, "size %zu", table_size(d, 0));
    for (unsigned long i = n - 10; i < n; i++) {
        size_t len = kfmt(k, "r:", i);
        expect_value(k, len, k, len);
    }
    cr_assert_eq(node_ks_expires_size(ks), 2);
}

Test(ks, rehash_steps_are_bounded)
{
    char k[64];
    struct ks_dict *d = &ks->dicts[0];
    for (unsigned long i = 0; i < 65536; i++) {
        size_t len = kfmt(k, "b:", i);
        node_ks_set_str(ks, k, len, "v", 1, -1, 0);
    }
    while (node_ks_rehash_step(ks, 1000)) {
    }
    /* The next insert starts a grow; each later op moves only a few buckets. */
    node_ks_set_str(ks, "x", 1, "v", 1, -1, 0);
    cr_assert_not_null(d->table[1]);
    size_t before = d->rehash_idx;
    cr_assert(before <= KS_REHASH_EMPTY_VISITS + 1);
    node_ks_find(ks, "nope", 4, 0);
    cr_assert(d->rehash_idx - before <= KS_REHASH_EMPTY_VISITS);
    node_ks_rehash_step(ks, 5);
    cr_assert(d->rehash_idx - before <= 6 * KS_REHASH_EMPTY_VISITS);
    cr_assert_eq(node_ks_check(ks), 0);
}

Test(ks, hash_spreads_sequential_keys)
{
    char k[64];
    for (unsigned long i = 0; i < 65536; i++) {
        size_t len = kfmt(k, "key:", i);
        node_ks_set_str(ks, k, len, "v", 1, -1, 0);
    }
    while (node_ks_rehash_step(ks, 1000)) {
    }
    struct ks_dict *d = &ks->dicts[0];
    size_t longest = 0, empty = 0;
    for (size_t i = 0; i < table_size(d, 0); i++) {
        size_t n = 0;
        for (struct node_ks_entry *e = d->table[0][i]; e; e = e->next)
            n++;
        longest = CORE_MAX(longest, n);
        empty += n == 0;
    }
    /* Load 1 (65536 keys, 65536 buckets): a random hash leaves 1/e = 36.8%
     * of the buckets empty and the longest chain near 8. */
    cr_assert_eq(table_size(d, 0), 65536);
    cr_assert(longest <= 12, "longest chain %zu", longest);
    cr_assert(empty > 65536 * 35 / 100 && empty < 65536 * 39 / 100, "empty %zu", empty);
    /* Different seeds per keyspace. */
    struct node_ks *other = node_ks_new(1);
    cr_assert_neq(node_ks__hash(ks, "abc", 3), node_ks__hash(other, "abc", 3));
    node_ks_free(other);
}

/* ---- SCAN ---- */

#define SCAN_N 20000u

struct seen {
    unsigned char hit[SCAN_N * 3];
    size_t calls;
};

static void mark(void *ud, const struct node_ks_entry *e)
{
    struct seen *s = ud;
    size_t klen;
    const char *k = node_ks_entry_key(e, &klen);
    char buf[32];
    cr_assert(klen < sizeof(buf));
    memcpy(buf, k, klen);
    buf[klen] = '\0';
    unsigned long i = strtoul(buf + 2, NULL, 10);
    cr_assert(i < SCAN_N * 3);
    s->hit[i] = 1;
    s->calls++;
}

static void add_range(unsigned long from, unsigned long to)
{
    char k[64];
    for (unsigned long i = from; i < to; i++) {
        size_t len = kfmt(k, "s:", i);
        node_ks_set_str(ks, k, len, "v", 1, -1, 0);
    }
}

static void del_range(unsigned long from, unsigned long to)
{
    char k[64];
    for (unsigned long i = from; i < to; i++) {
        size_t len = kfmt(k, "s:", i);
        node_ks_delete(ks, k, len);
    }
}

/* Scans with mutations every `every` calls; keys [0, stable) stay throughout. */
static void scan_with_churn(unsigned long stable, int mode, size_t count)
{
    struct seen *s = core_calloc(1, sizeof(*s));
    const struct ks_dict *d = &ks->dicts[0];
    unsigned start_bits = d->bits[0], lo = start_bits, hi_bits = start_bits;
    int rehashing_calls = 0;
    uint64_t cursor = 0;
    unsigned long next = SCAN_N;
    int calls = 0;
    do {
        cursor = node_ks_scan(ks, cursor, count, mark, s);
        calls++;
        rehashing_calls += d->table[1] != NULL;
        for (int t = 0; t < 2 && d->table[t]; t++) {
            lo = CORE_MIN(lo, d->bits[t]);
            hi_bits = CORE_MAX(hi_bits, d->bits[t]);
        }
        if (mode == 0 && next < 2 * SCAN_N) { /* grow while scanning */
            add_range(next, next + 700);
            next += 700;
        } else if (mode == 1) { /* shrink while scanning */
            unsigned long hi = SCAN_N - (unsigned long)calls * 400;
            if (hi > stable && hi >= 400)
                del_range(hi - 400 > stable ? hi - 400 : stable, hi);
        } else if (mode == 2 && calls % 40 == 0) { /* shrink and grow again */
            if (calls % 80)
                del_range(stable, SCAN_N);
            else
                add_range(stable, SCAN_N);
        }
        if (calls % 64 == 0)
            cr_assert_eq(node_ks_check(ks), 0);
        cr_assert(calls < 1000000);
    } while (cursor != 0);
    for (unsigned long i = 0; i < stable; i++)
        cr_assert(s->hit[i], "key %lu missed (mode %d)", i, mode);
    /* The churn did what the test claims: resized the table mid-scan. */
    cr_assert(rehashing_calls > 0);
    if (mode != 1)
        cr_assert(hi_bits > start_bits, "no growth: %u", hi_bits);
    if (mode != 0)
        cr_assert(lo < start_bits, "no shrink: %u", lo);
    cr_log_info("scan mode %d: %d calls, %d while rehashing, bits %u..%u from %u", mode, calls,
                rehashing_calls, lo, hi_bits, start_bits);
    core_free(s);
}

Test(ks, scan_plain_visits_each_once)
{
    add_range(0, SCAN_N);
    while (node_ks_rehash_step(ks, 1000)) {
    }
    struct seen *s = core_calloc(1, sizeof(*s));
    uint64_t cursor = 0;
    do
        cursor = node_ks_scan(ks, cursor, 10, mark, s);
    while (cursor != 0);
    cr_assert_eq(s->calls, SCAN_N);
    for (unsigned long i = 0; i < SCAN_N; i++)
        cr_assert(s->hit[i]);
    core_free(s);
}

Test(ks, scan_across_growth)
{
    add_range(0, SCAN_N);
    scan_with_churn(SCAN_N, 0, 3);
}

Test(ks, scan_across_shrink)
{
    add_range(0, SCAN_N);
    while (node_ks_rehash_step(ks, 1000)) {
    }
    scan_with_churn(1000, 1, 2);
}

Test(ks, scan_across_grow_and_shrink)
{
    add_range(0, SCAN_N);
    scan_with_churn(1000, 2, 1);
}

Test(ks, scan_empty_and_count_zero)
{
    struct seen *s = core_calloc(1, sizeof(*s));
    cr_assert_eq(node_ks_scan(ks, 0, 10, mark, s), 0);
    add_range(0, 1);
    uint64_t cursor = 0;
    int calls = 0;
    do { /* count 0 visits one bucket: 4 calls over the 4-bucket table */
        cursor = node_ks_scan(ks, cursor, 0, mark, s);
        calls++;
    } while (cursor != 0 && calls < 10);
    cr_assert_eq(calls, 4);
    cr_assert_eq(s->calls, 1);
    cr_assert_eq(node_ks_scan(ks, 12345, 100, mark, s), 0); /* any cursor is masked */
    core_free(s);
}

/* ---- random ---- */

Test(ks, random_key)
{
    cr_assert_null(node_ks_random(ks));
    add_range(0, 1000);
    struct seen *s = core_calloc(1, sizeof(*s));
    for (int i = 0; i < 5000; i++) {
        struct node_ks_entry *e = node_ks_random(ks);
        cr_assert_not_null(e);
        mark(s, e);
    }
    size_t distinct = 0;
    for (unsigned long i = 0; i < 1000; i++)
        distinct += s->hit[i];
    cr_assert(distinct > 900, "distinct %zu", distinct);
    core_free(s);
    /* All expired but one: random deletes the expired ones it meets. */
    char k[64];
    for (unsigned long i = 0; i < 1000; i++) {
        size_t len = kfmt(k, "s:", i);
        struct node_ks_entry *e = node_ks_find(ks, k, len, 0);
        if (i != 500)
            node_ks_set_expire(ks, &e, T0 - 1);
    }
    struct node_ks_entry *e = node_ks_random(ks);
    size_t klen;
    cr_assert_not_null(e);
    cr_assert(memcmp(node_ks_entry_key(e, &klen), "s:000000000500", 14) == 0);
    node_ks_delete_entry(ks, e);
    cr_assert_null(node_ks_random(ks));
    cr_assert_eq(node_ks_size(ks), 0);
}

/* ---- rename / copy / resize / flush ---- */

Test(ks, rename_keeps_value_and_ttl)
{
    node_ks_set_str(ks, "other", 5, "x", 1, T0 + 7, 0);
    struct node_ks_entry *e = node_ks_set_str(ks, "src", 3, "hello", 5, T0 + 100, 0);
    char *longkey = pattern(300, 9);
    node_ks_rename(ks, &e, longkey, 300);
    cr_assert_null(node_ks_find(ks, "src", 3, 0));
    expect_value(longkey, 300, "hello", 5);
    cr_assert_eq(node_ks_entry_expire(e), T0 + 100);
    cr_assert_eq(node_ks_check(ks), 0);
    node_ks_rename(ks, &e, "dst", 3);
    expect_value("dst", 3, "hello", 5);
    cr_assert_eq(node_ks_entry_expire(node_ks_find(ks, "dst", 3, 0)), T0 + 100);
    cr_assert_eq(node_ks_expires_size(ks), 2);
    e = node_ks_set_int(ks, "n", 1, -77, -1, 0);
    node_ks_rename(ks, &e, "m", 1);
    cr_assert_str_eq(node_ks_entry_encoding(e), "int");
    expect_value("m", 1, "-77", 3);
    cr_assert_eq(node_ks_size(ks), 3);
    core_free(longkey);
}

Test(ks, copy_keeps_ttl)
{
    struct node_ks_entry *e = node_ks_set_str(ks, "src", 3, "hello", 5, T0 + 100, 0);
    struct node_ks_entry *c = node_ks_copy(ks, e, "dst", 3);
    cr_assert_eq(node_ks_entry_expire(c), T0 + 100);
    expect_value("src", 3, "hello", 5);
    expect_value("dst", 3, "hello", 5);
    cr_assert_eq(node_ks_expires_size(ks), 2);
    e = node_ks_set_int(ks, "i", 1, 5, -1, 0);
    c = node_ks_copy(ks, e, "j", 1);
    cr_assert_str_eq(node_ks_entry_encoding(c), "int");
    cr_assert_eq(node_ks_entry_expire(c), -1);
    cr_assert_eq(node_ks_size(ks), 4);
    cr_assert_eq(node_ks_check(ks), 0);
    node_ks_set_now(ks, T0 + 101);
    cr_assert_null(node_ks_find(ks, "dst", 3, 0));
    cr_assert_null(node_ks_find(ks, "src", 3, 0));
}

Test(ks, str_resize_keeps_content_and_ttl)
{
    struct node_ks_entry *e = node_ks_set_str(ks, "k", 1, "abc", 3, T0 + 9, 0);
    cr_assert_str_eq(node_ks_entry_encoding(e), "embstr");
    char *p = node_ks_str_resize(ks, &e, 5);
    cr_assert(memcmp(p, "abc\0\0", 5) == 0);
    memcpy(p + 3, "de", 2);
    expect_value("k", 1, "abcde", 5);
    cr_assert_str_eq(node_ks_entry_encoding(e), "raw");
    cr_assert_eq(node_ks_entry_expire(e), T0 + 9);
    p = node_ks_str_resize(ks, &e, 300); /* narrow -> wide */
    cr_assert(memcmp(p, "abcde", 5) == 0);
    for (int i = 5; i < 300; i++)
        cr_assert_eq(p[i], 0);
    cr_assert_eq(node_ks_entry_expire(e), T0 + 9);
    cr_assert_eq(node_ks_check(ks), 0);
    p = node_ks_str_resize(ks, &e, 2); /* wide -> narrow, shrink */
    expect_value("k", 1, "ab", 2);
    cr_assert_eq(node_ks_entry_expire(e), T0 + 9);
    /* Integer values turn into text first. */
    e = node_ks_set_int(ks, "n", 1, -12345, -1, 0);
    p = node_ks_str_resize(ks, &e, 8);
    memcpy(p + 6, "xy", 2);
    expect_value("n", 1, "-12345xy", 8);
    int64_t v;
    cr_assert_not(node_ks_str_get_int(e, &v));
    cr_assert_str_eq(node_ks_entry_encoding(e), "raw");
    e = node_ks_set_int(ks, "w", 1, 1234567890123LL, T0 + 1, 0);
    p = node_ks_str_resize(ks, &e, 70000);
    cr_assert(memcmp(p, "1234567890123", 13) == 0);
    cr_assert_eq(node_ks_entry_expire(e), T0 + 1);
    cr_assert_eq(node_ks_str_len(e), 70000);
    /* A plain SET makes it embstr again. */
    e = node_ks_set_str(ks, "k", 1, "ab", 2, -1, 0);
    cr_assert_str_eq(node_ks_entry_encoding(e), "embstr");
    cr_assert_eq(node_ks_check(ks), 0);
}

Test(ks, flush)
{
    add_range(0, 5000);
    node_ks_set_str(ks, "t", 1, "v", 1, T0 + 1, 0);
    cr_assert_eq(node_ks_flush(ks), 5001);
    cr_assert_eq(node_ks_size(ks), 0);
    cr_assert_eq(node_ks_expires_size(ks), 0);
    cr_assert_null(node_ks_find(ks, "t", 1, 0));
    cr_assert_eq(node_ks_check(ks), 0);
    add_range(0, 10);
    cr_assert_eq(node_ks_size(ks), 10);
    cr_assert_eq(node_ks_flush(ks), 10);
}

/* ---- owned values ---- */

static int freed, dupped;

static void box_free(void *p)
{
    freed++;
    core_free(p);
}

static void *box_dup(const void *p)
{
    dupped++;
    int *c = core_malloc(sizeof(int));
    *c = *(const int *)p;
    return c;
}

static void *box(int v)
{
    int *p = core_malloc(sizeof(int));
    *p = v;
    return p;
}

Test(ks, owned_values)
{
    freed = dupped = 0;
    node_ks_set_type_ops(ks, NODE_KS_LIST, box_free, box_dup);
    struct node_ks_entry *e = node_ks_set_ptr(ks, "l", 1, NODE_KS_LIST, box(1), T0 + 5, 0);
    cr_assert_eq(node_ks_entry_type(e), NODE_KS_LIST);
    cr_assert_eq(*(int *)node_ks_entry_ptr(e), 1);
    struct node_ks_entry *c = node_ks_copy(ks, e, "l2", 2);
    cr_assert_eq(dupped, 1);
    cr_assert_eq(*(int *)node_ks_entry_ptr(c), 1);
    cr_assert_eq(node_ks_entry_expire(c), T0 + 5);
    node_ks_rename(ks, &e, "l3", 2);
    cr_assert_eq(freed, 0);
    cr_assert_eq(*(int *)node_ks_entry_ptr(e), 1);
    node_ks_set_str(ks, "l3", 2, "s", 1, -1, 0); /* overwrite frees */
    cr_assert_eq(freed, 1);
    node_ks_set_ptr(ks, "l2", 2, NODE_KS_LIST, box(2), -1, NODE_KS_KEEPTTL);
    cr_assert_eq(freed, 2);
    cr_assert_eq(node_ks_entry_expire(node_ks_find(ks, "l2", 2, 0)), T0 + 5);
    node_ks_set_now(ks, T0 + 6);
    cr_assert_null(node_ks_find(ks, "l2", 2, 0)); /* lazy expiry frees */
    cr_assert_eq(freed, 3);
    node_ks_set_ptr(ks, "l4", 2, NODE_KS_LIST, box(4), -1, 0);
    cr_assert_eq(node_ks_flush(ks), 2);
    cr_assert_eq(freed, 4);
}

/* ---- several dicts ---- */

static unsigned by_last_char(const char *key, size_t klen)
{
    return klen ? (unsigned char)key[klen - 1] % 16u : 0u;
}

Test(ks, several_dicts)
{
    struct node_ks *m = node_ks_new(16);
    node_ks_set_dict_index(m, by_last_char);
    node_ks_set_now(m, T0);
    char k[64];
    for (unsigned long i = 0; i < 5000; i++) {
        size_t len = kfmt(k, "s:", i);
        node_ks_set_str(m, k, len, "v", 1, (i % 7) ? -1 : T0 + 5, 0);
    }
    cr_assert_eq(node_ks_check(m), 0);
    cr_assert_eq(node_ks_size(m), 5000);
    size_t sum = 0;
    for (unsigned i = 0; i < 16; i++)
        sum += node_ks_dict_size(m, i);
    cr_assert_eq(sum, 5000);
    cr_assert_eq(node_ks_dict_size(m, 0), 500); /* last digit 0 -> '0' % 16 = 0 */
    struct seen *s = core_calloc(1, sizeof(*s));
    uint64_t cursor = 0;
    do
        cursor = node_ks_scan(m, cursor, 7, mark, s);
    while (cursor != 0);
    cr_assert_eq(s->calls, 5000);
    for (unsigned long i = 0; i < 5000; i++)
        cr_assert(s->hit[i]);
    core_free(s);
    cr_assert_not_null(node_ks_random(m));
    node_ks_set_now(m, T0 + 6);
    size_t removed = node_ks_active_expire(m, INT64_MAX);
    cr_assert_eq(removed, 715);
    struct node_ks_entry *e = node_ks_find(m, "s:000000000001", 14, 0);
    node_ks_rename(m, &e, "moved2", 6);
    cr_assert_eq(node_ks_check(m), 0);
    cr_assert_eq(node_ks_flush(m), 5000 - 715);
    node_ks_free(m);
}

/* ---- memory ---- */

Test(ks, memory_per_key_16_16)
{
    const unsigned long n = 1000000;
    char k[32], v[32];
    size_t before = core_used_memory();
    for (unsigned long i = 0; i < n; i++) {
        int kl = snprintf(k, sizeof(k), "key:%012lu", i);
        int vl = snprintf(v, sizeof(v), "val:%012lu", i);
        node_ks_set_str(ks, k, (size_t)kl, v, (size_t)vl, -1, 0);
    }
    size_t after = core_used_memory();
    double per_key = (double)(after - before) / (double)n;
    /* Run the binary without --tap to see this (Criterion hides a test's
     * output in TAP mode): ./test_ks --filter 'ks/memory*' */
    fprintf(stderr, "ks memory: %.1f bytes/key (%s, %zu keys)\n", per_key, core_allocator_name(),
            node_ks_size(ks));
    cr_assert_eq(node_ks_size(ks), n);
#ifdef SHOAL_JEMALLOC
    cr_assert(per_key <= 80.0, "%.1f bytes/key", per_key);
#endif
    expect_value("key:000000123456", 16, "val:000000123456", 16);
}

/* Per-dict (per-slot) scan and flush: only the dict's keys, TTLs included. */
static unsigned last_digit_dict(const char *key, size_t klen)
{
    return klen ? (unsigned)(key[klen - 1] - '0') % 10 : 0;
}

static void count_and_check_dict(void *ud, const struct node_ks_entry *e)
{
    size_t klen;
    const char *k = node_ks_entry_key(e, &klen);
    cr_assert_eq(last_digit_dict(k, klen), 3u);
    (*(size_t *)ud)++;
}

Test(ks_dicts, dict_scan_and_flush_touch_one_dict)
{
    struct node_ks *k = node_ks_new(10);
    node_ks_set_dict_index(k, last_digit_dict);
    node_ks_set_now(k, 1000);
    char buf[32];
    for (unsigned long i = 0; i < 5000; i++) {
        size_t n = (size_t)snprintf(buf, sizeof(buf), "key:%lu", i);
        node_ks_set_str(k, buf, n, "v", 1, i % 3 == 0 ? 100000 : -1, 0);
    }
    cr_assert_eq(node_ks_dict_size(k, 3), 500u);
    size_t seen = 0;
    uint64_t cur = 0;
    do {
        cur = node_ks_dict_scan(k, 3, cur, 7, count_and_check_dict, &seen);
    } while (cur != 0);
    cr_assert_eq(seen, 500u);
    size_t ttl_before = node_ks_expires_size(k);
    cr_assert_eq(node_ks_dict_flush(k, 3), 500u);
    cr_assert_eq(node_ks_dict_size(k, 3), 0u);
    cr_assert_eq(node_ks_size(k), 4500u);
    cr_assert_eq(node_ks_expires_size(k), ttl_before - 167u); /* i = 3 + 10j with j % 3 == 0 */
    cr_assert_eq(node_ks_check(k), 0);
    cr_assert_null(node_ks_find(k, "key:3", 5, 0));
    cr_assert_not_null(node_ks_find(k, "key:4", 5, 0));
    cr_assert_eq(node_ks_dict_scan(k, 3, 0, 10, count_and_check_dict, &seen), 0u);
    node_ks_free(k);
}

/* ---- access data (LRU time / LFU counter) ---- */

Test(ks, entry_layout_16_16_fits_48)
{
    /* 16-byte key + 16-byte value, no TTL: header 12 + lengths 2 + 32 = 46. */
    cr_assert_eq(KS_ENTRY_HEAD, 12u);
    struct node_ks_entry *e = node_ks_set_str(ks, "key:000000000001", 16, "val:000000000001", 16, -1, 0);
    cr_assert_leq(core_alloc_size(e), 48u);
}

Test(ks, lru_idle_grows_and_lookup_resets)
{
    node_ks_set_str(ks, "a", 1, "v", 1, -1, 0);
    struct node_ks_entry *e = node_ks_find(ks, "a", 1, NODE_KS_NOTOUCH);
    cr_assert_eq(node_ks_entry_idle_ms(ks, e), 0u);
    node_ks_set_now(ks, T0 + 5000);
    e = node_ks_find(ks, "a", 1, NODE_KS_NOTOUCH);
    cr_assert_eq(node_ks_entry_idle_ms(ks, e), 5000u);
    e = node_ks_find(ks, "a", 1, NODE_KS_READ); /* touches */
    cr_assert_eq(node_ks_entry_idle_ms(ks, e), 0u);
    node_ks_set_now(ks, T0 + 12000);
    cr_assert_eq(node_ks_entry_idle_ms(ks, e), 7000u);
    node_ks_entry_set_idle(ks, e, 100);
    cr_assert_eq(node_ks_entry_idle_ms(ks, e), 100000u);
    /* A freq in LRU mode is ignored (Redis's objectSetLRUOrLFU). */
    node_ks_entry_set_freq(ks, e, 200);
    cr_assert_eq(node_ks_entry_idle_ms(ks, e), 100000u);
}

Test(ks, lru_clock_wraps)
{
    /* 2^24 s after the access the clock has wrapped; idle stays right mod 2^24. */
    node_ks_set_str(ks, "a", 1, "v", 1, -1, 0);
    node_ks_set_now(ks, T0 + (int64_t)((1u << 24) - 10) * 1000);
    struct node_ks_entry *e = node_ks_find(ks, "a", 1, NODE_KS_NOTOUCH);
    uint64_t idle = node_ks_entry_idle_ms(ks, e);
    cr_assert(idle >= ((1u << 24) - 12) * 1000ull && idle <= ((1u << 24) - 9) * 1000ull, "%llu",
              (unsigned long long)idle);
}

Test(ks, access_kept_across_relayout_and_rename_fresh_on_copy)
{
    node_ks_set_str(ks, "a", 1, "short", 5, -1, 0);
    struct node_ks_entry *e = node_ks_find(ks, "a", 1, NODE_KS_NOTOUCH);
    node_ks_entry_set_idle(ks, e, 50);
    uint32_t acc = node_ks_entry_access(e);
    node_ks_set_expire(ks, &e, T0 + 100000); /* new block: TTL added */
    cr_assert_eq(node_ks_entry_access(e), acc);
    char *p = node_ks_str_resize(ks, &e, 300); /* narrow -> wide */
    cr_assert_not_null(p);
    cr_assert_eq(node_ks_entry_access(e), acc);
    node_ks_set_expire(ks, &e, -1);
    cr_assert_eq(node_ks_entry_access(e), acc);
    node_ks_rename(ks, &e, "b", 1);
    cr_assert_eq(node_ks_entry_access(e), acc);
    /* COPY makes a new object (Redis: createObject): fresh access time. */
    struct node_ks_entry *c = node_ks_copy(ks, e, "c", 1);
    cr_assert_eq(node_ks_entry_idle_ms(ks, c), 0u);
    e = node_ks_find(ks, "b", 1, NODE_KS_NOTOUCH);
    cr_assert_eq(node_ks_entry_access(e), acc);
    /* An overwrite is a new value: fresh in LRU mode. */
    node_ks_set_str(ks, "b", 1, "other", 5, -1, 0);
    e = node_ks_find(ks, "b", 1, NODE_KS_NOTOUCH);
    cr_assert_eq(node_ks_entry_idle_ms(ks, e), 0u);
}

Test(ks, lfu_counter_grows_logarithmically_and_decays)
{
    node_ks_set_access_mode(ks, NODE_KS_ACCESS_LFU, 10, 1);
    node_ks_set_str(ks, "a", 1, "v", 1, -1, 0);
    struct node_ks_entry *e = node_ks_find(ks, "a", 1, NODE_KS_NOTOUCH);
    cr_assert_eq(node_ks_entry_freq(ks, e), NODE_KS_LFU_INIT);
    for (int i = 0; i < 1000; i++)
        node_ks_find(ks, "a", 1, 0);
    unsigned f = node_ks_entry_freq(ks, e);
    /* Redis's table for factor 10: ~10 hits -> 10 (from 5), 1k hits -> ~18. */
    cr_assert(f > 10 && f < 30, "freq %u", f);
    /* The counter is kept by an overwrite (Redis's dbOverwrite) ... */
    node_ks_set_str(ks, "a", 1, "w", 1, -1, 0);
    e = node_ks_find(ks, "a", 1, NODE_KS_NOTOUCH);
    cr_assert_geq(node_ks_entry_freq(ks, e), f);
    f = node_ks_entry_freq(ks, e);
    /* ... and loses one per decay-time minute. */
    node_ks_set_now(ks, T0 + 3 * 60000);
    cr_assert_eq(node_ks_entry_freq(ks, e), f - 3);
    node_ks_set_now(ks, T0 + 600 * 60000LL);
    cr_assert_eq(node_ks_entry_freq(ks, e), 0u);
    node_ks_entry_set_freq(ks, e, 77);
    cr_assert_eq(node_ks_entry_freq(ks, e), 77u);
    /* An idle time in LFU mode is ignored. */
    node_ks_entry_set_idle(ks, e, 1000);
    cr_assert_eq(node_ks_entry_freq(ks, e), 77u);
}

Test(ks, sample_many_dicts_mostly_empty)
{
    /* 16384 dicts with keys in only two of them: sampling must find keys at
     * once (Fenwick tree), and volatile sampling only TTL keys. */
    struct node_ks *m = node_ks_new(16384);
    node_ks_set_dict_index(m, by_last_char);
    node_ks_set_now(m, T0);
    char k[64];
    for (unsigned long i = 0; i < 200; i++) {
        size_t len = (size_t)snprintf(k, sizeof(k), "key:%lu%c", i, i % 2 ? 'a' : 'b');
        node_ks_set_str(m, k, len, "v", 1, i % 4 == 1 ? T0 + 100000 : -1, 0);
    }
    struct node_ks_entry *out[64];
    cr_assert_eq(node_ks_sample(m, false, out, 64), 64u);
    bool saw_a = false, saw_b = false;
    for (int i = 0; i < 64; i++) {
        size_t kl;
        const char *kk = node_ks_entry_key(out[i], &kl);
        saw_a |= kk[kl - 1] == 'a';
        saw_b |= kk[kl - 1] == 'b';
    }
    cr_assert(saw_a && saw_b);
    cr_assert_eq(node_ks_sample(m, true, out, 64), 64u);
    for (int i = 0; i < 64; i++)
        cr_assert_neq(node_ks_entry_expire(out[i]), -1);
    cr_assert_eq(node_ks_check(m), 0);
    for (unsigned long i = 0; i < 200; i += 2) {
        size_t len = (size_t)snprintf(k, sizeof(k), "key:%lu%c", i, 'b');
        cr_assert(node_ks_delete(m, k, len));
    }
    cr_assert_eq(node_ks_check(m), 0);
    for (int round = 0; round < 100; round++) {
        cr_assert_eq(node_ks_sample(m, false, out, 1), 1u);
        size_t kl;
        const char *kk = node_ks_entry_key(out[0], &kl);
        cr_assert_eq(kk[kl - 1], 'a');
    }
    node_ks_flush(m);
    cr_assert_eq(node_ks_check(m), 0);
    cr_assert_eq(node_ks_sample(m, false, out, 4), 0u);
    cr_assert_eq(node_ks_sample(m, true, out, 4), 0u);
    node_ks_free(m);
}

Test(ks, touch_paused_while_child_runs)
{
    node_ks_set_str(ks, "a", 1, "v", 1, -1, 0);
    node_ks_set_now(ks, T0 + 4000);
    node_ks_set_touch_paused(ks, true);
    struct node_ks_entry *e = node_ks_find(ks, "a", 1, NODE_KS_READ);
    cr_assert_eq(node_ks_entry_idle_ms(ks, e), 4000u);
    node_ks_set_touch_paused(ks, false);
    e = node_ks_find(ks, "a", 1, NODE_KS_READ);
    cr_assert_eq(node_ks_entry_idle_ms(ks, e), 0u);
}
