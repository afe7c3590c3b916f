/*
 * child.c — the one child process the server may run at a time (BGSAVE, or
 * a replication snapshot), as Redis's redisFork/checkChildrenDone.
 *
 * Owns: forking, preparing the child (signals, role in the log, descriptors
 * it must not keep), reaping it, the fork statistics and the page the child
 * reports its progress and copy-on-write through. Does not own what the
 * child does (persist.c, repl_snapshot.c) nor what its end means (the done
 * callbacks).
 *
 * REAPING: the parent polls with waitpid(pid, WNOHANG) from
 * node_persist_cron (every server cron tick, ~100 ms) rather than a SIGCHLD
 * handler: libuv may own SIGCHLD for processes it spawns, and a 100 ms delay
 * in noticing the end of a save costs nothing. node_child_kill reaps at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "node/core/core.h"
#include "node/core/core_log.h"
#include "node/persist_int.h"
#include "node/server.h"

struct node_persist_state *node_persist__state(struct node_server *srv)
{
    if (!srv->persist) {
        struct node_persist_state *st = core_calloc(1, sizeof(*st));
        st->lastsave_s = srv->start_time_ms > 0 ? srv->start_time_ms / 1000 : core_time_ms() / 1000;
        st->lastbgsave_ok = true;
        st->last_bgsave_time_s = -1;
        st->dirty_at_save = 0; /* start-up counts as a save of what was loaded (Redis) */
        void *p = mmap(NULL, sizeof(struct node_persist_progress), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                       -1, 0);
        /* Without the shared page the child's progress is simply not seen. */
        st->progress_mapped = p != MAP_FAILED;
        st->progress = st->progress_mapped ? p : core_calloc(1, sizeof(*st->progress));
        srv->persist = st;
    }
    return srv->persist;
}

/* The child keeps nothing that would outlive the parent for no reason: the
 * listening sockets (a restarted server must be able to bind) and the lock
 * on nodes.conf; signals that libuv routes to the PARENT's loop through a
 * shared pipe get their default action back. */
static void child_setup(struct node_server *srv, struct node_persist_state *st)
{
    static const int sigs[] = {SIGTERM, SIGINT, SIGUSR1, SIGUSR2, SIGHUP, SIGCHLD};
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < CORE_ARRAY_LEN(sigs); i++)
        sigaction(sigs[i], &sa, NULL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    core_log_set_role('C');
    st->in_child = true;
    st->child_pid = 0;
    for (int i = 0; i < srv->nlisteners; i++) {
        uv_os_fd_t fd;
        if (srv->listeners[i] && uv_fileno((uv_handle_t *)srv->listeners[i], &fd) == 0)
            close(fd);
    }
    if (srv->cluster_lock_fd > 0)
        close(srv->cluster_lock_fd);
}

pid_t node_child_fork(struct node_server *srv, enum node_child_kind kind, node_child_done_fn done, void *ud)
{
    core_assert(kind != NODE_CHILD_NONE);
    struct node_persist_state *st = node_persist__state(srv);
    if (st->child_pid > 0 || st->in_child) {
        errno = EBUSY;
        return -1;
    }
    memset((void *)st->progress, 0, sizeof(*st->progress));
    uint64_t keys_total = node_ks_size(srv->ks);
    int64_t t0 = core_mono_us();
    pid_t pid = fork();
    if (pid == 0) {
        child_setup(srv, st);
        return 0;
    }
    if (pid < 0)
        return -1;
    st->latest_fork_usec = core_mono_us() - t0;
    st->total_forks++;
    st->child_pid = pid;
    st->child_kind = kind;
    st->child_done = done;
    st->child_ud = ud;
    st->child_start_s = core_time_ms() / 1000;
    st->child_keys_total = keys_total;
    return pid;
}

enum node_child_kind node_child_running(const struct node_server *srv)
{
    const struct node_persist_state *st = srv->persist;
    return st && st->child_pid > 0 ? st->child_kind : NODE_CHILD_NONE;
}

/* The child ended with status: statistics, then its done callback (which
 * may fork the next child: the state is cleared first). */
static void child_ended(struct node_server *srv, struct node_persist_state *st, int status, bool reaped)
{
    node_child_done_fn done = st->child_done;
    void *ud = st->child_ud;
    int code = -1, sig = 0;
    if (reaped && WIFEXITED(status))
        code = WEXITSTATUS(status);
    else if (reaped && WIFSIGNALED(status))
        sig = WTERMSIG(status);
    bool ok = reaped && code == 0 && sig == 0;
    st->last_bgsave_time_s = core_time_ms() / 1000 - st->child_start_s;
    if (ok && st->progress->cow_final)
        st->last_cow_size = st->progress->cow_final;
    st->child_pid = 0;
    st->child_kind = NODE_CHILD_NONE;
    st->child_done = NULL;
    st->child_ud = NULL;
    if (done)
        done(srv, ud, ok, code, sig);
}

void node_child__reap(struct node_server *srv)
{
    struct node_persist_state *st = srv->persist;
    if (!st || st->child_pid <= 0)
        return;
    int status = 0;
    pid_t r = waitpid(st->child_pid, &status, WNOHANG);
    if (r == 0 || (r < 0 && errno == EINTR))
        return;
    if (r < 0)
        core_log(CORE_LOG_WARNING, "waitpid() returned an error: %s. child_pid = %d", strerror(errno),
                 (int)st->child_pid);
    child_ended(srv, st, status, r > 0);
}

void node_child_kill(struct node_server *srv)
{
    struct node_persist_state *st = srv->persist;
    if (!st || st->child_pid <= 0)
        return;
    /* SIGUSR1 tells the done callback this was on purpose (not a failure). */
    kill(st->child_pid, SIGUSR1);
    int status = 0;
    pid_t r;
    do
        r = waitpid(st->child_pid, &status, 0);
    while (r < 0 && errno == EINTR);
    child_ended(srv, st, status, r > 0);
}

/* Sums the Private_Dirty lines of /proc/self/smaps_rollup: the pages this
 * child has copied since the fork (its copy-on-write cost). */
uint64_t node_child__private_dirty(void)
{
    int fd = open("/proc/self/smaps_rollup", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    char buf[4096];
    ssize_t n;
    do
        n = read(fd, buf, sizeof(buf) - 1);
    while (n < 0 && errno == EINTR);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    uint64_t total = 0;
    for (char *p = strstr(buf, "Private_Dirty:"); p; p = strstr(p + 1, "Private_Dirty:"))
        total += strtoull(p + strlen("Private_Dirty:"), NULL, 10) * 1024;
    return total;
}
