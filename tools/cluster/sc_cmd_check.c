/*
 * The commands that look at a cluster: check, info, and fix (check, then
 * repair open and uncovered slots as redis-cli's cases do, spec §11).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sc_io.h"

#define FIX_ROUNDS_MAX 3 /* check-fix-recheck passes */
#define AGREE_WAIT_S 10.0 /* for the new configuration to spread by gossip */

/* Loads the cluster named by a HOST:PORT argument. 0, 1 (failed) or 2 (usage). */
int sc_load_from_arg(struct sc_cluster *cl, const char *arg)
{
    char host[SC_IP_MAX], err[512];
    int port;
    memset(cl, 0, sizeof(*cl));
    if (sc_addr_parse(arg, host, sizeof(host), &port) < 0) {
        sc_fail("bad address '%s' (expected HOST:PORT)", arg);
        return 2;
    }
    if (sc_cluster_load(cl, host, port, sc_out.o, err, sizeof(err)) < 0) {
        sc_fail("%s", err);
        return 1;
    }
    return 0;
}

static void count_keys(struct sc_cluster *cl)
{
    for (int i = 0; i < cl->count; i++) {
        struct sc_cnode *n = &cl->n[i];
        if (!n->conn || !sc_cnode_is_master(n))
            continue;
        struct sc_reply *r = sc_conn_cmd(n->conn, "DBSIZE", NULL);
        if (r && r->type == SC_REPLY_INTEGER)
            n->keys = r->integer;
        sc_reply_free(r);
    }
}

static void print_info(struct sc_cluster *cl, long long *ret_keys, int *ret_masters)
{
    long long total = 0;
    int masters = 0;
    for (int i = 0; i < cl->count; i++) {
        struct sc_cnode *n = &cl->n[i];
        if (!n->me || !sc_cnode_is_master(n))
            continue;
        masters++;
        total += n->keys > 0 ? n->keys : 0;
        sc_say("%s (%.8s...) -> %lld keys | %d slots | %d replicas.\n", n->addr, n->me->id, n->keys,
               n->me->slots_count, n->replicas);
    }
    sc_say("[OK] %lld keys in %d masters.\n", total, masters);
    sc_say("%.2f keys per slot on average.\n", (double)total / SC_SLOTS);
    *ret_keys = total;
    *ret_masters = masters;
}

static void summary_json(struct sc_cluster *cl, const struct sc_check_result *res, long long keys, int masters)
{
    int replicas = 0;
    for (int i = 0; i < cl->count; i++)
        if (cl->n[i].me && !sc_cnode_is_master(&cl->n[i]))
            replicas++;
    struct sc_buf *b = &sc_out.extra;
    b->len = 0;
    sc_buf_printf(b, ",\"summary\":{\"masters\":%d,\"replicas\":%d,\"keys\":%lld,\"slots_covered\":%d,"
                     "\"agree\":%s,\"open_slots\":[",
                  masters, replicas, keys, res->covered, res->agree ? "true" : "false");
    for (int i = 0; i < res->open_count; i++)
        sc_buf_printf(b, "%s%d", i ? "," : "", res->open_slots[i]);
    sc_buf_puts(b, "]}");
}

/* Runs and prints the checks; returns the number of problems found. */
static int run_check(struct sc_cluster *cl, struct sc_check_result *res)
{
    long long keys;
    int masters;
    sc_problems_free(&sc_out.probs);
    count_keys(cl);
    print_info(cl, &keys, &masters);
    sc_say(">>> Performing Cluster Check (using node %s)\n", cl->n[0].addr);
    sc_print_nodes(cl);
    sc_cluster_check(cl, res, &sc_out.probs);
    for (int i = 0; i < sc_out.probs.count; i++) {
        const struct sc_problem *p = &sc_out.probs.items[i];
        sc_say("[%s] %s\n", p->level == SC_ERROR ? "ERR" : "WARNING", p->message);
    }
    if (res->agree)
        sc_say("[OK] All nodes agree about slots configuration.\n");
    if (res->open_count) {
        struct sc_buf b = {0};
        sc_slot_list_format(&b, res->open_slots, res->open_count);
        sc_say("[WARNING] The following slots are open: %s.\n", b.data);
        sc_buf_free(&b);
    }
    if (res->covered == SC_SLOTS)
        sc_say("[OK] All %d slots covered.\n", SC_SLOTS);
    summary_json(cl, res, keys, masters);
    return sc_out.probs.count;
}

int sc_fix_cluster(struct sc_cluster *cl, const struct sc_check_result *res);

int sc_cmd_check(bool fix)
{
    struct sc_cluster cl;
    int rc = sc_load_from_arg(&cl, sc_out.o->pos[0]);
    if (rc) {
        sc_cluster_free(&cl);
        return sc_finish(rc, NULL);
    }
    struct sc_check_result *res = sc_xcalloc(1, sizeof(*res));
    int problems = run_check(&cl, res);
    struct sc_buf fixed = {0};
    sc_buf_puts(&fixed, ",\"fixed\":[");
    for (int round = 0; fix && problems && round < FIX_ROUNDS_MAX; round++) {
        if (res->open_count == 0 && res->covered == SC_SLOTS)
            break; /* nothing fix knows how to repair */
        if (!sc_confirm("Fix these slots?")) {
            sc_fail("not fixed: the answer was not 'yes'");
            rc = 1;
            break;
        }
        for (int i = 0; i < sc_out.probs.count; i++) {
            sc_buf_puts(&fixed, fixed.data[fixed.len - 1] == '[' ? "" : ",");
            sc_json_str(&fixed, sc_out.probs.items[i].message);
        }
        if (!sc_out.start)
            sc_out.start = sc_now();
        int frc = sc_fix_cluster(&cl, res);
        sc_out.moved_seconds = sc_now() - sc_out.start;
        if (frc < 0) {
            rc = 1;
            break;
        }
        char addr[SC_IP_MAX + 8];
        snprintf(addr, sizeof(addr), "%s", cl.n[0].addr);
        sc_cluster_free(&cl);
        sc_say(">>> Checking the cluster again\n");
        rc = sc_load_from_arg(&cl, addr);
        if (rc)
            break;
        sc_cluster_wait_agree(&cl, AGREE_WAIT_S);
        problems = run_check(&cl, res);
    }
    if (rc == 0 && problems)
        rc = 1;
    free(res);
    if (fix) {
        sc_buf_puts(&fixed, "]");
        sc_buf_append(&sc_out.extra, fixed.data, fixed.len);
    }
    sc_buf_free(&fixed);
    rc = sc_finish(rc, &cl);
    sc_cluster_free(&cl);
    return rc;
}

int sc_cmd_info(void)
{
    struct sc_cluster cl;
    int rc = sc_load_from_arg(&cl, sc_out.o->pos[0]);
    if (rc == 0) {
        long long keys;
        int masters;
        count_keys(&cl);
        print_info(&cl, &keys, &masters);
        for (int i = 0; i < cl.load_probs.count; i++) {
            const struct sc_problem *p = &cl.load_probs.items[i];
            sc_problems_add(&sc_out.probs, p->level, p->code, "%s", p->message);
            sc_say("[ERR] %s\n", p->message);
        }
        sc_buf_printf(&sc_out.extra, ",\"summary\":{\"masters\":%d,\"keys\":%lld}", masters, keys);
    }
    rc = sc_finish(rc, &cl);
    sc_cluster_free(&cl);
    return rc;
}
