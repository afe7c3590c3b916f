/*
 * ds_intset.c — Redis 7.0's intset byte format (rdb.md §10): a header of
 * width and length, then the members little-endian and ascending. Owns the
 * width upgrade and the binary search; the set semantics above it (when to
 * convert to a hashtable) belong to the set type.
 */
#include "node/ds_intset.h"

#include <string.h>

#include "node/core/core.h"

#define HDR_SIZE 8

static uint32_t rd_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void wr_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static unsigned width(const uint8_t *is)
{
    return rd_u32(is);
}

static unsigned width_for(int64_t v)
{
    if (v >= INT16_MIN && v <= INT16_MAX)
        return 2;
    if (v >= INT32_MIN && v <= INT32_MAX)
        return 4;
    return 8;
}

static int64_t get_w(const uint8_t *is, unsigned w, size_t i)
{
    const uint8_t *p = is + HDR_SIZE + i * w;
    uint64_t u = 0;
    for (unsigned k = 0; k < w; k++)
        u |= (uint64_t)p[k] << (8 * k);
    unsigned bits = w * 8;
    if (bits == 64)
        return (int64_t)u;
    uint64_t m = (uint64_t)1 << (bits - 1);
    return (int64_t)((u ^ m) - m);
}

static void set_w(uint8_t *is, unsigned w, size_t i, int64_t v)
{
    uint8_t *p = is + HDR_SIZE + i * w;
    uint64_t u = (uint64_t)v;
    for (unsigned k = 0; k < w; k++)
        p[k] = (uint8_t)(u >> (8 * k));
}

uint8_t *ds_intset_new(void)
{
    uint8_t *is = core_malloc(HDR_SIZE);
    wr_u32(is, 2);
    wr_u32(is + 4, 0);
    return is;
}

void ds_intset_free(uint8_t *is)
{
    core_free(is);
}

size_t ds_intset_len(const uint8_t *is)
{
    return rd_u32(is + 4);
}

int64_t ds_intset_get(const uint8_t *is, size_t i)
{
    core_assert(i < ds_intset_len(is));
    return get_w(is, width(is), i);
}

size_t ds_intset_bytes(const uint8_t *is)
{
    return HDR_SIZE + ds_intset_len(is) * width(is);
}

/* Lower bound: the first position whose member is >= v. */
static size_t search(const uint8_t *is, int64_t v, bool *found)
{
    unsigned w = width(is);
    size_t lo = 0, hi = ds_intset_len(is);
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (get_w(is, w, mid) < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = lo < ds_intset_len(is) && get_w(is, w, lo) == v;
    return lo;
}

bool ds_intset_find(const uint8_t *is, int64_t v)
{
    if (width_for(v) > width(is))
        return false;
    bool found;
    search(is, v, &found);
    return found;
}

/* Re-encodes every member at width nw (> the current width). */
static uint8_t *upgrade(uint8_t *is, unsigned nw)
{
    unsigned w = width(is);
    size_t n = ds_intset_len(is);
    is = core_realloc(is, HDR_SIZE + n * nw);
    /* From the end, so no member is overwritten before it is read. */
    for (size_t i = n; i-- > 0;)
        set_w(is, nw, i, get_w(is, w, i));
    wr_u32(is, nw);
    return is;
}

uint8_t *ds_intset_add(uint8_t *is, int64_t v, bool *added)
{
    unsigned nw = width_for(v);
    if (nw > width(is))
        is = upgrade(is, nw);
    bool found;
    size_t pos = search(is, v, &found);
    if (added)
        *added = !found;
    if (found)
        return is;
    unsigned w = width(is);
    size_t n = ds_intset_len(is);
    core_assert(n < UINT32_MAX);
    is = core_realloc(is, HDR_SIZE + (n + 1) * w);
    memmove(is + HDR_SIZE + (pos + 1) * w, is + HDR_SIZE + pos * w, (n - pos) * w);
    set_w(is, w, pos, v);
    wr_u32(is + 4, (uint32_t)(n + 1));
    return is;
}

uint8_t *ds_intset_remove(uint8_t *is, int64_t v, bool *removed)
{
    bool found = false;
    size_t pos = 0;
    if (width_for(v) <= width(is))
        pos = search(is, v, &found);
    if (removed)
        *removed = found;
    if (!found)
        return is;
    unsigned w = width(is);
    size_t n = ds_intset_len(is);
    memmove(is + HDR_SIZE + pos * w, is + HDR_SIZE + (pos + 1) * w, (n - pos - 1) * w);
    wr_u32(is + 4, (uint32_t)(n - 1));
    return core_realloc(is, HDR_SIZE + (n - 1) * w);
}

uint8_t *ds_intset_dup(const uint8_t *is)
{
    size_t n = ds_intset_bytes(is);
    uint8_t *c = core_malloc(n);
    memcpy(c, is, n);
    return c;
}

/* Redis's deep check: a known width, the exact size, not empty, strictly
 * ascending. */
bool ds_intset_valid(const uint8_t *blob, size_t size)
{
    if (!blob || size < HDR_SIZE)
        return false;
    unsigned w = width(blob);
    if (w != 2 && w != 4 && w != 8)
        return false;
    size_t n = rd_u32(blob + 4);
    if (n == 0 || (size - HDR_SIZE) / w != n || (size - HDR_SIZE) % w != 0)
        return false;
    for (size_t i = 1; i < n; i++)
        if (get_w(blob, w, i - 1) >= get_w(blob, w, i))
            return false;
    return true;
}
