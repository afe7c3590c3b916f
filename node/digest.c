/*
 * digest.c — SHA-1 (FIPS 180-4), written for the digests only, and the two
 * digest operations of DEBUG DIGEST (node/digest.h). In the types library
 * so the collection types' digest hooks link without the server.
 */
#include "node/digest.h"
#include "node/core/core.h"

#include <string.h>

/* ---- SHA-1 (FIPS 180-4), written for the digests only ---- */

#define SHA1_LEN NODE_DIGEST_LEN

struct sha1 {
    uint32_t h[5];
    uint8_t block[64];
    size_t used;      /* bytes in block */
    uint64_t total;   /* bytes hashed */
};

static uint32_t rol32(uint32_t v, unsigned n)
{
    return (v << n) | (v >> (32 - n));
}

static void sha1_init(struct sha1 *s)
{
    static const uint32_t iv[5] = {0x67452301u, 0xEFCDAB89u, 0x98BADCFEu, 0x10325476u, 0xC3D2E1F0u};
    memcpy(s->h, iv, sizeof(iv));
    s->used = 0;
    s->total = 0;
}

static void sha1_block(struct sha1 *s, const uint8_t *p)
{
    uint32_t w[80];
    for (int t = 0; t < 16; t++)
        w[t] = (uint32_t)p[4 * t] << 24 | (uint32_t)p[4 * t + 1] << 16 | (uint32_t)p[4 * t + 2] << 8 | p[4 * t + 3];
    for (int t = 16; t < 80; t++)
        w[t] = rol32(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
    uint32_t a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3], e = s->h[4];
    for (int t = 0; t < 80; t++) {
        uint32_t f, k;
        if (t < 20) {
            f = (b & c) | (~b & d);
            k = 0x5A827999u;
        } else if (t < 40) {
            f = b ^ c ^ d;
            k = 0x6ED9EBA1u;
        } else if (t < 60) {
            f = (b & c) | (b & d) | (c & d);
            k = 0x8F1BBCDCu;
        } else {
            f = b ^ c ^ d;
            k = 0xCA62C1D6u;
        }
        uint32_t tmp = rol32(a, 5) + f + e + k + w[t];
        e = d;
        d = c;
        c = rol32(b, 30);
        b = a;
        a = tmp;
    }
    s->h[0] += a;
    s->h[1] += b;
    s->h[2] += c;
    s->h[3] += d;
    s->h[4] += e;
}

static void sha1_update(struct sha1 *s, const void *data, size_t len)
{
    const uint8_t *p = data;
    s->total += len;
    while (len > 0) {
        size_t n = CORE_MIN(len, sizeof(s->block) - s->used);
        memcpy(s->block + s->used, p, n);
        s->used += n;
        p += n;
        len -= n;
        if (s->used == sizeof(s->block)) {
            sha1_block(s, s->block);
            s->used = 0;
        }
    }
}

static void sha1_final(struct sha1 *s, uint8_t out[SHA1_LEN])
{
    uint64_t bits = s->total * 8;
    uint8_t pad = 0x80;
    sha1_update(s, &pad, 1);
    pad = 0;
    while (s->used != 56)
        sha1_update(s, &pad, 1);
    uint8_t len[8];
    for (int i = 0; i < 8; i++)
        len[i] = (uint8_t)(bits >> (56 - 8 * i));
    sha1_update(s, len, 8);
    for (int i = 0; i < 5; i++) {
        out[4 * i] = (uint8_t)(s->h[i] >> 24);
        out[4 * i + 1] = (uint8_t)(s->h[i] >> 16);
        out[4 * i + 2] = (uint8_t)(s->h[i] >> 8);
        out[4 * i + 3] = (uint8_t)s->h[i];
    }
}

/* ---- the digests ---- */

void node_digest_xor(uint8_t d[SHA1_LEN], const void *p, size_t len)
{
    struct sha1 s;
    uint8_t h[SHA1_LEN];
    sha1_init(&s);
    sha1_update(&s, p, len);
    sha1_final(&s, h);
    for (int i = 0; i < SHA1_LEN; i++)
        d[i] ^= h[i];
}

void node_digest_mix(uint8_t d[SHA1_LEN], const void *p, size_t len)
{
    struct sha1 s;
    node_digest_xor(d, p, len);
    sha1_init(&s);
    sha1_update(&s, d, SHA1_LEN);
    sha1_final(&s, d);
}

