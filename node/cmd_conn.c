/*
 * cmd_conn.c — connection and server-control commands: PING, ECHO, QUIT,
 * RESET, TIME, AUTH, HELLO, SHUTDOWN and the CLIENT container (ID, SETNAME,
 * GETNAME, LIST, INFO, KILL, HELP), with Redis 7.0.15's replies and texts.
 *
 * Authentication: shoal has a single user, "default", whose password is
 * cfg.requirepass (none when NULL or ""), which is Redis's behaviour without
 * ACL files. A user without a password accepts any password.
 *
 * Does not own: the pre-execution checks (dispatch.c), closing sockets
 * (client.c), stopping the loop on SHUTDOWN (server.c), INFO (cmd_info.c).
 */
#include "node/pubsub.h"
#include "node/commands.h"
#include "node/pause.h"
#include "node/persist.h"
#include "node/text.h"
#include "node/core/core.h"
#include "node/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define DEFAULT_USER "default"
/* Error texts echo at most this much of an argument. */
#define ECHO_MAX 128

static const char err_wrongpass[] = "WRONGPASS invalid username-password pair or user is disabled.";
static const char err_badname[] = "ERR Client names cannot contain spaces, newlines or special characters.";

/* ---- growable text for CLIENT LIST / INFO ---- */

static bool password_configured(const struct node_server *srv)
{
    return srv->cfg.requirepass && srv->cfg.requirepass[0];
}

/* Compares without an early exit so timing does not reveal the prefix. */
static bool secret_eq(const char *a, size_t alen, const char *b, size_t blen)
{
    unsigned diff = alen != blen;
    for (size_t i = 0; i < alen; i++)
        diff |= (unsigned char)a[i] ^ (unsigned char)b[i % (blen ? blen : 1)];
    return diff == 0;
}

/* True if user/pass are valid credentials of the default user; sets the
 * client authenticated then (a failed attempt leaves the state unchanged). */
static bool authenticate(struct node_client *c, int ui, int pi)
{
    const struct node_server *srv = c->srv;
    const char *u = ui < 0 ? DEFAULT_USER : c->argv[ui];
    size_t ulen = ui < 0 ? strlen(DEFAULT_USER) : c->argl[ui];
    if (ulen != strlen(DEFAULT_USER) || memcmp(u, DEFAULT_USER, ulen) != 0)
        return false;
    if (password_configured(srv)) {
        const char *want = srv->cfg.requirepass;
        if (!secret_eq(c->argv[pi], c->argl[pi], want, strlen(want)))
            return false;
    }
    c->flags |= NODE_CLIENT_AUTHENTICATED;
    return true;
}

/* Client names are printable ASCII without spaces, as Redis requires. */
static bool name_is_valid(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] < '!' || s[i] > '~')
            return false;
    return true;
}

/* Sets (or clears, for an empty name) the client name from argv[i]; replies
 * the error and returns false if the name is invalid. */
static bool set_name(struct node_client *c, int i)
{
    if (!name_is_valid(c->argv[i], c->argl[i])) {
        node_reply_error(&c->out, err_badname);
        return false;
    }
    core_free(c->name);
    c->name = c->argl[i] ? core_strndup(c->argv[i], c->argl[i]) : NULL;
    return true;
}

static void reply_help(struct node_out *o, const char *const *lines, size_t n)
{
    node_reply_array(o, (long long)n);
    for (size_t i = 0; i < n; i++)
        node_reply_simple(o, lines[i]);
}

/* ---- PING ECHO QUIT RESET TIME ---- */

void node_cmd_ping(struct node_client *c)
{
    if (c->argc > 2) {
        node_reply_arity_error(c);
        return;
    }
    if (c->argc == 2)
        node_reply_bulk(&c->out, c->argv[1], c->argl[1]);
    else
        node_reply_simple(&c->out, "PONG");
}

void node_cmd_echo(struct node_client *c)
{
    node_reply_bulk(&c->out, c->argv[1], c->argl[1]);
}

void node_cmd_quit(struct node_client *c)
{
    node_reply_ok(&c->out);
    c->flags |= NODE_CLIENT_CLOSE_AFTER_REPLY;
}

void node_cmd_reset(struct node_client *c)
{
    node_multi_reset(c);
    node_pubsub_client_reset(c, false);
    c->out.proto = 2;
    core_free(c->name);
    c->name = NULL;
    c->flags &= ~(NODE_CLIENT_ASKING | NODE_CLIENT_READONLY);
    if (password_configured(c->srv))
        c->flags &= ~NODE_CLIENT_AUTHENTICATED;
    else
        c->flags |= NODE_CLIENT_AUTHENTICATED;
    node_reply_simple(&c->out, "RESET");
}

void node_cmd_time(struct node_client *c)
{
    int64_t us = core_time_us();
    node_reply_array(&c->out, 2);
    node_reply_bulk_ll(&c->out, us / 1000000);
    node_reply_bulk_ll(&c->out, us % 1000000);
}

/* ---- AUTH HELLO ---- */

void node_cmd_auth(struct node_client *c)
{
    if (c->argc > 3) {
        node_reply_error(&c->out, NODE_ERR_SYNTAX);
        return;
    }
    if (c->argc == 2 && !password_configured(c->srv)) {
        node_reply_error(&c->out, "ERR AUTH <password> called without any password configured for the default "
                                  "user. Are you sure your configuration is correct?");
        return;
    }
    bool ok = c->argc == 2 ? authenticate(c, -1, 1) : authenticate(c, 1, 2);
    if (ok)
        node_reply_ok(&c->out);
    else
        node_reply_error(&c->out, err_wrongpass);
}

static void reply_hello(struct node_client *c)
{
    struct node_out *o = &c->out;
    node_reply_map(o, 7);
    node_reply_bulk_cstr(o, "server");
    node_reply_bulk_cstr(o, "redis");
    node_reply_bulk_cstr(o, "version");
    node_reply_bulk_cstr(o, "7.0.15");
    node_reply_bulk_cstr(o, "proto");
    node_reply_int(o, o->proto);
    node_reply_bulk_cstr(o, "id");
    node_reply_int(o, (long long)c->id);
    node_reply_bulk_cstr(o, "mode");
    node_reply_bulk_cstr(o, c->srv->cfg.cluster_enabled ? "cluster" : "standalone");
    node_reply_bulk_cstr(o, "role");
    node_reply_bulk_cstr(o, "master");
    node_reply_bulk_cstr(o, "modules");
    node_reply_array(o, 0);
}

/*
 * HELLO [protover [AUTH user pass] [SETNAME name]]
 *
 * BEHAVIOR (Redis 7.0): options are applied in argument order as they are
 * parsed, so "SETNAME x FOO" sets the name and then fails on FOO, and a
 * failing AUTH after SETNAME keeps the name. The protocol changes only after
 * every check passed, right before the reply, which is in the new protocol.
 */
void node_cmd_hello(struct node_client *c)
{
    long long ver = 0;
    int i = 1;
    if (c->argc >= 2) {
        if (!node_util_parse_ll(c->argv[1], c->argl[1], &ver)) {
            node_reply_error(&c->out, "ERR Protocol version is not an integer or out of range");
            return;
        }
        if (ver < 2 || ver > 3) {
            node_reply_error(&c->out, "NOPROTO unsupported protocol version");
            return;
        }
        i = 2;
    }
    for (; i < c->argc; i++) {
        int more = c->argc - 1 - i;
        if (node_arg_is(c, i, "auth") && more >= 2) {
            if (!authenticate(c, i + 1, i + 2)) {
                node_reply_error(&c->out, err_wrongpass);
                return;
            }
            i += 2;
        } else if (node_arg_is(c, i, "setname") && more >= 1) {
            if (!set_name(c, i + 1))
                return;
            i++;
        } else {
            node_reply_errorf(&c->out, "ERR Syntax error in HELLO option '%.*s'", (int)CORE_MIN(c->argl[i], ECHO_MAX),
                              c->argv[i]);
            return;
        }
    }
    if (!(c->flags & NODE_CLIENT_AUTHENTICATED)) {
        node_reply_error(&c->out, "NOAUTH HELLO must be called with the client already authenticated, otherwise the "
                                  "HELLO AUTH <user> <pass> option can be used to authenticate the client and select "
                                  "the RESP protocol version at the same time");
        return;
    }
    if (ver)
        c->out.proto = (int)ver;
    reply_hello(c);
}

/* ---- SHUTDOWN ---- */

enum shutdown_opt { SD_NOSAVE = 1, SD_SAVE = 2, SD_NOW = 4, SD_FORCE = 8, SD_ABORT = 16 };

/* SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]: saves first when save
 * points are set (SAVE forces it, NOSAVE skips it); a failed save keeps the
 * server running unless FORCE. On success no reply is written: the server
 * stops and the connection closes. */
void node_cmd_shutdown(struct node_client *c)
{
    static const struct {
        const char *name;
        unsigned bit;
    } opts[] = {{"nosave", SD_NOSAVE}, {"save", SD_SAVE}, {"now", SD_NOW}, {"force", SD_FORCE}, {"abort", SD_ABORT}};
    unsigned flags = 0;
    for (int i = 1; i < c->argc; i++) {
        unsigned bit = 0;
        for (size_t k = 0; k < CORE_ARRAY_LEN(opts) && !bit; k++)
            if (node_arg_is(c, i, opts[k].name))
                bit = opts[k].bit;
        if (!bit) {
            node_reply_error(&c->out, NODE_ERR_SYNTAX);
            return;
        }
        flags |= bit;
    }
    bool bad_abort = (flags & SD_ABORT) && flags != SD_ABORT;
    if (bad_abort || ((flags & SD_NOSAVE) && (flags & SD_SAVE))) {
        node_reply_error(&c->out, NODE_ERR_SYNTAX);
        return;
    }
    if (flags & SD_ABORT) {
        node_reply_error(&c->out, "ERR No shutdown in progress.");
        return;
    }
    if (!(flags & SD_NOSAVE) && node_persist_shutdown_save(c->srv, (flags & SD_SAVE) != 0) < 0 &&
        !(flags & SD_FORCE)) {
        node_reply_error(&c->out, "ERR Errors trying to SHUTDOWN. Check logs.");
        return;
    }
    c->srv->shutdown_done_save = true;
    c->srv->shutdown_asap = true;
}

/* ---- CLIENT ---- */

enum client_type { CT_NORMAL, CT_REPLICA, CT_PUBSUB, CT_MASTER, CT_NONE = -1 };

static enum client_type parse_client_type(const char *s, size_t len)
{
    static const struct {
        const char *name;
        enum client_type type;
    } names[] = {{"normal", CT_NORMAL}, {"slave", CT_REPLICA}, {"replica", CT_REPLICA}, {"pubsub", CT_PUBSUB},
                 {"master", CT_MASTER}};
    for (size_t i = 0; i < CORE_ARRAY_LEN(names); i++)
        if (strlen(names[i].name) == len && strncasecmp(names[i].name, s, len) == 0)
            return names[i].type;
    return CT_NONE;
}

static enum client_type client_type_of(const struct node_client *c)
{
    if (c->flags & NODE_CLIENT_MASTER)
        return CT_MASTER;
    if (c->flags & NODE_CLIENT_REPLICA)
        return CT_REPLICA;
    if (node_pubsub_client_is_subscribed(c))
        return CT_PUBSUB;
    return CT_NORMAL;
}

static bool client_is_gone(const struct node_client *c)
{
    return (c->flags & NODE_CLIENT_CLOSING) != 0;
}

static void flags_string(const struct node_client *c, char *out)
{
    char *p = out;
    if (c->flags & NODE_CLIENT_REPLICA)
        *p++ = 'S';
    if (c->flags & NODE_CLIENT_MASTER)
        *p++ = 'M';
    if (node_pubsub_client_is_subscribed(c))
        *p++ = 'P';
    if (c->flags & NODE_CLIENT_MULTI)
        *p++ = 'x';
    if (c->flags & NODE_CLIENT_BLOCKED)
        *p++ = 'b';
    if (c->flags & NODE_CLIENT_CLOSE_AFTER_REPLY)
        *p++ = 'c';
    if (c->flags & NODE_CLIENT_CLOSE_ASAP)
        *p++ = 'A';
    if (c->flags & NODE_CLIENT_UNIX)
        *p++ = 'U';
    if (c->flags & NODE_CLIENT_READONLY)
        *p++ = 'r';
    if (p == out)
        *p++ = 'N';
    *p = '\0';
}

struct client_mem {
    size_t argv_mem, multi_mem, obl, omem, tot_mem;
    long long oll;
};

/* Memory figures of CLIENT LIST, from what shoal actually holds: the
 * arguments of the command being run, queued MULTI commands, the output
 * blocks (the first as Redis's static buffer, the rest as its reply list). */
static void client_memory(const struct node_client *c, struct client_mem *m)
{
    memset(m, 0, sizeof(*m));
    for (int i = 0; i < c->argc; i++)
        m->argv_mem += c->argl[i];
    for (int i = 0; i < c->mcount; i++) {
        const struct node_multi_cmd *mc = &c->mstate[i];
        m->multi_mem += sizeof(*mc) + (size_t)mc->argc * (sizeof(char *) + sizeof(size_t));
        for (int j = 0; j < mc->argc; j++)
            m->multi_mem += mc->argl[j];
    }
    size_t blocks_mem = 0;
    for (const struct node_obuf_block *b = c->out.head; b; b = b->next) {
        if (b == c->out.head) {
            m->obl = b->used - c->out.sent_in_head;
        } else {
            m->oll++;
            m->omem += b->size;
        }
        blocks_mem += sizeof(*b) + b->size;
    }
    m->tot_mem = sizeof(*c) + c->qcap + blocks_mem + m->argv_mem + m->multi_mem + (c->name ? strlen(c->name) : 0) +
                 c->wbufs_cap * sizeof(uv_buf_t) + c->mcap * sizeof(struct node_multi_cmd);
}

/* Appends one CLIENT LIST line (with its '\n'). self is the caller, whose
 * "cmd" is the command running now. */
static void client_info_line(struct node_text *t, const struct node_client *cl, const struct node_client *self)
{
    char flags[16], cmdname[128] = "NULL";
    const struct node_cmd *cmd = cl == self ? cl->cmd : cl->lastcmd;
    if (cmd)
        node_cmd_fullname(cmd, cmdname, sizeof(cmdname));
    flags_string(cl, flags);
    struct client_mem m;
    client_memory(cl, &m);
    int64_t now_ms = core_time_ms();
    const char *events = (cl->flags & (NODE_CLIENT_CLOSE_AFTER_REPLY | NODE_CLIENT_CLOSING)) ? "" : "r";
    node_text_printf(t,
                "id=%llu addr=%s laddr=%s fd=%d name=%s age=%lld idle=%lld flags=%s db=0 sub=%zu psub=%zu ssub=%zu "
                "multi=%d qbuf=%zu qbuf-free=%zu argv-mem=%zu multi-mem=%zu rbs=%zu rbp=%zu obl=%zu oll=%lld "
                "omem=%zu tot-mem=%zu events=%s%s cmd=%s user=default redir=-1 resp=%d\n",
                (unsigned long long)cl->id, cl->addr, cl->laddr, cl->fd, cl->name ? cl->name : "",
                (long long)((now_ms - cl->ctime_ms) / 1000), (long long)((now_ms - cl->last_interaction_ms) / 1000),
                flags, node_pubsub_client_count(cl, NODE_PUBSUB_CHANNEL), node_pubsub_client_count(cl, NODE_PUBSUB_PATTERN),
                node_pubsub_client_count(cl, NODE_PUBSUB_SHARD), (cl->flags & NODE_CLIENT_MULTI) ? cl->mcount : -1, cl->qlen, cl->qcap - cl->qlen, m.argv_mem,
                m.multi_mem, cl->out.head ? cl->out.head->size : 0, cl->out.head ? cl->out.head->size : 0, m.obl,
                m.oll, m.omem, m.tot_mem, events, (cl->flags & NODE_CLIENT_WRITING) ? "w" : "", cmdname,
                cl->out.proto);
}

/* The oldest client: Redis lists clients in connection order, and new
 * clients are pushed at the head of srv->clients. */
static struct node_client *oldest_client(struct node_server *srv)
{
    struct node_client *cl = srv->clients;
    while (cl && cl->next)
        cl = cl->next;
    return cl;
}

static struct node_client *find_client_by_id(struct node_server *srv, uint64_t id)
{
    for (struct node_client *cl = srv->clients; cl; cl = cl->next)
        if (cl->id == id && !client_is_gone(cl))
            return cl;
    return NULL;
}

void node_cmd_client_id(struct node_client *c)
{
    node_reply_int(&c->out, (long long)c->id);
}

void node_cmd_client_setname(struct node_client *c)
{
    if (set_name(c, 2))
        node_reply_ok(&c->out);
}

void node_cmd_client_getname(struct node_client *c)
{
    if (c->name)
        node_reply_bulk_cstr(&c->out, c->name);
    else
        node_reply_null(&c->out);
}

void node_cmd_client_info(struct node_client *c)
{
    struct node_text t = {0};
    client_info_line(&t, c, c);
    node_text_reply(&t, &c->out);
}

/* CLIENT LIST ID id [id ...]: in argument order, repeats included. Every id
 * is validated before anything is listed. */
static void client_list_ids(struct node_client *c)
{
    for (int i = 3; i < c->argc; i++) {
        long long id;
        if (!node_arg_ll(c, i, &id, "ERR Invalid client ID"))
            return;
    }
    struct node_text t = {0};
    for (int i = 3; i < c->argc; i++) {
        long long id;
        node_util_parse_ll(c->argv[i], c->argl[i], &id);
        struct node_client *cl = id > 0 ? find_client_by_id(c->srv, (uint64_t)id) : NULL;
        if (cl)
            client_info_line(&t, cl, c);
    }
    node_text_reply(&t, &c->out);
}

static void reply_unknown_type(struct node_client *c, int i)
{
    node_reply_errorf(&c->out, "ERR Unknown client type '%.*s'", (int)CORE_MIN(c->argl[i], ECHO_MAX), c->argv[i]);
}

void node_cmd_client_list(struct node_client *c)
{
    enum client_type type = CT_NONE;
    if (c->argc == 4 && node_arg_is(c, 2, "type")) {
        type = parse_client_type(c->argv[3], c->argl[3]);
        if (type == CT_NONE) {
            reply_unknown_type(c, 3);
            return;
        }
    } else if (c->argc > 3 && node_arg_is(c, 2, "id")) {
        client_list_ids(c);
        return;
    } else if (c->argc != 2) {
        node_reply_error(&c->out, NODE_ERR_SYNTAX);
        return;
    }
    struct node_text t = {0};
    for (struct node_client *cl = oldest_client(c->srv); cl; cl = cl->prev) {
        if (client_is_gone(cl) || (type != CT_NONE && client_type_of(cl) != type))
            continue;
        client_info_line(&t, cl, c);
    }
    node_text_reply(&t, &c->out);
}

/* The filters of CLIENT KILL; a NULL / CT_NONE / 0 field matches everything. */
struct kill_filter {
    const char *addr, *laddr;
    size_t addr_len, laddr_len;
    enum client_type type;
    uint64_t id;
    bool skipme;
};

static bool parse_kill_option(struct node_client *c, int i, struct kill_filter *f)
{
    if (node_arg_is(c, i, "id")) {
        long long id;
        if (!node_util_parse_ll(c->argv[i + 1], c->argl[i + 1], &id) || id < 1) {
            node_reply_error(&c->out, "ERR client-id should be greater than 0");
            return false;
        }
        f->id = (uint64_t)id;
    } else if (node_arg_is(c, i, "type")) {
        f->type = parse_client_type(c->argv[i + 1], c->argl[i + 1]);
        if (f->type == CT_NONE) {
            reply_unknown_type(c, i + 1);
            return false;
        }
    } else if (node_arg_is(c, i, "addr")) {
        f->addr = c->argv[i + 1];
        f->addr_len = c->argl[i + 1];
    } else if (node_arg_is(c, i, "laddr")) {
        f->laddr = c->argv[i + 1];
        f->laddr_len = c->argl[i + 1];
    } else if (node_arg_is(c, i, "user")) {
        /* Every connection runs as "default", the only user. */
        if (c->argl[i + 1] != strlen(DEFAULT_USER) || memcmp(c->argv[i + 1], DEFAULT_USER, c->argl[i + 1]) != 0) {
            node_reply_errorf(&c->out, "ERR No such user '%.*s'", (int)CORE_MIN(c->argl[i + 1], ECHO_MAX),
                              c->argv[i + 1]);
            return false;
        }
    } else if (node_arg_is(c, i, "skipme") && (node_arg_is(c, i + 1, "yes") || node_arg_is(c, i + 1, "no"))) {
        f->skipme = node_arg_is(c, i + 1, "yes");
    } else {
        node_reply_error(&c->out, NODE_ERR_SYNTAX);
        return false;
    }
    return true;
}

static bool str_is(const char *s, const char *p, size_t plen)
{
    return strlen(s) == plen && memcmp(s, p, plen) == 0;
}

static bool kill_matches(const struct kill_filter *f, const struct node_client *cl, const struct node_client *self)
{
    if (f->addr && !str_is(cl->addr, f->addr, f->addr_len))
        return false;
    if (f->laddr && !str_is(cl->laddr, f->laddr, f->laddr_len))
        return false;
    if (f->type != CT_NONE && client_type_of(cl) != f->type)
        return false;
    if (f->id && cl->id != f->id)
        return false;
    return !(cl == self && f->skipme);
}

/*
 * CLIENT KILL ip:port            (old form: +OK or "No such client"; may kill the caller)
 * CLIENT KILL <filter> <value>...  (new form: the number killed; SKIPME yes by default)
 * The caller, if it matches, is closed after its reply is written.
 */
void node_cmd_client_kill(struct node_client *c)
{
    struct kill_filter f = {.type = CT_NONE, .skipme = true};
    bool old_form = c->argc == 3;
    if (old_form) {
        f.addr = c->argv[2];
        f.addr_len = c->argl[2];
        f.skipme = false;
    } else {
        for (int i = 2; i < c->argc; i += 2) {
            if (i + 1 >= c->argc) {
                node_reply_error(&c->out, NODE_ERR_SYNTAX);
                return;
            }
            if (!parse_kill_option(c, i, &f))
                return;
        }
    }
    long long killed = 0;
    bool kill_self = false;
    for (struct node_client *cl = c->srv->clients; cl; cl = cl->next) {
        if (client_is_gone(cl) || !kill_matches(&f, cl, c))
            continue;
        if (cl == c)
            kill_self = true;
        else
            node_client_close(cl, false);
        killed++;
    }
    if (!old_form)
        node_reply_int(&c->out, killed);
    else if (killed)
        node_reply_ok(&c->out);
    else
        node_reply_error(&c->out, "ERR No such client");
    if (kill_self)
        c->flags |= NODE_CLIENT_CLOSE_AFTER_REPLY;
}

/*
 * CLIENT PAUSE timeout [WRITE|ALL]: the mode is checked before the timeout,
 * as Redis. A timeout so large that now + timeout overflows answers +OK and
 * pauses nothing, as 7.0.15 does (its deadline wraps into the past).
 */
void node_cmd_client_pause(struct node_client *c)
{
    if (c->argc > 4) {
        node_reply_subcommand_args_error(c);
        return;
    }
    enum node_pause_type type = NODE_PAUSE_ALL;
    if (c->argc == 4) {
        if (node_arg_is(c, 3, "write")) {
            type = NODE_PAUSE_WRITE;
        } else if (!node_arg_is(c, 3, "all")) {
            node_reply_error(&c->out, "ERR CLIENT PAUSE mode must be WRITE or ALL");
            return;
        }
    }
    long long ms;
    if (!node_arg_ll(c, 2, &ms, "ERR timeout is not an integer or out of range"))
        return;
    if (ms < 0) {
        node_reply_error(&c->out, "ERR timeout is negative");
        return;
    }
    int64_t now_ms = core_time_ms();
    if (ms <= INT64_MAX - now_ms)
        node_pause_by_client(c->srv, type, now_ms + ms);
    node_reply_ok(&c->out);
}

/* Lifts only the pause CLIENT PAUSE set: a manual failover's pause on this
 * master must last until the failover ends or times out. */
void node_cmd_client_unpause(struct node_client *c)
{
    node_pause_lift(c->srv, NODE_PAUSE_BY_CLIENT);
    node_reply_ok(&c->out);
}

void node_cmd_client_help(struct node_client *c)
{
    static const char *const lines[] = {
        "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GETNAME",
        "    Return the name of the current connection.",
        "ID",
        "    Return the ID of the current connection.",
        "INFO",
        "    Return information about the current client connection.",
        "KILL <ip:port>",
        "    Kill connection made from <ip:port>.",
        "KILL <option> <value> [<option> <value> [...]]",
        "    Kill connections. Options are:",
        "    * ADDR (<ip:port>|<unixsocket>:0)",
        "      Kill connections made from the specified address",
        "    * LADDR (<ip:port>|<unixsocket>:0)",
        "      Kill connections made to specified local address",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
        "      Kill connections by type.",
        "    * USER <username>",
        "      Kill connections authenticated by <username>.",
        "    * SKIPME (YES|NO)",
        "      Skip killing current connection (default: yes).",
        "LIST [options ...]",
        "    Return information about client connections. Options:",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
        "      Return clients of specified type.",
        "UNPAUSE",
        "    Stop the current client pause, resuming traffic.",
        "PAUSE <timeout> [WRITE|ALL]",
        "    Suspend all, or just write, clients for <timeout> milliseconds.",
        "SETNAME <name>",
        "    Assign the name <name> to the current connection.",
        "HELP",
        "    Prints this help.",
    };
    reply_help(&c->out, lines, CORE_ARRAY_LEN(lines));
}
