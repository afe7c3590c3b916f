/* cmd_zset.c — placeholder until its owner lands it. */
#include "node/commands.h"

void node_cmd_zadd(struct node_client *c)
{
    node_reply_error(&c->out, "ERR zadd is not implemented yet");
}

void node_cmd_zincrby(struct node_client *c)
{
    node_reply_error(&c->out, "ERR zincrby is not implemented yet");
}

void node_cmd_zrem(struct node_client *c)
{
    node_reply_error(&c->out, "ERR zrem is not implemented yet");
}

void node_cmd_zcard(struct node_client *c)
{
    node_reply_error(&c->out, "ERR zcard is not implemented yet");
}

void node_cmd_zscore(struct node_client *c)
{
    node_reply_error(&c->out, "ERR zscore is not implemented yet");
}

void node_cmd_zmscore(struct node_client *c)
{
    node_reply_error(&c->out, "ERR zmscore is not implemented yet");
}

void node_cmd_zrank(struct node_client *c)
{
    node_reply_error(&c->out, "ERR zrank is not implemented yet");
}

void node_cmd_zrevrank(struct node_client *c)
{
    node_reply_error(&c->out, "ERR zrevrank is not implemented yet");
}

void node_cmd_zcount(struct node_client *c)
{
    node_reply_error(&c->out, "ERR zcount is not implemented yet");
}

void node_cmd_zlexcount(struct node_client *c)
{
    node_reply_error(&c->out, "ERR zlexcount is not implemented yet");
}

void node_cmd_zrange(struct node_client *c)
{
    node_reply_error(&c->out, "ERR zrange is not implemented yet");
}

void node_cmd_zrangestore(struct node_client *c)
{
    node_reply_error(&c->out, "ERR zrangestore is not implemented yet");
}

void node_cmd_zrevrange(struct node_client *c)
{
    node_reply_error(&c->out, "ERR zrevrange is not implemented yet");
}

void node_cmd_zrangebyscore(struct node_client *c)
{
    node_reply_error(&c->out, "ERR zrangebyscore is not implemented yet");
}

void node_cmd_zrevrangebyscore(struct node_client *c)
{
    node_reply_error(&c->out, "ERR zrevrangebyscore is not implemented yet");
}

void node_cmd_zrangebylex(struct node_client *c)
{
    node_reply_error(&c->out, "ERR zrangebylex is not implemented yet");
}

void node_cmd_zrevrangebylex(struct node_client *c)
{
    node_reply_error(&c->out, "ERR zrevrangebylex is not implemented yet");
}

void node_cmd_zremrangebyrank(struct node_client *c)
{
    node_reply_error(&c->out, "ERR zremrangebyrank is not implemented yet");
}

void node_cmd_zremrangebyscore(struct node_client *c)
{
    node_reply_error(&c->out, "ERR zremrangebyscore is not implemented yet");
}

void node_cmd_zremrangebylex(struct node_client *c)
{
    node_reply_error(&c->out, "ERR zremrangebylex is not implemented yet");
}

void node_cmd_zpopmin(struct node_client *c)
{
    node_reply_error(&c->out, "ERR zpopmin is not implemented yet");
}

void node_cmd_zpopmax(struct node_client *c)
{
    node_reply_error(&c->out, "ERR zpopmax is not implemented yet");
}

void node_cmd_bzpopmin(struct node_client *c)
{
    node_reply_error(&c->out, "ERR bzpopmin is not implemented yet");
}

void node_cmd_bzpopmax(struct node_client *c)
{
    node_reply_error(&c->out, "ERR bzpopmax is not implemented yet");
}

void node_cmd_zmpop(struct node_client *c)
{
    node_reply_error(&c->out, "ERR zmpop is not implemented yet");
}

void node_cmd_bzmpop(struct node_client *c)
{
    node_reply_error(&c->out, "ERR bzmpop is not implemented yet");
}

void node_cmd_zrandmember(struct node_client *c)
{
    node_reply_error(&c->out, "ERR zrandmember is not implemented yet");
}

void node_cmd_zunion(struct node_client *c)
{
    node_reply_error(&c->out, "ERR zunion is not implemented yet");
}

void node_cmd_zunionstore(struct node_client *c)
{
    node_reply_error(&c->out, "ERR zunionstore is not implemented yet");
}

void node_cmd_zinter(struct node_client *c)
{
    node_reply_error(&c->out, "ERR zinter is not implemented yet");
}

void node_cmd_zinterstore(struct node_client *c)
{
    node_reply_error(&c->out, "ERR zinterstore is not implemented yet");
}

void node_cmd_zintercard(struct node_client *c)
{
    node_reply_error(&c->out, "ERR zintercard is not implemented yet");
}

void node_cmd_zdiff(struct node_client *c)
{
    node_reply_error(&c->out, "ERR zdiff is not implemented yet");
}

void node_cmd_zdiffstore(struct node_client *c)
{
    node_reply_error(&c->out, "ERR zdiffstore is not implemented yet");
}

void node_cmd_zscan(struct node_client *c)
{
    node_reply_error(&c->out, "ERR zscan is not implemented yet");
}

int node_zmpop_getkeys(int argc, const char **argv, const size_t *argl, int *idx, int idx_cap)
{
    (void)argc; (void)argv; (void)argl; (void)idx; (void)idx_cap;
    return 0;
}

int node_bzmpop_getkeys(int argc, const char **argv, const size_t *argl, int *idx, int idx_cap)
{
    (void)argc; (void)argv; (void)argl; (void)idx; (void)idx_cap;
    return 0;
}

int node_zunion_getkeys(int argc, const char **argv, const size_t *argl, int *idx, int idx_cap)
{
    (void)argc; (void)argv; (void)argl; (void)idx; (void)idx_cap;
    return 0;
}

int node_zunionstore_getkeys(int argc, const char **argv, const size_t *argl, int *idx, int idx_cap)
{
    (void)argc; (void)argv; (void)argl; (void)idx; (void)idx_cap;
    return 0;
}

int node_zinter_getkeys(int argc, const char **argv, const size_t *argl, int *idx, int idx_cap)
{
    (void)argc; (void)argv; (void)argl; (void)idx; (void)idx_cap;
    return 0;
}

int node_zinterstore_getkeys(int argc, const char **argv, const size_t *argl, int *idx, int idx_cap)
{
    (void)argc; (void)argv; (void)argl; (void)idx; (void)idx_cap;
    return 0;
}

int node_zintercard_getkeys(int argc, const char **argv, const size_t *argl, int *idx, int idx_cap)
{
    (void)argc; (void)argv; (void)argl; (void)idx; (void)idx_cap;
    return 0;
}

int node_zdiff_getkeys(int argc, const char **argv, const size_t *argl, int *idx, int idx_cap)
{
    (void)argc; (void)argv; (void)argl; (void)idx; (void)idx_cap;
    return 0;
}

int node_zdiffstore_getkeys(int argc, const char **argv, const size_t *argl, int *idx, int idx_cap)
{
    (void)argc; (void)argv; (void)argl; (void)idx; (void)idx_cap;
    return 0;
}

