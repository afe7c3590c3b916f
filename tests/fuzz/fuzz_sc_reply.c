/*
 * fuzz_sc_reply.c — fuzz target for what shoal-cluster parses from nodes
 * (tools/cluster/sc_resp.c, sc_nodes.c): RESP2 replies and CLUSTER NODES
 * texts. A node, or anything listening where the tool connects, controls
 * these bytes.
 *
 * Invariants: a reply parse consumes 0 (more needed), -EPROTO, or 0 < n <=
 * len bytes, and the same reply parsed from exactly its n bytes consumes n
 * again; a whole-input parse of a prefix never claims more than it was
 * given. CLUSTER NODES: parse and signature either fail or produce lines
 * whose fields are in range.
 */
#include "sc.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_sc_reply: invariant broken: %s\n", what);
        abort();
    }
}

static void fuzz_resp(const char *buf, size_t len)
{
    size_t pos = 0;
    while (pos < len) {
        struct sc_reply *r = NULL;
        ssize_t n = sc_resp_parse(buf + pos, len - pos, &r);
        if (n <= 0) {
            check(n == 0 || n == -EPROTO, "known result");
            check(r == NULL || n > 0, "no reply without consuming");
            return;
        }
        check((size_t)n <= len - pos, "consumed within the input");
        check(r != NULL, "a reply when bytes are consumed");
        sc_reply_free(r);
        /* Exactly those bytes parse again to the same length; one byte
         * fewer is incomplete or malformed, never a different reply. */
        char *copy = malloc((size_t)n);
        memcpy(copy, buf + pos, (size_t)n);
        struct sc_reply *again = NULL;
        check(sc_resp_parse(copy, (size_t)n, &again) == n, "same length from an exact copy");
        sc_reply_free(again);
        struct sc_reply *shorter = NULL;
        ssize_t m = sc_resp_parse(copy, (size_t)n - 1, &shorter);
        check(m <= 0 || m < n, "a prefix never parses as the whole");
        sc_reply_free(shorter);
        free(copy);
        pos += (size_t)n;
    }
}

static void fuzz_nodes(const char *buf, size_t len)
{
    struct sc_nodes nodes;
    char err[256];
    if (sc_nodes_parse(buf, len, &nodes, err, sizeof(err)) == 0) {
        check(nodes.myself >= -1 && nodes.myself < nodes.count, "myself index in range");
        for (int i = 0; i < nodes.count; i++) {
            const struct sc_nline *l = &nodes.lines[i];
            check(l->slots_count >= 0 && l->slots_count <= SC_SLOTS, "slot count in range");
            check(l->migrating_count >= 0 && l->importing_count >= 0, "open slot counts");
            for (int j = 0; j < l->migrating_count; j++)
                check(l->migrating[j].slot >= 0 && l->migrating[j].slot < SC_SLOTS, "migrating slot in range");
            for (int j = 0; j < l->importing_count; j++)
                check(l->importing[j].slot >= 0 && l->importing[j].slot < SC_SLOTS, "importing slot in range");
        }
        sc_nodes_free(&nodes);
    }
    free(sc_nodes_signature(buf, len));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The first byte picks the parser so one corpus serves both. */
    if (size == 0)
        return 0;
    const char *buf = (const char *)data + 1;
    size_t len = size - 1;
    if (data[0] & 1)
        fuzz_nodes(buf, len);
    else
        fuzz_resp(buf, len);
    return 0;
}
