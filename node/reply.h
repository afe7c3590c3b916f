/*
 * reply.h — encoding replies into a client's output buffer.
 *
 * Pure: the output buffer is a chain of blocks in memory; node/client.c
 * writes it to the socket. Every function appends one RESP element (or the
 * header of an aggregate) in the protocol of the out struct (2 or 3), so a
 * command never branches on the protocol for the shapes listed here.
 */
#ifndef SHOAL_NODE_REPLY_H
#define SHOAL_NODE_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One block of the output chain; data follows the header. */
struct node_obuf_block {
    struct node_obuf_block *next;
    size_t used;
    size_t size;
    char data[];
};

#define NODE_OBUF_BLOCK_SIZE (16 * 1024 - sizeof(struct node_obuf_block))

struct node_out {
    struct node_obuf_block *head, *tail;
    size_t bytes;           /* total bytes queued (not yet written) */
    size_t sent_in_head;    /* bytes of head already written to the socket */
    int proto;              /* 2 or 3 */
    uint64_t errors;        /* error replies written by this client */
    /* Called for every error reply with its text (code first), for the
     * server's error statistics; may be NULL. */
    void (*on_error)(void *ud, const char *text);
    void *on_error_ud;
};

void node_out_init(struct node_out *o);
void node_out_free(struct node_out *o);
/* Appends raw protocol bytes. */
void node_out_append(struct node_out *o, const void *data, size_t len);
/* Drops n written bytes from the front. */
void node_out_consume(struct node_out *o, size_t n);
/* Bytes queued and not yet written. */
size_t node_out_len(const struct node_out *o);

void node_reply_ok(struct node_out *o);
void node_reply_simple(struct node_out *o, const char *s);         /* +s */
void node_reply_simple_len(struct node_out *o, const char *s, size_t n);
/* "-<text>": text must start with its code ("ERR ...", "WRONGTYPE ...").
 * CR and LF inside are replaced by spaces. */
void node_reply_error(struct node_out *o, const char *text);
void node_reply_errorf(struct node_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void node_reply_int(struct node_out *o, long long v);
void node_reply_bulk(struct node_out *o, const void *p, size_t n);
void node_reply_bulk_cstr(struct node_out *o, const char *s);
void node_reply_bulk_ll(struct node_out *o, long long v);
void node_reply_cursor(struct node_out *o, uint64_t cursor); /* a SCAN cursor: unsigned 64-bit, as a bulk */
void node_reply_null(struct node_out *o);          /* $-1 or _ */
void node_reply_null_array(struct node_out *o);    /* *-1 or _ */
void node_reply_array(struct node_out *o, long long n);
void node_reply_map(struct node_out *o, long long pairs); /* *2n or %n */
void node_reply_set(struct node_out *o, long long n);     /* *n or ~n */
/* Out-of-band data (pub/sub messages): *n or >n. */
void node_reply_push(struct node_out *o, long long n);
void node_reply_double(struct node_out *o, double d);     /* bulk %.17g or ,%.17g */
void node_reply_verbatim(struct node_out *o, const char *p, size_t n); /* bulk or =n+4 txt: */
void node_reply_bool(struct node_out *o, bool b);         /* :1/:0 or #t/#f */

/* Shared error texts */
#define NODE_ERR_SYNTAX "ERR syntax error"
#define NODE_ERR_NOT_INT "ERR value is not an integer or out of range"
#define NODE_ERR_NOT_FLOAT "ERR value is not a valid float"
#define NODE_ERR_WRONGTYPE "WRONGTYPE Operation against a key holding the wrong kind of value"
#define NODE_ERR_NO_SUCH_KEY "ERR no such key"
#define NODE_ERR_OVERFLOW "ERR increment or decrement would overflow"

#endif
