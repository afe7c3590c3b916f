/*
 * ks.h — the keyspace: every key of the (single) database, its value and TTL.
 *
 * Owns: the per-key entry layout and its compact encodings, the hash tables
 * (one per dict; one dict in standalone mode, later one per hash slot in
 * cluster mode so a slot can be counted, listed and emptied without a scan),
 * lazy and active expiry, SCAN, random keys, each key's access data
 * (LRU time / LFU counter) and eviction sampling. Does not own command semantics
 * (node/cmd_*.c) nor the protocol.
 *
 * MEMORY LAYOUT (the design goal is <= 72 bytes per 16-byte key + 16-byte
 * value, Redis 7.0 needs ~120): each key is ONE allocation holding the chain
 * link, a small header, the optional TTL, the key bytes and the value bytes;
 * the table itself is an array of pointers. See ks_int.h for the table.
 *
 * LIFETIME: a struct node_ks_entry pointer is borrowed. Entries never move
 * when the tables are rehashed, so a pointer stays valid until that entry is
 * deleted, overwritten (set_str/set_int/set_ptr of its key), moved by a
 * function taking `struct node_ks_entry **` (which updates it), or flushed.
 * Lookups of OTHER keys may delete those keys if expired, and active expiry
 * and node_ks_random may delete any expired key: to be safe, treat every
 * call that may write as ending the borrow, except lookups of other keys
 * (RENAME and COPY may hold the source while looking up the destination).
 *
 * TIME: the keyspace does not read the wall clock. The server calls
 * node_ks_set_now() once per command (as Redis caches the time per command),
 * so a command and a whole MULTI/EXEC see one consistent "now". Only
 * node_ks_active_expire reads the monotonic clock, for its deadline.
 */
#ifndef SHOAL_NODE_KS_H
#define SHOAL_NODE_KS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum node_ks_type {
    NODE_KS_STRING = 0,
    NODE_KS_LIST = 1,
    NODE_KS_SET = 2,
    NODE_KS_ZSET = 3,
    NODE_KS_HASH = 4,
};

/* Strings up to this length are reported as "embstr", as Redis does (OBJECT ENCODING). */
#define NODE_KS_EMBSTR_MAX 44
/* Room needed to print an int64 value. */
#define NODE_KS_INTBUF 24
/* Longest key or string value the layout can hold. */
#define NODE_KS_LEN_MAX UINT32_MAX

struct node_ks_entry;
struct node_ks;

/* Owned values of the non-string types: freed with free_fn, duplicated
 * (COPY) with dup_fn. */
typedef void (*node_ks_free_cb)(void *ptr);
typedef void *(*node_ks_dup_cb)(const void *ptr);
/* The dict (hash slot in cluster mode) of a key; must be < ndicts. */
typedef unsigned (*node_ks_dict_index_cb)(const char *key, size_t klen);

struct node_ks_stats {
    uint64_t expired_keys;    /* removed because their TTL passed (lazy + active) */
    uint64_t keyspace_hits;   /* lookups with NODE_KS_READ that found a key */
    uint64_t keyspace_misses; /* ... that did not */
    uint64_t expire_cycle_cpu_us;
};

/* How TTLs act (replication: a replica never expires keys by itself, it
 * waits for its master's DEL; spec replication.md §5.1). */
enum node_ks_expire_mode {
    NODE_KS_EXPIRE_DELETE = 0, /* a master: expired keys are absent and removed when met */
    NODE_KS_EXPIRE_HIDE = 1,   /* a replica serving clients: absent, but kept */
    NODE_KS_EXPIRE_NONE = 2,   /* applying the master's stream: every stored key is live */
};
/* Told the name of every key removed because it expired (before removal):
 * the server propagates DEL. */
typedef void (*node_ks_expired_cb)(void *ud, const char *key, size_t klen);

/* What an entry's 24 access bits track (Redis's robj lru field): with an
 * LFU maxmemory policy a logarithmic access counter, otherwise the time of
 * the last access. Switching modes reinterprets the bits, as in Redis. */
enum node_ks_access {
    NODE_KS_ACCESS_LRU = 0,
    NODE_KS_ACCESS_LFU = 1,
};
/* Redis's LFU_INIT_VAL: a new key's counter, so it is not evicted at once. */
#define NODE_KS_LFU_INIT 5

/* ndicts: 1 in standalone mode (cluster mode passes 16384 later). */
struct node_ks *node_ks_new(unsigned ndicts);
void node_ks_free(struct node_ks *ks);
/* Sets the key -> dict function (cluster mode passes the slot hash). Only
 * while the keyspace is empty; without one every key goes to dict 0. */
void node_ks_set_dict_index(struct node_ks *ks, node_ks_dict_index_cb fn);
/* Registers how values of a non-string type are freed and copied. */
void node_ks_set_type_ops(struct node_ks *ks, enum node_ks_type type, node_ks_free_cb free_fn,
                          node_ks_dup_cb dup_fn);

void node_ks_set_now(struct node_ks *ks, int64_t now_ms);
void node_ks_set_expire_mode(struct node_ks *ks, enum node_ks_expire_mode mode);
enum node_ks_expire_mode node_ks_expire_mode(const struct node_ks *ks);
void node_ks_set_expired_hook(struct node_ks *ks, node_ks_expired_cb cb, void *ud);
int64_t node_ks_now(const struct node_ks *ks);
const struct node_ks_stats *node_ks_stats(const struct node_ks *ks);
void node_ks_reset_stats(struct node_ks *ks);

/* lfu-log-factor and lfu-decay-time (minutes) apply in LFU mode. */
void node_ks_set_access_mode(struct node_ks *ks, enum node_ks_access mode, int lfu_log_factor, int lfu_decay_min);
/* While a forked child (snapshot) runs, lookups do not touch entries: a read
 * would otherwise copy the page holding the entry (Redis: no LRU/LFU update
 * while hasActiveChildProcess()). */
void node_ks_set_touch_paused(struct node_ks *ks, bool paused);

/* Keys stored, including expired ones not yet reclaimed (as Redis's DBSIZE). */
size_t node_ks_size(const struct node_ks *ks);
/* Keys stored in one dict (CLUSTER COUNTKEYSINSLOT later). */
size_t node_ks_dict_size(const struct node_ks *ks, unsigned dict_index);
/* Keys that have a TTL. */
size_t node_ks_expires_size(const struct node_ks *ks);
/* Average TTL in ms of the keys sampled by the last expire cycles (INFO keyspace avg_ttl). */
int64_t node_ks_avg_ttl(const struct node_ks *ks);

/* ---- lookup ---- */
enum node_ks_find_flags {
    NODE_KS_READ = 1,    /* count a keyspace hit or miss */
    NODE_KS_NOEXPIRE = 2, /* do not delete the key if it is expired; still report absent */
    NODE_KS_NOTOUCH = 4,  /* leave the access time/counter alone (Redis's LOOKUP_NOTOUCH:
                             OBJECT, TYPE, TTL, EXISTS ...) */
};
/* The live entry for key, or NULL. An expired key is deleted here (lazy expiry)
 * unless NODE_KS_NOEXPIRE, and NULL returned. A found key's access data is
 * updated (LRU: now; LFU: counter decayed then incremented) unless
 * NODE_KS_NOTOUCH, as Redis's lookupKey. */
struct node_ks_entry *node_ks_find(struct node_ks *ks, const char *key, size_t klen, unsigned flags);

/* ---- entry accessors (borrowed entry) ---- */
enum node_ks_type node_ks_entry_type(const struct node_ks_entry *e);
const char *node_ks_entry_key(const struct node_ks_entry *e, size_t *klen);
/* Absolute expiry in unix ms, or -1 without TTL. */
int64_t node_ks_entry_expire(const struct node_ks_entry *e);
/* "int", "embstr" or "raw" for strings (Redis's names): "int" for integer
 * values, "raw" once APPEND/SETRANGE edited the value (node_ks_str_resize)
 * or when it is longer than NODE_KS_EMBSTR_MAX, else "embstr". Other types
 * report "unknown": their owning module knows their encoding. */
const char *node_ks_entry_encoding(const struct node_ks_entry *e);

/* The string value's bytes. For an integer-encoded value the decimal text is
 * written into buf (>= NODE_KS_INTBUF bytes) and buf returned. */
const char *node_ks_str_get(const struct node_ks_entry *e, char *buf, size_t *len);
/* True and *v set if the value is stored as an integer. */
bool node_ks_str_get_int(const struct node_ks_entry *e, int64_t *v);
size_t node_ks_str_len(const struct node_ks_entry *e);
/* The owned value of a non-string entry. */
void *node_ks_entry_ptr(const struct node_ks_entry *e);

/* ---- access data (OBJECT IDLETIME/FREQ, eviction, RDB IDLE/FREQ) ---- */
/* Marks e accessed now, as a lookup without NODE_KS_NOTOUCH does. */
void node_ks_touch(struct node_ks *ks, struct node_ks_entry *e);
/* Milliseconds since the last access (LRU mode; 1 s resolution as Redis). */
uint64_t node_ks_entry_idle_ms(const struct node_ks *ks, const struct node_ks_entry *e);
/* The LFU counter after decay, 0..255 (LFU mode), without changing e. */
unsigned node_ks_entry_freq(const struct node_ks *ks, const struct node_ks_entry *e);
/* RESTORE IDLETIME / RDB IDLE: the last access was idle_s seconds ago
 * (ignored in LFU mode). RESTORE FREQ / RDB FREQ: the counter is freq
 * (ignored in LRU mode). As Redis's objectSetLRUOrLFU. */
void node_ks_entry_set_idle(struct node_ks *ks, struct node_ks_entry *e, int64_t idle_s);
void node_ks_entry_set_freq(struct node_ks *ks, struct node_ks_entry *e, unsigned freq);
/* The raw 24 bits (tests; kept across relayout and rename). */
uint32_t node_ks_entry_access(const struct node_ks_entry *e);

/* ---- writes ---- */
enum node_ks_set_flags {
    NODE_KS_KEEPTTL = 1, /* keep an existing key's TTL (expire_ms must be -1) */
};
/* Creates key or replaces its value (whatever its type) with a string. The
 * value is stored integer-encoded when it is the canonical decimal form of an
 * int64 ("12", not "012" or "+1"). expire_ms: absolute unix ms, or -1 for no
 * TTL (an existing TTL is cleared unless NODE_KS_KEEPTTL). Returns the entry.
 * An existing expired key is deleted first (counted in expired_keys), so
 * KEEPTTL has nothing to keep then. val must not point into the keyspace
 * (the old value of key may be freed before val is read). */
struct node_ks_entry *node_ks_set_str(struct node_ks *ks, const char *key, size_t klen, const char *val,
                                      size_t vlen, int64_t expire_ms, unsigned flags);
/* Same with an integer value (INCR and friends); keeps the TTL when flags has NODE_KS_KEEPTTL. */
struct node_ks_entry *node_ks_set_int(struct node_ks *ks, const char *key, size_t klen, int64_t v,
                                      int64_t expire_ms, unsigned flags);
/* Creates key or replaces its value with a value of a non-string type;
 * takes ownership of ptr (freed with the type's free_fn). */
struct node_ks_entry *node_ks_set_ptr(struct node_ks *ks, const char *key, size_t klen, enum node_ks_type type,
                                      void *ptr, int64_t expire_ms, unsigned flags);
/* Resizes the string value of *e to newlen bytes (content kept, new bytes
 * zeroed; an integer value is first turned into its text) and returns a
 * writable pointer to the value bytes. Keeps the TTL. For APPEND/SETRANGE. */
char *node_ks_str_resize(struct node_ks *ks, struct node_ks_entry **e, size_t newlen);

/* Removes key. True if it existed (an expired-but-present key counts as absent
 * and is removed as expired). */
bool node_ks_delete(struct node_ks *ks, const char *key, size_t klen);
/* Removes an entry found by node_ks_find. */
void node_ks_delete_entry(struct node_ks *ks, struct node_ks_entry *e);
/* Sets (when_ms >= 0) or clears (when_ms == -1) the TTL of *e. May move *e.
 * A key is expired once now_ms > when_ms (as Redis); deleting keys whose
 * new time is already past is the command's business. */
void node_ks_set_expire(struct node_ks *ks, struct node_ks_entry **e, int64_t when_ms);
/* Moves *e to the name newkey, keeping value, encoding and TTL. newkey must
 * not be stored at all, not even expired (look it up without NOEXPIRE or
 * delete it first); asserted. */
void node_ks_rename(struct node_ks *ks, struct node_ks_entry **e, const char *newkey, size_t newklen);
/* Duplicates src under newkey (which must not be stored, as for rename),
 * keeping the encoding and TTL; other types are copied with their dup_fn.
 * src stays valid. Returns the copy. */
struct node_ks_entry *node_ks_copy(struct node_ks *ks, const struct node_ks_entry *src, const char *newkey,
                                   size_t newklen);
/* Removes every key; returns how many there were. */
size_t node_ks_flush(struct node_ks *ks);

/* ---- iteration ---- */
typedef void (*node_ks_scan_cb)(void *ud, const struct node_ks_entry *e);
/* One SCAN step over `count` buckets (at least one). Returns the next cursor
 * (0 when done). Guarantees as Redis's SCAN: every key present for the whole
 * scan is returned at least once, even across table growth, shrinking and
 * rehashing; keys may repeat. Expired keys are passed too (the caller
 * filters; lookups expire them). cb must not call into the keyspace.
 * Redis's SCAN stops once COUNT keys were collected or 10*COUNT buckets
 * visited: call this with count 1 in a loop to reproduce that exactly.
 * With several dicts the low cursor bits hold the dict index. */
uint64_t node_ks_scan(struct node_ks *ks, uint64_t cursor, size_t count, node_ks_scan_cb cb, void *ud);
/* SCAN over one dict only (one hash slot in cluster mode); same guarantees,
 * the cursor holds no dict bits. For CLUSTER GETKEYSINSLOT and migration. */
uint64_t node_ks_dict_scan(struct node_ks *ks, unsigned dict_index, uint64_t cursor, size_t count, node_ks_scan_cb cb,
                           void *ud);
/* Removes every key of one dict (a slot that left this node); returns how
 * many. Costs the dict's size, not the keyspace's. */
size_t node_ks_dict_flush(struct node_ks *ks, unsigned dict_index);
/* Eviction sampling: up to n random entries (repeats possible; expired
 * ones included) written to out; returns how many. volatile_only draws from
 * the keys with a TTL. O(n log ndicts) whatever the number of empty dicts;
 * never deletes anything. The entries are valid until the next write. */
size_t node_ks_sample(struct node_ks *ks, bool volatile_only, struct node_ks_entry **out, size_t n);
/* A uniformly-ish random live key, or NULL when empty. May expire keys it meets. */
struct node_ks_entry *node_ks_random(struct node_ks *ks);

/* ---- background work, called from the server's timers ---- */
/* Does up to `steps` buckets of incremental rehashing and shrinks tables that
 * became sparse. Returns true if rehashing is still in progress. */
bool node_ks_rehash_step(struct node_ks *ks, unsigned steps);
/* Active expiry: samples keys with a TTL (20 per round), deletes the expired
 * ones, and repeats while more than a quarter of a sample was expired and
 * mono_deadline_us (core_mono_us() clock) is not reached. Returns keys removed. */
size_t node_ks_active_expire(struct node_ks *ks, int64_t mono_deadline_us);

/* Invariant walker for tests and debug asserts: 0 if consistent. */
int node_ks_check(const struct node_ks *ks);

#endif
