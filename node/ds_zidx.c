/* ds_zidx.c — placeholder until its owner lands it. */
#include "node/ds_zidx.h"
