/*
 * repl_replica.c — this node as a replica (spec replication.md §6, §8, §9,
 * §10, §12-§14): REPLICAOF / SLAVEOF and CLUSTER REPLICATE, the link's
 * states and promotion, the cached master that makes a reconnection cost
 * only the missed bytes, the master client's applied offset (a MULTI is held
 * until its EXEC) and the applied bytes forwarded to the backlog and
 * sub-replicas, REPLCONF ACK once per second, the replica timeouts, and the
 * replica forms of INFO replication and ROLE.
 *
 * Does not own: one sync attempt (repl_replica_sync.c), the shared ids and
 * backlog rules (repl.c), sub-replicas (repl_master.c), executing the
 * master's commands (client.c, dispatch.c).
 *
 * BEHAVIOR on failure: a failed attempt is retried by the cron within a
 * second; a lost master link (network, CLIENT KILL TYPE master, timeout) is
 * cached and reconnected at once with PSYNC <replid> <offset+1>. A master
 * that answers PSYNC with an error gets the old SYNC (spec §3.2). The
 * stream must stay in DB 0 (shoal has one database): a SELECT of another
 * DB drops the link and its cached state, so the next sync is a full one.
 */
#include "node/block.h"
#include "gossip/gossip.h"
#include "node/commands.h"
#include "node/repl_replica_int.h"
#include "node/server.h"
#include "node/text.h"
#include "node/util.h"
#include "node/core/core.h"
#include "node/core/core_log.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* A MULTI from the master is held whole until EXEC; the master is trusted,
 * but its size still has a bound. */
#define REPL_REPLICA_MULTI_MAX (512LL * 1024 * 1024)

static struct repl_replica_state *state_of(const struct repl *r)
{
    return r->r;
}

static void log_client(const char *fmt, const struct node_client *c, const char *what)
{
    char info[160];
    snprintf(info, sizeof(info), "id=%llu addr=%s laddr=%s fd=%d name=%s", (unsigned long long)c->id, c->addr,
             c->laddr, c->fd, c->name ? c->name : "");
    if (what)
        core_log(CORE_LOG_NOTICE, fmt, what, info);
    else
        core_log(CORE_LOG_NOTICE, fmt, info);
}

static void cache_link(struct repl *r)
{
    struct repl_replica_state *st = state_of(r);
    core_log(CORE_LOG_NOTICE, "Caching the disconnected master state.");
    st->cached.valid = true;
    memcpy(st->cached.replid, r->ids.replid, sizeof(st->cached.replid));
    st->cached.reploff = st->reploff;
}

/* A master turning replica PSYNCs with its own history (spec §8.1). */
static void cache_myself(struct repl *r)
{
    struct repl_replica_state *st = state_of(r);
    core_log(CORE_LOG_NOTICE, "Before turning into a replica, using my own master parameters to synthesize a "
             "cached master: I may be able to synchronize with the new master with just a partial transfer.");
    st->cached.valid = true;
    memcpy(st->cached.replid, r->ids.replid, sizeof(st->cached.replid));
    st->cached.reploff = r->ids.offset;
}

const struct repl_cached_master *repl_replica__cached(const struct repl *r)
{
    const struct repl_replica_state *st = state_of(r);
    return st->cached.valid ? &st->cached : NULL;
}

void repl_replica__discard_cached(struct repl *r)
{
    struct repl_replica_state *st = state_of(r);
    if (!st->cached.valid)
        return;
    core_log(CORE_LOG_NOTICE, "Discarding previously cached master state.");
    st->cached.valid = false;
}

void repl_replica__set_state(struct repl *r, enum repl_link_state state)
{
    state_of(r)->state = state;
}

static void connect_now(struct repl *r)
{
    struct repl_replica_state *st = state_of(r);
    core_assert(st->host && !st->sync && !st->master);
    st->sync = repl_replica_sync__start(r);
    st->state = st->sync ? REPL_LINK_CONNECTING : REPL_LINK_CONNECT;
}

static void cancel_sync(struct repl *r)
{
    struct repl_replica_state *st = state_of(r);
    if (st->sync) {
        repl_replica_sync__abort(st->sync);
        st->sync = NULL;
    }
    if (st->state != REPL_LINK_CONNECTED)
        st->state = st->host ? REPL_LINK_CONNECT : REPL_LINK_NONE;
}

/* Closes the master client; cache: remember it for PSYNC. The close
 * callback that follows finds st->master NULL and does nothing. */
static void drop_link(struct repl *r, bool cache)
{
    struct repl_replica_state *st = state_of(r);
    struct node_client *c = st->master;
    if (!c)
        return;
    core_log(CORE_LOG_WARNING, "Connection with master lost.");
    st->master = NULL;
    if (cache && !st->pre_psync)
        cache_link(r);
    st->multi_len = 0;
    st->down_since_ms = core_time_ms();
    st->state = st->host ? REPL_LINK_CONNECT : REPL_LINK_NONE;
    node_client_close(c, true);
}

static void reconnect_now(struct repl *r, const char *why)
{
    struct repl_replica_state *st = state_of(r);
    if (!st->host || st->sync || st->master || r->srv->shutdown_asap)
        return;
    core_log(CORE_LOG_NOTICE, "Reconnecting to MASTER %s:%d%s", st->host, st->port, why);
    connect_now(r);
}

void repl_replica_client_closed(struct repl *r, struct node_client *c)
{
    struct repl_replica_state *st = state_of(r);
    if (!st || !c || c != st->master)
        return;
    core_log(CORE_LOG_WARNING, "Connection with master lost.");
    st->master = NULL;
    /* As Redis: a link that broke the protocol is not resumed. */
    if (!(c->flags & NODE_CLIENT_PROTOCOL_ERROR) && !st->pre_psync)
        cache_link(r);
    st->multi_len = 0;
    st->down_since_ms = core_time_ms();
    st->state = REPL_LINK_CONNECT;
    reconnect_now(r, "");
}

void repl_replica__sync_failed(struct repl *r)
{
    struct repl_replica_state *st = state_of(r);
    st->sync = NULL;
    st->state = st->host ? REPL_LINK_CONNECT : REPL_LINK_NONE;
}

void repl_replica__attach_new_master(struct repl *r)
{
    repl_replica__discard_cached(r);
    repl_disconnect_replicas(r);
    /* A new history starts: the old backlog cannot serve anybody. */
    if (r->backlog) {
        repl_backlog_free(r->backlog);
        r->backlog = NULL;
    }
}

static void send_ack(struct repl *r)
{
    struct repl_replica_state *st = state_of(r);
    char num[24], buf[80];
    int nlen = snprintf(num, sizeof(num), "%lld", (long long)st->reploff);
    int len = snprintf(buf, sizeof(buf), "*3\r\n$8\r\nREPLCONF\r\n$3\r\nACK\r\n$%d\r\n%s\r\n", nlen, num);
    node_out_append(&st->master->out, buf, (size_t)len);
    node_client_write_now(st->master);
}

/* Full sync: the master's history replaces ours (spec §4.3 step 5). */
static void adopt_full(struct repl *r, const struct repl_sync_result *res)
{
    struct repl_replica_state *st = state_of(r);
    if (repl_id_valid(res->replid, strlen(res->replid))) {
        repl_ids_change(&r->ids, res->replid);
    } else {
        /* No usable id (malformed +FULLRESYNC, or SYNC): one that no
         * master knows, so the next PSYNC cannot match by accident. */
        char id[REPL_ID_LEN + 1];
        repl_random_id(id);
        repl_ids_change(&r->ids, id);
    }
    r->ids.offset = res->offset;
    st->reploff = res->offset;
    repl_backlog_ensure(r);
    core_assert(r->backlog->offset == r->ids.offset && r->backlog->histlen == 0);
}

/* +CONTINUE: resume the cached master; a new id shifts ours (spec §3.2). */
static void adopt_continue(struct repl *r, const struct repl_sync_result *res)
{
    struct repl_replica_state *st = state_of(r);
    core_assert(st->cached.valid);
    st->reploff = st->cached.reploff;
    if (r->ids.offset != st->reploff && r->backlog) {
        /* Our stream moved on without the master (not expected): the
         * backlog no longer matches the offset we resume from. */
        repl_backlog_free(r->backlog);
        r->backlog = NULL;
    }
    r->ids.offset = st->reploff;
    memcpy(r->ids.replid, st->cached.replid, sizeof(r->ids.replid));
    if (res->replid[0] && strcmp(res->replid, st->cached.replid) != 0) {
        core_log(CORE_LOG_WARNING, "Master replication ID changed to %s", res->replid);
        repl_ids_shift(&r->ids, res->replid);
        repl_disconnect_replicas(r);
    }
    st->cached.valid = false;
    repl_backlog_ensure(r);
    core_assert(r->ids.offset == st->reploff && r->backlog->offset == r->ids.offset);
    core_log(CORE_LOG_NOTICE, "MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.");
}

void repl_replica__synced(struct repl *r, int fd, const struct repl_sync_result *res, const char *extra,
                          size_t extra_len)
{
    struct repl_replica_state *st = state_of(r);
    core_assert(st->host && st->sync && !st->master);
    st->sync = NULL;
    if (res->full)
        adopt_full(r, res);
    else
        adopt_continue(r, res);
    struct node_client *c = node_client_adopt_fd(r->srv, fd, NODE_CLIENT_MASTER);
    if (!c) {
        core_log(CORE_LOG_WARNING, "Can't create the master client: retrying");
        if (!res->pre_psync)
            cache_link(r);
        st->state = REPL_LINK_CONNECT;
        return;
    }
    st->master = c;
    st->state = REPL_LINK_CONNECTED;
    st->pre_psync = res->pre_psync;
    st->multi_len = 0;
    st->down_since_ms = 0;
    c->last_interaction_ms = core_time_ms();
    /* The EOF form's master waits for this ACK before streaming (spec §4.2). */
    if (res->full && res->eof_form && !st->pre_psync)
        send_ack(r);
    node_client_feed(c, extra, extra_len);
}

/* As Redis when the role changes: blocked clients get an error and go. */
static void unblock_all(struct node_server *srv)
{
    for (struct node_client *c = srv->clients; c; c = c->next) {
        /* A postponed client is not waiting on the role: it stays paused (as Redis). */
        if (!(c->flags & NODE_CLIENT_BLOCKED) || (c->flags & (NODE_CLIENT_CLOSING | NODE_CLIENT_POSTPONED)))
            continue;
        /* WAIT must forget it now: once unblocked, its close no longer does. */
        repl_master_client_closed(srv->repl, c);
        node_block_client_closed(c); /* and so must its key queues (BLPOP ...) */
        node_reply_error(&c->out, "UNBLOCKED force unblock from blocking operation, instance state changed "
                                  "(master -> replica?)");
        node_client_unblock(c);
        node_client_close(c, false);
    }
}

/* REPLICAOF NO ONE / promotion by the cluster (spec §8.1). */
static void unset_master(struct repl *r)
{
    struct repl_replica_state *st = state_of(r);
    if (!st->host)
        return;
    core_free(st->host);
    st->host = NULL;
    drop_link(r, true); /* cached, then discarded: the log lines Redis prints */
    repl_replica__discard_cached(r);
    cancel_sync(r);
    repl_shift_replid(r); /* logs "Setting secondary replication ID ..." */
    repl_disconnect_replicas(r);
    st->state = REPL_LINK_NONE;
    st->pre_psync = false;
    r->stream_db = -1;
    node_ks_set_expire_mode(r->srv->ks, NODE_KS_EXPIRE_DELETE);
    core_log_set_role('M');
}

/* CONFIG GET replicaof and CONFIG REWRITE follow REPLICAOF at runtime, as Redis. */
static void remember_in_config(struct repl *r, const char *host, int port)
{
    struct node_config *cfg = &r->srv->cfg;
    if (host == cfg->replicaof_host)
        return;
    char *copy = host ? core_strndup(host, strlen(host)) : NULL;
    core_free(cfg->replicaof_host);
    cfg->replicaof_host = copy;
    cfg->replicaof_port = host ? port : 0;
}

void repl_set_master(struct repl *r, const char *host, int port)
{
    struct repl_replica_state *st = state_of(r);
    remember_in_config(r, host, port);
    if (!host) {
        unset_master(r);
        return;
    }
    bool was_master = st->host == NULL;
    core_free(st->host);
    st->host = NULL;
    drop_link(r, true);
    unblock_all(r->srv);
    st->host = core_strndup(host, strlen(host));
    st->port = port;
    cancel_sync(r);
    if (was_master) {
        repl_replica__discard_cached(r);
        cache_myself(r);
    }
    st->restore_check = false;
    /* From now on only the master's DELs remove expired keys (spec §5.1). */
    node_ks_set_expire_mode(r->srv->ks, NODE_KS_EXPIRE_HIDE);
    core_log_set_role('S');
    st->state = REPL_LINK_CONNECT;
    core_log(CORE_LOG_NOTICE, "Connecting to MASTER %s:%d", st->host, st->port);
    connect_now(r);
}

static bool hold(struct repl_replica_state *st, const char *bytes, size_t len)
{
    if ((long long)(st->multi_len + len) > REPL_REPLICA_MULTI_MAX)
        return false;
    if (st->multi_len + len > st->multi_cap) {
        st->multi_cap = CORE_MAX(st->multi_cap * 2, st->multi_len + len);
        st->multi_buf = core_realloc(st->multi_buf, st->multi_cap);
    }
    memcpy(st->multi_buf + st->multi_len, bytes, len);
    st->multi_len += len;
    return true;
}

/* Applied bytes count and go on verbatim to our backlog and sub-replicas,
 * so the whole chain shares ids and offsets (spec §5.2). */
static void forward(struct repl *r, const char *bytes, size_t len)
{
    struct repl_replica_state *st = state_of(r);
    st->reploff += (int64_t)len;
    repl_feed(r, bytes, len);
    if (!r->backlog)
        r->ids.offset = st->reploff;
    core_assert(r->ids.offset == st->reploff);
}

/* SELECT <db> with db != 0: shoal has one database. */
static bool selects_other_db(const struct node_client *c)
{
    if (c->argc != 2 || c->argl[0] != 6 || strncasecmp(c->argv[0], "select", 6) != 0)
        return false;
    long long db;
    return !node_util_parse_ll(c->argv[1], c->argl[1], &db) || db != 0;
}

void repl_master_applied(struct repl *r, struct node_client *c, const char *bytes, size_t len)
{
    struct repl_replica_state *st = state_of(r);
    if (c != st->master)
        return;
    if (selects_other_db(c)) {
        core_log(CORE_LOG_WARNING, "The MASTER selected DB %.*s: shoal has only DB 0. Dropping the link; the next "
                 "sync will be a full one.", (int)CORE_MIN(c->argl[1], (size_t)32), c->argv[1]);
        drop_link(r, false);
        return;
    }
    if ((c->flags & NODE_CLIENT_MULTI) || st->multi_len > 0) {
        if (!hold(st, bytes, len)) {
            core_log(CORE_LOG_WARNING, "A MULTI from the MASTER exceeds %lld bytes: dropping the link",
                     REPL_REPLICA_MULTI_MAX);
            drop_link(r, false);
            return;
        }
        if (c->flags & NODE_CLIENT_MULTI)
            return; /* the offset jumps at EXEC (spec §6) */
        forward(r, st->multi_buf, st->multi_len);
        st->multi_len = 0;
        return;
    }
    forward(r, bytes, len);
}

static void check_timeouts(struct repl *r, int64_t now_ms)
{
    struct repl_replica_state *st = state_of(r);
    int64_t limit_ms = (int64_t)r->srv->cfg.repl_timeout * 1000;
    if (st->sync && now_ms - repl_replica_sync__last_io_ms(st->sync) > limit_ms) {
        if (st->state == REPL_LINK_TRANSFER)
            core_log(CORE_LOG_WARNING, "Timeout receiving bulk data from MASTER... If the problem persists try to "
                     "set the 'repl-timeout' parameter in redis.conf to a larger value.");
        else
            core_log(CORE_LOG_WARNING, "Timeout connecting to the MASTER...");
        cancel_sync(r);
        reconnect_now(r, " after failure");
    }
    if (st->master && now_ms - st->master->last_interaction_ms > limit_ms) {
        core_log(CORE_LOG_WARNING, "MASTER timeout: no data nor PING received...");
        drop_link(r, true);
        reconnect_now(r, "");
    }
}

/* Start-up "replicaof": an RDB that carried our replication identity
 * (restored into ids together with a backlog before the first cron) lets
 * the first sync be partial (spec §8.3). */
static void restore_cached(struct repl *r)
{
    struct repl_replica_state *st = state_of(r);
    st->restore_check = false;
    if (!r->backlog || st->cached.valid)
        return;
    st->cached.valid = true;
    memcpy(st->cached.replid, r->ids.replid, sizeof(st->cached.replid));
    st->cached.reploff = r->ids.offset;
    st->reploff = r->ids.offset;
}

void repl_replica_cron(struct repl *r, int64_t now_ms)
{
    struct repl_replica_state *st = state_of(r);
    if (!st || !st->host || r->srv->shutdown_asap)
        return;
    int64_t second = now_ms / 1000;
    if (second == st->last_second)
        return;
    st->last_second = second;
    check_timeouts(r, now_ms);
    if (st->state == REPL_LINK_CONNECT && !st->sync && !st->master) {
        if (st->restore_check)
            restore_cached(r);
        core_log(CORE_LOG_NOTICE, "Connecting to MASTER %s:%d", st->host, st->port);
        connect_now(r);
    }
    if (st->master && !st->pre_psync && !(st->master->flags & NODE_CLIENT_CLOSING))
        send_ack(r);
}

void repl_replica_init(struct repl *r)
{
    struct repl_replica_state *st = core_calloc(1, sizeof(*st));
    r->r = st;
    const struct node_config *cfg = &r->srv->cfg;
    if (cfg->replicaof_host && cfg->replicaof_host[0] && !cfg->cluster_enabled) {
        /* Connect from the cron: the dataset (and maybe our identity) is
         * loaded after repl_new. */
        st->host = core_strndup(cfg->replicaof_host, strlen(cfg->replicaof_host));
        st->port = cfg->replicaof_port;
        st->state = REPL_LINK_CONNECT;
        st->restore_check = true;
        if (r->srv->ks)
            node_ks_set_expire_mode(r->srv->ks, NODE_KS_EXPIRE_HIDE);
        core_log_set_role('S');
    }
}

void repl_replica_free(struct repl *r)
{
    struct repl_replica_state *st = state_of(r);
    if (!st)
        return;
    if (st->sync)
        repl_replica_sync__free(st->sync);
    core_free(st->orphan); /* its handle was closed by the exit walk, the loop is done */
    core_free(st->host);
    core_free(st->multi_buf);
    core_free(st);
    r->r = NULL;
}

bool repl_is_replica(const struct repl *r)
{
    const struct repl_replica_state *st = state_of(r);
    return st && st->host != NULL;
}

bool repl_link_up(const struct repl *r)
{
    const struct repl_replica_state *st = state_of(r);
    return st && st->state == REPL_LINK_CONNECTED;
}

int64_t repl_replica_data_age_ms(const struct repl *r, int64_t now_ms)
{
    const struct repl_replica_state *st = state_of(r);
    if (!st || !st->host)
        return 0;
    int64_t since_ms;
    if (st->state == REPL_LINK_CONNECTED && st->master)
        since_ms = st->master->last_interaction_ms;
    else if (st->down_since_ms == 0)
        return INT64_MAX; /* never synced since REPLICAOF: as Redis, "down since ever" */
    else
        since_ms = st->down_since_ms;
    return now_ms > since_ms ? now_ms - since_ms : 0;
}

int64_t repl_replica_offset(const struct repl *r)
{
    const struct repl_replica_state *st = state_of(r);
    int64_t off = 0;
    if (st && st->host) {
        if (st->master)
            off = st->reploff;
        else if (st->cached.valid)
            off = st->cached.reploff;
    }
    return off < 0 ? 0 : off;
}

static const char *state_name(enum repl_link_state s)
{
    switch (s) {
    case REPL_LINK_NONE:
        return "none";
    case REPL_LINK_CONNECT:
        return "connect";
    case REPL_LINK_CONNECTING:
        return "connecting";
    case REPL_LINK_HANDSHAKE:
        return "handshake";
    case REPL_LINK_TRANSFER:
        return "sync";
    case REPL_LINK_CONNECTED:
        return "connected";
    }
    return "unknown";
}

void repl_replica_role(struct repl *r, struct node_out *out)
{
    const struct repl_replica_state *st = state_of(r);
    node_reply_array(out, 5);
    node_reply_bulk_cstr(out, "slave");
    node_reply_bulk_cstr(out, st->host ? st->host : "");
    node_reply_int(out, st->port);
    node_reply_bulk_cstr(out, state_name(st->state));
    node_reply_int(out, st->master ? st->reploff : -1);
}

/* What was read from the master: applied + held in a MULTI + not parsed yet. */
static void offsets(const struct repl_replica_state *st, long long *read, long long *applied)
{
    *read = *applied = 1; /* Redis's value with neither a master nor a cached one */
    if (st->master) {
        const struct node_client *c = st->master;
        *applied = st->reploff;
        *read = st->reploff + (long long)st->multi_len + (long long)(c->qlen - c->qpos);
    } else if (st->cached.valid) {
        *applied = *read = st->cached.reploff;
    }
}

void repl_replica_info(struct repl *r, struct node_text *t)
{
    const struct repl_replica_state *st = state_of(r);
    const struct node_config *cfg = &r->srv->cfg;
    int64_t now = core_time_ms();
    long long read, applied;
    offsets(st, &read, &applied);
    node_text_printf(t,
                     "master_host:%s\r\n"
                     "master_port:%d\r\n"
                     "master_link_status:%s\r\n"
                     "master_last_io_seconds_ago:%d\r\n"
                     "master_sync_in_progress:%d\r\n"
                     "slave_read_repl_offset:%lld\r\n"
                     "slave_repl_offset:%lld\r\n",
                     st->host ? st->host : "", st->port, st->state == REPL_LINK_CONNECTED ? "up" : "down",
                     st->master ? (int)(now / 1000 - st->master->last_interaction_ms / 1000) : -1,
                     st->state == REPL_LINK_TRANSFER, read, applied);
    if (st->state == REPL_LINK_TRANSFER && st->sync)
        repl_replica_sync__info(st->sync, t, now);
    if (st->state != REPL_LINK_CONNECTED)
        node_text_printf(t, "master_link_down_since_seconds:%lld\r\n",
                         st->down_since_ms ? (long long)(now / 1000 - st->down_since_ms / 1000) : -1LL);
    node_text_printf(t, "slave_priority:%d\r\nslave_read_only:%d\r\nreplica_announced:%d\r\n", cfg->replica_priority,
                     cfg->replica_read_only, cfg->replica_announced);
}

/* REPLICAOF host port | NO ONE (alias SLAVEOF), spec §14. */
void node_cmd_replicaof(struct node_client *c)
{
    struct node_server *srv = c->srv;
    struct repl *r = srv->repl;
    if (srv->cfg.cluster_enabled) {
        node_reply_error(&c->out, "ERR REPLICAOF not allowed in cluster mode.");
        return;
    }
    if (node_arg_is(c, 1, "no") && node_arg_is(c, 2, "one")) {
        if (repl_is_replica(r)) {
            repl_set_master(r, NULL, 0);
            log_client("MASTER MODE enabled (user request from '%s')", c, NULL);
        }
        node_reply_ok(&c->out);
        return;
    }
    if (c->flags & NODE_CLIENT_REPLICA) {
        node_reply_error(&c->out, "ERR Command is not valid when client is a replica.");
        return;
    }
    long long port;
    if (!node_util_parse_ll(c->argv[2], c->argl[2], &port) || port < 0 || port > 65535) {
        node_reply_error(&c->out, "ERR Invalid master port");
        return;
    }
    const struct repl_replica_state *st = state_of(r);
    if (st->host && strlen(st->host) == c->argl[1] && strncasecmp(st->host, c->argv[1], c->argl[1]) == 0 &&
        st->port == port) {
        core_log(CORE_LOG_NOTICE, "REPLICAOF would result into synchronization with the master we are already "
                 "connected with. No operation performed.");
        node_reply_simple(&c->out, "OK Already connected to specified master");
        return;
    }
    char *host = core_strndup(c->argv[1], c->argl[1]);
    repl_set_master(r, host, (int)port);
    char where[300];
    snprintf(where, sizeof(where), "%s:%d", host, (int)port);
    log_client("REPLICAOF %s enabled (user request from '%s')", c, where);
    core_free(host);
    node_reply_ok(&c->out);
}

/* CLUSTER REPLICATE <node-id>: checks and texts of Redis 7.0.15. */
void node_cmd_cluster_replicate(struct node_client *c)
{
    struct gossip *g = c->srv->gossip;
    if (!g) {
        node_reply_error(&c->out, "ERR This instance has cluster support disabled");
        return;
    }
    struct gossip_node *n = gossip_node_find(g, c->argv[2], c->argl[2]);
    if (!n) {
        node_reply_errorf(&c->out, "ERR Unknown node %.*s", (int)CORE_MIN(c->argl[2], (size_t)128), c->argv[2]);
        return;
    }
    if (n == g->myself) {
        node_reply_error(&c->out, "ERR Can't replicate myself");
        return;
    }
    if (gossip_node_is_replica(n)) {
        node_reply_error(&c->out, "ERR I can only replicate a master, not a replica.");
        return;
    }
    /* A master must give up nothing to follow another: no slots, no keys.
     * (A replica that was given slots is refused too: Redis 7.0.15 asserts.) */
    bool master = gossip_node_is_master(g->myself);
    if (g->myself->slot_count != 0 || (master && node_ks_size(c->srv->ks) != 0)) {
        node_reply_error(&c->out, "ERR To set a master the node must be empty and without assigned slots.");
        return;
    }
    gossip_node_replicate(g, n); /* saves nodes.conf before sleeping; master_changed -> repl_set_master */
    node_reply_ok(&c->out);
}
