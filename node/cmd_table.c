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
#include <limits.h>
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
    CMD("freq", node_cmd_object_freq, 3, R, "keyspace read slow", 2, 2, 1),
    CMD("help", node_cmd_object_help, 2, LOAD | STALE, "keyspace slow", 0, 0, 0),
    CMD("idletime", node_cmd_object_idletime, 3, R, "keyspace read slow", 2, 2, 1),
    CMD("refcount", node_cmd_object_refcount, 3, R, "keyspace read slow", 2, 2, 1),
};

#define PS (NODE_CMD_PUBSUB | LOAD | STALE)
static const struct node_cmd pubsub_subcmds[] = {
    CMD("channels", node_cmd_pubsub_channels, -2, PS, "pubsub slow", 0, 0, 0),
    CMD("help", node_cmd_pubsub_help, 2, LOAD | STALE, "slow", 0, 0, 0),
    CMD("numpat", node_cmd_pubsub_numpat, 2, PS, "pubsub slow", 0, 0, 0),
    CMD("numsub", node_cmd_pubsub_numsub, -2, PS, "pubsub slow", 0, 0, 0),
    CMD("shardchannels", node_cmd_pubsub_shardchannels, -2, PS, "pubsub slow", 0, 0, 0),
    CMD("shardnumsub", node_cmd_pubsub_shardnumsub, -2, PS, "pubsub slow", 0, 0, 0),
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
    /* lists */
    CMD("lpush", node_cmd_lpush, -3, W | DOOM | FAST, "write list fast", 1, 1, 1),
    CMD("rpush", node_cmd_rpush, -3, W | DOOM | FAST, "write list fast", 1, 1, 1),
    CMD("lpushx", node_cmd_lpushx, -3, W | DOOM | FAST, "write list fast", 1, 1, 1),
    CMD("rpushx", node_cmd_rpushx, -3, W | DOOM | FAST, "write list fast", 1, 1, 1),
    CMD("lpop", node_cmd_lpop, -2, W | FAST, "write list fast", 1, 1, 1),
    CMD("rpop", node_cmd_rpop, -2, W | FAST, "write list fast", 1, 1, 1),
    CMD("llen", node_cmd_llen, 2, R | FAST, "read list fast", 1, 1, 1),
    CMD("lrange", node_cmd_lrange, 4, R, "read list slow", 1, 1, 1),
    CMD("lindex", node_cmd_lindex, 3, R, "read list slow", 1, 1, 1),
    CMD("lset", node_cmd_lset, 4, W | DOOM, "write list slow", 1, 1, 1),
    CMD("linsert", node_cmd_linsert, 5, W | DOOM, "write list slow", 1, 1, 1),
    CMD("lrem", node_cmd_lrem, 4, W, "write list slow", 1, 1, 1),
    CMD("ltrim", node_cmd_ltrim, 4, W, "write list slow", 1, 1, 1),
    CMD("lpos", node_cmd_lpos, -3, R, "read list slow", 1, 1, 1),
    CMD("lmove", node_cmd_lmove, 5, W | DOOM, "write list slow", 1, 2, 1),
    CMD("rpoplpush", node_cmd_rpoplpush, 3, W | DOOM, "write list slow", 1, 2, 1),
    CMD("blpop", node_cmd_blpop, -3, W | NOSCR | NODE_CMD_BLOCKING, "write list slow blocking", 1, -2, 1),
    CMD("brpop", node_cmd_brpop, -3, W | NOSCR | NODE_CMD_BLOCKING, "write list slow blocking", 1, -2, 1),
    CMD("blmove", node_cmd_blmove, 6, W | DOOM | NOSCR | NODE_CMD_BLOCKING, "write list slow blocking", 1, 2, 1),
    CMD("brpoplpush", node_cmd_brpoplpush, 4, W | DOOM | NOSCR | NODE_CMD_BLOCKING, "write list slow blocking", 1, 2, 1),
    {.name = "blmpop", .proc = node_cmd_blmpop, .arity = -5, .flags = W | NODE_CMD_BLOCKING, .acl = "write list slow blocking",
     .first_key = 0, .last_key = 0, .key_step = 0, .getkeys = node_blmpop_getkeys},
    {.name = "lmpop", .proc = node_cmd_lmpop, .arity = -4, .flags = W, .acl = "write list slow",
     .first_key = 0, .last_key = 0, .key_step = 0, .getkeys = node_lmpop_getkeys},
    /* hashes */
    CMD("hset", node_cmd_hset, -4, W | DOOM | FAST, "write hash fast", 1, 1, 1),
    CMD("hsetnx", node_cmd_hsetnx, 4, W | DOOM | FAST, "write hash fast", 1, 1, 1),
    CMD("hget", node_cmd_hget, 3, R | FAST, "read hash fast", 1, 1, 1),
    CMD("hmget", node_cmd_hmget, -3, R | FAST, "read hash fast", 1, 1, 1),
    CMD("hmset", node_cmd_hmset, -4, W | DOOM | FAST, "write hash fast", 1, 1, 1),
    CMD("hdel", node_cmd_hdel, -3, W | FAST, "write hash fast", 1, 1, 1),
    CMD("hlen", node_cmd_hlen, 2, R | FAST, "read hash fast", 1, 1, 1),
    CMD("hstrlen", node_cmd_hstrlen, 3, R | FAST, "read hash fast", 1, 1, 1),
    CMD("hexists", node_cmd_hexists, 3, R | FAST, "read hash fast", 1, 1, 1),
    CMD("hkeys", node_cmd_hkeys, 2, R, "read hash slow", 1, 1, 1),
    CMD("hvals", node_cmd_hvals, 2, R, "read hash slow", 1, 1, 1),
    CMD("hgetall", node_cmd_hgetall, 2, R, "read hash slow", 1, 1, 1),
    CMD("hincrby", node_cmd_hincrby, 4, W | DOOM | FAST, "write hash fast", 1, 1, 1),
    CMD("hincrbyfloat", node_cmd_hincrbyfloat, 4, W | DOOM | FAST, "write hash fast", 1, 1, 1),
    CMD("hrandfield", node_cmd_hrandfield, -2, R, "read hash slow", 1, 1, 1),
    CMD("hscan", node_cmd_hscan, -3, R, "read hash slow", 1, 1, 1),
    /* sets */
    CMD("sadd", node_cmd_sadd, -3, W | DOOM | FAST, "write set fast", 1, 1, 1),
    CMD("srem", node_cmd_srem, -3, W | FAST, "write set fast", 1, 1, 1),
    CMD("scard", node_cmd_scard, 2, R | FAST, "read set fast", 1, 1, 1),
    CMD("sismember", node_cmd_sismember, 3, R | FAST, "read set fast", 1, 1, 1),
    CMD("smismember", node_cmd_smismember, -3, R | FAST, "read set fast", 1, 1, 1),
    CMD("smembers", node_cmd_smembers, 2, R, "read set slow", 1, 1, 1),
    CMD("srandmember", node_cmd_srandmember, -2, R, "read set slow", 1, 1, 1),
    CMD("spop", node_cmd_spop, -2, W | FAST, "write set fast", 1, 1, 1),
    CMD("smove", node_cmd_smove, 4, W | FAST, "write set fast", 1, 2, 1),
    CMD("sinter", node_cmd_sinter, -2, R, "read set slow", 1, -1, 1),
    {.name = "sintercard", .proc = node_cmd_sintercard, .arity = -3, .flags = R, .acl = "read set slow",
     .first_key = 0, .last_key = 0, .key_step = 0, .getkeys = node_sintercard_getkeys},
    CMD("sinterstore", node_cmd_sinterstore, -3, W | DOOM, "write set slow", 1, -1, 1),
    CMD("sunion", node_cmd_sunion, -2, R, "read set slow", 1, -1, 1),
    CMD("sunionstore", node_cmd_sunionstore, -3, W | DOOM, "write set slow", 1, -1, 1),
    CMD("sdiff", node_cmd_sdiff, -2, R, "read set slow", 1, -1, 1),
    CMD("sdiffstore", node_cmd_sdiffstore, -3, W | DOOM, "write set slow", 1, -1, 1),
    CMD("sscan", node_cmd_sscan, -3, R, "read set slow", 1, 1, 1),
    /* sorted sets */
    CMD("zadd", node_cmd_zadd, -4, W | DOOM | FAST, "write sortedset fast", 1, 1, 1),
    CMD("zincrby", node_cmd_zincrby, 4, W | DOOM | FAST, "write sortedset fast", 1, 1, 1),
    CMD("zrem", node_cmd_zrem, -3, W | FAST, "write sortedset fast", 1, 1, 1),
    CMD("zcard", node_cmd_zcard, 2, R | FAST, "read sortedset fast", 1, 1, 1),
    CMD("zscore", node_cmd_zscore, 3, R | FAST, "read sortedset fast", 1, 1, 1),
    CMD("zmscore", node_cmd_zmscore, -3, R | FAST, "read sortedset fast", 1, 1, 1),
    CMD("zrank", node_cmd_zrank, 3, R | FAST, "read sortedset fast", 1, 1, 1),
    CMD("zrevrank", node_cmd_zrevrank, 3, R | FAST, "read sortedset fast", 1, 1, 1),
    CMD("zcount", node_cmd_zcount, 4, R | FAST, "read sortedset fast", 1, 1, 1),
    CMD("zlexcount", node_cmd_zlexcount, 4, R | FAST, "read sortedset fast", 1, 1, 1),
    CMD("zrange", node_cmd_zrange, -4, R, "read sortedset slow", 1, 1, 1),
    CMD("zrangestore", node_cmd_zrangestore, -5, W | DOOM, "write sortedset slow", 1, 2, 1),
    CMD("zrevrange", node_cmd_zrevrange, -4, R, "read sortedset slow", 1, 1, 1),
    CMD("zrangebyscore", node_cmd_zrangebyscore, -4, R, "read sortedset slow", 1, 1, 1),
    CMD("zrevrangebyscore", node_cmd_zrevrangebyscore, -4, R, "read sortedset slow", 1, 1, 1),
    CMD("zrangebylex", node_cmd_zrangebylex, -4, R, "read sortedset slow", 1, 1, 1),
    CMD("zrevrangebylex", node_cmd_zrevrangebylex, -4, R, "read sortedset slow", 1, 1, 1),
    CMD("zremrangebyrank", node_cmd_zremrangebyrank, 4, W, "write sortedset slow", 1, 1, 1),
    CMD("zremrangebyscore", node_cmd_zremrangebyscore, 4, W, "write sortedset slow", 1, 1, 1),
    CMD("zremrangebylex", node_cmd_zremrangebylex, 4, W, "write sortedset slow", 1, 1, 1),
    CMD("zpopmin", node_cmd_zpopmin, -2, W | FAST, "write sortedset fast", 1, 1, 1),
    CMD("zpopmax", node_cmd_zpopmax, -2, W | FAST, "write sortedset fast", 1, 1, 1),
    CMD("bzpopmin", node_cmd_bzpopmin, -3, W | NOSCR | NODE_CMD_BLOCKING | FAST, "write sortedset fast blocking", 1, -2, 1),
    CMD("bzpopmax", node_cmd_bzpopmax, -3, W | NOSCR | NODE_CMD_BLOCKING | FAST, "write sortedset fast blocking", 1, -2, 1),
    {.name = "zmpop", .proc = node_cmd_zmpop, .arity = -4, .flags = W, .acl = "write sortedset slow",
     .first_key = 0, .last_key = 0, .key_step = 0, .getkeys = node_zmpop_getkeys},
    {.name = "bzmpop", .proc = node_cmd_bzmpop, .arity = -5, .flags = W | NODE_CMD_BLOCKING, .acl = "write sortedset slow blocking",
     .first_key = 0, .last_key = 0, .key_step = 0, .getkeys = node_bzmpop_getkeys},
    CMD("zrandmember", node_cmd_zrandmember, -2, R, "read sortedset slow", 1, 1, 1),
    {.name = "zunion", .proc = node_cmd_zunion, .arity = -3, .flags = R, .acl = "read sortedset slow",
     .first_key = 0, .last_key = 0, .key_step = 0, .getkeys = node_zunion_getkeys},
    {.name = "zunionstore", .proc = node_cmd_zunionstore, .arity = -4, .flags = W | DOOM, .acl = "write sortedset slow",
     .first_key = 1, .last_key = 1, .key_step = 1, .getkeys = node_zunionstore_getkeys},
    {.name = "zinter", .proc = node_cmd_zinter, .arity = -3, .flags = R, .acl = "read sortedset slow",
     .first_key = 0, .last_key = 0, .key_step = 0, .getkeys = node_zinter_getkeys},
    {.name = "zinterstore", .proc = node_cmd_zinterstore, .arity = -4, .flags = W | DOOM, .acl = "write sortedset slow",
     .first_key = 1, .last_key = 1, .key_step = 1, .getkeys = node_zinterstore_getkeys},
    {.name = "zintercard", .proc = node_cmd_zintercard, .arity = -3, .flags = R, .acl = "read sortedset slow",
     .first_key = 0, .last_key = 0, .key_step = 0, .getkeys = node_zintercard_getkeys},
    {.name = "zdiff", .proc = node_cmd_zdiff, .arity = -3, .flags = R, .acl = "read sortedset slow",
     .first_key = 0, .last_key = 0, .key_step = 0, .getkeys = node_zdiff_getkeys},
    {.name = "zdiffstore", .proc = node_cmd_zdiffstore, .arity = -4, .flags = W | DOOM, .acl = "write sortedset slow",
     .first_key = 1, .last_key = 1, .key_step = 1, .getkeys = node_zdiffstore_getkeys},
    CMD("zscan", node_cmd_zscan, -3, R, "read sortedset slow", 1, 1, 1),
    /* optimistic transactions */
    CMD("watch", node_cmd_watch, -2, NOSCR | LOAD | STALE | FAST | BUSY, "fast transaction", 1, -1, 1),
    CMD("unwatch", node_cmd_unwatch, 1, NOSCR | LOAD | STALE | FAST | BUSY, "fast transaction", 0, 0, 0),
    /* pub/sub */
    CMD("subscribe", node_cmd_subscribe, -2, NODE_CMD_PUBSUB | NOSCR | LOAD | STALE, "pubsub slow", 0, 0, 0),
    CMD("unsubscribe", node_cmd_unsubscribe, -1, NODE_CMD_PUBSUB | NOSCR | LOAD | STALE, "pubsub slow", 0, 0, 0),
    CMD("psubscribe", node_cmd_psubscribe, -2, NODE_CMD_PUBSUB | NOSCR | LOAD | STALE, "pubsub slow", 0, 0, 0),
    CMD("punsubscribe", node_cmd_punsubscribe, -1, NODE_CMD_PUBSUB | NOSCR | LOAD | STALE, "pubsub slow", 0, 0, 0),
    CMD("publish", node_cmd_publish, 3, NODE_CMD_PUBSUB | LOAD | STALE | FAST, "pubsub fast", 0, 0, 0),
    CMD("ssubscribe", node_cmd_ssubscribe, -2, NODE_CMD_PUBSUB | NOSCR | LOAD | STALE, "pubsub slow", 1, -1, 1),
    CMD("sunsubscribe", node_cmd_sunsubscribe, -1, NODE_CMD_PUBSUB | NOSCR | LOAD | STALE, "pubsub slow", 1, -1, 1),
    CMD("spublish", node_cmd_spublish, 3, NODE_CMD_PUBSUB | LOAD | STALE | FAST, "pubsub fast", 1, 1, 1),
    {.name = "pubsub", .arity = -2, .acl = "slow", SUBS(pubsub_subcmds)},
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
#define INDEX_SIZE 512
static_assert(INDEX_SIZE >= 2 * CORE_ARRAY_LEN(table), "command index too small");
static int16_t cmd_index[INDEX_SIZE];
static bool index_built;
static struct node_cmd_stats top_stats[CORE_ARRAY_LEN(table)];
#define SUB_STATS_MAX 192
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

int node_cmd_numkeys_getkeys(int argc, const char **argv, const size_t *argl, int numi, int dst, int *idx,
                             int idx_cap)
{
    if (numi >= argc)
        return -1;
    long long num = 0;
    size_t i = 0;
    const char *s = argv[numi];
    size_t n = argl[numi];
    while (i < n && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r')))
        i++;
    bool neg = i < n && s[i] == '-';
    if (i < n && (s[i] == '-' || s[i] == '+'))
        i++;
    for (; i < n && s[i] >= '0' && s[i] <= '9' && num < INT_MAX; i++)
        num = num * 10 + (s[i] - '0');
    if (neg)
        num = -num;
    int first = numi + 1;
    if (num < 1 || num > argc - first || num + (dst > 0) > idx_cap)
        return -1;
    int total = (int)num + (dst > 0);
    int k = 0;
    if (dst > 0)
        idx[k++] = dst;
    for (int j = 0; j < (int)num; j++)
        idx[k++] = first + j;
    return total;
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
