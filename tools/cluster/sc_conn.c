/*
 * One blocking connection to a node: connect with a deadline, AUTH, queue
 * commands, flush, read RESP2 replies; every wait is bounded by the
 * connection's timeout.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sc_io.h"

#define CONNECT_TIMEOUT_MS 5000
#define ARGS_MAX 64

static int wait_fd(int fd, short events, int timeout_ms)
{
    struct pollfd p = {.fd = fd, .events = events};
    for (;;) {
        int rc = poll(&p, 1, timeout_ms);
        if (rc > 0)
            return 0;
        if (rc == 0)
            return -ETIMEDOUT;
        if (errno != EINTR)
            return -errno;
    }
}

static int dial(const char *host, int port, char *err, size_t err_size)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res, *ai;
    char ps[16];
    snprintf(ps, sizeof(ps), "%d", port);
    int rc = getaddrinfo(host, ps, &hints, &res);
    if (rc != 0) {
        snprintf(err, err_size, "cannot resolve %s: %s", host, gai_strerror(rc));
        return -1;
    }
    int fd = -1;
    int last = ECONNREFUSED;
    for (ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
        if (fd < 0)
            continue;
        fcntl(fd, F_SETFL, O_NONBLOCK);
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 ||
            (errno == EINPROGRESS && wait_fd(fd, POLLOUT, CONNECT_TIMEOUT_MS) == 0)) {
            int soerr = 0;
            socklen_t sl = sizeof(soerr);
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
            if (soerr == 0)
                break;
            last = soerr;
        } else {
            last = errno == EINPROGRESS ? ETIMEDOUT : errno;
        }
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        snprintf(err, err_size, "cannot connect to %s:%d: %s", host, port, strerror(last));
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

struct sc_conn *sc_conn_open(const char *host, int port, const struct sc_opts *o, char *err, size_t err_size)
{
    int fd = dial(host, port, err, err_size);
    if (fd < 0)
        return NULL;
    struct sc_conn *c = sc_xcalloc(1, sizeof(*c));
    c->fd = fd;
    snprintf(c->host, sizeof(c->host), "%s", host);
    c->port = port;
    c->timeout_ms = o->timeout_ms + 10000;
    if (o->pass) {
        struct sc_reply *r = o->user ? sc_conn_cmd(c, "AUTH", o->user, o->pass, NULL)
                                     : sc_conn_cmd(c, "AUTH", o->pass, NULL);
        if (!r || r->type == SC_REPLY_ERROR) {
            snprintf(err, err_size, "AUTH failed on %s:%d: %s", host, port, r ? r->str : c->err);
            sc_reply_free(r);
            sc_conn_close(c);
            return NULL;
        }
        sc_reply_free(r);
    }
    return c;
}

void sc_conn_close(struct sc_conn *c)
{
    if (!c)
        return;
    close(c->fd);
    sc_buf_free(&c->out);
    free(c->in);
    free(c);
}

void sc_conn_appendv(struct sc_conn *c, int argc, const char *const *argv, const size_t *lens)
{
    sc_resp_encode(&c->out, argc, argv, lens);
}

/* The NULL-terminated string arguments of sc_conn_append/sc_conn_cmd. */
static int collect_args(va_list ap, const char *argv[ARGS_MAX])
{
    int argc = 0;
    const char *a;
    while (argc < ARGS_MAX && (a = va_arg(ap, const char *)) != NULL)
        argv[argc++] = a;
    return argc;
}

void sc_conn_append(struct sc_conn *c, ...)
{
    const char *argv[ARGS_MAX];
    va_list ap;
    va_start(ap, c);
    int argc = collect_args(ap, argv);
    va_end(ap);
    sc_conn_appendv(c, argc, argv, NULL);
}

int sc_conn_flush(struct sc_conn *c)
{
    size_t off = 0;
    while (off < c->out.len) {
        ssize_t n = send(c->fd, c->out.data + off, c->out.len - off, MSG_NOSIGNAL);
        if (n > 0) {
            off += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (wait_fd(c->fd, POLLOUT, c->timeout_ms) < 0) {
                snprintf(c->err, sizeof(c->err), "write timeout to %s:%d", c->host, c->port);
                return -ETIMEDOUT;
            }
            continue;
        }
        snprintf(c->err, sizeof(c->err), "write error to %s:%d: %s", c->host, c->port, strerror(errno));
        return -EIO;
    }
    c->out.len = 0;
    return 0;
}

static int fill(struct sc_conn *c)
{
    if (c->in_off > 0 && c->in_off == c->in_len)
        c->in_off = c->in_len = 0;
    if (c->in_cap - c->in_len < 65536) {
        if (c->in_off > 0) {
            memmove(c->in, c->in + c->in_off, c->in_len - c->in_off);
            c->in_len -= c->in_off;
            c->in_off = 0;
        }
        if (c->in_cap - c->in_len < 65536) {
            c->in_cap = c->in_cap ? c->in_cap * 2 : 131072;
            c->in = sc_xrealloc(c->in, c->in_cap);
        }
    }
    for (;;) {
        ssize_t n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, 0);
        if (n > 0) {
            c->in_len += (size_t)n;
            return 0;
        }
        if (n == 0) {
            snprintf(c->err, sizeof(c->err), "%s:%d closed the connection", c->host, c->port);
            return -EIO;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            if (wait_fd(c->fd, POLLIN, c->timeout_ms) < 0) {
                snprintf(c->err, sizeof(c->err), "timeout reading from %s:%d", c->host, c->port);
                return -ETIMEDOUT;
            }
            continue;
        }
        snprintf(c->err, sizeof(c->err), "read error from %s:%d: %s", c->host, c->port, strerror(errno));
        return -EIO;
    }
}

struct sc_reply *sc_conn_read(struct sc_conn *c)
{
    if (c->out.len && sc_conn_flush(c) < 0)
        return NULL;
    for (;;) {
        struct sc_reply *r = NULL;
        /* Nothing buffered yet (c->in may still be NULL): read first. */
        ssize_t n = c->in_len > c->in_off ? sc_resp_parse(c->in + c->in_off, c->in_len - c->in_off, &r) : 0;
        if (n > 0) {
            c->in_off += (size_t)n;
            return r;
        }
        if (n < 0) {
            snprintf(c->err, sizeof(c->err), "protocol error from %s:%d", c->host, c->port);
            return NULL;
        }
        if (fill(c) < 0)
            return NULL;
    }
}

struct sc_reply *sc_conn_cmdv(struct sc_conn *c, int argc, const char *const *argv, const size_t *lens)
{
    sc_conn_appendv(c, argc, argv, lens);
    if (sc_conn_flush(c) < 0)
        return NULL;
    return sc_conn_read(c);
}

struct sc_reply *sc_conn_cmd(struct sc_conn *c, ...)
{
    const char *argv[ARGS_MAX];
    va_list ap;
    va_start(ap, c);
    int argc = collect_args(ap, argv);
    va_end(ap);
    return sc_conn_cmdv(c, argc, argv, NULL);
}

bool sc_info_field(const char *text, const char *name, char *out, size_t out_size)
{
    size_t nl = strlen(name);
    const char *p = text;
    while ((p = strstr(p, name)) != NULL) {
        if ((p == text || p[-1] == '\n') && p[nl] == ':') {
            const char *v = p + nl + 1;
            size_t k = strcspn(v, "\r\n,");
            if (k >= out_size)
                k = out_size - 1;
            memcpy(out, v, k);
            out[k] = '\0';
            return true;
        }
        p += nl;
    }
    return false;
}
