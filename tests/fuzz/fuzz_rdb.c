/*
 * fuzz_rdb.c — fuzz target for the RDB codec (replication/rdb*.c).
 *
 * The input is an RDB file (the corpus holds real ones from redis-server
 * 7.0.15 and mutations of them). It is decoded whole, then fed in small
 * chunks of input-dependent sizes, and every key's value is walked with
 * rdb_iter (its bytes touched, so out-of-bounds pointers show under ASan).
 * It is also parsed as a DUMP payload as is, and as a DUMP body with a
 * correct footer appended (so mutations reach the value walker past the CRC).
 * Invariants:
 *   - nothing crashes or reads outside the input;
 *   - whole and chunked feeding reach the same status and message, hand out
 *     the same records (a digest of every callback) and consume the same
 *     bytes; DONE never consumes more than the input;
 *   - a DUMP accepted as such has a value whose extent is its body.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replication/rdb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Inputs above this are not worth the 1-byte feeding pass. */
#define FUZZ_BYTEWISE_MAX 4096

static void check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_rdb: invariant broken: %s\n", what);
        abort();
    }
}

struct digest {
    uint64_t h;
    uint64_t records;
};

static void mix(struct digest *d, const void *p, size_t n)
{
    d->h = rdb_crc64(d->h, &n, sizeof(n));
    d->h = rdb_crc64(d->h, p, n);
    d->records++;
}

/* Walks a value's elements, touching every byte; -1 when corrupt. */
static void walk_value(struct digest *d, const struct rdb_value *v)
{
    mix(d, &v->type, sizeof(v->type));
    if (v->type == RDB_TYPE_STRING) {
        mix(d, v->str, v->len);
        return;
    }
    mix(d, v->body, v->body_len);
    struct rdb_iter it;
    if (rdb_iter_init(&it, v) != 0)
        return;
    struct rdb_elem e;
    int rc;
    int64_t n = 0;
    while ((rc = rdb_iter_next(&it, &e)) == 1) {
        mix(d, e.s, e.len);
        mix(d, &e.score, sizeof(e.score));
        n++;
    }
    /* the decoder validated the value: the iterator must agree */
    check(rc == 0, "iterator found corruption in a validated value");
    check(it.count < 0 || it.count == n, "iterator count differs from its elements");
    rdb_iter_free(&it);
}

static int on_aux(void *ud, const uint8_t *name, size_t nlen, const uint8_t *val, size_t vlen)
{
    mix(ud, name, nlen);
    mix(ud, val, vlen);
    return 0;
}

static int on_select(void *ud, uint64_t db)
{
    mix(ud, &db, sizeof(db));
    return 0;
}

static int on_resize(void *ud, uint64_t keys, uint64_t expires)
{
    mix(ud, &keys, sizeof(keys));
    mix(ud, &expires, sizeof(expires));
    return 0;
}

static int on_key(void *ud, const struct rdb_key *k)
{
    struct digest *d = ud;
    mix(d, k->key, k->klen);
    int64_t meta[4] = {(int64_t)k->db, k->expire_ms, k->idle_s, k->freq};
    mix(d, meta, sizeof(meta));
    walk_value(d, &k->val);
    return 0;
}

static int on_function(void *ud, const uint8_t *code, size_t len)
{
    mix(ud, code, len);
    return 0;
}

static const struct rdb_dec_cb cbs = {on_aux, on_select, on_resize, on_key, on_function};

struct outcome {
    enum rdb_dec_status status;
    uint64_t consumed;
    struct digest dg;
    char err[256];
};

/* Feeds data in chunks of 1 + (seed-driven) % chunk_max (0 = all at once). */
static void run(const uint8_t *data, size_t size, size_t chunk_max, unsigned flags, struct outcome *o)
{
    struct rdb_dec d;
    memset(o, 0, sizeof(*o));
    rdb_dec_init(&d, &cbs, &o->dg, flags);
    uint8_t *pend = malloc(size + 1);
    check(pend != NULL, "out of memory");
    size_t plen = 0, pos = 0;
    unsigned seed = (unsigned)size * 2654435761u;
    while (d.status == RDB_DEC_MORE) {
        size_t c = size - pos;
        if (chunk_max) {
            seed = seed * 1103515245u + 12345u;
            size_t want = 1 + (seed >> 8) % chunk_max;
            if (want < c)
                c = want;
        }
        memcpy(pend + plen, data + pos, c);
        plen += c;
        pos += c;
        size_t used = rdb_dec_feed(&d, pend, plen);
        check(used <= plen, "consumed more than fed");
        memmove(pend, pend + used, plen - used);
        plen -= used;
        if (c == 0 && used == 0)
            break;
    }
    check(d.consumed <= size, "consumed more than the input");
    o->status = d.status;
    o->consumed = d.consumed;
    memcpy(o->err, d.err, sizeof(o->err));
    free(pend);
    rdb_dec_free(&d);
}

static void same(const struct outcome *a, const struct outcome *b)
{
    check(a->status == b->status, "whole and chunked status differ");
    check(a->consumed == b->consumed, "whole and chunked consumed differ");
    check(!strcmp(a->err, b->err), "whole and chunked messages differ");
    check(a->dg.h == b->dg.h && a->dg.records == b->dg.records, "whole and chunked records differ");
}

static void dump_checks(const uint8_t *data, size_t size)
{
    struct rdb_scratch sc = {0};
    struct rdb_value v;
    struct digest dg = {0};
    if (rdb_dump_parse(data, size, &v, &sc) == RDB_DUMP_OK) {
        check(v.body == data + 1 && v.body_len == size - RDB_DUMP_FOOTER - 1, "dump body extent");
        walk_value(&dg, &v);
    }
    /* the input as a body, with a correct footer */
    uint8_t *p = malloc(size + RDB_DUMP_FOOTER);
    check(p != NULL, "out of memory");
    memcpy(p, data, size);
    p[size] = RDB_VERSION;
    p[size + 1] = 0;
    uint64_t crc = rdb_crc64(0, p, size + 2);
    for (int i = 0; i < 8; i++)
        p[size + 2 + i] = (uint8_t)(crc >> (8 * i));
    enum rdb_dump_result r = rdb_dump_parse(p, size + RDB_DUMP_FOOTER, &v, &sc);
    check(r == RDB_DUMP_OK || r == RDB_DUMP_BAD_DATA, "a correct footer was refused");
    if (r == RDB_DUMP_OK)
        walk_value(&dg, &v);
    free(p);
    rdb_scratch_free(&sc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct outcome whole, chunked;
    run(data, size, 0, 0, &whole);
    run(data, size, 61, 0, &chunked);
    same(&whole, &chunked);
    if (size <= FUZZ_BYTEWISE_MAX) {
        run(data, size, 1, 0, &chunked);
        same(&whole, &chunked);
    }
    run(data, size, 0, RDB_DEC_NO_CHECKSUM, &chunked);
    check(chunked.dg.records >= whole.dg.records, "skipping the checksum lost records");
    dump_checks(data, size);
    return 0;
}
