/*
 * util.c — pure helpers for the commands: strict number parsing and
 * formatting with the exact acceptance rules of redis-server 7.0, and the
 * glob matcher of KEYS / SCAN MATCH / CONFIG GET.
 *
 * Owns no state, allocates nothing and reads no clock, so every function can
 * be unit tested on its own. Does not own error replies: callers decide which
 * error text a failed parse produces.
 */
#include "node/util.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Longest textual number strtod/strtold are given. Redis's string2ld has the
 * same limit; a double argument longer than this cannot be a sensible number. */
#define UTIL_NUMBUF_SIZE 5120
/* Longest digit run of a memory size ("123gb"). */
#define UTIL_MEMBUF_SIZE 128

bool node_util_parse_ll(const char *s, size_t len, long long *out)
{
    size_t i = 0;
    bool neg = false;
    unsigned long long v;

    if (len == 0)
        return false;
    if (len == 1 && s[0] == '0') {
        *out = 0;
        return true;
    }
    if (s[0] == '-') {
        neg = true;
        i = 1;
    }
    /* The first digit must be non-zero: rejects "007", "-0" and "-". */
    if (i >= len || s[i] < '1' || s[i] > '9')
        return false;
    v = (unsigned long long)(s[i++] - '0');
    for (; i < len; i++) {
        unsigned d;
        if (s[i] < '0' || s[i] > '9')
            return false;
        d = (unsigned)(s[i] - '0');
        if (v > (ULLONG_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    if (neg) {
        if (v > (unsigned long long)LLONG_MAX + 1)
            return false;
        *out = v == (unsigned long long)LLONG_MAX + 1 ? LLONG_MIN : -(long long)v;
    } else {
        if (v > (unsigned long long)LLONG_MAX)
            return false;
        *out = (long long)v;
    }
    return true;
}

/* Copies s into a NUL-terminated buffer for strtod; false if it does not fit
 * or is unacceptable before conversion (empty, leading space). */
static bool numbuf_fill(char *buf, const char *s, size_t len)
{
    if (len == 0 || len >= UTIL_NUMBUF_SIZE || isspace((unsigned char)s[0]))
        return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    return true;
}

bool node_util_parse_cursor(const char *s, size_t len, uint64_t *out)
{
    size_t i = 0;
    bool neg = false;
    uint64_t v = 0;

    if (len == 0) {
        *out = 0;
        return true;
    }
    if (s[0] == '+' || s[0] == '-') {
        neg = s[0] == '-';
        i = 1;
    }
    if (i == len)
        return false;
    for (; i < len; i++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (d > 9 || v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = neg ? 0 - v : v;
    return true;
}

bool node_util_parse_double(const char *s, size_t len, double *out)
{
    char buf[UTIL_NUMBUF_SIZE];
    char *end;
    double v;

    if (!numbuf_fill(buf, s, len))
        return false;
    errno = 0;
    v = strtod(buf, &end);
    if ((size_t)(end - buf) != len || isnan(v))
        return false;
    /* Overflow and underflow to zero are errors; a denormal result is kept. */
    if (errno == ERANGE && (isinf(v) || fpclassify(v) == FP_ZERO))
        return false;
    *out = v;
    return true;
}

bool node_util_parse_ldouble(const char *s, size_t len, long double *out)
{
    char buf[UTIL_NUMBUF_SIZE];
    char *end;
    long double v;

    if (!numbuf_fill(buf, s, len))
        return false;
    errno = 0;
    v = strtold(buf, &end);
    if ((size_t)(end - buf) != len || isnan(v) || errno == EINVAL)
        return false;
    if (errno == ERANGE && (isinf(v) || fpclassify(v) == FP_ZERO))
        return false;
    *out = v;
    return true;
}

size_t node_util_ll2str(char *buf, long long v)
{
    char tmp[24];
    size_t n = 0, len;
    /* Work on the magnitude as unsigned so LLONG_MIN needs no special case. */
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    len = 0;
    if (v < 0)
        buf[len++] = '-';
    while (n > 0)
        buf[len++] = tmp[--n];
    buf[len] = '\0';
    return len;
}

size_t node_util_d2str(char *buf, size_t size, double d)
{
    int n;

    /* libc spells infinities in its own way; Redis always replies inf/-inf. */
    if (isinf(d)) {
        n = snprintf(buf, size, "%s", d > 0 ? "inf" : "-inf");
    } else {
        n = snprintf(buf, size, "%.17g", d);
    }
    if (n < 0 || (size_t)n >= size)
        return 0;
    return (size_t)n;
}

size_t node_util_ld2str(char *buf, size_t size, long double v)
{
    int n;
    size_t len;

    if (isinf(v)) {
        n = snprintf(buf, size, "%s", v > 0 ? "inf" : "-inf");
        return n < 0 || (size_t)n >= size ? 0 : (size_t)n;
    }
    /* 17 fractional digits then trimmed: small decimals read back as typed. */
    n = snprintf(buf, size, "%.17Lf", v);
    if (n < 0 || (size_t)n >= size)
        return 0;
    len = (size_t)n;
    if (memchr(buf, '.', len) != NULL) {
        while (len > 0 && buf[len - 1] == '0')
            len--;
        if (len > 0 && buf[len - 1] == '.')
            len--;
    }
    if (len == 2 && buf[0] == '-' && buf[1] == '0') {
        buf[0] = '0';
        len = 1;
    }
    buf[len] = '\0';
    return len;
}

static unsigned char fold(unsigned char c, bool nocase)
{
    return nocase ? (unsigned char)tolower(c) : c;
}

/*
 * Matches the character class whose body starts at pat[*pi] (just after '[')
 * against c and moves *pi past the class. The body is scanned as Redis does:
 * "\x" is a literal, "a-z" a range (ends swapped if reversed), "]" ends it,
 * and a class left open by the end of the pattern simply ends there.
 */
static bool class_match(const char *pat, size_t plen, size_t *pi, unsigned char c, bool nocase)
{
    size_t i = *pi;
    bool negate = false, hit = false;

    if (i < plen && pat[i] == '^') {
        negate = true;
        i++;
    }
    for (;;) {
        if (i >= plen)
            break;
        if (pat[i] == ']') {
            i++;
            break;
        }
        if (pat[i] == '\\' && plen - i >= 2) {
            i++;
            if ((unsigned char)pat[i] == c)
                hit = true;
        } else if (plen - i >= 3 && pat[i + 1] == '-') {
            /* Ends compare as signed chars and are ordered before folding
             * case, as in Redis (so "[Z-a]" with nocase matches nothing). */
            int lo = (signed char)pat[i], hi = (signed char)pat[i + 2], x = (signed char)c;
            if (lo > hi) {
                int t = lo;
                lo = hi;
                hi = t;
            }
            if (nocase) {
                lo = lo >= 0 ? tolower(lo) : lo;
                hi = hi >= 0 ? tolower(hi) : hi;
                x = x >= 0 ? tolower(x) : x;
            }
            if (x >= lo && x <= hi)
                hit = true;
            i += 2;
        } else if (fold((unsigned char)pat[i], nocase) == fold(c, nocase)) {
            hit = true;
        }
        i++;
    }
    *pi = i;
    return hit != negate;
}

/* Matches the single-character pattern element at pat[*pi] (anything but
 * '*') against c and moves *pi past it. Element boundaries never depend on c,
 * which is what makes the backtracking in node_util_glob_match() exact. */
static bool elem_match(const char *pat, size_t plen, size_t *pi, unsigned char c, bool nocase)
{
    size_t i = *pi;
    unsigned char pc;

    switch (pat[i]) {
    case '?':
        *pi = i + 1;
        return true;
    case '[':
        *pi = i + 1;
        return class_match(pat, plen, pi, c, nocase);
    case '\\':
        if (plen - i >= 2)
            i++;
        break;
    default:
        break;
    }
    pc = (unsigned char)pat[i];
    *pi = i + 1;
    return fold(pc, nocase) == fold(c, nocase);
}

bool node_util_glob_match(const char *pat, size_t plen, const char *s, size_t slen, bool nocase)
{
    size_t pi = 0, si = 0;
    size_t star_pi = 0, star_si = 0;
    bool have_star = false;

    /* Redis never matches an empty subject against a non-empty pattern, not
     * even "*". */
    if (slen == 0)
        return plen == 0;
    /* Every element but '*' consumes exactly one character, so remembering
     * only the last star and letting it absorb one more character on failure
     * finds a match whenever one exists, in O(plen * slen) without recursion. */
    while (si < slen) {
        if (pi < plen && pat[pi] == '*') {
            while (pi < plen && pat[pi] == '*')
                pi++;
            if (pi == plen)
                return true;
            have_star = true;
            star_pi = pi;
            star_si = si;
            continue;
        }
        if (pi < plen && elem_match(pat, plen, &pi, (unsigned char)s[si], nocase)) {
            si++;
            continue;
        }
        if (!have_star)
            return false;
        pi = star_pi;
        si = ++star_si;
    }
    while (pi < plen && pat[pi] == '*')
        pi++;
    return pi == plen;
}

/* The multiplier of a memory unit suffix, or 0 if unknown. */
static long long mem_unit(const char *u)
{
    static const struct {
        const char *name;
        long long mul;
    } units[] = {
        {"", 1},
        {"b", 1},
        {"k", 1000},
        {"kb", 1024},
        {"m", 1000 * 1000},
        {"mb", 1024 * 1024},
        {"g", 1000LL * 1000 * 1000},
        {"gb", 1024LL * 1024 * 1024},
    };
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (strcasecmp(u, units[i].name) == 0)
            return units[i].mul;
    }
    return 0;
}

bool node_util_parse_memory(const char *s, long long *out)
{
    char buf[UTIL_MEMBUF_SIZE];
    const char *u = s;
    char *end;
    long long v, mul;
    size_t digits;

    /* Sizes are never negative: "-1" is rejected as 7.0 does. */
    while (*u != '\0' && isdigit((unsigned char)*u))
        u++;
    mul = mem_unit(u);
    if (mul == 0)
        return false;
    digits = (size_t)(u - s);
    if (digits >= sizeof(buf))
        return false;
    memcpy(buf, s, digits);
    buf[digits] = '\0';
    errno = 0;
    v = strtoll(buf, &end, 10);
    if (*end != '\0' || errno == ERANGE)
        return false;
    if (v > LLONG_MAX / mul || v < LLONG_MIN / mul)
        return false;
    *out = v * mul;
    return true;
}
