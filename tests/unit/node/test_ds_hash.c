/* test_ds_hash.c — placeholder until its owner lands it. */
#include <criterion/criterion.h>
