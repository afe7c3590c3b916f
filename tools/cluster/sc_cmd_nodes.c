/*
 * add-node and del-node (spec cluster-tool.md §6, §7): adding an empty node
 * as a master (functions copied) or a replica, and removing a node that owns
 * no slots by making every other node FORGET it.
 */
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sc_io.h"

#define JOIN_WAIT_S 60.0
#define AGREE_WAIT_S 10.0 /* for a change made just before to spread */
#define POLL_INTERVAL_US 100000

static int reply_rc(struct sc_reply *r, struct sc_conn *c, const char *what, const char *addr)
{
    int rc = r && r->type != SC_REPLY_ERROR ? 0 : -1;
    if (rc < 0)
        sc_fail("%s on %s: %s", what, addr, r ? r->str : c->err);
    sc_reply_free(r);
    return rc;
}

/* The new node must be cluster-enabled, hold no key and know no other node. */
static int check_new(struct sc_conn *c, const char *addr, char *id)
{
    struct sc_reply *info = sc_conn_cmd(c, "INFO", NULL);
    struct sc_reply *ci = sc_conn_cmd(c, "CLUSTER", "INFO", NULL);
    struct sc_reply *nodes = sc_conn_cmd(c, "CLUSTER", "NODES", NULL);
    char v[32];
    int rc = -1;
    struct sc_nodes p = {0};
    if (!info || info->type == SC_REPLY_ERROR)
        sc_fail("%s: INFO failed: %s", addr, info ? info->str : c->err);
    else if (info->type != SC_REPLY_BULK || !sc_info_field(info->str, "cluster_enabled", v, sizeof(v)) ||
             strcmp(v, "1") != 0)
        sc_fail("%s is not configured as a cluster node", addr);
    else if (sc_info_field(info->str, "db0", v, sizeof(v)))
        sc_fail("%s is not empty: it holds keys in db0", addr);
    else if (!ci || ci->type != SC_REPLY_BULK || !sc_info_field(ci->str, "cluster_known_nodes", v, sizeof(v)) ||
             strcmp(v, "1") != 0)
        sc_fail("%s is not empty: it already knows other nodes", addr);
    else if (!nodes || nodes->type != SC_REPLY_BULK || sc_nodes_parse(nodes->str, nodes->len, &p, NULL, 0) < 0 ||
             p.myself < 0)
        sc_fail("%s: bad CLUSTER NODES reply", addr);
    else if (p.lines[p.myself].slots_count)
        sc_fail("%s is not empty: it has slots assigned", addr);
    else {
        snprintf(id, SC_ID_LEN + 1, "%s", p.lines[p.myself].id);
        rc = 0;
    }
    sc_nodes_free(&p);
    sc_reply_free(info);
    sc_reply_free(ci);
    sc_reply_free(nodes);
    return rc;
}

/* FUNCTION DUMP from the cluster, RESTORE on the new master; skipped quietly
 * when the existing node does not know FUNCTION. */
static int copy_functions(struct sc_conn *from, struct sc_conn *to, const char *addr)
{
    struct sc_reply *d = sc_conn_cmd(from, "FUNCTION", "DUMP", NULL);
    if (!d || d->type != SC_REPLY_BULK) {
        sc_reply_free(d);
        return 0;
    }
    struct sc_reply *l = sc_conn_cmd(to, "FUNCTION", "LIST", NULL);
    int rc = 0;
    if (!l || l->type != SC_REPLY_ARRAY || l->count != 0) {
        sc_fail("%s: FUNCTION LIST is not empty or failed; the new node must have no functions", addr);
        rc = -1;
    } else {
        const char *argv[] = {"FUNCTION", "RESTORE", d->str};
        size_t lens[] = {8, 7, d->len};
        rc = reply_rc(sc_conn_cmdv(to, 3, argv, lens), to, "FUNCTION RESTORE", addr);
    }
    sc_reply_free(l);
    sc_reply_free(d);
    return rc;
}

static bool knows(struct sc_conn *c, const char *id)
{
    struct sc_reply *r = sc_conn_cmd(c, "CLUSTER", "NODES", NULL);
    struct sc_nodes p;
    bool ok = r && r->type == SC_REPLY_BULK && sc_nodes_parse(r->str, r->len, &p, NULL, 0) == 0;
    sc_reply_free(r);
    if (!ok)
        return false;
    const struct sc_nline *l = sc_nodes_find(&p, id);
    ok = l && !(l->flags & SC_F_HANDSHAKE);
    sc_nodes_free(&p);
    return ok;
}

static bool same_view(struct sc_cluster *cl, struct sc_conn *nc)
{
    struct sc_reply *r = sc_conn_cmd(nc, "CLUSTER", "NODES", NULL);
    struct sc_reply *ci = sc_conn_cmd(nc, "CLUSTER", "INFO", NULL);
    char v[16];
    bool ok = r && r->type == SC_REPLY_BULK && ci && ci->type == SC_REPLY_BULK &&
              sc_info_field(ci->str, "cluster_state", v, sizeof(v)) && strcmp(v, "ok") == 0;
    if (ok) {
        char *sig = sc_nodes_signature(r->str, r->len);
        ok = cl->n[0].signature && strcmp(sig, cl->n[0].signature) == 0;
        free(sig);
    }
    sc_reply_free(r);
    sc_reply_free(ci);
    return ok;
}

/* Waits until the new node knows every loaded node and they all know it. */
static int wait_join(struct sc_cluster *cl, struct sc_conn *nc, const char *new_id)
{
    double deadline = sc_now() + JOIN_WAIT_S;
    sc_say(">>> Waiting for the new node to join");
    for (;;) {
        bool ok = true;
        for (int i = 0; i < cl->count && ok; i++)
            if (cl->n[i].conn)
                ok = knows(nc, cl->n[i].me->id) && knows(cl->n[i].conn, new_id);
        /* A node that has not learnt the slots yet answers CLUSTERDOWN to
         * the RESTORE-ASKING of a following reshard: wait for it too. */
        if (ok)
            ok = same_view(cl, nc);
        if (ok)
            break;
        if (sc_now() > deadline) {
            sc_say("\n");
            sc_fail("timed out waiting for the new node to join (is its cluster bus port reachable? a node "
                    "removed by del-node is refused by the others for 60 s after the FORGET)");
            return -1;
        }
        usleep(POLL_INTERVAL_US);
    }
    sc_say("\n");
    return 0;
}

static struct sc_cnode *fewest_replicas(struct sc_cluster *cl, const struct sc_cnode *except)
{
    struct sc_cnode *best = NULL;
    for (int i = 0; i < cl->count; i++) {
        struct sc_cnode *n = &cl->n[i];
        if (n != except && n->me && sc_cnode_is_master(n) && (!best || n->replicas < best->replicas))
            best = n;
    }
    return best;
}

static int meet(struct sc_conn *nc, struct sc_cnode *ex, const char *new_addr)
{
    char port[16], bus[16];
    snprintf(port, sizeof(port), "%d", ex->me->port ? ex->me->port : ex->port);
    snprintf(bus, sizeof(bus), "%d", ex->me->cport);
    const char *ip = ex->me->ip[0] ? ex->me->ip : ex->ip;
    char num[SC_IP_MAX];
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res;
    snprintf(num, sizeof(num), "%s", ip);
    if (getaddrinfo(ip, NULL, &hints, &res) == 0) {
        getnameinfo(res->ai_addr, res->ai_addrlen, num, sizeof(num), NULL, 0, NI_NUMERICHOST);
        freeaddrinfo(res);
    }
    bool three = ex->me->cport && ex->me->cport != atoi(port) + 10000;
    struct sc_reply *r = three ? sc_conn_cmd(nc, "CLUSTER", "MEET", num, port, bus, NULL)
                               : sc_conn_cmd(nc, "CLUSTER", "MEET", num, port, NULL);
    return reply_rc(r, nc, "CLUSTER MEET", new_addr);
}

static int add_node_steps(struct sc_cluster *cl, struct sc_conn *nc, const char *new_addr, struct sc_cnode *master)
{
    char new_id[SC_ID_LEN + 1];
    if (check_new(nc, new_addr, new_id) < 0)
        return 1;
    struct sc_cnode *ex = &cl->n[0];
    if (!master && copy_functions(ex->conn, nc, new_addr) < 0)
        return 1;
    sc_say(">>> Sending CLUSTER MEET to %s to make it join the cluster\n", new_addr);
    if (meet(nc, ex, new_addr) < 0 || wait_join(cl, nc, new_id) < 0)
        return 1;
    if (master) {
        sc_say(">>> Configuring %s as a replica of %s (%s)\n", new_addr, master->addr, master->me->id);
        if (reply_rc(sc_conn_cmd(nc, "CLUSTER", "REPLICATE", master->me->id, NULL), nc, "CLUSTER REPLICATE",
                     new_addr) < 0)
            return 1;
    }
    sc_say("[OK] New node added correctly.\n");
    return 0;
}

int sc_cmd_add_node(void)
{
    const struct sc_opts *o = sc_out.o;
    char host[SC_IP_MAX], err[512];
    int port, rc;
    if (sc_addr_parse(o->pos[0], host, sizeof(host), &port) < 0) {
        sc_fail("bad address '%s' (expected HOST:PORT)", o->pos[0]);
        return sc_finish(2, NULL);
    }
    struct sc_cluster cl;
    rc = sc_load_from_arg(&cl, o->pos[1]);
    struct sc_check_result *res = sc_xcalloc(1, sizeof(*res));
    if (rc == 0) {
        sc_cluster_check(&cl, res, &sc_out.probs);
        if (!res->agree && sc_cluster_wait_agree(&cl, AGREE_WAIT_S) == 0) {
            sc_problems_free(&sc_out.probs);
            sc_cluster_check(&cl, res, &sc_out.probs);
        }
        if (sc_out.probs.count) {
            for (int i = 0; i < sc_out.probs.count; i++)
                sc_say("[ERR] %s\n", sc_out.probs.items[i].message);
            sc_fail("the cluster has problems; run 'shoal-cluster check' or 'fix' first");
            rc = 1;
        }
    }
    free(res);
    struct sc_cnode *master = NULL;
    if (rc == 0 && o->replica_of) {
        master = sc_cluster_find_prefix(&cl, o->replica_of);
        if (!master || !sc_cnode_is_master(master)) {
            sc_fail("--replica-of: '%s' is not the id of a master of this cluster", o->replica_of);
            rc = 2;
        }
    } else if (rc == 0 && o->replica) {
        master = fewest_replicas(&cl, NULL);
        if (master)
            sc_say(">>> Automatically selected master %s (%s)\n", master->addr, master->me->id);
    }
    if (rc == 0) {
        struct sc_conn *nc = sc_conn_open(host, port, o, err, sizeof(err));
        if (!nc) {
            sc_fail("%s", err);
            rc = 1;
        } else {
            rc = add_node_steps(&cl, nc, o->pos[0], master);
            sc_conn_close(nc);
        }
    }
    if (rc == 0) {
        char addr[SC_IP_MAX + 8];
        snprintf(addr, sizeof(addr), "%s", cl.n[0].addr);
        sc_cluster_free(&cl);
        sc_load_from_arg(&cl, addr);
    }
    rc = sc_finish(rc, &cl);
    sc_cluster_free(&cl);
    return rc;
}

static int forget_everywhere(struct sc_cluster *cl, struct sc_cnode *victim)
{
    const char *id = victim->me->id;
    for (int i = 0; i < cl->count; i++) {
        struct sc_cnode *n = &cl->n[i];
        if (n == victim || !n->conn)
            continue;
        if (n->me->master[0] && !strcmp(n->me->master, id)) {
            struct sc_cnode *m = fewest_replicas(cl, victim);
            if (m) {
                sc_say(">>> %s replicates the removed node; moving it to %s\n", n->addr, m->addr);
                if (reply_rc(sc_conn_cmd(n->conn, "CLUSTER", "REPLICATE", m->me->id, NULL), n->conn,
                             "CLUSTER REPLICATE", n->addr) < 0)
                    return -1;
                m->replicas++;
            }
        }
        if (reply_rc(sc_conn_cmd(n->conn, "CLUSTER", "FORGET", id, NULL), n->conn, "CLUSTER FORGET", n->addr) < 0)
            return -1;
    }
    return 0;
}

int sc_cmd_del_node(void)
{
    const struct sc_opts *o = sc_out.o;
    struct sc_cluster cl;
    int rc = sc_load_from_arg(&cl, o->pos[0]);
    struct sc_cnode *victim = NULL;
    if (rc == 0) {
        victim = sc_cluster_find_prefix(&cl, o->pos[1]);
        if (!victim) {
            sc_fail("No such node ID '%s' in the cluster", o->pos[1]);
            rc = 2;
        } else if (victim->me->slots_count > 0) {
            sc_fail("node %s (%s) is not empty: it owns %d slots; reshard them away and try again", victim->addr,
                    victim->me->id, victim->me->slots_count);
            rc = 1;
        }
    }
    char other[SC_IP_MAX + 8] = "";
    if (rc == 0) {
        sc_say(">>> Removing node %s (%s) from the cluster\n", victim->addr, victim->me->id);
        for (int i = 0; i < cl.count && !other[0]; i++)
            if (&cl.n[i] != victim && cl.n[i].conn)
                snprintf(other, sizeof(other), "%s", cl.n[i].addr);
        if (forget_everywhere(&cl, victim) < 0)
            rc = 1;
    }
    if (rc == 0 && victim->conn) {
        sc_say(">>> Sending CLUSTER RESET SOFT to the removed node.\n");
        if (reply_rc(sc_conn_cmd(victim->conn, "CLUSTER", "RESET", "SOFT", NULL), victim->conn, "CLUSTER RESET",
                     victim->addr) < 0)
            rc = 1;
    }
    if (rc == 0) {
        sc_say("[OK] Node removed.\n");
        sc_cluster_free(&cl);
        if (other[0])
            sc_load_from_arg(&cl, other);
    }
    rc = sc_finish(rc, &cl);
    sc_cluster_free(&cl);
    return rc;
}
