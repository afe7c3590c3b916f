/*
 * repl_master.c — the replicas attached to this node (spec replication.md
 * §2.1, §3, §6, §10-§13): PSYNC/SYNC and the +CONTINUE path, REPLCONF,
 * feeding the stream to replicas, ACKs and timeouts, the ping, the backlog
 * TTL, min-replicas, ROLE and the master lines of INFO replication.
 *
 * Does not own the snapshot of a full resync (repl_snapshot.c), WAIT
 * (repl_wait.c), nor this node's own master link (repl_replica.c).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "node/commands.h"
#include "node/core/core.h"
#include "node/core/core_log.h"
#include "node/pause.h"
#include "node/propagate.h"
#include "node/repl_master_int.h"
#include "node/server.h"
#include "node/text.h"
#include "node/util.h"

void repl_master_init(struct repl *r)
{
    struct repl_master_state *m = core_calloc(1, sizeof(*m));
    r->m = m;
    m->no_replicas_since_ms = core_time_ms();
    m->last_second_ms = m->no_replicas_since_ms;
    repl__wait_init(r);
}

void repl_master_free(struct repl *r)
{
    struct repl_master_state *m = r->m;
    if (!m)
        return;
    repl__snapshot_free_all(r);
    repl__wait_free(r);
    /* Replica records normally go with their clients; at shutdown the loop
     * is already closed, so whatever is left is only memory. */
    for (struct repl_client *rc = m->replicas, *next; rc; rc = next) {
        next = rc->next;
        core_free(rc->announced_ip);
        core_free(rc);
    }
    core_free(m);
    r->m = NULL;
}

struct repl_client *repl__client(struct node_client *c)
{
    core_assert(!(c->flags & NODE_CLIENT_MASTER));
    if (!c->repl) {
        struct repl_client *rc = core_calloc(1, sizeof(*rc));
        rc->c = c;
        c->repl = rc;
    }
    core_assert(c->repl->c == c);
    return c->repl;
}

/* The replica's address: REPLCONF ip-address, else the peer's IP. */
static const char *replica_ip(const struct repl_client *rc, char *buf, size_t size)
{
    if (rc->announced_ip)
        return rc->announced_ip;
    const char *addr = rc->c->addr;
    const char *colon = strrchr(addr, ':');
    size_t n = colon ? (size_t)(colon - addr) : strlen(addr);
    if (n >= 2 && addr[0] == '[' && addr[n - 1] == ']') {
        addr++;
        n -= 2;
    }
    snprintf(buf, size, "%.*s", (int)n, addr);
    return buf;
}

const char *repl__replica_name(const struct repl_client *rc, char *buf, size_t size)
{
    char ip[REPL_ANNOUNCED_IP_MAX];
    replica_ip(rc, ip, sizeof(ip));
    if (rc->listening_port)
        snprintf(buf, size, "%s:%d", ip, rc->listening_port);
    else
        snprintf(buf, size, "%s:<unknown-replica-port>", ip);
    return buf;
}

void repl__drop(struct repl_client *rc)
{
    node_client_close(rc->c, true);
}

static void attach(struct repl *r, struct repl_client *rc)
{
    struct repl_master_state *m = r->m;
    core_assert(!rc->attached);
    /* Appended at the tail: INFO and ROLE list replicas oldest first. */
    struct repl_client **pp = &m->replicas;
    struct repl_client *prev = NULL;
    while (*pp) {
        prev = *pp;
        pp = &(*pp)->next;
    }
    *pp = rc;
    rc->prev = prev;
    rc->next = NULL;
    rc->attached = true;
    m->nreplicas++;
    rc->c->flags |= NODE_CLIENT_REPLICA;
    rc->ack_time_ms = core_time_ms();
    if (r->srv->cfg.repl_disable_tcp_nodelay)
        uv_tcp_nodelay(&rc->c->tcp, 0);
}

static void detach(struct repl *r, struct repl_client *rc)
{
    struct repl_master_state *m = r->m;
    core_assert(rc->attached && m->nreplicas > 0);
    if (rc->prev)
        rc->prev->next = rc->next;
    else
        m->replicas = rc->next;
    if (rc->next)
        rc->next->prev = rc->prev;
    rc->attached = false;
    if (--m->nreplicas == 0)
        m->no_replicas_since_ms = core_time_ms();
}

/* ---- PSYNC / SYNC ---- */

/* +CONTINUE and the backlog from offset, when the rules of spec §3.1 step 5 allow. */
static bool try_partial(struct repl *r, struct node_client *c, int64_t offset)
{
    const char *why = NULL;
    const char *id = c->argv[1];
    size_t idlen = c->argl[1];
    char name[320];
    struct repl_client *rc = repl__client(c);
    repl__replica_name(rc, name, sizeof(name));
    if (repl_psync_decide(&r->ids, r->backlog, id, idlen, offset, &why) != REPL_PSYNC_CONTINUE) {
        if (!why)
            core_log(CORE_LOG_NOTICE, "Full resync requested by replica %s", name);
        else
            core_log(CORE_LOG_NOTICE, "Partial resynchronization not accepted: %s (Replica %s asked for '%.*s' "
                     "offset %lld, my replication IDs are '%s' and '%s', master offset %lld)", why, name,
                     (int)CORE_MIN(idlen, 64), id, (long long)offset, r->ids.replid, r->ids.replid2,
                     (long long)r->ids.offset);
        return false;
    }
    attach(r, rc);
    rc->state = REPL_RS_ONLINE;
    char line[64];
    int n = (rc->capa & REPL_CAPA_PSYNC2) ? snprintf(line, sizeof(line), "+CONTINUE %s\r\n", r->ids.replid)
                                          : snprintf(line, sizeof(line), "+CONTINUE\r\n");
    node_out_append(&c->out, line, (size_t)n);
    const uint8_t *ptr[2];
    size_t len[2];
    int spans = repl_backlog_spans(r->backlog, offset, ptr, len);
    size_t sent = 0;
    for (int i = 0; i < spans; i++) {
        node_out_append(&c->out, ptr[i], len[i]);
        sent += len[i];
    }
    node_client_write_now(c);
    core_log(CORE_LOG_NOTICE, "Partial resynchronization request from %s accepted. Sending %zu bytes of backlog "
             "starting from offset %lld.", name, sent, (long long)offset);
    return true;
}

/* PSYNC <replid> <offset> FAILOVER: the old master hands over (spec §2). */
static bool failover_handover(struct repl *r, struct node_client *c)
{
    if (!repl_is_replica(r)) {
        node_reply_error(&c->out, "ERR PSYNC FAILOVER can't be sent to a master.");
        return false;
    }
    if (c->argl[1] != REPL_ID_LEN || strncasecmp(c->argv[1], r->ids.replid, REPL_ID_LEN) != 0) {
        node_reply_error(&c->out, "ERR PSYNC FAILOVER replid must match my replid.");
        return false;
    }
    repl_set_master(r, NULL, 0);
    core_log(CORE_LOG_NOTICE, "MASTER MODE enabled (failover request from '%s')", c->addr);
    return true;
}

/* The refusals of spec §3.1 steps 1-4; true when the sync may go on. */
static bool sync_allowed(struct repl *r, struct node_client *c, bool psync)
{
    if (psync && c->argc > 3 && node_arg_is(c, 3, "failover") && !failover_handover(r, c))
        return false;
    if (repl_is_replica(r) && !repl_link_up(r)) {
        node_reply_error(&c->out, "NOMASTERLINK Can't SYNC while not connected with my master");
        return false;
    }
    if (node_out_len(&c->out) > 0) {
        node_reply_error(&c->out, "ERR SYNC and PSYNC are invalid with pending output");
        return false;
    }
    struct repl_client *rc = c->repl;
    if (rc && rc->no_data && !(rc->capa & REPL_CAPA_EOF)) {
        node_reply_error(&c->out, "ERR Filtered replica requires EOF capability");
        return false;
    }
    return true;
}

static void sync_command(struct node_client *c, bool psync)
{
    struct repl *r = c->srv->repl;
    if ((c->flags & NODE_CLIENT_REPLICA) || (c->flags & NODE_CLIENT_MASTER))
        return; /* already a replica: ignored, as Redis */
    if (!sync_allowed(r, c, psync))
        return;
    struct repl_client *rc = repl__client(c);
    char name[320];
    core_log(CORE_LOG_NOTICE, "Replica %s asks for synchronization", repl__replica_name(rc, name, sizeof(name)));
    if (psync) {
        long long offset;
        if (!node_arg_ll(c, 2, &offset, NULL)) {
            core_log(CORE_LOG_WARNING, "Replica %s asks for synchronization but with a wrong offset", name);
            return;
        }
        if (try_partial(r, c, offset)) {
            r->sync_partial_ok++;
            return;
        }
        if (!(c->argl[1] > 0 && c->argv[1][0] == '?'))
            r->sync_partial_err++;
    } else {
        rc->pre_psync = true;
    }
    r->sync_full++;
    attach(r, rc);
    if (!r->backlog && !repl_is_replica(r)) {
        /* No past history to share: a new id and an empty backlog (spec §8.1).
         * A replica's id is its master's: it only needs the backlog. */
        repl_change_replid(r);
        repl_clear_replid2(r);
        core_log(CORE_LOG_NOTICE, "Replication backlog created, my new replication IDs are '%s' and '%s'",
                 r->ids.replid, r->ids.replid2);
    }
    repl_backlog_ensure(r);
    repl__snapshot_enqueue(r, rc);
}

void node_cmd_psync(struct node_client *c)
{
    sync_command(c, true);
}

void node_cmd_sync(struct node_client *c)
{
    sync_command(c, false);
}

/* ---- REPLCONF ---- */

enum replconf_result { RC_NEXT, RC_STOP };

static void replconf_ack(struct repl *r, struct node_client *c, int j)
{
    long long offset;
    if (!(c->flags & NODE_CLIENT_REPLICA) || !c->repl)
        return;
    if (!node_util_parse_ll(c->argv[j + 1], c->argl[j + 1], &offset))
        return;
    struct repl_client *rc = c->repl;
    if (offset > rc->ack_off)
        rc->ack_off = offset;
    rc->ack_time_ms = core_time_ms();
    if (rc->stream_on_ack && rc->state == REPL_RS_ONLINE)
        repl__start_stream(r, rc);
    else if (rc->mark_sent && rc->state == REPL_RS_WAIT_BGSAVE_END)
        rc->acked_after_mark = true; /* the child is not reaped yet: start when it is */
}

/* This node is a replica and its master asks where it is: the answer is
 * the one reply a master link ever gets. */
static void replconf_getack(struct repl *r, struct node_client *c)
{
    if (!(c->flags & NODE_CLIENT_MASTER))
        return;
    char num[32];
    int n = snprintf(num, sizeof(num), "%lld", (long long)repl_replica_offset(r));
    node_reply_array(&c->out, 3);
    node_reply_bulk(&c->out, "REPLCONF", 8);
    node_reply_bulk(&c->out, "ACK", 3);
    node_reply_bulk(&c->out, num, (size_t)n);
    c->flags |= NODE_CLIENT_FORCE_REPLY;
}

/* rdb-filter-only "<filters>": only "functions" exists; shoal has no
 * functions, so any accepted filter means an RDB without keys. */
static bool replconf_filter(struct node_client *c, struct repl_client *rc, int j)
{
    const char *p = c->argv[j + 1], *end = p + c->argl[j + 1];
    while (p < end) {
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        const char *w = p;
        while (p < end && *p != ' ' && *p != '\t')
            p++;
        if (p == w)
            break;
        if (!((size_t)(p - w) == 9 && strncasecmp(w, "functions", 9) == 0)) {
            node_reply_errorf(&c->out, "ERR Unsupported rdb-filter-only option: %.*s", (int)CORE_MIN(p - w, 128),
                              w);
            return false;
        }
    }
    rc->no_data = true;
    return true;
}

static enum replconf_result replconf_option(struct repl *r, struct node_client *c, int j)
{
    if (node_arg_is(c, j, "ack")) {
        replconf_ack(r, c, j);
        return RC_STOP;
    }
    if (node_arg_is(c, j, "getack")) {
        replconf_getack(r, c);
        return RC_STOP;
    }
    if (c->flags & NODE_CLIENT_MASTER)
        return RC_NEXT; /* replies to the master are dropped: nothing to keep */
    struct repl_client *rc = repl__client(c);
    long long v;
    if (node_arg_is(c, j, "listening-port")) {
        if (!node_arg_ll(c, j + 1, &v, NULL))
            return RC_STOP;
        rc->listening_port = (int)v;
    } else if (node_arg_is(c, j, "ip-address")) {
        if (c->argl[j + 1] >= REPL_ANNOUNCED_IP_MAX) {
            node_reply_errorf(&c->out, "ERR REPLCONF ip-address provided by replica instance is too long: %zu bytes",
                              c->argl[j + 1]);
            return RC_STOP;
        }
        core_free(rc->announced_ip);
        rc->announced_ip = core_strndup(c->argv[j + 1], c->argl[j + 1]);
    } else if (node_arg_is(c, j, "capa")) {
        if (node_arg_is(c, j + 1, "eof"))
            rc->capa |= REPL_CAPA_EOF;
        else if (node_arg_is(c, j + 1, "psync2"))
            rc->capa |= REPL_CAPA_PSYNC2;
    } else if (node_arg_is(c, j, "rdb-only")) {
        if (!node_arg_ll(c, j + 1, &v, NULL))
            return RC_STOP;
        if (v < 0 || v > 1) {
            node_reply_error(&c->out, "ERR value is out of range, value must between 0 and 1");
            return RC_STOP;
        }
        rc->rdb_only = v == 1;
    } else if (node_arg_is(c, j, "rdb-filter-only")) {
        if (!replconf_filter(c, rc, j))
            return RC_STOP;
    } else {
        node_reply_errorf(&c->out, "ERR Unrecognized REPLCONF option: %.*s", (int)CORE_MIN(c->argl[j], 128),
                          c->argv[j]);
        return RC_STOP;
    }
    return RC_NEXT;
}

void node_cmd_replconf(struct node_client *c)
{
    if (c->argc % 2 == 0) {
        node_reply_error(&c->out, NODE_ERR_SYNTAX);
        return;
    }
    for (int j = 1; j < c->argc; j += 2)
        if (replconf_option(c->srv->repl, c, j) == RC_STOP)
            return;
    node_reply_ok(&c->out);
}

/* ---- the stream ---- */

void repl__start_stream(struct repl *r, struct repl_client *rc)
{
    struct repl_xfer *x = rc->xfer;
    core_assert(x && !rc->rdb_only);
    struct node_client *c = rc->c;
    for (struct node_obuf_block *b = x->pending.head; b; b = b->next)
        node_out_append(&c->out, b->data, b->used);
    repl__xfer_detach(rc);
    rc->state = REPL_RS_ONLINE;
    rc->stream_on_ack = false;
    rc->ack_time_ms = core_time_ms();
    node_client_write_now(c);
    char name[320];
    core_log(CORE_LOG_NOTICE, "Synchronization with replica %s succeeded", repl__replica_name(rc, name, sizeof(name)));
    (void)r;
}

/* What this replica holds in memory: its output plus the stream its
 * snapshot's transfer keeps for it (both count for the limit). */
static size_t replica_mem(const struct repl_client *rc)
{
    size_t n = node_out_len(&rc->c->out);
    if (rc->xfer && !rc->rdb_only)
        n += node_out_len(&rc->xfer->pending);
    return n;
}

bool repl__check_obuf(struct repl *r, struct repl_client *rc, int64_t now_ms)
{
    const struct node_obuf_limit *lim = &r->srv->cfg.obuf_limits[NODE_OBUF_REPLICA];
    size_t used = replica_mem(rc);
    bool over = lim->hard_bytes > 0 && used >= (size_t)lim->hard_bytes;
    if (!over && lim->soft_bytes > 0 && used >= (size_t)lim->soft_bytes && now_ms > 0) {
        if (!rc->obuf_soft_since_ms)
            rc->obuf_soft_since_ms = now_ms;
        else if (now_ms - rc->obuf_soft_since_ms > lim->soft_seconds * 1000)
            over = true;
    } else if (now_ms > 0 && (lim->soft_bytes <= 0 || used < (size_t)lim->soft_bytes)) {
        rc->obuf_soft_since_ms = 0;
    }
    if (!over)
        return false;
    core_log(CORE_LOG_WARNING, "Client id=%llu addr=%s omem=%zu scheduled to be closed ASAP for overcoming of "
             "output buffer limits.", (unsigned long long)rc->c->id, rc->c->addr, used);
    r->srv->stats.client_obuf_limit_disconnections++;
    repl__drop(rc);
    return true;
}

void repl_feed(struct repl *r, const void *buf, size_t len)
{
    if (!r->backlog || len == 0)
        return;
    repl_backlog_append(r->backlog, buf, len);
    r->ids.offset += (int64_t)len;
    core_assert(r->ids.offset == r->backlog->offset);
    struct repl_master_state *m = r->m;
    for (struct repl_xfer *x = m->xfers; x; x = x->next)
        if (x->refs > 0 && !x->failed && !x->rdb_only)
            node_out_append(&x->pending, buf, len);
    for (struct repl_client *rc = m->replicas; rc; rc = rc->next) {
        if (rc->c->flags & NODE_CLIENT_CLOSING)
            continue;
        if (rc->state == REPL_RS_ONLINE && !rc->xfer) {
            node_out_append(&rc->c->out, buf, len);
            node_client_write_now(rc->c);
        } else if (!rc->xfer) {
            continue;
        }
        repl__check_obuf(r, rc, 0); /* hard limit only: the soft one is timed by the cron */
    }
}

bool repl_stream_active(const struct repl *r)
{
    return r->backlog != NULL;
}

/* A replica's last sign of life: its ACKs, or the newlines it sends while loading. */
static int64_t last_ack_ms(const struct repl_client *rc)
{
    return CORE_MAX(rc->ack_time_ms, rc->c->last_interaction_ms);
}

int repl__good_replicas(const struct repl *r, int64_t now_ms)
{
    int good = 0;
    int64_t max_lag_s = r->srv->cfg.min_replicas_max_lag;
    for (const struct repl_client *rc = r->m->replicas; rc; rc = rc->next)
        if (rc->state == REPL_RS_ONLINE && now_ms / 1000 - last_ack_ms(rc) / 1000 <= max_lag_s)
            good++;
    return good;
}

bool repl_min_replicas_refuse(const struct repl *r)
{
    const struct node_config *cfg = &r->srv->cfg;
    if (cfg->min_replicas_to_write <= 0 || cfg->min_replicas_max_lag <= 0 || repl_is_replica(r))
        return false;
    return repl__good_replicas(r, core_time_ms()) < cfg->min_replicas_to_write;
}

void repl_disconnect_replicas(struct repl *r)
{
    for (struct repl_client *rc = r->m->replicas; rc; rc = rc->next)
        repl__drop(rc);
}

/* ---- periodic work ---- */

/* Replicas that stopped acknowledging (spec §10; not old SYNC replicas). */
static void drop_silent_replicas(struct repl *r, int64_t now_ms)
{
    int64_t timeout_ms = repl__timeout_ms(&r->srv->cfg);
    for (struct repl_client *rc = r->m->replicas; rc; rc = rc->next) {
        if (rc->state != REPL_RS_ONLINE || rc->pre_psync || (rc->c->flags & NODE_CLIENT_CLOSING))
            continue;
        if (now_ms - last_ack_ms(rc) > timeout_ms) {
            char name[320];
            core_log(CORE_LOG_WARNING, "Disconnecting timedout replica (streaming sync): %s",
                     repl__replica_name(rc, name, sizeof(name)));
            repl__drop(rc);
        }
    }
}

/* A master alone for repl-backlog-ttl forgets its history (spec §7). */
static void backlog_ttl(struct repl *r, int64_t now_ms)
{
    struct repl_master_state *m = r->m;
    int ttl_s = r->srv->cfg.repl_backlog_ttl;
    if (m->nreplicas > 0 || !r->backlog || ttl_s <= 0 || repl_is_replica(r))
        return;
    if (now_ms - m->no_replicas_since_ms < (int64_t)ttl_s * 1000)
        return;
    repl_change_replid(r);
    repl_clear_replid2(r);
    repl_backlog_free(r->backlog);
    r->backlog = NULL;
    core_log(CORE_LOG_NOTICE, "Replication backlog freed after %d seconds without connected replicas.", ttl_s);
}

void repl_master_cron(struct repl *r, int64_t now_ms)
{
    struct repl_master_state *m = r->m;
    repl__snapshot_maybe_start(r, now_ms);
    for (struct repl_client *rc = m->replicas; rc; rc = rc->next)
        if (!(rc->c->flags & NODE_CLIENT_CLOSING))
            repl__check_obuf(r, rc, now_ms);
    if (now_ms - m->last_second_ms < 1000)
        return;
    m->last_second_ms = now_ms;
    m->seconds++;
    int period = repl__ping_period_s(&r->srv->cfg);
    /* Not during a manual failover's pause: the PING would move the offset
     * the replica must reach exactly. A CLIENT PAUSE does not stop it (as
     * Redis 7.0): a long pause must not let the replicas time out. */
    if (m->seconds % (uint64_t)period == 0 && m->nreplicas > 0 && !repl_is_replica(r) &&
        !node_pause_failover_active(r->srv)) {
        static const char ping[] = "*1\r\n$4\r\nping\r\n";
        node_prop_raw(r->srv, ping, sizeof(ping) - 1);
    }
    repl__snapshot_cron(r, now_ms);
    drop_silent_replicas(r, now_ms);
    backlog_ttl(r, now_ms);
}

void repl_master_before_sleep(struct repl *r)
{
    repl__snapshot_before_sleep(r);
    repl__wait_before_sleep(r);
}

void repl_master_client_closed(struct repl *r, struct node_client *c)
{
    if (!r->m)
        return;
    repl__wait_client_closed(r, c);
    if ((c->flags & NODE_CLIENT_MASTER) || !c->repl)
        return;
    struct repl_client *rc = c->repl;
    core_assert(rc->c == c);
    if (rc->attached) {
        if (rc->state == REPL_RS_ONLINE) {
            char name[320];
            core_log(CORE_LOG_NOTICE, "Connection with replica %s lost.", repl__replica_name(rc, name, sizeof(name)));
        }
        detach(r, rc);
    }
    if (rc->xfer)
        repl__xfer_detach(rc);
    core_free(rc->announced_ip);
    core_free(rc);
    c->repl = NULL;
}

/* ---- ROLE, INFO ---- */

static const char *state_name(enum repl_rstate s)
{
    switch (s) {
    case REPL_RS_WAIT_BGSAVE_START:
    case REPL_RS_WAIT_BGSAVE_END:
        return "wait_bgsave";
    case REPL_RS_SEND_BULK:
        return "send_bulk";
    case REPL_RS_ONLINE:
        return "online";
    default:
        return NULL;
    }
}

void node_cmd_role(struct node_client *c)
{
    struct repl *r = c->srv->repl;
    if (repl_is_replica(r)) {
        repl_replica_role(r, &c->out);
        return;
    }
    int online = 0;
    for (struct repl_client *rc = r->m->replicas; rc; rc = rc->next)
        online += rc->state == REPL_RS_ONLINE;
    node_reply_array(&c->out, 3);
    node_reply_bulk(&c->out, "master", 6);
    node_reply_int(&c->out, r->ids.offset);
    node_reply_array(&c->out, online);
    for (struct repl_client *rc = r->m->replicas; rc; rc = rc->next) {
        if (rc->state != REPL_RS_ONLINE)
            continue;
        char ip[REPL_ANNOUNCED_IP_MAX];
        node_reply_array(&c->out, 3);
        node_reply_bulk_cstr(&c->out, replica_ip(rc, ip, sizeof(ip)));
        node_reply_bulk_ll(&c->out, rc->listening_port);
        node_reply_bulk_ll(&c->out, rc->ack_off);
    }
}

static void info_replicas(struct repl *r, struct node_text *t, int64_t now_ms)
{
    int i = 0;
    for (struct repl_client *rc = r->m->replicas; rc; rc = rc->next) {
        const char *state = state_name(rc->state);
        if (!state)
            continue;
        char ip[REPL_ANNOUNCED_IP_MAX];
        long long lag = rc->state == REPL_RS_ONLINE ? now_ms / 1000 - last_ack_ms(rc) / 1000 : 0;
        node_text_printf(t, "slave%d:ip=%s,port=%d,state=%s,offset=%lld,lag=%lld\r\n", i++,
                         replica_ip(rc, ip, sizeof(ip)), rc->listening_port, state, (long long)rc->ack_off, lag);
    }
}

void repl_master_info(struct repl *r, struct node_text *t)
{
    const struct node_config *cfg = &r->srv->cfg;
    int64_t now_ms = core_time_ms();
    node_text_printf(t, "connected_slaves:%d\r\n", r->m->nreplicas);
    if (cfg->min_replicas_to_write > 0 && cfg->min_replicas_max_lag > 0)
        node_text_printf(t, "min_slaves_good_slaves:%d\r\n", repl__good_replicas(r, now_ms));
    info_replicas(r, t, now_ms);
    const struct repl_backlog *b = r->backlog;
    node_text_printf(t,
                     "master_failover_state:no-failover\r\n"
                     "master_replid:%s\r\nmaster_replid2:%s\r\n"
                     "master_repl_offset:%lld\r\nsecond_repl_offset:%lld\r\n"
                     "repl_backlog_active:%d\r\nrepl_backlog_size:%lld\r\n"
                     "repl_backlog_first_byte_offset:%lld\r\nrepl_backlog_histlen:%lld\r\n",
                     r->ids.replid, r->ids.replid2, (long long)r->ids.offset, (long long)r->ids.second_offset,
                     b != NULL, (long long)repl__backlog_size(cfg), b ? (long long)repl_backlog_first_byte(b) : 0LL,
                     b ? (long long)b->histlen : 0LL);
}
