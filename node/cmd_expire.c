/*
 * cmd_expire.c — the TTL commands: EXPIRE PEXPIRE EXPIREAT PEXPIREAT (with
 * NX XX GT LT), TTL PTTL EXPIRETIME PEXPIRETIME PERSIST, with the replies
 * and error texts of redis-server 7.0.15.
 *
 * Owns argument checks, overflow detection and the NX/XX/GT/LT rules. Does
 * not own how a TTL is stored or when an expired key is reclaimed
 * (node/ks.c). "Now" is the keyspace's per-command time, node_ks_now().
 */
#include "node/repl.h"
#include "node/commands.h"
#include "node/core/core.h"
#include "node/notify.h"
#include "node/propagate.h"
#include "node/watch.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

enum expire_flag {
    EXPIRE_NX = 1u << 0,
    EXPIRE_XX = 1u << 1,
    EXPIRE_GT = 1u << 2,
    EXPIRE_LT = 1u << 3,
};

/* Options after the time; replies and returns false on an error. Every
 * option is read before the combination is judged, as Redis does. */
static bool parse_expire_flags(struct node_client *c, unsigned *ret)
{
    unsigned f = 0;

    for (int j = 3; j < c->argc; j++) {
        if (node_arg_is(c, j, "nx")) {
            f |= EXPIRE_NX;
        } else if (node_arg_is(c, j, "xx")) {
            f |= EXPIRE_XX;
        } else if (node_arg_is(c, j, "gt")) {
            f |= EXPIRE_GT;
        } else if (node_arg_is(c, j, "lt")) {
            f |= EXPIRE_LT;
        } else {
            /* Redis prints the option as a C string: up to a NUL byte. */
            size_t n = strnlen(c->argv[j], c->argl[j]);
            node_reply_errorf(&c->out, "ERR Unsupported option %.*s", (int)n, c->argv[j]);
            return false;
        }
    }
    if ((f & EXPIRE_NX) && (f & (EXPIRE_XX | EXPIRE_GT | EXPIRE_LT))) {
        node_reply_error(&c->out, "ERR NX and XX, GT or LT options at the same time are not compatible");
        return false;
    }
    if ((f & EXPIRE_GT) && (f & EXPIRE_LT)) {
        node_reply_error(&c->out, "ERR GT and LT options at the same time are not compatible");
        return false;
    }
    *ret = f;
    return true;
}

/* Whether NX/XX/GT/LT allow replacing expiry `current` (-1: none) by `when`.
 * No TTL counts as an infinite one: GT never beats it, LT always does. */
static bool flags_allow(unsigned f, int64_t current, int64_t when)
{
    if ((f & EXPIRE_NX) && current != -1)
        return false;
    if ((f & EXPIRE_XX) && current == -1)
        return false;
    if ((f & EXPIRE_GT) && (current == -1 || when <= current))
        return false;
    if ((f & EXPIRE_LT) && current != -1 && when >= current)
        return false;
    return true;
}

/* The stream gets absolute times (spec replication.md §5.2): PEXPIREAT key
 * ms [NX|XX|GT|LT as given], or DEL when the time had already passed. */
static void propagate_expire(struct node_client *c, int64_t when, bool deleted)
{
    if (deleted) {
        const char *argv[2] = {"DEL", c->argv[1]};
        size_t argl[2] = {3, c->argl[1]};
        node_prop_rewrite(c, 2, argv, argl);
        return;
    }
    char ms[32];
    const char *argv[8];
    size_t argl[8];
    int n = 0;
    argv[n] = "PEXPIREAT", argl[n++] = 9;
    argv[n] = c->argv[1], argl[n++] = c->argl[1];
    argv[n] = ms, argl[n++] = (size_t)snprintf(ms, sizeof(ms), "%lld", (long long)when);
    for (int i = 3; i < c->argc && n < (int)CORE_ARRAY_LEN(argv); i++)
        argv[n] = c->argv[i], argl[n++] = c->argl[i];
    node_prop_rewrite(c, n, argv, argl);
}

/*
 * EXPIRE family. base_ms: 0 for the absolute forms, now for the relative
 * ones. A time already past deletes the key (and replies 1).
 */
static void expire_generic(struct node_client *c, int64_t base_ms, bool seconds)
{
    struct node_ks *ks = c->srv->ks;
    struct node_ks_entry *e;
    unsigned flags;
    long long when;

    if (!parse_expire_flags(c, &flags) || !node_arg_ll(c, 2, &when, NULL))
        return;
    /* Negative times are allowed; only overflow is an error. */
    if (seconds) {
        if (when > LLONG_MAX / 1000 || when < LLONG_MIN / 1000) {
            node_reply_invalid_expire(c);
            return;
        }
        when *= 1000;
    }
    if (when > LLONG_MAX - base_ms) {
        node_reply_invalid_expire(c);
        return;
    }
    when += base_ms;
    e = node_ks_find(ks, c->argv[1], c->argl[1], 0);
    if (e == NULL || !flags_allow(flags, node_ks_entry_expire(e), when)) {
        node_reply_int(&c->out, 0);
        return;
    }
    /* A replica keeps the key whatever its clock says: its master decides
     * when it is gone and sends DEL (as Redis's checkAlreadyExpired). */
    bool past = when <= node_ks_now(ks) && !repl_is_replica(c->srv->repl);
    if (past)
        node_ks_delete_entry(ks, e);
    else
        node_ks_set_expire(ks, &e, when);
    propagate_expire(c, when, past);
    node_server_dirty(c->srv, 1);
    node_key_modified(c->srv, c->argv[1], c->argl[1]);
    node_notify(c->srv, NODE_NOTIFY_GENERIC, past ? "del" : "expire", c->argv[1], c->argl[1]);
    node_reply_int(&c->out, 1);
}

void node_cmd_expire(struct node_client *c)
{
    expire_generic(c, node_ks_now(c->srv->ks), true);
}

void node_cmd_pexpire(struct node_client *c)
{
    expire_generic(c, node_ks_now(c->srv->ks), false);
}

void node_cmd_expireat(struct node_client *c)
{
    expire_generic(c, 0, true);
}

void node_cmd_pexpireat(struct node_client *c)
{
    expire_generic(c, 0, false);
}

/* TTL family: -2 missing, -1 no TTL; relative or absolute, ms or rounded s. */
static void ttl_generic(struct node_client *c, bool ms, bool absolute)
{
    struct node_ks *ks = c->srv->ks;
    struct node_ks_entry *e = node_ks_find(ks, c->argv[1], c->argl[1], NODE_KS_READ | NODE_KS_NOTOUCH);
    int64_t when, v;

    if (e == NULL) {
        node_reply_int(&c->out, -2);
        return;
    }
    when = node_ks_entry_expire(e);
    if (when == -1) {
        node_reply_int(&c->out, -1);
        return;
    }
    v = absolute ? when : when - node_ks_now(ks);
    if (v < 0)
        v = 0;
    /* Rounds as Redis does, wrapping like it for a TTL near INT64_MAX. */
    node_reply_int(&c->out, ms ? v : (int64_t)((uint64_t)v + 500) / 1000);
}

void node_cmd_ttl(struct node_client *c)
{
    ttl_generic(c, false, false);
}

void node_cmd_pttl(struct node_client *c)
{
    ttl_generic(c, true, false);
}

void node_cmd_expiretime(struct node_client *c)
{
    ttl_generic(c, false, true);
}

void node_cmd_pexpiretime(struct node_client *c)
{
    ttl_generic(c, true, true);
}

void node_cmd_persist(struct node_client *c)
{
    struct node_ks *ks = c->srv->ks;
    struct node_ks_entry *e = node_ks_find(ks, c->argv[1], c->argl[1], 0);

    if (e == NULL || node_ks_entry_expire(e) == -1) {
        node_reply_int(&c->out, 0);
        return;
    }
    node_ks_set_expire(ks, &e, -1);
    node_server_dirty(c->srv, 1);
    node_key_modified(c->srv, c->argv[1], c->argl[1]);
    node_notify(c->srv, NODE_NOTIFY_GENERIC, "persist", c->argv[1], c->argl[1]);
    node_reply_int(&c->out, 1);
}
