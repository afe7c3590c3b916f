/*
 * ds_zidx.h — an order-statistic B+tree of element pointers: the ordered
 * index of a large sorted set, giving O(log n) insert, delete, rank, and
 * "the element at rank r", and in-order walks both ways. Pure.
 *
 * Elements are opaque pointers ordered by cmp (for a sorted set: score,
 * then member bytes); they must be distinct under cmp. The tree stores only
 * the pointers (8 bytes per element in leaves plus per-child counts in
 * inner nodes), never the elements themselves.
 */
#ifndef SHOAL_NODE_DS_ZIDX_H
#define SHOAL_NODE_DS_ZIDX_H

#include <stdbool.h>
#include <stddef.h>

typedef int (*ds_zidx_cmp_fn)(const void *a, const void *b);

struct ds_zidx;

struct ds_zidx *ds_zidx_new(ds_zidx_cmp_fn cmp);
void ds_zidx_free(struct ds_zidx *z);
size_t ds_zidx_count(const struct ds_zidx *z);
/* Inserts elem (no element equal under cmp may be present). */
void ds_zidx_insert(struct ds_zidx *z, void *elem);
/* Removes the element equal to elem under cmp; false if none. */
bool ds_zidx_delete(struct ds_zidx *z, const void *elem);
/* The element at 0-based rank (rank < count). */
void *ds_zidx_at(const struct ds_zidx *z, size_t rank);
/* The rank of the element equal to elem; (size_t)-1 if absent. */
size_t ds_zidx_rank(const struct ds_zidx *z, const void *elem);
/* How many elements satisfy below(elem, ud), for a predicate that is true
 * for a prefix of the order and false after it (score < min, member <
 * "[b", ...): the rank where a range starts. O(log n). */
size_t ds_zidx_count_below(const struct ds_zidx *z, bool (*below)(const void *elem, void *ud), void *ud);

/* In-order walk from a rank, forwards or backwards; the tree must not change meanwhile. */
struct ds_zidx_it {
    const struct ds_zidx *z;
    void *leaf;
    unsigned pos;
    size_t rank;
};
/* Positions it at rank (rank == count is "past the end"). */
void ds_zidx_it_at(const struct ds_zidx *z, size_t rank, struct ds_zidx_it *it);
/* The element at the position, then moves one step (next: to rank+1,
 * prev: to rank-1); NULL past either end. A backward walk over everything
 * starts at rank count-1 (rank count is past the end for both). */
void *ds_zidx_it_next(struct ds_zidx_it *it);
void *ds_zidx_it_prev(struct ds_zidx_it *it);

/* Bytes held by the tree's nodes. */
size_t ds_zidx_mem(const struct ds_zidx *z);
/* Invariant walker for tests: 0 if consistent (counts, order, fill, leaf links). */
int ds_zidx_check(const struct ds_zidx *z);

#endif
