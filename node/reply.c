/*
 * reply.c — RESP2/RESP3 reply encoding into a chain of output blocks.
 *
 * Blocks are 16 KB; a payload larger than a block gets a block of its own
 * sized to fit, so a 1 MB value is copied once and written with one iovec.
 * The socket side (client.c) consumes from the head.
 */
#include "node/reply.h"
#include "node/core/core.h"
#include "node/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void node_out_init(struct node_out *o)
{
    memset(o, 0, sizeof(*o));
    o->proto = 2;
}

void node_out_free(struct node_out *o)
{
    struct node_obuf_block *b = o->head;
    while (b) {
        struct node_obuf_block *next = b->next;
        core_free(b);
        b = next;
    }
    o->head = o->tail = NULL;
    o->bytes = 0;
    o->sent_in_head = 0;
}

size_t node_out_len(const struct node_out *o)
{
    return o->bytes;
}

static struct node_obuf_block *new_block(struct node_out *o, size_t min_size)
{
    size_t size = min_size > NODE_OBUF_BLOCK_SIZE ? min_size : NODE_OBUF_BLOCK_SIZE;
    struct node_obuf_block *b = core_malloc(sizeof(*b) + size);
    b->next = NULL;
    b->used = 0;
    b->size = size;
    if (o->tail)
        o->tail->next = b;
    else
        o->head = b;
    o->tail = b;
    return b;
}

void node_out_append(struct node_out *o, const void *data, size_t len)
{
    const char *p = data;
    o->bytes += len;
    struct node_obuf_block *b = o->tail;
    if (b && b->size - b->used >= len) {
        memcpy(b->data + b->used, p, len);
        b->used += len;
        return;
    }
    /* Fill the tail, then put the rest in one new block. */
    if (b) {
        size_t room = b->size - b->used;
        memcpy(b->data + b->used, p, room);
        b->used += room;
        p += room;
        len -= room;
    }
    b = new_block(o, len);
    memcpy(b->data, p, len);
    b->used = len;
}

void node_out_consume(struct node_out *o, size_t n)
{
    core_assert(n <= o->bytes);
    o->bytes -= n;
    while (n > 0) {
        struct node_obuf_block *b = o->head;
        size_t avail = b->used - o->sent_in_head;
        if (n < avail) {
            o->sent_in_head += n;
            return;
        }
        n -= avail;
        o->sent_in_head = 0;
        if (!b->next && b->size == NODE_OBUF_BLOCK_SIZE) {
            /* Keep one standard block: the next reply reuses it. */
            b->used = 0;
            return;
        }
        o->head = b->next;
        if (!o->head)
            o->tail = NULL;
        core_free(b);
    }
}

/* Writes "<prefix><v>\r\n" — the aggregate and integer headers. */
static void header(struct node_out *o, char prefix, long long v)
{
    char buf[32];
    buf[0] = prefix;
    size_t n = 1 + node_util_ll2str(buf + 1, v);
    buf[n++] = '\r';
    buf[n++] = '\n';
    node_out_append(o, buf, n);
}

void node_reply_ok(struct node_out *o)
{
    node_out_append(o, "+OK\r\n", 5);
}

void node_reply_simple_len(struct node_out *o, const char *s, size_t n)
{
    node_out_append(o, "+", 1);
    node_out_append(o, s, n);
    node_out_append(o, "\r\n", 2);
}

void node_reply_simple(struct node_out *o, const char *s)
{
    node_reply_simple_len(o, s, strlen(s));
}

void node_reply_error(struct node_out *o, const char *text)
{
    size_t n = strlen(text);
    node_out_append(o, "-", 1);
    /* CR/LF in an echoed argument would break the framing. */
    if (memchr(text, '\r', n) || memchr(text, '\n', n)) {
        char *copy = core_strndup(text, n);
        for (size_t i = 0; i < n; i++)
            if (copy[i] == '\r' || copy[i] == '\n')
                copy[i] = ' ';
        node_out_append(o, copy, n);
        core_free(copy);
    } else {
        node_out_append(o, text, n);
    }
    node_out_append(o, "\r\n", 2);
    o->errors++;
    if (o->on_error)
        o->on_error(o->on_error_ud, text);
}

void node_reply_errorf(struct node_out *o, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    node_reply_error(o, buf);
}

void node_reply_int(struct node_out *o, long long v)
{
    if (v == 0) {
        node_out_append(o, ":0\r\n", 4);
        return;
    }
    if (v == 1) {
        node_out_append(o, ":1\r\n", 4);
        return;
    }
    header(o, ':', v);
}

void node_reply_bulk(struct node_out *o, const void *p, size_t n)
{
    struct node_obuf_block *b = o->tail;
    /* Fast path: header, payload and CRLF in one go into the tail block. */
    if (b && n < 4096 && b->size - b->used >= n + 32) {
        char *w = b->data + b->used;
        char *start = w;
        *w++ = '$';
        w += node_util_ll2str(w, (long long)n);
        *w++ = '\r';
        *w++ = '\n';
        memcpy(w, p, n);
        w += n;
        *w++ = '\r';
        *w++ = '\n';
        b->used += (size_t)(w - start);
        o->bytes += (size_t)(w - start);
        return;
    }
    header(o, '$', (long long)n);
    node_out_append(o, p, n);
    node_out_append(o, "\r\n", 2);
}

void node_reply_bulk_cstr(struct node_out *o, const char *s)
{
    node_reply_bulk(o, s, strlen(s));
}

void node_reply_bulk_ll(struct node_out *o, long long v)
{
    char buf[32];
    size_t n = node_util_ll2str(buf, v);
    node_reply_bulk(o, buf, n);
}

void node_reply_cursor(struct node_out *o, uint64_t cursor)
{
    char buf[24];
    int n = snprintf(buf, sizeof(buf), "%llu", (unsigned long long)cursor);
    node_reply_bulk(o, buf, (size_t)n);
}

void node_reply_null(struct node_out *o)
{
    if (o->proto == 3)
        node_out_append(o, "_\r\n", 3);
    else
        node_out_append(o, "$-1\r\n", 5);
}

void node_reply_null_array(struct node_out *o)
{
    if (o->proto == 3)
        node_out_append(o, "_\r\n", 3);
    else
        node_out_append(o, "*-1\r\n", 5);
}

void node_reply_array(struct node_out *o, long long n)
{
    header(o, '*', n);
}

void node_reply_map(struct node_out *o, long long pairs)
{
    if (o->proto == 3)
        header(o, '%', pairs);
    else
        header(o, '*', pairs * 2);
}

void node_reply_set(struct node_out *o, long long n)
{
    header(o, o->proto == 3 ? '~' : '*', n);
}

void node_reply_push(struct node_out *o, long long n)
{
    header(o, o->proto == 3 ? '>' : '*', n);
}

void node_reply_double(struct node_out *o, double d)
{
    char buf[128];
    size_t n = node_util_d2str(buf, sizeof(buf), d);
    if (o->proto == 3) {
        node_out_append(o, ",", 1);
        node_out_append(o, buf, n);
        node_out_append(o, "\r\n", 2);
    } else {
        node_reply_bulk(o, buf, n);
    }
}

void node_reply_verbatim(struct node_out *o, const char *p, size_t n)
{
    if (o->proto != 3) {
        node_reply_bulk(o, p, n);
        return;
    }
    header(o, '=', (long long)n + 4);
    node_out_append(o, "txt:", 4);
    node_out_append(o, p, n);
    node_out_append(o, "\r\n", 2);
}

void node_reply_bool(struct node_out *o, bool b)
{
    if (o->proto == 3)
        node_out_append(o, b ? "#t\r\n" : "#f\r\n", 4);
    else
        node_reply_int(o, b ? 1 : 0);
}
