/*
 * Loading a running cluster: the entry node's CLUSTER NODES names the other
 * nodes; the tool connects to each and reads its own CLUSTER NODES, from
 * which it learns that node's slots, open slots and signature (spec
 * cluster-tool.md §4). Owns the connections of the loaded nodes.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sc_io.h"

bool sc_cnode_is_master(const struct sc_cnode *n)
{
    return n->me && !(n->me->flags & SC_F_REPLICA);
}

int sc_cluster_refresh_node(struct sc_cnode *n)
{
    if (!n->conn)
        return -1;
    struct sc_reply *r = sc_conn_cmd(n->conn, "CLUSTER", "NODES", NULL);
    if (!r || r->type != SC_REPLY_BULK) {
        sc_reply_free(r);
        return -1;
    }
    struct sc_nodes parsed;
    if (sc_nodes_parse(r->str, r->len, &parsed, NULL, 0) < 0 || parsed.myself < 0) {
        sc_reply_free(r);
        return -1;
    }
    sc_nodes_free(&n->nodes);
    free(n->nodes_text);
    free(n->signature);
    n->nodes = parsed;
    n->me = &n->nodes.lines[n->nodes.myself];
    n->signature = sc_nodes_signature(r->str, r->len);
    n->nodes_text = r->str;
    r->str = NULL;
    sc_reply_free(r);
    return 0;
}

static struct sc_cnode *add_node(struct sc_cluster *cl, const char *ip, int port)
{
    cl->n = sc_xrealloc(cl->n, (size_t)(cl->count + 1) * sizeof(*cl->n));
    struct sc_cnode *n = &cl->n[cl->count++];
    memset(n, 0, sizeof(*n));
    snprintf(n->ip, sizeof(n->ip), "%s", ip);
    n->port = port;
    snprintf(n->addr, sizeof(n->addr), "%s:%d", ip, port);
    n->keys = -1;
    n->weight = 1.0;
    return n;
}

static int load_entry(struct sc_cluster *cl, const char *host, int port, const struct sc_opts *o, char *err,
                      size_t err_size)
{
    struct sc_conn *c = sc_conn_open(host, port, o, err, err_size);
    if (!c)
        return -1;
    struct sc_reply *r = sc_conn_cmd(c, "INFO", NULL);
    char v[32];
    if (!r || r->type != SC_REPLY_BULK || !sc_info_field(r->str, "cluster_enabled", v, sizeof(v)) ||
        strcmp(v, "1") != 0) {
        if (r && r->type == SC_REPLY_ERROR)
            snprintf(err, err_size, "%s:%d: INFO failed: %s", host, port, r->str);
        else
            snprintf(err, err_size, "%s:%d is not configured as a cluster node%s%s", host, port, r ? "" : ": ",
                     r ? "" : c->err);
        sc_reply_free(r);
        sc_conn_close(c);
        return -1;
    }
    sc_reply_free(r);
    struct sc_cnode *n = add_node(cl, host, port);
    n->conn = c;
    if (sc_cluster_refresh_node(n) < 0) {
        snprintf(err, err_size, "%s:%d: CLUSTER NODES failed or could not be parsed", host, port);
        return -1;
    }
    /* Report the entry node under the address the cluster uses for it, as
     * every other node is (the user may have typed a host name). */
    if (n->me->ip[0] && n->me->port > 0) {
        snprintf(n->ip, sizeof(n->ip), "%s", n->me->ip);
        n->port = n->me->port;
        snprintf(n->addr, sizeof(n->addr), "%s:%d", n->ip, n->port);
    }
    return 0;
}

int sc_cluster_load(struct sc_cluster *cl, const char *host, int port, const struct sc_opts *o, char *err,
                    size_t err_size)
{
    memset(cl, 0, sizeof(*cl));
    if (load_entry(cl, host, port, o, err, err_size) < 0)
        return -1;
    /* Copy what we need: add_node may move cl->n. */
    int nlines = cl->n[0].nodes.count;
    struct sc_nline *lines = sc_xcalloc((size_t)nlines, sizeof(*lines));
    memcpy(lines, cl->n[0].nodes.lines, (size_t)nlines * sizeof(*lines));
    for (int i = 0; i < nlines; i++) {
        const struct sc_nline *l = &lines[i];
        if ((l->flags & (SC_F_MYSELF | SC_F_HANDSHAKE | SC_F_NOADDR)) || l->port <= 0)
            continue;
        struct sc_cnode *n = add_node(cl, l->ip, l->port);
        char cerr[256];
        n->conn = sc_conn_open(l->ip, l->port, o, cerr, sizeof(cerr));
        if (!n->conn || sc_cluster_refresh_node(n) < 0) {
            sc_problems_add(&cl->load_probs, SC_ERROR, "unreachable", "Node %s (%.8s...) is unreachable: %s",
                            n->addr, l->id, n->conn ? "CLUSTER NODES failed" : cerr);
            sc_conn_close(n->conn);
            n->conn = NULL;
        }
    }
    free(lines);
    for (int i = 0; i < cl->count; i++) {
        if (!cl->n[i].me || !(cl->n[i].me->flags & SC_F_REPLICA))
            continue;
        struct sc_cnode *m = sc_cluster_find(cl, cl->n[i].me->master);
        if (m)
            m->replicas++;
    }
    return 0;
}

void sc_cluster_free(struct sc_cluster *cl)
{
    for (int i = 0; i < cl->count; i++) {
        sc_conn_close(cl->n[i].conn);
        sc_nodes_free(&cl->n[i].nodes);
        free(cl->n[i].nodes_text);
        free(cl->n[i].signature);
    }
    free(cl->n);
    sc_problems_free(&cl->load_probs);
    memset(cl, 0, sizeof(*cl));
}

struct sc_cnode *sc_cluster_find(struct sc_cluster *cl, const char *id)
{
    for (int i = 0; i < cl->count; i++)
        if (cl->n[i].me && strcmp(cl->n[i].me->id, id) == 0)
            return &cl->n[i];
    return NULL;
}

struct sc_cnode *sc_cluster_find_prefix(struct sc_cluster *cl, const char *id)
{
    char low[SC_ID_LEN + 1];
    size_t n = strlen(id);
    if (n == 0 || n > SC_ID_LEN)
        return NULL;
    for (size_t i = 0; i <= n; i++)
        low[i] = (char)tolower((unsigned char)id[i]);
    struct sc_cnode *found = NULL;
    for (int i = 0; i < cl->count; i++) {
        if (!cl->n[i].me || strncmp(cl->n[i].me->id, low, n) != 0)
            continue;
        if (strlen(cl->n[i].me->id) == n)
            return &cl->n[i];
        if (found)
            return NULL;
        found = &cl->n[i];
    }
    return found;
}

void sc_cluster_check(struct sc_cluster *cl, struct sc_check_result *res, struct sc_problems *probs)
{
    struct sc_view *views = sc_xcalloc((size_t)cl->count, sizeof(*views));
    int nv = 0;
    for (int i = 0; i < cl->count; i++) {
        if (!cl->n[i].me)
            continue; /* already reported as unreachable while loading */
        views[nv].nodes = &cl->n[i].nodes;
        views[nv].signature = cl->n[i].signature;
        views[nv].addr = cl->n[i].addr;
        nv++;
    }
    for (int i = 0; i < cl->load_probs.count; i++) {
        const struct sc_problem *p = &cl->load_probs.items[i];
        sc_problems_add(probs, p->level, p->code, "%s", p->message);
    }
    sc_check(views, nv, res, probs);
    free(views);
}

static bool signatures_agree(struct sc_cluster *cl, bool refresh)
{
    const char *ref = NULL;
    for (int i = 0; i < cl->count; i++) {
        struct sc_cnode *n = &cl->n[i];
        if (!n->conn)
            continue;
        if (refresh && sc_cluster_refresh_node(n) < 0)
            return false;
        if (!ref)
            ref = n->signature;
        else if (strcmp(ref, n->signature) != 0)
            return false;
    }
    return true;
}

int sc_cluster_wait_agree(struct sc_cluster *cl, double seconds)
{
    double deadline = sc_now() + seconds;
    while (!signatures_agree(cl, true)) {
        if (sc_now() > deadline)
            return -1;
        usleep(50000);
    }
    return 0;
}
