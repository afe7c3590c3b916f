/*
 * t_zset.h — a sorted set value: members with double scores, ordered by
 * (score, member bytes). Two encodings, as Redis 7.0's:
 *   "listpack": member, score, member, score ... in order, in one ds_lp,
 *               while small (zset-max-listpack-entries/-value);
 *   "skiplist": a ds_hash of elements (member -> score) plus a ds_zidx of
 *               the same elements in order (O(log n) rank and ranges).
 * A set is converted to skiplist once it grows past a limit and never back,
 * except when built whole (stores, loading), as Redis does.
 *
 * Owns the value and its obj.h hooks; does not own command syntax, replies
 * or the keyspace (cmd_zset.c, cmd_zset_store.c).
 *
 * Ranges are expressed as ranks: t_zset_count_below gives where a score or
 * lex bound falls, and t_zset_it walks ranks either way.
 */
#ifndef SHOAL_NODE_T_ZSET_H
#define SHOAL_NODE_T_ZSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "node/ds_lp.h"
#include "node/ds_zidx.h"

struct t_zset;

/* The encoding limits (from the config). */
struct t_zset_lim {
    size_t entries;
    size_t value;
};

/* An element read back; m points into the set (or into buf) until the set changes. */
struct t_zset_el {
    const char *m;
    size_t n;
    double score;
    unsigned char buf[DS_LP_INTBUF];
};

/* An empty set whose encoding suits size_hint members of max_len bytes at most. */
struct t_zset *t_zset_new(const struct t_zset_lim *lim, size_t size_hint, size_t max_len);
void t_zset_free(struct t_zset *z);
struct t_zset *t_zset_dup(const struct t_zset *z);
size_t t_zset_len(const struct t_zset *z);
bool t_zset_is_listpack(const struct t_zset *z);
const char *t_zset_encoding(const struct t_zset *z);
/* Turns a skiplist set that fits the limits back into a listpack (stores). */
void t_zset_shrink_if_fits(struct t_zset *z, const struct t_zset_lim *lim);

bool t_zset_score(const struct t_zset *z, const char *m, size_t n, double *score);

/* ZADD flags in, result flags out (Redis's zsetAdd). */
enum {
    T_ZSET_IN_INCR = 1,
    T_ZSET_IN_NX = 2,
    T_ZSET_IN_XX = 4,
    T_ZSET_IN_GT = 8,
    T_ZSET_IN_LT = 16,
    T_ZSET_OUT_NAN = 1,     /* the resulting score would be NaN: nothing changed */
    T_ZSET_OUT_ADDED = 2,
    T_ZSET_OUT_UPDATED = 4,
    T_ZSET_OUT_NOP = 8,
};
/* Adds or updates a member; *newscore gets the score it has now (INCR). */
int t_zset_add(struct t_zset *z, const struct t_zset_lim *lim, const char *m, size_t n, double score, int in,
               double *newscore);
bool t_zset_del(struct t_zset *z, const char *m, size_t n);
/* 0-based rank from the lowest (rev: from the highest); false if absent. */
bool t_zset_rank(const struct t_zset *z, const char *m, size_t n, bool rev, size_t *rank, double *score);
/* Removes ranks [start, end] (lowest first; start <= end < len). */
void t_zset_del_range(struct t_zset *z, size_t start, size_t end);

/* How many elements, from the lowest, satisfy below(); below must be true
 * for a prefix of the order and false after it. */
typedef bool (*t_zset_below_fn)(double score, const char *m, size_t n, void *ud);
size_t t_zset_count_below(const struct t_zset *z, t_zset_below_fn below, void *ud);

/* Walks ranks from `rank` upwards (rev: downwards). The set must not change meanwhile. */
struct t_zset_it {
    const struct t_zset *z;
    bool rev;
    unsigned char *p;       /* listpack: the next member entry */
    struct ds_zidx_it zit;  /* skiplist */
};
void t_zset_it_init(struct t_zset_it *it, const struct t_zset *z, size_t rank, bool rev);
bool t_zset_it_next(struct t_zset_it *it, struct t_zset_el *el);

/* SCAN over a skiplist set's hash table (a listpack set returns everything
 * with cursor 0): calls cb per element of one bucket; returns the next cursor. */
uint64_t t_zset_scan(const struct t_zset *z, uint64_t cursor,
                     void (*cb)(void *ud, const char *m, size_t n, double score), void *ud);

/* Formats a score as Redis stores it in a listpack (integers without a
 * fraction, else %.17g; "inf", "-inf", "-0"). buf >= 128. */
size_t t_zset_score_str(char *buf, size_t size, double score);

/* ---- ranges (ZRANGEBYSCORE, ZRANGEBYLEX, ZCOUNT ...) ---- */

/* A score interval; "(" makes a bound exclusive. */
struct t_zset_srange {
    double min, max;
    bool minex, maxex;
};
/* Parses "1.5", "(1.5", "-inf", "+inf"; false = "ERR min or max is not a float". */
bool t_zset_parse_srange(const char *min, size_t minl, const char *max, size_t maxl, struct t_zset_srange *r);

/* A lex bound: "-" (kind -1), "+" (kind 1), "[m" or "(m" (kind 0). */
struct t_zset_lbound {
    int kind;
    bool ex;
    const char *s;
    size_t n;
};
struct t_zset_lrange {
    struct t_zset_lbound min, max;
};
/* false = "ERR min or max not valid string range item". */
bool t_zset_parse_lrange(const char *min, size_t minl, const char *max, size_t maxl, struct t_zset_lrange *r);

/* The ranks [*first, *end) of the elements inside the range (*end <= *first: none). */
void t_zset_srange_ranks(const struct t_zset *z, const struct t_zset_srange *r, size_t *first, size_t *end);
void t_zset_lrange_ranks(const struct t_zset *z, const struct t_zset_lrange *r, size_t *first, size_t *end);

/* ---- shared by cmd_zset.c and cmd_zset_store.c (defined in cmd_zset.c) ---- */

struct node_client;
struct node_ks_entry;
/* The zset at argv[argi]: 0 with *z set (NULL when absent), or -1 after
 * replying WRONGTYPE. read: count a keyspace hit/miss. */
int t_zset_cmd_lookup(struct node_client *c, int argi, bool read, struct node_ks_entry **e, struct t_zset **z);
struct t_zset_lim t_zset_cmd_lim(const struct node_client *c);
/* Replies a score as Redis 7.0 does (bulk %.17g, RESP3 double). */
void t_zset_cmd_reply_score(struct node_client *c, double score);
/* After removing elements from the zset at argv[argi]: deletes the key if
 * it became empty, then signals, notifies event (and "del"), marks dirty. */
void t_zset_cmd_after_remove(struct node_client *c, int argi, struct t_zset *z, const char *event, size_t removed);

#endif
