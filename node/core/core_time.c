/* core_time.c — wall and monotonic clocks, and the always-on assertion hook. */
#include "node/core/core.h"
#include "node/core/core_log.h"

#include <execinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__)
#include <x86intrin.h>
#endif

int64_t core_time_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t core_time_ms(void)
{
    return core_time_us() / 1000;
}

int64_t core_mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

#if defined(__x86_64__)
/* Ticks per microsecond, measured on first use over ~2 ms: a clock_gettime
 * per command was 8% of a pipelined GET's CPU, rdtsc is a few cycles. */
static double ticks_per_us;

static void calibrate(void)
{
    int64_t t0 = core_mono_us();
    uint64_t c0 = __rdtsc();
    while (core_mono_us() - t0 < 2000)
        ;
    int64_t t1 = core_mono_us();
    uint64_t c1 = __rdtsc();
    ticks_per_us = (double)(c1 - c0) / (double)(t1 - t0);
    if (ticks_per_us <= 0)
        ticks_per_us = 1;
}

uint64_t core_ticks(void)
{
    return __rdtsc();
}

uint64_t core_ticks_to_us(uint64_t ticks)
{
    if (ticks_per_us == 0)
        calibrate();
    return (uint64_t)((double)ticks / ticks_per_us);
}
#else
uint64_t core_ticks(void)
{
    return (uint64_t)core_mono_us();
}

uint64_t core_ticks_to_us(uint64_t ticks)
{
    return ticks;
}
#endif

void core__assert_fail(const char *expr, const char *file, int line)
{
    core_log(CORE_LOG_WARNING, "=== ASSERTION FAILED === %s:%d '%s'", file, line, expr);
    void *frames[64];
    int n = backtrace(frames, 64);
    backtrace_symbols_fd(frames, n, STDERR_FILENO);
    abort();
}
