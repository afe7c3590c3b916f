/*
 * resp_parse.c — the request parser: framing of multibulk and inline client
 * requests, the inline argument splitter, the protocol limits and their error
 * texts (../shared/spec/resp.md §4-§5, redis-server 7.0.15 behaviour).
 *
 * Does not own: reading the socket, the query buffer and its 1 GB limit, the
 * "inline on the master link" check, the POST/Host: guard. client.c does those.
 *
 * BACKGROUND
 * The parser is on the hot path and is fed incrementally: a 1M-argument MSET
 * arrives in thousands of reads, and the caller may move its buffer between
 * them. So the parser keeps only offsets (pos, scan, argo[]) and resumes where
 * it stopped, never re-reading what it parsed; argv[] pointers are built from
 * the offsets once, on completion.
 *
 * BEHAVIOR worth knowing (all matches Redis 7.0):
 * - A count or length line ends at the first '\r'; the byte after it is
 *   skipped unchecked, and so are the two bytes after a bulk's data.
 * - Redis finds that '\r', and the '\n' ending an inline line, with strchr(),
 *   which stops at a NUL byte: a line with a NUL before its end never ends,
 *   until the 64 KB limit hits (observed: "ping\0\r\n" gets no reply).
 * - *0 and negative counts, and blank inline lines, are requests with argc 0.
 */
#include "node/resp_parse.h"
#include "node/core/core.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

enum parse_state {
    ST_IDLE = 0,   /* between requests */
    ST_COUNT,      /* reading "*<count>\r\n" */
    ST_BULKS,      /* reading "$<len>\r\n<data>\r\n" mbulk_left more times */
    ST_INLINE,     /* waiting for the '\n' of an inline line */
};

#define DEFAULT_MAX_BULK_LEN (512LL * 1024 * 1024)
/* Every request gets at least this many slots, so small ones never realloc. */
#define ARGV_CAP_MIN 16
/* Arrays grown past this by one huge request are dropped before the next. */
#define ARGV_CAP_KEEP 4096
#define INLINE_CAP_KEEP ((size_t)NODE_RESP_INLINE_MAX)
/* argc is an int: an inline line longer than this could overflow it. */
#define INLINE_LINE_MAX ((size_t)INT_MAX)
/* The longest text string2ll() in Redis accepts ("-9223372036854775808"). */
#define LL_STR_MAX 20

/* Strict decimal as Redis's string2ll(): optional '-', no '+', no spaces,
 * no leading zeros ("0" alone is fine, "-0" is not), must fit long long. */
static bool parse_ll(const char *s, size_t n, long long *ret)
{
    if (n == 0 || n > LL_STR_MAX)
        return false;
    if (n == 1 && s[0] == '0') {
        *ret = 0;
        return true;
    }
    bool neg = s[0] == '-';
    size_t i = neg ? 1 : 0;
    if (i == n || s[i] < '1' || s[i] > '9')
        return false;
    unsigned long long v = 0;
    for (; i < n; i++) {
        unsigned d = (unsigned)(unsigned char)s[i] - '0';
        if (d > 9 || v > (ULLONG_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    if (neg) {
        if (v > (unsigned long long)LLONG_MAX + 1)
            return false;
        *ret = v == (unsigned long long)LLONG_MAX + 1 ? LLONG_MIN : -(long long)v;
    } else {
        if (v > (unsigned long long)LLONG_MAX)
            return false;
        *ret = (long long)v;
    }
    return true;
}

/* The line almost every request has: its prefix byte at buf[start], a
 * canonical number of 1 to QUICK_DIGITS_MAX digits, '\r' and one more byte.
 * Read in one pass; whatever does not fit takes the general path, which
 * decides the same way. */
#define QUICK_DIGITS_MAX 18 /* cannot overflow, and covers every sane length */

static inline bool quick_number(const char *buf, size_t len, size_t start, size_t *ret_cr,
                                long long *ret_n)
{
    size_t i = start + 1;
    size_t end = CORE_MIN(len, i + QUICK_DIGITS_MAX);
    long long n = 0;
    for (; i < end; i++) {
        unsigned d = (unsigned)(unsigned char)buf[i] - '0';
        if (d > 9)
            break;
        n = n * 10 + d;
    }
    size_t digits = i - start - 1;
    if (digits == 0 || i + 1 >= len || buf[i] != '\r' || (digits > 1 && buf[start + 1] == '0'))
        return false;
    *ret_cr = i;
    *ret_n = n;
    return true;
}

static size_t add_sat(size_t a, size_t b)
{
    return a > SIZE_MAX - b ? SIZE_MAX : a + b;
}

__attribute__((noinline)) static void grow_args(struct node_resp_parser *p, long long want)
{
    core_assert(want > p->argv_cap && want <= INT_MAX);
    size_t n = (size_t)want;
    p->argv = core_realloc(p->argv, n * sizeof(*p->argv));
    p->argl = core_realloc(p->argl, n * sizeof(*p->argl));
    p->argo = core_realloc(p->argo, n * sizeof(*p->argo));
    p->argv_cap = (int)want;
}

/* Appends an argument at base + off. Slots double as arguments arrive, but
 * never beyond what the request declared it still has. */
static inline void push_arg(struct node_resp_parser *p, const char *base, size_t off, size_t n)
{
    if (p->argc == p->argv_cap) {
        long long limit = p->state == ST_BULKS ? p->argc + p->mbulk_left : INT_MAX;
        long long want = CORE_MAX(2LL * p->argv_cap, ARGV_CAP_MIN);
        grow_args(p, CORE_MAX(CORE_MIN(want, limit), p->argc + 1LL));
    }
    p->argo[p->argc] = off;
    p->argl[p->argc] = n;
    p->argv[p->argc] = base + off;
    p->argc++;
}

/* Searches buf[scan, len) for the '\r' ending a count or length line and
 * returns its index, or SIZE_MAX. Like Redis's strchr() the search stops at a
 * NUL byte; the scan then stays parked on it, so the line never ends. */
static size_t find_cr(struct node_resp_parser *p, const char *buf, size_t len)
{
    size_t i = p->scan;
    for (; i < len; i++) {
        if (buf[i] == '\r')
            break;
        if (buf[i] == '\0') {
            p->scan = i;
            return SIZE_MAX;
        }
    }
    p->scan = i;
    return i < len ? i : SIZE_MAX;
}

/* "*<count>\r\n". Returns 1 to go on with the bulks, 0 for need more, the
 * bytes consumed for a no-op count (<= 0), or an error. */
static ssize_t parse_count(struct node_resp_parser *p, const char *buf, size_t len)
{
    size_t cr;
    long long count;
    if (!quick_number(buf, len, 0, &cr, &count)) {
        cr = find_cr(p, buf, len);
        if (cr == SIZE_MAX)
            return len > NODE_RESP_INLINE_MAX ? NODE_RESP_ERR_MBULK_COUNT_TOO_BIG : 0;
        if (cr + 1 >= len)
            return 0; /* the '\n' has not arrived */
        if (!parse_ll(buf + 1, cr - 1, &count))
            return NODE_RESP_ERR_MBULK_INVALID;
    }
    if (count > NODE_RESP_MBULK_MAX)
        return NODE_RESP_ERR_MBULK_INVALID;
    if (count > NODE_RESP_UNAUTH_ARGC_MAX && p->unauthenticated)
        return NODE_RESP_ERR_UNAUTH_MBULK;
    p->pos = p->scan = cr + 2;
    if (count <= 0)
        return (ssize_t)p->pos;
    p->state = ST_BULKS;
    p->mbulk_left = count;
    p->bulk_len = -1;
    long long want = CORE_MAX(CORE_MIN(count, NODE_RESP_ARGV_PREALLOC_MAX), ARGV_CAP_MIN);
    if (want > p->argv_cap)
        grow_args(p, want);
    return 1;
}

/* "$<len>\r\n". Returns 1 when bulk_len is set, 0 for need more, or an error. */
static int parse_bulk_len(struct node_resp_parser *p, const char *buf, size_t len)
{
    size_t cr;
    long long n;
    if (p->pos >= len || buf[p->pos] != '$' || !quick_number(buf, len, p->pos, &cr, &n)) {
        cr = find_cr(p, buf, len);
        if (cr == SIZE_MAX)
            return len - p->pos > NODE_RESP_INLINE_MAX ? NODE_RESP_ERR_BULK_COUNT_TOO_BIG : 0;
        if (cr + 1 >= len)
            return 0;
        if (buf[p->pos] != '$') {
            p->bad_byte = buf[p->pos];
            return NODE_RESP_ERR_EXPECTED_DOLLAR;
        }
        if (!parse_ll(buf + p->pos + 1, cr - p->pos - 1, &n) || n < 0)
            return NODE_RESP_ERR_BULK_INVALID;
    }
    if (p->max_bulk_len > 0 && n > p->max_bulk_len)
        return NODE_RESP_ERR_BULK_INVALID;
    if (n > NODE_RESP_UNAUTH_BULK_MAX && p->unauthenticated)
        return NODE_RESP_ERR_UNAUTH_BULK;
    p->pos = p->scan = cr + 2;
    p->bulk_len = n;
    return 1;
}

/* The bulks of a multibulk request, resuming where the last call stopped.
 * Returns the request's size once all arrived, 0 for need more, or an error. */
static ssize_t parse_bulks(struct node_resp_parser *p, const char *buf, size_t len)
{
    while (p->mbulk_left > 0) {
        if (p->bulk_len < 0) {
            int r = parse_bulk_len(p, buf, len);
            if (r <= 0)
                return r;
        }
        size_t blen = (size_t)p->bulk_len;
        if (len - p->pos < 2 || len - p->pos - 2 < blen) {
            p->need_bytes = add_sat(p->pos, add_sat(blen, 2));
            return 0;
        }
        push_arg(p, buf, p->pos, blen);
        p->pos += blen + 2; /* the CRLF after the data is not checked */
        p->scan = p->pos;
        p->bulk_len = -1;
        p->mbulk_left--;
    }
    return (ssize_t)p->pos;
}

/* Blanks between inline arguments: isspace() in the C locale. */
static bool is_blank(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static int hex_val(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static char unescape(unsigned char c)
{
    switch (c) {
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    case 'b': return '\b';
    case 'a': return '\a';
    default: return (char)c;
    }
}

/* s[i], or the NUL terminating Redis's copy of the line. */
static unsigned char at(const char *s, size_t n, size_t i)
{
    return i < n ? (unsigned char)s[i] : 0;
}

/* One byte of a quoted section at s[*pi]: writes its unescaped value to
 * out[*po]. Returns 1 on the closing quote, 0 to go on, or an error. */
static int quoted_byte(const char *s, size_t n, size_t *pi, char q, char *out, size_t *po)
{
    size_t i = *pi;
    unsigned char c = at(s, n, i);
    if (c == '\0')
        return NODE_RESP_ERR_UNBALANCED_QUOTES;
    if (c == (unsigned char)q) {
        unsigned char next = at(s, n, i + 1);
        return next == '\0' || is_blank(next) ? 1 : NODE_RESP_ERR_UNBALANCED_QUOTES;
    }
    if (c == '\\' && q == '\'' && at(s, n, i + 1) == '\'') {
        out[(*po)++] = '\'';
        *pi = i + 1;
    } else if (c == '\\' && q == '"' && at(s, n, i + 1) == 'x' &&
               hex_val(at(s, n, i + 2)) >= 0 && hex_val(at(s, n, i + 3)) >= 0) {
        out[(*po)++] = (char)(hex_val(at(s, n, i + 2)) * 16 + hex_val(at(s, n, i + 3)));
        *pi = i + 3;
    } else if (c == '\\' && q == '"' && at(s, n, i + 1) != '\0') {
        out[(*po)++] = unescape(at(s, n, i + 1));
        *pi = i + 1;
    } else {
        out[(*po)++] = (char)c;
    }
    return 0;
}

/* One argument starting at the non-blank s[*pi]; appends its bytes to out and
 * leaves *pi past its terminator. No input byte yields more than one output
 * byte, so out needs at most n bytes for the whole line. */
static int split_token(const char *s, size_t n, size_t *pi, char *out, size_t *po)
{
    size_t i = *pi;
    char q = 0; /* the open quote, if any */
    for (;; i++) {
        if (q) {
            int r = quoted_byte(s, n, &i, q, out, po);
            if (r < 0)
                return r;
            if (r == 1)
                break; /* closing quote: the token ends here */
            continue;
        }
        unsigned char c = at(s, n, i);
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\0')
            break;
        if (c == '"' || c == '\'')
            q = (char)c;
        else
            out[(*po)++] = (char)c;
    }
    *pi = i < n ? i + 1 : i;
    return 0;
}

/* Splits an inline line (without its line end, and never holding a NUL)
 * into arguments unescaped in inline_buf, as Redis's sdssplitargs() does. */
static int split_inline(struct node_resp_parser *p, const char *s, size_t n)
{
    if (n > p->inline_cap) {
        core_free(p->inline_buf);
        p->inline_buf = core_malloc(n);
        p->inline_cap = n;
    }
    size_t i = 0, out = 0;
    for (;;) {
        while (i < n && is_blank((unsigned char)s[i]))
            i++;
        if (i == n)
            return 0;
        size_t start = out;
        int r = split_token(s, n, &i, p->inline_buf, &out);
        if (r < 0)
            return r;
        push_arg(p, p->inline_buf, start, out - start);
    }
}

/* Searches buf[scan, len) for the '\n' ending an inline line; like find_cr()
 * the search parks on a NUL byte. */
static size_t find_lf(struct node_resp_parser *p, const char *buf, size_t len)
{
    if (p->scan < len && buf[p->scan] == '\0')
        return SIZE_MAX;
    const char *nl = memchr(buf + p->scan, '\n', len - p->scan);
    size_t end = nl ? (size_t)(nl - buf) : len;
    const char *nul = memchr(buf + p->scan, '\0', end - p->scan);
    if (nul) {
        p->scan = (size_t)(nul - buf);
        return SIZE_MAX;
    }
    p->scan = end;
    return nl ? end : SIZE_MAX;
}

static ssize_t parse_inline(struct node_resp_parser *p, const char *buf, size_t len)
{
    size_t end = find_lf(p, buf, len);
    if (end == SIZE_MAX)
        return len > NODE_RESP_INLINE_MAX ? NODE_RESP_ERR_INLINE_TOO_BIG : 0;
    if (end > INLINE_LINE_MAX)
        return NODE_RESP_ERR_INLINE_TOO_BIG;
    size_t line_len = end > 0 && buf[end - 1] == '\r' ? end - 1 : end;
    int r = split_inline(p, buf, line_len);
    return r < 0 ? r : (ssize_t)(end + 1);
}

/* A new request starts: drop what one huge request grew. */
static void begin_request(struct node_resp_parser *p)
{
    if (p->argv_cap > ARGV_CAP_KEEP) {
        core_free(p->argv);
        core_free(p->argl);
        core_free(p->argo);
        p->argv = NULL;
        p->argl = NULL;
        p->argo = NULL;
        p->argv_cap = 0;
    }
    if (p->inline_cap > INLINE_CAP_KEEP) {
        core_free(p->inline_buf);
        p->inline_buf = NULL;
        p->inline_cap = 0;
    }
    p->argc = 0;
    p->pos = p->scan = 0;
    p->mbulk_left = 0;
    p->bulk_len = -1;
}

void node_resp_parser_init(struct node_resp_parser *p)
{
    memset(p, 0, sizeof(*p));
    p->max_bulk_len = DEFAULT_MAX_BULK_LEN;
    p->bulk_len = -1;
}

void node_resp_parser_reset(struct node_resp_parser *p)
{
    begin_request(p);
    p->state = ST_IDLE;
    p->need_bytes = 0;
}

void node_resp_parser_free(struct node_resp_parser *p)
{
    if (!p)
        return;
    core_free(p->argv);
    core_free(p->argl);
    core_free(p->argo);
    core_free(p->inline_buf);
    long long max_bulk_len = p->max_bulk_len;
    bool unauthenticated = p->unauthenticated;
    node_resp_parser_init(p);
    p->max_bulk_len = max_bulk_len;
    p->unauthenticated = unauthenticated;
}

ssize_t node_resp_parse(struct node_resp_parser *p, const char *buf, size_t len)
{
    core_assert(len >= p->pos && len >= p->scan); /* buf lost bytes it had */
    p->need_bytes = 0;
    if (p->state == ST_IDLE) {
        if (len == 0)
            return 0;
        begin_request(p);
        p->state = buf[0] == '*' ? ST_COUNT : ST_INLINE;
    }
    int stale = p->argc; /* argv[] of earlier calls point into an old buf */
    ssize_t r;
    if (p->state == ST_INLINE) {
        r = parse_inline(p, buf, len);
        stale = 0;
    } else {
        r = p->state == ST_COUNT ? parse_count(p, buf, len) : 1;
        if (r == 1 && p->state == ST_BULKS)
            r = parse_bulks(p, buf, len);
    }
    if (r > 0) {
        for (int i = 0; i < stale; i++)
            p->argv[i] = buf + p->argo[i];
        p->state = ST_IDLE;
        p->pos = p->scan = 0; /* the next buf starts after this request */
    } else if (r < 0) {
        node_resp_parser_reset(p);
    }
    return r;
}

const char *node_resp_error_text(const struct node_resp_parser *p, int err, char *tmp,
                                 size_t tmp_size)
{
    switch (err) {
    case NODE_RESP_ERR_INLINE_TOO_BIG: return "ERR Protocol error: too big inline request";
    case NODE_RESP_ERR_MBULK_COUNT_TOO_BIG: return "ERR Protocol error: too big mbulk count string";
    case NODE_RESP_ERR_MBULK_INVALID: return "ERR Protocol error: invalid multibulk length";
    case NODE_RESP_ERR_BULK_COUNT_TOO_BIG: return "ERR Protocol error: too big bulk count string";
    case NODE_RESP_ERR_BULK_INVALID: return "ERR Protocol error: invalid bulk length";
    case NODE_RESP_ERR_UNAUTH_MBULK: return "ERR Protocol error: unauthenticated multibulk length";
    case NODE_RESP_ERR_UNAUTH_BULK: return "ERR Protocol error: unauthenticated bulk length";
    case NODE_RESP_ERR_UNBALANCED_QUOTES: return "ERR Protocol error: unbalanced quotes in request";
    case NODE_RESP_ERR_EXPECTED_DOLLAR: break;
    default: return "ERR Protocol error";
    }
    /* Redis formats the byte with %c into a C string (a NUL cuts the text
     * short) and turns '\r' and '\n' in error replies into spaces. */
    char c = p->bad_byte == '\r' || p->bad_byte == '\n' ? ' ' : p->bad_byte;
    static const char prefix[] = "ERR Protocol error: expected '$', got '";
    core_assert(tmp && tmp_size >= sizeof(prefix) + 2);
    if (c == '\0')
        snprintf(tmp, tmp_size, "%s", prefix);
    else
        snprintf(tmp, tmp_size, "%s%c'", prefix, c);
    return tmp;
}
