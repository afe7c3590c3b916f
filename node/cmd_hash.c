/*
 * cmd_hash.c — the hash commands: HSET HSETNX HGET HMGET HMSET HDEL HLEN
 * HSTRLEN HEXISTS HKEYS HVALS HGETALL HINCRBY HINCRBYFLOAT HRANDFIELD HSCAN,
 * with redis-server 7.0.15's replies, error texts and their precedence,
 * keyspace events ("hset", "hdel", "hincrby", "hincrbyfloat", "del") and
 * replication stream (HINCRBYFLOAT goes out as HSET of its result, so a
 * replica never redoes the float arithmetic).
 *
 * Owns the semantics of these commands. Does not own the hash value and its
 * encodings (t_hash.c) nor the keyspace (ks.c).
 */
#include "node/commands.h"
#include "node/config.h"
#include "node/core/core.h"
#include "node/notify.h"
#include "node/propagate.h"
#include "node/t_hash.h"
#include "node/util.h"
#include "node/watch.h"

#include <limits.h>
#include <math.h>
#include <string.h>

/* Room for HINCRBYFLOAT's human format of any finite long double (Redis's
 * MAX_LONG_DOUBLE_CHARS): %.17Lf of the largest one is about 4950 bytes. */
#define HASH_LDBUF_SIZE 5120
/* HRANDFIELD with a negative count draws and replies this many fields at a
 * time, so a huge count needs no huge array. */
#define HASH_RANDOM_BATCH 1024

#define ERR_HASH_NOT_INT "ERR hash value is not an integer"
#define ERR_HASH_NOT_FLOAT "ERR hash value is not a float"
#define ERR_INCR_NAN "ERR increment would produce NaN or Infinity"
#define ERR_VALUE_NAN "ERR value is NaN or Infinity"
#define ERR_RANGE "ERR value is out of range"
#define ERR_RAND_RANGE "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"

/* ---- helpers ---- */

static uint64_t hash_rand(void *ud)
{
    (void)ud;
    return core_random_u64();
}

/* The hash at argv[1]: 1 and *ret set, 0 if absent, -1 after replying
 * WRONGTYPE. *ret_e (if not NULL) gets the entry. */
static int find_hash(struct node_client *c, unsigned flags, struct node_ks_entry **ret_e, struct node_thash **ret)
{
    struct node_ks_entry *e = node_ks_find(c->srv->ks, c->argv[1], c->argl[1], flags);
    if (e == NULL)
        return 0;
    if (node_ks_entry_type(e) != NODE_KS_HASH) {
        node_reply_error(&c->out, NODE_ERR_WRONGTYPE);
        return -1;
    }
    if (ret_e)
        *ret_e = e;
    *ret = node_ks_entry_ptr(e);
    return 1;
}

/* The hash a write command changes: the stored one, or a new empty one
 * (*created) the caller stores with store_new once it holds a field.
 * NULL after replying WRONGTYPE. */
static struct node_thash *hash_for_write(struct node_client *c, bool *created)
{
    struct node_thash *h = NULL;
    int r = find_hash(c, 0, NULL, &h);
    *created = r == 0;
    if (r < 0)
        return NULL;
    return r == 0 ? node_thash_new() : h;
}

static void store_new(struct node_client *c, struct node_thash *h)
{
    node_ks_set_ptr(c->srv->ks, c->argv[1], c->argl[1], NODE_KS_HASH, h, -1, 0);
    node_notify(c->srv, NODE_NOTIFY_NEW, "new", c->argv[1], c->argl[1]);
}

/* After a write that changed the hash at argv[1]: WATCH, the event, dirty. */
static void hash_changed(struct node_client *c, const char *event, uint64_t dirty)
{
    node_key_modified(c->srv, c->argv[1], c->argl[1]);
    node_notify(c->srv, NODE_NOTIFY_HASH, event, c->argv[1], c->argl[1]);
    node_server_dirty(c->srv, dirty);
}

/* ---- HSET HMSET HSETNX ---- */

static void hset_generic(struct node_client *c, bool reply_ok)
{
    bool created;
    struct node_thash *h;
    long long added = 0;

    if (c->argc % 2 == 1) {
        node_reply_arity_error(c);
        return;
    }
    if ((h = hash_for_write(c, &created)) == NULL)
        return;
    /* Redis's hashTypeTryConversion: any long argument converts first */
    for (int j = 2; j < c->argc; j++)
        node_thash_fit(h, &c->srv->cfg, c->argl[j]);
    for (int j = 2; j < c->argc; j += 2)
        added += node_thash_set(h, &c->srv->cfg, c->argv[j], c->argl[j], c->argv[j + 1], c->argl[j + 1]);
    if (created)
        store_new(c, h);
    if (reply_ok)
        node_reply_ok(&c->out);
    else
        node_reply_int(&c->out, added);
    hash_changed(c, "hset", (uint64_t)(c->argc - 2) / 2);
}

void node_cmd_hset(struct node_client *c)
{
    hset_generic(c, false);
}

void node_cmd_hmset(struct node_client *c)
{
    hset_generic(c, true);
}

void node_cmd_hsetnx(struct node_client *c)
{
    bool created;
    struct node_thash *h = hash_for_write(c, &created);
    if (h == NULL)
        return;
    if (!created && node_thash_exists(h, c->argv[2], c->argl[2])) {
        node_reply_int(&c->out, 0);
        return;
    }
    node_thash_fit(h, &c->srv->cfg, c->argl[2]);
    node_thash_fit(h, &c->srv->cfg, c->argl[3]);
    node_thash_set(h, &c->srv->cfg, c->argv[2], c->argl[2], c->argv[3], c->argl[3]);
    if (created)
        store_new(c, h);
    node_reply_int(&c->out, 1);
    hash_changed(c, "hset", 1);
}

/* ---- reads of single fields ---- */

void node_cmd_hget(struct node_client *c)
{
    struct node_thash *h;
    char buf[DS_LP_INTBUF];
    const char *v;
    size_t vlen;
    int r = find_hash(c, NODE_KS_READ, NULL, &h);
    if (r < 0)
        return;
    if (r == 0 || !node_thash_get(h, c->argv[2], c->argl[2], buf, &v, &vlen))
        node_reply_null(&c->out);
    else
        node_reply_bulk(&c->out, v, vlen);
}

void node_cmd_hmget(struct node_client *c)
{
    struct node_thash *h = NULL;
    char buf[DS_LP_INTBUF];
    const char *v;
    size_t vlen;
    int r = find_hash(c, NODE_KS_READ, NULL, &h);
    if (r < 0)
        return;
    node_reply_array(&c->out, c->argc - 2);
    for (int j = 2; j < c->argc; j++) {
        if (r == 0 || !node_thash_get(h, c->argv[j], c->argl[j], buf, &v, &vlen))
            node_reply_null(&c->out);
        else
            node_reply_bulk(&c->out, v, vlen);
    }
}

void node_cmd_hlen(struct node_client *c)
{
    struct node_thash *h;
    int r = find_hash(c, NODE_KS_READ, NULL, &h);
    if (r >= 0)
        node_reply_int(&c->out, r == 0 ? 0 : (long long)node_thash_len(h));
}

void node_cmd_hstrlen(struct node_client *c)
{
    struct node_thash *h;
    char buf[DS_LP_INTBUF];
    const char *v;
    size_t vlen = 0;
    int r = find_hash(c, NODE_KS_READ, NULL, &h);
    if (r < 0)
        return;
    if (r == 0 || !node_thash_get(h, c->argv[2], c->argl[2], buf, &v, &vlen))
        vlen = 0;
    node_reply_int(&c->out, (long long)vlen);
}

void node_cmd_hexists(struct node_client *c)
{
    struct node_thash *h;
    int r = find_hash(c, NODE_KS_READ, NULL, &h);
    if (r >= 0)
        node_reply_int(&c->out, r == 1 && node_thash_exists(h, c->argv[2], c->argl[2]));
}

/* ---- HDEL ---- */

void node_cmd_hdel(struct node_client *c)
{
    struct node_ks_entry *e;
    struct node_thash *h;
    long long deleted = 0;
    bool removed = false;
    int r = find_hash(c, 0, &e, &h);
    if (r <= 0) {
        if (r == 0)
            node_reply_int(&c->out, 0);
        return;
    }
    for (int j = 2; j < c->argc; j++) {
        if (node_thash_del(h, c->argv[j], c->argl[j]))
            deleted++;
        if (node_thash_len(h) == 0) {
            node_ks_delete_entry(c->srv->ks, e);
            removed = true;
            break;
        }
    }
    node_reply_int(&c->out, deleted);
    if (deleted == 0)
        return;
    hash_changed(c, "hdel", (uint64_t)deleted);
    if (removed)
        node_notify(c->srv, NODE_NOTIFY_GENERIC, "del", c->argv[1], c->argl[1]);
}

/* ---- whole-hash reads ---- */

enum getall_what { GETALL_KEYS = 1, GETALL_VALS = 2, GETALL_BOTH = 3 };

static void getall_generic(struct node_client *c, enum getall_what what)
{
    struct node_thash *h;
    struct node_thash_iter it;
    struct node_thash_kv kv;
    int r = find_hash(c, NODE_KS_READ, NULL, &h);
    if (r < 0)
        return;
    long long n = r == 0 ? 0 : (long long)node_thash_len(h);
    if (what == GETALL_BOTH)
        node_reply_map(&c->out, n);
    else
        node_reply_array(&c->out, n);
    if (r == 0)
        return;
    node_thash_iter_init(&it, h);
    while (node_thash_iter_next(&it, &kv)) {
        if (what & GETALL_KEYS)
            node_reply_bulk(&c->out, kv.f, kv.flen);
        if (what & GETALL_VALS)
            node_reply_bulk(&c->out, kv.v, kv.vlen);
    }
}

void node_cmd_hkeys(struct node_client *c)
{
    getall_generic(c, GETALL_KEYS);
}

void node_cmd_hvals(struct node_client *c)
{
    getall_generic(c, GETALL_VALS);
}

void node_cmd_hgetall(struct node_client *c)
{
    getall_generic(c, GETALL_BOTH);
}

/* ---- HINCRBY HINCRBYFLOAT ---- */

void node_cmd_hincrby(struct node_client *c)
{
    long long incr, value = 0;
    bool created;
    struct node_thash *h;
    char buf[DS_LP_INTBUF], out[DS_LP_INTBUF];
    const char *v;
    size_t vlen;

    if (!node_arg_ll(c, 3, &incr, NULL) || (h = hash_for_write(c, &created)) == NULL)
        return;
    if (!created && node_thash_get(h, c->argv[2], c->argl[2], buf, &v, &vlen) &&
        !node_util_parse_ll(v, vlen, &value)) {
        node_reply_error(&c->out, ERR_HASH_NOT_INT);
        return;
    }
    if ((incr < 0 && value < 0 && incr < LLONG_MIN - value) || (incr > 0 && value > 0 && incr > LLONG_MAX - value)) {
        if (created)
            node_thash_free(h);
        node_reply_error(&c->out, NODE_ERR_OVERFLOW);
        return;
    }
    value += incr;
    size_t len = node_util_ll2str(out, value);
    node_thash_set(h, &c->srv->cfg, c->argv[2], c->argl[2], out, len);
    if (created)
        store_new(c, h);
    node_reply_int(&c->out, value);
    hash_changed(c, "hincrby", 1);
}

void node_cmd_hincrbyfloat(struct node_client *c)
{
    long double value = 0, incr;
    bool created;
    struct node_thash *h;
    char buf[DS_LP_INTBUF];
    const char *v;
    size_t vlen;

    if (!node_util_parse_ldouble(c->argv[3], c->argl[3], &incr)) {
        node_reply_error(&c->out, NODE_ERR_NOT_FLOAT);
        return;
    }
    if (isnan(incr) || isinf(incr)) {
        node_reply_error(&c->out, ERR_VALUE_NAN);
        return;
    }
    if ((h = hash_for_write(c, &created)) == NULL)
        return;
    if (!created && node_thash_get(h, c->argv[2], c->argl[2], buf, &v, &vlen) &&
        !node_util_parse_ldouble(v, vlen, &value)) {
        node_reply_error(&c->out, ERR_HASH_NOT_FLOAT);
        return;
    }
    value += incr;
    char *out = core_malloc(HASH_LDBUF_SIZE);
    size_t len = isnan(value) || isinf(value) ? 0 : node_util_ld2str(out, HASH_LDBUF_SIZE, value);
    if (len == 0) {
        if (created)
            node_thash_free(h);
        core_free(out);
        node_reply_error(&c->out, ERR_INCR_NAN);
        return;
    }
    node_thash_set(h, &c->srv->cfg, c->argv[2], c->argl[2], out, len);
    if (created)
        store_new(c, h);
    node_reply_bulk(&c->out, out, len);
    hash_changed(c, "hincrbyfloat", 1);
    const char *argv[4] = {"HSET", c->argv[1], c->argv[2], out};
    size_t argl[4] = {4, c->argl[1], c->argl[2], len};
    node_prop_rewrite(c, 4, argv, argl);
    core_free(out);
}

/* ---- HRANDFIELD ---- */

static void reply_pick(struct node_client *c, const struct node_thash *h, node_thash_pick p, bool withvalues)
{
    char fbuf[DS_LP_INTBUF], vbuf[DS_LP_INTBUF];
    struct node_thash_kv kv;
    node_thash_pick_kv(h, p, fbuf, vbuf, &kv);
    if (withvalues && c->out.proto >= 3)
        node_reply_array(&c->out, 2);
    node_reply_bulk(&c->out, kv.f, kv.flen);
    if (withvalues)
        node_reply_bulk(&c->out, kv.v, kv.vlen);
}

static void reply_random_header(struct node_client *c, size_t count, bool withvalues)
{
    if (withvalues && c->out.proto < 3)
        node_reply_array(&c->out, (long long)count * 2);
    else
        node_reply_array(&c->out, (long long)count);
}

/* HRANDFIELD key count [WITHVALUES]: a negative count may repeat fields. */
static void hrandfield_count(struct node_client *c, long long l, bool withvalues)
{
    struct node_thash *h;
    int r = find_hash(c, NODE_KS_READ, NULL, &h);
    if (r < 0)
        return;
    size_t count = l >= 0 ? (size_t)l : (size_t)-l, size = r == 0 ? 0 : node_thash_len(h);
    bool uniq = l >= 0;
    if (count == 0 || size == 0) {
        node_reply_array(&c->out, 0);
        return;
    }
    if (!uniq || count == 1) {
        node_thash_pick batch[HASH_RANDOM_BATCH];
        reply_random_header(c, count, withvalues);
        for (size_t done = 0; done < count;) {
            size_t n = CORE_MIN(count - done, (size_t)HASH_RANDOM_BATCH);
            node_thash_random(h, n, false, hash_rand, NULL, batch);
            for (size_t i = 0; i < n; i++)
                reply_pick(c, h, batch[i], withvalues);
            done += n;
        }
        return;
    }
    if (count >= size) {
        struct node_thash_iter it;
        struct node_thash_kv kv;
        reply_random_header(c, size, withvalues);
        node_thash_iter_init(&it, h);
        while (node_thash_iter_next(&it, &kv)) {
            if (withvalues && c->out.proto >= 3)
                node_reply_array(&c->out, 2);
            node_reply_bulk(&c->out, kv.f, kv.flen);
            if (withvalues)
                node_reply_bulk(&c->out, kv.v, kv.vlen);
        }
        return;
    }
    node_thash_pick *picks = core_malloc(count * sizeof(*picks));
    node_thash_random(h, count, true, hash_rand, NULL, picks);
    reply_random_header(c, count, withvalues);
    for (size_t i = 0; i < count; i++)
        reply_pick(c, h, picks[i], withvalues);
    core_free(picks);
}

void node_cmd_hrandfield(struct node_client *c)
{
    if (c->argc >= 3) {
        long long l;
        if (!node_arg_ll(c, 2, &l, NULL))
            return;
        if (l < -LLONG_MAX) {
            node_reply_error(&c->out, ERR_RAND_RANGE);
            return;
        }
        if (c->argc > 4 || (c->argc == 4 && !node_arg_is(c, 3, "withvalues"))) {
            node_reply_error(&c->out, NODE_ERR_SYNTAX);
            return;
        }
        if (c->argc == 4 && (l < -LLONG_MAX / 2 || l > LLONG_MAX / 2)) {
            node_reply_error(&c->out, ERR_RANGE);
            return;
        }
        hrandfield_count(c, l, c->argc == 4);
        return;
    }
    struct node_thash *h;
    node_thash_pick p;
    int r = find_hash(c, NODE_KS_READ, NULL, &h);
    if (r < 0)
        return;
    if (r == 0) {
        node_reply_null(&c->out);
        return;
    }
    node_thash_random(h, 1, false, hash_rand, NULL, &p);
    reply_pick(c, h, p, false);
}

/* ---- HSCAN ---- */



struct scan_col {
    struct node_thash_kv *kv;
    size_t n, cap;
};

static void scan_collect(void *ud, const struct node_thash_kv *kv)
{
    struct scan_col *col = ud;
    if (col->n == col->cap) {
        col->cap = col->cap ? col->cap * 2 : 16;
        col->kv = core_realloc(col->kv, col->cap * sizeof(*col->kv));
    }
    col->kv[col->n++] = *kv;
}

static bool scan_match(const struct node_scan_opts *o, const struct node_thash_kv *kv)
{
    return o->pat == NULL || node_util_glob_match(o->pat, o->plen, kv->f, kv->flen, false);
}

/* A listpack hash is returned whole, with cursor 0, as Redis does. */
static void hscan_listpack(struct node_client *c, const struct node_thash *h, const struct node_scan_opts *o)
{
    struct node_thash_iter it;
    struct node_thash_kv kv;
    long long n = 0;
    node_thash_iter_init(&it, h);
    while (node_thash_iter_next(&it, &kv))
        n += scan_match(o, &kv);
    node_reply_array(&c->out, 2);
    node_reply_cursor(&c->out, 0);
    node_reply_array(&c->out, n * 2);
    node_thash_iter_init(&it, h);
    while (node_thash_iter_next(&it, &kv)) {
        if (!scan_match(o, &kv))
            continue;
        node_reply_bulk(&c->out, kv.f, kv.flen);
        node_reply_bulk(&c->out, kv.v, kv.vlen);
    }
}

void node_cmd_hscan(struct node_client *c)
{
    uint64_t cursor;
    struct node_thash *h;
    struct node_scan_opts o;

    if (!node_util_parse_cursor(c->argv[2], c->argl[2], &cursor)) {
        node_reply_error(&c->out, "ERR invalid cursor");
        return;
    }
    int r = find_hash(c, NODE_KS_READ, NULL, &h);
    if (r < 0)
        return;
    if (r == 0) {
        node_reply_array(&c->out, 2);
        node_reply_cursor(&c->out, 0);
        node_reply_array(&c->out, 0);
        return;
    }
    if (!node_scan_parse_opts(c, 3, false, &o))
        return;
    if (node_thash_is_listpack(h)) {
        hscan_listpack(c, h, &o);
        return;
    }
    /* As Redis: one bucket at a time until COUNT elements (fields and
     * values both count) were seen or ten times COUNT buckets visited. */
    struct scan_col col = {NULL, 0, 0};
    unsigned long long max_iter =
        (unsigned long long)o.count > ULLONG_MAX / 10 ? ULLONG_MAX : (unsigned long long)o.count * 10;
    do
        cursor = node_thash_scan(h, cursor, scan_collect, &col);
    while (cursor != 0 && max_iter-- > 0 && col.n * 2 < (unsigned long long)o.count);
    long long n = 0;
    for (size_t i = 0; i < col.n; i++)
        n += scan_match(&o, &col.kv[i]);
    node_reply_array(&c->out, 2);
    node_reply_cursor(&c->out, cursor);
    node_reply_array(&c->out, n * 2);
    for (size_t i = 0; i < col.n; i++) {
        if (!scan_match(&o, &col.kv[i]))
            continue;
        node_reply_bulk(&c->out, col.kv[i].f, col.kv[i].flen);
        node_reply_bulk(&c->out, col.kv[i].v, col.kv[i].vlen);
    }
    core_free(col.kv);
}
