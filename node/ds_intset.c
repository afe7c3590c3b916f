/* ds_intset.c — placeholder until its owner lands it. */
#include "node/ds_intset.h"
