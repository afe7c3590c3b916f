/*
 * rdb.h — the RDB version 10 codec (Redis 7.0's snapshot format) and DUMP
 * payloads, as pure functions: no sockets, no files, no keyspace.
 * Facts: ../shared/spec/rdb.md.
 *
 * Owns: CRC-64 (Jones), LZF, the length/string/double primitives, record
 * framing (aux, select-db, resize-db, expire/idle/freq prefixes, EOF and
 * checksum), walking every value type Redis 7.0 writes or reads (so a value's
 * extent is known and it can be validated and iterated), the listpack and
 * intset builders shoal's own collections will write, DUMP payload framing.
 * Does not own what a value becomes in memory (node/persist.c maps records
 * to the keyspace) nor any I/O (writes go through a callback, reads are fed).
 */
#ifndef SHOAL_RDB_H
#define SHOAL_RDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RDB_VERSION 10
#define RDB_DUMP_FOOTER 10 /* 2-byte version + 8-byte CRC */

enum rdb_type {
    RDB_TYPE_STRING = 0,
    RDB_TYPE_LIST = 1,
    RDB_TYPE_SET = 2,
    RDB_TYPE_ZSET = 3,
    RDB_TYPE_HASH = 4,
    RDB_TYPE_ZSET_2 = 5,
    RDB_TYPE_MODULE = 6,
    RDB_TYPE_MODULE_2 = 7,
    RDB_TYPE_HASH_ZIPMAP = 9,
    RDB_TYPE_LIST_ZIPLIST = 10,
    RDB_TYPE_SET_INTSET = 11,
    RDB_TYPE_ZSET_ZIPLIST = 12,
    RDB_TYPE_HASH_ZIPLIST = 13,
    RDB_TYPE_LIST_QUICKLIST = 14,
    RDB_TYPE_STREAM_LISTPACKS = 15,
    RDB_TYPE_HASH_LISTPACK = 16,
    RDB_TYPE_ZSET_LISTPACK = 17,
    RDB_TYPE_LIST_QUICKLIST_2 = 18,
    RDB_TYPE_STREAM_LISTPACKS_2 = 19,
};

/* The user-visible type a type byte holds: "string", "list", "set", "zset",
 * "hash", "stream", "module", or NULL for a byte that is no type. */
const char *rdb_type_name(int type);

/* ---- CRC-64 and LZF ---- */

/* Incremental: rdb_crc64(rdb_crc64(0, a, n), b, m) == CRC of a||b. */
uint64_t rdb_crc64(uint64_t crc, const void *p, size_t n);
/* Compresses into out (at most outcap bytes); returns the compressed size, or
 * 0 when it does not fit (the caller then writes the string raw). */
size_t rdb_lzf_compress(const void *in, size_t inlen, void *out, size_t outcap);
/* Decompresses exactly outlen bytes; false on any malformed input or a size
 * other than outlen. */
bool rdb_lzf_decompress(const void *in, size_t inlen, void *out, size_t outlen);

/* ---- encoder ---- */

/* Receives encoded bytes; returns 0, or -1 to stop encoding (errno kept). */
typedef int (*rdb_write_fn)(void *ud, const void *buf, size_t len);

/* Encoded bytes are buffered and handed to write() in large pieces (or kept
 * in memory when write is NULL: DUMP payloads). The CRC covers every byte. */
struct rdb_enc {
    uint8_t *buf;
    size_t len, cap;
    uint64_t crc;       /* of everything handed to write() so far; after
                           rdb_enc_finish, the trailer's value */
    uint64_t total;     /* bytes encoded so far (the trailer included) */
    rdb_write_fn write; /* NULL: keep everything in buf */
    void *ud;
    bool compress;      /* rdbcompression: LZF for strings longer than 20 bytes */
    bool checksum;      /* rdbchecksum: no = write a zero trailer */
    int err;            /* sticky: set once a write failed; every call then returns -1 */
};

void rdb_enc_init(struct rdb_enc *e, rdb_write_fn write, void *ud, bool compress, bool checksum);
void rdb_enc_free(struct rdb_enc *e);

/* Every function returns 0, or -1 once a write failed. */
int rdb_enc_header(struct rdb_enc *e); /* "REDIS0010" */
int rdb_enc_aux(struct rdb_enc *e, const char *name, const void *val, size_t vlen);
int rdb_enc_aux_ll(struct rdb_enc *e, const char *name, long long v);
int rdb_enc_select_db(struct rdb_enc *e, uint64_t db);
int rdb_enc_resize_db(struct rdb_enc *e, uint64_t keys, uint64_t expires);
/* The optional prefixes of a key record: expire_ms -1 = none. */
int rdb_enc_expire_ms(struct rdb_enc *e, int64_t expire_ms);
int rdb_enc_type(struct rdb_enc *e, enum rdb_type type);
int rdb_enc_len(struct rdb_enc *e, uint64_t len);
/* A string with Redis's writer rules (INT8/16/32 for canonical integers,
 * LZF when enabled and worthwhile, else raw). */
int rdb_enc_str(struct rdb_enc *e, const void *s, size_t n);
/* An integer value's decimal text, in the smallest form. */
int rdb_enc_str_ll(struct rdb_enc *e, long long v);
int rdb_enc_double(struct rdb_enc *e, double v); /* 8 bytes LE (ZSET_2 scores) */
int rdb_enc_raw(struct rdb_enc *e, const void *p, size_t n);
/* A whole string key record: [expire] 0x00 key value. */
int rdb_enc_string_key(struct rdb_enc *e, const void *key, size_t klen, const void *val, size_t vlen,
                       int64_t expire_ms);
/* EOF opcode, CRC-64 trailer, and a final flush. */
int rdb_enc_finish(struct rdb_enc *e);
/* Hands buffered bytes to write(). */
int rdb_enc_flush(struct rdb_enc *e);
/* DUMP: after rdb_enc_type + the value body (write == NULL), appends the
 * version (10) and the CRC-64 of everything; the payload is e->buf[0..len). */
int rdb_enc_dump_footer(struct rdb_enc *e);

/* ---- listpack and intset builders (the compact encodings shoal writes) ---- */

struct rdb_lp {
    uint8_t *buf;
    size_t len, cap;
    uint32_t count;
};
void rdb_lp_init(struct rdb_lp *lp);
void rdb_lp_free(struct rdb_lp *lp);
/* Appends an element: canonical integers get integer entries, as Redis. */
void rdb_lp_append(struct rdb_lp *lp, const void *s, size_t n);
void rdb_lp_append_ll(struct rdb_lp *lp, long long v);
/* Terminates the listpack; lp->buf[0..len) is then the blob. */
void rdb_lp_finish(struct rdb_lp *lp);
/* An intset blob of n sorted, distinct values (minimal width); caller frees. */
uint8_t *rdb_intset_build(const int64_t *sorted, size_t n, size_t *len);

/* ---- values ---- */

/* Scratch memory decoded strings live in (grown on demand, reused). */
struct rdb_scratch {
    uint8_t *p;
    size_t cap;
};
void rdb_scratch_free(struct rdb_scratch *s);

/* One decoded value. Strings are bytes; collections are their encoded body,
 * walked with rdb_iter (body/body_len are set for strings too: the encoded
 * string). Decoder: valid during the key callback only. DUMP: body points
 * into the payload, str into the payload or the caller's scratch. */
struct rdb_value {
    int type;              /* the enum rdb_type byte as read */
    const uint8_t *str;    /* STRING: the value's bytes (integers as text) */
    size_t len;
    const uint8_t *body;   /* collections: the raw body after the type byte */
    size_t body_len;
};

/* One element of a collection. Integer-encoded elements are also given as
 * their decimal text in s/len. Zset members carry their score. */
struct rdb_elem {
    const uint8_t *s;
    size_t len;
    double score;          /* zset types only */
};

/* Walks a collection's elements in order: list elements; set members; hash
 * field, value, field, value...; zset members (each with .score). For every
 * encoding 7.0 reads (plain, ziplist, listpack, quicklist 1 and 2, intset,
 * zipmap, LZF-compressed nodes). An element's bytes are valid until the next
 * call, except that a hash field stays valid while its value is read (the
 * call after). Borrows v and its body. Does not re-validate what the decoder
 * validated, but never reads outside the body: bad bytes give -1. */
struct rdb_iter {
    const struct rdb_value *v;
    int64_t count;         /* elements (hash: fields AND values), -1 if unknown */
    /* private */
    const uint8_t *p, *end;      /* the body: hashtable elements, quicklist nodes */
    uint64_t nodes_left, items_left;
    const uint8_t *lp, *lp_end;  /* the current blob (listpack, ziplist, ...) */
    int node_kind;
    unsigned width;              /* intset: bytes per member */
    uint64_t index;              /* elements returned so far */
    struct rdb_scratch blob;     /* the current blob, when LZF-compressed */
    struct rdb_scratch elem[2];  /* decoded elements, alternating */
    char num[2][32];             /* integer elements as text, alternating */
};
/* 0, or -1 when the value is not a collection shoal can walk (streams, modules). */
int rdb_iter_init(struct rdb_iter *it, const struct rdb_value *v);
/* 1 = *out set, 0 = no more elements, -1 = corrupt. */
int rdb_iter_next(struct rdb_iter *it, struct rdb_elem *out);
void rdb_iter_free(struct rdb_iter *it);

/* ---- decoder: fed bytes, calls back per record ---- */

/* A key record. expire_ms -1 = none; idle_s / freq -1 when absent. */
struct rdb_key {
    uint64_t db;
    const uint8_t *key;
    size_t klen;
    int64_t expire_ms;
    int64_t idle_s;
    int freq;
    struct rdb_value val;
};

/* Callbacks return 0 to go on, or -1 to stop (after rdb_dec_fail). NULL
 * callbacks are skipped. */
struct rdb_dec_cb {
    int (*aux)(void *ud, const uint8_t *name, size_t nlen, const uint8_t *val, size_t vlen);
    int (*select_db)(void *ud, uint64_t db);
    int (*resize_db)(void *ud, uint64_t keys, uint64_t expires);
    int (*key)(void *ud, const struct rdb_key *k);
    /* A FUNCTION2 record (library source); NULL = refused as unsupported. */
    int (*function)(void *ud, const uint8_t *code, size_t len);
};

enum rdb_dec_status { RDB_DEC_MORE = 0, RDB_DEC_DONE = 1, RDB_DEC_ERROR = -1 };

enum rdb_dec_flags {
    RDB_DEC_NO_CHECKSUM = 1, /* rdbchecksum no: do not verify the trailer */
};

struct rdb_dec {
    const struct rdb_dec_cb *cb;
    void *ud;
    unsigned flags;
    enum rdb_dec_status status;
    int version;
    uint64_t crc;          /* of the bytes consumed so far */
    uint64_t consumed;     /* bytes consumed so far (the file offset) */
    uint64_t db;
    uint64_t keys;         /* key records seen */
    size_t need;           /* MORE: total bytes worth feeding next time (hint) */
    int64_t expire_ms, idle_s;
    int freq;
    int stage;
    /* private: where the walk of a partial record got to (at d->consumed) */
    uint64_t ck_at;
    size_t ck_loop, ck_off;
    uint64_t ck_idx;
    /* private: decoded strings (key, value, validation), reused per record */
    struct rdb_scratch key_sc, val_sc, tmp_sc;
    char err[256];
};

void rdb_dec_init(struct rdb_dec *d, const struct rdb_dec_cb *cb, void *ud, unsigned flags);
void rdb_dec_free(struct rdb_dec *d);
/*
 * Consumes as many whole records from buf[0..len) as it can and returns how
 * many bytes that was. The caller drops them and calls again with the rest
 * plus more input. d->status:
 *   MORE  feed again, starting with the unconsumed bytes unchanged (a big
 *         record's validation resumes where it stopped, so a 100 MB hash is
 *         walked once however it is chunked). d->need = the size the
 *         unconsumed rest must reach at least before the next call can make
 *         progress (never more than the record needs). Feeding less is
 *         correct, just useless. At the end of input the status stays MORE:
 *         the file was truncated.
 *   DONE  EOF and checksum consumed; bytes after them are not consumed.
 *   ERROR d->err says why, with Redis's texts where it has one: "Wrong RDB
 *         checksum expected: (<hex>) but got (<hex>). Aborting now.", "Wrong
 *         signature trying to load DB from file", "Can't handle RDB format
 *         version 11", "Unknown RDB value type 20", "Unsupported module type
 *         in RDB", "Unknown length encoding 130 in rdbLoadLen()", "Invalid
 *         LZF compressed string", "... integrity check failed", ...
 * A record is handed to the callbacks only once it is complete and its value
 * validated (structure, LZF, listpack/ziplist/intset contents, NaN scores).
 * Not checked: duplicate keys, members or fields (the loader builds them).
 */
size_t rdb_dec_feed(struct rdb_dec *d, const uint8_t *buf, size_t len);
/* Lets a callback stop decoding with a message (printf-style). */
void rdb_dec_fail(struct rdb_dec *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- DUMP / RESTORE payloads ---- */


enum rdb_dump_result {
    RDB_DUMP_OK = 0,
    RDB_DUMP_BAD_FOOTER = -1, /* "ERR DUMP payload version or checksum are wrong" */
    RDB_DUMP_BAD_DATA = -2,   /* "ERR Bad data format" */
};
/* Checks length >= 10, version <= 10 and the CRC (a zero CRC is not special
 * here), then validates the single value that must fill the body exactly
 * (as the decoder does). On OK sets *v (see struct rdb_value); s is reused
 * scratch the caller frees with rdb_scratch_free. */
enum rdb_dump_result rdb_dump_parse(const uint8_t *payload, size_t n, struct rdb_value *v, struct rdb_scratch *s);

#endif
