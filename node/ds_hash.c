/* ds_hash.c — placeholder until its owner lands it. */
#include "node/ds_hash.h"
