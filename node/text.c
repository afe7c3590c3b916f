/* text.c — growable text for replies built with printf-style pieces. */
#include "node/text.h"
#include "node/core/core.h"
#include "node/reply.h"

#include <stdarg.h>
#include <stdio.h>

void node_text_printf(struct node_text *t, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        size_t room = t->cap - t->len;
        int n = vsnprintf(t->p ? t->p + t->len : NULL, room, fmt, ap);
        va_end(ap);
        core_assert(n >= 0);
        if ((size_t)n < room) {
            t->len += (size_t)n;
            return;
        }
        /* Grow geometrically so a long INFO or CLIENT LIST stays linear. */
        t->cap = CORE_MAX(t->cap * 2, t->len + (size_t)n + 256);
        t->p = core_realloc(t->p, t->cap);
    }
}

void node_text_reply(struct node_text *t, struct node_out *o)
{
    node_reply_verbatim(o, t->p ? t->p : "", t->len);
    node_text_free(t);
}

void node_text_free(struct node_text *t)
{
    core_free(t->p);
    t->p = NULL;
    t->len = t->cap = 0;
}
