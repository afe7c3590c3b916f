/*
 * evict.h — maxmemory: how much memory counts, whether it is over the
 * limit, and evicting keys by the maxmemory-policy until it is not (Redis
 * 7.0's performEvictions, approximated LRU/LFU/TTL with a 16-entry pool).
 *
 * Owns: the eviction pool, the tenacity time budget and the timer that
 * continues an eviction that ran out of it, evicted_keys, and the key access
 * mode the keyspace tracks (LRU time or LFU counter, from the policy). Does
 * not own the per-key access bits (node/ks.c) nor the OOM rejection
 * (node/dispatch.c asks node_evict_perform before each command).
 */
#ifndef SHOAL_NODE_EVICT_H
#define SHOAL_NODE_EVICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct node_server;

enum node_evict_result {
    NODE_EVICT_OK = 0,      /* under the limit (or no limit, or not our job) */
    NODE_EVICT_RUNNING = 1, /* still over, but the time budget ran out: a timer goes on */
    NODE_EVICT_FAIL = 2,    /* over the limit and nothing could be evicted: refuse DENYOOM writes */
};

/* Once the loop exists (start-up), and after the dataset is loaded. */
void node_evict_init(struct node_server *srv);
/* After the loop closed. */
void node_evict_free(struct node_server *srv);

/* Evicts keys until used memory is under maxmemory or the tenacity budget is
 * spent. Before each command (Redis's processCommand order), and when
 * maxmemory is lowered. */
enum node_evict_result node_evict_perform(struct node_server *srv);

/* CONFIG SET of maxmemory, maxmemory-policy or lfu-*: re-derives the
 * keyspace's access mode and evicts at once if now over the limit. */
void node_evict_config_changed(struct node_server *srv);

/* Used memory as eviction sees it (INFO used_memory minus what
 * node_evict_not_counted says), cheap enough to ask before every command. */
size_t node_evict_used_memory(struct node_server *srv);
/* Replica output buffers and snapshot streams, not the backlog (Redis's
 * freeMemoryGetNotCountedMemory): INFO mem_not_counted_for_evict. */
size_t node_evict_not_counted(const struct node_server *srv);
/* The backlog's size (INFO mem_replication_backlog). */
size_t node_evict_backlog_bytes(const struct node_server *srv);

/* INFO stats evicted_keys; CONFIG RESETSTAT zeroes it. */
uint64_t node_evict_keys(const struct node_server *srv);
void node_evict_reset_stats(struct node_server *srv);
/* maxmemory-policy's name (INFO memory maxmemory_policy). */
const char *node_evict_policy_name(int policy);
/* True when the policy tracks LFU counters (OBJECT FREQ), false for LRU time. */
bool node_evict_policy_is_lfu(int policy);

#endif
