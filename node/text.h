/*
 * text.h — a growable text buffer for the replies that are built as text
 * (INFO, CLIENT LIST/INFO, CLUSTER NODES/INFO) before being sent whole.
 */
#ifndef SHOAL_NODE_TEXT_H
#define SHOAL_NODE_TEXT_H

#include <stddef.h>

struct node_out;

/* Zero-initialise ({0}) before use. */
struct node_text {
    char *p;
    size_t len, cap;
};

void node_text_printf(struct node_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends t as one verbatim reply (a bulk string in RESP2) and frees it. */
void node_text_reply(struct node_text *t, struct node_out *o);
void node_text_free(struct node_text *t);

#endif
