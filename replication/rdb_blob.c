/*
 * rdb_blob.c — readers and validators of the packed blobs a value body may
 * hold: listpack (§9), ziplist (§11), intset (§10) and zipmap (§12).
 *
 * Validation is the deep kind Redis does with sanitize-dump-payload yes:
 * headers, every entry inside the blob, back-lengths / prev-lengths equal to
 * the entry sizes, the terminator exactly at the end, counts. After that the
 * *_next readers can walk a blob without surprises (they still check bounds:
 * rdb_iter may be handed a body nobody validated). Uniqueness of hash fields
 * and members is left to the loader, which builds the sets anyway.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "replication/rdb_int.h"

#define LP_HDR 6
#define LP_COUNT_UNKNOWN 65535
#define ZL_HDR 10
#define ZL_COUNT_UNKNOWN 65535
#define ZL_BIG_PREVLEN 254
#define ZM_BIGLEN 254
#define ZM_END 255
#define SCORE_TEXT_MAX 128

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint64_t le_n(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static long long sign_extend(uint64_t v, int bits)
{
    if (bits < 64 && (v >> (bits - 1)) & 1)
        v |= ~0ULL << bits;
    return (long long)v;
}

/* ---- listpack ---- */

static size_t lp_backlen_size(size_t s)
{
    return s <= 127 ? 1 : s < 16383 ? 2 : s < 2097151 ? 3 : s < 268435455 ? 4 : 5;
}

/* Size of the entry's encoding+data at p, 0 if malformed or out of bounds. */
static size_t lp_entry_size(const uint8_t *p, const uint8_t *end, struct rdb__ent *e)
{
    size_t avail = (size_t)(end - p), hdr, len = 0;
    uint8_t b = p[0];
    e->is_int = true;
    e->s = NULL;
    e->len = 0;
    if (b < 0x80) {
        e->ll = b;
        return 1;
    }
    if ((b & 0xc0) == 0x80) {
        hdr = 1;
        len = b & 0x3f;
    } else if ((b & 0xe0) == 0xc0) {
        if (avail < 2)
            return 0;
        e->ll = sign_extend(((uint64_t)(b & 0x1f) << 8) | p[1], 13);
        return 2;
    } else if ((b & 0xf0) == 0xe0) {
        if (avail < 2)
            return 0;
        hdr = 2;
        len = ((size_t)(b & 0x0f) << 8) | p[1];
    } else if (b == 0xf0) {
        if (avail < 5)
            return 0;
        hdr = 5;
        len = le32(p + 1);
    } else if (b >= 0xf1 && b <= 0xf4) {
        static const int width[] = {2, 3, 4, 8};
        int w = width[b - 0xf1];
        if (avail < (size_t)w + 1)
            return 0;
        e->ll = sign_extend(le_n(p + 1, w), 8 * w);
        return (size_t)w + 1;
    } else {
        return 0; /* f5..fe invalid, ff is no entry */
    }
    if (avail - hdr < len)
        return 0;
    e->is_int = false;
    e->s = p + hdr;
    e->len = len;
    return hdr + len;
}

/* Decodes the backlen ending at last (inclusive); 0 on a malformed one. */
static size_t lp_backlen_decode(const uint8_t *last, size_t width)
{
    size_t v = 0;
    for (size_t i = 0; i < width; i++) {
        uint8_t b = last[-(ptrdiff_t)i];
        v |= (size_t)(b & 0x7f) << (7 * i);
        bool more = b & 0x80;
        if (more != (i + 1 < width))
            return 0;
    }
    return v;
}

int rdb__lp_next(const uint8_t **pp, const uint8_t *end, struct rdb__ent *e)
{
    const uint8_t *p = *pp;
    if (p >= end)
        return -1;
    if (*p == 0xff)
        return 0;
    size_t s = lp_entry_size(p, end, e);
    if (s == 0)
        return -1;
    size_t w = lp_backlen_size(s);
    if ((size_t)(end - p) - s < w)
        return -1;
    *pp = p + s + w;
    return 1;
}

int rdb__lp_validate(const uint8_t *lp, size_t n, uint64_t *count)
{
    if (n < LP_HDR + 1 || le32(lp) != n || lp[n - 1] != 0xff)
        return RDB__BAD;
    const uint8_t *p = lp + LP_HDR, *end = lp + n - 1; /* entries end before ff */
    uint64_t c = 0;
    while (p < end) {
        struct rdb__ent e;
        size_t s = lp_entry_size(p, end, &e);
        if (s == 0)
            return RDB__BAD;
        size_t w = lp_backlen_size(s);
        if ((size_t)(end - p) - s < w || lp_backlen_decode(p + s + w - 1, w) != s)
            return RDB__BAD;
        p += s + w;
        c++;
    }
    uint16_t hc = le16(lp + 4);
    if (hc != LP_COUNT_UNKNOWN && hc != c)
        return RDB__BAD;
    *count = c;
    return RDB__OK;
}

/* ---- ziplist ---- */

/* Decodes the entry at p (prevlen, encoding, data); returns its total size or
 * 0 when malformed / out of bounds. */
static size_t zl_entry(const uint8_t *p, const uint8_t *end, size_t *prevlen, struct rdb__ent *e)
{
    size_t avail = (size_t)(end - p), pl = 1;
    if (avail < 2)
        return 0;
    *prevlen = p[0];
    if (p[0] == ZL_BIG_PREVLEN) {
        if (avail < 6)
            return 0;
        *prevlen = le32(p + 1);
        pl = 5;
    } else if (p[0] == 0xff) {
        return 0;
    }
    const uint8_t *q = p + pl;
    avail -= pl;
    uint8_t b = q[0];
    size_t hdr, len = 0;
    e->is_int = false;
    if (b < 0xc0) {
        int kind = b >> 6;
        hdr = kind == 0 ? 1 : kind == 1 ? 2 : 5;
        if (avail < hdr)
            return 0;
        len = kind == 0 ? (size_t)(b & 0x3f)
              : kind == 1 ? ((size_t)(b & 0x3f) << 8) | q[1]
                          : (size_t)q[1] << 24 | (size_t)q[2] << 16 | (size_t)q[3] << 8 | q[4];
        if (avail - hdr < len)
            return 0;
        e->s = q + hdr;
        e->len = len;
        return pl + hdr + len;
    }
    int w;
    switch (b) {
    case 0xc0: w = 2; break;
    case 0xd0: w = 4; break;
    case 0xe0: w = 8; break;
    case 0xf0: w = 3; break;
    case 0xfe: w = 1; break;
    default:
        if (b < 0xf1 || b > 0xfd)
            return 0;
        w = 0;
    }
    if (avail < 1 + (size_t)w)
        return 0;
    e->is_int = true;
    e->ll = w ? sign_extend(le_n(q + 1, w), 8 * w) : (long long)(b & 0x0f) - 1;
    return pl + 1 + (size_t)w;
}

int rdb__zl_next(const uint8_t **pp, const uint8_t *end, struct rdb__ent *e)
{
    const uint8_t *p = *pp;
    if (p >= end)
        return -1;
    if (*p == 0xff)
        return 0;
    size_t prev, s = zl_entry(p, end, &prev, e);
    if (s == 0)
        return -1;
    *pp = p + s;
    return 1;
}

int rdb__zl_validate(const uint8_t *zl, size_t n, uint64_t *count)
{
    if (n < ZL_HDR + 1 || le32(zl) != n || zl[n - 1] != 0xff)
        return RDB__BAD;
    size_t tail = le32(zl + 4);
    const uint8_t *p = zl + ZL_HDR, *end = zl + n - 1, *last = p;
    size_t prev_size = 0;
    uint64_t c = 0;
    while (p < end) {
        struct rdb__ent e;
        size_t prevlen, s = zl_entry(p, end, &prevlen, &e);
        if (s == 0 || prevlen != prev_size)
            return RDB__BAD;
        last = p;
        prev_size = s;
        p += s;
        c++;
    }
    if ((size_t)(last - zl) != tail)
        return RDB__BAD;
    uint16_t hc = le16(zl + 8);
    if (hc != ZL_COUNT_UNKNOWN && hc != c)
        return RDB__BAD;
    *count = c;
    return RDB__OK;
}

/* ---- intset ---- */

int64_t rdb__intset_get(const uint8_t *is, uint64_t index)
{
    uint32_t w = le32(is);
    return sign_extend(le_n(is + 8 + index * w, (int)w), (int)(8 * w));
}

int rdb__intset_validate(const uint8_t *is, size_t n, uint64_t *count)
{
    if (n < 8)
        return RDB__BAD;
    uint32_t w = le32(is), c = le32(is + 4);
    if (w != 2 && w != 4 && w != 8)
        return RDB__BAD;
    if (c == 0 || (n - 8) / w != c || (n - 8) % w != 0)
        return RDB__BAD;
    for (uint32_t i = 1; i < c; i++)
        if (rdb__intset_get(is, i - 1) >= rdb__intset_get(is, i))
            return RDB__BAD;
    *count = c;
    return RDB__OK;
}

/* ---- zipmap ---- */

/* Reads a zipmap length at *p: 1 byte below 254, else 254/255 + 4 bytes. */
static bool zm_len(const uint8_t **pp, const uint8_t *end, size_t *len)
{
    const uint8_t *p = *pp;
    if (p >= end)
        return false;
    if (*p < ZM_BIGLEN) {
        *len = *p;
        *pp = p + 1;
        return true;
    }
    if (end - p < 5)
        return false;
    *len = le32(p + 1);
    *pp = p + 5;
    return true;
}

int rdb__zipmap_next(const uint8_t **pp, const uint8_t *end, bool is_value, struct rdb__ent *e)
{
    const uint8_t *p = *pp;
    if (p >= end)
        return -1;
    if (!is_value && *p == ZM_END)
        return 0;
    size_t len, fr = 0;
    if (!zm_len(&p, end, &len))
        return -1;
    if (is_value) {
        if (p >= end)
            return -1;
        fr = *p++;
    }
    if ((size_t)(end - p) < len || (size_t)(end - p) - len < fr)
        return -1;
    e->is_int = false;
    e->s = p;
    e->len = len;
    *pp = p + len + fr;
    return 1;
}

int rdb__zipmap_validate(const uint8_t *zm, size_t n, uint64_t *pairs)
{
    if (n < 2 || zm[n - 1] != ZM_END)
        return RDB__BAD;
    const uint8_t *p = zm + 1, *end = zm + n - 1;
    uint64_t c = 0;
    while (p < end) {
        struct rdb__ent k, v;
        if (rdb__zipmap_next(&p, end, false, &k) != 1 || rdb__zipmap_next(&p, end, true, &v) != 1)
            return RDB__BAD;
        c++;
    }
    if (p != end || (zm[0] < ZM_BIGLEN && zm[0] != c))
        return RDB__BAD;
    *pairs = c;
    return RDB__OK;
}

bool rdb__ent_score(const struct rdb__ent *e, double *out)
{
    if (e->is_int) {
        *out = (double)e->ll;
        return true;
    }
    if (e->len == 0 || e->len > SCORE_TEXT_MAX)
        return false;
    char buf[SCORE_TEXT_MAX + 1], *endp;
    memcpy(buf, e->s, e->len);
    buf[e->len] = '\0';
    double d = strtod(buf, &endp);
    if (endp != buf + e->len || isnan(d))
        return false;
    *out = d;
    return true;
}
