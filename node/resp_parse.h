/*
 * resp_parse.h — the request parser: RESP multibulk and inline commands.
 *
 * Pure: no I/O, no clock. The caller owns the query buffer; the parser keeps
 * only offsets into it, so the caller may move (compact or grow) the buffer
 * between calls as long as the bytes from the start of the current command on
 * are kept in order at the new buffer's start... precisely: the caller passes
 * buf = start of the unconsumed bytes each time, and the parser remembers how
 * far into those bytes it already got.
 *
 * Rules, limits and error texts follow ../shared/spec/resp.md §4-§5 (Redis
 * 7.0.15): '*' starts a multibulk request, anything else is inline; *0 and
 * negative counts are no-ops; CRLF after a bulk is skipped unchecked.
 *
 * Return value of node_resp_parse():
 *   > 0  a complete request occupies that many bytes from buf; its arguments
 *        are in parser->argv/argl/argc, valid until the next call or until
 *        buf changes. argc may be 0 (empty inline line, *0, *-1): a no-op.
 *   0    need more bytes; parser->need_bytes, if non-zero, is how many bytes
 *        from buf the current request needs at least (lets the caller grow
 *        its buffer once for a large bulk).
 *   < 0  protocol error; node_resp_error_text() gives the reply text (without
 *        the leading '-' and trailing CRLF). The parser must be reset.
 */
#ifndef SHOAL_NODE_RESP_PARSE_H
#define SHOAL_NODE_RESP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define NODE_RESP_INLINE_MAX 65536          /* PROTO_INLINE_MAX_SIZE */
#define NODE_RESP_MBULK_MAX 2147483647LL    /* INT_MAX */
#define NODE_RESP_UNAUTH_ARGC_MAX 10
#define NODE_RESP_UNAUTH_BULK_MAX 16384
/* Arguments are preallocated at most this many at a time: argc is peer-controlled. */
#define NODE_RESP_ARGV_PREALLOC_MAX 1024

enum node_resp_err {
    NODE_RESP_ERR_INLINE_TOO_BIG = -1,      /* too big inline request */
    NODE_RESP_ERR_MBULK_COUNT_TOO_BIG = -2, /* too big mbulk count string */
    NODE_RESP_ERR_MBULK_INVALID = -3,       /* invalid multibulk length */
    NODE_RESP_ERR_BULK_COUNT_TOO_BIG = -4,  /* too big bulk count string */
    NODE_RESP_ERR_EXPECTED_DOLLAR = -5,     /* expected '$', got '<c>' */
    NODE_RESP_ERR_BULK_INVALID = -6,        /* invalid bulk length */
    NODE_RESP_ERR_UNAUTH_MBULK = -7,        /* unauthenticated multibulk length */
    NODE_RESP_ERR_UNAUTH_BULK = -8,         /* unauthenticated bulk length */
    NODE_RESP_ERR_UNBALANCED_QUOTES = -9,   /* unbalanced quotes in request */
};

struct node_resp_parser {
    /* limits, set by the caller before parsing */
    long long max_bulk_len;  /* proto-max-bulk-len; <= 0 means no limit (master link) */
    bool unauthenticated;    /* apply the unauthenticated limits */

    /* result of the last complete request (argc also counts the arguments
     * of a partial one while the parser returns 0) */
    int argc;
    const char **argv;       /* argv[i] points into buf, or into inline_buf for inline */
    size_t *argl;
    size_t need_bytes;
    char bad_byte;           /* for NODE_RESP_ERR_EXPECTED_DOLLAR */

    /* private state: offsets only, never pointers into buf, so the caller
     * may move its buffer between calls */
    int argv_cap;            /* slots in argv/argl/argo */
    int state;               /* idle, count line, bulks, inline line */
    long long mbulk_left;    /* bulks still expected */
    long long bulk_len;      /* -1 while reading a length line */
    size_t pos;              /* bytes of buf already parsed for this request */
    size_t scan;             /* where the search for the current line's end resumes */
    size_t *argo;            /* argument offsets into buf, converted to argv on completion */
    char *inline_buf;        /* unescaped inline arguments */
    size_t inline_cap;
};

/* Sets the defaults: max_bulk_len 512 MB, authenticated. */
void node_resp_parser_init(struct node_resp_parser *p);
/* Forgets a partial request; keeps the limits and (modest) allocations. */
void node_resp_parser_reset(struct node_resp_parser *p);
void node_resp_parser_free(struct node_resp_parser *p);
ssize_t node_resp_parse(struct node_resp_parser *p, const char *buf, size_t len);
/* The error text for a negative return, e.g. "ERR Protocol error: invalid bulk length".
 * Static, or formatted into tmp (at least 48 bytes) for the expected-'$' error. */
const char *node_resp_error_text(const struct node_resp_parser *p, int err, char *tmp, size_t tmp_size);

#endif
