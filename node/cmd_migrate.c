/*
 * cmd_migrate.c — MIGRATE, with redis-server 7.0.15's options, replies,
 * error texts and cached connections (cluster-bus spec §26).
 *
 * Owns the connection cache (one socket per "host:port" as typed, at most
 * NODE_MIGRATE_CACHE_MAX, closed after NODE_MIGRATE_IDLE_S idle or on any
 * error) and the exchange with the target. Does not own the DUMP payload
 * (cmd_persist.c) nor routing: dispatch.c routes MIGRATE by the keys
 * node_migrate_getkeys() finds (the key, or those after KEYS) and serves it
 * here whenever that slot is open (migrating or importing), as Redis.
 *
 * BEHAVIOR
 *   The exchange is synchronous, as in Redis: the whole server waits on a
 *   blocking socket (poll with the command's timeout per connect, per 64 KiB
 *   written and per reply line) while the keys are serialized, sent and
 *   acknowledged. The data set cannot change under the command, so a key is
 *   deleted exactly when the target acknowledged it. The stall other clients
 *   see therefore scales with the payload size (serializing plus the
 *   transfer), and with the target's speed at restoring it.
 *
 *   One buffer: [AUTH [user] pass] [SELECT db, when this cached connection
 *   has not selected db] and one RESTORE-ASKING (cluster mode) or RESTORE
 *   key ttl payload [REPLACE] per live key; then one reply line per command.
 *   Each acknowledged key is deleted (unless COPY) and the deletions go to
 *   replicas as one DEL. The first error line becomes "ERR Target instance
 *   replied with error: <line>". A socket error before any reply, other than
 *   a timeout, closes the socket and retries once on a new one; otherwise it
 *   is "IOERR error or timeout writing|reading to target instance".
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "node/notify.h"
#include "node/watch.h"
#include "node/commands.h"
#include "node/core/core.h"
#include "node/persist_int.h"
#include "node/propagate.h"
#include "node/server.h"

/* Redis's MIGRATE_SOCKET_CACHE_ITEMS and MIGRATE_SOCKET_CACHE_TTL. */
#define NODE_MIGRATE_CACHE_MAX 64
#define NODE_MIGRATE_IDLE_S 10
/* Write chunk and reply line limit, as Redis (longer lines are cut). */
#define NODE_MIGRATE_CHUNK (64 * 1024)
#define NODE_MIGRATE_LINE_MAX 1024
#define NODE_MIGRATE_HOSTPORT_MAX 1024

struct migrate_conn {
    char *name; /* "host:port" as the client typed them */
    int fd;
    long long last_db; /* -1: SELECT must be sent */
    int64_t last_use_ms;
    char rbuf[4096]; /* bytes read past the last reply line */
    size_t rpos, rlen;
    struct migrate_conn *next;
};

struct node_migrate_state {
    struct migrate_conn *conns;
    size_t count;
};

static struct node_migrate_state *state_of(struct node_server *srv)
{
    if (!srv->migrate)
        srv->migrate = core_calloc(1, sizeof(*srv->migrate));
    return srv->migrate;
}

static void conn_close(struct node_server *srv, struct migrate_conn *mc)
{
    struct node_migrate_state *st = state_of(srv);
    for (struct migrate_conn **p = &st->conns; *p; p = &(*p)->next) {
        if (*p == mc) {
            *p = mc->next;
            st->count--;
            break;
        }
    }
    close(mc->fd);
    core_free(mc->name);
    core_free(mc);
}

size_t node_migrate_cached_count(const struct node_server *srv)
{
    return srv->migrate ? srv->migrate->count : 0;
}

void node_migrate_cron(struct node_server *srv, int64_t now_ms)
{
    if (!srv->migrate)
        return;
    struct migrate_conn *mc = srv->migrate->conns;
    while (mc) {
        struct migrate_conn *next = mc->next;
        if (now_ms - mc->last_use_ms > NODE_MIGRATE_IDLE_S * 1000)
            conn_close(srv, mc);
        mc = next;
    }
}

void node_migrate_free(struct node_server *srv)
{
    if (!srv->migrate)
        return;
    while (srv->migrate->conns)
        conn_close(srv, srv->migrate->conns);
    core_free(srv->migrate);
    srv->migrate = NULL;
}

/* Waits until fd is ready for events or deadline_ms passes: 0, or -ETIMEDOUT / -errno. */
static int wait_fd(int fd, short events, int64_t deadline_ms)
{
    for (;;) {
        int64_t left = deadline_ms - core_mono_us() / 1000;
        if (left <= 0)
            return -ETIMEDOUT;
        struct pollfd p = {.fd = fd, .events = events};
        int r = poll(&p, 1, (int)CORE_MIN(left, (int64_t)INT32_MAX));
        if (r > 0)
            return 0;
        if (r == 0)
            return -ETIMEDOUT;
        if (errno != EINTR)
            return -errno;
    }
}

static int connect_addr(const struct addrinfo *ai, int64_t deadline_ms)
{
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0)
        return -errno;
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 && errno != EINPROGRESS) {
        int err = -errno;
        close(fd);
        return err;
    }
    /* Only a timeout fails the connect, as in Redis: a refused connection
     * is writable too, and shows up as a failed write (retried once, then
     * "IOERR error or timeout writing to target instance"). */
    int err = wait_fd(fd, POLLOUT, deadline_ms);
    if (err < 0) {
        close(fd);
        return err;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

/* A connected non-blocking socket to host:port within timeout_ms, or a negative errno. */
static int connect_target(const char *host, const char *port, long long timeout_ms)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL;
    char portbuf[16];
    snprintf(portbuf, sizeof(portbuf), "%d", atoi(port));
    if (getaddrinfo(host, portbuf, &hints, &res) != 0)
        return -EHOSTUNREACH;
    int64_t deadline = core_mono_us() / 1000 + timeout_ms;
    int fd = -ECONNREFUSED;
    for (const struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next)
        fd = connect_addr(ai, deadline);
    freeaddrinfo(res);
    return fd;
}

/* The cached connection for argv[1]:argv[2], or a new one; NULL (and the
 * error replied) when connecting failed. */
static struct migrate_conn *get_conn(struct node_client *c, long long timeout_ms)
{
    struct node_migrate_state *st = state_of(c->srv);
    char name[NODE_MIGRATE_HOSTPORT_MAX * 2 + 2];
    snprintf(name, sizeof(name), "%.*s:%.*s", (int)CORE_MIN(c->argl[1], (size_t)NODE_MIGRATE_HOSTPORT_MAX),
             c->argv[1], (int)CORE_MIN(c->argl[2], (size_t)NODE_MIGRATE_HOSTPORT_MAX), c->argv[2]);
    int64_t now = core_time_ms();
    for (struct migrate_conn *mc = st->conns; mc; mc = mc->next) {
        if (strcmp(mc->name, name) == 0) {
            mc->last_use_ms = now;
            return mc;
        }
    }
    if (st->count >= NODE_MIGRATE_CACHE_MAX) {
        struct migrate_conn *oldest = st->conns;
        for (struct migrate_conn *mc = st->conns; mc; mc = mc->next)
            if (mc->last_use_ms < oldest->last_use_ms)
                oldest = mc;
        conn_close(c->srv, oldest);
    }
    char host[NODE_MIGRATE_HOSTPORT_MAX + 1], port[NODE_MIGRATE_HOSTPORT_MAX + 1];
    snprintf(host, sizeof(host), "%.*s", (int)CORE_MIN(c->argl[1], sizeof(host) - 1), c->argv[1]);
    snprintf(port, sizeof(port), "%.*s", (int)CORE_MIN(c->argl[2], sizeof(port) - 1), c->argv[2]);
    int fd = connect_target(host, port, timeout_ms);
    if (fd < 0) {
        node_reply_error(&c->out, "IOERR error or timeout connecting to the client");
        return NULL;
    }
    struct migrate_conn *mc = core_calloc(1, sizeof(*mc));
    mc->name = core_strndup(name, strlen(name));
    mc->fd = fd;
    mc->last_db = -1;
    mc->last_use_ms = now;
    mc->next = st->conns;
    st->conns = mc;
    st->count++;
    return mc;
}

/* ---- the request buffer ---- */

struct obuf {
    char *p;
    size_t len, cap;
};

static void ob_put(struct obuf *b, const void *p, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = CORE_MAX(b->cap * 2, b->len + n + 256);
        b->p = core_realloc(b->p, cap);
        b->cap = cap;
    }
    memcpy(b->p + b->len, p, n);
    b->len += n;
}

static void ob_header(struct obuf *b, char type, long long n)
{
    char h[32];
    int k = snprintf(h, sizeof(h), "%c%lld\r\n", type, n);
    ob_put(b, h, (size_t)k);
}

static void ob_bulk(struct obuf *b, const void *p, size_t n)
{
    ob_header(b, '$', (long long)n);
    ob_put(b, p, n);
    ob_put(b, "\r\n", 2);
}

static void ob_bulk_ll(struct obuf *b, long long v)
{
    char num[32];
    int k = snprintf(num, sizeof(num), "%lld", v);
    ob_bulk(b, num, (size_t)k);
}

/* ---- blocking I/O ---- */

static int write_all(int fd, const char *p, size_t len, long long timeout_ms)
{
    size_t pos = 0;
    while (pos < len) {
        size_t chunk = CORE_MIN(len - pos, (size_t)NODE_MIGRATE_CHUNK);
        int64_t deadline = core_mono_us() / 1000 + timeout_ms;
        size_t done = 0;
        while (done < chunk) {
            ssize_t n = send(fd, p + pos + done, chunk - done, MSG_NOSIGNAL);
            if (n > 0) {
                done += (size_t)n;
                continue;
            }
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
                return -errno;
            int err = wait_fd(fd, POLLOUT, deadline);
            if (err < 0)
                return err;
        }
        pos += chunk;
    }
    return 0;
}

/* Reads one reply line (without CRLF, cut at NODE_MIGRATE_LINE_MAX - 1
 * bytes) into line. 0, or -ETIMEDOUT, -ECONNRESET (closed) or -errno. */
static int read_line(struct migrate_conn *mc, char *line, long long timeout_ms)
{
    int64_t deadline = core_mono_us() / 1000 + timeout_ms;
    size_t n = 0;
    for (;;) {
        while (mc->rpos < mc->rlen) {
            char ch = mc->rbuf[mc->rpos++];
            if (ch == '\n') {
                if (n > 0 && line[n - 1] == '\r')
                    n--;
                line[n] = '\0';
                return 0;
            }
            if (n < NODE_MIGRATE_LINE_MAX - 1)
                line[n++] = ch;
        }
        ssize_t r = recv(mc->fd, mc->rbuf, sizeof(mc->rbuf), 0);
        if (r > 0) {
            mc->rpos = 0;
            mc->rlen = (size_t)r;
            continue;
        }
        if (r == 0)
            return -ECONNRESET;
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return -errno;
        int err = wait_fd(mc->fd, POLLIN, deadline);
        if (err < 0)
            return err;
    }
}

/* ---- the command ---- */

struct migrate_req {
    bool copy, replace;
    int user, pass;   /* argv indexes, 0 = none */
    int first_key;    /* argv index */
    int nkeys;
    long long db, timeout_ms;
    int *keys;        /* argv indexes of the keys present (nkeys) */
};

/* Options after the fifth argument, in Redis's order; replies and returns false on error. */
static bool parse_opts(struct node_client *c, struct migrate_req *r)
{
    r->first_key = 3;
    r->nkeys = 1;
    for (int j = 6; j < c->argc; j++) {
        int more = c->argc - 1 - j;
        if (node_arg_is(c, j, "copy")) {
            r->copy = true;
        } else if (node_arg_is(c, j, "replace")) {
            r->replace = true;
        } else if (node_arg_is(c, j, "auth") && more >= 1) {
            r->user = 0;
            r->pass = ++j;
        } else if (node_arg_is(c, j, "auth2") && more >= 2) {
            r->user = ++j;
            r->pass = ++j;
        } else if (node_arg_is(c, j, "keys")) {
            if (c->argl[3] != 0) {
                node_reply_error(&c->out, "ERR When using MIGRATE KEYS option, the key argument must be set to "
                                          "the empty string");
                return false;
            }
            r->first_key = j + 1;
            r->nkeys = c->argc - j - 1;
            break;
        } else {
            node_reply_error(&c->out, NODE_ERR_SYNTAX);
            return false;
        }
    }
    if (!node_arg_ll(c, 5, &r->timeout_ms, NULL) || !node_arg_ll(c, 4, &r->db, NULL))
        return false;
    if (r->timeout_ms <= 0)
        r->timeout_ms = 1000;
    return true;
}

/* The request for the keys in r->keys; keys that expired since they were
 * found are dropped from r->keys. Returns false (replied) if a value
 * cannot be serialized. */
static bool build_request(struct node_client *c, struct migrate_req *r, bool select, struct obuf *b)
{
    struct node_ks *ks = c->srv->ks;
    if (r->pass) {
        ob_header(b, '*', r->user ? 3 : 2);
        ob_bulk(b, "AUTH", 4);
        if (r->user)
            ob_bulk(b, c->argv[r->user], c->argl[r->user]);
        ob_bulk(b, c->argv[r->pass], c->argl[r->pass]);
    }
    if (select) {
        ob_header(b, '*', 2);
        ob_bulk(b, "SELECT", 6);
        ob_bulk_ll(b, r->db);
    }
    bool cluster = c->srv->gossip != NULL;
    int live = 0;
    for (int j = 0; j < r->nkeys; j++) {
        int k = r->keys[j];
        struct node_ks_entry *e = node_ks_find(ks, c->argv[k], c->argl[k], NODE_KS_NOEXPIRE);
        if (!e)
            continue;
        long long ttl = 0;
        int64_t when = node_ks_entry_expire(e);
        if (when != -1) {
            ttl = when - node_ks_now(ks);
            if (ttl < 0)
                continue;
            if (ttl < 1)
                ttl = 1;
        }
        struct rdb_enc enc;
        if (node_persist__dump_payload(c->srv, e, &enc) < 0) {
            node_reply_error(&c->out, NODE_PERSIST_ERR_DUMP_TYPE);
            return false;
        }
        r->keys[live++] = k;
        ob_header(b, '*', r->replace ? 5 : 4);
        if (cluster)
            ob_bulk(b, "RESTORE-ASKING", 14);
        else
            ob_bulk(b, "RESTORE", 7);
        ob_bulk(b, c->argv[k], c->argl[k]);
        ob_bulk_ll(b, ttl);
        ob_bulk(b, enc.buf, enc.len);
        rdb_enc_free(&enc);
        if (r->replace)
            ob_bulk(b, "REPLACE", 7);
    }
    r->nkeys = live;
    return true;
}

/* The acknowledged keys leave this node: deleted, and sent to replicas as
 * one DEL (Redis rewrites the MIGRATE itself into that DEL). */
static void delete_acked(struct node_client *c, const int *acked, int nacked)
{
    if (nacked == 0)
        return;
    const char **argv = core_malloc(sizeof(*argv) * (size_t)(nacked + 1));
    size_t *argl = core_malloc(sizeof(*argl) * (size_t)(nacked + 1));
    argv[0] = "DEL";
    argl[0] = 3;
    for (int i = 0; i < nacked; i++) {
        if (node_ks_delete(c->srv->ks, c->argv[acked[i]], c->argl[acked[i]])) {
            node_key_modified(c->srv, c->argv[acked[i]], c->argl[acked[i]]);
            node_notify(c->srv, NODE_NOTIFY_GENERIC, "del", c->argv[acked[i]], c->argl[acked[i]]);
        }
        argv[i + 1] = c->argv[acked[i]];
        argl[i + 1] = c->argl[acked[i]];
    }
    node_prop_rewrite(c, nacked + 1, argv, argl);
    node_server_dirty(c->srv, (uint64_t)nacked);
    core_free(argv);
    core_free(argl);
}

enum attempt_result {
    ATTEMPT_DONE,     /* replied (the socket may still be broken: see *broken) */
    ATTEMPT_CLEAN,    /* socket error before any reply was used: nothing changed here */
    ATTEMPT_PARTIAL,  /* socket error after some replies: IOERR reading, no retry */
};

/* Reads the AUTH and SELECT replies, then one per key. */
static enum attempt_result read_replies(struct node_client *c, struct migrate_conn *mc, struct migrate_req *r,
                                        bool select, int *err, bool *broken)
{
    char auth_line[NODE_MIGRATE_LINE_MAX] = "", select_line[NODE_MIGRATE_LINE_MAX] = "";
    char line[NODE_MIGRATE_LINE_MAX];
    if (r->pass && (*err = read_line(mc, auth_line, r->timeout_ms)) < 0)
        return ATTEMPT_CLEAN;
    if (select && (*err = read_line(mc, select_line, r->timeout_ms)) < 0)
        return ATTEMPT_CLEAN;
    int *acked = core_malloc(sizeof(int) * (size_t)r->nkeys);
    int nacked = 0, j;
    bool target_error = false;
    for (j = 0; j < r->nkeys; j++) {
        if ((*err = read_line(mc, line, r->timeout_ms)) < 0) {
            *broken = true;
            break;
        }
        const char *bad = NULL;
        if (auth_line[0] == '-')
            bad = auth_line;
        else if (select_line[0] == '-')
            bad = select_line;
        else if (line[0] == '-')
            bad = line;
        if (bad && !target_error) {
            mc->last_db = -1;
            target_error = true;
            node_reply_errorf(&c->out, "ERR Target instance replied with error: %s", bad + 1);
        } else if (!bad && !r->copy) {
            acked[nacked++] = r->keys[j];
        }
    }
    if (!target_error && *broken && j == 0 && *err != -ETIMEDOUT) {
        core_free(acked);
        return ATTEMPT_CLEAN;
    }
    delete_acked(c, acked, nacked);
    core_free(acked);
    if (target_error)
        return ATTEMPT_DONE;
    if (*broken)
        return ATTEMPT_PARTIAL;
    mc->last_db = r->db;
    node_reply_ok(&c->out);
    return ATTEMPT_DONE;
}

/* One try on mc. *write_error tells which IOERR text a failure gets. */
static enum attempt_result attempt(struct node_client *c, struct migrate_conn *mc, struct migrate_req *r, int *err,
                                   bool *write_error, bool *broken)
{
    bool select = mc->last_db != r->db;
    struct obuf b = {0};
    if (!build_request(c, r, select, &b)) {
        core_free(b.p);
        return ATTEMPT_DONE;
    }
    mc->rpos = mc->rlen = 0;
    *err = write_all(mc->fd, b.p, b.len, r->timeout_ms);
    core_free(b.p);
    if (*err < 0) {
        *write_error = true;
        return ATTEMPT_CLEAN;
    }
    return read_replies(c, mc, r, select, err, broken);
}

/* Present keys of the request into r->keys; false when there are none. */
static bool find_keys(struct node_client *c, struct migrate_req *r)
{
    r->keys = core_malloc(sizeof(int) * (size_t)CORE_MAX(r->nkeys, 1));
    int n = 0;
    for (int j = 0; j < r->nkeys; j++) {
        int k = r->first_key + j;
        if (node_ks_find(c->srv->ks, c->argv[k], c->argl[k], NODE_KS_READ))
            r->keys[n++] = k;
    }
    r->nkeys = n;
    return n > 0;
}

void node_cmd_migrate(struct node_client *c)
{
    struct migrate_req r = {0};
    if (!parse_opts(c, &r))
        return;
    if (!find_keys(c, &r)) {
        core_free(r.keys);
        node_reply_simple(&c->out, "NOKEY");
        return;
    }
    /* A socket error that changed nothing, other than a timeout, is retried
     * once on a new socket: a cached one is often closed by the peer. */
    for (bool may_retry = true;; may_retry = false) {
        struct migrate_conn *mc = get_conn(c, r.timeout_ms);
        if (!mc)
            break;
        int err = 0;
        bool write_error = false, broken = false;
        enum attempt_result res = attempt(c, mc, &r, &err, &write_error, &broken);
        if (res == ATTEMPT_DONE) {
            if (broken)
                conn_close(c->srv, mc);
            break;
        }
        conn_close(c->srv, mc);
        if (res == ATTEMPT_CLEAN && may_retry && err != -ETIMEDOUT)
            continue;
        node_reply_errorf(&c->out, "IOERR error or timeout %s to target instance",
                          write_error ? "writing" : "reading");
        break;
    }
    core_free(r.keys);
}

/* MIGRATE's keys for COMMAND GETKEYS: argv[3], or the keys after KEYS
 * (the first KEYS word among the options, as Redis's migrateGetKeys). */
int node_migrate_getkeys(int argc, const char **argv, const size_t *argl, int *idx, int idx_cap)
{
    int first = 3, n = 1;
    for (int i = 6; i < argc; i++) {
        if (argl[i] == 4 && strncasecmp(argv[i], "keys", 4) == 0) {
            if (argl[3] == 0) {
                first = i + 1;
                n = argc - i - 1;
            }
            break;
        }
    }
    if (n > idx_cap)
        return -1;
    for (int i = 0; i < n; i++)
        idx[i] = first + i;
    return n;
}
