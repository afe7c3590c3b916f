/* block.c — placeholder until its owner lands it: nothing ever blocks. */
#include "node/block.h"
#include "node/server.h"

bool node_block_parse_timeout(struct node_client *c, int argi, int64_t *deadline_ms)
{
    (void)c, (void)argi;
    *deadline_ms = 0;
    return true;
}

bool node_block_allowed(const struct node_client *c)
{
    (void)c;
    return false;
}

void node_block_keys(struct node_client *c, const int *key_idx, int nkeys, int64_t deadline_ms,
                     enum node_block_nil nil)
{
    (void)key_idx, (void)nkeys, (void)deadline_ms;
    if (nil == NODE_BLOCK_NIL_ARRAY)
        node_reply_null_array(&c->out);
    else
        node_reply_null(&c->out);
}

bool node_block_rerun(const struct node_client *c)
{
    (void)c;
    return false;
}

void node_key_ready(struct node_server *srv, const char *key, size_t klen)
{
    (void)srv, (void)key, (void)klen;
}

void node_block_cluster_changed(struct node_server *srv)
{
    (void)srv;
}

void node_block_client_closed(struct node_client *c)
{
    (void)c;
}
