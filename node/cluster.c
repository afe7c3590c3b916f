/*
 * cluster.c — cluster mode's environment: nodes.conf, the lock, the bus.
 *
 * nodes.conf is written to "<file>.tmp-<pid>" and renamed over the file, so
 * a process crash leaves the old or the new file, never half of one; saves
 * flagged for fsync (epochs, votes) also fsync the file and its directory,
 * so those survive power loss too. The lock is an flock() on "<file>.lock",
 * a file that is never renamed, so it keeps guarding across saves; a
 * second process with the same cluster-config-file refuses to start.
 */
#include "node/block.h"
#include "node/pubsub.h"
#include "node/watch.h"
#include "node/cluster.h"
#include "gossip/gossip_bus.h"
#include "gossip/gossip_conf.h"
#include "node/core/core.h"
#include "node/core/core_log.h"
#include "node/node_int.h"
#include "node/pause.h"
#include "node/repl.h"

#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* nodes.conf larger than this is refused at load (a peer can't grow it:
 * the node table is bounded by GOSSIP_NODES_MAX). */
#define CONF_FILE_MAX (64u * 1024 * 1024)

const char *node_cluster_endpoint(const struct node_server *srv, const struct gossip_node *n)
{
    switch (srv->cfg.cluster_preferred_endpoint_type) {
    case 1:
        return n->hostname[0] ? n->hostname : "?";
    case 2:
        return NULL;
    default:
        return n->ip;
    }
}

static int64_t env_now_ms(void *ud)
{
    return core_time_ms();
}

static void env_random(void *ud, void *buf, size_t len)
{
    core_random_bytes(buf, len);
}

static int env_connect(void *ud, struct gossip_link *link)
{
    struct node_server *srv = ud;
    return gossip_bus_connect(srv->bus, link);
}

static void env_send(void *ud, struct gossip_link *link, const uint8_t *buf, size_t len)
{
    struct node_server *srv = ud;
    gossip_bus_send(srv->bus, link, buf, len);
}

static void env_close(void *ud, struct gossip_link *link)
{
    struct node_server *srv = ud;
    gossip_bus_close(srv->bus, link);
}

static void env_save(void *ud, bool do_fsync)
{
    const char *err = NULL;
    if (node_cluster_save(ud, do_fsync, &err) < 0) {
        /* As Redis: a node that cannot persist its view must not go on. */
        core_log(CORE_LOG_WARNING, "Fatal: can't update cluster config file: %s", err);
        exit(1);
    }
}

static void env_log(void *ud, enum core_log_level level, const char *msg)
{
    core_log(level, "%s", msg);
}

static void env_slots_lost(void *ud, const struct slots_bitmap *slots)
{
    struct node_server *srv = ud;
    size_t removed = 0;
    node_watch_before_flush(srv, slots); /* EXEC fails for a key that migrated away */
    for (int s = slots_bitmap_next(slots, 0); s >= 0; s = slots_bitmap_next(slots, s + 1))
        removed += node_ks_dict_flush(srv->ks, (unsigned)s);
    node_pubsub_slots_lost(srv, slots);
    node_block_cluster_changed(srv);
    if (removed)
        core_log(CORE_LOG_NOTICE, "Deleted %zu keys from slots this node no longer owns", removed);
}

/* A PUBLISH or PUBLISHSHARD another node's client sent: to my subscribers. */
static void env_publish(void *ud, bool shard, const uint8_t *channel, size_t channel_len, const uint8_t *message,
                        size_t message_len)
{
    node_pubsub_publish(ud, shard, (const char *)channel, channel_len, (const char *)message, message_len);
}

/* The gossip layer made me a replica of master (or a master again): point
 * replication at it. */
static void env_master_changed(void *ud, const struct gossip_node *master)
{
    struct node_server *srv = ud;
    if (!master) {
        repl_set_master(srv->repl, NULL, 0);
        return;
    }
    core_log(CORE_LOG_NOTICE, "Configured to replicate %.40s at %s:%d", master->id, master->ip, master->port);
    repl_set_master(srv->repl, master->ip, master->port);
}

static int64_t env_repl_offset(void *ud)
{
    struct node_server *srv = ud;
    return repl_is_replica(srv->repl) ? repl_replica_offset(srv->repl) : srv->repl->ids.offset;
}

static int64_t env_repl_data_age_ms(void *ud)
{
    struct node_server *srv = ud;
    return repl_replica_data_age_ms(srv->repl, core_time_ms());
}

/* The master side of a manual failover: only the failover's own pause,
 * which CLIENT UNPAUSE does not lift. */
static void env_pause_writes(void *ud, int64_t until_ms)
{
    struct node_server *srv = ud;
    node_pause_failover(srv, until_ms);
}

int64_t node_cluster_repl_offset(const struct node_server *srv, const struct gossip_node *n)
{
    /* Gossip never advertises to myself: my own offset is the live one. */
    if (n == srv->gossip->myself)
        return env_repl_offset((void *)srv);
    return n->repl_offset;
}

int node_cluster_bus_port(const struct node_server *srv)
{
    return srv->cfg.cluster_port ? srv->cfg.cluster_port : srv->cfg.port + 10000;
}

static void fill_config(const struct node_server *srv, struct gossip_config *gc)
{
    memset(gc, 0, sizeof(*gc));
    gc->node_timeout_ms = srv->cfg.cluster_node_timeout_ms;
    gc->port = (uint16_t)(srv->cfg.cluster_announce_port ? srv->cfg.cluster_announce_port : srv->cfg.port);
    gc->cport = (uint16_t)(srv->cfg.cluster_announce_bus_port ? srv->cfg.cluster_announce_bus_port
                                                                 : node_cluster_bus_port(srv));
    if (srv->cfg.cluster_announce_ip)
        snprintf(gc->announce_ip, sizeof(gc->announce_ip), "%s", srv->cfg.cluster_announce_ip);
    if (srv->cfg.cluster_announce_hostname)
        snprintf(gc->hostname, sizeof(gc->hostname), "%s", srv->cfg.cluster_announce_hostname);
    gc->require_full_coverage = srv->cfg.cluster_require_full_coverage;
    gc->allow_replica_migration = srv->cfg.cluster_allow_replica_migration;
    gc->replica_no_failover = srv->cfg.cluster_replica_no_failover;
    gc->replica_validity_factor = srv->cfg.cluster_replica_validity_factor;
    gc->migration_barrier = srv->cfg.cluster_migration_barrier;
    gc->repl_ping_period_ms = (int64_t)srv->cfg.repl_ping_replica_period * 1000;
}

static int write_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int fsync_dir_of(const char *path)
{
    char *copy = core_strndup(path, strlen(path));
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY);
    core_free(copy);
    if (fd < 0)
        return -errno;
    int rc = fsync(fd) < 0 ? -errno : 0;
    close(fd);
    return rc;
}

int node_cluster_save(struct node_server *srv, bool do_fsync, const char **err)
{
    struct gossip_conf conf;
    gossip_conf_init(&conf);
    gossip_persist_build(srv->gossip, &conf);
    char *text = NULL;
    size_t len = 0;
    int rc = gossip_conf_format(&conf, &text, &len);
    gossip_conf_free(&conf);
    if (rc < 0) {
        *err = "can't format the cluster configuration";
        return rc;
    }
    const char *path = srv->cfg.cluster_config_file;
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s.tmp-%d", path, (int)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    rc = fd < 0 ? -errno : write_all(fd, text, len);
    /* The rename keeps a process crash from ever leaving half a file. The
     * fsyncs are for power loss, and cost a disk flush per save: only saves
     * that must survive one ask for them (epochs, votes, roles: what Redis
     * fsyncs), not SETSLOT's, which a reshard sends thousands of. */
    if (rc == 0 && do_fsync && fsync(fd) < 0)
        rc = -errno;
    if (fd >= 0)
        close(fd);
    if (rc == 0 && rename(tmp, path) < 0)
        rc = -errno;
    if (rc == 0 && do_fsync)
        rc = fsync_dir_of(path);
    core_free(text);
    if (rc < 0) {
        unlink(tmp);
        *err = strerror(-rc);
    }
    return rc;
}

static int take_lock(struct node_server *srv)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s.lock", srv->cfg.cluster_config_file);
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        core_log(CORE_LOG_WARNING, "Can't open %s in order to acquire a lock: %s", path, strerror(errno));
        return -errno;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        int e = errno;
        core_log(CORE_LOG_WARNING, "Sorry, the cluster configuration file %s is already used by a different Redis "
                 "Cluster node. Please make sure that different nodes use different cluster configuration files.",
                 srv->cfg.cluster_config_file);
        close(fd);
        return -e;
    }
    srv->cluster_lock_fd = fd; /* held, never closed, for the process's life */
    return 0;
}

/* Returns 1 if a configuration was loaded, 0 if there was none, <0 on error. */
static int load_conf(struct node_server *srv)
{
    const char *path = srv->cfg.cluster_config_file;
    FILE *f = fopen(path, "r");
    if (!f)
        return errno == ENOENT ? 0 : -errno;
    struct stat st;
    if (fstat(fileno(f), &st) < 0 || st.st_size < 0 || (size_t)st.st_size > CONF_FILE_MAX) {
        fclose(f);
        core_log(CORE_LOG_WARNING, "Unrecoverable error: can't read %s (too large or unreadable)", path);
        return -EIO;
    }
    size_t want = (size_t)st.st_size;
    char *text = core_malloc(want + 1);
    size_t len = fread(text, 1, want + 1, f);
    bool failed = ferror(f) || len > want;
    fclose(f);
    if (failed) {
        core_free(text);
        core_log(CORE_LOG_WARNING, "Unrecoverable error: can't read %s (changed while reading)", path);
        return -EIO;
    }
    struct gossip_conf conf;
    gossip_conf_init(&conf);
    struct gossip_conf_err err = {0};
    int rc = gossip_conf_parse(text, len, &conf, &err);
    core_free(text);
    if (rc == -ENODATA)
        return 0;
    if (rc == 0)
        rc = gossip_persist_load(srv->gossip, &conf);
    gossip_conf_free(&conf);
    if (rc < 0) {
        core_log(CORE_LOG_WARNING, "Unrecoverable error: corrupted cluster config file \"%s\": %s", path,
                 rc == -EINVAL ? "no myself node" : rc == -E2BIG ? "too many nodes" : err.text);
        return rc;
    }
    return 1;
}

static void on_cluster_cron(uv_timer_t *t)
{
    struct node_server *srv = t->data;
    gossip_tick(srv->gossip);
}

/* Nothing to do here: the loop iteration it ends runs before_sleep. */
static void on_cluster_wakeup(uv_timer_t *t)
{
    (void)t;
}

void node_cluster_before_sleep(struct node_server *srv)
{
    gossip_before_sleep(srv->gossip);
    node_pubsub_cluster_check(srv); /* shard channels whose slot moved (pubsub.h) */
    int64_t at = gossip_wakeup_ms(srv->gossip);
    if (at == 0) {
        uv_timer_stop(&srv->cluster_wakeup);
        return;
    }
    int64_t now = core_time_ms();
    uv_timer_start(&srv->cluster_wakeup, on_cluster_wakeup, (uint64_t)(at > now ? at - now : 0), 0);
}

int node_cluster_start(struct node_server *srv)
{
    struct gossip_config gc;
    fill_config(srv, &gc);
    struct gossip_env env = {
        .ud = srv,
        .now_ms = env_now_ms,
        .random_bytes = env_random,
        .connect = env_connect,
        .send = env_send,
        .close = env_close,
        .save_config = env_save,
        .log = env_log,
        .slots_lost = env_slots_lost,
        .master_changed = env_master_changed,
        .publish = env_publish,
        .repl_offset = env_repl_offset,
        .repl_data_age_ms = env_repl_data_age_ms,
        .pause_writes = env_pause_writes,
    };
    int rc = take_lock(srv);
    if (rc < 0)
        return rc;
    srv->bus = gossip_bus_new(srv->loop);
    srv->gossip = gossip_new(&gc, &env);
    gossip_bus_attach(srv->bus, srv->gossip);
    rc = load_conf(srv);
    if (rc < 0)
        return rc;
    if (rc == 0)
        core_log(CORE_LOG_NOTICE, "No cluster configuration found, I'm %s", srv->gossip->myself->id);
    else
        core_log(CORE_LOG_NOTICE, "Node configuration loaded, I'm %.40s", srv->gossip->myself->id);
    const char *err = NULL;
    if (node_cluster_save(srv, true, &err) < 0) {
        core_log(CORE_LOG_WARNING, "Fatal: can't update cluster config file: %s", err);
        return -EIO;
    }
    rc = gossip_bus_listen(srv->bus, (const char *const *)srv->cfg.bind, srv->cfg.bind_count, node_cluster_bus_port(srv),
                           srv->cfg.tcp_backlog);
    if (rc < 0)
        return rc;
    uv_timer_init(srv->loop, &srv->cluster_cron);
    srv->cluster_cron.data = srv;
    uv_timer_start(&srv->cluster_cron, on_cluster_cron, GOSSIP_TICK_MS, GOSSIP_TICK_MS);
    uv_timer_init(srv->loop, &srv->cluster_wakeup);
    srv->cluster_wakeup.data = srv;
    return 0;
}

void node_cluster_config_changed(struct node_server *srv)
{
    if (!srv->gossip)
        return;
    struct gossip_config gc;
    fill_config(srv, &gc);
    gossip_config_apply(srv->gossip, &gc);
    gossip_todo(srv->gossip, GOSSIP_TODO_UPDATE_STATE);
}

void node_cluster_stop(struct node_server *srv)
{
    if (!srv->gossip)
        return;
    gossip_free(srv->gossip);
    srv->gossip = NULL;
    gossip_bus_free(srv->bus);
    srv->bus = NULL;
}
