/*
 * fuzz_resp.c — fuzz target for the RESP request parser (node/resp_parse.c).
 *
 * The input is a client's byte stream. It is parsed three ways that must agree
 * request for request: all at once; in two chunks cut at a point derived from
 * the input, with the unconsumed bytes moved to a fresh buffer in between (as
 * client.c does); and growing one byte at a time over the same buffer (which
 * also makes any re-scanning show up as a slow input). A fourth pass with the
 * unauthenticated and a small bulk limit only checks the invariants.
 *
 * Invariants: 0 < consumed <= len; every argument lies inside the consumed
 * bytes or inside the parser's inline_buf; need_bytes, when set, is more than
 * we have; errors are known codes with an "ERR Protocol error" text.
 */
#include "node/resp_parse.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Requests a transcript remembers; later ones are parsed but not compared. */
#define EVENTS_MAX 4096

struct transcript {
    size_t count;
    int64_t r[EVENTS_MAX];
    uint64_t hash[EVENTS_MAX];
};

static void check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_resp: invariant broken: %s\n", what);
        abort();
    }
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ULL;
    return h;
}

static bool inside(const char *p, size_t n, const char *base, size_t size)
{
    return base && p >= base && n <= size && (size_t)(p - base) <= size - n;
}

/* Checks one parse result and appends it to t. Returns true to go on. */
static bool record(struct transcript *t, struct node_resp_parser *p, const char *buf, size_t len,
                   ssize_t r)
{
    if (r == 0) {
        check(p->need_bytes == 0 || p->need_bytes > len, "need_bytes <= len");
        return false;
    }
    uint64_t h = 14695981039346656037ULL;
    if (r < 0) {
        check(r >= NODE_RESP_ERR_UNBALANCED_QUOTES, "unknown error code");
        char tmp[64];
        const char *text = node_resp_error_text(p, (int)r, tmp, sizeof(tmp));
        check(strncmp(text, "ERR Protocol error: ", 20) == 0, "error text");
        h = fnv(h, text, strlen(text));
    } else {
        check((size_t)r <= len, "consumed > len");
        check(p->argc >= 0 && (p->argc == 0 || p->argv), "argc");
        h = fnv(h, &p->argc, sizeof(p->argc));
        for (int i = 0; i < p->argc; i++) {
            check(inside(p->argv[i], p->argl[i], buf, (size_t)r) ||
                      inside(p->argv[i], p->argl[i], p->inline_buf, p->inline_cap),
                  "argument outside buf and inline_buf");
            h = fnv(h, &p->argl[i], sizeof(p->argl[i]));
            h = fnv(h, p->argv[i], p->argl[i]);
        }
    }
    if (t && t->count < EVENTS_MAX) {
        t->r[t->count] = r;
        t->hash[t->count] = h;
        t->count++;
    }
    return r > 0;
}

/* Parses every complete request at the start of buf; returns bytes consumed,
 * or SIZE_MAX after a protocol error. */
static size_t drain(struct transcript *t, struct node_resp_parser *p, const char *buf, size_t len)
{
    size_t off = 0;
    for (;;) {
        ssize_t r = node_resp_parse(p, buf + off, len - off);
        if (!record(t, p, buf + off, len - off, r))
            return r < 0 ? SIZE_MAX : off;
        off += (size_t)r;
    }
}

/* Feeds data in chunks ending at cuts[] (then the rest), moving the unconsumed
 * bytes to an exact-size fresh buffer before each chunk. */
static void run_chunks(struct transcript *t, struct node_resp_parser *p, const uint8_t *data,
                       size_t size, const size_t *cuts, size_t ncuts)
{
    char *q = NULL;
    size_t qlen = 0, fed = 0;
    for (size_t c = 0; c <= ncuts; c++) {
        size_t upto = c < ncuts ? cuts[c] : size;
        char *nq = malloc(qlen + (upto - fed) + 1);
        if (!nq)
            abort();
        if (qlen)
            memcpy(nq, q, qlen);
        memcpy(nq + qlen, data + fed, upto - fed);
        free(q);
        q = nq;
        qlen += upto - fed;
        fed = upto;
        size_t off = drain(t, p, q, qlen);
        if (off == SIZE_MAX)
            break;
        memmove(q, q + off, qlen - off);
        qlen -= off;
    }
    free(q);
}

/* Grows the visible length one byte at a time over one buffer. */
static void run_bytewise(struct transcript *t, struct node_resp_parser *p, const uint8_t *data,
                         size_t size)
{
    const char *buf = (const char *)data;
    size_t start = 0;
    for (size_t end = 1; end <= size; end++) {
        size_t off = drain(t, p, buf + start, end - start);
        if (off == SIZE_MAX)
            return;
        start += off;
    }
}

static void same(const struct transcript *a, const struct transcript *b, const char *what)
{
    check(a->count == b->count, what);
    for (size_t i = 0; i < a->count; i++)
        check(a->r[i] == b->r[i] && a->hash[i] == b->hash[i], what);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct transcript whole, split, bytes;
    struct node_resp_parser p;

    node_resp_parser_init(&p);
    whole.count = 0;
    run_chunks(&whole, &p, data, size, NULL, 0);
    node_resp_parser_free(&p);

    /* The 64 KB line limits trip on a prefix that the whole buffer passes
     * (its line end is there), so the passes agree only below them. */
    if (size <= NODE_RESP_INLINE_MAX) {
        size_t cut = size ? (size_t)(fnv(0, data, size) % (size + 1)) : 0;
        node_resp_parser_init(&p);
        split.count = 0;
        run_chunks(&split, &p, data, size, &cut, 1);
        node_resp_parser_free(&p);
        same(&whole, &split, "two chunks differ from one");

        node_resp_parser_init(&p);
        bytes.count = 0;
        run_bytewise(&bytes, &p, data, size);
        node_resp_parser_free(&p);
        same(&whole, &bytes, "byte-at-a-time differs from one chunk");
    }

    node_resp_parser_init(&p);
    p.unauthenticated = true;
    p.max_bulk_len = 64;
    run_chunks(NULL, &p, data, size, NULL, 0);
    node_resp_parser_free(&p);
    return 0;
}
