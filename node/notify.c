/* notify.c — placeholder until its owner lands it. */
#include "node/notify.h"

void node_notify(struct node_server *srv, int cls, const char *event, const char *key, size_t klen)
{
    (void)srv, (void)cls, (void)event, (void)key, (void)klen;
}
