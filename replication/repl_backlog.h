/*
 * repl_backlog.h — the replication backlog: a ring holding the last `size`
 * bytes of the replication stream, addressed by stream offset (spec
 * replication.md §7). Pure: no I/O.
 *
 * Offsets: the backlog's last byte is stream offset `offset` (the owner's
 * master_repl_offset); histlen bytes are held, so the first held byte is
 * offset - histlen + 1. A PSYNC asking for offset o can be served iff
 * first <= o <= offset + 1 (o == offset + 1 sends nothing).
 */
#ifndef SHOAL_REPL_BACKLOG_H
#define SHOAL_REPL_BACKLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct repl_backlog {
    uint8_t *buf;
    size_t size;     /* capacity */
    size_t idx;      /* where the next byte goes */
    size_t histlen;  /* bytes held, <= size */
    int64_t offset;  /* stream offset of the last byte written */
};

/* offset = the stream offset already reached (the next byte is offset + 1). */
struct repl_backlog *repl_backlog_new(size_t size, int64_t offset);
void repl_backlog_free(struct repl_backlog *b);
void repl_backlog_append(struct repl_backlog *b, const void *p, size_t n);
/* Changes the capacity keeping the newest min(histlen, size) bytes. */
void repl_backlog_resize(struct repl_backlog *b, size_t size);
int64_t repl_backlog_first_byte(const struct repl_backlog *b);
bool repl_backlog_can_serve(const struct repl_backlog *b, int64_t from);
/* The bytes from `from` (servable) to the end as at most two spans; returns
 * how many spans (0 when from == offset + 1). */
int repl_backlog_spans(const struct repl_backlog *b, int64_t from, const uint8_t *ptr[2], size_t len[2]);

#endif
