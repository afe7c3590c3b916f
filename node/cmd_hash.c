/* cmd_hash.c — placeholder until its owner lands it. */
#include "node/commands.h"

void node_cmd_hset(struct node_client *c)
{
    node_reply_error(&c->out, "ERR hset is not implemented yet");
}

void node_cmd_hsetnx(struct node_client *c)
{
    node_reply_error(&c->out, "ERR hsetnx is not implemented yet");
}

void node_cmd_hget(struct node_client *c)
{
    node_reply_error(&c->out, "ERR hget is not implemented yet");
}

void node_cmd_hmget(struct node_client *c)
{
    node_reply_error(&c->out, "ERR hmget is not implemented yet");
}

void node_cmd_hmset(struct node_client *c)
{
    node_reply_error(&c->out, "ERR hmset is not implemented yet");
}

void node_cmd_hdel(struct node_client *c)
{
    node_reply_error(&c->out, "ERR hdel is not implemented yet");
}

void node_cmd_hlen(struct node_client *c)
{
    node_reply_error(&c->out, "ERR hlen is not implemented yet");
}

void node_cmd_hstrlen(struct node_client *c)
{
    node_reply_error(&c->out, "ERR hstrlen is not implemented yet");
}

void node_cmd_hexists(struct node_client *c)
{
    node_reply_error(&c->out, "ERR hexists is not implemented yet");
}

void node_cmd_hkeys(struct node_client *c)
{
    node_reply_error(&c->out, "ERR hkeys is not implemented yet");
}

void node_cmd_hvals(struct node_client *c)
{
    node_reply_error(&c->out, "ERR hvals is not implemented yet");
}

void node_cmd_hgetall(struct node_client *c)
{
    node_reply_error(&c->out, "ERR hgetall is not implemented yet");
}

void node_cmd_hincrby(struct node_client *c)
{
    node_reply_error(&c->out, "ERR hincrby is not implemented yet");
}

void node_cmd_hincrbyfloat(struct node_client *c)
{
    node_reply_error(&c->out, "ERR hincrbyfloat is not implemented yet");
}

void node_cmd_hrandfield(struct node_client *c)
{
    node_reply_error(&c->out, "ERR hrandfield is not implemented yet");
}

void node_cmd_hscan(struct node_client *c)
{
    node_reply_error(&c->out, "ERR hscan is not implemented yet");
}

