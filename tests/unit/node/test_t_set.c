/* test_t_set.c — placeholder until its owner lands it. */
#include <criterion/criterion.h>
