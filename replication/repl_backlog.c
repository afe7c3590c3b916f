/*
 * repl_backlog.c — the replication backlog ring (spec replication.md §7).
 *
 * Owns: storing the newest `size` bytes of the stream, addressed by stream
 * offset, and handing out the bytes from a servable offset to the end as at
 * most two contiguous spans (the ring may wrap once). Does not own when a
 * backlog exists or how big it is (node/repl.c) nor the PSYNC decision
 * (repl_psync.c). Pure: no I/O, no clock.
 *
 * Layout: buf[idx] is where the next byte goes. The held bytes are the
 * histlen bytes just before idx, wrapping at size: the oldest one is at
 * (idx - histlen) mod size, the newest at idx - 1.
 */
#include "replication/repl_backlog.h"

#include <string.h>

#include "node/core/core.h"

struct repl_backlog *repl_backlog_new(size_t size, int64_t offset)
{
    core_assert(size > 0);
    core_assert(offset >= 0);
    struct repl_backlog *b = core_calloc(1, sizeof(*b));
    b->buf = core_malloc(size);
    b->size = size;
    b->offset = offset;
    return b;
}

void repl_backlog_free(struct repl_backlog *b)
{
    if (!b)
        return;
    core_free(b->buf);
    core_free(b);
}

void repl_backlog_append(struct repl_backlog *b, const void *p, size_t n)
{
    const uint8_t *src = p;
    int64_t end = b->offset + (int64_t)n;
    /* Only the last `size` bytes can survive: skip the rest up front. */
    if (n > b->size) {
        src += n - b->size;
        n = b->size;
    }
    while (n > 0) {
        size_t room = b->size - b->idx;
        size_t k = n < room ? n : room;
        memcpy(b->buf + b->idx, src, k);
        b->idx = (b->idx + k) % b->size;
        b->histlen = CORE_MIN(b->size, b->histlen + k);
        src += k;
        n -= k;
    }
    b->offset = end;
    core_assert(b->histlen <= b->size && b->idx < b->size);
}

/* Index in buf of the byte at distance `back` (1 = the newest) from the end. */
static size_t index_back(const struct repl_backlog *b, size_t back)
{
    core_assert(back >= 1 && back <= b->histlen);
    return (b->idx + b->size - back) % b->size;
}

int64_t repl_backlog_first_byte(const struct repl_backlog *b)
{
    return b->offset - (int64_t)b->histlen + 1;
}

bool repl_backlog_can_serve(const struct repl_backlog *b, int64_t from)
{
    return from >= repl_backlog_first_byte(b) && from <= b->offset + 1;
}

int repl_backlog_spans(const struct repl_backlog *b, int64_t from, const uint8_t *ptr[2], size_t len[2])
{
    core_assert(repl_backlog_can_serve(b, from));
    size_t want = (size_t)(b->offset + 1 - from);
    if (want == 0)
        return 0;
    size_t start = index_back(b, want);
    size_t first = CORE_MIN(want, b->size - start);
    ptr[0] = b->buf + start;
    len[0] = first;
    if (first == want)
        return 1;
    ptr[1] = b->buf;
    len[1] = want - first;
    core_assert(len[1] == b->idx); /* the newest byte sits just before idx */
    return 2;
}

void repl_backlog_resize(struct repl_backlog *b, size_t size)
{
    core_assert(size > 0);
    if (size == b->size)
        return;
    size_t keep = CORE_MIN(b->histlen, size);
    uint8_t *nbuf = core_malloc(size);
    if (keep > 0) {
        const uint8_t *ptr[2];
        size_t len[2];
        int n = repl_backlog_spans(b, b->offset + 1 - (int64_t)keep, ptr, len);
        size_t at = 0;
        for (int i = 0; i < n; i++) {
            memcpy(nbuf + at, ptr[i], len[i]);
            at += len[i];
        }
        core_assert(at == keep);
    }
    core_free(b->buf);
    b->buf = nbuf;
    b->size = size;
    b->histlen = keep;
    b->idx = keep % size;
}
