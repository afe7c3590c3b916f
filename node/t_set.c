/*
 * t_set.c — the set value (node/t_set.h) and its type hooks (node/obj.h):
 * encodings and the one-way intset -> hashtable conversion, RDB bodies
 * (SET_INTSET for an intset, SET otherwise, as Redis 7.0 writes them),
 * loading with Redis's rules for choosing the encoding, DEBUG DIGEST.
 *
 * Does not own command semantics (cmd_set.c) nor the intset and hash
 * table layouts (ds_intset.c, ds_hash.c).
 */
#include "node/t_set.h"

#include <limits.h>
#include <stddef.h>
#include <string.h>

#include "node/config.h"
#include "node/core/core.h"
#include "node/digest.h"
#include "node/ds_intset.h"
#include "node/obj.h"
#include "node/util.h"
#include "replication/rdb.h"

/* A hashtable member: one allocation, the chain link first (ds_hash.h). */
struct set_ent {
    void *next;
    uint32_t len;
    char m[];
};

/* Bytes of an entry: the header without its tail padding, then the member. */
#define SET_ENT_SIZE(len) (offsetof(struct set_ent, m) + (len))

/* Redis 7.0 caps the intset limit it honours when loading at 2^30. */
#define SET_LOAD_INTSET_CAP (1LL << 30)

static const void *ent_key(const void *entry, size_t *len)
{
    const struct set_ent *e = entry;
    *len = e->len;
    return e->m;
}

static struct set_ent *ent_new(const char *m, size_t len)
{
    struct set_ent *e = core_malloc(SET_ENT_SIZE(len));
    e->next = NULL;
    e->len = (uint32_t)len;
    memcpy(e->m, m, len);
    return e;
}

static void ent_free(void *entry)
{
    core_free(entry);
}

/* Redis's isSdsRepresentableAsLongLong: the canonical text of an int64. */
static bool member_ll(const char *m, size_t len, long long *v)
{
    return len <= 20 && node_util_parse_ll(m, len, v);
}

static struct node_tset *tset_alloc(void)
{
    struct node_tset *s = core_malloc(sizeof(*s));
    s->is = NULL;
    s->ht_bytes = 0;
    ds_hash_init(&s->ht, ent_key);
    return s;
}

struct node_tset *node_tset_new(const char *member, size_t len)
{
    struct node_tset *s = tset_alloc();
    long long v;
    if (member_ll(member, len, &v))
        s->is = ds_intset_new();
    return s;
}

void node_tset_free(struct node_tset *s)
{
    if (s == NULL)
        return;
    if (s->is != NULL)
        ds_intset_free(s->is);
    else
        ds_hash_clear(&s->ht, ent_free);
    core_free(s);
}

struct node_tset *node_tset_dup(const struct node_tset *s)
{
    struct node_tset *d = tset_alloc();
    if (s->is != NULL) {
        d->is = ds_intset_dup(s->is);
        return d;
    }
    struct ds_hash_iter it;
    struct set_ent *e;
    ds_hash_iter_init(&it, &s->ht);
    while ((e = ds_hash_iter_next(&it)) != NULL)
        ds_hash_add(&d->ht, ent_new(e->m, e->len));
    d->ht_bytes = s->ht_bytes;
    return d;
}

size_t node_tset_len(const struct node_tset *s)
{
    return s->is != NULL ? ds_intset_len(s->is) : ds_hash_size(&s->ht);
}

bool node_tset_is_intset(const struct node_tset *s)
{
    return s->is != NULL;
}

void node_tset_to_hashtable(struct node_tset *s)
{
    if (s->is == NULL)
        return;
    uint8_t *is = s->is;
    size_t n = ds_intset_len(is);
    char buf[NODE_KS_INTBUF];

    s->is = NULL;
    ds_hash_init(&s->ht, ent_key);
    for (size_t i = 0; i < n; i++) {
        size_t len = node_util_ll2str(buf, ds_intset_get(is, i));
        ds_hash_add(&s->ht, ent_new(buf, len));
        s->ht_bytes += SET_ENT_SIZE(len);
    }
    ds_intset_free(is);
}

bool node_tset_add(struct node_tset *s, const char *m, size_t len, long long max_intset_entries)
{
    long long v;

    if (s->is != NULL) {
        if (member_ll(m, len, &v)) {
            bool added = false;
            s->is = ds_intset_add(s->is, v, &added);
            if (added && (long long)ds_intset_len(s->is) > max_intset_entries)
                node_tset_to_hashtable(s);
            return added;
        }
        node_tset_to_hashtable(s);
    }
    if (ds_hash_find(&s->ht, m, len) != NULL)
        return false;
    ds_hash_add(&s->ht, ent_new(m, len));
    s->ht_bytes += SET_ENT_SIZE(len);
    return true;
}

bool node_tset_remove(struct node_tset *s, const char *m, size_t len)
{
    long long v;

    if (s->is != NULL) {
        bool removed = false;
        if (member_ll(m, len, &v))
            s->is = ds_intset_remove(s->is, v, &removed);
        return removed;
    }
    struct set_ent *e = ds_hash_remove(&s->ht, m, len);
    if (e == NULL)
        return false;
    s->ht_bytes -= SET_ENT_SIZE(e->len);
    ent_free(e);
    return true;
}

bool node_tset_has(const struct node_tset *s, const char *m, size_t len)
{
    long long v;

    if (s->is != NULL)
        return member_ll(m, len, &v) && ds_intset_find(s->is, v);
    return ds_hash_find(&s->ht, m, len) != NULL;
}

void node_tset_iter_init(struct node_tset_iter *it, const struct node_tset *s)
{
    it->s = s;
    it->index = 0;
    if (s->is == NULL)
        ds_hash_iter_init(&it->hi, &s->ht);
}

bool node_tset_iter_next(struct node_tset_iter *it, const char **m, size_t *len)
{
    if (it->s->is != NULL) {
        if (it->index >= ds_intset_len(it->s->is))
            return false;
        *len = node_util_ll2str(it->buf, ds_intset_get(it->s->is, it->index++));
        *m = it->buf;
        return true;
    }
    const struct set_ent *e = ds_hash_iter_next(&it->hi);
    if (e == NULL)
        return false;
    *m = e->m;
    *len = e->len;
    return true;
}

void node_tset_random(const struct node_tset *s, uint64_t rng, char buf[NODE_KS_INTBUF], const char **m,
                      size_t *len)
{
    if (s->is != NULL) {
        size_t n = ds_intset_len(s->is);
        core_assert(n > 0);
        *len = node_util_ll2str(buf, ds_intset_get(s->is, (size_t)(rng % n)));
        *m = buf;
        return;
    }
    const struct set_ent *e = ds_hash_random(&s->ht, rng);
    core_assert(e != NULL);
    *m = e->m;
    *len = e->len;
}

struct scan_ctx {
    node_tset_scan_cb cb;
    void *ud;
};

static void scan_entry(void *ud, const void *entry)
{
    const struct scan_ctx *sc = ud;
    const struct set_ent *e = entry;
    sc->cb(sc->ud, e->m, e->len);
}

uint64_t node_tset_scan(const struct node_tset *s, uint64_t cursor, node_tset_scan_cb cb, void *ud)
{
    if (s->is != NULL) {
        struct node_tset_iter it;
        const char *m;
        size_t len;
        node_tset_iter_init(&it, s);
        while (node_tset_iter_next(&it, &m, &len))
            cb(ud, m, len);
        return 0;
    }
    struct scan_ctx sc = {.cb = cb, .ud = ud};
    return ds_hash_scan(&s->ht, cursor, scan_entry, &sc);
}

/* ---- type hooks ---- */

static const char *hook_encoding(const void *v)
{
    return node_tset_is_intset(v) ? "intset" : "hashtable";
}

static size_t hook_length(const void *v)
{
    return node_tset_len(v);
}

static void hook_free(void *v)
{
    node_tset_free(v);
}

static void *hook_dup(const void *v)
{
    return node_tset_dup(v);
}

static int hook_rdb_type(const void *v)
{
    return node_tset_is_intset(v) ? RDB_TYPE_SET_INTSET : RDB_TYPE_SET;
}

static int hook_rdb_write(struct rdb_enc *enc, const void *v)
{
    const struct node_tset *s = v;
    struct node_tset_iter it;
    const char *m;
    size_t len;

    if (s->is != NULL)
        return rdb_enc_str(enc, s->is, ds_intset_bytes(s->is));
    if (rdb_enc_len(enc, ds_hash_size(&s->ht)) < 0)
        return -1;
    node_tset_iter_init(&it, s);
    while (node_tset_iter_next(&it, &m, &len))
        if (rdb_enc_str(enc, m, len) < 0)
            return -1;
    return 0;
}

/* Loads every element into a set that starts as an intset when the count
 * allows one (Redis's rdbLoadObject for both set RDB types). */
static enum node_obj_load load_members(struct rdb_iter *it, long long max_is, struct node_tset **out,
                                       const char **why)
{
    struct node_tset *s = tset_alloc();
    struct rdb_elem el;
    int r;

    if (it->count < 0 || it->count <= max_is)
        s->is = ds_intset_new();
    while ((r = rdb_iter_next(it, &el)) == 1) {
        if (el.len > NODE_KS_LEN_MAX || !node_tset_add(s, (const char *)el.s, el.len, max_is)) {
            /* Redis: "Duplicate set members detected"; RESTORE says this */
            *why = "Bad data format";
            node_tset_free(s);
            return NODE_OBJ_LOAD_ERROR;
        }
    }
    if (r < 0) {
        *why = "Bad data format";
        node_tset_free(s);
        return NODE_OBJ_LOAD_ERROR;
    }
    if (node_tset_len(s) == 0) {
        node_tset_free(s);
        return NODE_OBJ_LOAD_EMPTY;
    }
    *out = s;
    return NODE_OBJ_LOAD_OK;
}

static enum node_obj_load hook_rdb_load(const struct rdb_value *rv, const struct node_config *cfg, void **out,
                                        const char **why)
{
    struct rdb_iter it;
    struct node_tset *s = NULL;
    long long max_is = cfg->set_max_intset_entries;

    if (max_is > SET_LOAD_INTSET_CAP)
        max_is = SET_LOAD_INTSET_CAP;
    if (rv->type != RDB_TYPE_SET && rv->type != RDB_TYPE_SET_INTSET) {
        *why = "Bad data format";
        return NODE_OBJ_LOAD_ERROR;
    }
    if (rdb_iter_init(&it, rv) < 0) {
        *why = "Bad data format";
        return NODE_OBJ_LOAD_ERROR;
    }
    /* An intset blob stays an intset up to the configured limit; members
     * never repeat in a valid one (the decoder checked the order). */
    enum node_obj_load r = load_members(&it, rv->type == RDB_TYPE_SET_INTSET ? LLONG_MAX : max_is, &s, why);
    rdb_iter_free(&it);
    if (r == NODE_OBJ_LOAD_OK && rv->type == RDB_TYPE_SET_INTSET && (long long)node_tset_len(s) > max_is)
        node_tset_to_hashtable(s);
    if (r == NODE_OBJ_LOAD_OK)
        *out = s;
    return r;
}

static void hook_digest(const void *v, uint8_t d[20])
{
    struct node_tset_iter it;
    const char *m;
    size_t len;

    node_tset_iter_init(&it, v);
    while (node_tset_iter_next(&it, &m, &len))
        node_digest_xor(d, m, len);
}

static size_t hook_mem(const void *v)
{
    const struct node_tset *s = v;

    if (s->is != NULL)
        return sizeof(*s) + ds_intset_bytes(s->is);
    return sizeof(*s) + s->ht_bytes + ds_hash_mem(&s->ht);
}

const struct node_obj_type node_set_type = {
    .type = NODE_KS_SET,
    .name = "set",
    .encoding = hook_encoding,
    .length = hook_length,
    .free = hook_free,
    .dup = hook_dup,
    .rdb_type = hook_rdb_type,
    .rdb_write = hook_rdb_write,
    .rdb_load = hook_rdb_load,
    .digest = hook_digest,
    .mem = hook_mem,
};
