/*
 * repl_wait.c — WAIT numreplicas timeout (spec replication.md §9): counting
 * the replicas whose ACK reached a client's last write, blocking the client
 * until enough do or its time is up, and asking replicas for ACKs
 * (REPLCONF GETACK *, once per loop iteration for all waiters).
 *
 * Does not own the ACKs themselves (REPLCONF in repl_master.c) nor what a
 * blocked client is (node/client.c).
 */
#include <stdint.h>
#include <string.h>

#include "node/commands.h"
#include "node/core/core.h"
#include "node/propagate.h"
#include "node/repl_master_int.h"
#include "node/server.h"

static void arm_timer(struct repl *r);

int repl__count_acked(const struct repl *r, int64_t offset)
{
    int n = 0;
    for (const struct repl_client *rc = r->m->replicas; rc; rc = rc->next)
        n += rc->state == REPL_RS_ONLINE && rc->ack_off >= offset;
    return n;
}

static void remove_at(struct repl_master_state *m, int i)
{
    core_assert(i >= 0 && i < m->nwaiters);
    m->waiters[i] = m->waiters[--m->nwaiters];
}

/* Replies the count and lets the client go on with its input. */
static void release(struct repl *r, int i, int acked)
{
    struct node_client *c = r->m->waiters[i].c;
    remove_at(r->m, i);
    node_reply_int(&c->out, acked);
    node_client_unblock(c);
}

static void on_wait_timer(uv_timer_t *t)
{
    struct repl *r = t->data;
    struct repl_master_state *m = r->m;
    m->wait_timer_armed = false;
    int64_t now_ms = core_time_ms();
    for (int i = m->nwaiters - 1; i >= 0; i--) {
        struct repl_waiter *w = &m->waiters[i];
        if (w->deadline_ms && w->deadline_ms <= now_ms)
            release(r, i, repl__count_acked(r, w->target));
    }
    arm_timer(r);
}

/* The timer fires at the earliest deadline of any waiter. */
static void arm_timer(struct repl *r)
{
    struct repl_master_state *m = r->m;
    int64_t first = 0;
    for (int i = 0; i < m->nwaiters; i++) {
        int64_t d = m->waiters[i].deadline_ms;
        if (d && (!first || d < first))
            first = d;
    }
    if (!first) {
        if (m->wait_timer_armed)
            uv_timer_stop(&m->wait_timer);
        m->wait_timer_armed = false;
        return;
    }
    int64_t delay = first - core_time_ms();
    uv_timer_start(&m->wait_timer, on_wait_timer, (uint64_t)CORE_MAX(delay, 0), 0);
    m->wait_timer_armed = true;
}

void repl__wait_init(struct repl *r)
{
    struct repl_master_state *m = r->m;
    uv_timer_init(r->srv->loop, &m->wait_timer);
    m->wait_timer.data = r;
}

void repl__wait_free(struct repl *r)
{
    /* The timer handle was closed with the loop at shutdown; it lives in m. */
    core_free(r->m->waiters);
    r->m->waiters = NULL;
    r->m->nwaiters = r->m->waiters_cap = 0;
}

static const char wait_on_replica[] =
    "ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is "
    "configured to be writable (which is not the default) writes to replicas are just local and are not "
    "propagated.";

/* Parses the timeout as Redis does for milliseconds: the absolute deadline, 0 = none. */
static bool parse_timeout(struct node_client *c, int64_t now_ms, int64_t *deadline_ms)
{
    long long ms;
    if (!node_arg_ll(c, 2, &ms, "ERR timeout is not an integer or out of range"))
        return false;
    if (ms < 0) {
        node_reply_error(&c->out, "ERR timeout is negative");
        return false;
    }
    if (ms > 0 && ms > INT64_MAX - now_ms) {
        node_reply_error(&c->out, "ERR timeout is out of range");
        return false;
    }
    *deadline_ms = ms > 0 ? now_ms + ms : 0;
    return true;
}

void node_cmd_wait(struct node_client *c)
{
    struct repl *r = c->srv->repl;
    struct repl_master_state *m = r->m;
    if (repl_is_replica(r)) {
        node_reply_error(&c->out, wait_on_replica);
        return;
    }
    long long numreplicas;
    int64_t now_ms = core_time_ms(), deadline_ms;
    if (!node_arg_ll(c, 1, &numreplicas, NULL) || !parse_timeout(c, now_ms, &deadline_ms))
        return;
    int acked = repl__count_acked(r, c->woff);
    if (acked >= numreplicas || (c->flags & (NODE_CLIENT_MULTI | NODE_CLIENT_IN_EXEC))) {
        node_reply_int(&c->out, acked);
        return;
    }
    if (m->nwaiters == m->waiters_cap) {
        m->waiters_cap = m->waiters_cap ? m->waiters_cap * 2 : REPL_WAITERS_INIT;
        m->waiters = core_realloc(m->waiters, (size_t)m->waiters_cap * sizeof(*m->waiters));
    }
    m->waiters[m->nwaiters++] = (struct repl_waiter){c, c->woff, numreplicas, deadline_ms};
    c->bpop_timeout_ms = deadline_ms;
    node_client_block(c);
    m->get_ack = true;
    if (deadline_ms)
        arm_timer(r);
}

void repl__wait_before_sleep(struct repl *r)
{
    struct repl_master_state *m = r->m;
    bool released = false;
    for (int i = m->nwaiters - 1; i >= 0; i--) {
        struct repl_waiter *w = &m->waiters[i];
        int acked = repl__count_acked(r, w->target);
        if (acked >= w->numreplicas) {
            release(r, i, acked);
            released = true;
        }
    }
    if (released)
        arm_timer(r);
    if (m->get_ack) {
        static const char getack[] = "*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n";
        m->get_ack = false;
        node_prop_raw(r->srv, getack, sizeof(getack) - 1);
    }
}

void repl__wait_client_closed(struct repl *r, struct node_client *c)
{
    struct repl_master_state *m = r->m;
    if (!m)
        return;
    for (int i = 0; i < m->nwaiters; i++) {
        if (m->waiters[i].c == c) {
            remove_at(m, i);
            arm_timer(r);
            return;
        }
    }
}
