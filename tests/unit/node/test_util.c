/*
 * test_util.c — unit tests of node/util.c: strict integer and double parsing
 * (Redis 7.0 acceptance rules), number formatting, glob matching and memory
 * sizes. Expected values were checked against redis-server 7.0.15.
 */
#include <criterion/criterion.h>
#include <limits.h>
#include <math.h>
#include <string.h>

#include "node/util.h"

static bool ll(const char *s, long long *v)
{
    return node_util_parse_ll(s, strlen(s), v);
}

static bool ll_ok(const char *s, long long want)
{
    long long v = 12345;
    return ll(s, &v) && v == want;
}

static bool ll_bad(const char *s)
{
    long long v = 12345;
    return !ll(s, &v) && v == 12345;
}

Test(util_ll, accepts_canonical_integers)
{
    cr_assert(ll_ok("0", 0));
    cr_assert(ll_ok("1", 1));
    cr_assert(ll_ok("-1", -1));
    cr_assert(ll_ok("10", 10));
    cr_assert(ll_ok("1234567890", 1234567890LL));
    cr_assert(ll_ok("9223372036854775807", LLONG_MAX));
    cr_assert(ll_ok("-9223372036854775808", LLONG_MIN));
    cr_assert(ll_ok("-9223372036854775807", -LLONG_MAX));
}

Test(util_ll, rejects_everything_else)
{
    cr_assert(ll_bad(""));
    cr_assert(ll_bad("-"));
    cr_assert(ll_bad("-0"));
    cr_assert(ll_bad("007"));
    cr_assert(ll_bad("00"));
    cr_assert(ll_bad("+1"));
    cr_assert(ll_bad(" 1"));
    cr_assert(ll_bad("1 "));
    cr_assert(ll_bad("1a"));
    cr_assert(ll_bad("a1"));
    cr_assert(ll_bad("1.0"));
    cr_assert(ll_bad("1e3"));
    cr_assert(ll_bad("--1"));
    cr_assert(ll_bad("0x10"));
    cr_assert(ll_bad("9223372036854775808"));
    cr_assert(ll_bad("-9223372036854775809"));
    cr_assert(ll_bad("18446744073709551615"));
    cr_assert(ll_bad("18446744073709551616"));
    cr_assert(ll_bad("99999999999999999999999"));
}

Test(util_ll, honours_length_not_nul)
{
    long long v = 0;
    /* Arguments point into the query buffer: the bytes after len are not ours. */
    cr_assert(node_util_parse_ll("123456", 3, &v));
    cr_assert_eq(v, 123);
    cr_assert(!node_util_parse_ll("1\0" "2", 3, &v));
    cr_assert(!node_util_parse_ll("12", 0, &v));
}

static bool dbl(const char *s, double *v)
{
    return node_util_parse_double(s, strlen(s), v);
}

Test(util_double, accepts_strtod_forms)
{
    double v = 0;
    cr_assert(dbl("1e3", &v) && v == 1000.0);
    cr_assert(dbl("1.5", &v) && v == 1.5);
    cr_assert(dbl("-0.25", &v) && v == -0.25);
    cr_assert(dbl("+1", &v) && v == 1.0);
    cr_assert(dbl(".5", &v) && v == 0.5);
    cr_assert(dbl("5.", &v) && v == 5.0);
    cr_assert(dbl("007", &v) && v == 7.0);
    cr_assert(dbl("0x10", &v) && v == 16.0);
    cr_assert(dbl("-0", &v) && v == 0.0 && signbit(v));
    cr_assert(dbl("inf", &v) && isinf(v) && v > 0);
    cr_assert(dbl("+inf", &v) && isinf(v) && v > 0);
    cr_assert(dbl("-inf", &v) && isinf(v) && v < 0);
    cr_assert(dbl("Infinity", &v) && isinf(v));
    cr_assert(dbl("4.9e-324", &v) && v > 0); /* denormal: kept */
}

Test(util_double, rejects)
{
    double v = 42;
    cr_assert(!dbl("", &v));
    cr_assert(!dbl("nan", &v));
    cr_assert(!dbl("-nan", &v));
    cr_assert(!dbl("NaN", &v));
    cr_assert(!dbl(" 1", &v));
    cr_assert(!dbl("1 ", &v));
    cr_assert(!dbl("\t1", &v));
    cr_assert(!dbl("1x", &v));
    cr_assert(!dbl("abc", &v));
    cr_assert(!dbl("-", &v));
    cr_assert(!dbl("1e400", &v));   /* overflow */
    cr_assert(!dbl("-1e400", &v));
    cr_assert(!dbl("1e-400", &v));  /* underflow to zero */
    cr_assert_eq(v, 42);
    cr_assert(!node_util_parse_double("1\0" "5", 3, &v));
    cr_assert(node_util_parse_double("1.5xyz", 3, &v) && v == 1.5);
}

Test(util_ldouble, parses_and_rejects)
{
    long double v = 0;
    cr_assert(node_util_parse_ldouble("10.5", 4, &v) && v == 10.5L);
    cr_assert(node_util_parse_ldouble("5.0e3", 5, &v) && v == 5000.0L);
    cr_assert(node_util_parse_ldouble("-inf", 4, &v) && isinf(v));
    cr_assert(node_util_parse_ldouble("1e400", 5, &v) && v > 1e300L); /* fits a long double */
    cr_assert(!node_util_parse_ldouble("nan", 3, &v));
    cr_assert(!node_util_parse_ldouble("", 0, &v));
    cr_assert(!node_util_parse_ldouble(" 1", 2, &v));
    cr_assert(!node_util_parse_ldouble("1 ", 2, &v));
    cr_assert(!node_util_parse_ldouble("1e99999", 7, &v));
    cr_assert(!node_util_parse_ldouble("abc", 3, &v));
}

Test(util_format, ll2str)
{
    char buf[32];
    cr_assert_eq(node_util_ll2str(buf, 0), 1);
    cr_assert_str_eq(buf, "0");
    cr_assert_eq(node_util_ll2str(buf, -7), 2);
    cr_assert_str_eq(buf, "-7");
    cr_assert_eq(node_util_ll2str(buf, LLONG_MAX), 19);
    cr_assert_str_eq(buf, "9223372036854775807");
    cr_assert_eq(node_util_ll2str(buf, LLONG_MIN), 20);
    cr_assert_str_eq(buf, "-9223372036854775808");
    cr_assert_eq(node_util_ll2str(buf, 1000), 4);
    cr_assert_str_eq(buf, "1000");
}

static void d2s(double d, const char *want)
{
    char buf[128];
    size_t n = node_util_d2str(buf, sizeof(buf), d);
    cr_assert_eq(n, strlen(want), "%g -> %s", d, buf);
    cr_assert_str_eq(buf, want);
}

Test(util_format, d2str_is_percent_17g)
{
    d2s(1.5, "1.5");
    d2s(0.1, "0.10000000000000001");
    d2s(3.0, "3");
    d2s(-2.5, "-2.5");
    d2s(1e20, "1e+20");
    d2s(INFINITY, "inf");
    d2s(-INFINITY, "-inf");
    d2s(0.0, "0");
}

static void ld2s(long double v, const char *want)
{
    char buf[5200];
    size_t n = node_util_ld2str(buf, sizeof(buf), v);
    cr_assert_eq(n, strlen(want), "%Lg -> %s", v, buf);
    cr_assert_str_eq(buf, want);
}

Test(util_format, ld2str_human)
{
    ld2s(10.5L + 0.1L, "10.6");
    ld2s(5.0e3L, "5000");
    ld2s(3.0L, "3");
    ld2s(0.0L, "0");
    ld2s(-0.0L, "0");
    ld2s(-1.5L, "-1.5");
    ld2s(1.0e-20L, "0");
    ld2s(-1.0e-20L, "0");
    ld2s(0.1L, "0.1");
    ld2s(100.0L, "100");
    ld2s(1e20L, "100000000000000000000");
    ld2s(INFINITY, "inf");
    ld2s(-INFINITY, "-inf");
}

Test(util_format, ld2str_too_small_buffer)
{
    char buf[4];
    cr_assert_eq(node_util_ld2str(buf, sizeof(buf), 12345.0L), 0);
}

static bool gm(const char *p, const char *s)
{
    return node_util_glob_match(p, strlen(p), s, strlen(s), false);
}

static bool gmi(const char *p, const char *s)
{
    return node_util_glob_match(p, strlen(p), s, strlen(s), true);
}

Test(util_glob, stars_and_questions)
{
    cr_assert(gm("*", "anything"));
    cr_assert(gm("**", "x"));
    cr_assert(gm("h*o", "hello"));
    cr_assert(gm("h*o", "ho"));
    cr_assert(!gm("h*o", "hellox"));
    cr_assert(gm("*llo", "hello"));
    cr_assert(gm("h?llo", "hello"));
    cr_assert(!gm("h?llo", "hllo"));
    cr_assert(gm("a*b*c", "aXbYc"));
    cr_assert(gm("a*b*c", "abc"));
    cr_assert(gm("a*b*c*", "abc"));
    cr_assert(!gm("a*b*c", "acb"));
    cr_assert(gm("*a*a*a*", "aaa"));
    cr_assert(!gm("*a*a*a*a", "aaa"));
    cr_assert(gm("abc", "abc"));
    cr_assert(!gm("abc", "abcd"));
    cr_assert(!gm("abcd", "abc"));
    cr_assert(!gm("", "a"));
}

Test(util_glob, empty_subject_matches_only_empty_pattern)
{
    cr_assert(gm("", ""));
    cr_assert(!gm("*", ""));
    cr_assert(!gm("?", ""));
}

Test(util_glob, classes)
{
    cr_assert(gm("h[ae]llo", "hello"));
    cr_assert(gm("h[ae]llo", "hallo"));
    cr_assert(!gm("h[ae]llo", "hillo"));
    cr_assert(gm("h[^e]llo", "hallo"));
    cr_assert(!gm("h[^e]llo", "hello"));
    cr_assert(gm("h[a-b]llo", "hbllo"));
    cr_assert(!gm("h[a-b]llo", "hcllo"));
    cr_assert(gm("[z-a]", "m")); /* reversed range */
    cr_assert(!gm("[]", "a"));
    cr_assert(gm("[^]", "a"));
    cr_assert(gm("[\\]]", "]"));
    cr_assert(gm("[\\-]", "-"));
    /* "a-]" is the range ']'..'a', so the class goes on to the pattern's end */
    cr_assert(gm("[a-]", "_"));
    cr_assert(!gm("[a-]", "b"));
    cr_assert(gm("[a-]x", "x"));
    cr_assert(!gm("[a-]x", "_x"));
    cr_assert(gm("[abc", "b")); /* open class ends with the pattern */
    cr_assert(!gm("[abc", "bc"));
    cr_assert(!gm("[", "a"));
    cr_assert(gm("[^", "a"));
    cr_assert(gm("a[b-d]*", "acxyz"));
}

Test(util_glob, escapes)
{
    cr_assert(gm("\\*", "*"));
    cr_assert(!gm("\\*", "a"));
    cr_assert(gm("\\?", "?"));
    cr_assert(!gm("\\?", "x"));
    cr_assert(gm("a\\[b", "a[b"));
    cr_assert(gm("a\\", "a\\")); /* trailing backslash is literal */
    cr_assert(gm("\\a", "a"));
}

Test(util_glob, nocase)
{
    cr_assert(!gm("HELLO", "hello"));
    cr_assert(gmi("HELLO", "hello"));
    cr_assert(gmi("h[A-C]llo", "hbllo"));
    cr_assert(gmi("H*O", "hello"));
    cr_assert(!gmi("[Z-a]", "m")); /* ends ordered before case folding */
    cr_assert(gmi("[^A]", "b"));
    cr_assert(!gmi("[^A]", "a"));
}

Test(util_glob, binary_safe)
{
    cr_assert(node_util_glob_match("a?c", 3, "a\0c", 3, false));
    cr_assert(node_util_glob_match("a*", 2, "a\0\0\0", 4, false));
    cr_assert(!node_util_glob_match("a\0", 2, "a", 1, false));
}

Test(util_glob, pathological_pattern_is_fast)
{
    char pat[401], s[4001];
    for (int i = 0; i < 200; i++) {
        pat[2 * i] = 'a';
        pat[2 * i + 1] = '*';
    }
    pat[399] = 'b';
    pat[400] = '\0';
    memset(s, 'a', 4000);
    s[4000] = '\0';
    cr_assert(!gm(pat, s));
}

static bool mem_ok(const char *s, long long want)
{
    long long v = -99;
    return node_util_parse_memory(s, &v) && v == want;
}

Test(util_memory, units)
{
    cr_assert(mem_ok("12345", 12345));
    cr_assert(mem_ok("0", 0));
    cr_assert(mem_ok("1b", 1));
    cr_assert(mem_ok("1k", 1000));
    cr_assert(mem_ok("1kb", 1024));
    cr_assert(mem_ok("100KB", 102400));
    cr_assert(mem_ok("2m", 2000000));
    cr_assert(mem_ok("512mb", 512LL * 1024 * 1024));
    cr_assert(mem_ok("1g", 1000000000LL));
    cr_assert(mem_ok("1gb", 1073741824LL));
    cr_assert(mem_ok("1GB", 1073741824LL));
    cr_assert(mem_ok("", 0)); /* as Redis 7.0 */
    cr_assert(mem_ok("9223372036854775807", LLONG_MAX));
}

Test(util_memory, rejects)
{
    long long v = 7;
    cr_assert(!node_util_parse_memory("-1", &v));
    cr_assert(!node_util_parse_memory("1.5mb", &v));
    cr_assert(!node_util_parse_memory(" 1", &v));
    cr_assert(!node_util_parse_memory("1 ", &v));
    cr_assert(!node_util_parse_memory("+1", &v));
    cr_assert(!node_util_parse_memory("1tb", &v));
    cr_assert(!node_util_parse_memory("0x10", &v));
    cr_assert(!node_util_parse_memory("9223372036854775808", &v));
    cr_assert(!node_util_parse_memory("9223372036854775807k", &v)); /* overflow */
    cr_assert_eq(v, 7);
}
