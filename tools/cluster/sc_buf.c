/*
 * Allocation wrappers and the growable byte buffer the rest of the tool
 * formats into. Running out of memory ends the tool (no NULL checks).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sc.h"

static void oom(void)
{
    fputs("shoal-cluster: out of memory\n", stderr);
    abort();
}

void *sc_xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p)
        oom();
    return p;
}

void *sc_xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        oom();
    return p;
}

void *sc_xrealloc(void *p, size_t size)
{
    void *q = realloc(p, size ? size : 1);
    if (!q)
        oom();
    return q;
}

char *sc_xstrdup(const char *s)
{
    size_t n = strlen(s);
    char *p = sc_xmalloc(n + 1);
    memcpy(p, s, n + 1);
    return p;
}

static void reserve(struct sc_buf *b, size_t more)
{
    if (b->len + more + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + more + 1)
        cap *= 2;
    b->data = sc_xrealloc(b->data, cap);
    b->cap = cap;
}

void sc_buf_append(struct sc_buf *b, const void *p, size_t len)
{
    reserve(b, len);
    memcpy(b->data + b->len, p, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void sc_buf_puts(struct sc_buf *b, const char *s)
{
    sc_buf_append(b, s, strlen(s));
}

void sc_buf_printf(struct sc_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n <= 0)
        return;
    reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void sc_buf_free(struct sc_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
