/*
 * slots_int.h — private to slots/: the always-on assertion and the strict
 * integer parser shared by the slot-argument parsers.
 *
 * slots/ may not link node/core, so it cannot use core_assert(); SLOTS_ASSERT
 * is its stand-in for programmer errors (a slot or node index out of range
 * passed by the caller). Never used on bytes from a client.
 */
#ifndef SHOAL_SLOTS_INT_H
#define SHOAL_SLOTS_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "slots/slots.h"

/* Prints "file:line: func: Assertion `expr' failed." (glibc) and aborts;
 * stays on under NDEBUG, like core_assert(). */
_Noreturn void slots__assert_fail(const char *expr, const char *file, unsigned line, const char *func);

#define SLOTS_ASSERT(expr)                                                                                             \
    do {                                                                                                               \
        if (__builtin_expect(!(expr), 0))                                                                              \
            slots__assert_fail(#expr, __FILE__, __LINE__, __func__);                                                   \
    } while (0)

#define SLOTS_ASSERT_SLOT(slot) SLOTS_ASSERT((unsigned)(slot) < SLOTS_COUNT)

/* Strict decimal integer with Redis's string2ll acceptance rules: optional
 * '-', digits only, no leading zero except "0" itself, no "-0", no overflow,
 * not empty. *ret written only on success. */
bool slots__parse_ll(const char *s, size_t len, long long *ret);

#endif
