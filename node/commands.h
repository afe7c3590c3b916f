/*
 * commands.h — every command proc, grouped by the file that implements it.
 * The table in cmd_table.c binds names, arity, flags and key positions to them.
 */
#ifndef SHOAL_NODE_COMMANDS_H
#define SHOAL_NODE_COMMANDS_H

#include "node/server.h"

/* cmd_string.c */
node_cmd_proc node_cmd_get, node_cmd_set, node_cmd_setnx, node_cmd_setex, node_cmd_psetex, node_cmd_getset,
    node_cmd_getdel, node_cmd_getex, node_cmd_mget, node_cmd_mset, node_cmd_msetnx, node_cmd_append,
    node_cmd_strlen, node_cmd_incr, node_cmd_decr, node_cmd_incrby, node_cmd_decrby, node_cmd_incrbyfloat,
    node_cmd_getrange, node_cmd_setrange;

/* cmd_object.c: OBJECT IDLETIME, FREQ, REFCOUNT */
node_cmd_proc node_cmd_object_idletime, node_cmd_object_freq, node_cmd_object_refcount;

/* cmd_keys.c */
node_cmd_proc node_cmd_del, node_cmd_unlink, node_cmd_exists, node_cmd_type, node_cmd_keys, node_cmd_scan,
    node_cmd_randomkey, node_cmd_rename, node_cmd_renamenx, node_cmd_copy, node_cmd_touch, node_cmd_dbsize,
    node_cmd_flushall, node_cmd_flushdb, node_cmd_object_encoding, node_cmd_object_help, node_cmd_select;

/* cmd_expire.c */
node_cmd_proc node_cmd_expire, node_cmd_pexpire, node_cmd_expireat, node_cmd_pexpireat, node_cmd_ttl,
    node_cmd_pttl, node_cmd_expiretime, node_cmd_pexpiretime, node_cmd_persist;

/* cmd_multi.c */
node_cmd_proc node_cmd_multi, node_cmd_exec, node_cmd_discard, node_cmd_watch, node_cmd_unwatch;

/* cmd_conn.c: connection and server commands */
node_cmd_proc node_cmd_ping, node_cmd_echo, node_cmd_quit, node_cmd_reset, node_cmd_time, node_cmd_auth,
    node_cmd_hello, node_cmd_shutdown, node_cmd_client_id, node_cmd_client_setname, node_cmd_client_getname,
    node_cmd_client_list, node_cmd_client_info, node_cmd_client_kill, node_cmd_client_help,
    node_cmd_client_pause, node_cmd_client_unpause;

/* cmd_info.c */
node_cmd_proc node_cmd_info;

/* cmd_config.c */
node_cmd_proc node_cmd_config_get, node_cmd_config_set, node_cmd_config_resetstat, node_cmd_config_rewrite,
    node_cmd_config_help;

/* cmd_command.c */
node_cmd_proc node_cmd_command, node_cmd_command_count, node_cmd_command_info, node_cmd_command_getkeys,
    node_cmd_command_docs, node_cmd_command_list, node_cmd_command_help;

/* cmd_cluster.c */
node_cmd_proc node_cmd_cluster_myid, node_cmd_cluster_keyslot, node_cmd_cluster_countkeysinslot,
    node_cmd_cluster_getkeysinslot, node_cmd_cluster_addslots, node_cmd_cluster_addslotsrange,
    node_cmd_cluster_delslots, node_cmd_cluster_delslotsrange, node_cmd_cluster_flushslots, node_cmd_cluster_nodes,
    node_cmd_cluster_slots, node_cmd_cluster_shards, node_cmd_cluster_info, node_cmd_cluster_setslot,
    node_cmd_cluster_help, node_cmd_cluster_failover, node_cmd_asking, node_cmd_readonly, node_cmd_readwrite,
    node_cmd_cluster_meet,
    node_cmd_cluster_forget, node_cmd_cluster_reset, node_cmd_cluster_links, node_cmd_cluster_count_failure_reports,
    node_cmd_cluster_set_config_epoch, node_cmd_cluster_bumpepoch, node_cmd_cluster_saveconfig,
    node_cmd_cluster_replicas;

/* cmd_persist.c */
node_cmd_proc node_cmd_save, node_cmd_bgsave, node_cmd_lastsave, node_cmd_dump, node_cmd_restore,
    node_cmd_restore_asking;

/* replication/repl_master.c */
node_cmd_proc node_cmd_psync, node_cmd_sync, node_cmd_replconf, node_cmd_wait, node_cmd_role;

/* replication/repl_replica.c */
node_cmd_proc node_cmd_replicaof, node_cmd_cluster_replicate;

/* cmd_debug.c */
node_cmd_proc node_cmd_debug;

/* cmd_migrate.c */
node_cmd_proc node_cmd_migrate;
/* MIGRATE's key positions (its KEYS form), for COMMAND GETKEYS. */
node_cmd_getkeys_proc node_migrate_getkeys;
/* Server cron: closes cached MIGRATE connections idle for more than 10 s. */
void node_migrate_cron(struct node_server *srv, int64_t now_ms);
/* INFO migrate_cached_sockets. */
size_t node_migrate_cached_count(const struct node_server *srv);
/* At exit: closes every cached connection. */
void node_migrate_free(struct node_server *srv);

/* cmd_function.c: FUNCTION with no scripting (no library can exist) */
node_cmd_proc node_cmd_function_list, node_cmd_function_dump, node_cmd_function_restore, node_cmd_function_flush,
    node_cmd_function_stats, node_cmd_function_kill, node_cmd_function_delete, node_cmd_function_load,
    node_cmd_function_help;

/* cmd_list.c */
node_cmd_proc node_cmd_lpush, node_cmd_rpush, node_cmd_lpushx, node_cmd_rpushx, node_cmd_lpop, node_cmd_rpop,
    node_cmd_llen, node_cmd_lrange, node_cmd_lindex, node_cmd_lset, node_cmd_linsert, node_cmd_lrem, node_cmd_ltrim,
    node_cmd_lpos, node_cmd_lmove, node_cmd_rpoplpush, node_cmd_blpop, node_cmd_brpop, node_cmd_blmove,
    node_cmd_brpoplpush, node_cmd_blmpop, node_cmd_lmpop;
node_cmd_getkeys_proc node_blmpop_getkeys, node_lmpop_getkeys;

/* cmd_hash.c */
node_cmd_proc node_cmd_hset, node_cmd_hsetnx, node_cmd_hget, node_cmd_hmget, node_cmd_hmset, node_cmd_hdel,
    node_cmd_hlen, node_cmd_hstrlen, node_cmd_hexists, node_cmd_hkeys, node_cmd_hvals, node_cmd_hgetall,
    node_cmd_hincrby, node_cmd_hincrbyfloat, node_cmd_hrandfield, node_cmd_hscan;

/* cmd_set.c */
node_cmd_proc node_cmd_sadd, node_cmd_srem, node_cmd_scard, node_cmd_sismember, node_cmd_smismember,
    node_cmd_smembers, node_cmd_srandmember, node_cmd_spop, node_cmd_smove, node_cmd_sinter, node_cmd_sintercard,
    node_cmd_sinterstore, node_cmd_sunion, node_cmd_sunionstore, node_cmd_sdiff, node_cmd_sdiffstore,
    node_cmd_sscan;
node_cmd_getkeys_proc node_sintercard_getkeys;

/* cmd_zset.c */
node_cmd_proc node_cmd_zadd, node_cmd_zincrby, node_cmd_zrem, node_cmd_zcard, node_cmd_zscore, node_cmd_zmscore,
    node_cmd_zrank, node_cmd_zrevrank, node_cmd_zcount, node_cmd_zlexcount, node_cmd_zrange, node_cmd_zrangestore,
    node_cmd_zrevrange, node_cmd_zrangebyscore, node_cmd_zrevrangebyscore, node_cmd_zrangebylex,
    node_cmd_zrevrangebylex, node_cmd_zremrangebyrank, node_cmd_zremrangebyscore, node_cmd_zremrangebylex,
    node_cmd_zpopmin, node_cmd_zpopmax, node_cmd_bzpopmin, node_cmd_bzpopmax, node_cmd_zmpop, node_cmd_bzmpop,
    node_cmd_zrandmember, node_cmd_zunion, node_cmd_zunionstore, node_cmd_zinter, node_cmd_zinterstore,
    node_cmd_zintercard, node_cmd_zdiff, node_cmd_zdiffstore, node_cmd_zscan;
node_cmd_getkeys_proc node_zmpop_getkeys, node_bzmpop_getkeys, node_zunion_getkeys, node_zunionstore_getkeys,
    node_zinter_getkeys, node_zinterstore_getkeys, node_zintercard_getkeys, node_zdiff_getkeys,
    node_zdiffstore_getkeys;

/* cmd_pubsub.c */
node_cmd_proc node_cmd_subscribe, node_cmd_unsubscribe, node_cmd_psubscribe, node_cmd_punsubscribe,
    node_cmd_publish, node_cmd_ssubscribe, node_cmd_sunsubscribe, node_cmd_spublish, node_cmd_pubsub_channels,
    node_cmd_pubsub_numsub, node_cmd_pubsub_numpat, node_cmd_pubsub_shardchannels, node_cmd_pubsub_shardnumsub,
    node_cmd_pubsub_help;

#endif
