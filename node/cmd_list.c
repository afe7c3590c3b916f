/* cmd_list.c — placeholder until its owner lands it. */
#include "node/commands.h"

void node_cmd_lpush(struct node_client *c)
{
    node_reply_error(&c->out, "ERR lpush is not implemented yet");
}

void node_cmd_rpush(struct node_client *c)
{
    node_reply_error(&c->out, "ERR rpush is not implemented yet");
}

void node_cmd_lpushx(struct node_client *c)
{
    node_reply_error(&c->out, "ERR lpushx is not implemented yet");
}

void node_cmd_rpushx(struct node_client *c)
{
    node_reply_error(&c->out, "ERR rpushx is not implemented yet");
}

void node_cmd_lpop(struct node_client *c)
{
    node_reply_error(&c->out, "ERR lpop is not implemented yet");
}

void node_cmd_rpop(struct node_client *c)
{
    node_reply_error(&c->out, "ERR rpop is not implemented yet");
}

void node_cmd_llen(struct node_client *c)
{
    node_reply_error(&c->out, "ERR llen is not implemented yet");
}

void node_cmd_lrange(struct node_client *c)
{
    node_reply_error(&c->out, "ERR lrange is not implemented yet");
}

void node_cmd_lindex(struct node_client *c)
{
    node_reply_error(&c->out, "ERR lindex is not implemented yet");
}

void node_cmd_lset(struct node_client *c)
{
    node_reply_error(&c->out, "ERR lset is not implemented yet");
}

void node_cmd_linsert(struct node_client *c)
{
    node_reply_error(&c->out, "ERR linsert is not implemented yet");
}

void node_cmd_lrem(struct node_client *c)
{
    node_reply_error(&c->out, "ERR lrem is not implemented yet");
}

void node_cmd_ltrim(struct node_client *c)
{
    node_reply_error(&c->out, "ERR ltrim is not implemented yet");
}

void node_cmd_lpos(struct node_client *c)
{
    node_reply_error(&c->out, "ERR lpos is not implemented yet");
}

void node_cmd_lmove(struct node_client *c)
{
    node_reply_error(&c->out, "ERR lmove is not implemented yet");
}

void node_cmd_rpoplpush(struct node_client *c)
{
    node_reply_error(&c->out, "ERR rpoplpush is not implemented yet");
}

void node_cmd_blpop(struct node_client *c)
{
    node_reply_error(&c->out, "ERR blpop is not implemented yet");
}

void node_cmd_brpop(struct node_client *c)
{
    node_reply_error(&c->out, "ERR brpop is not implemented yet");
}

void node_cmd_blmove(struct node_client *c)
{
    node_reply_error(&c->out, "ERR blmove is not implemented yet");
}

void node_cmd_brpoplpush(struct node_client *c)
{
    node_reply_error(&c->out, "ERR brpoplpush is not implemented yet");
}

void node_cmd_blmpop(struct node_client *c)
{
    node_reply_error(&c->out, "ERR blmpop is not implemented yet");
}

void node_cmd_lmpop(struct node_client *c)
{
    node_reply_error(&c->out, "ERR lmpop is not implemented yet");
}

int node_blmpop_getkeys(int argc, const char **argv, const size_t *argl, int *idx, int idx_cap)
{
    (void)argc; (void)argv; (void)argl; (void)idx; (void)idx_cap;
    return 0;
}

int node_lmpop_getkeys(int argc, const char **argv, const size_t *argl, int *idx, int idx_cap)
{
    (void)argc; (void)argv; (void)argl; (void)idx; (void)idx_cap;
    return 0;
}

