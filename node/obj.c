/*
 * obj.c — the per-type hook tables by keyspace type and by RDB type byte.
 */
#include "node/obj.h"

#include "replication/rdb.h"

const struct node_obj_type *node_obj_type(enum node_ks_type type)
{
    switch (type) {
    case NODE_KS_LIST:
        return &node_list_type;
    case NODE_KS_SET:
        return &node_set_type;
    case NODE_KS_ZSET:
        return &node_zset_type;
    case NODE_KS_HASH:
        return &node_hash_type;
    case NODE_KS_STRING:
        break;
    }
    return NULL;
}

const struct node_obj_type *node_obj_type_for_rdb(int rdb_type)
{
    switch (rdb_type) {
    case RDB_TYPE_LIST:
    case RDB_TYPE_LIST_ZIPLIST:
    case RDB_TYPE_LIST_QUICKLIST:
    case RDB_TYPE_LIST_QUICKLIST_2:
        return &node_list_type;
    case RDB_TYPE_SET:
    case RDB_TYPE_SET_INTSET:
        return &node_set_type;
    case RDB_TYPE_ZSET:
    case RDB_TYPE_ZSET_2:
    case RDB_TYPE_ZSET_ZIPLIST:
    case RDB_TYPE_ZSET_LISTPACK:
        return &node_zset_type;
    case RDB_TYPE_HASH:
    case RDB_TYPE_HASH_ZIPMAP:
    case RDB_TYPE_HASH_ZIPLIST:
    case RDB_TYPE_HASH_LISTPACK:
        return &node_hash_type;
    default:
        return NULL;
    }
}

void node_obj_register(struct node_ks *ks)
{
    static const struct node_obj_type *const all[] = {&node_list_type, &node_set_type, &node_zset_type,
                                                       &node_hash_type};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        if (all[i]->free)
            node_ks_set_type_ops(ks, all[i]->type, all[i]->free, all[i]->dup);
}
