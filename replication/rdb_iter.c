/*
 * rdb_iter.c — walks the elements of a collection value in logical order,
 * for every encoding Redis 7.0 reads (spec rdb.md §7-§12): hashtable lists,
 * sets, hashes and zsets (text or binary scores), zipmaps, ziplists,
 * intsets, listpacks and quicklists 1 and 2 (packed, plain and LZF nodes).
 *
 * Integer entries are handed out as decimal text, zset scores as doubles.
 * Every read is bounded by the body, so a corrupt body gives -1, never a
 * read outside it. Does not own validation (rdb_walk.c did it for decoded
 * records) nor what the elements become (node/persist.c).
 */
#include <string.h>

#include "node/core/core.h"
#include "replication/rdb.h"
#include "replication/rdb_int.h"

#define LP_HDR 6
#define ZL_HDR 10
#define INTSET_HDR 8
#define LP_COUNT_UNKNOWN 65535
#define ZM_BIGLEN 254
#define CONTAINER_PLAIN 1
#define CONTAINER_PACKED 2

enum kind { K_NONE, K_HT, K_LP, K_ZL, K_INTSET, K_ZIPMAP, K_PLAIN };

static bool is_zset(int type)
{
    return type == RDB_TYPE_ZSET || type == RDB_TYPE_ZSET_2 || type == RDB_TYPE_ZSET_ZIPLIST ||
           type == RDB_TYPE_ZSET_LISTPACK;
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Reads one string from the body cursor into scratch sc. */
static int body_str(struct rdb_iter *it, struct rdb_scratch *sc, struct rdb__str *out)
{
    struct rdb_rd r;
    rdb__rd_init(&r, it->p, (size_t)(it->end - it->p));
    if (rdb__rd_str(&r, sc, out) != RDB__OK)
        return -1;
    it->p = r.p;
    return 0;
}

static int body_len(struct rdb_iter *it, uint64_t *out)
{
    struct rdb_rd r;
    rdb__rd_init(&r, it->p, (size_t)(it->end - it->p));
    if (rdb__rd_len(&r, out) != RDB__OK)
        return -1;
    it->p = r.p;
    return 0;
}

/* Makes the next blob of the body current; its header read, count given. */
static int load_blob(struct rdb_iter *it, enum kind kind, int64_t *count)
{
    struct rdb__str b;
    if (body_str(it, &it->blob, &b) != 0)
        return -1;
    const uint8_t *s = b.s;
    size_t n = b.len;
    int64_t c = -1;
    if (kind == K_LP) {
        if (n < LP_HDR + 1 || le32(s) != n)
            return -1;
        uint16_t hc = (uint16_t)(s[4] | s[5] << 8);
        c = hc == LP_COUNT_UNKNOWN ? -1 : hc;
        s += LP_HDR, n -= LP_HDR;
    } else if (kind == K_ZL) {
        if (n < ZL_HDR + 1 || le32(s) != n)
            return -1;
        uint16_t hc = (uint16_t)(s[8] | s[9] << 8);
        c = hc == LP_COUNT_UNKNOWN ? -1 : hc;
        s += ZL_HDR, n -= ZL_HDR;
    } else if (kind == K_INTSET) {
        if (n < INTSET_HDR)
            return -1;
        it->width = le32(s);
        c = le32(s + 4);
        if ((it->width != 2 && it->width != 4 && it->width != 8) || (n - INTSET_HDR) / it->width != (uint64_t)c)
            return -1;
        s += INTSET_HDR, n -= INTSET_HDR;
    } else { /* K_ZIPMAP */
        if (n < 2)
            return -1;
        c = s[0] < ZM_BIGLEN ? 2 * (int64_t)s[0] : -1;
        s += 1, n -= 1;
    }
    it->lp = s;
    it->lp_end = s + n;
    it->node_kind = kind;
    if (count)
        *count = c;
    return 0;
}

static int init_blob_type(struct rdb_iter *it, int type)
{
    enum kind kind = type == RDB_TYPE_SET_INTSET ? K_INTSET
                     : type == RDB_TYPE_HASH_ZIPMAP ? K_ZIPMAP
                     : type == RDB_TYPE_HASH_LISTPACK || type == RDB_TYPE_ZSET_LISTPACK ? K_LP
                                                                                        : K_ZL;
    int64_t c;
    if (load_blob(it, kind, &c) != 0)
        return -1;
    it->count = c >= 0 && is_zset(type) ? c / 2 : c;
    return 0;
}

int rdb_iter_init(struct rdb_iter *it, const struct rdb_value *v)
{
    memset(it, 0, sizeof(*it));
    it->v = v;
    it->count = -1;
    it->p = v->body;
    it->end = v->body + v->body_len;
    uint64_t n;
    switch (v->type) {
    case RDB_TYPE_LIST:
    case RDB_TYPE_SET:
    case RDB_TYPE_ZSET:
    case RDB_TYPE_ZSET_2:
    case RDB_TYPE_HASH:
        if (body_len(it, &n) != 0 || n > INT64_MAX / 2)
            return -1;
        it->items_left = v->type == RDB_TYPE_HASH ? 2 * n : n;
        it->count = (int64_t)it->items_left;
        it->node_kind = K_HT;
        return 0;
    case RDB_TYPE_HASH_ZIPMAP:
    case RDB_TYPE_LIST_ZIPLIST:
    case RDB_TYPE_SET_INTSET:
    case RDB_TYPE_ZSET_ZIPLIST:
    case RDB_TYPE_HASH_ZIPLIST:
    case RDB_TYPE_HASH_LISTPACK:
    case RDB_TYPE_ZSET_LISTPACK:
        return init_blob_type(it, v->type);
    case RDB_TYPE_LIST_QUICKLIST:
    case RDB_TYPE_LIST_QUICKLIST_2:
        if (body_len(it, &it->nodes_left) != 0)
            return -1;
        it->node_kind = K_NONE;
        return 0;
    }
    return -1; /* strings, streams, modules */
}

void rdb_iter_free(struct rdb_iter *it)
{
    rdb_scratch_free(&it->blob);
    rdb_scratch_free(&it->elem[0]);
    rdb_scratch_free(&it->elem[1]);
}

static void ent_out(struct rdb_iter *it, const struct rdb__ent *e, struct rdb_elem *out)
{
    if (e->is_int) {
        char *buf = it->num[it->index & 1];
        out->len = rdb__ll2str(buf, e->ll);
        out->s = (const uint8_t *)buf;
    } else {
        out->s = e->s;
        out->len = e->len;
    }
}

/* The next entry of the current blob: 1, 0 at its end, -1 corrupt. */
static int blob_next(struct rdb_iter *it, struct rdb__ent *e)
{
    switch (it->node_kind) {
    case K_LP:
        return rdb__lp_next(&it->lp, it->lp_end, e);
    case K_ZL:
        return rdb__zl_next(&it->lp, it->lp_end, e);
    case K_ZIPMAP:
        return rdb__zipmap_next(&it->lp, it->lp_end, it->index & 1, e);
    default: /* K_INTSET */
        if (it->lp == it->lp_end)
            return 0;
        if ((size_t)(it->lp_end - it->lp) < it->width)
            return -1;
        uint64_t u = 0;
        for (unsigned i = it->width; i-- > 0;)
            u = (u << 8) | it->lp[i];
        if (it->width < 8 && (u >> (8 * it->width - 1)) & 1)
            u |= ~0ULL << (8 * it->width);
        e->is_int = true;
        e->ll = (long long)u;
        it->lp += it->width;
        return 1;
    }
}

/* Makes the next quicklist node current; 0 when there is none left. */
static int next_node(struct rdb_iter *it)
{
    if (it->nodes_left == 0)
        return 0;
    it->nodes_left--;
    if (it->v->type == RDB_TYPE_LIST_QUICKLIST)
        return load_blob(it, K_ZL, NULL) == 0 ? 1 : -1;
    uint64_t container;
    if (body_len(it, &container) != 0)
        return -1;
    if (container == CONTAINER_PACKED)
        return load_blob(it, K_LP, NULL) == 0 ? 1 : -1;
    if (container != CONTAINER_PLAIN)
        return -1;
    struct rdb__str s;
    if (body_str(it, &it->blob, &s) != 0)
        return -1;
    it->lp = s.s;
    it->lp_end = s.s + s.len;
    it->node_kind = K_PLAIN;
    return 1;
}

static int next_ht(struct rdb_iter *it, struct rdb_elem *out)
{
    if (it->items_left == 0)
        return 0;
    struct rdb__str s;
    if (body_str(it, &it->elem[it->index & 1], &s) != 0)
        return -1;
    out->s = s.s;
    out->len = s.len;
    int type = it->v->type;
    if (type == RDB_TYPE_ZSET || type == RDB_TYPE_ZSET_2) {
        struct rdb_rd r;
        rdb__rd_init(&r, it->p, (size_t)(it->end - it->p));
        int rc = type == RDB_TYPE_ZSET ? rdb__rd_text_score(&r, &out->score) : rdb__rd_double(&r, &out->score);
        if (rc != RDB__OK)
            return -1;
        it->p = r.p;
    }
    it->items_left--;
    return 1;
}

/* The next element of blobs and quicklists, crossing into the next node. */
static int next_packed(struct rdb_iter *it, struct rdb_elem *out)
{
    for (;;) {
        if (it->node_kind == K_PLAIN) {
            out->s = it->lp;
            out->len = (size_t)(it->lp_end - it->lp);
            it->node_kind = K_NONE;
            return 1;
        }
        struct rdb__ent e;
        int rc = it->node_kind == K_NONE ? 0 : blob_next(it, &e);
        if (rc < 0)
            return -1;
        if (rc == 1) {
            ent_out(it, &e, out);
            if (!is_zset(it->v->type))
                return 1;
            struct rdb__ent sc;
            if (blob_next(it, &sc) != 1 || !rdb__ent_score(&sc, &out->score))
                return -1;
            return 1;
        }
        it->node_kind = K_NONE;
        rc = next_node(it);
        if (rc <= 0)
            return rc;
    }
}

int rdb_iter_next(struct rdb_iter *it, struct rdb_elem *out)
{
    out->score = 0;
    int rc = it->node_kind == K_HT ? next_ht(it, out) : next_packed(it, out);
    if (rc == 1)
        it->index++;
    return rc;
}
