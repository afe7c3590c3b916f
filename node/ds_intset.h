/*
 * ds_intset.h — a sorted set of distinct int64 in Redis 7.0's intset byte
 * format (encoding u32 LE = 2, 4 or 8 bytes per member, length u32 LE, the
 * members LE ascending; the width grows to fit and never shrinks), so a
 * small integer set is written to RDB/DUMP as it is. Pure.
 * Calls that change it may move it and return the new pointer.
 */
#ifndef SHOAL_NODE_DS_INTSET_H
#define SHOAL_NODE_DS_INTSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

uint8_t *ds_intset_new(void);
void ds_intset_free(uint8_t *is);
uint8_t *ds_intset_add(uint8_t *is, int64_t v, bool *added);
uint8_t *ds_intset_remove(uint8_t *is, int64_t v, bool *removed);
bool ds_intset_find(const uint8_t *is, int64_t v);
size_t ds_intset_len(const uint8_t *is);
/* The member at position i (ascending), i < len. */
int64_t ds_intset_get(const uint8_t *is, size_t i);
size_t ds_intset_bytes(const uint8_t *is);
uint8_t *ds_intset_dup(const uint8_t *is);
/* True if blob[0..size) is a valid intset (width, length, strictly
 * ascending), as Redis's deep check: an empty one is invalid. The width
 * need not be the smallest that fits (Redis never shrinks it either). */
bool ds_intset_valid(const uint8_t *blob, size_t size);

#endif
