/* test_t_zset.c — placeholder until its owner lands it. */
#include <criterion/criterion.h>
