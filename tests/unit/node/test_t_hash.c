/* test_t_hash.c — placeholder until its owner lands it. */
#include <criterion/criterion.h>
