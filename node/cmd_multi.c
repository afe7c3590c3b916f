/*
 * cmd_multi.c — MULTI, EXEC, DISCARD: queueing commands and running them as
 * one block. Queue-time errors (unknown command, arity, ...) are flagged by
 * the dispatcher and make EXEC answer EXECABORT; run-time errors of queued
 * commands are just elements of EXEC's reply (no rollback), as in Redis.
 */
#include "node/commands.h"
#include "node/core/core.h"
#include "node/node_int.h"

#include <string.h>

/* Commands one MULTI may queue before the client is considered abusive is
 * bounded by the query-buffer limit: each queued command was a request. */

void node_multi_queue(struct node_client *c)
{
    if (c->mcount == c->mcap) {
        c->mcap = c->mcap ? c->mcap * 2 : 8;
        c->mstate = core_realloc(c->mstate, (size_t)c->mcap * sizeof(*c->mstate));
    }
    struct node_multi_cmd *m = &c->mstate[c->mcount++];
    m->cmd = c->cmd;
    m->argc = c->argc;
    m->argv = core_malloc((size_t)c->argc * sizeof(char *));
    m->argl = core_malloc((size_t)c->argc * sizeof(size_t));
    for (int i = 0; i < c->argc; i++) {
        m->argv[i] = core_strndup(c->argv[i], c->argl[i]);
        m->argl[i] = c->argl[i];
    }
    node_out_append(&c->out, "+QUEUED\r\n", 9);
}

void node_multi_reset(struct node_client *c)
{
    for (int i = 0; i < c->mcount; i++) {
        struct node_multi_cmd *m = &c->mstate[i];
        for (int j = 0; j < m->argc; j++)
            core_free(m->argv[j]);
        core_free(m->argv);
        core_free(m->argl);
    }
    core_free(c->mstate);
    c->mstate = NULL;
    c->mcount = c->mcap = 0;
    c->flags &= ~(NODE_CLIENT_MULTI | NODE_CLIENT_DIRTY_EXEC);
}

void node_cmd_multi(struct node_client *c)
{
    if (c->flags & NODE_CLIENT_MULTI) {
        node_reply_error(&c->out, "ERR MULTI calls can not be nested");
        return;
    }
    c->flags |= NODE_CLIENT_MULTI;
    node_reply_ok(&c->out);
}

void node_cmd_discard(struct node_client *c)
{
    if (!(c->flags & NODE_CLIENT_MULTI)) {
        node_reply_error(&c->out, "ERR DISCARD without MULTI");
        return;
    }
    node_multi_reset(c);
    node_reply_ok(&c->out);
}

void node_cmd_exec(struct node_client *c)
{
    if (!(c->flags & NODE_CLIENT_MULTI)) {
        node_reply_error(&c->out, "ERR EXEC without MULTI");
        return;
    }
    if (c->flags & NODE_CLIENT_DIRTY_EXEC) {
        node_multi_reset(c);
        node_reply_error(&c->out, "EXECABORT Transaction discarded because of previous errors.");
        return;
    }
    /* Take the queue out of the client first: a queued RESET or a kill must
     * not free it under our feet. */
    struct node_multi_cmd *queue = c->mstate;
    int count = c->mcount;
    c->mstate = NULL;
    c->mcount = c->mcap = 0;
    c->flags &= ~NODE_CLIENT_MULTI;
    c->flags |= NODE_CLIENT_IN_EXEC;

    const struct node_cmd *exec_cmd = c->cmd;
    int argc = c->argc;
    const char **argv = c->argv;
    size_t *argl = c->argl;
    node_reply_array(&c->out, count);
    for (int i = 0; i < count; i++) {
        c->cmd = queue[i].cmd;
        c->argc = queue[i].argc;
        c->argv = (const char **)queue[i].argv;
        c->argl = queue[i].argl;
        node_call(c);
    }
    c->cmd = exec_cmd;
    c->argc = argc;
    c->argv = argv;
    c->argl = argl;
    c->flags &= ~NODE_CLIENT_IN_EXEC;

    c->mstate = queue;
    c->mcount = c->mcap = count;
    node_multi_reset(c);
}
