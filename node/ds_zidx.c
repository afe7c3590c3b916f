/*
 * ds_zidx.c — the order-statistic B+tree of ds_zidx.h. Owns node layout,
 * splitting, merging and the rank arithmetic; does not own the elements
 * (only their pointers) nor their order (cmp).
 *
 * Inner nodes keep, per child, its subtree element count and its first
 * (smallest) element: the count answers rank/at questions and the first
 * element steers searches without visiting the child. Leaves hold the
 * element pointers and are linked both ways for walks. Every node but the
 * root holds at least FILL_MIN entries; a node that falls below borrows
 * from or merges with a sibling.
 */
#include "node/ds_zidx.h"

#include <string.h>

#include "node/core/core.h"

/* Entries per node: 64 pointers is 512 bytes of a leaf, a few cache lines
 * to binary-search. */
#define CAP 64
/* A quarter, not a half, so alternating insert/delete at a boundary does
 * not split and merge every time. */
#define FILL_MIN (CAP / 4)
/* Depth bound: with FILL_MIN >= 16 a tree of 2^64 elements is shallower. */
#define DEPTH_MAX 24

struct znode {
    bool leaf;
    unsigned n;
};

struct zleaf {
    struct znode hd;
    struct zleaf *prev, *next;
    void *e[CAP + 1]; /* one spare slot: insert first, split after */
};

struct zinner {
    struct znode hd;
    size_t cnt[CAP + 1];
    void *first[CAP + 1];
    struct znode *child[CAP + 1];
};

struct ds_zidx {
    ds_zidx_cmp_fn cmp;
    struct znode *root;
    size_t count;
    size_t leaves, inners;
};

static struct zleaf *as_leaf(struct znode *n)
{
    return (struct zleaf *)n;
}

static struct zinner *as_inner(struct znode *n)
{
    return (struct zinner *)n;
}

static struct zleaf *leaf_new(struct ds_zidx *z)
{
    struct zleaf *l = core_calloc(1, sizeof(*l));
    l->hd.leaf = true;
    z->leaves++;
    return l;
}

static struct zinner *inner_new(struct ds_zidx *z)
{
    struct zinner *in = core_calloc(1, sizeof(*in));
    z->inners++;
    return in;
}

static void node_free(struct ds_zidx *z, struct znode *n)
{
    if (n->leaf) {
        z->leaves--;
    } else {
        z->inners--;
    }
    core_free(n);
}

static void *node_first(struct znode *n)
{
    return n->leaf ? as_leaf(n)->e[0] : as_inner(n)->first[0];
}

static size_t node_count(struct znode *n)
{
    if (n->leaf)
        return n->n;
    size_t s = 0;
    for (unsigned i = 0; i < n->n; i++)
        s += as_inner(n)->cnt[i];
    return s;
}

struct ds_zidx *ds_zidx_new(ds_zidx_cmp_fn cmp)
{
    struct ds_zidx *z = core_calloc(1, sizeof(*z));
    z->cmp = cmp;
    z->root = &leaf_new(z)->hd;
    return z;
}

static void free_rec(struct ds_zidx *z, struct znode *n)
{
    if (!n->leaf)
        for (unsigned i = 0; i < n->n; i++)
            free_rec(z, as_inner(n)->child[i]);
    node_free(z, n);
}

void ds_zidx_free(struct ds_zidx *z)
{
    if (!z)
        return;
    free_rec(z, z->root);
    core_free(z);
}

size_t ds_zidx_count(const struct ds_zidx *z)
{
    return z->count;
}

/* In a leaf: the first position whose element is >= elem. */
static unsigned leaf_lower(const struct ds_zidx *z, const struct zleaf *l, const void *elem)
{
    unsigned lo = 0, hi = l->hd.n;
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        if (z->cmp(l->e[mid], elem) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* In an inner node: the child that holds (or would hold) elem — the last
 * whose first element is <= elem, or child 0. */
static unsigned inner_pick(const struct ds_zidx *z, const struct zinner *in, const void *elem)
{
    unsigned lo = 1, hi = in->hd.n;
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        if (z->cmp(in->first[mid], elem) <= 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo - 1;
}

/* Splits an overfull node in two halves; returns the new right half. */
static struct znode *split(struct ds_zidx *z, struct znode *n)
{
    unsigned keep = n->n / 2, move = n->n - keep;
    if (n->leaf) {
        struct zleaf *l = as_leaf(n), *r = leaf_new(z);
        memcpy(r->e, l->e + keep, move * sizeof(void *));
        r->next = l->next;
        r->prev = l;
        if (l->next)
            l->next->prev = r;
        l->next = r;
        r->hd.n = move;
        l->hd.n = keep;
        return &r->hd;
    }
    struct zinner *in = as_inner(n), *r = inner_new(z);
    memcpy(r->cnt, in->cnt + keep, move * sizeof(size_t));
    memcpy(r->first, in->first + keep, move * sizeof(void *));
    memcpy(r->child, in->child + keep, move * sizeof(void *));
    r->hd.n = move;
    in->hd.n = keep;
    return &r->hd;
}

/* Inserts into the subtree at n; returns a new right sibling if n split. */
static struct znode *insert_rec(struct ds_zidx *z, struct znode *n, void *elem)
{
    if (n->leaf) {
        struct zleaf *l = as_leaf(n);
        unsigned pos = leaf_lower(z, l, elem);
        core_debug_assert(pos == l->hd.n || z->cmp(l->e[pos], elem) != 0);
        memmove(l->e + pos + 1, l->e + pos, (l->hd.n - pos) * sizeof(void *));
        l->e[pos] = elem;
        l->hd.n++;
    } else {
        struct zinner *in = as_inner(n);
        unsigned i = inner_pick(z, in, elem);
        struct znode *c = in->child[i];
        struct znode *r = insert_rec(z, c, elem);
        in->first[i] = node_first(c);
        in->cnt[i]++;
        if (r) {
            size_t rc = node_count(r);
            memmove(in->cnt + i + 2, in->cnt + i + 1, (in->hd.n - i - 1) * sizeof(size_t));
            memmove(in->first + i + 2, in->first + i + 1, (in->hd.n - i - 1) * sizeof(void *));
            memmove(in->child + i + 2, in->child + i + 1, (in->hd.n - i - 1) * sizeof(void *));
            in->cnt[i] -= rc;
            in->cnt[i + 1] = rc;
            in->first[i + 1] = node_first(r);
            in->child[i + 1] = r;
            in->hd.n++;
        }
    }
    return n->n > CAP ? split(z, n) : NULL;
}

void ds_zidx_insert(struct ds_zidx *z, void *elem)
{
    struct znode *r = insert_rec(z, z->root, elem);
    if (r) {
        struct znode *l = z->root;
        struct zinner *root = inner_new(z);
        root->hd.n = 2;
        root->child[0] = l;
        root->child[1] = r;
        root->first[0] = node_first(l);
        root->first[1] = node_first(r);
        root->cnt[0] = node_count(l);
        root->cnt[1] = node_count(r);
        z->root = &root->hd;
    }
    z->count++;
}

/* Moves all of right into left (siblings, same level) and frees right. */
static void merge_into(struct ds_zidx *z, struct znode *left, struct znode *right)
{
    if (left->leaf) {
        struct zleaf *l = as_leaf(left), *r = as_leaf(right);
        memcpy(l->e + l->hd.n, r->e, r->hd.n * sizeof(void *));
        l->next = r->next;
        if (r->next)
            r->next->prev = l;
    } else {
        struct zinner *l = as_inner(left), *r = as_inner(right);
        memcpy(l->cnt + l->hd.n, r->cnt, r->hd.n * sizeof(size_t));
        memcpy(l->first + l->hd.n, r->first, r->hd.n * sizeof(void *));
        memcpy(l->child + l->hd.n, r->child, r->hd.n * sizeof(void *));
    }
    left->n += right->n;
    node_free(z, right);
}

/* Moves k entries from the front of right to the end of left (k > 0) or
 * -k from the end of left to the front of right (k < 0). */
static void shift(struct znode *left, struct znode *right, int k)
{
    if (left->leaf) {
        struct zleaf *l = as_leaf(left), *r = as_leaf(right);
        if (k > 0) {
            memcpy(l->e + l->hd.n, r->e, (unsigned)k * sizeof(void *));
            memmove(r->e, r->e + k, (r->hd.n - (unsigned)k) * sizeof(void *));
        } else {
            unsigned m = (unsigned)-k;
            memmove(r->e + m, r->e, r->hd.n * sizeof(void *));
            memcpy(r->e, l->e + l->hd.n - m, m * sizeof(void *));
        }
    } else {
        struct zinner *l = as_inner(left), *r = as_inner(right);
        if (k > 0) {
            unsigned m = (unsigned)k;
            memcpy(l->cnt + l->hd.n, r->cnt, m * sizeof(size_t));
            memcpy(l->first + l->hd.n, r->first, m * sizeof(void *));
            memcpy(l->child + l->hd.n, r->child, m * sizeof(void *));
            memmove(r->cnt, r->cnt + m, (r->hd.n - m) * sizeof(size_t));
            memmove(r->first, r->first + m, (r->hd.n - m) * sizeof(void *));
            memmove(r->child, r->child + m, (r->hd.n - m) * sizeof(void *));
        } else {
            unsigned m = (unsigned)-k;
            memmove(r->cnt + m, r->cnt, r->hd.n * sizeof(size_t));
            memmove(r->first + m, r->first, r->hd.n * sizeof(void *));
            memmove(r->child + m, r->child, r->hd.n * sizeof(void *));
            memcpy(r->cnt, l->cnt + l->hd.n - m, m * sizeof(size_t));
            memcpy(r->first, l->first + l->hd.n - m, m * sizeof(void *));
            memcpy(r->child, l->child + l->hd.n - m, m * sizeof(void *));
        }
    }
    left->n = (unsigned)((int)left->n + k);
    right->n = (unsigned)((int)right->n - k);
}

/* Child i of in fell below FILL_MIN: merge it with a neighbour or even the
 * two out, then refresh the parent's entries for both. */
static void fix_child(struct ds_zidx *z, struct zinner *in, unsigned i)
{
    unsigned li = i + 1 < in->hd.n ? i : i - 1;
    struct znode *l = in->child[li], *r = in->child[li + 1];
    if (l->n + r->n <= CAP) {
        in->cnt[li] += in->cnt[li + 1];
        merge_into(z, l, r);
        unsigned tail = in->hd.n - li - 2;
        memmove(in->cnt + li + 1, in->cnt + li + 2, tail * sizeof(size_t));
        memmove(in->first + li + 1, in->first + li + 2, tail * sizeof(void *));
        memmove(in->child + li + 1, in->child + li + 2, tail * sizeof(void *));
        in->hd.n--;
        in->first[li] = node_first(l);
        return;
    }
    int k = ((int)r->n - (int)l->n) / 2;
    shift(l, r, k);
    size_t total = in->cnt[li] + in->cnt[li + 1];
    in->cnt[li] = node_count(l);
    in->cnt[li + 1] = total - in->cnt[li];
    in->first[li] = node_first(l);
    in->first[li + 1] = node_first(r);
}

static bool delete_rec(struct ds_zidx *z, struct znode *n, const void *elem)
{
    if (n->leaf) {
        struct zleaf *l = as_leaf(n);
        unsigned pos = leaf_lower(z, l, elem);
        if (pos == l->hd.n || z->cmp(l->e[pos], elem) != 0)
            return false;
        memmove(l->e + pos, l->e + pos + 1, (l->hd.n - pos - 1) * sizeof(void *));
        l->hd.n--;
        return true;
    }
    struct zinner *in = as_inner(n);
    unsigned i = inner_pick(z, in, elem);
    struct znode *c = in->child[i];
    if (!delete_rec(z, c, elem))
        return false;
    in->cnt[i]--;
    if (c->n > 0)
        in->first[i] = node_first(c);
    if (c->n < FILL_MIN && in->hd.n > 1)
        fix_child(z, in, i);
    return true;
}

bool ds_zidx_delete(struct ds_zidx *z, const void *elem)
{
    if (!delete_rec(z, z->root, elem))
        return false;
    z->count--;
    /* A root with one child hands the root role down. */
    while (!z->root->leaf && z->root->n == 1) {
        struct znode *old = z->root;
        z->root = as_inner(old)->child[0];
        node_free(z, old);
    }
    return true;
}

/* The leaf holding rank (rank < count) and the position inside it. */
static struct zleaf *find_rank(const struct ds_zidx *z, size_t rank, unsigned *pos)
{
    struct znode *n = z->root;
    for (unsigned depth = 0; !n->leaf; depth++) {
        core_assert(depth < DEPTH_MAX);
        struct zinner *in = as_inner(n);
        unsigned i = 0;
        while (rank >= in->cnt[i]) {
            rank -= in->cnt[i];
            i++;
        }
        n = in->child[i];
    }
    *pos = (unsigned)rank;
    return as_leaf(n);
}

void *ds_zidx_at(const struct ds_zidx *z, size_t rank)
{
    core_assert(rank < z->count);
    unsigned pos;
    struct zleaf *l = find_rank(z, rank, &pos);
    return l->e[pos];
}

size_t ds_zidx_rank(const struct ds_zidx *z, const void *elem)
{
    size_t rank = 0;
    struct znode *n = z->root;
    while (!n->leaf) {
        struct zinner *in = as_inner(n);
        unsigned i = inner_pick(z, in, elem);
        for (unsigned k = 0; k < i; k++)
            rank += in->cnt[k];
        n = in->child[i];
    }
    struct zleaf *l = as_leaf(n);
    unsigned pos = leaf_lower(z, l, elem);
    if (pos == l->hd.n || z->cmp(l->e[pos], elem) != 0)
        return (size_t)-1;
    return rank + pos;
}

size_t ds_zidx_count_below(const struct ds_zidx *z, bool (*below)(const void *elem, void *ud), void *ud)
{
    size_t rank = 0;
    struct znode *n = z->root;
    while (!n->leaf) {
        struct zinner *in = as_inner(n);
        /* The last child whose first element is below; children before it
         * are entirely below. None below: the answer is rank. */
        unsigned lo = 0, hi = in->hd.n;
        while (lo < hi) {
            unsigned mid = (lo + hi) / 2;
            if (below(in->first[mid], ud))
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo == 0)
            return rank;
        for (unsigned k = 0; k + 1 < lo; k++)
            rank += in->cnt[k];
        n = in->child[lo - 1];
    }
    struct zleaf *l = as_leaf(n);
    unsigned lo = 0, hi = l->hd.n;
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        if (below(l->e[mid], ud))
            lo = mid + 1;
        else
            hi = mid;
    }
    return rank + lo;
}

void ds_zidx_it_at(const struct ds_zidx *z, size_t rank, struct ds_zidx_it *it)
{
    it->z = z;
    it->rank = rank;
    it->leaf = NULL;
    it->pos = 0;
    if (rank < z->count) {
        unsigned pos;
        it->leaf = find_rank(z, rank, &pos);
        it->pos = pos;
    }
}

void *ds_zidx_it_next(struct ds_zidx_it *it)
{
    struct zleaf *l = it->leaf;
    if (!l)
        return NULL;
    void *e = l->e[it->pos];
    it->rank++;
    if (++it->pos == l->hd.n) {
        it->leaf = l->next;
        it->pos = 0;
    }
    return e;
}

void *ds_zidx_it_prev(struct ds_zidx_it *it)
{
    struct zleaf *l = it->leaf;
    if (!l)
        return NULL;
    void *e = l->e[it->pos];
    it->rank--;
    if (it->pos == 0) {
        it->leaf = l->prev;
        it->pos = l->prev ? l->prev->hd.n - 1 : 0;
    } else {
        it->pos--;
    }
    return e;
}

size_t ds_zidx_mem(const struct ds_zidx *z)
{
    return sizeof(*z) + z->leaves * sizeof(struct zleaf) + z->inners * sizeof(struct zinner);
}

/* The invariant walker's state: in-order position across the recursion. */
struct check {
    const struct ds_zidx *z;
    int leaf_depth;
    struct zleaf *last_leaf; /* previous leaf in order, for links */
    void *last_elem;
    size_t seen;
    size_t leaves, inners;
};

static int check_rec(struct check *ck, struct znode *n, int depth, bool is_root)
{
    if (depth > DEPTH_MAX || n->n > CAP)
        return -1;
    if (!is_root && n->n < FILL_MIN)
        return -2;
    if (n->leaf) {
        struct zleaf *l = as_leaf(n);
        ck->leaves++;
        if (ck->leaf_depth < 0)
            ck->leaf_depth = depth;
        if (ck->leaf_depth != depth)
            return -3;
        if (l->prev != ck->last_leaf || (ck->last_leaf && ck->last_leaf->next != l))
            return -4;
        ck->last_leaf = l;
        for (unsigned i = 0; i < n->n; i++) {
            if (ck->last_elem && ck->z->cmp(ck->last_elem, l->e[i]) >= 0)
                return -5;
            ck->last_elem = l->e[i];
        }
        ck->seen += n->n;
        return 0;
    }
    struct zinner *in = as_inner(n);
    ck->inners++;
    if (n->n < 2)
        return -6;
    for (unsigned i = 0; i < n->n; i++) {
        size_t before = ck->seen;
        int rc = check_rec(ck, in->child[i], depth + 1, false);
        if (rc)
            return rc;
        if (ck->seen - before != in->cnt[i])
            return -7;
        if (in->first[i] != node_first(in->child[i]))
            return -8;
    }
    return 0;
}

int ds_zidx_check(const struct ds_zidx *z)
{
    struct check ck = {.z = z, .leaf_depth = -1};
    int rc = check_rec(&ck, z->root, 0, true);
    if (rc)
        return rc;
    if (ck.last_leaf && ck.last_leaf->next)
        return -9;
    if (ck.seen != z->count)
        return -10;
    if (ck.leaves != z->leaves || ck.inners != z->inners)
        return -11;
    return 0;
}
