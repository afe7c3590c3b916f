/*
 * slots_bitmap.c — sets of slots in the cluster bus bitmap layout (slot s is
 * bit s & 7 of byte s >> 3). Used as the scratch/result of slot-argument
 * validation and for a node's `myslots`; gossip/ can hand one straight to
 * the wire. Does not own the slot map.
 */
#include <string.h>

#include "slots/slots_int.h"

_Static_assert(sizeof(struct slots_bitmap) == 2048, "bitmap is the 2048-byte wire layout");

void slots_bitmap_zero(struct slots_bitmap *b)
{
    memset(b->bits, 0, sizeof(b->bits));
}

bool slots_bitmap_has(const struct slots_bitmap *b, int slot)
{
    SLOTS_ASSERT_SLOT(slot);
    return (b->bits[slot >> 3] >> (slot & 7)) & 1;
}

void slots_bitmap_add(struct slots_bitmap *b, int slot)
{
    SLOTS_ASSERT_SLOT(slot);
    b->bits[slot >> 3] = (uint8_t)(b->bits[slot >> 3] | (1u << (slot & 7)));
}

void slots_bitmap_del(struct slots_bitmap *b, int slot)
{
    SLOTS_ASSERT_SLOT(slot);
    b->bits[slot >> 3] = (uint8_t)(b->bits[slot >> 3] & ~(1u << (slot & 7)));
}

int slots_bitmap_count(const struct slots_bitmap *b)
{
    int count = 0;
    for (size_t i = 0; i < SLOTS_BITMAP_SIZE; i++)
        count += __builtin_popcount(b->bits[i]);
    return count;
}

int slots_bitmap_next(const struct slots_bitmap *b, int from)
{
    SLOTS_ASSERT(from >= 0);
    if (from >= SLOTS_COUNT)
        return -1;
    size_t byte_index = (size_t)from >> 3;
    /* Drop the bits below `from` in its byte, then skip whole zero bytes. */
    unsigned bits = (unsigned)b->bits[byte_index] & (0xffu << (from & 7));
    while (bits == 0) {
        if (++byte_index == SLOTS_BITMAP_SIZE)
            return -1;
        bits = b->bits[byte_index];
    }
    return (int)(byte_index << 3) + __builtin_ctz(bits);
}
