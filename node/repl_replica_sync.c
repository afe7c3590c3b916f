/*
 * repl_replica_sync.c — one attempt of this node to sync with its master
 * (spec replication.md §2, §3.2, §4.3): resolving and connecting, the
 * handshake (PING alone; then AUTH, REPLCONF listening-port, [ip-address]
 * and capa written in one burst with their replies read in order; only then
 * PSYNC), the master's answer to PSYNC, and the snapshot in both framings,
 * loaded into the live keyspace as it arrives (flushed first; -LOADING
 * meanwhile). When the stream can flow it hands the socket over to
 * repl_replica.c with the bytes it read past the snapshot or +CONTINUE.
 *
 * Does not own: what follows the hand-over (the master client, offsets,
 * ACKs), the retry pace and timeouts (repl_replica.c's cron reads
 * last_io), decoding the RDB (node/persist_load.c).
 *
 * Lifetime: the attempt owns a uv_tcp_t inside itself, so it is freed only
 * in that handle's close callback; once shut it is marked dead and every
 * late libuv callback (connect cancelled, resolution finished) does nothing.
 */
#include "node/watch.h"
#include "node/repl_replica_int.h"
#include "node/persist.h"
#include "node/server.h"
#include "node/text.h"
#include "node/util.h"
#include "node/core/core.h"
#include "node/core/core_log.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define SYNC_LINE_MAX 1024         /* a reply or $ line (Redis reads the $ line into 1024 bytes) */
#define SYNC_READ_CHUNK (64 * 1024)
#define SYNC_HANDSHAKE_MAX 4       /* AUTH, listening-port, ip-address, capa */
#define SYNC_MARK_LEN 40           /* $EOF:<mark> */
#define SYNC_NEWLINE_EVERY_MS 1000 /* keepalive to the master while loading */

enum step {
    STEP_CONNECT,   /* resolving or TCP connect */
    STEP_PING,      /* reply to PING */
    STEP_HANDSHAKE, /* replies to AUTH / REPLCONF, in order */
    STEP_PSYNC,     /* reply to PSYNC (or nothing after SYNC) */
    STEP_BULK,      /* the $ line */
    STEP_PAYLOAD,   /* RDB bytes into the loader */
    STEP_MARK,      /* the 40 bytes after an EOF-form RDB */
    STEP_DONE,      /* hand the socket over */
};
enum hs_kind { HS_AUTH, HS_PORT, HS_IP, HS_CAPA };

struct resolve_req {
    uv_getaddrinfo_t req; /* first: the callback casts back */
    struct repl_sync *s;  /* NULL once the attempt was abandoned */
};

struct write_req {
    uv_write_t req; /* first: the callback frees the whole record */
    char data[];
};

struct repl_sync {
    struct repl *r;
    uv_tcp_t tcp;
    bool tcp_inited;
    bool dead;
    bool ks_touched; /* the keyspace was flushed for this attempt: empty it again on failure */
    struct resolve_req *resolve;
    uv_connect_t creq;
    enum step step;
    enum hs_kind hs[SYNC_HANDSHAKE_MAX];
    int hs_count, hs_next;
    char line[SYNC_LINE_MAX];
    size_t line_len;
    struct node_persist_loader *loader;
    struct repl_sync_result res;
    char mark[SYNC_MARK_LEN];
    char mark_seen[SYNC_MARK_LEN];
    size_t mark_have;
    int64_t size; /* -1 before the $ line, 0 for the EOF form (INFO master_sync_total_bytes) */
    int64_t read; /* payload bytes received */
    int64_t last_io_ms;
    int64_t last_newline_ms;
    char rbuf[SYNC_READ_CHUNK];
};

static void on_closed(uv_handle_t *h)
{
    core_free(h->data);
}

/* Ends the attempt's I/O. final: the loop is gone (server exit), so a
 * handle someone else already closed is finished and s can go now. */
static void shut(struct repl_sync *s, bool final)
{
    core_assert(!s->dead);
    s->dead = true;
    if (s->resolve) {
        s->resolve->s = NULL;
        uv_cancel((uv_req_t *)&s->resolve->req);
        s->resolve = NULL;
    }
    if (s->loader) {
        node_persist_loader_free(s->loader);
        s->loader = NULL;
    }
    if (s->ks_touched) {
        /* Never serve half a dataset. */
        node_watch_before_flush(s->r->srv, NULL);
        node_ks_flush(s->r->srv->ks);
        s->ks_touched = false;
    }
    if (!s->tcp_inited)
        core_free(s);
    else if (!uv_is_closing((uv_handle_t *)&s->tcp))
        uv_close((uv_handle_t *)&s->tcp, on_closed);
    else if (final)
        core_free(s);
    else
        s->r->r->orphan = s; /* closed by the server's exit walk without a callback */
}

/* The attempt failed (already logged): the cron retries within a second. */
static void fail(struct repl_sync *s)
{
    struct repl *r = s->r;
    shut(s, false);
    repl_replica__sync_failed(r);
}

static void on_written(uv_write_t *req, int status)
{
    (void)status; /* a broken socket shows up on the read side */
    core_free(req);
}

static void send_bytes(struct repl_sync *s, const char *p, size_t n)
{
    struct write_req *w = core_malloc(sizeof(*w) + n);
    memcpy(w->data, p, n);
    uv_buf_t b = uv_buf_init(w->data, (unsigned)n);
    if (uv_write(&w->req, (uv_stream_t *)&s->tcp, &b, 1, on_written) < 0)
        core_free(w);
}

/* Appends one command as a RESP array of bulk strings. */
static void add_cmd(struct node_text *t, int argc, const char *const *argv)
{
    node_text_printf(t, "*%d\r\n", argc);
    for (int i = 0; i < argc; i++)
        node_text_printf(t, "$%zu\r\n%s\r\n", strlen(argv[i]), argv[i]);
}

static void send_cmd(struct repl_sync *s, int argc, const char *const *argv)
{
    struct node_text t = {0};
    add_cmd(&t, argc, argv);
    send_bytes(s, t.p, t.len);
    node_text_free(&t);
}

static bool is_set(const char *s)
{
    return s && s[0];
}

/* AUTH and the REPLCONFs in one write; their replies are read in order. */
static void send_handshake(struct repl_sync *s)
{
    const struct node_config *cfg = &s->r->srv->cfg;
    struct node_text t = {0};
    s->hs_count = s->hs_next = 0;
    if (is_set(cfg->masterauth)) {
        if (is_set(cfg->masteruser))
            add_cmd(&t, 3, (const char *const[]){"AUTH", cfg->masteruser, cfg->masterauth});
        else
            add_cmd(&t, 2, (const char *const[]){"AUTH", cfg->masterauth});
        s->hs[s->hs_count++] = HS_AUTH;
    }
    char port[16];
    snprintf(port, sizeof(port), "%d", cfg->replica_announce_port ? cfg->replica_announce_port : cfg->port);
    add_cmd(&t, 3, (const char *const[]){"REPLCONF", "listening-port", port});
    s->hs[s->hs_count++] = HS_PORT;
    if (is_set(cfg->replica_announce_ip)) {
        add_cmd(&t, 3, (const char *const[]){"REPLCONF", "ip-address", cfg->replica_announce_ip});
        s->hs[s->hs_count++] = HS_IP;
    }
    add_cmd(&t, 5, (const char *const[]){"REPLCONF", "capa", "eof", "capa", "psync2"});
    s->hs[s->hs_count++] = HS_CAPA;
    core_assert(s->hs_count <= SYNC_HANDSHAKE_MAX);
    send_bytes(s, t.p, t.len);
    node_text_free(&t);
    s->step = STEP_HANDSHAKE;
}

/* PSYNC goes out only after every handshake reply was read: a Redis master
 * refuses it while replies are pending (spec §2). */
static void send_psync(struct repl_sync *s)
{
    const struct repl_cached_master *cm = repl_replica__cached(s->r);
    if (cm) {
        char off[24];
        snprintf(off, sizeof(off), "%lld", (long long)cm->reploff + 1);
        core_log(CORE_LOG_NOTICE, "Trying a partial resynchronization (request %s:%s).", cm->replid, off);
        send_cmd(s, 3, (const char *const[]){"PSYNC", cm->replid, off});
    } else {
        core_log(CORE_LOG_NOTICE, "Partial resynchronization not possible (no cached master)");
        send_cmd(s, 3, (const char *const[]){"PSYNC", "?", "-1"});
    }
    s->step = STEP_PSYNC;
}

static void on_ping_reply(struct repl_sync *s, const char *line)
{
    /* An auth error still proves the master is there: AUTH follows. */
    if (line[0] != '+' && strncmp(line, "-NOAUTH", 7) != 0 && strncmp(line, "-NOPERM", 7) != 0 &&
        strncmp(line, "-ERR operation not permitted", 28) != 0) {
        core_log(CORE_LOG_WARNING, "Error reply to PING from master: '%s'", line);
        fail(s);
        return;
    }
    core_log(CORE_LOG_NOTICE, "Master replied to PING, replication can continue...");
    send_handshake(s);
}

static void on_handshake_reply(struct repl_sync *s, const char *line)
{
    core_assert(s->hs_next < s->hs_count);
    enum hs_kind kind = s->hs[s->hs_next++];
    if (line[0] == '-') {
        switch (kind) {
        case HS_AUTH:
            core_log(CORE_LOG_WARNING, "Unable to AUTH to MASTER: %s", line);
            fail(s);
            return;
        case HS_PORT:
            core_log(CORE_LOG_NOTICE, "(Non critical) Master does not understand REPLCONF listening-port: %s", line);
            break;
        case HS_IP:
            core_log(CORE_LOG_NOTICE, "(Non critical) Master does not understand REPLCONF ip-address: %s", line);
            break;
        case HS_CAPA:
            core_log(CORE_LOG_NOTICE, "(Non critical) Master does not understand REPLCONF capa: %s", line);
            break;
        }
    }
    if (s->hs_next == s->hs_count)
        send_psync(s);
}

/* After +FULLRESYNC (or SYNC): keepalives, then the $ line. */
static void begin_transfer(struct repl_sync *s)
{
    s->step = STEP_BULK;
    s->size = -1;
    s->read = 0;
    repl_replica__set_state(s->r, REPL_LINK_TRANSFER);
}

/* A master that does not know PSYNC: the pre-2.8 protocol (spec §2). */
static void fall_back_to_sync(struct repl_sync *s)
{
    repl_replica__discard_cached(s->r);
    core_log(CORE_LOG_NOTICE, "Retrying with SYNC...");
    send_bytes(s, "SYNC\r\n", 6);
    s->res.full = true;
    s->res.pre_psync = true;
    s->res.replid[0] = '\0';
    s->res.offset = 0;
    begin_transfer(s);
}

static void on_psync_reply(struct repl_sync *s, const char *line, size_t len)
{
    char id[REPL_ID_LEN + 1] = "";
    int64_t offset = -1;
    switch (repl_psync_parse_reply(line, len, id, &offset)) {
    case REPL_REPLY_KEEPALIVE:
        return;
    case REPL_REPLY_FULLRESYNC:
        if (!id[0])
            core_log(CORE_LOG_WARNING, "Master replied with wrong +FULLRESYNC syntax.");
        else
            core_log(CORE_LOG_NOTICE, "Full resync from master: %s:%lld", id, (long long)offset);
        repl_replica__discard_cached(s->r);
        s->res.full = true;
        memcpy(s->res.replid, id, sizeof(s->res.replid));
        s->res.offset = offset;
        begin_transfer(s);
        return;
    case REPL_REPLY_CONTINUE:
        if (!repl_replica__cached(s->r)) {
            /* We sent PSYNC ? -1: nothing to continue from. */
            core_log(CORE_LOG_WARNING, "Unexpected reply to PSYNC from master: %s", line);
            fail(s);
            return;
        }
        core_log(CORE_LOG_NOTICE, "Successful partial resynchronization with master.");
        s->res.full = false;
        memcpy(s->res.replid, id, sizeof(s->res.replid));
        s->step = STEP_DONE;
        return;
    case REPL_REPLY_RETRY:
        core_log(CORE_LOG_NOTICE, "Master is currently unable to PSYNC but should be in the future: %s", line);
        fail(s);
        return;
    case REPL_REPLY_ERROR:
        core_log(CORE_LOG_WARNING, "Master does not support PSYNC or is in error state (reply: %s)", line);
        fall_back_to_sync(s);
        return;
    case REPL_REPLY_UNKNOWN:
        core_log(CORE_LOG_WARNING, "Unexpected reply to PSYNC from master: %s", line);
        fall_back_to_sync(s);
        return;
    }
}

/* A new history starts: the old dataset, sub-replicas and backlog go. */
static void start_load(struct repl_sync *s)
{
    struct node_server *srv = s->r->srv;
    repl_replica__attach_new_master(s->r);
    if (node_child_running(srv) == NODE_CHILD_RDB) {
        /* A BGSAVE finishing later would write the old dataset. */
        node_child_kill(srv);
    }
    core_log(CORE_LOG_NOTICE, "MASTER <-> REPLICA sync: Flushing old data");
    s->ks_touched = true;
    node_watch_before_flush(srv, NULL); /* EXEC fails for a key the sync replaces, as Redis */
    node_ks_flush(srv->ks);
    core_log(CORE_LOG_NOTICE, "MASTER <-> REPLICA sync: Loading DB in memory");
    s->loader = node_persist_loader_new(srv, NODE_PERSIST_KEEP_EXPIRED);
    if (!s->loader) {
        core_log(CORE_LOG_WARNING, "Failed trying to load the MASTER synchronization DB from socket, check server logs.");
        fail(s);
        return;
    }
    if (s->size > 0)
        node_persist_loader_set_total(s->loader, (uint64_t)s->size);
    s->step = STEP_PAYLOAD;
    s->last_newline_ms = core_time_ms();
}

static void on_bulk_line(struct repl_sync *s, const char *line, size_t len)
{
    if (line[0] == '-') {
        core_log(CORE_LOG_WARNING, "MASTER aborted replication with an error: %s", line + 1);
        fail(s);
        return;
    }
    if (line[0] != '$') {
        core_log(CORE_LOG_WARNING, "Bad protocol from MASTER, the first byte is not '$' (we received '%s'), are you "
                 "sure the host and port are right?", line);
        fail(s);
        return;
    }
    if (len >= 5 + SYNC_MARK_LEN && strncmp(line + 1, "EOF:", 4) == 0) {
        memcpy(s->mark, line + 5, SYNC_MARK_LEN);
        s->res.eof_form = true;
        s->size = 0;
        core_log(CORE_LOG_NOTICE, "MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to parser");
    } else {
        long long size;
        if (!node_util_parse_ll(line + 1, len - 1, &size) || size <= 0) {
            core_log(CORE_LOG_WARNING, "Bad protocol from MASTER: invalid RDB length in '%s'", line);
            fail(s);
            return;
        }
        s->size = size;
        core_log(CORE_LOG_NOTICE, "MASTER <-> REPLICA sync: receiving %lld bytes from master to parser", size);
    }
    start_load(s);
}

static void on_line(struct repl_sync *s, const char *line, size_t len)
{
    if (len == 0)
        return; /* keepalive newline: it already refreshed last_io */
    switch (s->step) {
    case STEP_PING:
        on_ping_reply(s, line);
        break;
    case STEP_HANDSHAKE:
        on_handshake_reply(s, line);
        break;
    case STEP_PSYNC:
        on_psync_reply(s, line, len);
        break;
    case STEP_BULK:
        on_bulk_line(s, line, len);
        break;
    default:
        core_assert(!"not a line step");
    }
}

/* Collects one line across reads; returns the bytes of p used. */
static size_t take_line(struct repl_sync *s, const char *p, size_t n)
{
    const char *nl = memchr(p, '\n', n);
    size_t part = nl ? (size_t)(nl - p) : n;
    if (s->line_len + part >= SYNC_LINE_MAX) {
        core_log(CORE_LOG_WARNING, "Protocol error from MASTER: a reply line longer than %d bytes", SYNC_LINE_MAX);
        fail(s);
        return n;
    }
    memcpy(s->line + s->line_len, p, part);
    s->line_len += part;
    if (!nl)
        return n;
    size_t len = s->line_len;
    if (len > 0 && s->line[len - 1] == '\r')
        len--;
    s->line[len] = '\0';
    s->line_len = 0;
    on_line(s, s->line, len);
    return part + 1;
}

/* While loading, the master must not time us out: a bare newline at most
 * once per second (spec §4.3 step 4). */
static void keepalive(struct repl_sync *s)
{
    int64_t now = core_time_ms();
    if (now - s->last_newline_ms < SYNC_NEWLINE_EVERY_MS)
        return;
    s->last_newline_ms = now;
    uv_buf_t b = uv_buf_init((char *)"\n", 1);
    (void)uv_try_write((uv_stream_t *)&s->tcp, &b, 1); /* a full socket buffer skips one beat */
}

/* The RDB was consumed to its trailer. */
static void loaded(struct repl_sync *s)
{
    const struct node_persist_load_info *info = node_persist_loader_info(s->loader);
    if (info && info->stream_db != 0) {
        core_log(CORE_LOG_WARNING, "MASTER <-> REPLICA sync: the master's stream is in DB %d (repl-stream-db), "
                 "shoal has only DB 0: refusing the snapshot", info->stream_db);
        fail(s);
        return;
    }
    if (info)
        core_log(CORE_LOG_NOTICE, "Done loading RDB, keys loaded: %llu, keys expired: %llu.",
                 (unsigned long long)info->keys_loaded, (unsigned long long)info->expired_skipped);
    s->step = s->res.eof_form ? STEP_MARK : STEP_DONE;
}

static size_t take_payload(struct repl_sync *s, const char *p, size_t n)
{
    core_assert(s->loader && s->step == STEP_PAYLOAD);
    size_t want = n;
    if (!s->res.eof_form)
        want = (size_t)CORE_MIN((int64_t)n, s->size - s->read);
    size_t used = 0;
    int rc = node_persist_loader_feed(s->loader, p, want, &used);
    if (rc < 0) {
        core_log(CORE_LOG_WARNING, "MASTER <-> REPLICA sync: %s", node_persist_loader_error(s->loader));
        core_log(CORE_LOG_WARNING, "Failed trying to load the MASTER synchronization DB from socket, check server logs.");
        fail(s);
        return n;
    }
    if (rc == 0)
        used = want;
    s->read += (int64_t)used;
    bool length_used = !s->res.eof_form && s->read == s->size;
    if (rc == 0 && length_used) {
        core_log(CORE_LOG_WARNING, "MASTER <-> REPLICA sync: the RDB is truncated (%lld bytes announced)",
                 (long long)s->size);
        fail(s);
        return n;
    }
    if (rc == 1 && !s->res.eof_form && !length_used) {
        core_log(CORE_LOG_WARNING, "MASTER <-> REPLICA sync: the RDB ended %lld bytes before its announced length",
                 (long long)(s->size - s->read));
        fail(s);
        return n;
    }
    keepalive(s);
    if (rc == 1)
        loaded(s);
    return used;
}

static size_t take_mark(struct repl_sync *s, const char *p, size_t n)
{
    size_t k = CORE_MIN(n, SYNC_MARK_LEN - s->mark_have);
    memcpy(s->mark_seen + s->mark_have, p, k);
    s->mark_have += k;
    s->read += (int64_t)k;
    if (s->mark_have < SYNC_MARK_LEN)
        return k;
    if (memcmp(s->mark, s->mark_seen, SYNC_MARK_LEN) != 0) {
        core_log(CORE_LOG_WARNING, "Replication stream EOF marker is broken");
        fail(s);
        return n;
    }
    s->step = STEP_DONE;
    return k;
}

/* The link is ready: the socket (a dup: our handle closes the original)
 * and what was read past the handshake go to repl_replica.c. */
static void hand_over(struct repl_sync *s, const char *extra, size_t n)
{
    struct repl *r = s->r;
    core_assert(s->step == STEP_DONE && !s->dead);
    core_assert(!s->res.full || !s->loader || !s->res.eof_form || s->mark_have == SYNC_MARK_LEN);
    uv_os_fd_t fd = -1;
    int dup_fd = -1;
    if (uv_fileno((const uv_handle_t *)&s->tcp, &fd) == 0)
        dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (dup_fd < 0) {
        core_log(CORE_LOG_WARNING, "Can't take over the connection with the MASTER: %s", strerror(errno));
        fail(s);
        return;
    }
    if (s->res.full)
        core_log(CORE_LOG_NOTICE, "MASTER <-> REPLICA sync: Finished with success");
    struct repl_sync_result res = s->res;
    s->ks_touched = false; /* loaded whole: it stays */
    uv_read_stop((uv_stream_t *)&s->tcp);
    shut(s, false); /* extra points into s->rbuf, freed only by the close callback */
    repl_replica__synced(r, dup_fd, &res, extra, n);
}

static void consume(struct repl_sync *s, const char *p, size_t n)
{
    while (n > 0 && !s->dead && s->step != STEP_DONE) {
        size_t used;
        if (s->step == STEP_PAYLOAD)
            used = take_payload(s, p, n);
        else if (s->step == STEP_MARK)
            used = take_mark(s, p, n);
        else
            used = take_line(s, p, n);
        core_assert(used <= n);
        p += used;
        n -= used;
    }
    if (!s->dead && s->step == STEP_DONE)
        hand_over(s, p, n);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    struct repl_sync *s = h->data;
    *buf = uv_buf_init(s->rbuf, sizeof(s->rbuf));
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
    struct repl_sync *s = stream->data;
    if (s->dead || nread == 0)
        return;
    if (nread < 0) {
        if (s->step >= STEP_BULK)
            core_log(CORE_LOG_WARNING, "I/O error trying to sync with MASTER: %s",
                     nread == UV_EOF ? "connection lost" : uv_strerror((int)nread));
        else
            core_log(CORE_LOG_WARNING, "Master did not respond to command during SYNC handshake");
        fail(s);
        return;
    }
    s->last_io_ms = core_time_ms();
    consume(s, buf->base, (size_t)nread);
}

static void on_connect(uv_connect_t *req, int status)
{
    struct repl_sync *s = req->data;
    if (s->dead)
        return;
    if (status < 0) {
        core_log(CORE_LOG_WARNING, "Error condition on socket for SYNC: %s", uv_strerror(status));
        fail(s);
        return;
    }
    core_log(CORE_LOG_NOTICE, "Non blocking connect for SYNC fired the event.");
    s->last_io_ms = core_time_ms();
    uv_tcp_nodelay(&s->tcp, 1);
    int rc = uv_read_start((uv_stream_t *)&s->tcp, on_alloc, on_read);
    if (rc < 0) {
        core_log(CORE_LOG_WARNING, "Error condition on socket for SYNC: %s", uv_strerror(rc));
        fail(s);
        return;
    }
    repl_replica__set_state(s->r, REPL_LINK_HANDSHAKE);
    s->step = STEP_PING;
    send_cmd(s, 1, (const char *const[]){"PING"});
}

static int connect_addr(struct repl_sync *s, const struct sockaddr *sa)
{
    int rc = uv_tcp_init(s->r->srv->loop, &s->tcp);
    if (rc < 0)
        return rc;
    s->tcp_inited = true;
    s->tcp.data = s;
    s->creq.data = s;
    return uv_tcp_connect(&s->creq, &s->tcp, sa, on_connect);
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
    struct resolve_req *rr = (struct resolve_req *)req;
    struct repl_sync *s = rr->s;
    core_free(rr);
    if (!s) {
        uv_freeaddrinfo(res);
        return;
    }
    s->resolve = NULL;
    int rc = status < 0 ? status : (res ? connect_addr(s, res->ai_addr) : UV_EAI_NONAME);
    uv_freeaddrinfo(res);
    if (rc < 0) {
        core_log(CORE_LOG_WARNING, "Unable to connect to MASTER: %s", uv_strerror(rc));
        fail(s);
    }
}

/* An IP literal connects at once; a host name is resolved first (off the loop). */
static int begin_connect(struct repl_sync *s, const char *host, int port)
{
    struct sockaddr_in6 sin6;
    struct sockaddr_in sin;
    if (uv_ip4_addr(host, port, &sin) == 0)
        return connect_addr(s, (const struct sockaddr *)&sin);
    if (uv_ip6_addr(host, port, &sin6) == 0)
        return connect_addr(s, (const struct sockaddr *)&sin6);
    char service[16];
    snprintf(service, sizeof(service), "%d", port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct resolve_req *rr = core_calloc(1, sizeof(*rr));
    rr->s = s;
    int rc = uv_getaddrinfo(s->r->srv->loop, &rr->req, on_resolved, host, service, &hints);
    if (rc < 0) {
        core_free(rr);
        return rc;
    }
    s->resolve = rr;
    return 0;
}

struct repl_sync *repl_replica_sync__start(struct repl *r)
{
    const struct repl_replica_state *st = r->r;
    core_assert(st->host && !st->sync && !st->master);
    struct repl_sync *s = core_calloc(1, sizeof(*s));
    s->r = r;
    s->step = STEP_CONNECT;
    s->size = -1;
    s->last_io_ms = core_time_ms();
    int rc = begin_connect(s, st->host, st->port);
    if (rc < 0) {
        core_log(CORE_LOG_WARNING, "Unable to connect to MASTER: %s", uv_strerror(rc));
        shut(s, false);
        return NULL;
    }
    core_log(CORE_LOG_NOTICE, "MASTER <-> REPLICA sync started");
    return s;
}

void repl_replica_sync__abort(struct repl_sync *s)
{
    shut(s, false);
}

void repl_replica_sync__free(struct repl_sync *s)
{
    shut(s, true);
}

int64_t repl_replica_sync__last_io_ms(const struct repl_sync *s)
{
    return s->last_io_ms;
}

void repl_replica_sync__info(const struct repl_sync *s, struct node_text *t, int64_t now_ms)
{
    /* As Redis: a percentage of size, which is -1 before the $ line (so
     * "-0.00") and 0 for the EOF form. */
    double perc = 0;
    if (s->size != 0)
        perc = (double)s->read / (double)s->size * 100;
    node_text_printf(t,
                     "master_sync_total_bytes:%lld\r\n"
                     "master_sync_read_bytes:%lld\r\n"
                     "master_sync_left_bytes:%lld\r\n"
                     "master_sync_perc:%.2f\r\n"
                     "master_sync_last_io_seconds_ago:%d\r\n",
                     (long long)s->size, (long long)s->read, (long long)(s->size - s->read), perc,
                     (int)(now_ms / 1000 - s->last_io_ms / 1000));
}
