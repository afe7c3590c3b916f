/*
 * persist.c — the keyspace written as an RDB (rdb.md §2, §17), and when it
 * is written: SAVE, BGSAVE (in a child), the save points, the final save at
 * shutdown, stop-writes-on-bgsave-error, and the INFO persistence section.
 *
 * Owns: mapping a keyspace entry to its RDB type and body (one function per
 * type: node_persist__rdb_type / node_persist__write_body), the file's aux
 * fields, the temp-file-then-rename discipline, the save bookkeeping
 * (lastsave, dirty at the last save, bgsave status). Does not own the byte
 * encoding (replication/rdb.h), loading (persist_load.c), the fork
 * (child.c) nor the commands (cmd_persist.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sys/mman.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "node/core/core.h"
#include "node/core/core_log.h"
#include "node/evict.h"
#include "node/obj.h"
#include "node/persist_int.h"
#include "node/repl.h"
#include "node/server.h"
#include "node/text.h"

/* Keys between two progress reports (and copy-on-write samples) of the child. */
#define PROGRESS_EVERY_KEYS 1024
/* The child samples its copy-on-write at most this often (a /proc read). */
#define COW_SAMPLE_MS 1000
/* Buckets gathered per scan step while writing the keyspace. */
#define SCAN_BATCH_BUCKETS 256

/* ---- entry -> RDB ---- */

static int write_string_body(struct rdb_enc *enc, const struct node_ks_entry *e)
{
    int64_t v;
    if (node_ks_str_get_int(e, &v))
        return rdb_enc_str_ll(enc, v);
    char buf[NODE_KS_INTBUF];
    size_t len;
    const char *s = node_ks_str_get(e, buf, &len);
    return rdb_enc_str(enc, s, len);
}

/* Collections are written by their type's hooks (node/obj.h); a type
 * whose hooks are missing cannot be written. */
int node_persist__rdb_type(const struct node_ks_entry *e)
{
    enum node_ks_type t = node_ks_entry_type(e);
    if (t == NODE_KS_STRING)
        return RDB_TYPE_STRING;
    const struct node_obj_type *ot = node_obj_type(t);
    return ot->rdb_type && ot->rdb_write ? ot->rdb_type(node_ks_entry_ptr(e)) : -1;
}

int node_persist__write_body(struct rdb_enc *enc, const struct node_ks_entry *e)
{
    enum node_ks_type t = node_ks_entry_type(e);
    if (t == NODE_KS_STRING)
        return write_string_body(enc, e);
    const struct node_obj_type *ot = node_obj_type(t);
    if (!ot->rdb_write) {
        errno = ENOTSUP;
        return -1;
    }
    return ot->rdb_write(enc, node_ks_entry_ptr(e));
}

/* ---- the whole keyspace ---- */

struct write_ctx {
    struct rdb_enc enc;
    struct node_persist_state *st;
    uint64_t keys;
    int64_t last_cow_ms;
    int err;                /* errno of the first failure that was not a write */
    const struct node_ks *ks;
    bool save_idle, save_freq; /* the policy is LRU / LFU: keys carry IDLE / FREQ (as Redis) */
};

/* Redis's RDB_OPCODE_IDLE (then a length: seconds idle) and RDB_OPCODE_FREQ (then one byte). */
#define RDB_OP_IDLE 0xf8
#define RDB_OP_FREQ 0xf9

/* Blocking write of everything; partial writes and EINTR continue, EAGAIN
 * (a descriptor left non-blocking) waits until writable. */
static int fd_write_all(void *ud, const void *buf, size_t len)
{
    int fd = *(const int *)ud;
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            struct pollfd pfd = {.fd = fd, .events = POLLOUT};
            if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
                return -1;
            continue;
        }
        if (n <= 0) {
            if (n == 0)
                errno = EIO;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static void sample_cow(struct node_persist_progress *pr)
{
    uint64_t cow = node_child__private_dirty();
    pr->cow_current = cow;
    if (cow > pr->cow_peak)
        pr->cow_peak = cow;
    pr->cow_sum += cow;
    pr->cow_samples++;
    pr->cow_time_ms = core_time_ms();
}

/* Every PROGRESS_EVERY_KEYS keys: tell the parent (only a child has a
 * parent watching; the page is also harmless to write in SAVE). */
static void report_progress(struct write_ctx *w)
{
    w->st->progress->keys_processed = w->keys;
    if (!w->st->in_child)
        return;
    int64_t now = core_time_ms();
    if (now - w->last_cow_ms >= COW_SAMPLE_MS) {
        w->last_cow_ms = now;
        sample_cow(w->st->progress);
    }
}

static void write_key(void *ud, const struct node_ks_entry *e)
{
    struct write_ctx *w = ud;
    if (w->enc.err || w->err)
        return;
    int type = node_persist__rdb_type(e);
    if (type < 0) {
        w->err = ENOTSUP;
        return;
    }
    size_t klen;
    const char *key = node_ks_entry_key(e, &klen);
    int64_t expire = node_ks_entry_expire(e);
    if (expire != -1)
        rdb_enc_expire_ms(&w->enc, expire);
    if (w->save_idle) {
        uint8_t op = RDB_OP_IDLE;
        rdb_enc_raw(&w->enc, &op, 1);
        rdb_enc_len(&w->enc, node_ks_entry_idle_ms(w->ks, e) / 1000);
    } else if (w->save_freq) {
        uint8_t op[2] = {RDB_OP_FREQ, (uint8_t)node_ks_entry_freq(w->ks, e)};
        rdb_enc_raw(&w->enc, op, 2);
    }
    rdb_enc_type(&w->enc, (enum rdb_type)type);
    rdb_enc_str(&w->enc, key, klen);
    node_persist__write_body(&w->enc, e);
    if (++w->keys % PROGRESS_EVERY_KEYS == 0)
        report_progress(w);
}

/* Entries are gathered a few hundred buckets at a time and written after:
 * the scan then only loads bucket heads (its cache misses overlap instead of
 * waiting behind the encoding of each key), and each entry is prefetched. */
struct batch {
    const struct node_ks_entry **e;
    size_t len, cap;
};

static void collect(void *ud, const struct node_ks_entry *e)
{
    struct batch *b = ud;
    if (b->len == b->cap) {
        b->cap = b->cap ? b->cap * 2 : SCAN_BATCH_BUCKETS * 2;
        b->e = core_realloc(b->e, b->cap * sizeof(*b->e));
    }
    __builtin_prefetch(e);
    b->e[b->len++] = e;
}

/* One pass over every bucket; nothing changes the keyspace meanwhile (a
 * child, or SAVE blocking the loop), so no key is seen twice. */
static void write_all_keys(struct node_server *srv, struct write_ctx *w)
{
    struct batch b = {0};
    uint64_t cursor = 0;
    do {
        b.len = 0;
        cursor = node_ks_scan(srv->ks, cursor, SCAN_BATCH_BUCKETS, collect, &b);
        for (size_t i = 0; i < b.len; i++)
            write_key(w, b.e[i]);
    } while (cursor != 0 && !w->enc.err && !w->err);
    core_free(b.e);
}

/* Aux fields in Redis 7.0's order (rdb.md §16); redis-ver says 7.0.15
 * because shoal presents itself as that version everywhere (INFO) and
 * tools compare it; shoal-ver names the real writer (ignored by Redis). */
static void write_aux(struct rdb_enc *enc, const struct node_persist_repl_info *ri)
{
    rdb_enc_aux(enc, "redis-ver", "7.0.15", 6);
    rdb_enc_aux_ll(enc, "redis-bits", (long long)(sizeof(void *) * 8));
    rdb_enc_aux_ll(enc, "ctime", (long long)(core_time_ms() / 1000));
    rdb_enc_aux_ll(enc, "used-mem", (long long)core_used_memory());
    if (ri) {
        rdb_enc_aux_ll(enc, "repl-stream-db", ri->stream_db);
        rdb_enc_aux(enc, "repl-id", ri->replid, strlen(ri->replid));
        rdb_enc_aux_ll(enc, "repl-offset", (long long)ri->offset);
    }
    rdb_enc_aux_ll(enc, "aof-base", 0);
    rdb_enc_aux(enc, "shoal-ver", SHOAL_VERSION, strlen(SHOAL_VERSION));
}

int node_persist_write_rdb(struct node_server *srv, int fd, const struct node_persist_repl_info *ri)
{
    int policy = srv->cfg.maxmemory_policy;
    struct write_ctx w = {
        .st = node_persist__state(srv),
        .ks = srv->ks,
        .save_idle = policy == NODE_MAXMEMORY_VOLATILE_LRU || policy == NODE_MAXMEMORY_ALLKEYS_LRU,
        .save_freq = node_evict_policy_is_lfu(policy),
    };
    rdb_enc_init(&w.enc, fd_write_all, &fd, srv->cfg.rdbcompression, srv->cfg.rdbchecksum);
    rdb_enc_header(&w.enc);
    write_aux(&w.enc, ri);
    size_t nkeys = node_ks_size(srv->ks);
    if (nkeys > 0) {
        rdb_enc_select_db(&w.enc, 0);
        rdb_enc_resize_db(&w.enc, nkeys, node_ks_expires_size(srv->ks));
        write_all_keys(srv, &w);
    }
    int rc = w.err ? -1 : rdb_enc_finish(&w.enc);
    int saved_errno = w.err ? w.err : errno;
    rdb_enc_free(&w.enc);
    w.st->progress->keys_processed = w.keys;
    if (rc == 0 && w.st->in_child) {
        sample_cow(w.st->progress);
        w.st->progress->cow_final = w.st->progress->cow_current;
    }
    if (rc < 0) {
        errno = saved_errno ? saved_errno : EIO;
        return -1;
    }
    return 0;
}

/* ---- SAVE ---- */

const struct node_persist_repl_info *node_persist__save_info(struct node_server *srv,
                                                             struct node_persist_repl_info *ri)
{
    struct repl *r = srv->repl;
    if (!r || (!repl_is_replica(r) && !r->backlog))
        return NULL;
    ri->stream_db = 0;
    memcpy(ri->replid, r->ids.replid, sizeof(ri->replid));
    ri->replid[sizeof(ri->replid) - 1] = '\0';
    ri->offset = r->ids.offset;
    return ri;
}

static void log_cwd_error(const char *what, const char *tmp, const char *err)
{
    char cwd[PATH_MAX];
    const char *dir = getcwd(cwd, sizeof(cwd)) ? cwd : "unknown";
    core_log(CORE_LOG_WARNING, "%s %s (in server root dir %s) for saving: %s", what, tmp, dir, err);
}

/* fsync of the directory so the rename itself survives a crash. */
static void fsync_dir(void)
{
    int fd = open(".", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* Writes the RDB to temp-<pid>.rdb, fsyncs it and renames it over
 * dbfilename: a crash leaves the old file or the new one, never half. */
static int save_to_file(struct node_server *srv, const struct node_persist_repl_info *ri)
{
    char tmp[64];
    snprintf(tmp, sizeof(tmp), "temp-%d.rdb", (int)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) {
        log_cwd_error("Failed opening the temp RDB file", tmp, strerror(errno));
        return -1;
    }
    if (node_persist_write_rdb(srv, fd, ri) < 0 || fsync(fd) < 0) {
        core_log(CORE_LOG_WARNING, "Write error saving DB on disk: %s", strerror(errno));
        close(fd);
        unlink(tmp);
        return -1;
    }
    if (close(fd) < 0) {
        core_log(CORE_LOG_WARNING, "Write error saving DB on disk: %s", strerror(errno));
        unlink(tmp);
        return -1;
    }
    if (rename(tmp, srv->cfg.dbfilename) < 0) {
        char cwd[PATH_MAX];
        core_log(CORE_LOG_WARNING,
                 "Error moving temp DB file %s on the final destination %s (in server root dir %s): %s", tmp,
                 srv->cfg.dbfilename, getcwd(cwd, sizeof(cwd)) ? cwd : "unknown", strerror(errno));
        unlink(tmp);
        return -1;
    }
    fsync_dir();
    core_log(CORE_LOG_NOTICE, "DB saved on disk");
    return 0;
}

int node_persist__save(struct node_server *srv)
{
    struct node_persist_state *st = node_persist__state(srv);
    struct node_persist_repl_info ri;
    st->saves++;
    if (save_to_file(srv, node_persist__save_info(srv, &ri)) < 0)
        return -1;
    st->dirty_at_save = srv->dirty;
    st->lastsave_s = core_time_ms() / 1000;
    st->lastbgsave_ok = true;
    return 0;
}

/* ---- BGSAVE ---- */

static void bgsave_done(struct node_server *srv, void *ud, bool ok, int exit_code, int signal)
{
    (void)ud;
    (void)exit_code;
    struct node_persist_state *st = node_persist__state(srv);
    if (ok) {
        core_log(CORE_LOG_NOTICE, "Background saving terminated with success");
        st->dirty_at_save = st->dirty_before_bgsave;
        st->lastsave_s = core_time_ms() / 1000;
        st->lastbgsave_ok = true;
    } else if (signal == 0) {
        core_log(CORE_LOG_WARNING, "Background saving error");
        st->lastbgsave_ok = false;
    } else {
        core_log(CORE_LOG_WARNING, "Background saving terminated by signal %d", signal);
        char tmp[64];
        snprintf(tmp, sizeof(tmp), "temp-%d.rdb", (int)st->bgsave_pid);
        unlink(tmp);
        /* SIGUSR1 is how the server itself stops a child: not a failure. */
        if (signal != SIGUSR1)
            st->lastbgsave_ok = false;
    }
    st->bgsave_pid = 0;
}

_Noreturn static void bgsave_child(struct node_server *srv, const struct node_persist_repl_info *ri)
{
    struct node_persist_state *st = node_persist__state(srv);
    int rc = save_to_file(srv, ri);
    if (rc == 0) {
        const struct node_persist_progress *pr = st->progress;
        uint64_t avg = pr->cow_samples ? pr->cow_sum / pr->cow_samples : 0;
        core_log(CORE_LOG_NOTICE, "Fork CoW for RDB: current %llu MB, peak %llu MB, average %llu MB",
                 (unsigned long long)(pr->cow_final >> 20), (unsigned long long)(pr->cow_peak >> 20),
                 (unsigned long long)(avg >> 20));
    }
    _exit(rc == 0 ? 0 : 1);
}

int node_persist__bgsave(struct node_server *srv)
{
    struct node_persist_state *st = node_persist__state(srv);
    if (node_child_running(srv) != NODE_CHILD_NONE) {
        errno = EBUSY;
        return -1;
    }
    struct node_persist_repl_info ri;
    const struct node_persist_repl_info *rip = node_persist__save_info(srv, &ri);
    st->saves++;
    st->dirty_before_bgsave = srv->dirty;
    st->lastbgsave_try_s = core_time_ms() / 1000;
    pid_t pid = node_child_fork(srv, NODE_CHILD_RDB, bgsave_done, NULL);
    if (pid == 0)
        bgsave_child(srv, rip);
    if (pid < 0) {
        st->lastbgsave_ok = false;
        core_log(CORE_LOG_WARNING, "Can't save in background: fork: %s", strerror(errno));
        return -1;
    }
    st->bgsave_pid = pid;
    core_log(CORE_LOG_NOTICE, "Background saving started by pid %ld", (long)pid);
    return 0;
}

/* ---- cron, shutdown, MISCONF ---- */

static uint64_t changes_since_save(const struct node_server *srv, const struct node_persist_state *st)
{
    return srv->dirty >= st->dirty_at_save ? srv->dirty - st->dirty_at_save : 0;
}

/* After a failure, automatic saves wait NODE_PERSIST_RETRY_DELAY_S between tries. */
static bool may_retry(const struct node_persist_state *st, int64_t now_s)
{
    return st->lastbgsave_ok || now_s - st->lastbgsave_try_s > NODE_PERSIST_RETRY_DELAY_S;
}

static void check_save_points(struct node_server *srv, struct node_persist_state *st, int64_t now_s)
{
    uint64_t changes = changes_since_save(srv, st);
    for (int i = 0; i < srv->cfg.save_count && i < (int)CORE_ARRAY_LEN(srv->cfg.save_points); i++) {
        int secs = srv->cfg.save_points[i].seconds, need = srv->cfg.save_points[i].changes;
        if (changes >= (uint64_t)need && now_s - st->lastsave_s > secs && may_retry(st, now_s)) {
            core_log(CORE_LOG_NOTICE, "%d changes in %d seconds. Saving...", need, secs);
            node_persist__bgsave(srv);
            return;
        }
    }
}

void node_persist_cron(struct node_server *srv, int64_t now_ms)
{
    struct node_persist_state *st = node_persist__state(srv);
    int64_t now_s = now_ms / 1000;
    node_child__reap(srv);
    if (node_child_running(srv) == NODE_CHILD_NONE)
        check_save_points(srv, st, now_s);
    if (node_child_running(srv) == NODE_CHILD_NONE && st->bgsave_scheduled && may_retry(st, now_s)) {
        if (node_persist__bgsave(srv) == 0)
            st->bgsave_scheduled = false;
    }
}

int node_persist_shutdown_save(struct node_server *srv, bool force)
{
    if (!force && srv->cfg.save_count == 0)
        return 0;
    if (node_child_running(srv) != NODE_CHILD_NONE) {
        core_log(CORE_LOG_WARNING, "There is a child saving an .rdb. Killing it!");
        node_child_kill(srv);
    }
    core_log(CORE_LOG_NOTICE, "Saving the final RDB snapshot before exiting.");
    if (node_persist__save(srv) < 0) {
        core_log(CORE_LOG_WARNING, "Error trying to save the DB, can't exit.");
        return -1;
    }
    return 0;
}

bool node_persist_writes_refused(const struct node_server *srv)
{
    const struct node_persist_state *st = srv->persist;
    return st && !st->lastbgsave_ok && srv->cfg.stop_writes_on_bgsave_error && srv->cfg.save_count > 0;
}

void node_persist_fork_stats(const struct node_server *srv, int64_t *latest_fork_usec, uint64_t *total_forks)
{
    const struct node_persist_state *st = srv->persist;
    *latest_fork_usec = st ? st->latest_fork_usec : 0;
    *total_forks = st ? st->total_forks : 0;
}

/* ---- INFO persistence ---- */

static void info_child(struct node_text *t, const struct node_persist_state *st, bool running)
{
    const struct node_persist_progress *pr = st->progress;
    uint64_t processed = running ? pr->keys_processed : 0, total = running ? st->child_keys_total : 0;
    int64_t now_ms = core_time_ms();
    node_text_printf(t,
                     "current_cow_peak:%llu\r\ncurrent_cow_size:%llu\r\ncurrent_cow_size_age:%lld\r\n"
                     "current_fork_perc:%.2f\r\ncurrent_save_keys_processed:%llu\r\n"
                     "current_save_keys_total:%llu\r\n",
                     (unsigned long long)(running ? pr->cow_peak : 0),
                     (unsigned long long)(running ? pr->cow_current : 0),
                     (long long)(running && pr->cow_time_ms ? (now_ms - pr->cow_time_ms) / 1000 : 0),
                     total ? (double)processed * 100.0 / (double)total : 0.0, (unsigned long long)processed,
                     (unsigned long long)total);
}

void node_persist_info(struct node_server *srv, struct node_text *t)
{
    struct node_persist_state *st = node_persist__state(srv);
    bool running = node_child_running(srv) != NODE_CHILD_NONE;
    int64_t now_s = core_time_ms() / 1000;
    node_text_printf(t, "loading:%d\r\nasync_loading:0\r\n", srv->loading ? 1 : 0);
    info_child(t, st, running);
    node_text_printf(t,
                     "rdb_changes_since_last_save:%llu\r\nrdb_bgsave_in_progress:%d\r\n"
                     "rdb_last_save_time:%lld\r\nrdb_last_bgsave_status:%s\r\n"
                     "rdb_last_bgsave_time_sec:%lld\r\nrdb_current_bgsave_time_sec:%lld\r\nrdb_saves:%llu\r\n"
                     "rdb_last_cow_size:%llu\r\nrdb_last_load_keys_expired:%llu\r\n"
                     "rdb_last_load_keys_loaded:%llu\r\n",
                     (unsigned long long)changes_since_save(srv, st), running ? 1 : 0, (long long)st->lastsave_s,
                     st->lastbgsave_ok ? "ok" : "err", (long long)st->last_bgsave_time_s,
                     (long long)(running ? now_s - st->child_start_s : -1), (unsigned long long)st->saves,
                     (unsigned long long)st->last_cow_size, (unsigned long long)st->last_load_keys_expired,
                     (unsigned long long)st->last_load_keys_loaded);
    /* shoal has no AOF and no modules: the values of a Redis without them. */
    node_text_printf(t, "aof_enabled:0\r\naof_rewrite_in_progress:0\r\naof_rewrite_scheduled:0\r\n"
                        "aof_last_rewrite_time_sec:-1\r\naof_current_rewrite_time_sec:-1\r\n"
                        "aof_last_bgrewrite_status:ok\r\naof_rewrites:0\r\naof_rewrites_consecutive_failures:0\r\n"
                        "aof_last_write_status:ok\r\naof_last_cow_size:0\r\nmodule_fork_in_progress:0\r\n"
                        "module_fork_last_cow_size:0\r\n");
    if (srv->loading)
        node_persist__loading_info(srv, t);
}

int64_t node_persist__lastsave(struct node_server *srv)
{
    return node_persist__state(srv)->lastsave_s;
}

void node_persist__schedule_bgsave(struct node_server *srv)
{
    node_persist__state(srv)->bgsave_scheduled = true;
}

void node_persist_free(struct node_server *srv)
{
    struct node_persist_state *st = srv->persist;
    if (!st)
        return;
    if (st->loader)
        node_persist_loader_free(st->loader);
    if (st->progress_mapped)
        munmap((void *)st->progress, sizeof(*st->progress));
    else
        core_free((void *)st->progress);
    core_free(st);
    srv->persist = NULL;
}
