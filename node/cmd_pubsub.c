/*
 * cmd_pubsub.c — SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE and their UNSUBSCRIBEs,
 * PUBLISH, SPUBLISH and PUBSUB's subcommands, with Redis 7.0's replies.
 *
 * Owns the arguments and where a message goes beyond this node: in cluster
 * mode PUBLISH to every node over the bus and SPUBLISH to my shard's nodes;
 * standalone, both are propagated to replicas (whose subscribers get them
 * when the replica applies it). Subscriptions and local delivery are
 * pubsub.c's; routing SSUBSCRIBE/SPUBLISH channels to their slot is
 * dispatch.c's (the table gives the channels as keys).
 */
#include "node/commands.h"
#include "gossip/gossip.h"
#include "node/core/core.h"
#include "node/propagate.h"
#include "node/pubsub.h"

static void subscribe_args(struct node_client *c, enum node_pubsub_kind kind)
{
    for (int i = 1; i < c->argc; i++)
        node_pubsub_subscribe(c, kind, c->argv[i], c->argl[i]);
}

static void unsubscribe_args(struct node_client *c, enum node_pubsub_kind kind)
{
    if (c->argc == 1) {
        node_pubsub_unsubscribe_all(c, kind, true);
        return;
    }
    for (int i = 1; i < c->argc; i++)
        node_pubsub_unsubscribe(c, kind, c->argv[i], c->argl[i]);
}

/* SUBSCRIBE inside MULTI stays allowed (Redis keeps it for old clients). */
void node_cmd_subscribe(struct node_client *c)
{
    subscribe_args(c, NODE_PUBSUB_CHANNEL);
}

void node_cmd_unsubscribe(struct node_client *c)
{
    unsubscribe_args(c, NODE_PUBSUB_CHANNEL);
}

void node_cmd_psubscribe(struct node_client *c)
{
    subscribe_args(c, NODE_PUBSUB_PATTERN);
}

void node_cmd_punsubscribe(struct node_client *c)
{
    unsubscribe_args(c, NODE_PUBSUB_PATTERN);
}

/* Inside EXEC a client expects one reply per command, so Redis refuses the
 * new command there. */
void node_cmd_ssubscribe(struct node_client *c)
{
    if (c->flags & NODE_CLIENT_IN_EXEC) {
        node_reply_error(&c->out, "ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client");
        return;
    }
    subscribe_args(c, NODE_PUBSUB_SHARD);
}

void node_cmd_sunsubscribe(struct node_client *c)
{
    unsubscribe_args(c, NODE_PUBSUB_SHARD);
}

/* The reply counts this node's receivers only, as Redis in a cluster. */
static void publish(struct node_client *c, bool shard)
{
    size_t receivers = node_pubsub_publish(c->srv, shard, c->argv[1], c->argl[1], c->argv[2], c->argl[2]);
    if (c->srv->gossip)
        gossip_send_publish(c->srv->gossip, shard, c->argv[1], c->argl[1], c->argv[2], c->argl[2]);
    else
        node_prop_force(c);
    node_reply_int(&c->out, (long long)receivers);
}

void node_cmd_publish(struct node_client *c)
{
    publish(c, false);
}

void node_cmd_spublish(struct node_client *c)
{
    publish(c, true);
}

static void channels(struct node_client *c, enum node_pubsub_kind kind)
{
    if (c->argc > 3) {
        node_reply_subcommand_args_error(c);
        return;
    }
    const char *pattern = c->argc == 3 ? c->argv[2] : NULL;
    node_pubsub_reply_channels(c->srv, kind, pattern, c->argc == 3 ? c->argl[2] : 0, &c->out);
}

static void numsub(struct node_client *c, enum node_pubsub_kind kind)
{
    node_reply_array(&c->out, (long long)(c->argc - 2) * 2);
    for (int i = 2; i < c->argc; i++) {
        node_reply_bulk(&c->out, c->argv[i], c->argl[i]);
        node_reply_int(&c->out, (long long)node_pubsub_numsub(c->srv, kind, c->argv[i], c->argl[i]));
    }
}

void node_cmd_pubsub_channels(struct node_client *c)
{
    channels(c, NODE_PUBSUB_CHANNEL);
}

void node_cmd_pubsub_numsub(struct node_client *c)
{
    numsub(c, NODE_PUBSUB_CHANNEL);
}

/* Distinct patterns, not pattern subscriptions (Redis 7.0). */
void node_cmd_pubsub_numpat(struct node_client *c)
{
    node_reply_int(&c->out, (long long)node_pubsub_count(c->srv, NODE_PUBSUB_PATTERN));
}

void node_cmd_pubsub_shardchannels(struct node_client *c)
{
    channels(c, NODE_PUBSUB_SHARD);
}

void node_cmd_pubsub_shardnumsub(struct node_client *c)
{
    numsub(c, NODE_PUBSUB_SHARD);
}

void node_cmd_pubsub_help(struct node_client *c)
{
    static const char *const lines[] = {
        "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CHANNELS [<pattern>]",
        "    Return the currently active channels matching a <pattern> (default: '*').",
        "NUMPAT",
        "    Return number of subscriptions to patterns.",
        "NUMSUB [<channel> ...]",
        "    Return the number of subscribers for the specified channels, excluding",
        "    pattern subscriptions(default: no channels).",
        "SHARDCHANNELS [<pattern>]",
        "    Return the currently active shard level channels matching a <pattern> (default: '*').",
        "SHARDNUMSUB [<shardchannel> ...]",
        "    Return the number of subscribers for the specified shard level channel(s)",
        "HELP",
        "    Prints this help.",
    };
    node_reply_array(&c->out, (long long)CORE_ARRAY_LEN(lines));
    for (size_t i = 0; i < CORE_ARRAY_LEN(lines); i++)
        node_reply_simple(&c->out, lines[i]);
}
