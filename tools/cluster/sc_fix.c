/*
 * fix: closing open slots and assigning uncovered slots, following
 * redis-cli's cases (spec cluster-tool.md §11) so both tools repair the same
 * situations the same way. Multiple owners of one slot are left to a human.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sc_io.h"

struct slot_state {
    int slot;
    struct sc_cnode *owners[SC_NODES_MAX];
    int nowners;
    struct sc_cnode *migrating[SC_NODES_MAX];
    int nmigrating;
    struct sc_cnode *importing[SC_NODES_MAX];
    int nimporting;
    long long keys[SC_NODES_MAX]; /* per cl->n index */
};

static long long count_in_slot(struct sc_cnode *n, int slot)
{
    char sb[16];
    snprintf(sb, sizeof(sb), "%d", slot);
    struct sc_reply *r = sc_conn_cmd(n->conn, "CLUSTER", "COUNTKEYSINSLOT", sb, NULL);
    long long v = r && r->type == SC_REPLY_INTEGER ? r->integer : 0;
    sc_reply_free(r);
    return v;
}

static bool has_open(const struct sc_open_slot *o, int count, int slot)
{
    for (int i = 0; i < count; i++)
        if (o[i].slot == slot)
            return true;
    return false;
}

static const char *open_target(const struct sc_nline *me, int slot)
{
    for (int i = 0; i < me->migrating_count; i++)
        if (me->migrating[i].slot == slot)
            return me->migrating[i].id;
    return "";
}

static void gather(struct sc_cluster *cl, struct slot_state *st)
{
    for (int i = 0; i < cl->count; i++) {
        struct sc_cnode *n = &cl->n[i];
        if (!n->conn || !sc_cnode_is_master(n))
            continue;
        st->keys[i] = count_in_slot(n, st->slot);
        bool owns = sc_slot_has(n->me->slots, st->slot);
        bool mig = has_open(n->me->migrating, n->me->migrating_count, st->slot);
        bool imp = has_open(n->me->importing, n->me->importing_count, st->slot);
        if (owns)
            st->owners[st->nowners++] = n;
        if (mig)
            st->migrating[st->nmigrating++] = n;
        else if (imp || (!owns && st->keys[i] > 0))
            st->importing[st->nimporting++] = n;
    }
}

static int simple(struct sc_cnode *n, const char *a, const char *b, const char *c, const char *d)
{
    struct sc_reply *r = sc_conn_cmd(n->conn, "CLUSTER", a, b, c, d, NULL);
    int rc = r && r->type != SC_REPLY_ERROR ? 0 : -1;
    if (rc < 0)
        sc_fail("CLUSTER %s %s %s on %s: %s", a, b, c ? c : "", n->addr, r ? r->str : n->conn->err);
    sc_reply_free(r);
    return rc;
}

/* MULTI DELSLOTS ADDSLOTS [STABLE] BUMPEPOCH EXEC; only ADDSLOTS may fail. */
static int set_owner(struct sc_cnode *n, int slot, bool stable)
{
    char sb[16];
    snprintf(sb, sizeof(sb), "%d", slot);
    sc_conn_append(n->conn, "MULTI", NULL);
    sc_conn_append(n->conn, "CLUSTER", "DELSLOTS", sb, NULL);
    sc_conn_append(n->conn, "CLUSTER", "ADDSLOTS", sb, NULL);
    if (stable)
        sc_conn_append(n->conn, "CLUSTER", "SETSLOT", sb, "STABLE", NULL);
    sc_conn_append(n->conn, "CLUSTER", "BUMPEPOCH", NULL);
    sc_conn_append(n->conn, "EXEC", NULL);
    int queued = stable ? 5 : 4;
    int rc = 0;
    for (int i = 0; i < queued + 1; i++) {
        struct sc_reply *r = sc_conn_read(n->conn);
        if (!r) {
            sc_fail("set owner of slot %d on %s: %s", slot, n->addr, n->conn->err);
            return -1;
        }
        if (i == queued && (r->type != SC_REPLY_ARRAY || r->count < 2 || r->elem[1]->type == SC_REPLY_ERROR)) {
            sc_fail("CLUSTER ADDSLOTS %d on %s: %s", slot, n->addr,
                    r->type == SC_REPLY_ARRAY && r->count >= 2 && r->elem[1]->str ? r->elem[1]->str
                                                                                   : "transaction failed");
            rc = -1;
        }
        sc_reply_free(r);
    }
    return rc;
}

static struct sc_cnode *most_keys(struct sc_cluster *cl, struct slot_state *st)
{
    struct sc_cnode *best = NULL;
    long long bk = -1;
    for (int i = 0; i < cl->count; i++) {
        if (!cl->n[i].conn || !sc_cnode_is_master(&cl->n[i]))
            continue;
        if (st->keys[i] > bk) {
            bk = st->keys[i];
            best = &cl->n[i];
        }
    }
    return best;
}

static int setslot_everywhere(struct sc_cluster *cl, int slot, struct sc_cnode *owner)
{
    char sb[16];
    snprintf(sb, sizeof(sb), "%d", slot);
    for (int i = 0; i < cl->count; i++) {
        struct sc_cnode *n = &cl->n[i];
        if (n == owner || !n->conn || !sc_cnode_is_master(n))
            continue;
        if (simple(n, "SETSLOT", sb, "NODE", owner->me->id) < 0)
            return -1;
    }
    return 0;
}

static int fix_open_slot(struct sc_cluster *cl, int slot)
{
    struct slot_state *st = sc_xcalloc(1, sizeof(*st));
    st->slot = slot;
    gather(cl, st);
    char sb[16];
    snprintf(sb, sizeof(sb), "%d", slot);
    int rc = 0;
    sc_say(">>> Fixing open slot %d\n", slot);
    struct sc_cnode *owner = st->nowners == 1 ? st->owners[0] : NULL;
    if (st->nowners == 0) {
        owner = most_keys(cl, st);
        sc_say("*** Slot %d has no owner; giving it to %s\n", slot, owner ? owner->addr : "?");
        if (!owner || simple(owner, "SETSLOT", sb, "STABLE", NULL) < 0 || set_owner(owner, slot, false) < 0)
            rc = -1;
        /* It is no longer importing or migrating. */
        for (int k = 0; rc == 0 && k < st->nimporting; k++)
            if (st->importing[k] == owner)
                st->importing[k] = st->importing[--st->nimporting];
        for (int k = 0; rc == 0 && k < st->nmigrating; k++)
            if (st->migrating[k] == owner)
                st->migrating[k] = st->migrating[--st->nmigrating];
    } else if (st->nowners > 1) {
        sc_fail("slot %d has %d owners; shoal-cluster can't fix this slot (delete the extra owners by hand)", slot,
                st->nowners);
        rc = -1;
    }
    if (rc == 0 && st->nmigrating == 1 && st->nimporting == 1) {
        sc_say("*** Moving slot %d from %s to %s\n", slot, st->migrating[0]->addr, st->importing[0]->addr);
        rc = sc_move_slots(cl, st->migrating[0], st->importing[0], &slot, 1, false);
    } else if (rc == 0 && st->nmigrating == 0 && st->nimporting > 0) {
        for (int k = 0; rc == 0 && k < st->nimporting; k++) {
            sc_say("*** Moving keys of slot %d from %s back to %s\n", slot, st->importing[k]->addr, owner->addr);
            /* A node that only holds stray keys routes MIGRATE by them
             * (MOVED): open the slot there so MIGRATE runs locally. */
            const struct sc_nline *me = st->importing[k]->me;
            if (!has_open(me->importing, me->importing_count, slot))
                rc = simple(st->importing[k], "SETSLOT", sb, "IMPORTING", owner->me->id);
            if (rc == 0)
                rc = sc_move_slots(cl, st->importing[k], owner, &slot, 1, true);
            if (rc == 0)
                rc = simple(st->importing[k], "SETSLOT", sb, "STABLE", NULL);
        }
        if (rc == 0)
            rc = setslot_everywhere(cl, slot, owner);
    } else if (rc == 0 && st->nmigrating == 1 && st->nimporting > 1) {
        const char *target = open_target(st->migrating[0]->me, slot);
        struct sc_cnode *to = NULL;
        for (int k = 0; k < st->nimporting; k++)
            if (strcmp(st->importing[k]->me->id, target) == 0)
                to = st->importing[k];
        if (to)
            rc = sc_move_slots(cl, st->migrating[0], to, &slot, 1, false);
        for (int k = 0; rc == 0 && k < st->nimporting; k++)
            if (st->importing[k] != to)
                rc = simple(st->importing[k], "SETSLOT", sb, "STABLE", NULL);
        if (rc == 0 && !to)
            rc = simple(st->migrating[0], "SETSLOT", sb, "STABLE", NULL);
    } else if (rc == 0 && st->nmigrating == 1 && st->nimporting == 0) {
        struct sc_cnode *m = st->migrating[0];
        if (m == owner || count_in_slot(m, slot) == 0)
            rc = simple(m, "SETSLOT", sb, "STABLE", NULL);
        else {
            sc_fail("slot %d: %s is migrating it with keys but nobody imports it; can't fix this slot", slot,
                    m->addr);
            rc = -1;
        }
    } else if (rc == 0 && st->nmigrating > 1) {
        sc_fail("slot %d is migrating on %d nodes; can't fix this slot", slot, st->nmigrating);
        rc = -1;
    }
    free(st);
    return rc;
}

static struct sc_cnode *fewest_slots(struct sc_cluster *cl)
{
    struct sc_cnode *best = NULL;
    for (int i = 0; i < cl->count; i++) {
        struct sc_cnode *n = &cl->n[i];
        if (n->conn && sc_cnode_is_master(n) && (!best || n->me->slots_count < best->me->slots_count))
            best = n;
    }
    return best;
}

static int fix_uncovered(struct sc_cluster *cl, int slot)
{
    struct slot_state *st = sc_xcalloc(1, sizeof(*st));
    st->slot = slot;
    gather(cl, st);
    struct sc_cnode *holders[SC_NODES_MAX];
    int nh = 0;
    for (int i = 0; i < cl->count; i++)
        if (st->keys[i] > 0)
            holders[nh++] = &cl->n[i];
    int rc;
    struct sc_cnode *owner = nh ? most_keys(cl, st) : fewest_slots(cl);
    if (!owner) {
        sc_fail("no reachable master to take slot %d", slot);
        free(st);
        return -1;
    }
    rc = set_owner(owner, slot, nh > 1);
    if (rc == 0) {
        sc_slot_set(owner->nodes.lines[owner->nodes.myself].slots, slot);
        owner->nodes.lines[owner->nodes.myself].slots_count++;
    }
    char sb[16];
    snprintf(sb, sizeof(sb), "%d", slot);
    for (int k = 0; rc == 0 && k < nh; k++) {
        if (holders[k] == owner)
            continue;
        rc = simple(holders[k], "SETSLOT", sb, "NODE", owner->me->id);
        if (rc == 0)
            rc = simple(holders[k], "SETSLOT", sb, "IMPORTING", owner->me->id);
        if (rc == 0)
            rc = sc_move_slots(cl, holders[k], owner, &slot, 1, true);
        if (rc == 0)
            rc = simple(holders[k], "SETSLOT", sb, "STABLE", NULL);
    }
    free(st);
    return rc;
}

int sc_fix_cluster(struct sc_cluster *cl, const struct sc_check_result *res);

int sc_fix_cluster(struct sc_cluster *cl, const struct sc_check_result *res)
{
    for (int i = 0; i < cl->count; i++)
        if (!cl->n[i].conn && !sc_out.o->yes) {
            sc_fail("some nodes are unreachable; fixing now could lose keys");
            return -1;
        }
    for (int i = 0; i < res->open_count; i++)
        if (fix_open_slot(cl, res->open_slots[i]) < 0)
            return -1;
    if (res->covered == SC_SLOTS)
        return 0;
    uint8_t all[SC_SLOTS / 8] = {0};
    for (int i = 0; i < cl->count; i++)
        if (cl->n[i].me)
            for (int b = 0; b < SC_SLOTS / 8; b++)
                all[b] |= cl->n[i].me->slots[b];
    int fixed = 0;
    for (int s = 0; s < SC_SLOTS; s++) {
        if (sc_slot_has(all, s))
            continue;
        if (fix_uncovered(cl, s) < 0)
            return -1;
        fixed++;
    }
    sc_say("[OK] %d uncovered slots assigned.\n", fixed);
    return 0;
}
