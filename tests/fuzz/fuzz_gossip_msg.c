/*
 * fuzz_gossip_msg.c — fuzz target for the cluster bus codec (gossip/gossip_msg*.c).
 *
 * The input is read two ways:
 *   1. as a byte stream off a bus link: gossip_msg_frame_len() cuts frames
 *      until it asks for more or says "close the link", and each whole frame
 *      is copied to an exact-size buffer (so ASan sees any overread) and
 *      checked;
 *   2. as one frame whose signature and totlen are forced to be right, so the
 *      fuzzer spends its time past the framing checks.
 *
 * Invariants of each frame: validate and decode agree; an accepted message's
 * pointers stay inside the frame, its gossip entries and extensions walk to
 * exactly the counted sizes; a known type re-encodes to exactly the frame's
 * length, and re-encoding is a fixpoint (decode(encode(m)) encodes to the same
 * bytes).
 */
#include "gossip/gossip_msg.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Frames cut from one input; the input is small, this is only a loop bound. */
#define FRAMES_MAX 64
/* Extensions kept for re-encoding (the u16 count bounds any real walk). */
#define EXTS_MAX (GOSSIP_MSG_EXTS_MAX + 1)

static void check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_gossip_msg: invariant broken: %s\n", what);
        abort();
    }
}

static bool inside(const uint8_t *p, size_t n, const uint8_t *base, size_t size)
{
    return p >= base && n <= size && (size_t)(p - base) <= size - n;
}

static struct gossip_msg_entry entries[GOSSIP_MSG_ENTRIES_MAX];
static struct gossip_msg_ext exts[EXTS_MAX];

/* Walks a decoded PING/PONG/MEET body; returns the number of extensions. */
static size_t walk_ping(const struct gossip_msg_ping *ping, const uint8_t *buf, size_t len)
{
    check(inside(ping->entries, (size_t)ping->count * GOSSIP_MSG_ENTRY_SIZE, buf, len), "entries outside");
    check(inside(ping->exts, ping->ext_size, buf, len), "extensions outside");
    for (size_t i = 0; i < ping->count; i++) {
        check(gossip_msg_entry_at(ping, i, &entries[i]) == 0, "entry_at failed");
        check(strlen(entries[i].ip) <= GOSSIP_MSG_IP_LEN, "ip not terminated");
    }
    check(gossip_msg_entry_at(ping, ping->count, &entries[0]) == -EINVAL, "entry_at past count");
    size_t cursor = 0, n = 0, bytes = 0;
    while (n < EXTS_MAX && gossip_msg_ext_next(ping, &cursor, &exts[n])) {
        const struct gossip_msg_ext *x = &exts[n];
        check(inside(x->payload, x->payload_len, buf, len), "extension payload outside");
        check((x->payload_len + GOSSIP_MSG_EXT_HDR_SIZE) % 8 == 0, "extension not padded");
        if (x->typed && (x->type == GOSSIP_MSG_EXT_HOSTNAME || x->type == GOSSIP_MSG_EXT_HUMAN_NODENAME))
            check(x->u.name.len <= x->payload_len, "name longer than payload");
        bytes += x->payload_len + GOSSIP_MSG_EXT_HDR_SIZE;
        n++;
    }
    check(n == ping->ext_count, "extension count");
    check(bytes == ping->ext_size, "extension bytes");
    if (ping->has_hostname)
        check(inside((const uint8_t *)ping->hostname, ping->hostname_len, buf, len), "hostname outside");
    return n;
}

/* Encodes m again; returns the length or a negative errno. */
static ssize_t encode(const struct gossip_msg *m, uint8_t *out, size_t cap, size_t n_ext)
{
    const struct gossip_msg_hdr *h = &m->hdr;
    switch (h->type) {
    case GOSSIP_MSG_PING:
    case GOSSIP_MSG_PONG:
    case GOSSIP_MSG_MEET:
        return gossip_msg_encode_ping(out, cap, h->type, h, entries, m->body.ping.count, exts, n_ext);
    case GOSSIP_MSG_FAIL:
        return gossip_msg_encode_fail(out, cap, h, m->body.fail.nodename);
    case GOSSIP_MSG_PUBLISH:
    case GOSSIP_MSG_PUBLISHSHARD:
        return gossip_msg_encode_publish(out, cap, h->type, h, m->body.publish.channel, m->body.publish.channel_len,
                                         m->body.publish.message, m->body.publish.message_len);
    case GOSSIP_MSG_UPDATE:
        return gossip_msg_encode_update(out, cap, h, m->body.update.config_epoch, m->body.update.nodename,
                                        &m->body.update.slots);
    case GOSSIP_MSG_MODULE:
        return gossip_msg_encode_module(out, cap, h, m->body.module.module_id, m->body.module.module_type,
                                        m->body.module.payload, m->body.module.len);
    default:
        return gossip_msg_encode_header_only(out, cap, h->type, h);
    }
}

/* Checks one whole frame in an exact-size buffer. */
static void check_frame(const uint8_t *buf, size_t len)
{
    static struct gossip_msg m, m2;
    enum gossip_msg_reason reason;
    int rv = gossip_msg_validate(buf, len, &reason);
    int rd = gossip_msg_decode(buf, len, &m);
    check(rv == rd, "validate and decode disagree");
    check(gossip_msg_reason_name(reason) != NULL, "reason name");
    if (rv < 0) {
        check(reason != GOSSIP_MSG_OK && reason != GOSSIP_MSG_UNKNOWN_TYPE, "error with an OK reason");
        return;
    }
    check(m.hdr.totlen == len && m.hdr.ver == GOSSIP_MSG_VERSION, "header");
    check(strlen(m.hdr.myip) <= GOSSIP_MSG_IP_LEN, "myip not terminated");
    if (reason == GOSSIP_MSG_UNKNOWN_TYPE) {
        check(m.hdr.type >= GOSSIP_MSG_TYPE_COUNT && gossip_msg_type_name(m.hdr.type) == NULL, "unknown type");
        return;
    }
    size_t n_ext = 0;
    if (m.hdr.type <= GOSSIP_MSG_MEET)
        n_ext = walk_ping(&m.body.ping, buf, len);
    if (m.hdr.type == GOSSIP_MSG_PUBLISH || m.hdr.type == GOSSIP_MSG_PUBLISHSHARD) {
        check(inside(m.body.publish.channel, m.body.publish.channel_len, buf, len), "channel outside");
        check(inside(m.body.publish.message, m.body.publish.message_len, buf, len), "message outside");
    }
    if (m.hdr.type == GOSSIP_MSG_MODULE)
        check(inside(m.body.module.payload, m.body.module.len, buf, len), "module payload outside");

    uint8_t *out = malloc(len), *out2 = malloc(len);
    check(out && out2, "oom");
    check(encode(&m, out, len - 1, n_ext) == -ENOBUFS, "re-encode fits in one byte less");
    check(encode(&m, out, len, n_ext) == (ssize_t)len, "re-encode length");
    check(gossip_msg_decode(out, len, &m2) == 0, "re-encoded message rejected");
    n_ext = m2.hdr.type <= GOSSIP_MSG_MEET ? walk_ping(&m2.body.ping, out, len) : 0;
    check(encode(&m2, out2, len, n_ext) == (ssize_t)len, "second re-encode length");
    check(memcmp(out, out2, len) == 0, "re-encoding is not a fixpoint");
    free(out);
    free(out2);
}

/* Copies a frame into an exact-size buffer and checks it. */
static void check_copy(const uint8_t *p, size_t len)
{
    uint8_t *buf = malloc(len ? len : 1);
    check(buf != NULL, "oom");
    memcpy(buf, p, len);
    check_frame(buf, len);
    free(buf);
}

static void as_stream(const uint8_t *data, size_t size)
{
    size_t off = 0;
    for (int i = 0; i < FRAMES_MAX && off < size; i++) {
        enum gossip_msg_reason reason;
        ssize_t frame = gossip_msg_frame_len(data + off, size - off, &reason);
        if (frame == 0) {
            check(size - off < GOSSIP_MSG_PREFIX_SIZE, "need more with 8 bytes");
            return;
        }
        if (frame < 0) {
            check(gossip_msg_reason_closes_link(reason), "framing error that keeps the link");
            return;
        }
        check(frame >= GOSSIP_MSG_HDR_SIZE && (size_t)frame <= GOSSIP_MSG_FRAME_MAX, "frame bounds");
        if ((size_t)frame > size - off)
            return; /* the rest is still in flight */
        check_copy(data + off, (size_t)frame);
        off += (size_t)frame;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    as_stream(data, size);
    if (size >= GOSSIP_MSG_HDR_SIZE && size <= GOSSIP_MSG_FRAME_MAX) {
        uint8_t *buf = malloc(size);
        check(buf != NULL, "oom");
        memcpy(buf, data, size);
        memcpy(buf, GOSSIP_MSG_SIG, 4);
        buf[4] = (uint8_t)(size >> 24);
        buf[5] = (uint8_t)(size >> 16);
        buf[6] = (uint8_t)(size >> 8);
        buf[7] = (uint8_t)size;
        check(gossip_msg_frame_len(buf, size, NULL) == (ssize_t)size, "forced frame length");
        check_frame(buf, size);
        free(buf);
    }
    return 0;
}
