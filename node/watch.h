/*
 * watch.h — WATCH: optimistic transactions. EXEC of a client whose watched
 * key changed since WATCH replies a null array and runs nothing.
 */
#ifndef SHOAL_NODE_WATCH_H
#define SHOAL_NODE_WATCH_H

#include <stddef.h>

struct node_server;

/* A command changed key's value, TTL or existence (Redis's
 * signalModifiedKey): every write command calls it once per key it
 * changed, after the change. Cheap when nobody watches anything. */
void node_key_modified(struct node_server *srv, const char *key, size_t klen);
/* Keys are about to be removed wholesale: dict -1 = FLUSHALL/FLUSHDB, else
 * one keyspace dict (a hash slot that left this node). Watched keys that
 * exist there now are touched, as Redis's touchAllWatchedKeysInDb. */
void node_watch_before_flush(struct node_server *srv, int dict);

#endif
