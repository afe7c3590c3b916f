/*
 * repl_snapshot.c — the snapshot of a full resync (spec replication.md §4):
 * when to fork, the forked child writing the RDB, and getting its bytes to
 * the replicas in one of the two framings.
 *
 * BACKGROUND: the snapshot must not stop the master, so a child forked with
 * copy-on-write memory writes the keyspace as it was at the fork, while the
 * parent keeps serving clients. Its offset (+FULLRESYNC) is the stream offset
 * at the fork; every stream byte after it is kept by the transfer
 * (repl_xfer.pending) and reaches the replica right after the RDB.
 *
 * BEHAVIOR:
 * - EOF form (repl-diskless-sync yes and every waiting replica sent capa
 *   eof): after repl-diskless-sync-delay (or -max-replicas waiting), the
 *   child writes into a pipe; the parent reads it with libuv and appends it
 *   to each replica's output as "$EOF:<mark>\r\n<rdb><mark>". Reading pauses
 *   while a replica has more than REPL_XFER_OUT_HIGH queued. Replicas
 *   arriving meanwhile wait for the next snapshot. The mark follows when the
 *   pipe ends; once the child is reaped the replicas are online, but their
 *   stream starts only with an ACK sent after the mark (a replica finds the
 *   mark by looking at the tail of what it read).
 * - Disk form: the child writes an unlinked temporary file in dir (never
 *   dump.rdb); once it is reaped each replica gets "$<len>\r\n" and the
 *   file, read in REPL_XFER_CHUNK steps as its output drains, then the
 *   stream at once. Replicas arriving while that child runs join it.
 *
 * Does not own the RDB encoding of the keyspace (node/persist.c) nor the
 * fork bookkeeping (node_child_fork).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "node/core/core.h"
#include "node/core/core_log.h"
#include "node/persist.h"
#include "node/repl_master_int.h"
#include "node/server.h"
#include "replication/rdb.h"

static struct repl_xfer *xfer_new(struct repl *r, bool diskless, const struct repl_client *model)
{
    struct repl_xfer *x = core_calloc(1, sizeof(*x));
    x->r = r;
    x->diskless = diskless;
    x->rdb_only = model->rdb_only;
    x->no_data = model->no_data;
    x->fd = -1;
    x->pid = -1;
    x->rbuf = core_malloc(REPL_XFER_CHUNK);
    node_out_init(&x->pending);
    core_random_hex(x->mark, REPL_ID_LEN);
    return x;
}

static void xfer_free(struct repl_xfer *x)
{
    core_assert(x->refs == 0);
    core_assert(x->pipe == NULL);
    if (x->fd >= 0)
        close(x->fd);
    node_out_free(&x->pending);
    core_free(x->rbuf);
    core_free(x);
}

static void on_pipe_closed(uv_handle_t *h)
{
    core_free(h);
}

static void close_pipe(struct repl_xfer *x)
{
    if (!x->pipe)
        return;
    x->pipe->data = NULL;
    uv_close((uv_handle_t *)x->pipe, on_pipe_closed);
    x->pipe = NULL;
}

void repl__xfer_detach(struct repl_client *rc)
{
    struct repl_xfer *x = rc->xfer;
    core_assert(x && x->refs > 0);
    rc->xfer = NULL;
    x->refs--;
    /* Nobody left to stream to: the pending copy is dead weight. */
    if (x->refs == 0)
        node_out_free(&x->pending);
}

static bool of_xfer(const struct repl_client *rc, const struct repl_xfer *x, enum repl_rstate state)
{
    return rc->xfer == x && rc->state == state && !(rc->c->flags & NODE_CLIENT_CLOSING);
}

static void append_line(struct node_client *c, const char *fmt, const char *s, long long n)
{
    char line[128];
    int len = snprintf(line, sizeof(line), fmt, s, n);
    node_out_append(&c->out, line, (size_t)len);
}

/* +FULLRESYNC (not for old SYNC replicas) and, for the EOF form, the preamble. */
static void join(struct repl_xfer *x, struct repl_client *rc)
{
    core_assert(rc->xfer == NULL && rc->state == REPL_RS_WAIT_BGSAVE_START);
    rc->xfer = x;
    x->refs++;
    rc->state = REPL_RS_WAIT_BGSAVE_END;
    rc->progress_ms = core_time_ms();
    rc->progress_len = 0;
    if (!rc->pre_psync)
        append_line(rc->c, "+FULLRESYNC %s %lld\r\n", x->r->ids.replid, x->start_off);
    if (x->diskless) {
        node_out_append(&rc->c->out, "$EOF:", 5);
        node_out_append(&rc->c->out, x->mark, REPL_ID_LEN);
        node_out_append(&rc->c->out, "\r\n", 2);
    }
    node_client_write_now(rc->c);
}

static bool same_request(const struct repl_client *a, const struct repl_client *b)
{
    return a->rdb_only == b->rdb_only && a->no_data == b->no_data;
}

static bool waiting(const struct repl_client *rc)
{
    return rc->state == REPL_RS_WAIT_BGSAVE_START &&
           !(rc->c->flags & (NODE_CLIENT_CLOSING | NODE_CLIENT_CLOSE_AFTER_REPLY));
}

/* The transfer whose child is running, if any (one child at a time). */
static struct repl_xfer *running_xfer(struct repl *r)
{
    for (struct repl_xfer *x = r->m->xfers; x; x = x->next)
        if (!x->child_done)
            return x;
    return NULL;
}

/* ---- the child ---- */

static int write_fd(void *ud, const void *buf, size_t len)
{
    int fd = *(int *)ud;
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* REPLCONF rdb-filter-only: the header and aux fields, no keys. */
static int write_empty_rdb(struct node_server *srv, int fd, const struct node_persist_repl_info *ri)
{
    struct rdb_enc e;
    rdb_enc_init(&e, write_fd, &fd, srv->cfg.rdbcompression, srv->cfg.rdbchecksum);
    rdb_enc_header(&e);
    rdb_enc_aux(&e, "redis-ver", "7.0.15", 6);
    rdb_enc_aux_ll(&e, "redis-bits", 64);
    rdb_enc_aux_ll(&e, "ctime", (long long)time(NULL));
    rdb_enc_aux_ll(&e, "used-mem", (long long)core_used_memory());
    rdb_enc_aux_ll(&e, "repl-stream-db", ri->stream_db);
    rdb_enc_aux(&e, "repl-id", ri->replid, REPL_ID_LEN);
    rdb_enc_aux_ll(&e, "repl-offset", ri->offset);
    rdb_enc_aux_ll(&e, "aof-base", 0);
    int rc = rdb_enc_finish(&e);
    rdb_enc_free(&e);
    return rc;
}

static _Noreturn void child_main(struct node_server *srv, const struct repl_xfer *x, int wfd, int rfd,
                                 const struct node_persist_repl_info *ri)
{
    if (rfd >= 0)
        close(rfd);
    int rc = x->no_data ? write_empty_rdb(srv, wfd, ri) : node_persist_write_rdb(srv, wfd, ri);
    if (close(wfd) < 0)
        rc = -1;
    _exit(rc == 0 ? 0 : 1);
}

/* ---- after the child ---- */

static void fail_xfer(struct repl_xfer *x, const char *why)
{
    x->failed = true;
    close_pipe(x);
    for (struct repl_client *rc = x->r->m->replicas; rc; rc = rc->next) {
        if (rc->xfer != x || (rc->c->flags & NODE_CLIENT_CLOSING))
            continue;
        char name[320];
        core_log(CORE_LOG_WARNING, "SYNC failed for replica %s: %s", repl__replica_name(rc, name, sizeof(name)), why);
        repl__drop(rc);
    }
}

/* rdb-only replicas (redis-cli --rdb) get no stream: closed once the RDB is out. */
static void rdb_only_done(struct repl_client *rc)
{
    char name[320];
    rc->state = REPL_RS_RDB_SENT;
    repl__xfer_detach(rc);
    node_client_close(rc->c, false);
    node_client_write_now(rc->c);
    core_log(CORE_LOG_NOTICE, "RDB transfer completed, rdb only replica (%s) should be disconnected asap",
             repl__replica_name(rc, name, sizeof(name)));
}

/* The child closed its pipe: the RDB is whole, the mark closes it, as the
 * child's last bytes would in Redis (the child's exit status comes later). */
static void send_marks(struct repl_xfer *x)
{
    for (struct repl_client *rc = x->r->m->replicas; rc; rc = rc->next) {
        if (!of_xfer(rc, x, REPL_RS_WAIT_BGSAVE_END))
            continue;
        node_out_append(&rc->c->out, x->mark, REPL_ID_LEN);
        rc->mark_sent = true;
        node_client_write_now(rc->c);
    }
}

static void finish_diskless(struct repl_xfer *x)
{
    int64_t now_ms = core_time_ms();
    for (struct repl_client *rc = x->r->m->replicas; rc; rc = rc->next) {
        if (!of_xfer(rc, x, REPL_RS_WAIT_BGSAVE_END))
            continue;
        core_assert(rc->mark_sent);
        if (rc->rdb_only) {
            rdb_only_done(rc);
            continue;
        }
        rc->state = REPL_RS_ONLINE;
        rc->ack_time_ms = now_ms;
        char name[320];
        core_log(CORE_LOG_NOTICE, "Streamed RDB transfer with replica %s succeeded (socket). Waiting for REPLCONF "
                 "ACK from replica to enable streaming", repl__replica_name(rc, name, sizeof(name)));
        /* Nothing may follow the mark until the replica has seen it (spec
         * §4.2): an ACK after the mark says so. */
        if (rc->acked_after_mark)
            repl__start_stream(x->r, rc);
        else
            rc->stream_on_ack = true;
    }
}

static void begin_bulk(struct repl_xfer *x)
{
    struct stat st;
    if (fstat(x->fd, &st) < 0) {
        fail_xfer(x, strerror(errno));
        return;
    }
    x->size = (int64_t)st.st_size;
    for (struct repl_client *rc = x->r->m->replicas; rc; rc = rc->next) {
        if (!of_xfer(rc, x, REPL_RS_WAIT_BGSAVE_END))
            continue;
        rc->state = REPL_RS_SEND_BULK;
        rc->bulk_off = 0;
        append_line(rc->c, "%s%lld\r\n", "$", x->size);
        node_client_write_now(rc->c);
    }
}

/* Both the child's exit and (EOF form) the end of its pipe are needed. */
static void xfer_progress(struct repl_xfer *x)
{
    if (x->failed || x->finished)
        return;
    if (x->child_done && !x->child_ok) {
        fail_xfer(x, "the snapshot child failed");
        return;
    }
    if (x->pipe_error) {
        fail_xfer(x, "reading the snapshot child's output failed");
        return;
    }
    if (!x->child_done || (x->diskless && !x->pipe_eof))
        return;
    x->finished = true;
    if (x->diskless)
        finish_diskless(x);
    else
        begin_bulk(x);
}

static void on_child_done(struct node_server *srv, void *ud, bool ok, int exit_code, int signal)
{
    struct repl_xfer *x = ud;
    (void)srv;
    core_assert(!x->child_done);
    x->child_done = true;
    x->child_ok = ok;
    if (ok)
        core_log(CORE_LOG_NOTICE, "Background RDB transfer terminated with success");
    else
        core_log(CORE_LOG_WARNING, "Background transfer error (exit code %d, signal %d)", exit_code, signal);
    xfer_progress(x);
}

/* ---- the pipe (EOF form) ---- */

static void on_pipe_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    struct repl_xfer *x = h->data;
    (void)suggested;
    *buf = uv_buf_init((char *)x->rbuf, REPL_XFER_CHUNK);
}

static void on_pipe_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    struct repl_xfer *x = s->data;
    if (n == 0)
        return;
    if (n < 0) {
        if (n == UV_EOF)
            x->pipe_eof = true;
        else
            x->pipe_error = true;
        close_pipe(x);
        if (x->pipe_eof && !x->failed)
            send_marks(x);
        xfer_progress(x);
        return;
    }
    bool full = false;
    for (struct repl_client *rc = x->r->m->replicas; rc; rc = rc->next) {
        if (!of_xfer(rc, x, REPL_RS_WAIT_BGSAVE_END))
            continue;
        node_out_append(&rc->c->out, buf->base, (size_t)n);
        node_client_write_now(rc->c);
        full |= node_out_len(&rc->c->out) > REPL_XFER_OUT_HIGH;
    }
    if (full) {
        uv_read_stop(s);
        x->paused = true;
    }
}

static bool pipe_open(struct repl_xfer *x, int fd)
{
    x->pipe = core_malloc(sizeof(*x->pipe));
    uv_pipe_init(x->r->srv->loop, x->pipe, 0);
    x->pipe->data = x;
    if (uv_pipe_open(x->pipe, fd) < 0) {
        close(fd);
        close_pipe(x);
        return false;
    }
    if (uv_read_start((uv_stream_t *)x->pipe, on_pipe_alloc, on_pipe_read) < 0) {
        close_pipe(x);
        return false;
    }
    return true;
}

static bool can_resume(const struct repl_xfer *x)
{
    for (const struct repl_client *rc = x->r->m->replicas; rc; rc = rc->next)
        if (of_xfer(rc, x, REPL_RS_WAIT_BGSAVE_END) && node_out_len(&rc->c->out) > REPL_XFER_OUT_LOW)
            return false;
    return true;
}

/* ---- starting ---- */

/* The snapshot file of the disk form: in dir, unlinked at once so neither a
 * crash nor a failure leaves it behind (and dump.rdb is never touched). */
static int open_temp_file(void)
{
    static unsigned seq;
    char name[64];
    snprintf(name, sizeof(name), "temp-repl-%d-%u.rdb", (int)getpid(), ++seq);
    int fd = open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd >= 0)
        unlink(name);
    return fd;
}

static void refuse_group(struct repl *r, const struct repl_client *model)
{
    bool rdb_only = model->rdb_only, no_data = model->no_data;
    for (struct repl_client *rc = r->m->replicas; rc; rc = rc->next) {
        if (!waiting(rc) || rc->rdb_only != rdb_only || rc->no_data != no_data)
            continue;
        rc->state = REPL_RS_NONE;
        node_reply_error(&rc->c->out, "ERR BGSAVE failed, replication can't continue");
        node_client_close(rc->c, false);
        node_client_write_now(rc->c);
    }
}

/* Forks the child for the waiting replicas asking what model asks; fds[1]
 * is what the child writes (pipe or file), fds[0] the pipe's read end. */
static pid_t fork_child(struct repl *r, struct repl_xfer *x, int fds[2])
{
    struct node_persist_repl_info ri = {.stream_db = r->stream_db < 0 ? 0 : r->stream_db, .offset = r->ids.offset};
    memcpy(ri.replid, r->ids.replid, sizeof(ri.replid));
    pid_t pid = node_child_fork(r->srv, NODE_CHILD_REPL, on_child_done, x);
    if (pid == 0)
        child_main(r->srv, x, fds[1], fds[0], &ri);
    return pid;
}

static void start_xfer(struct repl *r, struct repl_client *model, bool diskless)
{
    struct repl_xfer *x = xfer_new(r, diskless, model);
    int fds[2] = {-1, -1};
    bool opened = diskless ? pipe2(fds, O_CLOEXEC) == 0 : (fds[1] = x->fd = open_temp_file()) >= 0;
    if (!opened) {
        core_log(CORE_LOG_WARNING, "Can't create the snapshot %s for SYNC: %s", diskless ? "pipe" : "file",
                 strerror(errno));
        refuse_group(r, model);
        xfer_free(x);
        return;
    }
    pid_t pid = fork_child(r, x, fds);
    if (pid < 0) {
        core_log(CORE_LOG_WARNING, "BGSAVE for replication failed: %s", strerror(errno));
        if (diskless) {
            close(fds[0]);
            close(fds[1]);
        }
        refuse_group(r, model);
        xfer_free(x);
        return;
    }
    x->pid = pid;
    x->start_off = r->ids.offset;
    x->next = r->m->xfers;
    r->m->xfers = x;
    if (diskless) {
        close(fds[1]);
        if (!pipe_open(x, fds[0]))
            x->pipe_error = true; /* the replicas fail once the child is reaped */
    }
    /* The replicas' stream starts after the RDB: name the DB first (spec §4.1). */
    r->stream_db = -1;
    core_log(CORE_LOG_NOTICE, "Starting BGSAVE for SYNC with target: %s", diskless ? "replicas sockets" : "disk");
    for (struct repl_client *rc = r->m->replicas; rc; rc = rc->next)
        if (waiting(rc) && same_request(rc, model))
            join(x, rc);
}

void repl__snapshot_maybe_start(struct repl *r, int64_t now_ms)
{
    struct repl_client *first = NULL;
    int count = 0;
    bool all_eof = true;
    int64_t oldest_ms = now_ms;
    for (struct repl_client *rc = r->m->replicas; rc; rc = rc->next) {
        if (!waiting(rc) || (first && !same_request(rc, first)))
            continue;
        if (!first)
            first = rc;
        count++;
        all_eof &= (rc->capa & REPL_CAPA_EOF) != 0;
        oldest_ms = CORE_MIN(oldest_ms, rc->wait_since_ms);
    }
    if (!first || node_child_running(r->srv) != NODE_CHILD_NONE)
        return;
    const struct node_config *cfg = &r->srv->cfg;
    bool diskless = (cfg->repl_diskless_sync || first->no_data) && all_eof;
    if (diskless && cfg->repl_diskless_sync) {
        /* Wait a little for more replicas to share this snapshot. */
        bool enough = cfg->repl_diskless_sync_max_replicas > 0 && count >= cfg->repl_diskless_sync_max_replicas;
        if (!enough && now_ms - oldest_ms < (int64_t)cfg->repl_diskless_sync_delay * 1000)
            return;
    }
    start_xfer(r, first, diskless);
}

void repl__snapshot_enqueue(struct repl *r, struct repl_client *rc)
{
    rc->state = REPL_RS_WAIT_BGSAVE_START;
    rc->wait_since_ms = core_time_ms();
    struct repl_xfer *x = running_xfer(r);
    /* A disk snapshot already running serves a newcomer too: same fork
     * point, same pending stream (spec §4.1). */
    if (x && !x->diskless && !x->failed && x->refs > 0 && x->rdb_only == rc->rdb_only && x->no_data == rc->no_data) {
        join(x, rc);
        core_log(CORE_LOG_NOTICE, "Waiting for end of BGSAVE for SYNC");
        return;
    }
    if (x)
        core_log(CORE_LOG_NOTICE, "Can't attach the replica to the current BGSAVE. Waiting for next BGSAVE for SYNC");
    else if (r->srv->cfg.repl_diskless_sync && (rc->capa & REPL_CAPA_EOF) && r->srv->cfg.repl_diskless_sync_delay)
        core_log(CORE_LOG_NOTICE, "Delay next BGSAVE for diskless SYNC");
    repl__snapshot_maybe_start(r, rc->wait_since_ms);
}

/* ---- the disk form's sending, backpressure, cleanup ---- */

static void pump_bulk(struct repl *r, struct repl_client *rc)
{
    struct repl_xfer *x = rc->xfer;
    struct node_client *c = rc->c;
    bool wrote = false;
    while (rc->bulk_off < x->size && node_out_len(&c->out) < REPL_XFER_OUT_LOW) {
        size_t want = (size_t)CORE_MIN((int64_t)REPL_XFER_CHUNK, x->size - rc->bulk_off);
        ssize_t n = pread(x->fd, x->rbuf, want, (off_t)rc->bulk_off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            char name[320];
            core_log(CORE_LOG_WARNING, "Read error sending DB to replica %s: %s",
                     repl__replica_name(rc, name, sizeof(name)), n < 0 ? strerror(errno) : "premature EOF");
            repl__drop(rc);
            return;
        }
        node_out_append(&c->out, x->rbuf, (size_t)n);
        rc->bulk_off += n;
        wrote = true;
    }
    if (wrote)
        node_client_write_now(c);
    if (rc->bulk_off < x->size)
        return;
    if (rc->rdb_only)
        rdb_only_done(rc);
    else
        repl__start_stream(r, rc);
}

/* Frees transfers nobody needs; a child with no replica left is stopped. */
static void collect(struct repl *r)
{
    for (struct repl_xfer **pp = &r->m->xfers; *pp;) {
        struct repl_xfer *x = *pp;
        if (x->refs > 0) {
            pp = &x->next;
            continue;
        }
        if (!x->child_done) {
            if (!x->kill_sent && node_child_running(r->srv) == NODE_CHILD_REPL) {
                x->kill_sent = true;
                core_log(CORE_LOG_WARNING, "Diskless rdb transfer, last replica dropped, killing fork child.");
                node_child_kill(r->srv);
            }
            pp = &x->next;
            continue;
        }
        close_pipe(x);
        *pp = x->next;
        xfer_free(x);
    }
}

void repl__snapshot_before_sleep(struct repl *r)
{
    if (!r->m->xfers)
        return;
    for (struct repl_client *rc = r->m->replicas; rc; rc = rc->next)
        if (rc->state == REPL_RS_SEND_BULK && rc->xfer && !(rc->c->flags & NODE_CLIENT_CLOSING))
            pump_bulk(r, rc);
    for (struct repl_xfer *x = r->m->xfers; x; x = x->next) {
        if (x->paused && x->pipe && (x->refs == 0 || can_resume(x))) {
            x->paused = false;
            if (uv_read_start((uv_stream_t *)x->pipe, on_pipe_alloc, on_pipe_read) < 0) {
                x->pipe_error = true;
                close_pipe(x);
                xfer_progress(x);
            }
        }
    }
    collect(r);
}

void repl__snapshot_cron(struct repl *r, int64_t now_ms)
{
    int64_t timeout_ms = repl__timeout_ms(&r->srv->cfg);
    for (struct repl_client *rc = r->m->replicas; rc; rc = rc->next) {
        struct node_client *c = rc->c;
        if (c->flags & NODE_CLIENT_CLOSING)
            continue;
        struct repl_xfer *x = rc->xfer;
        bool end = rc->state == REPL_RS_WAIT_BGSAVE_END && x;
        /* Keepalive until the payload starts (spec §4.1); never inside the EOF form's payload. */
        if (rc->state == REPL_RS_WAIT_BGSAVE_START || (end && !x->diskless)) {
            node_out_append(&c->out, "\n", 1);
            node_client_write_now(c);
        }
        if (!end || !x->diskless)
            continue;
        size_t len = node_out_len(&c->out);
        if (len == 0 || len != rc->progress_len) {
            rc->progress_len = len;
            rc->progress_ms = now_ms;
        } else if (now_ms - rc->progress_ms > timeout_ms) {
            char name[320];
            core_log(CORE_LOG_WARNING, "Disconnecting timedout replica (full sync): %s",
                     repl__replica_name(rc, name, sizeof(name)));
            repl__drop(rc);
        }
    }
}

void repl__snapshot_free_all(struct repl *r)
{
    /* Shutdown: the loop is closed, so the pipe handle was closed with it. */
    while (r->m->xfers) {
        struct repl_xfer *x = r->m->xfers;
        r->m->xfers = x->next;
        core_free(x->pipe);
        x->pipe = NULL;
        x->refs = 0;
        xfer_free(x);
    }
}
