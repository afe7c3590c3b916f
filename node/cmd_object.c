/* cmd_object.c — placeholder until its owner lands it. */
#include "node/commands.h"

void node_cmd_object_idletime(struct node_client *c)
{
    node_reply_error(&c->out, "ERR object idletime is not implemented yet");
}

void node_cmd_object_freq(struct node_client *c)
{
    node_reply_error(&c->out, "ERR object freq is not implemented yet");
}

void node_cmd_object_refcount(struct node_client *c)
{
    node_reply_error(&c->out, "ERR object refcount is not implemented yet");
}
