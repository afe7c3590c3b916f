/*
 * pubsub.h — channels, patterns and shard channels: subscriptions, delivery
 * to this node's clients, and (cluster mode) PUBLISH over the bus.
 */
#ifndef SHOAL_NODE_PUBSUB_H
#define SHOAL_NODE_PUBSUB_H

#include <stdbool.h>
#include <stddef.h>

struct node_client;
struct node_server;

/* Drops every subscription of c (RESET, disconnect); notify: send the
 * unsubscribe messages (false when the client goes away). */
void node_pubsub_client_reset(struct node_client *c, bool notify);
struct slots_bitmap;

/* Slots left this node: shard-channel subscribers of those slots are told
 * with an sunsubscribe message and unsubscribed, as Redis 7.0. */
void node_pubsub_slots_lost(struct node_server *srv, const struct slots_bitmap *slots);

#endif
