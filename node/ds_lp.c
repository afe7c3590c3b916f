/* ds_lp.c — placeholder until its owner lands it. */
#include "node/ds_lp.h"
