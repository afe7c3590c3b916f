/*
 * shoal-cluster: the pure parts (no sockets, no clock, no stdout) that the
 * unit tests link: RESP2 reply parsing and command encoding (sc_resp.c), the
 * CLUSTER NODES parser, slot-range formatting and the agreement signature
 * (sc_nodes.c), the create/reshard/rebalance planners (sc_plan.c), the check
 * logic (sc_check.c), a JSON writer (sc_json.c) and the command line parser
 * (sc_cli.c). The I/O side is in sc_io.h.
 */
#ifndef SC_H
#define SC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SC_SLOTS 16384
#define SC_ID_LEN 40
#define SC_IP_MAX 256
#define SC_NODES_MAX 1000     /* lines of CLUSTER NODES / nodes in a cluster */
#define SC_OPEN_MAX 16384     /* open-slot entries on one line */
#define SC_RESP_DEPTH_MAX 8
#define SC_RESP_ELEMS_MAX (1 << 24)
#define SC_RESP_BULK_MAX (512LL * 1024 * 1024)

void *sc_xmalloc(size_t size);
void *sc_xcalloc(size_t count, size_t size);
void *sc_xrealloc(void *p, size_t size);
char *sc_xstrdup(const char *s);

/* ---- dynamic string ---- */
struct sc_buf {
    char *data;
    size_t len;
    size_t cap;
};
void sc_buf_append(struct sc_buf *b, const void *p, size_t len);
void sc_buf_puts(struct sc_buf *b, const char *s);
void sc_buf_printf(struct sc_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sc_buf_free(struct sc_buf *b);

/* ---- RESP2 (sc_resp.c) ---- */
enum sc_reply_type {
    SC_REPLY_STATUS,
    SC_REPLY_ERROR,
    SC_REPLY_INTEGER,
    SC_REPLY_BULK,
    SC_REPLY_NIL,
    SC_REPLY_ARRAY,
};

struct sc_reply {
    enum sc_reply_type type;
    long long integer;
    char *str; /* NUL-terminated copy for STATUS/ERROR/BULK */
    size_t len;
    struct sc_reply **elem;
    size_t count;
};

/* Parses one reply from buf. Returns bytes consumed (> 0) and sets *ret, 0 if
 * more bytes are needed, or -EPROTO for malformed input. */
ssize_t sc_resp_parse(const char *buf, size_t len, struct sc_reply **ret);
void sc_reply_free(struct sc_reply *r);
bool sc_reply_is_ok(const struct sc_reply *r);
/* Appends argv as a RESP array of bulk strings. */
void sc_resp_encode(struct sc_buf *out, int argc, const char *const *argv, const size_t *lens);

/* ---- CLUSTER NODES (sc_nodes.c) ---- */
enum {
    SC_F_MYSELF = 1 << 0,
    SC_F_MASTER = 1 << 1,
    SC_F_REPLICA = 1 << 2,
    SC_F_PFAIL = 1 << 3,
    SC_F_FAIL = 1 << 4,
    SC_F_HANDSHAKE = 1 << 5,
    SC_F_NOADDR = 1 << 6,
    SC_F_NOFLAGS = 1 << 7,
};

struct sc_open_slot {
    int slot;
    char id[SC_ID_LEN + 1];
};

struct sc_nline {
    char id[SC_ID_LEN + 1];
    char ip[SC_IP_MAX];
    int port;
    int cport;
    unsigned flags;
    char flags_str[128];
    char master[SC_ID_LEN + 1]; /* "" when "-" */
    unsigned long long config_epoch;
    bool connected;
    uint8_t slots[SC_SLOTS / 8];
    int slots_count;
    struct sc_open_slot *migrating;
    int migrating_count;
    struct sc_open_slot *importing;
    int importing_count;
};

struct sc_nodes {
    struct sc_nline *lines;
    int count;
    int myself; /* index, -1 if none */
};

/* Parses a CLUSTER NODES text. 0 or -EPROTO (message in err, if not NULL). */
int sc_nodes_parse(const char *text, size_t len, struct sc_nodes *ret, char *err, size_t err_size);
void sc_nodes_free(struct sc_nodes *n);
const struct sc_nline *sc_nodes_find(const struct sc_nodes *n, const char *id);
/* The redis-cli "config signature" (§3.1) of one node's CLUSTER NODES text;
 * caller frees. NULL if the text is malformed. */
char *sc_nodes_signature(const char *text, size_t len);

static inline bool sc_slot_has(const uint8_t *bm, int s) { return (bm[s >> 3] >> (s & 7)) & 1; }
static inline void sc_slot_set(uint8_t *bm, int s) { bm[s >> 3] |= (uint8_t)(1u << (s & 7)); }
static inline void sc_slot_clear(uint8_t *bm, int s) { bm[s >> 3] &= (uint8_t)~(1u << (s & 7)); }
int sc_slots_count(const uint8_t *bm);
/* "0-5460,5462" style (sep between ranges, brackets if bracket). */
void sc_slots_format(struct sc_buf *out, const uint8_t *bm, const char *sep, bool bracket);
/* JSON [[a,b],...] */
void sc_slots_json(struct sc_buf *out, const uint8_t *bm);
/* Formats a list of slot numbers (ascending, deduped by the caller) as ranges. */
void sc_slot_list_format(struct sc_buf *out, const int *slots, int count);

/* Parses "host:port[@bus]". 0 or -EINVAL. */
int sc_addr_parse(const char *s, char *host, size_t host_size, int *port);

/* ---- planners (sc_plan.c) ---- */
struct sc_create_node {
    const char *ip;     /* borrowed */
    int master;         /* out: index (into the caller's array) of its master, -1 for a master */
    bool is_master;     /* out */
    int slot_first;     /* out (masters) */
    int slot_last;      /* out (masters) */
};

/* Decides masters, slot ranges and replica placement for create. order_out
 * receives the interleaved order (count n). Returns the number of masters, or
 * -EINVAL if fewer than 3 masters would result. */
int sc_plan_create(struct sc_create_node *nodes, int n, int replicas, int *order_out, unsigned seed);
/* Anti-affinity score (0 = perfect) of the current assignment. */
int sc_plan_create_score(const struct sc_create_node *nodes, int n);

struct sc_move {
    int src; /* index in the caller's array */
    int dst;
    int slot;
};

struct sc_reshard_src {
    int index;          /* caller's node index */
    const uint8_t *slots;
    int slots_count;
};
/* redis-cli's reshard table: moves (at most numslots) into out (capacity
 * numslots). Returns the count. */
int sc_plan_reshard(struct sc_reshard_src *src, int nsrc, int dst, int numslots, struct sc_move *out);

struct sc_rebal_node {
    int index;         /* caller's node index */
    double weight;
    int slots_count;
    const uint8_t *slots;
    int balance;       /* internal */
};
struct sc_rebal_step {
    int src;
    int dst;
    int count;
};
/* Rebalance plan: steps written to out (capacity n*n). Returns the step count,
 * 0 if no node is over the threshold. */
int sc_plan_rebalance(struct sc_rebal_node *nodes, int n, double threshold_pct, struct sc_rebal_step *out,
                      int out_cap);

/* ---- check (sc_check.c) ---- */
struct sc_view {                 /* one loaded node */
    const struct sc_nodes *nodes; /* its own CLUSTER NODES, NULL if unreachable */
    const char *signature;       /* NULL if unreachable */
    const char *addr;            /* "ip:port" */
};

enum sc_level { SC_WARNING, SC_ERROR };
struct sc_problem {
    enum sc_level level;
    const char *code;
    char message[512];
};
struct sc_problems {
    struct sc_problem *items;
    int count;
    int cap;
};
void sc_problems_add(struct sc_problems *p, enum sc_level level, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void sc_problems_free(struct sc_problems *p);

struct sc_check_result {
    bool agree;
    int covered;
    int open_slots[SC_SLOTS];
    int open_count;
};
/* Runs the checks over the loaded views; appends problems. */
void sc_check(const struct sc_view *views, int n, struct sc_check_result *res, struct sc_problems *probs);

/* ---- JSON (sc_json.c) ---- */
void sc_json_str(struct sc_buf *out, const char *s);

/* ---- command line (sc_cli.c) ---- */
#define SC_WEIGHTS_MAX 64
#define SC_POS_MAX 1024

struct sc_weight {
    char id[SC_ID_LEN + 1];
    double weight;
};

struct sc_opts {
    const char *command;
    const char *pos[SC_POS_MAX];
    int npos;
    bool json;
    bool yes;
    bool help;
    const char *pass;
    const char *user;
    int replicas;
    const char *from;
    const char *to;
    int slots;
    int pipeline;
    int timeout_ms;
    bool replace;
    struct sc_weight weights[SC_WEIGHTS_MAX];
    int nweights;
    bool use_empty;
    double threshold;
    bool simulate;
    const char *replica_of;
    bool replica;
};

/* Parses argv. 0, or -EINVAL with a message in err. */
int sc_cli_parse(int argc, char **argv, struct sc_opts *o, char *err, size_t err_size);

#endif
