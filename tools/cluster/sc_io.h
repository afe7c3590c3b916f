/*
 * shoal-cluster's I/O side: blocking connections with timeouts
 * (sc_conn.c), loading a running cluster (sc_cluster.c), moving slots
 * (sc_move.c), progress and output (sc_out.c) and the commands (sc_cmd_*.c).
 */
#ifndef SC_IO_H
#define SC_IO_H

#include "sc.h"

struct sc_conn {
    int fd;
    char host[SC_IP_MAX];
    int port;
    int timeout_ms;
    struct sc_buf out;
    char *in;
    size_t in_len;
    size_t in_cap;
    size_t in_off;
    char err[256];
};

/* Connects and authenticates. Returns NULL with a message in err. */
struct sc_conn *sc_conn_open(const char *host, int port, const struct sc_opts *o, char *err, size_t err_size);
void sc_conn_close(struct sc_conn *c);
/* Queues a command (NULL-terminated string arguments). */
void sc_conn_append(struct sc_conn *c, ...) __attribute__((sentinel));
void sc_conn_appendv(struct sc_conn *c, int argc, const char *const *argv, const size_t *lens);
int sc_conn_flush(struct sc_conn *c);
/* Reads one reply; NULL on I/O or protocol error (c->err says which). */
struct sc_reply *sc_conn_read(struct sc_conn *c);
/* Sends one command and reads its reply. */
struct sc_reply *sc_conn_cmd(struct sc_conn *c, ...) __attribute__((sentinel));
struct sc_reply *sc_conn_cmdv(struct sc_conn *c, int argc, const char *const *argv, const size_t *lens);
/* Value of "name:" in an INFO-style text, copied into out; false if absent. */
bool sc_info_field(const char *text, const char *name, char *out, size_t out_size);

struct sc_cnode {
    struct sc_conn *conn; /* NULL if unreachable */
    char addr[SC_IP_MAX + 8];
    char ip[SC_IP_MAX];
    int port;
    struct sc_nodes nodes;
    char *nodes_text;
    char *signature;
    const struct sc_nline *me;
    int replicas;
    long long keys; /* -1 = not asked */
    double weight;
};

struct sc_cluster {
    struct sc_cnode *n;
    int count;
    struct sc_problems load_probs;
};

/* Loads the cluster reachable from host:port. 0, or -1 with a message in err
 * (the entry node itself failed). */
int sc_cluster_load(struct sc_cluster *cl, const char *host, int port, const struct sc_opts *o, char *err,
                    size_t err_size);
void sc_cluster_free(struct sc_cluster *cl);
int sc_cluster_refresh_node(struct sc_cnode *n);
struct sc_cnode *sc_cluster_find(struct sc_cluster *cl, const char *id);
/* Resolves a user-given id (any case, unique prefix). NULL if none or ambiguous. */
struct sc_cnode *sc_cluster_find_prefix(struct sc_cluster *cl, const char *id);
bool sc_cnode_is_master(const struct sc_cnode *n);
/* Polls every reachable node until their slot signatures agree (the new
 * configuration has spread). 0, or -1 at the deadline. */
int sc_cluster_wait_agree(struct sc_cluster *cl, double seconds);
/* Runs the checks; problems appended to probs. */
void sc_cluster_check(struct sc_cluster *cl, struct sc_check_result *res, struct sc_problems *probs);

/* ---- output (sc_out.c) ---- */
struct sc_out {
    const struct sc_opts *o;
    bool tty;
    struct sc_problems probs;
    struct sc_buf extra; /* extra JSON members, each starting with ',' */
    const char *error;
    char error_buf[512];
    long long moved_slots;
    long long moved_keys;
    double moved_seconds;
    bool has_moved;
    /* progress */
    long long total_slots;
    double start;
    double last_draw;
};
extern struct sc_out sc_out;
double sc_now(void);
void sc_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void sc_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void sc_progress(bool final);
bool sc_confirm(const char *question);
void sc_print_nodes(struct sc_cluster *cl);
void sc_json_nodes(struct sc_buf *b, struct sc_cluster *cl);
int sc_finish(int code, struct sc_cluster *cl);

/* ---- moving slots (sc_move.c) ---- */
/* Moves the listed slots from src to dst (all moves share src and dst), in
 * pipelined batches. cold: keys only, no SETSLOT. 0 or -1 (message given). */
int sc_move_slots(struct sc_cluster *cl, struct sc_cnode *src, struct sc_cnode *dst, const int *slots, int count,
                  bool cold);

/* ---- commands ---- */
int sc_cmd_create(void);
int sc_cmd_check(bool fix);
int sc_cmd_info(void);
int sc_cmd_reshard(void);
int sc_cmd_rebalance(void);
int sc_cmd_add_node(void);
int sc_cmd_del_node(void);
int sc_load_from_arg(struct sc_cluster *cl, const char *arg);

#endif
