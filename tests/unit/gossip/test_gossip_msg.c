/*
 * test_gossip_msg.c — unit tests of the cluster bus codec (gossip/gossip_msg*.c).
 *
 * Golden vectors: every message captured from redis-server 7.0.15 in
 * shared/vectors/bus/ is framed, validated and decoded, and each field is
 * compared with bus.json (read here at test time), then re-encoded and
 * compared byte for byte; the two stream captures are walked with the framing
 * helper. Then synthetic round trips of every type and extension, and the
 * refusals: truncation at every length, garbage, oversized or lying lengths,
 * bad signature and version, unknown types and extensions, encoder limits.
 *
 * The vectors directory is $GOSSIP_MSG_VECTORS_DIR if set, else
 * <source root>/../shared/vectors/bus (found by testjson_vectors_dir).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gossip/gossip_msg.h"
#include "testjson.h"

/* Files (and the JSON reader: testjson.c). */

static char vectors_dir[PATH_MAX * 2 + 128];

static uint8_t *load(const char *name, size_t *ret_len)
{
    if (!vectors_dir[0])
        testjson_vectors_dir(vectors_dir, sizeof(vectors_dir), "GOSSIP_MSG_VECTORS_DIR", "bus");
    return testjson_load_file(vectors_dir, name, ret_len);
}

static struct jval manifest;

static const struct jval *bus_json(void)
{
    if (manifest.type == J_OBJ)
        return &manifest;
    size_t len;
    char *text = (char *)load("bus.json", &len);
    testjson_parse(text, len, &manifest);
    free(text); /* the tree holds copies */
    cr_assert_eq(manifest.type, J_OBJ);
    return &manifest;
}

/* Comparing decoded fields with the manifest. */

static void assert_id(const char id[GOSSIP_MSG_NODE_ID_LEN], const struct jval *v, const char *what)
{
    if (v->type == J_NULL) {
        cr_assert(gossip_msg_id_is_zero(id), "%s: expected all zero", what);
        return;
    }
    cr_assert_eq(v->type, J_STR);
    cr_assert_eq(strlen(v->str), GOSSIP_MSG_NODE_ID_LEN);
    cr_assert(!memcmp(id, v->str, GOSSIP_MSG_NODE_ID_LEN), "%s: %.40s != %s", what, id, v->str);
}

/* The bitmap must hold exactly the inclusive [start, end] ranges. */
static void assert_slots(const struct slots_bitmap *b, const struct jval *ranges, const char *what)
{
    struct slots_bitmap want;
    slots_bitmap_zero(&want);
    cr_assert_eq(ranges->type, J_ARR);
    for (size_t i = 0; i < ranges->n; i++) {
        const struct jval *r = &ranges->items[i];
        for (long long s = r->items[0].inum; s <= r->items[1].inum; s++)
            slots_bitmap_add(&want, (int)s);
    }
    cr_assert(!memcmp(b->bits, want.bits, sizeof(want.bits)), "%s: slot bitmap differs", what);
}

static void assert_header(const struct gossip_msg_hdr *h, const struct jval *m)
{
    const struct jval *j = testjson_req(m, "header");
    const char *file = testjson_str(m, "file");
    cr_assert_str_eq(testjson_str(j, "sig"), "RCmb");
    cr_assert_eq(h->totlen, testjson_int(m, "totlen"), "%s totlen", file);
    cr_assert_eq(h->type, testjson_int(m, "type_value"), "%s type", file);
    cr_assert_eq(h->ver, testjson_int(j, "ver"), "%s ver", file);
    cr_assert_eq(h->port, testjson_int(j, "port"), "%s port", file);
    cr_assert_eq(h->count, testjson_int(j, "count"), "%s count", file);
    cr_assert_eq(h->current_epoch, (uint64_t)testjson_int(j, "currentEpoch"), "%s currentEpoch", file);
    cr_assert_eq(h->config_epoch, (uint64_t)testjson_int(j, "configEpoch"), "%s configEpoch", file);
    cr_assert_eq(h->offset, (uint64_t)testjson_int(j, "offset"), "%s offset", file);
    assert_id(h->sender, testjson_req(j, "sender"), "sender");
    assert_slots(&h->myslots, testjson_req(j, "myslots"), file);
    assert_id(h->slaveof, testjson_req(j, "slaveof"), "slaveof");
    cr_assert_str_eq(h->myip, testjson_str(j, "myip"), "%s myip", file);
    cr_assert_eq(h->extensions, testjson_int(j, "extensions"), "%s extensions", file);
    cr_assert_eq(h->pport, testjson_int(j, "pport"), "%s pport", file);
    cr_assert_eq(h->cport, testjson_int(j, "cport"), "%s cport", file);
    cr_assert_eq(h->flags, testjson_int(j, "flags"), "%s flags", file);
    cr_assert_eq(h->state, testjson_int(j, "state"), "%s state", file);
    const struct jval *mf = testjson_req(j, "mflags");
    for (int i = 0; i < 3; i++)
        cr_assert_eq(h->mflags[i], mf->items[i].inum, "%s mflags[%d]", file, i);
}

static void assert_hex(const uint8_t *p, size_t len, const char *hex)
{
    cr_assert_eq(strlen(hex), 2 * len, "hex length");
    for (size_t i = 0; i < len; i++) {
        unsigned b;
        cr_assert_eq(sscanf(hex + 2 * i, "%2x", &b), 1);
        cr_assert_eq(p[i], b, "byte %zu", i);
    }
}

static void assert_ping_body(const struct gossip_msg *msg, const struct jval *body, const uint8_t *buf)
{
    const struct jval *g = testjson_req(body, "gossip");
    cr_assert_eq(msg->body.ping.count, g->n);
    for (size_t i = 0; i < g->n; i++) {
        const struct jval *je = &g->items[i];
        struct gossip_msg_entry e;
        cr_assert_eq(gossip_msg_entry_at(&msg->body.ping, i, &e), 0);
        assert_id(e.nodename, testjson_req(je, "nodename"), "gossip nodename");
        cr_assert_eq(e.ping_sent_s, (uint32_t)testjson_int(je, "ping_sent"));
        cr_assert_eq(e.pong_received_s, (uint32_t)testjson_int(je, "pong_received"));
        cr_assert_str_eq(e.ip, testjson_str(je, "ip"));
        cr_assert_eq(e.port, testjson_int(je, "port"));
        cr_assert_eq(e.cport, testjson_int(je, "cport"));
        cr_assert_eq(e.flags, testjson_int(je, "flags"));
        cr_assert_eq(e.pport, testjson_int(je, "pport"));
        cr_assert_eq(testjson_int(je, "notused1"), 0);
    }
    struct gossip_msg_entry e;
    cr_assert_eq(gossip_msg_entry_at(&msg->body.ping, g->n, &e), -EINVAL);

    const struct jval *x = testjson_req(body, "ext");
    cr_assert_eq(msg->body.ping.ext_count, x->n);
    size_t cursor = 0, i = 0;
    struct gossip_msg_ext ext;
    bool hostname = false;
    while (gossip_msg_ext_next(&msg->body.ping, &cursor, &ext)) {
        cr_assert_lt(i, x->n);
        const struct jval *je = &x->items[i++];
        cr_assert_eq(ext.payload - GOSSIP_MSG_EXT_HDR_SIZE - buf, testjson_int(je, "offset"));
        cr_assert_eq(ext.payload_len + GOSSIP_MSG_EXT_HDR_SIZE, testjson_int(je, "length"));
        cr_assert_eq(ext.type, testjson_int(je, "type"));
        assert_hex(ext.payload, ext.payload_len, testjson_str(je, "payload_hex"));
        if (ext.type == GOSSIP_MSG_EXT_HOSTNAME) {
            const char *want = testjson_str(je, "hostname");
            cr_assert(ext.typed);
            cr_assert_eq(ext.u.name.len, strlen(want));
            cr_assert(!memcmp(ext.u.name.str, want, strlen(want)));
            cr_assert(msg->body.ping.has_hostname);
            cr_assert_eq(msg->body.ping.hostname_len, strlen(want));
            cr_assert(!memcmp(msg->body.ping.hostname, want, strlen(want)));
            hostname = true;
        }
    }
    cr_assert_eq(i, x->n);
    cr_assert_eq(msg->body.ping.has_hostname, hostname);
}

static void assert_body(const struct gossip_msg *msg, const struct jval *m, const uint8_t *buf)
{
    const struct jval *body = testjson_req(m, "body");
    switch (msg->hdr.type) {
    case GOSSIP_MSG_PING:
    case GOSSIP_MSG_PONG:
    case GOSSIP_MSG_MEET:
        assert_ping_body(msg, body, buf);
        break;
    case GOSSIP_MSG_FAIL:
        assert_id(msg->body.fail.nodename, testjson_req(body, "nodename"), "fail nodename");
        break;
    case GOSSIP_MSG_PUBLISH:
    case GOSSIP_MSG_PUBLISHSHARD: {
        const struct gossip_msg_publish *p = &msg->body.publish;
        const char *ch = testjson_str(body, "channel"), *text = testjson_str(body, "message");
        cr_assert_eq(p->channel_len, testjson_int(body, "channel_len"));
        cr_assert_eq(p->message_len, testjson_int(body, "message_len"));
        cr_assert_eq(p->channel_len, strlen(ch));
        cr_assert_eq(p->message_len, strlen(text));
        cr_assert(!memcmp(p->channel, ch, p->channel_len));
        cr_assert(!memcmp(p->message, text, p->message_len));
        break;
    }
    case GOSSIP_MSG_UPDATE:
        cr_assert_eq(msg->body.update.config_epoch, (uint64_t)testjson_int(body, "configEpoch"));
        assert_id(msg->body.update.nodename, testjson_req(body, "nodename"), "update nodename");
        assert_slots(&msg->body.update.slots, testjson_req(body, "slots"), "update slots");
        break;
    default:
        cr_assert_eq(body->n, 0, "%s: header-only type with a body in the manifest", testjson_str(m, "file"));
        break;
    }
}

/* Re-encoding a decoded message. */

#define ENTRIES_TEST_MAX 64
#define EXTS_TEST_MAX 16

/* Encodes msg again into out (cap bytes); returns the length or a negative errno. */
static ssize_t reencode(const struct gossip_msg *msg, uint8_t *out, size_t cap)
{
    const struct gossip_msg_hdr *h = &msg->hdr;
    switch (h->type) {
    case GOSSIP_MSG_PING:
    case GOSSIP_MSG_PONG:
    case GOSSIP_MSG_MEET: {
        static struct gossip_msg_entry entries[ENTRIES_TEST_MAX];
        static struct gossip_msg_ext exts[EXTS_TEST_MAX];
        size_t count = msg->body.ping.count, n = 0, cursor = 0;
        cr_assert_leq(count, ENTRIES_TEST_MAX);
        for (size_t i = 0; i < count; i++)
            cr_assert_eq(gossip_msg_entry_at(&msg->body.ping, i, &entries[i]), 0);
        while (n < EXTS_TEST_MAX && gossip_msg_ext_next(&msg->body.ping, &cursor, &exts[n]))
            n++;
        return gossip_msg_encode_ping(out, cap, h->type, h, entries, count, exts, n);
    }
    case GOSSIP_MSG_FAIL:
        return gossip_msg_encode_fail(out, cap, h, msg->body.fail.nodename);
    case GOSSIP_MSG_PUBLISH:
    case GOSSIP_MSG_PUBLISHSHARD: {
        const struct gossip_msg_publish *p = &msg->body.publish;
        return gossip_msg_encode_publish(out, cap, h->type, h, p->channel, p->channel_len, p->message,
                                         p->message_len);
    }
    case GOSSIP_MSG_UPDATE:
        return gossip_msg_encode_update(out, cap, h, msg->body.update.config_epoch, msg->body.update.nodename,
                                        &msg->body.update.slots);
    case GOSSIP_MSG_MODULE: {
        const struct gossip_msg_module *m = &msg->body.module;
        return gossip_msg_encode_module(out, cap, h, m->module_id, m->module_type, m->payload, m->len);
    }
    default:
        return gossip_msg_encode_header_only(out, cap, h->type, h);
    }
}

/* Decodes buf (a whole valid message), re-encodes it and expects the same bytes. */
static void assert_reencodes(const uint8_t *buf, size_t len)
{
    static struct gossip_msg msg;
    cr_assert_eq(gossip_msg_decode(buf, len, &msg), 0);
    uint8_t *out = malloc(len);
    cr_assert_eq(reencode(&msg, out, len - 1), -ENOBUFS, "one byte short must not fit");
    cr_assert_eq(reencode(&msg, out, len), (ssize_t)len);
    cr_assert(!memcmp(out, buf, len), "re-encoded bytes differ");
    free(out);
}

/* Golden vectors. */

Test(gossip_msg_vectors, decode_every_captured_message)
{
    const struct jval *msgs = testjson_req(bus_json(), "messages");
    cr_assert_eq(msgs->n, 19);
    bool seen[GOSSIP_MSG_TYPE_COUNT] = {0};
    for (size_t i = 0; i < msgs->n; i++) {
        const struct jval *m = &msgs->items[i];
        size_t len;
        uint8_t *buf = load(testjson_str(m, "file"), &len);
        enum gossip_msg_reason reason;
        cr_assert_eq(len, (size_t)testjson_int(m, "totlen"));
        cr_assert_eq(gossip_msg_frame_len(buf, len, &reason), (ssize_t)len, "%s", testjson_str(m, "file"));
        cr_assert_eq(gossip_msg_frame_len(buf, GOSSIP_MSG_PREFIX_SIZE, NULL), (ssize_t)len);
        cr_assert_eq(gossip_msg_validate(buf, len, &reason), 0, "%s", testjson_str(m, "file"));
        cr_assert_eq(reason, GOSSIP_MSG_OK);
        static struct gossip_msg msg;
        cr_assert_eq(gossip_msg_decode(buf, len, &msg), 0);
        assert_header(&msg.hdr, m);
        assert_body(&msg, m, buf);
        seen[msg.hdr.type] = true;
        free(buf);
    }
    for (int t = 0; t < GOSSIP_MSG_TYPE_COUNT; t++)
        cr_assert(seen[t] || t == GOSSIP_MSG_MODULE, "no vector of type %d", t);
}

Test(gossip_msg_vectors, reencode_byte_for_byte)
{
    const struct jval *msgs = testjson_req(bus_json(), "messages");
    for (size_t i = 0; i < msgs->n; i++) {
        size_t len;
        uint8_t *buf = load(testjson_str(&msgs->items[i], "file"), &len);
        assert_reencodes(buf, len);
        free(buf);
    }
}

Test(gossip_msg_vectors, walk_stream_captures)
{
    const struct jval *streams = testjson_req(bus_json(), "streams");
    cr_assert_eq(streams->n, 2);
    for (size_t s = 0; s < streams->n; s++) {
        const struct jval *st = &streams->items[s];
        const struct jval *want = testjson_req(st, "messages");
        size_t len, off = 0, n = 0;
        uint8_t *buf = load(testjson_str(st, "file"), &len);
        cr_assert_eq(len, (size_t)testjson_int(st, "bytes"));
        while (off < len) {
            /* every prefix shorter than 8 bytes asks for more */
            for (size_t k = 0; k < GOSSIP_MSG_PREFIX_SIZE; k++)
                cr_assert_eq(gossip_msg_frame_len(buf + off, k, NULL), 0);
            ssize_t frame = gossip_msg_frame_len(buf + off, len - off, NULL);
            cr_assert_gt(frame, 0);
            cr_assert_leq((size_t)frame, len - off);
            cr_assert_lt(n, want->n);
            cr_assert_eq(off, (size_t)testjson_int(&want->items[n], "offset"));
            cr_assert_eq(frame, testjson_int(&want->items[n], "totlen"));
            uint8_t *one = malloc((size_t)frame);
            memcpy(one, buf + off, (size_t)frame);
            static struct gossip_msg msg;
            cr_assert_eq(gossip_msg_decode(one, (size_t)frame, &msg), 0);
            const char *type = testjson_str(&want->items[n], "type");
            cr_assert_eq(msg.hdr.type, !strcmp(type, "MEET") ? GOSSIP_MSG_MEET
                                       : !strcmp(type, "PING") ? GOSSIP_MSG_PING
                                                               : GOSSIP_MSG_PONG);
            assert_reencodes(one, (size_t)frame);
            /* the whole rest of the stream is not one message */
            if (off + (size_t)frame < len)
                cr_assert_eq(gossip_msg_validate(buf + off, len - off, NULL), -EPROTO);
            free(one);
            off += (size_t)frame;
            n++;
        }
        cr_assert_eq(n, want->n);
        free(buf);
    }
}

/* Synthetic messages. */

static const char ID_A[] = "0123456789abcdef0123456789abcdef01234567";
static const char ID_B[] = "fedcba9876543210fedcba9876543210fedcba98";

static void fill_hdr(struct gossip_msg_hdr *h)
{
    memset(h, 0, sizeof(*h));
    h->port = 7000;
    h->current_epoch = 0x0102030405060708ULL;
    h->config_epoch = 42;
    h->offset = 0xfedcba9876543210ULL;
    memcpy(h->sender, ID_A, GOSSIP_MSG_NODE_ID_LEN);
    for (int s = 100; s < 16384; s += 97)
        slots_bitmap_add(&h->myslots, s);
    slots_bitmap_add(&h->myslots, 0);
    slots_bitmap_add(&h->myslots, 16383);
    memcpy(h->slaveof, ID_B, GOSSIP_MSG_NODE_ID_LEN);
    strcpy(h->myip, "2001:db8::1");
    h->pport = 6380;
    h->cport = 17000;
    h->flags = GOSSIP_MSG_FLAG_SLAVE | GOSSIP_MSG_FLAG_MYSELF | GOSSIP_MSG_FLAG_NOFAILOVER;
    h->state = 1;
    h->mflags[0] = GOSSIP_MSG_MFLAG_PAUSED | GOSSIP_MSG_MFLAG_FORCEACK;
}

/* Every sender field the encoder takes from hdr came back. */
static void assert_same_sender(const struct gossip_msg_hdr *a, const struct gossip_msg_hdr *b)
{
    cr_assert_eq(a->port, b->port);
    cr_assert_eq(a->current_epoch, b->current_epoch);
    cr_assert_eq(a->config_epoch, b->config_epoch);
    cr_assert_eq(a->offset, b->offset);
    cr_assert(!memcmp(a->sender, b->sender, GOSSIP_MSG_NODE_ID_LEN));
    cr_assert(!memcmp(a->myslots.bits, b->myslots.bits, SLOTS_BITMAP_SIZE));
    cr_assert(!memcmp(a->slaveof, b->slaveof, GOSSIP_MSG_NODE_ID_LEN));
    cr_assert_str_eq(a->myip, b->myip);
    cr_assert_eq(a->pport, b->pport);
    cr_assert_eq(a->cport, b->cport);
    cr_assert_eq(a->flags, b->flags);
    cr_assert_eq(a->state, b->state);
    cr_assert_eq(a->mflags[0] & ~GOSSIP_MSG_MFLAG_EXT_DATA, b->mflags[0] & ~GOSSIP_MSG_MFLAG_EXT_DATA);
    cr_assert_eq(b->ver, 1);
}

/* Allocates an exact-size buf, runs the encoder call, expects size back. */
#define ENCODE(buf, size, call)                                                                              \
    do {                                                                                                     \
        ssize_t sz_ = (size);                                                                                \
        cr_assert_gt(sz_, 0);                                                                                \
        (buf) = malloc((size_t)sz_);                                                                         \
        ssize_t r_ = (call);                                                                                 \
        cr_assert_eq(r_, sz_, "encoded %zd, size %zd", r_, sz_);                                             \
    } while (0)

static struct gossip_msg_entry make_entry(int i)
{
    struct gossip_msg_entry e;
    memset(&e, 0, sizeof(e));
    memcpy(e.nodename, i % 2 ? ID_A : ID_B, GOSSIP_MSG_NODE_ID_LEN);
    e.nodename[0] = (char)('a' + i % 26);
    e.ping_sent_s = 1795316667u + (uint32_t)i;
    e.pong_received_s = 0xfffffff0u + (uint32_t)i % 15;
    snprintf(e.ip, sizeof(e.ip), i == 3 ? "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255" : "10.0.0.%d", i);
    e.port = (uint16_t)(30000 + i);
    e.cport = (uint16_t)(40000 + i);
    e.flags = (uint16_t)(GOSSIP_MSG_FLAG_MASTER | (i << 2));
    e.pport = (uint16_t)i;
    return e;
}

static struct gossip_msg_ext name_ext(uint16_t type, const char *s)
{
    struct gossip_msg_ext x;
    memset(&x, 0, sizeof(x));
    x.type = type;
    x.u.name.str = s;
    x.u.name.len = strlen(s);
    return x;
}

Test(gossip_msg_roundtrip, ping_pong_meet_with_every_extension)
{
    struct gossip_msg_hdr h;
    fill_hdr(&h);
    struct gossip_msg_entry entries[5];
    for (int i = 0; i < 5; i++)
        entries[i] = make_entry(i);
    static const uint8_t odd[] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    struct gossip_msg_ext exts[6];
    exts[0] = name_ext(GOSSIP_MSG_EXT_HUMAN_NODENAME, "human-name");
    exts[1] = name_ext(GOSSIP_MSG_EXT_HOSTNAME, "host-b.example"); /* 15 with NUL -> 24 on the wire */
    memset(&exts[2], 0, sizeof(exts[2]));
    exts[2].type = GOSSIP_MSG_EXT_FORGOTTEN_NODE;
    memcpy(exts[2].u.forgotten.id, ID_B, GOSSIP_MSG_NODE_ID_LEN);
    exts[2].u.forgotten.ttl_s = 0x0000000100000002ULL;
    memset(&exts[3], 0, sizeof(exts[3]));
    exts[3].type = GOSSIP_MSG_EXT_SHARDID;
    memcpy(exts[3].u.shard.id, ID_A, GOSSIP_MSG_NODE_ID_LEN);
    memset(&exts[4], 0, sizeof(exts[4]));
    exts[4].type = 0x7777; /* unknown to everyone: must be skipped */
    exts[4].payload = odd;
    exts[4].payload_len = sizeof(odd);
    exts[5] = name_ext(GOSSIP_MSG_EXT_HOSTNAME, ""); /* the last HOSTNAME wins */
    const size_t want_size = 2256 + 5 * 104 + (8 + 16) + 24 + 56 + 48 + (8 + 16) + 16;
    cr_assert_eq(gossip_msg_ping_size(5, exts, 6), (ssize_t)want_size);

    for (uint16_t type = GOSSIP_MSG_PING; type <= GOSSIP_MSG_MEET; type++) {
        uint8_t *buf;
        ENCODE(buf, want_size, gossip_msg_encode_ping(buf, want_size, type, &h, entries, 5, exts, 6));
        static struct gossip_msg m;
        cr_assert_eq(gossip_msg_decode(buf, want_size, &m), 0);
        cr_assert_eq(m.hdr.type, type);
        cr_assert_eq(m.hdr.count, 5);
        cr_assert_eq(m.hdr.extensions, 6);
        cr_assert(m.hdr.mflags[0] & GOSSIP_MSG_MFLAG_EXT_DATA);
        assert_same_sender(&h, &m.hdr);
        for (int i = 0; i < 5; i++) {
            struct gossip_msg_entry e;
            cr_assert_eq(gossip_msg_entry_at(&m.body.ping, (size_t)i, &e), 0);
            cr_assert(!memcmp(&e, &entries[i], sizeof(e)), "entry %d", i);
        }
        cr_assert_eq(m.body.ping.ext_count, 6);
        cr_assert(m.body.ping.has_hostname);
        cr_assert_eq(m.body.ping.hostname_len, 0);

        struct gossip_msg_ext x;
        size_t cursor = 0;
        cr_assert(gossip_msg_ext_next(&m.body.ping, &cursor, &x));
        cr_assert(x.typed && x.type == GOSSIP_MSG_EXT_HUMAN_NODENAME && x.u.name.len == 10);
        cr_assert(!memcmp(x.u.name.str, "human-name", 10));
        cr_assert(gossip_msg_ext_next(&m.body.ping, &cursor, &x));
        cr_assert(x.typed && x.type == GOSSIP_MSG_EXT_HOSTNAME && x.u.name.len == 14 && x.payload_len == 16);
        cr_assert(gossip_msg_ext_next(&m.body.ping, &cursor, &x));
        cr_assert(x.typed && x.type == GOSSIP_MSG_EXT_FORGOTTEN_NODE && x.payload_len == 48);
        cr_assert(!memcmp(x.u.forgotten.id, ID_B, 40) && x.u.forgotten.ttl_s == 0x0000000100000002ULL);
        cr_assert(gossip_msg_ext_next(&m.body.ping, &cursor, &x));
        cr_assert(x.typed && x.type == GOSSIP_MSG_EXT_SHARDID && !memcmp(x.u.shard.id, ID_A, 40));
        cr_assert(gossip_msg_ext_next(&m.body.ping, &cursor, &x));
        cr_assert(!x.typed && x.type == 0x7777 && x.payload_len == 16 && !memcmp(x.payload, odd, sizeof(odd)));
        cr_assert(gossip_msg_ext_next(&m.body.ping, &cursor, &x));
        cr_assert(x.typed && x.type == GOSSIP_MSG_EXT_HOSTNAME && x.u.name.len == 0 && x.payload_len == 8);
        cr_assert(!gossip_msg_ext_next(&m.body.ping, &cursor, &x));
        assert_reencodes(buf, want_size);
        free(buf);
    }
}

Test(gossip_msg_roundtrip, ping_without_extensions_clears_ext_data)
{
    struct gossip_msg_hdr h;
    fill_hdr(&h);
    h.mflags[0] |= GOSSIP_MSG_MFLAG_EXT_DATA; /* stale caller bit: must not leak out */
    h.extensions = 9;                         /* ignored by encoders */
    struct gossip_msg_entry e = make_entry(1);
    uint8_t *buf;
    ENCODE(buf, 2360, gossip_msg_encode_ping(buf, 2360, GOSSIP_MSG_PONG, &h, &e, 1, NULL, 0));
    static struct gossip_msg m;
    cr_assert_eq(gossip_msg_decode(buf, 2360, &m), 0);
    cr_assert_eq(m.hdr.mflags[0], GOSSIP_MSG_MFLAG_PAUSED | GOSSIP_MSG_MFLAG_FORCEACK);
    cr_assert_eq(m.hdr.extensions, 0);
    cr_assert(!m.body.ping.has_hostname);
    cr_assert_eq(m.body.ping.ext_size, 0);
    assert_reencodes(buf, 2360);
    free(buf);

    /* a MEET with no gossip at all: just the header */
    ENCODE(buf, 2256, gossip_msg_encode_ping(buf, 2256, GOSSIP_MSG_MEET, &h, NULL, 0, NULL, 0));
    cr_assert_eq(gossip_msg_decode(buf, 2256, &m), 0);
    cr_assert_eq(m.body.ping.count, 0);
    free(buf);
}

Test(gossip_msg_roundtrip, fail_update_header_only)
{
    struct gossip_msg_hdr h;
    fill_hdr(&h);
    static struct gossip_msg m;
    uint8_t *buf;
    ENCODE(buf, GOSSIP_MSG_FAIL_SIZE, gossip_msg_encode_fail(buf, GOSSIP_MSG_FAIL_SIZE, &h, ID_B));
    cr_assert_eq(gossip_msg_decode(buf, GOSSIP_MSG_FAIL_SIZE, &m), 0);
    cr_assert_eq(m.hdr.type, GOSSIP_MSG_FAIL);
    cr_assert(!memcmp(m.body.fail.nodename, ID_B, 40));
    assert_same_sender(&h, &m.hdr);
    free(buf);

    struct slots_bitmap slots;
    slots_bitmap_zero(&slots);
    for (int s = 5461; s <= 10922; s++)
        slots_bitmap_add(&slots, s);
    ENCODE(buf, GOSSIP_MSG_UPDATE_SIZE,
           gossip_msg_encode_update(buf, GOSSIP_MSG_UPDATE_SIZE, &h, 0x8000000000000001ULL, ID_B, &slots));
    cr_assert_eq(gossip_msg_decode(buf, GOSSIP_MSG_UPDATE_SIZE, &m), 0);
    cr_assert_eq(m.hdr.type, GOSSIP_MSG_UPDATE);
    cr_assert_eq(m.body.update.config_epoch, 0x8000000000000001ULL);
    cr_assert(!memcmp(m.body.update.nodename, ID_B, 40));
    cr_assert(!memcmp(m.body.update.slots.bits, slots.bits, sizeof(slots.bits)));
    assert_same_sender(&h, &m.hdr);
    free(buf);

    static const uint16_t types[] = {GOSSIP_MSG_FAILOVER_AUTH_REQUEST, GOSSIP_MSG_FAILOVER_AUTH_ACK,
                                     GOSSIP_MSG_MFSTART};
    for (size_t i = 0; i < 3; i++) {
        ENCODE(buf, GOSSIP_MSG_HDR_SIZE, gossip_msg_encode_header_only(buf, GOSSIP_MSG_HDR_SIZE, types[i], &h));
        cr_assert_eq(gossip_msg_decode(buf, GOSSIP_MSG_HDR_SIZE, &m), 0);
        cr_assert_eq(m.hdr.type, types[i]);
        assert_same_sender(&h, &m.hdr);
        free(buf);
    }
    uint8_t tmp[GOSSIP_MSG_HDR_SIZE];
    cr_assert_eq(gossip_msg_encode_header_only(tmp, sizeof(tmp), GOSSIP_MSG_PING, &h), -EINVAL);
    cr_assert_eq(gossip_msg_encode_header_only(tmp, sizeof(tmp) - 1, GOSSIP_MSG_MFSTART, &h), -ENOBUFS);
    cr_assert_eq(gossip_msg_encode_fail(tmp, sizeof(tmp), &h, ID_A), -ENOBUFS);
}

Test(gossip_msg_roundtrip, publish_and_module)
{
    struct gossip_msg_hdr h;
    fill_hdr(&h);
    static struct gossip_msg m;
    static const char msg[] = "bin\0ary\r\nmessage";
    for (uint16_t type = GOSSIP_MSG_PUBLISH; type <= GOSSIP_MSG_PUBLISHSHARD; type += 6) {
        ssize_t size = gossip_msg_publish_size(7, sizeof(msg));
        cr_assert_eq(size, 2264 + 7 + (ssize_t)sizeof(msg));
        uint8_t *buf;
        ENCODE(buf, size,
               gossip_msg_encode_publish(buf, (size_t)size, type, &h, "channel", 7, msg, sizeof(msg)));
        cr_assert_eq(gossip_msg_decode(buf, (size_t)size, &m), 0);
        cr_assert_eq(m.hdr.type, type);
        cr_assert_eq(m.body.publish.channel_len, 7);
        cr_assert_eq(m.body.publish.message_len, sizeof(msg));
        cr_assert(!memcmp(m.body.publish.channel, "channel", 7));
        cr_assert(!memcmp(m.body.publish.message, msg, sizeof(msg)));
        assert_reencodes(buf, (size_t)size);
        free(buf);
    }
    /* empty channel and message */
    uint8_t *buf;
    ENCODE(buf, 2264, gossip_msg_encode_publish(buf, 2264, GOSSIP_MSG_PUBLISH, &h, NULL, 0, NULL, 0));
    cr_assert_eq(gossip_msg_decode(buf, 2264, &m), 0);
    cr_assert_eq(m.body.publish.channel_len + m.body.publish.message_len, 0);
    free(buf);

    static const uint8_t payload[] = {0xde, 0xad, 0xbe, 0xef, 0};
    ssize_t size = gossip_msg_module_size(sizeof(payload));
    cr_assert_eq(size, 2269 + (ssize_t)sizeof(payload));
    ENCODE(buf, size,
           gossip_msg_encode_module(buf, (size_t)size, &h, 0x1122334455667788ULL, 200, payload, sizeof(payload)));
    /* the module id goes out in host order, the length big-endian */
    uint64_t id = 0x1122334455667788ULL;
    cr_assert(!memcmp(buf + 2256, &id, 8));
    cr_assert(!memcmp(buf + 2264, "\0\0\0\5", 4));
    cr_assert_eq(buf[2268], 200);
    cr_assert_eq(gossip_msg_decode(buf, (size_t)size, &m), 0);
    cr_assert_eq(m.hdr.type, GOSSIP_MSG_MODULE);
    cr_assert_eq(m.body.module.module_id, 0x1122334455667788ULL);
    cr_assert_eq(m.body.module.module_type, 200);
    cr_assert_eq(m.body.module.len, sizeof(payload));
    cr_assert(!memcmp(m.body.module.payload, payload, sizeof(payload)));
    assert_reencodes(buf, (size_t)size);
    free(buf);
}

Test(gossip_msg_encode, spec_example_bytes)
{
    /* spec §3: PING from port 7000 with 3 gossip entries, no extension */
    struct gossip_msg_hdr h;
    memset(&h, 0, sizeof(h));
    h.port = 7000;
    struct gossip_msg_entry e[3] = {make_entry(0), make_entry(1), make_entry(2)};
    uint8_t buf[2568];
    cr_assert_eq(gossip_msg_encode_ping(buf, sizeof(buf), GOSSIP_MSG_PING, &h, e, 3, NULL, 0), 2568);
    static const uint8_t want[16] = {0x52, 0x43, 0x6d, 0x62, 0x00, 0x00, 0x0a, 0x08,
                                     0x00, 0x01, 0x1b, 0x58, 0x00, 0x00, 0x00, 0x03};
    cr_assert(!memcmp(buf, want, sizeof(want)));

    /* spec §7.2: hostname node-1 -> 00 00 00 10 | 00 00 | 00 00 | "node-1" 00 00 */
    struct gossip_msg_ext x = name_ext(GOSSIP_MSG_EXT_HOSTNAME, "node-1");
    uint8_t buf2[2256 + 16];
    cr_assert_eq(gossip_msg_encode_ping(buf2, sizeof(buf2), GOSSIP_MSG_PONG, &h, NULL, 0, &x, 1), 2272);
    cr_assert(!memcmp(buf2 + 2256, "\0\0\0\x10\0\0\0\0node-1\0\0", 16));
    cr_assert_eq(buf2[2253], GOSSIP_MSG_MFLAG_EXT_DATA);
    cr_assert(!memcmp(buf2 + 2214, "\0\x01", 2));
}

Test(gossip_msg_encode, limits)
{
    struct gossip_msg_hdr h;
    fill_hdr(&h);
    uint8_t buf[4096];
    struct gossip_msg_entry e = make_entry(0);
    cr_assert_eq(gossip_msg_ping_size(GOSSIP_MSG_ENTRIES_MAX, NULL, 0), 2256 + 65535 * 104);
    cr_assert_eq(gossip_msg_ping_size(GOSSIP_MSG_ENTRIES_MAX + 1, NULL, 0), -EINVAL);
    cr_assert_eq(gossip_msg_ping_size(0, NULL, 1), -EINVAL);
    cr_assert_eq(gossip_msg_encode_ping(buf, sizeof(buf), GOSSIP_MSG_FAIL, &h, &e, 1, NULL, 0), -EINVAL);
    cr_assert_eq(gossip_msg_encode_ping(buf, sizeof(buf), GOSSIP_MSG_PING, &h, NULL, 1, NULL, 0), -EINVAL);
    cr_assert_eq(gossip_msg_encode_ping(buf, 2359, GOSSIP_MSG_PING, &h, &e, 1, NULL, 0), -ENOBUFS);

    char name[GOSSIP_MSG_HOSTNAME_MAX + 2];
    memset(name, 'h', sizeof(name) - 1);
    name[sizeof(name) - 1] = '\0';
    struct gossip_msg_ext x = name_ext(GOSSIP_MSG_EXT_HOSTNAME, name); /* 256 chars: one too many */
    cr_assert_eq(gossip_msg_ping_size(0, &x, 1), -EINVAL);
    x.u.name.len--; /* 255 + NUL = 256 -> 264 */
    cr_assert_eq(gossip_msg_ping_size(0, &x, 1), 2256 + 264);
    cr_assert_eq(gossip_msg_encode_ping(buf, sizeof(buf), GOSSIP_MSG_PING, &h, NULL, 0, &x, 1), 2256 + 264);
    x = name_ext(GOSSIP_MSG_EXT_HOSTNAME, "nul");
    x.u.name.len = 4; /* includes the terminator: a receiver would cut it */
    cr_assert_eq(gossip_msg_ping_size(0, &x, 1), -EINVAL);

    static uint8_t big[GOSSIP_MSG_EXT_LEN_MAX];
    memset(&x, 0, sizeof(x));
    x.type = 42;
    x.payload = big;
    x.payload_len = GOSSIP_MSG_EXT_LEN_MAX - 8;
    cr_assert_eq(gossip_msg_ping_size(0, &x, 1), 2256 + GOSSIP_MSG_EXT_LEN_MAX);
    x.payload_len++;
    cr_assert_eq(gossip_msg_ping_size(0, &x, 1), -EINVAL);

    cr_assert_eq(gossip_msg_publish_size(GOSSIP_MSG_PUBLISH_PAYLOAD_MAX, 0), (ssize_t)GOSSIP_MSG_FRAME_MAX);
    cr_assert_eq(gossip_msg_publish_size(GOSSIP_MSG_PUBLISH_PAYLOAD_MAX, 1), -EINVAL);
    cr_assert_eq(gossip_msg_publish_size(1, GOSSIP_MSG_PUBLISH_PAYLOAD_MAX), -EINVAL);
    cr_assert_eq(gossip_msg_publish_size(SIZE_MAX, SIZE_MAX), -EINVAL);
    cr_assert_eq(gossip_msg_encode_publish(buf, sizeof(buf), GOSSIP_MSG_MODULE, &h, "c", 1, "m", 1), -EINVAL);
    cr_assert_eq(gossip_msg_encode_publish(buf, 2265, GOSSIP_MSG_PUBLISH, &h, "c", 1, "m", 1), -ENOBUFS);
    cr_assert_eq(gossip_msg_module_size(GOSSIP_MSG_MODULE_PAYLOAD_MAX + (size_t)1), -EINVAL);
    cr_assert_eq(gossip_msg_encode_module(buf, 2269, &h, 1, 1, "x", 1), -ENOBUFS);
    cr_assert_eq(gossip_msg_encode_update(buf, GOSSIP_MSG_UPDATE_SIZE - 1, &h, 1, ID_A, &h.myslots), -ENOBUFS);
}

/* Refusals. */

/* A valid 2-entry PING with a HOSTNAME extension, from the vectors. */
static uint8_t *ping_hostname(size_t *len)
{
    return load("ping-hostname.bin", len);
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static enum gossip_msg_reason reason_of(const uint8_t *buf, size_t len)
{
    enum gossip_msg_reason r;
    int rc = gossip_msg_validate(buf, len, &r);
    static struct gossip_msg m;
    cr_assert_eq(gossip_msg_decode(buf, len, &m), rc, "decode and validate must agree");
    cr_assert_eq(rc == 0, r == GOSSIP_MSG_OK || r == GOSSIP_MSG_UNKNOWN_TYPE);
    return r;
}

Test(gossip_msg_refuse, truncated_at_every_length)
{
    const struct jval *msgs = testjson_req(bus_json(), "messages");
    for (size_t i = 0; i < msgs->n; i++) {
        size_t len;
        uint8_t *full = load(testjson_str(&msgs->items[i], "file"), &len);
        for (size_t cut = 0; cut < len; cut++) {
            uint8_t *buf = malloc(cut ? cut : 1);
            memcpy(buf, full, cut);
            cr_assert_eq(gossip_msg_frame_len(buf, cut, NULL), cut < 8 ? 0 : (ssize_t)len);
            cr_assert_eq(reason_of(buf, cut), GOSSIP_MSG_LEN_MISMATCH);
            /* the same bytes claiming to be complete */
            if (cut >= 8) {
                put32(buf + 4, (uint32_t)cut);
                enum gossip_msg_reason r = reason_of(buf, cut);
                cr_assert(cut < 2256 ? r == GOSSIP_MSG_TOO_SHORT : r == GOSSIP_MSG_BAD_TOTLEN || r == GOSSIP_MSG_BAD_EXT,
                          "%s cut %zu: %s", testjson_str(&msgs->items[i], "file"), cut, gossip_msg_reason_name(r));
            }
            free(buf);
        }
        free(full);
    }
}

Test(gossip_msg_refuse, framing_closes_link)
{
    size_t len;
    uint8_t *buf = ping_hostname(&len);
    enum gossip_msg_reason r;
    buf[3] = 'B'; /* "RCmB" */
    cr_assert_eq(gossip_msg_frame_len(buf, len, &r), -EPROTO);
    cr_assert_eq(r, GOSSIP_MSG_BAD_SIG);
    cr_assert(gossip_msg_reason_closes_link(r));
    cr_assert_eq(reason_of(buf, len), GOSSIP_MSG_BAD_SIG);
    buf[3] = 'b';

    put32(buf + 4, 2255);
    cr_assert_eq(gossip_msg_frame_len(buf, len, &r), -EPROTO);
    cr_assert_eq(r, GOSSIP_MSG_TOO_SHORT);
    cr_assert(gossip_msg_reason_closes_link(r));
    put32(buf + 4, 0);
    cr_assert_eq(gossip_msg_frame_len(buf, 8, &r), -EPROTO);

    put32(buf + 4, GOSSIP_MSG_FRAME_MAX);
    cr_assert_eq(gossip_msg_frame_len(buf, 8, &r), (ssize_t)GOSSIP_MSG_FRAME_MAX);
    cr_assert_eq(r, GOSSIP_MSG_OK);
    put32(buf + 4, GOSSIP_MSG_FRAME_MAX + 1);
    cr_assert_eq(gossip_msg_frame_len(buf, 8, &r), -EMSGSIZE);
    cr_assert_eq(r, GOSSIP_MSG_TOO_LONG);
    cr_assert(gossip_msg_reason_closes_link(r));
    put32(buf + 4, UINT32_MAX);
    cr_assert_eq(gossip_msg_validate(buf, len, &r), -EMSGSIZE);
    cr_assert_eq(r, GOSSIP_MSG_TOO_LONG);
    cr_assert_eq(gossip_msg_validate(NULL, 0, &r), -EPROTO);
    free(buf);
}

Test(gossip_msg_refuse, version_and_lengths_drop_only)
{
    size_t len;
    uint8_t *buf = ping_hostname(&len);
    buf[9] = 2; /* ver 2 */
    cr_assert_eq(reason_of(buf, len), GOSSIP_MSG_BAD_VERSION);
    cr_assert(!gossip_msg_reason_closes_link(GOSSIP_MSG_BAD_VERSION));
    buf[9] = 1;
    /* extra trailing bytes in the buffer are not this frame's */
    uint8_t *more = malloc(len + 1);
    memcpy(more, buf, len);
    cr_assert_eq(reason_of(more, len + 1), GOSSIP_MSG_LEN_MISMATCH);
    free(more);
    for (enum gossip_msg_reason r = GOSSIP_MSG_LEN_MISMATCH; r <= GOSSIP_MSG_BAD_EXT; r++)
        cr_assert(!gossip_msg_reason_closes_link(r), "%s", gossip_msg_reason_name(r));
    cr_assert(!gossip_msg_reason_closes_link(GOSSIP_MSG_OK));
    free(buf);
}

Test(gossip_msg_refuse, gossip_count_lies)
{
    size_t len;
    uint8_t *buf = ping_hostname(&len); /* count 2, one 24-byte extension */
    put16(buf + 14, 3);
    cr_assert_eq(reason_of(buf, len), GOSSIP_MSG_BAD_TOTLEN);
    put16(buf + 14, 1); /* entry 2 is then read as extensions: garbage lengths */
    enum gossip_msg_reason r = reason_of(buf, len);
    cr_assert(r == GOSSIP_MSG_BAD_EXT || r == GOSSIP_MSG_BAD_TOTLEN);
    put16(buf + 14, 0xffff);
    cr_assert_eq(reason_of(buf, len), GOSSIP_MSG_BAD_TOTLEN);
    put16(buf + 14, 2);
    cr_assert_eq(reason_of(buf, len), GOSSIP_MSG_OK);
    free(buf);
}

Test(gossip_msg_refuse, extension_lies)
{
    size_t len;
    uint8_t *buf = ping_hostname(&len); /* ext at 2464, length 24 */
    const size_t ext = 2464;
    cr_assert_eq(len, ext + 24);
    static const uint32_t bad_lengths[] = {0, 4, 7, 12, 20, 23, 25, 32, 1u << 16, UINT32_MAX, 0x80000008u};
    for (size_t i = 0; i < sizeof(bad_lengths) / sizeof(bad_lengths[0]); i++) {
        put32(buf + ext, bad_lengths[i]);
        cr_assert_eq(reason_of(buf, len), GOSSIP_MSG_BAD_EXT, "length %u", bad_lengths[i]);
    }
    put32(buf + ext, 16); /* valid extension, but 8 bytes left over */
    cr_assert_eq(reason_of(buf, len), GOSSIP_MSG_BAD_TOTLEN);
    put32(buf + ext, 24);
    put16(buf + 2214, 2); /* one more extension than there are bytes */
    cr_assert_eq(reason_of(buf, len), GOSSIP_MSG_BAD_EXT);
    put16(buf + 2214, 0); /* EXT_DATA set, no extension: 24 stray bytes */
    cr_assert_eq(reason_of(buf, len), GOSSIP_MSG_BAD_TOTLEN);
    put16(buf + 2214, 1);
    buf[2253] &= (uint8_t)~GOSSIP_MSG_MFLAG_EXT_DATA; /* extension bytes without the flag */
    cr_assert_eq(reason_of(buf, len), GOSSIP_MSG_BAD_TOTLEN);
    /* extensions > 0 but EXT_DATA clear and no bytes: accepted, no extension */
    static struct gossip_msg m;
    cr_assert_eq(gossip_msg_frame_len(buf, len, NULL), (ssize_t)len);
    put32(buf + 4, (uint32_t)ext);
    cr_assert_eq(gossip_msg_decode(buf, ext, &m), 0);
    cr_assert_eq(m.hdr.extensions, 1);
    cr_assert_eq(m.body.ping.ext_count, 0);
    cr_assert(!m.body.ping.has_hostname);
    free(buf);
}

Test(gossip_msg_refuse, unknown_extension_types_are_skipped)
{
    size_t len;
    uint8_t *buf = ping_hostname(&len);
    /* extension type 99 with the HOSTNAME's bytes: valid, not a hostname */
    put16(buf + 2464 + 4, 99);
    static struct gossip_msg m;
    cr_assert_eq(reason_of(buf, len), GOSSIP_MSG_OK);
    cr_assert_eq(gossip_msg_decode(buf, len, &m), 0);
    cr_assert(!m.body.ping.has_hostname);
    cr_assert_eq(m.body.ping.ext_count, 1);
    /* a 7.2 FORGOTTEN_NODE too short for its layout: skipped, not parsed */
    put16(buf + 2464 + 4, GOSSIP_MSG_EXT_FORGOTTEN_NODE);
    cr_assert_eq(gossip_msg_decode(buf, len, &m), 0);
    struct gossip_msg_ext x;
    size_t cursor = 0;
    cr_assert(gossip_msg_ext_next(&m.body.ping, &cursor, &x));
    cr_assert(!x.typed);
    cr_assert_eq(x.payload_len, 16);
    put16(buf + 2464 + 4, GOSSIP_MSG_EXT_SHARDID);
    cr_assert_eq(gossip_msg_decode(buf, len, &m), 0);
    cursor = 0;
    cr_assert(gossip_msg_ext_next(&m.body.ping, &cursor, &x));
    cr_assert(!x.typed);
    /* a hostname without a terminating NUL stays inside its payload */
    put16(buf + 2464 + 4, GOSSIP_MSG_EXT_HOSTNAME);
    memset(buf + 2472, 'x', 16);
    cr_assert_eq(gossip_msg_decode(buf, len, &m), 0);
    cr_assert(m.body.ping.has_hostname);
    cr_assert_eq(m.body.ping.hostname_len, 16);
    free(buf);
}

Test(gossip_msg_refuse, body_length_lies)
{
    static struct gossip_msg m;
    size_t len;
    uint8_t *buf = load("publish.bin", &len); /* channel 4, message 13 */
    put32(buf + 2256, 5);
    cr_assert_eq(reason_of(buf, len), GOSSIP_MSG_BAD_TOTLEN);
    put32(buf + 2256, UINT32_MAX);
    put32(buf + 2260, UINT32_MAX);
    cr_assert_eq(reason_of(buf, len), GOSSIP_MSG_BAD_TOTLEN);
    put32(buf + 2256, 0);
    put32(buf + 2260, 17);
    cr_assert_eq(gossip_msg_decode(buf, len, &m), 0); /* the split is the sender's business */
    cr_assert_eq(m.body.publish.channel_len, 0);
    cr_assert(!memcmp(m.body.publish.message, "newshello-from-n3", 17));
    /* a PUBLISH too short for its own two lengths */
    put32(buf + 4, 2260);
    cr_assert_eq(reason_of(buf, 2260), GOSSIP_MSG_BAD_TOTLEN);
    free(buf);

    buf = load("fail.bin", &len);
    put16(buf + 12, GOSSIP_MSG_UPDATE); /* a FAIL-sized UPDATE */
    cr_assert_eq(reason_of(buf, len), GOSSIP_MSG_BAD_TOTLEN);
    put16(buf + 12, GOSSIP_MSG_MFSTART);
    cr_assert_eq(reason_of(buf, len), GOSSIP_MSG_BAD_TOTLEN);
    put16(buf + 12, GOSSIP_MSG_MODULE); /* 40 bytes: module len must be 27 */
    put32(buf + 2264, 28);
    cr_assert_eq(reason_of(buf, len), GOSSIP_MSG_BAD_TOTLEN);
    put32(buf + 2264, 27);
    cr_assert_eq(reason_of(buf, len), GOSSIP_MSG_OK);
    put32(buf + 2264, UINT32_MAX);
    cr_assert_eq(reason_of(buf, len), GOSSIP_MSG_BAD_TOTLEN);
    put32(buf + 4, 2268); /* shorter than the module's fixed part */
    cr_assert_eq(reason_of(buf, 2268), GOSSIP_MSG_BAD_TOTLEN);
    free(buf);
}

Test(gossip_msg_refuse, unknown_type_accepted_and_ignored)
{
    size_t len;
    uint8_t *buf = load("update.bin", &len);
    static struct gossip_msg m;
    static const uint16_t types[] = {GOSSIP_MSG_TYPE_COUNT, 12, 0x7fff, 0xffff};
    for (size_t i = 0; i < 4; i++) {
        put16(buf + 12, types[i]);
        enum gossip_msg_reason r;
        cr_assert_eq(gossip_msg_validate(buf, len, &r), 0);
        cr_assert_eq(r, GOSSIP_MSG_UNKNOWN_TYPE);
        cr_assert_eq(gossip_msg_decode(buf, len, &m), 0);
        cr_assert_eq(m.hdr.type, types[i]);
        cr_assert_eq(m.hdr.current_epoch, 4); /* the header still counts */
        cr_assert_null(gossip_msg_type_name(types[i]));
        /* any length at all, but still a bad version is dropped */
        cr_assert_eq(reason_of(buf, 2256 + 1), GOSSIP_MSG_LEN_MISMATCH);
        buf[9] = 0;
        cr_assert_eq(reason_of(buf, len), GOSSIP_MSG_BAD_VERSION);
        buf[9] = 1;
    }
    put32(buf + 4, 2256);
    cr_assert_eq(reason_of(buf, 2256), GOSSIP_MSG_UNKNOWN_TYPE);
    free(buf);
}

/* xorshift64*: a fixed-seed stream of garbage. */
static uint64_t rnd(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ULL;
}

Test(gossip_msg_refuse, garbage_and_mutations)
{
    uint64_t seed = 0x5eed;
    static struct gossip_msg m;
    /* random bytes: the signature alone makes acceptance impossible */
    for (int i = 0; i < 200; i++) {
        size_t len = (size_t)(rnd(&seed) % 5000);
        uint8_t *buf = malloc(len ? len : 1);
        for (size_t k = 0; k < len; k++)
            buf[k] = (uint8_t)rnd(&seed);
        cr_assert_lt(gossip_msg_validate(buf, len, NULL), 0);
        free(buf);
    }
    /* random byte flips of every vector: never a crash, decode agrees with
     * validate, and whatever is accepted re-encodes to the same length */
    const struct jval *msgs = testjson_req(bus_json(), "messages");
    for (size_t i = 0; i < msgs->n; i++) {
        size_t len;
        uint8_t *orig = load(testjson_str(&msgs->items[i], "file"), &len);
        uint8_t *buf = malloc(len);
        for (int round = 0; round < 300; round++) {
            memcpy(buf, orig, len);
            int flips = 1 + (int)(rnd(&seed) % 4);
            for (int f = 0; f < flips; f++) {
                /* bias towards the header's length fields and the body */
                size_t at = rnd(&seed) % 2 ? (size_t)(rnd(&seed) % 16) : (size_t)(rnd(&seed) % len);
                if (at >= len)
                    continue;
                buf[at] = (uint8_t)rnd(&seed);
            }
            if (reason_of(buf, len) != GOSSIP_MSG_OK)
                continue;
            cr_assert_eq(gossip_msg_decode(buf, len, &m), 0);
            uint8_t *out = malloc(len);
            ssize_t n = reencode(&m, out, len);
            cr_assert_eq(n, (ssize_t)len, "accepted mutation re-encodes to %zd", n);
            free(out);
        }
        free(buf);
        free(orig);
    }
}

Test(gossip_msg_names, types_and_reasons)
{
    static const char *const want[] = {"ping",    "pong",   "meet",    "fail",   "publish",     "auth-req",
                                       "auth-ack", "update", "mfstart", "module", "publishshard"};
    for (uint16_t t = 0; t < GOSSIP_MSG_TYPE_COUNT; t++)
        cr_assert_str_eq(gossip_msg_type_name(t), want[t]);
    cr_assert_null(gossip_msg_type_name(GOSSIP_MSG_TYPE_COUNT));
    for (enum gossip_msg_reason r = GOSSIP_MSG_OK; r <= GOSSIP_MSG_BAD_EXT; r++)
        cr_assert_str_neq(gossip_msg_reason_name(r), "unknown-reason");
    char id[GOSSIP_MSG_NODE_ID_LEN] = {0};
    cr_assert(gossip_msg_id_is_zero(id));
    id[39] = '0';
    cr_assert(!gossip_msg_id_is_zero(id));
}
