/*
 * t_hash.c — the hash value (see t_hash.h): its two encodings, the one-way
 * conversion, and the node_hash_type hooks (OBJECT ENCODING, RDB bodies,
 * DUMP/RESTORE, DEBUG DIGEST, COPY, memory). Does not own the commands'
 * semantics (cmd_hash.c) nor the listpack and table layouts (ds_lp.c,
 * ds_hash.c).
 *
 * HASHTABLE ENTRY (one allocation):
 *   OFFSET  SIZE     DESCRIPTION
 *   0       8        chain link (ds_hash)
 *   8       1..10    field length, LEB128 varint
 *   ..      1..10    value length, LEB128 varint
 *   ..      flen     field bytes
 *   ..      vlen     value bytes
 * A new value reallocates the entry and puts it in the old one's place.
 */
#include "node/t_hash.h"

#include <string.h>

#include "node/config.h"
#include "node/core/core.h"
#include "node/digest.h"
#include "node/obj.h"
#include "replication/rdb.h"

/* Redis's LISTPACK_MAX_SAFETY_SIZE: a listpack never grows past 1 GB. */
#define THASH_LP_SAFE_BYTES (1UL << 30)
/* A distinct random pick draws from the table while it wants at most a
 * third of it (Redis's CASE 4), else shuffles a copy of every pick. */
#define THASH_RANDOM_COPY_RATIO 3

/* ---- hashtable entries ---- */

struct hent {
    void *next;
    unsigned char d[];
};

static size_t varint_len(size_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static size_t varint_put(unsigned char *p, size_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        p[n++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (unsigned char)v;
    return n;
}

static size_t varint_get(const unsigned char *p, size_t *v)
{
    size_t n = 0, r = 0;
    unsigned shift = 0;
    for (;;) {
        r |= (size_t)(p[n] & 0x7f) << shift;
        if (!(p[n++] & 0x80))
            break;
        shift += 7;
    }
    *v = r;
    return n;
}

static struct hent *hent_new(const char *f, size_t flen, const char *v, size_t vlen)
{
    size_t hdr = varint_len(flen) + varint_len(vlen);
    struct hent *e = core_malloc(sizeof(*e) + hdr + flen + vlen);
    unsigned char *p = e->d;
    e->next = NULL;
    p += varint_put(p, flen);
    p += varint_put(p, vlen);
    memcpy(p, f, flen);
    if (vlen)
        memcpy(p + flen, v, vlen);
    return e;
}

/* Field and value of an entry. */
static void hent_kv(const struct hent *e, struct node_thash_kv *kv)
{
    const unsigned char *p = e->d;
    p += varint_get(p, &kv->flen);
    p += varint_get(p, &kv->vlen);
    kv->f = (const char *)p;
    kv->v = (const char *)p + kv->flen;
}

static const void *hent_key(const void *entry, size_t *len)
{
    struct node_thash_kv kv;
    hent_kv(entry, &kv);
    *len = kv.flen;
    return kv.f;
}

static void hent_free(void *entry)
{
    core_free(entry);
}

static void ht_add(struct node_thash *h, const char *f, size_t flen, const char *v, size_t vlen)
{
    struct hent *e = hent_new(f, flen, v, vlen);
    h->ht_bytes += core_alloc_size(e);
    ds_hash_add(&h->ht, e);
}

/* ---- the value ---- */

struct node_thash *node_thash_new(void)
{
    struct node_thash *h = core_calloc(1, sizeof(*h));
    h->lp = ds_lp_new();
    ds_hash_init(&h->ht, hent_key);
    return h;
}

void node_thash_free(struct node_thash *h)
{
    if (h == NULL)
        return;
    if (h->lp)
        ds_lp_free(h->lp);
    else
        ds_hash_clear(&h->ht, hent_free);
    core_free(h);
}

struct node_thash *node_thash_dup(const struct node_thash *h)
{
    struct node_thash *d = core_calloc(1, sizeof(*d));
    ds_hash_init(&d->ht, hent_key);
    if (h->lp) {
        d->lp = ds_lp_dup(h->lp);
        return d;
    }
    struct node_thash_iter it;
    struct node_thash_kv kv;
    node_thash_iter_init(&it, h);
    while (node_thash_iter_next(&it, &kv))
        ht_add(d, kv.f, kv.flen, kv.v, kv.vlen);
    return d;
}

size_t node_thash_len(const struct node_thash *h)
{
    return h->lp ? ds_lp_count(h->lp) / 2 : ds_hash_size(&h->ht);
}

bool node_thash_is_listpack(const struct node_thash *h)
{
    return h->lp != NULL;
}

void node_thash_to_hashtable(struct node_thash *h)
{
    unsigned char *lp = h->lp;
    unsigned char fbuf[DS_LP_INTBUF], vbuf[DS_LP_INTBUF];
    size_t flen, vlen;
    if (lp == NULL)
        return;
    h->lp = NULL;
    for (unsigned char *p = ds_lp_first(lp); p != NULL;) {
        unsigned char *vp = ds_lp_next(lp, p);
        core_assert(vp != NULL);
        const unsigned char *f = ds_lp_get_str(p, fbuf, &flen);
        const unsigned char *v = ds_lp_get_str(vp, vbuf, &vlen);
        ht_add(h, (const char *)f, flen, (const char *)v, vlen);
        p = ds_lp_next(lp, vp);
    }
    ds_lp_free(lp);
}

static bool lp_fits(const struct node_thash *h, const struct node_config *cfg, size_t len)
{
    return len <= (unsigned long long)cfg->hash_max_listpack_value &&
           ds_lp_bytes(h->lp) + len <= THASH_LP_SAFE_BYTES;
}

void node_thash_fit(struct node_thash *h, const struct node_config *cfg, size_t len)
{
    if (h->lp && !lp_fits(h, cfg, len))
        node_thash_to_hashtable(h);
}

/* The listpack position of field f, or NULL. */
static unsigned char *lp_find(const struct node_thash *h, const char *f, size_t flen)
{
    unsigned char *first = ds_lp_first(h->lp);
    return first ? ds_lp_find(h->lp, first, f, flen, 1) : NULL;
}

bool node_thash_get(const struct node_thash *h, const char *f, size_t flen, char buf[DS_LP_INTBUF],
                    const char **v, size_t *vlen)
{
    if (h->lp) {
        unsigned char *p = lp_find(h, f, flen);
        if (p == NULL)
            return false;
        *v = (const char *)ds_lp_get_str(ds_lp_next(h->lp, p), (unsigned char *)buf, vlen);
        return true;
    }
    struct hent *e = ds_hash_find(&h->ht, f, flen);
    if (e == NULL)
        return false;
    struct node_thash_kv kv;
    hent_kv(e, &kv);
    *v = kv.v;
    *vlen = kv.vlen;
    return true;
}

bool node_thash_exists(const struct node_thash *h, const char *f, size_t flen)
{
    return h->lp ? lp_find(h, f, flen) != NULL : ds_hash_find(&h->ht, f, flen) != NULL;
}

static bool lp_set(struct node_thash *h, const char *f, size_t flen, const char *v, size_t vlen)
{
    unsigned char *p = lp_find(h, f, flen);
    if (p != NULL) {
        unsigned char *vp = ds_lp_next(h->lp, p);
        h->lp = ds_lp_replace(h->lp, &vp, v, vlen);
        return false;
    }
    h->lp = ds_lp_append(h->lp, f, flen);
    h->lp = ds_lp_append(h->lp, v, vlen);
    return true;
}

static bool ht_set(struct node_thash *h, const char *f, size_t flen, const char *v, size_t vlen)
{
    struct hent *old = ds_hash_find(&h->ht, f, flen);
    if (old == NULL) {
        ht_add(h, f, flen, v, vlen);
        return true;
    }
    struct hent *nw = hent_new(f, flen, v, vlen);
    h->ht_bytes += core_alloc_size(nw);
    h->ht_bytes -= core_alloc_size(old);
    nw->next = old->next; /* the chain continues through the new entry */
    ds_hash_replace(&h->ht, old, nw);
    core_free(old);
    return false;
}

bool node_thash_set(struct node_thash *h, const struct node_config *cfg, const char *f, size_t flen, const char *v,
                    size_t vlen)
{
    if (h->lp && (!lp_fits(h, cfg, flen) || !lp_fits(h, cfg, vlen) ||
                  ds_lp_bytes(h->lp) + flen + vlen > THASH_LP_SAFE_BYTES))
        node_thash_to_hashtable(h);
    if (!h->lp)
        return ht_set(h, f, flen, v, vlen);
    bool added = lp_set(h, f, flen, v, vlen);
    if (node_thash_len(h) > (unsigned long long)cfg->hash_max_listpack_entries)
        node_thash_to_hashtable(h);
    return added;
}

bool node_thash_del(struct node_thash *h, const char *f, size_t flen)
{
    if (h->lp) {
        unsigned char *p = lp_find(h, f, flen);
        if (p == NULL)
            return false;
        h->lp = ds_lp_delete(h->lp, &p);
        h->lp = ds_lp_delete(h->lp, &p);
        return true;
    }
    struct hent *e = ds_hash_remove(&h->ht, f, flen);
    if (e == NULL)
        return false;
    h->ht_bytes -= core_alloc_size(e);
    core_free(e);
    return true;
}

/* ---- iteration, random picks, scan ---- */

void node_thash_iter_init(struct node_thash_iter *it, const struct node_thash *h)
{
    it->h = h;
    it->p = h->lp ? ds_lp_first(h->lp) : NULL;
    if (!h->lp)
        ds_hash_iter_init(&it->hi, &h->ht);
}

bool node_thash_iter_next(struct node_thash_iter *it, struct node_thash_kv *kv)
{
    const struct node_thash *h = it->h;
    if (h->lp) {
        if (it->p == NULL)
            return false;
        unsigned char *vp = ds_lp_next(h->lp, it->p);
        core_assert(vp != NULL);
        kv->f = (const char *)ds_lp_get_str(it->p, (unsigned char *)it->fbuf, &kv->flen);
        kv->v = (const char *)ds_lp_get_str(vp, (unsigned char *)it->vbuf, &kv->vlen);
        it->p = ds_lp_next(h->lp, vp);
        return true;
    }
    struct hent *e = ds_hash_iter_next(&it->hi);
    if (e == NULL)
        return false;
    hent_kv(e, kv);
    return true;
}

void node_thash_pick_kv(const struct node_thash *h, node_thash_pick p, char fbuf[DS_LP_INTBUF],
                        char vbuf[DS_LP_INTBUF], struct node_thash_kv *kv)
{
    if (h->lp) {
        unsigned char *fp = (unsigned char *)p;
        kv->f = (const char *)ds_lp_get_str(fp, (unsigned char *)fbuf, &kv->flen);
        kv->v = (const char *)ds_lp_get_str(ds_lp_next(h->lp, fp), (unsigned char *)vbuf, &kv->vlen);
        return;
    }
    hent_kv(p, kv);
}

/* Every field's pick, in storage order; n = the hash's length. */
static node_thash_pick *all_picks(const struct node_thash *h, size_t n)
{
    node_thash_pick *all = core_malloc((n ? n : 1) * sizeof(*all));
    size_t i = 0;
    if (h->lp) {
        for (unsigned char *p = ds_lp_first(h->lp); p != NULL && i < n; p = ds_lp_next(h->lp, ds_lp_next(h->lp, p)))
            all[i++] = p;
    } else {
        struct ds_hash_iter it;
        void *e;
        ds_hash_iter_init(&it, &h->ht);
        while (i < n && (e = ds_hash_iter_next(&it)) != NULL)
            all[i++] = e;
    }
    core_assert(i == n);
    return all;
}

/* Distinct random hashtable entries when count is small next to the table:
 * random draws, duplicates rejected with an open-addressed pointer set. */
static void ht_random_distinct(const struct node_thash *h, size_t count, uint64_t (*rng)(void *ud), void *ud,
                               node_thash_pick *out)
{
    size_t cap = 8;
    while (cap < count * 2)
        cap <<= 1;
    const void **set = core_calloc(cap, sizeof(*set));
    size_t got = 0;
    while (got < count) {
        const void *e = ds_hash_random(&h->ht, rng(ud));
        size_t i = (size_t)(((uintptr_t)e >> 4) * 0x9E3779B97F4A7C15ULL) & (cap - 1);
        while (set[i] != NULL && set[i] != e)
            i = (i + 1) & (cap - 1);
        if (set[i] == e)
            continue;
        set[i] = e;
        out[got++] = e;
    }
    core_free(set);
}

void node_thash_random(const struct node_thash *h, size_t count, bool uniq, uint64_t (*rng)(void *ud), void *ud,
                       node_thash_pick *out)
{
    size_t n = node_thash_len(h);
    core_assert(n > 0 && (!uniq || count <= n));
    if (!h->lp && !uniq) {
        for (size_t i = 0; i < count; i++)
            out[i] = ds_hash_random(&h->ht, rng(ud));
        return;
    }
    if (!h->lp && count * THASH_RANDOM_COPY_RATIO <= n) {
        ht_random_distinct(h, count, rng, ud, out);
        return;
    }
    node_thash_pick *all = all_picks(h, n);
    if (!uniq) {
        for (size_t i = 0; i < count; i++)
            out[i] = all[rng(ud) % n];
    } else {
        /* partial Fisher-Yates: the first count slots end up a uniform sample */
        for (size_t i = 0; i < count; i++) {
            size_t j = i + (size_t)(rng(ud) % (n - i));
            node_thash_pick t = all[i];
            all[i] = all[j];
            all[j] = t;
            out[i] = all[i];
        }
    }
    core_free(all);
}

struct scan_ctx {
    node_thash_scan_cb cb;
    void *ud;
};

static void scan_entry(void *ud, const void *entry)
{
    struct scan_ctx *sc = ud;
    struct node_thash_kv kv;
    hent_kv(entry, &kv);
    sc->cb(sc->ud, &kv);
}

uint64_t node_thash_scan(const struct node_thash *h, uint64_t cursor, node_thash_scan_cb cb, void *ud)
{
    core_assert(h->lp == NULL);
    struct scan_ctx sc = {cb, ud};
    return ds_hash_scan(&h->ht, cursor, scan_entry, &sc);
}

/* ---- node_hash_type hooks ---- */

static const char *hook_encoding(const void *v)
{
    return node_thash_is_listpack(v) ? "listpack" : "hashtable";
}

static size_t hook_length(const void *v)
{
    return node_thash_len(v);
}

static void hook_free(void *v)
{
    node_thash_free(v);
}

static void *hook_dup(const void *v)
{
    return node_thash_dup(v);
}

static int hook_rdb_type(const void *v)
{
    return node_thash_is_listpack(v) ? RDB_TYPE_HASH_LISTPACK : RDB_TYPE_HASH;
}

static int hook_rdb_write(struct rdb_enc *enc, const void *v)
{
    const struct node_thash *h = v;
    if (h->lp)
        return rdb_enc_str(enc, h->lp, ds_lp_bytes(h->lp));
    struct node_thash_iter it;
    struct node_thash_kv kv;
    int rc = rdb_enc_len(enc, ds_hash_size(&h->ht));
    node_thash_iter_init(&it, h);
    while (rc == 0 && node_thash_iter_next(&it, &kv)) {
        rc = rdb_enc_str(enc, kv.f, kv.flen);
        if (rc == 0)
            rc = rdb_enc_str(enc, kv.v, kv.vlen);
    }
    return rc;
}

/* Adds one loaded pair; false on a duplicate field. */
static bool load_pair(struct node_thash *h, const struct node_config *cfg, bool check_len, const struct rdb_elem *f,
                      const struct rdb_elem *v)
{
    if (h->lp && check_len && (!lp_fits(h, cfg, f->len) || !lp_fits(h, cfg, v->len)))
        node_thash_to_hashtable(h);
    if (node_thash_exists(h, (const char *)f->s, f->len))
        return false;
    if (h->lp) {
        h->lp = ds_lp_append(h->lp, f->s, f->len);
        h->lp = ds_lp_append(h->lp, v->s, v->len);
    } else {
        ht_add(h, (const char *)f->s, f->len, (const char *)v->s, v->len);
    }
    return true;
}

/* Redis 7.0.15's encoding choice on load (checked against redis-server with
 * RESTORE): every type becomes a hashtable past the entries limit; only the
 * plain (4) and zipmap (9) types also convert on a field or value longer
 * than the value limit, ziplist (13) and listpack (16) bodies stay compact. */
static enum node_obj_load hook_rdb_load(const struct rdb_value *rv, const struct node_config *cfg, void **out,
                                        const char **why)
{
    struct rdb_iter it;
    struct rdb_elem f, v;
    int rc;

    if (rdb_iter_init(&it, rv) != 0) {
        *why = "hash encoding not supported";
        return NODE_OBJ_LOAD_ERROR;
    }
    bool check_len = rv->type == RDB_TYPE_HASH || rv->type == RDB_TYPE_HASH_ZIPMAP;
    struct node_thash *h = node_thash_new();
    if (it.count >= 0 && (unsigned long long)it.count / 2 > (unsigned long long)cfg->hash_max_listpack_entries)
        node_thash_to_hashtable(h);
    const char *err = NULL;
    while ((rc = rdb_iter_next(&it, &f)) == 1) {
        /* f stays valid while its value is read */
        if (rdb_iter_next(&it, &v) != 1) {
            err = "hash with a field and no value";
            break;
        }
        if (!load_pair(h, cfg, check_len, &f, &v)) {
            err = "duplicate hash field";
            break;
        }
    }
    if (rc < 0 && err == NULL)
        err = "corrupt hash value";
    rdb_iter_free(&it);
    if (err != NULL) {
        node_thash_free(h);
        *why = err;
        return NODE_OBJ_LOAD_ERROR;
    }
    if (node_thash_len(h) == 0) {
        node_thash_free(h);
        return NODE_OBJ_LOAD_EMPTY;
    }
    if (h->lp && node_thash_len(h) > (unsigned long long)cfg->hash_max_listpack_entries)
        node_thash_to_hashtable(h);
    *out = h;
    return NODE_OBJ_LOAD_OK;
}

static void hook_digest(const void *v, uint8_t d[20])
{
    struct node_thash_iter it;
    struct node_thash_kv kv;
    node_thash_iter_init(&it, v);
    while (node_thash_iter_next(&it, &kv)) {
        uint8_t e[NODE_DIGEST_LEN] = {0};
        node_digest_mix(e, kv.f, kv.flen);
        node_digest_mix(e, kv.v, kv.vlen);
        node_digest_xor(d, e, NODE_DIGEST_LEN);
    }
}

static size_t hook_mem(const void *v)
{
    const struct node_thash *h = v;
    size_t n = core_alloc_size(h);
    if (h->lp)
        return n + core_alloc_size(h->lp);
    return n + ds_hash_mem(&h->ht) + h->ht_bytes;
}

const struct node_obj_type node_hash_type = {
    .type = NODE_KS_HASH,
    .name = "hash",
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
