/*
 * slots_route.c — the redirect decision for one command (or one EXEC): serve
 * here, MOVED, ASK, CROSSSLOT, TRYAGAIN or one of the CLUSTERDOWN errors. The
 * rules and their order are the BEHAVIOR section of slots.h. Does not format
 * anything (node/ writes -MOVED/-ASK and the error texts) and does not look
 * into the keyspace except through req->key_exists, and only for open slots.
 *
 * Hot path: a key on a stable cluster costs one CRC16 and one read of
 * owner[slot]; open_count == 0 skips the migrating/importing arrays, and the
 * "multiple keys" comparison is made only while importing, the one case that
 * reads it.
 */
#include <string.h>

#include "slots/slots_int.h"

void slots_route_scan_init(struct slots_route_scan *scan, const struct slots_route_req *req)
{
    SLOTS_ASSERT(req->map != NULL);
    SLOTS_ASSERT(req->myself >= 0 && req->my_master != req->myself);
    *scan = (struct slots_route_scan){
        .req = req,
        .slot = -1,
        .owner = SLOTS_NODE_NONE,
        .early = SLOTS_SERVE,
    };
}

/* The first key fixes the slot and its owner, and whether the request is
 * "migrating" (my slot, being moved away) or "importing" (being moved here). */
static void scan_first_key(struct slots_route_scan *scan, const char *key, size_t len, int slot)
{
    const struct slots_route_req *req = scan->req;
    const struct slots_map *map = req->map;
    scan->slot = slot;
    scan->owner = map->owner[slot];
    scan->first_key = key;
    scan->first_len = len;
    if (scan->owner == SLOTS_NODE_NONE) {
        scan->decided = true;
        scan->early = SLOTS_DOWN_UNBOUND;
        return;
    }
    if (map->open_count == 0)
        return;
    if (scan->owner == req->myself && map->migrating_to[slot] != SLOTS_NODE_NONE)
        scan->migrating = true;
    else if (map->importing_from[slot] != SLOTS_NODE_NONE)
        scan->importing = true;
}

static bool same_key(const struct slots_route_scan *scan, const char *key, size_t len)
{
    return len == scan->first_len && (len == 0 || memcmp(key, scan->first_key, len) == 0);
}

bool slots_route_scan_key(struct slots_route_scan *scan, const char *key, size_t len)
{
    SLOTS_ASSERT(!scan->decided);
    const struct slots_route_req *req = scan->req;
    int slot = slots_keyslot(key, len);
    if (scan->slot < 0) {
        scan_first_key(scan, key, len, slot);
        if (scan->decided)
            return false;
    } else if (slot != scan->slot) {
        scan->decided = true;
        scan->early = SLOTS_CROSSSLOT;
        return false;
    } else if (scan->importing && !scan->multiple_keys && !same_key(scan, key, len)) {
        scan->multiple_keys = true;
    }
    /* Shard channels are served by the source until the slot moves. */
    if ((scan->migrating || scan->importing) && !req->is_pubsubshard) {
        SLOTS_ASSERT(req->key_exists != NULL);
        if (req->key_exists(req->key_exists_ud, key, len))
            scan->present_count++;
        else
            scan->missing_count++;
    }
    return true;
}

/* Step 3: the cluster is down (spec §19). SLOTS_SERVE means "go on". */
static enum slots_route down_verdict(const struct slots_route_req *req)
{
    if (req->cluster_ok)
        return SLOTS_SERVE;
    if (req->is_pubsubshard)
        return req->allow_pubsubshard_when_down ? SLOTS_SERVE : SLOTS_DOWN_STATE;
    if (!req->allow_reads_when_down)
        return SLOTS_DOWN_STATE;
    /* 7.0.15 checks EXEC's own flags here, and EXEC is not a write. */
    if (req->is_write && !req->is_exec)
        return SLOTS_DOWN_READONLY_STATE;
    return SLOTS_SERVE;
}

/* Steps 4-6: the slot is migrating or importing. Returns false when these
 * steps decide nothing and routing goes on. */
static bool open_slot_verdict(const struct slots_route_scan *scan, struct slots_route_out *out,
                              enum slots_route *verdict)
{
    const struct slots_route_req *req = scan->req;
    if (req->is_migrate) {
        *verdict = SLOTS_SERVE;
        return true;
    }
    if (scan->migrating && scan->missing_count > 0) {
        *verdict = scan->present_count > 0 ? SLOTS_TRYAGAIN : SLOTS_ASK;
        if (*verdict == SLOTS_ASK)
            out->node = req->map->migrating_to[scan->slot];
        return true;
    }
    if (scan->importing && (req->client_asking || req->cmd_asking)) {
        *verdict = scan->multiple_keys && scan->missing_count > 0 ? SLOTS_TRYAGAIN : SLOTS_SERVE;
        return true;
    }
    return false;
}

/* Steps 2-8 once every key was seen. */
static enum slots_route decide(const struct slots_route_scan *scan, struct slots_route_out *out)
{
    const struct slots_route_req *req = scan->req;
    if (scan->decided)
        return scan->early;
    if (scan->slot < 0)
        return SLOTS_SERVE;
    enum slots_route verdict = down_verdict(req);
    if (verdict != SLOTS_SERVE)
        return verdict;
    if ((scan->migrating || scan->importing) && open_slot_verdict(scan, out, &verdict))
        return verdict;
    /* A READONLY client may read its master's slots from this replica. */
    if ((req->client_readonly || req->is_pubsubshard) && !req->is_write && req->my_master != SLOTS_NODE_NONE &&
        req->my_master == scan->owner)
        return SLOTS_SERVE;
    if (scan->owner != req->myself) {
        out->node = scan->owner;
        return SLOTS_MOVED;
    }
    return SLOTS_SERVE;
}

enum slots_route slots_route_finish(const struct slots_route_scan *scan, struct slots_route_out *out)
{
    out->slot = scan->slot;
    out->node = SLOTS_NODE_NONE;
    enum slots_route verdict = decide(scan, out);
    if (verdict == SLOTS_SERVE)
        out->node = scan->req->myself;
    SLOTS_ASSERT((verdict == SLOTS_MOVED || verdict == SLOTS_ASK) == (out->node >= 0 && verdict != SLOTS_SERVE));
    return verdict;
}

enum slots_route slots_route(const struct slots_route_req *req, struct slots_route_out *out)
{
    struct slots_route_scan scan;
    slots_route_scan_init(&scan, req);
    SLOTS_ASSERT(req->key_count >= 0);
    for (int i = 0; i < req->key_count; i++) {
        if (!slots_route_scan_key(&scan, req->keys[i], req->key_lens[i]))
            break;
    }
    return slots_route_finish(&scan, out);
}
