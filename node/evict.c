/* evict.c — placeholder until its owner lands it. */
#include "node/server.h"
