/*
 * t_list.h — a list value: Redis 7.0's quicklist shape, a doubly linked list
 * of listpack nodes (node/ds_lp.h), each node bounded by
 * list-max-listpack-size (-1..-5: 4..64 KB of listpack; > 0: that many
 * entries, and never more than 8 KB), so pushes and pops at either end touch
 * one small blob and LINDEX/LSET walk nodes by their counts.
 *
 * Owns the value layout and every in-place edit the list commands need.
 * Does not own command semantics (node/cmd_list.c) nor the keyspace.
 *
 * Not done (as Redis 7.0 allows): list-compress-depth is ignored (nodes are
 * never LZF-compressed in memory), and an element never gets a PLAIN node of
 * its own: one bigger than the node budget gets a listpack node holding it
 * alone. RDB PLAIN nodes load as such one-element nodes; both are written
 * back as PACKED nodes, which every 7.0 reader loads.
 */
#ifndef SHOAL_NODE_T_LIST_H
#define SHOAL_NODE_T_LIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "node/ds_lp.h"

struct node_list;
struct node_list_node;

/* fill: list-max-listpack-size (out-of-range values are clamped as Redis). */
struct node_list *node_list_new(int fill);
void node_list_free(struct node_list *l);
struct node_list *node_list_dup(const struct node_list *l);
size_t node_list_len(const struct node_list *l);
/* Nodes (for tests and MEMORY estimates). */
size_t node_list_node_count(const struct node_list *l);

/* Adds one element at the head (head true) or the tail. */
void node_list_push(struct node_list *l, const void *s, size_t n, bool head);
/* Removes count elements from index start (0-based from the head, start +
 * count <= length). */
void node_list_del_range(struct node_list *l, size_t start, size_t count);

/* A position in a list: valid until the list changes other than through
 * the iterator's own calls. */
struct node_list_iter {
    struct node_list *l;
    struct node_list_node *node; /* NULL: past the end */
    unsigned char *p;
    bool forward;
};
/* Positions it at index (0-based from the head, must be < length; any
 * index for an empty list gives the end). forward: next() walks to the tail. */
void node_list_iter_init(struct node_list_iter *it, struct node_list *l, size_t index, bool forward);
bool node_list_iter_done(const struct node_list_iter *it);
/* The current element's bytes (integer entries as text in buf,
 * DS_LP_INTBUF bytes). */
const unsigned char *node_list_iter_get(const struct node_list_iter *it, unsigned char *buf, size_t *len);
bool node_list_iter_eq(const struct node_list_iter *it, const void *s, size_t n);
void node_list_iter_next(struct node_list_iter *it);
/* Deletes the current element; the iterator moves to the one next() would
 * have given. */
void node_list_iter_delete(struct node_list_iter *it);
/* Replaces the current element (LSET); the iterator is invalid afterwards. */
void node_list_iter_replace(struct node_list_iter *it, const void *s, size_t n);
/* Inserts before or after the current element (LINSERT); the iterator is
 * invalid afterwards. */
void node_list_iter_insert(struct node_list_iter *it, const void *s, size_t n, bool after);

/* Every node's count matches its listpack, sizes respect the fill except
 * single-element nodes, links are consistent: 0 if so (tests, asserts). */
int node_list_check(const struct node_list *l);

#endif
