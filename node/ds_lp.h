/*
 * ds_lp.h — a listpack in memory: Redis 7.0's listpack byte format exactly
 * (rdb.md: total bytes u32 LE, count u16 LE (65535 = unknown: count by
 * walking), entries, 0xFF), so the compact encodings of hashes and sorted
 * sets and the nodes of lists are written to RDB/DUMP as they are, and
 * memory per element is Redis's. Pure: no keyspace, no I/O.
 *
 * An element is a string; a string that is the canonical decimal form of an
 * int64 ("12", not "012") is stored as an integer entry, as Redis does.
 * Positions are pointers to an entry's first byte (NULL = none); every call
 * that changes the listpack may move it (realloc) and returns the new
 * pointer; positions taken before a change are then invalid unless the call
 * hands back an updated one.
 */
#ifndef SHOAL_NODE_DS_LP_H
#define SHOAL_NODE_DS_LP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Room for an integer entry's decimal text. */
#define DS_LP_INTBUF 24

/* One element read back. */
struct ds_lp_val {
    const unsigned char *s; /* string bytes, or NULL for an integer entry */
    size_t len;             /* string length */
    long long ll;           /* integer entry's value */
};

unsigned char *ds_lp_new(void);
void ds_lp_free(unsigned char *lp);
/* The whole blob's size (the header's total bytes). */
size_t ds_lp_bytes(const unsigned char *lp);
/* Elements (walks when the header's count saturated, and then writes the
 * count back to the header if it fits again, as Redis's lpLength does). */
size_t ds_lp_count(const unsigned char *lp);

unsigned char *ds_lp_first(const unsigned char *lp);
unsigned char *ds_lp_last(const unsigned char *lp);
unsigned char *ds_lp_next(const unsigned char *lp, const unsigned char *p);
unsigned char *ds_lp_prev(const unsigned char *lp, const unsigned char *p);
/* The entry at index (negative: from the end, -1 = last), NULL if out of range. */
unsigned char *ds_lp_seek(const unsigned char *lp, long long index);

void ds_lp_get(const unsigned char *p, struct ds_lp_val *out);
/* The element as bytes: integer entries are written as text into buf
 * (DS_LP_INTBUF bytes) and buf returned. */
const unsigned char *ds_lp_get_str(const unsigned char *p, unsigned char *buf, size_t *len);
/* True if the element at p equals s[0..n) (an integer entry compares by its text). */
bool ds_lp_eq(const unsigned char *p, const void *s, size_t n);
/* From p on, the first element equal to s, comparing only every (skip+1)th
 * entry (skip 1: hash fields, zset members); NULL if none. */
unsigned char *ds_lp_find(const unsigned char *lp, unsigned char *p, const void *s, size_t n, unsigned skip);

/* Inserts s before p (p NULL: appends). *newp (if not NULL) = the new entry. */
unsigned char *ds_lp_insert(unsigned char *lp, unsigned char *p, const void *s, size_t n, unsigned char **newp);
unsigned char *ds_lp_append(unsigned char *lp, const void *s, size_t n);
unsigned char *ds_lp_prepend(unsigned char *lp, const void *s, size_t n);
unsigned char *ds_lp_append_ll(unsigned char *lp, long long v);
/* Replaces the element at *p with s; *p = the replacement. */
unsigned char *ds_lp_replace(unsigned char *lp, unsigned char **p, const void *s, size_t n);
/* Deletes the element at *p; *p = the next entry (NULL at the end). */
unsigned char *ds_lp_delete(unsigned char *lp, unsigned char **p);
/* Deletes count elements from index (negative index: from the end). */
unsigned char *ds_lp_delete_range(unsigned char *lp, long long index, size_t count);
/* A copy of the whole blob. */
unsigned char *ds_lp_dup(const unsigned char *lp);
/* Bytes an element of this size adds (to keep nodes under a byte budget). */
size_t ds_lp_entry_size(const void *s, size_t n);
/* True if blob[0..size) is a well-formed listpack (header, every entry's
 * encoding and back-length, terminator), for loading foreign bytes. */
bool ds_lp_valid(const unsigned char *blob, size_t size);

#endif
