/*
 * repl_psync.c — replication identity and the PSYNC rules (spec
 * replication.md §1, §3, §8), pure.
 *
 * Owns: the replid/replid2 transitions, the master's choice between
 * +CONTINUE and a full resync, and classifying the master's reply line on
 * the replica side. Does not own randomness (ids are passed in), the
 * backlog's storage (repl_backlog.c) nor any I/O or logging.
 */
#include "replication/repl_psync.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "node/core/core.h"

static const char zero_id[REPL_ID_LEN + 1] = "0000000000000000000000000000000000000000";

static void set_id(char dst[REPL_ID_LEN + 1], const char *id)
{
    core_assert(repl_id_valid(id, strlen(id)));
    memcpy(dst, id, REPL_ID_LEN);
    dst[REPL_ID_LEN] = '\0';
}

bool repl_id_valid(const char *s, size_t n)
{
    if (n != REPL_ID_LEN)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f')))
            return false;
    }
    return true;
}

void repl_ids_clear2(struct repl_ids *ids)
{
    memcpy(ids->replid2, zero_id, sizeof(zero_id));
    ids->second_offset = -1;
}

void repl_ids_init(struct repl_ids *ids, const char *id)
{
    set_id(ids->replid, id);
    repl_ids_clear2(ids);
    ids->offset = 0;
}

void repl_ids_change(struct repl_ids *ids, const char *id)
{
    set_id(ids->replid, id);
    repl_ids_clear2(ids);
}

void repl_ids_shift(struct repl_ids *ids, const char *id)
{
    core_assert(ids->offset >= 0);
    memcpy(ids->replid2, ids->replid, sizeof(ids->replid2));
    /* The first offset NOT shared with the old history (spec §6). */
    ids->second_offset = ids->offset + 1;
    set_id(ids->replid, id);
    core_assert(ids->second_offset >= 1);
}

/* Case-insensitive, as Redis compares the id a replica sends. */
static bool id_is(const char *id, size_t idlen, const char *ours)
{
    return idlen == REPL_ID_LEN && strncasecmp(id, ours, REPL_ID_LEN) == 0;
}

enum repl_psync_decision repl_psync_decide(const struct repl_ids *ids, const struct repl_backlog *backlog,
                                           const char *id, size_t idlen, int64_t offset, const char **why)
{
    const char *reason = NULL;
    bool same_history = id_is(id, idlen, ids->replid) ||
                        (id_is(id, idlen, ids->replid2) && offset <= ids->second_offset);
    if (!same_history) {
        /* "?" is a replica forcing a full resync: nothing to report. */
        if (!(idlen == 1 && id[0] == '?'))
            reason = id_is(id, idlen, ids->replid2) ? "requested offset for the second ID is past its end"
                                                    : "replication ID mismatch";
    } else if (!backlog) {
        reason = "no backlog";
    } else if (offset > backlog->offset + 1) {
        reason = "offset greater than the master replication offset";
    } else if (!repl_backlog_can_serve(backlog, offset)) {
        reason = "offset no longer in the backlog";
    } else {
        core_assert(backlog->offset == ids->offset);
        return REPL_PSYNC_CONTINUE;
    }
    if (why)
        *why = reason;
    return REPL_PSYNC_FULL;
}

static bool starts(const char *line, size_t len, const char *lit)
{
    size_t n = strlen(lit);
    return len >= n && memcmp(line, lit, n) == 0;
}

/* "+FULLRESYNC <id> <offset>": an id of other than 40 chars is blanked and
 * the sync still goes on (spec §3.2); no offset at all reads as -1. */
static void parse_fullresync(const char *line, size_t len, char id[REPL_ID_LEN + 1], int64_t *offset)
{
    const char *end = line + len;
    const char *a = memchr(line, ' ', len);
    const char *b = a ? memchr(a + 1, ' ', (size_t)(end - a - 1)) : NULL;
    *offset = -1;
    if (!a || !b)
        return;
    if (b - a - 1 == REPL_ID_LEN) {
        memcpy(id, a + 1, REPL_ID_LEN);
        id[REPL_ID_LEN] = '\0';
    }
    char num[32];
    size_t n = CORE_MIN((size_t)(end - b - 1), sizeof(num) - 1);
    memcpy(num, b + 1, n);
    num[n] = '\0';
    *offset = strtoll(num, NULL, 10);
}

enum repl_psync_reply repl_psync_parse_reply(const char *line, size_t len, char id[REPL_ID_LEN + 1],
                                             int64_t *offset)
{
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        len--;
    id[0] = '\0';
    if (len == 0)
        return REPL_REPLY_KEEPALIVE;
    if (starts(line, len, "+FULLRESYNC")) {
        parse_fullresync(line, len, id, offset);
        return REPL_REPLY_FULLRESYNC;
    }
    if (starts(line, len, "+CONTINUE")) {
        /* Only exactly 40 chars after "+CONTINUE " name a new history. */
        if (len == 10 + REPL_ID_LEN && line[9] == ' ') {
            memcpy(id, line + 10, REPL_ID_LEN);
            id[REPL_ID_LEN] = '\0';
        }
        return REPL_REPLY_CONTINUE;
    }
    if (starts(line, len, "-NOMASTERLINK") || starts(line, len, "-LOADING"))
        return REPL_REPLY_RETRY;
    if (starts(line, len, "-ERR"))
        return REPL_REPLY_ERROR;
    return REPL_REPLY_UNKNOWN;
}
