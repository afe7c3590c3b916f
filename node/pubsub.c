/*
 * pubsub.c — who is subscribed to what on this node, and delivering
 * messages to them (Redis 7.0's pubsub.c semantics).
 *
 * Owns: the server's three name tables (channels, patterns, shard channels)
 * mapping a name to its subscribers, each client's subscriptions, the
 * (p|s)(un)subscribe and message replies in RESP2 and RESP3 (push), and
 * dropping shard channels whose slot left this node's shard.
 *
 * Does not own: the commands' argument handling (cmd_pubsub.c), sending
 * PUBLISH over the cluster bus (cmd_pubsub.c calls gossip), keyspace
 * notifications (notify.c), nor the RESP2 subscribed-context check
 * (dispatch.c asks node_pubsub_client_is_subscribed).
 *
 * One subscription is one link object, listed both in the name's
 * subscriber array and in the client's array of that kind, each knowing its
 * index in the other, so unsubscribing is O(1) once the link is found (the
 * search scans the shorter of the two arrays). A name with no subscribers
 * left is removed, as Redis removes the dict entry.
 */
#include "node/pubsub.h"
#include "gossip/gossip.h"
#include "node/core/core.h"
#include "node/node_int.h"
#include "node/reply.h"
#include "node/server.h"
#include "node/util.h"
#include "slots/slots.h"

#include <string.h>

#define PS_KINDS 3
#define PS_BUCKETS_MIN 16

__extension__ typedef unsigned __int128 ps_u128;

struct ps_link;

/* One name with at least one subscriber. */
struct ps_sub {
    struct ps_sub *chain;                /* hash bucket */
    struct ps_sub *all_prev, *all_next;  /* the table in insertion order */
    uint64_t hash;
    struct ps_link **links;              /* subscribers */
    size_t count, cap;
    int slot;                            /* shard channels: the channel's slot */
    size_t len;
    char name[];
};

struct ps_table {
    struct ps_sub **buckets;
    size_t mask;                         /* buckets - 1; 0 when none allocated */
    size_t count;
    struct ps_sub *all_head, *all_tail;
};

/* Client c subscribed to sub. */
struct ps_link {
    struct ps_sub *sub;
    struct node_client *c;
    size_t sub_index;                    /* in sub->links */
    size_t client_index;                 /* in c->pubsub->links[kind] */
};

struct node_pubsub_client {
    struct ps_link **links[PS_KINDS];
    size_t count[PS_KINDS], cap[PS_KINDS];
};

struct node_pubsub_state {
    struct ps_table tables[PS_KINDS];
    uint64_t seed[2];
    /* cluster mode: slots with shard channels, and how many in each */
    struct slots_bitmap shard_slots;
    uint32_t *shard_slot_channels;       /* SLOTS_COUNT counters, allocated on first use */
    int32_t *shard_slot_owner;           /* SLOTS_COUNT: the slot's owner when last checked */
};

static const char *const subscribe_names[PS_KINDS] = {"subscribe", "psubscribe", "ssubscribe"};
static const char *const unsubscribe_names[PS_KINDS] = {"unsubscribe", "punsubscribe", "sunsubscribe"};

/* ---- the name tables ---- */

static inline uint64_t fold(uint64_t a, uint64_t b)
{
    ps_u128 r = (ps_u128)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

/* Seeded: channel names come from clients, so bucket collisions must not be
 * predictable. */
static uint64_t name_hash(const struct node_pubsub_state *ps, const char *s, size_t n)
{
    uint64_t h = ps->seed[0] ^ ((uint64_t)n * 0x9e3779b97f4a7c15ull);
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = fold(w ^ ps->seed[1], h ^ 0xd6e8feb86659fd93ull);
        s += 8;
        n -= 8;
    }
    uint64_t tail = 0;
    memcpy(&tail, s, n);
    return fold(tail ^ ps->seed[1] ^ 0xc2b2ae3d27d4eb4full, h ^ ps->seed[0]);
}

static struct ps_sub *table_find(const struct node_pubsub_state *ps, const struct ps_table *t, const char *name,
                                 size_t len)
{
    if (t->count == 0)
        return NULL;
    uint64_t h = name_hash(ps, name, len);
    for (struct ps_sub *s = t->buckets[h & t->mask]; s; s = s->chain)
        if (s->hash == h && s->len == len && memcmp(s->name, name, len) == 0)
            return s;
    return NULL;
}

static void table_resize(struct ps_table *t, size_t size)
{
    struct ps_sub **b = core_calloc(size, sizeof(*b));
    for (struct ps_sub *s = t->all_head; s; s = s->all_next) {
        s->chain = b[s->hash & (size - 1)];
        b[s->hash & (size - 1)] = s;
    }
    core_free(t->buckets);
    t->buckets = b;
    t->mask = size - 1;
}

static struct ps_sub *table_add(struct node_pubsub_state *ps, struct ps_table *t, const char *name, size_t len)
{
    if (t->count + 1 > (t->mask ? t->mask + 1 : 0))
        table_resize(t, t->mask ? (t->mask + 1) * 2 : PS_BUCKETS_MIN);
    struct ps_sub *s = core_calloc(1, sizeof(*s) + len + 1);
    s->hash = name_hash(ps, name, len);
    s->len = len;
    memcpy(s->name, name, len);
    s->slot = slots_keyslot(name, len);
    s->chain = t->buckets[s->hash & t->mask];
    t->buckets[s->hash & t->mask] = s;
    s->all_prev = t->all_tail;
    if (t->all_tail)
        t->all_tail->all_next = s;
    else
        t->all_head = s;
    t->all_tail = s;
    t->count++;
    return s;
}

static void table_del(struct ps_table *t, struct ps_sub *s)
{
    core_assert(s->count == 0 && t->count > 0);
    struct ps_sub **pp = &t->buckets[s->hash & t->mask];
    while (*pp != s)
        pp = &(*pp)->chain;
    *pp = s->chain;
    if (s->all_prev)
        s->all_prev->all_next = s->all_next;
    else
        t->all_head = s->all_next;
    if (s->all_next)
        s->all_next->all_prev = s->all_prev;
    else
        t->all_tail = s->all_prev;
    t->count--;
    core_free(s->links);
    core_free(s);
    /* give back the buckets of a mass unsubscribe */
    if (t->mask + 1 > PS_BUCKETS_MIN && t->count < (t->mask + 1) / 8)
        table_resize(t, (t->mask + 1) / 4);
}

static void table_free(struct ps_table *t)
{
    for (struct ps_sub *s = t->all_head, *next; s; s = next) {
        next = s->all_next;
        core_free(s->links);
        core_free(s);
    }
    core_free(t->buckets);
    memset(t, 0, sizeof(*t));
}

static struct node_pubsub_state *state_of(struct node_server *srv)
{
    if (!srv->pubsub) {
        srv->pubsub = core_calloc(1, sizeof(*srv->pubsub));
        core_random_bytes(srv->pubsub->seed, sizeof(srv->pubsub->seed));
    }
    return srv->pubsub;
}

/* ---- shard channels per slot (cluster mode) ---- */

static int32_t slot_owner(const struct node_server *srv, int slot)
{
    return srv->gossip ? slots_map_owner(&srv->gossip->map, slot) : SLOTS_NODE_NONE;
}

static void shard_slot_count(struct node_server *srv, int slot, int delta)
{
    struct node_pubsub_state *ps = srv->pubsub;
    if (!ps->shard_slot_channels) {
        ps->shard_slot_channels = core_calloc(SLOTS_COUNT, sizeof(uint32_t));
        ps->shard_slot_owner = core_calloc(SLOTS_COUNT, sizeof(int32_t));
    }
    uint32_t *n = &ps->shard_slot_channels[slot];
    core_assert(delta > 0 || *n > 0);
    if (*n == 0)
        ps->shard_slot_owner[slot] = slot_owner(srv, slot);
    *n = (uint32_t)((int64_t)*n + delta);
    if (*n == 0)
        slots_bitmap_del(&ps->shard_slots, slot);
    else
        slots_bitmap_add(&ps->shard_slots, slot);
}

/* ---- links ---- */

static void push_link(struct ps_link ***arr, size_t *count, size_t *cap, struct ps_link *l)
{
    if (*count == *cap) {
        *cap = *cap ? *cap * 2 : 4;
        *arr = core_realloc(*arr, *cap * sizeof(**arr));
    }
    (*arr)[(*count)++] = l;
}

/* The link of c to s, searching the shorter array. */
static struct ps_link *link_find(const struct node_pubsub_client *pc, enum node_pubsub_kind kind,
                                 const struct ps_sub *s, const struct node_client *c)
{
    if (pc->count[kind] < s->count) {
        for (size_t i = 0; i < pc->count[kind]; i++)
            if (pc->links[kind][i]->sub == s)
                return pc->links[kind][i];
        return NULL;
    }
    for (size_t i = 0; i < s->count; i++)
        if (s->links[i]->c == c)
            return s->links[i];
    return NULL;
}

/* Removes l from both arrays (swap with the last) and frees it; the name
 * goes too when it has no subscriber left. */
static void link_del(struct node_pubsub_state *ps, enum node_pubsub_kind kind, struct ps_link *l)
{
    struct node_server *srv = l->c->srv;
    struct node_pubsub_client *pc = l->c->pubsub;
    struct ps_sub *s = l->sub;
    core_assert(pc->links[kind][l->client_index] == l && s->links[l->sub_index] == l);
    struct ps_link *last = pc->links[kind][--pc->count[kind]];
    pc->links[kind][l->client_index] = last;
    last->client_index = l->client_index;
    last = s->links[--s->count];
    s->links[l->sub_index] = last;
    last->sub_index = l->sub_index;
    if (s->count == 0) {
        if (kind == NODE_PUBSUB_SHARD)
            shard_slot_count(srv, s->slot, -1);
        table_del(&ps->tables[kind], s);
    }
    core_free(l);
}

static size_t client_count(const struct node_client *c, enum node_pubsub_kind kind)
{
    return c->pubsub ? c->pubsub->count[kind] : 0;
}

/* What the subscribe/unsubscribe messages count: channels and patterns
 * together, shard channels alone (Redis 7.0). */
static size_t reply_count(const struct node_client *c, enum node_pubsub_kind kind)
{
    if (kind == NODE_PUBSUB_SHARD)
        return client_count(c, NODE_PUBSUB_SHARD);
    return client_count(c, NODE_PUBSUB_CHANNEL) + client_count(c, NODE_PUBSUB_PATTERN);
}

static void reply_event(struct node_client *c, const char *type, const char *name, size_t len, size_t count)
{
    node_reply_push(&c->out, 3);
    node_reply_bulk_cstr(&c->out, type);
    if (name)
        node_reply_bulk(&c->out, name, len);
    else
        node_reply_null(&c->out);
    node_reply_int(&c->out, (long long)count);
}

/* The client's state goes when it holds no subscription any more. */
static void client_state_trim(struct node_client *c)
{
    struct node_pubsub_client *pc = c->pubsub;
    if (!pc || pc->count[0] || pc->count[1] || pc->count[2])
        return;
    for (int k = 0; k < PS_KINDS; k++)
        core_free(pc->links[k]);
    core_free(pc);
    c->pubsub = NULL;
}

void node_pubsub_subscribe(struct node_client *c, enum node_pubsub_kind kind, const char *name, size_t len)
{
    struct node_pubsub_state *ps = state_of(c->srv);
    struct ps_table *t = &ps->tables[kind];
    if (!c->pubsub)
        c->pubsub = core_calloc(1, sizeof(*c->pubsub));
    struct node_pubsub_client *pc = c->pubsub;
    struct ps_sub *s = table_find(ps, t, name, len);
    if (!s || !link_find(pc, kind, s, c)) {
        if (!s) {
            s = table_add(ps, t, name, len);
            if (kind == NODE_PUBSUB_SHARD)
                shard_slot_count(c->srv, s->slot, +1);
        }
        struct ps_link *l = core_malloc(sizeof(*l));
        l->sub = s;
        l->c = c;
        l->sub_index = s->count;
        l->client_index = pc->count[kind];
        push_link(&s->links, &s->count, &s->cap, l);
        push_link(&pc->links[kind], &pc->count[kind], &pc->cap[kind], l);
    }
    reply_event(c, subscribe_names[kind], name, len, reply_count(c, kind));
}

void node_pubsub_unsubscribe(struct node_client *c, enum node_pubsub_kind kind, const char *name, size_t len)
{
    struct node_pubsub_state *ps = c->srv->pubsub;
    struct ps_sub *s = ps && c->pubsub ? table_find(ps, &ps->tables[kind], name, len) : NULL;
    struct ps_link *l = s ? link_find(c->pubsub, kind, s, c) : NULL;
    if (l)
        link_del(ps, kind, l);
    reply_event(c, unsubscribe_names[kind], name, len, reply_count(c, kind));
    client_state_trim(c);
}

/* Drops c's subscriptions of one kind, last first; notify: one message each. */
static size_t drop_kind(struct node_client *c, enum node_pubsub_kind kind, bool notify)
{
    struct node_pubsub_client *pc = c->pubsub;
    size_t dropped = 0;
    while (pc && pc->count[kind] > 0) {
        struct ps_link *l = pc->links[kind][pc->count[kind] - 1];
        struct ps_sub *s = l->sub;
        if (notify) {
            /* written before link_del, which frees s with its last link */
            node_reply_push(&c->out, 3);
            node_reply_bulk_cstr(&c->out, unsubscribe_names[kind]);
            node_reply_bulk(&c->out, s->name, s->len);
        }
        link_del(c->srv->pubsub, kind, l);
        if (notify)
            node_reply_int(&c->out, (long long)reply_count(c, kind));
        dropped++;
    }
    return dropped;
}

void node_pubsub_unsubscribe_all(struct node_client *c, enum node_pubsub_kind kind, bool notify)
{
    size_t dropped = drop_kind(c, kind, notify);
    if (notify && dropped == 0)
        reply_event(c, unsubscribe_names[kind], NULL, 0, reply_count(c, kind));
    client_state_trim(c);
}

void node_pubsub_client_reset(struct node_client *c, bool notify)
{
    if (!c->pubsub)
        return;
    for (int k = 0; k < PS_KINDS; k++)
        drop_kind(c, (enum node_pubsub_kind)k, notify);
    client_state_trim(c);
}

bool node_pubsub_client_is_subscribed(const struct node_client *c)
{
    return c->pubsub != NULL;
}

size_t node_pubsub_client_count(const struct node_client *c, enum node_pubsub_kind kind)
{
    return client_count(c, kind);
}

/* ---- delivery ---- */

/* Queues one message on c; the receiver's output-buffer limit is checked at
 * once (a slow subscriber must not grow without bound while others
 * publish), a client running the command (argv set) after it as usual. */
static void deliver(struct node_client *c, const char *type, const struct ps_sub *pattern, const char *channel,
                    size_t channel_len, const char *message, size_t message_len)
{
    if (c->flags & NODE_CLIENT_CLOSING)
        return;
    node_reply_push(&c->out, pattern ? 4 : 3);
    node_reply_bulk_cstr(&c->out, type);
    if (pattern)
        node_reply_bulk(&c->out, pattern->name, pattern->len);
    node_reply_bulk(&c->out, channel, channel_len);
    node_reply_bulk(&c->out, message, message_len);
    node_client_write_now(c);
    if (c->argc == 0)
        node_client_check_obuf(c);
}

size_t node_pubsub_publish(struct node_server *srv, bool shard, const char *channel, size_t channel_len,
                           const char *message, size_t message_len)
{
    struct node_pubsub_state *ps = srv->pubsub;
    if (!ps)
        return 0;
    size_t receivers = 0;
    enum node_pubsub_kind kind = shard ? NODE_PUBSUB_SHARD : NODE_PUBSUB_CHANNEL;
    struct ps_sub *s = table_find(ps, &ps->tables[kind], channel, channel_len);
    /* Delivery never unsubscribes (closing is deferred to the loop), so the
     * arrays stay put while we walk them. */
    for (size_t i = 0; s && i < s->count; i++, receivers++)
        deliver(s->links[i]->c, shard ? "smessage" : "message", NULL, channel, channel_len, message, message_len);
    if (shard)
        return receivers;
    for (struct ps_sub *p = ps->tables[NODE_PUBSUB_PATTERN].all_head; p; p = p->all_next) {
        if (!node_util_glob_match(p->name, p->len, channel, channel_len, false))
            continue;
        for (size_t i = 0; i < p->count; i++, receivers++)
            deliver(p->links[i]->c, "pmessage", p, channel, channel_len, message, message_len);
    }
    return receivers;
}

bool node_pubsub_has_listeners(const struct node_server *srv)
{
    const struct node_pubsub_state *ps = srv->pubsub;
    return ps && (ps->tables[NODE_PUBSUB_CHANNEL].count > 0 || ps->tables[NODE_PUBSUB_PATTERN].count > 0);
}

/* ---- introspection ---- */

size_t node_pubsub_count(const struct node_server *srv, enum node_pubsub_kind kind)
{
    return srv->pubsub ? srv->pubsub->tables[kind].count : 0;
}

size_t node_pubsub_numsub(const struct node_server *srv, enum node_pubsub_kind kind, const char *name, size_t len)
{
    const struct node_pubsub_state *ps = srv->pubsub;
    const struct ps_sub *s = ps ? table_find(ps, &ps->tables[kind], name, len) : NULL;
    return s ? s->count : 0;
}

void node_pubsub_reply_channels(const struct node_server *srv, enum node_pubsub_kind kind, const char *pattern,
                                size_t pattern_len, struct node_out *out)
{
    const struct node_pubsub_state *ps = srv->pubsub;
    const struct ps_sub *head = ps ? ps->tables[kind].all_head : NULL;
    long long n = 0;
    for (const struct ps_sub *s = head; s; s = s->all_next)
        if (!pattern || node_util_glob_match(pattern, pattern_len, s->name, s->len, false))
            n++;
    node_reply_array(out, n);
    for (const struct ps_sub *s = head; s; s = s->all_next)
        if (!pattern || node_util_glob_match(pattern, pattern_len, s->name, s->len, false))
            node_reply_bulk(out, s->name, s->len);
}

/* ---- slots leaving the shard ---- */

void node_pubsub_slots_lost(struct node_server *srv, const struct slots_bitmap *slots)
{
    struct node_pubsub_state *ps = srv->pubsub;
    if (!ps || ps->tables[NODE_PUBSUB_SHARD].count == 0)
        return;
    struct ps_sub *s = ps->tables[NODE_PUBSUB_SHARD].all_head;
    while (s) {
        struct ps_sub *next = s->all_next;
        if (slots_bitmap_has(slots, s->slot)) {
            /* the last link frees s: stop reading it once count is 0 */
            for (size_t left = s->count; left > 0; left--) {
                struct ps_link *l = s->links[left - 1];
                struct node_client *c = l->c;
                node_reply_push(&c->out, 3);
                node_reply_bulk_cstr(&c->out, "sunsubscribe");
                node_reply_bulk(&c->out, s->name, s->len);
                link_del(ps, NODE_PUBSUB_SHARD, l);
                node_reply_int(&c->out, (long long)client_count(c, NODE_PUBSUB_SHARD));
                client_state_trim(c);
                node_client_write_now(c);
            }
        }
        s = next;
    }
}

/* Whether shard channels of slot s go (see pubsub.h): the slot is no longer
 * my shard's, or it changed owner and I did not become that owner. The
 * second is Redis 7.0's clusterDelSlot(): on a failover the demoted master
 * and the other replicas drop them, the promoted replica keeps them. */
static bool shard_slot_is_lost(struct node_pubsub_state *ps, const struct gossip *g, int32_t master, int s)
{
    int32_t owner = slots_map_owner(&g->map, s);
    int32_t me = g->myself->index;
    if (owner == SLOTS_NODE_NONE || (owner != me && owner != master))
        return true;
    if (owner == ps->shard_slot_owner[s])
        return false;
    ps->shard_slot_owner[s] = owner;
    return owner != me;
}

void node_pubsub_cluster_check(struct node_server *srv)
{
    struct node_pubsub_state *ps = srv->pubsub;
    struct gossip *g = srv->gossip;
    if (!ps || !g || ps->tables[NODE_PUBSUB_SHARD].count == 0)
        return;
    int32_t master = g->myself->master ? g->myself->master->index : SLOTS_NODE_NONE;
    struct slots_bitmap lost;
    bool any = false;
    for (int s = slots_bitmap_next(&ps->shard_slots, 0); s >= 0; s = slots_bitmap_next(&ps->shard_slots, s + 1)) {
        if (!shard_slot_is_lost(ps, g, master, s))
            continue;
        if (!any)
            slots_bitmap_zero(&lost); /* only now: this runs on every loop iteration */
        slots_bitmap_add(&lost, s);
        any = true;
    }
    if (any)
        node_pubsub_slots_lost(srv, &lost);
}

void node_pubsub_free(struct node_server *srv)
{
    struct node_pubsub_state *ps = srv->pubsub;
    if (!ps)
        return;
    for (struct node_client *c = srv->clients; c; c = c->next)
        node_pubsub_client_reset(c, false);
    for (int k = 0; k < PS_KINDS; k++)
        table_free(&ps->tables[k]);
    core_free(ps->shard_slot_channels);
    core_free(ps->shard_slot_owner);
    core_free(ps);
    srv->pubsub = NULL;
}
