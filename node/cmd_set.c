/* cmd_set.c — placeholder until its owner lands it. */
#include "node/commands.h"

void node_cmd_sadd(struct node_client *c)
{
    node_reply_error(&c->out, "ERR sadd is not implemented yet");
}

void node_cmd_srem(struct node_client *c)
{
    node_reply_error(&c->out, "ERR srem is not implemented yet");
}

void node_cmd_scard(struct node_client *c)
{
    node_reply_error(&c->out, "ERR scard is not implemented yet");
}

void node_cmd_sismember(struct node_client *c)
{
    node_reply_error(&c->out, "ERR sismember is not implemented yet");
}

void node_cmd_smismember(struct node_client *c)
{
    node_reply_error(&c->out, "ERR smismember is not implemented yet");
}

void node_cmd_smembers(struct node_client *c)
{
    node_reply_error(&c->out, "ERR smembers is not implemented yet");
}

void node_cmd_srandmember(struct node_client *c)
{
    node_reply_error(&c->out, "ERR srandmember is not implemented yet");
}

void node_cmd_spop(struct node_client *c)
{
    node_reply_error(&c->out, "ERR spop is not implemented yet");
}

void node_cmd_smove(struct node_client *c)
{
    node_reply_error(&c->out, "ERR smove is not implemented yet");
}

void node_cmd_sinter(struct node_client *c)
{
    node_reply_error(&c->out, "ERR sinter is not implemented yet");
}

void node_cmd_sintercard(struct node_client *c)
{
    node_reply_error(&c->out, "ERR sintercard is not implemented yet");
}

void node_cmd_sinterstore(struct node_client *c)
{
    node_reply_error(&c->out, "ERR sinterstore is not implemented yet");
}

void node_cmd_sunion(struct node_client *c)
{
    node_reply_error(&c->out, "ERR sunion is not implemented yet");
}

void node_cmd_sunionstore(struct node_client *c)
{
    node_reply_error(&c->out, "ERR sunionstore is not implemented yet");
}

void node_cmd_sdiff(struct node_client *c)
{
    node_reply_error(&c->out, "ERR sdiff is not implemented yet");
}

void node_cmd_sdiffstore(struct node_client *c)
{
    node_reply_error(&c->out, "ERR sdiffstore is not implemented yet");
}

void node_cmd_sscan(struct node_client *c)
{
    node_reply_error(&c->out, "ERR sscan is not implemented yet");
}

int node_sintercard_getkeys(int argc, const char **argv, const size_t *argl, int *idx, int idx_cap)
{
    (void)argc; (void)argv; (void)argl; (void)idx; (void)idx_cap;
    return 0;
}

