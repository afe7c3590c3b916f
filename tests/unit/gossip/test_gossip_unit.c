/*
 * test_gossip_unit.c — focused tests of single rules of the gossip state
 * machine on one instance with a recording environment: the PFAIL -> FAIL
 * majority rule and report expiry, the gossip count rule, handling of
 * crafted messages, and nodes.conf round trips.
 */
#include <criterion/criterion.h>

#include "gossip/gossip_conf.h"
#include "gossip/gossip_int.h"
#include "node/core/core.h"

#include <string.h>

#define NT_MS 1000
#define SENT_MAX 64

/* A recording environment: no connection ever succeeds, sends are kept. */
struct bench {
    int64_t now;
    uint64_t rng;
    struct gossip *g;
    uint8_t *sent[SENT_MAX];
    size_t sent_len[SENT_MAX];
    int sent_count;
    int closes;
};

static int64_t b_now(void *ud)
{
    return ((struct bench *)ud)->now;
}

static void b_random(void *ud, void *buf, size_t len)
{
    struct bench *b = ud;
    uint8_t *p = buf;
    for (size_t i = 0; i < len; i++) {
        b->rng = b->rng * 6364136223846793005ull + 1442695040888963407ull;
        p[i] = (uint8_t)(b->rng >> 56);
    }
}

static int b_connect(void *ud, struct gossip_link *link)
{
    return -ECONNREFUSED;
}

static void b_send(void *ud, struct gossip_link *link, const uint8_t *buf, size_t len)
{
    struct bench *b = ud;
    if (b->sent_count == SENT_MAX)
        return;
    b->sent[b->sent_count] = core_malloc(len);
    memcpy(b->sent[b->sent_count], buf, len);
    b->sent_len[b->sent_count++] = len;
}

static void b_close(void *ud, struct gossip_link *link)
{
    ((struct bench *)ud)->closes++;
}

static struct bench *bench_new(uint64_t seed)
{
    struct bench *b = core_calloc(1, sizeof(*b));
    b->now = 1700000000000LL;
    b->rng = seed;
    struct gossip_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.node_timeout_ms = NT_MS;
    cfg.port = 7000;
    cfg.cport = 17000;
    cfg.require_full_coverage = true;
    cfg.allow_replica_migration = true;
    struct gossip_env env = {.ud = b, .now_ms = b_now, .random_bytes = b_random, .connect = b_connect,
                             .send = b_send, .close = b_close};
    b->g = gossip_new(&cfg, &env);
    return b;
}

static void bench_free(struct bench *b)
{
    gossip_free(b->g);
    for (int i = 0; i < b->sent_count; i++)
        core_free(b->sent[i]);
    core_free(b);
}

static struct gossip_node *add_node(struct bench *b, uint32_t flags)
{
    char id[GOSSIP_ID_LEN + 1];
    gossip__random_id(b->g, id);
    struct gossip_node *n = gossip__node_create(b->g, id, flags);
    strcpy(n->ip, "10.0.0.9");
    n->port = 7001;
    n->cport = 17001;
    return n;
}

/* n masters besides myself, all owning a share of the slots. */
static void masters_with_slots(struct bench *b, struct gossip_node **out, int n)
{
    for (int i = 0; i < n; i++)
        out[i] = add_node(b, GOSSIP_NODE_MASTER);
    for (int slot = 0; slot < SLOTS_COUNT; slot++) {
        int who = slot % (n + 1);
        gossip_slots_assign(b->g, slot, who == n ? b->g->myself : out[who]);
    }
}

static void state_settled(struct bench *b)
{
    gossip_state_update(b->g); /* the first evaluation starts the writable delay */
    b->now += GOSSIP_WRITABLE_DELAY_MS + 1;
    gossip_state_update(b->g);
}

Test(gossip_fd, majority_of_masters_within_two_node_timeouts)
{
    struct bench *b = bench_new(1);
    struct gossip *g = b->g;
    struct gossip_node *m[4]; /* A, B, C, X */
    masters_with_slots(b, m, 4);
    state_settled(b);
    cr_assert_eq(g->size, 5);
    struct gossip_node *x = m[3];
    /* Reports alone never fail a node this node does not suspect. */
    gossip__fd_add_report(g, x, m[0]);
    gossip__fd_add_report(g, x, m[1]);
    gossip__fd_mark_failing_if_needed(g, x);
    cr_assert_eq(x->flags & GOSSIP_NODE_FAIL, 0u);
    x->flags |= GOSSIP_NODE_PFAIL;
    /* Expire both: a report lives 2 x N_T. */
    b->now += 2 * NT_MS + 1;
    cr_assert_eq(gossip_fd_count_reports(g, x), 0);
    gossip__fd_add_report(g, x, m[0]);
    gossip__fd_mark_failing_if_needed(g, x);
    cr_assert_eq(x->flags & GOSSIP_NODE_FAIL, 0u, "1 report + me = 2 < 3");
    /* A's report ages out before B's arrives. */
    b->now += 2 * NT_MS + 1;
    gossip__fd_add_report(g, x, m[1]);
    gossip__fd_mark_failing_if_needed(g, x);
    cr_assert_eq(x->flags & GOSSIP_NODE_FAIL, 0u, "A expired: still 2");
    cr_assert_eq(gossip_fd_count_reports(g, x), 1);
    b->now += 2 * NT_MS - 10;
    /* Refreshing B keeps one report per reporter. */
    cr_assert(!gossip__fd_add_report(g, x, m[1]));
    cr_assert(gossip__fd_add_report(g, x, m[2]));
    gossip__fd_mark_failing_if_needed(g, x);
    cr_assert_eq(x->flags & (GOSSIP_NODE_FAIL | GOSSIP_NODE_PFAIL), (uint32_t)GOSSIP_NODE_FAIL);
    cr_assert_eq(x->fail_time_ms, b->now);
    cr_assert(g->todo & GOSSIP_TODO_UPDATE_STATE);
    bench_free(b);
}

Test(gossip_fd, a_replica_does_not_count_itself)
{
    struct bench *b = bench_new(2);
    struct gossip *g = b->g;
    struct gossip_node *m[4];
    masters_with_slots(b, m, 4);
    state_settled(b);
    gossip_slots_flush(g, g->myself);
    gossip__node_set_my_master(g, m[0]);
    gossip_state_update(g);
    cr_assert_eq(g->size, 4); /* needed 3 */
    struct gossip_node *x = m[3];
    x->flags |= GOSSIP_NODE_PFAIL;
    gossip__fd_add_report(g, x, m[0]);
    gossip__fd_add_report(g, x, m[1]);
    gossip__fd_mark_failing_if_needed(g, x);
    cr_assert_eq(x->flags & GOSSIP_NODE_FAIL, 0u);
    gossip__fd_add_report(g, x, m[2]);
    gossip__fd_mark_failing_if_needed(g, x);
    cr_assert(x->flags & GOSSIP_NODE_FAIL);
    bench_free(b);
}

Test(gossip_fd, pfail_after_node_timeout_without_pong_or_data)
{
    struct bench *b = bench_new(3);
    struct gossip *g = b->g;
    struct gossip_node *n = add_node(b, GOSSIP_NODE_MASTER);
    /* The connect fails at once: ping_sent = now so detection starts. */
    gossip_tick(g);
    cr_assert_eq(n->ping_sent_ms, b->now);
    b->now += NT_MS;
    gossip__fd_check_node(g, n, b->now);
    cr_assert_eq(n->flags & GOSSIP_NODE_PFAIL, 0u, "exactly N_T is not more than N_T");
    /* Data from it within N_T keeps it alive. */
    n->data_received_ms = b->now - 10;
    b->now += 1;
    gossip__fd_check_node(g, n, b->now);
    cr_assert_eq(n->flags & GOSSIP_NODE_PFAIL, 0u);
    b->now += NT_MS;
    gossip_tick(g);
    cr_assert(n->flags & GOSSIP_NODE_PFAIL);
    cr_assert_eq(g->pfail_count, 1, "a node turning PFAIL counts in the same tick (its gossip goes out now)");
    gossip_tick(g);
    cr_assert_eq(g->pfail_count, 1);
    bench_free(b);
}

/* Encodes a PING/PONG/MEET from n (a master owning its slots in my view). */
static size_t craft(struct bench *b, uint8_t *buf, size_t cap, uint16_t type, const struct gossip_node *n,
                    const struct gossip_msg_entry *entries, size_t count)
{
    struct gossip_msg_hdr hdr;
    memset(&hdr, 0, sizeof(hdr));
    hdr.port = n->port;
    hdr.cport = n->cport;
    hdr.config_epoch = n->config_epoch;
    memcpy(hdr.sender, n->id, GOSSIP_ID_LEN);
    hdr.myslots = n->slots;
    hdr.flags = GOSSIP_NODE_MASTER | GOSSIP_NODE_MYSELF;
    ssize_t len = gossip_msg_encode_ping(buf, cap, type, &hdr, entries, count, NULL, 0);
    cr_assert_gt(len, 0);
    return (size_t)len;
}

static struct gossip_msg_entry entry_about(const struct gossip_node *n, uint16_t flags)
{
    struct gossip_msg_entry e;
    memset(&e, 0, sizeof(e));
    memcpy(e.nodename, n->id, GOSSIP_ID_LEN);
    strcpy(e.ip, n->ip);
    e.port = n->port;
    e.cport = n->cport;
    e.flags = flags;
    return e;
}

Test(gossip_recv, gossip_flags_add_and_remove_failure_reports)
{
    struct bench *b = bench_new(4);
    struct gossip *g = b->g;
    struct gossip_node *m[3];
    masters_with_slots(b, m, 3);
    struct gossip_link *l = gossip_link_accepted(g, NULL, "10.0.0.9", "10.0.0.1");
    static uint8_t buf[8192];
    struct gossip_msg_entry e = entry_about(m[1], GOSSIP_NODE_MASTER | GOSSIP_NODE_PFAIL);
    size_t len = craft(b, buf, sizeof(buf), GOSSIP_MSG_PING, m[0], &e, 1);
    cr_assert_eq(gossip_on_message(g, l, buf, len), 0);
    cr_assert_eq(l->node, m[0], "a known sender binds the inbound link");
    cr_assert_eq(m[0]->inbound, l);
    cr_assert_eq(gossip_fd_count_reports(g, m[1]), 1);
    cr_assert_eq(g->stats_received[0], 1u);
    cr_assert_eq(g->stats_sent[1], 1u, "answered with a PONG");
    cr_assert_eq(m[0]->data_received_ms, b->now);
    e.flags = GOSSIP_NODE_MASTER;
    len = craft(b, buf, sizeof(buf), GOSSIP_MSG_PING, m[0], &e, 1);
    cr_assert_eq(gossip_on_message(g, l, buf, len), 0);
    cr_assert_eq(gossip_fd_count_reports(g, m[1]), 0, "healthy gossip withdraws the report");
    bench_free(b);
}

Test(gossip_recv, unknown_sender_gets_pong_and_meet_starts_a_handshake)
{
    struct bench *b = bench_new(5);
    struct gossip *g = b->g;
    struct bench *other = bench_new(6);
    struct gossip_node *stranger = other->g->myself;
    stranger->port = 7005;
    stranger->cport = 17005;
    struct gossip_link *l = gossip_link_accepted(g, NULL, "10.0.0.5", "10.0.0.1");
    static uint8_t buf[8192];
    size_t len = craft(b, buf, sizeof(buf), GOSSIP_MSG_PING, stranger, NULL, 0);
    cr_assert_eq(gossip_on_message(g, l, buf, len), 0);
    cr_assert_eq(g->node_count, 1, "a PING never adds a node");
    cr_assert_eq(b->sent_count, 1);
    cr_assert_str_eq(g->myself->ip, "10.0.0.1", "an unknown own ip is learned from a PING too");
    len = craft(b, buf, sizeof(buf), GOSSIP_MSG_MEET, stranger, NULL, 0);
    cr_assert_eq(gossip_on_message(g, l, buf, len), 0);
    cr_assert_eq(g->node_count, 2);
    struct gossip_node *h = g->nodes[1];
    cr_assert(h->flags & GOSSIP_NODE_HANDSHAKE);
    cr_assert_eq(h->flags & GOSSIP_NODE_MEET, 0u, "we PING it, not MEET");
    cr_assert_str_eq(h->ip, "10.0.0.5");
    cr_assert_eq(h->port, 7005);
    cr_assert_eq(h->cport, 17005);
    cr_assert_eq(b->sent_count, 2);
    bench_free(other);
    bench_free(b);
}

Test(gossip_recv, drop_filter_counts_then_drops)
{
    struct bench *b = bench_new(7);
    struct gossip *g = b->g;
    struct gossip_node *n = add_node(b, GOSSIP_NODE_MASTER);
    struct gossip_link *l = gossip_link_accepted(g, NULL, "10.0.0.9", "10.0.0.1");
    static uint8_t buf[8192];
    size_t len = craft(b, buf, sizeof(buf), GOSSIP_MSG_PING, n, NULL, 0);
    g->drop_filter = GOSSIP_MSG_PING;
    cr_assert_eq(gossip_on_message(g, l, buf, len), 0);
    cr_assert_eq(g->stats_received[0], 1u);
    cr_assert_eq(b->sent_count, 0);
    cr_assert_null(l->node, "not even the sender was looked at");
    g->drop_filter = GOSSIP_MSG_PONG;
    cr_assert_eq(gossip_on_message(g, l, buf, len), 0);
    cr_assert_eq(b->sent_count, 1);
    bench_free(b);
}

/* Builds one PING with g's gossip selection and decodes it. */
static void one_ping(struct bench *b, struct gossip_msg *m)
{
    struct gossip_link *l = gossip_link_accepted(b->g, NULL, "10.0.0.9", "10.0.0.1");
    int before = b->sent_count;
    gossip__ping_send(b->g, l, GOSSIP_MSG_PING);
    cr_assert_eq(b->sent_count, before + 1);
    cr_assert_eq(gossip_msg_decode(b->sent[before], b->sent_len[before], m), 0);
}

Test(gossip_ping, count_rule_for_small_and_larger_tables)
{
    struct bench *b = bench_new(8);
    struct gossip *g = b->g;
    struct gossip_msg m;
    struct gossip_node *peers[11];
    peers[0] = add_node(b, GOSSIP_NODE_MASTER);
    gossip_slots_assign(g, 0, peers[0]);
    one_ping(b, &m);
    cr_assert_eq(m.hdr.count, 0, "2 nodes: nothing to gossip");
    peers[1] = add_node(b, GOSSIP_NODE_MASTER);
    gossip_slots_assign(g, 1, peers[1]);
    for (int i = 0; i < 5; i++) {
        one_ping(b, &m);
        cr_assert_leq(m.hdr.count, 1, "3 nodes: at most 1");
    }
    for (int i = 2; i < 11; i++) {
        peers[i] = add_node(b, GOSSIP_NODE_MASTER);
        gossip_slots_assign(g, i, peers[i]);
    }
    struct gossip_node *hs = add_node(b, GOSSIP_NODE_HANDSHAKE);
    peers[3]->flags |= GOSSIP_NODE_PFAIL;
    peers[7]->flags |= GOSSIP_NODE_PFAIL;
    g->pfail_count = 2;
    /* 13 nodes: wanted = max(13/10, 3) = 3, plus both PFAIL nodes. */
    for (int round = 0; round < 20; round++) {
        one_ping(b, &m);
        cr_assert_leq(m.hdr.count, 5);
        int pfail_seen = 0;
        for (size_t i = 0; i < m.hdr.count; i++) {
            struct gossip_msg_entry e;
            cr_assert_eq(gossip_msg_entry_at(&m.body.ping, i, &e), 0);
            cr_assert_neq(memcmp(e.nodename, g->myself->id, GOSSIP_ID_LEN), 0, "never myself");
            cr_assert_neq(memcmp(e.nodename, hs->id, GOSSIP_ID_LEN), 0, "never a handshake node");
            cr_assert_eq(e.flags & GOSSIP_NODE_MYSELF, 0);
            for (size_t j = 0; j < i; j++) {
                struct gossip_msg_entry f;
                gossip_msg_entry_at(&m.body.ping, j, &f);
                cr_assert_neq(memcmp(e.nodename, f.nodename, GOSSIP_ID_LEN), 0, "no duplicates");
            }
            pfail_seen += (e.flags & GOSSIP_NODE_PFAIL) != 0;
        }
        cr_assert_eq(pfail_seen, 2, "every PFAIL node is gossiped");
    }
    bench_free(b);
}

Test(gossip_persist, table_round_trips_through_nodes_conf)
{
    struct bench *b = bench_new(9);
    struct gossip *g = b->g;
    strcpy(g->myself->ip, "10.0.0.1");
    struct gossip_node *m = add_node(b, GOSSIP_NODE_MASTER);
    struct gossip_node *r = add_node(b, GOSSIP_NODE_SLAVE);
    struct gossip_node *hs = add_node(b, GOSSIP_NODE_HANDSHAKE | GOSSIP_NODE_MEET);
    r->master = m;
    gossip__node_attach_replica(m, r);
    strcpy(m->hostname, "db-2.example");
    m->config_epoch = 7;
    g->myself->config_epoch = 3;
    g->current_epoch = 7;
    for (int s = 0; s < 100; s++)
        gossip_slots_assign(g, s, g->myself);
    for (int s = 100; s < 16384; s++)
        gossip_slots_assign(g, s, m);
    slots_map_set_migrating(&g->map, 5, m->index);
    slots_map_set_importing(&g->map, 200, m->index);
    m->pong_received_ms = b->now - 5;
    struct gossip_conf c;
    gossip_conf_init(&c);
    gossip_persist_build(g, &c);
    cr_assert_eq(c.node_count, 3, "handshake nodes are not saved");
    char *text = NULL;
    size_t text_len = 0;
    cr_assert_eq(gossip_conf_format(&c, &text, &text_len), 0);
    struct gossip_conf parsed;
    struct gossip_conf_err err;
    cr_assert_eq(gossip_conf_parse(text, text_len, &parsed, &err), 0, "%s", err.text);
    struct bench *b2 = bench_new(10);
    cr_assert_eq(gossip_persist_load(b2->g, &parsed), 0);
    struct gossip *h = b2->g;
    cr_assert_eq(h->node_count, 3);
    cr_assert_str_eq(h->myself->id, g->myself->id);
    cr_assert_eq(h->current_epoch, 7u);
    cr_assert_eq(h->myself->config_epoch, 3u);
    struct gossip_node *m2 = gossip_node_find(h, m->id, GOSSIP_ID_LEN);
    struct gossip_node *r2 = gossip_node_find(h, r->id, GOSSIP_ID_LEN);
    cr_assert(m2 && r2);
    cr_assert_null(gossip_node_find(h, hs->id, GOSSIP_ID_LEN));
    cr_assert_str_eq(m2->hostname, "db-2.example");
    cr_assert_eq(m2->config_epoch, 7u);
    cr_assert_eq(r2->config_epoch, 0u, "a replica's own epoch is not in the file");
    cr_assert_eq(gossip_node_epoch(r2), 7u);
    cr_assert_eq(r2->master, m2);
    cr_assert_eq(m2->replica_count, 1);
    cr_assert_eq(m2->slot_count, 16384 - 100);
    cr_assert_eq(h->myself->slot_count, 100);
    cr_assert_eq(slots_map_migrating_to(&h->map, 5), m2->index);
    cr_assert_eq(slots_map_importing_from(&h->map, 200), m2->index);
    cr_assert_eq(m2->pong_received_ms, b2->now, "non-zero times load as now");
    cr_assert_eq(h->myself->port, 7000, "myself keeps the running ports");
    cr_assert_str_eq(h->myself->ip, "10.0.0.1");
    /* And back again, byte for byte. */
    struct gossip_conf c2;
    gossip_conf_init(&c2);
    gossip_persist_build(h, &c2);
    for (size_t i = 0; i < c2.node_count; i++)
        if (strcmp(c2.nodes[i].id, m->id) == 0)
            c2.nodes[i].pong_recv_ms = m->pong_received_ms;
    cr_assert(gossip_conf_is_equal(&c, &c2));
    core_free(text);
    gossip_conf_free(&c);
    gossip_conf_free(&c2);
    gossip_conf_free(&parsed);
    bench_free(b2);
    bench_free(b);
}

Test(gossip_node, deleting_a_node_renumbers_the_moved_one)
{
    struct bench *b = bench_new(11);
    struct gossip *g = b->g;
    struct gossip_node *a = add_node(b, GOSSIP_NODE_MASTER);
    struct gossip_node *c = add_node(b, GOSSIP_NODE_MASTER);
    struct gossip_node *r = add_node(b, GOSSIP_NODE_SLAVE);
    r->master = c;
    gossip__node_attach_replica(c, r);
    gossip_slots_assign(g, 10, a);
    gossip_slots_assign(g, 20, r); /* odd but legal: the map does not care */
    slots_map_set_importing(&g->map, 30, r->index);
    gossip__fd_add_report(g, c, a);
    char rid[GOSSIP_ID_LEN + 1];
    memcpy(rid, r->id, sizeof(rid));
    cr_assert_eq(gossip_node_forget(g, a->id, GOSSIP_ID_LEN), GOSSIP_FORGET_OK);
    /* r (last) moved into a's place. */
    cr_assert_eq(g->node_count, 3);
    cr_assert_eq(r->index, 1);
    cr_assert_eq(g->nodes[1], r);
    cr_assert_eq(slots_map_owner(&g->map, 10), SLOTS_NODE_NONE);
    cr_assert_eq(slots_map_owner(&g->map, 20), 1);
    cr_assert_eq(slots_map_importing_from(&g->map, 30), 1);
    cr_assert_eq(gossip_fd_count_reports(g, c), 0, "its reports are gone");
    cr_assert_eq(gossip_node_find(g, rid, GOSSIP_ID_LEN), r);
    cr_assert_eq(slots_map_check(&g->map, g->node_count), 0);
    gossip_slots_flush(g, r);
    gossip__node_set_my_master(g, c);
    cr_assert_eq(gossip_node_forget(g, c->id, GOSSIP_ID_LEN), GOSSIP_FORGET_MY_MASTER);
    bench_free(b);
}
