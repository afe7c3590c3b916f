/*
 * config.h — the server's configuration: redis.conf-style files, command-line
 * "--name value" overrides, CONFIG GET/SET/RESETSTAT/REWRITE.
 *
 * Owns: the table of options (names and slave-* aliases as Redis 7.0 where
 * the meaning is the same), parsing and validation of values, the list of
 * Redis directives shoal accepts-with-a-warning (harmless to ignore) or
 * refuses (ignoring them would weaken safety or limits), and rewriting the
 * file in place (config_rewrite.c). Does not own applying a change to the
 * running server: it calls cfg->on_change.
 */
#ifndef SHOAL_NODE_CONFIG_H
#define SHOAL_NODE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NODE_CONFIG_BIND_MAX 16
#define NODE_CONFIG_SAVE_POINTS_MAX 16 /* Redis has no limit; more than 16 "save" pairs are refused */

struct node_obuf_limit {
    long long hard_bytes;  /* 0 = none */
    long long soft_bytes;  /* 0 = none */
    long long soft_seconds;
};

/* maxmemory-policy, in the order of the option's words. */
enum node_maxmemory_policy {
    NODE_MAXMEMORY_VOLATILE_LRU = 0,
    NODE_MAXMEMORY_VOLATILE_LFU,
    NODE_MAXMEMORY_VOLATILE_RANDOM,
    NODE_MAXMEMORY_VOLATILE_TTL,
    NODE_MAXMEMORY_ALLKEYS_LRU,
    NODE_MAXMEMORY_ALLKEYS_LFU,
    NODE_MAXMEMORY_ALLKEYS_RANDOM,
    NODE_MAXMEMORY_NOEVICTION,
};

enum node_obuf_class { NODE_OBUF_NORMAL = 0, NODE_OBUF_REPLICA = 1, NODE_OBUF_PUBSUB = 2 };

/* "save <seconds> <changes>": BGSAVE when at least changes writes happened in
 * the last seconds. Both are clamped to INT_MAX (Redis keeps larger values). */
struct node_save_point {
    int seconds;  /* >= 1 */
    int changes;  /* >= 0 */
};

struct node_config {
    /* network */
    int port;
    char *bind[NODE_CONFIG_BIND_MAX];
    int bind_count;
    bool protected_mode;
    int tcp_backlog;
    int timeout_s;          /* close idle clients after this many seconds; 0 = never */
    int tcp_keepalive_s;
    int maxclients;
    /* security */
    char *requirepass;      /* NULL = none ("" is stored as NULL) */
    /* general */
    bool daemonize;         /* only "no" is supported */
    char *pidfile;          /* NULL = none ("" is stored as NULL) */
    int loglevel;           /* enum core_log_level */
    int enable_debug_command; /* 0 no, 1 yes, 2 local (loopback clients only) */
    char *logfile;          /* "" = stdout */
    int databases;          /* accepted; only DB 0 exists */
    int hz;
    char *dir;              /* absolute path of an existing directory; the server chdirs there */
    char *dbfilename;
    /* limits */
    long long proto_max_bulk_len;
    long long client_query_buffer_limit;
    struct node_obuf_limit obuf_limits[3];
    /* cluster */
    bool cluster_enabled;
    char *cluster_config_file;
    long long cluster_node_timeout_ms;
    bool cluster_require_full_coverage;
    bool cluster_allow_reads_when_down;
    bool cluster_allow_replica_migration;   /* yes */
    bool cluster_replica_no_failover;       /* no */
    int cluster_replica_validity_factor;    /* 10; 0 = any data age may fail over */
    int cluster_migration_barrier;          /* 1 */
    int cluster_port;       /* 0 = port + 10000 */
    int cluster_announce_port;      /* 0 = the port */
    int cluster_announce_bus_port;  /* 0 = the bus port */
    char *cluster_announce_hostname; /* NULL = none */
    int cluster_preferred_endpoint_type; /* 0 ip, 1 hostname, 2 unknown-endpoint */
    char *cluster_announce_ip; /* NULL = none ("" is stored as NULL) */

    /* persistence (node/persist.c) */
    int save_count;             /* save points; 0 = no automatic BGSAVE ("save ''") */
    struct node_save_point save_points[NODE_CONFIG_SAVE_POINTS_MAX]; /* default 3600 1 300 100 60 10000 */
    bool rdbcompression;        /* yes */
    bool rdbchecksum;           /* yes */
    bool stop_writes_on_bgsave_error; /* yes */
    /* replication (replication/) */
    char *replicaof_host;       /* "replicaof host port" at start-up; NULL = none (immutable, as Redis;
                                 * alias slaveof; the file cannot have it with cluster-enabled) */
    int replicaof_port;
    char *masterauth;           /* NULL = none */
    char *masteruser;           /* NULL = none */
    bool replica_read_only;     /* yes; alias slave-read-only */
    bool replica_serve_stale_data; /* yes */
    int replica_priority;       /* 100 */
    bool replica_announced;     /* yes */
    char *replica_announce_ip;  /* NULL = none */
    int replica_announce_port;  /* 0 = port */
    bool replica_lazy_flush;    /* no (accepted; flush is synchronous) */
    bool replica_ignore_maxmemory; /* yes */
    bool repl_diskless_sync;    /* yes */
    int repl_diskless_sync_delay; /* 5 s */
    int repl_diskless_sync_max_replicas; /* 0 */
    int repl_diskless_load;     /* 0 disabled, 1 on-empty-db, 2 swapdb */
    long long repl_backlog_size; /* 1mb; smaller values are stored as 16kb */
    int repl_backlog_ttl;       /* 3600 s, 0 = never; Redis accepts up to LLONG_MAX, stored clamped to INT_MAX */
    int repl_timeout;           /* 60 s */
    int repl_ping_replica_period; /* 10 s */
    bool repl_disable_tcp_nodelay; /* no */
    int min_replicas_to_write;  /* 0 */
    int min_replicas_max_lag;   /* 10 s */

    /* memory limit and eviction (node/evict.c) */
    long long maxmemory;        /* bytes; 0 = no limit */
    int maxmemory_policy;       /* enum node_maxmemory_policy */
    int maxmemory_samples;      /* 5 */
    int maxmemory_eviction_tenacity; /* 10 */
    int lfu_log_factor;         /* 10 */
    int lfu_decay_time;         /* 1 (minutes) */
    /* collection encodings: compact while at or under these (Redis's defaults) */
    long long hash_max_listpack_entries; /* 512 (redis.conf ships 128) */
    long long hash_max_listpack_value;   /* 64 bytes */
    long long set_max_intset_entries;    /* 512 */
    long long zset_max_listpack_entries; /* 128 */
    long long zset_max_listpack_value;   /* 64 bytes */
    int list_max_listpack_size;          /* -2: 8 kB per node; > 0: entries per node */
    int list_compress_depth;             /* 0 */
    /* keyspace notifications: NODE_NOTIFY_* bits (node/notify.h); "" = 0 */
    int notify_keyspace_events;

    /* the absolute path of the config file, or NULL when started without one */
    char *config_file;
    /* Called after CONFIG SET changed an option, once per option, with its
     * own name even when set by its alias ("replica-read-only" for
     * slave-read-only). Returns 0, or a negative errno with *err set (the
     * change is then rolled back). */
    int (*on_change)(void *ud, const char *name, const char **err);
    void *on_change_ud;
};

/* Fills cfg with the defaults (Redis's, and shoal's 256 MB normal-client hard limit). */
void node_config_init(struct node_config *cfg);
void node_config_free(struct node_config *cfg);

/*
 * Loads the start-up configuration as redis-server does: the file (if path is
 * non-NULL; "-" reads stdin) followed by the command-line options, "--name
 * value ..." (args are argv after the file name; a last arg "-" also reads
 * stdin). Command-line lines are numbered after the file's, as redis-server
 * does. On error returns -EINVAL and writes a message into err (no leading or
 * trailing newline) with the line and the reason, plus the file for lines
 * read from a file, e.g.
 *   "*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 3\n>>> 'foo bar'\nBad directive or wrong number of arguments\nin file '/etc/shoal.conf'"
 * or "Fatal error, can't open config file '<path>': <strerror>".
 * Sets cfg->config_file to the file's absolute path. As redis-server, the
 * first `save` line replaces the default save points and later ones add to
 * them, and `replicaof` together with cluster-enabled is refused.
 * Warnings for ignored harmless directives are logged with core_log (one per
 * directive name).
 */
int node_config_load(struct node_config *cfg, const char *path, int argc, char **argv, char *err,
                     size_t err_size);

struct node_out;
/* CONFIG GET pattern...: appends the reply (a map) to out. An option with an
 * alias is listed under each of its names that matches, as Redis does. */
void node_config_get(struct node_config *cfg, int argc, const char **argv, const size_t *argl,
                     struct node_out *out);
/* CONFIG SET name value [name value ...]: all or nothing; appends the reply.
 * An alias sets its option; replicaof/slaveof are immutable, as in Redis. */
void node_config_set(struct node_config *cfg, int argc, const char **argv, const size_t *argl,
                     struct node_out *out);
/* CONFIG REWRITE: rewrites cfg->config_file keeping comments and unknown
 * lines; options are written under their own names, never their aliases. */
void node_config_rewrite(struct node_config *cfg, struct node_out *out);

#endif
