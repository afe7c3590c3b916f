/*
 * propagate.c — turning executed commands into replication stream entries
 * (spec replication.md §5.2-§5.4).
 *
 * One top-level execution (a command, or EXEC with its queue) collects its
 * entries in `ops`, already RESP-encoded: DELs of keys that expired while it
 * ran, in the order met, then each command's own entry (its argv, or what it
 * rewrote itself to) and its extra entries. At the end they are flushed as
 * one unit: SELECT first when the stream's DB is unknown, MULTI/EXEC around
 * more than one entry. Deletions outside any command (the active expire
 * cycle, eviction) go out one by one, never wrapped, as Redis.
 *
 * Nothing is encoded while the stream is inactive (no backlog yet): a
 * standalone master pays one branch per command.
 */
#include "node/propagate.h"
#include "node/commands.h"
#include "node/core/core.h"
#include "node/repl.h"
#include "node/server.h"

#include <stdio.h>
#include <string.h>

/* Encoding buffers larger than this are released after each command. */
#define BUF_KEEP_MAX (1024 * 1024)

struct buf {
    char *p;
    size_t len, cap;
};

struct node_prop_state {
    int depth;          /* node_prop_begin nesting (EXEC runs its queue inside) */
    bool active;        /* the stream was active when the top level began */
    struct buf ops;     /* this execution's entries, encoded */
    int nops;
    /* the running command's own choices, consumed by node_prop_end */
    bool rewritten, prevented, forced;
    struct buf rewrite;
    struct buf also;
    int nalso;
};

static void buf_reserve(struct buf *b, size_t more)
{
    if (b->cap - b->len >= more)
        return;
    size_t cap = CORE_MAX(b->cap ? b->cap * 2 : 256, b->len + more);
    b->p = core_realloc(b->p, cap);
    b->cap = cap;
}

static void shrink(struct buf *b)
{
    if (b->cap > BUF_KEEP_MAX) {
        core_free(b->p);
        *b = (struct buf){0};
    }
}

static void buf_put(struct buf *b, const void *p, size_t n)
{
    buf_reserve(b, n);
    memcpy(b->p + b->len, p, n);
    b->len += n;
}

static void buf_header(struct buf *b, char kind, size_t n)
{
    char tmp[32];
    int len = snprintf(tmp, sizeof(tmp), "%c%zu\r\n", kind, n);
    buf_put(b, tmp, (size_t)len);
}

static void encode(struct buf *b, int argc, const char *const *argv, const size_t *argl)
{
    buf_header(b, '*', (size_t)argc);
    for (int i = 0; i < argc; i++) {
        size_t n = argl ? argl[i] : strlen(argv[i]);
        buf_header(b, '$', n);
        buf_reserve(b, n + 2);
        memcpy(b->p + b->len, argv[i], n);
        memcpy(b->p + b->len + n, "\r\n", 2);
        b->len += n + 2;
    }
}

static struct node_prop_state *state(struct node_server *srv)
{
    if (!srv->prop)
        srv->prop = core_calloc(1, sizeof(*srv->prop));
    return srv->prop;
}

/* Writes entries to the stream: SELECT 0 when the stream's DB is unknown
 * (shoal has only DB 0), then the entries, wrapped when there are several. */
static void feed_unit(struct node_server *srv, const char *p, size_t len, int n, bool wrap)
{
    static const char select0[] = "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n";
    static const char multi[] = "*1\r\n$5\r\nMULTI\r\n";
    static const char exec[] = "*1\r\n$4\r\nEXEC\r\n";
    struct repl *r = srv->repl;
    if (r->stream_db != 0) {
        repl_feed(r, select0, sizeof(select0) - 1);
        r->stream_db = 0;
    }
    bool wrapped = wrap && n > 1;
    if (wrapped)
        repl_feed(r, multi, sizeof(multi) - 1);
    repl_feed(r, p, len);
    if (wrapped)
        repl_feed(r, exec, sizeof(exec) - 1);
}

/* Who may originate stream bytes: a master, for commands not applied from
 * its own master (a replica forwards its master's bytes instead, and a
 * writable replica's local writes are never propagated). */
static bool may_originate(struct node_server *srv, const struct node_client *c)
{
    if (!srv->repl || !repl_stream_active(srv->repl) || repl_is_replica(srv->repl))
        return false;
    return !c || !(c->flags & NODE_CLIENT_MASTER);
}

void node_prop_begin(struct node_server *srv, struct node_client *c)
{
    struct node_prop_state *st = state(srv);
    if (st->depth++ == 0) {
        st->active = may_originate(srv, c);
        st->ops.len = 0;
        st->nops = 0;
    }
    st->rewritten = st->prevented = st->forced = false;
    st->rewrite.len = st->also.len = 0;
    st->nalso = 0;
}

void node_prop_end(struct node_server *srv, struct node_client *c, bool dirty)
{
    struct node_prop_state *st = srv->prop;
    core_assert(st && st->depth > 0);
    /* EXEC's own entry never goes out: its queue's entries did. */
    bool own = st->active && (dirty || st->forced) && !st->prevented && c->cmd->proc != node_cmd_exec;
    if (own) {
        if (st->rewritten)
            buf_put(&st->ops, st->rewrite.p, st->rewrite.len);
        else
            encode(&st->ops, c->argc, c->argv, c->argl);
        st->nops++;
    }
    if (st->active && !st->prevented && st->nalso) {
        buf_put(&st->ops, st->also.p, st->also.len);
        st->nops += st->nalso;
    }
    st->rewritten = st->prevented = st->forced = false;
    st->nalso = 0;
    if (--st->depth > 0)
        return;
    if (st->active && st->nops > 0)
        feed_unit(srv, st->ops.p, st->ops.len, st->nops, true);
    st->ops.len = 0;
    st->nops = 0;
    /* One huge value must not stay pinned in these buffers. */
    shrink(&st->ops);
    shrink(&st->rewrite);
    shrink(&st->also);
}

void node_prop_free(struct node_server *srv)
{
    struct node_prop_state *st = srv->prop;
    if (!st)
        return;
    core_free(st->ops.p);
    core_free(st->rewrite.p);
    core_free(st->also.p);
    core_free(st);
    srv->prop = NULL;
}

void node_prop_rewrite(struct node_client *c, int argc, const char *const *argv, const size_t *argl)
{
    struct node_prop_state *st = state(c->srv);
    if (!st->active)
        return; /* nothing will be sent: don't copy the value */
    st->rewrite.len = 0;
    encode(&st->rewrite, argc, argv, argl);
    st->rewritten = true;
}

void node_prop_also(struct node_client *c, int argc, const char *const *argv, const size_t *argl)
{
    struct node_prop_state *st = state(c->srv);
    if (!st->active)
        return;
    encode(&st->also, argc, argv, argl);
    st->nalso++;
}

bool node_prop_wanted(const struct node_client *c)
{
    return c->srv->prop && c->srv->prop->active;
}

void node_prop_prevent(struct node_client *c)
{
    state(c->srv)->prevented = true;
}

void node_prop_force(struct node_client *c)
{
    state(c->srv)->forced = true;
}

/* An expiry: inside a command its DEL joins that command's unit (before the
 * command's entry); outside (the active cycle) it goes out alone. */
void node_prop_expired(struct node_server *srv, const char *key, size_t klen)
{
    struct node_prop_state *st = state(srv);
    const char *argv[2] = {"DEL", key};
    size_t argl[2] = {3, klen};
    if (st->depth > 0) {
        if (st->active) {
            encode(&st->ops, 2, argv, argl);
            st->nops++;
        }
        return;
    }
    if (!may_originate(srv, NULL))
        return;
    struct buf b = {0};
    encode(&b, 2, argv, argl);
    feed_unit(srv, b.p, b.len, 1, false);
    core_free(b.p);
}

void node_prop_evicted(struct node_server *srv, const char *key, size_t klen)
{
    const char *argv[2] = {"DEL", key};
    size_t argl[2] = {3, klen};
    if (!may_originate(srv, NULL))
        return;
    struct buf b = {0};
    encode(&b, 2, argv, argl);
    feed_unit(srv, b.p, b.len, 1, false);
    core_free(b.p);
}

void node_prop_raw(struct node_server *srv, const char *buf, size_t len)
{
    /* A replica's stream is its master's bytes only. */
    if (srv->repl && repl_stream_active(srv->repl) && !repl_is_replica(srv->repl))
        repl_feed(srv->repl, buf, len);
}
