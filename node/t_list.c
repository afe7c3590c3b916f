/* t_list.c — placeholder until its owner lands it: no hooks, so the type is
 * refused by name everywhere. */
#include "node/obj.h"

const struct node_obj_type node_list_type = {.type = NODE_KS_LIST, .name = "list"};
