/*
 * pause.c — client pauses (CLIENT PAUSE, the failover pause) and the queue
 * of postponed clients. See pause.h for the rules.
 *
 * Owns: one pause per purpose, the timer that ends them, and the FIFO of
 * postponed clients. Does not own blocking itself (client.c), nor what a
 * command's flags are (cmd_table.c), nor deciding when a failover pauses
 * (gossip/).
 *
 * Why purposes: CLIENT UNPAUSE must not lift the pause a manual failover
 * holds on the master (the replica is catching up to a fixed offset; a write
 * let through would make it wait for an offset it never sees, or lose the
 * write when it takes over). Redis 7.0 keeps one pause per purpose too
 * (client_pause_per_purpose) and UNPAUSE lifts only the client's.
 */
#include "node/pause.h"
#include "node/core/core.h"
#include "node/core/core_log.h"
#include "node/node_int.h"

struct pause_slot {
    enum node_pause_type type; /* NODE_PAUSE_OFF: not held */
    int64_t until_ms;          /* unix ms */
};

struct node_pause {
    struct pause_slot slot[NODE_PAUSE_PURPOSE_COUNT];
    enum node_pause_type effective; /* as of the last update */
    uv_timer_t timer;
    bool timer_started;
    struct node_client *head, *tail; /* postponed, oldest first */
    int32_t count;
};

void node_pause_init(struct node_server *srv)
{
    struct node_pause *p = core_calloc(1, sizeof(*p));
    uv_timer_init(srv->loop, &p->timer);
    p->timer.data = srv;
    srv->pause = p;
}

void node_pause_free(struct node_server *srv)
{
    core_free(srv->pause);
    srv->pause = NULL;
}

static enum node_pause_type effective_at(const struct node_pause *p, int64_t now_ms)
{
    enum node_pause_type t = NODE_PAUSE_OFF;
    for (int i = 0; i < NODE_PAUSE_PURPOSE_COUNT; i++)
        if (p->slot[i].type > t && p->slot[i].until_ms > now_ms)
            t = p->slot[i].type;
    return t;
}

enum node_pause_type node_pause_current(const struct node_server *srv)
{
    /* effective is recomputed on every change, so OFF needs no clock read
     * (this runs for every command). */
    if (!srv->pause || srv->pause->effective == NODE_PAUSE_OFF)
        return NODE_PAUSE_OFF;
    return effective_at(srv->pause, core_time_ms());
}

bool node_pause_writes_paused(const struct node_server *srv)
{
    return node_pause_current(srv) != NODE_PAUSE_OFF;
}

bool node_pause_failover_active(const struct node_server *srv)
{
    const struct pause_slot *s = &srv->pause->slot[NODE_PAUSE_FAILOVER];
    return s->type != NODE_PAUSE_OFF && s->until_ms > core_time_ms();
}

/* Every postponed client runs its command again (in order); those the
 * remaining pause still covers are postponed again, in the same order. */
static void resume_all(struct node_server *srv)
{
    struct node_pause *p = srv->pause;
    struct node_client *c = p->head;
    p->head = p->tail = NULL;
    p->count = 0;
    while (c) {
        struct node_client *next = c->postponed_next;
        c->postponed_next = NULL;
        c->flags &= ~NODE_CLIENT_POSTPONED;
        node_client_unblock(c);
        c = next;
    }
}

static void on_timer(uv_timer_t *t);

/* Drops expired purposes, resumes clients if the pause weakened, and arms
 * the timer for the next deadline. */
static void update(struct node_server *srv)
{
    struct node_pause *p = srv->pause;
    int64_t now_ms = core_time_ms();
    int64_t next_ms = 0;
    for (int i = 0; i < NODE_PAUSE_PURPOSE_COUNT; i++) {
        struct pause_slot *s = &p->slot[i];
        if (s->type != NODE_PAUSE_OFF && s->until_ms <= now_ms)
            *s = (struct pause_slot){0};
        if (s->type != NODE_PAUSE_OFF && (!next_ms || s->until_ms < next_ms))
            next_ms = s->until_ms;
    }
    enum node_pause_type now_type = effective_at(p, now_ms);
    if (now_type < p->effective && p->head)
        resume_all(srv);
    p->effective = now_type;
    if (next_ms) {
        uv_timer_start(&p->timer, on_timer, (uint64_t)(next_ms - now_ms), 0);
        p->timer_started = true;
    } else if (p->timer_started) {
        uv_timer_stop(&p->timer);
        p->timer_started = false;
    }
}

static void on_timer(uv_timer_t *t)
{
    struct node_server *srv = t->data;
    srv->pause->timer_started = false;
    update(srv);
}

void node_pause_by_client(struct node_server *srv, enum node_pause_type type, int64_t until_ms)
{
    struct pause_slot *s = &srv->pause->slot[NODE_PAUSE_BY_CLIENT];
    core_assert(type != NODE_PAUSE_OFF);
    if (s->type != NODE_PAUSE_OFF && s->until_ms > core_time_ms()) {
        s->type = CORE_MAX(s->type, type);
        s->until_ms = CORE_MAX(s->until_ms, until_ms);
    } else {
        *s = (struct pause_slot){type, until_ms};
    }
    update(srv);
}

void node_pause_failover(struct node_server *srv, int64_t until_ms)
{
    struct pause_slot *s = &srv->pause->slot[NODE_PAUSE_FAILOVER];
    if (until_ms <= 0) {
        node_pause_lift(srv, NODE_PAUSE_FAILOVER);
        return;
    }
    *s = (struct pause_slot){NODE_PAUSE_WRITE, until_ms};
    update(srv);
}

void node_pause_lift(struct node_server *srv, enum node_pause_purpose purpose)
{
    core_assert(purpose >= 0 && purpose < NODE_PAUSE_PURPOSE_COUNT);
    srv->pause->slot[purpose] = (struct pause_slot){0};
    update(srv);
}

bool node_pause_must_postpone(const struct node_client *c, uint32_t flags)
{
    /* Replicas and the master link are never paused: the offset they carry
     * is exactly what a failover waits on. */
    if (c->flags & (NODE_CLIENT_REPLICA | NODE_CLIENT_MASTER))
        return false;
    switch (node_pause_current(c->srv)) {
    case NODE_PAUSE_ALL:
        return true;
    case NODE_PAUSE_WRITE:
        return (flags & (NODE_CMD_WRITE | NODE_CMD_MAY_REPLICATE)) != 0;
    case NODE_PAUSE_OFF:
        break;
    }
    return false;
}

void node_pause_postpone(struct node_client *c)
{
    struct node_pause *p = c->srv->pause;
    core_assert(!(c->flags & NODE_CLIENT_POSTPONED));
    c->flags |= NODE_CLIENT_POSTPONED;
    c->postponed_next = NULL;
    if (p->tail)
        p->tail->postponed_next = c;
    else
        p->head = c;
    p->tail = c;
    p->count++;
    node_client_block(c);
}

void node_pause_client_closed(struct node_client *c)
{
    struct node_pause *p = c->srv->pause;
    if (!p || !(c->flags & NODE_CLIENT_POSTPONED))
        return;
    struct node_client *prev = NULL;
    for (struct node_client *x = p->head; x; prev = x, x = x->postponed_next) {
        if (x != c)
            continue;
        if (prev)
            prev->postponed_next = c->postponed_next;
        else
            p->head = c->postponed_next;
        if (p->tail == c)
            p->tail = prev;
        p->count--;
        break;
    }
    c->flags &= ~NODE_CLIENT_POSTPONED;
    c->postponed_next = NULL;
}

int32_t node_pause_postponed_count(const struct node_server *srv)
{
    return srv->pause ? srv->pause->count : 0;
}
