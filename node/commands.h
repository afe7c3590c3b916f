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

/* cmd_keys.c */
node_cmd_proc node_cmd_del, node_cmd_unlink, node_cmd_exists, node_cmd_type, node_cmd_keys, node_cmd_scan,
    node_cmd_randomkey, node_cmd_rename, node_cmd_renamenx, node_cmd_copy, node_cmd_touch, node_cmd_dbsize,
    node_cmd_flushall, node_cmd_flushdb, node_cmd_object_encoding, node_cmd_object_help, node_cmd_select;

/* cmd_expire.c */
node_cmd_proc node_cmd_expire, node_cmd_pexpire, node_cmd_expireat, node_cmd_pexpireat, node_cmd_ttl,
    node_cmd_pttl, node_cmd_expiretime, node_cmd_pexpiretime, node_cmd_persist;

/* cmd_multi.c */
node_cmd_proc node_cmd_multi, node_cmd_exec, node_cmd_discard;

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

#endif
