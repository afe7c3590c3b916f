/*
 * rdb_int.h — internals shared by the rdb_*.c files (not part of the contract
 * in rdb.h): the bounded reader every parser uses, the value walker, and the
 * readers of the packed blobs (listpack, ziplist, intset, zipmap).
 *
 * Every reader works on [p, end) and reports one of three outcomes: OK,
 * SHORT (the bytes ran out: an incremental caller feeds more; a caller that
 * holds the whole input treats it as corruption) or BAD (the bytes can never
 * become valid). Nothing here allocates except through struct rdb_scratch,
 * whose size is checked against RDB__STR_LEN_MAX first.
 */
#ifndef SHOAL_RDB_INT_H
#define SHOAL_RDB_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "replication/rdb.h"

/* Largest string (decoded) we accept from a peer: Redis's proto-max-bulk-len
 * default; a PLAIN quicklist node may be larger in Redis, not in shoal. */
#define RDB__STR_LEN_MAX ((uint64_t)512 * 1024 * 1024)
/* LZF emits at most 264 bytes from a 3-byte back-reference: any announced
 * expansion above this ratio is a lie, refused before allocating. */
#define RDB__LZF_RATIO_MAX 88
/* Text scores of type 3 zsets have a one-byte length. */
#define RDB__TEXT_SCORE_MAX 255
/* Largest decimal text of an int64, with sign and NUL. */
#define RDB__LLSTR_SIZE 24

enum { RDB__OK = 0, RDB__SHORT = 1, RDB__BAD = -1 };

#define RDB__TRY(x)          \
    do {                     \
        int rc_ = (x);       \
        if (rc_ != RDB__OK)  \
            return rc_;      \
    } while (0)

struct rdb_rd {
    const uint8_t *base;  /* start of the record: need is counted from here */
    const uint8_t *p, *end;
    size_t need;          /* SHORT: bytes from base the record needs at least */
    bool in_collection;   /* SHORT happened while walking many elements */
    /* Resumable collection loops (the decoder's partial records): ck is a
     * checkpoint left by an earlier call over the same bytes (loop = offset
     * of the loop's first element, 0 = none), prog the one this walk left:
     * elements before idx were validated and end at off. */
    size_t ck_loop, ck_off;
    uint64_t ck_idx;
    size_t prog_loop, prog_off;
    uint64_t prog_idx;
    const char *err;      /* BAD: why (static text or errbuf) */
    char errbuf[96];
};

/* A string as read: points into the input or into a scratch. */
struct rdb__str {
    const uint8_t *s;
    size_t len;
};

void rdb__rd_init(struct rdb_rd *r, const uint8_t *p, size_t n);
int rdb__bad(struct rdb_rd *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int rdb__rd_need(struct rdb_rd *r, size_t n);
int rdb__rd_u8(struct rdb_rd *r, uint8_t *out);
int rdb__rd_raw(struct rdb_rd *r, size_t n, const uint8_t **out);
/* A length (§4); special encodings are refused. */
int rdb__rd_len(struct rdb_rd *r, uint64_t *out);
/* A string (§5) decoded: integers as text and LZF output in sc. */
int rdb__rd_str(struct rdb_rd *r, struct rdb_scratch *sc, struct rdb__str *out);
/* A type-3 zset text score (§6). */
int rdb__rd_text_score(struct rdb_rd *r, double *out);
int rdb__rd_double(struct rdb_rd *r, double *out);

/* Is type a value type this codec knows (0..7, 9..19)? */
bool rdb__is_value_type(int type);
/* Walks (and validates) one value body of the given type. STRING values are
 * decoded into *str (using sc); collections are validated using tmp. */
int rdb__walk_value(struct rdb_rd *r, int type, struct rdb_scratch *sc, struct rdb_scratch *tmp,
                    struct rdb__str *str);

uint8_t *rdb__scratch_reserve(struct rdb_scratch *s, size_t n);
/* Decimal text of v into buf (>= RDB__LLSTR_SIZE); returns its length. */
size_t rdb__ll2str(char *buf, long long v);
/* Is s[0..n) the canonical decimal text of an int64 (no '+', no leading
 * zeros, no "-0")? Sets *v when it is. */
bool rdb__str2ll(const void *s, size_t n, long long *v);

/* ---- packed blobs ---- */

/* One element read from a blob: integers come as value (is_int). */
struct rdb__ent {
    const uint8_t *s;
    size_t len;
    long long ll;
    bool is_int;
};

/* Full validation (§9.4): header, every entry inside the blob with a matching
 * backlen, the terminator exactly at the end, the count. */
int rdb__lp_validate(const uint8_t *lp, size_t n, uint64_t *count);
/* The *_next readers read the entry at *p and move *p past it: 1, 0 at the
 * terminator, -1 on a malformed or out-of-bounds entry (validated blobs
 * have none). */
int rdb__lp_next(const uint8_t **p, const uint8_t *end, struct rdb__ent *e);
int rdb__zl_validate(const uint8_t *zl, size_t n, uint64_t *count);
int rdb__zl_next(const uint8_t **p, const uint8_t *end, struct rdb__ent *e);
int rdb__intset_validate(const uint8_t *is, size_t n, uint64_t *count);
int64_t rdb__intset_get(const uint8_t *is, uint64_t index);
int rdb__zipmap_validate(const uint8_t *zm, size_t n, uint64_t *pairs);
/* Reads one zipmap string (key or value, skipping a value's free bytes). */
int rdb__zipmap_next(const uint8_t **p, const uint8_t *end, bool is_value, struct rdb__ent *e);
/* A zset score held by a blob entry: integer, or text strtod accepts. */
bool rdb__ent_score(const struct rdb__ent *e, double *out);

#endif
