/*
 * gossip_failover.c — replacing a failed master: the replica's election
 * (spec §15), the masters' votes (§16), CLUSTER FAILOVER and its master
 * side (§17), and replica migration to orphaned masters (§18).
 *
 * Owns the failover_auth_* and mf_* fields of struct gossip, lastVoteEpoch,
 * each master's voted_time and orphaned_time, and the promotion of myself
 * from replica to master. Does not own FAIL (gossip_fd.c), how others learn
 * the new owner of the slots (gossip_slots.c: the greater configEpoch
 * wins), the write pause itself or the dataset promotion (node/, through
 * env->pause_writes and env->master_changed).
 *
 * BACKGROUND
 * When a master is FAIL, each of its replicas asks every master for a vote
 * in a new epoch; a master votes once per epoch and at most once per
 * 2 x N_T for the same failed master, so at most one replica gets a
 * majority. The winner takes the failed master's slots with the election
 * epoch as its configEpoch, which beats the old master's claim everywhere.
 * Replicas with more of the stream (larger offset) wait less before asking
 * (rank), so the best one usually wins. A manual failover runs the same
 * election with FORCEACK (masters vote although the master is up), after
 * the master paused writes and the replica caught up with its offset, so
 * nothing acknowledged is lost.
 *
 * BEHAVIOR
 *  - Election (tick, or before_sleep when flagged): only on a replica whose
 *    master is known, has slots, and is FAIL with cluster-replica-no-
 *    failover off, or a manual failover may start. Data age (minus N_T when
 *    larger) above repl-ping-replica-period + N_T x validity factor stops an
 *    automatic one. After auth_retry = 2 x max(2 x N_T, 2000) ms since the
 *    last attempt: a new attempt is scheduled after the delay of gossip.h
 *    (manual: now, rank 0), and the replicas of my shard get a PONG. Before
 *    asking, a worse rank adds its delay. Once due, and within the attempt's
 *    max(2 x N_T, 2000) ms: currentEpoch + 1, save+fsync, AUTH_REQUEST to
 *    all (FORCEACK if manual); then votes >= size/2 + 1 win: configEpoch = the
 *    election epoch, master role, env->master_changed(NULL), every slot of
 *    the old master, state update, save+fsync, PONG to all, manual failover
 *    state reset.
 *  - Votes: Redis's six rules in order (spec §16); on grant lastVoteEpoch =
 *    currentEpoch, the master's voted_time = now, save+fsync at once (before
 *    the ACK can reach the wire), AUTH_ACK on my outbound link to the requester (no link: the vote is spent, not sent).
 *    An ACK counts when its sender is a master with slots and its header's
 *    currentEpoch >= the election epoch.
 *  - CLUSTER FAILOVER: errors in Redis's order; mf_end = now + 5000 ms.
 *    TAKEOVER: epoch bump without consensus and promotion at once. FORCE:
 *    election now. Default: MFSTART to my master, which pauses writes for
 *    10 s, PINGs me now and every tick with PAUSED set; the first PAUSED
 *    header gives me its offset, and the election may start once my
 *    offset equals it. After mf_end the attempt ends ("Manual failover
 *    timed out."); every end of it lifts a pause this node set.
 *  - Migration (replica, cluster-allow-replica-migration): when some master
 *    is orphaned (not FAIL, slots, MIGRATE_TO, no non-FAIL replica), the
 *    best-served masters have >= 2 non-FAIL replicas and mine is one of
 *    them: if the state is ok, my master keeps more than migration-barrier
 *    healthy replicas, I have the smallest id among the replicas of the
 *    best-served masters, and the first orphaned master with slots has been
 *    orphaned for more than 5000 ms, I replicate it.
 */
#include "gossip/gossip_int.h"
#include "node/core/core.h"

#include <string.h>

/* Why the election cannot proceed, for the rate-limited log line. */
enum cant_failover {
    CANT_FAILOVER_NONE = 0,
    CANT_FAILOVER_DATA_AGE,
    CANT_FAILOVER_WAITING_DELAY,
    CANT_FAILOVER_EXPIRED,
    CANT_FAILOVER_WAITING_VOTES,
};

/* Right after the FAIL the waiting is normal: no log (Redis's). */
#define CANT_FAILOVER_QUIET_EXTRA_MS 5000

static int64_t my_offset(const struct gossip *g)
{
    return g->env.repl_offset ? g->env.repl_offset(g->env.ud) : 0;
}

static int64_t auth_timeout_ms(const struct gossip *g)
{
    return CORE_MAX(2 * g->cfg.node_timeout_ms, (int64_t)GOSSIP_AUTH_TIMEOUT_MIN_MS);
}

static bool is_failed(const struct gossip_node *n)
{
    return (n->flags & GOSSIP_NODE_FAIL) != 0;
}

static void log_cant_failover(struct gossip *g, enum cant_failover reason)
{
    int64_t now = gossip__now(g);
    if ((int32_t)reason == g->cant_failover_reason && now - g->cant_failover_log_ms < GOSSIP_CANT_FAILOVER_RELOG_MS)
        return;
    g->cant_failover_reason = (int32_t)reason;
    const struct gossip_node *master = g->myself->master;
    int64_t quiet_ms = g->cfg.node_timeout_ms + CANT_FAILOVER_QUIET_EXTRA_MS;
    if (master && is_failed(master) && now - master->fail_time_ms < quiet_ms)
        return;
    const char *msg = "Unknown reason code.";
    switch (reason) {
    case CANT_FAILOVER_DATA_AGE:
        msg = "Disconnected from master for longer than allowed. Please check the "
              "'cluster-replica-validity-factor' configuration option.";
        break;
    case CANT_FAILOVER_WAITING_DELAY:
        msg = "Waiting the delay before I can start a new failover.";
        break;
    case CANT_FAILOVER_EXPIRED:
        msg = "Failover attempt expired.";
        break;
    case CANT_FAILOVER_WAITING_VOTES:
        msg = "Waiting for votes, but majority still not reached.";
        break;
    case CANT_FAILOVER_NONE:
        break;
    }
    g->cant_failover_log_ms = now;
    gossip__log(g, CORE_LOG_WARNING, "Currently unable to failover: %s", msg);
}

void gossip__failover_mf_reset(struct gossip *g)
{
    if (g->mf_paused) {
        g->mf_paused = false;
        if (g->env.pause_writes)
            g->env.pause_writes(g->env.ud, 0);
    }
    g->mf_end_ms = 0;
    g->mf_can_start = false;
    g->mf_replica = NULL;
    g->mf_master_offset = -1;
    core_assert(!gossip_failover_manual_in_progress(g) && !g->mf_paused);
}

bool gossip_failover_manual_in_progress(const struct gossip *g)
{
    return g->mf_end_ms != 0;
}

/* Replicas of my master with a larger advertised offset than mine, not
 * counting those that never fail over (ties share a rank). */
static int32_t replica_rank(const struct gossip *g)
{
    const struct gossip_node *me = g->myself, *master = me->master;
    core_assert(gossip_node_is_replica(me) && master != NULL);
    int64_t mine = my_offset(g);
    int32_t rank = 0;
    for (int32_t i = 0; i < master->replica_count; i++) {
        const struct gossip_node *r = master->replicas[i];
        if (r != me && !(r->flags & GOSSIP_NODE_NOFAILOVER) && r->repl_offset > mine)
            rank++;
    }
    core_assert(rank >= 0 && rank <= master->replica_count);
    return rank;
}

/* True if the data is too old for an automatic failover (§15 data age). */
static bool data_too_old(const struct gossip *g)
{
    if (g->cfg.replica_validity_factor == 0)
        return false;
    int64_t age = g->env.repl_data_age_ms ? g->env.repl_data_age_ms(g->env.ud) : 0;
    /* Being cut off while the master was being declared FAIL is expected. */
    if (age > g->cfg.node_timeout_ms)
        age -= g->cfg.node_timeout_ms;
    /* N_T <= 2^40 and the factor < 2^31: the product can overflow. */
    int64_t limit;
    if (__builtin_mul_overflow(g->cfg.node_timeout_ms, (int64_t)g->cfg.replica_validity_factor, &limit) ||
        __builtin_add_overflow(limit, g->cfg.repl_ping_period_ms, &limit))
        return false;
    return age > limit;
}

/* I become the master of my shard, with my old master's slots. */
static void replace_my_master(struct gossip *g)
{
    struct gossip_node *me = g->myself, *old = me->master;
    core_assert(gossip_node_is_replica(me) && old != NULL && old != me);
    struct slots_bitmap slots = old->slots; /* assigning changes old->slots */
    gossip__node_set_master_role(g, me);
    if (g->env.master_changed)
        g->env.master_changed(g->env.ud, NULL);
    for (int s = slots_bitmap_next(&slots, 0); s >= 0; s = slots_bitmap_next(&slots, s + 1))
        gossip_slots_assign(g, s, me);
    gossip_state_update(g);
    gossip__save_now(g, true);
    gossip_send_broadcast_pong(g);
    gossip__failover_mf_reset(g);
    core_assert(gossip_node_is_master(me) && old->slot_count == 0);
}

/* A new attempt: its start time, rank, and my offset to my siblings. */
static void election_schedule(struct gossip *g, int64_t now)
{
    g->failover_auth_count = 0;
    g->failover_auth_sent = false;
    g->failover_auth_rank = replica_rank(g);
    g->failover_auth_time_ms = now + GOSSIP_ELECTION_DELAY_FIXED_MS +
                               (int64_t)(gossip__random(g) % GOSSIP_ELECTION_DELAY_RANDOM_MS) +
                               (int64_t)g->failover_auth_rank * GOSSIP_ELECTION_RANK_STEP_MS;
    if (g->mf_end_ms) {
        g->failover_auth_time_ms = now; /* the master is waiting, paused */
        g->failover_auth_rank = 0;
        gossip_todo(g, GOSSIP_TODO_FAILOVER);
    }
    gossip__log(g, CORE_LOG_NOTICE, "Start of election delayed for %lld milliseconds (rank #%d, offset %lld).",
                (long long)(g->failover_auth_time_ms - now), g->failover_auth_rank, (long long)my_offset(g));
    gossip__send_pongs(g, GOSSIP_PONG_LOCAL_REPLICAS);
    core_assert(g->failover_auth_time_ms >= now && !g->failover_auth_sent);
}

/* Siblings advertised larger offsets since scheduling: wait longer. */
static void election_rerank(struct gossip *g)
{
    int32_t rank = replica_rank(g);
    if (rank <= g->failover_auth_rank)
        return;
    int64_t added = (int64_t)(rank - g->failover_auth_rank) * GOSSIP_ELECTION_RANK_STEP_MS;
    g->failover_auth_time_ms += added;
    g->failover_auth_rank = rank;
    gossip__log(g, CORE_LOG_NOTICE, "Replica rank updated to #%d, added %lld milliseconds of delay.", rank,
                (long long)added);
}

static void election_start(struct gossip *g)
{
    uint64_t before = g->current_epoch;
    g->current_epoch++;
    g->failover_auth_epoch = g->current_epoch;
    gossip__log(g, CORE_LOG_NOTICE, "Starting a failover election for epoch %llu.",
                (unsigned long long)g->current_epoch);
    /* The header carries the election epoch, my master's configEpoch and
     * its slots (a replica advertises those). */
    gossip__save_now(g, true); /* the epoch is on disk before anyone hears of it */
    gossip__send_broadcast_header_only(g, GOSSIP_MSG_FAILOVER_AUTH_REQUEST,
                                       g->mf_end_ms ? GOSSIP_MSG_MFLAG_FORCEACK : 0);
    g->failover_auth_sent = true;
    gossip_todo(g, GOSSIP_TODO_UPDATE_STATE);
    core_assert(g->current_epoch == before + 1 && g->failover_auth_epoch == g->current_epoch);
}

static void election_win(struct gossip *g)
{
    struct gossip_node *me = g->myself;
    gossip__log(g, CORE_LOG_NOTICE, "Failover election won: I'm the new master.");
    if (me->config_epoch < g->failover_auth_epoch) {
        me->config_epoch = g->failover_auth_epoch;
        gossip__log(g, CORE_LOG_NOTICE, "configEpoch set to %llu after successful failover",
                    (unsigned long long)me->config_epoch);
    }
    replace_my_master(g);
    core_assert(me->config_epoch >= g->failover_auth_epoch);
}

/* Whether this replica should be electing now (Redis's preconditions). */
static bool election_wanted(const struct gossip *g, bool manual)
{
    const struct gossip_node *me = g->myself, *master = me->master;
    if (!gossip_node_is_replica(me) || !master)
        return false;
    if (!is_failed(master) && !manual)
        return false;
    if (g->cfg.replica_no_failover && !manual)
        return false;
    return master->slot_count > 0;
}

/* Redis's clusterHandleSlaveFailover(): one step of the election. */
static void election_step(struct gossip *g)
{
    int64_t now = gossip__now(g);
    int64_t auth_age = now - g->failover_auth_time_ms;
    int64_t timeout = auth_timeout_ms(g);
    bool manual = g->mf_end_ms != 0 && g->mf_can_start;
    if (!election_wanted(g, manual)) {
        g->cant_failover_reason = CANT_FAILOVER_NONE;
        return;
    }
    if (!manual && data_too_old(g)) {
        log_cant_failover(g, CANT_FAILOVER_DATA_AGE);
        return;
    }
    if (auth_age > 2 * timeout) {
        election_schedule(g, now);
        if (!g->mf_end_ms)
            return;
        auth_age = 0; /* manual: due now, ask at once (Redis waits a loop) */
    }
    if (!g->failover_auth_sent && g->mf_end_ms == 0)
        election_rerank(g);
    if (now < g->failover_auth_time_ms) {
        /* Any event before the next tick may find it due (shoal only). */
        gossip_todo(g, GOSSIP_TODO_FAILOVER);
        log_cant_failover(g, CANT_FAILOVER_WAITING_DELAY);
        return;
    }
    if (auth_age > timeout) {
        log_cant_failover(g, CANT_FAILOVER_EXPIRED);
        return;
    }
    if (!g->failover_auth_sent) {
        election_start(g);
        return;
    }
    if (g->failover_auth_count >= g->size / 2 + 1)
        election_win(g);
    else
        log_cant_failover(g, CANT_FAILOVER_WAITING_VOTES);
}

/* Replica side of a default manual failover: caught up with the paused
 * master? Re-flags itself while waiting so each loop iteration checks. */
static void mf_progress(struct gossip *g)
{
    if (g->mf_end_ms == 0 || g->mf_can_start || g->mf_master_offset == -1)
        return;
    if (g->mf_master_offset == my_offset(g)) {
        g->mf_can_start = true;
        gossip__log(g, CORE_LOG_WARNING, "All master replication stream processed, manual failover can start.");
    }
    gossip_todo(g, GOSSIP_TODO_FAILOVER);
}

static int32_t ok_replicas(const struct gossip_node *m)
{
    int32_t ok = 0;
    for (int32_t i = 0; i < m->replica_count; i++)
        if (!is_failed(m->replicas[i]))
            ok++;
    return ok;
}

/* Redis's clusterHandleSlaveMigration(), once the cron found an orphaned
 * master and that my master is among the best served (max_ok replicas). */
static void migration_step(struct gossip *g, int32_t max_ok)
{
    struct gossip_node *me = g->myself, *mine = me->master;
    if (!g->state_ok || !mine)
        return;
    int32_t healthy = 0;
    for (int32_t i = 0; i < mine->replica_count; i++)
        if (!(mine->replicas[i]->flags & (GOSSIP_NODE_FAIL | GOSSIP_NODE_PFAIL)))
            healthy++;
    if (healthy <= g->cfg.migration_barrier)
        return;
    int64_t now = gossip__now(g);
    struct gossip_node *target = NULL, *candidate = me;
    for (int32_t i = 0; i < g->node_count; i++) {
        struct gossip_node *n = g->nodes[i];
        int32_t ok = gossip_node_is_master(n) ? ok_replicas(n) : 0;
        bool orphaned =
            gossip_node_is_master(n) && !is_failed(n) && (n->flags & GOSSIP_NODE_MIGRATE_TO) && ok == 0;
        if (orphaned) {
            if (!target && n->slot_count > 0)
                target = n;
            if (n->orphaned_time_ms == 0)
                n->orphaned_time_ms = now;
        } else {
            n->orphaned_time_ms = 0;
        }
        if (ok != max_ok)
            continue;
        for (int32_t j = 0; j < n->replica_count; j++)
            if (memcmp(n->replicas[j]->id, candidate->id, GOSSIP_ID_LEN) < 0)
                candidate = n->replicas[j];
    }
    if (!target || candidate != me || now - target->orphaned_time_ms <= GOSSIP_MIGRATION_DELAY_MS)
        return;
    gossip__log(g, CORE_LOG_NOTICE, "Migrating to orphaned master %.40s", target->id);
    gossip_node_replicate(g, target);
    core_assert(me->master == target);
}

/* The cron's census for migration (Redis counts it in its node loop).
 * shoal also forgets orphaned_time here, every tick, for masters that are
 * no longer orphaned: Redis forgets it only while migration is being
 * considered, so a master orphaned for a moment long ago (e.g. while the
 * cluster was being set up) could be taken at once, not after 5 s. */
static void migration_check(struct gossip *g)
{
    struct gossip_node *me = g->myself;
    if (!g->cfg.allow_replica_migration || !gossip_node_is_replica(me))
        return;
    int32_t orphaned = 0, max_ok = 0, mine_ok = 0;
    for (int32_t i = 0; i < g->node_count; i++) {
        struct gossip_node *n = g->nodes[i];
        if (n->flags & (GOSSIP_NODE_MYSELF | GOSSIP_NODE_NOADDR | GOSSIP_NODE_HANDSHAKE))
            continue;
        if (!gossip_node_is_master(n) || is_failed(n)) {
            n->orphaned_time_ms = 0;
            continue;
        }
        int32_t ok = ok_replicas(n);
        if (ok == 0 && (n->flags & GOSSIP_NODE_MIGRATE_TO))
            orphaned += n->slot_count > 0;
        else
            n->orphaned_time_ms = 0;
        max_ok = CORE_MAX(max_ok, ok);
        if (me->master == n)
            mine_ok = ok;
    }
    if (orphaned > 0 && max_ok >= 2 && mine_ok == max_ok)
        migration_step(g, max_ok);
}

void gossip__failover_tick(struct gossip *g)
{
    int64_t now = gossip__now(g);
    if (g->mf_end_ms && g->mf_end_ms < now) {
        gossip__log(g, CORE_LOG_WARNING, "Manual failover timed out.");
        gossip__failover_mf_reset(g);
    }
    if (!gossip_node_is_replica(g->myself))
        return;
    mf_progress(g);
    election_step(g);
    migration_check(g); /* nothing if the election made me a master */
}

int64_t gossip_wakeup_ms(const struct gossip *g)
{
    /* Waiting out the election delay: ask the moment it ends, not at the
     * next tick or event (up to 100 ms later). */
    if ((g->todo & GOSSIP_TODO_FAILOVER) && gossip_node_is_replica(g->myself) && !g->failover_auth_sent &&
        g->failover_auth_time_ms > gossip__now(g))
        return g->failover_auth_time_ms;
    return 0;
}

void gossip__failover_before_sleep(struct gossip *g)
{
    if (!gossip_node_is_replica(g->myself))
        return;
    mf_progress(g);
    election_step(g);
}

void gossip__failover_recv_hdr(struct gossip *g, struct gossip_node *sender, const struct gossip_msg_hdr *hdr)
{
    struct gossip_node *me = g->myself;
    if (g->mf_end_ms == 0 || !gossip_node_is_replica(me) || me->master != sender)
        return;
    if (!(hdr->mflags[0] & GOSSIP_MSG_MFLAG_PAUSED) || g->mf_master_offset != -1)
        return;
    g->mf_master_offset = sender->repl_offset;
    gossip_todo(g, GOSSIP_TODO_FAILOVER);
    gossip__log(g, CORE_LOG_WARNING, "Received replication offset for paused master manual failover: %lld",
                (long long)g->mf_master_offset);
}

/* Rule 6: a slot of the request held here by a newer configuration. */
static bool request_slots_stale(struct gossip *g, struct gossip_node *node, const struct gossip_msg_hdr *hdr)
{
    for (int s = slots_bitmap_next(&hdr->myslots, 0); s >= 0; s = slots_bitmap_next(&hdr->myslots, s + 1)) {
        if (gossip_slots_is_unclaimed(g, s))
            continue;
        const struct gossip_node *owner = g->nodes[slots_map_owner(&g->map, s)];
        if (owner->config_epoch <= hdr->config_epoch)
            continue;
        gossip__log(g, CORE_LOG_WARNING, "Failover auth denied to %.40s: slot %d epoch (%llu) > reqEpoch (%llu)",
                    node->id, s, (unsigned long long)owner->config_epoch, (unsigned long long)hdr->config_epoch);
        return true;
    }
    return false;
}

/* Rules 3-5; rule 1-2 and 6 are the caller's. */
static bool requester_is_eligible(struct gossip *g, struct gossip_node *node, const struct gossip_msg_hdr *hdr,
                                  int64_t now)
{
    struct gossip_node *master = node->master;
    bool force_ack = (hdr->mflags[0] & GOSSIP_MSG_MFLAG_FORCEACK) != 0;
    if (g->last_vote_epoch == g->current_epoch) {
        gossip__log(g, CORE_LOG_WARNING, "Failover auth denied to %.40s: already voted for epoch %llu", node->id,
                    (unsigned long long)g->current_epoch);
        return false;
    }
    if (gossip_node_is_master(node)) {
        gossip__log(g, CORE_LOG_WARNING, "Failover auth denied to %.40s: it is a master node", node->id);
        return false;
    }
    if (!master) {
        gossip__log(g, CORE_LOG_WARNING, "Failover auth denied to %.40s: I don't know its master", node->id);
        return false;
    }
    if (!is_failed(master) && !force_ack) {
        gossip__log(g, CORE_LOG_WARNING, "Failover auth denied to %.40s: its master is up", node->id);
        return false;
    }
    int64_t cooldown = 2 * g->cfg.node_timeout_ms;
    if (now - master->voted_time_ms < cooldown) {
        gossip__log(g, CORE_LOG_WARNING,
                    "Failover auth denied to %.40s: can't vote about this master before %lld milliseconds", node->id,
                    (long long)(cooldown - (now - master->voted_time_ms)));
        return false;
    }
    return true;
}

void gossip__failover_recv_auth_request(struct gossip *g, struct gossip_node *node, const struct gossip_msg_hdr *hdr)
{
    core_assert(node && !gossip__in_handshake(node));
    struct gossip_node *me = g->myself;
    if (!gossip_node_is_master(me) || me->slot_count == 0)
        return; /* only masters serving slots count in the quorum */
    if (hdr->current_epoch < g->current_epoch) {
        gossip__log(g, CORE_LOG_WARNING, "Failover auth denied to %.40s: reqEpoch (%llu) < curEpoch(%llu)", node->id,
                    (unsigned long long)hdr->current_epoch, (unsigned long long)g->current_epoch);
        return;
    }
    int64_t now = gossip__now(g);
    if (!requester_is_eligible(g, node, hdr, now) || request_slots_stale(g, node, hdr))
        return;
    g->last_vote_epoch = g->current_epoch;
    node->master->voted_time_ms = now;
    /* On disk before the vote leaves: a crash must not forget it and let
     * me vote twice in this epoch (the ACK may hit the wire at once). */
    gossip__save_now(g, true);
    gossip__send_header_only(g, node->link, GOSSIP_MSG_FAILOVER_AUTH_ACK, 0);
    gossip__log(g, CORE_LOG_WARNING, "Failover auth granted to %.40s for epoch %llu", node->id,
                (unsigned long long)g->current_epoch);
    core_assert(g->last_vote_epoch == g->current_epoch);
}

void gossip__failover_recv_auth_ack(struct gossip *g, struct gossip_node *sender, const struct gossip_msg_hdr *hdr)
{
    core_assert(sender != NULL);
    if (!gossip_node_is_master(sender) || sender->slot_count == 0 || hdr->current_epoch < g->failover_auth_epoch)
        return;
    g->failover_auth_count++;
    gossip_todo(g, GOSSIP_TODO_FAILOVER); /* maybe a majority: win now */
    core_assert(g->failover_auth_count > 0);
}

void gossip__failover_recv_mfstart(struct gossip *g, struct gossip_link *link, struct gossip_node *sender)
{
    core_assert(link && sender);
    if (sender->master != g->myself)
        return; /* only from one of my replicas */
    int64_t now = gossip__now(g);
    gossip__failover_mf_reset(g);
    g->mf_end_ms = now + GOSSIP_MF_TIMEOUT_MS;
    g->mf_replica = sender;
    if (g->env.pause_writes) {
        g->env.pause_writes(g->env.ud, now + GOSSIP_MF_PAUSE_MS);
        g->mf_paused = true;
    }
    gossip__log(g, CORE_LOG_WARNING, "Manual failover requested by replica %.40s.", sender->id);
    /* Carries PAUSED and my offset at once: the replica need not wait for
     * the next tick's ping. */
    gossip__ping_send(g, link, GOSSIP_MSG_PING);
    core_assert(gossip_failover_manual_in_progress(g));
}

enum gossip_failover_result gossip_failover_manual(struct gossip *g, enum gossip_failover_mode mode)
{
    struct gossip_node *me = g->myself, *master = me->master;
    if (!gossip_node_is_replica(me))
        return GOSSIP_FAILOVER_NOT_REPLICA;
    if (!master)
        return GOSSIP_FAILOVER_NO_MASTER;
    if (mode == GOSSIP_FAILOVER_DEFAULT && (is_failed(master) || !master->link))
        return GOSSIP_FAILOVER_MASTER_DOWN;
    gossip__failover_mf_reset(g);
    g->mf_end_ms = gossip__now(g) + GOSSIP_MF_TIMEOUT_MS;
    switch (mode) {
    case GOSSIP_FAILOVER_TAKEOVER:
        /* No votes: a new epoch of my own beats the old claim anyway. */
        gossip__log(g, CORE_LOG_WARNING, "Taking over the master (user request).");
        gossip_epoch_bump(g);
        replace_my_master(g);
        break;
    case GOSSIP_FAILOVER_FORCE:
        gossip__log(g, CORE_LOG_WARNING, "Forced failover user request accepted.");
        g->mf_can_start = true;
        gossip_todo(g, GOSSIP_TODO_FAILOVER);
        break;
    case GOSSIP_FAILOVER_DEFAULT:
        gossip__log(g, CORE_LOG_WARNING, "Manual failover user request accepted.");
        gossip__send_header_only(g, master->link, GOSSIP_MSG_MFSTART, 0);
        break;
    }
    return GOSSIP_FAILOVER_OK;
}
