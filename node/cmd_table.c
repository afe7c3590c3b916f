/*
 * cmd_table.c — the command table: name, proc, arity, flags, ACL categories
 * and key positions of every command, as Redis 7.0.15 declares them (COMMAND
 * INFO reports these, and cluster clients route by the key positions).
 *
 * Owns lookup (case-insensitive, by a hash over the lower-cased name) and key
 * extraction. Does not own executing commands (dispatch.c).
 */
#include "node/commands.h"
#include "node/core/core.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define W NODE_CMD_WRITE
#define R NODE_CMD_READONLY
#define DOOM NODE_CMD_DENYOOM
#define ADM NODE_CMD_ADMIN
#define NOSCR NODE_CMD_NOSCRIPT
#define LOAD NODE_CMD_LOADING
#define STALE NODE_CMD_STALE
#define FAST NODE_CMD_FAST
#define NOAUTH NODE_CMD_NO_AUTH
#define NOMULTI NODE_CMD_NO_MULTI
#define BUSY NODE_CMD_ALLOW_BUSY
#define SKIPMON NODE_CMD_SKIP_MONITOR
#define SKIPLOG NODE_CMD_SKIP_SLOWLOG

#define CMD(n, p, a, f, cats, fk, lk, st) {.name = n, .proc = p, .arity = a, .flags = f, .acl = cats, \
    .first_key = fk, .last_key = lk, .key_step = st}
#define SUBS(t) .subcmds = t, .nsubcmds = (int)CORE_ARRAY_LEN(t)

static const struct node_cmd object_subcmds[] = {
    CMD("encoding", node_cmd_object_encoding, 3, R, "keyspace read slow", 2, 2, 1),
    CMD("help", node_cmd_object_help, 2, LOAD | STALE, "keyspace slow", 0, 0, 0),
};

static const struct node_cmd config_subcmds[] = {
    CMD("get", node_cmd_config_get, -3, ADM | NOSCR | LOAD | STALE, "admin slow dangerous", 0, 0, 0),
    CMD("set", node_cmd_config_set, -4, ADM | NOSCR | LOAD | STALE, "admin slow dangerous", 0, 0, 0),
    CMD("resetstat", node_cmd_config_resetstat, 2, ADM | NOSCR | LOAD | STALE, "admin slow dangerous", 0, 0, 0),
    CMD("rewrite", node_cmd_config_rewrite, 2, ADM | NOSCR | LOAD | STALE, "admin slow dangerous", 0, 0, 0),
    CMD("help", node_cmd_config_help, 2, LOAD | STALE, "slow", 0, 0, 0),
};

static const struct node_cmd client_subcmds[] = {
    CMD("id", node_cmd_client_id, 2, NOSCR | LOAD | STALE, "slow connection", 0, 0, 0),
    CMD("setname", node_cmd_client_setname, 3, NOSCR | LOAD | STALE, "slow connection", 0, 0, 0),
    CMD("getname", node_cmd_client_getname, 2, NOSCR | LOAD | STALE, "slow connection", 0, 0, 0),
    CMD("list", node_cmd_client_list, -2, ADM | NOSCR | LOAD | STALE, "admin slow dangerous connection", 0, 0, 0),
    CMD("info", node_cmd_client_info, 2, NOSCR | LOAD | STALE, "slow connection", 0, 0, 0),
    CMD("kill", node_cmd_client_kill, -3, ADM | NOSCR | LOAD | STALE, "admin slow dangerous connection", 0, 0, 0),
    CMD("pause", node_cmd_client_pause, -3, ADM | NOSCR | LOAD | STALE, "admin slow dangerous connection", 0, 0, 0),
    CMD("unpause", node_cmd_client_unpause, 2, ADM | NOSCR | LOAD | STALE, "admin slow dangerous connection", 0, 0,
        0),
    CMD("help", node_cmd_client_help, 2, LOAD | STALE, "slow connection", 0, 0, 0),
};

static const struct node_cmd command_subcmds[] = {
    CMD("count", node_cmd_command_count, 2, LOAD | STALE, "slow connection", 0, 0, 0),
    CMD("docs", node_cmd_command_docs, -2, LOAD | STALE, "slow connection", 0, 0, 0),
    CMD("getkeys", node_cmd_command_getkeys, -4, LOAD | STALE, "slow connection", 0, 0, 0),
    CMD("help", node_cmd_command_help, 2, LOAD | STALE, "slow connection", 0, 0, 0),
    CMD("info", node_cmd_command_info, -2, LOAD | STALE, "slow connection", 0, 0, 0),
    CMD("list", node_cmd_command_list, -2, LOAD | STALE, "slow connection", 0, 0, 0),
};

#define CADM (ADM | STALE | NODE_CMD_NO_ASYNC_LOADING)
static const struct node_cmd cluster_subcmds[] = {
    CMD("addslots", node_cmd_cluster_addslots, -3, CADM, "admin slow dangerous", 0, 0, 0),
    CMD("addslotsrange", node_cmd_cluster_addslotsrange, -4, CADM, "admin slow dangerous", 0, 0, 0),
    CMD("bumpepoch", node_cmd_cluster_bumpepoch, 2, CADM, "admin slow dangerous", 0, 0, 0),
    CMD("count-failure-reports", node_cmd_cluster_count_failure_reports, 3, ADM | STALE, "admin slow dangerous", 0,
        0, 0),
    CMD("countkeysinslot", node_cmd_cluster_countkeysinslot, 3, STALE, "slow", 0, 0, 0),
    CMD("delslots", node_cmd_cluster_delslots, -3, CADM, "admin slow dangerous", 0, 0, 0),
    CMD("delslotsrange", node_cmd_cluster_delslotsrange, -4, CADM, "admin slow dangerous", 0, 0, 0),
    CMD("failover", node_cmd_cluster_failover, -2, CADM, "admin slow dangerous", 0, 0, 0),
    CMD("flushslots", node_cmd_cluster_flushslots, 2, CADM, "admin slow dangerous", 0, 0, 0),
    CMD("forget", node_cmd_cluster_forget, 3, CADM, "admin slow dangerous", 0, 0, 0),
    CMD("getkeysinslot", node_cmd_cluster_getkeysinslot, 4, STALE, "slow", 0, 0, 0),
    CMD("help", node_cmd_cluster_help, 2, LOAD | STALE, "slow", 0, 0, 0),
    CMD("info", node_cmd_cluster_info, 2, STALE, "slow", 0, 0, 0),
    CMD("keyslot", node_cmd_cluster_keyslot, 3, STALE, "slow", 0, 0, 0),
    CMD("links", node_cmd_cluster_links, 2, STALE, "slow", 0, 0, 0),
    CMD("meet", node_cmd_cluster_meet, -4, CADM, "admin slow dangerous", 0, 0, 0),
    CMD("myid", node_cmd_cluster_myid, 2, STALE, "slow", 0, 0, 0),
    CMD("nodes", node_cmd_cluster_nodes, 2, STALE, "slow", 0, 0, 0),
    CMD("replicas", node_cmd_cluster_replicas, 3, ADM | STALE, "admin slow dangerous", 0, 0, 0),
    CMD("replicate", node_cmd_cluster_replicate, 3, CADM, "admin slow dangerous", 0, 0, 0),
    CMD("reset", node_cmd_cluster_reset, -2, ADM | NOSCR | STALE, "admin slow dangerous", 0, 0, 0),
    CMD("saveconfig", node_cmd_cluster_saveconfig, 2, CADM, "admin slow dangerous", 0, 0, 0),
    CMD("set-config-epoch", node_cmd_cluster_set_config_epoch, 3, CADM, "admin slow dangerous", 0, 0, 0),
    CMD("setslot", node_cmd_cluster_setslot, -4, CADM, "admin slow dangerous", 0, 0, 0),
    CMD("shards", node_cmd_cluster_shards, 2, STALE, "slow", 0, 0, 0),
    CMD("slaves", node_cmd_cluster_replicas, 3, ADM | STALE, "admin slow dangerous", 0, 0, 0),
    CMD("slots", node_cmd_cluster_slots, 2, STALE, "slow", 0, 0, 0),
};

#define FN NOSCR
static const struct node_cmd function_subcmds[] = {
    CMD("delete", node_cmd_function_delete, 3, W | FN, "write slow scripting", 0, 0, 0),
    CMD("dump", node_cmd_function_dump, 2, FN, "slow scripting", 0, 0, 0),
    CMD("flush", node_cmd_function_flush, -2, W | FN, "write slow scripting", 0, 0, 0),
    CMD("help", node_cmd_function_help, 2, LOAD | STALE, "slow scripting", 0, 0, 0),
    CMD("kill", node_cmd_function_kill, 2, FN | BUSY, "slow scripting", 0, 0, 0),
    CMD("list", node_cmd_function_list, -2, FN, "slow scripting", 0, 0, 0),
    CMD("load", node_cmd_function_load, -3, W | DOOM | FN, "write slow scripting", 0, 0, 0),
    CMD("restore", node_cmd_function_restore, -3, W | DOOM | FN, "write slow scripting", 0, 0, 0),
    CMD("stats", node_cmd_function_stats, 2, FN | BUSY, "slow scripting", 0, 0, 0),
};

static const struct node_cmd table[] = {
    /* strings */
    CMD("get", node_cmd_get, 2, R | FAST, "read string fast", 1, 1, 1),
    CMD("set", node_cmd_set, -3, W | DOOM, "write string slow", 1, 1, 1),
    CMD("setnx", node_cmd_setnx, 3, W | DOOM | FAST, "write string fast", 1, 1, 1),
    CMD("setex", node_cmd_setex, 4, W | DOOM, "write string slow", 1, 1, 1),
    CMD("psetex", node_cmd_psetex, 4, W | DOOM, "write string slow", 1, 1, 1),
    CMD("getset", node_cmd_getset, 3, W | DOOM | FAST, "write string fast", 1, 1, 1),
    CMD("getdel", node_cmd_getdel, 2, W | FAST, "write string fast", 1, 1, 1),
    CMD("getex", node_cmd_getex, -2, W | FAST, "write string fast", 1, 1, 1),
    CMD("mget", node_cmd_mget, -2, R | FAST, "read string fast", 1, -1, 1),
    CMD("mset", node_cmd_mset, -3, W | DOOM, "write string slow", 1, -1, 2),
    CMD("msetnx", node_cmd_msetnx, -3, W | DOOM, "write string slow", 1, -1, 2),
    CMD("append", node_cmd_append, 3, W | DOOM | FAST, "write string fast", 1, 1, 1),
    CMD("strlen", node_cmd_strlen, 2, R | FAST, "read string fast", 1, 1, 1),
    CMD("incr", node_cmd_incr, 2, W | DOOM | FAST, "write string fast", 1, 1, 1),
    CMD("decr", node_cmd_decr, 2, W | DOOM | FAST, "write string fast", 1, 1, 1),
    CMD("incrby", node_cmd_incrby, 3, W | DOOM | FAST, "write string fast", 1, 1, 1),
    CMD("decrby", node_cmd_decrby, 3, W | DOOM | FAST, "write string fast", 1, 1, 1),
    CMD("incrbyfloat", node_cmd_incrbyfloat, 3, W | DOOM | FAST, "write string fast", 1, 1, 1),
    CMD("getrange", node_cmd_getrange, 4, R, "read string slow", 1, 1, 1),
    CMD("substr", node_cmd_getrange, 4, R, "read string slow", 1, 1, 1),
    CMD("setrange", node_cmd_setrange, 4, W | DOOM, "write string slow", 1, 1, 1),
    /* generic */
    CMD("del", node_cmd_del, -2, W, "keyspace write slow", 1, -1, 1),
    CMD("unlink", node_cmd_unlink, -2, W | FAST, "keyspace write fast", 1, -1, 1),
    CMD("exists", node_cmd_exists, -2, R | FAST, "keyspace read fast", 1, -1, 1),
    CMD("type", node_cmd_type, 2, R | FAST, "keyspace read fast", 1, 1, 1),
    CMD("keys", node_cmd_keys, 2, R, "keyspace read slow dangerous", 0, 0, 0),
    CMD("scan", node_cmd_scan, -2, R, "keyspace read slow", 0, 0, 0),
    CMD("randomkey", node_cmd_randomkey, 1, R, "keyspace read slow", 0, 0, 0),
    CMD("rename", node_cmd_rename, 3, W, "keyspace write slow", 1, 2, 1),
    CMD("renamenx", node_cmd_renamenx, 3, W | FAST, "keyspace write fast", 1, 2, 1),
    CMD("copy", node_cmd_copy, -3, W | DOOM, "keyspace write slow", 1, 2, 1),
    CMD("touch", node_cmd_touch, -2, R | FAST, "keyspace read fast", 1, -1, 1),
    CMD("dbsize", node_cmd_dbsize, 1, R | FAST, "keyspace read fast", 0, 0, 0),
    CMD("flushall", node_cmd_flushall, -1, W, "keyspace write slow dangerous", 0, 0, 0),
    CMD("flushdb", node_cmd_flushdb, -1, W, "keyspace write slow dangerous", 0, 0, 0),
    {.name = "object", .arity = -2, .acl = "slow", SUBS(object_subcmds)},
    CMD("select", node_cmd_select, 2, LOAD | STALE | FAST, "fast connection", 0, 0, 0),
    /* expiry */
    CMD("expire", node_cmd_expire, -3, W | FAST, "keyspace write fast", 1, 1, 1),
    CMD("pexpire", node_cmd_pexpire, -3, W | FAST, "keyspace write fast", 1, 1, 1),
    CMD("expireat", node_cmd_expireat, -3, W | FAST, "keyspace write fast", 1, 1, 1),
    CMD("pexpireat", node_cmd_pexpireat, -3, W | FAST, "keyspace write fast", 1, 1, 1),
    CMD("ttl", node_cmd_ttl, 2, R | FAST, "keyspace read fast", 1, 1, 1),
    CMD("pttl", node_cmd_pttl, 2, R | FAST, "keyspace read fast", 1, 1, 1),
    CMD("expiretime", node_cmd_expiretime, 2, R | FAST, "keyspace read fast", 1, 1, 1),
    CMD("pexpiretime", node_cmd_pexpiretime, 2, R | FAST, "keyspace read fast", 1, 1, 1),
    CMD("persist", node_cmd_persist, 2, W | FAST, "keyspace write fast", 1, 1, 1),
    /* transactions */
    CMD("multi", node_cmd_multi, 1, NOSCR | LOAD | STALE | FAST | BUSY, "fast transaction", 0, 0, 0),
    CMD("exec", node_cmd_exec, 1, NOSCR | LOAD | STALE | SKIPLOG, "slow transaction", 0, 0, 0),
    CMD("discard", node_cmd_discard, 1, NOSCR | LOAD | STALE | FAST | BUSY, "fast transaction", 0, 0, 0),
    /* connection and server */
    CMD("ping", node_cmd_ping, -1, FAST, "fast connection", 0, 0, 0),
    CMD("echo", node_cmd_echo, 2, LOAD | STALE | FAST, "fast connection", 0, 0, 0),
    CMD("quit", node_cmd_quit, -1, BUSY | NOSCR | LOAD | STALE | FAST | NOAUTH, "fast connection", 0, 0, 0),
    CMD("reset", node_cmd_reset, 1, NOSCR | LOAD | STALE | FAST | NOAUTH | BUSY, "fast connection", 0, 0, 0),
    CMD("time", node_cmd_time, 1, LOAD | STALE | FAST, "fast", 0, 0, 0),
    CMD("auth", node_cmd_auth, -2, NOSCR | LOAD | STALE | FAST | NOAUTH | BUSY, "fast connection", 0, 0, 0),
    CMD("hello", node_cmd_hello, -1, NOSCR | LOAD | STALE | FAST | NOAUTH | BUSY, "fast connection", 0, 0, 0),
    CMD("shutdown", node_cmd_shutdown, -1, ADM | NOSCR | LOAD | STALE | NOMULTI | BUSY, "admin slow dangerous",
        0, 0, 0),
    CMD("info", node_cmd_info, -1, LOAD | STALE, "slow dangerous", 0, 0, 0),
    {.name = "config", .arity = -2, .acl = "slow", SUBS(config_subcmds)},
    {.name = "client", .arity = -2, .acl = "slow", SUBS(client_subcmds)},
    {.name = "cluster", .arity = -2, .acl = "slow", SUBS(cluster_subcmds)},
    CMD("debug", node_cmd_debug, -2, ADM | NOSCR | LOAD | STALE, "admin slow dangerous", 0, 0, 0),
    CMD("asking", node_cmd_asking, 1, FAST, "fast connection", 0, 0, 0),
    CMD("readonly", node_cmd_readonly, 1, LOAD | STALE | FAST, "fast connection", 0, 0, 0),
    CMD("readwrite", node_cmd_readwrite, 1, LOAD | STALE | FAST, "fast connection", 0, 0, 0),
    /* persistence */
    CMD("save", node_cmd_save, 1, ADM | NOSCR | NOMULTI | NODE_CMD_NO_ASYNC_LOADING, "admin slow dangerous", 0, 0,
        0),
    CMD("bgsave", node_cmd_bgsave, -1, ADM | NOSCR | NODE_CMD_NO_ASYNC_LOADING, "admin slow dangerous", 0, 0, 0),
    CMD("lastsave", node_cmd_lastsave, 1, LOAD | STALE | FAST, "admin fast dangerous", 0, 0, 0),
    CMD("dump", node_cmd_dump, 2, R, "keyspace read slow", 1, 1, 1),
    CMD("restore", node_cmd_restore, -4, W | DOOM, "keyspace write slow dangerous", 1, 1, 1),
    /* Positions 3 3 1 as Redis declares them; the KEYS form's keys come
     * from node_migrate_getkeys (COMMAND GETKEYS, cluster routing). */
    {.name = "migrate", .proc = node_cmd_migrate, .arity = -6, .flags = W,
     .acl = "keyspace write slow dangerous", .first_key = 3, .last_key = 3, .key_step = 1,
     .getkeys = node_migrate_getkeys},
    {.name = "function", .arity = -2, .acl = "slow", SUBS(function_subcmds)},
    CMD("restore-asking", node_cmd_restore_asking, -4, W | DOOM | NODE_CMD_ASKING, "keyspace write slow dangerous",
        1, 1, 1),
    /* replication */
    CMD("psync", node_cmd_psync, -3, ADM | NOSCR | NOMULTI | NODE_CMD_NO_ASYNC_LOADING, "admin slow dangerous", 0,
        0, 0),
    CMD("sync", node_cmd_sync, 1, ADM | NOSCR | NOMULTI | NODE_CMD_NO_ASYNC_LOADING, "admin slow dangerous", 0, 0,
        0),
    CMD("replconf", node_cmd_replconf, -1, ADM | NOSCR | LOAD | STALE | BUSY, "admin slow dangerous", 0, 0, 0),
    CMD("replicaof", node_cmd_replicaof, 3, ADM | NOSCR | STALE | NODE_CMD_NO_ASYNC_LOADING,
        "admin slow dangerous", 0, 0, 0),
    CMD("slaveof", node_cmd_replicaof, 3, ADM | NOSCR | STALE | NODE_CMD_NO_ASYNC_LOADING, "admin slow dangerous",
        0, 0, 0),
    CMD("role", node_cmd_role, 1, NOSCR | LOAD | STALE | FAST, "admin fast dangerous", 0, 0, 0),
    CMD("wait", node_cmd_wait, 3, NOSCR, "slow connection", 0, 0, 0),
    {.name = "command", .proc = node_cmd_command, .arity = -1, .flags = LOAD | STALE, .acl = "slow connection",
     SUBS(command_subcmds)},
};

/* Lookup: an open-addressed index over the lower-cased names, built once.
 * Sized to a power of two at least 4x the table so probes stay short. */
#define INDEX_SIZE 256
static_assert(INDEX_SIZE >= 2 * CORE_ARRAY_LEN(table), "command index too small");
static int16_t cmd_index[INDEX_SIZE];
static bool index_built;
static struct node_cmd_stats top_stats[CORE_ARRAY_LEN(table)];
#define SUB_STATS_MAX 128
static struct node_cmd_stats sub_stats[SUB_STATS_MAX];

static uint32_t name_hash(const char *s, size_t len)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch >= 'A' && ch <= 'Z')
            ch = (unsigned char)(ch + 32);
        h = (h ^ ch) * 16777619u;
    }
    return h;
}

static void build_index(void)
{
    memset(cmd_index, -1, sizeof(cmd_index));
    for (size_t i = 0; i < CORE_ARRAY_LEN(table); i++) {
        uint32_t h = name_hash(table[i].name, strlen(table[i].name)) & (INDEX_SIZE - 1);
        while (cmd_index[h] >= 0)
            h = (h + 1) & (INDEX_SIZE - 1);
        cmd_index[h] = (int16_t)i;
    }
    index_built = true;
}

static bool name_eq(const char *name, const char *s, size_t len)
{
    return strlen(name) == len && strncasecmp(name, s, len) == 0;
}

const struct node_cmd *node_cmd_lookup(const char *name, size_t len)
{
    if (!index_built)
        build_index();
    uint32_t h = name_hash(name, len) & (INDEX_SIZE - 1);
    for (size_t probes = 0; probes < INDEX_SIZE && cmd_index[h] >= 0; probes++) {
        const struct node_cmd *cmd = &table[cmd_index[h]];
        if (name_eq(cmd->name, name, len))
            return cmd;
        h = (h + 1) & (INDEX_SIZE - 1);
    }
    return NULL;
}

const struct node_cmd *node_cmd_lookup_sub(const struct node_cmd *parent, const char *name, size_t len)
{
    for (int i = 0; i < parent->nsubcmds; i++)
        if (name_eq(parent->subcmds[i].name, name, len))
            return &parent->subcmds[i];
    return NULL;
}

size_t node_cmd_count(void)
{
    return CORE_ARRAY_LEN(table);
}

const struct node_cmd *node_cmd_at(size_t index)
{
    core_assert(index < CORE_ARRAY_LEN(table));
    return &table[index];
}

/* The container a subcommand belongs to, or NULL for a top-level command. */
static const struct node_cmd *parent_of(const struct node_cmd *cmd)
{
    if (cmd >= table && cmd < table + CORE_ARRAY_LEN(table))
        return NULL;
    for (size_t i = 0; i < CORE_ARRAY_LEN(table); i++) {
        const struct node_cmd *t = &table[i];
        if (t->subcmds && cmd >= t->subcmds && cmd < t->subcmds + t->nsubcmds)
            return t;
    }
    core_assert(!"command not in the table");
    return NULL;
}

struct node_cmd_stats *node_cmd_stats(const struct node_cmd *cmd)
{
    const struct node_cmd *parent = parent_of(cmd);
    if (!parent)
        return &top_stats[cmd - table];
    /* Subcommand stats live in one flat array, in table order. */
    size_t base = 0;
    for (size_t i = 0; i < CORE_ARRAY_LEN(table) && &table[i] != parent; i++)
        base += (size_t)table[i].nsubcmds;
    size_t slot = base + (size_t)(cmd - parent->subcmds);
    core_assert(slot < SUB_STATS_MAX);
    return &sub_stats[slot];
}

void node_cmd_reset_stats(void)
{
    memset(top_stats, 0, sizeof(top_stats));
    memset(sub_stats, 0, sizeof(sub_stats));
}

void node_cmd_fullname(const struct node_cmd *cmd, char *buf, size_t size)
{
    const struct node_cmd *parent = parent_of(cmd);
    if (parent)
        snprintf(buf, size, "%s|%s", parent->name, cmd->name);
    else
        snprintf(buf, size, "%s", cmd->name);
}

int node_cmd_get_keys(const struct node_cmd *cmd, int argc, const char **argv, const size_t *argl, int *idx,
                      int idx_cap)
{
    if (cmd->getkeys)
        return cmd->getkeys(argc, argv, argl, idx, idx_cap);
    if (cmd->first_key <= 0)
        return 0;
    int last = cmd->last_key < 0 ? argc + cmd->last_key : cmd->last_key;
    int n = 0;
    for (int i = cmd->first_key; i <= last && i < argc; i += cmd->key_step) {
        if (n == idx_cap)
            return -1;
        idx[n++] = i;
    }
    return n;
}
