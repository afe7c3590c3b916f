/*
 * cmd_string.c — the string commands: GET SET SETNX SETEX PSETEX GETSET
 * GETDEL GETEX MGET MSET MSETNX APPEND STRLEN INCR DECR INCRBY DECRBY
 * INCRBYFLOAT GETRANGE SETRANGE, with the replies, error texts and error
 * precedence of redis-server 7.0.15.
 *
 * Owns option parsing and the semantics of each command. Does not own the
 * value layout or expiry (node/ks.c), number parsing (node/util.c), nor
 * arity and flag checks, which the dispatcher does before a proc runs.
 *
 * GET and plain SET are the benchmark's hot path: one keyspace lookup, no
 * allocation and no printf-style formatting on their way.
 */
#include "node/commands.h"
#include "node/core/core.h"
#include "node/notify.h"
#include "node/propagate.h"
#include "node/watch.h"
#include "node/util.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* Room for INCRBYFLOAT's human format of any finite long double: %.17Lf of
 * the largest one is about 4950 characters. */
#define STRING_LDBUF_SIZE 5120

#define ERR_TOO_BIG "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
#define ERR_NOT_FLOAT "ERR value is not a valid float"

/* Options of SET (COMMAND_SET) and GETEX (COMMAND_GET), as Redis's
 * parseExtendedStringArgumentsOrReply() accepts them. */
enum set_flag {
    SET_NX = 1u << 0,
    SET_XX = 1u << 1,
    SET_GET = 1u << 2,
    SET_KEEPTTL = 1u << 3,
    SET_PERSIST = 1u << 4,
    SET_EX = 1u << 5,
    SET_PX = 1u << 6,
    SET_EXAT = 1u << 7,
    SET_PXAT = 1u << 8,
};
#define SET_ANY_EXPIRE (SET_EX | SET_PX | SET_EXAT | SET_PXAT)

struct set_opt {
    const char *name;
    unsigned flag;
    unsigned conflicts; /* flags already set that make this option a syntax error */
    bool for_set, for_getex, takes_arg;
};

static const struct set_opt set_opts[] = {
    {"nx", SET_NX, SET_XX, true, false, false},
    {"xx", SET_XX, SET_NX, true, false, false},
    {"get", SET_GET, 0, true, false, false},
    {"keepttl", SET_KEEPTTL, SET_PERSIST | SET_ANY_EXPIRE, true, false, false},
    {"persist", SET_PERSIST, SET_KEEPTTL | SET_ANY_EXPIRE, false, true, false},
    /* An expiry kind may repeat (the last value wins) but not mix with another. */
    {"ex", SET_EX, SET_KEEPTTL | SET_PERSIST | (SET_ANY_EXPIRE & ~SET_EX), true, true, true},
    {"px", SET_PX, SET_KEEPTTL | SET_PERSIST | (SET_ANY_EXPIRE & ~SET_PX), true, true, true},
    {"exat", SET_EXAT, SET_KEEPTTL | SET_PERSIST | (SET_ANY_EXPIRE & ~SET_EXAT), true, true, true},
    {"pxat", SET_PXAT, SET_KEEPTTL | SET_PERSIST | (SET_ANY_EXPIRE & ~SET_PXAT), true, true, true},
};

struct set_args {
    unsigned flags;
    int expire_index; /* argv index of the expiry value, 0 if none */
};

/* Parses options from argv[first] on. Replies a syntax error and returns
 * false on an unknown, misplaced or conflicting option. */
static bool parse_set_args(struct node_client *c, int first, bool is_set, struct set_args *ret)
{
    struct set_args a = {0, 0};

    for (int j = first; j < c->argc; j++) {
        const struct set_opt *o = NULL;
        for (size_t k = 0; k < CORE_ARRAY_LEN(set_opts); k++) {
            if (node_arg_is(c, j, set_opts[k].name)) {
                o = &set_opts[k];
                break;
            }
        }
        if (o == NULL || (a.flags & o->conflicts) || !(is_set ? o->for_set : o->for_getex) ||
            (o->takes_arg && j + 1 >= c->argc)) {
            node_reply_error(&c->out, NODE_ERR_SYNTAX);
            return false;
        }
        a.flags |= o->flag;
        if (o->takes_arg)
            a.expire_index = ++j;
    }
    *ret = a;
    return true;
}

/*
 * The absolute expiry in unix ms named by argv[i] under the unit and base of
 * flags (EX/PX relative to now, EXAT/PXAT absolute). Replies and returns
 * false if it is not an integer, not positive, or overflows.
 */
static bool set_expire_ms(struct node_client *c, int i, unsigned flags, int64_t *ret_ms)
{
    long long v;
    bool seconds = flags & (SET_EX | SET_EXAT);

    if (!node_arg_ll(c, i, &v, NULL))
        return false;
    if (v <= 0 || (seconds && v > LLONG_MAX / 1000)) {
        node_reply_invalid_expire(c);
        return false;
    }
    if (seconds)
        v *= 1000;
    if (flags & (SET_EX | SET_PX)) {
        int64_t now = node_ks_now(c->srv->ks);
        if (v > LLONG_MAX - now) {
            node_reply_invalid_expire(c);
            return false;
        }
        v += now;
    }
    *ret_ms = v;
    return true;
}

/* Keys and values longer than the entry layout holds are refused as an
 * oversized APPEND is; only reachable with proto-max-bulk-len above 4 GB. */
static bool fits(struct node_client *c, int i)
{
    if (c->argl[i] <= NODE_KS_LEN_MAX)
        return true;
    node_reply_error(&c->out, ERR_TOO_BIG);
    return false;
}

/* Would a string of size + append bytes be too long? Replies if so. */
static bool total_fits(struct node_client *c, unsigned long long size, unsigned long long append)
{
    unsigned long long max = (unsigned long long)c->srv->cfg.proto_max_bulk_len;

    if (max > NODE_KS_LEN_MAX)
        max = NODE_KS_LEN_MAX;
    if (append > max || size > max - append) {
        node_reply_error(&c->out, ERR_TOO_BIG);
        return false;
    }
    return true;
}

/* Replies WRONGTYPE and returns false unless e (non-NULL) is a string. */
static bool is_string(struct node_client *c, const struct node_ks_entry *e)
{
    if (node_ks_entry_type(e) == NODE_KS_STRING)
        return true;
    node_reply_error(&c->out, NODE_ERR_WRONGTYPE);
    return false;
}

static void reply_value(struct node_out *o, const struct node_ks_entry *e)
{
    char buf[NODE_KS_INTBUF];
    size_t len;
    const char *p = node_ks_str_get(e, buf, &len);
    node_reply_bulk(o, p, len);
}

/* GET's behaviour, shared by GETSET, GETDEL and SET ... GET: replies the
 * value or null and sets *ret_e (NULL if missing). False after WRONGTYPE. */
static bool get_generic(struct node_client *c, struct node_ks_entry **ret_e)
{
    struct node_ks_entry *e = node_ks_find(c->srv->ks, c->argv[1], c->argl[1], NODE_KS_READ);

    if (e == NULL) {
        node_reply_null(&c->out);
    } else if (!is_string(c, e)) {
        return false;
    } else {
        reply_value(&c->out, e);
    }
    *ret_e = e;
    return true;
}

void node_cmd_get(struct node_client *c)
{
    struct node_ks_entry *e = node_ks_find(c->srv->ks, c->argv[1], c->argl[1], NODE_KS_READ);

    if (e == NULL)
        node_reply_null(&c->out);
    else if (is_string(c, e))
        reply_value(&c->out, e);
}

/* ---- what the replication stream gets (spec replication.md §5.2) ---- */

/* SET key value PXAT ms: every expiring form reaches replicas as an absolute time. */
static void prop_set_pxat(struct node_client *c, int val_index, int64_t when)
{
    char ms[32];
    const char *argv[5] = {"SET", c->argv[1], c->argv[val_index], "PXAT", ms};
    size_t argl[5] = {3, c->argl[1], c->argl[val_index], 4, 0};
    argl[4] = (size_t)snprintf(ms, sizeof(ms), "%lld", (long long)when);
    node_prop_rewrite(c, 5, argv, argl);
}

/* SET ... GET without an expiry: the same command minus GET. */
static void prop_set_without_get(struct node_client *c)
{
    const char *argv[16];
    size_t argl[16];
    int n = 0;
    for (int i = 0; i < c->argc && n < (int)CORE_ARRAY_LEN(argv); i++) {
        if (i >= 3 && node_arg_is(c, i, "get"))
            continue;
        argv[n] = c->argv[i];
        argl[n++] = c->argl[i];
    }
    node_prop_rewrite(c, n, argv, argl);
}

/* A fixed command over the key: DEL key, PERSIST key ... */
static void prop_key_cmd(struct node_client *c, const char *name, int64_t ms)
{
    char num[32];
    const char *argv[3] = {name, c->argv[1], num};
    size_t argl[3] = {strlen(name), c->argl[1], 0};
    if (ms >= 0)
        argl[2] = (size_t)snprintf(num, sizeof(num), "%lld", (long long)ms);
    node_prop_rewrite(c, ms >= 0 ? 3 : 2, argv, argl);
}

/* Whether key argv[j] is absent before a write, when anyone listens for
 * "new" (a lookup otherwise not needed on SET's fast path). */
static bool new_wanted(struct node_client *c, int j)
{
    return (c->srv->cfg.notify_keyspace_events & NODE_NOTIFY_NEW) &&
           !node_ks_find(c->srv->ks, c->argv[j], c->argl[j], NODE_KS_NOEXPIRE | NODE_KS_NOTOUCH);
}

/* After a write of key argv[j]: WATCH, then Redis 7.0's events ("new"
 * first when the write created it, as dbAdd sends it). */
static void signal_write(struct node_client *c, int j, int cls, const char *event, bool created)
{
    struct node_server *srv = c->srv;
    node_key_modified(srv, c->argv[j], c->argl[j]);
    if (created)
        node_notify(srv, NODE_NOTIFY_NEW, "new", c->argv[j], c->argl[j]);
    node_notify(srv, cls, event, c->argv[j], c->argl[j]);
}

/* SET with options: the slow path, which may need a lookup before the write. */
static void set_with_args(struct node_client *c)
{
    struct node_ks *ks = c->srv->ks;
    struct set_args a;
    int64_t expire_ms = -1;
    struct node_ks_entry *e;

    if (!parse_set_args(c, 3, true, &a))
        return;
    if (a.expire_index != 0 && !set_expire_ms(c, a.expire_index, a.flags, &expire_ms))
        return;
    if (a.flags & SET_GET) {
        if (!get_generic(c, &e))
            return;
    } else if (a.flags & (SET_NX | SET_XX)) {
        e = node_ks_find(ks, c->argv[1], c->argl[1], 0);
    } else {
        e = NULL;
    }
    if (((a.flags & SET_NX) && e != NULL) || ((a.flags & SET_XX) && e == NULL)) {
        if (!(a.flags & SET_GET))
            node_reply_null(&c->out);
        return;
    }
    bool created = (a.flags & (SET_GET | SET_NX | SET_XX)) ? e == NULL : new_wanted(c, 1);
    node_ks_set_str(ks, c->argv[1], c->argl[1], c->argv[2], c->argl[2], expire_ms,
                    (a.flags & SET_KEEPTTL) ? NODE_KS_KEEPTTL : 0);
    node_server_dirty(c->srv, 1);
    signal_write(c, 1, NODE_NOTIFY_STRING, "set", created);
    if (expire_ms != -1)
        node_notify(c->srv, NODE_NOTIFY_GENERIC, "expire", c->argv[1], c->argl[1]);
    if (expire_ms != -1)
        prop_set_pxat(c, 2, expire_ms);
    else if (a.flags & SET_GET)
        prop_set_without_get(c);
    if (!(a.flags & SET_GET))
        node_reply_ok(&c->out);
}

void node_cmd_set(struct node_client *c)
{
    if (!fits(c, 1) || !fits(c, 2))
        return;
    if (c->argc > 3) {
        set_with_args(c);
        return;
    }
    bool created = new_wanted(c, 1);
    node_ks_set_str(c->srv->ks, c->argv[1], c->argl[1], c->argv[2], c->argl[2], -1, 0);
    node_server_dirty(c->srv, 1);
    signal_write(c, 1, NODE_NOTIFY_STRING, "set", created);
    node_reply_ok(&c->out);
}

void node_cmd_setnx(struct node_client *c)
{
    struct node_ks *ks = c->srv->ks;

    if (!fits(c, 1) || !fits(c, 2))
        return;
    if (node_ks_find(ks, c->argv[1], c->argl[1], 0) != NULL) {
        node_reply_int(&c->out, 0);
        return;
    }
    node_ks_set_str(ks, c->argv[1], c->argl[1], c->argv[2], c->argl[2], -1, 0);
    node_server_dirty(c->srv, 1);
    signal_write(c, 1, NODE_NOTIFY_STRING, "set", true);
    node_reply_int(&c->out, 1);
}

/* SETEX key seconds value / PSETEX key milliseconds value */
static void setex_generic(struct node_client *c, unsigned unit_flag)
{
    int64_t expire_ms;

    if (!fits(c, 1) || !fits(c, 3))
        return;
    if (!set_expire_ms(c, 2, unit_flag, &expire_ms))
        return;
    bool created = new_wanted(c, 1);
    node_ks_set_str(c->srv->ks, c->argv[1], c->argl[1], c->argv[3], c->argl[3], expire_ms, 0);
    node_server_dirty(c->srv, 1);
    signal_write(c, 1, NODE_NOTIFY_STRING, "set", created);
    node_notify(c->srv, NODE_NOTIFY_GENERIC, "expire", c->argv[1], c->argl[1]);
    prop_set_pxat(c, 3, expire_ms);
    node_reply_ok(&c->out);
}

void node_cmd_setex(struct node_client *c)
{
    setex_generic(c, SET_EX);
}

void node_cmd_psetex(struct node_client *c)
{
    setex_generic(c, SET_PX);
}

void node_cmd_getset(struct node_client *c)
{
    struct node_ks_entry *e;

    if (!fits(c, 1) || !fits(c, 2))
        return;
    if (!get_generic(c, &e))
        return;
    node_ks_set_str(c->srv->ks, c->argv[1], c->argl[1], c->argv[2], c->argl[2], -1, 0);
    node_server_dirty(c->srv, 1);
    signal_write(c, 1, NODE_NOTIFY_STRING, "set", e == NULL);
    const char *argv[3] = {"SET", c->argv[1], c->argv[2]};
    size_t argl[3] = {3, c->argl[1], c->argl[2]};
    node_prop_rewrite(c, 3, argv, argl);
}

void node_cmd_getdel(struct node_client *c)
{
    struct node_ks_entry *e;

    if (!get_generic(c, &e) || e == NULL)
        return;
    node_ks_delete_entry(c->srv->ks, e);
    node_server_dirty(c->srv, 1);
    signal_write(c, 1, NODE_NOTIFY_GENERIC, "del", false);
    prop_key_cmd(c, "DEL", -1);
}

/* Applies GETEX's expiry option to e after its value was replied. */
static void getex_apply(struct node_client *c, struct node_ks_entry *e, const struct set_args *a,
                        int64_t expire_ms)
{
    struct node_ks *ks = c->srv->ks;

    if ((a->flags & (SET_EXAT | SET_PXAT)) && expire_ms <= node_ks_now(ks)) {
        node_ks_delete_entry(ks, e);
        node_server_dirty(c->srv, 1);
        signal_write(c, 1, NODE_NOTIFY_GENERIC, "del", false);
        prop_key_cmd(c, "DEL", -1);
    } else if (a->expire_index != 0) {
        node_ks_set_expire(ks, &e, expire_ms);
        node_server_dirty(c->srv, 1);
        signal_write(c, 1, NODE_NOTIFY_GENERIC, "expire", false);
        prop_key_cmd(c, "PEXPIREAT", expire_ms);
    } else if ((a->flags & SET_PERSIST) && node_ks_entry_expire(e) != -1) {
        node_ks_set_expire(ks, &e, -1);
        node_server_dirty(c->srv, 1);
        signal_write(c, 1, NODE_NOTIFY_GENERIC, "persist", false);
        prop_key_cmd(c, "PERSIST", -1);
    }
}

void node_cmd_getex(struct node_client *c)
{
    struct set_args a;
    struct node_ks_entry *e;
    int64_t expire_ms = -1;

    if (!parse_set_args(c, 2, false, &a))
        return;
    e = node_ks_find(c->srv->ks, c->argv[1], c->argl[1], NODE_KS_READ);
    if (e == NULL) {
        node_reply_null(&c->out);
        return;
    }
    if (!is_string(c, e))
        return;
    /* The expiry is validated only once the key is known to be a string. */
    if (a.expire_index != 0 && !set_expire_ms(c, a.expire_index, a.flags, &expire_ms))
        return;
    reply_value(&c->out, e);
    getex_apply(c, e, &a, expire_ms);
}

void node_cmd_mget(struct node_client *c)
{
    struct node_ks *ks = c->srv->ks;

    node_reply_array(&c->out, c->argc - 1);
    for (int j = 1; j < c->argc; j++) {
        struct node_ks_entry *e = node_ks_find(ks, c->argv[j], c->argl[j], NODE_KS_READ);
        if (e == NULL || node_ks_entry_type(e) != NODE_KS_STRING)
            node_reply_null(&c->out);
        else
            reply_value(&c->out, e);
    }
}

/* Checks MSET/MSETNX's pairs; replies and returns false if they are wrong. */
static bool mset_args_ok(struct node_client *c)
{
    if (c->argc % 2 == 0) {
        node_reply_arity_error(c);
        return false;
    }
    for (int j = 1; j < c->argc; j++) {
        if (!fits(c, j))
            return false;
    }
    return true;
}

static void mset_all(struct node_client *c)
{
    for (int j = 1; j < c->argc; j += 2) {
        bool created = new_wanted(c, j);
        node_ks_set_str(c->srv->ks, c->argv[j], c->argl[j], c->argv[j + 1], c->argl[j + 1], -1, 0);
        signal_write(c, j, NODE_NOTIFY_STRING, "set", created);
    }
    node_server_dirty(c->srv, (uint64_t)(c->argc - 1) / 2);
}

void node_cmd_mset(struct node_client *c)
{
    if (!mset_args_ok(c))
        return;
    mset_all(c);
    node_reply_ok(&c->out);
}

void node_cmd_msetnx(struct node_client *c)
{
    if (!mset_args_ok(c))
        return;
    for (int j = 1; j < c->argc; j += 2) {
        if (node_ks_find(c->srv->ks, c->argv[j], c->argl[j], 0) != NULL) {
            node_reply_int(&c->out, 0);
            return;
        }
    }
    mset_all(c);
    node_reply_int(&c->out, 1);
}

void node_cmd_append(struct node_client *c)
{
    struct node_ks *ks = c->srv->ks;
    struct node_ks_entry *e = node_ks_find(ks, c->argv[1], c->argl[1], 0);
    size_t old, add = c->argl[2];
    char *p;

    if (e == NULL) {
        if (!fits(c, 1) || !fits(c, 2))
            return;
        node_ks_set_str(ks, c->argv[1], c->argl[1], c->argv[2], add, -1, 0);
        node_server_dirty(c->srv, 1);
        signal_write(c, 1, NODE_NOTIFY_STRING, "append", true);
        node_reply_int(&c->out, (long long)add);
        return;
    }
    if (!is_string(c, e))
        return;
    old = node_ks_str_len(e);
    if (!total_fits(c, old, add))
        return;
    p = node_ks_str_resize(ks, &e, old + add);
    memcpy(p + old, c->argv[2], add);
    node_server_dirty(c->srv, 1);
    signal_write(c, 1, NODE_NOTIFY_STRING, "append", false);
    node_reply_int(&c->out, (long long)(old + add));
}

void node_cmd_strlen(struct node_client *c)
{
    struct node_ks_entry *e = node_ks_find(c->srv->ks, c->argv[1], c->argl[1], NODE_KS_READ);

    if (e == NULL)
        node_reply_int(&c->out, 0);
    else if (is_string(c, e))
        node_reply_int(&c->out, (long long)node_ks_str_len(e));
}

/* The integer value of string entry e; an int-encoded value is read without
 * parsing text. Replies and returns false if the text is not an integer. */
static bool entry_ll(struct node_client *c, const struct node_ks_entry *e, long long *ret)
{
    int64_t v;
    char buf[NODE_KS_INTBUF];
    size_t len;
    const char *p;

    if (node_ks_str_get_int(e, &v)) {
        *ret = v;
        return true;
    }
    p = node_ks_str_get(e, buf, &len);
    if (node_util_parse_ll(p, len, ret))
        return true;
    node_reply_error(&c->out, NODE_ERR_NOT_INT);
    return false;
}

static void incr_by(struct node_client *c, long long incr)
{
    struct node_ks *ks = c->srv->ks;
    struct node_ks_entry *e = node_ks_find(ks, c->argv[1], c->argl[1], 0);
    long long v = 0;

    if (e != NULL && (!is_string(c, e) || !entry_ll(c, e, &v)))
        return;
    if ((incr < 0 && v < 0 && incr < LLONG_MIN - v) || (incr > 0 && v > 0 && incr > LLONG_MAX - v)) {
        node_reply_error(&c->out, NODE_ERR_OVERFLOW);
        return;
    }
    v += incr;
    node_ks_set_int(ks, c->argv[1], c->argl[1], v, -1, NODE_KS_KEEPTTL);
    node_server_dirty(c->srv, 1);
    signal_write(c, 1, NODE_NOTIFY_STRING, "incrby", e == NULL);
    node_reply_int(&c->out, v);
}

void node_cmd_incr(struct node_client *c)
{
    incr_by(c, 1);
}

void node_cmd_decr(struct node_client *c)
{
    incr_by(c, -1);
}

void node_cmd_incrby(struct node_client *c)
{
    long long incr;

    if (node_arg_ll(c, 2, &incr, NULL))
        incr_by(c, incr);
}

void node_cmd_decrby(struct node_client *c)
{
    long long decr;

    if (!node_arg_ll(c, 2, &decr, NULL))
        return;
    if (decr == LLONG_MIN) {
        node_reply_error(&c->out, "ERR decrement would overflow");
        return;
    }
    incr_by(c, -decr);
}

/* The long double value of string entry e (INCRBYFLOAT). */
static bool entry_ld(const struct node_ks_entry *e, long double *ret)
{
    int64_t v;
    char buf[NODE_KS_INTBUF];
    size_t len;
    const char *p;

    if (node_ks_str_get_int(e, &v)) {
        *ret = (long double)v;
        return true;
    }
    p = node_ks_str_get(e, buf, &len);
    return node_util_parse_ldouble(p, len, ret);
}

void node_cmd_incrbyfloat(struct node_client *c)
{
    struct node_ks *ks = c->srv->ks;
    struct node_ks_entry *e = node_ks_find(ks, c->argv[1], c->argl[1], 0);
    long double v = 0, incr;
    char buf[STRING_LDBUF_SIZE];
    size_t len;

    if (e != NULL && !is_string(c, e))
        return;
    if ((e != NULL && !entry_ld(e, &v)) || !node_util_parse_ldouble(c->argv[2], c->argl[2], &incr)) {
        node_reply_error(&c->out, ERR_NOT_FLOAT);
        return;
    }
    v += incr;
    if (isnan(v) || isinf(v)) {
        node_reply_error(&c->out, "ERR increment would produce NaN or Infinity");
        return;
    }
    len = node_util_ld2str(buf, sizeof(buf), v);
    node_ks_set_str(ks, c->argv[1], c->argl[1], buf, len, -1, NODE_KS_KEEPTTL);
    node_server_dirty(c->srv, 1);
    signal_write(c, 1, NODE_NOTIFY_STRING, "incrbyfloat", e == NULL);
    const char *argv[4] = {"SET", c->argv[1], buf, "KEEPTTL"};
    size_t argl[4] = {3, c->argl[1], len, 7};
    node_prop_rewrite(c, 4, argv, argl);
    node_reply_bulk(&c->out, buf, len);
}

void node_cmd_getrange(struct node_client *c)
{
    long long start, end, n;
    struct node_ks_entry *e;
    char buf[NODE_KS_INTBUF];
    size_t len;
    const char *p;

    if (!node_arg_ll(c, 2, &start, NULL) || !node_arg_ll(c, 3, &end, NULL))
        return;
    e = node_ks_find(c->srv->ks, c->argv[1], c->argl[1], NODE_KS_READ);
    if (e == NULL) {
        node_reply_bulk(&c->out, "", 0);
        return;
    }
    if (!is_string(c, e))
        return;
    p = node_ks_str_get(e, buf, &len);
    n = (long long)len;
    if (start < 0 && end < 0 && start > end) {
        node_reply_bulk(&c->out, "", 0);
        return;
    }
    if (start < 0)
        start = CORE_MAX(n + start, 0);
    if (end < 0)
        end = CORE_MAX(n + end, 0);
    if (end >= n)
        end = n - 1;
    if (n == 0 || start > end)
        node_reply_bulk(&c->out, "", 0);
    else
        node_reply_bulk(&c->out, p + start, (size_t)(end - start + 1));
}

void node_cmd_setrange(struct node_client *c)
{
    struct node_ks *ks = c->srv->ks;
    struct node_ks_entry *e;
    long long offset;
    size_t vlen = c->argl[3], olen, newlen;
    char *p;

    if (!node_arg_ll(c, 2, &offset, NULL))
        return;
    if (offset < 0) {
        node_reply_error(&c->out, "ERR offset is out of range");
        return;
    }
    e = node_ks_find(ks, c->argv[1], c->argl[1], 0);
    if (e != NULL && !is_string(c, e))
        return;
    olen = e != NULL ? node_ks_str_len(e) : 0;
    /* Writing nothing changes nothing, not even creating the key. */
    if (vlen == 0) {
        node_reply_int(&c->out, (long long)olen);
        return;
    }
    if (!total_fits(c, (unsigned long long)offset, vlen) || (e == NULL && !fits(c, 1)))
        return;
    bool created = e == NULL;
    if (e == NULL)
        e = node_ks_set_str(ks, c->argv[1], c->argl[1], "", 0, -1, 0);
    newlen = CORE_MAX(olen, (size_t)offset + vlen);
    p = node_ks_str_resize(ks, &e, newlen);
    memcpy(p + offset, c->argv[3], vlen);
    node_server_dirty(c->srv, 1);
    signal_write(c, 1, NODE_NOTIFY_STRING, "setrange", created);
    node_reply_int(&c->out, (long long)newlen);
}
