/*
 * ks.c — the keyspace API: entries (building, the string and integer
 * encodings, relayout when a value or TTL changes), per-key access data
 * (Redis's 24-bit LRU clock or LFU counter, updated by lookups; the
 * eviction policy itself is node/evict.c), lookups with lazy expiry,
 * writes, rename/copy, random keys, flush and the invariant checker.
 *
 * The entry layout is drawn in ks_int.h. Hash tables, SCAN and resizing are
 * ks_dict.c; the expire vector and active expiry are ks_expire.c.
 *
 * RELAYOUT: an entry is one allocation, so changing its value size, its TTL
 * presence or its length width produces a new block. When only the value
 * size changes, core_realloc keeps the block in place within its size class;
 * otherwise a new block is built and the old freed. Either way the bucket
 * link and the expire-vector slot that point at it are updated here.
 */
#include "node/ks_int.h"

#include <assert.h>
#include <sys/random.h>
#include <unistd.h>

/* Dicts a keyspace may have: one per cluster hash slot at most. */
#define KS_NDICTS_MAX 16384u
/* Expired keys a replica's RANDOMKEY skips before returning one anyway. */
#define RANDOM_HIDE_TRIES 100u
/* find_live: the caller writes the key, so an expired one must go even on a replica. */
#define KS_FIND_WRITE 0x100u

static_assert(KS_ENTRY_HEAD == offsetof(struct node_ks_entry, body), "entry head is next + hdr + access");

/* Redis's LRU clock: seconds, wrapping at 24 bits; LFU time: minutes, 16 bits. */
#define LRU_CLOCK_MAX 0xffffffu
#define LFU_MINUTES_MAX 0xffffu
#define LFU_COUNTER_MAX 255u
static_assert(NODE_KS_HASH <= KS_HDR_TYPE_MASK, "types fit in 4 bits");
static_assert(NODE_KS_INTBUF >= CORE_I64_TEXT, "int64 text fits");

/* ---- entry building ---- */

/* A value to store: hdr carries the type and the INT/RAW bits. */
struct ks_val {
    uint8_t hdr;
    const void *bytes;
    size_t len;
};

static uint8_t with_width(uint8_t hdr, size_t klen, size_t vlen)
{
    hdr &= (uint8_t)~KS_HDR_WIDE;
    if (klen > KS_NARROW_LEN_MAX || vlen > KS_NARROW_LEN_MAX)
        hdr |= KS_HDR_WIDE;
    return hdr;
}

static size_t entry_size(uint8_t hdr, size_t klen, size_t vlen)
{
    return ks_ent_fixed(hdr) + ((hdr & KS_HDR_TTL) ? KS_TTL_BLOCK : 0u) + klen + vlen;
}

static bool same_layout(uint8_t a, uint8_t b)
{
    return ((a ^ b) & (KS_HDR_TTL | KS_HDR_WIDE)) == 0;
}

static void write_lens(struct node_ks_entry *e, size_t klen, size_t vlen)
{
    if (!(e->hdr & KS_HDR_WIDE)) {
        e->body[0] = (unsigned char)klen;
        e->body[1] = (unsigned char)vlen;
        return;
    }
    uint32_t k = (uint32_t)klen, v = (uint32_t)vlen;
    memcpy(e->body, &k, 4);
    memcpy(e->body + 4, &v, 4);
}

static void write_when(struct node_ks_entry *e, int64_t when)
{
    memcpy(ks_ent_ttl(e), &when, 8);
}

/* A new block with hdr (width already applied), lengths and key written;
 * the TTL block and the value are the caller's to fill. */
static struct node_ks_entry *entry_alloc(uint8_t hdr, const void *key, size_t klen, size_t vlen)
{
    core_assert(klen <= NODE_KS_LEN_MAX && vlen <= NODE_KS_LEN_MAX);
    struct node_ks_entry *e = core_malloc(entry_size(hdr, klen, vlen));
    e->next = NULL;
    e->hdr = hdr;
    write_lens(e, klen, vlen);
    if (klen) /* key may be NULL when empty */
        memcpy(ks_ent_key(e), key, klen);
    return e;
}

void node_ks__free_entry(struct node_ks *ks, struct node_ks_entry *e)
{
    enum node_ks_type type = node_ks_entry_type(e);
    if (type != NODE_KS_STRING && ks->ops[type].free_fn)
        ks->ops[type].free_fn(node_ks_entry_ptr(e));
    core_free(e);
}

void node_ks__remove(struct node_ks *ks, struct ks_dict *d, struct node_ks_entry **slot)
{
    struct node_ks_entry *e = *slot;
    node_ks__dict_unlink(ks, d, slot);
    if (e->hdr & KS_HDR_TTL)
        node_ks__exp_remove(ks, e);
    node_ks__free_entry(ks, e);
    ks->count--;
}

/* Puts nw where old was (bucket link and vector slot) and frees old's block. */
static void swap_in(struct node_ks *ks, struct node_ks_entry **slot, struct node_ks_entry *old,
                    struct node_ks_entry *nw)
{
    nw->next = old->next;
    *slot = nw;
    if (nw->hdr & KS_HDR_TTL)
        node_ks__exp_replace(ks, nw);
    core_free(old);
}

/* ---- create / free / settings ---- */

static void seed_random(struct node_ks *ks)
{
    uint64_t s[3];
    if (getrandom(s, sizeof(s), 0) != (ssize_t)sizeof(s)) {
        /* No entropy source: still differ per process and per start. */
        s[0] = (uint64_t)core_time_us() ^ ((uint64_t)getpid() << 32);
        s[1] = (uint64_t)core_mono_us() * 0x9e3779b97f4a7c15ull ^ (uint64_t)(uintptr_t)ks;
        s[2] = s[0] * 0xbf58476d1ce4e5b9ull ^ s[1];
    }
    ks->seed[0] = s[0];
    ks->seed[1] = s[1];
    ks->rng = s[2] ? s[2] : 0x853c49e6748fea9bull; /* xorshift needs nonzero */
}

struct node_ks *node_ks_new(unsigned ndicts)
{
    core_assert(ndicts >= 1 && ndicts <= KS_NDICTS_MAX);
    struct node_ks *ks = core_calloc(1, sizeof(*ks));
    ks->dicts = core_calloc(ndicts, sizeof(*ks->dicts));
    ks->ndicts = ndicts;
    while ((1u << ks->dict_bits) < ndicts)
        ks->dict_bits++;
    /* A table must be allocatable and its cursor must fit beside the dict
     * index in 64 bits. */
    ks->table_bits_max = CORE_MIN((unsigned)(sizeof(size_t) * 8 - 4), 63u - ks->dict_bits);
    if (ndicts > 1)
        ks->fen = core_calloc(ndicts + 1, sizeof(*ks->fen));
    seed_random(ks);
    return ks;
}

void node_ks_free(struct node_ks *ks)
{
    if (!ks)
        return;
    node_ks_flush(ks);
    core_free(ks->fen);
    core_free(ks->dicts);
    core_free(ks);
}

void node_ks_set_dict_index(struct node_ks *ks, node_ks_dict_index_cb fn)
{
    core_assert(ks->count == 0);
    ks->dict_index = fn;
}

void node_ks_set_type_ops(struct node_ks *ks, enum node_ks_type type, node_ks_free_cb free_fn,
                          node_ks_dup_cb dup_fn)
{
    core_assert(type != NODE_KS_STRING && (unsigned)type <= KS_HDR_TYPE_MASK);
    ks->ops[type].free_fn = free_fn;
    ks->ops[type].dup_fn = dup_fn;
}

void node_ks_set_now(struct node_ks *ks, int64_t now_ms)
{
    ks->now_ms = now_ms;
}

void node_ks_set_expire_mode(struct node_ks *ks, enum node_ks_expire_mode mode)
{
    ks->expire_mode = mode;
}

enum node_ks_expire_mode node_ks_expire_mode(const struct node_ks *ks)
{
    return ks->expire_mode;
}

void node_ks_set_expired_hook(struct node_ks *ks, node_ks_expired_cb cb, void *ud)
{
    ks->on_expired = cb;
    ks->on_expired_ud = ud;
}

int64_t node_ks_now(const struct node_ks *ks)
{
    return ks->now_ms;
}

const struct node_ks_stats *node_ks_stats(const struct node_ks *ks)
{
    return &ks->stats;
}

void node_ks_reset_stats(struct node_ks *ks)
{
    memset(&ks->stats, 0, sizeof(ks->stats));
}

size_t node_ks_size(const struct node_ks *ks)
{
    return ks->count;
}

size_t node_ks_dict_size(const struct node_ks *ks, unsigned dict_index)
{
    core_assert(dict_index < ks->ndicts);
    return ks->dicts[dict_index].used;
}

/* ---- access data ---- */

static uint32_t lru_clock(const struct node_ks *ks)
{
    return (uint32_t)((uint64_t)(ks->now_ms / 1000) & LRU_CLOCK_MAX);
}

static uint32_t lfu_minutes(const struct node_ks *ks)
{
    return (uint32_t)((uint64_t)(ks->now_ms / 60000) & LFU_MINUTES_MAX);
}

void node_ks_set_access_mode(struct node_ks *ks, enum node_ks_access mode, int lfu_log_factor, int lfu_decay_min)
{
    ks->access_mode = mode;
    ks->lfu_log_factor = lfu_log_factor;
    ks->lfu_decay_min = lfu_decay_min;
}

void node_ks_set_touch_paused(struct node_ks *ks, bool paused)
{
    ks->touch_paused = paused;
}

uint32_t node_ks__access_new(const struct node_ks *ks)
{
    if (ks->access_mode == NODE_KS_ACCESS_LFU)
        return (lfu_minutes(ks) << 8) | NODE_KS_LFU_INIT;
    return lru_clock(ks);
}

uint32_t node_ks_entry_access(const struct node_ks_entry *e)
{
    return ks_ent_access(e);
}

unsigned node_ks_entry_freq(const struct node_ks *ks, const struct node_ks_entry *e)
{
    /* The counter loses one per lfu-decay-time minutes since it was last
     * stored (the 16-bit minute clock wraps, as Redis's LFUTimeElapsed). */
    uint32_t v = ks_ent_access(e);
    unsigned counter = v & 0xffu;
    uint32_t then = v >> 8, now = lfu_minutes(ks);
    uint32_t elapsed = now >= then ? now - then : LFU_MINUTES_MAX - then + now;
    if (ks->lfu_decay_min <= 0)
        return counter;
    uint32_t periods = elapsed / (uint32_t)ks->lfu_decay_min;
    return periods >= counter ? 0 : counter - periods;
}

uint64_t node_ks_entry_idle_ms(const struct node_ks *ks, const struct node_ks_entry *e)
{
    uint32_t clock = lru_clock(ks), then = ks_ent_access(e);
    uint64_t s = clock >= then ? clock - then : (uint64_t)clock + (LRU_CLOCK_MAX - then);
    return s * 1000u;
}

static unsigned lfu_log_incr(struct node_ks *ks, unsigned counter)
{
    if (counter >= LFU_COUNTER_MAX)
        return LFU_COUNTER_MAX;
    double r = (double)(node_ks__rand(ks) >> 11) * (1.0 / 9007199254740992.0);
    double base = counter > NODE_KS_LFU_INIT ? (double)(counter - NODE_KS_LFU_INIT) : 0.0;
    double p = 1.0 / (base * ks->lfu_log_factor + 1.0);
    return r < p ? counter + 1 : counter;
}

void node_ks_touch(struct node_ks *ks, struct node_ks_entry *e)
{
    if (ks->access_mode == NODE_KS_ACCESS_LFU) {
        unsigned counter = lfu_log_incr(ks, node_ks_entry_freq(ks, e));
        ks_ent_set_access(e, (lfu_minutes(ks) << 8) | counter);
    } else {
        ks_ent_set_access(e, lru_clock(ks));
    }
}

void node_ks_entry_set_idle(struct node_ks *ks, struct node_ks_entry *e, int64_t idle_s)
{
    if (ks->access_mode == NODE_KS_ACCESS_LFU || idle_s < 0)
        return;
    int64_t clock = lru_clock(ks);
    int64_t abs_s = clock - idle_s;
    /* Underflow of the wrapping clock: half-way round keeps the idle time
     * large for a long while (Redis's choice). */
    if (abs_s < 0)
        abs_s = (clock + (int64_t)(LRU_CLOCK_MAX / 2)) % (int64_t)LRU_CLOCK_MAX;
    ks_ent_set_access(e, (uint32_t)abs_s);
}

void node_ks_entry_set_freq(struct node_ks *ks, struct node_ks_entry *e, unsigned freq)
{
    if (ks->access_mode != NODE_KS_ACCESS_LFU)
        return;
    ks_ent_set_access(e, (lfu_minutes(ks) << 8) | CORE_MIN(freq, LFU_COUNTER_MAX));
}

/* ---- lookup ---- */

/* Finds key; an expired key is deleted (unless NODE_KS_NOEXPIRE) and NULL
 * returned. loc->slot is valid only when an entry is returned. */
static struct node_ks_entry *find_live(struct node_ks *ks, const char *key, size_t klen, unsigned flags,
                                       struct ks_loc *loc)
{
    node_ks__dict_find(ks, key, klen, loc);
    if (!loc->slot)
        return NULL;
    struct node_ks_entry *e = *loc->slot;
    if (!ks_ent_is_expired(ks, e))
        return e;
    /* A replica hides expired keys but never removes them for a read; a
     * write replacing or deleting one must remove it or the key would be
     * stored twice. Only a master's removals are told (propagated). */
    bool master = ks->expire_mode == NODE_KS_EXPIRE_DELETE;
    if (!(flags & NODE_KS_NOEXPIRE) && (master || (flags & KS_FIND_WRITE))) {
        if (master)
            node_ks__expired(ks, e);
        node_ks__remove(ks, loc->d, loc->slot);
        ks->stats.expired_keys++;
    }
    loc->slot = NULL;
    return NULL;
}

struct node_ks_entry *node_ks_find(struct node_ks *ks, const char *key, size_t klen, unsigned flags)
{
    struct ks_loc loc;
    struct node_ks_entry *e = find_live(ks, key, klen, flags, &loc);
    if (e && !(flags & NODE_KS_NOTOUCH) && !ks->touch_paused)
        node_ks_touch(ks, e);
    if (flags & NODE_KS_READ) {
        if (e)
            ks->stats.keyspace_hits++;
        else
            ks->stats.keyspace_misses++;
    }
    return e;
}

/* ---- accessors ---- */

enum node_ks_type node_ks_entry_type(const struct node_ks_entry *e)
{
    return (enum node_ks_type)(e->hdr & KS_HDR_TYPE_MASK);
}

const char *node_ks_entry_key(const struct node_ks_entry *e, size_t *klen)
{
    *klen = ks_ent_klen(e);
    return (const char *)ks_ent_key(e);
}

int64_t node_ks_entry_expire(const struct node_ks_entry *e)
{
    return (e->hdr & KS_HDR_TTL) ? ks_ent_when(e) : -1;
}

const char *node_ks_entry_encoding(const struct node_ks_entry *e)
{
    if (node_ks_entry_type(e) != NODE_KS_STRING)
        return "unknown";
    if (e->hdr & KS_HDR_INT)
        return "int";
    if ((e->hdr & KS_HDR_RAW) || ks_ent_vlen(e) > NODE_KS_EMBSTR_MAX)
        return "raw";
    return "embstr";
}

bool node_ks_str_get_int(const struct node_ks_entry *e, int64_t *v)
{
    if (!(e->hdr & KS_HDR_INT))
        return false;
    memcpy(v, ks_ent_val(e), 8);
    return true;
}

const char *node_ks_str_get(const struct node_ks_entry *e, char *buf, size_t *len)
{
    core_assert(node_ks_entry_type(e) == NODE_KS_STRING);
    int64_t v;
    if (node_ks_str_get_int(e, &v)) {
        *len = core_i64_format(buf, v);
        return buf;
    }
    *len = ks_ent_vlen(e);
    return (const char *)ks_ent_val(e);
}

size_t node_ks_str_len(const struct node_ks_entry *e)
{
    char buf[NODE_KS_INTBUF];
    size_t len;
    node_ks_str_get(e, buf, &len);
    return len;
}

void *node_ks_entry_ptr(const struct node_ks_entry *e)
{
    core_assert(node_ks_entry_type(e) != NODE_KS_STRING);
    void *p;
    memcpy(&p, ks_ent_val(e), sizeof(p));
    return p;
}

/* ---- writes ---- */

static struct node_ks_entry *add_new(struct node_ks *ks, const char *key, size_t klen, const struct ks_val *v,
                                     int64_t when)
{
    uint8_t hdr = with_width((uint8_t)(v->hdr | (when >= 0 ? KS_HDR_TTL : 0u)), klen, v->len);
    struct node_ks_entry *e = entry_alloc(hdr, key, klen, v->len);
    ks_ent_set_access(e, node_ks__access_new(ks));
    if (v->len) /* val may be NULL when empty */
        memcpy(ks_ent_val(e), v->bytes, v->len);
    if (when >= 0) {
        write_when(e, when);
        node_ks__exp_add(ks, e);
    }
    node_ks__dict_link(ks, e);
    ks->count++;
    return e;
}

/* Replaces the value (and TTL) of old, found at slot. */
static struct node_ks_entry *replace(struct node_ks *ks, struct node_ks_entry **slot, struct node_ks_entry *old,
                                     const struct ks_val *v, int64_t when)
{
    size_t klen = ks_ent_klen(old);
    uint8_t hdr = with_width((uint8_t)(v->hdr | (when >= 0 ? KS_HDR_TTL : 0u)), klen, v->len);
    /* A new value is a new object (fresh LRU time), but an overwrite keeps
     * the LFU counter, as Redis's dbOverwrite. */
    uint32_t access = ks->access_mode == NODE_KS_ACCESS_LFU ? ks_ent_access(old) : node_ks__access_new(ks);
    if (node_ks_entry_type(old) != NODE_KS_STRING && ks->ops[node_ks_entry_type(old)].free_fn)
        ks->ops[node_ks_entry_type(old)].free_fn(node_ks_entry_ptr(old));
    if ((old->hdr & KS_HDR_TTL) && when < 0)
        node_ks__exp_remove(ks, old);
    struct node_ks_entry *e;
    if (same_layout(old->hdr, hdr)) {
        /* Key and TTL block stay where they are; in place within a size class. */
        e = core_realloc(old, entry_size(hdr, klen, v->len));
        e->hdr = hdr;
        write_lens(e, klen, v->len);
        *slot = e;
        if (hdr & KS_HDR_TTL)
            node_ks__exp_replace(ks, e);
    } else {
        e = entry_alloc(hdr, ks_ent_key(old), klen, v->len);
        e->next = old->next;
        *slot = e;
        if ((hdr & KS_HDR_TTL) && (old->hdr & KS_HDR_TTL)) {
            ks_ent_set_exp_index(e, ks_ent_exp_index(old));
            node_ks__exp_replace(ks, e);
        } else if (hdr & KS_HDR_TTL) {
            node_ks__exp_add(ks, e);
        }
        core_free(old);
    }
    if (hdr & KS_HDR_TTL)
        write_when(e, when);
    ks_ent_set_access(e, access);
    if (v->len) /* val may be NULL when empty */
        memcpy(ks_ent_val(e), v->bytes, v->len);
    return e;
}

static struct node_ks_entry *set_value(struct node_ks *ks, const char *key, size_t klen, const struct ks_val *v,
                                       int64_t expire_ms, unsigned flags)
{
    core_assert(klen <= NODE_KS_LEN_MAX && v->len <= NODE_KS_LEN_MAX);
    core_assert(expire_ms >= -1);
    core_assert(!(flags & NODE_KS_KEEPTTL) || expire_ms == -1);
    struct ks_loc loc;
    struct node_ks_entry *old = find_live(ks, key, klen, KS_FIND_WRITE, &loc);
    if (!old)
        return add_new(ks, key, klen, v, expire_ms);
    /* Redis's setKey looks the key up for writing first: one access. */
    node_ks_touch(ks, old);
    int64_t when = expire_ms;
    if ((flags & NODE_KS_KEEPTTL) && (old->hdr & KS_HDR_TTL))
        when = ks_ent_when(old);
    return replace(ks, loc.slot, old, v, when);
}

struct node_ks_entry *node_ks_set_str(struct node_ks *ks, const char *key, size_t klen, const char *val,
                                      size_t vlen, int64_t expire_ms, unsigned flags)
{
    int64_t iv;
    if (core_i64_parse(val, vlen, &iv))
        return node_ks_set_int(ks, key, klen, iv, expire_ms, flags);
    struct ks_val v = {.hdr = NODE_KS_STRING, .bytes = val, .len = vlen};
    return set_value(ks, key, klen, &v, expire_ms, flags);
}

struct node_ks_entry *node_ks_set_int(struct node_ks *ks, const char *key, size_t klen, int64_t iv,
                                      int64_t expire_ms, unsigned flags)
{
    struct ks_val v = {.hdr = NODE_KS_STRING | KS_HDR_INT, .bytes = &iv, .len = sizeof(iv)};
    return set_value(ks, key, klen, &v, expire_ms, flags);
}

struct node_ks_entry *node_ks_set_ptr(struct node_ks *ks, const char *key, size_t klen, enum node_ks_type type,
                                      void *ptr, int64_t expire_ms, unsigned flags)
{
    core_assert(type != NODE_KS_STRING && (unsigned)type <= KS_HDR_TYPE_MASK);
    struct ks_val v = {.hdr = (uint8_t)type, .bytes = &ptr, .len = sizeof(ptr)};
    return set_value(ks, key, klen, &v, expire_ms, flags);
}

char *node_ks_str_resize(struct node_ks *ks, struct node_ks_entry **ep, size_t newlen)
{
    struct node_ks_entry *old = *ep;
    core_assert(node_ks_entry_type(old) == NODE_KS_STRING && newlen <= NODE_KS_LEN_MAX);
    char text[NODE_KS_INTBUF];
    size_t oldlen;
    const char *cur = node_ks_str_get(old, text, &oldlen);
    bool was_int = (old->hdr & KS_HDR_INT) != 0;
    size_t klen = ks_ent_klen(old);
    uint8_t hdr = with_width((uint8_t)((old->hdr & ~KS_HDR_INT) | KS_HDR_RAW), klen, newlen);
    struct node_ks_entry **slot = node_ks__dict_slot_of(ks, old);
    struct node_ks_entry *e;
    size_t kept = CORE_MIN(oldlen, newlen);
    if (same_layout(old->hdr, hdr)) {
        e = core_realloc(old, entry_size(hdr, klen, newlen));
        *slot = e;
        if (e->hdr & KS_HDR_TTL)
            node_ks__exp_replace(ks, e);
        if (was_int)
            memcpy(ks_ent_val(e), text, kept);
    } else {
        e = entry_alloc(hdr, ks_ent_key(old), klen, newlen);
        ks_ent_set_access(e, ks_ent_access(old));
        if (hdr & KS_HDR_TTL)
            memcpy(ks_ent_ttl(e), ks_ent_ttl(old), KS_TTL_BLOCK);
        memcpy(ks_ent_val(e), cur, kept);
        swap_in(ks, slot, old, e);
    }
    e->hdr = hdr;
    write_lens(e, klen, newlen);
    memset(ks_ent_val(e) + kept, 0, newlen - kept);
    *ep = e;
    return (char *)ks_ent_val(e);
}

bool node_ks_delete(struct node_ks *ks, const char *key, size_t klen)
{
    struct ks_loc loc;
    if (!find_live(ks, key, klen, KS_FIND_WRITE, &loc))
        return false;
    node_ks__remove(ks, loc.d, loc.slot);
    return true;
}

void node_ks_delete_entry(struct node_ks *ks, struct node_ks_entry *e)
{
    size_t klen;
    const char *key = node_ks_entry_key(e, &klen);
    struct ks_dict *d = node_ks__dict_for(ks, key, klen);
    node_ks__remove(ks, d, node_ks__dict_slot_of(ks, e));
}

void node_ks_set_expire(struct node_ks *ks, struct node_ks_entry **ep, int64_t when_ms)
{
    struct node_ks_entry *old = *ep;
    core_assert(when_ms >= -1);
    bool had = (old->hdr & KS_HDR_TTL) != 0;
    if (had && when_ms >= 0) {
        write_when(old, when_ms);
        return;
    }
    if (!had && when_ms < 0)
        return;
    struct node_ks_entry **slot = node_ks__dict_slot_of(ks, old);
    if (had)
        node_ks__exp_remove(ks, old);
    uint8_t hdr = (uint8_t)(old->hdr ^ KS_HDR_TTL);
    size_t klen = ks_ent_klen(old), vlen = ks_ent_vlen(old);
    struct node_ks_entry *e = entry_alloc(hdr, ks_ent_key(old), klen, vlen);
    ks_ent_set_access(e, ks_ent_access(old));
    memcpy(ks_ent_val(e), ks_ent_val(old), vlen);
    if (!had) {
        write_when(e, when_ms);
        node_ks__exp_add(ks, e);
    }
    e->next = old->next;
    *slot = e;
    core_free(old);
    *ep = e;
}

/* True if no entry (live or expired) has key. O(1): always-on asserts use it. */
static bool key_absent(struct node_ks *ks, const char *key, size_t klen)
{
    struct ks_loc loc;
    node_ks__dict_find(ks, key, klen, &loc);
    return loc.slot == NULL;
}

/* A block for newkey holding old's value bytes, header bits and TTL block. */
static struct node_ks_entry *clone_as(const struct node_ks_entry *old, const char *newkey, size_t newklen)
{
    size_t vlen = ks_ent_vlen(old);
    struct node_ks_entry *e = entry_alloc(with_width(old->hdr, newklen, vlen), newkey, newklen, vlen);
    ks_ent_set_access(e, ks_ent_access(old));
    if (old->hdr & KS_HDR_TTL)
        memcpy(ks_ent_ttl(e), ks_ent_ttl(old), KS_TTL_BLOCK);
    memcpy(ks_ent_val(e), ks_ent_val(old), vlen);
    return e;
}

/* A replica's lookups hide expired keys without removing them: a write
 * that must find the name free removes such a key first. */
static void drop_hidden(struct node_ks *ks, const char *key, size_t klen)
{
    struct ks_loc loc;
    if (ks->expire_mode == NODE_KS_EXPIRE_HIDE)
        find_live(ks, key, klen, KS_FIND_WRITE, &loc);
}

void node_ks_rename(struct node_ks *ks, struct node_ks_entry **ep, const char *newkey, size_t newklen)
{
    struct node_ks_entry *old = *ep;
    core_assert(newklen <= NODE_KS_LEN_MAX);
    drop_hidden(ks, newkey, newklen);
    core_assert(key_absent(ks, newkey, newklen));
    size_t klen;
    const char *key = node_ks_entry_key(old, &klen);
    struct ks_dict *d = node_ks__dict_for(ks, key, klen);
    struct node_ks_entry *e = clone_as(old, newkey, newklen);
    /* The owned value (if any) moves with the bytes: free only the block. */
    node_ks__dict_unlink(ks, d, node_ks__dict_slot_of(ks, old));
    if (e->hdr & KS_HDR_TTL)
        node_ks__exp_replace(ks, e);
    core_free(old);
    node_ks__dict_link(ks, e);
    *ep = e;
}

struct node_ks_entry *node_ks_copy(struct node_ks *ks, const struct node_ks_entry *src, const char *newkey,
                                   size_t newklen)
{
    core_assert(newklen <= NODE_KS_LEN_MAX);
    drop_hidden(ks, newkey, newklen);
    core_assert(key_absent(ks, newkey, newklen));
    struct node_ks_entry *e = clone_as(src, newkey, newklen);
    /* The copy is a new object: fresh access data (Redis's COPY duplicates
     * the value with createObject). */
    ks_ent_set_access(e, node_ks__access_new(ks));
    enum node_ks_type type = node_ks_entry_type(src);
    if (type != NODE_KS_STRING) {
        core_assert(ks->ops[type].dup_fn);
        void *p = ks->ops[type].dup_fn(node_ks_entry_ptr(src));
        memcpy(ks_ent_val(e), &p, sizeof(p));
    }
    if (e->hdr & KS_HDR_TTL)
        node_ks__exp_add(ks, e);
    node_ks__dict_link(ks, e);
    ks->count++;
    return e;
}

size_t node_ks_flush(struct node_ks *ks)
{
    size_t n = ks->count;
    for (unsigned i = 0; i < ks->ndicts; i++)
        node_ks__dict_clear(ks, &ks->dicts[i]);
    node_ks__exp_clear(ks);
    ks->count = 0;
    ks->avg_ttl = 0;
    return n;
}

size_t node_ks_dict_flush(struct node_ks *ks, unsigned dict_index)
{
    core_assert(dict_index < ks->ndicts);
    struct ks_dict *d = &ks->dicts[dict_index];
    size_t n = d->used;
    for (int t = 0; t < 2; t++) {
        if (!d->table[t])
            continue;
        /* TTL entries leave the expire vector first: dict_clear only frees. */
        size_t size = (size_t)1 << d->bits[t];
        for (size_t i = 0; i < size; i++)
            for (struct node_ks_entry *e = d->table[t][i]; e; e = e->next)
                if (e->hdr & KS_HDR_TTL)
                    node_ks__exp_remove(ks, e);
    }
    node_ks__dict_clear(ks, d);
    ks->count -= n;
    return n;
}

/* ---- random, background work, checks ---- */

static struct ks_dict *random_dict(struct node_ks *ks)
{
    if (ks->ndicts == 1)
        return &ks->dicts[0];
    /* Weighted by size so every key is about equally likely. */
    return node_ks__dict_nth(ks, node_ks__rand(ks) % ks->count);
}

size_t node_ks_sample(struct node_ks *ks, bool volatile_only, struct node_ks_entry **out, size_t n)
{
    size_t got = 0;
    if (volatile_only) {
        /* The expire vector is dense: a uniform pick is one index. */
        for (; got < n && ks->exp_count > 0; got++)
            out[got] = *ks_exp_at(ks, node_ks__rand(ks) % ks->exp_count);
        return got;
    }
    for (; got < n && ks->count > 0; got++)
        out[got] = node_ks__dict_random(ks, random_dict(ks));
    return got;
}

struct node_ks_entry *node_ks_random(struct node_ks *ks)
{
    /* Each pass returns a key or deletes an expired one: at most count + 1.
     * A replica may not delete: after RANDOM_HIDE_TRIES expired picks it
     * returns one anyway (as Redis), or it could spin forever. */
    for (unsigned tries = 0; ks->count > 0; tries++) {
        struct node_ks_entry *e = node_ks__dict_random(ks, random_dict(ks));
        if (!ks_ent_is_expired(ks, e))
            return e;
        if (ks->expire_mode != NODE_KS_EXPIRE_DELETE) {
            if (tries >= RANDOM_HIDE_TRIES)
                return e;
            continue;
        }
        node_ks__expired(ks, e);
        node_ks_delete_entry(ks, e);
        ks->stats.expired_keys++;
    }
    return NULL;
}

bool node_ks_rehash_step(struct node_ks *ks, unsigned steps)
{
    bool busy = false;
    for (unsigned i = 0; i < ks->ndicts; i++) {
        struct ks_dict *d = &ks->dicts[i];
        node_ks__dict_rehash(d, ks, steps);
        /* After the step: a finished shrink may leave room for the next. */
        node_ks__dict_maybe_shrink(d, ks);
        busy |= d->table[1] != NULL;
    }
    return busy;
}

static int check_exp_vector(const struct node_ks *ks)
{
    if (ks->exp_count > ks->exp_nchunks * KS_EXP_CHUNK || ks->exp_nchunks > ks->exp_dir_cap)
        return -EINVAL;
    for (size_t i = 0; i < ks->exp_count; i++) {
        const struct node_ks_entry *e = *ks_exp_at(ks, i);
        if (!(e->hdr & KS_HDR_TTL) || ks_ent_exp_index(e) != i)
            return -EINVAL;
    }
    return 0;
}

static int check_fen(const struct node_ks *ks)
{
    if (!ks->fen)
        return 0;
    for (size_t i = 1; i <= ks->ndicts; i++) {
        size_t sum = 0;
        for (size_t j = i - (i & (~i + 1)); j < i; j++)
            sum += ks->dicts[j].used;
        if (sum != ks->fen[i])
            return -EINVAL;
    }
    return 0;
}

int node_ks_check(const struct node_ks *ks)
{
    if (check_fen(ks) < 0)
        return -EINVAL;
    size_t keys = 0, ttl_keys = 0;
    for (unsigned i = 0; i < ks->ndicts; i++) {
        int rc = node_ks__dict_check(ks, i, &ttl_keys);
        if (rc < 0)
            return rc;
        keys += ks->dicts[i].used;
    }
    if (keys != ks->count || ttl_keys != ks->exp_count)
        return -EINVAL;
    return check_exp_vector(ks);
}
