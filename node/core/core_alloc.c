/*
 * core_alloc.c — allocation wrappers and memory accounting.
 *
 * With jemalloc linked (the default build) malloc() itself is jemalloc, so
 * libuv's and libc's allocations are counted too; used memory is jemalloc's
 * stats.allocated. Sanitizer builds use the sanitizer's allocator instead.
 */
#include "node/core/core.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef SHOAL_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SHOAL_ASAN 1
#endif
#endif
#ifdef SHOAL_ASAN
#include <sanitizer/allocator_interface.h>
#endif

static _Noreturn void oom(size_t size)
{
    fprintf(stderr, "shoal: out of memory allocating %zu bytes\n", size);
    fflush(stderr);
    abort();
}

void *core_malloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p)
        oom(size);
    return p;
}

void *core_calloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        oom(count * size);
    return p;
}

void *core_realloc(void *ptr, size_t size)
{
    void *p = realloc(ptr, size ? size : 1);
    if (!p)
        oom(size);
    return p;
}

void core_free(void *ptr)
{
    free(ptr);
}

char *core_strndup(const char *s, size_t len)
{
    char *p = core_malloc(len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

size_t core_alloc_size(const void *ptr)
{
    return ptr ? malloc_usable_size((void *)ptr) : 0;
}

size_t core_used_memory(void)
{
#ifdef SHOAL_JEMALLOC
    uint64_t epoch = 1;
    size_t sz = sizeof(epoch);
    mallctl("epoch", &epoch, &sz, &epoch, sz);
    size_t allocated = 0;
    sz = sizeof(allocated);
    if (mallctl("stats.allocated", &allocated, &sz, NULL, 0) == 0)
        return allocated;
    return 0;
#elif defined(SHOAL_ASAN)
    return __sanitizer_get_current_allocated_bytes();
#else
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
#endif
}

size_t core_rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f)
        return 0;
    unsigned long size = 0, resident = 0;
    int n = fscanf(f, "%lu %lu", &size, &resident);
    fclose(f);
    if (n != 2)
        return 0;
    return (size_t)resident * (size_t)sysconf(_SC_PAGESIZE);
}

const char *core_allocator_name(void)
{
#ifdef SHOAL_JEMALLOC
    static char name[64];
    if (!name[0]) {
        const char *v = NULL;
        size_t sz = sizeof(v);
        if (mallctl("version", &v, &sz, NULL, 0) == 0 && v)
            snprintf(name, sizeof(name), "jemalloc-%.*s", (int)strcspn(v, "-"), v);
        else
            snprintf(name, sizeof(name), "jemalloc");
    }
    return name;
#else
    return "libc";
#endif
}
