/* test_ds_hash.c — the intrusive table against a model: find/add/remove,
 * SCAN's guarantee across grow and shrink, removal during iteration. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/ds_hash.h"

struct ent {
    void *next;
    int id;
    size_t len;
    char key[24];
};

static const void *ent_key(const void *e, size_t *len)
{
    const struct ent *x = e;
    *len = x->len;
    return x->key;
}

/* Keys are "k<id>"; ents[id] is allocated while present. */
#define N_MAX 20000

static struct ent *mk(int id)
{
    struct ent *e = calloc(1, sizeof(*e));
    e->id = id;
    e->len = (size_t)sprintf(e->key, "k%d", id);
    return e;
}

static void free_ent(void *e)
{
    free(e);
}

static struct ent *find_id(struct ds_hash *h, int id)
{
    char k[24];
    int n = sprintf(k, "k%d", id);
    return ds_hash_find(h, k, (size_t)n);
}

static struct ent *remove_id(struct ds_hash *h, int id)
{
    char k[24];
    int n = sprintf(k, "k%d", id);
    return ds_hash_remove(h, k, (size_t)n);
}

Test(ds_hash, basic)
{
    struct ds_hash h;
    ds_hash_init(&h, ent_key);
    cr_assert_eq(ds_hash_size(&h), 0);
    cr_assert_null(find_id(&h, 1));
    cr_assert_null(remove_id(&h, 1));
    cr_assert_null(ds_hash_random(&h, 42));
    cr_assert_eq(ds_hash_scan(&h, 0, NULL, NULL), 0);
    for (int i = 0; i < 1000; i++)
        ds_hash_add(&h, mk(i));
    cr_assert_eq(ds_hash_size(&h), 1000);
    for (int i = 0; i < 1000; i++)
        cr_assert_eq(find_id(&h, i)->id, i);
    cr_assert_null(find_id(&h, 1000));
    cr_assert_geq(ds_hash_mem(&h), 1000 * sizeof(void *));
    for (int i = 0; i < 1000; i += 2)
        free(remove_id(&h, i));
    cr_assert_eq(ds_hash_size(&h), 500);
    for (int i = 0; i < 1000; i++)
        cr_assert((find_id(&h, i) != NULL) == (i % 2 == 1));
    for (int i = 1; i < 1000; i += 2)
        free(remove_id(&h, i));
    cr_assert_eq(ds_hash_size(&h), 0);
    cr_assert_leq(ds_hash_mem(&h), 4 * sizeof(void *));
    ds_hash_clear(&h, free_ent);
    ds_hash_clear(&h, free_ent);
}

Test(ds_hash, hash_differs)
{
    cr_assert_neq(ds_hash_bytes("a", 1), ds_hash_bytes("b", 1));
    cr_assert_neq(ds_hash_bytes("", 0), ds_hash_bytes("\0", 1));
    cr_assert_eq(ds_hash_bytes("hello world, long key", 21), ds_hash_bytes("hello world, long key", 21));
    /* Low bits spread: 4096 keys over 256 buckets, none grossly overfull. */
    int hist[256] = {0};
    for (int i = 0; i < 4096; i++) {
        char k[16];
        int n = sprintf(k, "%d", i);
        hist[ds_hash_bytes(k, (size_t)n) & 255]++;
    }
    for (int i = 0; i < 256; i++)
        cr_assert_lt(hist[i], 48);
}

Test(ds_hash, replace)
{
    struct ds_hash h;
    ds_hash_init(&h, ent_key);
    for (int i = 0; i < 100; i++)
        ds_hash_add(&h, mk(i));
    struct ent *old = find_id(&h, 37);
    struct ent *nw = malloc(sizeof(*nw));
    memcpy(nw, old, sizeof(*nw));
    ds_hash_replace(&h, old, nw);
    free(old);
    cr_assert_eq(find_id(&h, 37), nw);
    for (int i = 0; i < 100; i++)
        cr_assert_eq(find_id(&h, i)->id, i);
    ds_hash_clear(&h, free_ent);
}

Test(ds_hash, random_covers)
{
    struct ds_hash h;
    ds_hash_init(&h, ent_key);
    for (int i = 0; i < 50; i++)
        ds_hash_add(&h, mk(i));
    int seen[50] = {0};
    for (uint64_t r = 0; r < 5000; r++) {
        struct ent *e = ds_hash_random(&h, r * 0x9e3779b97f4a7c15ull);
        cr_assert_not_null(e);
        seen[e->id]++;
    }
    for (int i = 0; i < 50; i++)
        cr_assert_gt(seen[i], 10, "entry %d picked %d times", i, seen[i]);
    ds_hash_clear(&h, free_ent);
}

struct scan_seen {
    int *count;
};

static void scan_cb(void *ud, const void *e)
{
    struct scan_seen *s = ud;
    s->count[((const struct ent *)e)->id]++;
}

/* Entries present for the whole scan are returned at least once although
 * the table grows and shrinks between steps. */
Test(ds_hash, scan_guarantee_across_resizes)
{
    srand(7);
    for (int round = 0; round < 20; round++) {
        struct ds_hash h;
        ds_hash_init(&h, ent_key);
        int base = 1 + rand() % 3000;
        for (int i = 0; i < base; i++)
            ds_hash_add(&h, mk(i));
        struct scan_seen s = {calloc(N_MAX, sizeof(int))};
        int next_id = base, low = 0;
        uint64_t cur = 0;
        int steps = 0;
        do {
            cur = ds_hash_scan(&h, cur, scan_cb, &s);
            steps++;
            /* Churn: grow phases then shrink phases, only touching ids
             * outside the stable range [0, base/2). */
            int phase = (steps / 50 + round) % 2;
            for (int k = 0; k < 30; k++) {
                if (phase == 0 && next_id < N_MAX) {
                    ds_hash_add(&h, mk(next_id++));
                } else if (low < next_id) {
                    int id = base / 2 + low;
                    if (id < next_id) {
                        struct ent *e = remove_id(&h, id);
                        free(e);
                    }
                    low++;
                }
            }
        } while (cur != 0 && steps < 1000000);
        cr_assert_eq(cur, 0);
        for (int i = 0; i < base / 2; i++)
            cr_assert_geq(s.count[i], 1, "round %d: stable entry %d missed", round, i);
        free(s.count);
        ds_hash_clear(&h, free_ent);
    }
}

Test(ds_hash, scan_exact_without_changes)
{
    struct ds_hash h;
    ds_hash_init(&h, ent_key);
    for (int i = 0; i < 777; i++)
        ds_hash_add(&h, mk(i));
    struct scan_seen s = {calloc(N_MAX, sizeof(int))};
    uint64_t cur = 0;
    do
        cur = ds_hash_scan(&h, cur, scan_cb, &s);
    while (cur);
    for (int i = 0; i < 777; i++)
        cr_assert_eq(s.count[i], 1);
    free(s.count);
    ds_hash_clear(&h, free_ent);
}

/* Removing the entry just returned, including removals that shrink the
 * table, returns every entry exactly once. */
Test(ds_hash, iter_remove_current)
{
    srand(99);
    for (int round = 0; round < 30; round++) {
        struct ds_hash h;
        ds_hash_init(&h, ent_key);
        int n = 1 + rand() % 5000;
        for (int i = 0; i < n; i++)
            ds_hash_add(&h, mk(i));
        int *seen = calloc((size_t)n, sizeof(int));
        int pct = round % 3 == 0 ? 100 : rand() % 100;
        struct ds_hash_iter it;
        ds_hash_iter_init(&it, &h);
        struct ent *e;
        int kept = 0;
        while ((e = ds_hash_iter_next(&it))) {
            seen[e->id]++;
            if (rand() % 100 < pct)
                free(remove_id(&h, e->id));
            else
                kept++;
        }
        for (int i = 0; i < n; i++)
            cr_assert_eq(seen[i], 1, "round %d: entry %d seen %d times", round, i, seen[i]);
        cr_assert_eq(ds_hash_size(&h), (size_t)kept);
        cr_assert_null(ds_hash_iter_next(&it));
        free(seen);
        ds_hash_clear(&h, free_ent);
    }
}

Test(ds_hash, iter_empty)
{
    struct ds_hash h;
    ds_hash_init(&h, ent_key);
    struct ds_hash_iter it;
    ds_hash_iter_init(&it, &h);
    cr_assert_null(ds_hash_iter_next(&it));
    ds_hash_add(&h, mk(1));
    free(remove_id(&h, 1));
    ds_hash_iter_init(&it, &h);
    cr_assert_null(ds_hash_iter_next(&it));
    ds_hash_clear(&h, NULL);
}

/* A scan that starts on a big table which then shrinks by 64x, then grows
 * back: the stable entries are still all returned. */
Test(ds_hash, scan_across_big_shrink_and_regrow)
{
    struct ds_hash h;
    ds_hash_init(&h, ent_key);
    for (int i = 0; i < 10000; i++)
        ds_hash_add(&h, mk(i));
    size_t big = ds_hash_mem(&h);
    struct scan_seen s = {calloc(N_MAX, sizeof(int))};
    uint64_t cur = 0;
    for (int k = 0; k < 3000; k++)
        cur = ds_hash_scan(&h, cur, scan_cb, &s);
    for (int i = 100; i < 10000; i++)
        free(remove_id(&h, i));
    cr_assert_lt(ds_hash_mem(&h) * 32, big);
    for (int k = 0; k < 20; k++)
        cur = ds_hash_scan(&h, cur, scan_cb, &s);
    for (int i = 10000; i < 18000; i++)
        ds_hash_add(&h, mk(i));
    while (cur)
        cur = ds_hash_scan(&h, cur, scan_cb, &s);
    for (int i = 0; i < 100; i++)
        cr_assert_geq(s.count[i], 1, "stable entry %d missed", i);
    free(s.count);
    ds_hash_clear(&h, free_ent);
}
