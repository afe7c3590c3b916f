/*
 * cmd_debug.c — DEBUG, for tests and operators: only the subcommands shoal
 * has (DROP-CLUSTER-PACKET-FILTER, the partition switch the failover tests
 * use; DIGEST and DIGEST-VALUE, which redis-cli --cluster compares across
 * nodes). Guarded by enable-debug-command exactly as Redis guards it.
 *
 * DIGESTS are Redis 7.0's, so a shoal node and a redis-server node holding
 * equal values give equal digests (redis-cli compares a key's digest on the
 * source and the target of a MIGRATE that answered BUSYKEY). Both are built
 * from SHA-1 with two operations on a 20-byte state D:
 *   xor(D, bytes):  D ^= SHA1(bytes)
 *   mix(D, bytes):  D = SHA1(D ^ SHA1(bytes))   (xor, then hash D itself)
 * A value's digest starts from zeros: mix(type as a 4-byte big-endian
 * number), mix(the string's bytes; an integer as its decimal text), and
 * xor("!!expire!!") when the key has a TTL (its time is not included).
 * The dataset digest starts from zeros: when the database holds keys,
 * mix(db number, 4 bytes big-endian), then for each key (any order: xor
 * commutes) d = zeros, mix(d, key name), then the value's steps on d, and
 * xor(D, d) (so D ^= SHA1(d)). Keys whose TTL passed but are still stored count, as in Redis.
 * An empty dataset and a missing key are 40 zeros. The two operations are
 * node/digest.c's (the collection types use them too).
 */
#include "gossip/gossip.h"
#include "node/commands.h"
#include "node/core/core.h"
#include "node/digest.h"
#include "node/obj.h"
#include "node/node_int.h"

#include <stdio.h>
#include <string.h>

#define SHA1_LEN NODE_DIGEST_LEN

static void digest_u32(uint8_t d[SHA1_LEN], uint32_t v)
{
    uint8_t be[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    node_digest_mix(d, be, sizeof(be));
}

/* The value's steps on d; false for a type whose digest shoal cannot make yet. */
static bool digest_value(uint8_t d[SHA1_LEN], const struct node_ks_entry *e)
{
    enum node_ks_type t = node_ks_entry_type(e);
    if (t == NODE_KS_STRING) {
        digest_u32(d, 0); /* Redis's OBJ_STRING */
        char buf[NODE_KS_INTBUF];
        size_t len;
        const char *v = node_ks_str_get(e, buf, &len);
        node_digest_mix(d, v, len);
    } else {
        const struct node_obj_type *ot = node_obj_type(t);
        if (!ot->digest)
            return false;
        digest_u32(d, (uint32_t)t); /* Redis's OBJ_LIST 1, OBJ_SET 2, OBJ_ZSET 3, OBJ_HASH 4 */
        ot->digest(node_ks_entry_ptr(e), d);
    }
    if (node_ks_entry_expire(e) != -1)
        node_digest_xor(d, "!!expire!!", 10);
    return true;
}

static void reply_hex(struct node_out *o, const uint8_t d[SHA1_LEN])
{
    char hex[2 * SHA1_LEN + 1];
    for (int i = 0; i < SHA1_LEN; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
    node_reply_simple(o, hex);
}

struct dataset_digest {
    uint8_t d[SHA1_LEN];
    bool unsupported;
};

static void digest_key(void *ud, const struct node_ks_entry *e)
{
    struct dataset_digest *dd = ud;
    uint8_t kd[SHA1_LEN] = {0};
    size_t klen;
    const char *k = node_ks_entry_key(e, &klen);
    node_digest_mix(kd, k, klen);
    if (!digest_value(kd, e))
        dd->unsupported = true;
    node_digest_xor(dd->d, kd, SHA1_LEN);
}

#define ERR_DIGEST_TYPE "ERR DEBUG DIGEST of this type is not supported by this shoal version"

static void debug_digest(struct node_client *c)
{
    struct node_ks *ks = c->srv->ks;
    struct dataset_digest dd = {{0}, false};
    if (node_ks_size(ks) > 0) {
        /* A scan repeats keys only across a rehash: finish it first, so
         * each key is xored exactly once. */
        while (node_ks_rehash_step(ks, 1000))
            ;
        digest_u32(dd.d, 0);
        uint64_t cursor = 0;
        do
            cursor = node_ks_scan(ks, cursor, 1000, digest_key, &dd);
        while (cursor != 0);
    }
    if (dd.unsupported)
        node_reply_error(&c->out, ERR_DIGEST_TYPE);
    else
        reply_hex(&c->out, dd.d);
}

static void debug_digest_value(struct node_client *c)
{
    uint8_t *all = core_calloc((size_t)(c->argc - 2), SHA1_LEN);
    for (int j = 2; j < c->argc; j++) {
        struct node_ks_entry *e = node_ks_find(c->srv->ks, c->argv[j], c->argl[j], 0);
        if (e && !digest_value(all + (size_t)(j - 2) * SHA1_LEN, e)) {
            core_free(all);
            node_reply_error(&c->out, ERR_DIGEST_TYPE);
            return;
        }
    }
    node_reply_array(&c->out, c->argc - 2);
    for (int j = 2; j < c->argc; j++)
        reply_hex(&c->out, all + (size_t)(j - 2) * SHA1_LEN);
    core_free(all);
}

#define ERR_DEBUG_DISABLED                                                                                           \
    "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a "  \
    "local connection, otherwise you need to set this option in the configuration file, and then restart the "      \
    "server."

static bool debug_allowed(const struct node_client *c)
{
    int mode = c->srv->cfg.enable_debug_command;
    return mode == 1 || (mode == 2 && node_client_is_loopback(c));
}

static void debug_help(struct node_client *c)
{
    static const char *const lines[] = {
        "DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "DIGEST",
        "    Output a hex signature representing the current DB content.",
        "DIGEST-VALUE <key> [<key> ...]",
        "    Output a hex signature of the values of all the specified keys.",
        "DROP-CLUSTER-PACKET-FILTER <packet-type>",
        "    Drop all packets that match the filtered type. Set to -1 allow all packets.",
        "    Set to -2 (shoal only) to isolate this node: drop every packet and send none.",
        "HELP",
        "    Prints this help.",
    };
    node_reply_array(&c->out, (long long)CORE_ARRAY_LEN(lines));
    for (size_t i = 0; i < CORE_ARRAY_LEN(lines); i++)
        node_reply_simple(&c->out, lines[i]);
}

void node_cmd_debug(struct node_client *c)
{
    if (!debug_allowed(c)) {
        node_reply_error(&c->out, ERR_DEBUG_DISABLED);
        return;
    }
    if (node_arg_is(c, 1, "help") && c->argc == 2) {
        debug_help(c);
        return;
    }
    if (node_arg_is(c, 1, "digest") && c->argc == 2) {
        debug_digest(c);
        return;
    }
    if (node_arg_is(c, 1, "digest-value") && c->argc >= 2) {
        debug_digest_value(c);
        return;
    }
    if (node_arg_is(c, 1, "drop-cluster-packet-filter") && c->argc == 3) {
        long long type;
        if (!node_arg_ll(c, 2, &type, NULL))
            return;
        int32_t filter = GOSSIP_DROP_NONE;
        if (type == GOSSIP_DROP_ALL)
            filter = GOSSIP_DROP_ALL;
        else if (type >= 0 && type <= INT32_MAX)
            filter = (int32_t)type;
        if (c->srv->gossip)
            c->srv->gossip->drop_filter = filter;
        node_reply_ok(&c->out);
        return;
    }
    node_reply_subcommand_error(c);
}
