/*
 * notify.h — keyspace notifications (notify-keyspace-events), Redis 7.0's
 * notifyKeyspaceEvent: a command that changed a key calls node_notify with
 * the event's class and name ("lpush", "hset", "expired", ...); when the
 * configured classes include it, "__keyspace@0__:<key>" gets the event name
 * and "__keyevent@0__:<event>" gets the key, published to this node's
 * subscribers only (as Redis: notifications are not sent over the bus).
 */
#ifndef SHOAL_NODE_NOTIFY_H
#define SHOAL_NODE_NOTIFY_H

#include <stddef.h>

struct node_server;

/* Classes: the flag characters of notify-keyspace-events. */
enum node_notify_class {
    NODE_NOTIFY_KEYSPACE = 1 << 0, /* K */
    NODE_NOTIFY_KEYEVENT = 1 << 1, /* E */
    NODE_NOTIFY_GENERIC = 1 << 2,  /* g: del, expire, rename_from, ... */
    NODE_NOTIFY_STRING = 1 << 3,   /* $ */
    NODE_NOTIFY_LIST = 1 << 4,     /* l */
    NODE_NOTIFY_SET = 1 << 5,      /* s */
    NODE_NOTIFY_HASH = 1 << 6,     /* h */
    NODE_NOTIFY_ZSET = 1 << 7,     /* z */
    NODE_NOTIFY_EXPIRED = 1 << 8,  /* x */
    NODE_NOTIFY_EVICTED = 1 << 9,  /* e */
    NODE_NOTIFY_STREAM = 1 << 10,  /* t */
    NODE_NOTIFY_KEY_MISS = 1 << 11, /* m (not part of A) */
    NODE_NOTIFY_MODULE = 1 << 12,  /* d */
    NODE_NOTIFY_NEW = 1 << 13,     /* n (not part of A) */
};

void node_notify(struct node_server *srv, int cls, const char *event, const char *key, size_t klen);

#endif
