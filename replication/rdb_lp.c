/*
 * rdb_lp.c — builders of the compact blobs shoal writes into RDB files and
 * DUMP payloads: listpacks (spec rdb.md §9) and intsets (§10), byte-exact
 * with what Redis 7.0 writes, because Redis only header-checks them on load
 * and skips entries by the width it computes itself (§9.2).
 * Does not own reading them (rdb_blob.c).
 */
#include <string.h>

#include "node/core/core.h"
#include "replication/rdb.h"
#include "replication/rdb_int.h"

#define LP_HDR 6
#define LP_COUNT_UNKNOWN 65535
#define LP_ENTRY_MAX 14 /* f0 + 4 bytes of length, or f4 + 8, plus slack */

void rdb_lp_init(struct rdb_lp *lp)
{
    memset(lp, 0, sizeof(*lp));
    lp->cap = 64;
    lp->buf = core_malloc(lp->cap);
    lp->len = LP_HDR; /* the header is written by rdb_lp_finish */
}

void rdb_lp_free(struct rdb_lp *lp)
{
    core_free(lp->buf);
    lp->buf = NULL;
    lp->len = lp->cap = 0;
}

static void lp_reserve(struct rdb_lp *lp, size_t n)
{
    if (lp->cap - lp->len >= n)
        return;
    size_t cap = lp->cap;
    while (cap - lp->len < n)
        cap *= 2;
    lp->buf = core_realloc(lp->buf, cap);
    lp->cap = cap;
}

/* Width Redis computes for a backlen (§9.2, including its off-by-one). */
static size_t backlen_size(size_t s)
{
    return s <= 127 ? 1 : s < 16383 ? 2 : s < 2097151 ? 3 : s < 268435455 ? 4 : 5;
}

static void put_backlen(struct rdb_lp *lp, size_t s)
{
    size_t w = backlen_size(s);
    uint8_t *p = lp->buf + lp->len;
    for (size_t i = 0; i < w; i++) {
        size_t group = w - 1 - i; /* leftmost byte: the most significant group */
        p[i] = (uint8_t)((s >> (7 * group)) & 0x7f);
        if (i > 0)
            p[i] |= 0x80;
    }
    lp->len += w;
    lp->count++;
}

void rdb_lp_append_ll(struct rdb_lp *lp, long long v)
{
    lp_reserve(lp, LP_ENTRY_MAX);
    uint8_t *p = lp->buf + lp->len;
    size_t n;
    if (v >= 0 && v <= 127) {
        p[0] = (uint8_t)v;
        n = 1;
    } else if (v >= -4096 && v <= 4095) {
        uint32_t u = (uint32_t)v & 0x1fff;
        p[0] = (uint8_t)(0xc0 | (u >> 8));
        p[1] = (uint8_t)u;
        n = 2;
    } else {
        int w = v >= INT16_MIN && v <= INT16_MAX ? 2 : v >= -8388608 && v <= 8388607 ? 3
                : v >= INT32_MIN && v <= INT32_MAX ? 4 : 8;
        p[0] = (uint8_t)(w == 2 ? 0xf1 : w == 3 ? 0xf2 : w == 4 ? 0xf3 : 0xf4);
        uint64_t u = (uint64_t)v;
        for (int i = 0; i < w; i++)
            p[1 + i] = (uint8_t)(u >> (8 * i));
        n = 1 + (size_t)w;
    }
    lp->len += n;
    put_backlen(lp, n);
}

void rdb_lp_append(struct rdb_lp *lp, const void *s, size_t n)
{
    long long v;
    if (rdb__str2ll(s, n, &v)) {
        rdb_lp_append_ll(lp, v);
        return;
    }
    core_assert(n <= UINT32_MAX);
    lp_reserve(lp, LP_ENTRY_MAX + n);
    uint8_t *p = lp->buf + lp->len;
    size_t hdr;
    if (n < 64) {
        p[0] = (uint8_t)(0x80 | n);
        hdr = 1;
    } else if (n < 4096) {
        p[0] = (uint8_t)(0xe0 | (n >> 8));
        p[1] = (uint8_t)n;
        hdr = 2;
    } else {
        p[0] = 0xf0;
        for (int i = 0; i < 4; i++)
            p[1 + i] = (uint8_t)(n >> (8 * i));
        hdr = 5;
    }
    memcpy(p + hdr, s, n);
    lp->len += hdr + n;
    put_backlen(lp, hdr + n);
}

void rdb_lp_finish(struct rdb_lp *lp)
{
    lp_reserve(lp, 1);
    lp->buf[lp->len++] = 0xff;
    core_assert(lp->len <= UINT32_MAX);
    uint32_t total = (uint32_t)lp->len;
    uint16_t count = lp->count < LP_COUNT_UNKNOWN ? (uint16_t)lp->count : LP_COUNT_UNKNOWN;
    for (int i = 0; i < 4; i++)
        lp->buf[i] = (uint8_t)(total >> (8 * i));
    lp->buf[4] = (uint8_t)count;
    lp->buf[5] = (uint8_t)(count >> 8);
}

uint8_t *rdb_intset_build(const int64_t *sorted, size_t n, size_t *len)
{
    core_assert(n <= UINT32_MAX);
    uint32_t w = 2;
    for (size_t i = 0; i < n; i++) {
        core_debug_assert(i == 0 || sorted[i - 1] < sorted[i]);
        if (sorted[i] < INT32_MIN || sorted[i] > INT32_MAX)
            w = 8;
        else if ((sorted[i] < INT16_MIN || sorted[i] > INT16_MAX) && w < 4)
            w = 4;
    }
    size_t total = 8 + n * w;
    uint8_t *b = core_malloc(total);
    for (int i = 0; i < 4; i++) {
        b[i] = (uint8_t)(w >> (8 * i));
        b[4 + i] = (uint8_t)((uint32_t)n >> (8 * i));
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t u = (uint64_t)sorted[i];
        for (uint32_t k = 0; k < w; k++)
            b[8 + i * w + k] = (uint8_t)(u >> (8 * k));
    }
    *len = total;
    return b;
}
