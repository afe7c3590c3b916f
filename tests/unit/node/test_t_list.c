/* test_t_list.c — placeholder until its owner lands it. */
#include <criterion/criterion.h>
