/*
 * gossip_msg_encode.c — the send side of the bus codec: size functions and
 * encoders for every message type, into a caller-provided buffer.
 *
 * Owns: the byte layout of what we send. Does not own what goes into the
 * fields (the state machine fills struct gossip_msg_hdr and picks the gossip
 * entries) or the validation of received bytes (gossip_msg.c).
 *
 * Every encoder zero-fills the whole message first and then sets fields, as
 * redis-server builds its headers from scratch: unused fields and padding are
 * zero, the output is a pure function of the arguments, and re-encoding a
 * decoded 7.0.15 message reproduces its bytes.
 */
#include "gossip/gossip_msg.h"

#include <errno.h>
#include <string.h>

#include "gossip/gossip_msg_int.h"

/* Writes the header of a totlen-byte message and zeroes its body. */
static void put_hdr(uint8_t *buf, size_t totlen, uint16_t type, const struct gossip_msg_hdr *hdr, size_t count,
                    size_t ext_count)
{
    struct gossip__wire_hdr *h = (void *)buf;
    memset(buf, 0, totlen);
    memcpy(h->sig, GOSSIP_MSG_SIG, sizeof(h->sig));
    gossip__put32(h->totlen, (uint32_t)totlen);
    gossip__put16(h->ver, GOSSIP_MSG_VERSION);
    gossip__put16(h->port, hdr->port);
    gossip__put16(h->type, type);
    gossip__put16(h->count, (uint16_t)count);
    gossip__put64(h->current_epoch, hdr->current_epoch);
    gossip__put64(h->config_epoch, hdr->config_epoch);
    gossip__put64(h->offset, hdr->offset);
    memcpy(h->sender, hdr->sender, sizeof(h->sender));
    memcpy(h->myslots, hdr->myslots.bits, sizeof(h->myslots));
    memcpy(h->slaveof, hdr->slaveof, sizeof(h->slaveof));
    memcpy(h->myip, hdr->myip, strnlen(hdr->myip, GOSSIP_MSG_IP_LEN));
    gossip__put16(h->extensions, (uint16_t)ext_count);
    gossip__put16(h->pport, hdr->pport);
    gossip__put16(h->cport, hdr->cport);
    gossip__put16(h->flags, hdr->flags);
    h->state[0] = hdr->state;
    memcpy(h->mflags, hdr->mflags, sizeof(h->mflags));
    /* EXT_DATA and `extensions` always agree, else a receiver drops us */
    if (ext_count > 0)
        h->mflags[0] |= GOSSIP_MSG_MFLAG_EXT_DATA;
    else
        h->mflags[0] &= (uint8_t)~GOSSIP_MSG_MFLAG_EXT_DATA;
}

/* Payload bytes of one extension before padding, or -EINVAL. */
static ssize_t ext_payload_size(const struct gossip_msg_ext *ext)
{
    if (ext->payload)
        return ext->payload_len <= GOSSIP_MSG_EXT_LEN_MAX ? (ssize_t)ext->payload_len : -EINVAL;
    switch (ext->type) {
    case GOSSIP_MSG_EXT_HOSTNAME:
    case GOSSIP_MSG_EXT_HUMAN_NODENAME:
        if (ext->u.name.len > 0 && memchr(ext->u.name.str, '\0', ext->u.name.len))
            return -EINVAL; /* the receiver would cut it at the NUL */
        if (ext->type == GOSSIP_MSG_EXT_HOSTNAME && ext->u.name.len > GOSSIP_MSG_HOSTNAME_MAX)
            return -EINVAL;
        if (ext->u.name.len >= GOSSIP_MSG_EXT_LEN_MAX)
            return -EINVAL;
        return (ssize_t)ext->u.name.len + 1; /* + NUL */
    case GOSSIP_MSG_EXT_FORGOTTEN_NODE:
        return (ssize_t)sizeof(struct gossip__wire_ext_forgotten);
    case GOSSIP_MSG_EXT_SHARDID:
        return (ssize_t)sizeof(struct gossip__wire_ext_shard);
    default:
        return ext->payload_len == 0 ? 0 : -EINVAL; /* bytes promised, none given */
    }
}

/* Whole wire length of one extension (header + padded payload), or -EINVAL. */
static ssize_t ext_size(const struct gossip_msg_ext *ext)
{
    ssize_t payload = ext_payload_size(ext);
    if (payload < 0)
        return payload;
    size_t size = GOSSIP_MSG_EXT_HDR_SIZE + gossip__pad8((size_t)payload);
    return size <= GOSSIP_MSG_EXT_LEN_MAX ? (ssize_t)size : -EINVAL;
}

ssize_t gossip_msg_ping_size(size_t count, const struct gossip_msg_ext *exts, size_t ext_count)
{
    if (count > GOSSIP_MSG_ENTRIES_MAX || ext_count > GOSSIP_MSG_EXTS_MAX || (ext_count > 0 && !exts))
        return -EINVAL;
    /* at most 65535 * 65528 + 6.8 MB: no overflow in size_t */
    size_t size = GOSSIP_MSG_HDR_SIZE + count * GOSSIP_MSG_ENTRY_SIZE;
    for (size_t i = 0; i < ext_count; i++) {
        ssize_t n = ext_size(&exts[i]);
        if (n < 0)
            return n;
        size += (size_t)n;
    }
    return size <= GOSSIP_MSG_FRAME_MAX ? (ssize_t)size : -EINVAL;
}

static void put_entry(uint8_t *p, const struct gossip_msg_entry *in)
{
    struct gossip__wire_entry *e = (void *)p;
    memcpy(e->nodename, in->nodename, sizeof(e->nodename));
    gossip__put32(e->ping_sent, in->ping_sent_s);
    gossip__put32(e->pong_received, in->pong_received_s);
    memcpy(e->ip, in->ip, strnlen(in->ip, GOSSIP_MSG_IP_LEN));
    gossip__put16(e->port, in->port);
    gossip__put16(e->cport, in->cport);
    gossip__put16(e->flags, in->flags);
    gossip__put16(e->pport, in->pport);
}

/* Writes one extension of `size` bytes (from ext_size()) at p, already zeroed. */
static void put_ext(uint8_t *p, size_t size, const struct gossip_msg_ext *ext)
{
    struct gossip__wire_ext_hdr *e = (void *)p;
    uint8_t *payload = p + GOSSIP_MSG_EXT_HDR_SIZE;
    gossip__put32(e->length, (uint32_t)size);
    gossip__put16(e->type, ext->type);
    if (ext->payload) {
        if (ext->payload_len > 0)
            memcpy(payload, ext->payload, ext->payload_len);
        return;
    }
    switch (ext->type) {
    case GOSSIP_MSG_EXT_HOSTNAME:
    case GOSSIP_MSG_EXT_HUMAN_NODENAME:
        if (ext->u.name.len > 0)
            memcpy(payload, ext->u.name.str, ext->u.name.len); /* NUL and padding: already zero */
        break;
    case GOSSIP_MSG_EXT_FORGOTTEN_NODE: {
        struct gossip__wire_ext_forgotten *f = (void *)payload;
        memcpy(f->name, ext->u.forgotten.id, sizeof(f->name));
        gossip__put64(f->ttl, ext->u.forgotten.ttl_s);
        break;
    }
    case GOSSIP_MSG_EXT_SHARDID:
        memcpy(payload, ext->u.shard.id, GOSSIP_MSG_NODE_ID_LEN);
        break;
    default:
        break; /* empty payload */
    }
}

ssize_t gossip_msg_encode_ping(uint8_t *buf, size_t cap, uint16_t type, const struct gossip_msg_hdr *hdr,
                               const struct gossip_msg_entry *entries, size_t count,
                               const struct gossip_msg_ext *exts, size_t ext_count)
{
    if (type != GOSSIP_MSG_PING && type != GOSSIP_MSG_PONG && type != GOSSIP_MSG_MEET)
        return -EINVAL;
    if (count > 0 && !entries)
        return -EINVAL;
    ssize_t size = gossip_msg_ping_size(count, exts, ext_count);
    if (size < 0)
        return size;
    if (cap < (size_t)size)
        return -ENOBUFS;
    put_hdr(buf, (size_t)size, type, hdr, count, ext_count);
    size_t off = GOSSIP_MSG_HDR_SIZE;
    for (size_t i = 0; i < count; i++, off += GOSSIP_MSG_ENTRY_SIZE)
        put_entry(buf + off, &entries[i]);
    for (size_t i = 0; i < ext_count; i++) {
        size_t n = (size_t)ext_size(&exts[i]); /* >= 0: checked by the size function */
        put_ext(buf + off, n, &exts[i]);
        off += n;
    }
    return off == (size_t)size ? size : -EINVAL;
}

ssize_t gossip_msg_encode_header_only(uint8_t *buf, size_t cap, uint16_t type, const struct gossip_msg_hdr *hdr)
{
    if (type != GOSSIP_MSG_FAILOVER_AUTH_REQUEST && type != GOSSIP_MSG_FAILOVER_AUTH_ACK &&
        type != GOSSIP_MSG_MFSTART)
        return -EINVAL;
    if (cap < GOSSIP_MSG_HDR_SIZE)
        return -ENOBUFS;
    put_hdr(buf, GOSSIP_MSG_HDR_SIZE, type, hdr, 0, 0);
    return GOSSIP_MSG_HDR_SIZE;
}

ssize_t gossip_msg_encode_fail(uint8_t *buf, size_t cap, const struct gossip_msg_hdr *hdr,
                               const char nodename[GOSSIP_MSG_NODE_ID_LEN])
{
    if (cap < GOSSIP_MSG_FAIL_SIZE)
        return -ENOBUFS;
    put_hdr(buf, GOSSIP_MSG_FAIL_SIZE, GOSSIP_MSG_FAIL, hdr, 0, 0);
    struct gossip__wire_fail *f = (void *)(buf + GOSSIP_MSG_HDR_SIZE);
    memcpy(f->nodename, nodename, sizeof(f->nodename));
    return GOSSIP_MSG_FAIL_SIZE;
}

ssize_t gossip_msg_publish_size(size_t channel_len, size_t message_len)
{
    if (channel_len > GOSSIP_MSG_PUBLISH_PAYLOAD_MAX || message_len > GOSSIP_MSG_PUBLISH_PAYLOAD_MAX - channel_len)
        return -EINVAL;
    return (ssize_t)(GOSSIP_MSG_HDR_SIZE + sizeof(struct gossip__wire_publish) + channel_len + message_len);
}

ssize_t gossip_msg_encode_publish(uint8_t *buf, size_t cap, uint16_t type, const struct gossip_msg_hdr *hdr,
                                  const void *channel, size_t channel_len, const void *message,
                                  size_t message_len)
{
    if (type != GOSSIP_MSG_PUBLISH && type != GOSSIP_MSG_PUBLISHSHARD)
        return -EINVAL;
    if ((channel_len > 0 && !channel) || (message_len > 0 && !message))
        return -EINVAL;
    ssize_t size = gossip_msg_publish_size(channel_len, message_len);
    if (size < 0)
        return size;
    if (cap < (size_t)size)
        return -ENOBUFS;
    put_hdr(buf, (size_t)size, type, hdr, 0, 0);
    struct gossip__wire_publish *p = (void *)(buf + GOSSIP_MSG_HDR_SIZE);
    uint8_t *data = buf + GOSSIP_MSG_HDR_SIZE + sizeof(*p);
    gossip__put32(p->channel_len, (uint32_t)channel_len);
    gossip__put32(p->message_len, (uint32_t)message_len);
    if (channel_len > 0)
        memcpy(data, channel, channel_len);
    if (message_len > 0)
        memcpy(data + channel_len, message, message_len);
    return size;
}

ssize_t gossip_msg_encode_update(uint8_t *buf, size_t cap, const struct gossip_msg_hdr *hdr, uint64_t config_epoch,
                                 const char nodename[GOSSIP_MSG_NODE_ID_LEN], const struct slots_bitmap *slots)
{
    if (cap < GOSSIP_MSG_UPDATE_SIZE)
        return -ENOBUFS;
    put_hdr(buf, GOSSIP_MSG_UPDATE_SIZE, GOSSIP_MSG_UPDATE, hdr, 0, 0);
    struct gossip__wire_update *u = (void *)(buf + GOSSIP_MSG_HDR_SIZE);
    gossip__put64(u->config_epoch, config_epoch);
    memcpy(u->nodename, nodename, sizeof(u->nodename));
    memcpy(u->slots, slots->bits, sizeof(u->slots));
    return GOSSIP_MSG_UPDATE_SIZE;
}

ssize_t gossip_msg_module_size(size_t len)
{
    if (len > GOSSIP_MSG_MODULE_PAYLOAD_MAX)
        return -EINVAL;
    return (ssize_t)(GOSSIP_MSG_HDR_SIZE + sizeof(struct gossip__wire_module) + len);
}

ssize_t gossip_msg_encode_module(uint8_t *buf, size_t cap, const struct gossip_msg_hdr *hdr, uint64_t module_id,
                                 uint8_t module_type, const void *payload, size_t len)
{
    if (len > 0 && !payload)
        return -EINVAL;
    ssize_t size = gossip_msg_module_size(len);
    if (size < 0)
        return size;
    if (cap < (size_t)size)
        return -ENOBUFS;
    put_hdr(buf, (size_t)size, GOSSIP_MSG_MODULE, hdr, 0, 0);
    struct gossip__wire_module *m = (void *)(buf + GOSSIP_MSG_HDR_SIZE);
    memcpy(m->module_id, &module_id, sizeof(m->module_id)); /* host order, like the sender in 7.0.15 */
    gossip__put32(m->len, (uint32_t)len);
    m->type[0] = module_type;
    if (len > 0)
        memcpy(buf + GOSSIP_MSG_HDR_SIZE + sizeof(*m), payload, len);
    return size;
}
