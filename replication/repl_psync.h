/*
 * repl_psync.h — replication identity and the PSYNC rules, pure (spec
 * replication.md §1, §3, §8): the replid/replid2 pair and offsets, the
 * master's decision between +CONTINUE and a full resync, and reading the
 * master's reply line on the replica side. No I/O; randomness is passed in.
 */
#ifndef SHOAL_REPL_PSYNC_H
#define SHOAL_REPL_PSYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "replication/repl_backlog.h"

#define REPL_ID_LEN 40

struct repl_ids {
    char replid[REPL_ID_LEN + 1];
    char replid2[REPL_ID_LEN + 1]; /* forty '0' when unset */
    int64_t offset;                /* master_repl_offset */
    int64_t second_offset;         /* second_replid_offset, -1 when unset */
};

/* replid = id (40 hex chars), replid2 cleared, offset 0. */
void repl_ids_init(struct repl_ids *ids, const char *id);
/* A new history: replid = id, replid2 cleared (spec §8.1). */
void repl_ids_change(struct repl_ids *ids, const char *id);
/* Promotion / +CONTINUE with a new id: replid2 = replid, second_offset =
 * offset + 1, replid = id. */
void repl_ids_shift(struct repl_ids *ids, const char *id);
void repl_ids_clear2(struct repl_ids *ids);
/* A well-formed replication id: exactly 40 chars of [0-9a-f]. */
bool repl_id_valid(const char *s, size_t n);

enum repl_psync_decision { REPL_PSYNC_FULL = 0, REPL_PSYNC_CONTINUE = 1 };
/* The master's answer to PSYNC id offset (spec §3.1 step 5). *why says, for
 * a full resync that was not asked for ("?"), what did not match (logged). */
enum repl_psync_decision repl_psync_decide(const struct repl_ids *ids, const struct repl_backlog *backlog,
                                           const char *id, size_t idlen, int64_t offset, const char **why);

/* The master's reply to PSYNC as the replica reads it (spec §3.2). */
enum repl_psync_reply {
    REPL_REPLY_KEEPALIVE,   /* empty line: keep waiting */
    REPL_REPLY_FULLRESYNC,  /* id (may be "" if malformed) and offset set */
    REPL_REPLY_CONTINUE,    /* id set when the master sent one, else "" */
    REPL_REPLY_RETRY,       /* -NOMASTERLINK / -LOADING: close, retry later */
    REPL_REPLY_ERROR,       /* any other -ERR: fall back to SYNC */
    REPL_REPLY_UNKNOWN,     /* anything else: fall back to SYNC */
};
enum repl_psync_reply repl_psync_parse_reply(const char *line, size_t len, char id[REPL_ID_LEN + 1],
                                             int64_t *offset);

#endif
