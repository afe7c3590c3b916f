/*
 * slots_range.c — slot arguments of the CLUSTER subcommands: strict slot
 * parsing, all-or-nothing validation of ADDSLOTS/DELSLOTS and their RANGE
 * forms, and the COUNTKEYSINSLOT/GETKEYSINSLOT argument rules. Returns enums
 * with the offending numbers; node/ writes the error texts. Does not apply
 * anything to the map: the caller does, once validation said OK.
 *
 * Error order and acceptance were checked against redis-server 7.0.15 in
 * cluster mode (e.g. "+1", " 1", "01", "-0" are all invalid slots).
 */
#include <errno.h>
#include <limits.h>

#include "slots/slots_int.h"

bool slots__parse_ll(const char *s, size_t len, long long *ret)
{
    /* "-9223372036854775808" is the longest valid spelling. */
    if (len == 0 || len > 20)
        return false;
    bool negative = s[0] == '-';
    size_t i = negative ? 1 : 0;
    if (i == len)
        return false;
    if (s[i] == '0') {
        /* Only "0" itself: no leading zeros, no "-0". */
        if (negative || len != 1)
            return false;
        *ret = 0;
        return true;
    }
    unsigned long long value = 0;
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        unsigned digit = (unsigned)(s[i] - '0');
        if (value > (ULLONG_MAX - digit) / 10)
            return false;
        value = value * 10 + digit;
    }
    if (negative) {
        if (value > (unsigned long long)LLONG_MAX + 1)
            return false;
        *ret = -(long long)(value - 1) - 1;
    } else {
        if (value > (unsigned long long)LLONG_MAX)
            return false;
        *ret = (long long)value;
    }
    return true;
}

int slots_parse_slot(const char *s, size_t len, int *ret_slot)
{
    long long value;
    if (!slots__parse_ll(s, len, &value) || value < 0 || value >= SLOTS_COUNT)
        return -EINVAL;
    *ret_slot = (int)value;
    return 0;
}

static enum slots_arg_err fail(struct slots_arg_bad *bad, enum slots_arg_err err, int slot, int end_slot)
{
    bad->slot = slot;
    bad->end_slot = end_slot;
    return err;
}

/* ADDSLOTS/DELSLOTS parse every argument before checking any slot. */
static enum slots_arg_err parse_all(int argc, const char *const *argv, const size_t *argl, struct slots_arg_bad *bad)
{
    for (int i = 0; i < argc; i++) {
        int slot;
        if (slots_parse_slot(argv[i], argl[i], &slot) != 0)
            return fail(bad, SLOTS_ARG_BAD_SLOT, -1, -1);
    }
    return SLOTS_ARG_OK;
}

/* The span of argument (or pair) number step. The RANGE forms parse each
 * pair only when they reach it, so a busy slot in an earlier pair is
 * reported before a bad slot or start > end in a later one. */
static enum slots_arg_err read_span(bool ranges, int step, const char *const *argv, const size_t *argl, int *start,
                                    int *end, struct slots_arg_bad *bad)
{
    int first = ranges ? step * 2 : step;
    if (!ranges) {
        int rc = slots_parse_slot(argv[first], argl[first], start);
        SLOTS_ASSERT(rc == 0); /* parse_all() accepted it */
        *end = *start;
        return SLOTS_ARG_OK;
    }
    if (slots_parse_slot(argv[first], argl[first], start) != 0 ||
        slots_parse_slot(argv[first + 1], argl[first + 1], end) != 0)
        return fail(bad, SLOTS_ARG_BAD_SLOT, -1, -1);
    if (*start > *end)
        return fail(bad, SLOTS_ARG_START_GT_END, *start, *end);
    return SLOTS_ARG_OK;
}

/* Slot by slot: ownership first, then repeats. The work over all spans is
 * bounded by SLOTS_COUNT + argc because a repeat ends the walk. */
static enum slots_arg_err check_span(const struct slots_map *map, bool del, int start, int end,
                                     struct slots_bitmap *set, struct slots_arg_bad *bad)
{
    for (int slot = start; slot <= end; slot++) {
        bool assigned = map->owner[slot] != SLOTS_NODE_NONE;
        if (del && !assigned)
            return fail(bad, SLOTS_ARG_UNASSIGNED, slot, -1);
        if (!del && assigned)
            return fail(bad, SLOTS_ARG_BUSY, slot, -1);
        if (slots_bitmap_has(set, slot))
            return fail(bad, SLOTS_ARG_MULTIPLE, slot, -1);
        slots_bitmap_add(set, slot);
    }
    return SLOTS_ARG_OK;
}

enum slots_arg_err slots_args_validate(const struct slots_map *map, bool del, bool ranges, int argc,
                                       const char *const *argv, const size_t *argl, struct slots_bitmap *set,
                                       struct slots_arg_bad *bad)
{
    if (argc <= 0 || (ranges && argc % 2 != 0))
        return fail(bad, SLOTS_ARG_ARITY, -1, -1);
    enum slots_arg_err err = ranges ? SLOTS_ARG_OK : parse_all(argc, argv, argl, bad);
    slots_bitmap_zero(set);
    int step_count = ranges ? argc / 2 : argc;
    for (int step = 0; step < step_count && err == SLOTS_ARG_OK; step++) {
        int start, end;
        err = read_span(ranges, step, argv, argl, &start, &end, bad);
        if (err == SLOTS_ARG_OK)
            err = check_span(map, del, start, end, set, bad);
    }
    return err;
}

enum slots_arg_err slots_parse_countkeys(const char *s, size_t len, int *ret_slot)
{
    long long value;
    if (!slots__parse_ll(s, len, &value))
        return SLOTS_ARG_NOT_INTEGER;
    if (value < 0 || value >= SLOTS_COUNT)
        return SLOTS_ARG_INVALID_SLOT;
    *ret_slot = (int)value;
    return SLOTS_ARG_OK;
}

enum slots_arg_err slots_parse_getkeys(const char *slot_s, size_t slot_len, const char *count_s, size_t count_len,
                                       int *ret_slot, long long *ret_count)
{
    long long slot, count;
    if (!slots__parse_ll(slot_s, slot_len, &slot) || !slots__parse_ll(count_s, count_len, &count))
        return SLOTS_ARG_NOT_INTEGER;
    if (slot < 0 || slot >= SLOTS_COUNT || count < 0)
        return SLOTS_ARG_INVALID_SLOT_OR_COUNT;
    *ret_slot = (int)slot;
    *ret_count = count;
    return SLOTS_ARG_OK;
}
