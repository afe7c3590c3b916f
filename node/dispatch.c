/*
 * dispatch.c — from a parsed request to an executed command, in Redis 7.0's
 * check order (resp.md §6): HTTP guard, lookup, arity, authentication,
 * MULTI-forbidden, then queue inside MULTI or call.
 *
 * Owns: the pre-execution checks and their exact error texts, per-command
 * statistics, the output-buffer limits, and the small argument helpers that
 * command procs share. Does not own any command's semantics.
 */
#include "node/node_int.h"
#include "node/cluster.h"
#include "node/commands.h"
#include "node/block.h"
#include "node/core/core.h"
#include "node/evict.h"
#include "node/pause.h"
#include "node/persist.h"
#include "node/propagate.h"
#include "node/pubsub.h"
#include "node/repl.h"
#include "node/core/core_log.h"
#include "node/util.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Error texts echo at most this much of the client's input, as Redis does. */
#define ECHO_MAX 128

bool node_arg_is(const struct node_client *c, int i, const char *lit)
{
    size_t n = strlen(lit);
    return c->argl[i] == n && strncasecmp(c->argv[i], lit, n) == 0;
}

bool node_arg_ll(struct node_client *c, int i, long long *out, const char *err)
{
    if (node_util_parse_ll(c->argv[i], c->argl[i], out))
        return true;
    node_reply_error(&c->out, err ? err : NODE_ERR_NOT_INT);
    return false;
}

bool node_scan_parse_opts(struct node_client *c, int first, bool allow_type, struct node_scan_opts *o)
{
    *o = (struct node_scan_opts){.count = 10};
    for (int i = first; i < c->argc; i += 2) {
        bool has_value = c->argc - i >= 2;
        if (has_value && node_arg_is(c, i, "count")) {
            if (!node_arg_ll(c, i + 1, &o->count, NULL))
                return false;
            if (o->count < 1) {
                node_reply_error(&c->out, NODE_ERR_SYNTAX);
                return false;
            }
        } else if (has_value && node_arg_is(c, i, "match")) {
            bool all = c->argl[i + 1] == 1 && c->argv[i + 1][0] == '*';
            o->pat = all ? NULL : c->argv[i + 1];
            o->plen = c->argl[i + 1];
        } else if (has_value && allow_type && node_arg_is(c, i, "type")) {
            o->type = c->argv[i + 1];
            o->tlen = c->argl[i + 1];
        } else {
            node_reply_error(&c->out, NODE_ERR_SYNTAX);
            return false;
        }
    }
    return true;
}

void node_reply_arity_error(struct node_client *c)
{
    char name[128];
    node_cmd_fullname(c->cmd, name, sizeof(name));
    node_reply_errorf(&c->out, "ERR wrong number of arguments for '%s' command", name);
}

void node_reply_invalid_expire(struct node_client *c)
{
    char name[128];
    node_cmd_fullname(c->cmd, name, sizeof(name));
    node_reply_errorf(&c->out, "ERR invalid expire time in '%s' command", name);
}

static void container_upper(const struct node_client *c, char upper[64])
{
    size_t n = CORE_MIN(c->argl[0], 63);
    for (size_t i = 0; i < n; i++) {
        char ch = c->argv[0][i];
        upper[i] = (ch >= 'a' && ch <= 'z') ? (char)(ch - 32) : ch;
    }
    upper[n] = '\0';
}

void node_reply_subcommand_error(struct node_client *c)
{
    char upper[64];
    container_upper(c, upper);
    int sub = (int)CORE_MIN(c->argl[1], ECHO_MAX);
    node_reply_errorf(&c->out, "ERR unknown subcommand '%.*s'. Try %s HELP.", sub, c->argv[1], upper);
}

void node_reply_subcommand_args_error(struct node_client *c)
{
    char upper[64];
    container_upper(c, upper);
    int sub = (int)CORE_MIN(c->argl[1], ECHO_MAX);
    node_reply_errorf(&c->out, "ERR unknown subcommand or wrong number of arguments for '%.*s'. Try %s HELP.", sub,
                      c->argv[1], upper);
}

static void reply_unknown_command(struct node_client *c)
{
    char args[ECHO_MAX + 64];
    size_t used = 0;
    args[0] = '\0';
    for (int i = 1; i < c->argc && used < ECHO_MAX; i++) {
        int room = (int)(ECHO_MAX - used);
        int len = (int)CORE_MIN(c->argl[i], (size_t)room);
        used += (size_t)snprintf(args + used, sizeof(args) - used, "'%.*s' ", len, c->argv[i]);
    }
    int nlen = (int)CORE_MIN(c->argl[0], ECHO_MAX);
    node_reply_errorf(&c->out, "ERR unknown command '%.*s', with args beginning with: %s", nlen, c->argv[0],
                      args);
}

void node_server_dirty(struct node_server *srv, uint64_t n)
{
    srv->dirty += n;
}

/* How TTLs act for this command: a replica never deletes expired keys on
 * its own, and sees every key as live while applying its master's stream. */
static enum node_ks_expire_mode expire_mode(const struct node_client *c)
{
    /* Paused writes: deleting an expired key would move the replication
     * offset a failover is waiting on (Redis 7.0 hides it instead). */
    if (!repl_is_replica(c->srv->repl))
        return node_pause_writes_paused(c->srv) ? NODE_KS_EXPIRE_HIDE : NODE_KS_EXPIRE_DELETE;
    return (c->flags & NODE_CLIENT_MASTER) ? NODE_KS_EXPIRE_NONE : NODE_KS_EXPIRE_HIDE;
}

void node_call(struct node_client *c)
{
    const struct node_cmd *cmd = c->cmd;
    struct node_server *srv = c->srv;
    uint64_t errors_before = c->out.errors;
    uint64_t dirty_before = srv->dirty;
    node_ks_set_expire_mode(srv->ks, expire_mode(c));
    node_ks_set_touch_paused(srv->ks, node_child_running(srv) != NODE_CHILD_NONE);
    node_prop_begin(srv, c);
    uint64_t start = core_ticks();
    cmd->proc(c);
    node_server_slot_hint(NULL, 0, 0); /* the next command's bytes may sit at the same address */
    uint64_t took = core_ticks() - start;
    node_prop_end(srv, c, srv->dirty != dirty_before);
    c->woff = srv->repl->ids.offset;
    struct node_cmd_stats *st = node_cmd_stats(cmd);
    st->calls++;
    st->ticks += took;
    if (c->out.errors != errors_before)
        st->failed++;
    c->lastcmd = cmd;
    c->srv->stats.total_commands++;
}

/* A rejection before execution: counted, and it poisons an open MULTI.
 * EXEC itself rejected (in MULTI or not, as Redis) discards the transaction and says why,
 * as Redis: "EXECABORT Transaction discarded because of: <error>", where a
 * plain ERR loses its code and other codes (NOAUTH ...) keep theirs. */
static void reject(struct node_client *c, const struct node_cmd *cmd, const char *text)
{
    if (cmd)
        node_cmd_stats(cmd)->rejected++;
    if (cmd && cmd->proc == node_cmd_exec) {
        const char *why = strncmp(text, "ERR ", 4) == 0 ? text + 4 : text;
        node_reply_errorf(&c->out, "EXECABORT Transaction discarded because of: %s", why);
        node_multi_reset(c);
        return;
    }
    node_reply_error(&c->out, text);
    if (c->flags & NODE_CLIENT_MULTI)
        c->flags |= NODE_CLIENT_DIRTY_EXEC;
}

static bool arity_ok(const struct node_cmd *cmd, int argc)
{
    return cmd->arity > 0 ? argc == cmd->arity : argc >= -cmd->arity;
}

/* Finds the command (or subcommand) in argv; replies and returns NULL if none. */
static const struct node_cmd *lookup(struct node_client *c)
{
    const struct node_cmd *cmd = node_cmd_lookup(c->argv[0], c->argl[0]);
    if (!cmd) {
        reply_unknown_command(c);
        return NULL;
    }
    if (cmd->subcmds && c->argc >= 2) {
        const struct node_cmd *sub = node_cmd_lookup_sub(cmd, c->argv[1], c->argl[1]);
        if (!sub) {
            c->cmd = cmd;
            node_reply_subcommand_error(c);
            return NULL;
        }
        return sub;
    }
    return cmd;
}

static bool is_http_guard(const struct node_client *c)
{
    return node_arg_is(c, 0, "post") || node_arg_is(c, 0, "host:");
}

static bool may_run_in_multi(const struct node_cmd *cmd)
{
    /* WATCH runs, to refuse itself ("WATCH inside MULTI is not allowed"). */
    return cmd->proc == node_cmd_exec || cmd->proc == node_cmd_discard || cmd->proc == node_cmd_multi ||
           cmd->proc == node_cmd_watch || cmd->proc == node_cmd_quit || cmd->proc == node_cmd_reset;
}

static bool key_exists(void *ud, const char *key, size_t len)
{
    return node_ks_find(ud, key, len, NODE_KS_NOEXPIRE) != NULL;
}

/* Feeds one command's keys to the route scan; false once it has decided. */
static bool feed_keys(struct slots_route_scan *scan, const struct node_cmd *cmd, int argc, const char *const *argv,
                      const size_t *argl)
{
    if (cmd->getkeys) {
        /* Keys found by parsing (MIGRATE ... KEYS): at most one per argument. */
        int *idx = core_malloc((size_t)argc * sizeof(*idx));
        int n = node_cmd_get_keys(cmd, argc, (const char **)argv, argl, idx, argc);
        bool more = true;
        for (int i = 0; i < n && more; i++)
            more = slots_route_scan_key(scan, argv[idx[i]], argl[idx[i]]);
        core_free(idx);
        return more;
    }
    if (cmd->first_key <= 0)
        return true;
    int last = cmd->last_key < 0 ? argc + cmd->last_key : cmd->last_key;
    for (int i = cmd->first_key; i <= last && i < argc; i += cmd->key_step)
        if (!slots_route_scan_key(scan, argv[i], argl[i]))
            return false;
    return true;
}

static bool queued_write(const struct node_client *c)
{
    for (int i = 0; i < c->mcount; i++)
        if (c->mstate[i].cmd->flags & NODE_CMD_WRITE)
            return true;
    return false;
}

static void format_route_error(const struct node_server *srv, enum slots_route r, const struct slots_route_out *out,
                               char *text, size_t size)
{
    switch (r) {
    case SLOTS_MOVED:
    case SLOTS_ASK: {
        const struct gossip_node *n = gossip_node_at(srv->gossip, out->node);
        const char *endpoint = node_cluster_endpoint(srv, n);
        snprintf(text, size, "%s %d %s:%d", r == SLOTS_MOVED ? "MOVED" : "ASK", out->slot, endpoint ? endpoint : "",
                 n->port);
        break;
    }
    case SLOTS_CROSSSLOT:
        snprintf(text, size, "CROSSSLOT Keys in request don't hash to the same slot");
        break;
    case SLOTS_TRYAGAIN:
        snprintf(text, size, "TRYAGAIN Multiple keys request during rehashing of slot");
        break;
    case SLOTS_DOWN_UNBOUND:
        snprintf(text, size, "CLUSTERDOWN Hash slot not served");
        break;
    case SLOTS_DOWN_STATE:
        snprintf(text, size, "CLUSTERDOWN The cluster is down");
        break;
    case SLOTS_DOWN_READONLY_STATE:
        snprintf(text, size, "CLUSTERDOWN The cluster is down and only accepts read commands");
        break;
    case SLOTS_SERVE:
        core_assert(!"SERVE is not an error");
    }
}

/* Cluster mode: serve here, or reply the redirect/error and return false.
 * A redirected command inside MULTI poisons the transaction; a redirected
 * EXEC discards it and answers the redirect itself (not EXECABORT). */
static bool cluster_route(struct node_client *c, const struct node_cmd *cmd, int *ret_slot, const char **ret_key,
                          size_t *ret_len)
{
    struct gossip *g = c->srv->gossip;
    bool is_exec = cmd->proc == node_cmd_exec;
    if (is_exec ? !(c->flags & NODE_CLIENT_MULTI) : cmd->first_key <= 0 && !cmd->getkeys)
        return true;
    const struct gossip_node *me = g->myself;
    struct slots_route_req req = {
        .map = &g->map,
        .myself = me->index,
        .my_master = me->master ? me->master->index : SLOTS_NODE_NONE,
        .cluster_ok = g->state_ok,
        .allow_reads_when_down = c->srv->cfg.cluster_allow_reads_when_down,
        .allow_pubsubshard_when_down = true,
        .is_write = is_exec ? queued_write(c) : (cmd->flags & NODE_CMD_WRITE) != 0,
        .is_exec = is_exec,
        .is_migrate = cmd->proc == node_cmd_migrate,
        .is_pubsubshard = cmd->proc == node_cmd_ssubscribe || cmd->proc == node_cmd_sunsubscribe ||
                          cmd->proc == node_cmd_spublish,
        .cmd_asking = (cmd->flags & NODE_CMD_ASKING) != 0,
        .client_asking = (c->flags & NODE_CLIENT_ASKING) != 0,
        .client_readonly = (c->flags & NODE_CLIENT_READONLY) != 0,
        .key_exists = key_exists,
        .key_exists_ud = c->srv->ks,
    };
    struct slots_route_scan scan;
    slots_route_scan_init(&scan, &req);
    if (!is_exec) {
        feed_keys(&scan, cmd, c->argc, c->argv, c->argl);
    } else {
        for (int i = 0; i < c->mcount; i++) {
            const struct node_multi_cmd *m = &c->mstate[i];
            if (!feed_keys(&scan, m->cmd, m->argc, (const char *const *)m->argv, m->argl))
                break;
        }
    }
    struct slots_route_out out;
    enum slots_route r = slots_route_finish(&scan, &out);
    if (r == SLOTS_SERVE) {
        *ret_slot = out.slot;
        *ret_key = scan.first_key;
        *ret_len = scan.first_len;
        return true;
    }
    char text[256];
    format_route_error(c->srv, r, &out, text, sizeof(text));
    node_cmd_stats(cmd)->rejected++;
    if (is_exec)
        node_multi_reset(c);
    else if (c->flags & NODE_CLIENT_MULTI)
        c->flags |= NODE_CLIENT_DIRTY_EXEC;
    node_reply_error(&c->out, text);
    return false;
}

/* EXEC is judged by what it would run (Redis: it inherits its queue's flags). */
static uint32_t effective_flags(const struct node_client *c, const struct node_cmd *cmd)
{
    if (cmd->proc != node_cmd_exec || !(c->flags & NODE_CLIENT_MULTI))
        return cmd->flags;
    uint32_t f = cmd->flags;
    bool loading = true, stale = true;
    for (int i = 0; i < c->mcount; i++) {
        uint32_t q = c->mstate[i].cmd->flags;
        f |= q & (NODE_CMD_WRITE | NODE_CMD_READONLY | NODE_CMD_MAY_REPLICATE | NODE_CMD_DENYOOM);
        loading &= (q & NODE_CMD_LOADING) != 0;
        stale &= (q & NODE_CMD_STALE) != 0;
    }
    if (!loading)
        f &= ~(uint32_t)NODE_CMD_LOADING;
    if (!stale)
        f &= ~(uint32_t)NODE_CMD_STALE;
    return f;
}

static const char misconf_text[] =
    "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands "
    "that may modify the data set are disabled, because this instance is configured to report errors during "
    "writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for "
    "details about the RDB error.";

/* Replication and persistence state checks, in Redis 7.0's order (after
 * the cluster redirect, before queueing). Returns the error or NULL. */
static const char *state_check(const struct node_client *c, const struct node_cmd *cmd)
{
    struct node_server *srv = c->srv;
    uint32_t f = effective_flags(c, cmd);
    bool is_write = (f & NODE_CMD_WRITE) != 0;
    bool replica = repl_is_replica(srv->repl);
    if (!replica && (is_write || cmd->proc == node_cmd_ping) && node_persist_writes_refused(srv))
        return misconf_text;
    if (is_write && repl_min_replicas_refuse(srv->repl))
        return "NOREPLICAS Not enough good replicas to write.";
    if (replica && is_write && srv->cfg.replica_read_only)
        return "READONLY You can't write against a read only replica.";
    if ((c->flags & NODE_CLIENT_REPLICA) && (f & (NODE_CMD_WRITE | NODE_CMD_READONLY | NODE_CMD_MAY_REPLICATE)))
        return "ERR Replica can't interact with the keyspace";
    if (replica && !repl_link_up(srv->repl) && !srv->cfg.replica_serve_stale_data && !(f & NODE_CMD_STALE))
        return "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.";
    if (srv->loading && !(f & NODE_CMD_LOADING))
        return "LOADING Redis is loading the dataset in memory";
    return NULL;
}

/* maxmemory (Redis's processCommand): evict first; if memory is still over
 * the limit with nothing left to evict, refuse DENYOOM commands (EXEC by
 * its queue) and anything queued inside MULTI. True if the command may go on. */
static bool memory_ok(struct node_client *c, const struct node_cmd *cmd)
{
    if (c->srv->cfg.maxmemory <= 0 || node_evict_perform(c->srv) != NODE_EVICT_FAIL)
        return true;
    bool refuse = (effective_flags(c, cmd) & NODE_CMD_DENYOOM) != 0;
    if ((c->flags & NODE_CLIENT_MULTI) && cmd->proc != node_cmd_exec && cmd->proc != node_cmd_discard &&
        cmd->proc != node_cmd_quit && cmd->proc != node_cmd_reset)
        refuse = true;
    if (!refuse)
        return true;
    reject(c, cmd, "OOM command not allowed when used memory > 'maxmemory'.");
    return false;
}

/* A RESP2 client holding subscriptions reads pushes as replies, so only
 * the commands whose replies look alike run (RESP3 has no limit). */
static bool subscribed_context_allows(const struct node_client *c, const struct node_cmd *cmd)
{
    if (c->out.proto != 2 || !node_pubsub_client_is_subscribed(c))
        return true;
    return cmd->proc == node_cmd_ping || cmd->proc == node_cmd_subscribe || cmd->proc == node_cmd_ssubscribe ||
           cmd->proc == node_cmd_unsubscribe || cmd->proc == node_cmd_sunsubscribe ||
           cmd->proc == node_cmd_psubscribe || cmd->proc == node_cmd_punsubscribe || cmd->proc == node_cmd_quit ||
           cmd->proc == node_cmd_reset;
}

static void reject_subscribed_context(struct node_client *c, const struct node_cmd *cmd)
{
    char name[128], text[256];
    node_cmd_fullname(cmd, name, sizeof(name));
    snprintf(text, sizeof(text), "ERR Can't execute '%s': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / "
             "RESET are allowed in this context", name);
    reject(c, cmd, text);
}

/* PING of a subscribed RESP2 client answers like a message: ["pong", arg]. */
static bool subscribed_ping(struct node_client *c, const struct node_cmd *cmd)
{
    if (cmd->proc != node_cmd_ping || c->argc > 2 || c->out.proto != 2 || !node_pubsub_client_is_subscribed(c))
        return false;
    node_reply_array(&c->out, 2);
    node_reply_bulk(&c->out, "pong", 4);
    node_reply_bulk(&c->out, c->argc == 2 ? c->argv[1] : "", c->argc == 2 ? c->argl[1] : 0);
    node_cmd_stats(cmd)->calls++;
    c->lastcmd = cmd;
    c->srv->stats.total_commands++;
    return true;
}

/* Rejects a wrong argument count (or a container without subcommand); true if fine. */
static bool arity_checked(struct node_client *c, const struct node_cmd *cmd)
{
    if (arity_ok(cmd, c->argc) && cmd->proc)
        return true;
    char name[128], text[192];
    node_cmd_fullname(cmd, name, sizeof(name));
    snprintf(text, sizeof(text), "ERR wrong number of arguments for '%s' command", name);
    reject(c, cmd, text);
    return false;
}

/* A command from this node's master: no authentication, redirection or
 * state checks (spec replication.md §5.1); only lookup and arity. */
static const struct node_cmd *dispatch_from_master(struct node_client *c)
{
    const struct node_cmd *cmd = lookup(c);
    if (!cmd)
        return NULL;
    c->cmd = cmd;
    if (!arity_checked(c, cmd))
        return cmd;
    if ((c->flags & NODE_CLIENT_MULTI) && !may_run_in_multi(cmd)) {
        node_multi_queue(c);
        return cmd;
    }
    node_call(c);
    return cmd;
}

/* The checks and the execution of one command; returns the command run or
 * rejected, NULL if there was none. */
static const struct node_cmd *dispatch_one(struct node_client *c)
{
    const struct node_cmd *cmd = lookup(c);
    if (!cmd) {
        if (c->flags & NODE_CLIENT_MULTI)
            c->flags |= NODE_CLIENT_DIRTY_EXEC;
        return NULL;
    }
    c->cmd = cmd;
    if (!arity_checked(c, cmd))
        return cmd;
    if (!(c->flags & NODE_CLIENT_AUTHENTICATED) && !(cmd->flags & NODE_CMD_NO_AUTH)) {
        reject(c, cmd, "NOAUTH Authentication required.");
        return cmd;
    }
    bool queue = (c->flags & NODE_CLIENT_MULTI) && !may_run_in_multi(cmd);
    if (queue && (cmd->flags & NODE_CMD_NO_MULTI)) {
        reject(c, cmd, "ERR Command not allowed inside a transaction");
        return cmd;
    }
    int slot = -1;
    const char *first_key = NULL;
    size_t first_len = 0;
    if (c->srv->gossip && !cluster_route(c, cmd, &slot, &first_key, &first_len))
        return cmd;
    if (!memory_ok(c, cmd))
        return cmd;
    const char *refused = state_check(c, cmd);
    if (refused) {
        reject(c, cmd, refused);
        return cmd;
    }
    if (!subscribed_context_allows(c, cmd)) {
        reject_subscribed_context(c, cmd);
        return cmd;
    }
    /* After every check, before queueing (as Redis 7.0): a write queued in
     * MULTI waits too. It runs through all the checks again on resume. */
    if (node_pause_must_postpone(c, effective_flags(c, cmd))) {
        node_pause_postpone(c);
        return cmd;
    }
    if (queue) {
        node_multi_queue(c);
        return cmd;
    }
    /* Only now, right before running it: the hint must never outlive the
     * command whose key bytes it points at. */
    if (first_key)
        node_server_slot_hint(first_key, first_len, slot);
    if (!subscribed_ping(c, cmd))
        node_call(c);
    return cmd;
}

void node_dispatch(struct node_client *c)
{
    if (is_http_guard(c)) {
        core_log(CORE_LOG_WARNING, "Possible SECURITY ATTACK detected. It looks like somebody is sending POST or "
                                   "Host: commands to Redis. Connection from %s aborted.", c->addr);
        node_client_close(c, true);
        return;
    }
    if (c->flags & NODE_CLIENT_MASTER) {
        dispatch_from_master(c);
        node_block_handle_ready(c->srv);
        return;
    }
    const struct node_cmd *cmd = dispatch_one(c);
    /* Clients waiting on keys this command (or EXEC as a whole) filled are
     * served now, before this client's next command (Redis 7.0). */
    node_block_handle_ready(c->srv);
    if (c->flags & NODE_CLIENT_POSTPONED)
        return; /* not run yet: ASKING still covers it */
    /* ASKING is one-shot: it covers the next command, or a whole MULTI. */
    if ((c->flags & NODE_CLIENT_ASKING) && !(c->flags & NODE_CLIENT_MULTI) &&
        !(cmd && cmd->proc == node_cmd_asking))
        c->flags &= ~NODE_CLIENT_ASKING;
}

bool node_client_check_obuf(struct node_client *c)
{
    if (c->flags & NODE_CLIENT_MASTER)
        return false; /* its replies are dropped, never written */
    enum node_obuf_class cls = (c->flags & NODE_CLIENT_REPLICA)       ? NODE_OBUF_REPLICA
                               : node_pubsub_client_is_subscribed(c) ? NODE_OBUF_PUBSUB
                                                                     : NODE_OBUF_NORMAL;
    const struct node_obuf_limit *lim = &c->srv->cfg.obuf_limits[cls];
    size_t used = node_out_len(&c->out);
    bool hard = lim->hard_bytes > 0 && used >= (size_t)lim->hard_bytes;
    bool soft = false;
    if (lim->soft_bytes > 0 && used >= (size_t)lim->soft_bytes) {
        int64_t now = node_ks_now(c->srv->ks);
        if (!c->obuf_soft_since_ms)
            c->obuf_soft_since_ms = now;
        else if (now - c->obuf_soft_since_ms > lim->soft_seconds * 1000)
            soft = true;
    } else {
        c->obuf_soft_since_ms = 0;
    }
    if (!hard && !soft)
        return false;
    core_log(CORE_LOG_WARNING, "Client id=%llu addr=%s omem=%zu scheduled to be closed ASAP for overcoming of "
             "output buffer limits.", (unsigned long long)c->id, c->addr, used);
    c->srv->stats.client_obuf_limit_disconnections++;
    node_client_close(c, true);
    return true;
}
