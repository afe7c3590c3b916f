/*
 * block.c — clients blocked on keys: per-key FIFO queues of waiting
 * clients, the list of keys signalled ready, rerunning a waiting client's
 * command when one of its keys is ready, timeouts, and (cluster mode)
 * answering clients whose key is no longer served here.
 *
 * A blocked client's command is kept as a private copy of its argv (the
 * query buffer moves on while it waits) and rerun through node_call, so a
 * served pop is counted, clocked and propagated like any command. Ready
 * keys are kept by name, not by queue: a queue may vanish (its last client
 * timed out) while its key still waits to be handled.
 *
 * Does not own what a command serves (cmd_list.c, cmd_zset.c) nor when a
 * blocked client's input resumes (client.c).
 */
#include "node/block.h"
#include "node/cluster.h"
#include "node/core/core.h"
#include "node/ds_hash.h"
#include "node/node_int.h"
#include "node/util.h"
#include "slots/slots.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* How often blocked clients are checked against the slot map (Redis: the
 * clients cron, which visits every client about once a second). */
#define BLOCK_CLUSTER_CHECK_MS 100

/* A client's place in one key's queue. */
struct bslot {
    struct bslot *prev, *next;
    struct node_block_client *b;
};

struct bkey {
    void *link; /* ds_hash chain: must stay first */
    struct bslot *head, *tail;
    bool ready; /* queued in the ready list */
    size_t klen;
    char key[];
};

struct ready_key {
    char *key;
    size_t klen;
};

struct node_block_state {
    struct ds_hash keys; /* of struct bkey */
    struct ready_key *ready;
    size_t nready, ready_cap;
    struct node_block_client *clients; /* every blocked client */
    size_t nclients;
    uv_timer_t timer; /* at the earliest deadline */
    int64_t timer_at; /* 0 = not armed */
    uv_timer_t cluster_timer;
    bool cluster_timer_on;
    bool handling; /* inside node_block_handle_ready */
};

struct node_block_client {
    struct node_client *c;
    const struct node_cmd *cmd;
    int argc;
    char **argv; /* one allocation with argl and the bytes */
    size_t *argl;
    int nkeys;
    struct bkey **keys;
    struct bslot *slots;
    int64_t deadline_ms;
    enum node_block_nil nil;
    enum node_ks_type want; /* the type that can serve it */
    bool rerun, reblocked;
    const char *serving;    /* during a rerun: the ready key it is served from */
    size_t serving_len;
    struct node_block_client *prev, *next; /* state->clients */
};

static const void *bkey_key(const void *entry, size_t *len)
{
    const struct bkey *k = entry;
    *len = k->klen;
    return k->key;
}

static struct bkey *find(const struct node_block_state *st, const char *key, size_t klen)
{
    return ds_hash_find(&st->keys, key, klen);
}

static struct bkey *find_or_add(struct node_block_state *st, const char *key, size_t klen)
{
    struct bkey *k = find(st, key, klen);
    if (k)
        return k;
    k = core_calloc(1, sizeof(*k) + klen);
    k->klen = klen;
    memcpy(k->key, key, klen);
    ds_hash_add(&st->keys, k);
    return k;
}

static void remove_key(struct node_block_state *st, struct bkey *k)
{
    struct bkey *gone = ds_hash_remove(&st->keys, k->key, k->klen);
    core_assert(gone == k);
    core_free(k);
}

static struct node_block_state *state(struct node_server *srv)
{
    struct node_block_state *st = srv->block;
    if (st)
        return st;
    st = srv->block = core_calloc(1, sizeof(*st));
    ds_hash_init(&st->keys, bkey_key);
    uv_timer_init(srv->loop, &st->timer);
    st->timer.data = srv;
    uv_timer_init(srv->loop, &st->cluster_timer);
    st->cluster_timer.data = srv;
    return st;
}

static void arm_timer(struct node_server *srv);

static void finish(struct node_block_client *b);

static void on_timer(uv_timer_t *t)
{
    struct node_server *srv = t->data;
    struct node_block_state *st = srv->block;
    st->timer_at = 0;
    int64_t now = core_time_ms();
    for (struct node_block_client *b = st->clients, *next; b; b = next) {
        next = b->next;
        if (!b->deadline_ms || b->deadline_ms > now || (b->c->flags & NODE_CLIENT_CLOSING))
            continue;
        /* Redis 7.0 answers every timed-out list or zset wait with a null
         * array, BLMOVE and BRPOPLPUSH included (b->nil is what they
         * answer when they cannot block, e.g. inside MULTI). */
        node_reply_null_array(&b->c->out);
        finish(b);
    }
    arm_timer(srv);
}

static void arm_timer(struct node_server *srv)
{
    struct node_block_state *st = srv->block;
    int64_t first = 0;
    for (const struct node_block_client *b = st->clients; b; b = b->next)
        if (b->deadline_ms && (!first || b->deadline_ms < first))
            first = b->deadline_ms;
    if (first == st->timer_at)
        return;
    st->timer_at = first;
    if (!first) {
        uv_timer_stop(&st->timer);
        return;
    }
    /* The loop's clock may lag the wall clock: never fire early for good,
     * on_timer re-arms if it did. */
    int64_t delay = first - core_time_ms();
    uv_timer_start(&st->timer, on_timer, (uint64_t)CORE_MAX(delay, 1), 0);
}

bool node_block_parse_timeout(struct node_client *c, int argi, int64_t *deadline_ms)
{
    long double secs;
    if (!node_util_parse_ldouble(c->argv[argi], c->argl[argi], &secs)) {
        node_reply_error(&c->out, "ERR timeout is not a float or out of range");
        return false;
    }
    /* Redis 7.0 rounds up to whole ms; a value past the int64 range turns
     * negative there, hence its (odd) "negative" error for 1e30 or inf. */
    long double ms = ceill(secs * 1000.0L);
    if (!(ms < 9223372036854775807.0L) || ms < 0) {
        node_reply_error(&c->out, "ERR timeout is negative");
        return false;
    }
    long long tval = (long long)ms;
    int64_t now = core_time_ms();
    if (tval == 0)
        *deadline_ms = 0;
    else
        *deadline_ms = tval > INT64_MAX - now ? INT64_MAX : now + tval; /* Redis: wraps, waits forever */
    return true;
}

bool node_block_allowed(const struct node_client *c)
{
    return !(c->flags & (NODE_CLIENT_MULTI | NODE_CLIENT_IN_EXEC | NODE_CLIENT_MASTER));
}

bool node_block_rerun(const struct node_client *c)
{
    return c->block && c->block->rerun;
}

bool node_block_serving(const struct node_client *c, int argi)
{
    const struct node_block_client *b = c->block;
    if (!b || !b->rerun || !b->serving)
        return true;
    return c->argl[argi] == b->serving_len && memcmp(c->argv[argi], b->serving, b->serving_len) == 0;
}

/* Copies argv into one allocation (pointers, lengths, NUL-ended bytes). */
static void copy_argv(struct node_block_client *b, const struct node_client *c)
{
    size_t data = 0;
    for (int i = 0; i < c->argc; i++)
        data += c->argl[i] + 1;
    size_t head = (size_t)c->argc * (sizeof(char *) + sizeof(size_t));
    char *block = core_malloc(head + data);
    b->argc = c->argc;
    b->argv = (char **)block;
    b->argl = (size_t *)(block + (size_t)c->argc * sizeof(char *));
    char *w = block + head;
    for (int i = 0; i < c->argc; i++) {
        memcpy(w, c->argv[i], c->argl[i]);
        w[c->argl[i]] = '\0';
        b->argv[i] = w;
        b->argl[i] = c->argl[i];
        w += c->argl[i] + 1;
    }
}

static void cluster_timer_update(struct node_server *srv);

void node_block_keys(struct node_client *c, const int *key_idx, int nkeys, int64_t deadline_ms,
                     enum node_ks_type want, enum node_block_nil nil)
{
    struct node_block_client *b = c->block;
    if (b && b->rerun) {
        b->reblocked = true; /* keeps its place in every queue */
        return;
    }
    core_assert(!b && nkeys > 0);
    struct node_server *srv = c->srv;
    struct node_block_state *st = state(srv);
    b = core_calloc(1, sizeof(*b));
    b->c = c;
    b->cmd = c->cmd;
    b->deadline_ms = deadline_ms;
    b->nil = nil;
    b->want = want;
    copy_argv(b, c);
    b->keys = core_malloc((size_t)nkeys * sizeof(*b->keys));
    b->slots = core_calloc((size_t)nkeys, sizeof(*b->slots));
    for (int i = 0; i < nkeys; i++) {
        struct bkey *k = find_or_add(st, b->argv[key_idx[i]], b->argl[key_idx[i]]);
        /* BLPOP k k: one place in k's queue. b's place in k, if any, is
         * its tail: nobody else queued since. */
        if (k->tail && k->tail->b == b)
            continue;
        struct bslot *s = &b->slots[b->nkeys];
        b->keys[b->nkeys++] = k;
        s->b = b;
        s->prev = k->tail;
        if (k->tail)
            k->tail->next = s;
        else
            k->head = s;
        k->tail = s;
    }
    b->next = st->clients;
    if (st->clients)
        st->clients->prev = b;
    st->clients = b;
    st->nclients++;
    c->block = b;
    c->bpop_timeout_ms = deadline_ms;
    node_client_block(c);
    if (deadline_ms && (!st->timer_at || deadline_ms < st->timer_at))
        arm_timer(srv);
    cluster_timer_update(srv);
}

/* Drops b from every queue and frees it; c->block becomes NULL. */
static void forget(struct node_block_client *b)
{
    struct node_server *srv = b->c->srv;
    struct node_block_state *st = srv->block;
    for (int i = 0; i < b->nkeys; i++) {
        struct bkey *k = b->keys[i];
        struct bslot *s = &b->slots[i];
        if (s->prev)
            s->prev->next = s->next;
        else
            k->head = s->next;
        if (s->next)
            s->next->prev = s->prev;
        else
            k->tail = s->prev;
        if (!k->head)
            remove_key(st, k);
    }
    if (b->prev)
        b->prev->next = b->next;
    else
        st->clients = b->next;
    if (b->next)
        b->next->prev = b->prev;
    st->nclients--;
    b->c->block = NULL;
    core_free(b->argv);
    core_free(b->keys);
    core_free(b->slots);
    core_free(b);
    /* A timer left for a deadline that went with b fires for nothing and
     * re-arms: cheaper than finding the next deadline on every unblock. */
    if (!st->nclients && st->timer_at) {
        uv_timer_stop(&st->timer);
        st->timer_at = 0;
    }
    cluster_timer_update(srv);
}

/* Answered: the client reads its input again. */
static void finish(struct node_block_client *b)
{
    struct node_client *c = b->c;
    forget(b);
    node_client_unblock(c);
}

void node_block_client_closed(struct node_client *c)
{
    if (c->block)
        forget(c->block);
}

void node_key_ready(struct node_server *srv, const char *key, size_t klen)
{
    struct node_block_state *st = srv->block;
    if (!st || !st->nclients)
        return;
    struct bkey *k = find(st, key, klen);
    if (!k || k->ready)
        return;
    k->ready = true;
    if (st->nready == st->ready_cap) {
        st->ready_cap = st->ready_cap ? st->ready_cap * 2 : 8;
        st->ready = core_realloc(st->ready, st->ready_cap * sizeof(*st->ready));
    }
    st->ready[st->nready++] = (struct ready_key){core_strndup(key, klen), klen};
}

/* Runs b's command again, to be served from key; true if it served (b is
 * gone then). */
static bool rerun(struct node_server *srv, struct node_block_client *b, const char *key, size_t klen)
{
    struct node_client *c = b->c;
    b->serving = key;
    b->serving_len = klen;
    c->cmd = b->cmd;
    c->argc = b->argc;
    c->argv = (const char **)b->argv;
    c->argl = b->argl;
    b->rerun = true;
    b->reblocked = false;
    node_ks_set_now(srv->ks, core_time_ms());
    node_call(c);
    /* Redis counts a blocking command once (calls, total_commands): the
     * first run already was. */
    node_cmd_stats(b->cmd)->calls--;
    srv->stats.total_commands--;
    b->rerun = false;
    b->serving = NULL;
    c->argc = 0;
    if (b->reblocked)
        return false;
    finish(b);
    return true;
}

/* Serves key's waiters in the order they blocked while the key holds
 * something of the type they want. */
static void serve_key(struct node_server *srv, const char *key, size_t klen)
{
    struct node_block_state *st = srv->block;
    struct bkey *k = find(st, key, klen);
    if (!k)
        return;
    k->ready = false;
    for (struct bslot *s = k->head, *next; s; s = next) {
        next = s->next; /* s may go with its client; k too when s was last */
        struct node_block_client *b = s->b;
        if (b->c->flags & (NODE_CLIENT_CLOSING | NODE_CLIENT_CLOSE_AFTER_REPLY))
            continue;
        struct node_ks_entry *e = node_ks_find(srv->ks, key, klen, NODE_KS_NOTOUCH);
        if (!e)
            return;
        if (node_ks_entry_type(e) != b->want)
            continue;
        rerun(srv, b, key, klen);
    }
}

void node_block_handle_ready(struct node_server *srv)
{
    struct node_block_state *st = srv->block;
    if (!st || !st->nready || st->handling)
        return;
    st->handling = true;
    /* Serving may make more keys ready (BLMOVE's destination): loop until
     * no key is left, as Redis's handleClientsBlockedOnKeys. */
    while (st->nready) {
        struct ready_key *list = st->ready;
        size_t n = st->nready;
        st->ready = NULL;
        st->nready = st->ready_cap = 0;
        for (size_t i = 0; i < n; i++) {
            serve_key(srv, list[i].key, list[i].klen);
            core_free(list[i].key);
        }
        core_free(list);
    }
    st->handling = false;
}

/* The redirect for b's keys (they share one slot), or false to keep waiting. */
static bool cluster_redirect(struct node_server *srv, const struct node_block_client *b, char *text, size_t size)
{
    struct gossip *g = srv->gossip;
    if (!g->state_ok) {
        snprintf(text, size, "CLUSTERDOWN The cluster is down");
        return true;
    }
    if (b->nkeys == 0)
        return false;
    int slot = slots_keyslot(b->keys[0]->key, b->keys[0]->klen);
    int32_t owner = slots_map_owner(&g->map, slot);
    if (owner == g->myself->index || slots_map_importing_from(&g->map, slot) != SLOTS_NODE_NONE)
        return false;
    if (owner == SLOTS_NODE_NONE) {
        snprintf(text, size, "CLUSTERDOWN Hash slot not served");
        return true;
    }
    const struct gossip_node *n = gossip_node_at(g, owner);
    const char *endpoint = node_cluster_endpoint(srv, n);
    snprintf(text, size, "MOVED %d %s:%d", slot, endpoint ? endpoint : "", n->port);
    return true;
}

void node_block_cluster_changed(struct node_server *srv)
{
    struct node_block_state *st = srv->block;
    if (!st || !srv->gossip)
        return;
    for (struct node_block_client *b = st->clients, *next; b; b = next) {
        next = b->next;
        char text[256];
        if ((b->c->flags & NODE_CLIENT_CLOSING) || !cluster_redirect(srv, b, text, sizeof(text)))
            continue;
        node_reply_error(&b->c->out, text);
        finish(b);
    }
}

static void on_cluster_timer(uv_timer_t *t)
{
    node_block_cluster_changed(t->data);
}

static void cluster_timer_update(struct node_server *srv)
{
    struct node_block_state *st = srv->block;
    bool want = srv->gossip && st->nclients > 0;
    if (want == st->cluster_timer_on)
        return;
    st->cluster_timer_on = want;
    if (want)
        uv_timer_start(&st->cluster_timer, on_cluster_timer, BLOCK_CLUSTER_CHECK_MS, BLOCK_CLUSTER_CHECK_MS);
    else
        uv_timer_stop(&st->cluster_timer);
}

void node_block_free(struct node_server *srv)
{
    struct node_block_state *st = srv->block;
    if (!st)
        return;
    while (st->clients)
        forget(st->clients);
    for (size_t i = 0; i < st->nready; i++)
        core_free(st->ready[i].key);
    core_free(st->ready);
    ds_hash_clear(&st->keys, NULL); /* forget() removed every key */
    core_free(st);
    srv->block = NULL;
}
