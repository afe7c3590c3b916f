/*
 * CLUSTER NODES as the tool reads it: one line per node, the first 8
 * space-separated fields then slot entries ("A-B", "A", "[A->-id]",
 * "[A-<-id]"). Also slot-set formatting, "host:port" parsing and redis-cli's
 * agreement signature (spec cluster-tool.md §3, §3.1). Pure.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sc.h"

#define FIELDS_MAX 8

static void set_err(char *err, size_t size, const char *msg, int lineno)
{
    if (err && size)
        snprintf(err, size, "invalid CLUSTER NODES reply (line %d): %s", lineno, msg);
}

static int parse_int(const char *s, size_t n, int lo, int hi, int *ret)
{
    if (n == 0 || n > 10)
        return -EINVAL;
    long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -EINVAL;
        v = v * 10 + (s[i] - '0');
    }
    if (v < lo || v > hi)
        return -EINVAL;
    *ret = (int)v;
    return 0;
}

int sc_addr_parse(const char *s, char *host, size_t host_size, int *port)
{
    const char *end = strchr(s, '@');
    size_t n = end ? (size_t)(end - s) : strlen(s);
    const char *colon = NULL;
    for (size_t i = 0; i < n; i++)
        if (s[i] == ':')
            colon = s + i;
    if (!colon || colon == s || (size_t)(colon - s) >= host_size)
        return -EINVAL;
    int p;
    if (parse_int(colon + 1, (size_t)(s + n - colon - 1), 1, 65535, &p) < 0)
        return -EINVAL;
    memcpy(host, s, (size_t)(colon - s));
    host[colon - s] = '\0';
    *port = p;
    return 0;
}

static const struct {
    const char *name;
    unsigned flag;
} flag_names[] = {
    {"myself", SC_F_MYSELF},       {"master", SC_F_MASTER}, {"slave", SC_F_REPLICA},
    {"fail?", SC_F_PFAIL},         {"fail", SC_F_FAIL},     {"handshake", SC_F_HANDSHAKE},
    {"noaddr", SC_F_NOADDR},       {"noflags", SC_F_NOFLAGS},
};

/* The comma-separated flags field; unknown flags are ignored. */
static unsigned parse_flags(const char *s, size_t n)
{
    unsigned f = 0;
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && s[j] != ',')
            j++;
        for (size_t k = 0; k < sizeof(flag_names) / sizeof(flag_names[0]); k++)
            if (strlen(flag_names[k].name) == j - i && memcmp(s + i, flag_names[k].name, j - i) == 0)
                f |= flag_names[k].flag;
        i = j + 1;
    }
    return f;
}

static int add_open(struct sc_open_slot **arr, int *count, int slot, const char *id, size_t idlen)
{
    if (*count >= SC_OPEN_MAX || idlen > SC_ID_LEN)
        return -EPROTO;
    *arr = sc_xrealloc(*arr, (size_t)(*count + 1) * sizeof(**arr));
    (*arr)[*count].slot = slot;
    memcpy((*arr)[*count].id, id, idlen);
    (*arr)[*count].id[idlen] = '\0';
    (*count)++;
    return 0;
}

/* One slot entry of a line. */
static int parse_slot_entry(struct sc_nline *l, const char *t, size_t n)
{
    int a, b;
    if (t[0] == '[') {
        if (n < 6 || t[n - 1] != ']')
            return -EPROTO;
        const char *mid = memchr(t, '-', n);
        if (!mid || mid + 2 >= t + n)
            return -EPROTO;
        if (parse_int(t + 1, (size_t)(mid - t - 1), 0, SC_SLOTS - 1, &a) < 0)
            return -EPROTO;
        const char *id = mid + 3;
        size_t idlen = (size_t)(t + n - 1 - id);
        if (mid[1] == '>' && mid[2] == '-')
            return add_open(&l->migrating, &l->migrating_count, a, id, idlen);
        if (mid[1] == '<' && mid[2] == '-')
            return add_open(&l->importing, &l->importing_count, a, id, idlen);
        return -EPROTO;
    }
    const char *dash = memchr(t, '-', n);
    if (dash) {
        if (parse_int(t, (size_t)(dash - t), 0, SC_SLOTS - 1, &a) < 0 ||
            parse_int(dash + 1, (size_t)(t + n - dash - 1), 0, SC_SLOTS - 1, &b) < 0 || b < a)
            return -EPROTO;
    } else {
        if (parse_int(t, n, 0, SC_SLOTS - 1, &a) < 0)
            return -EPROTO;
        b = a;
    }
    for (int s = a; s <= b; s++)
        sc_slot_set(l->slots, s);
    return 0;
}

static int parse_line(struct sc_nline *l, const char *p, size_t n, int lineno, char *err, size_t err_size)
{
    const char *tok[FIELDS_MAX];
    size_t tlen[FIELDS_MAX];
    int nt = 0;
    size_t i = 0;
    while (i < n && nt < FIELDS_MAX) {
        size_t j = i;
        while (j < n && p[j] != ' ')
            j++;
        tok[nt] = p + i;
        tlen[nt] = j - i;
        nt++;
        i = j + 1;
    }
    if (nt < 3) {
        set_err(err, err_size, "fewer than 3 fields", lineno);
        return -EPROTO;
    }
    if (tlen[0] == 0 || tlen[0] > SC_ID_LEN) {
        set_err(err, err_size, "bad node id", lineno);
        return -EPROTO;
    }
    memcpy(l->id, tok[0], tlen[0]);
    char addr[SC_IP_MAX + 32];
    if (tlen[1] >= sizeof(addr)) {
        set_err(err, err_size, "address too long", lineno);
        return -EPROTO;
    }
    memcpy(addr, tok[1], tlen[1]);
    addr[tlen[1]] = '\0';
    char *at = strrchr(addr, '@');
    if (at) {
        l->cport = atoi(at + 1);
        *at = '\0';
    }
    char *colon = strrchr(addr, ':');
    if (!colon) {
        set_err(err, err_size, "address without ':'", lineno);
        return -EPROTO;
    }
    *colon = '\0';
    l->port = atoi(colon + 1);
    size_t iplen = strlen(addr);
    if (iplen >= sizeof(l->ip)) {
        set_err(err, err_size, "address too long", lineno);
        return -EPROTO;
    }
    memcpy(l->ip, addr, iplen + 1);
    l->flags = parse_flags(tok[2], tlen[2]);
    snprintf(l->flags_str, sizeof(l->flags_str), "%.*s", (int)tlen[2], tok[2]);
    if (nt > 3 && !(tlen[3] == 1 && tok[3][0] == '-') && tlen[3] <= SC_ID_LEN)
        memcpy(l->master, tok[3], tlen[3]);
    if (nt > 6)
        l->config_epoch = strtoull(tok[6], NULL, 10);
    if (nt > 7)
        l->connected = tlen[7] == 9 && memcmp(tok[7], "connected", 9) == 0;
    /* i is just past the 8th token: the rest is slot entries. */
    while (nt == FIELDS_MAX && i < n) {
        size_t j = i;
        while (j < n && p[j] != ' ')
            j++;
        if (j > i && parse_slot_entry(l, p + i, j - i) < 0) {
            set_err(err, err_size, "bad slot entry", lineno);
            return -EPROTO;
        }
        i = j + 1;
    }
    l->slots_count = sc_slots_count(l->slots);
    return 0;
}

int sc_nodes_parse(const char *text, size_t len, struct sc_nodes *ret, char *err, size_t err_size)
{
    struct sc_nodes n = {.myself = -1};
    size_t i = 0;
    int lineno = 0;
    while (i < len) {
        const char *nl = memchr(text + i, '\n', len - i);
        if (!nl)
            break; /* as redis-cli: a last line without \n is ignored */
        size_t ll = (size_t)(nl - text - i);
        lineno++;
        if (ll > 0 && text[i + ll - 1] == '\r')
            ll--;
        if (ll == 0) {
            i = (size_t)(nl - text) + 1;
            continue;
        }
        if (n.count >= SC_NODES_MAX) {
            set_err(err, err_size, "too many nodes", lineno);
            sc_nodes_free(&n);
            return -EPROTO;
        }
        n.lines = sc_xrealloc(n.lines, (size_t)(n.count + 1) * sizeof(*n.lines));
        struct sc_nline *l = &n.lines[n.count];
        memset(l, 0, sizeof(*l));
        n.count++;
        if (parse_line(l, text + i, ll, lineno, err, err_size) < 0) {
            sc_nodes_free(&n);
            return -EPROTO;
        }
        if ((l->flags & SC_F_MYSELF) && n.myself < 0)
            n.myself = n.count - 1;
        i = (size_t)(nl - text) + 1;
    }
    *ret = n;
    return 0;
}

void sc_nodes_free(struct sc_nodes *n)
{
    for (int i = 0; i < n->count; i++) {
        free(n->lines[i].migrating);
        free(n->lines[i].importing);
    }
    free(n->lines);
    n->lines = NULL;
    n->count = 0;
}

const struct sc_nline *sc_nodes_find(const struct sc_nodes *n, const char *id)
{
    for (int i = 0; i < n->count; i++)
        if (strcmp(n->lines[i].id, id) == 0)
            return &n->lines[i];
    return NULL;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "<id>:<entry>,<entry>" with entries sorted as strings, or NULL if the line
 * has no plain slot entries. */
static char *line_signature(const char *p, size_t n)
{
    char *ents[SC_SLOTS];
    int ne = 0;
    size_t i = 0;
    int field = 0;
    size_t idlen = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && p[j] != ' ')
            j++;
        if (field == 0)
            idlen = j - i;
        if (field >= FIELDS_MAX && j > i && p[i] != '[' && ne < SC_SLOTS) {
            ents[ne] = sc_xmalloc(j - i + 1);
            memcpy(ents[ne], p + i, j - i);
            ents[ne][j - i] = '\0';
            ne++;
        }
        field++;
        i = j + 1;
    }
    if (ne == 0)
        return NULL;
    qsort(ents, (size_t)ne, sizeof(*ents), cmp_str);
    struct sc_buf b = {0};
    sc_buf_append(&b, p, idlen);
    sc_buf_puts(&b, ":");
    for (int k = 0; k < ne; k++) {
        if (k)
            sc_buf_puts(&b, ",");
        sc_buf_puts(&b, ents[k]);
        free(ents[k]);
    }
    return b.data;
}

char *sc_nodes_signature(const char *text, size_t len)
{
    char **sigs = NULL;
    int ns = 0;
    size_t i = 0;
    while (i < len) {
        const char *nl = memchr(text + i, '\n', len - i);
        if (!nl)
            break;
        size_t ll = (size_t)(nl - text - i);
        if (ll > 0 && text[i + ll - 1] == '\r')
            ll--;
        char *s = ll ? line_signature(text + i, ll) : NULL;
        if (s) {
            sigs = sc_xrealloc(sigs, (size_t)(ns + 1) * sizeof(*sigs));
            sigs[ns++] = s;
        }
        i = (size_t)(nl - text) + 1;
    }
    if (ns > 1)
        qsort(sigs, (size_t)ns, sizeof(*sigs), cmp_str);
    struct sc_buf b = {0};
    sc_buf_puts(&b, "");
    for (int k = 0; k < ns; k++) {
        if (k)
            sc_buf_puts(&b, "|");
        sc_buf_puts(&b, sigs[k]);
        free(sigs[k]);
    }
    free(sigs);
    return b.data;
}

int sc_slots_count(const uint8_t *bm)
{
    int c = 0;
    for (int i = 0; i < SC_SLOTS / 8; i++)
        c += __builtin_popcount(bm[i]);
    return c;
}

static void put_range(struct sc_buf *out, int a, int b, bool bracket)
{
    if (bracket)
        sc_buf_puts(out, "[");
    if (a == b)
        sc_buf_printf(out, "%d", a);
    else
        sc_buf_printf(out, "%d-%d", a, b);
    if (bracket)
        sc_buf_puts(out, "]");
}

void sc_slots_format(struct sc_buf *out, const uint8_t *bm, const char *sep, bool bracket)
{
    bool first = true;
    sc_buf_puts(out, "");
    for (int s = 0; s < SC_SLOTS; s++) {
        if (!sc_slot_has(bm, s))
            continue;
        int e = s;
        while (e + 1 < SC_SLOTS && sc_slot_has(bm, e + 1))
            e++;
        if (!first)
            sc_buf_puts(out, sep);
        put_range(out, s, e, bracket);
        first = false;
        s = e;
    }
}

void sc_slots_json(struct sc_buf *out, const uint8_t *bm)
{
    bool first = true;
    sc_buf_puts(out, "[");
    for (int s = 0; s < SC_SLOTS; s++) {
        if (!sc_slot_has(bm, s))
            continue;
        int e = s;
        while (e + 1 < SC_SLOTS && sc_slot_has(bm, e + 1))
            e++;
        sc_buf_printf(out, "%s[%d,%d]", first ? "" : ",", s, e);
        first = false;
        s = e;
    }
    sc_buf_puts(out, "]");
}

void sc_slot_list_format(struct sc_buf *out, const int *slots, int count)
{
    sc_buf_puts(out, "");
    for (int i = 0; i < count; i++) {
        int j = i;
        while (j + 1 < count && slots[j + 1] == slots[j] + 1)
            j++;
        if (i)
            sc_buf_puts(out, ",");
        put_range(out, slots[i], slots[j], false);
        i = j;
    }
}
