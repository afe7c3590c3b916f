/*
 * util.h — pure helpers shared by the commands: strict number parsing and
 * formatting with Redis's exact rules, and glob-style pattern matching.
 */
#ifndef SHOAL_NODE_UTIL_H
#define SHOAL_NODE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Strict integer parse as Redis's string2ll: optional '-', no '+', no spaces,
 * no leading zeros (except "0"), no overflow, not empty. */
bool node_util_parse_ll(const char *s, size_t len, long long *out);
/* A SCAN cursor as Redis reads it with strtoul(): optional sign, decimal
 * digits, "-n" wraps around, "" is 0; a space or other junk is an error. */
bool node_util_parse_cursor(const char *s, size_t len, uint64_t *out);
/* Double parse as Redis's string2d/getDoubleFromObject: no spaces, no NaN,
 * "inf"/"-inf"/"+inf" accepted. */
bool node_util_parse_double(const char *s, size_t len, double *out);
/* long double parse for INCRBYFLOAT (string2ld). */
bool node_util_parse_ldouble(const char *s, size_t len, long double *out);
/* Writes v in decimal; returns length. buf needs >= 21 bytes. */
size_t node_util_ll2str(char *buf, long long v);
/* %.17g formatting as Redis 7.0 replies doubles ("inf", "-inf"). buf >= 128. */
size_t node_util_d2str(char *buf, size_t size, double d);
/* "Human" long double format of INCRBYFLOAT (%.17Lf, trailing zeros and dot
 * removed). Returns 0 if it does not fit. */
size_t node_util_ld2str(char *buf, size_t size, long double v);
/* Redis glob: * ? [abc] [^a] [a-z] \x; nocase for case-insensitive. */
bool node_util_glob_match(const char *pat, size_t plen, const char *s, size_t slen, bool nocase);
/* Parses memory sizes like "1gb", "512mb", "100k", "12345" (Redis memtoll). */
bool node_util_parse_memory(const char *s, long long *out);

#endif
