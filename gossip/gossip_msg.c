/*
 * gossip_msg.c — the receive side of the bus codec: framing, whole-message
 * validation (cluster-bus spec §2) and decoding into caller-owned structs.
 *
 * Owns: the acceptance rules (what closes a link, what is dropped, what is
 * accepted and ignored) and the walk over gossip entries and ping extensions.
 * Does not own the encoders (gossip_msg_encode.c) or anything a message
 * causes (the state machine's).
 *
 * BACKGROUND
 * redis-server reads 8 bytes, closes the link on a bad signature or a totlen
 * below the header size, reads totlen bytes, then drops (link kept) any
 * message whose version is not 1 or whose totlen differs from what its type,
 * gossip count and extension lengths imply. Unknown types (>= 11) are
 * accepted as they are. It puts no upper bound on totlen; we must, because
 * the caller allocates the receive buffer from it (GOSSIP_MSG_FRAME_MAX).
 *
 * BEHAVIOR
 * Every length a peer sends is checked against the bytes actually present
 * before anything is read through it; nothing here asserts on peer bytes.
 * Beyond 7.0.15 we also refuse extensions shorter than their own 8-byte
 * header or longer than GOSSIP_MSG_EXT_LEN_MAX (7.0.15 would loop on a
 * zero length and truncates lengths to 16 bits; no real sender makes either).
 */
#include "gossip/gossip_msg.h"

#include <errno.h>
#include <string.h>

#include "gossip/gossip_msg_int.h"

static const char *const type_names[GOSSIP_MSG_TYPE_COUNT] = {
    [GOSSIP_MSG_PING] = "ping",
    [GOSSIP_MSG_PONG] = "pong",
    [GOSSIP_MSG_MEET] = "meet",
    [GOSSIP_MSG_FAIL] = "fail",
    [GOSSIP_MSG_PUBLISH] = "publish",
    [GOSSIP_MSG_FAILOVER_AUTH_REQUEST] = "auth-req",
    [GOSSIP_MSG_FAILOVER_AUTH_ACK] = "auth-ack",
    [GOSSIP_MSG_UPDATE] = "update",
    [GOSSIP_MSG_MFSTART] = "mfstart",
    [GOSSIP_MSG_MODULE] = "module",
    [GOSSIP_MSG_PUBLISHSHARD] = "publishshard",
};

const char *gossip_msg_type_name(uint16_t type)
{
    return type < GOSSIP_MSG_TYPE_COUNT ? type_names[type] : NULL;
}

const char *gossip_msg_reason_name(enum gossip_msg_reason reason)
{
    switch (reason) {
    case GOSSIP_MSG_OK: return "ok";
    case GOSSIP_MSG_UNKNOWN_TYPE: return "unknown-type";
    case GOSSIP_MSG_BAD_SIG: return "bad-signature";
    case GOSSIP_MSG_TOO_SHORT: return "too-short";
    case GOSSIP_MSG_TOO_LONG: return "too-long";
    case GOSSIP_MSG_LEN_MISMATCH: return "length-mismatch";
    case GOSSIP_MSG_BAD_VERSION: return "bad-version";
    case GOSSIP_MSG_BAD_TOTLEN: return "bad-totlen";
    case GOSSIP_MSG_BAD_EXT: return "bad-extension";
    }
    return "unknown-reason";
}

bool gossip_msg_reason_closes_link(enum gossip_msg_reason reason)
{
    return reason == GOSSIP_MSG_BAD_SIG || reason == GOSSIP_MSG_TOO_SHORT || reason == GOSSIP_MSG_TOO_LONG;
}

static int reason_errno(enum gossip_msg_reason reason)
{
    switch (reason) {
    case GOSSIP_MSG_OK:
    case GOSSIP_MSG_UNKNOWN_TYPE: return 0;
    case GOSSIP_MSG_TOO_LONG: return -EMSGSIZE;
    default: return -EPROTO;
    }
}

ssize_t gossip_msg_frame_len(const uint8_t *buf, size_t len, enum gossip_msg_reason *ret_reason)
{
    enum gossip_msg_reason reason = GOSSIP_MSG_OK;
    ssize_t r = 0;
    if (len >= GOSSIP_MSG_PREFIX_SIZE) {
        const struct gossip__wire_hdr *h = (const void *)buf;
        uint32_t totlen = gossip__be32(h->totlen);
        if (memcmp(h->sig, GOSSIP_MSG_SIG, sizeof(h->sig)) != 0)
            reason = GOSSIP_MSG_BAD_SIG;
        else if (totlen < GOSSIP_MSG_HDR_SIZE)
            reason = GOSSIP_MSG_TOO_SHORT;
        else if (totlen > GOSSIP_MSG_FRAME_MAX)
            reason = GOSSIP_MSG_TOO_LONG;
        r = reason == GOSSIP_MSG_OK ? (ssize_t)totlen : reason_errno(reason);
    }
    if (ret_reason)
        *ret_reason = reason;
    return r;
}

/*
 * Walks n extensions starting at byte `used` of a totlen-byte frame, each
 * length checked against the bytes left before it is trusted. Returns the
 * reason and, on OK, the offset just past the last one in *ret_end.
 */
static enum gossip_msg_reason walk_exts(const uint8_t *buf, size_t totlen, size_t used, unsigned n,
                                        size_t *ret_end)
{
    /* n <= GOSSIP_MSG_EXTS_MAX: the u16 field is the loop bound */
    for (unsigned i = 0; i < n; i++) {
        if (totlen - used < GOSSIP_MSG_EXT_HDR_SIZE)
            return GOSSIP_MSG_BAD_EXT;
        const struct gossip__wire_ext_hdr *e = (const void *)(buf + used);
        uint32_t extlen = gossip__be32(e->length);
        if (extlen < GOSSIP_MSG_EXT_HDR_SIZE || extlen % 8 != 0 || extlen > GOSSIP_MSG_EXT_LEN_MAX ||
            extlen > totlen - used)
            return GOSSIP_MSG_BAD_EXT;
        used += extlen;
    }
    *ret_end = used;
    return GOSSIP_MSG_OK;
}

static enum gossip_msg_reason check_ping(const uint8_t *buf, size_t totlen)
{
    const struct gossip__wire_hdr *h = (const void *)buf;
    size_t used = GOSSIP_MSG_HDR_SIZE + (size_t)gossip__be16(h->count) * GOSSIP_MSG_ENTRY_SIZE;
    if (used > totlen)
        return GOSSIP_MSG_BAD_TOTLEN;
    /* Without EXT_DATA the extensions field is not looked at, so stray
     * extension bytes make the length check fail (spec §2). */
    if (h->mflags[0] & GOSSIP_MSG_MFLAG_EXT_DATA) {
        enum gossip_msg_reason r = walk_exts(buf, totlen, used, gossip__be16(h->extensions), &used);
        if (r != GOSSIP_MSG_OK)
            return r;
    }
    return used == totlen ? GOSSIP_MSG_OK : GOSSIP_MSG_BAD_TOTLEN;
}

/* Body rules of a frame whose framing and version are fine. */
static enum gossip_msg_reason check_body(const uint8_t *buf, size_t totlen, uint16_t type)
{
    const uint8_t *body = buf + GOSSIP_MSG_HDR_SIZE;
    size_t body_size = totlen - GOSSIP_MSG_HDR_SIZE;
    size_t expected;
    switch (type) {
    case GOSSIP_MSG_PING:
    case GOSSIP_MSG_PONG:
    case GOSSIP_MSG_MEET:
        return check_ping(buf, totlen);
    case GOSSIP_MSG_FAIL:
        expected = sizeof(struct gossip__wire_fail);
        break;
    case GOSSIP_MSG_PUBLISH:
    case GOSSIP_MSG_PUBLISHSHARD: {
        if (body_size < sizeof(struct gossip__wire_publish))
            return GOSSIP_MSG_BAD_TOTLEN;
        const struct gossip__wire_publish *p = (const void *)body;
        /* two u32 summed in 64 bits: cannot wrap */
        expected = sizeof(*p) + (size_t)gossip__be32(p->channel_len) + gossip__be32(p->message_len);
        break;
    }
    case GOSSIP_MSG_FAILOVER_AUTH_REQUEST:
    case GOSSIP_MSG_FAILOVER_AUTH_ACK:
    case GOSSIP_MSG_MFSTART:
        expected = 0;
        break;
    case GOSSIP_MSG_UPDATE:
        expected = sizeof(struct gossip__wire_update);
        break;
    case GOSSIP_MSG_MODULE: {
        if (body_size < sizeof(struct gossip__wire_module))
            return GOSSIP_MSG_BAD_TOTLEN;
        const struct gossip__wire_module *m = (const void *)body;
        expected = sizeof(*m) + (size_t)gossip__be32(m->len);
        break;
    }
    default:
        return GOSSIP_MSG_UNKNOWN_TYPE;
    }
    return body_size == expected ? GOSSIP_MSG_OK : GOSSIP_MSG_BAD_TOTLEN;
}

static enum gossip_msg_reason check(const uint8_t *buf, size_t len)
{
    enum gossip_msg_reason reason;
    ssize_t totlen = gossip_msg_frame_len(buf, len, &reason);
    if (totlen < 0)
        return reason;
    if (totlen == 0 || (size_t)totlen != len)
        return GOSSIP_MSG_LEN_MISMATCH;
    const struct gossip__wire_hdr *h = (const void *)buf;
    if (gossip__be16(h->ver) != GOSSIP_MSG_VERSION)
        return GOSSIP_MSG_BAD_VERSION;
    return check_body(buf, len, gossip__be16(h->type));
}

int gossip_msg_validate(const uint8_t *buf, size_t len, enum gossip_msg_reason *ret_reason)
{
    enum gossip_msg_reason reason = buf ? check(buf, len) : GOSSIP_MSG_LEN_MISMATCH;
    if (ret_reason)
        *ret_reason = reason;
    return reason_errno(reason);
}

bool gossip_msg_id_is_zero(const char id[GOSSIP_MSG_NODE_ID_LEN])
{
    for (size_t i = 0; i < GOSSIP_MSG_NODE_ID_LEN; i++)
        if (id[i] != '\0')
            return false;
    return true;
}

/* A NUL-padded wire string into a NUL-terminated field of size + 1. */
static void copy_str(char *dst, const uint8_t *src, size_t size)
{
    size_t n = strnlen((const char *)src, size);
    memcpy(dst, src, n);
    memset(dst + n, 0, size + 1 - n);
}

static void decode_hdr(const uint8_t *buf, struct gossip_msg_hdr *ret)
{
    const struct gossip__wire_hdr *h = (const void *)buf;
    ret->totlen = gossip__be32(h->totlen);
    ret->ver = gossip__be16(h->ver);
    ret->type = gossip__be16(h->type);
    ret->port = gossip__be16(h->port);
    ret->count = gossip__be16(h->count);
    ret->current_epoch = gossip__be64(h->current_epoch);
    ret->config_epoch = gossip__be64(h->config_epoch);
    ret->offset = gossip__be64(h->offset);
    memcpy(ret->sender, h->sender, sizeof(ret->sender));
    memcpy(ret->myslots.bits, h->myslots, sizeof(ret->myslots.bits));
    memcpy(ret->slaveof, h->slaveof, sizeof(ret->slaveof));
    copy_str(ret->myip, h->myip, GOSSIP_MSG_IP_LEN);
    ret->extensions = gossip__be16(h->extensions);
    ret->pport = gossip__be16(h->pport);
    ret->cport = gossip__be16(h->cport);
    ret->flags = gossip__be16(h->flags);
    ret->state = h->state[0];
    memcpy(ret->mflags, h->mflags, sizeof(ret->mflags));
}

/* Body of a validated PING/PONG/MEET. */
static void decode_ping(const uint8_t *buf, const struct gossip_msg_hdr *hdr, struct gossip_msg_ping *ret)
{
    size_t ext_off = GOSSIP_MSG_HDR_SIZE + (size_t)hdr->count * GOSSIP_MSG_ENTRY_SIZE;
    memset(ret, 0, sizeof(*ret));
    ret->entries = buf + GOSSIP_MSG_HDR_SIZE;
    ret->count = hdr->count;
    ret->exts = buf + ext_off;
    ret->ext_size = (uint32_t)(hdr->totlen - ext_off);
    ret->ext_count = (hdr->mflags[0] & GOSSIP_MSG_MFLAG_EXT_DATA) ? hdr->extensions : 0;

    size_t cursor = 0;
    struct gossip_msg_ext ext;
    while (gossip_msg_ext_next(ret, &cursor, &ext)) {
        if (ext.type == GOSSIP_MSG_EXT_HOSTNAME && ext.typed) {
            ret->has_hostname = true;
            ret->hostname = ext.u.name.str;
            ret->hostname_len = ext.u.name.len;
        }
    }
}

static void decode_body(const uint8_t *buf, struct gossip_msg *ret)
{
    const uint8_t *body = buf + GOSSIP_MSG_HDR_SIZE;
    switch (ret->hdr.type) {
    case GOSSIP_MSG_PING:
    case GOSSIP_MSG_PONG:
    case GOSSIP_MSG_MEET:
        decode_ping(buf, &ret->hdr, &ret->body.ping);
        break;
    case GOSSIP_MSG_FAIL:
        memcpy(ret->body.fail.nodename, body, GOSSIP_MSG_NODE_ID_LEN);
        break;
    case GOSSIP_MSG_PUBLISH:
    case GOSSIP_MSG_PUBLISHSHARD: {
        const struct gossip__wire_publish *p = (const void *)body;
        struct gossip_msg_publish *out = &ret->body.publish;
        out->channel_len = gossip__be32(p->channel_len);
        out->message_len = gossip__be32(p->message_len);
        out->channel = body + sizeof(*p);
        out->message = out->channel + out->channel_len;
        break;
    }
    case GOSSIP_MSG_UPDATE: {
        const struct gossip__wire_update *u = (const void *)body;
        ret->body.update.config_epoch = gossip__be64(u->config_epoch);
        memcpy(ret->body.update.nodename, u->nodename, GOSSIP_MSG_NODE_ID_LEN);
        memcpy(ret->body.update.slots.bits, u->slots, SLOTS_BITMAP_SIZE);
        break;
    }
    case GOSSIP_MSG_MODULE: {
        const struct gossip__wire_module *m = (const void *)body;
        /* opaque id: the sender's host order, kept byte for byte */
        memcpy(&ret->body.module.module_id, m->module_id, sizeof(m->module_id));
        ret->body.module.len = gossip__be32(m->len);
        ret->body.module.module_type = m->type[0];
        ret->body.module.payload = body + sizeof(*m);
        break;
    }
    default:
        break; /* header only, or an unknown type */
    }
}

int gossip_msg_decode(const uint8_t *buf, size_t len, struct gossip_msg *ret)
{
    int r = gossip_msg_validate(buf, len, NULL);
    if (r < 0)
        return r;
    memset(&ret->body, 0, sizeof(ret->body));
    decode_hdr(buf, &ret->hdr);
    decode_body(buf, ret);
    return 0;
}

int gossip_msg_entry_at(const struct gossip_msg_ping *ping, size_t index, struct gossip_msg_entry *ret)
{
    if (index >= ping->count)
        return -EINVAL;
    const struct gossip__wire_entry *e = (const void *)(ping->entries + index * GOSSIP_MSG_ENTRY_SIZE);
    memcpy(ret->nodename, e->nodename, sizeof(ret->nodename));
    ret->ping_sent_s = gossip__be32(e->ping_sent);
    ret->pong_received_s = gossip__be32(e->pong_received);
    copy_str(ret->ip, e->ip, GOSSIP_MSG_IP_LEN);
    ret->port = gossip__be16(e->port);
    ret->cport = gossip__be16(e->cport);
    ret->flags = gossip__be16(e->flags);
    ret->pport = gossip__be16(e->pport);
    return 0;
}

/* Fills the typed view of a known extension whose payload is long enough. */
static void parse_ext(struct gossip_msg_ext *ext)
{
    const uint8_t *p = ext->payload;
    switch (ext->type) {
    case GOSSIP_MSG_EXT_HOSTNAME:
    case GOSSIP_MSG_EXT_HUMAN_NODENAME:
        ext->u.name.str = (const char *)p;
        ext->u.name.len = strnlen((const char *)p, ext->payload_len);
        ext->typed = true;
        break;
    case GOSSIP_MSG_EXT_FORGOTTEN_NODE: {
        const struct gossip__wire_ext_forgotten *f = (const void *)p;
        if (ext->payload_len < sizeof(*f))
            break;
        memcpy(ext->u.forgotten.id, f->name, sizeof(f->name));
        ext->u.forgotten.ttl_s = gossip__be64(f->ttl);
        ext->typed = true;
        break;
    }
    case GOSSIP_MSG_EXT_SHARDID:
        if (ext->payload_len < sizeof(struct gossip__wire_ext_shard))
            break;
        memcpy(ext->u.shard.id, p, GOSSIP_MSG_NODE_ID_LEN);
        ext->typed = true;
        break;
    default:
        break; /* unknown to us: the caller skips it, as 7.0.15 does */
    }
}

bool gossip_msg_ext_next(const struct gossip_msg_ping *ping, size_t *cursor, struct gossip_msg_ext *ret)
{
    size_t off = *cursor;
    /* The frame was validated, so these only fail on a struct the caller
     * built by hand; they keep the walk inside ext_size regardless. */
    if (off >= ping->ext_size || ping->ext_size - off < GOSSIP_MSG_EXT_HDR_SIZE)
        return false;
    const struct gossip__wire_ext_hdr *e = (const void *)(ping->exts + off);
    uint32_t extlen = gossip__be32(e->length);
    if (extlen < GOSSIP_MSG_EXT_HDR_SIZE || extlen > ping->ext_size - off)
        return false;
    memset(ret, 0, sizeof(*ret));
    ret->type = gossip__be16(e->type);
    ret->payload = ping->exts + off + GOSSIP_MSG_EXT_HDR_SIZE;
    ret->payload_len = extlen - GOSSIP_MSG_EXT_HDR_SIZE;
    parse_ext(ret);
    *cursor = off + extlen;
    return true;
}
