/*
 * cmd_function.c — FUNCTION on a node without scripting: every subcommand
 * answers as redis-server 7.0.15 answers when no library is loaded, so
 * `redis-cli --cluster add-node` (FUNCTION DUMP on an existing node, LIST
 * and RESTORE on the new one) works against shoal, and nothing claims a
 * function exists.
 *
 * What shoal cannot do is refused, never faked:
 *   FUNCTION LOAD      -> "ERR Functions are not supported by this shoal
 *                          version (no scripting engine)"
 *   FUNCTION RESTORE of a payload that holds libraries -> "ERR Function
 *                          libraries are not supported by this shoal
 *                          version (no scripting engine)"
 * (Redis-like "ERR <what> is not supported" wording, as RESTORE of an
 * unsupported type in cmd_persist.c.)
 *
 * The payload of FUNCTION DUMP with no library is the RDB version (2 bytes
 * little-endian) and the CRC-64 of those bytes (8 bytes little-endian): the
 * DUMP footer with an empty body, byte for byte what Redis 7.0 sends
 * (0a 00 5d 9b 5c 40 0f 7f a2 da).
 */
#include <string.h>

#include "node/commands.h"
#include "node/core/core.h"
#include "replication/rdb.h"

#define ERR_NO_SCRIPTING_LOAD "ERR Functions are not supported by this shoal version (no scripting engine)"
#define ERR_NO_SCRIPTING_RESTORE                                                                                     \
    "ERR Function libraries are not supported by this shoal version (no scripting engine)"
/* RDB opcodes a function payload's body is made of (rdb.md: FUNCTION2, and 7.0-rc's FUNCTION). */
#define FUNCTION_OPCODE_FUNCTION2 245
#define FUNCTION_OPCODE_FUNCTION 246

void node_cmd_function_list(struct node_client *c)
{
    bool withcode = false, named = false;
    for (int i = 2; i < c->argc; i++) {
        if (!withcode && node_arg_is(c, i, "withcode")) {
            withcode = true;
            continue;
        }
        if (!named && node_arg_is(c, i, "libraryname")) {
            if (i >= c->argc - 1) {
                node_reply_error(&c->out, "ERR library name argument was not given");
                return;
            }
            named = true;
            i++;
            continue;
        }
        node_reply_errorf(&c->out, "ERR Unknown argument %.*s", (int)CORE_MIN(c->argl[i], (size_t)128), c->argv[i]);
        return;
    }
    node_reply_array(&c->out, 0);
}

void node_cmd_function_dump(struct node_client *c)
{
    uint8_t payload[RDB_DUMP_FOOTER];
    payload[0] = RDB_VERSION & 0xff;
    payload[1] = (RDB_VERSION >> 8) & 0xff;
    uint64_t crc = rdb_crc64(0, payload, 2);
    for (int i = 0; i < 8; i++)
        payload[2 + i] = (uint8_t)(crc >> (8 * i));
    node_reply_bulk(&c->out, payload, sizeof(payload));
}

/* Redis's payload check: at least the footer, a version it can read, the CRC. */
static bool payload_valid(const uint8_t *p, size_t n)
{
    if (n < RDB_DUMP_FOOTER)
        return false;
    const uint8_t *footer = p + n - 8 - 2;
    unsigned version = (unsigned)footer[0] | (unsigned)footer[1] << 8;
    if (version > RDB_VERSION)
        return false;
    uint64_t crc = rdb_crc64(0, p, n - 8);
    for (int i = 0; i < 8; i++)
        if (footer[2 + i] != (uint8_t)(crc >> (8 * i)))
            return false;
    return true;
}

void node_cmd_function_restore(struct node_client *c)
{
    if (c->argc > 4) {
        node_reply_subcommand_args_error(c);
        return;
    }
    if (c->argc == 4 && !node_arg_is(c, 3, "flush") && !node_arg_is(c, 3, "append") &&
        !node_arg_is(c, 3, "replace")) {
        node_reply_error(&c->out, "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.");
        return;
    }
    const uint8_t *p = (const uint8_t *)c->argv[2];
    size_t n = c->argl[2];
    if (!payload_valid(p, n)) {
        node_reply_error(&c->out, "ERR DUMP payload version or checksum are wrong");
        return;
    }
    size_t body = n - RDB_DUMP_FOOTER;
    if (body == 0) {
        /* No library to restore: FLUSH of an empty set changes nothing either. */
        node_reply_ok(&c->out);
    } else if (p[0] == FUNCTION_OPCODE_FUNCTION2 || p[0] == FUNCTION_OPCODE_FUNCTION) {
        node_reply_error(&c->out, ERR_NO_SCRIPTING_RESTORE);
    } else {
        node_reply_error(&c->out, "ERR given type is not a function");
    }
}

void node_cmd_function_flush(struct node_client *c)
{
    if (c->argc > 3) {
        node_reply_subcommand_args_error(c);
        return;
    }
    if (c->argc == 3 && !node_arg_is(c, 2, "sync") && !node_arg_is(c, 2, "async")) {
        node_reply_error(&c->out, "ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
        return;
    }
    node_reply_ok(&c->out);
}

/* No engine is listed: shoal has none (Redis lists LUA). */
void node_cmd_function_stats(struct node_client *c)
{
    node_reply_map(&c->out, 2);
    node_reply_bulk_cstr(&c->out, "running_script");
    node_reply_null(&c->out);
    node_reply_bulk_cstr(&c->out, "engines");
    node_reply_map(&c->out, 0);
}

void node_cmd_function_kill(struct node_client *c)
{
    node_reply_error(&c->out, "NOTBUSY No scripts in execution right now.");
}

void node_cmd_function_delete(struct node_client *c)
{
    node_reply_error(&c->out, "ERR Library not found");
}

void node_cmd_function_load(struct node_client *c)
{
    node_reply_error(&c->out, ERR_NO_SCRIPTING_LOAD);
}

void node_cmd_function_help(struct node_client *c)
{
    static const char *const lines[] = {
        "FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "LOAD [REPLACE] <FUNCTION CODE>",
        "    Create a new library with the given library name and code.",
        "    (shoal: not supported, no scripting engine.)",
        "DELETE <LIBRARY NAME>",
        "    Delete the given library.",
        "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
        "    Return general information on all the libraries (shoal: always none).",
        "STATS",
        "    Return information about the current function running, and the available engines.",
        "KILL",
        "    Kill the current running function.",
        "FLUSH [ASYNC|SYNC]",
        "    Delete all the libraries.",
        "DUMP",
        ("    Return a serialized payload representing the current libraries, can be restored using FUNCTION "
         "RESTORE command"),
        "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
        "    Restore the libraries represented by the given payload (shoal: only an empty set).",
        "HELP",
        "    Prints this help.",
    };
    node_reply_array(&c->out, (long long)CORE_ARRAY_LEN(lines));
    for (size_t i = 0; i < CORE_ARRAY_LEN(lines); i++)
        node_reply_simple(&c->out, lines[i]);
}
