/*
 * gossip_msg.h — the cluster bus message codec: framing, validation, decoding
 * and encoding of every message type redis-server 7.0.15 speaks on the bus.
 *
 * Owns: the wire layout (tables below), the per-type length rules of
 * cluster-bus spec §2, the decoded message structs and the encoders. Does not
 * own what a message MEANS (the node table, epochs, failure detection and
 * elections are the gossip state machine's), nor any socket: node/ and
 * gossip_bus.c read bytes, this file only looks at them.
 *
 * PURE: libc + slots.h only. No I/O, no clock, no logging, no allocation.
 * Decoding copies fixed-size fields into a caller-provided struct and points
 * into the caller's buffer for the variable parts (gossip entries, ping
 * extensions, publish and module payloads): those pointers are valid until
 * the caller frees or reuses that buffer.
 *
 * Receive path (STYLE §8.1: validate the whole packet, then act):
 *   1. gossip_msg_frame_len() on the first 8 bytes: how many bytes the frame
 *      has, or "close the link" (bad signature, totlen < 2256 or > our limit).
 *      The limit is checked BEFORE the caller allocates a receive buffer.
 *   2. When the whole frame is buffered: gossip_msg_validate() (or directly
 *      gossip_msg_decode(), which validates first and never reads outside the
 *      frame). A negative return means "drop it"; whether the link must also
 *      be closed is gossip_msg_reason_closes_link().
 *   3. Act on the decoded struct. GOSSIP_MSG_UNKNOWN_TYPE frames validate and
 *      decode fine (header only): 7.0.15 still applies the header's epochs
 *      and offsets of a known sender, then ignores the body.
 *
 * Byte order: every multi-byte integer on the wire is big-endian, except the
 * MODULE module_id, which the sender copies in its own host order and every
 * receiver treats as an opaque 64-bit value (we keep the 8 bytes as they are,
 * loaded in OUR host order, so an x86 peer's id round-trips unchanged).
 *
 * MESSAGE HEADER (2256 bytes; cluster-bus spec §3)
 *
 *   OFFSET  SIZE  DESCRIPTION
 *      0      4   sig: "RCmb"
 *      4      4   totlen: whole message length, header included
 *      8      2   ver: always 1
 *     10      2   port: sender's client port (TLS port when tls-cluster)
 *     12      2   type: enum gossip_msg_type
 *     14      2   count: gossip entries (PING/PONG/MEET), else 0
 *     16      8   currentEpoch
 *     24      8   configEpoch (a replica sends its master's)
 *     32      8   offset: replication offset
 *     40     40   sender: node ID, 40 chars, no terminator
 *     80   2048   myslots: slot bitmap, slot s = bit (s & 7) of byte s >> 3
 *   2128     40   slaveof: master's ID, or 40 zero bytes for a master
 *   2168     46   myip: NUL-padded announced IP; all zero = use the peer addr
 *   2214      2   extensions: ping extensions after the gossip entries
 *   2216     30   (unused, zero)
 *   2246      2   pport: plaintext port when tls-cluster, else 0
 *   2248      2   cport: sender's bus port
 *   2250      2   flags: sender's node flags (GOSSIP_MSG_FLAG_*)
 *   2252      1   state: 0 ok, 1 fail (informational)
 *   2253      3   mflags: [0] = GOSSIP_MSG_MFLAG_*, [1], [2] zero
 *   2256      -   body
 *
 * GOSSIP ENTRY (104 bytes, count times from 2256; PING/PONG/MEET)
 *
 *   OFFSET  SIZE  DESCRIPTION
 *      0     40   nodename
 *     40      4   ping_sent: seconds (ms / 1000), 0 = none pending
 *     44      4   pong_received: seconds
 *     48     46   ip: NUL-padded
 *     94      2   port
 *     96      2   cport
 *     98      2   flags
 *    100      2   pport
 *    102      2   (unused, zero)
 *
 * PING EXTENSION (right after the last gossip entry; only when mflags[0] has
 * EXT_DATA; `extensions` of them back to back)
 *
 *   OFFSET  SIZE  DESCRIPTION
 *      0      4   length: whole extension incl. this header, multiple of 8
 *      4      2   type: enum gossip_msg_ext_type
 *      6      2   (unused, zero)
 *      8   len-8  payload, zero-padded to the length
 *
 *   HOSTNAME (0) / HUMAN_NODENAME (1): string + NUL + zero padding
 *   FORGOTTEN_NODE (2): 40-byte node ID + 8-byte ttl in seconds (length 56)
 *   SHARDID (3): 40-byte shard ID (length 48)
 *
 * OTHER BODIES (offsets from the start of the message)
 *
 *   FAIL            2256: 40-byte node ID                       totlen 2296
 *   PUBLISH(SHARD)  2256: channel_len u32; 2260: message_len u32;
 *                   2264: channel bytes then message bytes      2264 + both
 *   UPDATE          2256: configEpoch u64; 2264: 40-byte node ID;
 *                   2304: 2048-byte slot bitmap                 totlen 4352
 *   MODULE          2256: module_id (8, sender's host order); 2264: len u32;
 *                   2268: module type u8; 2269: len payload bytes  2269 + len
 *   FAILOVER_AUTH_REQUEST, FAILOVER_AUTH_ACK, MFSTART: no body  totlen 2256
 */
#ifndef SHOAL_GOSSIP_MSG_H
#define SHOAL_GOSSIP_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "slots/slots.h"

/* Sizes fixed by the wire format (asserted against the layout in gossip_msg.c). */
#define GOSSIP_MSG_SIG "RCmb"
#define GOSSIP_MSG_VERSION 1
#define GOSSIP_MSG_PREFIX_SIZE 8         /* sig + totlen: enough to frame */
#define GOSSIP_MSG_HDR_SIZE 2256         /* header; also the smallest frame */
#define GOSSIP_MSG_NODE_ID_LEN 40        /* node IDs, shard IDs */
#define GOSSIP_MSG_IP_LEN 46             /* myip / gossip ip field */
#define GOSSIP_MSG_ENTRY_SIZE 104        /* one gossip entry */
#define GOSSIP_MSG_EXT_HDR_SIZE 8        /* ping extension header */
#define GOSSIP_MSG_FAIL_SIZE 2296        /* whole FAIL message */
#define GOSSIP_MSG_UPDATE_SIZE 4352      /* whole UPDATE message */
#define GOSSIP_MSG_PUBLISH_FIXED 8       /* channel_len + message_len */
#define GOSSIP_MSG_MODULE_FIXED 13       /* module_id + len + type */

/*
 * Limits we choose (named so every peer-controlled size is bounded before
 * anyone allocates).
 *
 * PUBLISH carries a client's channel and message; redis-server accepts a
 * bulk string up to proto-max-bulk-len (512 MiB by default) and forwards it
 * on the bus, so that is our bound on channel_len + message_len. The frame
 * limit is the largest PUBLISH; it also covers every legal PING (65535 gossip
 * entries are 6.8 MB) and every MODULE message we accept.
 */
#define GOSSIP_MSG_PUBLISH_PAYLOAD_MAX (512u * 1024 * 1024)
#define GOSSIP_MSG_MODULE_PAYLOAD_MAX GOSSIP_MSG_PUBLISH_PAYLOAD_MAX
#define GOSSIP_MSG_FRAME_MAX (GOSSIP_MSG_HDR_SIZE + GOSSIP_MSG_PUBLISH_FIXED + GOSSIP_MSG_PUBLISH_PAYLOAD_MAX)
/* count and extensions are u16 on the wire. */
#define GOSSIP_MSG_ENTRIES_MAX UINT16_MAX
#define GOSSIP_MSG_EXTS_MAX UINT16_MAX
/* One extension, header included. 7.0.15 keeps an extension's length in a
 * 16-bit variable while validating, so anything longer would be misread by
 * it: we neither send nor accept one (65528 = largest multiple of 8 below
 * 64 KiB). */
#define GOSSIP_MSG_EXT_LEN_MAX 65528u
/* cluster-announce-hostname is < 256 characters. */
#define GOSSIP_MSG_HOSTNAME_MAX 255

/* Message types (header `type`); values are the wire values. */
enum gossip_msg_type {
    GOSSIP_MSG_PING = 0,
    GOSSIP_MSG_PONG = 1,
    GOSSIP_MSG_MEET = 2,
    GOSSIP_MSG_FAIL = 3,
    GOSSIP_MSG_PUBLISH = 4,
    GOSSIP_MSG_FAILOVER_AUTH_REQUEST = 5,
    GOSSIP_MSG_FAILOVER_AUTH_ACK = 6,
    GOSSIP_MSG_UPDATE = 7,
    GOSSIP_MSG_MFSTART = 8,
    GOSSIP_MSG_MODULE = 9,
    GOSSIP_MSG_PUBLISHSHARD = 10,
};
/* Types 0..GOSSIP_MSG_TYPE_COUNT-1 are known (and counted in CLUSTER INFO). */
#define GOSSIP_MSG_TYPE_COUNT 11

/* Node flag bits (header `flags`, gossip entry `flags`). */
#define GOSSIP_MSG_FLAG_MASTER 0x0001
#define GOSSIP_MSG_FLAG_SLAVE 0x0002
#define GOSSIP_MSG_FLAG_PFAIL 0x0004
#define GOSSIP_MSG_FLAG_FAIL 0x0008
#define GOSSIP_MSG_FLAG_MYSELF 0x0010
#define GOSSIP_MSG_FLAG_HANDSHAKE 0x0020
#define GOSSIP_MSG_FLAG_NOADDR 0x0040
#define GOSSIP_MSG_FLAG_MEET 0x0080
#define GOSSIP_MSG_FLAG_MIGRATE_TO 0x0100
#define GOSSIP_MSG_FLAG_NOFAILOVER 0x0200

/* mflags[0] bits. EXT_DATA is set by the encoder itself (iff extensions). */
#define GOSSIP_MSG_MFLAG_PAUSED 0x01
#define GOSSIP_MSG_MFLAG_FORCEACK 0x02
#define GOSSIP_MSG_MFLAG_EXT_DATA 0x04

/* Ping extension types. 7.0.15 sends only HOSTNAME; 7.2 also sends the
 * others, which a 7.0-compatible node must tolerate (we decode them and the
 * state machine may ignore them). */
enum gossip_msg_ext_type {
    GOSSIP_MSG_EXT_HOSTNAME = 0,
    GOSSIP_MSG_EXT_HUMAN_NODENAME = 1,
    GOSSIP_MSG_EXT_FORGOTTEN_NODE = 2,
    GOSSIP_MSG_EXT_SHARDID = 3,
};

/*
 * Why a frame was refused (or that it was accepted), for stats and for the
 * one log line node/ writes. gossip_msg_reason_closes_link() tells which
 * ones close the connection (spec §2 step 1) and which only drop the
 * message (step 3).
 */
enum gossip_msg_reason {
    GOSSIP_MSG_OK = 0,           /* known type, valid */
    GOSSIP_MSG_UNKNOWN_TYPE,     /* type >= 11: valid, ignore the body */
    GOSSIP_MSG_BAD_SIG,          /* not "RCmb": close */
    GOSSIP_MSG_TOO_SHORT,        /* totlen < 2256: close */
    GOSSIP_MSG_TOO_LONG,         /* totlen > GOSSIP_MSG_FRAME_MAX: close */
    GOSSIP_MSG_LEN_MISMATCH,     /* the buffer is not exactly totlen bytes: caller's framing */
    GOSSIP_MSG_BAD_VERSION,      /* ver != 1: drop */
    GOSSIP_MSG_BAD_TOTLEN,       /* totlen != the length the type implies: drop */
    GOSSIP_MSG_BAD_EXT,          /* an extension is < 8, not a multiple of 8,
                                    longer than GOSSIP_MSG_EXT_LEN_MAX or runs
                                    past totlen: drop */
};

/* Sender fields of every message. Fixed-size, copied out of the frame. */
struct gossip_msg_hdr {
    uint32_t totlen;             /* decode only; encoders compute it */
    uint16_t ver;                /* decode only; encoders write 1 */
    uint16_t type;               /* enum gossip_msg_type, or unknown >= 11 */
    uint16_t port;
    uint16_t count;              /* decode only; encoders take the entry array */
    uint64_t current_epoch;
    uint64_t config_epoch;
    uint64_t offset;
    char sender[GOSSIP_MSG_NODE_ID_LEN];   /* not NUL-terminated */
    struct slots_bitmap myslots;
    char slaveof[GOSSIP_MSG_NODE_ID_LEN];  /* all '\0' = sender is a master */
    char myip[GOSSIP_MSG_IP_LEN + 1];      /* always NUL-terminated; "" = none */
    uint16_t extensions;         /* decode only: the raw wire value; what counts is body.ping.ext_count */
    uint16_t pport;
    uint16_t cport;
    uint16_t flags;              /* GOSSIP_MSG_FLAG_* */
    uint8_t state;
    uint8_t mflags[3];           /* encoders set/clear EXT_DATA themselves */
};

/* One gossip entry, decoded (gossip_msg_entry_at()) or to encode. */
struct gossip_msg_entry {
    char nodename[GOSSIP_MSG_NODE_ID_LEN]; /* not NUL-terminated */
    uint32_t ping_sent_s;
    uint32_t pong_received_s;
    char ip[GOSSIP_MSG_IP_LEN + 1];        /* always NUL-terminated */
    uint16_t port;
    uint16_t cport;
    uint16_t flags;
    uint16_t pport;
};

/*
 * One ping extension, decoded (gossip_msg_ext_next()) or to encode.
 *
 * Decode: payload/payload_len are the raw bytes after the 8-byte header
 * (padding included, pointing into the frame); `typed` says the union holds
 * the parsed value (a known type whose payload is long enough: a 7.2 peer's
 * extension with a short payload is still skipped safely, typed = false).
 * name.str points into the frame, name.len stops at the first NUL.
 *
 * Encode: with payload != NULL the payload bytes are written as they are
 * (any type), zero-padded to a multiple of 8; so a decoded extension always
 * re-encodes to its own bytes. With payload == NULL the typed view is used:
 * HOSTNAME / HUMAN_NODENAME take name (bytes without a NUL; the encoder adds
 * NUL + padding), FORGOTTEN_NODE forgotten, SHARDID shard; any other type
 * then has an empty payload (payload_len must be 0). `typed` is ignored.
 */
struct gossip_msg_ext {
    uint16_t type;               /* enum gossip_msg_ext_type or anything else */
    const uint8_t *payload;
    uint32_t payload_len;
    bool typed;
    union {
        struct {
            const char *str;
            size_t len;
        } name;
        struct {
            char id[GOSSIP_MSG_NODE_ID_LEN];
            uint64_t ttl_s;
        } forgotten;
        struct {
            char id[GOSSIP_MSG_NODE_ID_LEN];
        } shard;
    } u;
};

/* PING / PONG / MEET body, pointing into the frame. */
struct gossip_msg_ping {
    const uint8_t *entries;      /* count * GOSSIP_MSG_ENTRY_SIZE bytes; read with gossip_msg_entry_at() */
    uint16_t count;
    const uint8_t *exts;         /* ext_size bytes; walk with gossip_msg_ext_next() */
    uint32_t ext_size;
    uint16_t ext_count;          /* 0 unless EXT_DATA */
    /* The HOSTNAME extension, the only one 7.0.15 acts on (the last one wins
     * if a peer sent several). has_hostname false = none: 7.0.15 then clears
     * the sender's hostname. hostname points into the frame, not terminated. */
    bool has_hostname;
    const char *hostname;
    size_t hostname_len;
};

struct gossip_msg_fail {
    char nodename[GOSSIP_MSG_NODE_ID_LEN];
};

/* PUBLISH and PUBLISHSHARD. */
struct gossip_msg_publish {
    const uint8_t *channel;      /* into the frame */
    uint32_t channel_len;
    const uint8_t *message;      /* into the frame */
    uint32_t message_len;
};

struct gossip_msg_update {
    uint64_t config_epoch;
    char nodename[GOSSIP_MSG_NODE_ID_LEN];
    struct slots_bitmap slots;
};

struct gossip_msg_module {
    uint64_t module_id;          /* opaque: the 8 wire bytes in our host order */
    uint8_t module_type;
    const uint8_t *payload;      /* into the frame */
    uint32_t len;
};

/* A decoded message (about 4.4 KB: two slot bitmaps). Which body member is
 * valid follows hdr.type; unknown types and the header-only types
 * (FAILOVER_AUTH_*, MFSTART) have none. */
struct gossip_msg {
    struct gossip_msg_hdr hdr;
    union {
        struct gossip_msg_ping ping;       /* PING, PONG, MEET */
        struct gossip_msg_fail fail;
        struct gossip_msg_publish publish; /* PUBLISH, PUBLISHSHARD */
        struct gossip_msg_update update;
        struct gossip_msg_module module;
    } body;
};

/* Framing and validation. */

/*
 * How long is the frame that starts at buf? Looks only at the first 8 bytes.
 * Returns the frame length (totlen, 2256..GOSSIP_MSG_FRAME_MAX) if acceptable,
 * 0 if fewer than 8 bytes are available (need more), or -EPROTO for a bad
 * signature or totlen < 2256 and -EMSGSIZE for totlen > GOSSIP_MSG_FRAME_MAX:
 * both mean "close the link". *ret_reason (may be NULL) is always written.
 */
ssize_t gossip_msg_frame_len(const uint8_t *buf, size_t len, enum gossip_msg_reason *ret_reason);

/*
 * Checks that buf is exactly one acceptable message (spec §2): framing as
 * above, len == totlen, ver 1, totlen equal to what type, count, extension
 * lengths, PUBLISH/MODULE lengths imply. Returns 0 (reason OK or
 * UNKNOWN_TYPE) or -EPROTO / -EMSGSIZE; *ret_reason (may be NULL) is always
 * written. O(extensions). Borrows buf.
 */
int gossip_msg_validate(const uint8_t *buf, size_t len, enum gossip_msg_reason *ret_reason);

/* True for the reasons that close the link (bad signature, totlen out of
 * bounds), false for the ones that only drop the message. */
bool gossip_msg_reason_closes_link(enum gossip_msg_reason reason);
/* A short lowercase name of the reason for logs ("bad-version", ...). */
const char *gossip_msg_reason_name(enum gossip_msg_reason reason);
/* The CLUSTER INFO stats name of a type ("ping", "auth-req", ...), NULL for
 * an unknown type. */
const char *gossip_msg_type_name(uint16_t type);

/* Decoding. */

/*
 * Validates buf (gossip_msg_validate()) and, only if it is acceptable,
 * decodes it into *ret. Returns 0 or the validation error (*ret untouched).
 * Pointers in *ret point into buf: valid until buf is freed or reused.
 */
int gossip_msg_decode(const uint8_t *buf, size_t len, struct gossip_msg *ret);

/* Decodes gossip entry index (< ping->count) of a decoded PING/PONG/MEET.
 * Returns 0, or -EINVAL if index is out of range. */
int gossip_msg_entry_at(const struct gossip_msg_ping *ping, size_t index, struct gossip_msg_entry *ret);

/*
 * Walks the extensions of a decoded PING/PONG/MEET. *cursor starts at 0 and
 * is advanced; returns true and fills *ret for each extension in wire order,
 * false when there is none left.
 */
bool gossip_msg_ext_next(const struct gossip_msg_ping *ping, size_t *cursor, struct gossip_msg_ext *ret);

/* True if a node ID field is all zero bytes (e.g. hdr.slaveof of a master). */
bool gossip_msg_id_is_zero(const char id[GOSSIP_MSG_NODE_ID_LEN]);

/* Encoding.
 *
 * Every encoder writes one whole message into buf[0..cap) and returns its
 * length, or -ENOBUFS if cap is smaller than the size function says (nothing
 * useful is written then), or -EINVAL for arguments no peer would accept
 * (a count or length over its limit, a wrong type for the encoder). From hdr
 * it takes every sender field; sig, totlen, ver, type, count, extensions and
 * the EXT_DATA bit of mflags[0] are computed. Unused bytes are zero, so the
 * output is deterministic.
 */

/* Size of a PING/PONG/MEET with count entries and these extensions, or
 * -EINVAL (count > GOSSIP_MSG_ENTRIES_MAX, an extension over
 * GOSSIP_MSG_EXT_LEN_MAX, a name with more than GOSSIP_MSG_HOSTNAME_MAX
 * bytes, the whole over GOSSIP_MSG_FRAME_MAX). */
ssize_t gossip_msg_ping_size(size_t count, const struct gossip_msg_ext *exts, size_t ext_count);
/* type is GOSSIP_MSG_PING, _PONG or _MEET. */
ssize_t gossip_msg_encode_ping(uint8_t *buf, size_t cap, uint16_t type, const struct gossip_msg_hdr *hdr,
                               const struct gossip_msg_entry *entries, size_t count,
                               const struct gossip_msg_ext *exts, size_t ext_count);

/* FAILOVER_AUTH_REQUEST, FAILOVER_AUTH_ACK, MFSTART (GOSSIP_MSG_HDR_SIZE bytes). */
ssize_t gossip_msg_encode_header_only(uint8_t *buf, size_t cap, uint16_t type, const struct gossip_msg_hdr *hdr);

/* FAIL about nodename (GOSSIP_MSG_FAIL_SIZE bytes). */
ssize_t gossip_msg_encode_fail(uint8_t *buf, size_t cap, const struct gossip_msg_hdr *hdr,
                               const char nodename[GOSSIP_MSG_NODE_ID_LEN]);

/* Size of a PUBLISH/PUBLISHSHARD, or -EINVAL past GOSSIP_MSG_PUBLISH_PAYLOAD_MAX. */
ssize_t gossip_msg_publish_size(size_t channel_len, size_t message_len);
/* type is GOSSIP_MSG_PUBLISH or GOSSIP_MSG_PUBLISHSHARD. */
ssize_t gossip_msg_encode_publish(uint8_t *buf, size_t cap, uint16_t type, const struct gossip_msg_hdr *hdr,
                                  const void *channel, size_t channel_len, const void *message,
                                  size_t message_len);

/* UPDATE describing nodename (GOSSIP_MSG_UPDATE_SIZE bytes). */
ssize_t gossip_msg_encode_update(uint8_t *buf, size_t cap, const struct gossip_msg_hdr *hdr, uint64_t config_epoch,
                                 const char nodename[GOSSIP_MSG_NODE_ID_LEN], const struct slots_bitmap *slots);

/* Size of a MODULE message, or -EINVAL past GOSSIP_MSG_MODULE_PAYLOAD_MAX. */
ssize_t gossip_msg_module_size(size_t len);
ssize_t gossip_msg_encode_module(uint8_t *buf, size_t cap, const struct gossip_msg_hdr *hdr, uint64_t module_id,
                                 uint8_t module_type, const void *payload, size_t len);

#endif
