/*
 * ks_expire.c — the expire vector (every key with a TTL, for O(1) removal and
 * uniform sampling) and active expiry with its avg_ttl estimate.
 *
 * Does not own lazy expiry (node_ks_find in ks.c deletes what it meets) nor
 * the TTL bytes of an entry (ks_int.h). The vector is chunked: growing it
 * allocates one chunk, never copies the keys' pointers.
 */
#include "node/ks_int.h"

/* Longest the vector may get: an entry stores its index in 32 bits. */
#define EXP_COUNT_MAX ((size_t)UINT32_MAX)
/* avg_ttl is an exponential moving average; each cycle's sample weighs 1/N. */
#define AVG_TTL_WEIGHT 50

void node_ks__exp_add(struct node_ks *ks, struct node_ks_entry *e)
{
    core_assert(e->hdr & KS_HDR_TTL);
    core_assert(ks->exp_count < EXP_COUNT_MAX);
    if (ks->exp_count == ks->exp_nchunks * KS_EXP_CHUNK) {
        if (ks->exp_nchunks == ks->exp_dir_cap) {
            ks->exp_dir_cap = ks->exp_dir_cap ? ks->exp_dir_cap * 2 : 4;
            ks->exp_chunks = core_realloc(ks->exp_chunks, ks->exp_dir_cap * sizeof(*ks->exp_chunks));
        }
        ks->exp_chunks[ks->exp_nchunks++] = core_malloc(KS_EXP_CHUNK * sizeof(struct node_ks_entry *));
    }
    ks_ent_set_exp_index(e, (uint32_t)ks->exp_count);
    *ks_exp_at(ks, ks->exp_count++) = e;
}

void node_ks__exp_remove(struct node_ks *ks, struct node_ks_entry *e)
{
    core_assert(e->hdr & KS_HDR_TTL);
    uint32_t index = ks_ent_exp_index(e);
    core_assert(index < ks->exp_count && *ks_exp_at(ks, index) == e);
    struct node_ks_entry *last = *ks_exp_at(ks, --ks->exp_count);
    if (last != e) {
        *ks_exp_at(ks, index) = last;
        ks_ent_set_exp_index(last, index);
    }
    /* Keep one spare chunk so a key flapping at a chunk edge costs nothing. */
    if (ks->exp_nchunks * KS_EXP_CHUNK - ks->exp_count > 2 * KS_EXP_CHUNK)
        core_free(ks->exp_chunks[--ks->exp_nchunks]);
}

void node_ks__exp_replace(struct node_ks *ks, struct node_ks_entry *nw)
{
    uint32_t index = ks_ent_exp_index(nw);
    core_assert(index < ks->exp_count);
    *ks_exp_at(ks, index) = nw;
}

void node_ks__exp_clear(struct node_ks *ks)
{
    for (size_t i = 0; i < ks->exp_nchunks; i++)
        core_free(ks->exp_chunks[i]);
    core_free(ks->exp_chunks);
    ks->exp_chunks = NULL;
    ks->exp_count = 0;
    ks->exp_nchunks = 0;
    ks->exp_dir_cap = 0;
}

size_t node_ks_expires_size(const struct node_ks *ks)
{
    return ks->exp_count;
}

int64_t node_ks_avg_ttl(const struct node_ks *ks)
{
    return ks->avg_ttl;
}

struct sample {
    size_t sampled;
    size_t expired;
    int64_t ttl_sum; /* of the live keys sampled */
    size_t ttl_n;
};

/* One round: KS_EXPIRE_SAMPLE random TTL keys (with replacement). */
static void expire_round(struct node_ks *ks, struct sample *s)
{
    for (unsigned i = 0; i < KS_EXPIRE_SAMPLE && ks->exp_count > 0; i++) {
        struct node_ks_entry *e = *ks_exp_at(ks, node_ks__rand(ks) % ks->exp_count);
        s->sampled++;
        if (ks_ent_is_expired(ks, e)) {
            node_ks__expired(ks, e);
            node_ks_delete_entry(ks, e);
            ks->stats.expired_keys++;
            s->expired++;
        } else {
            int64_t ttl = ks_ent_when(e) - ks->now_ms;
            /* Clamp so that a sum of KS_EXPIRE_SAMPLE TTLs cannot overflow. */
            s->ttl_sum += CORE_MIN(ttl, INT64_MAX / 64);
            s->ttl_n++;
        }
    }
}

static void update_avg_ttl(struct node_ks *ks, const struct sample *s)
{
    if (s->ttl_n == 0)
        return;
    int64_t avg = s->ttl_sum / (int64_t)s->ttl_n;
    if (ks->avg_ttl == 0)
        ks->avg_ttl = avg;
    else
        ks->avg_ttl = ks->avg_ttl / AVG_TTL_WEIGHT * (AVG_TTL_WEIGHT - 1) + avg / AVG_TTL_WEIGHT;
}

size_t node_ks_active_expire(struct node_ks *ks, int64_t mono_deadline_us)
{
    int64_t start_us = core_mono_us();
    size_t removed = 0;
    if (ks->expire_mode != NODE_KS_EXPIRE_DELETE)
        return 0;
    if (ks->exp_count == 0)
        ks->avg_ttl = 0; /* as Redis: nothing left to estimate */
    /* Bounded by the deadline, and by the vector shrinking each round that
     * goes on (a round continues only if it removed keys). */
    for (;;) {
        struct sample s = {0};
        expire_round(ks, &s);
        update_avg_ttl(ks, &s);
        removed += s.expired;
        if (s.sampled == 0 || s.expired * KS_EXPIRE_AGAIN_DIV <= s.sampled)
            break;
        if (core_mono_us() >= mono_deadline_us)
            break;
    }
    ks->stats.expire_cycle_cpu_us += (uint64_t)(core_mono_us() - start_us);
    return removed;
}
