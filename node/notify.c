/*
 * notify.c — keyspace notifications: Redis 7.0's notifyKeyspaceEvent.
 *
 * A command that changed a key names the event; when its class is enabled
 * in notify-keyspace-events, "__keyspace@0__:<key>" gets the event name
 * (K) and "__keyevent@0__:<event>" gets the key (E), delivered to this
 * node's subscribers only: not over the cluster bus and not replicated (a
 * replica raises its own when it applies the change), as Redis.
 *
 * Does not own the flag letters (config.c parses and formats them) nor
 * delivery (pubsub.c).
 */
#include "node/notify.h"
#include "node/core/core.h"
#include "node/pubsub.h"
#include "node/server.h"

#include <string.h>

#define KEYSPACE_PREFIX "__keyspace@0__:"
#define KEYEVENT_PREFIX "__keyevent@0__:"
#define NOTIFY_STACK_MAX 256 /* channel names up to this long are built on the stack */

/* Publishes message on prefix+name. */
static void publish_prefixed(struct node_server *srv, const char *prefix, const char *name, size_t len,
                             const char *message, size_t message_len)
{
    char stack[NOTIFY_STACK_MAX];
    size_t plen = strlen(prefix);
    char *buf = plen + len <= sizeof(stack) ? stack : core_malloc(plen + len);
    memcpy(buf, prefix, plen);
    memcpy(buf + plen, name, len);
    node_pubsub_publish(srv, false, buf, plen + len, message, message_len);
    if (buf != stack)
        core_free(buf);
}

void node_notify(struct node_server *srv, int cls, const char *event, const char *key, size_t klen)
{
    int flags = srv->cfg.notify_keyspace_events;
    if (!(flags & cls) || !node_pubsub_has_listeners(srv))
        return;
    size_t elen = strlen(event);
    if (flags & NODE_NOTIFY_KEYSPACE)
        publish_prefixed(srv, KEYSPACE_PREFIX, key, klen, event, elen);
    if (flags & NODE_NOTIFY_KEYEVENT)
        publish_prefixed(srv, KEYEVENT_PREFIX, event, elen, key, klen);
}
