/*
 * test_sc.c — unit tests of shoal-cluster's pure parts: the RESP2 reply
 * parser and command encoder, the CLUSTER NODES parser (texts as
 * redis-server 7.0.15 prints them), the agreement signature, slot-range
 * formatting, the create/reshard/rebalance planners (ranges and pairings as
 * redis-cli 7.0.15 computes them), the check logic and the command line.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sc.h"

static struct sc_reply *parse_all(const char *s, ssize_t *consumed)
{
    struct sc_reply *r = NULL;
    *consumed = sc_resp_parse(s, strlen(s), &r);
    return r;
}

/* ---- RESP2 ---- */

Test(sc_resp, scalars)
{
    ssize_t n;
    struct sc_reply *r = parse_all("+OK\r\n", &n);
    cr_assert_eq(n, 5);
    cr_assert(sc_reply_is_ok(r));
    sc_reply_free(r);
    r = parse_all("-ERR Please use SETSLOT only with masters.\r\n", &n);
    cr_assert_eq(r->type, SC_REPLY_ERROR);
    cr_assert_str_eq(r->str, "ERR Please use SETSLOT only with masters.");
    sc_reply_free(r);
    r = parse_all(":-42\r\n", &n);
    cr_assert_eq(r->type, SC_REPLY_INTEGER);
    cr_assert_eq(r->integer, -42);
    sc_reply_free(r);
    r = parse_all("$-1\r\n", &n);
    cr_assert_eq(r->type, SC_REPLY_NIL);
    sc_reply_free(r);
}

Test(sc_resp, bulk_binary_and_array)
{
    const char msg[] = "*3\r\n$3\r\na\0b\r\n$0\r\n\r\n*1\r\n:1\r\n";
    struct sc_reply *r = NULL;
    ssize_t n = sc_resp_parse(msg, sizeof(msg) - 1, &r);
    cr_assert_eq(n, (ssize_t)sizeof(msg) - 1);
    cr_assert_eq(r->type, SC_REPLY_ARRAY);
    cr_assert_eq(r->count, 3);
    cr_assert_eq(r->elem[0]->len, 3);
    cr_assert_eq(memcmp(r->elem[0]->str, "a\0b", 3), 0);
    cr_assert_eq(r->elem[1]->len, 0);
    cr_assert_eq(r->elem[2]->elem[0]->integer, 1);
    sc_reply_free(r);
}

Test(sc_resp, incomplete_needs_more)
{
    const char *full = "*2\r\n$5\r\nhello\r\n$5\r\nworld\r\n";
    for (size_t cut = 0; cut < strlen(full); cut++) {
        struct sc_reply *r = NULL;
        cr_assert_eq(sc_resp_parse(full, cut, &r), 0, "cut at %zu", cut);
    }
}

Test(sc_resp, malformed)
{
    const char *bad[] = {"?x\r\n", ":12a\r\n", "$-2\r\n", "$3\r\nabcd\r\n", "*-5\r\n", ":\r\n",
                         "$99999999999999999999\r\n"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        struct sc_reply *r = NULL;
        cr_assert_lt(sc_resp_parse(bad[i], strlen(bad[i]), &r), 0, "%s", bad[i]);
    }
}

Test(sc_resp, depth_limit)
{
    char buf[256] = "";
    for (int i = 0; i < SC_RESP_DEPTH_MAX + 2; i++)
        strcat(buf, "*1\r\n");
    strcat(buf, ":1\r\n");
    struct sc_reply *r = NULL;
    cr_assert_lt(sc_resp_parse(buf, strlen(buf), &r), 0);
}

Test(sc_resp, encode)
{
    struct sc_buf b = {0};
    const char *argv[] = {"CLUSTER", "SETSLOT", "7", ""};
    sc_resp_encode(&b, 4, argv, NULL);
    cr_assert_str_eq(b.data, "*4\r\n$7\r\nCLUSTER\r\n$7\r\nSETSLOT\r\n$1\r\n7\r\n$0\r\n\r\n");
    sc_buf_free(&b);
}

/* ---- CLUSTER NODES ---- */

static const char nodes_text[] =
    "29930b7601343fea95e945119592a10e11f5fab6 127.0.0.1:23106@33106 slave "
    "52512bfc6f1fb8135ad3047d9f0bd5ca7bcfbca5 0 1700000000000 2 connected\n"
    "9e46a6f102903a139fa1395c2194c30733b42ca7 127.0.0.1:23101@33101 myself,master - 0 1700000000000 1 connected "
    "0-5460 [17->-52512bfc6f1fb8135ad3047d9f0bd5ca7bcfbca5] [5500-<-4aea41b7a85f21a23020b5de13727b04ac6dbc7b]\n"
    "52512bfc6f1fb8135ad3047d9f0bd5ca7bcfbca5 127.0.0.1:23102@33102,host.example master - 0 1700000000000 2 "
    "connected 5461-10922\n"
    "4aea41b7a85f21a23020b5de13727b04ac6dbc7b 127.0.0.1:23103@33103 master,fail? - 1 1700000000000 3 "
    "disconnected 10923-16383 20\n";

Test(sc_nodes, parse)
{
    struct sc_nodes n;
    char err[128];
    cr_assert_eq(sc_nodes_parse(nodes_text, strlen(nodes_text), &n, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(n.count, 4);
    cr_assert_eq(n.myself, 1);
    const struct sc_nline *me = &n.lines[1];
    cr_assert_str_eq(me->ip, "127.0.0.1");
    cr_assert_eq(me->port, 23101);
    cr_assert_eq(me->cport, 33101);
    cr_assert(me->flags & SC_F_MASTER);
    cr_assert_eq(me->slots_count, 5461);
    cr_assert_eq(me->migrating_count, 1);
    cr_assert_eq(me->migrating[0].slot, 17);
    cr_assert_str_eq(me->migrating[0].id, "52512bfc6f1fb8135ad3047d9f0bd5ca7bcfbca5");
    cr_assert_eq(me->importing_count, 1);
    cr_assert_eq(me->importing[0].slot, 5500);
    cr_assert_str_eq(n.lines[0].master, "52512bfc6f1fb8135ad3047d9f0bd5ca7bcfbca5");
    cr_assert(n.lines[0].flags & SC_F_REPLICA);
    cr_assert_eq(n.lines[2].cport, 33102);
    cr_assert(n.lines[3].flags & SC_F_PFAIL);
    cr_assert_not(n.lines[3].connected);
    cr_assert_eq(n.lines[3].slots_count, 5461 + 1);
    cr_assert_not_null(sc_nodes_find(&n, "4aea41b7a85f21a23020b5de13727b04ac6dbc7b"));
    sc_nodes_free(&n);
}

Test(sc_nodes, last_line_without_newline_is_ignored)
{
    const char *t = "a 1.2.3.4:1@2 myself,master - 0 0 1 connected 0-1\nb 1.2.3.4:2@3 master - 0 0 1 connected 2";
    struct sc_nodes n;
    cr_assert_eq(sc_nodes_parse(t, strlen(t), &n, NULL, 0), 0);
    cr_assert_eq(n.count, 1);
    sc_nodes_free(&n);
}

Test(sc_nodes, malformed)
{
    const char *bad[] = {"abc\n", "a noport myself - 0 0 1 connected\n",
                         "a 1.2.3.4:1@2 master - 0 0 1 connected 16384\n",
                         "a 1.2.3.4:1@2 master - 0 0 1 connected 5-3\n",
                         "a 1.2.3.4:1@2 master - 0 0 1 connected [5-x-b]\n"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        struct sc_nodes n;
        cr_assert_lt(sc_nodes_parse(bad[i], strlen(bad[i]), &n, NULL, 0), 0, "%s", bad[i]);
    }
}

Test(sc_nodes, signature_sorted_and_ignores_open_entries)
{
    char *sig = sc_nodes_signature(nodes_text, strlen(nodes_text));
    cr_assert_str_eq(sig, "4aea41b7a85f21a23020b5de13727b04ac6dbc7b:10923-16383,20|"
                          "52512bfc6f1fb8135ad3047d9f0bd5ca7bcfbca5:5461-10922|"
                          "9e46a6f102903a139fa1395c2194c30733b42ca7:0-5460");
    free(sig);
    /* Same ownership, lines in another order: same signature. */
    const char *a = "x 1.1.1.1:1@2 myself,master - 0 0 1 connected 0-10 20\ny 1.1.1.1:2@3 master - 0 0 1 "
                    "connected 11-19\n";
    const char *b = "y 1.1.1.1:2@3 myself,master - 0 0 1 connected 11-19\nx 1.1.1.1:1@2 master - 0 0 1 "
                    "connected 20 0-10\n";
    char *sa = sc_nodes_signature(a, strlen(a)), *sb = sc_nodes_signature(b, strlen(b));
    cr_assert_str_eq(sa, sb);
    free(sa);
    free(sb);
}

Test(sc_nodes, slot_formatting)
{
    uint8_t bm[SC_SLOTS / 8] = {0};
    for (int s = 0; s <= 10; s++)
        sc_slot_set(bm, s);
    sc_slot_set(bm, 20);
    sc_slot_set(bm, 16383);
    struct sc_buf b = {0};
    sc_slots_format(&b, bm, ",", true);
    cr_assert_str_eq(b.data, "[0-10],[20],[16383]");
    b.len = 0;
    sc_slots_json(&b, bm);
    cr_assert_str_eq(b.data, "[[0,10],[20,20],[16383,16383]]");
    b.len = 0;
    int list[] = {1, 2, 3, 7, 9, 10};
    sc_slot_list_format(&b, list, 6);
    cr_assert_str_eq(b.data, "1-3,7,9-10");
    sc_buf_free(&b);
    cr_assert_eq(sc_slots_count(bm), 13);
}

Test(sc_nodes, addr_parse)
{
    char host[64];
    int port;
    cr_assert_eq(sc_addr_parse("127.0.0.1:7000", host, sizeof(host), &port), 0);
    cr_assert_str_eq(host, "127.0.0.1");
    cr_assert_eq(port, 7000);
    cr_assert_eq(sc_addr_parse("::1:7000@17000", host, sizeof(host), &port), 0);
    cr_assert_str_eq(host, "::1");
    cr_assert_eq(port, 7000);
    const char *bad[] = {"127.0.0.1", ":7000", "h:0", "h:65536", "h:12x", "h:"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
        cr_assert_eq(sc_addr_parse(bad[i], host, sizeof(host), &port), -EINVAL, "%s", bad[i]);
}

/* ---- create planner ---- */

static void plan(const char **ips, int n, int replicas, struct sc_create_node *nodes, int *order, int *masters)
{
    for (int i = 0; i < n; i++)
        nodes[i] = (struct sc_create_node){.ip = ips[i]};
    *masters = sc_plan_create(nodes, n, replicas, order, 1);
}

Test(sc_plan, create_ranges_like_redis_cli)
{
    static const int expect[][6][2] = {
        {{0, 5460}, {5461, 10922}, {10923, 16383}},
        {{0, 4095}, {4096, 8191}, {8192, 12287}, {12288, 16383}},
        {{0, 3276}, {3277, 6553}, {6554, 9829}, {9830, 13106}, {13107, 16383}},
        {{0, 2730}, {2731, 5460}, {5461, 8191}, {8192, 10922}, {10923, 13652}, {13653, 16383}},
    };
    const char *ips[6] = {"h", "h", "h", "h", "h", "h"};
    for (int m = 3; m <= 6; m++) {
        struct sc_create_node nodes[6];
        int order[6], masters;
        plan(ips, m, 0, nodes, order, &masters);
        cr_assert_eq(masters, m);
        for (int i = 0; i < m; i++) {
            cr_assert_eq(nodes[order[i]].slot_first, expect[m - 3][i][0], "M=%d i=%d", m, i);
            cr_assert_eq(nodes[order[i]].slot_last, expect[m - 3][i][1], "M=%d i=%d", m, i);
        }
    }
}

Test(sc_plan, create_too_few_masters)
{
    const char *ips[5] = {"h", "h", "h", "h", "h"};
    struct sc_create_node nodes[5];
    int order[5], masters;
    plan(ips, 5, 1, nodes, order, &masters);
    cr_assert_eq(masters, -EINVAL);
    plan(ips, 2, 0, nodes, order, &masters);
    cr_assert_eq(masters, -EINVAL);
}

Test(sc_plan, create_same_host_pairs_rotated)
{
    /* One host: masters 1,2,3; candidates 4,5,6 rotated to 5,6,4. */
    const char *ips[6] = {"h", "h", "h", "h", "h", "h"};
    struct sc_create_node nodes[6];
    int order[6], masters;
    plan(ips, 6, 1, nodes, order, &masters);
    cr_assert_eq(masters, 3);
    cr_assert(nodes[0].is_master && nodes[1].is_master && nodes[2].is_master);
    cr_assert_eq(nodes[4].master, 0);
    cr_assert_eq(nodes[5].master, 1);
    cr_assert_eq(nodes[3].master, 2);
}

Test(sc_plan, create_anti_affinity)
{
    /* Hosts A,B,C with two nodes each, listed A1,A2,B1,B2,C1,C2: masters
     * A1,B1,C1 and every replica on another host than its master. */
    const char *ips[6] = {"A", "A", "B", "B", "C", "C"};
    struct sc_create_node nodes[6];
    int order[6], masters;
    plan(ips, 6, 1, nodes, order, &masters);
    cr_assert_eq(masters, 3);
    cr_assert(nodes[0].is_master && nodes[2].is_master && nodes[4].is_master);
    for (int i = 0; i < 6; i++) {
        if (nodes[i].is_master)
            continue;
        cr_assert_geq(nodes[i].master, 0);
        cr_assert_str_neq(nodes[i].ip, nodes[nodes[i].master].ip, "node %d", i);
    }
    cr_assert_eq(sc_plan_create_score(nodes, 6), 0);
}

Test(sc_plan, create_extra_replicas)
{
    const char *ips[7] = {"h", "h", "h", "h", "h", "h", "h"};
    struct sc_create_node nodes[7];
    int order[7], masters;
    plan(ips, 7, 1, nodes, order, &masters);
    cr_assert_eq(masters, 3);
    int reps = 0;
    for (int i = 0; i < 7; i++)
        reps += !nodes[i].is_master && nodes[i].master >= 0;
    cr_assert_eq(reps, 4);
}

/* ---- reshard and rebalance planners ---- */

static void fill_range(uint8_t *bm, int a, int b)
{
    for (int s = a; s <= b; s++)
        sc_slot_set(bm, s);
}

Test(sc_plan, reshard_table)
{
    static uint8_t a[SC_SLOTS / 8], b[SC_SLOTS / 8];
    fill_range(a, 0, 5460);
    fill_range(b, 10923, 16383);
    fill_range(b, 5461, 5461); /* b: 5462 slots, sorted first */
    struct sc_reshard_src src[2] = {{0, a, sc_slots_count(a)}, {1, b, sc_slots_count(b)}};
    struct sc_move mv[1000];
    int n = sc_plan_reshard(src, 2, 9, 1000, mv);
    cr_assert_eq(n, 1000);
    /* b first (more slots): ceil(1000/10923*5462) = 501, then a: floor(...) = 499. */
    int from_b = 0;
    for (int i = 0; i < n; i++) {
        cr_assert_eq(mv[i].dst, 9);
        from_b += mv[i].src == 1;
    }
    cr_assert_eq(from_b, 501);
    cr_assert_eq(mv[0].slot, 5461); /* lowest slots first */
    cr_assert_eq(mv[1].slot, 10923);
    cr_assert_eq(mv[501].slot, 0);
    cr_assert_eq(mv[501].src, 0);
}

Test(sc_plan, rebalance_to_new_empty_master)
{
    static uint8_t s[3][SC_SLOTS / 8];
    fill_range(s[0], 0, 5460);
    fill_range(s[1], 5461, 10922);
    fill_range(s[2], 10923, 16383);
    struct sc_rebal_node nodes[4] = {
        {0, 1.0, 5461, s[0], 0}, {1, 1.0, 5462, s[1], 0}, {2, 1.0, 5461, s[2], 0}, {3, 1.0, 0, NULL, 0}};
    struct sc_rebal_step steps[16];
    int ns = sc_plan_rebalance(nodes, 4, 2.0, steps, 16);
    cr_assert_gt(ns, 0);
    int to_new = 0, total = 0;
    for (int i = 0; i < ns; i++) {
        cr_assert_neq(steps[i].src, 3);
        total += steps[i].count;
        if (steps[i].dst == 3)
            to_new += steps[i].count;
    }
    cr_assert_eq(to_new, 4096);
    cr_assert_eq(total, 4096);
}

Test(sc_plan, rebalance_within_threshold)
{
    static uint8_t s[2][SC_SLOTS / 8];
    struct sc_rebal_node nodes[2] = {{0, 1.0, 8200, s[0], 0}, {1, 1.0, 8184, s[1], 0}};
    struct sc_rebal_step steps[4];
    cr_assert_eq(sc_plan_rebalance(nodes, 2, 2.0, steps, 4), 0);
}

Test(sc_plan, rebalance_weight_zero_empties)
{
    static uint8_t s[2][SC_SLOTS / 8];
    struct sc_rebal_node nodes[2] = {{0, 1.0, 8192, s[0], 0}, {1, 0.0, 8192, s[1], 0}};
    struct sc_rebal_step steps[4];
    int ns = sc_plan_rebalance(nodes, 2, 2.0, steps, 4);
    cr_assert_eq(ns, 1);
    cr_assert_eq(steps[0].src, 1);
    cr_assert_eq(steps[0].dst, 0);
    cr_assert_eq(steps[0].count, 8192);
}

/* ---- check ---- */

static void parse_view(const char *text, struct sc_nodes *n, struct sc_view *v, const char *addr)
{
    cr_assert_eq(sc_nodes_parse(text, strlen(text), n, NULL, 0), 0);
    v->nodes = n;
    v->signature = sc_nodes_signature(text, strlen(text));
    v->addr = addr;
}

/* parse_view's allocations: the parsed nodes and the signature. */
static void free_view(struct sc_nodes *n, const struct sc_view *v)
{
    sc_nodes_free(n);
    free((char *)(uintptr_t)v->signature);
}

static bool has_code(const struct sc_problems *p, const char *code)
{
    for (int i = 0; i < p->count; i++)
        if (!strcmp(p->items[i].code, code))
            return true;
    return false;
}

Test(sc_check, healthy)
{
    const char *a = "a 1.1.1.1:1@2 myself,master - 0 0 1 connected 0-8191\nb 1.1.1.1:2@3 master - 0 0 2 "
                    "connected 8192-16383\n";
    const char *b = "b 1.1.1.1:2@3 myself,master - 0 0 2 connected 8192-16383\na 1.1.1.1:1@2 master - 0 0 1 "
                    "connected 0-8191\n";
    struct sc_nodes na, nb;
    struct sc_view v[2];
    parse_view(a, &na, &v[0], "1.1.1.1:1");
    parse_view(b, &nb, &v[1], "1.1.1.1:2");
    struct sc_check_result *res = calloc(1, sizeof(*res));
    struct sc_problems p = {0};
    sc_check(v, 2, res, &p);
    cr_assert_eq(p.count, 0, "%s", p.count ? p.items[0].message : "");
    cr_assert(res->agree);
    cr_assert_eq(res->covered, SC_SLOTS);
    free(res);
    sc_problems_free(&p);
    free_view(&na, &v[0]);
    free_view(&nb, &v[1]);
}

Test(sc_check, problems)
{
    /* a still thinks it owns 0-8191 and is migrating 5; b claims 0-100 too
     * (disagreement), c is fail and a replica follows an unknown master. */
    const char *a = "a 1.1.1.1:1@2 myself,master - 0 0 1 connected 0-8191 [5->-b]\nc 1.1.1.1:3@4 master,fail - "
                    "0 0 3 disconnected\n";
    const char *b = "b 1.1.1.1:2@3 myself,master - 0 0 2 connected 0-100 [5-<-a]\n";
    const char *r = "r 1.1.1.1:5@6 myself,slave zz 0 0 2 connected\n";
    struct sc_nodes na, nb, nr;
    struct sc_view v[4];
    parse_view(a, &na, &v[0], "1.1.1.1:1");
    parse_view(b, &nb, &v[1], "1.1.1.1:2");
    parse_view(r, &nr, &v[2], "1.1.1.1:5");
    v[3] = (struct sc_view){NULL, NULL, "1.1.1.1:9"};
    struct sc_check_result *res = calloc(1, sizeof(*res));
    struct sc_problems p = {0};
    sc_check(v, 4, res, &p);
    cr_assert_not(res->agree);
    cr_assert_eq(res->covered, 8192);
    cr_assert_eq(res->open_count, 1);
    cr_assert_eq(res->open_slots[0], 5);
    cr_assert(has_code(&p, "nodes_disagree"));
    cr_assert(has_code(&p, "slots_not_covered"));
    cr_assert(has_code(&p, "open_slot"));
    cr_assert(has_code(&p, "node_fail"));
    cr_assert(has_code(&p, "unknown_master"));
    cr_assert(has_code(&p, "unreachable"));
    free(res);
    sc_problems_free(&p);
    free_view(&na, &v[0]);
    free_view(&nb, &v[1]);
    free_view(&nr, &v[2]);
}

/* ---- JSON ---- */

Test(sc_json, escapes)
{
    struct sc_buf b = {0};
    sc_json_str(&b, "a\"b\\c\n\x01");
    cr_assert_str_eq(b.data, "\"a\\\"b\\\\c\\n\\u0001\"");
    sc_buf_free(&b);
}

/* ---- command line ---- */

static int cli(struct sc_opts *o, char *err, int argc, ...)
{
    static char *argv[32];
    va_list ap;
    va_start(ap, argc);
    argv[0] = "shoal-cluster";
    for (int i = 0; i < argc; i++)
        argv[i + 1] = va_arg(ap, char *);
    va_end(ap);
    return sc_cli_parse(argc + 1, argv, o, err, 256);
}

Test(sc_cli, reshard_options_anywhere)
{
    struct sc_opts o;
    char err[256];
    cr_assert_eq(cli(&o, err, 9, "--json", "reshard", "h:1", "--from", "all", "--to=abc", "--slots", "10", "-y"), 0,
                 "%s", err);
    cr_assert_str_eq(o.command, "reshard");
    cr_assert_eq(o.npos, 1);
    cr_assert_str_eq(o.pos[0], "h:1");
    cr_assert_str_eq(o.from, "all");
    cr_assert_str_eq(o.to, "abc");
    cr_assert_eq(o.slots, 10);
    cr_assert(o.json && o.yes);
    cr_assert_eq(o.pipeline, 1000);
    cr_assert_eq(o.timeout_ms, 60000);
}

Test(sc_cli, redis_cli_aliases_and_weights)
{
    struct sc_opts o;
    char err[256];
    cr_assert_eq(cli(&o, err, 7, "rebalance", "h:1", "--cluster-weight", "ABC=2.5", "--weight", "d=0",
                     "--cluster-use-empty-masters"),
                 0, "%s", err);
    cr_assert_eq(o.nweights, 2);
    cr_assert_str_eq(o.weights[0].id, "abc");
    cr_assert_float_eq(o.weights[0].weight, 2.5, 1e-9);
    cr_assert_float_eq(o.weights[1].weight, 0.0, 1e-9);
    cr_assert(o.use_empty);
    cr_assert_eq(cli(&o, err, 4, "add-node", "a:1", "b:2", "--cluster-slave"), 0);
    cr_assert(o.replica);
}

Test(sc_cli, errors)
{
    struct sc_opts o;
    char err[256];
    cr_assert_eq(cli(&o, err, 1, "frobnicate"), -EINVAL);
    cr_assert(strstr(err, "frobnicate"));
    cr_assert_eq(cli(&o, err, 2, "check", "--bogus"), -EINVAL);
    cr_assert(strstr(err, "--bogus"));
    cr_assert_eq(cli(&o, err, 3, "reshard", "h:1", "--slots"), -EINVAL);
    cr_assert_eq(cli(&o, err, 4, "reshard", "h:1", "--slots", "16385"), -EINVAL);
    cr_assert_eq(cli(&o, err, 4, "rebalance", "h:1", "--weight", "noequals"), -EINVAL);
    cr_assert_eq(cli(&o, err, 4, "create", "h:1", "--replicas", "-1"), -EINVAL);
    cr_assert_eq(cli(&o, err, 4, "check", "h:1", "--user", "u"), -EINVAL);
}
