/*
 * gossip_bus.c — cluster bus sockets: accept, connect, read frames, write.
 *
 * Each connection is a heap `struct conn` owning its uv_tcp_t; it is freed
 * only in the handle's close callback (libuv's rule). The gossip link record
 * belongs to the state machine: when the state machine closes a link
 * (gossip_bus_close) the conn forgets it at once; when the socket fails we
 * report gossip_link_closed() once and then forget it. Received bytes are
 * buffered until gossip_msg_frame_len() says a frame is complete; the length
 * is checked against GOSSIP_MSG_FRAME_MAX before the buffer grows.
 */
#include "gossip/gossip_bus.h"
#include "gossip/gossip.h"
#include "gossip/gossip_msg.h"
#include "node/core/core.h"
#include "node/core/core_log.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#define BUS_LISTENERS_MAX 16
/* First receive buffer: one header-sized message fits. */
#define BUS_RBUF_INITIAL 4096

struct pending_write {
    struct pending_write *next;
    uv_write_t req;
    size_t len;
    uint8_t data[];
};

struct conn {
    uv_tcp_t tcp;
    uv_connect_t creq;
    struct gossip_bus *bus;
    struct gossip_link *link; /* NULL once the state machine let go of it */
    uint8_t *rbuf;
    size_t rlen, rcap;
    struct pending_write *queued, *queued_tail; /* written once connected */
    bool connected;
    bool closing;
};

struct gossip_bus {
    uv_loop_t *loop;
    struct gossip *g;
    uv_tcp_t *listeners[BUS_LISTENERS_MAX];
    int nlisteners;
    struct gossip_bus_stats stats;
};

static void free_handle(uv_handle_t *h)
{
    core_free(h);
}

static void conn_free(uv_handle_t *h)
{
    struct conn *c = h->data;
    struct pending_write *w = c->queued;
    while (w) {
        struct pending_write *next = w->next;
        core_free(w);
        w = next;
    }
    core_free(c->rbuf);
    core_free(c);
}

static void conn_close(struct conn *c)
{
    if (c->closing)
        return;
    c->closing = true;
    uv_close((uv_handle_t *)&c->tcp, conn_free);
}

/* The socket is gone (error, EOF, bad framing): tell the state machine once. */
static void conn_lost(struct conn *c)
{
    struct gossip_link *link = c->link;
    c->link = NULL;
    if (link)
        gossip_link_closed(c->bus->g, link);
    conn_close(c);
}

static void sockaddr_ip(const struct sockaddr_storage *ss, char *out, size_t size)
{
    out[0] = '\0';
    if (ss->ss_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, out, (socklen_t)size);
    else if (ss->ss_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, out, (socklen_t)size);
}

static void local_ip(struct conn *c, char *out, size_t size)
{
    struct sockaddr_storage ss;
    int len = sizeof(ss);
    out[0] = '\0';
    if (uv_tcp_getsockname(&c->tcp, (struct sockaddr *)&ss, &len) == 0)
        sockaddr_ip(&ss, out, size);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    struct conn *c = h->data;
    size_t want = BUS_RBUF_INITIAL;
    enum gossip_msg_reason reason;
    ssize_t flen = gossip_msg_frame_len(c->rbuf, c->rlen, &reason);
    /* Grow with the bytes that actually arrive, not with a declared length:
     * a peer announcing a huge frame and sending nothing costs nothing. */
    if (flen > 0 && (size_t)flen > c->rlen)
        want = CORE_MIN((size_t)flen - c->rlen, CORE_MAX(c->rcap, (size_t)BUS_RBUF_INITIAL));
    if (c->rcap - c->rlen < want) {
        c->rcap = CORE_MAX(c->rcap * 2, c->rlen + want);
        c->rbuf = core_realloc(c->rbuf, c->rcap);
    }
    buf->base = (char *)c->rbuf + c->rlen;
    buf->len = c->rcap - c->rlen;
}

/* Hands every complete frame to the state machine. False if the conn closed. */
static bool deliver_frames(struct conn *c)
{
    size_t off = 0;
    while (c->link && !c->closing) {
        enum gossip_msg_reason reason;
        ssize_t flen = gossip_msg_frame_len(c->rbuf + off, c->rlen - off, &reason);
        if (flen == 0 || (flen > 0 && (size_t)flen > c->rlen - off))
            break;
        if (flen < 0) {
            c->bus->stats.links_closed_bad_frame++;
            core_log(CORE_LOG_VERBOSE, "Cluster bus: closing a link: %s", gossip_msg_reason_name(reason));
            conn_lost(c);
            return false;
        }
        const uint8_t *frame = c->rbuf + off;
        off += (size_t)flen;
        if (gossip_msg_validate(frame, (size_t)flen, &reason) < 0) {
            c->bus->stats.frames_dropped++;
            if (gossip_msg_reason_closes_link(reason)) {
                conn_lost(c);
                return false;
            }
        }
        /* Invalid-but-tolerated frames go in too: 7.0.15 counts them in
         * CLUSTER INFO before dropping, and gossip_on_message decodes
         * (validating) again itself. */
        gossip_on_message(c->bus->g, c->link, frame, (size_t)flen);
    }
    if (c->closing)
        return false;
    memmove(c->rbuf, c->rbuf + off, c->rlen - off);
    c->rlen -= off;
    /* A large frame's buffer goes back once it is delivered, as Redis
     * resets its bus buffer to the initial size after each message. */
    if (c->rlen == 0 && c->rcap > BUS_RBUF_INITIAL) {
        core_free(c->rbuf);
        c->rbuf = NULL;
        c->rcap = 0;
    }
    return true;
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    struct conn *c = s->data;
    if (nread < 0) {
        conn_lost(c);
        return;
    }
    c->rlen += (size_t)nread;
    if (!c->link) {
        c->rlen = 0; /* the state machine is done with this conn */
        return;
    }
    deliver_frames(c);
}

static void on_write(uv_write_t *req, int status)
{
    struct pending_write *w = req->data;
    core_free(w);
}

static void write_now(struct conn *c, struct pending_write *w)
{
    w->req.data = w;
    uv_buf_t b = uv_buf_init((char *)w->data, (unsigned)w->len);
    if (uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, on_write) < 0)
        core_free(w);
}

static void on_connect(uv_connect_t *req, int status)
{
    struct conn *c = req->data;
    if (c->closing)
        return;
    if (status < 0) {
        conn_lost(c);
        return;
    }
    c->connected = true;
    uv_tcp_nodelay(&c->tcp, 1);
    uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
    struct pending_write *w = c->queued;
    c->queued = c->queued_tail = NULL;
    while (w) {
        struct pending_write *next = w->next;
        write_now(c, w);
        w = next;
    }
    char ip[GOSSIP_IP_LEN];
    local_ip(c, ip, sizeof(ip));
    if (c->link)
        gossip_link_connected(c->bus->g, c->link, ip);
}

static struct conn *conn_new(struct gossip_bus *bus)
{
    struct conn *c = core_calloc(1, sizeof(*c));
    c->bus = bus;
    uv_tcp_init(bus->loop, &c->tcp);
    c->tcp.data = c;
    return c;
}

int gossip_bus_connect(struct gossip_bus *bus, struct gossip_link *link)
{
    struct sockaddr_storage ss;
    int rc = strchr(link->peer_ip, ':') ? uv_ip6_addr(link->peer_ip, link->peer_port, (struct sockaddr_in6 *)&ss)
                                        : uv_ip4_addr(link->peer_ip, link->peer_port, (struct sockaddr_in *)&ss);
    if (rc < 0)
        return rc;
    struct conn *c = conn_new(bus);
    c->link = link;
    c->creq.data = c;
    rc = uv_tcp_connect(&c->creq, &c->tcp, (struct sockaddr *)&ss, on_connect);
    if (rc < 0) {
        c->link = NULL;
        conn_close(c);
        return rc;
    }
    link->io = c;
    return 0;
}

void gossip_bus_send(struct gossip_bus *bus, struct gossip_link *link, const uint8_t *buf, size_t len)
{
    struct conn *c = link->io;
    core_assert(c && c->link == link);
    if (c->closing)
        return;
    struct pending_write *w = core_malloc(sizeof(*w) + len);
    w->next = NULL;
    w->len = len;
    memcpy(w->data, buf, len);
    if (c->connected) {
        write_now(c, w);
        return;
    }
    if (c->queued_tail)
        c->queued_tail->next = w;
    else
        c->queued = w;
    c->queued_tail = w;
}

void gossip_bus_close(struct gossip_bus *bus, struct gossip_link *link)
{
    struct conn *c = link->io;
    if (!c)
        return;
    c->link = NULL;
    link->io = NULL;
    conn_close(c);
}

static void on_accept(uv_stream_t *listener, int status)
{
    struct gossip_bus *bus = listener->data;
    if (status < 0 || !bus->g)
        return;
    struct conn *c = conn_new(bus);
    if (uv_accept(listener, (uv_stream_t *)&c->tcp) < 0) {
        conn_close(c);
        return;
    }
    c->connected = true;
    uv_tcp_nodelay(&c->tcp, 1);
    struct sockaddr_storage ss;
    int len = sizeof(ss);
    char peer[GOSSIP_IP_LEN] = "", local[GOSSIP_IP_LEN];
    if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len) == 0)
        sockaddr_ip(&ss, peer, sizeof(peer));
    local_ip(c, local, sizeof(local));
    c->link = gossip_link_accepted(bus->g, c, peer, local);
    uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
}

static int listen_one(struct gossip_bus *bus, const char *spec, int port, int backlog)
{
    bool optional;
    const char *addr = core_bind_addr(spec, &optional);
    bool v6 = strchr(addr, ':') != NULL;
    struct sockaddr_storage ss;
    int rc = v6 ? uv_ip6_addr(addr, port, (struct sockaddr_in6 *)&ss)
                : uv_ip4_addr(addr, port, (struct sockaddr_in *)&ss);
    if (rc == 0 && bus->nlisteners == BUS_LISTENERS_MAX)
        rc = -ENOSPC;
    if (rc == 0) {
        uv_tcp_t *h = core_malloc(sizeof(*h));
        uv_tcp_init(bus->loop, h);
        h->data = bus;
        rc = uv_tcp_bind(h, (struct sockaddr *)&ss, v6 ? UV_TCP_IPV6ONLY : 0);
        if (rc == 0)
            rc = uv_listen((uv_stream_t *)h, backlog, on_accept);
        if (rc < 0)
            uv_close((uv_handle_t *)h, free_handle);
        else
            bus->listeners[bus->nlisteners++] = h;
    }
    if (rc < 0 && optional)
        return 0;
    if (rc < 0)
        core_log(CORE_LOG_WARNING, "Could not create the cluster bus listening socket %s:%d: %s", addr, port,
                 uv_strerror(rc));
    return rc;
}

int gossip_bus_listen(struct gossip_bus *bus, const char *const *specs, int nspecs, int port, int backlog)
{
    static const char *const defaults[] = {"*", "-::*"};
    if (nspecs == 0) {
        specs = defaults;
        nspecs = 2;
    }
    for (int i = 0; i < nspecs; i++) {
        int rc = listen_one(bus, specs[i], port, backlog);
        if (rc < 0)
            return rc;
    }
    return bus->nlisteners > 0 ? 0 : -EADDRNOTAVAIL;
}

struct gossip_bus *gossip_bus_new(uv_loop_t *loop)
{
    struct gossip_bus *bus = core_calloc(1, sizeof(*bus));
    bus->loop = loop;
    return bus;
}

void gossip_bus_attach(struct gossip_bus *bus, struct gossip *g)
{
    bus->g = g;
}

const struct gossip_bus_stats *gossip_bus_stats(const struct gossip_bus *bus)
{
    return &bus->stats;
}

void gossip_bus_free(struct gossip_bus *bus)
{
    if (!bus)
        return;
    for (int i = 0; i < bus->nlisteners; i++)
        uv_close((uv_handle_t *)bus->listeners[i], free_handle);
    core_free(bus);
}
