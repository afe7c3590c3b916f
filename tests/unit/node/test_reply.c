/* Unit tests for reply.c: RESP2/RESP3 encodings and the output chain. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "node/core/core.h"
#include "node/reply.h"

/* Flattens the output chain (what the socket would see). */
static char *flatten(const struct node_out *o, size_t *len)
{
    char *buf = core_malloc(o->bytes + 1);
    size_t n = 0, skip = o->sent_in_head;
    for (const struct node_obuf_block *b = o->head; b; b = b->next) {
        memcpy(buf + n, b->data + skip, b->used - skip);
        n += b->used - skip;
        skip = 0;
    }
    cr_assert_eq(n, o->bytes);
    buf[n] = '\0';
    *len = n;
    return buf;
}

static void expect(struct node_out *o, const char *want)
{
    size_t len;
    char *got = flatten(o, &len);
    cr_assert_eq(len, strlen(want), "got %s, want %s", got, want);
    cr_assert(memcmp(got, want, len) == 0, "got %s, want %s", got, want);
    core_free(got);
    node_out_consume(o, o->bytes);
}

Test(reply, resp2_scalars)
{
    struct node_out o;
    node_out_init(&o);
    node_reply_ok(&o);
    expect(&o, "+OK\r\n");
    node_reply_int(&o, -42);
    expect(&o, ":-42\r\n");
    node_reply_int(&o, 0);
    node_reply_int(&o, 1);
    expect(&o, ":0\r\n:1\r\n");
    node_reply_bulk(&o, "hello", 5);
    expect(&o, "$5\r\nhello\r\n");
    node_reply_bulk(&o, "", 0);
    expect(&o, "$0\r\n\r\n");
    node_reply_null(&o);
    node_reply_null_array(&o);
    expect(&o, "$-1\r\n*-1\r\n");
    node_reply_double(&o, 0.1);
    expect(&o, "$19\r\n0.10000000000000001\r\n");
    node_reply_double(&o, INFINITY);
    expect(&o, "$3\r\ninf\r\n");
    node_reply_map(&o, 2);
    node_reply_set(&o, 3);
    expect(&o, "*4\r\n*3\r\n");
    node_reply_verbatim(&o, "a:b", 3);
    expect(&o, "$3\r\na:b\r\n");
    node_reply_bool(&o, true);
    expect(&o, ":1\r\n");
    node_out_free(&o);
}

Test(reply, resp3_types)
{
    struct node_out o;
    node_out_init(&o);
    o.proto = 3;
    node_reply_null(&o);
    node_reply_null_array(&o);
    expect(&o, "_\r\n_\r\n");
    node_reply_double(&o, 1.5);
    expect(&o, ",1.5\r\n");
    node_reply_map(&o, 7);
    node_reply_set(&o, 0);
    expect(&o, "%7\r\n~0\r\n");
    node_reply_verbatim(&o, "x", 1);
    expect(&o, "=5\r\ntxt:x\r\n");
    node_reply_bool(&o, false);
    expect(&o, "#f\r\n");
    node_out_free(&o);
}

Test(reply, errors_sanitised_and_counted)
{
    struct node_out o;
    node_out_init(&o);
    node_reply_error(&o, "ERR bad\r\nthing");
    expect(&o, "-ERR bad  thing\r\n");
    node_reply_errorf(&o, "ERR unknown command '%s'", "foo");
    expect(&o, "-ERR unknown command 'foo'\r\n");
    cr_assert_eq(o.errors, 2);
    node_out_free(&o);
}

Test(reply, large_payload_spans_blocks_and_partial_consume)
{
    struct node_out o;
    node_out_init(&o);
    size_t big = 3 * NODE_OBUF_BLOCK_SIZE + 17;
    char *payload = core_malloc(big);
    for (size_t i = 0; i < big; i++)
        payload[i] = (char)('a' + i % 26);
    node_reply_int(&o, 7);
    node_reply_bulk(&o, payload, big);
    size_t len;
    char *flat = flatten(&o, &len);
    char head[64];
    int hl = snprintf(head, sizeof(head), ":7\r\n$%zu\r\n", big);
    cr_assert_eq(len, (size_t)hl + big + 2);
    cr_assert(memcmp(flat, head, (size_t)hl) == 0);
    cr_assert(memcmp(flat + hl, payload, big) == 0);
    /* Consume in odd-sized steps and check the remainder each time. */
    size_t done = 0;
    while (o.bytes > 0) {
        size_t step = CORE_MIN(o.bytes, (size_t)7919);
        node_out_consume(&o, step);
        done += step;
        size_t rest;
        char *r = flatten(&o, &rest);
        cr_assert_eq(rest, len - done);
        cr_assert(memcmp(r, flat + done, rest) == 0);
        core_free(r);
    }
    core_free(flat);
    core_free(payload);
    node_out_free(&o);
}
