/*
 * rdb_read.c — the bounded reader of RDB primitives: lengths (§4), strings in
 * every form (§5: raw, INT8/16/32, LZF), doubles and type-3 text scores (§6),
 * plus the number/text helpers and scratch buffers the writer shares.
 *
 * Each reader checks the bytes it needs before touching them and reports
 * RDB__SHORT (with the total the record needs, when known) or RDB__BAD.
 * Decoded strings live in a caller's rdb_scratch, grown only after the size
 * was checked against RDB__STR_LEN_MAX and against the bytes actually present.
 */
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/core/core.h"
#include "replication/rdb_int.h"

void rdb__rd_init(struct rdb_rd *r, const uint8_t *p, size_t n)
{
    r->base = r->p = p;
    r->end = p + n;
    r->need = 0;
    r->in_collection = false;
    r->ck_loop = r->ck_off = r->prog_loop = r->prog_off = 0;
    r->ck_idx = r->prog_idx = 0;
    r->err = NULL;
    r->errbuf[0] = '\0';
}

int rdb__bad(struct rdb_rd *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->errbuf, sizeof(r->errbuf), fmt, ap);
    va_end(ap);
    r->err = r->errbuf;
    return RDB__BAD;
}

int rdb__rd_need(struct rdb_rd *r, size_t n)
{
    size_t have = (size_t)(r->end - r->p);
    if (have >= n)
        return RDB__OK;
    size_t at = (size_t)(r->p - r->base);
    size_t total = n > SIZE_MAX - at ? SIZE_MAX : at + n;
    if (total > r->need)
        r->need = total;
    return RDB__SHORT;
}

int rdb__rd_u8(struct rdb_rd *r, uint8_t *out)
{
    RDB__TRY(rdb__rd_need(r, 1));
    *out = *r->p++;
    return RDB__OK;
}

int rdb__rd_raw(struct rdb_rd *r, size_t n, const uint8_t **out)
{
    RDB__TRY(rdb__rd_need(r, n));
    *out = r->p;
    r->p += n;
    return RDB__OK;
}

/* Reads a length or, with special != NULL, the kind of a special string form. */
static int rd_len_or_special(struct rdb_rd *r, uint64_t *out, int *special)
{
    uint8_t b0;
    RDB__TRY(rdb__rd_u8(r, &b0));
    const uint8_t *p;
    switch (b0 >> 6) {
    case 0:
        *out = b0 & 0x3f;
        return RDB__OK;
    case 1:
        RDB__TRY(rdb__rd_raw(r, 1, &p));
        *out = ((uint64_t)(b0 & 0x3f) << 8) | p[0];
        return RDB__OK;
    case 3:
        if (!special)
            return rdb__bad(r, "Unknown length encoding %d in rdbLoadLen()", b0);
        *special = b0 & 0x3f;
        return RDB__OK;
    }
    if (b0 != 0x80 && b0 != 0x81)
        return rdb__bad(r, "Unknown length encoding %d in rdbLoadLen()", b0);
    size_t n = b0 == 0x80 ? 4 : 8;
    RDB__TRY(rdb__rd_raw(r, n, &p));
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = (v << 8) | p[i];
    *out = v;
    return RDB__OK;
}

int rdb__rd_len(struct rdb_rd *r, uint64_t *out)
{
    return rd_len_or_special(r, out, NULL);
}

uint8_t *rdb__scratch_reserve(struct rdb_scratch *s, size_t n)
{
    if (s->cap < n) {
        size_t cap = s->cap ? s->cap : 64;
        while (cap < n)
            cap *= 2;
        core_free(s->p);
        s->p = core_malloc(cap);
        s->cap = cap;
    }
    return s->p;
}

void rdb_scratch_free(struct rdb_scratch *s)
{
    if (!s)
        return;
    core_free(s->p);
    s->p = NULL;
    s->cap = 0;
}

static int rd_int_form(struct rdb_rd *r, int kind, struct rdb_scratch *sc, struct rdb__str *out)
{
    size_t n = kind == 0 ? 1 : kind == 1 ? 2 : 4;
    const uint8_t *p;
    RDB__TRY(rdb__rd_raw(r, n, &p));
    uint32_t u = 0;
    for (size_t i = 0; i < n; i++)
        u |= (uint32_t)p[i] << (8 * i);
    long long v = n == 1 ? (int8_t)u : n == 2 ? (int16_t)u : (int32_t)u;
    char *buf = (char *)rdb__scratch_reserve(sc, RDB__LLSTR_SIZE);
    out->len = rdb__ll2str(buf, v);
    out->s = (const uint8_t *)buf;
    return RDB__OK;
}

static int rd_lzf_form(struct rdb_rd *r, struct rdb_scratch *sc, struct rdb__str *out)
{
    uint64_t clen, ulen;
    RDB__TRY(rdb__rd_len(r, &clen));
    RDB__TRY(rdb__rd_len(r, &ulen));
    if (clen == 0 || ulen == 0 || ulen > RDB__STR_LEN_MAX || clen > RDB__STR_LEN_MAX)
        return rdb__bad(r, "Invalid LZF compressed string");
    if (ulen > clen * RDB__LZF_RATIO_MAX)
        return rdb__bad(r, "Invalid LZF compressed string");
    const uint8_t *p;
    RDB__TRY(rdb__rd_raw(r, (size_t)clen, &p));
    uint8_t *dst = rdb__scratch_reserve(sc, (size_t)ulen);
    if (!rdb_lzf_decompress(p, (size_t)clen, dst, (size_t)ulen))
        return rdb__bad(r, "Invalid LZF compressed string");
    out->s = dst;
    out->len = (size_t)ulen;
    return RDB__OK;
}

int rdb__rd_str(struct rdb_rd *r, struct rdb_scratch *sc, struct rdb__str *out)
{
    uint64_t len = 0;
    int special = -1;
    RDB__TRY(rd_len_or_special(r, &len, &special));
    if (special >= 0) {
        if (special <= 2)
            return rd_int_form(r, special, sc, out);
        if (special == 3)
            return rd_lzf_form(r, sc, out);
        return rdb__bad(r, "Unknown RDB string encoding type %d", special);
    }
    if (len > RDB__STR_LEN_MAX)
        return rdb__bad(r, "String too long: %llu bytes", (unsigned long long)len);
    RDB__TRY(rdb__rd_raw(r, (size_t)len, &out->s));
    out->len = (size_t)len;
    return RDB__OK;
}

int rdb__rd_double(struct rdb_rd *r, double *out)
{
    const uint8_t *p;
    RDB__TRY(rdb__rd_raw(r, 8, &p));
    uint64_t u = 0;
    for (int i = 7; i >= 0; i--)
        u = (u << 8) | p[i];
    memcpy(out, &u, 8);
    return RDB__OK;
}

int rdb__rd_text_score(struct rdb_rd *r, double *out)
{
    uint8_t n;
    RDB__TRY(rdb__rd_u8(r, &n));
    if (n == 253) {
        *out = NAN;
        return RDB__OK;
    }
    if (n == 254 || n == 255) {
        *out = n == 254 ? INFINITY : -INFINITY;
        return RDB__OK;
    }
    const uint8_t *p;
    RDB__TRY(rdb__rd_raw(r, n, &p));
    char buf[RDB__TEXT_SCORE_MAX + 1];
    memcpy(buf, p, n);
    buf[n] = '\0';
    char *endp;
    *out = strtod(buf, &endp);
    if (endp == buf) /* Redis's sscanf("%lg") needs a number at the start */
        return rdb__bad(r, "Invalid double value");
    return RDB__OK;
}

size_t rdb__ll2str(char *buf, long long v)
{
    return core_i64_format(buf, v);
}

bool rdb__str2ll(const void *s, size_t n, long long *v)
{
    int64_t x;
    if (!core_i64_parse(s, n, &x))
        return false;
    *v = x;
    return true;
}
