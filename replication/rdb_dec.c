/*
 * rdb_dec.c — the incremental RDB reader: magic and version, the opcode
 * records (aux, select/resize-db, expire/idle/freq prefixes, functions, EOF
 * and the CRC-64 trailer) and key records (spec rdb.md §2-§3), plus DUMP
 * payload framing (§15).
 *
 * BEHAVIOR: each call consumes whole records only. A record is parsed from
 * its first byte with a bounded reader; when the bytes run out the record is
 * left unconsumed, d->need says how many bytes it needs at least, and the
 * walk's progress through a big collection is kept, so the next call (same
 * bytes plus more) resumes there instead of re-validating from the start.
 * A record is handed to the callbacks only after it parsed completely and
 * its value validated (rdb_walk.c). Prefix opcodes are state that applies to
 * the next key, as in Redis.
 * Does not own what records become: the callbacks (node/persist.c) decide.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "replication/rdb.h"
#include "replication/rdb_int.h"

#define RDB_MAGIC "REDIS"
#define RDB_HEADER_SIZE 9
#define RDB_DBS_MAX 16 /* Redis's default "databases" */
#define RDB_CRC_FROM_VERSION 5

enum { STAGE_HEADER = 0, STAGE_RECORDS = 1 };

enum {
    OP_FUNCTION2 = 0xf5,
    OP_FUNCTION = 0xf6,
    OP_MODULE_AUX = 0xf7,
    OP_IDLE = 0xf8,
    OP_FREQ = 0xf9,
    OP_AUX = 0xfa,
    OP_RESIZEDB = 0xfb,
    OP_EXPIRETIME_MS = 0xfc,
    OP_EXPIRETIME = 0xfd,
    OP_SELECTDB = 0xfe,
    OP_EOF = 0xff,
};

static void reset_prefixes(struct rdb_dec *d)
{
    d->expire_ms = -1;
    d->idle_s = -1;
    d->freq = -1;
}

void rdb_dec_init(struct rdb_dec *d, const struct rdb_dec_cb *cb, void *ud, unsigned flags)
{
    memset(d, 0, sizeof(*d));
    d->cb = cb;
    d->ud = ud;
    d->flags = flags;
    d->status = RDB_DEC_MORE;
    d->stage = STAGE_HEADER;
    reset_prefixes(d);
}

void rdb_dec_free(struct rdb_dec *d)
{
    rdb_scratch_free(&d->key_sc);
    rdb_scratch_free(&d->val_sc);
    rdb_scratch_free(&d->tmp_sc);
}

void rdb_dec_fail(struct rdb_dec *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->err, sizeof(d->err), fmt, ap);
    va_end(ap);
    d->status = RDB_DEC_ERROR;
}

/* A callback's verdict: -1 stops decoding (with rdb_dec_fail's text). */
static void after_cb(struct rdb_dec *d, int rc)
{
    if (rc == 0)
        return;
    if (d->status != RDB_DEC_ERROR || !d->err[0])
        rdb_dec_fail(d, "RDB loading stopped by the loader");
}

static int parse_header(struct rdb_dec *d, struct rdb_rd *r)
{
    const uint8_t *h;
    RDB__TRY(rdb__rd_raw(r, RDB_HEADER_SIZE, &h));
    if (memcmp(h, RDB_MAGIC, 5) != 0)
        return rdb__bad(r, "Wrong signature trying to load DB from file");
    int version = 0; /* as atoi(): leading digits only */
    for (int i = 5; i < RDB_HEADER_SIZE && h[i] >= '0' && h[i] <= '9'; i++)
        version = version * 10 + (h[i] - '0');
    if (version < 1 || version > RDB_VERSION)
        return rdb__bad(r, "Can't handle RDB format version %d", version);
    d->version = version;
    d->stage = STAGE_RECORDS;
    return RDB__OK;
}

static uint64_t le_u64(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

/* The CRC of the bytes consumed so far: crc covers everything before from. */
struct crc_state {
    uint64_t crc;
    const uint8_t *from;
};

/* EOF: the CRC covers every byte through the 0xff; committed to *cs only
 * once the whole record (with its trailer) is there. */
static int parse_eof(struct rdb_dec *d, struct rdb_rd *r, struct crc_state *cs)
{
    uint64_t crc = rdb_crc64(cs->crc, cs->from, (size_t)(r->base + 1 - cs->from));
    if (d->version >= RDB_CRC_FROM_VERSION) {
        const uint8_t *t;
        RDB__TRY(rdb__rd_raw(r, 8, &t));
        uint64_t stored = le_u64(t, 8);
        if (!(d->flags & RDB_DEC_NO_CHECKSUM) && stored != 0 && stored != crc)
            return rdb__bad(r, "Wrong RDB checksum expected: (%llx) but got (%llx). Aborting now.",
                            (unsigned long long)crc, (unsigned long long)stored);
    }
    cs->crc = crc;
    cs->from = r->base + 1;
    return RDB__OK;
}

static int parse_aux(struct rdb_dec *d, struct rdb_rd *r)
{
    struct rdb__str name, val;
    RDB__TRY(rdb__rd_str(r, &d->key_sc, &name));
    RDB__TRY(rdb__rd_str(r, &d->val_sc, &val));
    if (d->cb->aux)
        after_cb(d, d->cb->aux(d->ud, name.s, name.len, val.s, val.len));
    return RDB__OK;
}

static int parse_db_ops(struct rdb_dec *d, struct rdb_rd *r, int op)
{
    uint64_t a, b;
    RDB__TRY(rdb__rd_len(r, &a));
    if (op == OP_SELECTDB) {
        if (a >= RDB_DBS_MAX)
            return rdb__bad(r, "FATAL: Data file was created with a Redis server configured to handle "
                               "more than %d databases. Exiting\n", RDB_DBS_MAX);
        d->db = a;
        if (d->cb->select_db)
            after_cb(d, d->cb->select_db(d->ud, a));
        return RDB__OK;
    }
    RDB__TRY(rdb__rd_len(r, &b));
    if (d->cb->resize_db)
        after_cb(d, d->cb->resize_db(d->ud, a, b));
    return RDB__OK;
}

static int parse_prefix(struct rdb_dec *d, struct rdb_rd *r, int op)
{
    const uint8_t *p;
    uint64_t v;
    switch (op) {
    case OP_EXPIRETIME_MS:
        RDB__TRY(rdb__rd_raw(r, 8, &p));
        d->expire_ms = (int64_t)le_u64(p, 8);
        return RDB__OK;
    case OP_EXPIRETIME:
        RDB__TRY(rdb__rd_raw(r, 4, &p));
        d->expire_ms = (int64_t)(int32_t)(uint32_t)le_u64(p, 4) * 1000;
        return RDB__OK;
    case OP_IDLE:
        RDB__TRY(rdb__rd_len(r, &v));
        d->idle_s = v > INT64_MAX ? INT64_MAX : (int64_t)v;
        return RDB__OK;
    default: /* OP_FREQ */
        RDB__TRY(rdb__rd_raw(r, 1, &p));
        d->freq = p[0];
        return RDB__OK;
    }
}

static int parse_function(struct rdb_dec *d, struct rdb_rd *r)
{
    struct rdb__str code;
    RDB__TRY(rdb__rd_str(r, &d->val_sc, &code));
    if (!d->cb->function)
        return rdb__bad(r, "Failed loading library: functions are not supported");
    after_cb(d, d->cb->function(d->ud, code.s, code.len));
    return RDB__OK;
}

static int parse_key(struct rdb_dec *d, struct rdb_rd *r, int type)
{
    if (!rdb__is_value_type(type))
        return rdb__bad(r, "Unknown RDB value type %d", type);
    struct rdb__str key, str = {0};
    RDB__TRY(rdb__rd_str(r, &d->key_sc, &key));
    const uint8_t *body = r->p;
    RDB__TRY(rdb__walk_value(r, type, &d->val_sc, &d->tmp_sc, &str));
    struct rdb_key k = {
        .db = d->db,
        .key = key.s,
        .klen = key.len,
        .expire_ms = d->expire_ms,
        .idle_s = d->idle_s,
        .freq = d->freq,
        .val = {.type = type, .str = str.s, .len = str.len, .body = body, .body_len = (size_t)(r->p - body)},
    };
    reset_prefixes(d);
    d->keys++;
    if (d->cb->key)
        after_cb(d, d->cb->key(d->ud, &k));
    return RDB__OK;
}

static int parse_record(struct rdb_dec *d, struct rdb_rd *r, struct crc_state *cs, bool *eof)
{
    uint8_t op;
    RDB__TRY(rdb__rd_u8(r, &op));
    switch (op) {
    case OP_EOF:
        RDB__TRY(parse_eof(d, r, cs));
        *eof = true;
        return RDB__OK;
    case OP_AUX:
        return parse_aux(d, r);
    case OP_SELECTDB:
    case OP_RESIZEDB:
        return parse_db_ops(d, r, op);
    case OP_EXPIRETIME_MS:
    case OP_EXPIRETIME:
    case OP_IDLE:
    case OP_FREQ:
        return parse_prefix(d, r, op);
    case OP_FUNCTION2:
        return parse_function(d, r);
    case OP_FUNCTION:
        return rdb__bad(r, "Pre-release function format not supported.");
    case OP_MODULE_AUX:
        return rdb__bad(r, "The RDB file contains AUX module data I can't load: no module support");
    }
    return parse_key(d, r, op);
}

/* A record ran out of bytes: what it needs, and where its walk got to. */
static void record_short(struct rdb_dec *d, const struct rdb_rd *r, size_t avail)
{
    d->need = r->need > avail ? r->need : avail + 1;
    d->ck_at = d->consumed;
    d->ck_loop = r->prog_loop;
    d->ck_off = r->prog_off;
    d->ck_idx = r->prog_idx;
}

size_t rdb_dec_feed(struct rdb_dec *d, const uint8_t *buf, size_t len)
{
    size_t pos = 0;
    d->need = 0;
    struct crc_state cs = {.crc = d->crc, .from = buf};
    while (d->status == RDB_DEC_MORE) {
        struct rdb_rd r;
        rdb__rd_init(&r, buf + pos, len - pos);
        if (d->ck_loop && d->ck_at == d->consumed) {
            r.ck_loop = d->ck_loop;
            r.ck_off = d->ck_off;
            r.ck_idx = d->ck_idx;
        }
        d->ck_loop = 0;
        bool eof = false;
        int rc = d->stage == STAGE_HEADER ? parse_header(d, &r) : parse_record(d, &r, &cs, &eof);
        if (rc == RDB__SHORT) {
            record_short(d, &r, len - pos);
            break;
        }
        if (rc == RDB__BAD) {
            snprintf(d->err, sizeof(d->err), "%s", r.err ? r.err : "Bad RDB data");
            d->status = RDB_DEC_ERROR;
            break;
        }
        size_t n = (size_t)(r.p - r.base);
        pos += n;
        d->consumed += n;
        if (eof) {
            d->crc = cs.crc; /* the trailer is not covered */
            if (d->status == RDB_DEC_MORE)
                d->status = RDB_DEC_DONE;
            return pos;
        }
    }
    d->crc = rdb_crc64(cs.crc, cs.from, (size_t)(buf + pos - cs.from));
    return pos;
}

/* ---- DUMP payloads ---- */

enum rdb_dump_result rdb_dump_parse(const uint8_t *payload, size_t n, struct rdb_value *v, struct rdb_scratch *s)
{
    if (n < RDB_DUMP_FOOTER)
        return RDB_DUMP_BAD_FOOTER;
    const uint8_t *footer = payload + n - RDB_DUMP_FOOTER;
    unsigned version = footer[0] | (unsigned)footer[1] << 8;
    if (version > RDB_VERSION || rdb_crc64(0, payload, n - 8) != le_u64(footer + 2, 8))
        return RDB_DUMP_BAD_FOOTER;
    size_t body = n - RDB_DUMP_FOOTER;
    if (body < 1 || !rdb__is_value_type(payload[0]))
        return RDB_DUMP_BAD_DATA;
    struct rdb_rd r;
    rdb__rd_init(&r, payload + 1, body - 1);
    struct rdb_scratch tmp = {0};
    struct rdb__str str = {0};
    int rc = rdb__walk_value(&r, payload[0], s, &tmp, &str);
    rdb_scratch_free(&tmp);
    if (rc != RDB__OK || r.p != r.end)
        return RDB_DUMP_BAD_DATA;
    *v = (struct rdb_value){
        .type = payload[0],
        .str = str.s,
        .len = str.len,
        .body = payload + 1,
        .body_len = body - 1,
    };
    return RDB_DUMP_OK;
}
