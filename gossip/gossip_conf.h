/*
 * gossip_conf.h — the nodes.conf codec: the cluster config file's text to a
 * struct and back. Pure: no I/O, no clock, no logging.
 *
 * Owns: the text format (spec cluster-bus.md §20/§21), its validation and
 * the struct that describes one file. Does not own reading, writing, locking
 * or fsyncing the file, nor what the loaded state means (ping/pong "non-zero
 * means now", raising currentEpoch to the largest configEpoch, forcing a
 * replica's own configEpoch to 0): node/ and the gossip state machine do that.
 *
 * FORMAT (what redis-server 7.0.15 writes; one '\n' ends every line)
 *
 *   <id> <ip>:<port>@<cport>[,<hostname>] <flags> <master-id|-> <ping-sent>
 *       <pong-recv> <config-epoch> <connected|disconnected>[ <slot>...]
 *   ... one such line per node, in table order, handshake nodes left out ...
 *   vars currentEpoch <u64> lastVoteEpoch <u64>
 *
 *   flags      comma list in this order: myself master slave fail? fail
 *              handshake noaddr nofailover; "noflags" when none is set
 *   slots      ascending maximal runs: "A-B" or "A" for a run of one
 *   markers    on the myself line only, after the slots, in slot order:
 *              "[S->-<id>]" migrating S to id, else "[S-<-<id>]" importing
 *   config-epoch  for a replica with a master, the master's configEpoch
 *
 * PARSING is stricter than Redis, which exits on most bad lines but silently
 * accepts some damage. Anything Redis itself writes is accepted. On top of
 * Redis's checks we refuse (each with a message naming the line):
 *   - a missing "vars" line, text after it, or a last line without '\n'
 *     (Redis writes vars last and rewrites in place: those mean truncation);
 *   - duplicate node ids, two myself lines (Redis asserts), a slot listed
 *     twice (Redis keeps the first), a reversed range "10-5" (Redis ignores
 *     it), a whitespace-only line (Redis crashes), quotes, control bytes;
 *   - a master id or marker id that names no listed node (Redis invents an
 *     empty node for it, but never writes such a file itself: it removes
 *     references when it forgets a node);
 *   - a marker on a line other than myself, or naming myself;
 *   - numbers that are not plain decimal, ports over 65535, a vars line
 *     without currentEpoch or lastVoteEpoch, or one that names one twice.
 * Like Redis we accept: blank lines anywhere (in-place rewrites pad with
 * '\n'), runs of spaces/tabs/'\r' between fields, flags in any order, a
 * missing "@cport" (port + 10000), unknown vars names (skipped), node ids of
 * 40 chars in [a-z0-9] (Redis's own check; we generate only hex).
 *
 * An empty file (zero bytes) is Redis's "no config yet": it makes a new
 * identity. gossip_conf_parse() returns -ENODATA for it so that node/ can do
 * the same; every other failure must stop the node, never make a new one.
 */
#ifndef SHOAL_GOSSIP_CONF_H
#define SHOAL_GOSSIP_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GOSSIP_CONF_SLOTS 16384
#define GOSSIP_CONF_ID_LEN 40         /* node IDs */
#define GOSSIP_CONF_IP_MAX 45         /* chars; Redis's NET_IP_STR_LEN - 1 */
#define GOSSIP_CONF_HOSTNAME_MAX 255  /* cluster-announce-hostname < 256 */
/* Nodes one file may hold. The node table must not grow past it either, or
 * the node would write a file it cannot load. */
#define GOSSIP_CONF_NODES_MAX 8192
/* Longest line we read, Redis's own line buffer. A myself line with every
 * slot migrating (16384 markers of 52 bytes) still fits. */
#define GOSSIP_CONF_LINE_MAX (1024 + GOSSIP_CONF_SLOTS * 128)
#define GOSSIP_CONF_ERR_MAX 256       /* error text, with its NUL */

/* An index into gossip_conf.nodes, or none. */
#define GOSSIP_CONF_NO_NODE UINT16_MAX

/* Node flags as the file spells them, in the file's order. */
enum gossip_conf_flag {
    GOSSIP_CONF_MYSELF = 1u << 0,     /* "myself" */
    GOSSIP_CONF_MASTER = 1u << 1,     /* "master" */
    GOSSIP_CONF_SLAVE = 1u << 2,      /* "slave" */
    GOSSIP_CONF_PFAIL = 1u << 3,      /* "fail?" */
    GOSSIP_CONF_FAIL = 1u << 4,       /* "fail" */
    GOSSIP_CONF_HANDSHAKE = 1u << 5,  /* "handshake" */
    GOSSIP_CONF_NOADDR = 1u << 6,     /* "noaddr" */
    GOSSIP_CONF_NOFAILOVER = 1u << 7, /* "nofailover" */
};
#define GOSSIP_CONF_FLAGS_ALL 0xffu

/* One node line. Strings are NUL-terminated; hostname "" means none. */
struct gossip_conf_node {
    char id[GOSSIP_CONF_ID_LEN + 1];
    char ip[GOSSIP_CONF_IP_MAX + 1]; /* "" for a node with no known address */
    char hostname[GOSSIP_CONF_HOSTNAME_MAX + 1];
    uint16_t port;
    uint16_t cport;
    uint32_t flags;        /* enum gossip_conf_flag bits */
    uint16_t master_index; /* the node it replicates, or GOSSIP_CONF_NO_NODE */
    int64_t ping_sent_ms;  /* unix ms, 0 = none */
    int64_t pong_recv_ms;  /* unix ms, 0 = none */
    uint64_t config_epoch; /* as written: the master's for a replica */
    bool link_connected;   /* "connected" / "disconnected" */
};

/*
 * One nodes.conf. Slots and markers refer to nodes by index, so a parsed
 * file never holds a dangling reference. nodes is core_malloc'd and owned by
 * the struct: gossip_conf_free() releases it. The slot arrays make the
 * struct about 100 KB: keep it on the heap or in a long-lived object.
 */
struct gossip_conf {
    struct gossip_conf_node *nodes; /* node_count records, in file order */
    size_t node_count;
    size_t node_cap;
    uint16_t myself_index; /* the one node with GOSSIP_CONF_MYSELF */
    uint64_t current_epoch;
    uint64_t last_vote_epoch;
    uint16_t slot_owner[GOSSIP_CONF_SLOTS];     /* node index or NO_NODE */
    uint16_t migrating_to[GOSSIP_CONF_SLOTS];   /* myself's markers: node */
    uint16_t importing_from[GOSSIP_CONF_SLOTS]; /* index or NO_NODE */
};

/* A parse failure: text is "nodes.conf line N: <problem>" (or
 * "nodes.conf: <problem>" when no single line is at fault, line 0). */
struct gossip_conf_err {
    size_t line;
    char text[GOSSIP_CONF_ERR_MAX];
};

/* Makes c an empty config: no nodes, no slots, no markers, epochs 0,
 * myself_index NO_NODE. c must not hold nodes (free it first). */
void gossip_conf_init(struct gossip_conf *c);

/* Frees c's nodes and leaves c as gossip_conf_init() does. NULL is a no-op. */
void gossip_conf_free(struct gossip_conf *c);

/* Appends a copy of *node; its index is c->node_count - 1. Returns -E2BIG at
 * GOSSIP_CONF_NODES_MAX nodes. Does not validate: gossip_conf_check() does. */
int gossip_conf_add_node(struct gossip_conf *c, const struct gossip_conf_node *node);

/*
 * Parses a whole file of len bytes (text need not be NUL-terminated). On
 * success fills *ret (which must hold no nodes: it is overwritten) and
 * returns 0; the caller then owns ret's nodes. On failure *ret is untouched
 * and the return is:
 *   -ENODATA  len == 0: no config yet (Redis then makes a new identity);
 *   -EPROTO   a malformed or inconsistent file;
 *   -E2BIG    a line longer than GOSSIP_CONF_LINE_MAX or more than
 *             GOSSIP_CONF_NODES_MAX nodes;
 * with *err (if not NULL) saying what and where.
 */
int gossip_conf_parse(const char *text, size_t len, struct gossip_conf *ret,
                      struct gossip_conf_err *err);

/*
 * Formats c exactly as redis-server 7.0.15 writes nodes.conf: every node in
 * array order (the caller leaves handshake nodes out, as Redis does), then
 * the vars line. On success *ret_text is a core_malloc'd NUL-terminated
 * buffer the caller core_free()s, *ret_len its length, and 0 is returned.
 * Returns -EINVAL, writing nothing, if gossip_conf_check() fails.
 */
int gossip_conf_format(const struct gossip_conf *c, char **ret_text, size_t *ret_len);

/* 0 if c is something gossip_conf_parse() could have produced (so format
 * then parse gives c back), else -EINVAL with the reason in *err. */
int gossip_conf_check(const struct gossip_conf *c, struct gossip_conf_err *err);

/* True if a and b describe the same file (nodes field by field, in order). */
bool gossip_conf_is_equal(const struct gossip_conf *a, const struct gossip_conf *b);

/* The value checks the parser uses, for the node table to apply to what
 * peers send before it lands in the file: 40 chars in [a-z0-9]; up to
 * GOSSIP_CONF_IP_MAX chars of [0-9A-Za-z.:%_-] (empty allowed); 1 to
 * GOSSIP_CONF_HOSTNAME_MAX chars of [0-9A-Za-z.-]. */
bool gossip_conf_id_is_valid(const char *id, size_t len);
bool gossip_conf_ip_is_valid(const char *ip, size_t len);
bool gossip_conf_hostname_is_valid(const char *hostname, size_t len);

#endif
