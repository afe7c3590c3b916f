/*
 * config.c — the server's configuration: redis.conf-style files, the
 * "--name value" command line, CONFIG GET / SET.
 *
 * Owns: the table of options shoal implements (node_config__opts[], with
 * Redis 7.0's slave-* aliases), the table of Redis 7.0 directives it does not
 * implement yet (directives[]: accepted with one warning when ignoring them is
 * harmless, refused with a reason when ignoring them would weaken safety or
 * limits), the tokenizer for config lines (Redis's quoting rules), and value
 * parsing with redis-server 7.0.15's error texts.
 *
 * Does not own rewriting the file (config_rewrite.c), applying a change to
 * the running server (cfg->on_change does), the chdir to "dir" (the server
 * does it), nor printing the fatal message. Pure apart from the file system
 * and core_log: no libuv, no server.h.
 */
#include "node/config.h"
#include "node/config_int.h"
#include "node/notify.h"
#include "node/core/core.h"
#include "node/core/core_log.h"
#include "node/reply.h"
#include "node/util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define CONFIG_WORDS_MAX 4096              /* words on one config line / in one value */
#define CONFIG_FILE_BYTES_MAX (64u << 20)  /* a config file larger than this is refused */
#define CONFIG_INCLUDE_DEPTH_MAX 16        /* nested "include" files */
#define CONFIG_FATAL_HEADER "*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***"

void node_config__sb_add(struct config_sbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        b->p = core_realloc(b->p, cap);
        b->cap = cap;
    }
    if (n)
        memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void node_config__sb_adds(struct config_sbuf *b, const char *s)
{
    node_config__sb_add(b, s, strlen(s));
}

void node_config__sb_addf(struct config_sbuf *b, const char *fmt, ...)
{
    char buf[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    core_assert(n >= 0 && (size_t)n < sizeof(buf));
    node_config__sb_add(b, buf, (size_t)n);
}

void node_config__sb_repr(struct config_sbuf *b, const char *s, size_t n)
{
    node_config__sb_add(b, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '\\': node_config__sb_add(b, "\\\\", 2); break;
        case '"': node_config__sb_add(b, "\\\"", 2); break;
        case '\n': node_config__sb_add(b, "\\n", 2); break;
        case '\r': node_config__sb_add(b, "\\r", 2); break;
        case '\t': node_config__sb_add(b, "\\t", 2); break;
        case '\a': node_config__sb_add(b, "\\a", 2); break;
        case '\b': node_config__sb_add(b, "\\b", 2); break;
        default:
            if (isprint(c))
                node_config__sb_add(b, (const char *)&c, 1);
            else
                node_config__sb_addf(b, "\\x%02x", c);
        }
    }
    node_config__sb_add(b, "\"", 1);
}

char *node_config__sb_take(struct config_sbuf *b)
{
    if (!b->p)
        return core_strndup("", 0);
    char *p = b->p;
    *b = (struct config_sbuf){0};
    return p;
}

void node_config__sb_free(struct config_sbuf *b)
{
    core_free(b->p);
    *b = (struct config_sbuf){0};
}

static void words_push(struct config_words *w, const char *s, size_t n)
{
    if (w->count == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 8;
        w->v = core_realloc(w->v, (size_t)w->cap * sizeof(*w->v));
        w->len = core_realloc(w->len, (size_t)w->cap * sizeof(*w->len));
    }
    w->v[w->count] = core_strndup(s, n);
    w->len[w->count] = n;
    w->count++;
}

void node_config__words_free(struct config_words *w)
{
    for (int i = 0; i < w->count; i++)
        core_free(w->v[i]);
    core_free(w->v);
    core_free(w->len);
    *w = (struct config_words){0};
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    return tolower((unsigned char)c) - 'a' + 10;
}

/* One character of a double-quoted word, escapes decoded; returns bytes used. */
static size_t dq_char(const char *s, size_t n, struct config_sbuf *w)
{
    char c = s[0];
    if (c == '\\' && n >= 4 && s[1] == 'x' && isxdigit((unsigned char)s[2]) && isxdigit((unsigned char)s[3])) {
        c = (char)(hexval(s[2]) * 16 + hexval(s[3]));
        node_config__sb_add(w, &c, 1);
        return 4;
    }
    if (c == '\\' && n >= 2) {
        switch (s[1]) {
        case 'n': c = '\n'; break;
        case 'r': c = '\r'; break;
        case 't': c = '\t'; break;
        case 'b': c = '\b'; break;
        case 'a': c = '\a'; break;
        default: c = s[1]; break;
        }
        node_config__sb_add(w, &c, 1);
        return 2;
    }
    node_config__sb_add(w, &c, 1);
    return 1;
}

/* Single quotes only know the escape \'. */
static size_t sq_char(const char *s, size_t n, struct config_sbuf *w)
{
    if (s[0] == '\\' && n >= 2 && s[1] == '\'') {
        node_config__sb_add(w, "'", 1);
        return 2;
    }
    node_config__sb_add(w, s, 1);
    return 1;
}

/* Reads the word starting at s[*pos]. -EINVAL on unbalanced quotes, or when a
 * closing quote is glued to more text ("a"b), as redis-server refuses both. */
static int read_word(const char *s, size_t n, size_t *pos, struct config_sbuf *w)
{
    size_t i = *pos;
    char quote = 0;
    for (;;) {
        if (i == n) {
            if (quote)
                return -EINVAL;
            break;
        }
        if (!quote) {
            if (isspace((unsigned char)s[i]))
                break;
            if (s[i] == '"' || s[i] == '\'')
                quote = s[i];
            else
                node_config__sb_add(w, s + i, 1);
            i++;
        } else if (s[i] == quote) {
            if (i + 1 < n && !isspace((unsigned char)s[i + 1]))
                return -EINVAL;
            i++;
            break;
        } else {
            i += quote == '"' ? dq_char(s + i, n - i, w) : sq_char(s + i, n - i, w);
        }
    }
    *pos = i;
    return 0;
}

int node_config__split_line(const char *s, size_t n, struct config_words *out)
{
    struct config_sbuf w = {0};
    size_t i = 0;
    int rc = 0;
    for (;;) {
        while (i < n && isspace((unsigned char)s[i]))
            i++;
        if (i == n)
            break;
        if (out->count == CONFIG_WORDS_MAX) {
            rc = -E2BIG;
            break;
        }
        w.len = 0;
        rc = read_word(s, n, &i, &w);
        if (rc < 0)
            break;
        words_push(out, w.p ? w.p : "", w.len);
    }
    node_config__sb_free(&w);
    return rc;
}

/* Splits a CONFIG SET value on single spaces as redis-server does for its
 * multi-word options: "" has no words, "a  b" has an empty one. */
static int split_spaces(const char *s, size_t n, struct config_words *out)
{
    size_t start = 0;
    if (n == 0)
        return 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != ' ')
            continue;
        if (out->count == CONFIG_WORDS_MAX)
            return -E2BIG;
        words_push(out, s + start, i - start);
        start = i + 1;
    }
    return 0;
}

/* Private to this file (config_int.h's flags stop well below): a T_INT
 * field holding NODE_NOTIFY_* bits, read and shown as class letters. */
#define F_NOTIFY_CLASSES (1u << 30)

#define FIELD(f) .off = offsetof(struct node_config, f), .width = sizeof(((struct node_config *)0)->f)
#define BOOL_OPT(n, f) {.name = n, .type = T_BOOL, FIELD(f)}
#define INT_OPT(n, f, lo_, hi_) {.name = n, .type = T_INT, FIELD(f), .min = lo_, .max = hi_}

/* Options whose Redis name has no alias are listed with .alias NULL; the
 * slave-* aliases answer CONFIG GET/SET like their replica-* names. */
const struct config_opt node_config__opts[] = {
    INT_OPT("port", port, 0, 65535),
    {.name = "bind", .type = T_BIND},
    BOOL_OPT("protected-mode", protected_mode),
    {.name = "tcp-backlog", .type = T_INT, .flags = F_IMMUTABLE, FIELD(tcp_backlog), .min = 0, .max = INT_MAX},
    INT_OPT("timeout", timeout_s, 0, INT_MAX),
    INT_OPT("tcp-keepalive", tcp_keepalive_s, 0, INT_MAX),
    {.name = "maxclients", .type = T_INT, FIELD(maxclients), .min = 1, .max = 4294967295LL, .lo = 1, .hi = INT_MAX},
    {.name = "requirepass", .type = T_STR, .flags = F_NULL_IF_EMPTY, FIELD(requirepass)},
    {.name = "daemonize", .type = T_BOOL, .flags = F_IMMUTABLE, FIELD(daemonize),
     .refuse_yes = "daemonize yes is not supported: run shoal in the foreground (under a service manager)"},
    {.name = "pidfile", .type = T_STR, .flags = F_IMMUTABLE | F_NULL_IF_EMPTY, FIELD(pidfile)},
    {.name = "loglevel", .type = T_LOGLEVEL, FIELD(loglevel)},
    {.name = "enable-debug-command", .type = T_ENUM, .flags = F_IMMUTABLE, FIELD(enable_debug_command),
     .values = "no, yes, local"},
    {.name = "logfile", .type = T_STR, .flags = F_IMMUTABLE, FIELD(logfile)},
    {.name = "databases", .type = T_INT, .flags = F_IMMUTABLE, FIELD(databases), .min = 1, .max = INT_MAX},
    {.name = "hz", .type = T_INT, FIELD(hz), .min = 0, .max = INT_MAX, .lo = 1, .hi = 500},
    {.name = "dir", .type = T_DIR, .flags = F_PROTECTED | F_REWRITE_ALWAYS, FIELD(dir)},
    {.name = "dbfilename", .type = T_DBFILENAME, .flags = F_PROTECTED, FIELD(dbfilename)},
    {.name = "proto-max-bulk-len", .type = T_MEM, FIELD(proto_max_bulk_len), .min = CONFIG_MB, .max = LLONG_MAX},
    {.name = "client-query-buffer-limit", .type = T_MEM, FIELD(client_query_buffer_limit), .min = CONFIG_MB,
     .max = LLONG_MAX},
    {.name = "client-output-buffer-limit", .type = T_OBUF},
    {.name = "cluster-enabled", .type = T_BOOL, .flags = F_IMMUTABLE, FIELD(cluster_enabled)},
    {.name = "cluster-config-file", .type = T_STR, .flags = F_IMMUTABLE, FIELD(cluster_config_file)},
    INT_OPT("cluster-node-timeout", cluster_node_timeout_ms, 0, LLONG_MAX),
    BOOL_OPT("cluster-require-full-coverage", cluster_require_full_coverage),
    BOOL_OPT("cluster-allow-reads-when-down", cluster_allow_reads_when_down),
    BOOL_OPT("cluster-allow-replica-migration", cluster_allow_replica_migration),
    {.name = "cluster-replica-no-failover", .alias = "cluster-slave-no-failover", .type = T_BOOL,
     FIELD(cluster_replica_no_failover)},
    {.name = "cluster-replica-validity-factor", .alias = "cluster-slave-validity-factor", .type = T_INT,
     FIELD(cluster_replica_validity_factor), .min = 0, .max = INT_MAX},
    INT_OPT("cluster-migration-barrier", cluster_migration_barrier, 0, INT_MAX),
    {.name = "cluster-port", .type = T_INT, .flags = F_IMMUTABLE, FIELD(cluster_port), .min = 0, .max = 65535},
    {.name = "cluster-announce-ip", .type = T_STR, .flags = F_NULL_IF_EMPTY, FIELD(cluster_announce_ip)},
    INT_OPT("cluster-announce-port", cluster_announce_port, 0, 65535),
    INT_OPT("cluster-announce-bus-port", cluster_announce_bus_port, 0, 65535),
    {.name = "cluster-announce-hostname", .type = T_STR, .flags = F_NULL_IF_EMPTY | F_HOSTNAME,
     FIELD(cluster_announce_hostname)},
    {.name = "cluster-preferred-endpoint-type", .type = T_ENUM, FIELD(cluster_preferred_endpoint_type),
     .values = "ip, hostname, unknown-endpoint"},
    /* persistence; REWRITE always writes save, as Redis does, so a file
     * without it does not fall back to the defaults */
    {.name = "save", .type = T_SAVE, .flags = F_REWRITE_ALWAYS},
    BOOL_OPT("rdbcompression", rdbcompression),
    {.name = "rdbchecksum", .type = T_BOOL, .flags = F_IMMUTABLE, FIELD(rdbchecksum)},
    BOOL_OPT("stop-writes-on-bgsave-error", stop_writes_on_bgsave_error),
    /* replication */
    {.name = "replicaof", .alias = "slaveof", .type = T_REPLICAOF, .flags = F_IMMUTABLE, FIELD(replicaof_host)},
    {.name = "masterauth", .type = T_STR, .flags = F_NULL_IF_EMPTY, FIELD(masterauth)},
    {.name = "masteruser", .type = T_STR, .flags = F_NULL_IF_EMPTY, FIELD(masteruser)},
    {.name = "replica-read-only", .alias = "slave-read-only", .type = T_BOOL, FIELD(replica_read_only)},
    {.name = "replica-serve-stale-data", .alias = "slave-serve-stale-data", .type = T_BOOL,
     FIELD(replica_serve_stale_data)},
    {.name = "replica-priority", .alias = "slave-priority", .type = T_INT, FIELD(replica_priority), .min = 0,
     .max = INT_MAX},
    BOOL_OPT("replica-announced", replica_announced),
    {.name = "replica-announce-ip", .alias = "slave-announce-ip", .type = T_STR, .flags = F_NULL_IF_EMPTY,
     FIELD(replica_announce_ip)},
    {.name = "replica-announce-port", .alias = "slave-announce-port", .type = T_INT, FIELD(replica_announce_port),
     .min = 0, .max = 65535},
    {.name = "replica-lazy-flush", .alias = "slave-lazy-flush", .type = T_BOOL, FIELD(replica_lazy_flush)},
    {.name = "replica-ignore-maxmemory", .alias = "slave-ignore-maxmemory", .type = T_BOOL,
     FIELD(replica_ignore_maxmemory)},
    BOOL_OPT("repl-diskless-sync", repl_diskless_sync),
    INT_OPT("repl-diskless-sync-delay", repl_diskless_sync_delay, 0, INT_MAX),
    INT_OPT("repl-diskless-sync-max-replicas", repl_diskless_sync_max_replicas, 0, INT_MAX),
    {.name = "repl-diskless-load", .type = T_ENUM, FIELD(repl_diskless_load), .values = "disabled, on-empty-db, swapdb"},
    /* Redis raises a smaller CONFIG SET value to 16kb but keeps one from the
     * file; a backlog of a few bytes is never useful, so shoal raises both */
    {.name = "repl-backlog-size", .type = T_MEM, FIELD(repl_backlog_size), .min = 1, .max = LLONG_MAX,
     .lo = 16 * 1024, .hi = LLONG_MAX},
    {.name = "repl-backlog-ttl", .type = T_INT, FIELD(repl_backlog_ttl), .min = 0, .max = LLONG_MAX, .lo = 0,
     .hi = INT_MAX},
    INT_OPT("repl-timeout", repl_timeout, 1, INT_MAX),
    {.name = "repl-ping-replica-period", .alias = "repl-ping-slave-period", .type = T_INT,
     FIELD(repl_ping_replica_period), .min = 1, .max = INT_MAX},
    BOOL_OPT("repl-disable-tcp-nodelay", repl_disable_tcp_nodelay),
    {.name = "min-replicas-to-write", .alias = "min-slaves-to-write", .type = T_INT, FIELD(min_replicas_to_write),
     .min = 0, .max = INT_MAX},
    {.name = "min-replicas-max-lag", .alias = "min-slaves-max-lag", .type = T_INT, FIELD(min_replicas_max_lag),
     .min = 0, .max = INT_MAX},
    /* memory limit and eviction */
    {.name = "maxmemory", .type = T_MEM, FIELD(maxmemory), .min = 0, .max = LLONG_MAX},
    {.name = "maxmemory-policy", .type = T_ENUM, FIELD(maxmemory_policy),
     .values = "volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, "
               "allkeys-random, noeviction"},
    INT_OPT("maxmemory-samples", maxmemory_samples, 1, 64),
    INT_OPT("maxmemory-eviction-tenacity", maxmemory_eviction_tenacity, 0, 100),
    INT_OPT("lfu-log-factor", lfu_log_factor, 0, INT_MAX),
    INT_OPT("lfu-decay-time", lfu_decay_time, 0, INT_MAX),
    /* collection encodings */
    {.name = "hash-max-listpack-entries", .alias = "hash-max-ziplist-entries", .type = T_INT,
     FIELD(hash_max_listpack_entries), .min = 0, .max = LONG_MAX},
    {.name = "hash-max-listpack-value", .alias = "hash-max-ziplist-value", .type = T_MEM,
     FIELD(hash_max_listpack_value), .min = 0, .max = LONG_MAX},
    {.name = "set-max-intset-entries", .type = T_INT, FIELD(set_max_intset_entries), .min = 0, .max = LONG_MAX},
    {.name = "zset-max-listpack-entries", .alias = "zset-max-ziplist-entries", .type = T_INT,
     FIELD(zset_max_listpack_entries), .min = 0, .max = LONG_MAX},
    {.name = "zset-max-listpack-value", .alias = "zset-max-ziplist-value", .type = T_MEM,
     FIELD(zset_max_listpack_value), .min = 0, .max = LONG_MAX},
    {.name = "list-max-listpack-size", .alias = "list-max-ziplist-size", .type = T_INT,
     FIELD(list_max_listpack_size), .min = INT_MIN, .max = INT_MAX},
    INT_OPT("list-compress-depth", list_compress_depth, 0, INT_MAX),
    /* keyspace notifications: the value is Redis's class letters */
    {.name = "notify-keyspace-events", .type = T_INT, .flags = F_NOTIFY_CLASSES, FIELD(notify_keyspace_events)},
    /* Not implemented, but tools (redis-benchmark, client libraries) read
     * them: CONFIG GET shows what shoal does, CONFIG SET accepts only that.
     * In a file they go through directives[] (one warning). */
    {.name = "appendonly", .type = T_FIXED, .fixed = "no"},
};

#define OPTS_COUNT CORE_ARRAY_LEN(node_config__opts)
const size_t node_config__opts_count = OPTS_COUNT;
static const struct config_opt *const opts = node_config__opts;

/*
 * Redis 7.0 directives shoal does not implement yet. D_WARN: ignoring them is
 * harmless, they are accepted with one warning. D_WARN_IF: harmless only with
 * the value `safe`, refused otherwise. D_REFUSE: always refused, because
 * ignoring them would silently weaken safety or limits.
 */
enum dir_kind { D_WARN, D_WARN_IF, D_REFUSE };
enum dir_arg { A_ANY, A_BOOL, A_INT, A_MEM, A_ENUM };

struct directive {
    const char *name;
    enum dir_kind kind;
    enum dir_arg arg;       /* how each value word is validated */
    int min_args, max_args; /* words after the name; max -1 = no limit */
    bool special;           /* not a CONFIG option in Redis: a bad arity is "Bad directive ..." */
    const char *values;     /* A_ENUM: the accepted words as Redis lists them */
    const char *safe;       /* D_WARN_IF: the harmless value (numbers compare as numbers) */
    const char *reason;     /* why any other value is refused */
};

#define WHY_AOF "AOF persistence is not implemented yet, writes after the last RDB save would be lost on restart"
#define WHY_TLS "TLS is not implemented yet, connections would not be encrypted"
#define WHY_ACL "ACL users are not implemented yet, their passwords and restrictions would be ignored"
#define WHY_CLIMEM "client eviction is not implemented yet, the memory limit would not be enforced"
#define WHY_LINKBUF "the cluster link buffer limit is not implemented yet, it would not be enforced"
#define WHY_RENAME "renaming commands is not implemented yet, the command would stay reachable under its name"
#define WHY_MODULE "modules are not supported, the commands and checks they add would be missing"
#define WHY_SENTINEL "shoal is not a sentinel"
#define WHY_ANNOUNCE "announcing another address is not implemented yet, other nodes would be told the wrong one"
#define WHY_SUPERVISED "shoal does not notify a supervisor, it would wait for a readiness signal that never comes"

#define HARMLESS(n, a) {.name = n, .kind = D_WARN, .arg = a, .min_args = 1, .max_args = 1}
#define HARMLESS_ENUM(n, v) {.name = n, .kind = D_WARN, .arg = A_ENUM, .min_args = 1, .max_args = 1, .values = v}
#define HARMLESS_MULTI(n, lo) {.name = n, .kind = D_WARN, .arg = A_ANY, .min_args = lo, .max_args = -1}
#define SAFE_IF(n, a, s, why) \
    {.name = n, .kind = D_WARN_IF, .arg = a, .min_args = 1, .max_args = 1, .safe = s, .reason = why}
#define SAFE_IF_ENUM(n, v, s, why) \
    {.name = n, .kind = D_WARN_IF, .arg = A_ENUM, .min_args = 1, .max_args = 1, .values = v, .safe = s, .reason = why}
#define REFUSED(n, lo, hi, why) {.name = n, .kind = D_REFUSE, .arg = A_ANY, .min_args = lo, .max_args = hi, .reason = why}
#define REFUSED_SPECIAL(n, lo, hi, why) \
    {.name = n, .kind = D_REFUSE, .arg = A_ANY, .min_args = lo, .max_args = hi, .special = true, .reason = why}

#define ENUM_NO_YES_LOCAL "no, yes, local"

static const struct directive directives[] = {
    /* persistence: RDB is implemented, AOF is not */
    SAFE_IF("appendonly", A_BOOL, "no", WHY_AOF),
    HARMLESS_ENUM("appendfsync", "everysec, always, no"),
    HARMLESS("appendfilename", A_ANY), HARMLESS("appenddirname", A_ANY),
    HARMLESS("aof-disable-auto-gc", A_BOOL), HARMLESS("aof-load-truncated", A_BOOL),
    HARMLESS("aof-rewrite-incremental-fsync", A_BOOL), HARMLESS("aof-timestamp-enabled", A_BOOL),
    HARMLESS("aof-use-rdb-preamble", A_BOOL), HARMLESS("auto-aof-rewrite-min-size", A_MEM),
    HARMLESS("auto-aof-rewrite-percentage", A_INT), HARMLESS("no-appendfsync-on-rewrite", A_BOOL),
    HARMLESS("rdb-del-sync-files", A_BOOL), HARMLESS("rdb-save-incremental-fsync", A_BOOL),
    HARMLESS_ENUM("sanitize-dump-payload", "no, yes, clients"),
    /* memory limits and eviction */
    SAFE_IF("maxmemory-clients", A_ANY, "0", WHY_CLIMEM),
    /* encodings and tuning of the data structures */
    HARMLESS("list-max-ziplist-entries", A_ANY), HARMLESS("list-max-ziplist-value", A_ANY),
    HARMLESS("hll-sparse-max-bytes", A_MEM), HARMLESS("stream-node-max-bytes", A_MEM),
    HARMLESS("stream-node-max-entries", A_INT), HARMLESS("activerehashing", A_BOOL),
    HARMLESS("activedefrag", A_BOOL), HARMLESS("active-defrag-ignore-bytes", A_MEM),
    HARMLESS("active-defrag-threshold-lower", A_INT), HARMLESS("active-defrag-threshold-upper", A_INT),
    HARMLESS("active-defrag-cycle-min", A_INT), HARMLESS("active-defrag-cycle-max", A_INT),
    HARMLESS("active-defrag-max-scan-fields", A_INT), HARMLESS("active-expire-effort", A_INT),
    HARMLESS("tracking-table-max-keys", A_INT), HARMLESS("jemalloc-bg-thread", A_BOOL),
    HARMLESS("lazyfree-lazy-eviction", A_BOOL), HARMLESS("lazyfree-lazy-expire", A_BOOL),
    HARMLESS("lazyfree-lazy-server-del", A_BOOL), HARMLESS("lazyfree-lazy-user-del", A_BOOL),
    HARMLESS("lazyfree-lazy-user-flush", A_BOOL), HARMLESS("dynamic-hz", A_BOOL),
    HARMLESS("io-threads", A_INT), HARMLESS("io-threads-do-reads", A_BOOL),
    /* observability and process details */
    HARMLESS("slowlog-log-slower-than", A_INT), HARMLESS("slowlog-max-len", A_INT),
    HARMLESS("latency-monitor-threshold", A_INT), HARMLESS("latency-tracking", A_BOOL),
    HARMLESS_MULTI("latency-tracking-info-percentiles", 0),
    HARMLESS("busy-reply-threshold", A_INT), HARMLESS("lua-time-limit", A_INT),
    HARMLESS("lua-replicate-commands", A_ANY), HARMLESS("acllog-max-len", A_INT),
    HARMLESS_ENUM("acl-pubsub-default", "allchannels, resetchannels"), HARMLESS("always-show-logo", A_BOOL),
    HARMLESS("set-proc-title", A_BOOL), HARMLESS("proc-title-template", A_ANY),
    HARMLESS("crash-log-enabled", A_BOOL), HARMLESS("crash-memcheck-enabled", A_BOOL),
    HARMLESS("disable-thp", A_BOOL), HARMLESS_ENUM("oom-score-adj", "no, yes, relative, absolute"),
    HARMLESS_MULTI("oom-score-adj-values", 1), HARMLESS("syslog-enabled", A_BOOL),
    HARMLESS("syslog-ident", A_ANY),
    HARMLESS_ENUM("syslog-facility", "user, local0, local1, local2, local3, local4, local5, local6, local7"),
    HARMLESS("server_cpulist", A_ANY), HARMLESS("bio_cpulist", A_ANY), HARMLESS("aof_rewrite_cpulist", A_ANY),
    HARMLESS("bgsave_cpulist", A_ANY), HARMLESS("ignore-warnings", A_ANY), HARMLESS("socket-mark-id", A_INT),
    HARMLESS_MULTI("shutdown-on-sigint", 1), HARMLESS_MULTI("shutdown-on-sigterm", 1),
    HARMLESS("shutdown-timeout", A_INT), HARMLESS_ENUM("propagation-error-behavior", "ignore, panic, panic-on-replicas"),
    HARMLESS_ENUM("enable-protected-configs", ENUM_NO_YES_LOCAL),
    HARMLESS_ENUM("enable-module-command", ENUM_NO_YES_LOCAL),
    SAFE_IF_ENUM("supervised", "upstart, systemd, auto, no", "no", WHY_SUPERVISED),
    /* networking */
    HARMLESS("unixsocket", A_ANY), HARMLESS("unixsocketperm", A_ANY), HARMLESS("bind-source-addr", A_ANY),
    /* replication */
    HARMLESS("replica-ignore-disk-write-errors", A_BOOL),
    /* cluster */
    HARMLESS("cluster-allow-pubsubshard-when-down", A_BOOL),
    SAFE_IF("cluster-link-sendbuf-limit", A_MEM, "0", WHY_LINKBUF),
    SAFE_IF("cluster-announce-tls-port", A_INT, "0", WHY_ANNOUNCE),
    /* security */
    REFUSED("aclfile", 1, 1, WHY_ACL), REFUSED_SPECIAL("user", 1, -1, WHY_ACL),
    REFUSED_SPECIAL("rename-command", 2, 2, WHY_RENAME), REFUSED_SPECIAL("loadmodule", 1, -1, WHY_MODULE),
    REFUSED_SPECIAL("sentinel", 1, -1, WHY_SENTINEL),
    SAFE_IF("tls-port", A_INT, "0", WHY_TLS), SAFE_IF("tls-cluster", A_BOOL, "no", WHY_TLS),
    SAFE_IF("tls-replication", A_BOOL, "no", WHY_TLS), REFUSED("tls-auth-clients", 1, 1, WHY_TLS),
    REFUSED("tls-cert-file", 1, 1, WHY_TLS), REFUSED("tls-key-file", 1, 1, WHY_TLS),
    REFUSED("tls-key-file-pass", 1, 1, WHY_TLS), REFUSED("tls-client-cert-file", 1, 1, WHY_TLS),
    REFUSED("tls-client-key-file", 1, 1, WHY_TLS), REFUSED("tls-client-key-file-pass", 1, 1, WHY_TLS),
    REFUSED("tls-dh-params-file", 1, 1, WHY_TLS), REFUSED("tls-ca-cert-file", 1, 1, WHY_TLS),
    REFUSED("tls-ca-cert-dir", 1, 1, WHY_TLS), REFUSED("tls-protocols", 1, 1, WHY_TLS),
    REFUSED("tls-ciphers", 1, 1, WHY_TLS), REFUSED("tls-ciphersuites", 1, 1, WHY_TLS),
    REFUSED("tls-prefer-server-ciphers", 1, 1, WHY_TLS), REFUSED("tls-session-caching", 1, 1, WHY_TLS),
    REFUSED("tls-session-cache-size", 1, 1, WHY_TLS), REFUSED("tls-session-cache-timeout", 1, 1, WHY_TLS),
};

#define DIRECTIVES_COUNT CORE_ARRAY_LEN(directives)

static bool name_is(const char *name, const char *s, size_t n)
{
    return strlen(name) == n && strncasecmp(name, s, n) == 0;
}

const struct config_opt *node_config__opt_find(const char *s, size_t n, bool *ret_alias)
{
    for (size_t i = 0; i < OPTS_COUNT; i++) {
        bool alias = opts[i].alias && name_is(opts[i].alias, s, n);
        if (alias || name_is(opts[i].name, s, n)) {
            if (ret_alias)
                *ret_alias = alias;
            return &opts[i];
        }
    }
    return NULL;
}

static const struct directive *directive_find(const char *s, size_t n)
{
    for (size_t i = 0; i < DIRECTIVES_COUNT; i++)
        if (name_is(directives[i].name, s, n))
            return &directives[i];
    return NULL;
}

long long node_config__get_num(const struct node_config *cfg, const struct config_opt *o)
{
    const char *p = (const char *)cfg + o->off;
    if (o->width == sizeof(int)) {
        int v;
        memcpy(&v, p, sizeof(v));
        return v;
    }
    long long v;
    core_assert(o->width == sizeof(v));
    memcpy(&v, p, sizeof(v));
    return v;
}

static void set_num(struct node_config *cfg, const struct config_opt *o, long long v)
{
    char *p = (char *)cfg + o->off;
    if (o->width == sizeof(int)) {
        int iv = (int)v;
        core_assert(v >= INT_MIN && v <= INT_MAX);
        memcpy(p, &iv, sizeof(iv));
        return;
    }
    memcpy(p, &v, sizeof(v));
}

static bool *bool_slot(struct node_config *cfg, const struct config_opt *o)
{
    return (bool *)((char *)cfg + o->off);
}

static char **str_slot(struct node_config *cfg, const struct config_opt *o)
{
    return (char **)((char *)cfg + o->off);
}

/* Whether the option's field is an owned string (freed and deep-copied). */
static bool opt_owns_string(const struct config_opt *o)
{
    return o->type == T_STR || o->type == T_DIR || o->type == T_DBFILENAME || o->type == T_REPLICAOF;
}

const char *node_config__str_get(const struct node_config *cfg, const struct config_opt *o)
{
    const char *s = *(char *const *)((const char *)cfg + o->off);
    return s ? s : "";
}

static void str_replace(char **slot, const char *s, size_t n, bool null_if_empty)
{
    core_free(*slot);
    *slot = (n == 0 && null_if_empty) ? NULL : core_strndup(s, n);
}

/* 1 yes, 0 no, -1 anything else (case-insensitive, as Redis). */
static int parse_yesno(const char *s)
{
    if (strcasecmp(s, "yes") == 0)
        return 1;
    if (strcasecmp(s, "no") == 0)
        return 0;
    return -1;
}

/* Redis memory values ("1gb", "512mb", "100"), never negative. */
static bool parse_mem(const char *s, long long *out)
{
    return isdigit((unsigned char)s[0]) && node_util_parse_memory(s, out);
}

static bool all_digits(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s))
            return false;
    return true;
}

/* The index of s in a ", "-separated list of words (case-insensitive), or -1. */
static int enum_index(const char *values, const char *s)
{
    size_t n = strlen(s);
    int index = 0;
    for (const char *p = values; *p; index++) {
        size_t len = strcspn(p, ",");
        if (len == n && strncasecmp(p, s, n) == 0)
            return index;
        p += len;
        while (*p == ',' || *p == ' ')
            p++;
    }
    return -1;
}

/* Appends word number index of the list. */
static void enum_name(const char *values, long long index, struct config_sbuf *b)
{
    const char *p = values;
    for (long long i = 0; i < index && *p; i++) {
        p += strcspn(p, ",");
        while (*p == ',' || *p == ' ')
            p++;
    }
    node_config__sb_add(b, p, strcspn(p, ","));
}

static int reason_set(char *reason, size_t rsize, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int reason_set(char *reason, size_t rsize, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, rsize, fmt, ap);
    va_end(ap);
    return -EINVAL;
}

static int range_error(const struct config_opt *o, char *reason, size_t rsize)
{
    return reason_set(reason, rsize, "argument must be between %lld and %lld inclusive", o->min, o->max);
}

static int set_number(struct node_config *cfg, const struct config_opt *o, const char *val, size_t len, char *reason,
                      size_t rsize)
{
    long long v;
    if (o->type == T_INT && !node_util_parse_ll(val, len, &v))
        return reason_set(reason, rsize, "argument couldn't be parsed into an integer");
    if (o->type == T_MEM && !parse_mem(val, &v)) {
        /* memtoll overflows into an out-of-range value rather than failing */
        if (all_digits(val))
            return range_error(o, reason, rsize);
        return reason_set(reason, rsize, "argument must be a memory value");
    }
    if (v < o->min || v > o->max)
        return range_error(o, reason, rsize);
    if (o->hi != 0)
        v = CORE_MAX(o->lo, CORE_MIN(o->hi, v));
    set_num(cfg, o, v);
    return 0;
}

static int set_bool(struct node_config *cfg, const struct config_opt *o, const char *val, char *reason, size_t rsize)
{
    int b = parse_yesno(val);
    if (b < 0)
        return reason_set(reason, rsize, "argument must be 'yes' or 'no'");
    if (b == 1 && o->refuse_yes)
        return reason_set(reason, rsize, "Not supported by shoal: %s", o->refuse_yes);
    *bool_slot(cfg, o) = b == 1;
    return 0;
}

static int set_enum(struct node_config *cfg, const struct config_opt *o, const char *val, char *reason, size_t rsize)
{
    int index = enum_index(o->values, val);
    if (index < 0)
        return reason_set(reason, rsize, "argument(s) must be one of the following: %s", o->values);
    set_num(cfg, o, index);
    return 0;
}

/* Stores the absolute path; the server chdirs there when it starts. */
static int set_dir(struct node_config *cfg, const struct config_opt *o, const char *val, char *reason, size_t rsize)
{
    char abs[PATH_MAX];
    struct stat st;
    if (!realpath(val, abs))
        return reason_set(reason, rsize, "%s", strerror(errno));
    if (stat(abs, &st) < 0)
        return reason_set(reason, rsize, "%s", strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return reason_set(reason, rsize, "%s", strerror(ENOTDIR));
    str_replace(str_slot(cfg, o), abs, strlen(abs), false);
    return 0;
}

static int set_bind(struct node_config *cfg, const char *val, size_t len, char *reason, size_t rsize)
{
    struct config_words w = {0};
    int rc = split_spaces(val, len, &w);
    if (rc < 0 || w.count > NODE_CONFIG_BIND_MAX) {
        node_config__words_free(&w);
        return reason_set(reason, rsize, "Too many bind addresses specified.");
    }
    for (int i = 0; i < cfg->bind_count; i++)
        core_free(cfg->bind[i]);
    for (int i = 0; i < w.count; i++) {
        cfg->bind[i] = w.v[i];
        w.v[i] = NULL;
    }
    cfg->bind_count = w.count;
    node_config__words_free(&w);
    return 0;
}

static const char *const obuf_get_names[] = {"normal", "slave", "pubsub"};

static int obuf_class_parse(const char *s)
{
    if (strcasecmp(s, "normal") == 0)
        return NODE_OBUF_NORMAL;
    if (strcasecmp(s, "slave") == 0 || strcasecmp(s, "replica") == 0)
        return NODE_OBUF_REPLICA;
    if (strcasecmp(s, "pubsub") == 0)
        return NODE_OBUF_PUBSUB;
    return -1;
}

/* "<class> <hard> <soft> <soft_seconds>" starting at word i into lim[]. */
static int obuf_parse_class(const struct config_words *w, int i, struct node_obuf_limit *lim, char *reason,
                            size_t rsize)
{
    int cls = obuf_class_parse(w->v[i]);
    long long hard, soft, secs;
    if (cls < 0)
        return reason_set(reason, rsize, "Invalid client class specified in buffer limit configuration.");
    if (!parse_mem(w->v[i + 1], &hard) || !parse_mem(w->v[i + 2], &soft) ||
        !node_util_parse_ll(w->v[i + 3], w->len[i + 3], &secs) || secs < 0)
        return reason_set(reason, rsize, "Error in hard, soft or soft_seconds setting in buffer limit configuration.");
    lim[cls].hard_bytes = hard;
    lim[cls].soft_bytes = soft;
    lim[cls].soft_seconds = secs;
    return 0;
}

/* All classes are validated before any is changed. */
static int set_obuf(struct node_config *cfg, const char *val, size_t len, char *reason, size_t rsize)
{
    struct node_obuf_limit lim[3];
    struct config_words w = {0};
    int rc = split_spaces(val, len, &w);
    memcpy(lim, cfg->obuf_limits, sizeof(lim));
    if (rc < 0 || w.count % 4 != 0)
        rc = reason_set(reason, rsize, "Wrong number of arguments in buffer limit configuration.");
    for (int i = 0; rc == 0 && i < w.count; i += 4)
        rc = obuf_parse_class(&w, i, lim, reason, rsize);
    if (rc == 0)
        memcpy(cfg->obuf_limits, lim, sizeof(lim));
    node_config__words_free(&w);
    return rc;
}

/* A save number as Redis reads it with strtoll: leading blanks and a sign
 * allowed, nothing after the digits, "" is 0, overflow saturates. */
static bool save_number(const char *s, size_t n, long long *out)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    if ((size_t)(end - s) != n)
        return false;
    *out = v;
    return true;
}

/*
 * Stores the save points of words[first..] (seconds changes ...): after the
 * points already there when append, else in place of them. Redis's checks and
 * its "Invalid save parameters"; more than NODE_CONFIG_SAVE_POINTS_MAX points
 * in all are refused. Nothing changes on error.
 */
static int save_store(struct node_config *cfg, const struct config_words *w, int first, bool append, char *reason,
                      size_t rsize)
{
    struct node_save_point pts[NODE_CONFIG_SAVE_POINTS_MAX];
    int count = append ? cfg->save_count : 0;
    bool too_many = false;
    if ((w->count - first) % 2 != 0)
        return reason_set(reason, rsize, "Invalid save parameters");
    memcpy(pts, cfg->save_points, sizeof(pts));
    for (int i = first; i < w->count; i += 2) {
        long long secs, changes;
        if (!save_number(w->v[i], w->len[i], &secs) || !save_number(w->v[i + 1], w->len[i + 1], &changes) ||
            secs < 1 || changes < 0)
            return reason_set(reason, rsize, "Invalid save parameters");
        if (count == NODE_CONFIG_SAVE_POINTS_MAX)
            too_many = true;
        else
            pts[count++] = (struct node_save_point){(int)CORE_MIN(secs, INT_MAX), (int)CORE_MIN(changes, INT_MAX)};
    }
    if (too_many)
        return reason_set(reason, rsize, "Too many save points: shoal keeps at most %d", NODE_CONFIG_SAVE_POINTS_MAX);
    memcpy(cfg->save_points, pts, sizeof(pts));
    cfg->save_count = count;
    return 0;
}

/* CONFIG SET save: the value split on single spaces, as Redis does; "" is
 * no save points. */
static int set_save(struct node_config *cfg, const char *val, size_t len, char *reason, size_t rsize)
{
    struct config_words w = {0};
    int rc = split_spaces(val, len, &w);
    if (rc < 0)
        rc = reason_set(reason, rsize, "Invalid save parameters");
    else
        rc = save_store(cfg, &w, 0, false, reason, rsize);
    node_config__words_free(&w);
    return rc;
}

/*
 * A `save` line of a file or the command line, as redis-server reads it: the
 * first replaces the default points and later ones add to them; `save ""`
 * removes them all; a single word is split on spaces like a CONFIG SET value.
 */
static int apply_save_line(struct node_config *cfg, const struct config_words *w, struct config_apply_state *st,
                           char *reason, size_t rsize)
{
    struct config_words split = {0};
    bool append = st->save_seen;
    int rc;
    if (w->count == 2 && w->len[1] == 0) {
        rc = save_store(cfg, w, 2, false, reason, rsize);
    } else if (w->count == 2) {
        rc = split_spaces(w->v[1], w->len[1], &split) < 0 ? reason_set(reason, rsize, "Invalid save parameters")
                                                          : save_store(cfg, &split, 0, append, reason, rsize);
    } else {
        rc = save_store(cfg, w, 1, append, reason, rsize);
    }
    node_config__words_free(&split);
    if (rc == 0)
        st->save_seen = true;
    return rc;
}

/* "replicaof <host> <port>" or "replicaof no one", read as Redis does (the
 * port with strtol: "" is 0). Only files and the command line set it. */
static int apply_replicaof_line(struct node_config *cfg, const struct config_words *w, char *reason, size_t rsize)
{
    char *end;
    if (w->count != 3)
        return reason_set(reason, rsize, "wrong number of arguments");
    if (strcasecmp(w->v[1], "no") == 0 && strcasecmp(w->v[2], "one") == 0) {
        str_replace(&cfg->replicaof_host, NULL, 0, true);
        cfg->replicaof_port = 0;
        return 0;
    }
    long port = strtol(w->v[2], &end, 10);
    if (port < 0 || port > 65535 || (size_t)(end - w->v[2]) != w->len[2])
        return reason_set(reason, rsize, "Invalid master port");
    str_replace(&cfg->replicaof_host, w->v[1], w->len[1], false);
    cfg->replicaof_port = (int)port;
    return 0;
}

static bool fixed_matches(const struct config_opt *o, const char *val, size_t len)
{
    long long a, b;
    if (name_is(o->fixed, val, len))
        return true;
    return parse_mem(val, &a) && parse_mem(o->fixed, &b) && a == b;
}

static int set_fixed(const struct config_opt *o, const char *val, size_t len, char *reason, size_t rsize)
{
    if (fixed_matches(o, val, len))
        return 0;
    const struct directive *d = directive_find(o->name, strlen(o->name));
    core_assert(d && d->reason);
    return reason_set(reason, rsize, "Not supported by shoal: %s", d->reason);
}

static int set_string(struct node_config *cfg, const struct config_opt *o, const char *val, size_t len, char *reason,
                      size_t rsize)
{
    if ((o->flags & F_HOSTNAME) && len >= 256)
        return reason_set(reason, rsize, "Hostnames must be less than 256 characters");
    if ((o->flags & F_HOSTNAME) &&
        strspn(val, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") != len)
        return reason_set(reason, rsize, "Hostnames may only contain alphanumeric characters, hyphens or dots");
    if (o->type == T_DBFILENAME && (strchr(val, '/') || strchr(val, '\\')))
        return reason_set(reason, rsize, "dbfilename can't be a path, just a filename");
    str_replace(str_slot(cfg, o), val, len, (o->flags & F_NULL_IF_EMPTY) != 0);
    return 0;
}

/* notify-keyspace-events letters, in the order Redis 7.0 prints them when
 * not every class of A is set; A covers g$lshzxetd (not m, not n). */
static const struct {
    char letter;
    int bit;
} notify_letters[] = {
    {'g', NODE_NOTIFY_GENERIC}, {'$', NODE_NOTIFY_STRING}, {'l', NODE_NOTIFY_LIST},
    {'s', NODE_NOTIFY_SET},     {'h', NODE_NOTIFY_HASH},   {'z', NODE_NOTIFY_ZSET},
    {'x', NODE_NOTIFY_EXPIRED}, {'e', NODE_NOTIFY_EVICTED}, {'t', NODE_NOTIFY_STREAM},
    {'d', NODE_NOTIFY_MODULE},  {'n', NODE_NOTIFY_NEW},
};
#define NOTIFY_ALL                                                                                              \
    (NODE_NOTIFY_GENERIC | NODE_NOTIFY_STRING | NODE_NOTIFY_LIST | NODE_NOTIFY_SET | NODE_NOTIFY_HASH |         \
     NODE_NOTIFY_ZSET | NODE_NOTIFY_EXPIRED | NODE_NOTIFY_EVICTED | NODE_NOTIFY_STREAM | NODE_NOTIFY_MODULE)

static int notify_letter_bit(char ch)
{
    switch (ch) {
    case 'A': return NOTIFY_ALL;
    case 'K': return NODE_NOTIFY_KEYSPACE;
    case 'E': return NODE_NOTIFY_KEYEVENT;
    case 'm': return NODE_NOTIFY_KEY_MISS;
    }
    for (size_t i = 0; i < CORE_ARRAY_LEN(notify_letters); i++)
        if (notify_letters[i].letter == ch)
            return notify_letters[i].bit;
    return 0;
}

static int set_notify_classes(struct node_config *cfg, const struct config_opt *o, const char *val, size_t len,
                              char *reason, size_t rsize)
{
    int flags = 0;
    for (size_t i = 0; i < len; i++) {
        int bit = notify_letter_bit(val[i]);
        if (!bit)
            return reason_set(reason, rsize, "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
        flags |= bit;
    }
    set_num(cfg, o, flags);
    return 0;
}

/* Redis's keyspaceEventsFlagsToString: with all of A, 'n' is not shown. */
static void fmt_notify_classes(int flags, struct config_sbuf *b)
{
    if ((flags & NOTIFY_ALL) == NOTIFY_ALL) {
        node_config__sb_add(b, "A", 1);
    } else {
        for (size_t i = 0; i < CORE_ARRAY_LEN(notify_letters); i++)
            if (flags & notify_letters[i].bit)
                node_config__sb_add(b, &notify_letters[i].letter, 1);
    }
    if (flags & NODE_NOTIFY_KEYSPACE)
        node_config__sb_add(b, "K", 1);
    if (flags & NODE_NOTIFY_KEYEVENT)
        node_config__sb_add(b, "E", 1);
    if (flags & NODE_NOTIFY_KEY_MISS)
        node_config__sb_add(b, "m", 1);
}

/* Sets option o from its value string (NUL-terminated at len), as CONFIG SET
 * does. On error returns -EINVAL with reason set and leaves o unchanged. */
static int opt_set(struct node_config *cfg, const struct config_opt *o, const char *val, size_t len, char *reason,
                   size_t rsize)
{
    int level;
    if (o->flags & F_NOTIFY_CLASSES)
        return set_notify_classes(cfg, o, val, len, reason, rsize);
    switch (o->type) {
    case T_BOOL:
        return set_bool(cfg, o, val, reason, rsize);
    case T_INT:
    case T_MEM:
        return set_number(cfg, o, val, len, reason, rsize);
    case T_STR:
    case T_DBFILENAME:
        return set_string(cfg, o, val, len, reason, rsize);
    case T_ENUM:
        return set_enum(cfg, o, val, reason, rsize);
    case T_LOGLEVEL:
        level = core_log_level_parse(val);
        if (level < 0)
            return reason_set(reason, rsize,
                              "argument(s) must be one of the following: debug, verbose, notice, warning");
        set_num(cfg, o, level);
        return 0;
    case T_DIR:
        return set_dir(cfg, o, val, reason, rsize);
    case T_BIND:
        return set_bind(cfg, val, len, reason, rsize);
    case T_OBUF:
        return set_obuf(cfg, val, len, reason, rsize);
    case T_SAVE:
        return set_save(cfg, val, len, reason, rsize);
    case T_REPLICAOF:
        /* immutable: CONFIG SET refuses it before any value is parsed */
        core_assert(o->flags & F_IMMUTABLE);
        return reason_set(reason, rsize, "can't set immutable config");
    case T_FIXED:
        return set_fixed(o, val, len, reason, rsize);
    }
    return reason_set(reason, rsize, "unknown option type");
}

static bool opt_is_multi(const struct config_opt *o)
{
    return o->type == T_BIND || o->type == T_OBUF || o->type == T_FIXED;
}

static void fmt_save(const struct node_config *cfg, struct config_sbuf *b)
{
    for (int i = 0; i < cfg->save_count; i++)
        node_config__sb_addf(b, "%s%d %d", i ? " " : "", cfg->save_points[i].seconds, cfg->save_points[i].changes);
}

void node_config__fmt_get(const struct config_opt *o, const struct node_config *cfg, struct config_sbuf *b)
{
    node_config__sb_add(b, "", 0);
    if (o->flags & F_NOTIFY_CLASSES) {
        fmt_notify_classes((int)node_config__get_num(cfg, o), b);
        return;
    }
    switch (o->type) {
    case T_BOOL:
        node_config__sb_adds(b, *(const bool *)((const char *)cfg + o->off) ? "yes" : "no");
        break;
    case T_INT:
    case T_MEM:
        node_config__sb_addf(b, "%lld", node_config__get_num(cfg, o));
        break;
    case T_STR:
    case T_DIR:
    case T_DBFILENAME:
        node_config__sb_adds(b, node_config__str_get(cfg, o));
        break;
    case T_ENUM:
        enum_name(o->values, node_config__get_num(cfg, o), b);
        break;
    case T_LOGLEVEL:
        node_config__sb_adds(b, core_log_level_name((enum core_log_level)cfg->loglevel));
        break;
    case T_BIND:
        for (int i = 0; i < cfg->bind_count; i++) {
            if (i)
                node_config__sb_add(b, " ", 1);
            node_config__sb_adds(b, cfg->bind[i]);
        }
        break;
    case T_OBUF:
        for (int c = 0; c < 3; c++)
            node_config__sb_addf(b, "%s%s %lld %lld %lld", c ? " " : "", obuf_get_names[c],
                                 cfg->obuf_limits[c].hard_bytes, cfg->obuf_limits[c].soft_bytes,
                                 cfg->obuf_limits[c].soft_seconds);
        break;
    case T_SAVE:
        fmt_save(cfg, b);
        break;
    case T_REPLICAOF:
        if (cfg->replicaof_host) {
            node_config__sb_adds(b, cfg->replicaof_host);
            node_config__sb_addf(b, " %d", cfg->replicaof_port);
        }
        break;
    case T_FIXED:
        node_config__sb_adds(b, o->fixed);
        break;
    }
}

bool node_config__opt_equal(const struct config_opt *o, const struct node_config *a, const struct node_config *b)
{
    struct config_sbuf x = {0}, y = {0};
    node_config__fmt_get(o, a, &x);
    node_config__fmt_get(o, b, &y);
    bool eq = x.len == y.len && memcmp(x.p, y.p, x.len) == 0;
    node_config__sb_free(&x);
    node_config__sb_free(&y);
    return eq;
}

static void str_field_free(struct node_config *cfg)
{
    for (size_t i = 0; i < OPTS_COUNT; i++) {
        if (opt_owns_string(&opts[i])) {
            core_free(*str_slot(cfg, &opts[i]));
            *str_slot(cfg, &opts[i]) = NULL;
        }
    }
    for (int i = 0; i < cfg->bind_count; i++)
        core_free(cfg->bind[i]);
    cfg->bind_count = 0;
    core_free(cfg->config_file);
    cfg->config_file = NULL;
}

/* Deep copy: dst owns copies of every string of src. */
static void config_copy(struct node_config *dst, const struct node_config *src)
{
    memcpy(dst, src, sizeof(*dst));
    for (size_t i = 0; i < OPTS_COUNT; i++) {
        if (opt_owns_string(&opts[i])) {
            const char *s = *(char *const *)((const char *)src + opts[i].off);
            *str_slot(dst, &opts[i]) = s ? core_strndup(s, strlen(s)) : NULL;
        }
    }
    for (int i = 0; i < src->bind_count; i++)
        dst->bind[i] = core_strndup(src->bind[i], strlen(src->bind[i]));
    if (src->config_file)
        dst->config_file = core_strndup(src->config_file, strlen(src->config_file));
}

static char *cwd_dup(void)
{
    char buf[PATH_MAX];
    if (!getcwd(buf, sizeof(buf)))
        return core_strndup(".", 1);
    return core_strndup(buf, strlen(buf));
}

static void init_data(struct node_config *cfg)
{
    cfg->maxmemory_policy = NODE_MAXMEMORY_NOEVICTION;
    cfg->maxmemory_samples = 5;
    cfg->maxmemory_eviction_tenacity = 10;
    cfg->lfu_log_factor = 10;
    cfg->lfu_decay_time = 1;
    cfg->hash_max_listpack_entries = 512; /* redis-server's built-in default (redis.conf says 128) */
    cfg->hash_max_listpack_value = 64;
    cfg->set_max_intset_entries = 512;
    cfg->zset_max_listpack_entries = 128;
    cfg->zset_max_listpack_value = 64;
    cfg->list_max_listpack_size = -2;
}

static void init_replication(struct node_config *cfg)
{
    static const struct node_save_point save_defaults[] = {{3600, 1}, {300, 100}, {60, 10000}};
    memcpy(cfg->save_points, save_defaults, sizeof(save_defaults));
    cfg->save_count = (int)CORE_ARRAY_LEN(save_defaults);
    cfg->rdbcompression = true;
    cfg->rdbchecksum = true;
    cfg->stop_writes_on_bgsave_error = true;
    cfg->replica_read_only = true;
    cfg->replica_serve_stale_data = true;
    cfg->replica_priority = 100;
    cfg->replica_announced = true;
    cfg->replica_ignore_maxmemory = true;
    cfg->repl_diskless_sync = true;
    cfg->repl_diskless_sync_delay = 5;
    cfg->repl_backlog_size = CONFIG_MB;
    cfg->repl_backlog_ttl = 3600;
    cfg->repl_timeout = 60;
    cfg->repl_ping_replica_period = 10;
    cfg->min_replicas_max_lag = 10;
}

void node_config_init(struct node_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->port = 6379;
    cfg->bind[0] = core_strndup("*", 1);
    cfg->bind[1] = core_strndup("-::*", 4);
    cfg->bind_count = 2;
    cfg->protected_mode = true;
    cfg->tcp_backlog = 511;
    cfg->tcp_keepalive_s = 300;
    cfg->maxclients = 10000;
    cfg->loglevel = CORE_LOG_NOTICE;
    cfg->logfile = core_strndup("", 0);
    cfg->databases = 16;
    cfg->hz = 10;
    cfg->dir = cwd_dup();
    cfg->dbfilename = core_strndup("dump.rdb", 8);
    cfg->proto_max_bulk_len = 512 * CONFIG_MB;
    cfg->client_query_buffer_limit = 1024 * CONFIG_MB;
    /* Unlike Redis (0 = unlimited), normal clients get a hard limit: a client
     * that never reads its replies must not grow the server without bound. */
    cfg->obuf_limits[NODE_OBUF_NORMAL] = (struct node_obuf_limit){256 * CONFIG_MB, 0, 0};
    cfg->obuf_limits[NODE_OBUF_REPLICA] = (struct node_obuf_limit){256 * CONFIG_MB, 64 * CONFIG_MB, 60};
    cfg->obuf_limits[NODE_OBUF_PUBSUB] = (struct node_obuf_limit){32 * CONFIG_MB, 8 * CONFIG_MB, 60};
    cfg->cluster_config_file = core_strndup("nodes.conf", 10);
    cfg->cluster_node_timeout_ms = 15000;
    cfg->cluster_require_full_coverage = true;
    cfg->cluster_allow_replica_migration = true;
    cfg->cluster_replica_validity_factor = 10;
    cfg->cluster_migration_barrier = 1;
    init_replication(cfg);
    init_data(cfg);
}

void node_config_free(struct node_config *cfg)
{
    if (!cfg)
        return;
    str_field_free(cfg);
}

/*
 * Loading: the file, then the command line, as one stream of lines.
 */
struct load_ctx {
    struct node_config *cfg;
    char *err;
    size_t err_size;
    bool err_set; /* err holds a complete message already */
    int depth;    /* include nesting */
    bool warned[DIRECTIVES_COUNT];
    struct config_apply_state apply;
};

static int read_stream(FILE *f, struct config_sbuf *out)
{
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (out->len + n > CONFIG_FILE_BYTES_MAX)
            return -EFBIG;
        node_config__sb_add(out, chunk, n);
    }
    return ferror(f) ? -EIO : 0;
}

int node_config__read_path(const char *path, struct config_sbuf *out)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -errno;
    int rc = read_stream(f, out);
    fclose(f);
    node_config__sb_add(out, "", 0);
    return rc;
}

static void fatal(struct load_ctx *ctx, int lineno, const char *line, size_t n, const char *where,
                  const char *reason)
{
    int len = snprintf(ctx->err, ctx->err_size, CONFIG_FATAL_HEADER "\nReading the configuration file, at line %d\n>>> '%.*s'\n%s",
                       lineno, (int)n, line, reason);
    if (where && len >= 0 && (size_t)len < ctx->err_size)
        snprintf(ctx->err + len, ctx->err_size - (size_t)len, "\nin file '%s'", where);
    ctx->err_set = true;
}

static bool word_is_safe(const struct directive *d, const struct config_words *w)
{
    long long v, safe;
    if (d->arg == A_INT || d->arg == A_MEM) {
        bool ok = d->arg == A_INT ? node_util_parse_ll(w->v[1], w->len[1], &v) : parse_mem(w->v[1], &v);
        return ok && node_util_parse_ll(d->safe, strlen(d->safe), &safe) && v == safe;
    }
    struct config_sbuf joined = {0};
    for (int i = 1; i < w->count; i++) {
        if (i > 1)
            node_config__sb_add(&joined, " ", 1);
        node_config__sb_add(&joined, w->v[i], w->len[i]);
    }
    node_config__sb_add(&joined, "", 0);
    bool eq = strcasecmp(joined.p, d->safe) == 0;
    node_config__sb_free(&joined);
    return eq;
}

/* Validates the value words as Redis would, so a typo fails here too. */
static int directive_check_args(const struct directive *d, const struct config_words *w, char *reason, size_t rsize)
{
    long long v;
    for (int i = 1; i < w->count; i++) {
        const char *s = w->v[i];
        if (d->arg == A_BOOL && parse_yesno(s) < 0)
            return reason_set(reason, rsize, "argument must be 'yes' or 'no'");
        if (d->arg == A_INT && !node_util_parse_ll(s, w->len[i], &v))
            return reason_set(reason, rsize, "argument couldn't be parsed into an integer");
        if (d->arg == A_MEM && !parse_mem(s, &v))
            return reason_set(reason, rsize, "argument must be a memory value");
        if (d->arg == A_ENUM && enum_index(d->values, s) < 0)
            return reason_set(reason, rsize, "argument(s) must be one of the following: %s", d->values);
    }
    return 0;
}

static int directive_apply(struct load_ctx *ctx, const struct directive *d, const struct config_words *w,
                           const char *where, int lineno, char *reason, size_t rsize)
{
    int nargs = w->count - 1;
    if (nargs < d->min_args || (d->max_args >= 0 && nargs > d->max_args))
        return reason_set(reason, rsize, "%s",
                          d->special ? "Bad directive or wrong number of arguments" : "wrong number of arguments");
    int rc = directive_check_args(d, w, reason, rsize);
    if (rc < 0)
        return rc;
    if (d->kind == D_REFUSE || (d->kind == D_WARN_IF && !word_is_safe(d, w)))
        return reason_set(reason, rsize, "Not supported by shoal: %s", d->reason);
    size_t idx = (size_t)(d - directives);
    if (!ctx->warned[idx]) {
        ctx->warned[idx] = true;
        core_log(CORE_LOG_WARNING,
                 "Ignoring config directive '%s' (%s, line %d): valid in Redis 7.0 but not implemented by shoal, "
                 "and ignoring it is harmless",
                 d->name, where ? where : "command line", lineno);
    }
    return 0;
}

/* Multi-word options take their words joined by spaces, as Redis does (so
 * `bind "a b"` means two addresses); the others take exactly one word. */
static bool words_value(const struct config_opt *o, const struct config_words *w, struct config_sbuf *val)
{
    node_config__sb_add(val, "", 0);
    if (opt_is_multi(o)) {
        for (int i = 1; i < w->count; i++) {
            if (i > 1)
                node_config__sb_add(val, " ", 1);
            node_config__sb_add(val, w->v[i], w->len[i]);
        }
        return true;
    }
    if (w->count != 2)
        return false;
    node_config__sb_add(val, w->v[1], w->len[1]);
    return true;
}

int node_config__apply_words(struct node_config *cfg, const struct config_opt *o, const struct config_words *w,
                             struct config_apply_state *st, char *reason, size_t rsize)
{
    struct config_sbuf val = {0};
    int rc;
    if (o->type == T_SAVE)
        return apply_save_line(cfg, w, st, reason, rsize);
    if (o->type == T_REPLICAOF)
        return apply_replicaof_line(cfg, w, reason, rsize);
    if (!words_value(o, w, &val))
        rc = reason_set(reason, rsize, "wrong number of arguments");
    else
        rc = opt_set(cfg, o, val.p, val.len, reason, rsize);
    node_config__sb_free(&val);
    return rc;
}

static int load_text(struct load_ctx *ctx, const char *text, size_t len, int first_line, const char *where);

static int load_file(struct load_ctx *ctx, const char *path)
{
    struct config_sbuf text = {0};
    int rc = node_config__read_path(path, &text);
    if (rc < 0) {
        snprintf(ctx->err, ctx->err_size, "Fatal error, can't open config file '%s': %s", path, strerror(-rc));
        ctx->err_set = true;
    } else {
        ctx->depth++;
        rc = load_text(ctx, text.p, text.len, 1, path);
        ctx->depth--;
    }
    node_config__sb_free(&text);
    return rc;
}

static int apply_words(struct load_ctx *ctx, const struct config_words *w, const char *where, int lineno, char *reason,
                       size_t rsize)
{
    if (name_is("include", w->v[0], w->len[0])) {
        if (w->count != 2)
            return reason_set(reason, rsize, "Bad directive or wrong number of arguments");
        if (ctx->depth >= CONFIG_INCLUDE_DEPTH_MAX)
            return reason_set(reason, rsize, "include nesting is deeper than %d files", CONFIG_INCLUDE_DEPTH_MAX);
        return load_file(ctx, w->v[1]);
    }
    const struct config_opt *o = node_config__opt_find(w->v[0], w->len[0], NULL);
    if (o && o->type != T_FIXED)
        return node_config__apply_words(ctx->cfg, o, w, &ctx->apply, reason, rsize);
    const struct directive *d = directive_find(w->v[0], w->len[0]);
    if (d)
        return directive_apply(ctx, d, w, where, lineno, reason, rsize);
    return reason_set(reason, rsize, "Bad directive or wrong number of arguments");
}

void node_config__trim(const char **s, size_t *n)
{
    while (*n && strchr(" \t\r\n", (*s)[0]))
        (*s)++, (*n)--;
    while (*n && strchr(" \t\r\n", (*s)[*n - 1]))
        (*n)--;
}

static int load_line(struct load_ctx *ctx, const char *s, size_t n, int lineno, const char *where)
{
    char reason[CONFIG_REASON_MAX];
    struct config_words w = {0};
    node_config__trim(&s, &n);
    if (n == 0 || s[0] == '#')
        return 0;
    int rc = node_config__split_line(s, n, &w);
    if (rc == -EINVAL)
        reason_set(reason, sizeof(reason), "Unbalanced quotes in configuration line");
    else if (rc < 0)
        reason_set(reason, sizeof(reason), "Too many arguments in configuration line");
    else if (w.count > 0)
        rc = apply_words(ctx, &w, where, lineno, reason, sizeof(reason));
    node_config__words_free(&w);
    if (rc < 0 && !ctx->err_set)
        fatal(ctx, lineno, s, n, where, reason);
    return rc;
}

/* Applies every line of text; the first is numbered first_line. where names
 * the source in messages: a path, or NULL for the command line. */
static int load_text(struct load_ctx *ctx, const char *text, size_t len, int first_line, const char *where)
{
    size_t pos = 0;
    int lineno = first_line;
    for (;;) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        int rc = load_line(ctx, text + pos, end - pos, lineno, where);
        if (rc < 0)
            return rc;
        if (!nl)
            return 0;
        pos = end + 1;
        lineno++;
    }
}

static int count_words(const char *s)
{
    struct config_words w = {0};
    int rc = node_config__split_line(s, strlen(s), &w);
    int n = rc < 0 ? 0 : w.count;
    node_config__words_free(&w);
    return n;
}

static bool is_long_opt(const char *a)
{
    return a[0] == '-' && a[1] == '-';
}

/*
 * Turns "--port 7000 --bind a b" into config lines ("port \"7000\"\nbind
 * \"a\" \"b\""), exactly as redis-server does, so errors quote the same text
 * and carry the same line numbers. A word without "--" continues the previous
 * option; after an option name with no value yet, even "--x" is a value.
 */
static void argv_to_text(int argc, char **argv, struct config_sbuf *out)
{
    bool has_value = true;
    for (int j = 0; j < argc; j++) {
        const char *a = argv[j];
        if (!(has_value && is_long_opt(a))) {
            node_config__sb_repr(out, a, strlen(a));
            node_config__sb_add(out, " ", 1);
            has_value = true;
            continue;
        }
        if (out->len)
            node_config__sb_add(out, "\n", 1);
        node_config__sb_adds(out, a + 2);
        node_config__sb_add(out, " ", 1);
        /* "--port 7000" as one argument carries its own value */
        has_value = count_words(a) != 1;
        /* `--save` followed by another option (or nothing) means save "" */
        if (!has_value && strcasecmp(a, "--save") == 0 && (j + 1 == argc || is_long_opt(argv[j + 1]))) {
            node_config__sb_add(out, "\"\"", 2);
            has_value = true;
        }
    }
}

static size_t count_newlines(const char *s, size_t n)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        count += s[i] == '\n';
    return count;
}

/* The file (and stdin for "-"), concatenated as redis-server does. */
static int read_sources(struct load_ctx *ctx, const char *path, bool from_stdin, struct config_sbuf *text)
{
    node_config__sb_add(text, "", 0);
    if (path) {
        int rc = node_config__read_path(path, text);
        if (rc < 0) {
            snprintf(ctx->err, ctx->err_size, "Fatal error, can't open config file '%s': %s", path, strerror(-rc));
            return rc;
        }
        char abs[PATH_MAX];
        const char *name = realpath(path, abs) ? abs : path;
        core_free(ctx->cfg->config_file);
        ctx->cfg->config_file = core_strndup(name, strlen(name));
    }
    if (from_stdin) {
        node_config__sb_add(text, "\n", 1);
        int rc = read_stream(stdin, text);
        if (rc < 0) {
            snprintf(ctx->err, ctx->err_size, "Fatal error, can't read config from stdin: %s", strerror(-rc));
            return rc;
        }
    }
    return 0;
}

int node_config_load(struct node_config *cfg, const char *path, int argc, char **argv, char *err,
                     size_t err_size)
{
    struct load_ctx ctx = {.cfg = cfg, .err = err, .err_size = err_size};
    struct config_sbuf text = {0}, opt_text = {0};
    bool from_stdin = false;

    core_assert(err_size > 0);
    err[0] = '\0';
    if (path && strcmp(path, "-") == 0) {
        from_stdin = true;
        path = NULL;
    }
    if (argc > 0 && strcmp(argv[argc - 1], "-") == 0) {
        from_stdin = true;
        argc--;
    }
    int rc = read_sources(&ctx, path, from_stdin, &text);
    if (rc == 0)
        rc = load_text(&ctx, text.p, text.len, 1, path ? path : (from_stdin ? "stdin" : NULL));
    if (rc == 0 && argc > 0) {
        argv_to_text(argc, argv, &opt_text);
        rc = load_text(&ctx, opt_text.p, opt_text.len, (int)count_newlines(text.p, text.len) + 2, NULL);
    }
    /* as redis-server: a cluster node learns its master from the cluster */
    if (rc == 0 && cfg->cluster_enabled && cfg->replicaof_host) {
        snprintf(err, err_size, CONFIG_FATAL_HEADER "\nreplicaof directive not allowed in cluster mode");
        rc = -EINVAL;
    }
    node_config__sb_free(&text);
    node_config__sb_free(&opt_text);
    return rc < 0 ? -EINVAL : 0;
}

/*
 * CONFIG GET / SET. An option answers to its name and, for the slave-* ones,
 * to its alias; Redis treats the two names as two entries: entry 2*i is
 * opts[i].name and entry 2*i+1 its alias.
 */
#define ENTRIES_COUNT (2 * OPTS_COUNT)

static const char *entry_name(size_t e)
{
    return e % 2 ? opts[e / 2].alias : opts[e / 2].name;
}

/* The entry an exact name (any case) designates, or -1. */
static int entry_find(const char *s, size_t n)
{
    bool alias = false;
    const struct config_opt *o = node_config__opt_find(s, n, &alias);
    return o ? (int)(2 * (size_t)(o - opts)) + (alias ? 1 : 0) : -1;
}

static bool has_glob(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] == '*' || s[i] == '?' || s[i] == '[')
            return true;
    return false;
}

/* Marks in name_from[] the entries pattern a matches; returns how many new. */
static long long get_match(const char *pat, size_t n, int a, int *name_from)
{
    long long count = 0;
    if (!has_glob(pat, n)) {
        int e = entry_find(pat, n);
        if (e >= 0 && name_from[e] == -2) {
            name_from[e] = a;
            count++;
        }
        return count;
    }
    for (size_t e = 0; e < ENTRIES_COUNT; e++) {
        const char *name = entry_name(e);
        if (name && name_from[e] == -2 && node_util_glob_match(pat, n, name, strlen(name), true)) {
            name_from[e] = -1;
            count++;
        }
    }
    return count;
}

void node_config_get(struct node_config *cfg, int argc, const char **argv, const size_t *argl,
                     struct node_out *out)
{
    /* per entry: the argv index whose bytes name it in the reply (an exact
     * name is echoed as sent), -1 for its own name (glob match), -2 not
     * matched. An option asked for by both its names is listed under both. */
    int name_from[ENTRIES_COUNT];
    long long count = 0;
    for (size_t e = 0; e < ENTRIES_COUNT; e++)
        name_from[e] = -2;
    for (int a = 0; a < argc; a++)
        count += get_match(argv[a], argl[a], a, name_from);
    node_reply_map(out, count);
    for (size_t e = 0; e < ENTRIES_COUNT; e++) {
        if (name_from[e] == -2)
            continue;
        struct config_sbuf v = {0};
        if (name_from[e] >= 0)
            node_reply_bulk(out, argv[name_from[e]], argl[name_from[e]]);
        else
            node_reply_bulk_cstr(out, entry_name(e));
        node_config__fmt_get(&opts[e / 2], cfg, &v);
        node_reply_bulk(out, v.p, v.len);
        node_config__sb_free(&v);
    }
}

/* Pass 1 of CONFIG SET: every name is known, settable, and given once. As in
 * Redis, these errors quote the argument as sent, and an option set under
 * both its names is not a duplicate (the later value wins). */
static bool set_check_names(int npairs, const char **argv, const size_t *argl, int *entry, struct node_out *out)
{
    bool seen[ENTRIES_COUNT] = {false};
    for (int p = 0; p < npairs; p++) {
        int e = entry_find(argv[2 * p], argl[2 * p]);
        int shown = (int)CORE_MIN(argl[2 * p], 512);
        const char *why = NULL;
        if (e < 0) {
            node_reply_errorf(out, "ERR Unknown option or number of arguments for CONFIG SET - '%.*s'", shown,
                              argv[2 * p]);
            return false;
        }
        const struct config_opt *o = &opts[e / 2];
        if (o->flags & F_IMMUTABLE)
            why = "can't set immutable config";
        else if (o->flags & F_PROTECTED)
            why = "can't set protected config";
        else if (seen[e])
            why = "duplicate parameter";
        if (why) {
            node_reply_errorf(out, "ERR CONFIG SET failed (possibly related to argument '%.*s') - %s", shown,
                              argv[2 * p], why);
            return false;
        }
        seen[e] = true;
        /* p < ENTRIES_COUNT: past that a name would be unknown or repeated */
        core_assert((size_t)p < ENTRIES_COUNT);
        entry[p] = e;
    }
    return true;
}

/* Pass 2: parse every value into cfg. Returns the failing pair or -1. */
static int set_values(struct node_config *cfg, int npairs, const char **argv, const size_t *argl, const int *entry,
                      char *reason, size_t rsize)
{
    for (int p = 0; p < npairs; p++) {
        char *val = core_strndup(argv[2 * p + 1], argl[2 * p + 1]);
        int rc = opt_set(cfg, &opts[entry[p] / 2], val, argl[2 * p + 1], reason, rsize);
        core_free(val);
        if (rc < 0)
            return p;
    }
    return -1;
}

/* Whether pair p is the first to set its option (name and alias are one). */
static bool first_of_option(const int *entry, int p)
{
    for (int q = 0; q < p; q++)
        if (entry[q] / 2 == entry[p] / 2)
            return false;
    return true;
}

/* Undoes a failed CONFIG SET: cfg gets old back and the server is told about
 * the options of pairs [0, failed) it had already applied. */
static void set_rollback(struct node_config *cfg, const struct node_config *old, const int *entry, int failed)
{
    struct node_config applied;
    config_copy(&applied, cfg);
    str_field_free(cfg);
    config_copy(cfg, old);
    for (int q = 0; q < failed; q++) {
        const struct config_opt *o = &opts[entry[q] / 2];
        const char *ignored = NULL;
        if (first_of_option(entry, q) && !node_config__opt_equal(o, cfg, &applied))
            cfg->on_change(cfg->on_change_ud, o->name, &ignored);
    }
    str_field_free(&applied);
}

/* Pass 3: tell the server about each changed option, once, by its name; on
 * a failure undo the ones it already applied. Returns the failing pair or -1. */
static int set_notify(struct node_config *cfg, const struct node_config *old, int npairs, const int *entry,
                      const char **err)
{
    if (!cfg->on_change)
        return -1;
    for (int p = 0; p < npairs; p++) {
        const struct config_opt *o = &opts[entry[p] / 2];
        if (!first_of_option(entry, p) || node_config__opt_equal(o, cfg, old))
            continue;
        if (cfg->on_change(cfg->on_change_ud, o->name, err) < 0) {
            set_rollback(cfg, old, entry, p);
            return p;
        }
    }
    return -1;
}

void node_config_set(struct node_config *cfg, int argc, const char **argv, const size_t *argl,
                     struct node_out *out)
{
    int entry[ENTRIES_COUNT];
    char reason[CONFIG_REASON_MAX];
    const char *err = NULL;
    struct node_config old;

    if (argc < 2 || argc % 2 != 0) {
        node_reply_error(out, NODE_ERR_SYNTAX);
        return;
    }
    int npairs = argc / 2;
    if (!set_check_names(npairs, argv, argl, entry, out))
        return;
    config_copy(&old, cfg);
    int bad = set_values(cfg, npairs, argv, argl, entry, reason, sizeof(reason));
    if (bad >= 0) {
        str_field_free(cfg);
        config_copy(cfg, &old);
    } else {
        bad = set_notify(cfg, &old, npairs, entry, &err);
        if (bad >= 0)
            snprintf(reason, sizeof(reason), "%s", err ? err : "unknown error");
    }
    str_field_free(&old);
    if (bad >= 0) {
        /* value errors name the option as Redis registers it (lower case) */
        node_reply_errorf(out, "ERR CONFIG SET failed (possibly related to argument '%s') - %s",
                          entry_name((size_t)entry[bad]), reason);
        return;
    }
    node_reply_ok(out);
}
