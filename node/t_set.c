/* t_set.c — placeholder until its owner lands it: no hooks, so the type is
 * refused by name everywhere. */
#include "node/obj.h"

const struct node_obj_type node_set_type = {.type = NODE_KS_SET, .name = "set"};
