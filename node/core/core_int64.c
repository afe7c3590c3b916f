/*
 * core_int64.c — int64 <-> canonical decimal text, the one form the keyspace
 * stores integer-encoded and the RDB writes as an integer: optional '-', no
 * leading zero, no "-0", no '+', no spaces, at most 20 characters (Redis's
 * string2ll + ll2string round trip).
 */
#include "node/core/core.h"

size_t core_i64_format(char *buf, int64_t v)
{
    char tmp[CORE_I64_TEXT];
    uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + mag % 10);
        mag /= 10;
    } while (mag);
    size_t len = 0;
    if (v < 0)
        buf[len++] = '-';
    while (n)
        buf[len++] = tmp[--n];
    buf[len] = '\0';
    return len;
}

bool core_i64_parse(const void *text, size_t len, int64_t *out)
{
    const char *s = text;
    if (len == 0 || len > 20)
        return false;
    bool neg = s[0] == '-';
    size_t i = neg ? 1 : 0;
    if (i == len || (s[i] == '0' && len > 1))
        return false;
    uint64_t mag = 0;
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        uint64_t d = (uint64_t)(s[i] - '0');
        if (mag > (UINT64_MAX - d) / 10)
            return false;
        mag = mag * 10 + d;
    }
    if (mag > (neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX))
        return false;
    *out = neg ? -(int64_t)(mag - 1) - 1 : (int64_t)mag;
    return true;
}
