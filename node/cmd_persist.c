/*
 * cmd_persist.c — SAVE, BGSAVE, LASTSAVE, DUMP, RESTORE and RESTORE-ASKING
 * with redis-server 7.0.15's replies, error texts and check order
 * (rdb.md §15).
 *
 * Owns option parsing and replies. Does not own writing or loading values
 * (persist.c, persist_load.c) nor the payload format (replication/rdb.h).
 *
 * A RESTORE payload that is valid but holds a type shoal does not store yet
 * (list, set, zset, hash, stream, module) is refused with
 * "-ERR DUMP payload of type <type> is not supported by this shoal version"
 * (Redis would accept it); garbage gets Redis's "-ERR Bad data format".
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "node/obj.h"
#include "node/block.h"
#include "node/notify.h"
#include "node/watch.h"
#include "node/commands.h"
#include "node/core/core.h"
#include "node/core/core_log.h"
#include "node/persist_int.h"
#include "node/propagate.h"
#include "node/repl.h"
#include "node/server.h"

#define ERR_BG_IN_PROGRESS "ERR Background save already in progress"

void node_cmd_save(struct node_client *c)
{
    if (node_child_running(c->srv) != NODE_CHILD_NONE) {
        node_reply_error(&c->out, ERR_BG_IN_PROGRESS);
        return;
    }
    if (node_persist__save(c->srv) == 0)
        node_reply_ok(&c->out);
    else
        node_reply_error(&c->out, "ERR");
}

/* Every child shoal runs writes an RDB (BGSAVE or a replication snapshot),
 * as Redis's CHILD_TYPE_RDB: both answer "already in progress". */
void node_cmd_bgsave(struct node_client *c)
{
    /* SCHEDULE is accepted and changes nothing: no other kind of child
     * exists for a BGSAVE to wait for. */
    if (c->argc > 1 && (c->argc != 2 || !node_arg_is(c, 1, "schedule"))) {
        node_reply_error(&c->out, NODE_ERR_SYNTAX);
        return;
    }
    if (node_child_running(c->srv) != NODE_CHILD_NONE) {
        node_reply_error(&c->out, ERR_BG_IN_PROGRESS);
    } else if (c->flags & NODE_CLIENT_IN_EXEC) {
        /* A fork inside EXEC would split the transaction's writes. */
        node_persist__schedule_bgsave(c->srv);
        node_reply_simple(&c->out, "Background saving scheduled");
    } else if (node_persist__bgsave(c->srv) == 0) {
        node_reply_simple(&c->out, "Background saving started");
    } else {
        node_reply_error(&c->out, "ERR");
    }
}

void node_cmd_lastsave(struct node_client *c)
{
    node_reply_int(&c->out, node_persist__lastsave(c->srv));
}

/* ---- DUMP ---- */

/* Shared with MIGRATE (cmd_migrate.c), which sends the same payload. */
int node_persist__dump_payload(const struct node_server *srv, const struct node_ks_entry *e, struct rdb_enc *enc)
{
    int type = node_persist__rdb_type(e);
    if (type < 0)
        return -ENOTSUP;
    rdb_enc_init(enc, NULL, NULL, srv->cfg.rdbcompression, true);
    rdb_enc_type(enc, (enum rdb_type)type);
    node_persist__write_body(enc, e);
    rdb_enc_dump_footer(enc);
    return 0;
}

void node_cmd_dump(struct node_client *c)
{
    struct node_ks_entry *e = node_ks_find(c->srv->ks, c->argv[1], c->argl[1], NODE_KS_READ);
    if (!e) {
        node_reply_null(&c->out);
        return;
    }
    struct rdb_enc enc;
    if (node_persist__dump_payload(c->srv, e, &enc) < 0) {
        node_reply_error(&c->out, NODE_PERSIST_ERR_DUMP_TYPE);
        return;
    }
    node_reply_bulk(&c->out, enc.buf, enc.len);
    rdb_enc_free(&enc);
}

/* ---- RESTORE ---- */

struct restore_opts {
    bool replace, absttl;
    long long idle, freq; /* -1 = not given; set the key's LRU time / LFU counter */
};

/* Options after the payload, in Redis's order of checks: an unknown word,
 * or IDLETIME and FREQ together, is a syntax error. */
static bool parse_restore_opts(struct node_client *c, struct restore_opts *o)
{
    *o = (struct restore_opts){.idle = -1, .freq = -1};
    for (int j = 4; j < c->argc; j++) {
        bool more = j + 1 < c->argc;
        if (node_arg_is(c, j, "replace")) {
            o->replace = true;
        } else if (node_arg_is(c, j, "absttl")) {
            o->absttl = true;
        } else if (node_arg_is(c, j, "idletime") && more && o->freq == -1) {
            if (!node_arg_ll(c, ++j, &o->idle, NULL))
                return false;
            if (o->idle < 0) {
                node_reply_error(&c->out, "ERR Invalid IDLETIME value, must be >= 0");
                return false;
            }
        } else if (node_arg_is(c, j, "freq") && more && o->idle == -1) {
            if (!node_arg_ll(c, ++j, &o->freq, NULL))
                return false;
            if (o->freq < 0 || o->freq > 255) {
                node_reply_error(&c->out, "ERR Invalid FREQ value, must be >= 0 and <= 255");
                return false;
            }
        } else {
            node_reply_error(&c->out, NODE_ERR_SYNTAX);
            return false;
        }
    }
    return true;
}

/* Parses and checks the payload; replies and returns false when it is refused. */
static bool parse_payload(struct node_client *c, struct rdb_value *v, struct rdb_scratch *scratch)
{
    enum rdb_dump_result r = rdb_dump_parse((const uint8_t *)c->argv[3], c->argl[3], v, scratch);
    if (r == RDB_DUMP_BAD_FOOTER) {
        node_reply_error(&c->out, "ERR DUMP payload version or checksum are wrong");
        return false;
    }
    if (r != RDB_DUMP_OK) {
        node_reply_error(&c->out, "ERR Bad data format");
        return false;
    }
    if (!node_persist__type_supported(v->type)) {
        const char *name = rdb_type_name(v->type);
        node_reply_errorf(&c->out, "ERR DUMP payload of type %s is not supported by this shoal version",
                          name ? name : "unknown");
        return false;
    }
    return true;
}

/* The key arrived already expired: nothing is created; a key REPLACE
 * removed is propagated as DEL. */
static void restore_expired(struct node_client *c, bool deleted)
{
    if (deleted) {
        const char *argv[2] = {"DEL", c->argv[1]};
        size_t argl[2] = {3, c->argl[1]};
        node_prop_rewrite(c, 2, argv, argl);
        node_server_dirty(c->srv, 1);
        node_key_modified(c->srv, c->argv[1], c->argl[1]);
        node_notify(c->srv, NODE_NOTIFY_GENERIC, "del", c->argv[1], c->argl[1]);
    }
    node_reply_ok(&c->out);
}

/* A relative TTL goes to replicas as an absolute one: RESTORE key <ms> payload ... ABSTTL. */
static void propagate_absttl(struct node_client *c, long long when_ms)
{
    if (!node_prop_wanted(c))
        return;
    char num[32];
    int n = snprintf(num, sizeof(num), "%lld", when_ms);
    const char **argv = core_malloc(sizeof(*argv) * (size_t)(c->argc + 1));
    size_t *argl = core_malloc(sizeof(*argl) * (size_t)(c->argc + 1));
    for (int i = 0; i < c->argc; i++) {
        argv[i] = c->argv[i];
        argl[i] = c->argl[i];
    }
    argv[2] = num;
    argl[2] = (size_t)n;
    argv[c->argc] = "ABSTTL";
    argl[c->argc] = 6;
    node_prop_rewrite(c, c->argc + 1, argv, argl);
    core_free(argv);
    core_free(argl);
}

static void restore(struct node_client *c, const struct restore_opts *o, long long ttl)
{
    struct node_server *srv = c->srv;
    struct rdb_value v;
    struct rdb_scratch scratch = {0};
    if (!parse_payload(c, &v, &scratch)) {
        rdb_scratch_free(&scratch);
        return;
    }
    /* A collection is built before anything changes: a payload its type
     * refuses (duplicate members, or empty) leaves the old key in place,
     * as Redis, which decodes first. */
    const struct node_obj_type *ot = node_obj_type_for_rdb(v.type);
    void *val = NULL;
    const char *why = NULL;
    if (ot && ot->rdb_load(&v, &srv->cfg, &val, &why) != NODE_OBJ_LOAD_OK) {
        core_log(CORE_LOG_VERBOSE, "RESTORE of '%.*s' refused: %s", (int)CORE_MIN(c->argl[1], 128), c->argv[1],
                 why ? why : "empty collection");
        node_reply_error(&c->out, "ERR Bad data format");
        rdb_scratch_free(&scratch);
        return;
    }
    bool deleted = o->replace && node_ks_delete(srv->ks, c->argv[1], c->argl[1]);
    long long now = node_ks_now(srv->ks);
    long long when = ttl;
    if (ttl && !o->absttl)
        when = ttl > LLONG_MAX - now ? LLONG_MAX : ttl + now;
    /* A replica keeps what its master sends (the master will send DEL). */
    if (ttl && when <= now && !repl_is_replica(srv->repl)) {
        if (val)
            ot->free(val);
        restore_expired(c, deleted);
        rdb_scratch_free(&scratch);
        return;
    }
    if (val) {
        node_ks_set_ptr(srv->ks, c->argv[1], c->argl[1], ot->type, val, ttl ? when : -1, 0);
    } else if (node_persist__store(srv, (const uint8_t *)c->argv[1], c->argl[1], &v, ttl ? when : -1, &why) < 0) {
        /* Redis's one text for a payload whose content it refuses
         * (duplicate members, ...); the log says which */
        core_log(CORE_LOG_VERBOSE, "RESTORE of '%.*s' refused: %s", (int)CORE_MIN(c->argl[1], 128), c->argv[1], why);
        node_reply_error(&c->out, "ERR Bad data format");
        rdb_scratch_free(&scratch);
        return;
    }
    rdb_scratch_free(&scratch);
    /* Redis's objectSetLRUOrLFU: each applies only under its policy kind. */
    struct node_ks_entry *e = node_ks_find(srv->ks, c->argv[1], c->argl[1], NODE_KS_NOTOUCH | NODE_KS_NOEXPIRE);
    if (e && o->freq >= 0)
        node_ks_entry_set_freq(srv->ks, e, (unsigned)o->freq);
    if (e && o->idle >= 0)
        node_ks_entry_set_idle(srv->ks, e, o->idle);
    if (ttl && !o->absttl)
        propagate_absttl(c, when);
    node_server_dirty(srv, 1);
    /* As Redis's dbAdd then RESTORE's own signals. */
    node_notify(srv, NODE_NOTIFY_NEW, "new", c->argv[1], c->argl[1]);
    node_key_ready(srv, c->argv[1], c->argl[1]);
    node_key_modified(srv, c->argv[1], c->argl[1]);
    node_notify(srv, NODE_NOTIFY_GENERIC, "restore", c->argv[1], c->argl[1]);
    node_reply_ok(&c->out);
}

void node_cmd_restore(struct node_client *c)
{
    struct restore_opts o;
    if (!parse_restore_opts(c, &o))
        return;
    if (!o.replace && node_ks_find(c->srv->ks, c->argv[1], c->argl[1], 0)) {
        node_reply_error(&c->out, "BUSYKEY Target key name already exists.");
        return;
    }
    long long ttl;
    if (!node_arg_ll(c, 2, &ttl, NULL))
        return;
    if (ttl < 0) {
        node_reply_error(&c->out, "ERR Invalid TTL value, must be >= 0");
        return;
    }
    restore(c, &o, ttl);
}

/* Cluster routing treats it as asked (NODE_CMD_ASKING); the work is RESTORE's. */
void node_cmd_restore_asking(struct node_client *c)
{
    node_cmd_restore(c);
}
