/*
 * server.c — the process: start-up (logging, banner, listeners, limits),
 * the cron (active expiry, incremental rehash, client timeouts, stats),
 * signals and shutdown, and applying CONFIG SET changes that need action.
 *
 * Does not own connections (client.c) or command execution (dispatch.c).
 */
#include "node/evict.h"
#include "node/block.h"
#include "node/notify.h"
#include "node/obj.h"
#include "node/pubsub.h"
#include "node/node_int.h"
#include "node/cluster.h"
#include "node/commands.h"
#include "node/core/core.h"
#include "node/core/core_log.h"
#include "node/pause.h"
#include "node/persist.h"
#include "node/propagate.h"
#include "node/repl.h"
#include "node/watch.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

int node_server_run(struct node_server *srv);

/* Descriptors kept for ourselves beyond maxclients (listeners, logs, ...). */
#define RESERVED_FDS 32
/* Share of each cron period the active expiry may use, as Redis's 25%. */
#define EXPIRE_CYCLE_PERCENT 25
/* Time budget for incremental rehashing per cron tick. */
#define REHASH_BUDGET_US 1000

static void on_connection(uv_stream_t *listener, int status)
{
    struct node_server *srv = listener->data;
    if (status < 0) {
        core_log(CORE_LOG_WARNING, "Accepting client connection: %s", uv_strerror(status));
        return;
    }
    node_client_accept(srv, listener);
}

static void free_handle(uv_handle_t *h)
{
    core_free(h);
}

/* Listens on one bind spec (core_bind_addr()). Returns 0 with *ret set, 1 for a skipped optional address, or -errno.
 * Handles live on the heap: a closing handle must stay put until its close
 * callback, which frees it. */
static int listen_one(struct node_server *srv, const char *spec, int port, uv_tcp_t **ret)
{
    bool optional;
    const char *addr = core_bind_addr(spec, &optional);
    struct sockaddr_storage ss;
    bool v6 = strchr(addr, ':') != NULL;
    int rc = v6 ? uv_ip6_addr(addr, port, (struct sockaddr_in6 *)&ss)
                : uv_ip4_addr(addr, port, (struct sockaddr_in *)&ss);
    if (rc == 0) {
        uv_tcp_t *h = core_malloc(sizeof(*h));
        uv_tcp_init(srv->loop, h);
        h->data = srv;
        rc = uv_tcp_bind(h, (struct sockaddr *)&ss, v6 ? UV_TCP_IPV6ONLY : 0);
        if (rc == 0)
            rc = uv_listen((uv_stream_t *)h, srv->cfg.tcp_backlog, on_connection);
        if (rc < 0)
            uv_close((uv_handle_t *)h, free_handle);
        else
            *ret = h;
    }
    if (rc < 0 && optional) {
        core_log(CORE_LOG_NOTICE, "Skipping optional bind address %s:%d: %s", addr, port, uv_strerror(rc));
        return 1;
    }
    if (rc < 0)
        core_log(CORE_LOG_WARNING, "Warning: Could not create server TCP listening socket %s:%d: %s", addr, port,
                 uv_strerror(rc));
    return rc;
}

static void close_listeners(struct node_server *srv)
{
    for (int i = 0; i < srv->nlisteners; i++)
        uv_close((uv_handle_t *)srv->listeners[i], free_handle);
    srv->nlisteners = 0;
}

/* Listens on every address of cfg's bind at cfg's port, all or nothing. */
static int open_listeners(struct node_server *srv)
{
    static const char *const defaults[] = {"*", "-::*"};
    const char *const *specs = (const char *const *)srv->cfg.bind;
    int nspecs = srv->cfg.bind_count;
    if (nspecs == 0) {
        specs = defaults;
        nspecs = 2;
    }
    core_assert(srv->nlisteners == 0);
    for (int i = 0; i < nspecs; i++) {
        uv_tcp_t *h = NULL;
        int rc = listen_one(srv, specs[i], srv->cfg.port, &h);
        if (rc < 0) {
            close_listeners(srv);
            return rc;
        }
        if (rc == 0)
            srv->listeners[srv->nlisteners++] = h;
    }
    return srv->nlisteners > 0 ? 0 : -EADDRNOTAVAIL;
}

/* CONFIG SET port/bind: close, reopen with the new values, and on failure
 * reopen the previous set (as Redis's changeListener does). cfg already holds
 * the new values; the previous ones are put back by the config module after
 * we fail, so we swap them in briefly to restore the old sockets. */
static int relisten(struct node_server *srv, const char **err)
{
    close_listeners(srv);
    if (open_listeners(srv) == 0)
        return 0;
    struct node_config now = srv->cfg;
    srv->cfg.port = srv->listen_port;
    srv->cfg.bind_count = srv->listen_bind_count;
    memcpy(srv->cfg.bind, srv->listen_bind, sizeof(srv->cfg.bind));
    int rc = open_listeners(srv);
    srv->cfg.port = now.port;
    srv->cfg.bind_count = now.bind_count;
    memcpy(srv->cfg.bind, now.bind, sizeof(srv->cfg.bind));
    if (rc < 0)
        core_log(CORE_LOG_WARNING, "Failed to restore the previous listening sockets: %s", uv_strerror(rc));
    *err = "Unable to listen on this port";
    return -EADDRINUSE;
}

/* Remembers what we listen on, to restore it if a later change fails. */
static void remember_listen_config(struct node_server *srv)
{
    for (int i = 0; i < srv->listen_bind_count; i++)
        core_free(srv->listen_bind[i]);
    srv->listen_port = srv->cfg.port;
    srv->listen_bind_count = srv->cfg.bind_count;
    for (int i = 0; i < srv->cfg.bind_count; i++)
        srv->listen_bind[i] = core_strndup(srv->cfg.bind[i], strlen(srv->cfg.bind[i]));
}

static void adjust_fd_limit(struct node_server *srv)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
        return;
    rlim_t want = (rlim_t)srv->cfg.maxclients + RESERVED_FDS;
    if (rl.rlim_cur >= want)
        return;
    rlim_t target = want;
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < target)
        target = rl.rlim_max;
    rl.rlim_cur = target;
    if (setrlimit(RLIMIT_NOFILE, &rl) == 0 && target >= want)
        return;
    getrlimit(RLIMIT_NOFILE, &rl);
    int maxclients = rl.rlim_cur > RESERVED_FDS ? (int)(rl.rlim_cur - RESERVED_FDS) : 1;
    core_log(CORE_LOG_WARNING, "You requested maxclients of %d requiring at least %llu max file descriptors. "
             "Server can't set maximum open files to %llu; maxclients reduced to %d.", srv->cfg.maxclients,
             (unsigned long long)want, (unsigned long long)want, maxclients);
    srv->cfg.maxclients = maxclients;
}

long long node_server_instantaneous_ops(const struct node_server *srv)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < CORE_ARRAY_LEN(srv->stats.ops_samples); i++)
        sum += srv->stats.ops_samples[i];
    return (long long)(sum / CORE_ARRAY_LEN(srv->stats.ops_samples));
}

static void sample_ops(struct node_server *srv, int64_t now_ms)
{
    struct node_server_stats *st = &srv->stats;
    int64_t dt = now_ms - st->ops_last_ms;
    if (dt < 100)
        return;
    uint64_t ops = st->total_commands - st->ops_last_commands;
    st->ops_samples[st->ops_sample_index] = ops * 1000 / (uint64_t)dt;
    st->ops_sample_index = (st->ops_sample_index + 1) % (int)CORE_ARRAY_LEN(st->ops_samples);
    st->ops_last_commands = st->total_commands;
    st->ops_last_ms = now_ms;
}

static void on_cron(uv_timer_t *t)
{
    struct node_server *srv = t->data;
    int64_t now = core_time_ms();
    srv->cronloops++;
    node_ks_set_now(srv->ks, now);
    int64_t budget_us = 1000000 / srv->cfg.hz * EXPIRE_CYCLE_PERCENT / 100;
    /* Paused writes: an expiry would move the replication offset. A
     * command run during the pause left the hiding mode behind. */
    if (!node_pause_writes_paused(srv)) {
        if (!repl_is_replica(srv->repl))
            node_ks_set_expire_mode(srv->ks, NODE_KS_EXPIRE_DELETE);
        node_ks_active_expire(srv->ks, core_mono_us() + budget_us);
    }
    int64_t rehash_end = core_mono_us() + REHASH_BUDGET_US;
    while (node_ks_rehash_step(srv->ks, 100) && core_mono_us() < rehash_end)
        ;
    node_clients_cron(srv, now);
    repl_cron(srv->repl, now);
    node_persist_cron(srv, now);
    node_migrate_cron(srv, now);
    sample_ops(srv, now);
    size_t used = core_used_memory();
    if (used > srv->stats.used_memory_peak)
        srv->stats.used_memory_peak = used;
    if (srv->shutdown_asap)
        uv_stop(srv->loop);
}

static void on_before_poll(uv_prepare_t *p)
{
    struct node_server *srv = p->data;
    if (srv->gossip)
        node_cluster_before_sleep(srv);
    repl_before_sleep(srv->repl);
    node_clients_before_sleep(srv);
    if (srv->shutdown_asap)
        uv_stop(srv->loop);
}

static void on_signal(uv_signal_t *s, int signum)
{
    struct node_server *srv = s->data;
    core_log(CORE_LOG_WARNING, "Received %s scheduling shutdown...", signum == SIGINT ? "SIGINT" : "SIGTERM");
    srv->shutdown_asap = true;
    uv_stop(srv->loop);
}

void node_server_reset_stats(struct node_server *srv)
{
    struct node_server_stats *st = &srv->stats;
    int64_t start = st->start_mono_us;
    memset(st, 0, sizeof(*st));
    st->start_mono_us = start;
    st->ops_last_ms = core_time_ms();
    node_ks_reset_stats(srv->ks);
    node_evict_reset_stats(srv);
    srv->repl->sync_full = srv->repl->sync_partial_ok = srv->repl->sync_partial_err = 0;
    node_cmd_reset_stats();
    node_info_reset_error_stats();
}

/* CONFIG SET hook: options that need more than a new value in cfg. */
static int on_config_change(void *ud, const char *name, const char **err)
{
    struct node_server *srv = ud;
    if (strcmp(name, "loglevel") == 0) {
        core_log_set_level((enum core_log_level)srv->cfg.loglevel);
    } else if (strcmp(name, "maxclients") == 0) {
        int want = srv->cfg.maxclients;
        adjust_fd_limit(srv);
        if (srv->cfg.maxclients < want) {
            *err = "The operating system is not able to handle the specified number of clients";
            return -EINVAL;
        }
    } else if (strcmp(name, "port") == 0 || strcmp(name, "bind") == 0) {
        int rc = relisten(srv, err);
        if (rc < 0)
            return rc;
        remember_listen_config(srv);
    } else if (strncmp(name, "cluster-", 8) == 0 || strcmp(name, "repl-ping-replica-period") == 0) {
        node_cluster_config_changed(srv);
    } else if (strcmp(name, "repl-backlog-size") == 0) {
        if (srv->repl->backlog)
            repl_backlog_resize(srv->repl->backlog, (size_t)srv->cfg.repl_backlog_size);
    } else if (strncmp(name, "maxmemory", 9) == 0 || strncmp(name, "lfu-", 4) == 0) {
        node_evict_config_changed(srv);
    } else if (strcmp(name, "hz") == 0) {
        uint64_t period = (uint64_t)(1000 / srv->cfg.hz);
        uv_timer_start(&srv->cron, on_cron, period, period);
    }
    return 0;
}

static void write_pidfile(const struct node_server *srv)
{
    if (!srv->cfg.pidfile || !srv->cfg.pidfile[0])
        return;
    FILE *f = fopen(srv->cfg.pidfile, "w");
    if (!f) {
        core_log(CORE_LOG_WARNING, "Failed to write PID file: %s", strerror(errno));
        return;
    }
    fprintf(f, "%d\n", (int)getpid());
    fclose(f);
}

static void banner(const struct node_server *srv)
{
    core_log(CORE_LOG_NOTICE, "oO0OoO0OoO0Oo shoal is starting oO0OoO0OoO0Oo");
    core_log(CORE_LOG_NOTICE, "shoal version=%s (redis protocol 7.0.15), bits=%d, pid=%d, just started",
             SHOAL_VERSION, (int)(sizeof(long) * 8), (int)getpid());
    core_log(CORE_LOG_NOTICE, "Configuration loaded%s%s", srv->cfg.config_file ? " from " : "",
             srv->cfg.config_file ? srv->cfg.config_file : "");
    core_log(CORE_LOG_NOTICE, "shoal %s running in %s mode, port: %d, PID: %d", SHOAL_VERSION,
             srv->cfg.cluster_enabled ? "cluster" : "standalone", srv->cfg.port, (int)getpid());
}

/* The slot routing computed for the current command's first key: the
 * keyspace asks for the same key right after, so CRC16 runs once. */
static struct {
    const char *key;
    size_t len;
    int slot;
} slot_hint;

void node_server_slot_hint(const char *key, size_t len, int slot)
{
    slot_hint.key = key;
    slot_hint.len = len;
    slot_hint.slot = slot;
}

static unsigned key_slot(const char *key, size_t klen)
{
    if (key == slot_hint.key && klen == slot_hint.len)
        return (unsigned)slot_hint.slot;
    return (unsigned)slots_keyslot(key, klen);
}

static void on_key_expired(void *ud, const char *key, size_t klen)
{
    node_notify(ud, NODE_NOTIFY_EXPIRED, "expired", key, klen);
    node_watch_key_expired(ud, key, klen);
    node_prop_expired(ud, key, klen);
}

/* An RDB saved with replication info lets the restarted node continue its
 * history (spec replication.md §8.3): a replica resumes with PSYNC from it;
 * a master keeps it as replid2 so its old replicas can resync partially. */
static void restore_repl_identity(struct node_server *srv, const struct node_persist_load_info *info)
{
    struct repl *r = srv->repl;
    memcpy(r->ids.replid, info->replid, sizeof(r->ids.replid));
    r->ids.offset = info->offset;
    repl_ids_clear2(&r->ids);
    if (!srv->cfg.replicaof_host) {
        char id[REPL_ID_LEN + 1];
        repl_random_id(id);
        repl_ids_shift(&r->ids, id);
    }
    repl_backlog_ensure(r);
    core_log(CORE_LOG_NOTICE, "Replication history restored from the RDB: %s:%lld", info->replid,
             (long long)info->offset);
}

/* dir/dbfilename at start-up: a file that cannot be loaded whole stops the
 * server (never serve half a dataset). */
static int load_dataset(struct node_server *srv)
{
    struct node_persist_load_info info;
    char err[256];
    int64_t start_us = core_mono_us();
    if (node_persist_load_startup(srv, &info, err, sizeof(err)) < 0) {
        core_log(CORE_LOG_WARNING, "Fatal error loading the DB: %s. Exiting.", err);
        return -1;
    }
    if (node_ks_size(srv->ks) > 0)
        core_log(CORE_LOG_NOTICE, "DB loaded from disk: %.3f seconds",
                 (double)(core_mono_us() - start_us) / 1e6);
    if (info.has_repl)
        restore_repl_identity(srv, &info);
    return 0;
}

static int start(struct node_server *srv)
{
    core_log_set_level((enum core_log_level)srv->cfg.loglevel);
    int rc = core_log_set_file(srv->cfg.logfile);
    if (rc < 0) {
        fprintf(stderr, "Can't open the log file: %s\n", strerror(-rc));
        return rc;
    }
    banner(srv);
    if (srv->cfg.dir && chdir(srv->cfg.dir) < 0) {
        core_log(CORE_LOG_WARNING, "Can't chdir to '%s': %s", srv->cfg.dir, strerror(errno));
        return -errno;
    }
    adjust_fd_limit(srv);
    core_ticks_to_us(0); /* calibrates the command timer now, not on the first command */
    core_random_hex(srv->run_id, 40);
    srv->start_time_ms = core_time_ms();
    srv->stats.start_mono_us = core_mono_us();
    srv->stats.ops_last_ms = srv->start_time_ms;
    if (srv->cfg.cluster_enabled) {
        /* One dict per hash slot: a slot's keys are counted, listed and
         * dropped without touching the rest of the keyspace. */
        srv->ks = node_ks_new(SLOTS_COUNT);
        node_ks_set_dict_index(srv->ks, key_slot);
    } else {
        srv->ks = node_ks_new(1);
    }
    node_ks_set_expired_hook(srv->ks, on_key_expired, srv);
    node_obj_register(srv->ks);
    srv->loop = uv_default_loop();
    srv->repl = repl_new(srv);
    node_pause_init(srv);
    node_evict_init(srv);
    if (load_dataset(srv) < 0)
        return -EINVAL;
    if (srv->cfg.cluster_enabled && node_cluster_start(srv) < 0)
        return -EINVAL;
    srv->cfg.on_change = on_config_change;
    srv->cfg.on_change_ud = srv;
    rc = open_listeners(srv);
    if (rc < 0) {
        core_log(CORE_LOG_WARNING, "Failed listening on port %d (tcp), aborting.", srv->cfg.port);
        return rc;
    }
    remember_listen_config(srv);
    return 0;
}

static void init_handles(struct node_server *srv)
{
    uv_timer_init(srv->loop, &srv->cron);
    srv->cron.data = srv;
    uint64_t period = (uint64_t)(1000 / srv->cfg.hz);
    uv_timer_start(&srv->cron, on_cron, period, period);
    uv_prepare_init(srv->loop, &srv->before_poll);
    srv->before_poll.data = srv;
    uv_prepare_start(&srv->before_poll, on_before_poll);
    uv_signal_init(srv->loop, &srv->sigterm);
    srv->sigterm.data = srv;
    uv_signal_start(&srv->sigterm, on_signal, SIGTERM);
    uv_signal_init(srv->loop, &srv->sigint);
    srv->sigint.data = srv;
    uv_signal_start(&srv->sigint, on_signal, SIGINT);
    signal(SIGPIPE, SIG_IGN);
}

static void walk_close(uv_handle_t *h, void *arg)
{
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

static void shutdown_server(struct node_server *srv)
{
    core_log(CORE_LOG_WARNING, "User requested shutdown...");
    if (srv->cfg.pidfile && srv->cfg.pidfile[0])
        unlink(srv->cfg.pidfile);
    /* Clients are closed through their own close callbacks so their memory
     * is released; everything else needs no callback. */
    if (node_child_running(srv) != NODE_CHILD_NONE)
        node_child_kill(srv);
    if (!srv->shutdown_done_save)
        node_persist_shutdown_save(srv, false);
    for (struct node_client *c = srv->clients; c; c = c->next)
        node_client_close(c, true);
    if (srv->gossip) {
        const char *err = NULL;
        if (node_cluster_save(srv, true, &err) < 0)
            core_log(CORE_LOG_WARNING, "Can't save the cluster config on shutdown: %s", err);
        node_cluster_stop(srv);
    }
    uv_walk(srv->loop, walk_close, NULL);
    uv_run(srv->loop, UV_RUN_DEFAULT);
    uv_loop_close(srv->loop);
    repl_free(srv->repl);
    node_pause_free(srv);
    node_migrate_free(srv);
    node_prop_free(srv);
    node_persist_free(srv);
    node_block_free(srv);
    node_pubsub_free(srv);
    node_evict_free(srv);
    node_ks_free(srv->ks);
    core_log(CORE_LOG_WARNING, "shoal is now ready to exit, bye bye...");
}

int node_server_run(struct node_server *srv)
{
    int rc = start(srv);
    if (rc < 0)
        return 1;
    init_handles(srv);
    write_pidfile(srv);
    core_log(CORE_LOG_NOTICE, "Server initialized");
    core_log(CORE_LOG_NOTICE, "Ready to accept connections tcp");
    while (!srv->shutdown_asap)
        uv_run(srv->loop, UV_RUN_DEFAULT);
    shutdown_server(srv);
    return 0;
}
