/*
 * cmd_list.c — the list commands: LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN
 * LRANGE LINDEX LSET LINSERT LREM LTRIM LPOS LMOVE RPOPLPUSH LMPOP and the
 * blocking BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP, with redis-server 7.0.15's
 * replies, error texts and error precedence, keyspace events, WATCH
 * signals and propagation (served blocking pops go to replicas as their
 * non-blocking form: LPOP key / LPOP key n / LMOVE / RPOPLPUSH).
 *
 * Owns argument parsing and command semantics. Does not own the value
 * layout (node/t_list.c) nor blocking itself (node/block.c): a blocking
 * command that finds nothing blocks through node_block_keys and is run
 * again, as sent, when a key it waits on gets elements.
 */
#include "node/block.h"
#include "node/commands.h"
#include "node/core/core.h"
#include "node/notify.h"
#include "node/propagate.h"
#include "node/t_list.h"
#include "node/util.h"
#include "node/watch.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define ERR_POSITIVE "ERR value is out of range, must be positive"
#define ERR_RANGE "ERR index out of range"
#define ERR_RANK_ZERO                                                                                                \
    "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start "  \
    "from the end of the list"
#define ERR_NUMKEYS "ERR numkeys should be greater than 0"
#define ERR_COUNT "ERR count should be greater than 0"

/* ---- shared helpers ---- */

/* argv[i] as an integer in [min, max]. msg (NULL: Redis's generic texts)
 * answers both a non-integer and an out-of-range value, as Redis's
 * getRangeLongFromObjectOrReply does. */
static bool arg_range(struct node_client *c, int i, long long min, long long max, const char *msg, long long *out)
{
    long long v;
    if (!node_arg_ll(c, i, &v, msg))
        return false;
    if (v < min || v > max) {
        if (msg)
            node_reply_error(&c->out, msg);
        else
            node_reply_errorf(&c->out, "ERR value is out of range, must be between %lld and %lld", min, max);
        return false;
    }
    *out = v;
    return true;
}

/* LEFT (true) or RIGHT; replies a syntax error otherwise. */
static bool arg_where(struct node_client *c, int i, bool *head)
{
    if (node_arg_is(c, i, "left"))
        *head = true;
    else if (node_arg_is(c, i, "right"))
        *head = false;
    else {
        node_reply_error(&c->out, NODE_ERR_SYNTAX);
        return false;
    }
    return true;
}

/* The entry of argv[i] when it is a list, NULL when missing; *bad (and
 * WRONGTYPE replied) when it holds another type. */
static struct node_ks_entry *find_list(struct node_client *c, int i, unsigned flags, bool *bad)
{
    struct node_ks_entry *e = node_ks_find(c->srv->ks, c->argv[i], c->argl[i], flags);
    *bad = e && node_ks_entry_type(e) != NODE_KS_LIST;
    if (*bad) {
        node_reply_error(&c->out, NODE_ERR_WRONGTYPE);
        return NULL;
    }
    return e;
}

/* find_list for a blocking command: on a rerun a key of another type is
 * just not ready (Redis 7.0 serves blocked list clients only from lists,
 * so they keep waiting), not an error. */
static struct node_ks_entry *find_list_blocking(struct node_client *c, int i, bool *bad)
{
    if (node_block_rerun(c)) {
        *bad = false;
        if (!node_block_serving(c, i))
            return NULL;
        struct node_ks_entry *e = node_ks_find(c->srv->ks, c->argv[i], c->argl[i], 0);
        return e && node_ks_entry_type(e) == NODE_KS_LIST ? e : NULL;
    }
    return find_list(c, i, 0, bad);
}

static struct node_list *list_of(struct node_ks_entry *e)
{
    return node_ks_entry_ptr(e);
}

/* A new empty list stored at key; returns it. */
static struct node_list *create_list(struct node_client *c, const char *key, size_t klen)
{
    struct node_list *l = node_list_new(c->srv->cfg.list_max_listpack_size);
    node_ks_set_ptr(c->srv->ks, key, klen, NODE_KS_LIST, l, -1, 0);
    node_notify(c->srv, NODE_NOTIFY_NEW, "new", key, klen);
    return l;
}

/* Redis's listElementsRemoved: n elements left key's head or tail. */
static void elements_removed(struct node_client *c, const char *key, size_t klen, struct node_list *l, bool head,
                             size_t n)
{
    struct node_server *srv = c->srv;
    node_notify(srv, NODE_NOTIFY_LIST, head ? "lpop" : "rpop", key, klen);
    if (node_list_len(l) == 0) {
        node_ks_delete(srv->ks, key, klen);
        node_notify(srv, NODE_NOTIFY_GENERIC, "del", key, klen);
    }
    node_key_modified(srv, key, klen);
    node_server_dirty(srv, n);
}

/* Replies count elements from index start on (reverse: from the last of
 * them back to start) as an array. */
static void reply_range(struct node_client *c, struct node_list *l, size_t start, size_t count, bool reverse)
{
    node_reply_array(&c->out, (long long)count);
    if (count == 0)
        return;
    struct node_list_iter it;
    node_list_iter_init(&it, l, reverse ? start + count - 1 : start, !reverse);
    unsigned char buf[DS_LP_INTBUF];
    for (size_t i = 0; i < count; i++) {
        size_t len;
        const unsigned char *s = node_list_iter_get(&it, buf, &len);
        node_reply_bulk(&c->out, s, len);
        node_list_iter_next(&it);
    }
}

/* Replies and removes the head or tail element. */
static void pop_one_reply(struct node_client *c, struct node_list *l, bool head)
{
    size_t index = head ? 0 : node_list_len(l) - 1;
    struct node_list_iter it;
    node_list_iter_init(&it, l, index, true);
    unsigned char buf[DS_LP_INTBUF];
    size_t len;
    const unsigned char *s = node_list_iter_get(&it, buf, &len);
    node_reply_bulk(&c->out, s, len);
    node_list_del_range(l, index, 1);
}

/* Replies up to count elements of key's head or tail in pop order, removes
 * them, and returns how many. */
static size_t pop_range_reply(struct node_client *c, struct node_list *l, bool head, long long count)
{
    size_t len = node_list_len(l);
    size_t n = (unsigned long long)count > len ? len : (size_t)count;
    size_t start = head ? 0 : len - n;
    reply_range(c, l, start, n, !head);
    node_list_del_range(l, start, n);
    return n;
}

static void prop_pop(struct node_client *c, bool head, int keyi, long long count)
{
    const char *argv[3] = {head ? "LPOP" : "RPOP", c->argv[keyi], NULL};
    size_t argl[3] = {4, c->argl[keyi], 0};
    char num[CORE_I64_TEXT];
    int argc = 2;
    if (count >= 0) {
        argl[2] = core_i64_format(num, count);
        argv[2] = num;
        argc = 3;
    }
    node_prop_rewrite(c, argc, argv, argl);
}

/* Index (negative: from the end) into [0, len); false when out of range. */
static bool norm_index(long long index, size_t len, size_t *out)
{
    if (index < 0)
        index += (long long)len;
    if (index < 0 || (unsigned long long)index >= len)
        return false;
    *out = (size_t)index;
    return true;
}

/* ---- pushes ---- */

static void push_generic(struct node_client *c, bool head, bool only_existing)
{
    bool bad;
    struct node_ks_entry *e = find_list(c, 1, 0, &bad);
    if (bad)
        return;
    if (!e && only_existing) {
        node_reply_int(&c->out, 0);
        return;
    }
    struct node_list *l = e ? list_of(e) : create_list(c, c->argv[1], c->argl[1]);
    for (int j = 2; j < c->argc; j++)
        node_list_push(l, c->argv[j], c->argl[j], head);
    node_reply_int(&c->out, (long long)node_list_len(l));
    node_key_modified(c->srv, c->argv[1], c->argl[1]);
    node_notify(c->srv, NODE_NOTIFY_LIST, head ? "lpush" : "rpush", c->argv[1], c->argl[1]);
    node_key_ready(c->srv, c->argv[1], c->argl[1]);
    node_server_dirty(c->srv, (uint64_t)(c->argc - 2));
}

void node_cmd_lpush(struct node_client *c)
{
    push_generic(c, true, false);
}

void node_cmd_rpush(struct node_client *c)
{
    push_generic(c, false, false);
}

void node_cmd_lpushx(struct node_client *c)
{
    push_generic(c, true, true);
}

void node_cmd_rpushx(struct node_client *c)
{
    push_generic(c, false, true);
}

/* ---- pops ---- */

static void pop_generic(struct node_client *c, bool head)
{
    long long count = 0;
    bool has_count = c->argc == 3;
    if (c->argc > 3) {
        node_reply_arity_error(c);
        return;
    }
    if (has_count && !arg_range(c, 2, 0, LLONG_MAX, ERR_POSITIVE, &count))
        return;
    bool bad;
    struct node_ks_entry *e = find_list(c, 1, 0, &bad);
    if (bad)
        return;
    if (!e) {
        if (has_count)
            node_reply_null_array(&c->out);
        else
            node_reply_null(&c->out);
        return;
    }
    if (has_count && count == 0) {
        node_reply_array(&c->out, 0);
        return;
    }
    struct node_list *l = list_of(e);
    size_t n = 1;
    if (has_count)
        n = pop_range_reply(c, l, head, count);
    else
        pop_one_reply(c, l, head);
    elements_removed(c, c->argv[1], c->argl[1], l, head, n);
}

void node_cmd_lpop(struct node_client *c)
{
    pop_generic(c, true);
}

void node_cmd_rpop(struct node_client *c)
{
    pop_generic(c, false);
}

/* ---- reads ---- */

void node_cmd_llen(struct node_client *c)
{
    bool bad;
    struct node_ks_entry *e = find_list(c, 1, NODE_KS_READ, &bad);
    if (!bad)
        node_reply_int(&c->out, e ? (long long)node_list_len(list_of(e)) : 0);
}

void node_cmd_lrange(struct node_client *c)
{
    long long start, end;
    if (!node_arg_ll(c, 2, &start, NULL) || !node_arg_ll(c, 3, &end, NULL))
        return;
    bool bad;
    struct node_ks_entry *e = find_list(c, 1, NODE_KS_READ, &bad);
    if (bad)
        return;
    if (!e) {
        node_reply_array(&c->out, 0);
        return;
    }
    struct node_list *l = list_of(e);
    long long len = (long long)node_list_len(l);
    if (start < 0)
        start += len;
    if (end < 0)
        end += len;
    if (start < 0)
        start = 0;
    if (start > end || start >= len) {
        node_reply_array(&c->out, 0);
        return;
    }
    if (end >= len)
        end = len - 1;
    reply_range(c, l, (size_t)start, (size_t)(end - start + 1), false);
}

void node_cmd_lindex(struct node_client *c)
{
    bool bad;
    struct node_ks_entry *e = find_list(c, 1, NODE_KS_READ, &bad);
    if (bad)
        return;
    if (!e) {
        node_reply_null(&c->out);
        return;
    }
    long long index;
    if (!node_arg_ll(c, 2, &index, NULL))
        return;
    struct node_list *l = list_of(e);
    size_t at;
    if (!norm_index(index, node_list_len(l), &at)) {
        node_reply_null(&c->out);
        return;
    }
    struct node_list_iter it;
    node_list_iter_init(&it, l, at, true);
    unsigned char buf[DS_LP_INTBUF];
    size_t len;
    const unsigned char *s = node_list_iter_get(&it, buf, &len);
    node_reply_bulk(&c->out, s, len);
}

/* ---- edits ---- */

void node_cmd_lset(struct node_client *c)
{
    bool bad;
    struct node_ks_entry *e = find_list(c, 1, 0, &bad);
    if (bad)
        return;
    if (!e) {
        node_reply_error(&c->out, NODE_ERR_NO_SUCH_KEY);
        return;
    }
    long long index;
    if (!node_arg_ll(c, 2, &index, NULL))
        return;
    struct node_list *l = list_of(e);
    size_t at;
    if (!norm_index(index, node_list_len(l), &at)) {
        node_reply_error(&c->out, ERR_RANGE);
        return;
    }
    struct node_list_iter it;
    node_list_iter_init(&it, l, at, true);
    node_list_iter_replace(&it, c->argv[3], c->argl[3]);
    node_reply_ok(&c->out);
    node_key_modified(c->srv, c->argv[1], c->argl[1]);
    node_notify(c->srv, NODE_NOTIFY_LIST, "lset", c->argv[1], c->argl[1]);
    node_server_dirty(c->srv, 1);
}

void node_cmd_linsert(struct node_client *c)
{
    bool after;
    if (node_arg_is(c, 2, "after"))
        after = true;
    else if (node_arg_is(c, 2, "before"))
        after = false;
    else {
        node_reply_error(&c->out, NODE_ERR_SYNTAX);
        return;
    }
    bool bad;
    struct node_ks_entry *e = find_list(c, 1, 0, &bad);
    if (bad)
        return;
    if (!e) {
        node_reply_int(&c->out, 0);
        return;
    }
    struct node_list *l = list_of(e);
    struct node_list_iter it;
    for (node_list_iter_init(&it, l, 0, true); !node_list_iter_done(&it); node_list_iter_next(&it)) {
        if (node_list_iter_eq(&it, c->argv[3], c->argl[3]))
            break;
    }
    if (node_list_iter_done(&it)) {
        node_reply_int(&c->out, -1);
        return;
    }
    node_list_iter_insert(&it, c->argv[4], c->argl[4], after);
    node_key_modified(c->srv, c->argv[1], c->argl[1]);
    node_notify(c->srv, NODE_NOTIFY_LIST, "linsert", c->argv[1], c->argl[1]);
    node_server_dirty(c->srv, 1);
    node_reply_int(&c->out, (long long)node_list_len(l));
}

void node_cmd_lrem(struct node_client *c)
{
    long long count;
    if (!node_arg_ll(c, 2, &count, NULL))
        return;
    bool bad;
    struct node_ks_entry *e = find_list(c, 1, 0, &bad);
    if (bad)
        return;
    if (!e) {
        node_reply_int(&c->out, 0);
        return;
    }
    struct node_list *l = list_of(e);
    bool forward = count >= 0;
    unsigned long long limit = forward ? (unsigned long long)count : 0ULL - (unsigned long long)count;
    unsigned long long removed = 0;
    struct node_list_iter it;
    node_list_iter_init(&it, l, forward ? 0 : node_list_len(l) - 1, forward);
    while (!node_list_iter_done(&it)) {
        if (!node_list_iter_eq(&it, c->argv[3], c->argl[3])) {
            node_list_iter_next(&it);
            continue;
        }
        node_list_iter_delete(&it);
        if (++removed == limit)
            break;
    }
    if (removed)
        node_notify(c->srv, NODE_NOTIFY_LIST, "lrem", c->argv[1], c->argl[1]);
    if (node_list_len(l) == 0) {
        node_ks_delete(c->srv->ks, c->argv[1], c->argl[1]);
        node_notify(c->srv, NODE_NOTIFY_GENERIC, "del", c->argv[1], c->argl[1]);
    }
    node_reply_int(&c->out, (long long)removed);
    if (removed) {
        node_key_modified(c->srv, c->argv[1], c->argl[1]);
        node_server_dirty(c->srv, removed);
    }
}

void node_cmd_ltrim(struct node_client *c)
{
    long long start, end;
    if (!node_arg_ll(c, 2, &start, NULL) || !node_arg_ll(c, 3, &end, NULL))
        return;
    bool bad;
    struct node_ks_entry *e = find_list(c, 1, 0, &bad);
    if (bad)
        return;
    if (!e) {
        node_reply_ok(&c->out);
        return;
    }
    struct node_list *l = list_of(e);
    long long len = (long long)node_list_len(l), ltrim, rtrim;
    if (start < 0)
        start += len;
    if (end < 0)
        end += len;
    if (start < 0)
        start = 0;
    if (start > end || start >= len) {
        ltrim = len; /* everything goes */
        rtrim = 0;
    } else {
        if (end >= len)
            end = len - 1;
        ltrim = start;
        rtrim = len - end - 1;
    }
    node_list_del_range(l, 0, (size_t)ltrim);
    node_list_del_range(l, node_list_len(l) - (size_t)rtrim, (size_t)rtrim);
    node_notify(c->srv, NODE_NOTIFY_LIST, "ltrim", c->argv[1], c->argl[1]);
    if (node_list_len(l) == 0) {
        node_ks_delete(c->srv->ks, c->argv[1], c->argl[1]);
        node_notify(c->srv, NODE_NOTIFY_GENERIC, "del", c->argv[1], c->argl[1]);
    }
    node_key_modified(c->srv, c->argv[1], c->argl[1]);
    node_server_dirty(c->srv, (uint64_t)(ltrim + rtrim));
    node_reply_ok(&c->out);
}

/* ---- LPOS ---- */

struct lpos_opts {
    long long rank, count, maxlen; /* count -1: no COUNT given */
};

static bool parse_lpos(struct node_client *c, struct lpos_opts *o)
{
    o->rank = 1;
    o->count = -1;
    o->maxlen = 0;
    for (int j = 3; j < c->argc; j++) {
        bool more = j + 1 < c->argc;
        if (node_arg_is(c, j, "rank") && more) {
            if (!node_arg_ll(c, ++j, &o->rank, NULL))
                return false;
            if (o->rank == 0) {
                node_reply_error(&c->out, ERR_RANK_ZERO);
                return false;
            }
        } else if (node_arg_is(c, j, "count") && more) {
            if (!arg_range(c, ++j, 0, LLONG_MAX, "ERR COUNT can't be negative", &o->count))
                return false;
        } else if (node_arg_is(c, j, "maxlen") && more) {
            if (!arg_range(c, ++j, 0, LLONG_MAX, "ERR MAXLEN can't be negative", &o->maxlen))
                return false;
        } else {
            node_reply_error(&c->out, NODE_ERR_SYNTAX);
            return false;
        }
    }
    return true;
}

void node_cmd_lpos(struct node_client *c)
{
    struct lpos_opts o;
    if (!parse_lpos(c, &o))
        return;
    bool forward = o.rank > 0;
    /* 7.0.15 negates LLONG_MIN into itself: every match then reaches the
     * rank and COUNT never stops the walk */
    bool unbounded = o.rank == LLONG_MIN;
    long long rank = unbounded ? 1 : forward ? o.rank : -o.rank;
    bool bad;
    struct node_ks_entry *e = find_list(c, 1, NODE_KS_READ, &bad);
    if (bad)
        return;
    if (!e) {
        if (o.count != -1)
            node_reply_array(&c->out, 0);
        else
            node_reply_null(&c->out);
        return;
    }
    struct node_list *l = list_of(e);
    long long len = (long long)node_list_len(l), index = 0, matches = 0, found = -1;
    /* matches are collected first: the array's length is only known at the end */
    long long *hits = NULL;
    size_t nhits = 0, cap = 0;
    struct node_list_iter it;
    node_list_iter_init(&it, l, forward ? 0 : (size_t)len - 1, forward);
    for (; !node_list_iter_done(&it) && (o.maxlen == 0 || index < o.maxlen); node_list_iter_next(&it), index++) {
        if (!node_list_iter_eq(&it, c->argv[2], c->argl[2]))
            continue;
        matches++;
        if (matches < rank)
            continue;
        long long at = forward ? index : len - index - 1;
        if (o.count == -1) {
            found = at;
            break;
        }
        if (nhits == cap) {
            cap = cap ? cap * 2 : 16;
            hits = core_realloc(hits, cap * sizeof(*hits));
        }
        hits[nhits++] = at;
        if (o.count && !unbounded && matches - rank + 1 >= o.count)
            break;
    }
    if (o.count != -1) {
        node_reply_array(&c->out, (long long)nhits);
        for (size_t i = 0; i < nhits; i++)
            node_reply_int(&c->out, hits[i]);
    } else if (found != -1) {
        node_reply_int(&c->out, found);
    } else {
        node_reply_null(&c->out);
    }
    core_free(hits);
}

/* ---- moves ---- */

/* LMOVE's work once argv[1] is known to hold a non-empty list: pops from
 * argv[1], pushes onto argv[2] (created if missing), replies the element.
 * WRONGTYPE on the destination changes nothing. */
static void move_generic(struct node_client *c, bool from_head, bool to_head)
{
    bool bad;
    struct node_ks_entry *e = find_list(c, 1, 0, &bad);
    if (bad)
        return;
    if (!e) {
        node_reply_null(&c->out);
        return;
    }
    struct node_list *src = list_of(e);
    struct node_ks_entry *d = find_list(c, 2, 0, &bad);
    if (bad)
        return;
    struct node_list *dst = d ? list_of(d) : NULL;

    size_t index = from_head ? 0 : node_list_len(src) - 1;
    struct node_list_iter it;
    node_list_iter_init(&it, src, index, true);
    unsigned char buf[DS_LP_INTBUF];
    size_t len;
    const unsigned char *s = node_list_iter_get(&it, buf, &len);
    /* the element lives in src's node, which the pop frees or moves */
    char *val = core_malloc(len ? len : 1);
    memcpy(val, s, len);
    node_list_del_range(src, index, 1);

    if (!dst)
        dst = create_list(c, c->argv[2], c->argl[2]);
    node_key_modified(c->srv, c->argv[2], c->argl[2]);
    node_list_push(dst, val, len, to_head);
    node_notify(c->srv, NODE_NOTIFY_LIST, to_head ? "lpush" : "rpush", c->argv[2], c->argl[2]);
    node_key_ready(c->srv, c->argv[2], c->argl[2]);
    node_reply_bulk(&c->out, val, len);
    core_free(val);

    node_notify(c->srv, NODE_NOTIFY_LIST, from_head ? "lpop" : "rpop", c->argv[1], c->argl[1]);
    if (node_list_len(src) == 0) {
        node_ks_delete(c->srv->ks, c->argv[1], c->argl[1]);
        node_notify(c->srv, NODE_NOTIFY_GENERIC, "del", c->argv[1], c->argl[1]);
    }
    node_key_modified(c->srv, c->argv[1], c->argl[1]);
    node_server_dirty(c->srv, 1);
}

void node_cmd_lmove(struct node_client *c)
{
    bool from, to;
    if (!arg_where(c, 3, &from) || !arg_where(c, 4, &to))
        return;
    move_generic(c, from, to);
}

void node_cmd_rpoplpush(struct node_client *c)
{
    move_generic(c, false, true);
}

/* BLMOVE / BRPOPLPUSH once the directions are parsed; timeout at argv[ti]. */
static void bmove_generic(struct node_client *c, bool from, bool to, int ti)
{
    int64_t deadline;
    if (!node_block_parse_timeout(c, ti, &deadline))
        return;
    bool bad;
    struct node_ks_entry *e = find_list_blocking(c, 1, &bad);
    if (bad)
        return;
    if (!e) {
        if (!node_block_allowed(c)) {
            node_reply_null(&c->out);
            return;
        }
        int key = 1;
        node_block_keys(c, &key, 1, deadline, NODE_KS_LIST, NODE_BLOCK_NIL_BULK);
        return;
    }
    move_generic(c, from, to);
    if (ti == 5) {
        const char *argv[5] = {"LMOVE", c->argv[1], c->argv[2], from ? "LEFT" : "RIGHT", to ? "LEFT" : "RIGHT"};
        size_t argl[5] = {5, c->argl[1], c->argl[2], from ? 4u : 5u, to ? 4u : 5u};
        node_prop_rewrite(c, 5, argv, argl);
    } else {
        const char *argv[3] = {"RPOPLPUSH", c->argv[1], c->argv[2]};
        size_t argl[3] = {9, c->argl[1], c->argl[2]};
        node_prop_rewrite(c, 3, argv, argl);
    }
}

void node_cmd_blmove(struct node_client *c)
{
    bool from, to;
    if (!arg_where(c, 3, &from) || !arg_where(c, 4, &to))
        return;
    bmove_generic(c, from, to, 5);
}

void node_cmd_brpoplpush(struct node_client *c)
{
    bmove_generic(c, false, true, 3);
}

/* ---- BLPOP / BRPOP ---- */

static void block_on(struct node_client *c, int first, int nkeys, int64_t deadline, enum node_block_nil nil)
{
    int *idx = core_malloc((size_t)nkeys * sizeof(int));
    for (int i = 0; i < nkeys; i++)
        idx[i] = first + i;
    node_block_keys(c, idx, nkeys, deadline, NODE_KS_LIST, nil);
    core_free(idx);
}

static void bpop_generic(struct node_client *c, bool head)
{
    int64_t deadline;
    if (!node_block_parse_timeout(c, c->argc - 1, &deadline))
        return;
    for (int j = 1; j < c->argc - 1; j++) {
        bool bad;
        struct node_ks_entry *e = find_list_blocking(c, j, &bad);
        if (bad)
            return;
        if (!e)
            continue;
        struct node_list *l = list_of(e);
        node_reply_array(&c->out, 2);
        node_reply_bulk(&c->out, c->argv[j], c->argl[j]);
        pop_one_reply(c, l, head);
        elements_removed(c, c->argv[j], c->argl[j], l, head, 1);
        prop_pop(c, head, j, -1);
        return;
    }
    if (!node_block_allowed(c)) {
        node_reply_null_array(&c->out);
        return;
    }
    block_on(c, 1, c->argc - 2, deadline, NODE_BLOCK_NIL_ARRAY);
}

void node_cmd_blpop(struct node_client *c)
{
    bpop_generic(c, true);
}

void node_cmd_brpop(struct node_client *c)
{
    bpop_generic(c, false);
}

/* ---- LMPOP / BLMPOP ---- */

struct mpop_args {
    int first;       /* argv index of the first key */
    int nkeys;
    bool head;
    long long count;
};

/* numkeys at argv[ni], then the keys, LEFT|RIGHT and [COUNT n]. */
static bool parse_mpop(struct node_client *c, int ni, struct mpop_args *a)
{
    long long numkeys;
    if (!arg_range(c, ni, 1, LLONG_MAX, ERR_NUMKEYS, &numkeys))
        return false;
    if (numkeys >= c->argc - ni - 1) {
        node_reply_error(&c->out, NODE_ERR_SYNTAX);
        return false;
    }
    a->first = ni + 1;
    a->nkeys = (int)numkeys;
    int wi = ni + 1 + a->nkeys;
    if (!arg_where(c, wi, &a->head))
        return false;
    a->count = -1;
    for (int j = wi + 1; j < c->argc; j++) {
        if (a->count == -1 && node_arg_is(c, j, "count") && j + 1 < c->argc) {
            if (!arg_range(c, ++j, 1, LLONG_MAX, ERR_COUNT, &a->count))
                return false;
        } else {
            node_reply_error(&c->out, NODE_ERR_SYNTAX);
            return false;
        }
    }
    if (a->count == -1)
        a->count = 1;
    return true;
}

/* Pops from the first non-empty list of the keys; true when it replied
 * (served, or WRONGTYPE). */
static bool mpop_serve(struct node_client *c, const struct mpop_args *a)
{
    for (int j = a->first; j < a->first + a->nkeys; j++) {
        bool bad;
        struct node_ks_entry *e = find_list_blocking(c, j, &bad);
        if (bad)
            return true;
        if (!e)
            continue;
        struct node_list *l = list_of(e);
        node_reply_array(&c->out, 2);
        node_reply_bulk(&c->out, c->argv[j], c->argl[j]);
        size_t n = pop_range_reply(c, l, a->head, a->count);
        elements_removed(c, c->argv[j], c->argl[j], l, a->head, n);
        prop_pop(c, a->head, j, (long long)n);
        return true;
    }
    return false;
}

void node_cmd_lmpop(struct node_client *c)
{
    struct mpop_args a;
    if (!parse_mpop(c, 1, &a))
        return;
    if (!mpop_serve(c, &a))
        node_reply_null_array(&c->out);
}

void node_cmd_blmpop(struct node_client *c)
{
    struct mpop_args a;
    if (!parse_mpop(c, 2, &a))
        return;
    int64_t deadline;
    if (!node_block_parse_timeout(c, 1, &deadline))
        return;
    if (mpop_serve(c, &a))
        return;
    if (!node_block_allowed(c)) {
        node_reply_null_array(&c->out);
        return;
    }
    block_on(c, a.first, a.nkeys, deadline, NODE_BLOCK_NIL_ARRAY);
}

/* ---- key positions of the movable-key forms ---- */

int node_blmpop_getkeys(int argc, const char **argv, const size_t *argl, int *idx, int idx_cap)
{
    return node_cmd_numkeys_getkeys(argc, argv, argl, 2, 0, idx, idx_cap);
}

int node_lmpop_getkeys(int argc, const char **argv, const size_t *argl, int *idx, int idx_cap)
{
    return node_cmd_numkeys_getkeys(argc, argv, argl, 1, 0, idx, idx_cap);
}
