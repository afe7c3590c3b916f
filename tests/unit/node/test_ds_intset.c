/* test_ds_intset.c — placeholder until its owner lands it. */
#include <criterion/criterion.h>
