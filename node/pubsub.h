/*
 * pubsub.h — channels, patterns and shard channels: subscriptions, delivery
 * to this node's clients, and (cluster mode) PUBLISH over the bus.
 */
#ifndef SHOAL_NODE_PUBSUB_H
#define SHOAL_NODE_PUBSUB_H

#include <stdbool.h>
#include <stddef.h>

struct node_client;
struct node_out;
struct node_server;

/* Drops every subscription of c (RESET, disconnect); notify: send the
 * unsubscribe messages (false when the client goes away). */
void node_pubsub_client_reset(struct node_client *c, bool notify);
struct slots_bitmap;

/* Slots left this node: shard-channel subscribers of those slots are told
 * with an sunsubscribe message and unsubscribed, as Redis 7.0. */
void node_pubsub_slots_lost(struct node_server *srv, const struct slots_bitmap *slots);

/* The three kinds of subscription, each with its own namespace. */
enum node_pubsub_kind {
    NODE_PUBSUB_CHANNEL = 0, /* SUBSCRIBE */
    NODE_PUBSUB_PATTERN = 1, /* PSUBSCRIBE */
    NODE_PUBSUB_SHARD = 2,   /* SSUBSCRIBE (cluster: one slot's shard) */
};

/* Subscribes c (no-op if already) and replies the (p|s)subscribe message
 * with c's count. Borrows name. */
void node_pubsub_subscribe(struct node_client *c, enum node_pubsub_kind kind, const char *name, size_t len);
/* Unsubscribes c (if subscribed) and replies the (p|s)unsubscribe message. */
void node_pubsub_unsubscribe(struct node_client *c, enum node_pubsub_kind kind, const char *name, size_t len);
/* Every subscription of that kind; notify: one message each, or one with a
 * nil name when there were none (UNSUBSCRIBE without arguments). */
void node_pubsub_unsubscribe_all(struct node_client *c, enum node_pubsub_kind kind, bool notify);

/* Delivers to this node's subscribers only: "message" to the channel's and
 * "pmessage" to each matching pattern's (shard: "smessage" to the shard
 * channel's). Returns how many deliveries were made (Redis's receivers). */
size_t node_pubsub_publish(struct node_server *srv, bool shard, const char *channel, size_t channel_len,
                           const char *message, size_t message_len);
/* Whether anyone on this node could receive a non-shard message (keyspace
 * notifications skip building their channel names when not). */
bool node_pubsub_has_listeners(const struct node_server *srv);

/* Whether c holds any subscription (Redis's CLIENT_PUBSUB): RESP2 clients
 * are then limited to the subscribe commands, and the pubsub output-buffer
 * class applies. */
bool node_pubsub_client_is_subscribed(const struct node_client *c);
/* c's subscriptions of one kind (CLIENT LIST sub= psub= ssub=). */
size_t node_pubsub_client_count(const struct node_client *c, enum node_pubsub_kind kind);

/* Distinct channels (or patterns, shard channels) with subscribers: INFO
 * stats pubsub_channels, pubsub_patterns, pubsubshard_channels. */
size_t node_pubsub_count(const struct node_server *srv, enum node_pubsub_kind kind);
/* Subscribers of one channel or shard channel (PUBSUB NUMSUB/SHARDNUMSUB). */
size_t node_pubsub_numsub(const struct node_server *srv, enum node_pubsub_kind kind, const char *name, size_t len);
/* Replies the array of channels (or shard channels) matching the glob
 * pattern (NULL: all), PUBSUB CHANNELS / SHARDCHANNELS. */
void node_pubsub_reply_channels(const struct node_server *srv, enum node_pubsub_kind kind, const char *pattern,
                                size_t pattern_len, struct node_out *out);

/* Cluster mode, before the loop sleeps: shard channels whose slot is no
 * longer served by my shard (SETSLOT NODE, DELSLOTS, a lost claim), or
 * whose slot changed owner without my becoming it (a failover: as Redis
 * 7.0, only the promoted replica keeps them) are dropped with sunsubscribe
 * messages. Cheap when there are no shard channels. */
void node_pubsub_cluster_check(struct node_server *srv);

/* Frees the server's pub/sub state (clients must have been reset). */
void node_pubsub_free(struct node_server *srv);

#endif
