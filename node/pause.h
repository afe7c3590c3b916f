/*
 * pause.h — pausing clients (CLIENT PAUSE, and the master side of a cluster
 * manual failover): which commands wait, and the queue of clients whose
 * command waits until the pause ends.
 *
 * A pause is kept per purpose; the effective one is the strongest of those
 * not yet expired (ALL over WRITE), lasting until the last of them ends.
 * While writes are paused, nothing may move the replication offset: keys
 * past their TTL are hidden, not deleted (callers ask
 * node_pause_writes_paused()); during a manual failover's pause the
 * master's replication PING is not sent either.
 *
 * A postponed client keeps its command unconsumed in its query buffer and
 * is blocked; when the pause ends the clients are resumed in the order they
 * were postponed, and each runs its command again through every check.
 */
#ifndef SHOAL_NODE_PAUSE_H
#define SHOAL_NODE_PAUSE_H

#include <stdbool.h>
#include <stdint.h>

struct node_server;
struct node_client;
struct node_cmd;

enum node_pause_purpose {
    NODE_PAUSE_BY_CLIENT = 0, /* CLIENT PAUSE / UNPAUSE */
    NODE_PAUSE_FAILOVER,      /* gossip's manual failover (env->pause_writes) */
    NODE_PAUSE_PURPOSE_COUNT,
};

/* Ordered: a stronger pause compares greater. */
enum node_pause_type {
    NODE_PAUSE_OFF = 0,
    NODE_PAUSE_WRITE, /* commands that write or may replicate */
    NODE_PAUSE_ALL,   /* every command */
};

void node_pause_init(struct node_server *srv);
/* After the loop is closed (the timer handle went with it). */
void node_pause_free(struct node_server *srv);

/* CLIENT PAUSE: as Redis, a new pause never weakens the current client
 * pause nor shortens it (type and deadline are each the larger). */
void node_pause_by_client(struct node_server *srv, enum node_pause_type type, int64_t until_ms);
/* Sets (replaces) the failover pause of writes until until_ms; 0 lifts it. */
void node_pause_failover(struct node_server *srv, int64_t until_ms);
/* Lifts one purpose's pause; postponed clients resume if nothing else holds them. */
void node_pause_lift(struct node_server *srv, enum node_pause_purpose purpose);

/* The effective pause now. */
enum node_pause_type node_pause_current(const struct node_server *srv);
/* True while writes are paused (WRITE or ALL): no expiry. */
bool node_pause_writes_paused(const struct node_server *srv);
/* True while a manual failover's pause holds: no replication PING either. */
bool node_pause_failover_active(const struct node_server *srv);

/* True if c's command cmd must wait for the pause to end. flags is the
 * command's effective flags (EXEC: with its queue's). */
bool node_pause_must_postpone(const struct node_client *c, uint32_t flags);
/* Blocks c with its current command kept for later (see client.c). */
void node_pause_postpone(struct node_client *c);
/* c is being freed: it leaves the queue. */
void node_pause_client_closed(struct node_client *c);
/* Postponed clients now (INFO). */
int32_t node_pause_postponed_count(const struct node_server *srv);

#endif
