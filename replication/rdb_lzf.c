/*
 * rdb_lzf.c — LZF, the compression of RDB strings (spec rdb.md §13).
 *
 * Decompression is strict: every instruction must lie inside the input, every
 * back-reference inside the output produced so far, and the output must be
 * exactly the announced size. Compression finds 3-byte repeats through a hash
 * of their prefixes; LZF output is not canonical, so this encoder only has to
 * emit valid instruction streams. Its hash table is sized to the input and
 * lives on the stack, so output depends only on the input (deterministic
 * DUMP payloads) and small strings do not pay for clearing a big table.
 */
#include <string.h>

#include "replication/rdb.h"

#define LZF_LIT_MAX 32        /* literal run per control byte */
#define LZF_MATCH_MIN 3
#define LZF_MATCH_MAX 264     /* 2 + 7 + 255 */
#define LZF_DIST_MAX 8192
#define LZF_HASH_BITS_MAX 14

bool rdb_lzf_decompress(const void *in, size_t inlen, void *out, size_t outlen)
{
    const uint8_t *ip = in, *iend = ip + inlen;
    uint8_t *op = out, *obase = out, *oend = op + outlen;
    while (ip < iend) {
        unsigned c = *ip++;
        if (c < 32) {
            size_t n = (size_t)c + 1;
            if ((size_t)(iend - ip) < n || (size_t)(oend - op) < n)
                return false;
            memcpy(op, ip, n);
            op += n;
            ip += n;
            continue;
        }
        size_t len = c >> 5;
        if (len == 7) {
            if (ip >= iend)
                return false;
            len += *ip++;
        }
        if (ip >= iend)
            return false;
        size_t dist = ((size_t)(c & 0x1f) << 8) + *ip++ + 1;
        len += 2;
        if (dist > (size_t)(op - obase) || (size_t)(oend - op) < len)
            return false;
        const uint8_t *ref = op - dist;
        if (dist >= len) {
            memcpy(op, ref, len);
            op += len;
        } else {
            for (size_t i = 0; i < len; i++) /* overlapping: a repeat */
                *op++ = *ref++;
        }
    }
    return op == oend;
}

static inline unsigned lzf_hash(const uint8_t *p, unsigned bits)
{
    uint32_t v = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
    return (unsigned)((v * 2654435761u) >> (32 - bits));
}

static unsigned hash_bits_for(size_t inlen)
{
    unsigned bits = 4;
    while (bits < LZF_HASH_BITS_MAX && ((size_t)1 << bits) < inlen)
        bits++;
    return bits;
}

/* The output state: op is the next byte, ctrl the reserved control byte of
 * the literal run being collected (lit bytes so far). */
struct lzf_out {
    uint8_t *op, *oend;
    uint8_t *ctrl;
    unsigned lit;
};

static bool put_literal(struct lzf_out *o, uint8_t b)
{
    if (o->op >= o->oend)
        return false;
    *o->op++ = b;
    if (++o->lit == LZF_LIT_MAX) {
        *o->ctrl = LZF_LIT_MAX - 1;
        if (o->op >= o->oend)
            return false;
        o->ctrl = o->op++;
        o->lit = 0;
    }
    return true;
}

static bool put_match(struct lzf_out *o, size_t len, size_t dist)
{
    if (o->lit)
        *o->ctrl = (uint8_t)(o->lit - 1);
    else
        o->op--; /* the reserved control byte was not needed */
    size_t l = len - 2, off = dist - 1;
    if ((size_t)(o->oend - o->op) < (l >= 7 ? 3u : 2u) + 1 /* + next control */)
        return false;
    if (l < 7) {
        *o->op++ = (uint8_t)((l << 5) | (off >> 8));
    } else {
        *o->op++ = (uint8_t)((7 << 5) | (off >> 8));
        *o->op++ = (uint8_t)(l - 7);
    }
    *o->op++ = (uint8_t)(off & 0xff);
    o->ctrl = o->op++;
    o->lit = 0;
    return true;
}

size_t rdb_lzf_compress(const void *in, size_t inlen, void *out, size_t outcap)
{
    const uint8_t *ib = in;
    if (inlen == 0 || outcap < 2 || inlen > UINT32_MAX)
        return 0;
    unsigned bits = hash_bits_for(inlen);
    uint32_t table[1u << LZF_HASH_BITS_MAX];
    memset(table, 0, sizeof(uint32_t) << bits);
    struct lzf_out o = {.op = out, .oend = (uint8_t *)out + outcap};
    o.ctrl = o.op++;
    size_t ip = 0;
    while (ip + LZF_MATCH_MIN <= inlen) {
        unsigned h = lzf_hash(ib + ip, bits);
        size_t ref = table[h];
        table[h] = (uint32_t)(ip + 1); /* 0 = empty slot */
        if (ref && ip - (ref - 1) <= LZF_DIST_MAX && memcmp(ib + ref - 1, ib + ip, LZF_MATCH_MIN) == 0) {
            size_t r = ref - 1, max = inlen - ip, len = LZF_MATCH_MIN;
            if (max > LZF_MATCH_MAX)
                max = LZF_MATCH_MAX;
            while (len < max && ib[r + len] == ib[ip + len])
                len++;
            if (!put_match(&o, len, ip - r))
                return 0;
            ip += len;
            if (ip + LZF_MATCH_MIN <= inlen) /* seed the hash from the match's end */
                table[lzf_hash(ib + ip - 1, bits)] = (uint32_t)ip;
            continue;
        }
        if (!put_literal(&o, ib[ip++]))
            return 0;
    }
    while (ip < inlen)
        if (!put_literal(&o, ib[ip++]))
            return 0;
    if (o.lit)
        *o.ctrl = (uint8_t)(o.lit - 1);
    else
        o.op--;
    return (size_t)(o.op - (uint8_t *)out);
}
