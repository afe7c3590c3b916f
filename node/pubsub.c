/* pubsub.c — placeholder until its owner lands it. */
#include "node/pubsub.h"

void node_pubsub_slots_lost(struct node_server *srv, const struct slots_bitmap *slots)
{
    (void)srv, (void)slots;
}

void node_pubsub_client_reset(struct node_client *c, bool notify)
{
    (void)c, (void)notify;
}
