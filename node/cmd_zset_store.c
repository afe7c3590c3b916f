/* cmd_zset_store.c — placeholder until its owner lands it. */
#include "node/commands.h"
