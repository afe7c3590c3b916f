/*
 * sim.c — the deterministic cluster-bus simulator (see sim.h): fake clock,
 * seeded randomness, an event heap, and TCP-like connections between
 * struct gossip instances.
 */
#include "tests/unit/gossip/sim.h"

#include "gossip/gossip_msg.h"
#include "node/core/core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIM_PRED_STEP_MS 10

enum sim_ev_kind { EV_CONNECT, EV_DELIVER, EV_PEER_CLOSED };

/* One TCP connection: side 0 connected to side 1. */
struct sim_conn {
    int node[2];                 /* node index per side, node[1] -1 if nobody listens */
    struct gossip_link *link[2]; /* that side's gossip record, NULL once closed there */
    int64_t connect_ms;          /* when side 1 accepts */
    bool accepted;
};

struct sim_event {
    int64_t time;
    uint64_t seq;
    enum sim_ev_kind kind;
    int conn;
    int side; /* receiving side */
    uint8_t *buf;
    size_t len;
};

/* Randomness: splitmix64, one stream for the whole world. */
static uint64_t rng_next(struct sim *s)
{
    uint64_t z = (s->rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint32_t rng_below(struct sim *s, uint32_t n)
{
    return n ? (uint32_t)(rng_next(s) % n) : 0;
}

/* The event heap, ordered by (time, seq). */
static bool ev_before(const struct sim_event *a, const struct sim_event *b)
{
    return a->time < b->time || (a->time == b->time && a->seq < b->seq);
}

static void heap_push(struct sim *s, struct sim_event *ev)
{
    if (s->heap_count == s->heap_cap) {
        s->heap_cap = s->heap_cap ? s->heap_cap * 2 : 256;
        s->heap = core_realloc(s->heap, (size_t)s->heap_cap * sizeof(*s->heap));
    }
    int i = s->heap_count++;
    s->heap[i] = ev;
    while (i > 0 && ev_before(s->heap[i], s->heap[(i - 1) / 2])) {
        struct sim_event *t = s->heap[i];
        s->heap[i] = s->heap[(i - 1) / 2];
        s->heap[(i - 1) / 2] = t;
        i = (i - 1) / 2;
    }
}

static struct sim_event *heap_pop(struct sim *s)
{
    struct sim_event *top = s->heap[0];
    s->heap[0] = s->heap[--s->heap_count];
    int i = 0;
    for (;;) {
        int l = 2 * i + 1, r = l + 1, m = i;
        if (l < s->heap_count && ev_before(s->heap[l], s->heap[m]))
            m = l;
        if (r < s->heap_count && ev_before(s->heap[r], s->heap[m]))
            m = r;
        if (m == i)
            break;
        struct sim_event *t = s->heap[i];
        s->heap[i] = s->heap[m];
        s->heap[m] = t;
        i = m;
    }
    return top;
}

static void schedule(struct sim *s, int64_t time, enum sim_ev_kind kind, int conn, int side, const uint8_t *buf,
                     size_t len)
{
    struct sim_event *ev = core_calloc(1, sizeof(*ev));
    ev->time = time;
    ev->seq = s->seq++;
    ev->kind = kind;
    ev->conn = conn;
    ev->side = side;
    if (buf) {
        ev->buf = core_malloc(len);
        memcpy(ev->buf, buf, len);
        ev->len = len;
    }
    heap_push(s, ev);
}

static int conn_of(const struct gossip_link *link)
{
    return (int)(intptr_t)link->io - 1;
}

static int side_of(const struct sim_conn *c, const struct gossip_link *link)
{
    return c->link[0] == link ? 0 : 1;
}

/* Environment callbacks. */

static int64_t env_now(void *ud)
{
    struct sim_node *sn = ud;
    return sn->sim->now;
}

static void env_random(void *ud, void *buf, size_t len)
{
    struct sim_node *sn = ud;
    uint8_t *p = buf;
    for (size_t i = 0; i < len; i++)
        p[i] = (uint8_t)rng_next(sn->sim);
}

static int find_listener(struct sim *s, const char *ip, uint16_t cport)
{
    for (int i = 0; i < s->n; i++)
        if (s->nodes[i].cport == cport && strcmp(s->nodes[i].ip, ip) == 0)
            return i;
    return -1;
}

static int env_connect(void *ud, struct gossip_link *link)
{
    struct sim_node *sn = ud;
    struct sim *s = sn->sim;
    if (s->conn_count == s->conn_cap) {
        s->conn_cap = s->conn_cap ? s->conn_cap * 2 : 64;
        s->conns = core_realloc(s->conns, (size_t)s->conn_cap * sizeof(*s->conns));
    }
    int id = s->conn_count++;
    struct sim_conn *c = &s->conns[id];
    memset(c, 0, sizeof(*c));
    c->node[0] = sn->idx;
    c->node[1] = find_listener(s, link->peer_ip, link->peer_port);
    c->link[0] = link;
    c->connect_ms = s->now + SIM_LATENCY_MS;
    link->io = (void *)(intptr_t)(id + 1);
    schedule(s, c->connect_ms, EV_CONNECT, id, 1, NULL, 0);
    return 0;
}

/* The most a PING/PONG/MEET may gossip (spec §11.2). */
static void check_count_rule(struct sim *s, struct sim_node *sn, const uint8_t *buf, size_t len)
{
    struct gossip_msg m;
    if (gossip_msg_decode(buf, len, &m) < 0) {
        s->invalid_frames++;
        return;
    }
    if (m.hdr.type > GOSSIP_MSG_MEET)
        return;
    int32_t n = sn->g->node_count;
    int32_t wanted = n / 10 < 3 ? 3 : n / 10;
    if (wanted > n - 2)
        wanted = n - 2 < 0 ? 0 : n - 2;
    if (m.hdr.count > wanted + sn->g->pfail_count)
        s->count_rule_violations++;
}

static void env_send(void *ud, struct gossip_link *link, const uint8_t *buf, size_t len)
{
    struct sim_node *sn = ud;
    struct sim *s = sn->sim;
    check_count_rule(s, sn, buf, len);
    struct sim_conn *c = &s->conns[conn_of(link)];
    int from = side_of(c, link), to = 1 - from;
    if (c->node[to] < 0 || s->blocked[c->node[0]][c->node[1]] || rng_below(s, 1000) < s->faults.loss_pm) {
        s->dropped++;
        return;
    }
    int copies = rng_below(s, 1000) < s->faults.dup_pm ? 2 : 1;
    for (int i = 0; i < copies; i++) {
        int64_t at = s->now + SIM_LATENCY_MS + rng_below(s, s->faults.jitter_ms + 1);
        if (at <= c->connect_ms)
            at = c->connect_ms + 1; /* queued until the connection is up */
        schedule(s, at, EV_DELIVER, conn_of(link), to, buf, len);
    }
}

static void env_close(void *ud, struct gossip_link *link)
{
    struct sim_node *sn = ud;
    struct sim *s = sn->sim;
    int id = conn_of(link);
    struct sim_conn *c = &s->conns[id];
    int side = side_of(c, link);
    c->link[side] = NULL;
    if (c->link[1 - side])
        schedule(s, s->now + SIM_LATENCY_MS, EV_PEER_CLOSED, id, 1 - side, NULL, 0);
}

static void env_save(void *ud, bool fsync)
{
    struct sim_node *sn = ud;
    sn->saves++;
}

static void env_state(void *ud, bool ok)
{
    struct sim_node *sn = ud;
    sn->state_changes++;
}

static void env_slots_lost(void *ud, const struct slots_bitmap *slots)
{
    struct sim_node *sn = ud;
    sn->slots_lost_calls++;
    for (size_t i = 0; i < SLOTS_BITMAP_SIZE; i++)
        sn->lost.bits[i] |= slots->bits[i];
}

static void env_master_changed(void *ud, const struct gossip_node *master)
{
    struct sim_node *sn = ud;
    sn->master_changes++;
    if (master)
        memcpy(sn->master_id, master->id, GOSSIP_ID_LEN + 1);
    else
        sn->master_id[0] = '\0';
}

static int64_t env_repl_offset(void *ud)
{
    return ((struct sim_node *)ud)->repl_offset;
}

static int64_t env_data_age(void *ud)
{
    return ((struct sim_node *)ud)->data_age_ms;
}

static void env_pause_writes(void *ud, int64_t until_ms)
{
    struct sim_node *sn = ud;
    sn->pause_calls++;
    sn->pause_until_ms = until_ms;
}

/* SIM_LOG=1 in the environment prints every node's log lines. */
static void env_log(void *ud, enum core_log_level level, const char *msg)
{
    struct sim_node *sn = ud;
    (void)level;
    fprintf(stderr, "%lld n%d %s\n", (long long)(sn->sim->now - SIM_START_MS), sn->idx, msg);
}

static void env_publish(void *ud, bool shard, const uint8_t *channel, size_t channel_len, const uint8_t *message,
                        size_t message_len)
{
    struct sim_node *sn = ud;
    if (channel_len == 4 && memcmp(channel, "news", 4) == 0 && message_len == 5 && memcmp(message, "hello", 5) == 0) {
        if (shard)
            sn->shard_publishes++;
        else
            sn->publishes++;
    }
}

struct gossip_config sim_default_config(void)
{
    struct gossip_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.node_timeout_ms = 1000;
    cfg.require_full_coverage = true;
    cfg.allow_replica_migration = true;
    return cfg;
}

struct sim *sim_new(int n, uint64_t seed, const struct gossip_config *cfg)
{
    core_assert(n > 0 && n <= SIM_NODES_MAX);
    struct sim *s = core_calloc(1, sizeof(*s));
    s->now = SIM_START_MS;
    s->rng = seed;
    s->n = n;
    for (int i = 0; i < n; i++) {
        struct sim_node *sn = &s->nodes[i];
        sn->sim = s;
        sn->idx = i;
        snprintf(sn->ip, sizeof(sn->ip), "127.0.0.1");
        sn->port = (uint16_t)(30001 + i);
        sn->cport = (uint16_t)(40001 + i);
        sn->next_tick_ms = s->now + 1 + (i * 37) % GOSSIP_TICK_MS;
        struct gossip_config c = *cfg;
        c.port = sn->port;
        c.cport = sn->cport;
        struct gossip_env env = {
            .ud = sn, .now_ms = env_now, .random_bytes = env_random, .connect = env_connect,
            .send = env_send, .close = env_close, .save_config = env_save, .state_changed = env_state,
            .slots_lost = env_slots_lost, .master_changed = env_master_changed, .publish = env_publish,
            .repl_offset = env_repl_offset, .repl_data_age_ms = env_data_age, .pause_writes = env_pause_writes,
            .log = getenv("SIM_LOG") ? env_log : NULL,
        };
        sn->g = gossip_new(&c, &env);
    }
    return s;
}

void sim_free(struct sim *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->n; i++)
        gossip_free(s->nodes[i].g);
    while (s->heap_count > 0) {
        struct sim_event *ev = heap_pop(s);
        core_free(ev->buf);
        core_free(ev);
    }
    core_free(s->heap);
    core_free(s->conns);
    core_free(s);
}

static void ev_connect(struct sim *s, struct sim_conn *c, int id)
{
    int a = c->node[0], b = c->node[1];
    if (!c->link[0])
        return; /* gave up before it connected */
    struct sim_node *na = &s->nodes[a];
    if (b < 0 || s->blocked[a][b]) {
        struct gossip_link *l = c->link[0];
        c->link[0] = NULL;
        gossip_link_closed(na->g, l);
        gossip_before_sleep(na->g);
        return;
    }
    struct sim_node *nb = &s->nodes[b];
    c->link[1] = gossip_link_accepted(nb->g, (void *)(intptr_t)(id + 1), na->ip, nb->ip);
    c->accepted = true;
    gossip_link_connected(na->g, c->link[0], na->ip);
    gossip_before_sleep(na->g);
    gossip_before_sleep(nb->g);
}

static void ev_deliver(struct sim *s, struct sim_conn *c, struct sim_event *ev)
{
    struct gossip_link *l = c->link[ev->side];
    if (!l || s->blocked[c->node[0]][c->node[1]]) {
        s->dropped++;
        return;
    }
    struct sim_node *sn = &s->nodes[c->node[ev->side]];
    if (gossip_msg_validate(ev->buf, ev->len, NULL) < 0) {
        s->invalid_frames++;
        return;
    }
    s->delivered++;
    gossip_on_message(sn->g, l, ev->buf, ev->len);
    gossip_before_sleep(sn->g);
}

static void process(struct sim *s, struct sim_event *ev)
{
    struct sim_conn *c = &s->conns[ev->conn];
    switch (ev->kind) {
    case EV_CONNECT:
        ev_connect(s, c, ev->conn);
        break;
    case EV_DELIVER:
        ev_deliver(s, c, ev);
        break;
    case EV_PEER_CLOSED:
        if (c->link[ev->side]) {
            struct gossip_link *l = c->link[ev->side];
            struct sim_node *sn = &s->nodes[c->node[ev->side]];
            c->link[ev->side] = NULL;
            gossip_link_closed(sn->g, l);
            gossip_before_sleep(sn->g);
        }
        break;
    }
}

static int64_t next_tick(const struct sim *s, int *who)
{
    int64_t best = INT64_MAX;
    for (int i = 0; i < s->n; i++) {
        if (s->nodes[i].next_tick_ms < best) {
            best = s->nodes[i].next_tick_ms;
            *who = i;
        }
    }
    return best;
}

void sim_run_for(struct sim *s, int64_t ms)
{
    int64_t end = s->now + ms;
    for (;;) {
        int who = -1;
        int64_t t_tick = next_tick(s, &who);
        int64_t t_ev = s->heap_count ? s->heap[0]->time : INT64_MAX;
        int64_t t = t_tick < t_ev ? t_tick : t_ev;
        if (t > end)
            break;
        s->now = t;
        if (t_ev <= t_tick) {
            struct sim_event *ev = heap_pop(s);
            process(s, ev);
            core_free(ev->buf);
            core_free(ev);
        } else {
            struct sim_node *sn = &s->nodes[who];
            sn->next_tick_ms += GOSSIP_TICK_MS;
            gossip_tick(sn->g);
            gossip_before_sleep(sn->g);
        }
    }
    s->now = end;
}

int64_t sim_run_until(struct sim *s, int64_t timeout_ms, sim_pred *pred, void *ctx)
{
    int64_t start = s->now;
    while (!pred(s, ctx)) {
        if (s->now - start >= timeout_ms)
            return -1;
        sim_run_for(s, SIM_PRED_STEP_MS);
    }
    return s->now - start;
}

int sim_meet(struct sim *s, int a, int b)
{
    struct sim_node *nb = &s->nodes[b];
    return gossip_meet_start(s->nodes[a].g, nb->ip, nb->port, nb->cport);
}

struct gossip_node *sim_view(struct sim *s, int a, int b)
{
    struct gossip_node *n = gossip_node_find(s->nodes[a].g, s->nodes[b].g->myself->id, GOSSIP_ID_LEN);
    return n && !(n->flags & GOSSIP_NODE_HANDSHAKE) ? n : NULL;
}

bool sim_all_know_all(struct sim *s, void *ctx)
{
    for (int a = 0; a < s->n; a++) {
        if (s->nodes[a].g->node_count != s->n)
            return false;
        for (int b = 0; b < s->n; b++)
            if (!sim_view(s, a, b))
                return false;
    }
    return true;
}

static const char *owner_id(const struct gossip *g, int slot)
{
    int32_t o = slots_map_owner(&g->map, slot);
    return o == SLOTS_NODE_NONE ? NULL : g->nodes[o]->id;
}

bool sim_maps_agree(struct sim *s, void *ctx)
{
    const struct gossip *g0 = s->nodes[0].g;
    for (int a = 1; a < s->n; a++) {
        const struct gossip *g = s->nodes[a].g;
        for (int slot = 0; slot < SLOTS_COUNT; slot++) {
            const char *x = owner_id(g0, slot), *y = owner_id(g, slot);
            if ((x == NULL) != (y == NULL) || (x && strcmp(x, y) != 0))
                return false;
        }
    }
    return true;
}

void sim_addslots(struct sim *s, int a, int from, int to)
{
    struct gossip *g = s->nodes[a].g;
    for (int slot = from; slot <= to; slot++)
        gossip_slots_assign(g, slot, g->myself);
    gossip_todo(g, GOSSIP_TODO_SAVE | GOSSIP_TODO_UPDATE_STATE);
    gossip_before_sleep(g);
}

void sim_block(struct sim *s, int a, int b, bool blocked)
{
    s->blocked[a][b] = blocked;
    s->blocked[b][a] = blocked;
}

void sim_isolate(struct sim *s, int a, bool isolated)
{
    for (int b = 0; b < s->n; b++)
        if (b != a)
            sim_block(s, a, b, isolated);
}

void sim_replicate(struct sim *s, int a, int b)
{
    struct gossip_node *master = sim_view(s, a, b);
    core_assert(master && gossip_node_is_master(master));
    gossip_node_replicate(s->nodes[a].g, master);
    gossip_before_sleep(s->nodes[a].g);
}

int sim_owner(struct sim *s, int a, int slot)
{
    const char *id = owner_id(s->nodes[a].g, slot);
    for (int i = 0; id && i < s->n; i++)
        if (strcmp(s->nodes[i].g->myself->id, id) == 0)
            return i;
    return -1;
}
