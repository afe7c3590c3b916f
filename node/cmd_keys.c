/*
 * cmd_keys.c — the generic keyspace commands: DEL UNLINK EXISTS TYPE KEYS
 * SCAN RANDOMKEY RENAME RENAMENX COPY TOUCH DBSIZE FLUSHALL FLUSHDB
 * OBJECT ENCODING / HELP and SELECT, with the replies and error texts of
 * redis-server 7.0.15.
 *
 * Owns the semantics of these commands (option parsing, counting rules,
 * which lookups count as keyspace hits). Does not own the hash tables, the
 * SCAN cursor or expiry (node/ks.c), nor glob matching (node/util.c).
 *
 * Only database 0 exists: SELECT and COPY ... DB accept nothing else.
 */
#include "node/obj.h"
#include "node/commands.h"
#include "node/block.h"
#include "node/notify.h"
#include "node/propagate.h"
#include "node/watch.h"
#include "node/core/core.h"
#include "node/util.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ERR_DB_RANGE "ERR DB index is out of range"

/* Buckets KEYS visits per node_ks_scan() call: a whole scan is one command,
 * so this only bounds the work between two checks of the cursor. */
#define KEYS_SCAN_BUCKETS 1024

static const char *type_name(enum node_ks_type t)
{
    switch (t) {
    case NODE_KS_STRING:
        return "string";
    case NODE_KS_LIST:
        return "list";
    case NODE_KS_SET:
        return "set";
    case NODE_KS_ZSET:
        return "zset";
    case NODE_KS_HASH:
        return "hash";
    }
    return "none";
}

static void del_generic(struct node_client *c)
{
    long long deleted = 0;

    for (int j = 1; j < c->argc; j++) {
        if (node_ks_delete(c->srv->ks, c->argv[j], c->argl[j])) {
            node_key_modified(c->srv, c->argv[j], c->argl[j]);
            node_notify(c->srv, NODE_NOTIFY_GENERIC, "del", c->argv[j], c->argl[j]);
            deleted++;
        }
    }
    node_server_dirty(c->srv, (uint64_t)deleted);
    node_reply_int(&c->out, deleted);
}

void node_cmd_del(struct node_client *c)
{
    del_generic(c);
}

/* Values are freed inline: there is no background free thread yet. */
void node_cmd_unlink(struct node_client *c)
{
    del_generic(c);
}

/* EXISTS and TOUCH: a key named twice counts twice. EXISTS leaves the
 * access time alone (Redis's LOOKUP_NOTOUCH); TOUCH exists to update it. */
static void count_existing(struct node_client *c, unsigned flags)
{
    long long n = 0;

    for (int j = 1; j < c->argc; j++) {
        if (node_ks_find(c->srv->ks, c->argv[j], c->argl[j], NODE_KS_READ | flags) != NULL)
            n++;
    }
    node_reply_int(&c->out, n);
}

void node_cmd_exists(struct node_client *c)
{
    count_existing(c, NODE_KS_NOTOUCH);
}

void node_cmd_touch(struct node_client *c)
{
    count_existing(c, 0);
}

void node_cmd_type(struct node_client *c)
{
    struct node_ks_entry *e = node_ks_find(c->srv->ks, c->argv[1], c->argl[1], NODE_KS_READ | NODE_KS_NOTOUCH);

    node_reply_simple(&c->out, e != NULL ? type_name(node_ks_entry_type(e)) : "none");
}

/* Keys collected by a KEYS or SCAN pass. Entries are borrowed: nothing
 * writes to the keyspace between collecting and replying. */
struct collect {
    int64_t now_ms;       /* read once: the callback must not call into the keyspace */
    const char *pat;      /* NULL: every key */
    size_t plen;
    const char *type;     /* NULL: any type */
    size_t tlen;
    size_t seen;          /* keys visited, filtered or not (SCAN's COUNT) */
    const struct node_ks_entry **keys;
    size_t count, cap;
    bool reap;            /* SCAN: remember expired keys, deleted after the reply */
    const struct node_ks_entry **expired;
    size_t nexpired, expired_cap;
};

static void collect_cb(void *ud, const struct node_ks_entry *e)
{
    struct collect *col = ud;
    int64_t when = node_ks_entry_expire(e);
    size_t klen;
    const char *key = node_ks_entry_key(e, &klen);

    col->seen++;
    /* Expired keys are skipped, not deleted: the scan must not write. */
    if (when >= 0 && when < col->now_ms) {
        if (col->reap) {
            if (col->nexpired == col->expired_cap) {
                col->expired_cap = col->expired_cap ? col->expired_cap * 2 : 16;
                col->expired = core_realloc(col->expired, col->expired_cap * sizeof(*col->expired));
            }
            col->expired[col->nexpired++] = e;
        }
        return;
    }
    if (col->pat != NULL && !node_util_glob_match(col->pat, col->plen, key, klen, false))
        return;
    if (col->type != NULL) {
        const char *t = type_name(node_ks_entry_type(e));
        if (strlen(t) != col->tlen || strncasecmp(t, col->type, col->tlen) != 0)
            return;
    }
    if (col->count == col->cap) {
        col->cap = col->cap ? col->cap * 2 : 16;
        col->keys = core_realloc(col->keys, col->cap * sizeof(*col->keys));
    }
    col->keys[col->count++] = e;
}

static void reply_collected(struct node_out *o, struct collect *col)
{
    node_reply_array(o, (long long)col->count);
    for (size_t i = 0; i < col->count; i++) {
        size_t klen;
        const char *key = node_ks_entry_key(col->keys[i], &klen);
        node_reply_bulk(o, key, klen);
    }
    core_free(col->keys);
    col->keys = NULL;
}

/* "*" alone skips matching: it is the only pattern that also matches "". */
static void set_pattern(struct collect *col, const char *pat, size_t plen)
{
    bool all = plen == 1 && pat[0] == '*';
    col->pat = all ? NULL : pat;
    col->plen = plen;
}

void node_cmd_keys(struct node_client *c)
{
    struct collect col = {.now_ms = node_ks_now(c->srv->ks)};
    uint64_t cursor = 0;

    set_pattern(&col, c->argv[1], c->argl[1]);
    do {
        cursor = node_ks_scan(c->srv->ks, cursor, KEYS_SCAN_BUCKETS, collect_cb, &col);
    } while (cursor != 0);
    reply_collected(&c->out, &col);
}


void node_cmd_scan(struct node_client *c)
{
    struct collect col = {.now_ms = node_ks_now(c->srv->ks), .reap = true};
    uint64_t cursor;
    struct node_scan_opts o;
    unsigned long long buckets_max;

    if (!node_util_parse_cursor(c->argv[1], c->argl[1], &cursor)) {
        node_reply_error(&c->out, "ERR invalid cursor");
        return;
    }
    if (!node_scan_parse_opts(c, 2, true, &o))
        return;
    long long count = o.count;
    col.pat = o.pat;
    col.plen = o.plen;
    col.type = o.type;
    col.tlen = o.tlen;
    /* As Redis: one bucket at a time until COUNT keys were seen (before
     * filtering) or ten times COUNT buckets were visited. */
    buckets_max = (unsigned long long)count > ULLONG_MAX / 10 ? ULLONG_MAX : (unsigned long long)count * 10;
    do {
        cursor = node_ks_scan(c->srv->ks, cursor, 1, collect_cb, &col);
    } while (cursor != 0 && buckets_max-- > 0 && col.seen < (unsigned long long)count);

    node_reply_array(&c->out, 2);
    node_reply_cursor(&c->out, cursor);
    reply_collected(&c->out, &col);
    /* As Redis's SCAN, the expired keys it met go now (a master deletes
     * them and sends DEL; a lookup on a replica only hides them). Entries
     * never move, so the other pointers stay valid while one is deleted. */
    for (size_t i = 0; i < col.nexpired; i++) {
        size_t klen;
        const char *key = node_ks_entry_key(col.expired[i], &klen);
        char *copy = core_malloc(klen + 1);
        memcpy(copy, key, klen);
        node_ks_find(c->srv->ks, copy, klen, 0);
        core_free(copy);
    }
    core_free(col.expired);
}

void node_cmd_randomkey(struct node_client *c)
{
    struct node_ks_entry *e = node_ks_random(c->srv->ks);
    size_t klen;
    const char *key;

    if (e == NULL) {
        node_reply_null(&c->out);
        return;
    }
    key = node_ks_entry_key(e, &klen);
    node_reply_bulk(&c->out, key, klen);
}

/* argv[j] was just created by RENAME/COPY (Redis's dbAdd): "new", and a
 * list or zset may serve clients blocked on it. */
static void key_added(struct node_client *c, int j)
{
    node_notify(c->srv, NODE_NOTIFY_NEW, "new", c->argv[j], c->argl[j]);
    node_key_ready(c->srv, c->argv[j], c->argl[j]);
}

static bool same_arg(const struct node_client *c, int a, int b)
{
    return c->argl[a] == c->argl[b] && memcmp(c->argv[a], c->argv[b], c->argl[a]) == 0;
}

/*
 * Clears the way for writing argv[dst]: deletes it if present (and replace),
 * then looks up argv[src] again since any write may move entries. Returns the
 * source entry, or NULL after replying :0 (destination exists, no replace).
 */
static struct node_ks_entry *clear_dest(struct node_client *c, int src, int dst, bool replace)
{
    struct node_ks *ks = c->srv->ks;
    struct node_ks_entry *d = node_ks_find(ks, c->argv[dst], c->argl[dst], 0);

    if (d != NULL) {
        if (!replace) {
            node_reply_int(&c->out, 0);
            return NULL;
        }
        node_ks_delete_entry(ks, d);
    }
    return node_ks_find(ks, c->argv[src], c->argl[src], 0);
}

static void rename_generic(struct node_client *c, bool nx)
{
    struct node_ks *ks = c->srv->ks;
    struct node_ks_entry *e = node_ks_find(ks, c->argv[1], c->argl[1], 0);

    if (e == NULL) {
        node_reply_error(&c->out, NODE_ERR_NO_SUCH_KEY);
        return;
    }
    if (same_arg(c, 1, 2)) {
        if (nx)
            node_reply_int(&c->out, 0);
        else
            node_reply_ok(&c->out);
        return;
    }
    e = clear_dest(c, 1, 2, !nx);
    if (e == NULL)
        return;
    node_ks_rename(ks, &e, c->argv[2], c->argl[2]);
    node_server_dirty(c->srv, 1);
    key_added(c, 2);
    node_key_modified(c->srv, c->argv[1], c->argl[1]);
    node_key_modified(c->srv, c->argv[2], c->argl[2]);
    node_notify(c->srv, NODE_NOTIFY_GENERIC, "rename_from", c->argv[1], c->argl[1]);
    node_notify(c->srv, NODE_NOTIFY_GENERIC, "rename_to", c->argv[2], c->argl[2]);
    if (nx)
        node_reply_int(&c->out, 1);
    else
        node_reply_ok(&c->out);
}

void node_cmd_rename(struct node_client *c)
{
    rename_generic(c, false);
}

void node_cmd_renamenx(struct node_client *c)
{
    rename_generic(c, true);
}

/* Parses an int-range integer as Redis's getIntFromObjectOrReply(). */
static bool arg_int(struct node_client *c, int i, int *ret)
{
    long long v;

    if (!node_arg_ll(c, i, &v, NULL))
        return false;
    if (v < INT_MIN || v > INT_MAX) {
        node_reply_error(&c->out, "ERR value is out of range, value must between -2147483648 and 2147483647");
        return false;
    }
    *ret = (int)v;
    return true;
}

void node_cmd_copy(struct node_client *c)
{
    struct node_ks *ks = c->srv->ks;
    bool replace = false;
    struct node_ks_entry *e;

    for (int j = 3; j < c->argc; j++) {
        int db;
        if (node_arg_is(c, j, "replace")) {
            replace = true;
        } else if (node_arg_is(c, j, "db") && j + 1 < c->argc) {
            if (!arg_int(c, ++j, &db))
                return;
            if (db != 0) {
                node_reply_error(&c->out, c->srv->cfg.cluster_enabled
                                              ? "ERR Copying to another database is not allowed in cluster mode"
                                              : ERR_DB_RANGE);
                return;
            }
        } else {
            node_reply_error(&c->out, NODE_ERR_SYNTAX);
            return;
        }
    }
    if (same_arg(c, 1, 2)) {
        node_reply_error(&c->out, "ERR source and destination objects are the same");
        return;
    }
    if (node_ks_find(ks, c->argv[1], c->argl[1], NODE_KS_READ) == NULL) {
        node_reply_int(&c->out, 0);
        return;
    }
    e = clear_dest(c, 1, 2, replace);
    if (e == NULL)
        return;
    node_ks_copy(ks, e, c->argv[2], c->argl[2]);
    node_server_dirty(c->srv, 1);
    key_added(c, 2);
    node_key_modified(c->srv, c->argv[2], c->argl[2]);
    node_notify(c->srv, NODE_NOTIFY_GENERIC, "copy_to", c->argv[2], c->argl[2]);
    node_reply_int(&c->out, 1);
}

void node_cmd_dbsize(struct node_client *c)
{
    node_reply_int(&c->out, (long long)node_ks_size(c->srv->ks));
}

/* FLUSHALL/FLUSHDB [ASYNC|SYNC]: both free inline. */
static bool flush_args_ok(struct node_client *c)
{
    if (c->argc == 1 || (c->argc == 2 && (node_arg_is(c, 1, "sync") || node_arg_is(c, 1, "async"))))
        return true;
    node_reply_error(&c->out, NODE_ERR_SYNTAX);
    return false;
}

void node_cmd_flushall(struct node_client *c)
{
    if (!flush_args_ok(c))
        return;
    /* As 7.0 without save points: only the keys count (Redis adds one more
     * only around the RDB save that FLUSHALL triggers when saving is on). */
    node_watch_before_flush(c->srv, NULL);
    node_server_dirty(c->srv, node_ks_flush(c->srv->ks));
    node_prop_force(c); /* replicas flush too, even when this node was empty */
    node_reply_ok(&c->out);
}

void node_cmd_flushdb(struct node_client *c)
{
    if (!flush_args_ok(c))
        return;
    node_watch_before_flush(c->srv, NULL);
    node_server_dirty(c->srv, node_ks_flush(c->srv->ks));
    node_prop_force(c); /* replicas flush too, even when this node was empty */
    node_reply_ok(&c->out);
}

void node_cmd_object_encoding(struct node_client *c)
{
    struct node_ks_entry *e = node_ks_find(c->srv->ks, c->argv[2], c->argl[2], NODE_KS_READ | NODE_KS_NOTOUCH);

    if (e == NULL) {
        node_reply_null(&c->out);
        return;
    }
    const struct node_obj_type *ot = node_obj_type(node_ks_entry_type(e));
    if (ot && ot->encoding)
        node_reply_bulk_cstr(&c->out, ot->encoding(node_ks_entry_ptr(e)));
    else
        node_reply_bulk_cstr(&c->out, node_ks_entry_encoding(e));
}

void node_cmd_object_help(struct node_client *c)
{
    /* Redis 7.0.15's text, verbatim, so clients that show it see the same. */
    static const char *const lines[] = {
        "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "ENCODING <key>",
        "    Return the kind of internal representation used in order to store the value",
        "    associated with a <key>.",
        "FREQ <key>",
        "    Return the access frequency index of the <key>. The returned integer is",
        "    proportional to the logarithm of the recent access frequency of the key.",
        "IDLETIME <key>",
        "    Return the idle time of the <key>, that is the approximated number of",
        "    seconds elapsed since the last access to the key.",
        "REFCOUNT <key>",
        "    Return the number of references of the value associated with the specified",
        "    <key>.",
        "HELP",
        "    Prints this help.",
    };

    node_reply_array(&c->out, (long long)CORE_ARRAY_LEN(lines));
    for (size_t i = 0; i < CORE_ARRAY_LEN(lines); i++)
        node_reply_simple(&c->out, lines[i]);
}

void node_cmd_select(struct node_client *c)
{
    int id;

    if (!arg_int(c, 1, &id))
        return;
    if (c->srv->cfg.cluster_enabled && id != 0)
        node_reply_error(&c->out, "ERR SELECT is not allowed in cluster mode");
    else if (id != 0)
        node_reply_error(&c->out, ERR_DB_RANGE);
    else
        node_reply_ok(&c->out);
}
