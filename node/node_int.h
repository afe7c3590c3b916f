/*
 * node_int.h — private interfaces between the server's own files (server.c,
 * client.c, dispatch.c, cmd_multi.c). Command files use server.h only.
 */
#ifndef SHOAL_NODE_INT_H
#define SHOAL_NODE_INT_H

#include "node/server.h"

/* Read chunk, as Redis's PROTO_IOBUF_LEN. */
#define NODE_IOBUF_LEN (16 * 1024)
/* A query buffer this large or larger is released once fully consumed. */
#define NODE_QBUF_KEEP_MAX (64 * 1024)
/* iovecs handed to one writev. */
#define NODE_WRITE_IOV_MAX 64

/* client.c */
void node_client_accept(struct node_server *srv, uv_stream_t *listener);
/* Writes pending output now if the socket takes it; queues the rest. */
void node_client_flush(struct node_client *c);
/* Server cron: idle timeouts, output-buffer soft limits. */
void node_clients_cron(struct node_server *srv, int64_t now_ms);
bool node_client_is_loopback(const struct node_client *c);
/* Before the loop sleeps: resume unblocked clients, write queued output. */
void node_clients_before_sleep(struct node_server *srv);

/* dispatch.c */
/* Runs the command in c->argv (lookup, checks, MULTI queueing, call). */
void node_dispatch(struct node_client *c);
/* Executes c->cmd with c->argv now: stats, dirty tracking. */
void node_call(struct node_client *c);
/* After a command: enforce output buffer limits; true if the client was closed. */
bool node_client_check_obuf(struct node_client *c);

/* cmd_multi.c */
/* Queues c->cmd with copies of its arguments and replies +QUEUED. */
void node_multi_queue(struct node_client *c);

/* cmd_info.c: error replies counted by code (INFO errorstats). */
void node_info_count_error(const char *text);
void node_info_reset_error_stats(void);

/* server.c */
/* Remembers the slot of a key (by pointer and length) until the next hint. */
void node_server_slot_hint(const char *key, size_t len, int slot);
void node_server_log_client_close(const struct node_client *c, const char *why);

#endif
