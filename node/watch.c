/*
 * watch.c — WATCH bookkeeping: a server-wide map from a watched key to the
 * clients watching it, and per client the keys it watches and whether one
 * of them was touched (Redis's CLIENT_DIRTY_CAS).
 *
 * A client's key list only grows (WATCH) or is dropped whole (UNWATCH,
 * EXEC, DISCARD, RESET, disconnect): Redis has no way to unwatch one key,
 * so a watcher's slot in its client's list never moves and the map keeps
 * (client, index) pairs. The server state exists only while some key is
 * watched, so an idle server pays one NULL test per write.
 */
#include "node/watch.h"
#include "node/core/core.h"
#include "node/ds_hash.h"
#include "node/server.h"
#include "slots/slots.h"

#include <string.h>

struct watcher {
    struct node_client *c;
    int idx; /* in c->watch->keys */
};

struct wkey {
    void *link; /* ds_hash chain: must stay first */
    struct watcher *w;
    int nw, wcap;
    size_t klen;
    char key[];
};

struct node_watch_state {
    struct ds_hash keys; /* of struct wkey */
};

struct cwatch {
    struct wkey *k;
    bool expired; /* logically expired when watched: its expiry is no change */
    bool live;    /* live when watched: EXEC fails if it is expired by then */
};

struct node_watch_client {
    struct cwatch *keys;
    int n, cap;
    bool dirty;
};

static const void *wkey_key(const void *entry, size_t *len)
{
    const struct wkey *k = entry;
    *len = k->klen;
    return k->key;
}

static struct wkey *find_or_add(struct node_server *srv, const char *key, size_t klen)
{
    struct node_watch_state *st = srv->watch;
    if (!st) {
        st = srv->watch = core_calloc(1, sizeof(*st));
        ds_hash_init(&st->keys, wkey_key);
    }
    struct wkey *k = ds_hash_find(&st->keys, key, klen);
    if (k)
        return k;
    k = core_calloc(1, sizeof(*k) + klen);
    k->klen = klen;
    memcpy(k->key, key, klen);
    ds_hash_add(&st->keys, k);
    return k;
}

static struct wkey *lookup(struct node_server *srv, const char *key, size_t klen)
{
    struct node_watch_state *st = srv->watch;
    return st ? ds_hash_find(&st->keys, key, klen) : NULL;
}

/* Unlinks and frees k (no watchers left); the state goes with its last key. */
static void remove_key(struct node_server *srv, struct wkey *k)
{
    struct node_watch_state *st = srv->watch;
    struct wkey *gone = ds_hash_remove(&st->keys, k->key, k->klen);
    core_assert(gone == k);
    core_free(k->w);
    core_free(k);
    if (ds_hash_size(&st->keys) == 0) {
        ds_hash_clear(&st->keys, NULL);
        core_free(st);
        srv->watch = NULL;
    }
}

/* Live: stored and not expired. Never deletes nor touches the key. */
static bool key_live(struct node_server *srv, const char *key, size_t klen)
{
    return node_ks_find(srv->ks, key, klen, NODE_KS_NOEXPIRE | NODE_KS_NOTOUCH) != NULL;
}

/* expiring: the key is being removed by its TTL right now. */
static void touch(struct node_server *srv, struct wkey *k, bool expiring)
{
    bool checked = false, live = false;
    for (int i = 0; i < k->nw; i++) {
        struct node_watch_client *wc = k->w[i].c->watch;
        struct cwatch *cw = &wc->keys[k->w[i].idx];
        if (cw->expired) {
            /* Already expired at WATCH: only a key that is back counts. */
            if (!checked) {
                live = !expiring && key_live(srv, k->key, k->klen);
                checked = true;
            }
            /* Absent and expired are one state: the mark stays until the
             * key is back (a second flush must not count as a change). */
            if (!live)
                continue;
        }
        wc->dirty = true;
    }
}

void node_key_modified(struct node_server *srv, const char *key, size_t klen)
{
    if (!srv->watch)
        return;
    struct wkey *k = lookup(srv, key, klen);
    if (k)
        touch(srv, k, false);
}

void node_watch_key_expired(struct node_server *srv, const char *key, size_t klen)
{
    if (!srv->watch)
        return;
    struct wkey *k = lookup(srv, key, klen);
    if (k)
        touch(srv, k, true);
}

void node_watch_before_flush(struct node_server *srv, const struct slots_bitmap *slots)
{
    struct node_watch_state *st = srv->watch;
    if (!st)
        return;
    /* touch() changes no key in the table: a plain iteration is safe. */
    struct ds_hash_iter it;
    ds_hash_iter_init(&it, &st->keys);
    for (struct wkey *k; (k = ds_hash_iter_next(&it));) {
        if (slots && !slots_bitmap_has(slots, slots_keyslot(k->key, k->klen)))
            continue;
        /* A watched key that was expired at WATCH and is still
         * expired is no change (touch() checks it as still absent). */
        if (key_live(srv, k->key, k->klen))
            touch(srv, k, false);
        else
            touch(srv, k, true);
    }
}

void node_watch_add(struct node_client *c, const char *key, size_t klen)
{
    struct node_server *srv = c->srv;
    struct node_watch_client *wc = c->watch;
    if (!wc)
        wc = c->watch = core_calloc(1, sizeof(*wc));
    struct wkey *k = find_or_add(srv, key, klen);
    /* Watching twice is a no-op; the key's watchers are usually far fewer
     * than the client's keys (WATCH of many keys stays linear). */
    for (int i = 0; i < k->nw; i++)
        if (k->w[i].c == c)
            return;
    if (wc->n == wc->cap) {
        wc->cap = wc->cap ? wc->cap * 2 : 4;
        wc->keys = core_realloc(wc->keys, (size_t)wc->cap * sizeof(*wc->keys));
    }
    if (k->nw == k->wcap) {
        k->wcap = k->wcap ? k->wcap * 2 : 2;
        k->w = core_realloc(k->w, (size_t)k->wcap * sizeof(*k->w));
    }
    /* An absent key counts as expired too: it is the same "no change
     * unless it comes back" (Redis flags only stored expired keys, but
     * nothing signals a key that stays absent). */
    bool live = key_live(srv, key, klen);
    k->w[k->nw++] = (struct watcher){c, wc->n};
    wc->keys[wc->n++] = (struct cwatch){k, !live, live};
}

bool node_watch_failed(struct node_client *c)
{
    struct node_watch_client *wc = c->watch;
    if (!wc)
        return false;
    if (wc->dirty)
        return true;
    for (int i = 0; i < wc->n; i++)
        if (wc->keys[i].live && !key_live(c->srv, wc->keys[i].k->key, wc->keys[i].k->klen))
            return true;
    return false;
}

void node_watch_unwatch_all(struct node_client *c)
{
    struct node_watch_client *wc = c->watch;
    if (!wc)
        return;
    for (int i = 0; i < wc->n; i++) {
        struct wkey *k = wc->keys[i].k;
        for (int j = 0; j < k->nw; j++) {
            if (k->w[j].c == c) {
                k->w[j] = k->w[--k->nw];
                break;
            }
        }
        if (k->nw == 0)
            remove_key(c->srv, k);
    }
    core_free(wc->keys);
    core_free(wc);
    c->watch = NULL;
}
