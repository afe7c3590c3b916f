/* test_ds_zidx.c — the order-statistic B+tree against a sorted-array model. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "node/ds_zidx.h"

/* Elements are integers disguised as pointers, ordered by value. */
static int cmp_int(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t)a, y = (uintptr_t)b;
    return (x > y) - (x < y);
}

static void *E(uintptr_t v)
{
    return (void *)v;
}

static bool below_limit(const void *elem, void *ud)
{
    return (uintptr_t)elem < *(uintptr_t *)ud;
}

struct model {
    uintptr_t *v;
    size_t n, cap;
};

/* The first index whose value is >= x. */
static size_t model_lower(const struct model *m, uintptr_t x)
{
    size_t lo = 0, hi = m->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (m->v[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static uint64_t rng_state = 88172645463325252ull;

static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static void walk_check(const struct ds_zidx *z, const struct model *m)
{
    struct ds_zidx_it it;
    ds_zidx_it_at(z, 0, &it);
    for (size_t i = 0; i < m->n; i++)
        cr_assert_eq((uintptr_t)ds_zidx_it_next(&it), m->v[i]);
    cr_assert_null(ds_zidx_it_next(&it));
    if (m->n) {
        ds_zidx_it_at(z, m->n - 1, &it);
        for (size_t i = m->n; i-- > 0;)
            cr_assert_eq((uintptr_t)ds_zidx_it_prev(&it), m->v[i]);
        cr_assert_null(ds_zidx_it_prev(&it));
    }
}

static void run_random(size_t ops, size_t target, uint64_t range)
{
    struct ds_zidx *z = ds_zidx_new(cmp_int);
    struct model m = {0};
    m.cap = 1024;
    m.v = malloc(m.cap * sizeof(uintptr_t));
    size_t max_n = 0;
    for (size_t step = 0; step < ops; step++) {
        unsigned op = (unsigned)(rnd() % 10);
        /* Phases of target steps drift the size up (to at most 2*target)
         * then down, so the tree grows and collapses levels. */
        bool up = (step / target) % 2 == 0 && m.n < target * 2;
        if (op < 6 && (op < (up ? 5u : 1u) || m.n == 0)) {
            uintptr_t x = 1 + rnd() % range;
            size_t at = model_lower(&m, x);
            if (at < m.n && m.v[at] == x)
                continue;
            ds_zidx_insert(z, E(x));
            if (m.n == m.cap) {
                m.cap *= 2;
                m.v = realloc(m.v, m.cap * sizeof(uintptr_t));
            }
            memmove(m.v + at + 1, m.v + at, (m.n - at) * sizeof(uintptr_t));
            m.v[at] = x;
            m.n++;
        } else if (op < 6 && m.n) {
            size_t at = rnd() % m.n;
            cr_assert(ds_zidx_delete(z, E(m.v[at])));
            memmove(m.v + at, m.v + at + 1, (m.n - at - 1) * sizeof(uintptr_t));
            m.n--;
        } else if (op == 6) {
            uintptr_t x = 1 + rnd() % range;
            size_t at = model_lower(&m, x);
            bool present = at < m.n && m.v[at] == x;
            cr_assert_eq(ds_zidx_rank(z, E(x)), present ? at : (size_t)-1);
            if (!present)
                cr_assert_not(ds_zidx_delete(z, E(x)));
        } else if (op == 7 && m.n) {
            size_t r = rnd() % m.n;
            cr_assert_eq((uintptr_t)ds_zidx_at(z, r), m.v[r]);
            cr_assert_eq(ds_zidx_rank(z, E(m.v[r])), r);
        } else if (op == 8) {
            uintptr_t lim = rnd() % (range + 2);
            cr_assert_eq(ds_zidx_count_below(z, below_limit, &lim), model_lower(&m, lim));
        } else if (op == 9 && m.n) {
            /* A short walk both ways from a random rank. */
            size_t r = rnd() % m.n;
            struct ds_zidx_it it;
            ds_zidx_it_at(z, r, &it);
            for (size_t k = r; k < m.n && k < r + 70; k++)
                cr_assert_eq((uintptr_t)ds_zidx_it_next(&it), m.v[k]);
            ds_zidx_it_at(z, r, &it);
            for (size_t k = r + 1; k-- > 0 && k + 70 > r;)
                cr_assert_eq((uintptr_t)ds_zidx_it_prev(&it), m.v[k]);
        }
        cr_assert_eq(ds_zidx_count(z), m.n);
        if (m.n > max_n)
            max_n = m.n;
        if (step % 2000 == 0)
            cr_assert_eq(ds_zidx_check(z), 0, "step %zu", step);
    }
    cr_assert_eq(ds_zidx_check(z), 0);
    cr_assert_geq(max_n, target / 4, "the model never grew (max %zu)", max_n);
    walk_check(z, &m);
    /* Drain completely in random order, checking as the tree collapses. */
    while (m.n) {
        size_t at = rnd() % m.n;
        cr_assert(ds_zidx_delete(z, E(m.v[at])));
        memmove(m.v + at, m.v + at + 1, (m.n - at - 1) * sizeof(uintptr_t));
        m.n--;
        if (m.n % 997 == 0)
            cr_assert_eq(ds_zidx_check(z), 0);
    }
    cr_assert_eq(ds_zidx_count(z), 0);
    cr_assert_eq(ds_zidx_check(z), 0);
    ds_zidx_free(z);
    free(m.v);
}

Test(ds_zidx, random_100k_ops)
{
    run_random(100000, 25000, 1000000);
}

Test(ds_zidx, random_small_dense)
{
    /* Few distinct values: many failed inserts/deletes, tiny trees. */
    run_random(50000, 40, 200);
}

Test(ds_zidx, sequential_and_reverse)
{
    struct ds_zidx *z = ds_zidx_new(cmp_int);
    for (uintptr_t i = 1; i <= 20000; i++)
        ds_zidx_insert(z, E(i * 2));
    cr_assert_eq(ds_zidx_check(z), 0);
    for (uintptr_t i = 1; i <= 20000; i++)
        ds_zidx_insert(z, E(100000 - i * 2 + 1));
    cr_assert_eq(ds_zidx_check(z), 0);
    cr_assert_eq(ds_zidx_count(z), 40000);
    cr_assert_gt(ds_zidx_mem(z), 40000 * sizeof(void *));
    uintptr_t lim = 11;
    cr_assert_eq(ds_zidx_count_below(z, below_limit, &lim), 5);
    lim = 0;
    cr_assert_eq(ds_zidx_count_below(z, below_limit, &lim), 0);
    lim = UINTPTR_MAX;
    cr_assert_eq(ds_zidx_count_below(z, below_limit, &lim), 40000);
    /* Delete from the front: the leftmost path keeps rebalancing. */
    for (size_t k = 0; k < 30000; k++)
        cr_assert(ds_zidx_delete(z, ds_zidx_at(z, 0)));
    cr_assert_eq(ds_zidx_check(z), 0);
    for (size_t k = 0; k < 9000; k++)
        cr_assert(ds_zidx_delete(z, ds_zidx_at(z, ds_zidx_count(z) - 1)));
    cr_assert_eq(ds_zidx_check(z), 0);
    cr_assert_eq(ds_zidx_count(z), 1000);
    ds_zidx_free(z);
    ds_zidx_free(NULL);
}

Test(ds_zidx, empty_and_iter_edges)
{
    struct ds_zidx *z = ds_zidx_new(cmp_int);
    struct ds_zidx_it it;
    ds_zidx_it_at(z, 0, &it);
    cr_assert_null(ds_zidx_it_next(&it));
    cr_assert_null(ds_zidx_it_prev(&it));
    cr_assert_eq(ds_zidx_rank(z, E(5)), (size_t)-1);
    cr_assert_not(ds_zidx_delete(z, E(5)));
    uintptr_t lim = 100;
    cr_assert_eq(ds_zidx_count_below(z, below_limit, &lim), 0);
    cr_assert_eq(ds_zidx_check(z), 0);
    for (uintptr_t i = 1; i <= 3; i++)
        ds_zidx_insert(z, E(i));
    ds_zidx_it_at(z, 3, &it); /* past the end */
    cr_assert_null(ds_zidx_it_next(&it));
    ds_zidx_it_at(z, 2, &it);
    cr_assert_eq((uintptr_t)ds_zidx_it_next(&it), 3);
    cr_assert_null(ds_zidx_it_next(&it));
    ds_zidx_it_at(z, 0, &it);
    cr_assert_eq((uintptr_t)ds_zidx_it_prev(&it), 1);
    cr_assert_null(ds_zidx_it_prev(&it));
    ds_zidx_free(z);
}
