/*
 * create: forms a new cluster from empty cluster-enabled nodes (spec
 * cluster-tool.md §5): checks every node first and changes nothing if one is
 * unfit, plans with sc_plan_create(), assigns slots and distinct config
 * epochs, MEETs, waits for every node to know every other, attaches the
 * replicas, then waits for agreement and cluster_state:ok.
 */
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sc_io.h"

#define CREATE_WAIT_S 60.0
#define POLL_INTERVAL_US 100000

struct cnode {
    char host[SC_IP_MAX];
    int port;
    struct sc_conn *conn;
    char id[SC_ID_LEN + 1];
    int cport;
};

static int open_node(struct cnode *c, const char *arg)
{
    char err[512];
    c->conn = sc_conn_open(c->host, c->port, sc_out.o, err, sizeof(err));
    if (!c->conn) {
        sc_problems_add(&sc_out.probs, SC_ERROR, "unreachable", "%s", err);
        return -1;
    }
    struct sc_reply *info = sc_conn_cmd(c->conn, "INFO", NULL);
    struct sc_reply *nodes = sc_conn_cmd(c->conn, "CLUSTER", "NODES", NULL);
    struct sc_reply *cinfo = sc_conn_cmd(c->conn, "CLUSTER", "INFO", NULL);
    char v[32];
    int rc = -1;
    if (!info || info->type == SC_REPLY_ERROR) {
        sc_problems_add(&sc_out.probs, SC_ERROR, "bad_reply", "%s: INFO failed: %s", arg,
                        info ? info->str : c->conn->err);
    } else if (info->type != SC_REPLY_BULK || !sc_info_field(info->str, "cluster_enabled", v, sizeof(v)) ||
               strcmp(v, "1") != 0) {
        sc_problems_add(&sc_out.probs, SC_ERROR, "not_cluster", "%s is not configured as a cluster node.", arg);
    } else if (sc_info_field(info->str, "db0", v, sizeof(v))) {
        sc_problems_add(&sc_out.probs, SC_ERROR, "not_empty", "%s is not empty: it holds keys in db0.", arg);
    } else if (!cinfo || cinfo->type != SC_REPLY_BULK ||
               !sc_info_field(cinfo->str, "cluster_known_nodes", v, sizeof(v)) || strcmp(v, "1") != 0) {
        sc_problems_add(&sc_out.probs, SC_ERROR, "not_empty", "%s is not empty: it already knows other nodes.", arg);
    } else {
        struct sc_nodes p;
        if (nodes && nodes->type == SC_REPLY_BULK && sc_nodes_parse(nodes->str, nodes->len, &p, NULL, 0) == 0) {
            if (p.myself >= 0) {
                snprintf(c->id, sizeof(c->id), "%s", p.lines[p.myself].id);
                c->cport = p.lines[p.myself].cport;
                rc = 0;
            }
            if (p.myself >= 0 && p.lines[p.myself].slots_count > 0) {
                sc_problems_add(&sc_out.probs, SC_ERROR, "not_empty", "%s is not empty: it has slots assigned.",
                                arg);
                rc = -1;
            }
            sc_nodes_free(&p);
        }
        if (rc < 0 && !c->id[0])
            sc_problems_add(&sc_out.probs, SC_ERROR, "bad_reply", "%s: bad CLUSTER NODES reply.", arg);
    }
    sc_reply_free(info);
    sc_reply_free(nodes);
    sc_reply_free(cinfo);
    return rc;
}

static void print_plan(struct cnode *cs, struct sc_create_node *pl, const int *order, int n, int masters)
{
    struct sc_buf *b = &sc_out.extra;
    sc_buf_puts(b, ",\"masters\":[");
    sc_say(">>> Performing hash slots allocation on %d nodes...\n", n);
    for (int i = 0; i < masters; i++) {
        int m = order[i];
        sc_say("Master[%d] -> Slots %d - %d  (%s:%d)\n", i, pl[m].slot_first, pl[m].slot_last, cs[m].host,
               cs[m].port);
        sc_buf_printf(b, "%s{\"addr\":\"%s:%d\",\"slots\":[[%d,%d]],\"replicas\":[", i ? "," : "", cs[m].host,
                      cs[m].port, pl[m].slot_first, pl[m].slot_last);
        int k = 0;
        for (int j = 0; j < n; j++) {
            if (pl[j].is_master || pl[j].master != m)
                continue;
            sc_say("Adding replica %s:%d to %s:%d\n", cs[j].host, cs[j].port, cs[m].host, cs[m].port);
            sc_buf_printf(b, "%s\"%s:%d\"", k++ ? "," : "", cs[j].host, cs[j].port);
        }
        sc_buf_puts(b, "]}");
    }
    sc_buf_puts(b, "]");
    int score = sc_plan_create_score(pl, n);
    if (score == 0)
        sc_say("[OK] Perfect anti-affinity obtained!\n");
    else if (score >= 10000)
        sc_say("[WARNING] Some replicas are in the same host as their master\n");
    else
        sc_say("[WARNING] Some replicas of the same master are in the same host\n");
}

static int check_reply(struct sc_reply *r, struct cnode *c, const char *what)
{
    int rc = r && r->type != SC_REPLY_ERROR ? 0 : -1;
    if (rc < 0)
        sc_fail("%s on %s:%d: %s", what, c->host, c->port, r ? r->str : c->conn->err);
    sc_reply_free(r);
    return rc;
}

static int add_slots(struct cnode *c, int first, int last)
{
    char a[16], b[16];
    snprintf(a, sizeof(a), "%d", first);
    snprintf(b, sizeof(b), "%d", last);
    struct sc_reply *r = sc_conn_cmd(c->conn, "CLUSTER", "ADDSLOTSRANGE", a, b, NULL);
    if (r && r->type == SC_REPLY_ERROR && strstr(r->str, "nknown")) {
        /* A node without ADDSLOTSRANGE: one ADDSLOTS with every slot. */
        sc_reply_free(r);
        int n = last - first + 1;
        const char **argv = sc_xmalloc((size_t)(n + 2) * sizeof(*argv));
        char (*nums)[8] = sc_xmalloc((size_t)n * 8);
        argv[0] = "CLUSTER";
        argv[1] = "ADDSLOTS";
        for (int i = 0; i < n; i++) {
            snprintf(nums[i], 8, "%d", first + i);
            argv[i + 2] = nums[i];
        }
        r = sc_conn_cmdv(c->conn, n + 2, argv, NULL);
        free(argv);
        free(nums);
    }
    return check_reply(r, c, "CLUSTER ADDSLOTS");
}

/* Does every node know every other one (no handshake left)? */
static bool all_joined(struct cnode *cs, int n)
{
    for (int i = 0; i < n; i++) {
        struct sc_reply *r = sc_conn_cmd(cs[i].conn, "CLUSTER", "NODES", NULL);
        struct sc_nodes p;
        bool ok = r && r->type == SC_REPLY_BULK && sc_nodes_parse(r->str, r->len, &p, NULL, 0) == 0;
        sc_reply_free(r);
        if (!ok)
            return false;
        for (int j = 0; j < n && ok; j++)
            ok = sc_nodes_find(&p, cs[j].id) != NULL;
        for (int k = 0; k < p.count && ok; k++)
            ok = !(p.lines[k].flags & SC_F_HANDSHAKE);
        sc_nodes_free(&p);
        if (!ok)
            return false;
    }
    return true;
}

static bool all_agree_ok(struct cnode *cs, int n)
{
    char *ref = NULL;
    bool ok = true;
    for (int i = 0; i < n && ok; i++) {
        struct sc_reply *r = sc_conn_cmd(cs[i].conn, "CLUSTER", "NODES", NULL);
        struct sc_reply *ci = sc_conn_cmd(cs[i].conn, "CLUSTER", "INFO", NULL);
        char v[16];
        ok = r && r->type == SC_REPLY_BULK && ci && ci->type == SC_REPLY_BULK &&
             sc_info_field(ci->str, "cluster_state", v, sizeof(v)) && strcmp(v, "ok") == 0;
        if (ok) {
            char *sig = sc_nodes_signature(r->str, r->len);
            if (!ref)
                ref = sig;
            else {
                ok = strcmp(ref, sig) == 0;
                free(sig);
            }
        }
        sc_reply_free(r);
        sc_reply_free(ci);
    }
    free(ref);
    return ok;
}

static int wait_for(bool (*pred)(struct cnode *, int), struct cnode *cs, int n, const char *what)
{
    sc_say(">>> %s", what);
    double deadline = sc_now() + CREATE_WAIT_S, last = sc_now();
    while (!pred(cs, n)) {
        if (sc_now() > deadline) {
            sc_say("\n");
            sc_fail("timed out after %.0f s: %s (are the cluster bus ports, port+10000, reachable?)", CREATE_WAIT_S,
                    what);
            return -1;
        }
        if (sc_now() - last >= 1.0) {
            sc_say(".");
            last = sc_now();
        }
        usleep(POLL_INTERVAL_US);
    }
    sc_say("\n");
    return 0;
}

/* Resolves the first node's host to the numeric address the others MEET. */
static void numeric_host(const char *host, char *out, size_t size)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res;
    snprintf(out, size, "%s", host);
    if (getaddrinfo(host, NULL, &hints, &res) == 0) {
        getnameinfo(res->ai_addr, res->ai_addrlen, out, (socklen_t)size, NULL, 0, NI_NUMERICHOST);
        freeaddrinfo(res);
    }
}

static int apply(struct cnode *cs, struct sc_create_node *pl, int n)
{
    for (int i = 0; i < n; i++)
        if (pl[i].is_master && add_slots(&cs[i], pl[i].slot_first, pl[i].slot_last) < 0)
            return -1;
    for (int i = 0; i < n; i++) {
        char e[16];
        snprintf(e, sizeof(e), "%d", i + 1);
        sc_reply_free(sc_conn_cmd(cs[i].conn, "CLUSTER", "SET-CONFIG-EPOCH", e, NULL));
    }
    char ip[SC_IP_MAX], port[16], bus[16];
    numeric_host(cs[0].host, ip, sizeof(ip));
    snprintf(port, sizeof(port), "%d", cs[0].port);
    snprintf(bus, sizeof(bus), "%d", cs[0].cport);
    bool three = cs[0].cport && cs[0].cport != cs[0].port + 10000;
    sc_say(">>> Sending CLUSTER MEET messages to join the cluster\n");
    for (int i = 1; i < n; i++) {
        struct sc_reply *r = three ? sc_conn_cmd(cs[i].conn, "CLUSTER", "MEET", ip, port, bus, NULL)
                                   : sc_conn_cmd(cs[i].conn, "CLUSTER", "MEET", ip, port, NULL);
        if (check_reply(r, &cs[i], "CLUSTER MEET") < 0)
            return -1;
    }
    if (wait_for(all_joined, cs, n, "Waiting for every node to know every other") < 0)
        return -1;
    for (int i = 0; i < n; i++) {
        if (pl[i].is_master || pl[i].master < 0)
            continue;
        struct sc_reply *r = sc_conn_cmd(cs[i].conn, "CLUSTER", "REPLICATE", cs[pl[i].master].id, NULL);
        if (check_reply(r, &cs[i], "CLUSTER REPLICATE") < 0)
            return -1;
    }
    return wait_for(all_agree_ok, cs, n, "Waiting for the nodes to agree and cluster_state:ok");
}

static int fail_code(int code, struct cnode *cs, int n)
{
    for (int i = 0; i < n; i++)
        sc_conn_close(cs[i].conn);
    free(cs);
    return sc_finish(code, NULL);
}

int sc_cmd_create(void)
{
    const struct sc_opts *o = sc_out.o;
    int n = o->npos;
    struct cnode *cs = sc_xcalloc((size_t)n, sizeof(*cs));
    for (int i = 0; i < n; i++) {
        if (sc_addr_parse(o->pos[i], cs[i].host, sizeof(cs[i].host), &cs[i].port) < 0) {
            sc_fail("bad address '%s' (expected HOST:PORT)", o->pos[i]);
            return fail_code(2, cs, n);
        }
        for (int j = 0; j < i; j++)
            if (cs[j].port == cs[i].port && !strcmp(cs[j].host, cs[i].host)) {
                sc_fail("address '%s' given twice", o->pos[i]);
                return fail_code(2, cs, n);
            }
    }
    if (n / (o->replicas + 1) < 3) {
        sc_fail("a cluster needs at least 3 masters: %d nodes with --replicas %d gives %d (need %d nodes)", n,
                o->replicas, n / (o->replicas + 1), 3 * (o->replicas + 1));
        return fail_code(2, cs, n);
    }
    int bad = 0;
    for (int i = 0; i < n; i++)
        if (open_node(&cs[i], o->pos[i]) < 0)
            bad++;
    if (bad) {
        for (int i = 0; i < sc_out.probs.count; i++)
            sc_say("[ERR] %s\n", sc_out.probs.items[i].message);
        sc_fail("%d of %d nodes cannot join a new cluster; nothing was changed", bad, n);
        return fail_code(1, cs, n);
    }
    struct sc_create_node *pl = sc_xcalloc((size_t)n, sizeof(*pl));
    int *order = sc_xcalloc((size_t)n, sizeof(int));
    for (int i = 0; i < n; i++)
        pl[i].ip = cs[i].host;
    int masters = sc_plan_create(pl, n, o->replicas, order, 1);
    print_plan(cs, pl, order, n, masters);
    int rc = 0;
    if (!sc_confirm("Can I set the above configuration?")) {
        sc_fail("cancelled: nothing was changed");
        rc = 1;
    } else if (apply(cs, pl, n) < 0) {
        rc = 1;
    }
    free(pl);
    free(order);
    struct sc_cluster cl = {0};
    if (rc == 0) {
        char addr[SC_IP_MAX + 8];
        snprintf(addr, sizeof(addr), "%s:%d", cs[0].host, cs[0].port);
        rc = sc_load_from_arg(&cl, addr);
        if (rc == 0) {
            sc_print_nodes(&cl);
            sc_say("[OK] All %d slots covered.\n", SC_SLOTS);
        }
    }
    for (int i = 0; i < n; i++)
        sc_conn_close(cs[i].conn);
    free(cs);
    rc = sc_finish(rc, &cl);
    sc_cluster_free(&cl);
    return rc;
}
