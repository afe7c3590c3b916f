/*
 * gossip_bus.h — the cluster bus over TCP (libuv): the listener on the bus
 * port, one connection per gossip link, framing of received bytes, and the
 * send queue. The only file of gossip/ that touches sockets (STYLE §1).
 *
 * node/ builds the struct gossip_env; its connect/send/close entries forward
 * to gossip_bus_connect/send/close. The bus reports to the state machine
 * with gossip_link_accepted/connected/closed and gossip_on_message.
 */
#ifndef SHOAL_GOSSIP_BUS_H
#define SHOAL_GOSSIP_BUS_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

struct gossip;
struct gossip_link;
struct gossip_bus;

/* Frames that fail validation are dropped and counted here; a frame whose
 * framing is broken closes its link. */
struct gossip_bus_stats {
    uint64_t frames_dropped;
    uint64_t links_closed_bad_frame;
};

struct gossip_bus *gossip_bus_new(uv_loop_t *loop);
/* The state machine to feed (set once, after gossip_new()). */
void gossip_bus_attach(struct gossip_bus *bus, struct gossip *g);
/* Listens on every address spec ("*", "-::*", "127.0.0.1", ...) at port.
 * 0, or a negative errno after logging which address failed. */
int gossip_bus_listen(struct gossip_bus *bus, const char *const *specs, int nspecs, int port, int backlog);
/* Closes the listeners and every connection (their links must already be
 * gone: gossip_free() first). NULL is a no-op. */
void gossip_bus_free(struct gossip_bus *bus);
const struct gossip_bus_stats *gossip_bus_stats(const struct gossip_bus *bus);

/* struct gossip_env entries. */
int gossip_bus_connect(struct gossip_bus *bus, struct gossip_link *link);
void gossip_bus_send(struct gossip_bus *bus, struct gossip_link *link, const uint8_t *buf, size_t len);
void gossip_bus_close(struct gossip_bus *bus, struct gossip_link *link);

#endif
