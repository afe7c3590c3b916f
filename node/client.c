/*
 * client.c — one client connection: accepting, reading into the query buffer,
 * parsing pipelined requests, writing replies, closing.
 *
 * Reads: libuv asks for a buffer before each read; we hand out the free tail
 * of the query buffer (compacted or grown first), so a request spanning reads
 * is never copied twice. All complete requests in the buffer are executed in
 * order, then the replies go out with one writev (uv_try_write), the rest —
 * if the socket is full — through uv_write.
 *
 * Does not own command semantics (dispatch.c) or the reply encoding (reply.c).
 */
#include "node/block.h"
#include "node/pubsub.h"
#include "node/node_int.h"
#include "node/core/core.h"
#include "node/core/core_log.h"
#include "node/pause.h"
#include "node/repl.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char protected_mode_msg[] =
    "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for "
    "the default user. In this mode connections are only accepted from the loopback interface. If you want to "
    "connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable "
    "protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by "
    "connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly "
    "accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively "
    "you can just disable the protected mode by editing the Redis configuration file, and setting the protected "
    "mode option to 'no', and then restarting the server. 3) If you started the server manually just for "
    "testing, restart it with the '--protected-mode no' option. 4) Set up an authentication password for the "
    "default user. NOTE: You only need to do one of the above things in order for the server to start "
    "accepting connections from the outside.\r\n";

static void format_addr(const struct sockaddr_storage *ss, char *out, size_t size)
{
    char ip[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
        inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof(ip));
        port = ntohs(sin->sin_port);
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
        inet_ntop(AF_INET6, &sin6->sin6_addr, ip, sizeof(ip));
        port = ntohs(sin6->sin6_port);
        /* Redis writes IPv6 peers as [addr]:port (CLIENT LIST, logs). */
        snprintf(out, size, "[%s]:%d", ip, port);
        return;
    }
    snprintf(out, size, "%s:%d", ip, port);
}

bool node_client_is_loopback(const struct node_client *c)
{
    return strncmp(c->addr, "127.", 4) == 0 || strncmp(c->addr, "[::1]:", 6) == 0 ||
           strncmp(c->addr, "[::ffff:127.", 12) == 0;
}

static void count_error(void *ud, const char *text)
{
    struct node_server *srv = ud;
    srv->stats.total_error_replies++;
    node_info_count_error(text);
}

/* Removes c from a singly linked list threaded through field `next_of`. */
static void unlist(struct node_client **head, struct node_client *c, size_t link_off)
{
    for (struct node_client **pp = head; *pp; pp = (struct node_client **)((char *)*pp + link_off)) {
        if (*pp == c) {
            *pp = *(struct node_client **)((char *)c + link_off);
            return;
        }
    }
}

static void on_close(uv_handle_t *h)
{
    struct node_client *c = h->data;
    struct node_server *srv = c->srv;
    if (srv->repl)
        repl_client_closed(srv->repl, c);
    if (c->flags & NODE_CLIENT_PENDING_WRITE)
        unlist(&srv->pending, c, offsetof(struct node_client, pending_next));
    if (c->flags & NODE_CLIENT_UNBLOCKED) {
        unlist(&srv->unblocked, c, offsetof(struct node_client, unblocked_next));
        if (srv->unblocked_tail == c) {
            srv->unblocked_tail = srv->unblocked;
            while (srv->unblocked_tail && srv->unblocked_tail->unblocked_next)
                srv->unblocked_tail = srv->unblocked_tail->unblocked_next;
        }
    }
    node_pause_client_closed(c);
    node_block_client_closed(c);
    node_pubsub_client_reset(c, false);
    if (c->prev)
        c->prev->next = c->next;
    else
        srv->clients = c->next;
    if (c->next)
        c->next->prev = c->prev;
    srv->nclients--;
    node_multi_reset(c);
    node_resp_parser_free(&c->parser);
    node_out_free(&c->out);
    core_free(c->qbuf);
    core_free(c->wbufs);
    core_free(c->name);
    core_free(c);
}

void node_client_close(struct node_client *c, bool asap)
{
    if (c->flags & NODE_CLIENT_CLOSING)
        return;
    if (!asap && node_out_len(&c->out) > 0) {
        c->flags |= NODE_CLIENT_CLOSE_AFTER_REPLY;
        uv_read_stop((uv_stream_t *)&c->tcp);
        return;
    }
    c->flags |= NODE_CLIENT_CLOSING;
    uv_read_stop((uv_stream_t *)&c->tcp);
    uv_close((uv_handle_t *)&c->tcp, on_close);
}

/* Makes room for at least `want` more bytes at the end of the query buffer. */
static void qbuf_reserve(struct node_client *c, size_t want)
{
    if (c->qpos == c->qlen) {
        c->qpos = c->qlen = 0;
        if (c->qcap > NODE_QBUF_KEEP_MAX) {
            core_free(c->qbuf);
            c->qbuf = NULL;
            c->qcap = 0;
        }
    }
    if (c->qcap - c->qlen >= want)
        return;
    if (c->qpos > 0) {
        /* The parser keeps offsets relative to qpos, so moving is safe. */
        memmove(c->qbuf, c->qbuf + c->qpos, c->qlen - c->qpos);
        c->qlen -= c->qpos;
        c->qpos = 0;
        if (c->qcap - c->qlen >= want)
            return;
    }
    /* Double for steady growth, but a large bulk gets exactly what it needs
     * (doubling past 512 MB would reserve 1 GB). */
    size_t cap = CORE_MAX(c->qcap ? c->qcap * 2 : NODE_IOBUF_LEN, c->qlen + want);
    c->qbuf = core_realloc(c->qbuf, cap);
    c->qcap = cap;
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    struct node_client *c = h->data;
    size_t want = NODE_IOBUF_LEN;
    /* A large bulk in progress: grow once to its size instead of doubling. */
    size_t need = c->parser.need_bytes;
    if (need > 0 && c->qpos + need > c->qlen && need - (c->qlen - c->qpos) > want)
        want = need - (c->qlen - c->qpos);
    qbuf_reserve(c, want);
    buf->base = c->qbuf + c->qlen;
    buf->len = c->qcap - c->qlen;
}

static void protocol_error(struct node_client *c, ssize_t err)
{
    char tmp[128];
    const char *text = node_resp_error_text(&c->parser, (int)err, tmp, sizeof(tmp));
    node_reply_error(&c->out, text);
    c->flags |= NODE_CLIENT_PROTOCOL_ERROR;
    core_log(CORE_LOG_VERBOSE, "Protocol error (%s) from client: id=%llu addr=%s", text,
             (unsigned long long)c->id, c->addr);
    node_client_close(c, false);
}

/* A command from this node's master: applied, its reply dropped (except
 * REPLCONF GETACK's answer), then its exact bytes reported so the applied
 * offset advances and sub-replicas get the same bytes. */
static void run_master_command(struct node_client *c, const char *bytes, size_t len)
{
    struct node_out keep = c->out;
    node_out_init(&c->out);
    c->out.proto = keep.proto;
    if (c->argc > 0)
        node_dispatch(c);
    if (c->flags & NODE_CLIENT_FORCE_REPLY) {
        c->flags &= ~NODE_CLIENT_FORCE_REPLY;
        for (struct node_obuf_block *b = c->out.head; b; b = b->next)
            node_out_append(&keep, b->data, b->used);
    } else if (c->out.errors) {
        core_log(CORE_LOG_WARNING, "== CRITICAL == This replica is sending an error to its master after "
                 "processing the command '%.*s'", (int)CORE_MIN(c->argc ? c->argl[0] : 0, 64),
                 c->argc ? c->argv[0] : "");
    }
    node_out_free(&c->out);
    c->out = keep;
    if (!(c->flags & NODE_CLIENT_CLOSING))
        repl_master_applied(c->srv->repl, c, bytes, len);
}

static void process_input(struct node_client *c)
{
    struct node_server *srv = c->srv;
    node_ks_set_now(srv->ks, core_time_ms());
    while (c->qpos < c->qlen &&
           !(c->flags & (NODE_CLIENT_CLOSE_AFTER_REPLY | NODE_CLIENT_CLOSING | NODE_CLIENT_BLOCKED))) {
        c->parser.unauthenticated = !(c->flags & NODE_CLIENT_AUTHENTICATED);
        /* The master's stream is trusted: no bulk limit (Redis: none for the master). */
        c->parser.max_bulk_len = (c->flags & NODE_CLIENT_MASTER) ? 0 : srv->cfg.proto_max_bulk_len;
        ssize_t n = node_resp_parse(&c->parser, c->qbuf + c->qpos, c->qlen - c->qpos);
        if (n == 0)
            break;
        if (n < 0) {
            protocol_error(c, n);
            break;
        }
        const char *start = c->qbuf + c->qpos;
        c->qpos += (size_t)n;
        c->argc = c->parser.argc;
        c->argv = c->parser.argv;
        c->argl = c->parser.argl;
        if (c->flags & NODE_CLIENT_MASTER) {
            run_master_command(c, start, (size_t)n);
            c->argc = 0;
            continue;
        }
        if (c->parser.argc == 0)
            continue;
        node_dispatch(c);
        c->argc = 0;
        if (c->flags & NODE_CLIENT_POSTPONED) {
            /* Paused: the request stays in the buffer and is parsed and
             * dispatched again when the client resumes. */
            c->qpos -= (size_t)n;
            break;
        }
        if (node_client_check_obuf(c))
            return;
    }
    /* The master's stream may hold a large MULTI block: never cut it off. */
    if (!(c->flags & NODE_CLIENT_MASTER) && c->qlen - c->qpos > (size_t)srv->cfg.client_query_buffer_limit) {
        core_log(CORE_LOG_WARNING, "Closing client that reached max query buffer length: id=%llu addr=%s qbuf=%zu",
                 (unsigned long long)c->id, c->addr, c->qlen - c->qpos);
        srv->stats.client_qbuf_limit_disconnections++;
        node_client_close(c, true);
    }
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    struct node_client *c = s->data;
    if (nread < 0) {
        node_client_close(c, true);
        return;
    }
    if (nread == 0)
        return;
    c->qlen += (size_t)nread;
    if (c->qlen - c->qpos > c->qbuf_peak)
        c->qbuf_peak = c->qlen - c->qpos;
    c->srv->stats.net_input_bytes += (uint64_t)nread;
    c->last_interaction_ms = node_ks_now(c->srv->ks);
    process_input(c);
    if (!(c->flags & NODE_CLIENT_CLOSING))
        node_client_flush(c);
}

static size_t fill_iov(struct node_client *c)
{
    if (c->wbufs_cap < NODE_WRITE_IOV_MAX) {
        c->wbufs = core_realloc(c->wbufs, NODE_WRITE_IOV_MAX * sizeof(uv_buf_t));
        c->wbufs_cap = NODE_WRITE_IOV_MAX;
    }
    size_t n = 0;
    size_t skip = c->out.sent_in_head;
    for (struct node_obuf_block *b = c->out.head; b && n < NODE_WRITE_IOV_MAX; b = b->next) {
        if (b->used > skip)
            c->wbufs[n++] = uv_buf_init(b->data + skip, (unsigned)(b->used - skip));
        skip = 0;
    }
    return n;
}

static void after_output(struct node_client *c)
{
    if (node_out_len(&c->out) == 0 && (c->flags & NODE_CLIENT_CLOSE_AFTER_REPLY))
        node_client_close(c, true);
}

static void on_write(uv_write_t *req, int status)
{
    struct node_client *c = req->data;
    c->flags &= ~NODE_CLIENT_WRITING;
    if (c->flags & NODE_CLIENT_CLOSING)
        return;
    if (status < 0) {
        node_client_close(c, true);
        return;
    }
    node_out_consume(&c->out, c->wbytes);
    c->srv->stats.net_output_bytes += c->wbytes;
    c->wbytes = 0;
    node_client_flush(c);
}

void node_client_flush(struct node_client *c)
{
    if (c->flags & (NODE_CLIENT_WRITING | NODE_CLIENT_CLOSING))
        return;
    while (node_out_len(&c->out) > 0) {
        size_t n = fill_iov(c);
        int w = uv_try_write((uv_stream_t *)&c->tcp, c->wbufs, (unsigned)n);
        if (w == UV_EAGAIN || w == UV_ENOSYS)
            break;
        if (w < 0) {
            node_client_close(c, true);
            return;
        }
        node_out_consume(&c->out, (size_t)w);
        c->srv->stats.net_output_bytes += (uint64_t)w;
        size_t batch = 0;
        for (size_t i = 0; i < n; i++)
            batch += c->wbufs[i].len;
        if ((size_t)w < batch)
            break; /* socket full */
    }
    if (node_out_len(&c->out) > 0) {
        size_t n = fill_iov(c);
        c->wbytes = 0;
        for (size_t i = 0; i < n; i++)
            c->wbytes += c->wbufs[i].len;
        c->wreq.data = c;
        int rc = uv_write(&c->wreq, (uv_stream_t *)&c->tcp, c->wbufs, (unsigned)n, on_write);
        if (rc < 0) {
            node_client_close(c, true);
            return;
        }
        c->flags |= NODE_CLIENT_WRITING;
        return;
    }
    after_output(c);
}

static void set_addresses(struct node_client *c)
{
    struct sockaddr_storage ss;
    int len = sizeof(ss);
    if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len) == 0)
        format_addr(&ss, c->addr, sizeof(c->addr));
    len = sizeof(ss);
    if (uv_tcp_getsockname(&c->tcp, (struct sockaddr *)&ss, &len) == 0)
        format_addr(&ss, c->laddr, sizeof(c->laddr));
    uv_os_fd_t fd;
    c->fd = uv_fileno((uv_handle_t *)&c->tcp, &fd) == 0 ? fd : -1;
}

/* Refuses a connection with a message, writing it before closing. */
static void refuse(struct node_client *c, const char *msg)
{
    node_out_append(&c->out, msg, strlen(msg));
    c->srv->stats.rejected_connections++;
    node_client_flush(c);
    node_client_close(c, false);
}

static struct node_client *client_new(struct node_server *srv)
{
    struct node_client *c = core_calloc(1, sizeof(*c));
    c->srv = srv;
    c->id = ++srv->next_client_id;
    uv_tcp_init(srv->loop, &c->tcp);
    c->tcp.data = c;
    node_resp_parser_init(&c->parser);
    node_out_init(&c->out);
    c->out.on_error = count_error;
    c->out.on_error_ud = srv;
    c->ctime_ms = c->last_interaction_ms = core_time_ms();
    c->next = srv->clients;
    if (srv->clients)
        srv->clients->prev = c;
    srv->clients = c;
    srv->nclients++;
    return c;
}

struct node_client *node_client_adopt_fd(struct node_server *srv, int fd, unsigned flags)
{
    struct node_client *c = client_new(srv);
    if (uv_tcp_open(&c->tcp, fd) < 0) {
        close(fd);
        node_client_close(c, true);
        return NULL;
    }
    c->flags |= flags | NODE_CLIENT_AUTHENTICATED;
    uv_tcp_nodelay(&c->tcp, 1);
    set_addresses(c);
    if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) < 0) {
        node_client_close(c, true);
        return NULL;
    }
    return c;
}

void node_client_feed(struct node_client *c, const char *buf, size_t len)
{
    if (len == 0 || (c->flags & NODE_CLIENT_CLOSING))
        return;
    qbuf_reserve(c, len);
    memcpy(c->qbuf + c->qlen, buf, len);
    c->qlen += len;
    process_input(c);
    if (!(c->flags & NODE_CLIENT_CLOSING))
        node_client_write_now(c);
}

void node_client_write_now(struct node_client *c)
{
    if (c->flags & (NODE_CLIENT_PENDING_WRITE | NODE_CLIENT_CLOSING))
        return;
    c->flags |= NODE_CLIENT_PENDING_WRITE;
    c->pending_next = c->srv->pending;
    c->srv->pending = c;
}

void node_client_block(struct node_client *c)
{
    c->flags |= NODE_CLIENT_BLOCKED;
}

void node_client_unblock(struct node_client *c)
{
    c->flags &= ~NODE_CLIENT_BLOCKED;
    c->bpop_timeout_ms = 0;
    if (!(c->flags & NODE_CLIENT_UNBLOCKED) && !(c->flags & NODE_CLIENT_CLOSING)) {
        /* Oldest first: paused clients resume in the order they arrived. */
        struct node_server *srv = c->srv;
        c->flags |= NODE_CLIENT_UNBLOCKED;
        c->unblocked_next = NULL;
        if (srv->unblocked_tail)
            srv->unblocked_tail->unblocked_next = c;
        else
            srv->unblocked = c;
        srv->unblocked_tail = c;
    }
    node_client_write_now(c);
}

void node_clients_before_sleep(struct node_server *srv)
{
    /* Resumed clients first: their pending input may add output. */
    while (srv->unblocked) {
        struct node_client *c = srv->unblocked;
        srv->unblocked = c->unblocked_next;
        if (!srv->unblocked)
            srv->unblocked_tail = NULL;
        c->flags &= ~NODE_CLIENT_UNBLOCKED;
        process_input(c);
        if (!(c->flags & NODE_CLIENT_CLOSING))
            node_client_write_now(c);
    }
    while (srv->pending) {
        struct node_client *c = srv->pending;
        srv->pending = c->pending_next;
        c->flags &= ~NODE_CLIENT_PENDING_WRITE;
        node_client_flush(c);
    }
}

void node_client_accept(struct node_server *srv, uv_stream_t *listener)
{
    struct node_client *c = client_new(srv);
    if (uv_accept(listener, (uv_stream_t *)&c->tcp) < 0) {
        node_client_close(c, true);
        return;
    }
    uv_tcp_nodelay(&c->tcp, 1);
    if (srv->cfg.tcp_keepalive_s > 0)
        uv_tcp_keepalive(&c->tcp, 1, (unsigned)srv->cfg.tcp_keepalive_s);
    set_addresses(c);
    srv->stats.total_connections++;
    bool nopass = !srv->cfg.requirepass || !srv->cfg.requirepass[0];
    if (nopass)
        c->flags |= NODE_CLIENT_AUTHENTICATED;
    if (srv->nclients > (size_t)srv->cfg.maxclients) {
        refuse(c, "-ERR max number of clients reached\r\n");
        return;
    }
    if (srv->cfg.protected_mode && nopass && !node_client_is_loopback(c)) {
        refuse(c, protected_mode_msg);
        return;
    }
    uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
}

void node_clients_cron(struct node_server *srv, int64_t now_ms)
{
    int64_t idle_max_ms = (int64_t)srv->cfg.timeout_s * 1000;
    for (struct node_client *c = srv->clients, *next; c; c = next) {
        next = c->next;
        if (c->flags & NODE_CLIENT_CLOSING)
            continue;
        /* As Redis: replication links and blocked clients never idle out. */
        bool exempt = (c->flags & (NODE_CLIENT_REPLICA | NODE_CLIENT_MASTER | NODE_CLIENT_BLOCKED)) != 0 ||
                      node_pubsub_client_is_subscribed(c);
        if (idle_max_ms > 0 && !exempt && now_ms - c->last_interaction_ms > idle_max_ms) {
            core_log(CORE_LOG_VERBOSE, "Closing idle client");
            node_client_close(c, true);
            continue;
        }
        node_client_check_obuf(c);
    }
}
