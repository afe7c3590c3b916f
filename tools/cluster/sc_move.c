/*
 * Moving slots between two masters (spec cluster-tool.md §8.1), the hot path
 * of reshard, rebalance and fix. Unlike redis-cli, which does one slot at a
 * time and 10 keys per round trip, slots move in batches: the SETSLOT
 * IMPORTING/MIGRATING of a batch are pipelined, GETKEYSINSLOT for every slot
 * of the batch is pipelined, then one MIGRATE ... KEYS per slot (up to
 * --pipeline keys each) is pipelined, until the source has no key left in
 * any slot of the batch; then SETSLOT NODE on the target, the source and the
 * other masters, pipelined. The order per slot is still redis-cli's, so a
 * client sees the same ASK/MOVED sequence.
 */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "sc_io.h"

#ifndef MOVE_BATCH_SLOTS
#define MOVE_BATCH_SLOTS 64 /* slots opened at once */
#endif
#define MOVE_ROUNDS_MAX 1000000 /* bound on GETKEYSINSLOT rounds per batch */
#define RETRY_S 10.0 /* how long a CLUSTERDOWN/TRYAGAIN target is retried */
#define RETRY_SLEEP_US 100000
#define SETSLOT_MASTERS_ERR "ERR Please use SETSLOT only with masters."

struct migrate_cmd {
    const char **argv;
    size_t *lens;
    int argc;
    int nkeys;
};

static const char *node_ip(const struct sc_cnode *n)
{
    return n->me && n->me->ip[0] ? n->me->ip : n->ip;
}

/* Builds MIGRATE for the keys of a GETKEYSINSLOT reply (borrowed). */
static void build_migrate(struct migrate_cmd *m, const struct sc_cnode *dst, const struct sc_reply *keys,
                          bool replace, char *portbuf, char *timeoutbuf)
{
    const struct sc_opts *o = sc_out.o;
    int cap = (int)keys->count + 12;
    m->argv = sc_xmalloc((size_t)cap * sizeof(*m->argv));
    m->lens = sc_xmalloc((size_t)cap * sizeof(*m->lens));
    int a = 0;
    snprintf(portbuf, 16, "%d", dst->me && dst->me->port ? dst->me->port : dst->port);
    snprintf(timeoutbuf, 16, "%d", o->timeout_ms);
    const char *head[] = {"MIGRATE", node_ip(dst), portbuf, "", "0", timeoutbuf};
    for (size_t i = 0; i < sizeof(head) / sizeof(*head); i++)
        m->argv[a++] = head[i];
    if (replace)
        m->argv[a++] = "REPLACE";
    if (o->pass && o->user) {
        m->argv[a++] = "AUTH2";
        m->argv[a++] = o->user;
        m->argv[a++] = o->pass;
    } else if (o->pass) {
        m->argv[a++] = "AUTH";
        m->argv[a++] = o->pass;
    }
    m->argv[a++] = "KEYS";
    for (int i = 0; i < a; i++)
        m->lens[i] = strlen(m->argv[i]);
    for (size_t k = 0; k < keys->count; k++) {
        m->argv[a] = keys->elem[k]->str;
        m->lens[a] = keys->elem[k]->len;
        a++;
    }
    m->argc = a;
    m->nkeys = (int)keys->count;
}

static void free_migrate(struct migrate_cmd *m)
{
    free(m->argv);
    free(m->lens);
}

/* Reads n replies from c; fails on the first error unless it is tolerated. */
static int read_ok(struct sc_conn *c, int n, const char *what, const char *tolerated)
{
    int rc = 0;
    for (int i = 0; i < n; i++) {
        struct sc_reply *r = sc_conn_read(c);
        if (!r) {
            sc_fail("%s: %s", what, c->err);
            return -1;
        }
        if (r->type == SC_REPLY_ERROR && rc == 0 && !(tolerated && strcmp(r->str, tolerated) == 0)) {
            sc_fail("%s on %s:%d: %s", what, c->host, c->port, r->str);
            rc = -1;
        }
        sc_reply_free(r);
    }
    return rc;
}

static int open_slots(struct sc_cnode *src, struct sc_cnode *dst, const int *slots, int n)
{
    char sb[16];
    for (int i = 0; i < n; i++) {
        snprintf(sb, sizeof(sb), "%d", slots[i]);
        sc_conn_append(dst->conn, "CLUSTER", "SETSLOT", sb, "IMPORTING", src->me->id, NULL);
        sc_conn_append(src->conn, "CLUSTER", "SETSLOT", sb, "MIGRATING", dst->me->id, NULL);
    }
    if (sc_conn_flush(dst->conn) < 0 || sc_conn_flush(src->conn) < 0) {
        sc_fail("SETSLOT: %s%s", dst->conn->err, src->conn->err);
        return -1;
    }
    if (read_ok(dst->conn, n, "CLUSTER SETSLOT IMPORTING", NULL) < 0)
        return -1;
    return read_ok(src->conn, n, "CLUSTER SETSLOT MIGRATING", NULL);
}

/* DEBUG DIGEST-VALUE's answer for a missing key. A key missing on the source
 * already went over (a multi-key MIGRATE that fails on one key has moved
 * those before it). */
static bool all_zero(const char *digest)
{
    return strspn(digest, "0") == strlen(digest);
}

/* The target already has some keys: replace them only if their values are
 * the same (or --replace), as redis-cli does. */
static int resolve_busy(struct sc_cnode *src, struct sc_cnode *dst, struct migrate_cmd *m, const char *err)
{
    if (!sc_out.o->replace) {
        int first = m->argc - m->nkeys;
        const char **argv = sc_xmalloc((size_t)(m->nkeys + 2) * sizeof(*argv));
        size_t *lens = sc_xmalloc((size_t)(m->nkeys + 2) * sizeof(*lens));
        argv[0] = "DEBUG";
        argv[1] = "DIGEST-VALUE";
        lens[0] = 5;
        lens[1] = 12;
        memcpy(argv + 2, m->argv + first, (size_t)m->nkeys * sizeof(*argv));
        memcpy(lens + 2, m->lens + first, (size_t)m->nkeys * sizeof(*lens));
        struct sc_reply *a = sc_conn_cmdv(src->conn, m->nkeys + 2, argv, lens);
        struct sc_reply *b = sc_conn_cmdv(dst->conn, m->nkeys + 2, argv, lens);
        int bad = -1;
        bool ok = a && b && a->type == SC_REPLY_ARRAY && b->type == SC_REPLY_ARRAY &&
                  a->count == (size_t)m->nkeys && b->count == (size_t)m->nkeys;
        for (int k = 0; ok && k < m->nkeys && bad < 0; k++) {
            const char *da = a->elem[k]->str, *db = b->elem[k]->str;
            if (!da || !db)
                ok = false;
            else if (!all_zero(da) && !all_zero(db) && strcmp(da, db) != 0)
                bad = k;
        }
        if (!ok || bad >= 0) {
            if (!ok)
                sc_fail("MIGRATE: %s, and DEBUG DIGEST-VALUE could not compare the keys (%s); use --replace to "
                        "overwrite", err, a && a->type == SC_REPLY_ERROR ? a->str : "bad reply");
            else
                sc_fail("MIGRATE: key '%.*s' exists on the target %s with a different value; fix it by hand or "
                        "use --replace", (int)m->lens[first + bad], m->argv[first + bad], dst->addr);
        }
        sc_reply_free(a);
        sc_reply_free(b);
        free(argv);
        free(lens);
        if (!ok || bad >= 0)
            return -1;
    }
    /* Retry with REPLACE inserted after the 6 fixed arguments. */
    const char **argv = sc_xmalloc((size_t)(m->argc + 1) * sizeof(*argv));
    size_t *lens = sc_xmalloc((size_t)(m->argc + 1) * sizeof(*lens));
    memcpy(argv, m->argv, 6 * sizeof(*argv));
    memcpy(lens, m->lens, 6 * sizeof(*lens));
    argv[6] = "REPLACE";
    lens[6] = 7;
    memcpy(argv + 7, m->argv + 6, (size_t)(m->argc - 6) * sizeof(*argv));
    memcpy(lens + 7, m->lens + 6, (size_t)(m->argc - 6) * sizeof(*lens));
    struct sc_reply *r = sc_conn_cmdv(src->conn, m->argc + 1, argv, lens);
    int rc = r && r->type != SC_REPLY_ERROR ? 0 : -1;
    if (rc < 0)
        sc_fail("MIGRATE REPLACE from %s to %s: %s", src->addr, dst->addr, r ? r->str : src->conn->err);
    sc_reply_free(r);
    free(argv);
    free(lens);
    return rc;
}

/* One round: GETKEYSINSLOT for every pending slot, then MIGRATE those with
 * keys. Slots found empty are removed from pending. */
static int move_round(struct sc_cnode *src, struct sc_cnode *dst, int *pending, int *npending)
{
    char sb[16], cnt[16];
    int n = *npending;
    snprintf(cnt, sizeof(cnt), "%d", sc_out.o->pipeline);
    for (int i = 0; i < n; i++) {
        snprintf(sb, sizeof(sb), "%d", pending[i]);
        sc_conn_append(src->conn, "CLUSTER", "GETKEYSINSLOT", sb, cnt, NULL);
    }
    struct sc_reply **keys = sc_xcalloc((size_t)n, sizeof(*keys));
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        keys[i] = sc_conn_read(src->conn);
        bool ok = keys[i] && keys[i]->type == SC_REPLY_ARRAY;
        for (size_t k = 0; ok && k < keys[i]->count; k++)
            ok = keys[i]->elem[k]->type == SC_REPLY_BULK;
        if (!ok) {
            sc_fail("CLUSTER GETKEYSINSLOT on %s: %s", src->addr,
                    keys[i] ? (keys[i]->str ? keys[i]->str : "unexpected reply") : src->conn->err);
            rc = -1;
        }
    }
    struct migrate_cmd *cmds = sc_xcalloc((size_t)n, sizeof(*cmds));
    char (*ports)[16] = sc_xcalloc((size_t)n, 16);
    char (*touts)[16] = sc_xcalloc((size_t)n, 16);
    int nsent = 0, keep = 0;
    for (int i = 0; rc == 0 && i < n; i++) {
        if (keys[i]->count == 0)
            continue;
        pending[keep++] = pending[i];
        build_migrate(&cmds[nsent], dst, keys[i], false, ports[nsent], touts[nsent]);
        sc_conn_appendv(src->conn, cmds[nsent].argc, cmds[nsent].argv, cmds[nsent].lens);
        nsent++;
    }
    *npending = keep;
    /* Every reply is read before any other command goes out on this
     * connection: BUSYKEY is resolved afterwards, with its own commands. */
    char **busy = sc_xcalloc((size_t)(nsent ? nsent : 1), sizeof(*busy));
    for (int j = 0; j < nsent; j++) {
        struct sc_reply *r = sc_conn_read(src->conn);
        if (!r) {
            if (rc == 0)
                sc_fail("MIGRATE from %s: %s", src->addr, src->conn->err);
            rc = -1;
            break;
        }
        if (r->type != SC_REPLY_ERROR) {
            sc_out.moved_keys += cmds[j].nkeys;
        } else if (strstr(r->str, "BUSYKEY")) {
            busy[j] = sc_xstrdup(r->str);
        } else if (rc == 0 && (strstr(r->str, "CLUSTERDOWN") || strstr(r->str, "TRYAGAIN"))) {
            /* The target has not learnt the slots yet: retry the round. */
            snprintf(sc_out.error_buf, sizeof(sc_out.error_buf), "%s", r->str);
            rc = -EAGAIN;
        } else if (rc == 0) {
            sc_fail("MIGRATE from %s to %s: %s", src->addr, dst->addr, r->str);
            rc = -1;
        }
        sc_reply_free(r);
    }
    for (int j = 0; j < nsent; j++) {
        if (busy[j] && rc == 0) {
            rc = resolve_busy(src, dst, &cmds[j], busy[j]);
            if (rc == 0)
                sc_out.moved_keys += cmds[j].nkeys;
        }
        free(busy[j]);
    }
    free(busy);
    for (int j = 0; j < nsent; j++)
        free_migrate(&cmds[j]);
    for (int i = 0; i < n; i++)
        sc_reply_free(keys[i]);
    free(keys);
    free(cmds);
    free(ports);
    free(touts);
    return rc;
}

static int close_slots(struct sc_cluster *cl, struct sc_cnode *src, struct sc_cnode *dst, const int *slots, int n)
{
    char sb[16];
    for (int i = 0; i < n; i++) {
        snprintf(sb, sizeof(sb), "%d", slots[i]);
        sc_conn_append(dst->conn, "CLUSTER", "SETSLOT", sb, "NODE", dst->me->id, NULL);
    }
    /* The target first: it bumps its epoch and owns the slots before the
     * source stops answering ASK for them. */
    if (read_ok(dst->conn, n, "CLUSTER SETSLOT NODE (target)", NULL) < 0)
        return -1;
    for (int j = 0; j < cl->count; j++) {
        struct sc_cnode *o = &cl->n[j];
        if (o == dst || !o->conn || (o != src && !sc_cnode_is_master(o)))
            continue;
        for (int i = 0; i < n; i++) {
            snprintf(sb, sizeof(sb), "%d", slots[i]);
            sc_conn_append(o->conn, "CLUSTER", "SETSLOT", sb, "NODE", dst->me->id, NULL);
        }
        if (sc_conn_flush(o->conn) < 0) {
            sc_fail("CLUSTER SETSLOT NODE: %s", o->conn->err);
            return -1;
        }
    }
    int rc = 0;
    for (int j = 0; j < cl->count; j++) {
        struct sc_cnode *o = &cl->n[j];
        if (o == dst || !o->conn || (o != src && !sc_cnode_is_master(o)))
            continue;
        /* The source may have turned replica of the target after losing its
         * last slot: redis-cli accepts that error too. */
        if (read_ok(o->conn, n, "CLUSTER SETSLOT NODE", SETSLOT_MASTERS_ERR) < 0)
            rc = -1;
    }
    return rc;
}

int sc_move_slots(struct sc_cluster *cl, struct sc_cnode *src, struct sc_cnode *dst, const int *slots, int count,
                  bool cold)
{
    sc_out.has_moved = true;
    for (int off = 0; off < count; off += MOVE_BATCH_SLOTS) {
        int n = count - off < MOVE_BATCH_SLOTS ? count - off : MOVE_BATCH_SLOTS;
        int pending[MOVE_BATCH_SLOTS];
        memcpy(pending, slots + off, (size_t)n * sizeof(int));
        if (!cold && open_slots(src, dst, pending, n) < 0)
            return -1;
        int np = n;
        double retry_until = sc_now() + RETRY_S;
        for (int round = 0; np > 0; round++) {
            if (round >= MOVE_ROUNDS_MAX) {
                sc_fail("slots keep getting keys on %s; giving up", src->addr);
                return -1;
            }
            int mr = move_round(src, dst, pending, &np);
            if (mr == -EAGAIN && sc_now() < retry_until) {
                usleep(RETRY_SLEEP_US);
                np = n; /* re-scan the whole batch */
                memcpy(pending, slots + off, (size_t)n * sizeof(int));
                continue;
            }
            if (mr == -EAGAIN)
                sc_fail("MIGRATE from %s to %s: %s (still after %.0f s)", src->addr, dst->addr, sc_out.error_buf,
                        RETRY_S);
            if (mr < 0)
                return -1;
            sc_progress(false);
        }
        if (!cold && close_slots(cl, src, dst, slots + off, n) < 0)
            return -1;
        for (int i = 0; i < n; i++) {
            sc_slot_clear(src->nodes.lines[src->nodes.myself].slots, slots[off + i]);
            sc_slot_set(dst->nodes.lines[dst->nodes.myself].slots, slots[off + i]);
        }
        src->nodes.lines[src->nodes.myself].slots_count -= n;
        dst->nodes.lines[dst->nodes.myself].slots_count += n;
        sc_out.moved_slots += n;
        sc_progress(false);
    }
    return 0;
}
