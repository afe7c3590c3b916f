/*
 * rdb_enc.c — the RDB writer: file framing (magic, aux, select/resize-db,
 * expire prefixes, EOF + CRC-64 trailer), the length and string forms Redis
 * writes (spec rdb.md §4-§6, §17) and the DUMP footer (§15).
 *
 * Bytes are collected in e->buf and handed to write() in pieces of about
 * RDB_ENC_CHUNK bytes, the CRC updated on the way; large strings go to
 * write() directly after a flush. With write == NULL everything stays in
 * e->buf (DUMP payloads). Does not own what is written (node/persist.c walks
 * the keyspace) nor the listpack/intset blobs (rdb_lp.c).
 */
#include <string.h>

#include "node/core/core.h"
#include "replication/rdb.h"
#include "replication/rdb_int.h"

#define RDB_ENC_CHUNK (64 * 1024)
/* Redis tries LZF only above this length (rdbcompression). */
#define RDB_ENC_LZF_MIN 21
/* Canonical integers up to this many characters may take an INT form. */
#define RDB_ENC_INT_TEXT_MAX 11

void rdb_enc_init(struct rdb_enc *e, rdb_write_fn write, void *ud, bool compress, bool checksum)
{
    memset(e, 0, sizeof(*e));
    e->write = write;
    e->ud = ud;
    e->compress = compress;
    e->checksum = checksum;
}

void rdb_enc_free(struct rdb_enc *e)
{
    core_free(e->buf);
    e->buf = NULL;
    e->len = e->cap = 0;
}

static void reserve(struct rdb_enc *e, size_t n)
{
    if (e->cap - e->len >= n)
        return;
    size_t cap = e->cap ? e->cap : 1024;
    while (cap - e->len < n)
        cap *= 2;
    e->buf = core_realloc(e->buf, cap);
    e->cap = cap;
}

static void put(struct rdb_enc *e, const void *p, size_t n)
{
    reserve(e, n);
    memcpy(e->buf + e->len, p, n);
    e->len += n;
    e->total += n;
}

static void put_u8(struct rdb_enc *e, uint8_t b)
{
    put(e, &b, 1);
}

static int hand_out(struct rdb_enc *e, const void *p, size_t n)
{
    if (e->err)
        return -1;
    if (n == 0)
        return 0;
    if (e->checksum)
        e->crc = rdb_crc64(e->crc, p, n);
    if (e->write(e->ud, p, n) != 0) {
        e->err = 1;
        return -1;
    }
    return 0;
}

int rdb_enc_flush(struct rdb_enc *e)
{
    if (e->err)
        return -1;
    if (!e->write)
        return 0;
    int rc = hand_out(e, e->buf, e->len);
    e->len = 0;
    return rc;
}

/* Every public call ends here: flush once a chunk is full. */
static int done(struct rdb_enc *e)
{
    if (e->err)
        return -1;
    if (e->write && e->len >= RDB_ENC_CHUNK)
        return rdb_enc_flush(e);
    return 0;
}

static size_t len_size(uint64_t len)
{
    return len < 64 ? 1 : len < 16384 ? 2 : len <= UINT32_MAX ? 5 : 9;
}

/* Writes len in its smallest form at p; returns the bytes used. */
static size_t len_write(uint8_t *p, uint64_t len)
{
    if (len < 64) {
        p[0] = (uint8_t)len;
        return 1;
    }
    if (len < 16384) {
        p[0] = (uint8_t)(0x40 | (len >> 8));
        p[1] = (uint8_t)len;
        return 2;
    }
    int bytes = len <= UINT32_MAX ? 4 : 8;
    p[0] = bytes == 4 ? 0x80 : 0x81;
    for (int i = 0; i < bytes; i++)
        p[1 + i] = (uint8_t)(len >> (8 * (bytes - 1 - i)));
    return 1 + (size_t)bytes;
}

static void put_len(struct rdb_enc *e, uint64_t len)
{
    uint8_t b[9];
    put(e, b, len_write(b, len));
}

int rdb_enc_len(struct rdb_enc *e, uint64_t len)
{
    put_len(e, len);
    return done(e);
}

int rdb_enc_raw(struct rdb_enc *e, const void *p, size_t n)
{
    if (e->write && n >= RDB_ENC_CHUNK) {
        if (rdb_enc_flush(e) != 0)
            return -1;
        e->total += n;
        return hand_out(e, p, n);
    }
    put(e, p, n);
    return done(e);
}

int rdb_enc_header(struct rdb_enc *e)
{
    put(e, "REDIS0010", 9);
    return done(e);
}

int rdb_enc_type(struct rdb_enc *e, enum rdb_type type)
{
    core_assert((int)type >= 0 && (int)type <= RDB_TYPE_STREAM_LISTPACKS_2);
    put_u8(e, (uint8_t)type);
    return done(e);
}

static void put_int_form(struct rdb_enc *e, long long v)
{
    core_assert(v >= INT32_MIN && v <= INT32_MAX);
    uint8_t b[5];
    size_t n;
    if (v >= INT8_MIN && v <= INT8_MAX) {
        b[0] = 0xc0;
        n = 1;
    } else if (v >= INT16_MIN && v <= INT16_MAX) {
        b[0] = 0xc1;
        n = 2;
    } else {
        b[0] = 0xc2;
        n = 4;
    }
    uint32_t u = (uint32_t)(int32_t)v;
    for (size_t i = 0; i < n; i++)
        b[1 + i] = (uint8_t)(u >> (8 * i));
    put(e, b, 1 + n);
}

/* Tries the LZF form in place; false (nothing written) when it does not pay. */
static bool put_lzf(struct rdb_enc *e, const void *s, size_t n)
{
    size_t budget = n - 4; /* Redis's rule: at least 4 bytes saved, or raw */
    size_t hdr = 1 + len_size(budget) + len_size(n);
    reserve(e, hdr + budget);
    uint8_t *at = e->buf + e->len;
    size_t clen = rdb_lzf_compress(s, n, at + hdr, budget);
    if (clen == 0)
        return false;
    size_t real_hdr = 1 + len_size(clen) + len_size(n);
    if (real_hdr != hdr)
        memmove(at + real_hdr, at + hdr, clen);
    at[0] = 0xc3;
    size_t off = 1 + len_write(at + 1, clen);
    len_write(at + off, n);
    e->len += real_hdr + clen;
    e->total += real_hdr + clen;
    return true;
}

int rdb_enc_str(struct rdb_enc *e, const void *s, size_t n)
{
    long long v;
    if (n <= RDB_ENC_INT_TEXT_MAX && rdb__str2ll(s, n, &v) && v >= INT32_MIN && v <= INT32_MAX) {
        put_int_form(e, v);
        return done(e);
    }
    if (e->compress && n >= RDB_ENC_LZF_MIN && put_lzf(e, s, n))
        return done(e);
    put_len(e, n);
    return rdb_enc_raw(e, s, n);
}

int rdb_enc_str_ll(struct rdb_enc *e, long long v)
{
    if (v >= INT32_MIN && v <= INT32_MAX) {
        put_int_form(e, v);
        return done(e);
    }
    char buf[RDB__LLSTR_SIZE];
    size_t n = rdb__ll2str(buf, v);
    put_len(e, n);
    put(e, buf, n);
    return done(e);
}

int rdb_enc_double(struct rdb_enc *e, double v)
{
    uint64_t u;
    memcpy(&u, &v, 8);
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(u >> (8 * i));
    put(e, b, 8);
    return done(e);
}

int rdb_enc_aux(struct rdb_enc *e, const char *name, const void *val, size_t vlen)
{
    put_u8(e, 0xfa);
    rdb_enc_str(e, name, strlen(name));
    return rdb_enc_str(e, val, vlen);
}

int rdb_enc_aux_ll(struct rdb_enc *e, const char *name, long long v)
{
    put_u8(e, 0xfa);
    rdb_enc_str(e, name, strlen(name));
    return rdb_enc_str_ll(e, v);
}

int rdb_enc_select_db(struct rdb_enc *e, uint64_t db)
{
    put_u8(e, 0xfe);
    put_len(e, db);
    return done(e);
}

int rdb_enc_resize_db(struct rdb_enc *e, uint64_t keys, uint64_t expires)
{
    put_u8(e, 0xfb);
    put_len(e, keys);
    put_len(e, expires);
    return done(e);
}

static void put_le64(struct rdb_enc *e, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    put(e, b, 8);
}

int rdb_enc_expire_ms(struct rdb_enc *e, int64_t expire_ms)
{
    if (expire_ms == -1)
        return done(e);
    put_u8(e, 0xfc);
    put_le64(e, (uint64_t)expire_ms);
    return done(e);
}

int rdb_enc_string_key(struct rdb_enc *e, const void *key, size_t klen, const void *val, size_t vlen,
                       int64_t expire_ms)
{
    rdb_enc_expire_ms(e, expire_ms);
    put_u8(e, RDB_TYPE_STRING);
    rdb_enc_str(e, key, klen);
    return rdb_enc_str(e, val, vlen);
}

int rdb_enc_finish(struct rdb_enc *e)
{
    put_u8(e, 0xff);
    if (e->err)
        return -1;
    uint64_t crc = 0;
    if (e->checksum)
        crc = rdb_crc64(e->crc, e->buf, e->len);
    if (rdb_enc_flush(e) != 0)
        return -1;
    e->crc = crc;
    /* The trailer is not covered by the CRC: bypass hand_out's update. */
    put_le64(e, crc);
    if (!e->write)
        return 0;
    int rc = e->write(e->ud, e->buf, e->len) == 0 ? 0 : -1;
    e->len = 0;
    if (rc != 0)
        e->err = 1;
    return rc;
}

int rdb_enc_dump_footer(struct rdb_enc *e)
{
    core_assert(e->write == NULL);
    put_u8(e, RDB_VERSION & 0xff);
    put_u8(e, RDB_VERSION >> 8);
    put_le64(e, rdb_crc64(0, e->buf, e->len));
    return 0;
}
