/*
 * test_slots.c — unit tests of slots/: CRC16 and hash tags (spec §27 table),
 * slot bitmaps, the slot map helpers and range iteration, slot-argument
 * parsing and validation (error order checked against redis-server 7.0.15 in
 * cluster mode), and a table of redirect decisions (spec §24.2).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "slots/slots.h"

static int keyslot(const char *key)
{
    return slots_keyslot(key, strlen(key));
}

/* CRC16 and hashing. */

Test(slots_crc16, check_value)
{
    cr_assert_eq(slots_crc16("123456789", 9), 0x31C3);
    cr_assert_eq(keyslot("123456789"), 12739);
    cr_assert_eq(slots_crc16("", 0), 0);
}

/* The table must equal the plain bitwise MSB-first CRC, byte by byte. */
static uint16_t crc16_bitwise(const uint8_t *p, size_t len)
{
    uint16_t crc = 0;
    for (size_t i = 0; i < len; i++) {
        crc = (uint16_t)(crc ^ (p[i] << 8));
        for (int bit = 0; bit < 8; bit++)
            crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
    }
    return crc;
}

Test(slots_crc16, table_matches_bitwise)
{
    uint8_t buf[3];
    for (int b = 0; b < 256; b++) {
        buf[0] = (uint8_t)b;
        buf[1] = (uint8_t)(255 - b);
        buf[2] = (uint8_t)(b * 7);
        cr_assert_eq(slots_crc16(buf, 1), crc16_bitwise(buf, 1), "byte %d", b);
        cr_assert_eq(slots_crc16(buf, 3), crc16_bitwise(buf, 3), "bytes %d", b);
    }
}

Test(slots_keyslot, spec_table)
{
    static const struct {
        const char *key;
        int slot;
    } cases[] = {
        {"foo", 12182},          {"hello", 866},      {"{user1000}.following", 3443},
        {"{}", 15257},           {"{{a}}", 10276},    {"a{}{b}", 15033},
        {"foo{}{bar}", 8363},    {"foo{{bar}}zap", 4015}, {"foo{bar}{zap}", 5061},
        {"a{b", 13340},          {"a}b{", 6027},      {"", 0},
        /* more, each checked with CLUSTER KEYSLOT on redis-server 7.0.15 */
        {"{a}", 15495},          {"x{a}y{b}", 15495}, {"{", 4092},
        {"}", 12090},            {"{}a", 10875},      {"a{}", 6082},
        {"{a", 10276},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        cr_assert_eq(keyslot(cases[i].key), cases[i].slot, "key '%s'", cases[i].key);
}

Test(slots_keyslot, hash_tag_edges)
{
    /* The tag is what the slot of the tag alone would be. */
    cr_assert_eq(keyslot("{user1000}.following"), keyslot("user1000"));
    cr_assert_eq(keyslot("{user1000}.followers"), keyslot("{user1000}.following"));
    cr_assert_eq(keyslot("foo{{bar}}zap"), keyslot("{bar"));
    cr_assert_eq(keyslot("foo{bar}{zap}"), keyslot("bar"));
    cr_assert_eq(keyslot("x{}{y}"), slots_crc16("x{}{y}", 6) & SLOTS_MASK);
    cr_assert_eq(keyslot("}{a}"), keyslot("a"));
    cr_assert_eq(keyslot("{a}}"), keyslot("a"));
    /* A binary tag with NUL bytes uses its length, not strlen. */
    cr_assert_eq(slots_keyslot("{a\0b}c", 6), slots_crc16("a\0b", 3) & SLOTS_MASK);
    cr_assert_eq(slots_keyslot("ab\0", 3), slots_crc16("ab\0", 3) & SLOTS_MASK);
    /* The tag must close within len. */
    cr_assert_eq(slots_keyslot("{ab}", 3), slots_crc16("{ab", 3) & SLOTS_MASK);
    cr_assert_eq(slots_keyslot("{ab}", 4), keyslot("ab"));
}

Test(slots_keyslot, always_in_range)
{
    char key[8];
    for (int i = 0; i < 5000; i++) {
        int len = snprintf(key, sizeof(key), "k%d", i);
        int slot = slots_keyslot(key, (size_t)len);
        cr_assert(slot >= 0 && slot < SLOTS_COUNT);
    }
}

/* Bitmaps. */

Test(slots_bitmap, wire_layout_and_iteration)
{
    struct slots_bitmap b;
    slots_bitmap_zero(&b);
    cr_assert_eq(slots_bitmap_count(&b), 0);
    cr_assert_eq(slots_bitmap_next(&b, 0), -1);
    slots_bitmap_add(&b, 0);
    slots_bitmap_add(&b, 7);
    slots_bitmap_add(&b, 16383);
    cr_assert_eq(b.bits[0], 0x81);
    cr_assert_eq(b.bits[2047], 0x80);
    cr_assert(slots_bitmap_has(&b, 7));
    cr_assert_not(slots_bitmap_has(&b, 8));
    cr_assert_eq(slots_bitmap_count(&b), 3);
    cr_assert_eq(slots_bitmap_next(&b, 0), 0);
    cr_assert_eq(slots_bitmap_next(&b, 1), 7);
    cr_assert_eq(slots_bitmap_next(&b, 8), 16383);
    cr_assert_eq(slots_bitmap_next(&b, 16383), 16383);
    cr_assert_eq(slots_bitmap_next(&b, SLOTS_COUNT), -1);
    slots_bitmap_del(&b, 7);
    cr_assert_eq(b.bits[0], 0x01);
    cr_assert_eq(slots_bitmap_next(&b, 1), 16383);
    int visited = 0;
    for (int s = slots_bitmap_next(&b, 0); s >= 0; s = slots_bitmap_next(&b, s + 1))
        visited++;
    cr_assert_eq(visited, 2);
}

/* The map. */

static struct slots_map map;

Test(slots_map, init_and_assign)
{
    slots_map_init(&map);
    cr_assert_eq(slots_map_check(&map, 0), 0);
    cr_assert_eq(slots_map_count_assigned(&map), 0);
    cr_assert_eq(slots_map_count_node(&map, SLOTS_NODE_NONE), SLOTS_COUNT);
    cr_assert_eq(slots_map_owner(&map, 100), SLOTS_NODE_NONE);
    slots_map_assign(&map, 100, 2);
    slots_map_assign(&map, 101, 2);
    slots_map_assign(&map, 16383, 0);
    cr_assert_eq(slots_map_owner(&map, 100), 2);
    cr_assert_eq(slots_map_count_node(&map, 2), 2);
    cr_assert_eq(slots_map_count_assigned(&map), 3);
    cr_assert_eq(slots_map_check(&map, 3), 0);
    cr_assert_eq(slots_map_check(&map, 2), -EINVAL, "owner 2 is out of a 2-node table");
    slots_map_unassign(&map, 100);
    cr_assert_eq(slots_map_owner(&map, 100), SLOTS_NODE_NONE);
    cr_assert_eq(slots_map_count_node(&map, 2), 1);
}

Test(slots_map, open_state_and_open_count)
{
    slots_map_init(&map);
    slots_map_assign(&map, 5, 0);
    slots_map_set_migrating(&map, 5, 1);
    cr_assert_eq(map.open_count, 1);
    cr_assert(slots_map_is_open(&map, 5));
    cr_assert_eq(slots_map_migrating_to(&map, 5), 1);
    slots_map_set_importing(&map, 5, 2);
    cr_assert_eq(map.open_count, 1, "one slot, both sides");
    slots_map_set_migrating(&map, 5, SLOTS_NODE_NONE);
    cr_assert_eq(map.open_count, 1);
    cr_assert_eq(slots_map_importing_from(&map, 5), 2);
    slots_map_set_importing(&map, 6, 2);
    cr_assert_eq(map.open_count, 2);
    cr_assert_eq(slots_map_check(&map, 3), 0);
    slots_map_set_stable(&map, 5);
    cr_assert_not(slots_map_is_open(&map, 5));
    cr_assert_eq(map.open_count, 1);
    slots_map_set_stable(&map, 5);
    cr_assert_eq(map.open_count, 1, "stable twice does not go negative");
    slots_map_clear_open(&map);
    cr_assert_eq(map.open_count, 0);
    cr_assert_eq(slots_map_importing_from(&map, 6), SLOTS_NODE_NONE);
    cr_assert_eq(slots_map_owner(&map, 5), 0, "ownership untouched");
    cr_assert_eq(slots_map_check(&map, 3), 0);
    /* The checker notices a hand-edited array. */
    map.migrating_to[9] = 1;
    cr_assert_eq(slots_map_check(&map, 3), -EINVAL);
}

Test(slots_map, bulk_node_edits)
{
    slots_map_init(&map);
    for (int s = 0; s < 100; s++)
        slots_map_assign(&map, s, 1);
    for (int s = 100; s < 150; s++)
        slots_map_assign(&map, s, 2);
    slots_map_set_migrating(&map, 10, 2);
    slots_map_set_importing(&map, 120, 1);
    slots_map_set_importing(&map, 200, 3);

    cr_assert_eq(slots_map_reassign_node(&map, 1, 3), 100);
    cr_assert_eq(slots_map_count_node(&map, 3), 100);
    cr_assert_eq(slots_map_count_node(&map, 1), 0);
    cr_assert_eq(slots_map_migrating_to(&map, 10), 2, "open state is not ownership");

    slots_map_forget_node(&map, 2);
    cr_assert_eq(slots_map_count_node(&map, 2), 0);
    cr_assert_eq(slots_map_count_assigned(&map), 100);
    cr_assert_eq(slots_map_migrating_to(&map, 10), SLOTS_NODE_NONE);
    cr_assert_eq(slots_map_importing_from(&map, 120), 1);
    cr_assert_eq(map.open_count, 2);
    cr_assert_eq(slots_map_check(&map, 4), 0);

    slots_map_renumber_node(&map, 3, 0);
    cr_assert_eq(slots_map_count_node(&map, 0), 100);
    cr_assert_eq(slots_map_importing_from(&map, 200), 0);
    cr_assert_eq(map.open_count, 2);
    cr_assert_eq(slots_map_check(&map, 2), 0);

    cr_assert_eq(slots_map_unassign_node(&map, 0), 100);
    cr_assert_eq(slots_map_count_assigned(&map), 0);
}

Test(slots_map, node_bitmap)
{
    struct slots_bitmap b;
    slots_map_init(&map);
    slots_map_assign(&map, 0, 4);
    slots_map_assign(&map, 9, 4);
    slots_map_assign(&map, 10, 5);
    slots_map_node_bitmap(&map, 4, &b);
    cr_assert_eq(slots_bitmap_count(&b), 2);
    cr_assert_eq(b.bits[0], 0x01);
    cr_assert_eq(b.bits[1], 0x02);
}

static int collect_ranges(int32_t filter, struct slots_range *out, int cap)
{
    int cursor = 0;
    int count = 0;
    struct slots_range r;
    while (slots_map_next_range(&map, filter, &cursor, &r)) {
        cr_assert(count < cap);
        out[count++] = r;
    }
    cr_assert_eq(cursor, SLOTS_COUNT);
    cr_assert_not(slots_map_next_range(&map, filter, &cursor, &r), "stays exhausted");
    return count;
}

static void assert_range(const struct slots_range *r, int start, int end, int32_t node)
{
    cr_assert(r->start == start && r->end == end && r->node == node, "got %d-%d @%d, want %d-%d @%d", r->start,
              r->end, r->node, start, end, node);
}

Test(slots_map, range_iteration)
{
    struct slots_range r[8];
    slots_map_init(&map);
    cr_assert_eq(collect_ranges(SLOTS_NODE_ANY, r, 8), 0);
    cr_assert_eq(collect_ranges(SLOTS_NODE_NONE, r, 8), 1);
    assert_range(&r[0], 0, 16383, SLOTS_NODE_NONE);

    for (int s = 0; s <= 5460; s++)
        slots_map_assign(&map, s, 0);
    for (int s = 5461; s <= 10922; s++)
        slots_map_assign(&map, s, 1);
    slots_map_assign(&map, 11000, 0);
    for (int s = 11001; s <= 16383; s++)
        slots_map_assign(&map, s, 2);
    slots_map_unassign(&map, 16383);

    cr_assert_eq(collect_ranges(SLOTS_NODE_ANY, r, 8), 4);
    assert_range(&r[0], 0, 5460, 0);
    assert_range(&r[1], 5461, 10922, 1);
    assert_range(&r[2], 11000, 11000, 0);
    assert_range(&r[3], 11001, 16382, 2);

    cr_assert_eq(collect_ranges(0, r, 8), 2);
    assert_range(&r[0], 0, 5460, 0);
    assert_range(&r[1], 11000, 11000, 0);

    cr_assert_eq(collect_ranges(SLOTS_NODE_NONE, r, 8), 2);
    assert_range(&r[0], 10923, 10999, SLOTS_NODE_NONE);
    assert_range(&r[1], 16383, 16383, SLOTS_NODE_NONE);

    cr_assert_eq(collect_ranges(7, r, 8), 0);
}

/* Slot arguments. */

Test(slots_args, parse_slot)
{
    static const char *good[] = {"0", "1", "16383", "9999"};
    static const int good_value[] = {0, 1, 16383, 9999};
    static const char *bad[] = {"+1", " 1", "1 ", "01", "00", "-0", "-1", "16384", "abc", "", "1.0", "0x1",
                                "9999999999999999999999", "-9223372036854775808", "9223372036854775807", "1a"};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        int slot = -7;
        cr_assert_eq(slots_parse_slot(good[i], strlen(good[i]), &slot), 0, "'%s'", good[i]);
        cr_assert_eq(slot, good_value[i]);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int slot = -7;
        cr_assert_eq(slots_parse_slot(bad[i], strlen(bad[i]), &slot), -EINVAL, "'%s'", bad[i]);
        cr_assert_eq(slot, -7, "not written on failure");
    }
    /* Length, not NUL, ends the argument. */
    int slot;
    cr_assert_eq(slots_parse_slot("12", 1, &slot), 0);
    cr_assert_eq(slot, 1);
    cr_assert_eq(slots_parse_slot("1\0", 2, &slot), -EINVAL);
}

Test(slots_args, countkeysinslot)
{
    int slot = -7;
    cr_assert_eq(slots_parse_countkeys("0", 1, &slot), SLOTS_ARG_OK);
    cr_assert_eq(slot, 0);
    cr_assert_eq(slots_parse_countkeys("16383", 5, &slot), SLOTS_ARG_OK);
    cr_assert_eq(slot, 16383);
    cr_assert_eq(slots_parse_countkeys("16384", 5, &slot), SLOTS_ARG_INVALID_SLOT);
    cr_assert_eq(slots_parse_countkeys("-1", 2, &slot), SLOTS_ARG_INVALID_SLOT);
    cr_assert_eq(slots_parse_countkeys("abc", 3, &slot), SLOTS_ARG_NOT_INTEGER);
    cr_assert_eq(slots_parse_countkeys("+1", 2, &slot), SLOTS_ARG_NOT_INTEGER);
    cr_assert_eq(slots_parse_countkeys("01", 2, &slot), SLOTS_ARG_NOT_INTEGER);
    cr_assert_eq(slots_parse_countkeys("-0", 2, &slot), SLOTS_ARG_NOT_INTEGER);
    cr_assert_eq(slots_parse_countkeys(" 1", 2, &slot), SLOTS_ARG_NOT_INTEGER);
    cr_assert_eq(slots_parse_countkeys("99999999999999999999", 20, &slot), SLOTS_ARG_NOT_INTEGER);
    cr_assert_eq(slot, 16383);
}

static enum slots_arg_err getkeys(const char *slot_s, const char *count_s, int *slot, long long *count)
{
    return slots_parse_getkeys(slot_s, strlen(slot_s), count_s, strlen(count_s), slot, count);
}

Test(slots_args, getkeysinslot)
{
    int slot = -7;
    long long count = -7;
    cr_assert_eq(getkeys("0", "1", &slot, &count), SLOTS_ARG_OK);
    cr_assert(slot == 0 && count == 1);
    cr_assert_eq(getkeys("5", "0", &slot, &count), SLOTS_ARG_OK);
    cr_assert(slot == 5 && count == 0);
    cr_assert_eq(getkeys("1", "9223372036854775807", &slot, &count), SLOTS_ARG_OK);
    cr_assert_eq(count, 9223372036854775807LL);
    cr_assert_eq(getkeys("16384", "1", &slot, &count), SLOTS_ARG_INVALID_SLOT_OR_COUNT);
    cr_assert_eq(getkeys("-1", "1", &slot, &count), SLOTS_ARG_INVALID_SLOT_OR_COUNT);
    cr_assert_eq(getkeys("1", "-1", &slot, &count), SLOTS_ARG_INVALID_SLOT_OR_COUNT);
    cr_assert_eq(getkeys("abc", "1", &slot, &count), SLOTS_ARG_NOT_INTEGER);
    cr_assert_eq(getkeys("1", "abc", &slot, &count), SLOTS_ARG_NOT_INTEGER);
    cr_assert_eq(getkeys("+1", "1", &slot, &count), SLOTS_ARG_NOT_INTEGER);
    /* Both parse before either range check. */
    cr_assert_eq(getkeys("16384", "abc", &slot, &count), SLOTS_ARG_NOT_INTEGER);
    cr_assert_eq(getkeys("abc", "-1", &slot, &count), SLOTS_ARG_NOT_INTEGER);
    cr_assert_eq(getkeys("1", "99999999999999999999", &slot, &count), SLOTS_ARG_NOT_INTEGER);
    cr_assert(slot == 1 && count == 9223372036854775807LL, "not written on failure");
}

#define ARGS_MAX 16

/* Splits words on single spaces and validates them against map, in which
 * slots 5, 6 and 7 are assigned (as in the redis-server session the
 * expectations were taken from). */
static enum slots_arg_err validate(bool del, bool ranges, const char *words, struct slots_bitmap *set,
                                   struct slots_arg_bad *bad)
{
    static char buf[256];
    const char *argv[ARGS_MAX];
    size_t argl[ARGS_MAX];
    int argc = 0;
    slots_map_init(&map);
    for (int s = 5; s <= 7; s++)
        slots_map_assign(&map, s, 0);
    cr_assert(strlen(words) < sizeof(buf));
    strcpy(buf, words);
    for (char *tok = strtok(buf, " "); tok != NULL; tok = strtok(NULL, " ")) {
        cr_assert(argc < ARGS_MAX);
        argv[argc] = tok;
        argl[argc++] = strlen(tok);
    }
    bad->slot = bad->end_slot = -7;
    return slots_args_validate(&map, del, ranges, argc, argv, argl, set, bad);
}

struct args_case {
    bool del;
    bool ranges;
    const char *words;
    enum slots_arg_err want;
    int slot;
    int end_slot;
};

Test(slots_args, validate_error_order)
{
    static const struct args_case cases[] = {
        /* ADDSLOTS / DELSLOTS: every argument parses first */
        {false, false, "1 1", SLOTS_ARG_MULTIPLE, 1, -1},
        {false, false, "1 1 1", SLOTS_ARG_MULTIPLE, 1, -1},
        {false, false, "5 5", SLOTS_ARG_BUSY, 5, -1},
        {false, false, "1 1 5", SLOTS_ARG_MULTIPLE, 1, -1},
        {false, false, "1 5 1", SLOTS_ARG_BUSY, 5, -1},
        {false, false, "1 abc 1", SLOTS_ARG_BAD_SLOT, -1, -1},
        {false, false, "5 abc", SLOTS_ARG_BAD_SLOT, -1, -1},
        {false, false, "1 2 3 1 16384", SLOTS_ARG_BAD_SLOT, -1, -1},
        {false, false, "-1", SLOTS_ARG_BAD_SLOT, -1, -1},
        {true, false, "5 5", SLOTS_ARG_MULTIPLE, 5, -1},
        {true, false, "1 1", SLOTS_ARG_UNASSIGNED, 1, -1},
        {true, false, "5 1", SLOTS_ARG_UNASSIGNED, 1, -1},
        {true, false, "5 6 5 1", SLOTS_ARG_MULTIPLE, 5, -1},
        {true, false, "0 1 16383", SLOTS_ARG_UNASSIGNED, 0, -1},
        /* RANGE forms: pair by pair */
        {false, true, "10 5", SLOTS_ARG_START_GT_END, 10, 5},
        {false, true, "10 5 1 abc", SLOTS_ARG_START_GT_END, 10, 5},
        {false, true, "1 abc 10 5", SLOTS_ARG_BAD_SLOT, -1, -1},
        {false, true, "10 5 20 4", SLOTS_ARG_START_GT_END, 10, 5},
        {false, true, "1 6 10 5", SLOTS_ARG_BUSY, 5, -1},
        {false, true, "1 6", SLOTS_ARG_BUSY, 5, -1},
        {false, true, "1 3 2 4", SLOTS_ARG_MULTIPLE, 2, -1},
        {false, true, "1 3 3 3", SLOTS_ARG_MULTIPLE, 3, -1},
        {false, true, "1 3 3 5", SLOTS_ARG_MULTIPLE, 3, -1},
        {false, true, "8 8 8 9", SLOTS_ARG_MULTIPLE, 8, -1},
        {false, true, "3 3 -1 2", SLOTS_ARG_BAD_SLOT, -1, -1},
        {false, true, "0 16384", SLOTS_ARG_BAD_SLOT, -1, -1},
        {false, true, "5 5 abc 1", SLOTS_ARG_BUSY, 5, -1},
        {false, true, "5 5 10 4", SLOTS_ARG_BUSY, 5, -1},
        {false, true, "1 1 1 abc", SLOTS_ARG_BAD_SLOT, -1, -1},
        {false, true, "1 1 1 1", SLOTS_ARG_MULTIPLE, 1, -1},
        {false, true, "1 2 20000 1", SLOTS_ARG_BAD_SLOT, -1, -1},
        {false, true, "1 1 2 2 1 abc", SLOTS_ARG_BAD_SLOT, -1, -1},
        {false, true, "1 1 2 2 3 1", SLOTS_ARG_START_GT_END, 3, 1},
        {false, true, "1 2 3", SLOTS_ARG_ARITY, -1, -1},
        {false, true, "1", SLOTS_ARG_ARITY, -1, -1},
        {false, false, "", SLOTS_ARG_ARITY, -1, -1},
        {true, true, "5 7 7 7", SLOTS_ARG_MULTIPLE, 7, -1},
        {true, true, "5 8", SLOTS_ARG_UNASSIGNED, 8, -1},
        {true, true, "5 6 8 7", SLOTS_ARG_START_GT_END, 8, 7},
        {true, true, "7 7 5 6 5 5", SLOTS_ARG_MULTIPLE, 5, -1},
        {true, true, "8 8 5 5 8 8", SLOTS_ARG_UNASSIGNED, 8, -1},
        {true, true, "6 6 5 6", SLOTS_ARG_MULTIPLE, 6, -1},
        {true, true, "1 1 abc 2", SLOTS_ARG_UNASSIGNED, 1, -1},
        {true, true, "5 5 5 abc", SLOTS_ARG_BAD_SLOT, -1, -1},
        {true, true, "5 5 5 4", SLOTS_ARG_START_GT_END, 5, 4},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct args_case *c = &cases[i];
        struct slots_bitmap set;
        struct slots_arg_bad bad;
        enum slots_arg_err err = validate(c->del, c->ranges, c->words, &set, &bad);
        cr_assert(err == c->want && bad.slot == c->slot && bad.end_slot == c->end_slot,
                  "%s%s '%s': got %d (%d, %d), want %d (%d, %d)", c->del ? "del" : "add", c->ranges ? "range" : "",
                  c->words, err, bad.slot, bad.end_slot, c->want, c->slot, c->end_slot);
    }
}

Test(slots_args, validate_success_fills_set)
{
    struct slots_bitmap set;
    struct slots_arg_bad bad;
    cr_assert_eq(validate(false, false, "0 16383 4", &set, &bad), SLOTS_ARG_OK);
    cr_assert_eq(slots_bitmap_count(&set), 3);
    cr_assert(slots_bitmap_has(&set, 0) && slots_bitmap_has(&set, 16383) && slots_bitmap_has(&set, 4));
    cr_assert_eq(bad.slot, -7, "bad untouched on success");

    cr_assert_eq(validate(false, true, "0 4 8 16383", &set, &bad), SLOTS_ARG_OK);
    cr_assert_eq(slots_bitmap_count(&set), 16384 - 3);
    cr_assert_not(slots_bitmap_has(&set, 5));

    cr_assert_eq(validate(true, true, "5 7", &set, &bad), SLOTS_ARG_OK);
    cr_assert_eq(slots_bitmap_count(&set), 3);
    cr_assert_eq(validate(true, false, "7 5", &set, &bad), SLOTS_ARG_OK);
    cr_assert_eq(slots_bitmap_count(&set), 2);
    /* Validation never touches the map. */
    cr_assert_eq(slots_map_count_assigned(&map), 3);
}

/* Redirect decisions. */

enum { ME = 0, OTHER = 1, TARGET = 2, MASTER = 3, NODES = 4, NONE = SLOTS_NODE_NONE };

/* Keys tagged {x} land in the slot each case configures; "foo" is in a slot
 * OTHER owns; {u} keys are in an unassigned slot. */
#define KEYS_MAX 6

struct route_case {
    const char *name;
    int32_t owner, migrating_to, importing_from, my_master;
    bool down, allow_reads, allow_pubsubshard;
    bool write, exec, migrate, pubsubshard, cmd_asking, client_asking, client_readonly;
    const char *keys[KEYS_MAX];
    const char *present[KEYS_MAX];
    enum slots_route want;
    int32_t want_node;
};

struct lookups {
    const char *const *present;
    int calls;
};

static bool key_exists(void *ud, const char *key, size_t len)
{
    struct lookups *l = ud;
    l->calls++;
    for (int i = 0; i < KEYS_MAX && l->present[i] != NULL; i++) {
        if (strlen(l->present[i]) == len && memcmp(l->present[i], key, len) == 0)
            return true;
    }
    return false;
}

#define DOWN .down = true
#define ALLOW_READS .allow_reads = true
#define STABLE(o) .owner = (o), .migrating_to = NONE, .importing_from = NONE
#define MIGRATING .owner = ME, .migrating_to = TARGET, .importing_from = NONE
#define IMPORTING .owner = OTHER, .migrating_to = NONE, .importing_from = OTHER
#define MASTER_NODE .my_master = NONE
#define REPLICA .my_master = MASTER
#define K(...) .keys = {__VA_ARGS__}
#define HAVE(...) .present = {__VA_ARGS__}

static const struct route_case route_cases[] = {
    /* stable slots, I am a master */
    {"mine", STABLE(ME), MASTER_NODE, K("{x}a"), .want = SLOTS_SERVE, .want_node = ME},
    {"others", STABLE(OTHER), MASTER_NODE, K("{x}a"), .want = SLOTS_MOVED, .want_node = OTHER},
    {"others write", STABLE(OTHER), MASTER_NODE, .write = true, K("{x}a"), .want = SLOTS_MOVED, .want_node = OTHER},
    {"no keys", STABLE(OTHER), MASTER_NODE, K(NULL), .want = SLOTS_SERVE, .want_node = ME},
    {"no keys while down", STABLE(OTHER), MASTER_NODE, DOWN, K(NULL), .want = SLOTS_SERVE, .want_node = ME},
    {"unbound", STABLE(ME), MASTER_NODE, K("{u}1"), .want = SLOTS_DOWN_UNBOUND, .want_node = NONE},
    {"unbound beats down", STABLE(ME), MASTER_NODE, DOWN, K("{u}1"), .want = SLOTS_DOWN_UNBOUND, .want_node = NONE},
    {"unbound beats crossslot", STABLE(ME), MASTER_NODE, K("{u}1", "{x}a"), .want = SLOTS_DOWN_UNBOUND,
     .want_node = NONE},
    {"later unbound key is crossslot", STABLE(ME), MASTER_NODE, K("{x}a", "{u}1"), .want = SLOTS_CROSSSLOT,
     .want_node = NONE},
    {"crossslot", STABLE(ME), MASTER_NODE, K("{x}a", "foo"), .want = SLOTS_CROSSSLOT, .want_node = NONE},
    {"crossslot beats down", STABLE(ME), MASTER_NODE, DOWN, K("{x}a", "foo"), .want = SLOTS_CROSSSLOT,
     .want_node = NONE},
    {"crossslot on others slot", STABLE(OTHER), MASTER_NODE, K("{x}a", "{x}b", "foo"), .want = SLOTS_CROSSSLOT,
     .want_node = NONE},
    {"hash tags same slot", STABLE(ME), MASTER_NODE, K("{x}a", "{x}b", "{x}c"), .want = SLOTS_SERVE,
     .want_node = ME},
    {"hash tags same slot others", STABLE(OTHER), MASTER_NODE, K("{x}a", "{x}b"), .want = SLOTS_MOVED,
     .want_node = OTHER},
    {"same key repeated", STABLE(ME), MASTER_NODE, .write = true, K("{x}a", "{x}a"), .want = SLOTS_SERVE,
     .want_node = ME},
    {"asking on a stable slot", STABLE(OTHER), MASTER_NODE, .client_asking = true, K("{x}a"),
     .want = SLOTS_MOVED, .want_node = OTHER},
    {"readonly client on a master", STABLE(OTHER), MASTER_NODE, .client_readonly = true, K("{x}a"),
     .want = SLOTS_MOVED, .want_node = OTHER},

    /* cluster state fail (spec §19) */
    {"down read", STABLE(ME), MASTER_NODE, DOWN, K("{x}a"), .want = SLOTS_DOWN_STATE, .want_node = NONE},
    {"down write", STABLE(ME), MASTER_NODE, DOWN, .write = true, K("{x}a"), .want = SLOTS_DOWN_STATE,
     .want_node = NONE},
    {"down reads allowed, read", STABLE(ME), MASTER_NODE, DOWN, ALLOW_READS, K("{x}a"), .want = SLOTS_SERVE,
     .want_node = ME},
    {"down reads allowed, write", STABLE(ME), MASTER_NODE, DOWN, ALLOW_READS, .write = true, K("{x}a"),
     .want = SLOTS_DOWN_READONLY_STATE, .want_node = NONE},
    {"down reads allowed, read elsewhere", STABLE(OTHER), MASTER_NODE, DOWN, ALLOW_READS, K("{x}a"),
     .want = SLOTS_MOVED, .want_node = OTHER},
    /* Seen on redis-server 7.0.15: SET queued while ok, cluster fails, EXEC runs it. */
    {"down reads allowed, exec with writes", STABLE(ME), MASTER_NODE, DOWN, ALLOW_READS, .write = true,
     .exec = true, K("{x}a", "{x}b"), .want = SLOTS_SERVE, .want_node = ME},
    {"down, exec", STABLE(ME), MASTER_NODE, DOWN, .exec = true, K("{x}a"), .want = SLOTS_DOWN_STATE,
     .want_node = NONE},
    {"down, shard pubsub not allowed", STABLE(ME), MASTER_NODE, DOWN, ALLOW_READS, .pubsubshard = true,
     K("{x}ch"), .want = SLOTS_DOWN_STATE, .want_node = NONE},
    {"down, shard pubsub allowed", STABLE(ME), MASTER_NODE, DOWN, .allow_pubsubshard = true, .pubsubshard = true,
     K("{x}ch"), .want = SLOTS_SERVE, .want_node = ME},
    {"down beats migrating", MIGRATING, MASTER_NODE, DOWN, K("{x}a"), .want = SLOTS_DOWN_STATE, .want_node = NONE},

    /* migrating: my slot moving to TARGET */
    {"migrating, present", MIGRATING, MASTER_NODE, K("{x}a"), HAVE("{x}a"), .want = SLOTS_SERVE, .want_node = ME},
    {"migrating, missing", MIGRATING, MASTER_NODE, K("{x}a"), .want = SLOTS_ASK, .want_node = TARGET},
    {"migrating, all missing", MIGRATING, MASTER_NODE, K("{x}a", "{x}b"), .want = SLOTS_ASK, .want_node = TARGET},
    {"migrating, some missing", MIGRATING, MASTER_NODE, K("{x}a", "{x}b"), HAVE("{x}b"), .want = SLOTS_TRYAGAIN,
     .want_node = NONE},
    {"migrating, all present", MIGRATING, MASTER_NODE, K("{x}a", "{x}b"), HAVE("{x}a", "{x}b"),
     .want = SLOTS_SERVE, .want_node = ME},
    {"migrating, same key missing twice", MIGRATING, MASTER_NODE, K("{x}a", "{x}a"), .want = SLOTS_ASK,
     .want_node = TARGET},
    {"migrating, write missing", MIGRATING, MASTER_NODE, .write = true, K("{x}a"), .want = SLOTS_ASK,
     .want_node = TARGET},
    {"migrating, MIGRATE", MIGRATING, MASTER_NODE, .write = true, .migrate = true, K("{x}a", "{x}b"),
     HAVE("{x}a"), .want = SLOTS_SERVE, .want_node = ME},
    {"migrating, shard channel", MIGRATING, MASTER_NODE, .pubsubshard = true, K("{x}ch"), .want = SLOTS_SERVE,
     .want_node = ME},
    {"migrating, asking does not matter", MIGRATING, MASTER_NODE, .client_asking = true, K("{x}a"),
     .want = SLOTS_ASK, .want_node = TARGET},
    {"migrating mark on a slot not mine", .owner = OTHER, .migrating_to = TARGET, .importing_from = NONE,
     MASTER_NODE, K("{x}a"), .want = SLOTS_MOVED, .want_node = OTHER},

    /* importing: OTHER's slot moving here */
    {"importing, no asking", IMPORTING, MASTER_NODE, K("{x}a"), HAVE("{x}a"), .want = SLOTS_MOVED,
     .want_node = OTHER},
    {"importing, client asking, missing", IMPORTING, MASTER_NODE, .client_asking = true, K("{x}a"),
     .want = SLOTS_SERVE, .want_node = ME},
    {"importing, RESTORE-ASKING", IMPORTING, MASTER_NODE, .write = true, .cmd_asking = true, K("{x}a"),
     .want = SLOTS_SERVE, .want_node = ME},
    {"importing, asking, multi some missing", IMPORTING, MASTER_NODE, .client_asking = true, K("{x}a", "{x}b"),
     HAVE("{x}a"), .want = SLOTS_TRYAGAIN, .want_node = NONE},
    {"importing, asking, multi all present", IMPORTING, MASTER_NODE, .client_asking = true, K("{x}a", "{x}b"),
     HAVE("{x}a", "{x}b"), .want = SLOTS_SERVE, .want_node = ME},
    {"importing, asking, same key twice missing", IMPORTING, MASTER_NODE, .client_asking = true, .write = true,
     K("{x}a", "{x}a"), .want = SLOTS_SERVE, .want_node = ME},
    {"importing, cmd asking, multi all missing", IMPORTING, MASTER_NODE, .cmd_asking = true, K("{x}a", "{x}b"),
     .want = SLOTS_TRYAGAIN, .want_node = NONE},
    {"importing, MIGRATE", IMPORTING, MASTER_NODE, .migrate = true, K("{x}a"), .want = SLOTS_SERVE,
     .want_node = ME},
    {"importing, asking, down", IMPORTING, MASTER_NODE, DOWN, .client_asking = true, K("{x}a"),
     .want = SLOTS_DOWN_STATE, .want_node = NONE},
    {"importing, asking, unbound", .owner = NONE, .migrating_to = NONE, .importing_from = OTHER, MASTER_NODE,
     .client_asking = true, K("{x}a"), .want = SLOTS_DOWN_UNBOUND, .want_node = NONE},

    /* I am a replica of MASTER */
    {"replica, readonly read", STABLE(MASTER), REPLICA, .client_readonly = true, K("{x}a"), .want = SLOTS_SERVE,
     .want_node = ME},
    {"replica, readonly write", STABLE(MASTER), REPLICA, .client_readonly = true, .write = true, K("{x}a"),
     .want = SLOTS_MOVED, .want_node = MASTER},
    {"replica, read without readonly", STABLE(MASTER), REPLICA, K("{x}a"), .want = SLOTS_MOVED,
     .want_node = MASTER},
    {"replica, readonly read of another shard", STABLE(OTHER), REPLICA, .client_readonly = true, K("{x}a"),
     .want = SLOTS_MOVED, .want_node = OTHER},
    {"replica, readonly exec with a write", STABLE(MASTER), REPLICA, .client_readonly = true, .exec = true,
     .write = true, K("{x}a", "{x}b"), .want = SLOTS_MOVED, .want_node = MASTER},
    {"replica, readonly exec of reads", STABLE(MASTER), REPLICA, .client_readonly = true, .exec = true,
     K("{x}a", "{x}b", "{x}a"), .want = SLOTS_SERVE, .want_node = ME},
    {"replica, shard pubsub", STABLE(MASTER), REPLICA, .pubsubshard = true, K("{x}ch"), .want = SLOTS_SERVE,
     .want_node = ME},
    {"replica, readonly, down", STABLE(MASTER), REPLICA, DOWN, .client_readonly = true, K("{x}a"),
     .want = SLOTS_DOWN_STATE, .want_node = NONE},
    {"replica, readonly, down reads allowed", STABLE(MASTER), REPLICA, DOWN, ALLOW_READS, .client_readonly = true,
     K("{x}a"), .want = SLOTS_SERVE, .want_node = ME},
    {"replica, readonly crossslot", STABLE(MASTER), REPLICA, .client_readonly = true, K("{x}a", "foo"),
     .want = SLOTS_CROSSSLOT, .want_node = NONE},

    /* EXEC: every queued command's keys, flattened */
    {"exec, one slot", STABLE(ME), MASTER_NODE, .exec = true, .write = true, K("{x}a", "{x}b", "{x}a", "{x}c"),
     .want = SLOTS_SERVE, .want_node = ME},
    {"exec, crossslot", STABLE(ME), MASTER_NODE, .exec = true, K("{x}a", "{x}b", "foo"), .want = SLOTS_CROSSSLOT,
     .want_node = NONE},
    {"exec, others slot", STABLE(OTHER), MASTER_NODE, .exec = true, K("{x}a", "{x}b"), .want = SLOTS_MOVED,
     .want_node = OTHER},
    {"exec, migrating some missing", MIGRATING, MASTER_NODE, .exec = true, K("{x}a", "{x}b"), HAVE("{x}a"),
     .want = SLOTS_TRYAGAIN, .want_node = NONE},
};

/* Builds the map of a case: OTHER owns everything but the {x} slot, which the
 * case sets, and the {u} slot, which is unassigned. */
static void route_case_map(const struct route_case *c)
{
    int x = keyslot("{x}"), u = keyslot("{u}"), foo = keyslot("foo");
    cr_assert(x != u && x != foo && u != foo);
    slots_map_init(&map);
    for (int s = 0; s < SLOTS_COUNT; s++)
        slots_map_assign(&map, s, OTHER);
    slots_map_unassign(&map, u);
    if (c->owner == NONE)
        slots_map_unassign(&map, x);
    else
        slots_map_assign(&map, x, c->owner);
    slots_map_set_migrating(&map, x, c->migrating_to);
    slots_map_set_importing(&map, x, c->importing_from);
    cr_assert_eq(slots_map_check(&map, NODES), 0);
}

static enum slots_route run_case(const struct route_case *c, struct slots_route_out *out, struct lookups *l)
{
    size_t lens[KEYS_MAX];
    int key_count = 0;
    while (key_count < KEYS_MAX && c->keys[key_count] != NULL) {
        lens[key_count] = strlen(c->keys[key_count]);
        key_count++;
    }
    *l = (struct lookups){.present = c->present};
    struct slots_route_req req = {
        .map = &map,
        .myself = ME,
        .my_master = c->my_master,
        .cluster_ok = !c->down,
        .allow_reads_when_down = c->allow_reads,
        .allow_pubsubshard_when_down = c->allow_pubsubshard,
        .is_write = c->write,
        .is_exec = c->exec,
        .is_migrate = c->migrate,
        .is_pubsubshard = c->pubsubshard,
        .cmd_asking = c->cmd_asking,
        .client_asking = c->client_asking,
        .client_readonly = c->client_readonly,
        .keys = c->keys,
        .key_lens = lens,
        .key_count = key_count,
        .key_exists = key_exists,
        .key_exists_ud = l,
    };
    return slots_route(&req, out);
}

Test(slots_route, table)
{
    size_t n = sizeof(route_cases) / sizeof(route_cases[0]);
    cr_assert_geq(n, 40);
    bool seen[SLOTS_DOWN_READONLY_STATE + 1] = {false};
    for (size_t i = 0; i < n; i++) {
        const struct route_case *c = &route_cases[i];
        struct slots_route_out out = {-7, -7};
        struct lookups l;
        route_case_map(c);
        enum slots_route got = run_case(c, &out, &l);
        cr_assert(got == c->want && out.node == c->want_node, "%s: got %d node %d, want %d node %d", c->name, got,
                  out.node, c->want, c->want_node);
        int want_slot = c->keys[0] == NULL ? -1 : keyslot(c->keys[0]);
        cr_assert_eq(out.slot, want_slot, "%s: slot", c->name);
        /* The hot path: a stable slot never asks the keyspace. */
        if (c->migrating_to == NONE && c->importing_from == NONE)
            cr_assert_eq(l.calls, 0, "%s: %d lookups on a stable slot", c->name, l.calls);
        seen[got] = true;
    }
    for (int v = 0; v <= SLOTS_DOWN_READONLY_STATE; v++)
        cr_assert(seen[v], "outcome %d not covered", v);
}

Test(slots_route, lookups_only_for_open_slot_of_the_request)
{
    /* Some other slot is open: open_count > 0, yet a stable slot still
     * makes no lookup. */
    struct route_case c = {"x", STABLE(ME), MASTER_NODE, K("{x}a", "{x}b")};
    struct slots_route_out out;
    struct lookups l;
    route_case_map(&c);
    slots_map_set_importing(&map, keyslot("foo"), TARGET);
    cr_assert_eq(run_case(&c, &out, &l), SLOTS_SERVE);
    cr_assert_eq(l.calls, 0);
    /* The open slot itself: one lookup per key. */
    struct route_case m = {"m", MIGRATING, MASTER_NODE, K("{x}a", "{x}b", "{x}c"), HAVE("{x}a", "{x}b", "{x}c")};
    route_case_map(&m);
    cr_assert_eq(run_case(&m, &out, &l), SLOTS_SERVE);
    cr_assert_eq(l.calls, 3);
}

Test(slots_route, scan_stops_at_early_verdict)
{
    struct route_case c = {"x", STABLE(ME), MASTER_NODE};
    route_case_map(&c);
    struct slots_route_req req = {.map = &map, .myself = ME, .my_master = NONE, .cluster_ok = true};
    struct slots_route_scan scan;
    struct slots_route_out out;

    slots_route_scan_init(&scan, &req);
    cr_assert(slots_route_scan_key(&scan, "{x}1", 4));
    cr_assert(slots_route_scan_key(&scan, "{x}2", 4));
    cr_assert_not(slots_route_scan_key(&scan, "foo", 3), "crossslot: stop feeding");
    cr_assert_eq(slots_route_finish(&scan, &out), SLOTS_CROSSSLOT);
    cr_assert_eq(out.slot, keyslot("{x}"));

    slots_route_scan_init(&scan, &req);
    cr_assert_not(slots_route_scan_key(&scan, "{u}", 3), "unbound: stop feeding");
    cr_assert_eq(slots_route_finish(&scan, &out), SLOTS_DOWN_UNBOUND);
    cr_assert_eq(out.slot, keyslot("{u}"));

    /* EXEC-style: keys of several queued commands fed one by one. */
    slots_route_scan_init(&scan, &req);
    static const char *queued[2][2] = {{"{x}a", "{x}b"}, {"{x}c", "{x}a"}};
    for (int cmd = 0; cmd < 2; cmd++) {
        for (int k = 0; k < 2; k++)
            cr_assert(slots_route_scan_key(&scan, queued[cmd][k], 4));
    }
    cr_assert_eq(slots_route_finish(&scan, &out), SLOTS_SERVE);
    cr_assert_eq(out.node, ME);

    slots_route_scan_init(&scan, &req);
    cr_assert_eq(slots_route_finish(&scan, &out), SLOTS_SERVE, "no keys");
    cr_assert_eq(out.slot, -1);
}

Test(slots_route, empty_and_binary_keys)
{
    struct route_case c = {"x", STABLE(ME), MASTER_NODE};
    route_case_map(&c);
    slots_map_assign(&map, 0, ME);
    const char *keys[] = {"", "{x}\0a"};
    size_t lens[] = {0, 5};
    struct slots_route_req req = {
        .map = &map, .myself = ME, .my_master = NONE, .cluster_ok = true, .keys = keys, .key_lens = lens};
    struct slots_route_out out;
    req.key_count = 1;
    cr_assert_eq(slots_route(&req, &out), SLOTS_SERVE);
    cr_assert_eq(out.slot, 0);
    req.keys = &keys[1];
    req.key_lens = &lens[1];
    cr_assert_eq(slots_route(&req, &out), SLOTS_SERVE);
    cr_assert_eq(out.slot, keyslot("{x}"));
}
