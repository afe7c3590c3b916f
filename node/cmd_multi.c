/*
 * cmd_multi.c — MULTI, EXEC, DISCARD: queueing commands and running them as
 * one block. Queue-time errors (unknown command, arity, ...) are flagged by
 * the dispatcher and make EXEC answer EXECABORT; run-time errors of queued
 * commands are just elements of EXEC's reply (no rollback), as in Redis.
 */
#include "node/commands.h"
#include "node/core/core.h"
#include "node/node_int.h"
#include "node/watch.h"

#include <string.h>

/* A queued command is one allocation: argv pointers, lengths, then the
 * argument bytes, so queueing costs one malloc whatever argc is. Like Redis,
 * the queue itself is unbounded; each entry was a request the query-buffer
 * limit already admitted. */
void node_multi_queue(struct node_client *c)
{
    if (c->mcount == c->mcap) {
        c->mcap = c->mcap ? c->mcap * 2 : 8;
        c->mstate = core_realloc(c->mstate, (size_t)c->mcap * sizeof(*c->mstate));
    }
    size_t data = 0;
    for (int i = 0; i < c->argc; i++)
        data += c->argl[i] + 1;
    size_t head = (size_t)c->argc * (sizeof(char *) + sizeof(size_t));
    char *block = core_malloc(head + data);
    struct node_multi_cmd *m = &c->mstate[c->mcount++];
    m->cmd = c->cmd;
    m->argc = c->argc;
    m->argv = (char **)block;
    m->argl = (size_t *)(block + (size_t)c->argc * sizeof(char *));
    char *w = block + head;
    for (int i = 0; i < c->argc; i++) {
        memcpy(w, c->argv[i], c->argl[i]);
        w[c->argl[i]] = '\0';
        m->argv[i] = w;
        m->argl[i] = c->argl[i];
        w += c->argl[i] + 1;
    }
    node_out_append(&c->out, "+QUEUED\r\n", 9);
}

void node_multi_reset(struct node_client *c)
{
    for (int i = 0; i < c->mcount; i++)
        core_free(c->mstate[i].argv);
    core_free(c->mstate);
    c->mstate = NULL;
    c->mcount = c->mcap = 0;
    c->flags &= ~(NODE_CLIENT_MULTI | NODE_CLIENT_DIRTY_EXEC);
    node_watch_unwatch_all(c);
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
    /* A watched key changed: nothing runs, nothing is propagated. */
    if (node_watch_failed(c)) {
        node_multi_reset(c);
        node_reply_null_array(&c->out);
        return;
    }
    /* Unwatch before running: the transaction's own writes must not
     * bother marking this client. */
    node_watch_unwatch_all(c);
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

void node_cmd_watch(struct node_client *c)
{
    if (c->flags & NODE_CLIENT_MULTI) {
        node_reply_error(&c->out, "ERR WATCH inside MULTI is not allowed");
        return;
    }
    for (int j = 1; j < c->argc; j++)
        node_watch_add(c, c->argv[j], c->argl[j]);
    node_reply_ok(&c->out);
}

void node_cmd_unwatch(struct node_client *c)
{
    node_watch_unwatch_all(c);
    node_reply_ok(&c->out);
}
