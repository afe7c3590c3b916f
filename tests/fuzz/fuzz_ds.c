/*
 * fuzz_ds.c — fuzz target for the pure data structures (node/ds_*.c).
 *
 * The first byte picks a mode:
 *   0: the rest is a foreign listpack blob (as RDB/RESTORE hand it over).
 *      ds_lp_valid must never read outside it; if it accepts, walking both
 *      ways, reading every entry, seeking and editing must stay consistent
 *      and valid.
 *   1: the rest is a foreign intset blob, same idea.
 *   2: the rest is a program of edits applied to a listpack, a ds_hash and a
 *      ds_zidx side by side with trivially correct models; any disagreement
 *      aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/ds_hash.h"
#include "node/ds_intset.h"
#include "node/ds_lp.h"
#include "node/ds_zidx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                                      \
    do {                                                                                                              \
        if (!(c)) {                                                                                                   \
            fprintf(stderr, "fuzz_ds: check failed: %s (line %d)\n", #c, __LINE__);                                 \
            abort();                                                                                                  \
        }                                                                                                             \
    } while (0)

/* Bounds that keep one input fast. */
#define OPS_MAX 4096
#define KEYS 64

static void lp_consistent(const unsigned char *lp)
{
    CHECK(ds_lp_valid(lp, ds_lp_bytes(lp)));
    size_t n = 0;
    unsigned char buf[DS_LP_INTBUF];
    for (unsigned char *p = ds_lp_first(lp); p; p = ds_lp_next(lp, p)) {
        size_t len;
        const unsigned char *s = ds_lp_get_str(p, buf, &len);
        CHECK(ds_lp_eq(p, s, len));
        n++;
    }
    CHECK(n == ds_lp_count(lp));
    size_t back = 0;
    for (unsigned char *p = ds_lp_last(lp); p; p = ds_lp_prev(lp, p))
        back++;
    CHECK(back == n);
}

static void fuzz_lp_blob(const uint8_t *data, size_t size)
{
    /* An exact-size copy, so a sanitizer sees any overread. */
    unsigned char *blob = malloc(size ? size : 1);
    if (size)
        memcpy(blob, data, size);
    if (!ds_lp_valid(blob, size)) {
        free(blob);
        return;
    }
    lp_consistent(blob);
    size_t n = ds_lp_count(blob);
    if (n) {
        CHECK(ds_lp_seek(blob, -1) == ds_lp_last(blob));
        CHECK(ds_lp_seek(blob, (long long)n - 1) == ds_lp_last(blob));
    }
    CHECK(ds_lp_seek(blob, (long long)n) == NULL);
    /* Edits on a copy grown by the library's own allocator. */
    unsigned char *lp = ds_lp_dup(blob);
    free(blob);
    unsigned char *p = ds_lp_first(lp);
    if (p) {
        unsigned char buf[DS_LP_INTBUF];
        size_t len;
        const unsigned char *s = ds_lp_get_str(p, buf, &len);
        unsigned char *copy = malloc(len ? len : 1);
        memcpy(copy, s, len);
        lp = ds_lp_append(lp, copy, len);
        free(copy);
        p = ds_lp_first(lp);
        lp = ds_lp_delete(lp, &p);
        lp_consistent(lp);
        CHECK(ds_lp_count(lp) == n);
    }
    lp = ds_lp_delete_range(lp, -2, 1);
    lp_consistent(lp);
    ds_lp_free(lp);
}

static void fuzz_intset_blob(const uint8_t *data, size_t size)
{
    uint8_t *blob = malloc(size ? size : 1);
    if (size)
        memcpy(blob, data, size);
    if (!ds_intset_valid(blob, size)) {
        free(blob);
        return;
    }
    size_t n = ds_intset_len(blob);
    CHECK(ds_intset_bytes(blob) == size);
    uint8_t *is = ds_intset_dup(blob);
    free(blob);
    for (size_t i = 0; i < n; i++)
        CHECK(ds_intset_find(is, ds_intset_get(is, i)));
    bool ch;
    int64_t v = ds_intset_get(is, 0);
    is = ds_intset_remove(is, v, &ch);
    CHECK(ch && !ds_intset_find(is, v));
    is = ds_intset_add(is, v, &ch);
    CHECK(ch && ds_intset_len(is) == n);
    CHECK(ds_intset_valid(is, ds_intset_bytes(is)));
    ds_intset_free(is);
}

/* Program mode: entries of the hash table are keyed by one byte id. */
struct hent {
    void *next;
    unsigned char id;
};

static const void *hent_key(const void *e, size_t *len)
{
    *len = 1;
    return &((const struct hent *)e)->id;
}

static int cmp_u(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t)a, y = (uintptr_t)b;
    return (x > y) - (x < y);
}

static bool below_u(const void *e, void *ud)
{
    return (uintptr_t)e < *(uintptr_t *)ud;
}

struct prog {
    unsigned char *lp;
    size_t lp_n;
    struct ds_hash h;
    bool in_h[256];
    struct ds_zidx *z;
    bool in_z[KEYS * 4 + 1];
};

/* One element text from a byte: integers at every encoding edge, and strings. */
static size_t elem_text(uint8_t b, char *out)
{
    static const long long edges[] = {0, 127, 128, -4096, 4095, 32767, -32768, 8388607, 2147483648LL, INT64_MIN};
    if (b < 10)
        return (size_t)sprintf(out, "%lld", edges[b]);
    if (b < 128)
        return (size_t)sprintf(out, "%d", (int)b - 64);
    size_t n = (size_t)(b - 128) * 40;
    memset(out, 'a' + b % 26, n);
    return n;
}

static void prog_step(struct prog *pg, uint8_t op, uint8_t arg)
{
    char text[6000];
    switch (op % 6) {
    case 0: {
        size_t n = elem_text(arg, text);
        size_t at = pg->lp_n ? arg % (pg->lp_n + 1) : 0;
        unsigned char *p = at == pg->lp_n ? NULL : ds_lp_seek(pg->lp, (long long)at), *np;
        pg->lp = ds_lp_insert(pg->lp, p, text, n, &np);
        CHECK(ds_lp_eq(np, text, n));
        pg->lp_n++;
        break;
    }
    case 1:
        if (pg->lp_n) {
            unsigned char *p = ds_lp_seek(pg->lp, -1 - (long long)(arg % pg->lp_n));
            pg->lp = ds_lp_delete(pg->lp, &p);
            pg->lp_n--;
        }
        break;
    case 2: {
        struct hent *e = ds_hash_find(&pg->h, &arg, 1);
        CHECK((e != NULL) == pg->in_h[arg]);
        if (e) {
            CHECK(ds_hash_remove(&pg->h, &arg, 1) == e);
            free(e);
        } else {
            e = calloc(1, sizeof(*e));
            e->id = arg;
            ds_hash_add(&pg->h, e);
        }
        pg->in_h[arg] = !pg->in_h[arg];
        break;
    }
    case 3: {
        uintptr_t v = 1 + (uintptr_t)(arg % (KEYS * 4));
        if (pg->in_z[v])
            CHECK(ds_zidx_delete(pg->z, (void *)v));
        else
            ds_zidx_insert(pg->z, (void *)v);
        pg->in_z[v] = !pg->in_z[v];
        break;
    }
    case 4: {
        uintptr_t lim = (uintptr_t)arg;
        size_t want = 0;
        for (uintptr_t v = 1; v < lim && v <= KEYS * 4; v++)
            want += pg->in_z[v];
        CHECK(ds_zidx_count_below(pg->z, below_u, &lim) == want);
        if (want)
            CHECK((uintptr_t)ds_zidx_at(pg->z, want - 1) < lim);
        break;
    }
    default: {
        /* Remove every other entry during iteration. */
        struct ds_hash_iter it;
        ds_hash_iter_init(&it, &pg->h);
        struct hent *e;
        size_t k = 0;
        while ((e = ds_hash_iter_next(&it))) {
            if ((k++ + arg) % 2 == 0) {
                CHECK(pg->in_h[e->id]);
                pg->in_h[e->id] = false;
                free(ds_hash_remove(&pg->h, &e->id, 1));
            }
        }
    }
    }
}

static void free_hent(void *e)
{
    free(e);
}

static void fuzz_program(const uint8_t *data, size_t size)
{
    struct prog pg = {0};
    pg.lp = ds_lp_new();
    ds_hash_init(&pg.h, hent_key);
    pg.z = ds_zidx_new(cmp_u);
    for (size_t i = 0; i + 1 < size && i / 2 < OPS_MAX; i += 2)
        prog_step(&pg, data[i], data[i + 1]);
    lp_consistent(pg.lp);
    CHECK(ds_lp_count(pg.lp) == pg.lp_n);
    size_t hn = 0, zn = 0;
    for (int i = 0; i < 256; i++)
        hn += pg.in_h[i];
    for (int i = 0; i <= KEYS * 4; i++)
        zn += pg.in_z[i];
    CHECK(ds_hash_size(&pg.h) == hn);
    CHECK(ds_zidx_count(pg.z) == zn);
    CHECK(ds_zidx_check(pg.z) == 0);
    ds_lp_free(pg.lp);
    ds_hash_clear(&pg.h, free_hent);
    ds_zidx_free(pg.z);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    switch (data[0] % 3) {
    case 0:
        fuzz_lp_blob(data + 1, size - 1);
        break;
    case 1:
        fuzz_intset_blob(data + 1, size - 1);
        break;
    default:
        fuzz_program(data + 1, size - 1);
    }
    return 0;
}
