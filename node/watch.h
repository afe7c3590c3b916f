/*
 * watch.h — WATCH: optimistic transactions. EXEC of a client whose watched
 * key changed since WATCH replies a null array and runs nothing.
 */
#ifndef SHOAL_NODE_WATCH_H
#define SHOAL_NODE_WATCH_H

#include <stdbool.h>
#include <stddef.h>

struct node_client;
struct node_server;
struct slots_bitmap;

/* A command changed key's value, TTL or existence (Redis's
 * signalModifiedKey): every write command calls it once per key it
 * changed, after the change. Cheap when nobody watches anything. */
void node_key_modified(struct node_server *srv, const char *key, size_t klen);
/* The keyspace is removing key because its TTL passed (called before the
 * removal): a watcher that saw the key already expired at WATCH time sees
 * no change, every other watcher does (Redis 7.0). */
void node_watch_key_expired(struct node_server *srv, const char *key, size_t klen);
/* Keys are about to be removed wholesale: slots NULL = FLUSHALL/FLUSHDB or
 * a full sync, else the hash slots that left this node (one walk of the
 * watched keys for all of them). Watched keys that exist there now are
 * touched, as Redis's touchAllWatchedKeysInDb. */
void node_watch_before_flush(struct node_server *srv, const struct slots_bitmap *slots);

/* WATCH key: remembers whether it is live now (EXEC fails if a key live at
 * WATCH time is logically expired at EXEC time). Watching twice is a no-op. */
void node_watch_add(struct node_client *c, const char *key, size_t klen);
/* EXEC must abort: a watched key was touched, or one live at WATCH time
 * is now logically expired. */
bool node_watch_failed(struct node_client *c);
/* Forgets every watched key of c and its dirty mark (UNWATCH, EXEC,
 * DISCARD, RESET, disconnect). */
void node_watch_unwatch_all(struct node_client *c);

#endif
