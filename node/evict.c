/*
 * evict.c — maxmemory and the eviction policies (Redis 7.0's evict.c
 * behaviour: performEvictions, the eviction pool, the tenacity budget).
 *
 * BACKGROUND. Redis does not keep keys ordered by access: each key holds 24
 * bits of access data (node/ks.c), and an eviction samples
 * maxmemory-samples keys, merges them into a pool of the 16 best candidates
 * seen so far (kept across evictions, so the approximation improves), and
 * evicts the best one that still exists. "Best" is the longest idle time
 * (LRU), the lowest decayed counter (LFU, scored 255 - counter) or the
 * nearest expiry (TTL). The random policies pick one random key.
 *
 * BEHAVIOR. Before each command (and when maxmemory is lowered) keys are
 * evicted until used memory minus replica buffers and the backlog is under
 * maxmemory, or the time budget of maxmemory-eviction-tenacity ran out (a
 * zero-delay timer then goes on between commands). Each eviction propagates
 * DEL, tells WATCH and fires the "evicted" notification. A replica never
 * evicts (replica-ignore-maxmemory), nor does anything while loading or
 * while writes are paused (the DELs would move the offset a failover waits
 * on).
 *
 * MEASURING. INFO's used_memory is jemalloc's stats.allocated, which needs
 * an epoch refresh costing microseconds: far too slow before every command
 * and after every evicted key. The calling thread's allocated/deallocated
 * byte counters are plain memory reads; used memory is the last refresh plus
 * this thread's net allocation since, re-based by a timer every
 * CALIBRATE_MS (and before every eviction run that may act on it).
 */
#include "node/evict.h"
#include "node/config.h"
#include "node/core/core.h"
#include "node/core/core_log.h"
#include "node/ks.h"
#include "node/node_int.h"
#include "node/notify.h"
#include "node/pause.h"
#include "node/propagate.h"
#include "node/repl.h"
#include "node/repl_master_int.h"
#include "node/server.h"
#include "node/watch.h"
#include "replication/repl_backlog.h"

#include <math.h>
#include <string.h>
#include <uv.h>

#ifdef SHOAL_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

/* Redis's EVPOOL_SIZE and EVPOOL_CACHED_SDS_SIZE. */
#define POOL_SIZE 16
#define POOL_KEY_CACHED 255
/* How often the cheap used-memory estimate is re-based on jemalloc's stats. */
#define CALIBRATE_MS 100
/* ... and at most this stale when an eviction is about to act on it. */
#define RECALIBRATE_US 10000
/* Candidate keys sampled at most per round (maxmemory-samples is <= 64). */
#define SAMPLES_MAX 64
/* Pool rounds that found no evictable key before giving up (nothing to evict). */
#define EMPTY_ROUNDS_MAX 4

struct pool_entry {
    uint64_t score; /* higher = better to evict */
    bool used;
    size_t klen;
    char *heap;     /* the key when longer than the cache, else NULL */
    char cached[POOL_KEY_CACHED];
};

struct node_evict_state {
    struct pool_entry pool[POOL_SIZE];
    uint64_t evicted_keys;
    uv_timer_t timer;        /* goes on with an eviction that ran out of time */
    bool timer_ready, timer_running;
    uv_timer_t calib;        /* re-bases the used-memory estimate */
    size_t base_used;        /* jemalloc stats.allocated at the last refresh */
    uint64_t base_alloc, base_dealloc;
    uint64_t *t_alloc, *t_dealloc; /* this thread's counters (jemalloc), or NULL */
    int64_t calibrated_us;   /* core_mono_us() of the last refresh */
};

/* ---- policy facts ---- */

static const char *const policy_names[] = {
    [NODE_MAXMEMORY_VOLATILE_LRU] = "volatile-lru",     [NODE_MAXMEMORY_VOLATILE_LFU] = "volatile-lfu",
    [NODE_MAXMEMORY_VOLATILE_RANDOM] = "volatile-random", [NODE_MAXMEMORY_VOLATILE_TTL] = "volatile-ttl",
    [NODE_MAXMEMORY_ALLKEYS_LRU] = "allkeys-lru",       [NODE_MAXMEMORY_ALLKEYS_LFU] = "allkeys-lfu",
    [NODE_MAXMEMORY_ALLKEYS_RANDOM] = "allkeys-random", [NODE_MAXMEMORY_NOEVICTION] = "noeviction",
};

const char *node_evict_policy_name(int policy)
{
    if (policy < 0 || policy > NODE_MAXMEMORY_NOEVICTION)
        return "noeviction";
    return policy_names[policy];
}

bool node_evict_policy_is_lfu(int policy)
{
    return policy == NODE_MAXMEMORY_VOLATILE_LFU || policy == NODE_MAXMEMORY_ALLKEYS_LFU;
}

static bool policy_is_volatile(int policy)
{
    return policy == NODE_MAXMEMORY_VOLATILE_LRU || policy == NODE_MAXMEMORY_VOLATILE_LFU ||
           policy == NODE_MAXMEMORY_VOLATILE_RANDOM || policy == NODE_MAXMEMORY_VOLATILE_TTL;
}

static bool policy_is_random(int policy)
{
    return policy == NODE_MAXMEMORY_VOLATILE_RANDOM || policy == NODE_MAXMEMORY_ALLKEYS_RANDOM;
}

/* ---- memory ---- */

static struct node_evict_state *state(struct node_server *srv)
{
    if (!srv->evict)
        srv->evict = core_calloc(1, sizeof(*srv->evict));
    return srv->evict;
}

static void calibrate(struct node_evict_state *st)
{
    st->calibrated_us = core_mono_us();
    st->base_used = core_used_memory();
    if (st->t_alloc) {
        st->base_alloc = *st->t_alloc;
        st->base_dealloc = *st->t_dealloc;
    }
}

size_t node_evict_used_memory(struct node_server *srv)
{
    struct node_evict_state *st = state(srv);
    if (!st->t_alloc)
        return core_used_memory();
    int64_t delta = (int64_t)(*st->t_alloc - st->base_alloc) - (int64_t)(*st->t_dealloc - st->base_dealloc);
    int64_t used = (int64_t)st->base_used + delta;
    return used > 0 ? (size_t)used : 0;
}

size_t node_evict_backlog_bytes(const struct node_server *srv)
{
    return srv->repl && srv->repl->backlog ? srv->repl->backlog->size : 0;
}

size_t node_evict_not_counted(const struct node_server *srv)
{
    /* Redis 7.0 counts the backlog against maxmemory and leaves out only
     * what replicas hold beyond it; shoal's replica buffers are their own,
     * so all of them are left out, the backlog is not. */
    size_t n = 0;
    for (const struct node_client *c = srv->clients; c; c = c->next)
        if (c->flags & NODE_CLIENT_REPLICA)
            n += node_out_len(&c->out);
    if (srv->repl && srv->repl->m)
        for (const struct repl_xfer *x = srv->repl->m->xfers; x; x = x->next)
            n += node_out_len(&x->pending);
    return n;
}

/* Bytes over the limit (0 when under), as Redis's getMaxmemoryState. */
static size_t over_limit(struct node_server *srv, size_t *not_counted_cache)
{
    size_t max = (size_t)srv->cfg.maxmemory;
    size_t used = node_evict_used_memory(srv);
    if (used <= max)
        return 0;
    /* Replica buffers only grow after the command ran: one walk per run. */
    if (*not_counted_cache == SIZE_MAX)
        *not_counted_cache = node_evict_not_counted(srv);
    size_t not_counted = *not_counted_cache;
    used = used > not_counted ? used - not_counted : 0;
    return used > max ? used - max : 0;
}

/* ---- the pool ---- */

static const char *pool_key(const struct pool_entry *p)
{
    return p->heap ? p->heap : p->cached;
}

static void pool_clear_slot(struct pool_entry *p)
{
    core_free(p->heap);
    p->heap = NULL;
    p->used = false;
    p->klen = 0;
    p->score = 0;
}

static void pool_reset(struct node_evict_state *st)
{
    for (int i = 0; i < POOL_SIZE; i++)
        pool_clear_slot(&st->pool[i]);
}

static bool pool_has(const struct node_evict_state *st, const char *key, size_t klen)
{
    for (int i = 0; i < POOL_SIZE; i++) {
        const struct pool_entry *p = &st->pool[i];
        if (p->used && p->klen == klen && memcmp(pool_key(p), key, klen) == 0)
            return true;
    }
    return false;
}

/* The pool is sorted by score, ascending, empty slots on the right; the
 * candidate goes in its place if there is room or it beats the worst. */
static void pool_insert(struct node_evict_state *st, uint64_t score, const char *key, size_t klen)
{
    struct pool_entry *pool = st->pool;
    int k = 0;
    while (k < POOL_SIZE && pool[k].used && pool[k].score < score)
        k++;
    bool full = pool[POOL_SIZE - 1].used;
    if (k == 0 && full)
        return; /* worse than everything in a full pool */
    if (k < POOL_SIZE && !pool[k].used) {
        /* an empty slot exactly here */
    } else if (!full) {
        memmove(&pool[k + 1], &pool[k], sizeof(pool[0]) * (size_t)(POOL_SIZE - k - 1));
    } else {
        /* Full: the worst (leftmost) goes, the better ones shift left. */
        k--;
        core_free(pool[0].heap);
        memmove(&pool[0], &pool[1], sizeof(pool[0]) * (size_t)k);
    }
    struct pool_entry *p = &pool[k]; /* a stale duplicate after memmove: overwritten, not freed */
    p->used = true;
    p->score = score;
    p->klen = klen;
    p->heap = NULL;
    if (klen <= POOL_KEY_CACHED) {
        memcpy(p->cached, key, klen);
    } else {
        p->heap = core_malloc(klen);
        memcpy(p->heap, key, klen);
    }
}

static uint64_t score_of(struct node_server *srv, const struct node_ks_entry *e)
{
    switch (srv->cfg.maxmemory_policy) {
    case NODE_MAXMEMORY_VOLATILE_TTL:
        return UINT64_MAX - (uint64_t)node_ks_entry_expire(e);
    case NODE_MAXMEMORY_VOLATILE_LFU:
    case NODE_MAXMEMORY_ALLKEYS_LFU:
        return 255u - node_ks_entry_freq(srv->ks, e);
    default:
        return node_ks_entry_idle_ms(srv->ks, e);
    }
}

static void pool_populate(struct node_server *srv)
{
    struct node_evict_state *st = state(srv);
    struct node_ks_entry *sample[SAMPLES_MAX];
    size_t want = (size_t)CORE_MIN(CORE_MAX(srv->cfg.maxmemory_samples, 1), SAMPLES_MAX);
    size_t n = node_ks_sample(srv->ks, policy_is_volatile(srv->cfg.maxmemory_policy), sample, want);
    for (size_t i = 0; i < n; i++) {
        size_t klen;
        const char *key = node_ks_entry_key(sample[i], &klen);
        if (pool_has(st, key, klen))
            continue; /* a repeat: keep one slot per key */
        pool_insert(st, score_of(srv, sample[i]), key, klen);
    }
}

/* Takes the best pool entry whose key still qualifies; its name is copied
 * to *out (caller frees). False when the pool has none. */
static bool pool_take_best(struct node_server *srv, char **out, size_t *outlen)
{
    struct node_evict_state *st = state(srv);
    bool vol = policy_is_volatile(srv->cfg.maxmemory_policy);
    for (int k = POOL_SIZE - 1; k >= 0; k--) {
        struct pool_entry *p = &st->pool[k];
        if (!p->used)
            continue;
        struct node_ks_entry *e = node_ks_find(srv->ks, pool_key(p), p->klen, NODE_KS_NOTOUCH);
        bool ok = e && (!vol || node_ks_entry_expire(e) >= 0);
        if (ok) {
            *out = core_malloc(p->klen ? p->klen : 1);
            memcpy(*out, pool_key(p), p->klen);
            *outlen = p->klen;
        }
        pool_clear_slot(p);
        if (ok)
            return true;
    }
    return false;
}

/* A key to evict by the policy, its name copied to *key (caller frees). */
static bool pick_victim(struct node_server *srv, char **key, size_t *klen)
{
    int policy = srv->cfg.maxmemory_policy;
    if (policy_is_random(policy)) {
        struct node_ks_entry *e;
        if (node_ks_sample(srv->ks, policy_is_volatile(policy), &e, 1) == 0)
            return false;
        const char *k = node_ks_entry_key(e, klen);
        *key = core_malloc(*klen ? *klen : 1);
        memcpy(*key, k, *klen);
        return true;
    }
    for (int round = 0; round < EMPTY_ROUNDS_MAX; round++) {
        bool any = policy_is_volatile(policy) ? node_ks_expires_size(srv->ks) > 0 : node_ks_size(srv->ks) > 0;
        if (!any)
            return false;
        pool_populate(srv);
        if (pool_take_best(srv, key, klen))
            return true;
    }
    return false;
}

static void evict_key(struct node_server *srv, const char *key, size_t klen)
{
    struct node_ks_entry *e = node_ks_find(srv->ks, key, klen, NODE_KS_NOTOUCH | NODE_KS_NOEXPIRE);
    if (!e) {
        /* Expired meanwhile: lazy expiry removes (and propagates) it. */
        node_ks_find(srv->ks, key, klen, NODE_KS_NOTOUCH);
        return;
    }
    node_prop_evicted(srv, key, klen);
    node_ks_delete_entry(srv->ks, e);
    state(srv)->evicted_keys++;
    node_key_modified(srv, key, klen);
    node_notify(srv, NODE_NOTIFY_EVICTED, "evicted", key, klen);
}

/* ---- performing ---- */

static bool evictions_allowed(struct node_server *srv)
{
    if (srv->loading)
        return false;
    if (repl_is_replica(srv->repl) && srv->cfg.replica_ignore_maxmemory)
        return false;
    return !node_pause_writes_paused(srv);
}

/* Redis's evictionTimeLimitUs: 500 us at the default tenacity 10. */
static uint64_t time_limit_us(int tenacity)
{
    if (tenacity <= 10)
        return 50u * (uint64_t)(tenacity > 0 ? tenacity : 0);
    if (tenacity < 100)
        return (uint64_t)(500.0 * pow(1.15, tenacity - 10));
    return UINT64_MAX;
}

static void on_timer(uv_timer_t *t);

static void start_timer(struct node_evict_state *st)
{
    if (!st->timer_ready || st->timer_running)
        return;
    st->timer_running = true;
    uv_timer_start(&st->timer, on_timer, 0, 0);
}

enum node_evict_result node_evict_perform(struct node_server *srv)
{
    if (srv->cfg.maxmemory <= 0 || !evictions_allowed(srv))
        return NODE_EVICT_OK;
    struct node_evict_state *st = state(srv);
    size_t nc = SIZE_MAX;
    if (over_limit(srv, &nc) == 0)
        return NODE_EVICT_OK;
    /* Acting on the estimate: make sure it is recent (the refresh costs
     * microseconds, so not before every command of a full node). */
    if (core_mono_us() - st->calibrated_us > RECALIBRATE_US) {
        calibrate(st);
        if (over_limit(srv, &nc) == 0)
            return NODE_EVICT_OK;
    }
    if (srv->cfg.maxmemory_policy == NODE_MAXMEMORY_NOEVICTION)
        return NODE_EVICT_FAIL;
    uint64_t limit_us = time_limit_us(srv->cfg.maxmemory_eviction_tenacity);
    int64_t start = core_mono_us();
    for (uint64_t n = 1;; n++) {
        char *key;
        size_t klen;
        if (!pick_victim(srv, &key, &klen))
            return over_limit(srv, &nc) ? NODE_EVICT_FAIL : NODE_EVICT_OK;
        evict_key(srv, key, klen);
        core_free(key);
        if (over_limit(srv, &nc) == 0)
            return NODE_EVICT_OK;
        if (n % 16 == 0 && (uint64_t)(core_mono_us() - start) >= limit_us) {
            start_timer(st);
            return NODE_EVICT_RUNNING;
        }
    }
}

static void on_timer(uv_timer_t *t)
{
    struct node_server *srv = t->data;
    struct node_evict_state *st = state(srv);
    st->timer_running = false;
    /* Between commands: idle times are judged against the time now. */
    node_ks_set_now(srv->ks, core_time_ms());
    node_evict_perform(srv);
}

static void on_calibrate(uv_timer_t *t)
{
    calibrate(state(t->data));
}

/* ---- settings, life, stats ---- */

static void apply_access_mode(struct node_server *srv)
{
    enum node_ks_access mode = node_evict_policy_is_lfu(srv->cfg.maxmemory_policy) ? NODE_KS_ACCESS_LFU
                                                                                   : NODE_KS_ACCESS_LRU;
    node_ks_set_access_mode(srv->ks, mode, srv->cfg.lfu_log_factor, srv->cfg.lfu_decay_time);
}

void node_evict_config_changed(struct node_server *srv)
{
    struct node_evict_state *st = state(srv);
    apply_access_mode(srv);
    /* Scores of another policy mean nothing now. */
    pool_reset(st);
    calibrate(st);
    size_t nc = SIZE_MAX;
    if (srv->cfg.maxmemory > 0 && over_limit(srv, &nc) > 0) {
        core_log(CORE_LOG_WARNING, "WARNING: the new maxmemory value set via CONFIG SET (%llu) is smaller than "
                                   "the current memory usage (%zu). This will result in key eviction and/or the "
                                   "inability to accept new write commands depending on the maxmemory-policy.",
                 (unsigned long long)srv->cfg.maxmemory, node_evict_used_memory(srv));
        /* Not now: CONFIG SET may run inside EXEC, whose writes reach the
         * replicas after it, so a DEL sent now would come before the write
         * it undoes. The timer evicts between commands, as Redis's. */
        start_timer(st);
    }
}

void node_evict_init(struct node_server *srv)
{
    struct node_evict_state *st = state(srv);
#ifdef SHOAL_JEMALLOC
    size_t sz = sizeof(st->t_alloc);
    if (mallctl("thread.allocatedp", &st->t_alloc, &sz, NULL, 0) != 0 ||
        mallctl("thread.deallocatedp", &st->t_dealloc, &sz, NULL, 0) != 0)
        st->t_alloc = st->t_dealloc = NULL;
#endif
    calibrate(st);
    apply_access_mode(srv);
    uv_timer_init(srv->loop, &st->timer);
    st->timer.data = srv;
    st->timer_ready = true;
    uv_timer_init(srv->loop, &st->calib);
    st->calib.data = srv;
    uv_timer_start(&st->calib, on_calibrate, CALIBRATE_MS, CALIBRATE_MS);
}

void node_evict_free(struct node_server *srv)
{
    if (!srv->evict)
        return;
    pool_reset(srv->evict);
    core_free(srv->evict);
    srv->evict = NULL;
}

uint64_t node_evict_keys(const struct node_server *srv)
{
    return srv->evict ? srv->evict->evicted_keys : 0;
}

void node_evict_reset_stats(struct node_server *srv)
{
    state(srv)->evicted_keys = 0;
}
