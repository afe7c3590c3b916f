/*
 * cmd_cluster.c — the CLUSTER subcommands of a node's slot view, and ASKING,
 * READONLY, READWRITE: replies and error texts as redis-server 7.0.15
 * (cluster-bus spec §21-§23, §25). Subcommands of the cluster bus (MEET,
 * FORGET, REPLICATE, FAILOVER, ...) come with the bus.
 */
#include "node/cluster.h"
#include "node/commands.h"
#include "node/text.h"
#include "node/core/core.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define ERR_DISABLED "ERR This instance has cluster support disabled"

/* Every CLUSTER subcommand starts here: NULL (and an error sent) when off. */
static struct node_cluster *cluster_of(struct node_client *c)
{
    if (!c->srv->cluster)
        node_reply_error(&c->out, ERR_DISABLED);
    return c->srv->cluster;
}

static void mark_changed(struct node_client *c)
{
    node_cluster_update_state(c->srv->cluster, &c->srv->cfg, node_ks_now(c->srv->ks));
}

void node_cmd_cluster_myid(struct node_client *c)
{
    struct node_cluster *cl = cluster_of(c);
    if (cl)
        node_reply_bulk(&c->out, node_cluster_myself(cl)->id, NODE_CLUSTER_ID_LEN);
}

void node_cmd_cluster_keyslot(struct node_client *c)
{
    if (cluster_of(c))
        node_reply_int(&c->out, slots_keyslot(c->argv[2], c->argl[2]));
}

/* The "-ERR ..." text of a slot-argument error. */
static void reply_arg_err(struct node_client *c, enum slots_arg_err err, const struct slots_arg_bad *bad)
{
    switch (err) {
    case SLOTS_ARG_OK:
        break;
    case SLOTS_ARG_BAD_SLOT:
        node_reply_error(&c->out, "ERR Invalid or out of range slot");
        break;
    case SLOTS_ARG_START_GT_END:
        node_reply_errorf(&c->out, "ERR start slot number %d is greater than end slot number %d", bad->slot,
                          bad->end_slot);
        break;
    case SLOTS_ARG_BUSY:
        node_reply_errorf(&c->out, "ERR Slot %d is already busy", bad->slot);
        break;
    case SLOTS_ARG_UNASSIGNED:
        node_reply_errorf(&c->out, "ERR Slot %d is already unassigned", bad->slot);
        break;
    case SLOTS_ARG_MULTIPLE:
        node_reply_errorf(&c->out, "ERR Slot %d specified multiple times", bad->slot);
        break;
    case SLOTS_ARG_ARITY:
        node_reply_arity_error(c);
        break;
    case SLOTS_ARG_NOT_INTEGER:
        node_reply_error(&c->out, NODE_ERR_NOT_INT);
        break;
    case SLOTS_ARG_INVALID_SLOT:
        node_reply_error(&c->out, "ERR Invalid slot");
        break;
    case SLOTS_ARG_INVALID_SLOT_OR_COUNT:
        node_reply_error(&c->out, "ERR Invalid slot or number of keys");
        break;
    }
}

void node_cmd_cluster_countkeysinslot(struct node_client *c)
{
    if (!cluster_of(c))
        return;
    int slot;
    enum slots_arg_err err = slots_parse_countkeys(c->argv[2], c->argl[2], &slot);
    if (err != SLOTS_ARG_OK) {
        reply_arg_err(c, err, NULL);
        return;
    }
    node_reply_int(&c->out, (long long)node_ks_dict_size(c->srv->ks, (unsigned)slot));
}

struct getkeys_ctx {
    struct node_out *out;
    long long left;
};

static void emit_key(void *ud, const struct node_ks_entry *e)
{
    struct getkeys_ctx *g = ud;
    if (g->left <= 0)
        return;
    size_t klen;
    const char *k = node_ks_entry_key(e, &klen);
    node_reply_bulk(g->out, k, klen);
    g->left--;
}

void node_cmd_cluster_getkeysinslot(struct node_client *c)
{
    if (!cluster_of(c))
        return;
    int slot;
    long long count;
    enum slots_arg_err err = slots_parse_getkeys(c->argv[2], c->argl[2], c->argv[3], c->argl[3], &slot, &count);
    if (err != SLOTS_ARG_OK) {
        reply_arg_err(c, err, NULL);
        return;
    }
    size_t have = node_ks_dict_size(c->srv->ks, (unsigned)slot);
    long long n = CORE_MIN(count, (long long)have);
    node_reply_array(&c->out, n);
    /* A bucket may hold more keys than still wanted: emit_key stops at n. */
    struct getkeys_ctx g = {.out = &c->out, .left = n};
    uint64_t cursor = 0;
    do {
        cursor = node_ks_dict_scan(c->srv->ks, (unsigned)slot, cursor, 1, emit_key, &g);
    } while (cursor != 0 && g.left > 0);
    core_assert(g.left == 0);
}

static void add_or_del_slots(struct node_client *c, bool del, bool ranges)
{
    struct node_cluster *cl = cluster_of(c);
    if (!cl)
        return;
    struct slots_bitmap set;
    struct slots_arg_bad bad;
    enum slots_arg_err err =
        slots_args_validate(&cl->map, del, ranges, c->argc - 2, c->argv + 2, c->argl + 2, &set, &bad);
    if (err != SLOTS_ARG_OK) {
        reply_arg_err(c, err, &bad);
        return;
    }
    for (int slot = slots_bitmap_next(&set, 0); slot >= 0; slot = slots_bitmap_next(&set, slot + 1)) {
        /* Redis forgets an import once the slot is explicitly (un)assigned. */
        slots_map_set_importing(&cl->map, slot, SLOTS_NODE_NONE);
        if (del)
            slots_map_unassign(&cl->map, slot);
        else
            slots_map_assign(&cl->map, slot, cl->myself);
    }
    mark_changed(c);
    node_reply_ok(&c->out);
}

void node_cmd_cluster_addslots(struct node_client *c)
{
    add_or_del_slots(c, false, false);
}

void node_cmd_cluster_addslotsrange(struct node_client *c)
{
    add_or_del_slots(c, false, true);
}

void node_cmd_cluster_delslots(struct node_client *c)
{
    add_or_del_slots(c, true, false);
}

void node_cmd_cluster_delslotsrange(struct node_client *c)
{
    add_or_del_slots(c, true, true);
}

void node_cmd_cluster_flushslots(struct node_client *c)
{
    struct node_cluster *cl = cluster_of(c);
    if (!cl)
        return;
    if (node_ks_size(c->srv->ks) != 0) {
        node_reply_error(&c->out, "ERR DB must be empty to perform CLUSTER FLUSHSLOTS.");
        return;
    }
    slots_map_unassign_node(&cl->map, cl->myself);
    mark_changed(c);
    node_reply_ok(&c->out);
}

/* " 0-100 200" and, on myself's line, " [93->-<id>]" / " [93-<-<id>]". */
static void add_slot_list(struct node_text *t, const struct node_cluster *cl, int32_t i)
{
    struct slots_range r;
    int cursor = 0;
    while (slots_map_next_range(&cl->map, i, &cursor, &r)) {
        if (r.start == r.end)
            node_text_printf(t, " %d", r.start);
        else
            node_text_printf(t, " %d-%d", r.start, r.end);
    }
    if (i != cl->myself)
        return;
    for (int slot = 0; slot < SLOTS_COUNT; slot++) {
        int32_t to = slots_map_migrating_to(&cl->map, slot);
        int32_t from = slots_map_importing_from(&cl->map, slot);
        if (to != SLOTS_NODE_NONE)
            node_text_printf(t, " [%d->-%s]", slot, cl->nodes[to].id);
        else if (from != SLOTS_NODE_NONE)
            node_text_printf(t, " [%d-<-%s]", slot, cl->nodes[from].id);
    }
}

static void add_flags(struct node_text *t, unsigned flags)
{
    static const struct {
        unsigned bit;
        const char *name;
    } names[] = {{NODE_CN_MYSELF, "myself"}, {NODE_CN_MASTER, "master"},     {NODE_CN_REPLICA, "slave"},
                 {NODE_CN_PFAIL, "fail?"},   {NODE_CN_FAIL, "fail"},         {NODE_CN_HANDSHAKE, "handshake"},
                 {NODE_CN_NOADDR, "noaddr"}, {NODE_CN_NOFAILOVER, "nofailover"}};
    bool any = false;
    for (size_t k = 0; k < CORE_ARRAY_LEN(names); k++) {
        if (flags & names[k].bit) {
            node_text_printf(t, "%s%s", any ? "," : " ", names[k].name);
            any = true;
        }
    }
    if (!any)
        node_text_printf(t, " noflags");
}

static void add_node_line(struct node_text *t, const struct node_cluster *cl, int32_t i)
{
    const struct node_cluster_node *n = &cl->nodes[i];
    node_text_printf(t, "%s %s:%d@%d", n->id, n->ip, n->port, n->cport);
    add_flags(t, n->flags);
    const struct node_cluster_node *m = n->master != SLOTS_NODE_NONE ? &cl->nodes[n->master] : NULL;
    node_text_printf(t, " %s %lld %lld %llu %s", m ? m->id : "-", (long long)n->ping_sent_ms, (long long)n->pong_recv_ms,
             (unsigned long long)(m ? m->config_epoch : n->config_epoch),
             n->link_connected ? "connected" : "disconnected");
    add_slot_list(t, cl, i);
    node_text_printf(t, "\n");
}

void node_cmd_cluster_nodes(struct node_client *c)
{
    struct node_cluster *cl = cluster_of(c);
    if (!cl)
        return;
    struct node_text t = {0};
    for (int32_t i = 0; i < cl->count; i++)
        add_node_line(&t, cl, i);
    node_text_reply(&t, &c->out);
}

static void reply_slots_node(struct node_client *c, const struct node_cluster *cl, int32_t i)
{
    const struct node_cluster_node *n = &cl->nodes[i];
    node_reply_array(&c->out, 4);
    node_reply_bulk_cstr(&c->out, n->ip);
    node_reply_int(&c->out, n->port);
    node_reply_bulk(&c->out, n->id, NODE_CLUSTER_ID_LEN);
    node_reply_map(&c->out, 0);
}

static int32_t replica_count(const struct node_cluster *cl, int32_t master)
{
    int32_t n = 0;
    for (int32_t i = 0; i < cl->count; i++)
        if (cl->nodes[i].master == master && !(cl->nodes[i].flags & NODE_CN_FAIL))
            n++;
    return n;
}

void node_cmd_cluster_slots(struct node_client *c)
{
    struct node_cluster *cl = cluster_of(c);
    if (!cl)
        return;
    struct slots_range r;
    int cursor = 0, ranges = 0;
    while (slots_map_next_range(&cl->map, SLOTS_NODE_ANY, &cursor, &r))
        ranges++;
    node_reply_array(&c->out, ranges);
    cursor = 0;
    while (slots_map_next_range(&cl->map, SLOTS_NODE_ANY, &cursor, &r)) {
        int32_t replicas = replica_count(cl, r.node);
        node_reply_array(&c->out, 3 + replicas);
        node_reply_int(&c->out, r.start);
        node_reply_int(&c->out, r.end);
        reply_slots_node(c, cl, r.node);
        for (int32_t i = 0; i < cl->count; i++)
            if (cl->nodes[i].master == r.node && !(cl->nodes[i].flags & NODE_CN_FAIL))
                reply_slots_node(c, cl, i);
    }
}

static void reply_shard_node(struct node_client *c, const struct node_cluster *cl, int32_t i)
{
    const struct node_cluster_node *n = &cl->nodes[i];
    node_reply_map(&c->out, 7);
    node_reply_bulk_cstr(&c->out, "id");
    node_reply_bulk(&c->out, n->id, NODE_CLUSTER_ID_LEN);
    node_reply_bulk_cstr(&c->out, "port");
    node_reply_int(&c->out, n->port);
    node_reply_bulk_cstr(&c->out, "ip");
    node_reply_bulk_cstr(&c->out, n->ip);
    node_reply_bulk_cstr(&c->out, "endpoint");
    node_reply_bulk_cstr(&c->out, n->ip);
    node_reply_bulk_cstr(&c->out, "role");
    node_reply_bulk_cstr(&c->out, (n->flags & NODE_CN_MASTER) ? "master" : "replica");
    node_reply_bulk_cstr(&c->out, "replication-offset");
    node_reply_int(&c->out, 0);
    node_reply_bulk_cstr(&c->out, "health");
    node_reply_bulk_cstr(&c->out, (n->flags & NODE_CN_FAIL) ? "fail" : "online");
}

void node_cmd_cluster_shards(struct node_client *c)
{
    struct node_cluster *cl = cluster_of(c);
    if (!cl)
        return;
    int32_t masters = 0;
    for (int32_t i = 0; i < cl->count; i++)
        if (cl->nodes[i].flags & NODE_CN_MASTER)
            masters++;
    node_reply_array(&c->out, masters);
    for (int32_t m = 0; m < cl->count; m++) {
        if (!(cl->nodes[m].flags & NODE_CN_MASTER))
            continue;
        node_reply_map(&c->out, 2);
        node_reply_bulk_cstr(&c->out, "slots");
        struct slots_range r;
        int cursor = 0, ranges = 0;
        while (slots_map_next_range(&cl->map, m, &cursor, &r))
            ranges++;
        node_reply_array(&c->out, 2 * ranges);
        cursor = 0;
        while (slots_map_next_range(&cl->map, m, &cursor, &r)) {
            node_reply_int(&c->out, r.start);
            node_reply_int(&c->out, r.end);
        }
        node_reply_bulk_cstr(&c->out, "nodes");
        node_reply_array(&c->out, 1 + replica_count(cl, m));
        reply_shard_node(c, cl, m);
        for (int32_t i = 0; i < cl->count; i++)
            if (cl->nodes[i].master == m && !(cl->nodes[i].flags & NODE_CN_FAIL))
                reply_shard_node(c, cl, i);
    }
}

void node_cmd_cluster_info(struct node_client *c)
{
    struct node_cluster *cl = cluster_of(c);
    if (!cl)
        return;
    int assigned = 0, pfail = 0, fail = 0;
    for (int slot = 0; slot < SLOTS_COUNT; slot++) {
        int32_t owner = slots_map_owner(&cl->map, slot);
        if (owner == SLOTS_NODE_NONE)
            continue;
        assigned++;
        if (cl->nodes[owner].flags & NODE_CN_FAIL)
            fail++;
        else if (cl->nodes[owner].flags & NODE_CN_PFAIL)
            pfail++;
    }
    const struct node_cluster_node *me = node_cluster_myself(cl);
    const struct node_cluster_node *epoch_src = me->master != SLOTS_NODE_NONE ? &cl->nodes[me->master] : me;
    struct node_text t = {0};
    node_text_printf(&t, "cluster_state:%s\r\ncluster_slots_assigned:%d\r\ncluster_slots_ok:%d\r\n",
             cl->state_ok ? "ok" : "fail", assigned, assigned - pfail - fail);
    node_text_printf(&t, "cluster_slots_pfail:%d\r\ncluster_slots_fail:%d\r\ncluster_known_nodes:%d\r\n", pfail, fail,
             (int)cl->count);
    node_text_printf(&t, "cluster_size:%d\r\ncluster_current_epoch:%llu\r\ncluster_my_epoch:%llu\r\n",
             node_cluster_size(cl), (unsigned long long)cl->current_epoch,
             (unsigned long long)epoch_src->config_epoch);
    node_text_printf(&t, "cluster_stats_messages_sent:0\r\ncluster_stats_messages_received:0\r\n"
                 "total_cluster_links_buffer_limit_exceeded:0\r\n");
    node_text_reply(&t, &c->out);
}

/* Redis's clusterBumpConfigEpochWithoutConsensus(): take a new epoch unless
 * mine is already the unique maximum. */
static void bump_epoch_without_consensus(struct node_cluster *cl)
{
    struct node_cluster_node *me = node_cluster_myself(cl);
    uint64_t max = cl->current_epoch;
    for (int32_t i = 0; i < cl->count; i++)
        max = CORE_MAX(max, cl->nodes[i].config_epoch);
    if (me->config_epoch == 0 || me->config_epoch != max) {
        cl->current_epoch++;
        me->config_epoch = cl->current_epoch;
    }
}

/* Resolves argv[4] to a master for SETSLOT; replies and returns NONE if not. */
static int32_t setslot_target(struct node_client *c, struct node_cluster *cl, const char *unknown_fmt)
{
    int32_t n = node_cluster_find(cl, c->argv[4], c->argl[4]);
    if (n == SLOTS_NODE_NONE) {
        int len = (int)CORE_MIN(c->argl[4], (size_t)128);
        node_reply_errorf(&c->out, unknown_fmt, len, c->argv[4]);
        return SLOTS_NODE_NONE;
    }
    if (!(cl->nodes[n].flags & NODE_CN_MASTER)) {
        node_reply_error(&c->out, "ERR Target node is not a master");
        return SLOTS_NODE_NONE;
    }
    return n;
}

static bool setslot_node(struct node_client *c, struct node_cluster *cl, int slot)
{
    int32_t n = setslot_target(c, cl, "ERR Unknown node %.*s");
    if (n == SLOTS_NODE_NONE)
        return false;
    size_t keys = node_ks_dict_size(c->srv->ks, (unsigned)slot);
    int32_t owner = slots_map_owner(&cl->map, slot);
    if (owner == cl->myself && n != cl->myself && keys != 0) {
        node_reply_errorf(&c->out, "ERR Can't assign hashslot %d to a different node while I still hold keys for "
                                   "this hash slot.", slot);
        return false;
    }
    if (keys == 0 && slots_map_migrating_to(&cl->map, slot) != SLOTS_NODE_NONE)
        slots_map_set_migrating(&cl->map, slot, SLOTS_NODE_NONE);
    slots_map_assign(&cl->map, slot, n);
    if (n == cl->myself && slots_map_importing_from(&cl->map, slot) != SLOTS_NODE_NONE) {
        bump_epoch_without_consensus(cl);
        slots_map_set_importing(&cl->map, slot, SLOTS_NODE_NONE);
    }
    return true;
}

void node_cmd_cluster_setslot(struct node_client *c)
{
    struct node_cluster *cl = cluster_of(c);
    if (!cl)
        return;
    if (node_cluster_myself(cl)->flags & NODE_CN_REPLICA) {
        node_reply_error(&c->out, "ERR Please use SETSLOT only with masters.");
        return;
    }
    int slot;
    if (slots_parse_slot(c->argv[2], c->argl[2], &slot) < 0) {
        node_reply_error(&c->out, "ERR Invalid or out of range slot");
        return;
    }
    int32_t owner = slots_map_owner(&cl->map, slot);
    if (node_arg_is(c, 3, "migrating") && c->argc == 5) {
        if (owner != cl->myself) {
            node_reply_errorf(&c->out, "ERR I'm not the owner of hash slot %d", slot);
            return;
        }
        int32_t n = setslot_target(c, cl, "ERR I don't know about node %.*s");
        if (n == SLOTS_NODE_NONE)
            return;
        slots_map_set_migrating(&cl->map, slot, n);
    } else if (node_arg_is(c, 3, "importing") && c->argc == 5) {
        if (owner == cl->myself) {
            node_reply_errorf(&c->out, "ERR I'm already the owner of hash slot %d", slot);
            return;
        }
        int32_t n = setslot_target(c, cl, "ERR I don't know about node %.*s");
        if (n == SLOTS_NODE_NONE)
            return;
        slots_map_set_importing(&cl->map, slot, n);
    } else if (node_arg_is(c, 3, "stable") && c->argc == 4) {
        slots_map_set_stable(&cl->map, slot);
    } else if (node_arg_is(c, 3, "node") && c->argc == 5) {
        if (!setslot_node(c, cl, slot))
            return;
    } else {
        node_reply_error(&c->out, "ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP");
        return;
    }
    mark_changed(c);
    node_reply_ok(&c->out);
}

void node_cmd_cluster_help(struct node_client *c)
{
    static const char *const lines[] = {
        "CLUSTER <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "ADDSLOTS <slot> [<slot> ...]",
        "    Assign slots to current node.",
        "ADDSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
        "    Assign slots which are between <start-slot> and <end-slot> to current node.",
        "COUNTKEYSINSLOT <slot>",
        "    Return the number of keys in <slot>.",
        "DELSLOTS <slot> [<slot> ...]",
        "    Delete slots information from current node.",
        "DELSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
        "    Delete slots information which are between <start-slot> and <end-slot> from current node.",
        "FLUSHSLOTS",
        "    Delete current node own slots information.",
        "GETKEYSINSLOT <slot> <count>",
        "    Return key names stored by current node in a slot.",
        "INFO",
        "    Return information about the cluster.",
        "KEYSLOT <key>",
        "    Return the hash slot for <key>.",
        "MYID",
        "    Return the node id.",
        "NODES",
        "    Return cluster configuration seen by node. Output format:",
        "    <id> <ip:port> <flags> <master> <pings> <pongs> <epoch> <link> <slot> ...",
        "SETSLOT <slot> (IMPORTING <node ID>|MIGRATING <node ID>|STABLE|NODE <node ID>)",
        "    Set slot state.",
        "SHARDS",
        "    Return information about slot range mappings and the nodes associated with them.",
        "SLOTS",
        "    Return information about slots range mappings. Each range is made of:",
        "    start, end, master and replicas IP addresses, ports and ids",
        "HELP",
        "    Prints this help.",
    };
    if (!cluster_of(c))
        return;
    node_reply_array(&c->out, (long long)CORE_ARRAY_LEN(lines));
    for (size_t i = 0; i < CORE_ARRAY_LEN(lines); i++)
        node_reply_simple(&c->out, lines[i]);
}

void node_cmd_asking(struct node_client *c)
{
    if (!cluster_of(c))
        return;
    c->flags |= NODE_CLIENT_ASKING;
    node_reply_ok(&c->out);
}

void node_cmd_readonly(struct node_client *c)
{
    if (!cluster_of(c))
        return;
    c->flags |= NODE_CLIENT_READONLY;
    node_reply_ok(&c->out);
}

void node_cmd_readwrite(struct node_client *c)
{
    if (!cluster_of(c))
        return;
    c->flags &= ~NODE_CLIENT_READONLY;
    node_reply_ok(&c->out);
}
