/*
 * RESP2 for a client: parsing the replies a node sends (status, error,
 * integer, bulk, nil, arrays) and encoding commands as arrays of bulk
 * strings. Pure: works on caller-given bytes. Owns no connection.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sc.h"

/* Finds the CRLF-terminated line at buf; returns its length without CRLF, or
 * -1 if not complete yet. */
static ssize_t line_len(const char *buf, size_t len)
{
    for (size_t i = 0; i + 1 < len; i++) {
        if (buf[i] == '\r' && buf[i + 1] == '\n')
            return (ssize_t)i;
    }
    return -1;
}

static int parse_ll(const char *p, size_t n, long long *ret)
{
    if (n == 0 || n > 20)
        return -EPROTO;
    bool neg = false;
    size_t i = 0;
    if (p[0] == '-') {
        neg = true;
        i = 1;
        if (n == 1)
            return -EPROTO;
    }
    unsigned long long v = 0;
    for (; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -EPROTO;
        unsigned long long nv = v * 10 + (unsigned)(p[i] - '0');
        if (nv / 10 != v)
            return -EPROTO;
        v = nv;
    }
    if (v > (unsigned long long)1 << 62)
        return -EPROTO;
    *ret = neg ? -(long long)v : (long long)v;
    return 0;
}

static ssize_t parse_at(const char *buf, size_t len, int depth, struct sc_reply **ret);

/* The elements of an array whose header (head bytes) announced n. */
static ssize_t parse_array(const char *buf, size_t len, size_t head, long long n, int depth,
                           struct sc_reply **ret)
{
    struct sc_reply *r = sc_xcalloc(1, sizeof(*r));
    if (n == -1) {
        r->type = SC_REPLY_NIL;
        *ret = r;
        return (ssize_t)head;
    }
    r->type = SC_REPLY_ARRAY;
    /* Elements are allocated as they arrive, so a huge announced count costs
     * nothing until the bytes exist. */
    size_t off = head;
    size_t cap = 0;
    for (long long i = 0; i < n; i++) {
        struct sc_reply *e = NULL;
        ssize_t c = parse_at(buf + off, len - off, depth + 1, &e);
        if (c <= 0) {
            sc_reply_free(r);
            return c;
        }
        if (r->count == cap) {
            cap = cap ? cap * 2 : 8;
            r->elem = sc_xrealloc(r->elem, cap * sizeof(*r->elem));
        }
        r->elem[r->count++] = e;
        off += (size_t)c;
    }
    *ret = r;
    return (ssize_t)off;
}

static ssize_t parse_at(const char *buf, size_t len, int depth, struct sc_reply **ret)
{
    if (depth > SC_RESP_DEPTH_MAX)
        return -EPROTO;
    if (len < 1)
        return 0;
    ssize_t ll = line_len(buf, len);
    if (ll < 0)
        return len > 64 * 1024 && buf[0] != '+' && buf[0] != '-' ? -EPROTO : 0;
    const char *body = buf + 1;
    size_t blen = (size_t)ll - 1;
    size_t head = (size_t)ll + 2;
    struct sc_reply *r;
    long long n;
    switch (buf[0]) {
    case '+':
    case '-':
        r = sc_xcalloc(1, sizeof(*r));
        r->type = buf[0] == '+' ? SC_REPLY_STATUS : SC_REPLY_ERROR;
        r->str = sc_xmalloc(blen + 1);
        memcpy(r->str, body, blen);
        r->str[blen] = '\0';
        r->len = blen;
        *ret = r;
        return (ssize_t)head;
    case ':':
        if (parse_ll(body, blen, &n) < 0)
            return -EPROTO;
        r = sc_xcalloc(1, sizeof(*r));
        r->type = SC_REPLY_INTEGER;
        r->integer = n;
        *ret = r;
        return (ssize_t)head;
    case '$':
        if (parse_ll(body, blen, &n) < 0 || n < -1 || n > SC_RESP_BULK_MAX)
            return -EPROTO;
        if (n == -1) {
            r = sc_xcalloc(1, sizeof(*r));
            r->type = SC_REPLY_NIL;
            *ret = r;
            return (ssize_t)head;
        }
        if (len < head + (size_t)n + 2)
            return 0;
        if (buf[head + (size_t)n] != '\r' || buf[head + (size_t)n + 1] != '\n')
            return -EPROTO;
        r = sc_xcalloc(1, sizeof(*r));
        r->type = SC_REPLY_BULK;
        r->str = sc_xmalloc((size_t)n + 1);
        memcpy(r->str, buf + head, (size_t)n);
        r->str[n] = '\0';
        r->len = (size_t)n;
        *ret = r;
        return (ssize_t)(head + (size_t)n + 2);
    case '*':
        if (parse_ll(body, blen, &n) < 0 || n < -1 || n > SC_RESP_ELEMS_MAX)
            return -EPROTO;
        return parse_array(buf, len, head, n, depth, ret);
    default:
        return -EPROTO;
    }
}

ssize_t sc_resp_parse(const char *buf, size_t len, struct sc_reply **ret)
{
    return parse_at(buf, len, 0, ret);
}

void sc_reply_free(struct sc_reply *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->count; i++)
        sc_reply_free(r->elem[i]);
    free(r->elem);
    free(r->str);
    free(r);
}

bool sc_reply_is_ok(const struct sc_reply *r)
{
    return r && r->type == SC_REPLY_STATUS && strcmp(r->str, "OK") == 0;
}

void sc_resp_encode(struct sc_buf *out, int argc, const char *const *argv, const size_t *lens)
{
    sc_buf_printf(out, "*%d\r\n", argc);
    for (int i = 0; i < argc; i++) {
        size_t n = lens ? lens[i] : strlen(argv[i]);
        sc_buf_printf(out, "$%zu\r\n", n);
        sc_buf_append(out, argv[i], n);
        sc_buf_append(out, "\r\n", 2);
    }
}
