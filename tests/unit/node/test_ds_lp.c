/* test_ds_lp.c — placeholder until its owner lands it. */
#include <criterion/criterion.h>
