/*
 * cmd_object.c — OBJECT IDLETIME, FREQ and REFCOUNT (Redis 7.0 replies and
 * errors). OBJECT ENCODING and HELP live with the key commands
 * (cmd_keys.c).
 *
 * Every lookup here leaves the key's access data alone (Redis's
 * LOOKUP_NOTOUCH): asking how idle a key is must not make it less idle.
 */
#include "node/commands.h"
#include "node/evict.h"
#include "node/ks.h"
#include "node/server.h"

/* Redis shares the string objects of 0..9999 (OBJ_SHARED_INTEGERS) and
 * reports their refcount as INT_MAX. */
#define SHARED_INTEGERS 10000
#define SHARED_REFCOUNT 2147483647LL

static const char lfu_selected[] =
    "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between "
    "policies at runtime LRU and LFU data will take some time to adjust.";
static const char lfu_not_selected[] =
    "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching "
    "between policies at runtime LRU and LFU data will take some time to adjust.";

/* The key of OBJECT <sub> <key>, or NULL after replying null. */
static struct node_ks_entry *lookup_or_null(struct node_client *c)
{
    struct node_ks_entry *e = node_ks_find(c->srv->ks, c->argv[2], c->argl[2], NODE_KS_READ | NODE_KS_NOTOUCH);
    if (!e)
        node_reply_null(&c->out);
    return e;
}

void node_cmd_object_idletime(struct node_client *c)
{
    struct node_ks_entry *e = lookup_or_null(c);
    if (!e)
        return;
    if (node_evict_policy_is_lfu(c->srv->cfg.maxmemory_policy)) {
        node_reply_error(&c->out, lfu_selected);
        return;
    }
    node_reply_int(&c->out, (long long)(node_ks_entry_idle_ms(c->srv->ks, e) / 1000));
}

void node_cmd_object_freq(struct node_client *c)
{
    struct node_ks_entry *e = lookup_or_null(c);
    if (!e)
        return;
    if (!node_evict_policy_is_lfu(c->srv->cfg.maxmemory_policy)) {
        node_reply_error(&c->out, lfu_not_selected);
        return;
    }
    node_reply_int(&c->out, (long long)node_ks_entry_freq(c->srv->ks, e));
}

/* Redis stores small integers as the shared objects unless maxmemory is set
 * with an LRU/LFU policy (each key then needs its own access data). */
static bool is_shared_integer(const struct node_server *srv, const struct node_ks_entry *e)
{
    int64_t v;
    if (node_ks_entry_type(e) != NODE_KS_STRING || !node_ks_str_get_int(e, &v))
        return false;
    if (v < 0 || v >= SHARED_INTEGERS)
        return false;
    int policy = srv->cfg.maxmemory_policy;
    bool per_key_access = policy == NODE_MAXMEMORY_VOLATILE_LRU || policy == NODE_MAXMEMORY_ALLKEYS_LRU ||
                          node_evict_policy_is_lfu(policy);
    return !(srv->cfg.maxmemory > 0 && per_key_access);
}

void node_cmd_object_refcount(struct node_client *c)
{
    struct node_ks_entry *e = lookup_or_null(c);
    if (!e)
        return;
    node_reply_int(&c->out, is_shared_integer(c->srv, e) ? SHARED_REFCOUNT : 1);
}
