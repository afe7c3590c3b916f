/*
 * slots_map.c — the caller-owned slot map: owner, migrating-to and
 * importing-from of every slot, the bulk edits the cluster needs when a node
 * loses, hands over or leaves its slots, range iteration for CLUSTER
 * SLOTS/NODES/SHARDS, and the invariant walker. Does not decide anything about
 * commands (slots_route.c) nor validate client arguments (slots_range.c).
 *
 * open_count mirrors "migrating_to or importing_from set" over all slots; every
 * write to those two arrays goes through set_open_state() so it stays exact.
 */
/* SLOTS_ASSERT stays on in release builds: keep glibc's __assert_fail declared. */
#undef NDEBUG
#include <assert.h>
#include <errno.h>
#include <stdlib.h>

#include "slots/slots_int.h"

_Noreturn void slots__assert_fail(const char *expr, const char *file, unsigned line, const char *func)
{
#ifdef __GLIBC__
    __assert_fail(expr, file, line, func);
#else
    (void)expr, (void)file, (void)line, (void)func;
    abort();
#endif
}

static bool is_open(const struct slots_map *map, int slot)
{
    return map->migrating_to[slot] != SLOTS_NODE_NONE || map->importing_from[slot] != SLOTS_NODE_NONE;
}

/* The one writer of migrating_to/importing_from: keeps open_count exact. */
static void set_open_state(struct slots_map *map, int slot, int32_t migrating_to, int32_t importing_from)
{
    bool was_open = is_open(map, slot);
    map->migrating_to[slot] = migrating_to;
    map->importing_from[slot] = importing_from;
    map->open_count += (int32_t)is_open(map, slot) - (int32_t)was_open;
    SLOTS_ASSERT(map->open_count >= 0 && map->open_count <= SLOTS_COUNT);
}

void slots_map_init(struct slots_map *map)
{
    for (int slot = 0; slot < SLOTS_COUNT; slot++) {
        map->owner[slot] = SLOTS_NODE_NONE;
        map->migrating_to[slot] = SLOTS_NODE_NONE;
        map->importing_from[slot] = SLOTS_NODE_NONE;
    }
    map->open_count = 0;
}

void slots_map_assign(struct slots_map *map, int slot, int32_t node)
{
    SLOTS_ASSERT_SLOT(slot);
    SLOTS_ASSERT(node >= 0);
    map->owner[slot] = node;
}

void slots_map_unassign(struct slots_map *map, int slot)
{
    SLOTS_ASSERT_SLOT(slot);
    map->owner[slot] = SLOTS_NODE_NONE;
}

void slots_map_set_migrating(struct slots_map *map, int slot, int32_t node)
{
    SLOTS_ASSERT_SLOT(slot);
    SLOTS_ASSERT(node >= SLOTS_NODE_NONE);
    set_open_state(map, slot, node, map->importing_from[slot]);
}

void slots_map_set_importing(struct slots_map *map, int slot, int32_t node)
{
    SLOTS_ASSERT_SLOT(slot);
    SLOTS_ASSERT(node >= SLOTS_NODE_NONE);
    set_open_state(map, slot, map->migrating_to[slot], node);
}

void slots_map_set_stable(struct slots_map *map, int slot)
{
    SLOTS_ASSERT_SLOT(slot);
    set_open_state(map, slot, SLOTS_NODE_NONE, SLOTS_NODE_NONE);
}

void slots_map_clear_open(struct slots_map *map)
{
    for (int slot = 0; slot < SLOTS_COUNT; slot++) {
        map->migrating_to[slot] = SLOTS_NODE_NONE;
        map->importing_from[slot] = SLOTS_NODE_NONE;
    }
    map->open_count = 0;
}

int32_t slots_map_owner(const struct slots_map *map, int slot)
{
    SLOTS_ASSERT_SLOT(slot);
    return map->owner[slot];
}

int32_t slots_map_migrating_to(const struct slots_map *map, int slot)
{
    SLOTS_ASSERT_SLOT(slot);
    return map->migrating_to[slot];
}

int32_t slots_map_importing_from(const struct slots_map *map, int slot)
{
    SLOTS_ASSERT_SLOT(slot);
    return map->importing_from[slot];
}

bool slots_map_is_open(const struct slots_map *map, int slot)
{
    SLOTS_ASSERT_SLOT(slot);
    return is_open(map, slot);
}

int slots_map_count_node(const struct slots_map *map, int32_t node)
{
    int count = 0;
    for (int slot = 0; slot < SLOTS_COUNT; slot++)
        count += map->owner[slot] == node;
    return count;
}

int slots_map_count_assigned(const struct slots_map *map)
{
    return SLOTS_COUNT - slots_map_count_node(map, SLOTS_NODE_NONE);
}

void slots_map_node_bitmap(const struct slots_map *map, int32_t node, struct slots_bitmap *ret)
{
    slots_bitmap_zero(ret);
    for (int slot = 0; slot < SLOTS_COUNT; slot++) {
        if (map->owner[slot] == node)
            slots_bitmap_add(ret, slot);
    }
}

int slots_map_unassign_node(struct slots_map *map, int32_t node)
{
    SLOTS_ASSERT(node >= 0);
    return slots_map_reassign_node(map, node, SLOTS_NODE_NONE);
}

int slots_map_reassign_node(struct slots_map *map, int32_t from, int32_t to)
{
    SLOTS_ASSERT(from >= 0 && to >= SLOTS_NODE_NONE);
    int count = 0;
    for (int slot = 0; slot < SLOTS_COUNT; slot++) {
        if (map->owner[slot] == from) {
            map->owner[slot] = to;
            count++;
        }
    }
    return count;
}

void slots_map_forget_node(struct slots_map *map, int32_t node)
{
    SLOTS_ASSERT(node >= 0);
    for (int slot = 0; slot < SLOTS_COUNT; slot++) {
        if (map->owner[slot] == node)
            map->owner[slot] = SLOTS_NODE_NONE;
        int32_t migrating_to = map->migrating_to[slot] == node ? SLOTS_NODE_NONE : map->migrating_to[slot];
        int32_t importing_from = map->importing_from[slot] == node ? SLOTS_NODE_NONE : map->importing_from[slot];
        set_open_state(map, slot, migrating_to, importing_from);
    }
}

void slots_map_renumber_node(struct slots_map *map, int32_t from, int32_t to)
{
    SLOTS_ASSERT(from >= 0 && to >= 0);
    for (int slot = 0; slot < SLOTS_COUNT; slot++) {
        if (map->owner[slot] == from)
            map->owner[slot] = to;
        /* open_count is unchanged: both indexes are real nodes. */
        if (map->migrating_to[slot] == from)
            map->migrating_to[slot] = to;
        if (map->importing_from[slot] == from)
            map->importing_from[slot] = to;
    }
}

static bool range_matches(int32_t owner, int32_t filter)
{
    return filter == SLOTS_NODE_ANY ? owner != SLOTS_NODE_NONE : owner == filter;
}

bool slots_map_next_range(const struct slots_map *map, int32_t filter, int *cursor, struct slots_range *ret)
{
    SLOTS_ASSERT(filter >= SLOTS_NODE_ANY);
    SLOTS_ASSERT(*cursor >= 0 && *cursor <= SLOTS_COUNT);
    int start = *cursor;
    while (start < SLOTS_COUNT && !range_matches(map->owner[start], filter))
        start++;
    if (start == SLOTS_COUNT) {
        *cursor = SLOTS_COUNT;
        return false;
    }
    int32_t owner = map->owner[start];
    int end = start;
    while (end + 1 < SLOTS_COUNT && map->owner[end + 1] == owner)
        end++;
    ret->start = start;
    ret->end = end;
    ret->node = owner;
    *cursor = end + 1;
    return true;
}

static bool index_is_valid(int32_t node, int32_t node_count)
{
    return node >= SLOTS_NODE_NONE && node < node_count;
}

int slots_map_check(const struct slots_map *map, int32_t node_count)
{
    int32_t open_count = 0;
    for (int slot = 0; slot < SLOTS_COUNT; slot++) {
        if (!index_is_valid(map->owner[slot], node_count) || !index_is_valid(map->migrating_to[slot], node_count) ||
            !index_is_valid(map->importing_from[slot], node_count))
            return -EINVAL;
        open_count += is_open(map, slot);
    }
    return open_count == map->open_count ? 0 : -EINVAL;
}
