/*
 * cmd_info.c — INFO [section ...]: the server's state as Redis 7.0.15 prints
 * it ("# Section" headers, "field:value" lines ending in CRLF, a blank line
 * between sections, a verbatim string in RESP3), and the per-error-code
 * counters of INFO errorstats.
 *
 * Field names are Redis's so tools that parse INFO (redis-cli --cluster,
 * client libraries, exporters) work unchanged. Fields about features shoal
 * does not have (persistence, Lua, tracking, ...) report the idle values a
 * Redis with the feature unused reports.
 *
 * Does not own the counters themselves (server, dispatcher, keyspace).
 */
#include "node/pubsub.h"
#include "node/evict.h"
#include "node/commands.h"
#include "node/text.h"
#include "node/core/core.h"
#include "node/node_int.h"
#include "node/persist.h"
#include "node/repl.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

/* Distinct error codes INFO errorstats tracks; later new codes are not counted. */
#define ERRORSTATS_MAX 128
/* Longest error code kept (the first word of an error reply). */
#define ERRCODE_MAX 64
/* Redis's LRU clock: seconds, wrapping at 24 bits. */
#define LRU_CLOCK_MAX ((1 << 24) - 1)

struct errstat {
    char code[ERRCODE_MAX + 1];
    uint64_t count;
};
static struct errstat errstats[ERRORSTATS_MAX];
static size_t nerrstats;

/* Counts one error reply by its code, the first word of text ("ERR",
 * "WRONGTYPE", ...). Called for every error reply, including rejections. */
void node_info_count_error(const char *text)
{
    size_t n = strcspn(text, " ");
    if (n == 0)
        return;
    n = CORE_MIN(n, (size_t)ERRCODE_MAX);
    for (size_t i = 0; i < nerrstats; i++) {
        if (strlen(errstats[i].code) == n && memcmp(errstats[i].code, text, n) == 0) {
            errstats[i].count++;
            return;
        }
    }
    if (nerrstats == ERRORSTATS_MAX)
        return;
    memcpy(errstats[nerrstats].code, text, n);
    errstats[nerrstats].code[n] = '\0';
    errstats[nerrstats].count = 1;
    nerrstats++;
}

/* CONFIG RESETSTAT. */
void node_info_reset_error_stats(void)
{
    memset(errstats, 0, sizeof(errstats));
    nerrstats = 0;
}

/* Redis's bytesToHuman: "100B", "1.21M", "23.54G". */
static void human_bytes(char *buf, size_t size, unsigned long long n)
{
    static const char units[] = "KMGTP";
    if (n < 1024) {
        snprintf(buf, size, "%lluB", n);
        return;
    }
    double d = (double)n;
    for (size_t i = 0; i < sizeof(units) - 1; i++) {
        d /= 1024;
        if (d < 1024 || i == sizeof(units) - 2) {
            if (d >= 1024) /* beyond petabytes Redis prints plain bytes */
                snprintf(buf, size, "%lluB", n);
            else
                snprintf(buf, size, "%.2f%c", d, units[i]);
            return;
        }
    }
}

/* ---- sections ---- */

/* Redis prints a hash of its build; ours is a hash of the version, stable
 * across runs of one build. */
static unsigned long long build_id(void)
{
    unsigned long long h = 14695981039346656037ull;
    for (const char *p = SHOAL_VERSION; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    return h;
}

static void sec_server(struct node_text *t, struct node_server *srv)
{
    struct utsname un;
    if (uname(&un) < 0)
        memset(&un, 0, sizeof(un));
    int64_t now_us = core_time_us();
    int64_t uptime_s = (now_us / 1000 - srv->start_time_ms) / 1000;
    node_text_printf(t, "# Server\r\nredis_version:7.0.15\r\nshoal_version:%s\r\nredis_git_sha1:00000000\r\nredis_git_dirty:0\r\n"
           "redis_build_id:%llx\r\nredis_mode:%s\r\nos:%s %s %s\r\narch_bits:%d\r\n"
           "monotonic_clock:POSIX clock_gettime\r\nmultiplexing_api:epoll\r\natomicvar_api:c11-builtin\r\n",
        SHOAL_VERSION, build_id(), srv->cfg.cluster_enabled ? "cluster" : "standalone", un.sysname,
        un.release, un.machine, (int)(sizeof(long) * 8));
#ifdef __GNUC__
    node_text_printf(t, "gcc_version:%d.%d.%d\r\n", __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__);
#else
    node_text_printf(t, "gcc_version:0.0.0\r\n");
#endif
    node_text_printf(t, "process_id:%d\r\nprocess_supervised:no\r\nrun_id:%s\r\ntcp_port:%d\r\nserver_time_usec:%lld\r\n"
           "uptime_in_seconds:%lld\r\nuptime_in_days:%lld\r\nhz:%d\r\nconfigured_hz:%d\r\nlru_clock:%lld\r\n"
           "executable:%s\r\nconfig_file:%s\r\nio_threads_active:0\r\n",
        (int)getpid(), srv->run_id, srv->cfg.port, (long long)now_us, (long long)uptime_s,
        (long long)(uptime_s / 86400), srv->cfg.hz, srv->cfg.hz, (long long)((now_us / 1000000) & LRU_CLOCK_MAX),
        srv->executable ? srv->executable : "", srv->cfg.config_file ? srv->cfg.config_file : "");
}

static void sec_clients(struct node_text *t, struct node_server *srv)
{
    size_t max_in = 0, max_out = 0, replicas = 0, blocked = 0, timed = 0;
    for (const struct node_client *c = srv->clients; c; c = c->next) {
        max_in = CORE_MAX(max_in, c->qbuf_peak);
        max_out = CORE_MAX(max_out, node_out_len(&c->out));
        replicas += (c->flags & NODE_CLIENT_REPLICA) != 0;
        blocked += (c->flags & NODE_CLIENT_BLOCKED) != 0;
        timed += (c->flags & NODE_CLIENT_BLOCKED) && c->bpop_timeout_ms;
    }
    /* As Redis: replicas are not counted as clients. */
    node_text_printf(t, "# Clients\r\nconnected_clients:%zu\r\ncluster_connections:0\r\nmaxclients:%d\r\n"
           "client_recent_max_input_buffer:%zu\r\nclient_recent_max_output_buffer:%zu\r\nblocked_clients:%zu\r\n"
           "tracking_clients:0\r\nclients_in_timeout_table:%zu\r\n",
        srv->nclients - replicas, srv->cfg.maxclients, max_in, max_out, blocked, timed);
}

/* Buffers held by client connections (INFO mem_clients_normal). */
static size_t clients_memory(const struct node_server *srv)
{
    size_t sum = 0;
    for (const struct node_client *c = srv->clients; c; c = c->next)
        sum += sizeof(*c) + c->qcap + node_out_len(&c->out);
    return sum;
}

static void sec_memory(struct node_text *t, struct node_server *srv)
{
    size_t used = core_used_memory(), rss = core_rss_bytes();
    if (used > srv->stats.used_memory_peak)
        srv->stats.used_memory_peak = used;
    size_t peak = srv->stats.used_memory_peak;
    long pages = sysconf(_SC_PHYS_PAGES), page_size = sysconf(_SC_PAGESIZE);
    unsigned long long total = pages > 0 && page_size > 0 ? (unsigned long long)pages * (unsigned long long)page_size
                                                          : 0;
    char h_used[32], h_rss[32], h_peak[32], h_total[32];
    human_bytes(h_used, sizeof(h_used), used);
    human_bytes(h_rss, sizeof(h_rss), rss);
    human_bytes(h_peak, sizeof(h_peak), peak);
    human_bytes(h_total, sizeof(h_total), total);
    node_text_printf(t, "# Memory\r\nused_memory:%zu\r\nused_memory_human:%s\r\nused_memory_rss:%zu\r\nused_memory_rss_human:%s\r\n"
           "used_memory_peak:%zu\r\nused_memory_peak_human:%s\r\nused_memory_peak_perc:%.2f%%\r\n"
           "total_system_memory:%llu\r\ntotal_system_memory_human:%s\r\n",
        used, h_used, rss, h_rss, peak, h_peak, peak ? 100.0 * (double)used / (double)peak : 0.0, total, h_total);
    /* No scripting engine: its memory fields are honestly zero. */
    node_text_printf(t, "used_memory_lua:0\r\nused_memory_vm_eval:0\r\nused_memory_lua_human:0B\r\nused_memory_scripts_eval:0\r\n"
           "number_of_cached_scripts:0\r\nnumber_of_functions:0\r\nnumber_of_libraries:0\r\n"
           "used_memory_vm_functions:0\r\nused_memory_vm_total:0\r\nused_memory_vm_total_human:0B\r\n"
           "used_memory_functions:0\r\nused_memory_scripts:0\r\nused_memory_scripts_human:0B\r\n");
    char h_max[32];
    human_bytes(h_max, sizeof(h_max), (size_t)srv->cfg.maxmemory);
    node_text_printf(t, "maxmemory:%lld\r\nmaxmemory_human:%s\r\nmaxmemory_policy:%s\r\n",
        (long long)srv->cfg.maxmemory, h_max, node_evict_policy_name(srv->cfg.maxmemory_policy));
    node_text_printf(t, "mem_fragmentation_ratio:%.2f\r\n"
           "mem_fragmentation_bytes:%lld\r\nmem_not_counted_for_evict:%zu\r\nmem_replication_backlog:%zu\r\n"
           "mem_total_replication_buffers:0\r\nmem_clients_slaves:0\r\nmem_clients_normal:%zu\r\n"
           "mem_cluster_links:0\r\nmem_aof_buffer:0\r\nmem_allocator:%s\r\n"
           "active_defrag_running:0\r\nlazyfree_pending_objects:0\r\nlazyfreed_objects:0\r\n",
        used ? (double)rss / (double)used : 0.0, (long long)rss - (long long)used, node_evict_not_counted(srv),
        node_evict_backlog_bytes(srv), clients_memory(srv),
        core_allocator_name());
}

static void sec_persistence(struct node_text *t, struct node_server *srv)
{
    node_text_printf(t, "# Persistence\r\n");
    node_persist_info(srv, t);
}

static void sec_stats(struct node_text *t, struct node_server *srv)
{
    const struct node_server_stats *st = &srv->stats;
    const struct node_ks_stats *ks = node_ks_stats(srv->ks);
    int64_t fork_usec;
    uint64_t forks;
    node_persist_fork_stats(srv, &fork_usec, &forks);
    node_text_printf(t, "# Stats\r\ntotal_connections_received:%llu\r\ntotal_commands_processed:%llu\r\n"
           "instantaneous_ops_per_sec:%lld\r\ntotal_net_input_bytes:%llu\r\ntotal_net_output_bytes:%llu\r\n"
           "total_net_repl_input_bytes:0\r\ntotal_net_repl_output_bytes:0\r\ninstantaneous_input_kbps:0.00\r\n"
           "instantaneous_output_kbps:0.00\r\ninstantaneous_input_repl_kbps:0.00\r\n"
           "instantaneous_output_repl_kbps:0.00\r\nrejected_connections:%llu\r\nsync_full:%llu\r\n"
           "sync_partial_ok:%llu\r\nsync_partial_err:%llu\r\n",
        (unsigned long long)st->total_connections, (unsigned long long)st->total_commands,
        node_server_instantaneous_ops(srv), (unsigned long long)st->net_input_bytes,
        (unsigned long long)st->net_output_bytes, (unsigned long long)st->rejected_connections,
        (unsigned long long)srv->repl->sync_full, (unsigned long long)srv->repl->sync_partial_ok,
        (unsigned long long)srv->repl->sync_partial_err);
    node_text_printf(t, "expired_keys:%llu\r\nexpired_stale_perc:0.00\r\nexpired_time_cap_reached_count:0\r\n"
           "expire_cycle_cpu_milliseconds:%llu\r\nevicted_keys:%llu\r\nevicted_clients:0\r\n"
           "total_eviction_exceeded_time:0\r\ncurrent_eviction_exceeded_time:0\r\nkeyspace_hits:%llu\r\n"
           "keyspace_misses:%llu\r\npubsub_channels:%zu\r\npubsub_patterns:%zu\r\npubsubshard_channels:%zu\r\n"
           "latest_fork_usec:%lld\r\ntotal_forks:%llu\r\nmigrate_cached_sockets:%zu\r\nslave_expires_tracked_keys:0\r\n"
           "active_defrag_hits:0\r\nactive_defrag_misses:0\r\nactive_defrag_key_hits:0\r\n"
           "active_defrag_key_misses:0\r\ntotal_active_defrag_time:0\r\ncurrent_active_defrag_time:0\r\n"
           "tracking_total_keys:0\r\ntracking_total_items:0\r\ntracking_total_prefixes:0\r\n",
        (unsigned long long)ks->expired_keys, (unsigned long long)(ks->expire_cycle_cpu_us / 1000),
        (unsigned long long)node_evict_keys(srv),
        (unsigned long long)ks->keyspace_hits, (unsigned long long)ks->keyspace_misses,
        node_pubsub_count(srv, NODE_PUBSUB_CHANNEL), node_pubsub_count(srv, NODE_PUBSUB_PATTERN),
        node_pubsub_count(srv, NODE_PUBSUB_SHARD), (long long)fork_usec,
        (unsigned long long)forks, node_migrate_cached_count(srv));
    node_text_printf(t, "unexpected_error_replies:0\r\ntotal_error_replies:%llu\r\ndump_payload_sanitizations:0\r\n"
           "io_threaded_reads_processed:0\r\nio_threaded_writes_processed:0\r\n"
           "client_query_buffer_limit_disconnections:%llu\r\nclient_output_buffer_limit_disconnections:%llu\r\n",
        (unsigned long long)st->total_error_replies, (unsigned long long)st->client_qbuf_limit_disconnections,
        (unsigned long long)st->client_obuf_limit_disconnections);
}

static void sec_replication(struct node_text *t, struct node_server *srv)
{
    node_text_printf(t, "# Replication\r\n");
    repl_info(srv->repl, t);
}

static void add_rusage(struct node_text *t, const char *suffix, const struct rusage *ru)
{
    node_text_printf(t, "used_cpu_sys%s:%ld.%06ld\r\nused_cpu_user%s:%ld.%06ld\r\n", suffix, (long)ru->ru_stime.tv_sec,
        (long)ru->ru_stime.tv_usec, suffix, (long)ru->ru_utime.tv_sec, (long)ru->ru_utime.tv_usec);
}

static void sec_cpu(struct node_text *t, struct node_server *srv)
{
    struct rusage self, children, thread;
    memset(&self, 0, sizeof(self));
    memset(&children, 0, sizeof(children));
    memset(&thread, 0, sizeof(thread));
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &children);
    getrusage(RUSAGE_THREAD, &thread);
    node_text_printf(t, "# CPU\r\n");
    add_rusage(t, "", &self);
    add_rusage(t, "_children", &children);
    add_rusage(t, "_main_thread", &thread);
}

static void sec_modules(struct node_text *t, struct node_server *srv)
{
    node_text_printf(t, "# Modules\r\n");
}

static void add_cmdstat(struct node_text *t, const struct node_cmd *cmd)
{
    const struct node_cmd_stats *st = node_cmd_stats(cmd);
    if (!st->calls && !st->failed && !st->rejected)
        return;
    char name[128];
    node_cmd_fullname(cmd, name, sizeof(name));
    node_text_printf(t, "cmdstat_%s:calls=%llu,usec=%llu,usec_per_call=%.2f,rejected_calls=%llu,failed_calls=%llu\r\n", name,
        (unsigned long long)st->calls, (unsigned long long)core_ticks_to_us(st->ticks),
        st->calls ? (double)core_ticks_to_us(st->ticks) / (double)st->calls : 0.0, (unsigned long long)st->rejected,
        (unsigned long long)st->failed);
}

static void sec_commandstats(struct node_text *t, struct node_server *srv)
{
    node_text_printf(t, "# Commandstats\r\n");
    for (size_t i = 0; i < node_cmd_count(); i++) {
        const struct node_cmd *cmd = node_cmd_at(i);
        if (cmd->proc)
            add_cmdstat(t, cmd);
        for (int j = 0; j < cmd->nsubcmds; j++)
            add_cmdstat(t, &cmd->subcmds[j]);
    }
}

static void sec_errorstats(struct node_text *t, struct node_server *srv)
{
    node_text_printf(t, "# Errorstats\r\n");
    for (size_t i = 0; i < nerrstats; i++)
        node_text_printf(t, "errorstat_%s:count=%llu\r\n", errstats[i].code, (unsigned long long)errstats[i].count);
}

static void sec_cluster(struct node_text *t, struct node_server *srv)
{
    node_text_printf(t, "# Cluster\r\ncluster_enabled:%d\r\n", srv->cfg.cluster_enabled ? 1 : 0);
}

static void sec_keyspace(struct node_text *t, struct node_server *srv)
{
    node_text_printf(t, "# Keyspace\r\n");
    size_t keys = node_ks_size(srv->ks);
    if (keys)
        node_text_printf(t, "db0:keys=%zu,expires=%zu,avg_ttl=%lld\r\n", keys, node_ks_expires_size(srv->ks),
            (long long)node_ks_avg_ttl(srv->ks));
}

/* In Redis's output order. "default" sections are printed by a bare INFO. */
static const struct section {
    const char *name;
    bool in_default;
    void (*fn)(struct node_text *t, struct node_server *srv);
} sections[] = {
    {"server", true, sec_server},
    {"clients", true, sec_clients},
    {"memory", true, sec_memory},
    {"persistence", true, sec_persistence},
    {"stats", true, sec_stats},
    {"replication", true, sec_replication},
    {"cpu", true, sec_cpu},
    {"modules", true, sec_modules},
    {"commandstats", false, sec_commandstats},
    {"errorstats", true, sec_errorstats},
    {"cluster", true, sec_cluster},
    {"keyspace", true, sec_keyspace},
};
static_assert(CORE_ARRAY_LEN(sections) <= 32, "sections must fit the selection mask");

/* The sections named by argv[1..]: a bitmask over sections[]. Unknown names
 * select nothing; "all" and "everything" select every section. */
static uint32_t select_sections(const struct node_client *c)
{
    uint32_t all = (uint32_t)((1ull << CORE_ARRAY_LEN(sections)) - 1), def = 0;
    for (size_t i = 0; i < CORE_ARRAY_LEN(sections); i++)
        if (sections[i].in_default)
            def |= 1u << i;
    if (c->argc < 2)
        return def;
    uint32_t mask = 0;
    for (int a = 1; a < c->argc; a++) {
        if (node_arg_is(c, a, "all") || node_arg_is(c, a, "everything"))
            mask |= all;
        else if (node_arg_is(c, a, "default"))
            mask |= def;
        for (size_t i = 0; i < CORE_ARRAY_LEN(sections); i++)
            if (node_arg_is(c, a, sections[i].name))
                mask |= 1u << i;
    }
    return mask;
}

void node_cmd_info(struct node_client *c)
{
    uint32_t mask = select_sections(c);
    struct node_text t = {0};
    bool first = true;
    for (size_t i = 0; i < CORE_ARRAY_LEN(sections); i++) {
        if (!(mask & (1u << i)))
            continue;
        if (!first)
            node_text_printf(&t, "\r\n");
        sections[i].fn(&t, c->srv);
        first = false;
    }
    node_text_reply(&t, &c->out);
}
