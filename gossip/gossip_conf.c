/*
 * gossip_conf.c — parses and formats nodes.conf text (see gossip_conf.h for
 * the format and for how our checks differ from Redis's).
 *
 * Owns: line splitting, field validation, reference resolution (master ids
 * and slot markers to node indexes) and the byte-exact formatter. Does not
 * own any I/O or what the loaded values mean. Every failure is a returned
 * status plus a message; nothing here asserts on file bytes.
 *
 * The parser fills a heap-allocated scratch config and copies it to the
 * caller only when the whole file is good, so there is never a partial
 * result. Master ids and markers can name nodes listed further down, so
 * they are resolved after the last line: masters from per-node pointers into
 * the text, markers by reading the myself line a second time.
 */
#include "gossip/gossip_conf.h"

#include "node/core/core.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static_assert(GOSSIP_CONF_NODES_MAX < GOSSIP_CONF_NO_NODE, "indexes must not reach NO_NODE");
static_assert(GOSSIP_CONF_SLOTS - 1 <= UINT16_MAX, "slots are stored in uint16_t");

/* The longest token we quote back in an error message. */
#define QUOTE_MAX 60

/* What the first pass remembers about each node line. */
struct pending {
    size_t line;        /* 1-based line number */
    const char *master; /* 40 id chars in the text, or NULL for "-" */
};

struct parser {
    struct gossip_conf *c; /* scratch result */
    struct pending *pend;  /* pend_cap entries, one per node */
    size_t pend_cap;
    struct gossip_conf_err *err;
    size_t line;              /* current line number */
    const char *myself_text;  /* the myself line, for the marker pass */
    size_t myself_len;
    bool vars_seen;
};

/* One line's tokens: fields are separated by runs of spaces, tabs or '\r'
 * (Redis splits on any isspace; '\n' already ended the line). */
struct toks {
    const char *p;
    const char *end;
};

static const char *const flag_names[] = {
    "myself", "master", "slave", "fail?", "fail", "handshake", "noaddr", "nofailover",
};
static_assert(CORE_ARRAY_LEN(flag_names) == 8, "one name per enum gossip_conf_flag bit");

static bool is_sep(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r';
}

static bool next_tok(struct toks *t, const char **ret_tok, size_t *ret_len)
{
    while (t->p < t->end && is_sep(*t->p))
        t->p++;
    if (t->p == t->end)
        return false;
    const char *start = t->p;
    while (t->p < t->end && !is_sep(*t->p))
        t->p++;
    *ret_tok = start;
    *ret_len = (size_t)(t->p - start);
    return true;
}

static bool tok_is(const char *tok, size_t len, const char *word)
{
    return strlen(word) == len && memcmp(tok, word, len) == 0;
}

static bool tok_is_nocase(const char *tok, size_t len, const char *word)
{
    return strlen(word) == len && strncasecmp(tok, word, len) == 0;
}

/* Copies tok for an error message: at most QUOTE_MAX printable bytes. */
static void quote(char out[QUOTE_MAX + 4], const char *tok, size_t len)
{
    size_t n = CORE_MIN(len, (size_t)QUOTE_MAX);
    for (size_t i = 0; i < n; i++)
        out[i] = (tok[i] > 0x20 && tok[i] < 0x7f) ? tok[i] : '?';
    if (len > n)
        memcpy(out + n, "...", 4);
    else
        out[n] = '\0';
}

/* Sets the error text for line (0: the whole file) and returns status. */
static int fail_at(struct gossip_conf_err *err, size_t line, int status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail_at(struct gossip_conf_err *err, size_t line, int status, const char *fmt, ...)
{
    if (!err)
        return status;
    int n = line ? snprintf(err->text, sizeof(err->text), "nodes.conf line %zu: ", line)
                 : snprintf(err->text, sizeof(err->text), "nodes.conf: ");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->text + n, sizeof(err->text) - (size_t)n, fmt, ap);
    va_end(ap);
    err->line = line;
    return status;
}

/* A token quoted into a message: "<what> '<tok>'". */
static int fail_tok(struct parser *p, const char *what, const char *tok, size_t len)
{
    char q[QUOTE_MAX + 4];
    quote(q, tok, len);
    return fail_at(p->err, p->line, -EPROTO, "%s '%s'", what, q);
}

/* Plain decimal, 1 to 20 digits, at most max. */
static bool parse_u64(const char *tok, size_t len, uint64_t max, uint64_t *ret)
{
    if (len == 0 || len > 20)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (tok[i] < '0' || tok[i] > '9')
            return false;
        unsigned d = (unsigned)(tok[i] - '0');
        if (v > (max - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *ret = v;
    return true;
}

bool gossip_conf_id_is_valid(const char *id, size_t len)
{
    if (len != GOSSIP_CONF_ID_LEN)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= '0' && id[i] <= '9')))
            return false;
    }
    return true;
}

static bool is_alnum(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

bool gossip_conf_ip_is_valid(const char *ip, size_t len)
{
    if (len > GOSSIP_CONF_IP_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (!is_alnum(ip[i]) && !strchr(".:%_-", ip[i]))
            return false;
    }
    return true;
}

bool gossip_conf_hostname_is_valid(const char *hostname, size_t len)
{
    if (len == 0 || len > GOSSIP_CONF_HOSTNAME_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (!is_alnum(hostname[i]) && hostname[i] != '.' && hostname[i] != '-')
            return false;
    }
    return true;
}

void gossip_conf_init(struct gossip_conf *c)
{
    core_assert(c != NULL);
    memset(c, 0, sizeof(*c));
    c->myself_index = GOSSIP_CONF_NO_NODE;
    /* NO_NODE is all one bits */
    memset(c->slot_owner, 0xff, sizeof(c->slot_owner));
    memset(c->migrating_to, 0xff, sizeof(c->migrating_to));
    memset(c->importing_from, 0xff, sizeof(c->importing_from));
}

void gossip_conf_free(struct gossip_conf *c)
{
    if (!c)
        return;
    core_free(c->nodes);
    gossip_conf_init(c);
}

int gossip_conf_add_node(struct gossip_conf *c, const struct gossip_conf_node *node)
{
    core_assert(c != NULL && node != NULL);
    core_assert(c->node_count <= c->node_cap);
    if (c->node_count >= GOSSIP_CONF_NODES_MAX)
        return -E2BIG;
    if (c->node_count == c->node_cap) {
        size_t cap = CORE_MIN(CORE_MAX(c->node_cap * 2, (size_t)8), (size_t)GOSSIP_CONF_NODES_MAX);
        c->nodes = core_realloc(c->nodes, cap * sizeof(*c->nodes));
        c->node_cap = cap;
    }
    c->nodes[c->node_count++] = *node;
    return 0;
}

/* port: plain decimal 0..65535 (a fresh file says ":0@0"). */
static bool parse_port(const char *tok, size_t len, uint16_t *ret)
{
    uint64_t v;
    if (!parse_u64(tok, len, UINT16_MAX, &v))
        return false;
    *ret = (uint16_t)v;
    return true;
}

/* "<ip>:<port>[@<cport>][,<hostname>]": the first ',' starts the hostname,
 * the first '@' the bus port and the last ':' the port, as Redis splits it
 * (so IPv6 addresses need no brackets). */
static int parse_addr(struct parser *p, const char *tok, size_t len, struct gossip_conf_node *n)
{
    const char *end = tok + len;
    const char *comma = memchr(tok, ',', len);
    if (comma) {
        size_t hlen = (size_t)(end - comma - 1);
        if (!gossip_conf_hostname_is_valid(comma + 1, hlen))
            return fail_tok(p, "invalid hostname in address", tok, len);
        memcpy(n->hostname, comma + 1, hlen);
        n->hostname[hlen] = '\0';
        end = comma;
    }
    const char *at = memchr(tok, '@', (size_t)(end - tok));
    const char *ipport_end = at ? at : end;
    const char *colon = NULL;
    for (const char *q = tok; q < ipport_end; q++) {
        if (*q == ':')
            colon = q;
    }
    if (!colon)
        return fail_tok(p, "address has no ':port' in", tok, len);
    size_t iplen = (size_t)(colon - tok);
    if (!gossip_conf_ip_is_valid(tok, iplen))
        return fail_tok(p, "invalid IP in address", tok, len);
    memcpy(n->ip, tok, iplen);
    n->ip[iplen] = '\0';
    if (!parse_port(colon + 1, (size_t)(ipport_end - colon - 1), &n->port))
        return fail_tok(p, "invalid port in address", tok, len);
    if (at) {
        if (!parse_port(at + 1, (size_t)(end - at - 1), &n->cport))
            return fail_tok(p, "invalid bus port in address", tok, len);
    } else {
        /* no "@cport": Redis's default bus port offset */
        if (n->port > UINT16_MAX - 10000)
            return fail_tok(p, "no bus port and port + 10000 overflows in address", tok, len);
        n->cport = (uint16_t)(n->port + 10000);
    }
    return 0;
}

/* "master,slave,..." in any order, or "noflags" alone. */
static int parse_flags(struct parser *p, const char *tok, size_t len, uint32_t *ret)
{
    if (tok_is(tok, len, "noflags")) {
        *ret = 0;
        return 0;
    }
    uint32_t flags = 0;
    const char *f = tok, *end = tok + len;
    for (;;) {
        const char *comma = memchr(f, ',', (size_t)(end - f));
        const char *fend = comma ? comma : end;
        size_t flen = (size_t)(fend - f);
        size_t i = 0;
        while (i < CORE_ARRAY_LEN(flag_names) && !tok_is(f, flen, flag_names[i]))
            i++;
        if (i == CORE_ARRAY_LEN(flag_names)) {
            if (tok_is(f, flen, "noflags"))
                return fail_tok(p, "'noflags' combined with other flags in", tok, len);
            return fail_tok(p, "unknown flag", f, flen);
        }
        if (flags & (1u << i))
            return fail_tok(p, "duplicate flag", f, flen);
        flags |= 1u << i;
        if (!comma)
            break;
        f = comma + 1;
    }
    *ret = flags;
    return 0;
}

/* A slot number 0..16383, plain decimal. */
static bool parse_slot(const char *tok, size_t len, uint16_t *ret)
{
    uint64_t v;
    if (!parse_u64(tok, len, GOSSIP_CONF_SLOTS - 1, &v))
        return false;
    *ret = (uint16_t)v;
    return true;
}

/* "[S->-<id>]" or "[S-<-<id>]": sets *ret_slot, *ret_migrating, *ret_id. */
static bool parse_marker(const char *tok, size_t len, uint16_t *ret_slot, bool *ret_migrating,
                         const char **ret_id)
{
    if (len < 2 || tok[0] != '[' || tok[len - 1] != ']')
        return false;
    const char *dash = memchr(tok, '-', len);
    if (!dash || (size_t)(tok + len - dash) != 3 + GOSSIP_CONF_ID_LEN + 1)
        return false;
    bool migrating = memcmp(dash, "->-", 3) == 0;
    if (!migrating && memcmp(dash, "-<-", 3) != 0)
        return false;
    if (!parse_slot(tok + 1, (size_t)(dash - tok - 1), ret_slot))
        return false;
    if (!gossip_conf_id_is_valid(dash + 3, GOSSIP_CONF_ID_LEN))
        return false;
    *ret_migrating = migrating;
    *ret_id = dash + 3;
    return true;
}

/* "S" or "A-B": gives node index the slots. */
static int parse_slots(struct parser *p, const char *tok, size_t len, uint16_t index)
{
    uint16_t first, last;
    const char *dash = memchr(tok, '-', len);
    if (!dash) {
        if (!parse_slot(tok, len, &first))
            return fail_tok(p, "invalid slot", tok, len);
        last = first;
    } else {
        if (!parse_slot(tok, (size_t)(dash - tok), &first) ||
            !parse_slot(dash + 1, (size_t)(tok + len - dash - 1), &last))
            return fail_tok(p, "invalid slot range", tok, len);
        if (first > last)
            return fail_tok(p, "slot range ends before it starts:", tok, len);
    }
    for (uint32_t s = first; s <= last; s++) {
        uint16_t owner = p->c->slot_owner[s];
        if (owner != GOSSIP_CONF_NO_NODE) {
            return fail_at(p->err, p->line, -EPROTO, "slot %u listed twice (also on line %zu)",
                           (unsigned)s, p->pend[owner].line);
        }
        p->c->slot_owner[s] = index;
    }
    return 0;
}

/* The tokens after the link state: slots, and markers on the myself line.
 * Markers are only checked for form here; the second pass resolves them. */
static int parse_slot_list(struct parser *p, struct toks *t, const struct gossip_conf_node *n,
                           uint16_t index)
{
    const char *tok;
    size_t len;
    while (next_tok(t, &tok, &len)) {
        int rc;
        if (tok[0] == '[') {
            uint16_t slot;
            bool migrating;
            const char *id;
            if (!(n->flags & GOSSIP_CONF_MYSELF))
                return fail_tok(p, "slot marker on a line that is not myself:", tok, len);
            if (!parse_marker(tok, len, &slot, &migrating, &id))
                return fail_tok(p, "invalid slot marker", tok, len);
            continue;
        }
        rc = parse_slots(p, tok, len, index);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* Fields 1 and 2 (id, address) and 3 (flags). */
static int parse_head(struct parser *p, const char *const *tok, const size_t *len,
                      struct gossip_conf_node *n)
{
    if (!gossip_conf_id_is_valid(tok[0], len[0]))
        return fail_tok(p, "invalid node id", tok[0], len[0]);
    memcpy(n->id, tok[0], GOSSIP_CONF_ID_LEN);
    n->id[GOSSIP_CONF_ID_LEN] = '\0';
    int rc = parse_addr(p, tok[1], len[1], n);
    if (rc < 0)
        return rc;
    return parse_flags(p, tok[2], len[2], &n->flags);
}

/* Fields 4 to 8: master, ping, pong, config epoch, link state. */
static int parse_tail(struct parser *p, const char *const *tok, const size_t *len,
                      struct gossip_conf_node *n, struct pending *pend)
{
    uint64_t v;
    if (tok_is(tok[3], len[3], "-")) {
        pend->master = NULL;
    } else if (gossip_conf_id_is_valid(tok[3], len[3])) {
        pend->master = tok[3];
    } else {
        return fail_tok(p, "invalid master id", tok[3], len[3]);
    }
    if (!parse_u64(tok[4], len[4], INT64_MAX, &v))
        return fail_tok(p, "invalid ping-sent time", tok[4], len[4]);
    n->ping_sent_ms = (int64_t)v;
    if (!parse_u64(tok[5], len[5], INT64_MAX, &v))
        return fail_tok(p, "invalid pong-received time", tok[5], len[5]);
    n->pong_recv_ms = (int64_t)v;
    if (!parse_u64(tok[6], len[6], UINT64_MAX, &n->config_epoch))
        return fail_tok(p, "invalid config epoch", tok[6], len[6]);
    if (tok_is(tok[7], len[7], "connected"))
        n->link_connected = true;
    else if (tok_is(tok[7], len[7], "disconnected"))
        n->link_connected = false;
    else
        return fail_tok(p, "invalid link state", tok[7], len[7]);
    return 0;
}

static int parse_node_line(struct parser *p, const char *text, size_t len)
{
    struct toks t = {text, text + len};
    const char *tok[8];
    size_t tlen[8];
    size_t count = 0;
    while (count < 8 && next_tok(&t, &tok[count], &tlen[count]))
        count++;
    if (count < 8) {
        return fail_at(p->err, p->line, -EPROTO,
                       "node line has %zu fields, needs at least 8 (truncated?)", count);
    }
    struct gossip_conf *c = p->c;
    if (c->node_count >= GOSSIP_CONF_NODES_MAX)
        return fail_at(p->err, p->line, -E2BIG, "more than %d nodes", GOSSIP_CONF_NODES_MAX);
    struct gossip_conf_node n;
    memset(&n, 0, sizeof(n));
    struct pending pend = {.line = p->line};
    int rc = parse_head(p, tok, tlen, &n);
    if (rc == 0)
        rc = parse_tail(p, tok, tlen, &n, &pend);
    if (rc < 0)
        return rc;
    uint16_t index = (uint16_t)c->node_count;
    if (n.flags & GOSSIP_CONF_MYSELF) {
        if (c->myself_index != GOSSIP_CONF_NO_NODE) {
            return fail_at(p->err, p->line, -EPROTO, "a second myself node (first on line %zu)",
                           p->pend[c->myself_index].line);
        }
        c->myself_index = index;
        p->myself_text = text;
        p->myself_len = len;
    }
    rc = gossip_conf_add_node(c, &n);
    core_assert(rc == 0); /* the count was checked above */
    if (p->pend_cap < c->node_cap) {
        p->pend = core_realloc(p->pend, c->node_cap * sizeof(*p->pend));
        p->pend_cap = c->node_cap;
    }
    p->pend[index] = pend;
    return parse_slot_list(p, &t, &n, index);
}

/* "vars name value ...": currentEpoch and lastVoteEpoch each exactly once;
 * unknown names are skipped, as Redis does. */
static int parse_vars_line(struct parser *p, struct toks *t)
{
    const char *name, *value;
    size_t nlen, vlen;
    bool have_current = false, have_vote = false;
    while (next_tok(t, &name, &nlen)) {
        if (!next_tok(t, &value, &vlen))
            return fail_tok(p, "vars line: no value for", name, nlen);
        bool current = tok_is_nocase(name, nlen, "currentEpoch");
        bool vote = tok_is_nocase(name, nlen, "lastVoteEpoch");
        if (!current && !vote)
            continue;
        if ((current && have_current) || (vote && have_vote))
            return fail_tok(p, "vars line names twice", name, nlen);
        uint64_t *dst = current ? &p->c->current_epoch : &p->c->last_vote_epoch;
        if (!parse_u64(value, vlen, UINT64_MAX, dst))
            return fail_tok(p, "vars line: invalid epoch", value, vlen);
        have_current |= current;
        have_vote |= vote;
    }
    if (!have_current || !have_vote) {
        return fail_at(p->err, p->line, -EPROTO, "vars line lacks %s",
                       have_current ? "lastVoteEpoch" : "currentEpoch");
    }
    p->vars_seen = true;
    return 0;
}

/* Refuses bytes Redis never writes: control bytes, quotes (Redis would
 * unquote them), DEL and non-ASCII. */
static int check_bytes(struct parser *p, const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)text[i];
        if (is_sep((char)ch))
            continue;
        if (ch <= 0x20 || ch >= 0x7f || ch == '"' || ch == '\'') {
            return fail_at(p->err, p->line, -EPROTO, "unexpected byte 0x%02x at column %zu",
                           ch, i + 1);
        }
    }
    return 0;
}

static int parse_line(struct parser *p, const char *text, size_t len)
{
    if (len == 0)
        return 0; /* blank lines: Redis skips them; in-place rewrites pad with '\n' */
    int rc = check_bytes(p, text, len);
    if (rc < 0)
        return rc;
    struct toks t = {text, text + len};
    const char *first;
    size_t flen;
    if (!next_tok(&t, &first, &flen))
        return fail_at(p->err, p->line, -EPROTO, "line holds only whitespace");
    if (p->vars_seen)
        return fail_at(p->err, p->line, -EPROTO, "text after the vars line");
    if (tok_is_nocase(first, flen, "vars"))
        return parse_vars_line(p, &t);
    return parse_node_line(p, text, len);
}

static int cmp_node_ptr(const void *a, const void *b)
{
    const struct gossip_conf_node *const *x = a, *const *y = b;
    return memcmp((*x)->id, (*y)->id, GOSSIP_CONF_ID_LEN);
}

/* Nodes sorted by id, for duplicate checks and lookups. core_malloc'd. */
static const struct gossip_conf_node **sort_by_id(const struct gossip_conf *c)
{
    const struct gossip_conf_node **v = core_malloc(CORE_MAX(c->node_count, (size_t)1) * sizeof(*v));
    for (size_t i = 0; i < c->node_count; i++)
        v[i] = &c->nodes[i];
    qsort(v, c->node_count, sizeof(*v), cmp_node_ptr);
    return v;
}

/* The index of the node with id, or GOSSIP_CONF_NO_NODE. */
static uint16_t lookup(const struct gossip_conf *c, const struct gossip_conf_node **sorted,
                       const char *id)
{
    size_t lo = 0, hi = c->node_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int d = memcmp(sorted[mid]->id, id, GOSSIP_CONF_ID_LEN);
        if (d == 0)
            return (uint16_t)(sorted[mid] - c->nodes);
        if (d < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return GOSSIP_CONF_NO_NODE;
}

/* The first id (by line) that is listed twice. */
static int check_unique(struct parser *p, const struct gossip_conf_node **sorted)
{
    const struct gossip_conf *c = p->c;
    size_t worst = SIZE_MAX; /* the later copy of the earliest-noticed dup */
    size_t first = 0;
    for (size_t i = 1; i < c->node_count; i++) {
        if (cmp_node_ptr(&sorted[i - 1], &sorted[i]) != 0)
            continue;
        size_t a = (size_t)(sorted[i - 1] - c->nodes), b = (size_t)(sorted[i] - c->nodes);
        size_t later = CORE_MAX(a, b), earlier = CORE_MIN(a, b);
        if (worst == SIZE_MAX || later < worst) {
            worst = later;
            first = earlier;
        }
    }
    if (worst == SIZE_MAX)
        return 0;
    return fail_at(p->err, p->pend[worst].line, -EPROTO, "duplicate node id '%s' (also on line %zu)",
                   c->nodes[worst].id, p->pend[first].line);
}

static int resolve_masters(struct parser *p, const struct gossip_conf_node **sorted)
{
    struct gossip_conf *c = p->c;
    for (size_t i = 0; i < c->node_count; i++) {
        c->nodes[i].master_index = GOSSIP_CONF_NO_NODE;
        if (!p->pend[i].master)
            continue;
        uint16_t m = lookup(c, sorted, p->pend[i].master);
        p->line = p->pend[i].line;
        if (m == GOSSIP_CONF_NO_NODE)
            return fail_tok(p, "master id names no listed node:", p->pend[i].master, GOSSIP_CONF_ID_LEN);
        if (m == i)
            return fail_at(p->err, p->line, -EPROTO, "node is its own master");
        c->nodes[i].master_index = m;
    }
    return 0;
}

/* Second pass over the myself line: markers to node indexes. */
static int resolve_markers(struct parser *p, const struct gossip_conf_node **sorted)
{
    struct gossip_conf *c = p->c;
    struct toks t = {p->myself_text, p->myself_text + p->myself_len};
    const char *tok;
    size_t len;
    p->line = p->pend[c->myself_index].line;
    while (next_tok(&t, &tok, &len)) {
        uint16_t slot;
        bool migrating;
        const char *id;
        if (tok[0] != '[')
            continue;
        bool ok = parse_marker(tok, len, &slot, &migrating, &id);
        core_assert(ok); /* the first pass checked the form */
        uint16_t target = lookup(c, sorted, id);
        if (target == GOSSIP_CONF_NO_NODE)
            return fail_tok(p, "slot marker names no listed node:", tok, len);
        if (target == c->myself_index)
            return fail_tok(p, "slot marker names myself:", tok, len);
        if (c->migrating_to[slot] != GOSSIP_CONF_NO_NODE ||
            c->importing_from[slot] != GOSSIP_CONF_NO_NODE)
            return fail_at(p->err, p->line, -EPROTO, "slot %u has two markers", (unsigned)slot);
        if (migrating)
            c->migrating_to[slot] = target;
        else
            c->importing_from[slot] = target;
    }
    return 0;
}

static int parse_finish(struct parser *p)
{
    struct gossip_conf *c = p->c;
    if (!p->vars_seen)
        return fail_at(p->err, 0, -EPROTO, "no vars line (truncated file?)");
    if (c->myself_index == GOSSIP_CONF_NO_NODE)
        return fail_at(p->err, 0, -EPROTO, "no node is marked myself");
    const struct gossip_conf_node **sorted = sort_by_id(c);
    int rc = check_unique(p, sorted);
    if (rc == 0)
        rc = resolve_masters(p, sorted);
    if (rc == 0)
        rc = resolve_markers(p, sorted);
    core_free(sorted);
    return rc;
}

/* Splits text into '\n'-terminated lines and parses each. */
static int parse_lines(struct parser *p, const char *text, size_t len)
{
    size_t off = 0;
    for (p->line = 1; off < len; p->line++) {
        size_t avail = len - off;
        size_t scan = CORE_MIN(avail, (size_t)GOSSIP_CONF_LINE_MAX + 1);
        const char *nl = memchr(text + off, '\n', scan);
        if (!nl && scan > GOSSIP_CONF_LINE_MAX) {
            return fail_at(p->err, p->line, -E2BIG, "line longer than %d bytes",
                           GOSSIP_CONF_LINE_MAX);
        }
        if (!nl)
            return fail_at(p->err, p->line, -EPROTO, "last line has no newline (truncated file?)");
        size_t llen = (size_t)(nl - (text + off));
        int rc = parse_line(p, text + off, llen);
        if (rc < 0)
            return rc;
        off += llen + 1;
    }
    return 0;
}

int gossip_conf_parse(const char *text, size_t len, struct gossip_conf *ret,
                      struct gossip_conf_err *err)
{
    core_assert(ret != NULL && (text != NULL || len == 0));
    if (len == 0)
        return fail_at(err, 0, -ENODATA, "empty file (no configuration yet)");
    struct parser p;
    memset(&p, 0, sizeof(p));
    p.c = core_malloc(sizeof(*p.c));
    gossip_conf_init(p.c);
    p.err = err;
    int rc = parse_lines(&p, text, len);
    if (rc == 0)
        rc = parse_finish(&p);
    core_free(p.pend);
    if (rc == 0) {
        core_debug_assert(gossip_conf_check(p.c, NULL) == 0);
        *ret = *p.c;
    } else {
        gossip_conf_free(p.c);
    }
    core_free(p.c);
    return rc;
}

/* The per-node part of gossip_conf_check(). */
static int check_node(const struct gossip_conf *c, size_t i, struct gossip_conf_err *err)
{
    const struct gossip_conf_node *n = &c->nodes[i];
    if (strnlen(n->id, sizeof(n->id)) != GOSSIP_CONF_ID_LEN ||
        !gossip_conf_id_is_valid(n->id, GOSSIP_CONF_ID_LEN))
        return fail_at(err, 0, -EINVAL, "node %zu: invalid id", i);
    size_t iplen = strnlen(n->ip, sizeof(n->ip));
    if (iplen == sizeof(n->ip) || !gossip_conf_ip_is_valid(n->ip, iplen))
        return fail_at(err, 0, -EINVAL, "node %zu: invalid IP", i);
    size_t hlen = strnlen(n->hostname, sizeof(n->hostname));
    if (hlen == sizeof(n->hostname) || (hlen > 0 && !gossip_conf_hostname_is_valid(n->hostname, hlen)))
        return fail_at(err, 0, -EINVAL, "node %zu: invalid hostname", i);
    if (n->flags & ~GOSSIP_CONF_FLAGS_ALL)
        return fail_at(err, 0, -EINVAL, "node %zu: unknown flag bits", i);
    if (((n->flags & GOSSIP_CONF_MYSELF) != 0) != (i == c->myself_index))
        return fail_at(err, 0, -EINVAL, "node %zu: myself flag disagrees with myself_index", i);
    if (n->ping_sent_ms < 0 || n->pong_recv_ms < 0)
        return fail_at(err, 0, -EINVAL, "node %zu: negative ping/pong time", i);
    if (n->master_index != GOSSIP_CONF_NO_NODE && (n->master_index >= c->node_count || n->master_index == i))
        return fail_at(err, 0, -EINVAL, "node %zu: bad master_index", i);
    return 0;
}

static int check_slots(const struct gossip_conf *c, struct gossip_conf_err *err)
{
    for (size_t s = 0; s < GOSSIP_CONF_SLOTS; s++) {
        uint16_t owner = c->slot_owner[s], mig = c->migrating_to[s], imp = c->importing_from[s];
        if (owner != GOSSIP_CONF_NO_NODE && owner >= c->node_count)
            return fail_at(err, 0, -EINVAL, "slot %zu: bad owner", s);
        if (mig != GOSSIP_CONF_NO_NODE && (mig >= c->node_count || mig == c->myself_index))
            return fail_at(err, 0, -EINVAL, "slot %zu: bad migrating target", s);
        if (imp != GOSSIP_CONF_NO_NODE && (imp >= c->node_count || imp == c->myself_index))
            return fail_at(err, 0, -EINVAL, "slot %zu: bad importing source", s);
        /* the file holds one marker per slot */
        if (mig != GOSSIP_CONF_NO_NODE && imp != GOSSIP_CONF_NO_NODE)
            return fail_at(err, 0, -EINVAL, "slot %zu: both migrating and importing", s);
    }
    return 0;
}

int gossip_conf_check(const struct gossip_conf *c, struct gossip_conf_err *err)
{
    core_assert(c != NULL);
    if (c->node_count > GOSSIP_CONF_NODES_MAX || (c->node_count > 0 && !c->nodes))
        return fail_at(err, 0, -EINVAL, "bad node count");
    if (c->myself_index >= c->node_count)
        return fail_at(err, 0, -EINVAL, "no myself node");
    for (size_t i = 0; i < c->node_count; i++) {
        int rc = check_node(c, i, err);
        if (rc < 0)
            return rc;
    }
    const struct gossip_conf_node **sorted = sort_by_id(c);
    int rc = 0;
    for (size_t i = 1; i < c->node_count && rc == 0; i++) {
        if (cmp_node_ptr(&sorted[i - 1], &sorted[i]) == 0)
            rc = fail_at(err, 0, -EINVAL, "duplicate node id '%s'", sorted[i]->id);
    }
    core_free(sorted);
    return rc < 0 ? rc : check_slots(c, err);
}

static bool node_is_equal(const struct gossip_conf_node *a, const struct gossip_conf_node *b)
{
    return strcmp(a->id, b->id) == 0 && strcmp(a->ip, b->ip) == 0 &&
           strcmp(a->hostname, b->hostname) == 0 && a->port == b->port && a->cport == b->cport &&
           a->flags == b->flags && a->master_index == b->master_index &&
           a->ping_sent_ms == b->ping_sent_ms && a->pong_recv_ms == b->pong_recv_ms &&
           a->config_epoch == b->config_epoch && a->link_connected == b->link_connected;
}

bool gossip_conf_is_equal(const struct gossip_conf *a, const struct gossip_conf *b)
{
    core_assert(a != NULL && b != NULL);
    if (a->node_count != b->node_count || a->myself_index != b->myself_index ||
        a->current_epoch != b->current_epoch || a->last_vote_epoch != b->last_vote_epoch)
        return false;
    if (memcmp(a->slot_owner, b->slot_owner, sizeof(a->slot_owner)) != 0 ||
        memcmp(a->migrating_to, b->migrating_to, sizeof(a->migrating_to)) != 0 ||
        memcmp(a->importing_from, b->importing_from, sizeof(a->importing_from)) != 0)
        return false;
    for (size_t i = 0; i < a->node_count; i++) {
        if (!node_is_equal(&a->nodes[i], &b->nodes[i]))
            return false;
    }
    return true;
}

/* A growing output buffer. */
struct out {
    char *p;
    size_t len;
    size_t cap;
};

static void out_mem(struct out *o, const char *s, size_t n)
{
    if (o->cap - o->len < n + 1) {
        size_t cap = CORE_MAX(o->cap * 2, o->len + n + 1);
        o->p = core_realloc(o->p, cap);
        o->cap = cap;
    }
    memcpy(o->p + o->len, s, n);
    o->len += n;
    o->p[o->len] = '\0';
}

static void out_str(struct out *o, const char *s)
{
    out_mem(o, s, strlen(s));
}

static void out_u64(struct out *o, uint64_t v)
{
    char tmp[24];
    size_t i = sizeof(tmp);
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    out_mem(o, tmp + i, sizeof(tmp) - i);
}

static void out_flags(struct out *o, uint32_t flags)
{
    if (flags == 0) {
        out_str(o, "noflags");
        return;
    }
    bool first = true;
    for (size_t i = 0; i < CORE_ARRAY_LEN(flag_names); i++) {
        if (!(flags & (1u << i)))
            continue;
        if (!first)
            out_mem(o, ",", 1);
        out_str(o, flag_names[i]);
        first = false;
    }
}

/* A maximal run of slots with one owner. */
struct run {
    uint16_t first;
    uint16_t last;
};

/*
 * Every node's slot runs, grouped by owner in slot order: node i's runs are
 * runs[start[i]] .. runs[start[i + 1] - 1]. One pass over the slots instead
 * of one per node. Both arrays are core_malloc'd.
 */
static struct run *slot_runs(const struct gossip_conf *c, size_t **ret_start)
{
    size_t *start = core_calloc(c->node_count + 1, sizeof(*start));
    size_t *cursor = core_calloc(c->node_count + 1, sizeof(*cursor));
    struct run *runs = core_malloc(GOSSIP_CONF_SLOTS * sizeof(*runs));
    for (size_t s = 0; s < GOSSIP_CONF_SLOTS; s++) {
        uint16_t o = c->slot_owner[s];
        if (o != GOSSIP_CONF_NO_NODE && (s == 0 || c->slot_owner[s - 1] != o))
            start[o + 1]++;
    }
    for (size_t i = 0; i < c->node_count; i++)
        start[i + 1] += start[i];
    memcpy(cursor, start, (c->node_count + 1) * sizeof(*cursor));
    for (size_t s = 0; s < GOSSIP_CONF_SLOTS; s++) {
        uint16_t o = c->slot_owner[s];
        if (o == GOSSIP_CONF_NO_NODE)
            continue;
        if (s == 0 || c->slot_owner[s - 1] != o)
            runs[cursor[o]++] = (struct run){(uint16_t)s, (uint16_t)s};
        else
            runs[cursor[o] - 1].last = (uint16_t)s;
    }
    core_free(cursor);
    *ret_start = start;
    return runs;
}

static void out_markers(struct out *o, const struct gossip_conf *c)
{
    for (size_t s = 0; s < GOSSIP_CONF_SLOTS; s++) {
        uint16_t mig = c->migrating_to[s], imp = c->importing_from[s];
        if (mig == GOSSIP_CONF_NO_NODE && imp == GOSSIP_CONF_NO_NODE)
            continue;
        out_str(o, " [");
        out_u64(o, s);
        out_str(o, mig != GOSSIP_CONF_NO_NODE ? "->-" : "-<-");
        out_str(o, c->nodes[mig != GOSSIP_CONF_NO_NODE ? mig : imp].id);
        out_mem(o, "]", 1);
    }
}

static void out_node(struct out *o, const struct gossip_conf *c, size_t i, const struct run *runs,
                     const size_t *start)
{
    const struct gossip_conf_node *n = &c->nodes[i];
    out_str(o, n->id);
    out_mem(o, " ", 1);
    out_str(o, n->ip);
    out_mem(o, ":", 1);
    out_u64(o, n->port);
    out_mem(o, "@", 1);
    out_u64(o, n->cport);
    if (n->hostname[0]) {
        out_mem(o, ",", 1);
        out_str(o, n->hostname);
    }
    out_mem(o, " ", 1);
    out_flags(o, n->flags);
    out_mem(o, " ", 1);
    out_str(o, n->master_index == GOSSIP_CONF_NO_NODE ? "-" : c->nodes[n->master_index].id);
    out_mem(o, " ", 1);
    out_u64(o, (uint64_t)n->ping_sent_ms);
    out_mem(o, " ", 1);
    out_u64(o, (uint64_t)n->pong_recv_ms);
    out_mem(o, " ", 1);
    out_u64(o, n->config_epoch);
    out_str(o, n->link_connected ? " connected" : " disconnected");
    for (size_t r = start[i]; r < start[i + 1]; r++) {
        out_mem(o, " ", 1);
        out_u64(o, runs[r].first);
        if (runs[r].last != runs[r].first) {
            out_mem(o, "-", 1);
            out_u64(o, runs[r].last);
        }
    }
    if (i == c->myself_index)
        out_markers(o, c);
    out_mem(o, "\n", 1);
}

int gossip_conf_format(const struct gossip_conf *c, char **ret_text, size_t *ret_len)
{
    core_assert(c != NULL && ret_text != NULL && ret_len != NULL);
    if (gossip_conf_check(c, NULL) < 0)
        return -EINVAL;
    struct out o = {NULL, 0, 0};
    size_t *start;
    struct run *runs = slot_runs(c, &start);
    for (size_t i = 0; i < c->node_count; i++)
        out_node(&o, c, i, runs, start);
    core_free(runs);
    core_free(start);
    out_str(&o, "vars currentEpoch ");
    out_u64(&o, c->current_epoch);
    out_str(&o, " lastVoteEpoch ");
    out_u64(&o, c->last_vote_epoch);
    out_mem(&o, "\n", 1);
    *ret_text = o.p;
    *ret_len = o.len;
    return 0;
}
