/* watch.c — placeholder until its owner lands it. */
#include "node/watch.h"

void node_key_modified(struct node_server *srv, const char *key, size_t klen)
{
    (void)srv, (void)key, (void)klen;
}

void node_watch_before_flush(struct node_server *srv, int dict)
{
    (void)srv, (void)dict;
}
