/* test_ds_zidx.c — placeholder until its owner lands it. */
#include <criterion/criterion.h>
