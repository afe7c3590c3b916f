/*
 * fuzz_obj.c — fuzz target for the collection types' RDB loaders and
 * writers (node/t_list.c, t_set.c, t_zset.c, t_hash.c through node/obj.h).
 *
 * The input is a DUMP body: a type byte and a value (the corpus holds
 * redis-server 7.0.15's DUMP payloads of every collection encoding). A
 * correct footer is appended so mutations get past the CRC to the value
 * walker and then to the type's loader, with encoding limits taken from the
 * input's last byte (so conversions on load are exercised too).
 * Invariants:
 *   - nothing crashes, leaks or reads outside the input;
 *   - a value the loader accepts is written back (its own DUMP payload),
 *     that payload parses and loads again, and both values have the same
 *     length and the same DEBUG DIGEST steps;
 *   - dup gives a value with the same digest.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/config.h"
#include "node/obj.h"
#include "replication/rdb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Bodies above this take too long per run to be worth it. */
#define FUZZ_BODY_MAX (1u << 20)

static void check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_obj: invariant broken: %s\n", what);
        abort();
    }
}

/* Small limits half of the time, so small inputs convert too. */
static void limits(struct node_config *cfg, uint8_t b)
{
    memset(cfg, 0, sizeof(*cfg));
    bool small = b & 1;
    cfg->hash_max_listpack_entries = small ? (b >> 1) % 8 : 512;
    cfg->hash_max_listpack_value = small ? (b >> 4) % 16 : 64;
    cfg->set_max_intset_entries = small ? (b >> 1) % 8 : 512;
    cfg->zset_max_listpack_entries = small ? (b >> 1) % 8 : 128;
    cfg->zset_max_listpack_value = small ? (b >> 4) % 16 : 64;
    cfg->list_max_listpack_size = small ? (int)(b >> 1) % 6 - 5 : -2;
}

/* Parses a DUMP payload and loads it; 1 with *out on success. */
static int load(const uint8_t *payload, size_t n, const struct node_config *cfg, const struct node_obj_type **ot,
                void **out)
{
    struct rdb_value v;
    struct rdb_scratch sc = {0};
    int ok = 0;
    if (rdb_dump_parse(payload, n, &v, &sc) == RDB_DUMP_OK) {
        *ot = node_obj_type_for_rdb(v.type);
        const char *why = NULL;
        if (*ot && (*ot)->rdb_load(&v, cfg, out, &why) == NODE_OBJ_LOAD_OK)
            ok = 1;
    }
    rdb_scratch_free(&sc);
    return ok;
}

static void digest_of(const struct node_obj_type *ot, const void *v, uint8_t d[20])
{
    memset(d, 0, 20);
    ot->digest(v, d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2 || size > FUZZ_BODY_MAX)
        return 0;
    struct node_config cfg;
    limits(&cfg, data[size - 1]);
    size--;

    struct rdb_enc in;
    rdb_enc_init(&in, NULL, NULL, false, true);
    rdb_enc_raw(&in, data, size);
    rdb_enc_dump_footer(&in);
    const struct node_obj_type *ot = NULL;
    void *val = NULL;
    int ok = load(in.buf, in.len, &cfg, &ot, &val);
    rdb_enc_free(&in);
    if (!ok)
        return 0;

    struct rdb_enc out;
    rdb_enc_init(&out, NULL, NULL, data[0] & 1, true);
    rdb_enc_type(&out, (enum rdb_type)ot->rdb_type(val));
    check(ot->rdb_write(&out, val) == 0, "rdb_write failed");
    rdb_enc_dump_footer(&out);
    const struct node_obj_type *ot2 = NULL;
    void *again = NULL;
    check(load(out.buf, out.len, &cfg, &ot2, &again) == 1, "a written value does not load again");
    rdb_enc_free(&out);
    check(ot2 == ot, "the type changed across a round trip");
    check(ot->length(val) == ot->length(again), "the length changed across a round trip");

    uint8_t d1[20], d2[20], d3[20];
    digest_of(ot, val, d1);
    digest_of(ot, again, d2);
    check(memcmp(d1, d2, 20) == 0, "the digest changed across a round trip");
    void *copy = ot->dup(val);
    digest_of(ot, copy, d3);
    check(memcmp(d1, d3, 20) == 0, "dup changed the digest");
    ot->free(copy);
    ot->free(again);
    ot->free(val);
    return 0;
}
