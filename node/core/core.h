/*
 * core.h — the core types every folder may use: allocation, assertions, time.
 *
 * Owns: the allocator wrappers (jemalloc when built with it), always-on
 * assertions, and the wall/monotonic clocks. Does not own logging (core_log.h)
 * and never includes libuv.
 *
 * Allocation never returns NULL: running out of memory aborts inside
 * core_malloc(). In exchange every size a peer controls is checked against a
 * named limit before anything is allocated.
 */
#ifndef SHOAL_CORE_H
#define SHOAL_CORE_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void *core_malloc(size_t size);
void *core_calloc(size_t count, size_t size);
void *core_realloc(void *ptr, size_t size);
void core_free(void *ptr);
char *core_strndup(const char *s, size_t len);
/* Bytes the allocator reserved for ptr (>= what was asked). */
size_t core_alloc_size(const void *ptr);

/* Bytes currently allocated by the whole process (jemalloc stats.allocated,
 * or a malloc_usable_size-based count without jemalloc). */
size_t core_used_memory(void);
/* Resident set size of the process in bytes, from /proc. 0 if unknown. */
size_t core_rss_bytes(void);
/* The allocator's name and version, for INFO. */
const char *core_allocator_name(void);

_Noreturn void core__assert_fail(const char *expr, const char *file, int line);
#define core_assert(e) ((e) ? (void)0 : core__assert_fail(#e, __FILE__, __LINE__))
#ifdef SHOAL_DEBUG_ASSERTS
#define core_debug_assert(e) core_assert(e)
#else
#define core_debug_assert(e) ((void)0)
#endif

/* Random bytes from the kernel, and n random lowercase hex digits plus a NUL. */
void core_random_bytes(void *buf, size_t len);
void core_random_hex(char *out, size_t n);
/* A fast non-cryptographic random number (splitmix64 seeded once from the
 * kernel): SRANDMEMBER, HRANDFIELD, ZRANDMEMBER, SPOP. */
uint64_t core_random_u64(void);

/* A bind spec of redis.conf: "*" is every IPv4 address, "::*" every IPv6 one,
 * a leading '-' marks an address that may be missing on this host (*optional
 * set). Returns the address to bind (borrowed from spec or static). */
const char *core_bind_addr(const char *spec, bool *optional);

/* Wall clock in ms / us since the epoch, and a monotonic clock in us. */
int64_t core_time_ms(void);
int64_t core_time_us(void);
int64_t core_mono_us(void);
/* A cheap tick counter for timing commands (the TSC on x86-64, calibrated
 * once against the monotonic clock; the monotonic clock elsewhere). */
uint64_t core_ticks(void);
/* Converts a tick difference to microseconds. */
uint64_t core_ticks_to_us(uint64_t ticks);

/* int64 <-> canonical decimal text (no '+', no leading zero, no "-0").
 * format writes at most CORE_I64_TEXT bytes including the NUL. */
#define CORE_I64_TEXT 24
size_t core_i64_format(char *buf, int64_t v);
bool core_i64_parse(const void *text, size_t len, int64_t *out);

#define CORE_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define CORE_MIN(a, b) ((a) < (b) ? (a) : (b))
#define CORE_MAX(a, b) ((a) > (b) ? (a) : (b))

#endif
