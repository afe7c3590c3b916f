/*
 * test_backlog.c — unit tests of replication/repl_backlog.c (the ring:
 * wrap-around, what is servable, spans, resize) and replication/repl_psync.c
 * (id transitions, the PSYNC decision of spec §3.1 step 5, the replica's
 * reading of the master's reply line, spec §3.2).
 */
#include <criterion/criterion.h>
#include <string.h>

#include "replication/repl_backlog.h"
#include "replication/repl_psync.h"

#define ID_A "5bc1c0ffee0000000000000000000000000000a1"
#define ID_B "2244000000000000000000000000000000000000"
#define ZERO_ID "0000000000000000000000000000000000000000"

/* Appends bytes whose value is their stream offset mod 251, so any span can
 * be checked against the offsets it claims to hold. */
static void feed(struct repl_backlog *b, size_t n)
{
    unsigned char tmp[4096];
    while (n > 0) {
        size_t k = n < sizeof(tmp) ? n : sizeof(tmp);
        for (size_t i = 0; i < k; i++)
            tmp[i] = (unsigned char)((b->offset + 1 + (int64_t)i) % 251);
        repl_backlog_append(b, tmp, k);
        n -= k;
    }
}

/* Checks that the spans from `from` hold exactly offsets from..offset. */
static void check_spans(const struct repl_backlog *b, int64_t from)
{
    const uint8_t *ptr[2];
    size_t len[2];
    int n = repl_backlog_spans(b, from, ptr, len);
    int64_t off = from;
    for (int s = 0; s < n; s++) {
        cr_assert_gt(len[s], 0);
        for (size_t i = 0; i < len[s]; i++, off++)
            cr_assert_eq(ptr[s][i], (uint8_t)(off % 251), "byte at offset %lld", (long long)off);
    }
    cr_assert_eq(off, b->offset + 1);
}

Test(backlog, empty_serves_only_the_next_offset)
{
    struct repl_backlog *b = repl_backlog_new(16, 595);
    cr_assert_eq(repl_backlog_first_byte(b), 596);
    cr_assert_eq(b->histlen, 0);
    cr_assert(repl_backlog_can_serve(b, 596));
    cr_assert_not(repl_backlog_can_serve(b, 595));
    cr_assert_not(repl_backlog_can_serve(b, 597));
    const uint8_t *ptr[2];
    size_t len[2];
    cr_assert_eq(repl_backlog_spans(b, 596, ptr, len), 0);
    repl_backlog_free(b);
}

Test(backlog, before_wrap)
{
    struct repl_backlog *b = repl_backlog_new(100, 0);
    feed(b, 60);
    cr_assert_eq(b->offset, 60);
    cr_assert_eq(b->histlen, 60);
    cr_assert_eq(repl_backlog_first_byte(b), 1);
    cr_assert_not(repl_backlog_can_serve(b, 0));
    cr_assert(repl_backlog_can_serve(b, 1));
    cr_assert(repl_backlog_can_serve(b, 61));
    cr_assert_not(repl_backlog_can_serve(b, 62));
    const uint8_t *ptr[2];
    size_t len[2];
    cr_assert_eq(repl_backlog_spans(b, 1, ptr, len), 1);
    cr_assert_eq(len[0], 60);
    check_spans(b, 1);
    check_spans(b, 30);
    check_spans(b, 60);
    repl_backlog_free(b);
}

Test(backlog, after_wrap_only_the_newest_size_bytes_are_servable)
{
    struct repl_backlog *b = repl_backlog_new(100, 1000);
    for (int i = 0; i < 5; i++)
        feed(b, 50);
    cr_assert_eq(b->offset, 1250);
    cr_assert_eq(b->histlen, 100);
    cr_assert_eq(repl_backlog_first_byte(b), 1151);
    cr_assert_not(repl_backlog_can_serve(b, 1150));
    cr_assert(repl_backlog_can_serve(b, 1151));
    cr_assert(repl_backlog_can_serve(b, 1251));
    cr_assert_not(repl_backlog_can_serve(b, 1252));
    /* 250 bytes into a ring of 100: idx 50, the oldest held byte at 50. */
    cr_assert_eq(b->idx, 50);
    const uint8_t *ptr[2];
    size_t len[2];
    cr_assert_eq(repl_backlog_spans(b, 1151, ptr, len), 2);
    cr_assert_eq(len[0], 50);
    cr_assert_eq(len[1], 50);
    cr_assert_eq(repl_backlog_spans(b, 1220, ptr, len), 1);
    cr_assert_eq(len[0], 31);
    for (int64_t from = 1151; from <= 1251; from++)
        check_spans(b, from);
    repl_backlog_free(b);
}

Test(backlog, append_larger_than_the_ring_keeps_its_tail)
{
    struct repl_backlog *b = repl_backlog_new(64, 0);
    feed(b, 10);
    feed(b, 1000);
    cr_assert_eq(b->offset, 1010);
    cr_assert_eq(b->histlen, 64);
    cr_assert_eq(repl_backlog_first_byte(b), 947);
    check_spans(b, 947);
    repl_backlog_free(b);
}

Test(backlog, append_ending_exactly_at_the_end_of_the_buffer)
{
    struct repl_backlog *b = repl_backlog_new(32, 0);
    feed(b, 32);
    cr_assert_eq(b->idx, 0);
    const uint8_t *ptr[2];
    size_t len[2];
    cr_assert_eq(repl_backlog_spans(b, 1, ptr, len), 1);
    cr_assert_eq(len[0], 32);
    feed(b, 5);
    check_spans(b, 6);
    cr_assert_not(repl_backlog_can_serve(b, 5));
    repl_backlog_free(b);
}

Test(backlog, many_small_appends_across_many_wraps)
{
    struct repl_backlog *b = repl_backlog_new(97, 0);
    for (int i = 0; i < 500; i++)
        feed(b, (size_t)(i % 13) + 1);
    cr_assert_eq(b->histlen, 97);
    for (int64_t from = repl_backlog_first_byte(b); from <= b->offset + 1; from++)
        check_spans(b, from);
    repl_backlog_free(b);
}

Test(backlog, grow_keeps_everything_held)
{
    struct repl_backlog *b = repl_backlog_new(100, 0);
    feed(b, 250);
    repl_backlog_resize(b, 400);
    cr_assert_eq(b->size, 400);
    cr_assert_eq(b->histlen, 100);
    cr_assert_eq(b->offset, 250);
    cr_assert_eq(repl_backlog_first_byte(b), 151);
    check_spans(b, 151);
    feed(b, 300);
    cr_assert_eq(b->histlen, 400);
    cr_assert_eq(repl_backlog_first_byte(b), 151);
    check_spans(b, 151);
    feed(b, 1);
    cr_assert_eq(repl_backlog_first_byte(b), 152);
    repl_backlog_free(b);
}

Test(backlog, shrink_keeps_the_newest_bytes)
{
    struct repl_backlog *b = repl_backlog_new(100, 0);
    feed(b, 170);
    repl_backlog_resize(b, 30);
    cr_assert_eq(b->histlen, 30);
    cr_assert_eq(b->offset, 170);
    cr_assert_eq(repl_backlog_first_byte(b), 141);
    cr_assert_not(repl_backlog_can_serve(b, 140));
    check_spans(b, 141);
    feed(b, 45);
    check_spans(b, repl_backlog_first_byte(b));
    cr_assert_eq(repl_backlog_first_byte(b), 186);
    repl_backlog_free(b);
}

Test(backlog, resize_when_not_full_and_to_exactly_histlen)
{
    struct repl_backlog *b = repl_backlog_new(100, 7);
    feed(b, 40);
    repl_backlog_resize(b, 40);
    cr_assert_eq(b->histlen, 40);
    cr_assert_eq(b->idx, 0);
    check_spans(b, 8);
    feed(b, 1);
    cr_assert_eq(repl_backlog_first_byte(b), 9);
    check_spans(b, 9);
    repl_backlog_resize(b, 40); /* same size: nothing moves */
    check_spans(b, 9);
    repl_backlog_free(b);
}

/* ---- ids ---- */

Test(psync_ids, valid_ids)
{
    cr_assert(repl_id_valid(ID_A, 40));
    cr_assert(repl_id_valid(ZERO_ID, 40));
    cr_assert_not(repl_id_valid(ID_A, 39));
    cr_assert_not(repl_id_valid("5BC1C0FFEE0000000000000000000000000000A1", 40));
    cr_assert_not(repl_id_valid("5bc1c0ffee000000000000000000000000000 a1", 40));
    cr_assert_not(repl_id_valid("?", 1));
}

Test(psync_ids, init_change_shift_clear)
{
    struct repl_ids ids;
    repl_ids_init(&ids, ID_A);
    cr_assert_str_eq(ids.replid, ID_A);
    cr_assert_str_eq(ids.replid2, ZERO_ID);
    cr_assert_eq(ids.offset, 0);
    cr_assert_eq(ids.second_offset, -1);
    ids.offset = 1397;
    repl_ids_shift(&ids, ID_B);
    cr_assert_str_eq(ids.replid, ID_B);
    cr_assert_str_eq(ids.replid2, ID_A);
    cr_assert_eq(ids.second_offset, 1398);
    cr_assert_eq(ids.offset, 1397);
    repl_ids_change(&ids, ID_A);
    cr_assert_str_eq(ids.replid, ID_A);
    cr_assert_str_eq(ids.replid2, ZERO_ID);
    cr_assert_eq(ids.second_offset, -1);
    cr_assert_eq(ids.offset, 1397, "a new history keeps the offset");
    repl_ids_shift(&ids, ID_B);
    repl_ids_clear2(&ids);
    cr_assert_str_eq(ids.replid2, ZERO_ID);
    cr_assert_eq(ids.second_offset, -1);
}

/* ---- the PSYNC decision ---- */

struct fixture {
    struct repl_ids ids;
    struct repl_backlog *b;
};

/* A master at offset 1457 whose backlog holds 1334..1457, promoted at
 * 1397 from history A to B (spec §8.2). */
static void promoted(struct fixture *f)
{
    repl_ids_init(&f->ids, ID_A);
    f->ids.offset = 1333;
    f->b = repl_backlog_new(1024, 1333);
    feed(f->b, 64);
    f->ids.offset = f->b->offset;
    repl_ids_shift(&f->ids, ID_B);
    feed(f->b, 60);
    f->ids.offset = f->b->offset;
    cr_assert_eq(f->ids.offset, 1457);
    cr_assert_eq(f->ids.second_offset, 1398);
}

static enum repl_psync_decision decide(struct fixture *f, const char *id, long long off, const char **why)
{
    *why = "untouched";
    return repl_psync_decide(&f->ids, f->b, id, strlen(id), off, why);
}

Test(psync_decide, same_id_in_range_continues)
{
    struct fixture f;
    promoted(&f);
    const char *why;
    cr_assert_eq(decide(&f, ID_B, 1334, &why), REPL_PSYNC_CONTINUE);
    cr_assert_eq(decide(&f, ID_B, 1400, &why), REPL_PSYNC_CONTINUE);
    cr_assert_eq(decide(&f, ID_B, 1458, &why), REPL_PSYNC_CONTINUE, "offset+1 sends nothing");
    cr_assert_str_eq(why, "untouched", "why is left alone on success");
    repl_backlog_free(f.b);
}

Test(psync_decide, id_compare_is_case_insensitive)
{
    struct fixture f;
    promoted(&f);
    const char *why;
    cr_assert_eq(decide(&f, "2244000000000000000000000000000000000000", 1458, &why), REPL_PSYNC_CONTINUE);
    char upper[41];
    strcpy(upper, ID_A);
    for (char *p = upper; *p; p++)
        if (*p >= 'a' && *p <= 'f')
            *p = (char)(*p - 'a' + 'A');
    cr_assert_eq(decide(&f, upper, 1398, &why), REPL_PSYNC_CONTINUE);
    repl_backlog_free(f.b);
}

Test(psync_decide, out_of_range_offsets_need_a_full_resync)
{
    struct fixture f;
    promoted(&f);
    const char *why;
    cr_assert_eq(decide(&f, ID_B, 1333, &why), REPL_PSYNC_FULL);
    cr_assert_str_eq(why, "offset no longer in the backlog");
    cr_assert_eq(decide(&f, ID_B, 1459, &why), REPL_PSYNC_FULL);
    cr_assert_str_eq(why, "offset greater than the master replication offset");
    repl_backlog_free(f.b);
}

Test(psync_decide, replid2_up_to_second_offset)
{
    struct fixture f;
    promoted(&f);
    const char *why;
    cr_assert_eq(decide(&f, ID_A, 1398, &why), REPL_PSYNC_CONTINUE, "spec 8.2 step 4");
    cr_assert_eq(decide(&f, ID_A, 1350, &why), REPL_PSYNC_CONTINUE);
    cr_assert_eq(decide(&f, ID_A, 1399, &why), REPL_PSYNC_FULL, "past the shared history");
    cr_assert_str_eq(why, "requested offset for the second ID is past its end");
    cr_assert_eq(decide(&f, ID_A, 1000, &why), REPL_PSYNC_FULL, "shared but no longer held");
    cr_assert_str_eq(why, "offset no longer in the backlog");
    repl_backlog_free(f.b);
}

Test(psync_decide, unknown_id_question_mark_and_cleared_replid2)
{
    struct fixture f;
    promoted(&f);
    const char *why;
    cr_assert_eq(decide(&f, "?", -1, &why), REPL_PSYNC_FULL);
    cr_assert_null(why, "a forced full resync is not a mismatch");
    cr_assert_eq(decide(&f, "ffff000000000000000000000000000000000000", 1400, &why), REPL_PSYNC_FULL);
    cr_assert_str_eq(why, "replication ID mismatch");
    cr_assert_eq(decide(&f, ID_B "0", 1400, &why), REPL_PSYNC_FULL, "41 chars never match");
    repl_ids_clear2(&f.ids);
    cr_assert_eq(decide(&f, ZERO_ID, -5, &why), REPL_PSYNC_FULL);
    cr_assert_eq(decide(&f, ID_A, 1398, &why), REPL_PSYNC_FULL, "replid2 forgotten");
    repl_backlog_free(f.b);
}

Test(psync_decide, no_backlog)
{
    struct repl_ids ids;
    repl_ids_init(&ids, ID_A);
    const char *why = NULL;
    cr_assert_eq(repl_psync_decide(&ids, NULL, ID_A, 40, 1, &why), REPL_PSYNC_FULL);
    cr_assert_str_eq(why, "no backlog");
}

Test(psync_decide, after_wrap)
{
    struct repl_ids ids;
    repl_ids_init(&ids, ID_A);
    struct repl_backlog *b = repl_backlog_new(16384, 0);
    feed(b, 50000);
    ids.offset = b->offset;
    const char *why;
    cr_assert_eq(repl_psync_decide(&ids, b, ID_A, 40, 50000 - 16384 + 1, &why), REPL_PSYNC_CONTINUE);
    cr_assert_eq(repl_psync_decide(&ids, b, ID_A, 40, 50000 - 16384, &why), REPL_PSYNC_FULL);
    repl_backlog_free(b);
}

/* ---- the replica reading the master's reply ---- */

static enum repl_psync_reply parse(const char *line, char id[41], int64_t *off)
{
    memset(id, 'x', 40);
    id[40] = '\0';
    *off = 12345;
    return repl_psync_parse_reply(line, strlen(line), id, off);
}

Test(psync_reply, keepalive)
{
    char id[41];
    int64_t off;
    cr_assert_eq(parse("", id, &off), REPL_REPLY_KEEPALIVE);
    cr_assert_eq(parse("\n", id, &off), REPL_REPLY_KEEPALIVE);
    cr_assert_eq(parse("\r\n", id, &off), REPL_REPLY_KEEPALIVE);
}

Test(psync_reply, fullresync)
{
    char id[41];
    int64_t off;
    cr_assert_eq(parse("+FULLRESYNC " ID_A " 595\r\n", id, &off), REPL_REPLY_FULLRESYNC);
    cr_assert_str_eq(id, ID_A);
    cr_assert_eq(off, 595);
    cr_assert_eq(parse("+FULLRESYNC " ID_A " 0", id, &off), REPL_REPLY_FULLRESYNC);
    cr_assert_eq(off, 0);
    cr_assert_str_eq(id, ID_A);
}

Test(psync_reply, fullresync_malformed_id_is_blanked)
{
    char id[41];
    int64_t off;
    cr_assert_eq(parse("+FULLRESYNC abc 17\r\n", id, &off), REPL_REPLY_FULLRESYNC);
    cr_assert_str_eq(id, "");
    cr_assert_eq(off, 17);
    cr_assert_eq(parse("+FULLRESYNC " ID_A "0 17\r\n", id, &off), REPL_REPLY_FULLRESYNC);
    cr_assert_str_eq(id, "");
    cr_assert_eq(parse("+FULLRESYNC\r\n", id, &off), REPL_REPLY_FULLRESYNC);
    cr_assert_str_eq(id, "");
    cr_assert_eq(off, -1);
    cr_assert_eq(parse("+FULLRESYNC " ID_A, id, &off), REPL_REPLY_FULLRESYNC);
    cr_assert_str_eq(id, "");
    cr_assert_eq(off, -1);
}

Test(psync_reply, continue_with_and_without_id)
{
    char id[41];
    int64_t off;
    cr_assert_eq(parse("+CONTINUE\r\n", id, &off), REPL_REPLY_CONTINUE);
    cr_assert_str_eq(id, "");
    cr_assert_eq(off, 12345, "offset untouched");
    cr_assert_eq(parse("+CONTINUE " ID_B "\r\n", id, &off), REPL_REPLY_CONTINUE);
    cr_assert_str_eq(id, ID_B);
    cr_assert_eq(parse("+CONTINUE " ID_B, id, &off), REPL_REPLY_CONTINUE);
    cr_assert_str_eq(id, ID_B);
    cr_assert_eq(parse("+CONTINUE 1234\r\n", id, &off), REPL_REPLY_CONTINUE);
    cr_assert_str_eq(id, "", "not 40 chars: no new id");
}

Test(psync_reply, errors)
{
    char id[41];
    int64_t off;
    cr_assert_eq(parse("-NOMASTERLINK Can't SYNC while not connected with my master\r\n", id, &off),
                 REPL_REPLY_RETRY);
    cr_assert_eq(parse("-LOADING Redis is loading the dataset in memory\r\n", id, &off), REPL_REPLY_RETRY);
    cr_assert_eq(parse("-ERR unknown command 'psync'\r\n", id, &off), REPL_REPLY_ERROR);
    cr_assert_eq(parse("-ERR SYNC and PSYNC are invalid with pending output", id, &off), REPL_REPLY_ERROR);
    cr_assert_eq(parse("-NOAUTH Authentication required.\r\n", id, &off), REPL_REPLY_UNKNOWN);
    cr_assert_eq(parse("+OK\r\n", id, &off), REPL_REPLY_UNKNOWN);
    cr_assert_eq(parse("$123\r\n", id, &off), REPL_REPLY_UNKNOWN);
}
