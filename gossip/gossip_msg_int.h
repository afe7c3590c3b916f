/*
 * gossip_msg_int.h — private to the bus codec (gossip_msg.c, gossip_msg_encode.c):
 * the frozen wire layout as byte-array structs, and big-endian load/store.
 *
 * Every wire struct below is made of uint8_t arrays only, so it has alignment
 * 1 and no padding: a pointer into any receive buffer may be viewed through
 * it, and offsetof() gives the wire offset. Multi-byte fields are read and
 * written with the helpers below, never through a wider type.
 */
#ifndef SHOAL_GOSSIP_MSG_INT_H
#define SHOAL_GOSSIP_MSG_INT_H

#include <assert.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "gossip/gossip_msg.h"

struct gossip__wire_hdr {
    uint8_t sig[4];
    uint8_t totlen[4];
    uint8_t ver[2];
    uint8_t port[2];
    uint8_t type[2];
    uint8_t count[2];
    uint8_t current_epoch[8];
    uint8_t config_epoch[8];
    uint8_t offset[8];
    uint8_t sender[GOSSIP_MSG_NODE_ID_LEN];
    uint8_t myslots[SLOTS_BITMAP_SIZE];
    uint8_t slaveof[GOSSIP_MSG_NODE_ID_LEN];
    uint8_t myip[GOSSIP_MSG_IP_LEN];
    uint8_t extensions[2];
    uint8_t notused1[30];
    uint8_t pport[2];
    uint8_t cport[2];
    uint8_t flags[2];
    uint8_t state[1];
    uint8_t mflags[3];
};

struct gossip__wire_entry {
    uint8_t nodename[GOSSIP_MSG_NODE_ID_LEN];
    uint8_t ping_sent[4];
    uint8_t pong_received[4];
    uint8_t ip[GOSSIP_MSG_IP_LEN];
    uint8_t port[2];
    uint8_t cport[2];
    uint8_t flags[2];
    uint8_t pport[2];
    uint8_t notused1[2];
};

struct gossip__wire_ext_hdr {
    uint8_t length[4];
    uint8_t type[2];
    uint8_t unused[2];
};

/* FORGOTTEN_NODE and SHARDID payloads (7.2). */
struct gossip__wire_ext_forgotten {
    uint8_t name[GOSSIP_MSG_NODE_ID_LEN];
    uint8_t ttl[8];
};

struct gossip__wire_ext_shard {
    uint8_t id[GOSSIP_MSG_NODE_ID_LEN];
};

struct gossip__wire_fail {
    uint8_t nodename[GOSSIP_MSG_NODE_ID_LEN];
};

/* Followed by channel_len + message_len bytes. */
struct gossip__wire_publish {
    uint8_t channel_len[4];
    uint8_t message_len[4];
};

struct gossip__wire_update {
    uint8_t config_epoch[8];
    uint8_t nodename[GOSSIP_MSG_NODE_ID_LEN];
    uint8_t slots[SLOTS_BITMAP_SIZE];
};

/* Followed by len payload bytes. */
struct gossip__wire_module {
    uint8_t module_id[8];
    uint8_t len[4];
    uint8_t type[1];
};

/*
 * WHY THESE ASSERTS: the bus is shared with redis-server 7.0.15 (and 7.2)
 * nodes in a mixed cluster, and during a rolling upgrade with older shoal
 * nodes. Nobody negotiates a layout: a field that moves by one byte makes
 * every peer misread epochs, slots and IDs, silently. So the layout is
 * frozen here, offset by offset, against cluster-bus spec §3/§7/§8; a change
 * that breaks it fails to compile instead of splitting a cluster.
 */
#define GOSSIP__AT(type, field, off) static_assert(offsetof(struct type, field) == (off), #type "." #field)

GOSSIP__AT(gossip__wire_hdr, sig, 0);
GOSSIP__AT(gossip__wire_hdr, totlen, 4);
GOSSIP__AT(gossip__wire_hdr, ver, 8);
GOSSIP__AT(gossip__wire_hdr, port, 10);
GOSSIP__AT(gossip__wire_hdr, type, 12);
GOSSIP__AT(gossip__wire_hdr, count, 14);
GOSSIP__AT(gossip__wire_hdr, current_epoch, 16);
GOSSIP__AT(gossip__wire_hdr, config_epoch, 24);
GOSSIP__AT(gossip__wire_hdr, offset, 32);
GOSSIP__AT(gossip__wire_hdr, sender, 40);
GOSSIP__AT(gossip__wire_hdr, myslots, 80);
GOSSIP__AT(gossip__wire_hdr, slaveof, 2128);
GOSSIP__AT(gossip__wire_hdr, myip, 2168);
GOSSIP__AT(gossip__wire_hdr, extensions, 2214);
GOSSIP__AT(gossip__wire_hdr, notused1, 2216);
GOSSIP__AT(gossip__wire_hdr, pport, 2246);
GOSSIP__AT(gossip__wire_hdr, cport, 2248);
GOSSIP__AT(gossip__wire_hdr, flags, 2250);
GOSSIP__AT(gossip__wire_hdr, state, 2252);
GOSSIP__AT(gossip__wire_hdr, mflags, 2253);
static_assert(sizeof(struct gossip__wire_hdr) == GOSSIP_MSG_HDR_SIZE, "header is 2256 bytes");
static_assert(_Alignof(struct gossip__wire_hdr) == 1, "wire structs must not be aligned or padded");

GOSSIP__AT(gossip__wire_entry, nodename, 0);
GOSSIP__AT(gossip__wire_entry, ping_sent, 40);
GOSSIP__AT(gossip__wire_entry, pong_received, 44);
GOSSIP__AT(gossip__wire_entry, ip, 48);
GOSSIP__AT(gossip__wire_entry, port, 94);
GOSSIP__AT(gossip__wire_entry, cport, 96);
GOSSIP__AT(gossip__wire_entry, flags, 98);
GOSSIP__AT(gossip__wire_entry, pport, 100);
GOSSIP__AT(gossip__wire_entry, notused1, 102);
static_assert(sizeof(struct gossip__wire_entry) == GOSSIP_MSG_ENTRY_SIZE, "gossip entry is 104 bytes");

GOSSIP__AT(gossip__wire_ext_hdr, length, 0);
GOSSIP__AT(gossip__wire_ext_hdr, type, 4);
GOSSIP__AT(gossip__wire_ext_hdr, unused, 6);
static_assert(sizeof(struct gossip__wire_ext_hdr) == GOSSIP_MSG_EXT_HDR_SIZE, "extension header is 8 bytes");
GOSSIP__AT(gossip__wire_ext_forgotten, ttl, 40);
static_assert(sizeof(struct gossip__wire_ext_forgotten) == 48, "FORGOTTEN_NODE payload is 48 bytes");
static_assert(sizeof(struct gossip__wire_ext_shard) == 40, "SHARDID payload is 40 bytes");

static_assert(GOSSIP_MSG_HDR_SIZE + sizeof(struct gossip__wire_fail) == GOSSIP_MSG_FAIL_SIZE, "FAIL is 2296");
GOSSIP__AT(gossip__wire_publish, message_len, 4);
static_assert(sizeof(struct gossip__wire_publish) == GOSSIP_MSG_PUBLISH_FIXED, "PUBLISH fixed part is 8");
GOSSIP__AT(gossip__wire_update, nodename, 8);
GOSSIP__AT(gossip__wire_update, slots, 48);
static_assert(GOSSIP_MSG_HDR_SIZE + sizeof(struct gossip__wire_update) == GOSSIP_MSG_UPDATE_SIZE, "UPDATE is 4352");
GOSSIP__AT(gossip__wire_module, len, 8);
GOSSIP__AT(gossip__wire_module, type, 12);
static_assert(sizeof(struct gossip__wire_module) == GOSSIP_MSG_MODULE_FIXED, "MODULE fixed part is 13");

static_assert(sizeof(struct slots_bitmap) == SLOTS_BITMAP_SIZE, "slot bitmap copies straight from the wire");
/* Frame sizes are u32 on the wire, and every length sum below fits in size_t
 * and ssize_t without overflow. */
static_assert(GOSSIP_MSG_FRAME_MAX <= UINT32_MAX && GOSSIP_MSG_FRAME_MAX <= SSIZE_MAX / 2, "frame limit");
static_assert(GOSSIP_MSG_HDR_SIZE + (size_t)GOSSIP_MSG_ENTRIES_MAX * GOSSIP_MSG_ENTRY_SIZE <= GOSSIP_MSG_FRAME_MAX,
              "a full gossip section fits a frame");
static_assert(GOSSIP_MSG_EXT_LEN_MAX % 8 == 0 && GOSSIP_MSG_EXT_LEN_MAX <= UINT16_MAX, "ext length limit");
static_assert(GOSSIP_MSG_EXT_HDR_SIZE + GOSSIP_MSG_HOSTNAME_MAX + 1 + 7 <= GOSSIP_MSG_EXT_LEN_MAX, "hostname fits");

static inline uint16_t gossip__be16(const uint8_t *p)
{
    return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static inline uint32_t gossip__be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t gossip__be64(const uint8_t *p)
{
    return (uint64_t)gossip__be32(p) << 32 | gossip__be32(p + 4);
}

static inline void gossip__put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void gossip__put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static inline void gossip__put64(uint8_t *p, uint64_t v)
{
    gossip__put32(p, (uint32_t)(v >> 32));
    gossip__put32(p + 4, (uint32_t)v);
}

/* Extension sizes, shared by the size functions and the encoder. */
static inline size_t gossip__pad8(size_t n)
{
    return (n + 7) & ~(size_t)7;
}

#endif
