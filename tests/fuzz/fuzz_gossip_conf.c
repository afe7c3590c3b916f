/*
 * fuzz_gossip_conf.c — fuzz target for the nodes.conf codec
 * (gossip/gossip_conf.c).
 *
 * The input is a whole nodes.conf. Invariants:
 *   - a refusal is -ENODATA (empty input only), -EPROTO or -E2BIG, with a
 *     "nodes.conf..." message;
 *   - an accepted file passes gossip_conf_check(); formatting it and parsing
 *     the text gives the same config; formatting that gives the same bytes;
 *   - the formatted text cut short by one byte is refused (no newline at the
 *     end), so a truncated write can never load.
 */
#include "gossip/gossip_conf.h"
#include "node/core/core.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_gossip_conf: invariant broken: %s\n", what);
        abort();
    }
}

static void check_refusal(int rc, size_t size, const struct gossip_conf_err *err)
{
    check(rc == -EPROTO || rc == -E2BIG || (rc == -ENODATA && size == 0), "unexpected status");
    check(memchr(err->text, '\0', sizeof(err->text)) != NULL, "error text not terminated");
    check(strncmp(err->text, "nodes.conf", 10) == 0, "error text prefix");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* heap copies: the struct holds three slot arrays */
    struct gossip_conf *c = malloc(sizeof(*c));
    struct gossip_conf *back = malloc(sizeof(*back));
    check(c && back, "out of memory");
    struct gossip_conf_err err;
    memset(&err, 0, sizeof(err));
    int rc = gossip_conf_parse((const char *)data, size, c, &err);
    if (rc != 0) {
        check_refusal(rc, size, &err);
        free(c);
        free(back);
        return 0;
    }
    check(gossip_conf_check(c, NULL) == 0, "parsed config fails check");

    char *text, *again;
    size_t len, len2;
    check(gossip_conf_format(c, &text, &len) == 0, "format failed");
    check(len > 0 && text[len - 1] == '\n' && strlen(text) == len, "formatted text shape");
    rc = gossip_conf_parse(text, len, back, &err);
    if (rc != 0)
        fprintf(stderr, "reparse: %s\n", err.text);
    check(rc == 0, "formatted text does not parse");
    check(gossip_conf_is_equal(c, back), "format+parse changed the config");
    check(gossip_conf_format(back, &again, &len2) == 0, "second format failed");
    check(len == len2 && memcmp(text, again, len) == 0, "format is not stable");

    struct gossip_conf *cut = back; /* reused: must stay untouched */
    gossip_conf_free(back);
    check(gossip_conf_parse(text, len - 1, cut, &err) == -EPROTO, "text cut by one byte parsed");

    core_free(text);
    core_free(again);
    gossip_conf_free(c);
    free(c);
    free(back);
    return 0;
}
