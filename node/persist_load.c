/*
 * persist_load.c — an RDB read back into the keyspace: dump.rdb at start-up
 * and, fed chunk by chunk, a replica's full-sync payload (rdb.md §8.5,
 * replication.md §4.3, §8.3).
 *
 * Owns: the incremental loader (buffering an incomplete record across
 * chunks, honouring the decoder's need hint so a big value is parsed once),
 * mapping each decoded value to a keyspace entry (one function per type:
 * node_persist__store), the rules a loader enforces (only database 0, no
 * duplicate keys, expired keys dropped by a master, types shoal does not
 * hold refused by name), the aux fields' replication identity, and the
 * loading_* INFO fields. Does not own the byte decoding (replication/rdb.h)
 * nor what the caller does on failure (it empties the keyspace).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "node/core/core.h"
#include "node/core/core_log.h"
#include "node/obj.h"
#include "node/persist_int.h"
#include "node/repl.h"
#include "node/server.h"
#include "node/text.h"

/* Bytes read from dump.rdb per read(). */
#define LOAD_READ_CHUNK ((size_t)1 << 20)
/* Longest aux value we interpret as a number or an id (others are skipped). */
#define AUX_NUM_MAX 64

struct node_persist_loader {
    struct node_server *srv;
    unsigned flags;
    struct rdb_dec dec;
    uint8_t *tail;             /* unconsumed bytes: the start of an incomplete record */
    size_t tail_len, tail_cap;
    int64_t now_ms;
    int64_t start_s;           /* unix seconds, INFO loading_start_time */
    uint64_t total_bytes;      /* 0 = unknown */
    uint64_t rdb_used_mem;     /* aux used-mem: the estimate when total is unknown */
    int status;                /* 0 running, 1 done, -1 failed */
    bool has_id, has_offset, has_db;
    struct node_persist_load_info info;
    char err[320];
};

/* ---- RDB value -> keyspace ---- */

static int store_string(struct node_server *srv, const uint8_t *key, size_t klen, const struct rdb_value *v,
                        int64_t expire_ms)
{
    node_ks_set_str(srv->ks, (const char *)key, klen, (const char *)v->str, v->len, expire_ms, 0);
    return 0;
}

/* A collection goes through its type's hooks (node/obj.h). */
static int store_collection(struct node_server *srv, const struct node_obj_type *ot, const uint8_t *key, size_t klen,
                            const struct rdb_value *v, int64_t expire_ms, const char **why)
{
    void *val = NULL;
    enum node_obj_load r = ot->rdb_load(v, &srv->cfg, &val, why);
    if (r == NODE_OBJ_LOAD_ERROR)
        return -1;
    if (r == NODE_OBJ_LOAD_EMPTY)
        return 1; /* Redis skips an empty collection (it cannot exist) */
    node_ks_set_ptr(srv->ks, (const char *)key, klen, ot->type, val, expire_ms, 0);
    return 0;
}

bool node_persist__type_supported(int rdb_type)
{
    if (rdb_type == RDB_TYPE_STRING)
        return true;
    const struct node_obj_type *ot = node_obj_type_for_rdb(rdb_type);
    return ot && ot->rdb_load;
}

int node_persist__store(struct node_server *srv, const uint8_t *key, size_t klen, const struct rdb_value *v,
                        int64_t expire_ms, const char **why)
{
    if (klen > NODE_KS_LEN_MAX || (v->type == RDB_TYPE_STRING && v->len > NODE_KS_LEN_MAX)) {
        *why = "key or value too long";
        return -1;
    }
    if (v->type == RDB_TYPE_STRING)
        return store_string(srv, key, klen, v, expire_ms);
    if (!node_persist__type_supported(v->type)) {
        *why = "type not supported by this shoal version";
        return -1;
    }
    return store_collection(srv, node_obj_type_for_rdb(v->type), key, klen, v, expire_ms, why);
}

/* ---- decoder callbacks ---- */

/* The aux value as a NUL-terminated number, or false if it is not one. */
static bool aux_ll(const uint8_t *val, size_t vlen, long long *out)
{
    char buf[AUX_NUM_MAX];
    if (vlen == 0 || vlen >= sizeof(buf))
        return false;
    memcpy(buf, val, vlen);
    buf[vlen] = '\0';
    char *end;
    errno = 0;
    long long v = strtoll(buf, &end, 10);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

static bool aux_is(const uint8_t *name, size_t nlen, const char *lit)
{
    return nlen == strlen(lit) && memcmp(name, lit, nlen) == 0;
}

/* The aux fields Redis logs, and the replication identity (spec §8.3). */
static int on_aux(void *ud, const uint8_t *name, size_t nlen, const uint8_t *val, size_t vlen)
{
    struct node_persist_loader *ld = ud;
    long long v = 0;
    int vl = vlen > 64 ? 64 : (int)vlen;
    if (aux_is(name, nlen, "redis-ver")) {
        core_log(CORE_LOG_NOTICE, "Loading RDB produced by version %.*s", vl, (const char *)val);
    } else if (aux_is(name, nlen, "ctime") && aux_ll(val, vlen, &v)) {
        long long age = ld->now_ms / 1000 - v;
        core_log(CORE_LOG_NOTICE, "RDB age %lld seconds", age < 0 ? 0 : age);
    } else if (aux_is(name, nlen, "used-mem") && aux_ll(val, vlen, &v)) {
        ld->rdb_used_mem = v > 0 ? (uint64_t)v : 0;
        core_log(CORE_LOG_NOTICE, "RDB memory usage when created %.2f Mb", (double)v / (1024 * 1024));
    } else if (aux_is(name, nlen, "repl-id")) {
        ld->has_id = vlen == REPL_ID_LEN;
        if (ld->has_id) {
            memcpy(ld->info.replid, val, vlen);
            ld->info.replid[vlen] = '\0';
        }
    } else if (aux_is(name, nlen, "repl-offset") && aux_ll(val, vlen, &v)) {
        ld->info.offset = v;
        ld->has_offset = v != -1;
    } else if (aux_is(name, nlen, "repl-stream-db") && aux_ll(val, vlen, &v)) {
        ld->info.stream_db = (int)(v >= 0 && v < 16 ? v : -1);
        ld->has_db = v != -1;
    } else if (nlen > 0 && name[0] == '%') {
        core_log(CORE_LOG_NOTICE, "RDB '%.*s': %.*s", (int)(nlen > 64 ? 64 : nlen), (const char *)name, vl,
                 (const char *)val);
    }
    return 0;
}

static int on_select_db(void *ud, uint64_t db)
{
    struct node_persist_loader *ld = ud;
    if (db != 0) {
        rdb_dec_fail(&ld->dec, "the RDB names database %" PRIu64 "; shoal has only database 0", db);
        return -1;
    }
    return 0;
}

/* IDLE / FREQ prefixes: each applies only under the matching policy kind
 * (the keyspace ignores the other), as Redis's objectSetLRUOrLFU. */
static void set_access(struct node_server *srv, const struct rdb_key *k)
{
    if (k->idle_s < 0 && k->freq < 0)
        return;
    struct node_ks_entry *e =
        node_ks_find(srv->ks, (const char *)k->key, k->klen, NODE_KS_NOTOUCH | NODE_KS_NOEXPIRE);
    if (!e)
        return;
    if (k->freq >= 0)
        node_ks_entry_set_freq(srv->ks, e, (unsigned)k->freq);
    if (k->idle_s >= 0)
        node_ks_entry_set_idle(srv->ks, e, k->idle_s);
}

static int on_key(void *ud, const struct rdb_key *k)
{
    struct node_persist_loader *ld = ud;
    struct node_persist_state *st = node_persist__state(ld->srv);
    if (k->db != 0)
        return on_select_db(ud, k->db);
    int klen = k->klen > 128 ? 128 : (int)k->klen;
    bool keep = (ld->flags & NODE_PERSIST_KEEP_EXPIRED) != 0;
    if (!node_persist__type_supported(k->val.type)) {
        const char *name = rdb_type_name(k->val.type);
        rdb_dec_fail(&ld->dec, "key '%.*s': type %s is not supported by this shoal version", klen,
                     (const char *)k->key, name ? name : "unknown");
        return -1;
    }
    if (!keep && k->expire_ms != -1 && k->expire_ms < ld->now_ms) {
        ld->info.expired_skipped++;
        st->last_load_keys_expired++;
        return 0;
    }
    size_t before = node_ks_size(ld->srv->ks);
    const char *why = NULL;
    int stored = node_persist__store(ld->srv, k->key, k->klen, &k->val, k->expire_ms, &why);
    if (stored < 0) {
        rdb_dec_fail(&ld->dec, "key '%.*s': %s", klen, (const char *)k->key, why);
        return -1;
    }
    if (stored == 1) {
        core_log(CORE_LOG_WARNING, "rdbLoadObject skipping empty key: %.*s", klen, (const char *)k->key);
        ld->info.empty_skipped++;
        return 0;
    }
    /* Storing replaced a key instead of adding one: Redis refuses such a file. */
    if (node_ks_size(ld->srv->ks) == before) {
        rdb_dec_fail(&ld->dec, "Duplicated key '%.*s' found in RDB file", klen, (const char *)k->key);
        return -1;
    }
    set_access(ld->srv, k);
    ld->info.keys_loaded++;
    st->last_load_keys_loaded++;
    return 0;
}

static const struct rdb_dec_cb loader_cb = {
    .aux = on_aux,
    .select_db = on_select_db,
    .key = on_key,
};

/* ---- the incremental loader ---- */

struct node_persist_loader *node_persist_loader_new(struct node_server *srv, unsigned flags)
{
    struct node_persist_state *st = node_persist__state(srv);
    struct node_persist_loader *ld = core_calloc(1, sizeof(*ld));
    ld->srv = srv;
    ld->flags = flags;
    ld->now_ms = core_time_ms();
    ld->start_s = ld->now_ms / 1000;
    ld->info.offset = -1;
    rdb_dec_init(&ld->dec, &loader_cb, ld, srv->cfg.rdbchecksum ? 0 : RDB_DEC_NO_CHECKSUM);
    /* Keys are judged expired against one "now" for the whole load. */
    node_ks_set_now(srv->ks, ld->now_ms);
    st->last_load_keys_loaded = 0;
    st->last_load_keys_expired = 0;
    st->loader = ld;
    srv->loading = true;
    return ld;
}

void node_persist_loader_set_total(struct node_persist_loader *ld, uint64_t total_bytes)
{
    ld->total_bytes = total_bytes;
}

static int loader_fail(struct node_persist_loader *ld)
{
    ld->status = -1;
    if (!ld->err[0])
        snprintf(ld->err, sizeof(ld->err), "%s (at byte %" PRIu64 ")",
                 ld->dec.err[0] ? ld->dec.err : "RDB decoding failed", ld->dec.consumed);
    return -1;
}

/* Keeps bytes the decoder could not use yet; the tail is sized for the
 * whole record when the decoder said how big it is. */
static int tail_append(struct node_persist_loader *ld, const uint8_t *p, size_t n)
{
    size_t want = ld->tail_len + n;
    if (want > NODE_PERSIST_RECORD_MAX || ld->dec.need > NODE_PERSIST_RECORD_MAX) {
        snprintf(ld->err, sizeof(ld->err), "an RDB record at byte %" PRIu64 " is larger than %zu bytes",
                 ld->dec.consumed, NODE_PERSIST_RECORD_MAX);
        return -1;
    }
    if (ld->dec.need > want)
        want = ld->dec.need;
    if (want > ld->tail_cap) {
        size_t cap = ld->tail_cap ? ld->tail_cap : 4096;
        while (cap < want)
            cap *= 2;
        ld->tail = core_realloc(ld->tail, cap);
        ld->tail_cap = cap;
    }
    memcpy(ld->tail + ld->tail_len, p, n);
    ld->tail_len += n;
    return 0;
}

/* Runs the decoder over p[0..n); returns bytes consumed, status updated. */
static size_t decode(struct node_persist_loader *ld, const uint8_t *p, size_t n)
{
    size_t used = rdb_dec_feed(&ld->dec, p, n);
    if (ld->dec.status == RDB_DEC_DONE)
        ld->status = 1;
    else if (ld->dec.status == RDB_DEC_ERROR)
        loader_fail(ld);
    return used;
}

int node_persist_loader_feed(struct node_persist_loader *ld, const void *buf, size_t len, size_t *used)
{
    *used = 0;
    if (ld->status != 0)
        return ld->status;
    const uint8_t *p = buf;
    if (ld->tail_len == 0) {
        /* Common case: decode straight from the caller's buffer. */
        size_t n = decode(ld, p, len);
        if (ld->status != 0) {
            *used = n;
            return ld->status;
        }
        if (tail_append(ld, p + n, len - n) < 0)
            return loader_fail(ld);
        *used = len;
        return 0;
    }
    if (tail_append(ld, p, len) < 0)
        return loader_fail(ld);
    *used = len;
    if (ld->dec.need > ld->tail_len)
        return 0; /* the pending record is still incomplete: do not re-parse it */
    size_t n = decode(ld, ld->tail, ld->tail_len);
    size_t rest = ld->tail_len - n;
    if (ld->status == 1) {
        /* What follows the trailer came from this buf (the tail before it
         * held only an incomplete record); hand it back. */
        *used = rest <= len ? len - rest : 0;
        ld->tail_len = 0;
        return 1;
    }
    if (ld->status < 0)
        return -1;
    memmove(ld->tail, ld->tail + n, rest);
    ld->tail_len = rest;
    return 0;
}

const char *node_persist_loader_error(const struct node_persist_loader *ld)
{
    return ld->err[0] ? ld->err : ld->dec.err;
}

const struct node_persist_load_info *node_persist_loader_info(const struct node_persist_loader *ld)
{
    /* has_repl is decided here, once every aux field has been seen. */
    struct node_persist_loader *m = (struct node_persist_loader *)ld;
    m->info.has_repl = ld->has_id && ld->has_offset && ld->has_db;
    if (!ld->has_db)
        m->info.stream_db = 0;
    return &ld->info;
}

void node_persist_loader_free(struct node_persist_loader *ld)
{
    if (!ld)
        return;
    struct node_persist_state *st = node_persist__state(ld->srv);
    if (st->loader == ld)
        st->loader = NULL;
    ld->srv->loading = false;
    rdb_dec_free(&ld->dec);
    core_free(ld->tail);
    core_free(ld);
}

void node_persist__loading_info(struct node_server *srv, struct node_text *t)
{
    const struct node_persist_loader *ld = node_persist__state(srv)->loader;
    if (!ld)
        return;
    uint64_t loaded = ld->dec.consumed + ld->tail_len;
    uint64_t total = ld->total_bytes ? ld->total_bytes : ld->rdb_used_mem;
    double perc = 0;
    uint64_t remaining = 1;
    if (total) {
        perc = (double)loaded * 100.0 / (double)total;
        remaining = total > loaded ? total - loaded : 1;
        if (!ld->total_bytes && perc > 99.99)
            perc = 99.99; /* used-mem is only an estimate of the size */
    }
    int64_t elapsed = core_time_ms() / 1000 - ld->start_s;
    int64_t eta = elapsed <= 0 ? 1 : (int64_t)((uint64_t)elapsed * remaining / (loaded + 1));
    node_text_printf(t,
                     "loading_start_time:%lld\r\nloading_total_bytes:%llu\r\nloading_rdb_used_mem:%llu\r\n"
                     "loading_loaded_bytes:%llu\r\nloading_loaded_perc:%.2f\r\nloading_eta_seconds:%lld\r\n",
                     (long long)ld->start_s, (unsigned long long)ld->total_bytes,
                     (unsigned long long)ld->rdb_used_mem, (unsigned long long)loaded, perc, (long long)eta);
}

/* ---- dump.rdb at start-up ---- */

/* Feeds the whole file; 0 when the RDB ended properly, else -1 with err. */
static int load_fd(struct node_persist_loader *ld, int fd, const char *fn, char *err, size_t errsize)
{
    uint8_t *buf = core_malloc(LOAD_READ_CHUNK);
    int rc = 0;
    for (;;) {
        ssize_t n = read(fd, buf, LOAD_READ_CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            snprintf(err, errsize, "error reading '%s': %s", fn, strerror(errno));
            rc = -1;
            break;
        }
        if (n == 0) {
            snprintf(err, errsize, "'%s' is truncated: it ends after %" PRIu64 " bytes, before the RDB EOF marker",
                     fn, ld->dec.consumed + ld->tail_len);
            rc = -1;
            break;
        }
        size_t used;
        int r = node_persist_loader_feed(ld, buf, (size_t)n, &used);
        if (r < 0) {
            snprintf(err, errsize, "'%s' can't be loaded: %s", fn, node_persist_loader_error(ld));
            rc = -1;
            break;
        }
        if (r == 1) {
            if (used < (size_t)n)
                core_log(CORE_LOG_WARNING, "'%s' has bytes after the RDB checksum; ignored", fn);
            break;
        }
    }
    core_free(buf);
    return rc;
}

int node_persist_load_startup(struct node_server *srv, struct node_persist_load_info *info, char *err, size_t errsize)
{
    memset(info, 0, sizeof(*info));
    info->offset = -1;
    const char *fn = srv->cfg.dbfilename ? srv->cfg.dbfilename : "dump.rdb";
    int fd = open(fn, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return 0;
        snprintf(err, errsize, "can't open '%s': %s", fn, strerror(errno));
        return -1;
    }
    struct stat sb;
    unsigned flags = repl_is_replica(srv->repl) ? NODE_PERSIST_KEEP_EXPIRED : 0;
    struct node_persist_loader *ld = node_persist_loader_new(srv, flags);
    if (fstat(fd, &sb) == 0)
        node_persist_loader_set_total(ld, (uint64_t)sb.st_size);
    int rc = load_fd(ld, fd, fn, err, errsize);
    close(fd);
    if (rc == 0) {
        *info = *node_persist_loader_info(ld);
        if (info->empty_skipped)
            core_log(CORE_LOG_NOTICE, "Done loading RDB, keys loaded: %llu, keys expired: %llu, empty keys "
                     "skipped: %llu.", (unsigned long long)info->keys_loaded,
                     (unsigned long long)info->expired_skipped, (unsigned long long)info->empty_skipped);
        else
            core_log(CORE_LOG_NOTICE, "Done loading RDB, keys loaded: %llu, keys expired: %llu.",
                     (unsigned long long)info->keys_loaded, (unsigned long long)info->expired_skipped);
    } else {
        /* Never serve part of a file. */
        node_ks_flush(srv->ks);
    }
    node_persist_loader_free(ld);
    return rc;
}
