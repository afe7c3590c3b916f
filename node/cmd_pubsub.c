/* cmd_pubsub.c — placeholder until its owner lands it. */
#include "node/commands.h"

void node_cmd_subscribe(struct node_client *c)
{
    node_reply_error(&c->out, "ERR subscribe is not implemented yet");
}

void node_cmd_unsubscribe(struct node_client *c)
{
    node_reply_error(&c->out, "ERR unsubscribe is not implemented yet");
}

void node_cmd_psubscribe(struct node_client *c)
{
    node_reply_error(&c->out, "ERR psubscribe is not implemented yet");
}

void node_cmd_punsubscribe(struct node_client *c)
{
    node_reply_error(&c->out, "ERR punsubscribe is not implemented yet");
}

void node_cmd_publish(struct node_client *c)
{
    node_reply_error(&c->out, "ERR publish is not implemented yet");
}

void node_cmd_ssubscribe(struct node_client *c)
{
    node_reply_error(&c->out, "ERR ssubscribe is not implemented yet");
}

void node_cmd_sunsubscribe(struct node_client *c)
{
    node_reply_error(&c->out, "ERR sunsubscribe is not implemented yet");
}

void node_cmd_spublish(struct node_client *c)
{
    node_reply_error(&c->out, "ERR spublish is not implemented yet");
}

void node_cmd_pubsub_channels(struct node_client *c)
{
    node_reply_error(&c->out, "ERR pubsub_channels is not implemented yet");
}

void node_cmd_pubsub_numsub(struct node_client *c)
{
    node_reply_error(&c->out, "ERR pubsub_numsub is not implemented yet");
}

void node_cmd_pubsub_numpat(struct node_client *c)
{
    node_reply_error(&c->out, "ERR pubsub_numpat is not implemented yet");
}

void node_cmd_pubsub_shardchannels(struct node_client *c)
{
    node_reply_error(&c->out, "ERR pubsub_shardchannels is not implemented yet");
}

void node_cmd_pubsub_shardnumsub(struct node_client *c)
{
    node_reply_error(&c->out, "ERR pubsub_shardnumsub is not implemented yet");
}

void node_cmd_pubsub_help(struct node_client *c)
{
    node_reply_error(&c->out, "ERR pubsub_help is not implemented yet");
}

