/*
 * ds_lp.c — Redis 7.0's listpack byte format (rdb.md §9): building, walking,
 * editing and validating one blob. Owns the entry encodings and back-lengths;
 * does not know what the elements mean (hash pairs, zset member/score pairs
 * and list nodes are the callers' business).
 *
 * Every edit goes through splice(): one realloc plus one memmove, then the
 * new entry is written in place, so an insert costs O(bytes after p).
 */
#include "node/ds_lp.h"

#include <string.h>

#include "node/core/core.h"

#define HDR_SIZE 6
#define EOF_BYTE 0xFF
#define COUNT_UNKNOWN 65535u

/* Redis refuses to grow a listpack past UINT32_MAX bytes; callers keep far
 * below through their own limits, so crossing it is a programmer error. */
#define LP_BYTES_MAX UINT32_MAX

static uint32_t rd_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void wr_u32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

static unsigned hdr_count(const unsigned char *lp)
{
    return (unsigned)lp[4] | (unsigned)lp[5] << 8;
}

static void set_count(unsigned char *lp, size_t n)
{
    unsigned v = n >= COUNT_UNKNOWN ? COUNT_UNKNOWN : (unsigned)n;
    lp[4] = (unsigned char)v;
    lp[5] = (unsigned char)(v >> 8);
}

/* Bytes of the back-length for an entry of size s, with Redis's boundaries
 * (its forward skip computes this width, so it must match exactly). */
static size_t backlen_size(size_t s)
{
    if (s <= 127)
        return 1;
    if (s < 16383)
        return 2;
    if (s < 2097151)
        return 3;
    if (s < 268435455)
        return 4;
    return 5;
}

static void backlen_write(unsigned char *dst, size_t s)
{
    size_t n = backlen_size(s);
    for (size_t i = 0; i < n; i++) {
        unsigned char b = (unsigned char)((s >> (7 * (n - 1 - i))) & 127);
        dst[i] = i == 0 ? b : (unsigned char)(b | 128);
    }
}

/* The encoding chosen for one element. */
struct enc {
    bool is_int;
    int64_t v;
    size_t hdr;  /* encoding bytes before the string data (or the whole int) */
    size_t data; /* string bytes (0 for ints) */
};

static void enc_int(struct enc *e, int64_t v)
{
    e->is_int = true;
    e->v = v;
    e->data = 0;
    if (v >= 0 && v <= 127)
        e->hdr = 1;
    else if (v >= -4096 && v <= 4095)
        e->hdr = 2;
    else if (v >= -32768 && v <= 32767)
        e->hdr = 3;
    else if (v >= -8388608 && v <= 8388607)
        e->hdr = 4;
    else if (v >= INT32_MIN && v <= INT32_MAX)
        e->hdr = 5;
    else
        e->hdr = 9;
}

static void enc_of(struct enc *e, const void *s, size_t n)
{
    int64_t v;
    if (n <= 20 && core_i64_parse(s, n, &v)) {
        enc_int(e, v);
        return;
    }
    e->is_int = false;
    e->data = n;
    e->hdr = n < 64 ? 1 : n < 4096 ? 2 : 5;
}

static size_t enc_total(const struct enc *e)
{
    size_t body = e->hdr + e->data;
    return body + backlen_size(body);
}

static void enc_write(unsigned char *dst, const struct enc *e, const void *s)
{
    size_t body = e->hdr + e->data;
    if (e->is_int) {
        uint64_t u = (uint64_t)e->v;
        switch (e->hdr) {
        case 1:
            dst[0] = (unsigned char)u;
            break;
        case 2:
            u &= 0x1fff;
            dst[0] = (unsigned char)(0xC0 | (u >> 8));
            dst[1] = (unsigned char)u;
            break;
        default:
            dst[0] = e->hdr == 3 ? 0xF1 : e->hdr == 4 ? 0xF2 : e->hdr == 5 ? 0xF3 : 0xF4;
            for (size_t i = 1; i < e->hdr; i++)
                dst[i] = (unsigned char)(u >> (8 * (i - 1)));
        }
    } else {
        size_t n = e->data;
        if (e->hdr == 1) {
            dst[0] = (unsigned char)(0x80 | n);
        } else if (e->hdr == 2) {
            dst[0] = (unsigned char)(0xE0 | (n >> 8));
            dst[1] = (unsigned char)n;
        } else {
            dst[0] = 0xF0;
            wr_u32(dst + 1, (uint32_t)n);
        }
        if (n)
            memcpy(dst + e->hdr, s, n);
    }
    backlen_write(dst + body, body);
}

/* Size of the encoding+data of the entry at p (trusted bytes). */
static size_t body_size(const unsigned char *p)
{
    unsigned char b = p[0];
    if (b < 0x80)
        return 1;
    if (b < 0xC0)
        return 1 + (size_t)(b & 0x3f);
    if (b < 0xE0)
        return 2;
    if (b < 0xF0)
        return 2 + ((size_t)(b & 0x0f) << 8 | p[1]);
    switch (b) {
    case 0xF0:
        return 5 + (size_t)rd_u32(p + 1);
    case 0xF1:
        return 3;
    case 0xF2:
        return 4;
    case 0xF3:
        return 5;
    default:
        return 9;
    }
}

static size_t entry_size(const unsigned char *p)
{
    size_t b = body_size(p);
    return b + backlen_size(b);
}

/* Reads the back-length that ends just before q; returns its value and sets
 * *width. Trusted bytes. */
static size_t backlen_read(const unsigned char *q, size_t *width)
{
    size_t v = 0;
    unsigned shift = 0;
    size_t i = 0;
    for (;;) {
        unsigned char b = q[-1 - (ptrdiff_t)i];
        v |= (size_t)(b & 127) << shift;
        shift += 7;
        i++;
        if (!(b & 128) || i == 5)
            break;
    }
    *width = i;
    return v;
}

unsigned char *ds_lp_new(void)
{
    unsigned char *lp = core_malloc(HDR_SIZE + 1);
    wr_u32(lp, HDR_SIZE + 1);
    set_count(lp, 0);
    lp[HDR_SIZE] = EOF_BYTE;
    return lp;
}

void ds_lp_free(unsigned char *lp)
{
    core_free(lp);
}

size_t ds_lp_bytes(const unsigned char *lp)
{
    return rd_u32(lp);
}

/* Like Redis's lpLength, a walk that finds the count fits again writes it
 * back to the header: the blob is the caller's heap memory, never truly
 * const, and this keeps later counts O(1) and the bytes Redis's. */
size_t ds_lp_count(const unsigned char *lp)
{
    unsigned n = hdr_count(lp);
    if (n != COUNT_UNKNOWN)
        return n;
    size_t count = 0;
    for (const unsigned char *p = lp + HDR_SIZE; *p != EOF_BYTE; p += entry_size(p))
        count++;
    if (count < COUNT_UNKNOWN)
        set_count((unsigned char *)lp, count);
    return count;
}

unsigned char *ds_lp_first(const unsigned char *lp)
{
    const unsigned char *p = lp + HDR_SIZE;
    return *p == EOF_BYTE ? NULL : (unsigned char *)p;
}

unsigned char *ds_lp_last(const unsigned char *lp)
{
    const unsigned char *end = lp + rd_u32(lp) - 1;
    if (end == lp + HDR_SIZE)
        return NULL;
    return ds_lp_prev(lp, end);
}

unsigned char *ds_lp_next(const unsigned char *lp, const unsigned char *p)
{
    (void)lp;
    p += entry_size(p);
    return *p == EOF_BYTE ? NULL : (unsigned char *)p;
}

/* p may also be the terminator (ds_lp_last uses that). */
unsigned char *ds_lp_prev(const unsigned char *lp, const unsigned char *p)
{
    if (p == lp + HDR_SIZE)
        return NULL;
    size_t width;
    size_t body = backlen_read(p, &width);
    return (unsigned char *)(p - width - body);
}

unsigned char *ds_lp_seek(const unsigned char *lp, long long index)
{
    size_t count = ds_lp_count(lp);
    size_t i;
    if (index < 0) {
        if ((unsigned long long)-(index + 1) >= count)
            return NULL;
        i = count - (size_t)-(index + 1) - 1;
    } else {
        if ((unsigned long long)index >= count)
            return NULL;
        i = (size_t)index;
    }
    /* Walk from the nearer end. */
    if (i < count / 2) {
        unsigned char *p = ds_lp_first(lp);
        while (i--)
            p = ds_lp_next(lp, p);
        return p;
    }
    unsigned char *p = ds_lp_last(lp);
    for (size_t k = count - 1 - i; k; k--)
        p = ds_lp_prev(lp, p);
    return p;
}

static int64_t sign_extend(uint64_t u, unsigned bits)
{
    uint64_t m = (uint64_t)1 << (bits - 1);
    u &= (bits == 64) ? UINT64_MAX : ((uint64_t)1 << bits) - 1;
    return (int64_t)((u ^ m) - m);
}

void ds_lp_get(const unsigned char *p, struct ds_lp_val *out)
{
    unsigned char b = p[0];
    out->s = NULL;
    out->len = 0;
    out->ll = 0;
    if (b < 0x80) {
        out->ll = b;
    } else if (b < 0xC0) {
        out->s = p + 1;
        out->len = b & 0x3f;
    } else if (b < 0xE0) {
        out->ll = sign_extend((uint64_t)(b & 0x1f) << 8 | p[1], 13);
    } else if (b < 0xF0) {
        out->s = p + 2;
        out->len = (size_t)(b & 0x0f) << 8 | p[1];
    } else if (b == 0xF0) {
        out->s = p + 5;
        out->len = rd_u32(p + 1);
    } else {
        unsigned n = b == 0xF1 ? 2 : b == 0xF2 ? 3 : b == 0xF3 ? 4 : 8;
        uint64_t u = 0;
        for (unsigned i = 0; i < n; i++)
            u |= (uint64_t)p[1 + i] << (8 * i);
        out->ll = sign_extend(u, n * 8);
    }
}

const unsigned char *ds_lp_get_str(const unsigned char *p, unsigned char *buf, size_t *len)
{
    struct ds_lp_val v;
    ds_lp_get(p, &v);
    if (v.s) {
        *len = v.len;
        return v.s;
    }
    *len = core_i64_format((char *)buf, v.ll);
    return buf;
}

bool ds_lp_eq(const unsigned char *p, const void *s, size_t n)
{
    struct ds_lp_val v;
    ds_lp_get(p, &v);
    if (v.s)
        return v.len == n && (n == 0 || memcmp(v.s, s, n) == 0);
    int64_t x;
    return n <= 20 && core_i64_parse(s, n, &x) && x == v.ll;
}

unsigned char *ds_lp_find(const unsigned char *lp, unsigned char *p, const void *s, size_t n, unsigned skip)
{
    /* Parse s once instead of per integer entry. */
    int64_t x;
    bool s_int = n <= 20 && core_i64_parse(s, n, &x);
    unsigned left = 0;
    while (p) {
        if (left == 0) {
            struct ds_lp_val v;
            ds_lp_get(p, &v);
            if (v.s ? (v.len == n && (n == 0 || memcmp(v.s, s, n) == 0)) : (s_int && v.ll == x))
                return p;
            left = skip;
        } else {
            left--;
        }
        p = ds_lp_next(lp, p);
    }
    return NULL;
}

/* Replaces del bytes at offset off with room for ins bytes (contents
 * undefined) and adjusts the header's count by dcount. */
static unsigned char *splice(unsigned char *lp, size_t off, size_t del, size_t ins, int dcount)
{
    size_t old = rd_u32(lp);
    size_t nw = old - del + ins;
    core_assert(nw <= LP_BYTES_MAX);
    unsigned hc = hdr_count(lp);
    if (ins > del)
        lp = core_realloc(lp, nw);
    memmove(lp + off + ins, lp + off + del, old - off - del);
    if (ins < del)
        lp = core_realloc(lp, nw);
    wr_u32(lp, (uint32_t)nw);
    /* A saturated header stays so (as Redis's lpInsert): walking here would
     * make every edit of a big listpack O(entries); ds_lp_count re-sets it. */
    if (hc != COUNT_UNKNOWN)
        set_count(lp, (size_t)((long)hc + dcount));
    return lp;
}

static unsigned char *insert_enc(unsigned char *lp, unsigned char *p, const struct enc *e, const void *s,
                                 unsigned char **newp)
{
    size_t off = p ? (size_t)(p - lp) : rd_u32(lp) - 1;
    lp = splice(lp, off, 0, enc_total(e), 1);
    enc_write(lp + off, e, s);
    if (newp)
        *newp = lp + off;
    return lp;
}

unsigned char *ds_lp_insert(unsigned char *lp, unsigned char *p, const void *s, size_t n, unsigned char **newp)
{
    struct enc e;
    enc_of(&e, s, n);
    return insert_enc(lp, p, &e, s, newp);
}

unsigned char *ds_lp_append(unsigned char *lp, const void *s, size_t n)
{
    return ds_lp_insert(lp, NULL, s, n, NULL);
}

unsigned char *ds_lp_prepend(unsigned char *lp, const void *s, size_t n)
{
    return ds_lp_insert(lp, ds_lp_first(lp), s, n, NULL);
}

unsigned char *ds_lp_append_ll(unsigned char *lp, long long v)
{
    struct enc e;
    enc_int(&e, v);
    return insert_enc(lp, NULL, &e, NULL, NULL);
}

unsigned char *ds_lp_replace(unsigned char *lp, unsigned char **p, const void *s, size_t n)
{
    struct enc e;
    enc_of(&e, s, n);
    size_t off = (size_t)(*p - lp);
    lp = splice(lp, off, entry_size(*p), enc_total(&e), 0);
    enc_write(lp + off, &e, s);
    *p = lp + off;
    return lp;
}

unsigned char *ds_lp_delete(unsigned char *lp, unsigned char **p)
{
    size_t off = (size_t)(*p - lp);
    lp = splice(lp, off, entry_size(*p), 0, -1);
    *p = lp[off] == EOF_BYTE ? NULL : lp + off;
    return lp;
}

unsigned char *ds_lp_delete_range(unsigned char *lp, long long index, size_t count)
{
    unsigned char *p = ds_lp_seek(lp, index);
    if (!p || count == 0)
        return lp;
    size_t off = (size_t)(p - lp);
    size_t n = 0;
    const unsigned char *q = p;
    while (n < count && *q != EOF_BYTE) {
        q += entry_size(q);
        n++;
    }
    unsigned hc = hdr_count(lp);
    lp = splice(lp, off, (size_t)(q - p), 0, 0);
    if (hc != COUNT_UNKNOWN)
        set_count(lp, hc - n);
    return lp;
}

unsigned char *ds_lp_dup(const unsigned char *lp)
{
    size_t n = rd_u32(lp);
    unsigned char *c = core_malloc(n);
    memcpy(c, lp, n);
    return c;
}

size_t ds_lp_entry_size(const void *s, size_t n)
{
    struct enc e;
    enc_of(&e, s, n);
    return enc_total(&e);
}

/* Validates the entry at blob[off..end) (end = the terminator's offset);
 * returns its full size or 0 if malformed. Never reads outside the range. */
static size_t valid_entry(const unsigned char *blob, size_t off, size_t end)
{
    size_t avail = end - off;
    const unsigned char *p = blob + off;
    unsigned char b = p[0];
    size_t body;
    if (b < 0xC0 || (b >= 0xF1 && b <= 0xF4)) {
        body = b < 0xC0 ? body_size(p) : (size_t)(b == 0xF1 ? 3 : b == 0xF2 ? 4 : b == 0xF3 ? 5 : 9);
    } else if (b < 0xF0) {
        if (avail < 2)
            return 0;
        body = body_size(p);
    } else if (b == 0xF0) {
        if (avail < 5)
            return 0;
        body = 5 + (size_t)rd_u32(p + 1);
    } else {
        return 0;
    }
    if (body > avail)
        return 0;
    size_t bl = backlen_size(body);
    if (bl > avail - body)
        return 0;
    size_t width;
    size_t v = backlen_read(p + body + bl, &width);
    if (width != bl || v != body)
        return 0;
    return body + bl;
}

bool ds_lp_valid(const unsigned char *blob, size_t size)
{
    if (!blob || size < HDR_SIZE + 1 || rd_u32(blob) != size || blob[size - 1] != EOF_BYTE)
        return false;
    size_t end = size - 1;
    size_t off = HDR_SIZE;
    size_t count = 0;
    while (off < end) {
        size_t n = valid_entry(blob, off, end);
        if (n == 0)
            return false;
        off += n;
        count++;
    }
    unsigned hc = hdr_count(blob);
    return hc == COUNT_UNKNOWN || hc == count;
}
