/*
 * test_resp_parse.c — unit tests of the RESP request parser (node/resp_parse.c):
 * every request form, every error text, every limit at and one past it,
 * incremental feeding at every byte boundary, pipelines and a 100k-argument
 * request built up piece by piece.
 */
#include "node/resp_parse.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S(lit) lit, sizeof(lit) - 1

static struct node_resp_parser P;

static void setup(void)
{
    node_resp_parser_init(&P);
}

static void teardown(void)
{
    node_resp_parser_free(&P);
}

TestSuite(resp, .init = setup, .fini = teardown);

static ssize_t parse(const char *buf, size_t len)
{
    return node_resp_parse(&P, buf, len);
}

static void expect_arg(int i, const char *want, size_t want_len)
{
    cr_assert_lt(i, P.argc);
    cr_assert_eq(P.argl[i], want_len, "arg %d: length %zu, want %zu", i, P.argl[i], want_len);
    cr_assert(memcmp(P.argv[i], want, want_len) == 0, "arg %d: %.*s", i, (int)P.argl[i], P.argv[i]);
}

/* Parses one complete request and checks its size and arguments. */
static void expect_request(const char *buf, size_t len, size_t want_size, int argc,
                           const char *const *args)
{
    ssize_t r = parse(buf, len);
    cr_assert_eq(r, (ssize_t)want_size, "parse returned %zd, want %zu", r, want_size);
    cr_assert_eq(P.argc, argc, "argc %d, want %d", P.argc, argc);
    for (int i = 0; i < argc; i++)
        expect_arg(i, args[i], strlen(args[i]));
}

static void expect_error(const char *buf, size_t len, int err, const char *text)
{
    ssize_t r = parse(buf, len);
    cr_assert_eq(r, err, "parse returned %zd, want %d", r, err);
    char tmp[64];
    cr_assert_str_eq(node_resp_error_text(&P, (int)r, tmp, sizeof(tmp)), text);
    node_resp_parser_reset(&P);
}

static void expect_more(const char *buf, size_t len)
{
    cr_assert_eq(parse(buf, len), 0);
}

/* ---------- multibulk ---------- */

Test(resp, multibulk_simple)
{
    const char req[] = "*3\r\n$3\r\nSET\r\n$1\r\na\r\n$5\r\nhello\r\n";
    const char *args[] = {"SET", "a", "hello"};
    expect_request(S(req), sizeof(req) - 1, 3, args);
    /* zero copy: the arguments point into the caller's buffer */
    cr_assert_eq(P.argv[0], req + 8);
    cr_assert_eq(P.argv[2], req + 24);
}

Test(resp, multibulk_binary_and_empty)
{
    const char req[] = "*3\r\n$0\r\n\r\n$4\r\na\r\nb\r\n$3\r\n\0\0\0\r\n";
    ssize_t r = parse(S(req));
    cr_assert_eq(r, (ssize_t)sizeof(req) - 1);
    cr_assert_eq(P.argc, 3);
    expect_arg(0, "", 0);
    expect_arg(1, "a\r\nb", 4);
    expect_arg(2, "\0\0\0", 3);
}

Test(resp, crlf_after_bulk_unchecked)
{
    const char *args[] = {"foo", "bar"};
    expect_request(S("*2\r\n$3\r\nfooXY$3\r\nbar\n\n"), 22, 2, args);
}

Test(resp, count_line_lf_unchecked)
{
    const char *args[] = {"foo"};
    expect_request(S("*1\rX$3\rYfoo\r\n"), 13, 1, args);
}

Test(resp, only_what_belongs_to_the_request_is_consumed)
{
    const char *args[] = {"PING"};
    expect_request(S("*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPI"), 14, 1, args);
}

Test(resp, zero_and_negative_counts_are_noops)
{
    expect_request(S("*0\r\n"), 4, 0, NULL);
    expect_request(S("*-1\r\n*1\r\n"), 5, 0, NULL);
    expect_request(S("*-9223372036854775808\r\n"), 23, 0, NULL);
    expect_request(S("*-2147483649\r\n"), 14, 0, NULL);
    /* a no-op count still needs the byte after its '\r' */
    expect_more(S("*0\r"));
}

Test(resp, count_needs_more)
{
    expect_more(S("*"));
    expect_more(S("*1"));
    expect_more(S("*1\r"));
    expect_more(S("*1\r\n"));
    expect_more(S("*1\r\n$"));
    expect_more(S("*1\r\n$3"));
    expect_more(S("*1\r\n$3\r"));
    expect_more(S("*1\r\n$3\r\n"));
    expect_more(S("*1\r\n$3\r\nfoo"));
    expect_more(S("*1\r\n$3\r\nfoo\r"));
    const char *args[] = {"foo"};
    expect_request(S("*1\r\n$3\r\nfoo\r\n"), 13, 1, args);
}

Test(resp, int_max_count_waits)
{
    expect_more(S("*2147483647\r\n"));
    cr_assert_leq(P.argv_cap, NODE_RESP_ARGV_PREALLOC_MAX);
    expect_more(S("*2147483647\r\n$1\r\na\r\n$1\r\nb\r\n"));
    cr_assert_eq(P.argc, 2);
    cr_assert_leq(P.argv_cap, NODE_RESP_ARGV_PREALLOC_MAX);
    node_resp_parser_reset(&P);
    expect_error(S("*2147483648\r\n"), NODE_RESP_ERR_MBULK_INVALID,
                 "ERR Protocol error: invalid multibulk length");
    expect_error(S("*3000000000\r\n"), NODE_RESP_ERR_MBULK_INVALID,
                 "ERR Protocol error: invalid multibulk length");
}

Test(resp, invalid_counts)
{
    static const char *bad[] = {
        "*abc\r\n", "*\r\n",  "*+1\r\n", "* 1\r\n", "*1 \r\n", "*01\r\n", "*-0\r\n", "*-\r\n",
        "*00\r\n",  "*1a\r\n", "*9223372036854775808\r\n", "*-9223372036854775809\r\n",
        "*100000000000000000000\r\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        expect_error(bad[i], strlen(bad[i]), NODE_RESP_ERR_MBULK_INVALID,
                     "ERR Protocol error: invalid multibulk length");
}

Test(resp, expected_dollar)
{
    expect_more(S("*1\r\nfoo"));
    expect_error(S("*1\r\nfoo\r\n"), NODE_RESP_ERR_EXPECTED_DOLLAR,
                 "ERR Protocol error: expected '$', got 'f'");
    expect_error(S("*2\r\n$1\r\na\r\n:1\r\n"), NODE_RESP_ERR_EXPECTED_DOLLAR,
                 "ERR Protocol error: expected '$', got ':'");
    /* the byte is the '\r' itself; Redis turns it into a space */
    expect_error(S("*1\r\n\r\n"), NODE_RESP_ERR_EXPECTED_DOLLAR,
                 "ERR Protocol error: expected '$', got ' '");
    expect_error(S("*1\r\n\n\r\n"), NODE_RESP_ERR_EXPECTED_DOLLAR,
                 "ERR Protocol error: expected '$', got ' '");
    expect_error(S("*1\r\n\xff\r\n"), NODE_RESP_ERR_EXPECTED_DOLLAR,
                 "ERR Protocol error: expected '$', got '\xff'");
}

Test(resp, invalid_bulk_lengths)
{
    static const char *bad[] = {
        "*1\r\n$-5\r\n",  "*1\r\n$-1\r\n", "*1\r\n$\r\n",  "*1\r\n$abc\r\n",
        "*1\r\n$01\r\n",  "*1\r\n$+1\r\n", "*1\r\n$1 \r\n", "*1\r\n$600000000\r\n",
        "*1\r\n$-0\r\n",  "*1\r\n$99999999999999999999\r\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        expect_error(bad[i], strlen(bad[i]), NODE_RESP_ERR_BULK_INVALID,
                     "ERR Protocol error: invalid bulk length");
}

Test(resp, max_bulk_len_limit)
{
    P.max_bulk_len = 536870912;
    expect_more(S("*1\r\n$536870912\r\n"));
    cr_assert_eq(P.need_bytes, 16 + 536870912 + 2);
    node_resp_parser_reset(&P);
    expect_error(S("*1\r\n$536870913\r\n"), NODE_RESP_ERR_BULK_INVALID,
                 "ERR Protocol error: invalid bulk length");
    P.max_bulk_len = 3;
    const char *args[] = {"abc"};
    expect_request(S("*1\r\n$3\r\nabc\r\n"), 13, 1, args);
    expect_error(S("*1\r\n$4\r\nabcd\r\n"), NODE_RESP_ERR_BULK_INVALID,
                 "ERR Protocol error: invalid bulk length");
    /* the master link has no limit */
    P.max_bulk_len = 0;
    expect_more(S("*1\r\n$9223372036854775807\r\n"));
    cr_assert_eq(P.need_bytes, (size_t)26 + 9223372036854775807ULL + 2);
}

Test(resp, default_max_bulk_len_is_512mb)
{
    expect_more(S("*1\r\n$536870912\r\n"));
    node_resp_parser_reset(&P);
    expect_error(S("*1\r\n$536870913\r\n"), NODE_RESP_ERR_BULK_INVALID,
                 "ERR Protocol error: invalid bulk length");
}

Test(resp, need_bytes)
{
    const char req[] = "*2\r\n$1\r\na\r\n$10\r\n0123456789\r\n";
    expect_more(req, 11);
    cr_assert_eq(P.need_bytes, 0); /* no length line yet */
    expect_more(req, 16);
    cr_assert_eq(P.need_bytes, sizeof(req) - 1);
    expect_more(req, sizeof(req) - 2);
    cr_assert_eq(P.need_bytes, sizeof(req) - 1);
    cr_assert_eq(parse(req, sizeof(req) - 1), (ssize_t)sizeof(req) - 1);
    cr_assert_eq(P.need_bytes, 0);
}

/* ---------- line limits ---------- */

static char *filled(size_t n, char c)
{
    char *b = malloc(n + 16);
    memset(b, c, n);
    return b;
}

Test(resp, inline_line_limit)
{
    char *b = filled(70000, 'a');
    expect_more(b, NODE_RESP_INLINE_MAX);
    expect_error(b, NODE_RESP_INLINE_MAX + 1, NODE_RESP_ERR_INLINE_TOO_BIG,
                 "ERR Protocol error: too big inline request");
    expect_error(b, NODE_RESP_INLINE_MAX + 1, NODE_RESP_ERR_INLINE_TOO_BIG,
                 "ERR Protocol error: too big inline request");
    /* a line whose '\n' is already buffered is fine at any size */
    memcpy(b + 70000 - 3, " b\n", 3);
    cr_assert_eq(parse(b, 70000), 70000);
    cr_assert_eq(P.argc, 2);
    cr_assert_eq(P.argl[0], 70000 - 3);
    expect_arg(1, "b", 1);
    /* and its big unescape buffer does not outlive it */
    const char *args[] = {"PING"};
    expect_request(S("PING\r\n"), 6, 1, args);
    cr_assert_leq(P.inline_cap, NODE_RESP_INLINE_MAX);
    free(b);
}

Test(resp, mbulk_count_line_limit)
{
    char *b = filled(NODE_RESP_INLINE_MAX + 1, '1');
    b[0] = '*';
    expect_more(b, NODE_RESP_INLINE_MAX);
    expect_error(b, NODE_RESP_INLINE_MAX + 1, NODE_RESP_ERR_MBULK_COUNT_TOO_BIG,
                 "ERR Protocol error: too big mbulk count string");
    free(b);
}

Test(resp, bulk_count_line_limit)
{
    /* the limit counts from the start of the length line, not the request */
    const char head[] = "*2\r\n$1\r\na\r\n";
    size_t h = sizeof(head) - 1;
    char *b = filled(h + NODE_RESP_INLINE_MAX + 1, '1');
    memcpy(b, head, h);
    b[h] = '$';
    expect_more(b, h + NODE_RESP_INLINE_MAX);
    expect_error(b, h + NODE_RESP_INLINE_MAX + 1, NODE_RESP_ERR_BULK_COUNT_TOO_BIG,
                 "ERR Protocol error: too big bulk count string");
    free(b);
}

Test(resp, nul_in_count_line_never_ends_it)
{
    expect_more(S("*1\0\r\n$1\r\na\r\n"));
    node_resp_parser_reset(&P);
    expect_more(S("*1\r\n$1\0\r\na\r\n"));
    node_resp_parser_reset(&P);
    char *b = filled(NODE_RESP_INLINE_MAX + 1, '\r');
    memcpy(b, "*1\0", 3);
    expect_more(b, NODE_RESP_INLINE_MAX);
    expect_error(b, NODE_RESP_INLINE_MAX + 1, NODE_RESP_ERR_MBULK_COUNT_TOO_BIG,
                 "ERR Protocol error: too big mbulk count string");
    free(b);
}

/* ---------- unauthenticated limits ---------- */

Test(resp, unauthenticated_limits)
{
    P.unauthenticated = true;
    expect_more(S("*10\r\n"));
    node_resp_parser_reset(&P);
    expect_error(S("*11\r\n"), NODE_RESP_ERR_UNAUTH_MBULK,
                 "ERR Protocol error: unauthenticated multibulk length");
    expect_request(S("*-11\r\n"), 6, 0, NULL);
    expect_more(S("*2\r\n$16384\r\n"));
    cr_assert_eq(P.need_bytes, 12 + 16384 + 2);
    node_resp_parser_reset(&P);
    expect_error(S("*2\r\n$20000\r\n"), NODE_RESP_ERR_UNAUTH_BULK,
                 "ERR Protocol error: unauthenticated bulk length");
    expect_error(S("*2\r\n$16385\r\n"), NODE_RESP_ERR_UNAUTH_BULK,
                 "ERR Protocol error: unauthenticated bulk length");
    /* invalid lengths are reported first */
    expect_error(S("*2\r\n$600000000\r\n"), NODE_RESP_ERR_BULK_INVALID,
                 "ERR Protocol error: invalid bulk length");
    /* inline requests have no such limit */
    const char *args[] = {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"};
    expect_request(S("a b c d e f g h i j k\n"), 22, 11, args);

    P.unauthenticated = false;
    expect_more(S("*11\r\n$20000\r\n"));
}

/* ---------- inline ---------- */

Test(resp, inline_simple)
{
    const char *ping[] = {"PING"};
    expect_request(S("PING\r\n"), 6, 1, ping);
    expect_request(S("PING\n"), 5, 1, ping);
    const char *set[] = {"set", "a", "b"};
    expect_request(S("  set\ta   b \r\nxx"), 14, 3, set);
    /* only a '\r' right before the '\n' is part of the line end */
    const char *cr[] = {"a", "b"};
    expect_request(S("a\rb\r\r\n"), 6, 2, cr);
    expect_more(S("PING"));
    expect_more(S("PING\r"));
    expect_request(S("PING\r\n"), 6, 1, ping);
}

Test(resp, inline_blank_lines_are_noops)
{
    expect_request(S("\r\n\nping\r\n"), 2, 0, NULL);
    expect_request(S("\nping\r\n"), 1, 0, NULL);
    expect_request(S(" \t\v\f \r\n"), 7, 0, NULL);
    expect_request(S("\r\r\n"), 3, 0, NULL);
}

Test(resp, inline_quotes)
{
    const char *a1[] = {"set", "a", "helloA\n"};
    expect_request(S("set a \"hello\\x41\\n\" \r\n"), 22, 3, a1);
    const char *a2[] = {"set", "a", "it's"};
    expect_request(S("set a 'it\\'s'\r\n"), 15, 3, a2);
    const char *a3[] = {"abc d", "x"};
    expect_request(S("ab\"c d\" x\n"), 10, 2, a3);
    const char *a4[] = {"", ""};
    expect_request(S("\"\" ''\n"), 6, 2, a4);
    const char *a5[] = {"\n\r\t\b\a\"\\z", "x4g\\", "\\n"};
    const char l5[] = "\"\\n\\r\\t\\b\\a\\\"\\\\\\z\" \"\\x4g\\\\\" '\\n'\n";
    expect_request(S(l5), sizeof(l5) - 1, 3, a5);
    const char *a6[] = {"\xff\xab", "xZZ"};
    expect_request(S("\"\\xfF\\xAb\" \"\\xZZ\"\n"), 18, 2, a6);
    /* a quote opened mid-token, and a closing quote followed by \v */
    const char *a7[] = {"ab c", "d"};
    expect_request(S("a'b c'\vd\n"), 9, 2, a7);
    /* \v and \f do not end an unquoted token */
    const char *a8[] = {"a\vb\fc"};
    expect_request(S("a\vb\fc\n"), 6, 1, a8);
}

Test(resp, inline_unbalanced_quotes)
{
    static const char *bad[] = {
        "set a 'it''s'\r\n", "set a 'x'y\r\n", "\"abc\r\n", "'abc\n", "\"a\"b\n",
        "\"abc\\\"\n", "'\\'\n", "\"a\\\n",
    };
    static const size_t len[] = {15, 12, 6, 5, 5, 7, 4, 4};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        expect_error(bad[i], len[i], NODE_RESP_ERR_UNBALANCED_QUOTES,
                     "ERR Protocol error: unbalanced quotes in request");
}

/* Observed on 7.0.15 (and unlike what resp.md §4.2 says): Redis looks for
 * the '\n' with strchr(), so a NUL before it means the line never ends and
 * the client waits for the 64 KB limit; "ping\0\r\n" gets no reply. */
Test(resp, inline_nul_hides_the_line_end)
{
    expect_more(S("set a\0 b\r\nping\r\n"));
    expect_more(S("set a\0 b\r\nping\r\nping\r\n"));
    node_resp_parser_reset(&P);
    expect_more(S("\0ping\r\n"));
    node_resp_parser_reset(&P);
    const char *args[] = {"ping"};
    expect_request(S("ping\r\n\0\r\n"), 6, 1, args);
    expect_more(S("\0\r\n"));
    node_resp_parser_reset(&P);
    char *b = filled(NODE_RESP_INLINE_MAX + 1, '\n');
    memcpy(b, "ab\0", 3);
    expect_more(b, NODE_RESP_INLINE_MAX);
    expect_error(b, NODE_RESP_INLINE_MAX + 1, NODE_RESP_ERR_INLINE_TOO_BIG,
                 "ERR Protocol error: too big inline request");
    free(b);
}

Test(resp, inline_big_argument_count)
{
    size_t n = 5000;
    char *b = malloc(2 * n + 1);
    for (size_t i = 0; i < n; i++) {
        b[2 * i] = (char)('a' + i % 26);
        b[2 * i + 1] = ' ';
    }
    b[2 * n] = '\n';
    cr_assert_eq(parse(b, 2 * n + 1), (ssize_t)(2 * n + 1));
    cr_assert_eq(P.argc, (int)n);
    for (size_t i = 0; i < n; i++)
        cr_assert(P.argl[i] == 1 && P.argv[i][0] == (char)('a' + i % 26));
    free(b);
}

/* ---------- streams, split feeding ---------- */

/* Feeds a stream the way client.c does: data arrives in chunks cut at the
 * given offsets, the unconsumed bytes move to a fresh buffer after each
 * chunk, and requests are parsed as long as they complete. Returns a
 * transcript of every request and error. */
static char *run_stream(const char *data, size_t len, const size_t *cuts, size_t ncuts)
{
    struct node_resp_parser p;
    node_resp_parser_init(&p);
    size_t tcap = 4096, tlen = 0;
    char *t = malloc(tcap);
    t[0] = '\0';
    char *q = NULL;
    size_t qlen = 0, fed = 0;
    for (size_t c = 0; c <= ncuts; c++) {
        size_t upto = c < ncuts ? cuts[c] : len;
        char *nq = malloc(qlen + (upto - fed) + 1);
        if (qlen)
            memcpy(nq, q, qlen);
        memcpy(nq + qlen, data + fed, upto - fed);
        free(q);
        q = nq;
        qlen += upto - fed;
        fed = upto;
        size_t off = 0;
        for (;;) {
            ssize_t r = node_resp_parse(&p, q + off, qlen - off);
            if (tlen + 64 > tcap)
                t = realloc(t, tcap *= 2);
            if (r < 0) {
                tlen += (size_t)sprintf(t + tlen, "E%zd;", r);
                goto out;
            }
            if (r == 0)
                break;
            tlen += (size_t)sprintf(t + tlen, "R%zd:", r);
            for (int i = 0; i < p.argc; i++) {
                while (tlen + p.argl[i] + 64 > tcap)
                    t = realloc(t, tcap *= 2);
                tlen += (size_t)sprintf(t + tlen, "%zu=", p.argl[i]);
                memcpy(t + tlen, p.argv[i], p.argl[i]);
                tlen += p.argl[i];
                t[tlen] = '\0';
            }
            tlen += (size_t)sprintf(t + tlen, ";");
            off += (size_t)r;
        }
        memmove(q, q + off, qlen - off);
        qlen -= off;
    }
out:
    free(q);
    node_resp_parser_free(&p);
    return t;
}

struct stream {
    const char *data;
    size_t len;
};
#define STREAM(lit) {lit, sizeof(lit) - 1}

static const struct stream streams[] = {
    STREAM("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n*1\r\n$4\r\nPING\r\n"),
    STREAM("PING\r\n\r\nset a \"b\\x41\" 'c\\'d'\r\n*0\r\n*-1\r\n*2\r\n$0\r\n\r\n$2\r\nxy\r\n"),
    STREAM("*2\r\n$3\r\nfooXY$3\r\nbar\n\nget   x\n"),
    STREAM("*1\r\n$3\r\nabc\r\n*1\r\nfoo\r\n"),
    STREAM("a b\r\nset a 'x'y\r\n"),
    STREAM("*1\r\n$1\r\nz\r\n*abc\r\n"),
    STREAM("ping\n*1\r\n$-1\r\n"),
    STREAM("*2\r\n$1\r\na\r\n$1\0\r\n"),
    STREAM("ping\r\nping\0\r\nping\r\n"),
};

Test(resp, split_at_every_boundary)
{
    for (size_t s = 0; s < sizeof(streams) / sizeof(streams[0]); s++) {
        const char *d = streams[s].data;
        size_t len = streams[s].len;
        char *whole = run_stream(d, len, NULL, 0);
        for (size_t k = 0; k <= len; k++) {
            char *split = run_stream(d, len, &k, 1);
            cr_assert_str_eq(split, whole, "stream %zu cut at %zu", s, k);
            free(split);
        }
        for (size_t k = 1; k < len; k++) { /* one byte at a time */
            size_t cuts[2] = {k, k + 1};
            char *split = run_stream(d, len, cuts, 2);
            cr_assert_str_eq(split, whole, "stream %zu cut at %zu,%zu", s, k, k + 1);
            free(split);
        }
        free(whole);
    }
}

Test(resp, split_transcripts)
{
    char *t = run_stream(streams[0].data, streams[0].len, NULL, 0);
    cr_assert_str_eq(t, "R33:3=SET3=key5=value;R14:4=PING;");
    free(t);
    t = run_stream(streams[3].data, streams[3].len, NULL, 0);
    cr_assert_str_eq(t, "R13:3=abc;E-5;");
    free(t);
    t = run_stream(streams[7].data, streams[7].len, NULL, 0);
    cr_assert_str_eq(t, ""); /* waits for a '\r' that strchr never sees */
    free(t);
}

Test(resp, prefix_then_full_buffer)
{
    /* the task's own contract: a prefix of length k, then the whole buffer */
    const char req[] = "*4\r\n$4\r\nMSET\r\n$1\r\na\r\n$10\r\n0123456789\r\n$0\r\n\r\n";
    for (size_t k = 0; k < sizeof(req) - 1; k++) {
        node_resp_parser_reset(&P);
        cr_assert_eq(parse(req, k), 0, "prefix %zu", k);
        char copy[sizeof(req)];
        memcpy(copy, req, sizeof(req));
        const char *args[] = {"MSET", "a", "0123456789", ""};
        expect_request(copy, sizeof(req) - 1, sizeof(req) - 1, 4, args);
        for (int i = 0; i < 4; i++)
            cr_assert(P.argv[i] >= copy && P.argv[i] + P.argl[i] <= copy + sizeof(req) - 1);
    }
}

Test(resp, pipeline_of_many_commands)
{
    const char one[] = "*3\r\n$3\r\nSET\r\n$6\r\nkey:00\r\n$3\r\nxxx\r\n";
    size_t n = 10000, l = sizeof(one) - 1;
    char *b = malloc(n * l);
    for (size_t i = 0; i < n; i++) {
        memcpy(b + i * l, one, l);
        b[i * l + 22] = (char)('0' + i % 10);
    }
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        ssize_t r = parse(b + off, n * l - off);
        cr_assert_eq(r, (ssize_t)l);
        cr_assert_eq(P.argc, 3);
        cr_assert_eq(P.argv[1][5], (char)('0' + i % 10));
        off += (size_t)r;
    }
    cr_assert_eq(parse(b + off, 0), 0);
    free(b);
}

/* 100k arguments arriving 61 bytes at a time over one buffer, as the caller
 * does for a 1M-argument MSET: nothing parsed is scanned again, and the slots
 * grow with the arguments that actually arrived. */
Test(resp, huge_request_is_linear, .timeout = 60)
{
    size_t nargs = 100000, cap = nargs * 20 + 32;
    char *b = malloc(cap);
    size_t len = (size_t)sprintf(b, "*%zu\r\n", nargs);
    for (size_t i = 0; i < nargs; i++)
        len += (size_t)sprintf(b + len, "$%zu\r\n%zu\r\n", (size_t)snprintf(NULL, 0, "%zu", i), i);
    size_t fed = 0;
    int calls = 0;
    while (fed < len) {
        fed = fed + 61 < len ? fed + 61 : len;
        ssize_t r = parse(b, fed);
        calls++;
        /* Bytes already parsed are never read again: spoil the first length
         * line, which a parser starting over would reject. */
        if (calls == 100) {
            cr_assert_eq(b[9], '$'); /* after "*100000\r\n" */
            cr_assert_gt(P.argc, 1);
            b[9] = '#';
        }
        if (fed < len) {
            cr_assert_eq(r, 0);
            cr_assert_leq(P.argv_cap, 2 * (P.argc + NODE_RESP_ARGV_PREALLOC_MAX));
        } else {
            cr_assert_eq(r, (ssize_t)len);
        }
    }
    cr_assert_gt(calls, 10000);
    cr_assert_eq(P.argc, (int)nargs);
    for (size_t i = 0; i < nargs; i += 997) {
        char want[16];
        snprintf(want, sizeof(want), "%zu", i);
        expect_arg((int)i, want, strlen(want));
    }
    /* the next request starts with small arrays again */
    const char *args[] = {"PING"};
    expect_request(S("PING\r\n"), 6, 1, args);
    cr_assert_leq(P.argv_cap, NODE_RESP_ARGV_PREALLOC_MAX);
    free(b);
}

Test(resp, buffer_moves_between_calls)
{
    const char req[] = "*3\r\n$3\r\nSET\r\n$1\r\na\r\n$5\r\nhello\r\n";
    size_t len = sizeof(req) - 1;
    char *b1 = malloc(len);
    memcpy(b1, req, 20);
    cr_assert_eq(parse(b1, 20), 0);
    char *b2 = malloc(len);
    memcpy(b2, b1, 20);
    memset(b1, '#', len);
    free(b1);
    memcpy(b2 + 20, req + 20, len - 20);
    cr_assert_eq(parse(b2, len), (ssize_t)len);
    const char *args[] = {"SET", "a", "hello"};
    for (int i = 0; i < 3; i++) {
        expect_arg(i, args[i], strlen(args[i]));
        cr_assert(P.argv[i] >= b2 && P.argv[i] < b2 + len);
    }
    free(b2);
}

Test(resp, reset_forgets_partial_request)
{
    expect_more(S("*3\r\n$3\r\nSET\r\n"));
    node_resp_parser_reset(&P);
    const char *args[] = {"GET", "k"};
    expect_request(S("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"), 20, 2, args);
}

Test(resp, error_text_unknown_and_small_tmp)
{
    char tmp[64];
    cr_assert_str_eq(node_resp_error_text(&P, -100, tmp, sizeof(tmp)), "ERR Protocol error");
    cr_assert_str_eq(node_resp_error_text(&P, NODE_RESP_ERR_INLINE_TOO_BIG, NULL, 0),
                     "ERR Protocol error: too big inline request");
}

Test(resp, free_is_idempotent)
{
    expect_more(S("*3\r\n$3\r\nSET\r\n"));
    node_resp_parser_free(&P);
    node_resp_parser_free(&P);
    node_resp_parser_free(NULL);
    const char *args[] = {"x"};
    expect_request(S("x\n"), 2, 1, args);
}
