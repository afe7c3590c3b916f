/*
 * repl.c — the replication state both sides share (spec replication.md §1,
 * §6-§8, §12): replication ids and offsets, the backlog's existence and
 * size, the identity events of §8.1, the cron and before-sleep entry points,
 * and the INFO replication section as a whole.
 *
 * Does not own either side's work: repl_master.c (replicas attached here)
 * and repl_replica.c (this node's master link) each get their own calls.
 */
#include "node/repl.h"

#include <string.h>

#include "node/core/core.h"
#include "node/core/core_log.h"
#include "node/repl_master_int.h"
#include "node/server.h"
#include "node/text.h"

struct repl *repl_new(struct node_server *srv)
{
    struct repl *r = core_calloc(1, sizeof(*r));
    r->srv = srv;
    char id[REPL_ID_LEN + 1];
    repl_random_id(id);
    repl_ids_init(&r->ids, id);
    r->stream_db = -1;
    repl_master_init(r);
    repl_replica_init(r);
    core_assert(r->backlog == NULL && r->ids.second_offset == -1);
    return r;
}

void repl_free(struct repl *r)
{
    if (!r)
        return;
    repl_replica_free(r);
    repl_master_free(r);
    repl_backlog_free(r->backlog);
    core_free(r);
}

void repl_random_id(char out[REPL_ID_LEN + 1])
{
    core_random_hex(out, REPL_ID_LEN);
    core_assert(repl_id_valid(out, REPL_ID_LEN));
}

void repl_change_replid(struct repl *r)
{
    char id[REPL_ID_LEN + 1];
    repl_random_id(id);
    repl_ids_change(&r->ids, id);
}

void repl_shift_replid(struct repl *r)
{
    char id[REPL_ID_LEN + 1];
    repl_random_id(id);
    repl_ids_shift(&r->ids, id);
    core_log(CORE_LOG_NOTICE, "Setting secondary replication ID to %s, valid up to offset: %lld. New replication ID is %s",
             r->ids.replid2, (long long)r->ids.second_offset, r->ids.replid);
}

void repl_clear_replid2(struct repl *r)
{
    repl_ids_clear2(&r->ids);
}

void repl_backlog_ensure(struct repl *r)
{
    if (r->backlog)
        return;
    size_t size = repl__backlog_size(&r->srv->cfg);
    r->backlog = repl_backlog_new(size, r->ids.offset);
    core_assert(r->backlog->offset == r->ids.offset);
}

void repl_cron(struct repl *r, int64_t now_ms)
{
    repl_master_cron(r, now_ms);
    repl_replica_cron(r, now_ms);
}

void repl_before_sleep(struct repl *r)
{
    repl_master_before_sleep(r);
}

void repl_client_closed(struct repl *r, struct node_client *c)
{
    repl_replica_client_closed(r, c);
    repl_master_client_closed(r, c);
}

void repl_info(struct repl *r, struct node_text *t)
{
    bool replica = repl_is_replica(r);
    node_text_printf(t, "role:%s\r\n", replica ? "slave" : "master");
    if (replica)
        repl_replica_info(r, t);
    repl_master_info(r, t);
}
