/* test_ds_intset.c — the intset against Redis 7.0.15's bytes and a sorted model. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "node/ds_intset.h"

static uint8_t *build(const int64_t *v, size_t n)
{
    uint8_t *is = ds_intset_new();
    for (size_t i = 0; i < n; i++) {
        bool added;
        is = ds_intset_add(is, v[i], &added);
        cr_assert(added);
    }
    return is;
}

static void expect_bytes(const uint8_t *is, const uint8_t *want, size_t n)
{
    cr_assert_eq(ds_intset_bytes(is), n);
    cr_assert(memcmp(is, want, n) == 0, "intset bytes differ from redis-server's");
    cr_assert(ds_intset_valid(is, n));
}

/* vectors/dump/set-int16.bin, set-int32.bin and set-int64.bin (SADD order). */
Test(ds_intset, golden)
{
    static const int64_t a[] = {3, 1, 2, -5, 100};
    static const uint8_t wa[] = {2, 0, 0, 0, 5, 0, 0, 0, 0xfb, 0xff, 1, 0, 2, 0, 3, 0, 0x64, 0};
    uint8_t *is = build(a, 5);
    expect_bytes(is, wa, sizeof(wa));
    ds_intset_free(is);

    static const int64_t b[] = {70000, 1, -70000};
    static const uint8_t wb[] = {4, 0, 0, 0, 3, 0, 0, 0, 0x90, 0xee, 0xfe, 0xff, 1, 0, 0, 0, 0x70, 0x11, 1, 0};
    is = build(b, 3);
    expect_bytes(is, wb, sizeof(wb));
    ds_intset_free(is);

    static const int64_t c[] = {5000000000LL, 1, INT64_MIN};
    uint8_t wc[32] = {8, 0, 0, 0, 3, 0, 0, 0};
    int64_t sorted[] = {INT64_MIN, 1, 5000000000LL};
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 8; k++)
            wc[8 + i * 8 + k] = (uint8_t)((uint64_t)sorted[i] >> (8 * k));
    is = build(c, 3);
    expect_bytes(is, wc, 32);
    ds_intset_free(is);
}

Test(ds_intset, upgrade_and_limits)
{
    uint8_t *is = ds_intset_new();
    cr_assert_eq(ds_intset_len(is), 0);
    cr_assert_eq(ds_intset_bytes(is), 8);
    cr_assert_not(ds_intset_find(is, 0));
    bool r;
    is = ds_intset_add(is, 32767, &r);
    is = ds_intset_add(is, -32768, &r);
    cr_assert_eq(is[0], 2);
    is = ds_intset_add(is, 32768, &r);
    cr_assert_eq(is[0], 4);
    is = ds_intset_add(is, INT64_MAX, &r);
    cr_assert_eq(is[0], 8);
    is = ds_intset_add(is, INT64_MAX, &r);
    cr_assert_not(r);
    cr_assert_eq(ds_intset_len(is), 4);
    cr_assert_eq(ds_intset_get(is, 0), -32768);
    cr_assert_eq(ds_intset_get(is, 3), INT64_MAX);
    /* Removing the wide member never narrows the width. */
    is = ds_intset_remove(is, INT64_MAX, &r);
    cr_assert(r);
    is = ds_intset_remove(is, INT64_MAX, &r);
    cr_assert_not(r);
    cr_assert_eq(is[0], 8);
    cr_assert(ds_intset_find(is, 32768));
    cr_assert_not(ds_intset_find(is, INT64_MIN));
    cr_assert(ds_intset_valid(is, ds_intset_bytes(is)));
    uint8_t *d = ds_intset_dup(is);
    cr_assert(memcmp(d, is, ds_intset_bytes(is)) == 0);
    ds_intset_free(d);
    ds_intset_free(is);
}

static int cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int64_t rnd_val(void)
{
    switch (rand() % 4) {
    case 0:
        return rand() % 200 - 100;
    case 1:
        return rand() % 100000 - 50000;
    case 2:
        return (int64_t)rand() * 1000003LL - 1000000000000LL;
    default:
        return (int64_t)((uint64_t)rand() << 40 ^ (uint64_t)rand());
    }
}

Test(ds_intset, random_vs_model)
{
    srand(5);
    for (int round = 0; round < 20; round++) {
        uint8_t *is = ds_intset_new();
        int64_t model[600];
        size_t n = 0;
        for (int step = 0; step < 1500; step++) {
            int64_t v = rnd_val();
            if (step % 3 == 2 && n)
                v = model[(size_t)rand() % n];
            bool in = bsearch(&v, model, n, sizeof(int64_t), cmp64) != NULL;
            cr_assert_eq(ds_intset_find(is, v), in);
            bool ch;
            if (rand() % 2 && n < 600) {
                is = ds_intset_add(is, v, &ch);
                cr_assert_eq(ch, !in);
                if (!in) {
                    model[n++] = v;
                    qsort(model, n, sizeof(int64_t), cmp64);
                }
            } else {
                is = ds_intset_remove(is, v, &ch);
                cr_assert_eq(ch, in);
                if (in) {
                    int64_t *p = bsearch(&v, model, n, sizeof(int64_t), cmp64);
                    memmove(p, p + 1, (size_t)(model + n - p - 1) * sizeof(int64_t));
                    n--;
                }
            }
            cr_assert_eq(ds_intset_len(is), n);
        }
        for (size_t i = 0; i < n; i++)
            cr_assert_eq(ds_intset_get(is, i), model[i]);
        cr_assert(n == 0 || ds_intset_valid(is, ds_intset_bytes(is)));
        ds_intset_free(is);
    }
}

Test(ds_intset, valid_rejects)
{
    static const uint8_t ok[] = {2, 0, 0, 0, 2, 0, 0, 0, 1, 0, 2, 0};
    uint8_t b[sizeof(ok)];
    cr_assert(ds_intset_valid(ok, sizeof(ok)));
    cr_assert_not(ds_intset_valid(ok, sizeof(ok) - 1));
    cr_assert_not(ds_intset_valid(ok, 7));
    cr_assert_not(ds_intset_valid(NULL, 0));
    memcpy(b, ok, sizeof(b));
    b[0] = 3;
    cr_assert_not(ds_intset_valid(b, sizeof(b)));
    memcpy(b, ok, sizeof(b));
    b[8] = 2; /* duplicate */
    cr_assert_not(ds_intset_valid(b, sizeof(b)));
    memcpy(b, ok, sizeof(b));
    b[8] = 3; /* descending */
    cr_assert_not(ds_intset_valid(b, sizeof(b)));
    memcpy(b, ok, sizeof(b));
    b[4] = 0xff;
    b[7] = 0x7f; /* huge length */
    cr_assert_not(ds_intset_valid(b, sizeof(b)));
    static const uint8_t empty[] = {2, 0, 0, 0, 0, 0, 0, 0};
    cr_assert_not(ds_intset_valid(empty, 8));
}
