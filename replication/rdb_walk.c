/*
 * rdb_walk.c — finds the extent of one value body and validates it, for
 * every type Redis 7.0 reads (spec rdb.md §7-§8): the hashtable types, the
 * packed blobs (through rdb_blob.c), quicklists 1 and 2 with LZF nodes, and
 * streams (walked only so a loader can refuse them by name). Module values
 * cannot be walked without the module: they are refused here.
 *
 * Does not build anything: node/persist.c maps a validated body to the
 * keyspace through rdb_iter. Element strings are decoded into a temporary
 * scratch only to validate LZF forms; duplicates are the loader's business.
 */
#include <math.h>

#include "replication/rdb_int.h"

#define STREAM_ID_SIZE 16
#define CONTAINER_PLAIN 1
#define CONTAINER_PACKED 2

bool rdb__is_value_type(int type)
{
    return type >= 0 && type <= RDB_TYPE_STREAM_LISTPACKS_2 && type != 8;
}

/*
 * Collection loops are resumable: a decoder fed a partial record again (the
 * same bytes plus more) jumps over the elements an earlier walk validated
 * instead of re-walking a 100 MB hash for every 16 KB that arrives. A loop
 * is named by the offset of its first element; loop_begin returns the index
 * to start from (moving r->p), loop_mark records each element boundary.
 */
static uint64_t loop_begin(struct rdb_rd *r, size_t *loop)
{
    *loop = (size_t)(r->p - r->base);
    r->in_collection = true;
    if (r->ck_loop == 0 || r->ck_loop != *loop || r->ck_off > (size_t)(r->end - r->base))
        return 0;
    r->p = r->base + r->ck_off;
    return r->ck_idx;
}

static void loop_mark(struct rdb_rd *r, size_t loop, uint64_t i)
{
    r->prog_loop = loop;
    r->prog_off = (size_t)(r->p - r->base);
    r->prog_idx = i;
}

static int walk_strings(struct rdb_rd *r, uint64_t n, struct rdb_scratch *tmp)
{
    struct rdb__str s;
    size_t loop;
    for (uint64_t i = loop_begin(r, &loop); i < n; i++) {
        loop_mark(r, loop, i);
        RDB__TRY(rdb__rd_str(r, tmp, &s));
    }
    return RDB__OK;
}

static int walk_list_or_set(struct rdb_rd *r, struct rdb_scratch *tmp)
{
    uint64_t n;
    RDB__TRY(rdb__rd_len(r, &n));
    return walk_strings(r, n, tmp);
}

static int walk_hash(struct rdb_rd *r, struct rdb_scratch *tmp)
{
    uint64_t n;
    RDB__TRY(rdb__rd_len(r, &n));
    if (n > UINT64_MAX / 2)
        return rdb__bad(r, "Hash length too large");
    return walk_strings(r, 2 * n, tmp);
}

static int walk_zset(struct rdb_rd *r, int type, struct rdb_scratch *tmp)
{
    uint64_t n;
    RDB__TRY(rdb__rd_len(r, &n));
    size_t loop;
    for (uint64_t i = loop_begin(r, &loop); i < n; i++) {
        loop_mark(r, loop, i);
        struct rdb__str s;
        double score;
        RDB__TRY(rdb__rd_str(r, tmp, &s));
        if (type == RDB_TYPE_ZSET)
            RDB__TRY(rdb__rd_text_score(r, &score));
        else
            RDB__TRY(rdb__rd_double(r, &score));
        if (isnan(score))
            return rdb__bad(r, "Zset with NAN score detected");
    }
    return RDB__OK;
}

/* A blob string (possibly LZF) validated by kind; *count its element count. */
static int walk_blob(struct rdb_rd *r, int type, struct rdb_scratch *tmp, uint64_t *count)
{
    struct rdb__str b;
    RDB__TRY(rdb__rd_str(r, tmp, &b));
    int rc;
    switch (type) {
    case RDB_TYPE_HASH_ZIPMAP:
        rc = rdb__zipmap_validate(b.s, b.len, count);
        break;
    case RDB_TYPE_SET_INTSET:
        rc = rdb__intset_validate(b.s, b.len, count);
        break;
    case RDB_TYPE_HASH_LISTPACK:
    case RDB_TYPE_ZSET_LISTPACK:
        rc = rdb__lp_validate(b.s, b.len, count);
        if (rc == RDB__OK && *count % 2)
            rc = RDB__BAD;
        break;
    default: /* the ziplist types */
        rc = rdb__zl_validate(b.s, b.len, count);
        if (rc == RDB__OK && type != RDB_TYPE_LIST_ZIPLIST && type != RDB_TYPE_LIST_QUICKLIST && *count % 2)
            rc = RDB__BAD;
    }
    if (rc != RDB__OK)
        return rdb__bad(r, "%s integrity check failed", rdb_type_name(type) ? rdb_type_name(type) : "value");
    if (type == RDB_TYPE_ZSET_LISTPACK || type == RDB_TYPE_ZSET_ZIPLIST) {
        const uint8_t *p = b.s + (type == RDB_TYPE_ZSET_LISTPACK ? 6 : 10), *end = b.s + b.len;
        struct rdb__ent m, s;
        double d;
        for (uint64_t i = 0; i < *count; i += 2) {
            bool lp = type == RDB_TYPE_ZSET_LISTPACK;
            if ((lp ? rdb__lp_next(&p, end, &m) : rdb__zl_next(&p, end, &m)) != 1 ||
                (lp ? rdb__lp_next(&p, end, &s) : rdb__zl_next(&p, end, &s)) != 1 || !rdb__ent_score(&s, &d))
                return rdb__bad(r, "Zset ziplist integrity check failed.");
        }
    }
    return RDB__OK;
}

static int walk_quicklist(struct rdb_rd *r, int type, struct rdb_scratch *tmp)
{
    uint64_t nodes, count;
    RDB__TRY(rdb__rd_len(r, &nodes));
    size_t loop;
    for (uint64_t i = loop_begin(r, &loop); i < nodes; i++) {
        loop_mark(r, loop, i);
        if (type == RDB_TYPE_LIST_QUICKLIST) {
            RDB__TRY(walk_blob(r, RDB_TYPE_LIST_QUICKLIST, tmp, &count));
            continue;
        }
        uint64_t container;
        RDB__TRY(rdb__rd_len(r, &container));
        if (container != CONTAINER_PLAIN && container != CONTAINER_PACKED)
            return rdb__bad(r, "Quicklist integrity check failed.");
        struct rdb__str s;
        RDB__TRY(rdb__rd_str(r, tmp, &s));
        if (container == CONTAINER_PACKED && rdb__lp_validate(s.s, s.len, &count) != RDB__OK)
            return rdb__bad(r, "Listpack integrity check failed.");
    }
    return RDB__OK;
}

static int walk_lens(struct rdb_rd *r, int n)
{
    uint64_t v;
    for (int i = 0; i < n; i++)
        RDB__TRY(rdb__rd_len(r, &v));
    return RDB__OK;
}

static int walk_stream_group(struct rdb_rd *r, int type, struct rdb_scratch *tmp)
{
    struct rdb__str name;
    const uint8_t *raw;
    uint64_t pel, consumers, n;
    RDB__TRY(rdb__rd_str(r, tmp, &name));
    RDB__TRY(walk_lens(r, type == RDB_TYPE_STREAM_LISTPACKS_2 ? 3 : 2)); /* last id [, entries_read] */
    RDB__TRY(rdb__rd_len(r, &pel));
    for (uint64_t i = 0; i < pel; i++) {
        RDB__TRY(rdb__rd_raw(r, STREAM_ID_SIZE + 8, &raw)); /* id, delivery time */
        RDB__TRY(rdb__rd_len(r, &n));                        /* delivery count */
    }
    RDB__TRY(rdb__rd_len(r, &consumers));
    for (uint64_t i = 0; i < consumers; i++) {
        RDB__TRY(rdb__rd_str(r, tmp, &name));
        RDB__TRY(rdb__rd_raw(r, 8, &raw)); /* seen time */
        RDB__TRY(rdb__rd_len(r, &n));
        for (uint64_t j = 0; j < n; j++)
            RDB__TRY(rdb__rd_raw(r, STREAM_ID_SIZE, &raw));
    }
    return RDB__OK;
}

static int walk_stream(struct rdb_rd *r, int type, struct rdb_scratch *tmp)
{
    uint64_t nodes, groups, count;
    RDB__TRY(rdb__rd_len(r, &nodes));
    size_t loop;
    for (uint64_t i = loop_begin(r, &loop); i < nodes; i++) {
        loop_mark(r, loop, i);
        struct rdb__str id, lp;
        RDB__TRY(rdb__rd_str(r, tmp, &id));
        if (id.len != STREAM_ID_SIZE)
            return rdb__bad(r, "Stream node key entry is not the size of a stream ID");
        RDB__TRY(rdb__rd_str(r, tmp, &lp));
        if (rdb__lp_validate(lp.s, lp.len, &count) != RDB__OK || count == 0)
            return rdb__bad(r, "Stream listpack integrity check failed.");
    }
    /* length, last id; then first id, max deleted id, entries added (v2) */
    RDB__TRY(walk_lens(r, type == RDB_TYPE_STREAM_LISTPACKS_2 ? 8 : 3));
    RDB__TRY(rdb__rd_len(r, &groups));
    for (uint64_t i = 0; i < groups; i++)
        RDB__TRY(walk_stream_group(r, type, tmp));
    return RDB__OK;
}

int rdb__walk_value(struct rdb_rd *r, int type, struct rdb_scratch *sc, struct rdb_scratch *tmp,
                    struct rdb__str *str)
{
    uint64_t count;
    switch (type) {
    case RDB_TYPE_STRING:
        return rdb__rd_str(r, sc, str);
    case RDB_TYPE_LIST:
    case RDB_TYPE_SET:
        return walk_list_or_set(r, tmp);
    case RDB_TYPE_ZSET:
    case RDB_TYPE_ZSET_2:
        return walk_zset(r, type, tmp);
    case RDB_TYPE_HASH:
        return walk_hash(r, tmp);
    case RDB_TYPE_MODULE:
    case RDB_TYPE_MODULE_2:
        return rdb__bad(r, "Unsupported module type in RDB");
    case RDB_TYPE_HASH_ZIPMAP:
    case RDB_TYPE_LIST_ZIPLIST:
    case RDB_TYPE_SET_INTSET:
    case RDB_TYPE_ZSET_ZIPLIST:
    case RDB_TYPE_HASH_ZIPLIST:
    case RDB_TYPE_HASH_LISTPACK:
    case RDB_TYPE_ZSET_LISTPACK:
        return walk_blob(r, type, tmp, &count);
    case RDB_TYPE_LIST_QUICKLIST:
    case RDB_TYPE_LIST_QUICKLIST_2:
        return walk_quicklist(r, type, tmp);
    case RDB_TYPE_STREAM_LISTPACKS:
    case RDB_TYPE_STREAM_LISTPACKS_2:
        return walk_stream(r, type, tmp);
    }
    return rdb__bad(r, "Unknown RDB value type %d", type);
}

const char *rdb_type_name(int type)
{
    switch (type) {
    case RDB_TYPE_STRING:
        return "string";
    case RDB_TYPE_LIST:
    case RDB_TYPE_LIST_ZIPLIST:
    case RDB_TYPE_LIST_QUICKLIST:
    case RDB_TYPE_LIST_QUICKLIST_2:
        return "list";
    case RDB_TYPE_SET:
    case RDB_TYPE_SET_INTSET:
        return "set";
    case RDB_TYPE_ZSET:
    case RDB_TYPE_ZSET_2:
    case RDB_TYPE_ZSET_ZIPLIST:
    case RDB_TYPE_ZSET_LISTPACK:
        return "zset";
    case RDB_TYPE_HASH:
    case RDB_TYPE_HASH_ZIPMAP:
    case RDB_TYPE_HASH_ZIPLIST:
    case RDB_TYPE_HASH_LISTPACK:
        return "hash";
    case RDB_TYPE_STREAM_LISTPACKS:
    case RDB_TYPE_STREAM_LISTPACKS_2:
        return "stream";
    case RDB_TYPE_MODULE:
    case RDB_TYPE_MODULE_2:
        return "module";
    }
    return NULL;
}
