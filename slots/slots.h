/*
 * slots.h — hash slots: key -> slot hashing, the slot map, slot arguments of
 * the CLUSTER subcommands, and the redirect decision for a command.
 *
 * Owns: CRC16 and {hash tag} hashing (slots_crc16.c), the caller-owned map of
 * owner / migrating / importing for each of the 16384 slots (slots_map.c),
 * slot sets in the wire bitmap layout (slots_bitmap.c), the parsing and
 * all-or-nothing validation of slot arguments (slots_range.c), and the
 * serve / MOVED / ASK / CROSSSLOT / TRYAGAIN / CLUSTERDOWN decision
 * (slots_route.c). Does not own the node table (node indexes are the
 * caller's), cluster state computation, or any reply text: node/ formats
 * -MOVED, -ASK and every error from the enums returned here.
 *
 * PURE: depends on libc only. No I/O, no clock, no logging, no allocation;
 * every struct is owned by the caller. A node is an int32_t index into the
 * caller's node table; SLOTS_NODE_NONE (-1) means "no node".
 */
#ifndef SHOAL_SLOTS_H
#define SHOAL_SLOTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SLOTS_COUNT 16384
#define SLOTS_MASK (SLOTS_COUNT - 1)
/* Bytes of a slot bitmap (cluster bus `myslots`, UPDATE body). */
#define SLOTS_BITMAP_SIZE (SLOTS_COUNT / 8)
#define SLOTS_NODE_NONE (-1)
/* Range filter of slots_map_next_range(): any assigned owner. */
#define SLOTS_NODE_ANY (-2)

/* Hashing (slots_crc16.c). */

/* CRC-16/XMODEM (poly 0x1021, init 0, no reflection, xorout 0). */
uint16_t slots_crc16(const void *buf, size_t len);

/*
 * The hash slot of a key, in [0, 16384): CRC16 of the key, or of its hash tag,
 * masked to 14 bits. The tag is the bytes between the FIRST '{' and the first
 * '}' after it, used only when that span is non-empty: "{user1}.a" hashes
 * "user1", "{}x" and "a{b" hash the whole key, "{{a}}" hashes "{a".
 */
int slots_keyslot(const char *key, size_t len);

/* Slot sets (slots_bitmap.c). */

/* Slot s is bit (s & 7) of byte s >> 3: the cluster bus layout (LSB first). */
struct slots_bitmap {
    uint8_t bits[SLOTS_BITMAP_SIZE];
};

void slots_bitmap_zero(struct slots_bitmap *b);
bool slots_bitmap_has(const struct slots_bitmap *b, int slot);
void slots_bitmap_add(struct slots_bitmap *b, int slot);
void slots_bitmap_del(struct slots_bitmap *b, int slot);
int slots_bitmap_count(const struct slots_bitmap *b);
/* The first slot >= from in b, or -1. Iterate: for (s = next(b, 0); s >= 0; s = next(b, s + 1)). */
int slots_bitmap_next(const struct slots_bitmap *b, int from);

/* The slot map (slots_map.c). */

/*
 * Caller-owned (about 192 KiB). Every field is written only through the
 * functions below so open_count stays exact: it lets slots_route() skip the
 * migrating/importing arrays while no slot anywhere is open, so a routed
 * command on a stable cluster reads only owner[slot].
 */
struct slots_map {
    int32_t owner[SLOTS_COUNT];          /* node index, or SLOTS_NODE_NONE */
    int32_t migrating_to[SLOTS_COUNT];   /* SETSLOT MIGRATING target, or NONE */
    int32_t importing_from[SLOTS_COUNT]; /* SETSLOT IMPORTING source, or NONE */
    int32_t open_count;                  /* slots with migrating_to or importing_from set */
};

/* A maximal run of consecutive slots [start, end] with the same owner. */
struct slots_range {
    int start;
    int end;
    int32_t node;
};

/* Every slot unassigned and stable. */
void slots_map_init(struct slots_map *map);

/* Sets or clears one slot's owner (node >= 0). Migrating/importing state is
 * left alone: clearing it where Redis does (ADDSLOTS clears importing,
 * SETSLOT NODE ...) is the caller's decision. */
void slots_map_assign(struct slots_map *map, int slot, int32_t node);
void slots_map_unassign(struct slots_map *map, int slot);
/* SETSLOT MIGRATING / IMPORTING; SLOTS_NODE_NONE clears that side only. */
void slots_map_set_migrating(struct slots_map *map, int slot, int32_t node);
void slots_map_set_importing(struct slots_map *map, int slot, int32_t node);
/* SETSLOT STABLE: clears both migrating and importing. */
void slots_map_set_stable(struct slots_map *map, int slot);
/* CLUSTER RESET: every slot stable again (ownership untouched). */
void slots_map_clear_open(struct slots_map *map);

int32_t slots_map_owner(const struct slots_map *map, int slot);
int32_t slots_map_migrating_to(const struct slots_map *map, int slot);
int32_t slots_map_importing_from(const struct slots_map *map, int slot);
/* Migrating or importing. */
bool slots_map_is_open(const struct slots_map *map, int slot);

/* Slots owned by node (SLOTS_NODE_NONE counts the unassigned ones). */
int slots_map_count_node(const struct slots_map *map, int32_t node);
/* Slots with an owner (CLUSTER INFO cluster_slots_assigned). */
int slots_map_count_assigned(const struct slots_map *map);
/* Fills ret with node's slots (its `myslots` bitmap). */
void slots_map_node_bitmap(const struct slots_map *map, int32_t node, struct slots_bitmap *ret);

/* Unassigns every slot of node (FLUSHSLOTS). Returns how many. */
int slots_map_unassign_node(struct slots_map *map, int32_t node);
/* Gives every slot of from to to (a replica taking over its master's slots).
 * Returns how many. */
int slots_map_reassign_node(struct slots_map *map, int32_t from, int32_t to);
/* The node left the table (FORGET, or deleted after a failure): its slots
 * become unassigned and migrating/importing state naming it is cleared. */
void slots_map_forget_node(struct slots_map *map, int32_t node);
/* Rewrites every reference to from (owner, migrating, importing) into to, for
 * a caller that compacts its node table by moving an entry. */
void slots_map_renumber_node(struct slots_map *map, int32_t from, int32_t to);

/*
 * Iterates the maximal runs of consecutive slots, in slot order, whose owner
 * matches filter: a node index (that node's ranges, CLUSTER NODES/SHARDS),
 * SLOTS_NODE_ANY (every assigned run, each with its owner: CLUSTER SLOTS) or
 * SLOTS_NODE_NONE (the unassigned runs). *cursor starts at 0 and is advanced;
 * returns false, leaving ret untouched, when no run is left.
 */
bool slots_map_next_range(const struct slots_map *map, int32_t filter, int *cursor, struct slots_range *ret);

/* Invariant walker for asserts and tests: every index in [-1, node_count),
 * open_count exact. Returns 0, or -EINVAL at the first violation. O(16384). */
int slots_map_check(const struct slots_map *map, int32_t node_count);

/* Slot arguments (slots_range.c). */

/* Outcome of slot-argument validation. Each comment is the exact text node/
 * writes after "-ERR ", with the numbers from struct slots_arg_bad. */
enum slots_arg_err {
    SLOTS_ARG_OK = 0,
    SLOTS_ARG_BAD_SLOT,              /* "Invalid or out of range slot" */
    SLOTS_ARG_START_GT_END,          /* "start slot number <slot> is greater than end slot number <end_slot>" */
    SLOTS_ARG_BUSY,                  /* "Slot <slot> is already busy" */
    SLOTS_ARG_UNASSIGNED,            /* "Slot <slot> is already unassigned" */
    SLOTS_ARG_MULTIPLE,              /* "Slot <slot> specified multiple times" */
    SLOTS_ARG_ARITY,                 /* "wrong number of arguments for 'cluster|<sub>' command" */
    SLOTS_ARG_NOT_INTEGER,           /* "value is not an integer or out of range" */
    SLOTS_ARG_INVALID_SLOT,          /* "Invalid slot" (COUNTKEYSINSLOT) */
    SLOTS_ARG_INVALID_SLOT_OR_COUNT, /* "Invalid slot or number of keys" (GETKEYSINSLOT) */
};

/* The offending numbers of an error; fields not named by the error are -1. */
struct slots_arg_bad {
    int slot;
    int end_slot;
};

/* A slot argument as CLUSTER ADDSLOTS/DELSLOTS/SETSLOT take it: a strict
 * decimal integer (optional '-', no '+', no spaces, no leading zeros, no
 * "-0") in [0, 16384). Returns 0, or -EINVAL for "Invalid or out of range
 * slot"; *ret_slot is written only on success. */
int slots_parse_slot(const char *s, size_t len, int *ret_slot);

/*
 * Validates the slot arguments of ADDSLOTS/DELSLOTS (ranges false: each
 * argument is a slot) or ADDSLOTSRANGE/DELSLOTSRANGE (ranges true: pairs of
 * start end) against map, all-or-nothing, in redis-server 7.0.15's order:
 *   ADDSLOTS/DELSLOTS: every argument must parse (else BAD_SLOT) before any
 *     slot is checked; then slot by slot in argument order:
 *   each slot: for add, an assigned slot -> BUSY; for del, an unassigned slot
 *     -> UNASSIGNED; then a slot named earlier -> MULTIPLE.
 *   RANGE forms: pair by pair, parse start and end (BAD_SLOT), start > end ->
 *     START_GT_END, then check that pair's slots as above, so "1 6 10 5" with
 *     slot 5 busy is BUSY 5, not START_GT_END.
 * argv/argl are the slot arguments only (after the subcommand); argc == 0, or
 * odd with ranges, is ARITY. set is scratch: on SLOTS_ARG_OK it holds exactly
 * the named slots, which the caller then assigns/unassigns; otherwise its
 * contents are unspecified and nothing may be applied. bad is written on error.
 */
enum slots_arg_err slots_args_validate(const struct slots_map *map, bool del, bool ranges, int argc,
                                       const char *const *argv, const size_t *argl, struct slots_bitmap *set,
                                       struct slots_arg_bad *bad);

/* CLUSTER COUNTKEYSINSLOT slot: NOT_INTEGER, then INVALID_SLOT when outside
 * [0, 16384). *ret_slot written only on success. */
enum slots_arg_err slots_parse_countkeys(const char *s, size_t len, int *ret_slot);

/* CLUSTER GETKEYSINSLOT slot count: both parsed first (NOT_INTEGER), then
 * INVALID_SLOT_OR_COUNT when the slot is out of range or count < 0. The ret_
 * values are written only on success. */
enum slots_arg_err slots_parse_getkeys(const char *slot_s, size_t slot_len, const char *count_s, size_t count_len,
                                       int *ret_slot, long long *ret_count);

/* The redirect decision (slots_route.c). */

/*
 * BACKGROUND
 * A cluster node serves only the keys of its slots. Before running a command
 * with keys (or EXEC), redis-server 7.0.15 decides in getNodeByQuery() whether
 * to serve it or answer with a redirect or an error; node/ turns our enum into
 * the reply (cluster-bus spec §24.3):
 *   SLOTS_MOVED               -MOVED <slot> <endpoint of out->node>:<port>
 *   SLOTS_ASK                 -ASK <slot> <endpoint of out->node>:<port>
 *   SLOTS_CROSSSLOT           -CROSSSLOT Keys in request don't hash to the same slot
 *   SLOTS_TRYAGAIN            -TRYAGAIN Multiple keys request during rehashing of slot
 *   SLOTS_DOWN_UNBOUND        -CLUSTERDOWN Hash slot not served
 *   SLOTS_DOWN_STATE          -CLUSTERDOWN The cluster is down
 *   SLOTS_DOWN_READONLY_STATE -CLUSTERDOWN The cluster is down and only accepts read commands
 * Routing is skipped (node/ does not call us) for the replication link from
 * my master, the AOF loader, and commands without key arguments other than
 * EXEC. EXEC outside MULTI, and every command whose key list is empty, is
 * SLOTS_SERVE.
 *
 * BEHAVIOR (in this order; "owner" is the owner of the first key's slot)
 *  1. Keys in order. First key: unassigned slot -> DOWN_UNBOUND at once (even
 *     if the cluster is down or later keys hash elsewhere). If owner is myself
 *     and the slot is migrating, the request is "migrating"; else if the slot
 *     is importing here, "importing". Later keys: another slot -> CROSSSLOT at
 *     once; the same slot but bytes different from the FIRST key -> "multiple
 *     keys" (MSET a 1 a 2 is not). While migrating/importing (and not shard
 *     pub/sub), each key is counted as present or missing via key_exists
 *     (which is called ONLY then: a stable slot costs one CRC16 and one read).
 *  2. No keys -> SERVE.
 *  3. Cluster state fail: shard pub/sub -> DOWN_STATE unless
 *     allow_pubsubshard_when_down; other commands -> DOWN_STATE unless
 *     allow_reads_when_down, else a write -> DOWN_READONLY_STATE, a read goes
 *     on. For EXEC only EXEC's own flags count here, and EXEC is not a write,
 *     so is_write is ignored when is_exec (7.0.15 quirk, kept: a write queued
 *     while the state was ok runs if EXEC comes after the state failed).
 *  4. MIGRATE on a migrating or importing slot -> SERVE.
 *  5. Migrating and some key missing: some key present -> TRYAGAIN, else
 *     ASK to migrating_to[slot].
 *  6. Importing and (client_asking or cmd_asking): multiple keys with some
 *     missing -> TRYAGAIN, else SERVE.
 *  7. (client_readonly or shard pub/sub), not a write (for EXEC: no queued
 *     write), I am a replica and owner is my master -> SERVE.
 *  8. Owner is not myself -> MOVED to owner; else SERVE.
 * out->slot is the first key's slot (-1 without keys); out->node is the
 * redirect target for MOVED/ASK, myself for SERVE, SLOTS_NODE_NONE otherwise.
 */
enum slots_route {
    SLOTS_SERVE = 0,
    SLOTS_MOVED,
    SLOTS_ASK,
    SLOTS_CROSSSLOT,
    SLOTS_TRYAGAIN,
    SLOTS_DOWN_UNBOUND,
    SLOTS_DOWN_STATE,
    SLOTS_DOWN_READONLY_STATE,
};

/* Does key exist in db 0 right now? A logically expired key must count as
 * missing. Must not touch LRU/stats nor delete anything the caller holds. */
typedef bool slots_key_exists_cb(void *ud, const char *key, size_t len);

/* Borrowed by slots_route() for the duration of the call. */
struct slots_route_req {
    const struct slots_map *map;
    int32_t myself;
    int32_t my_master;                /* SLOTS_NODE_NONE when I am a master */
    bool cluster_ok;                  /* cluster state ok (spec §19) */
    bool allow_reads_when_down;       /* cluster-allow-reads-when-down */
    bool allow_pubsubshard_when_down; /* cluster-allow-pubsubshard-when-down */
    bool is_write;                    /* the command writes; for EXEC: some queued command writes */
    bool is_exec;                     /* EXEC inside MULTI: keys are all queued commands' keys */
    bool is_migrate;                  /* MIGRATE */
    bool is_pubsubshard;              /* SSUBSCRIBE/SUNSUBSCRIBE/SPUBLISH: keys are channels */
    bool cmd_asking;                  /* the command has the ASKING flag (RESTORE-ASKING; never EXEC) */
    bool client_asking;               /* the client's one-shot ASKING flag is set */
    bool client_readonly;             /* the client sent READONLY */
    const char *const *keys;          /* key_count keys (slots_route() only) */
    const size_t *key_lens;
    int key_count;
    slots_key_exists_cb *key_exists; /* needed only if a slot may be open */
    void *key_exists_ud;
};

struct slots_route_out {
    int slot;
    int32_t node;
};

/* The decision for req->keys (see BEHAVIOR). out is always written. */
enum slots_route slots_route(const struct slots_route_req *req, struct slots_route_out *out);

/*
 * The same decision fed one key at a time, for callers whose keys are not in
 * one array (EXEC walks each queued command's key positions): init, then
 * slots_route_scan_key() per key while it returns true (false: the verdict is
 * already known, stop feeding), then slots_route_finish(). req->keys is not
 * read; req is borrowed until finish.
 */
struct slots_route_scan {
    const struct slots_route_req *req;
    const char *first_key;
    size_t first_len;
    size_t missing_count;
    size_t present_count;
    int slot;
    int32_t owner;
    enum slots_route early; /* CROSSSLOT or DOWN_UNBOUND once decided */
    bool decided;
    bool migrating;
    bool importing;
    bool multiple_keys;
};

void slots_route_scan_init(struct slots_route_scan *scan, const struct slots_route_req *req);
bool slots_route_scan_key(struct slots_route_scan *scan, const char *key, size_t len);
enum slots_route slots_route_finish(const struct slots_route_scan *scan, struct slots_route_out *out);

#endif
