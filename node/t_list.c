/*
 * t_list.c — the list value (see t_list.h for the layout and what is not
 * done) and its hooks in node_list_type: OBJECT ENCODING, RDB QUICKLIST_2
 * write, loading of every RDB list encoding, DEBUG DIGEST, COPY, free.
 */
#include "node/t_list.h"

#include <string.h>

#include "node/config.h"
#include "node/core/core.h"
#include "node/digest.h"
#include "node/obj.h"
#include "replication/rdb.h"

/* Redis 7.0's byte budgets of list-max-listpack-size -1..-5, and the cap a
 * positive (entry count) fill still keeps nodes under. */
static const size_t fill_bytes[] = {4096, 8192, 16384, 32768, 65536};
#define LIST_SAFETY_BYTES 8192
#define LIST_FILL_MAX (1 << 15)

struct node_list_node {
    struct node_list_node *prev, *next;
    unsigned char *lp;
    uint32_t count;
};

struct node_list {
    struct node_list_node *head, *tail;
    size_t len;
    uint32_t nnodes;
    int32_t fill;
};

struct node_list *node_list_new(int fill)
{
    struct node_list *l = core_calloc(1, sizeof(*l));
    if (fill < -5)
        fill = -5;
    if (fill == 0)
        fill = 1;
    if (fill > LIST_FILL_MAX)
        fill = LIST_FILL_MAX;
    l->fill = fill;
    return l;
}

static void node_free(struct node_list_node *nd)
{
    ds_lp_free(nd->lp);
    core_free(nd);
}

void node_list_free(struct node_list *l)
{
    if (!l)
        return;
    struct node_list_node *nd = l->head;
    while (nd) {
        struct node_list_node *next = nd->next;
        node_free(nd);
        nd = next;
    }
    core_free(l);
}

size_t node_list_len(const struct node_list *l)
{
    return l->len;
}

size_t node_list_node_count(const struct node_list *l)
{
    return l->nnodes;
}

/* Would a node of count entries and bytes listpack bytes be within the fill? */
static bool within_fill(const struct node_list *l, size_t count, size_t bytes)
{
    if (l->fill < 0)
        return bytes <= fill_bytes[-l->fill - 1];
    return count <= (size_t)l->fill && bytes <= LIST_SAFETY_BYTES;
}

static bool node_has_room(const struct node_list *l, const struct node_list_node *nd, const void *s, size_t n)
{
    return within_fill(l, nd->count + 1, ds_lp_bytes(nd->lp) + ds_lp_entry_size(s, n));
}

/* Links a new empty node after `after` (NULL: as the new head). */
static struct node_list_node *node_insert_after(struct node_list *l, struct node_list_node *after)
{
    struct node_list_node *nd = core_calloc(1, sizeof(*nd));
    nd->lp = ds_lp_new();
    nd->prev = after;
    nd->next = after ? after->next : l->head;
    if (nd->next)
        nd->next->prev = nd;
    else
        l->tail = nd;
    if (after)
        after->next = nd;
    else
        l->head = nd;
    l->nnodes++;
    return nd;
}

static void node_unlink(struct node_list *l, struct node_list_node *nd)
{
    if (nd->prev)
        nd->prev->next = nd->next;
    else
        l->head = nd->next;
    if (nd->next)
        nd->next->prev = nd->prev;
    else
        l->tail = nd->prev;
    l->nnodes--;
    node_free(nd);
}

void node_list_push(struct node_list *l, const void *s, size_t n, bool head)
{
    struct node_list_node *nd = head ? l->head : l->tail;
    if (!nd || !node_has_room(l, nd, s, n))
        nd = node_insert_after(l, head ? NULL : l->tail);
    nd->lp = head ? ds_lp_prepend(nd->lp, s, n) : ds_lp_append(nd->lp, s, n);
    nd->count++;
    l->len++;
}

struct node_list *node_list_dup(const struct node_list *l)
{
    struct node_list *d = node_list_new(l->fill);
    for (const struct node_list_node *nd = l->head; nd; nd = nd->next) {
        struct node_list_node *c = node_insert_after(d, d->tail);
        ds_lp_free(c->lp);
        c->lp = ds_lp_dup(nd->lp);
        c->count = nd->count;
    }
    d->len = l->len;
    return d;
}

/* The node holding index, and the index inside it; walks from the nearer end. */
static struct node_list_node *node_at(const struct node_list *l, size_t index, size_t *off)
{
    struct node_list_node *nd;
    if (index < l->len / 2) {
        nd = l->head;
        while (index >= nd->count) {
            index -= nd->count;
            nd = nd->next;
        }
        *off = index;
        return nd;
    }
    size_t from_tail = l->len - 1 - index;
    nd = l->tail;
    while (from_tail >= nd->count) {
        from_tail -= nd->count;
        nd = nd->prev;
    }
    *off = nd->count - 1 - from_tail;
    return nd;
}

void node_list_del_range(struct node_list *l, size_t start, size_t count)
{
    core_assert(start + count <= l->len);
    if (count == 0)
        return;
    size_t off;
    struct node_list_node *nd = node_at(l, start, &off);
    while (count > 0) {
        struct node_list_node *next = nd->next;
        size_t take = nd->count - off;
        if (take > count)
            take = count;
        if (take == nd->count) {
            node_unlink(l, nd);
        } else {
            nd->lp = ds_lp_delete_range(nd->lp, (long long)off, take);
            nd->count -= (uint32_t)take;
        }
        l->len -= take;
        count -= take;
        off = 0;
        nd = next;
    }
}

/* ---- iteration ---- */

void node_list_iter_init(struct node_list_iter *it, struct node_list *l, size_t index, bool forward)
{
    it->l = l;
    it->forward = forward;
    it->node = NULL;
    it->p = NULL;
    if (index >= l->len)
        return;
    size_t off;
    it->node = node_at(l, index, &off);
    it->p = ds_lp_seek(it->node->lp, (long long)off);
}

bool node_list_iter_done(const struct node_list_iter *it)
{
    return it->node == NULL;
}

const unsigned char *node_list_iter_get(const struct node_list_iter *it, unsigned char *buf, size_t *len)
{
    return ds_lp_get_str(it->p, buf, len);
}

bool node_list_iter_eq(const struct node_list_iter *it, const void *s, size_t n)
{
    return ds_lp_eq(it->p, s, n);
}

/* Moves to the first (forward) or last entry of the following node. */
static void iter_next_node(struct node_list_iter *it, struct node_list_node *nd)
{
    it->node = nd;
    it->p = nd ? (it->forward ? ds_lp_first(nd->lp) : ds_lp_last(nd->lp)) : NULL;
}

void node_list_iter_next(struct node_list_iter *it)
{
    struct node_list_node *nd = it->node;
    it->p = it->forward ? ds_lp_next(nd->lp, it->p) : ds_lp_prev(nd->lp, it->p);
    if (!it->p)
        iter_next_node(it, it->forward ? nd->next : nd->prev);
}

void node_list_iter_delete(struct node_list_iter *it)
{
    struct node_list_node *nd = it->node;
    struct node_list *l = it->l;
    l->len--;
    if (nd->count == 1) {
        struct node_list_node *follow = it->forward ? nd->next : nd->prev;
        node_unlink(l, nd);
        iter_next_node(it, follow);
        return;
    }
    unsigned char *p = it->p;
    nd->lp = ds_lp_delete(nd->lp, &p);
    nd->count--;
    if (it->forward) {
        it->p = p;
        if (!p)
            iter_next_node(it, nd->next);
        return;
    }
    /* walking backwards: the entry before the deleted one */
    it->p = p ? ds_lp_prev(nd->lp, p) : ds_lp_last(nd->lp);
    if (!it->p)
        iter_next_node(it, nd->prev);
}

/* Appends every element of src's listpack to dst's. */
static void node_absorb(struct node_list_node *dst, const struct node_list_node *src)
{
    unsigned char buf[DS_LP_INTBUF];
    for (unsigned char *p = ds_lp_first(src->lp); p; p = ds_lp_next(src->lp, p)) {
        size_t len;
        const unsigned char *s = ds_lp_get_str(p, buf, &len);
        dst->lp = ds_lp_append(dst->lp, s, len);
    }
    dst->count += src->count;
}

/* Merges a and a->next when the result fits the fill. */
static void try_merge(struct node_list *l, struct node_list_node *a)
{
    struct node_list_node *b = a ? a->next : NULL;
    if (!b || !within_fill(l, (size_t)a->count + b->count, ds_lp_bytes(a->lp) + ds_lp_bytes(b->lp)))
        return;
    node_absorb(a, b);
    node_unlink(l, b);
}

/* Splits nd before its entry at offset off: the entries from off on move to
 * a new node after nd, which is returned. */
static struct node_list_node *node_split(struct node_list *l, struct node_list_node *nd, size_t off)
{
    struct node_list_node *right = node_insert_after(l, nd);
    unsigned char buf[DS_LP_INTBUF];
    for (unsigned char *p = ds_lp_seek(nd->lp, (long long)off); p; p = ds_lp_next(nd->lp, p)) {
        size_t len;
        const unsigned char *s = ds_lp_get_str(p, buf, &len);
        right->lp = ds_lp_append(right->lp, s, len);
    }
    right->count = nd->count - (uint32_t)off;
    nd->lp = ds_lp_delete_range(nd->lp, (long long)off, right->count);
    nd->count = (uint32_t)off;
    return right;
}

static size_t entry_offset(const struct node_list_node *nd, const unsigned char *p)
{
    size_t off = 0;
    for (unsigned char *q = ds_lp_first(nd->lp); q != p; q = ds_lp_next(nd->lp, q))
        off++;
    return off;
}

void node_list_iter_replace(struct node_list_iter *it, const void *s, size_t n)
{
    struct node_list_node *nd = it->node;
    struct node_list *l = it->l;
    nd->lp = ds_lp_replace(nd->lp, &it->p, s, n);
    if (nd->count == 1 || within_fill(l, nd->count, ds_lp_bytes(nd->lp)))
        return;
    /* a bigger element overflowed the node: it moves to a node of its own,
     * and what is left on either side may join its neighbours */
    size_t off = entry_offset(nd, it->p);
    struct node_list_node *mid = off ? node_split(l, nd, off) : nd;
    if (mid->count > 1)
        node_split(l, mid, 1);
    struct node_list_node *before = mid->prev, *after = mid->next;
    try_merge(l, after);
    try_merge(l, before);
    it->node = NULL;
}

void node_list_iter_insert(struct node_list_iter *it, const void *s, size_t n, bool after)
{
    struct node_list *l = it->l;
    struct node_list_node *nd = it->node;
    l->len++;
    if (node_has_room(l, nd, s, n)) {
        unsigned char *at = after ? ds_lp_next(nd->lp, it->p) : it->p;
        nd->lp = ds_lp_insert(nd->lp, at, s, n, NULL);
        nd->count++;
        return;
    }
    size_t off = entry_offset(nd, it->p) + (after ? 1 : 0);
    struct node_list_node *target;
    if (off == nd->count && nd->next && node_has_room(l, nd->next, s, n)) {
        target = nd->next;
        target->lp = ds_lp_prepend(target->lp, s, n);
    } else if (off == 0 && nd->prev && node_has_room(l, nd->prev, s, n)) {
        target = nd->prev;
        target->lp = ds_lp_append(target->lp, s, n);
    } else {
        struct node_list_node *right = NULL;
        if (off > 0 && off < nd->count)
            right = node_split(l, nd, off);
        /* the element goes at the end of the left part (or alone in front) */
        struct node_list_node *left = off == 0 ? nd->prev : nd;
        if (left && node_has_room(l, left, s, n)) {
            target = left;
        } else {
            target = node_insert_after(l, left);
        }
        target->lp = ds_lp_append(target->lp, s, n);
        target->count++;
        /* the pieces a split leaves may fit together with their neighbours */
        if (right)
            try_merge(l, right);
        try_merge(l, target);
        if (target->prev)
            try_merge(l, target->prev);
        it->node = NULL;
        return;
    }
    target->count++;
    it->node = NULL;
}

int node_list_check(const struct node_list *l)
{
    size_t total = 0, nodes = 0;
    const struct node_list_node *prev = NULL;
    for (const struct node_list_node *nd = l->head; nd; nd = nd->next) {
        if (nd->prev != prev || nd->count == 0 || ds_lp_count(nd->lp) != nd->count)
            return -1;
        if (nd->count > 1 && !within_fill(l, nd->count, ds_lp_bytes(nd->lp)))
            return -2;
        total += nd->count;
        nodes++;
        prev = nd;
    }
    if (prev != l->tail || total != l->len || nodes != l->nnodes)
        return -3;
    return 0;
}

/* ---- hooks (node/obj.h) ---- */

static const char *list_encoding(const void *v)
{
    (void)v;
    return "quicklist";
}

static size_t list_length(const void *v)
{
    return node_list_len(v);
}

static void list_free(void *v)
{
    node_list_free(v);
}

static void *list_dup(const void *v)
{
    return node_list_dup(v);
}

static int list_rdb_type(const void *v)
{
    (void)v;
    return RDB_TYPE_LIST_QUICKLIST_2;
}

/* QUICKLIST_2: the node count, then per node container 2 (PACKED) and the
 * listpack blob as a string (LZF-compressed by the writer when enabled, as
 * Redis writes it). */
static int list_rdb_write(struct rdb_enc *enc, const void *v)
{
    const struct node_list *l = v;
    if (rdb_enc_len(enc, l->nnodes) < 0)
        return -1;
    for (const struct node_list_node *nd = l->head; nd; nd = nd->next) {
        if (rdb_enc_len(enc, 2) < 0 || rdb_enc_str(enc, nd->lp, ds_lp_bytes(nd->lp)) < 0)
            return -1;
    }
    return 0;
}

static enum node_obj_load list_rdb_load(const struct rdb_value *rv, const struct node_config *cfg, void **out,
                                        const char **why)
{
    struct rdb_iter it;
    if (rdb_iter_init(&it, rv) < 0) {
        *why = "not a list encoding";
        return NODE_OBJ_LOAD_ERROR;
    }
    struct node_list *l = node_list_new(cfg->list_max_listpack_size);
    struct rdb_elem el;
    int r;
    while ((r = rdb_iter_next(&it, &el)) == 1)
        node_list_push(l, el.s, el.len, false);
    rdb_iter_free(&it);
    if (r < 0) {
        node_list_free(l);
        *why = "corrupt list";
        return NODE_OBJ_LOAD_ERROR;
    }
    if (l->len == 0) {
        node_list_free(l);
        return NODE_OBJ_LOAD_EMPTY;
    }
    *out = l;
    return NODE_OBJ_LOAD_OK;
}

/* Redis's xorObjectDigest for lists: every element, in order, mixed in as
 * its bytes (integers as their decimal text). */
static void list_digest(const void *v, uint8_t d[20])
{
    const struct node_list *l = v;
    unsigned char buf[DS_LP_INTBUF];
    for (const struct node_list_node *nd = l->head; nd; nd = nd->next) {
        for (unsigned char *p = ds_lp_first(nd->lp); p; p = ds_lp_next(nd->lp, p)) {
            size_t len;
            const unsigned char *s = ds_lp_get_str(p, buf, &len);
            node_digest_mix(d, s, len);
        }
    }
}

static size_t list_mem(const void *v)
{
    const struct node_list *l = v;
    size_t bytes = sizeof(*l);
    for (const struct node_list_node *nd = l->head; nd; nd = nd->next)
        bytes += sizeof(*nd) + ds_lp_bytes(nd->lp);
    return bytes;
}

const struct node_obj_type node_list_type = {
    .type = NODE_KS_LIST,
    .name = "list",
    .encoding = list_encoding,
    .length = list_length,
    .free = list_free,
    .dup = list_dup,
    .rdb_type = list_rdb_type,
    .rdb_write = list_rdb_write,
    .rdb_load = list_rdb_load,
    .digest = list_digest,
    .mem = list_mem,
};
