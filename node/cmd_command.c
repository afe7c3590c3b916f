/*
 * cmd_command.c — COMMAND and its subcommands (COUNT, INFO, DOCS, LIST,
 * GETKEYS, HELP): the command table described to clients in Redis 7.0.15's
 * shapes. Cluster clients (redis-py's RedisCluster, go-redis, ...) read
 * COMMAND once to learn each command's key positions, so the 10-element
 * entry must be exact.
 *
 * Owns the facts Redis reports that the dispatcher does not need: key specs
 * (with their access flags), command tips and documentation, kept in a
 * side table keyed by full name ("get", "config|set"). A command missing
 * from it gets a key spec derived from its legacy key positions and empty
 * docs. Does not own the command table itself (cmd_table.c).
 */
#include "node/commands.h"
#include "node/core/core.h"
#include "node/util.h"

#include <string.h>
#include <strings.h>

/* Longest full name looked up ("container|subcommand"). */
#define FULLNAME_MAX 128

/*
 * What COMMAND INFO / DOCS report beyond the dispatch table.
 * specs: key specs separated by ';', each "<flags>@<begin index>,<lastkey>,<keystep>"
 * with space-separated flags, e.g. "RW access delete@1,0,1;OW update@2,0,1";
 * a keyword search begins "<flags>@<KEYWORD>:<startfrom>,<lastkey>,<keystep>".
 * tips: space-separated. notes: the first key spec's notes.
 */
struct cmd_meta {
    const char *name;
    const char *specs, *notes, *tips;
    const char *summary, *since, *group, *complexity;
    const char *deprecated_since, *replaced_by;
};

#define RO1 "RO access@1,0,1"
#define RW1 "RW access update@1,0,1"
#define EXP1 "RW update@1,0,1"
#define MULTI_SUM "request_policy:multi_shard response_policy:agg_sum"
#define ALL_OK "request_policy:all_shards response_policy:all_succeeded"
#define CPLX_O1 "O(1)"
#define CPLX_SUB "Depends on subcommand."
#define HELP_SUMMARY "Show helpful text about the different subcommands"
#define SUBSTR_CPLX                                                                                                \
    "O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned " \
    "length, but because creating a substring from an existing string is very cheap, it can be considered O(1) "  \
    "for small strings."

#define M(n, sp, tp, sum, si, gr, cx) {.name = n, .specs = sp, .tips = tp, .summary = sum, .since = si, .group = gr, \
                                       .complexity = cx}

static const struct cmd_meta metas[] = {
    /* strings */
    M("get", RO1, NULL, "Get the value of a key", "1.0.0", "string", CPLX_O1),
    {.name = "set", .specs = "RW access update variable_flags@1,0,1",
     .notes = "RW and ACCESS due to the optional `GET` argument", .summary = "Set the string value of a key",
     .since = "1.0.0", .group = "string", .complexity = CPLX_O1},
    M("setnx", "OW insert@1,0,1", NULL, "Set the value of a key, only if the key does not exist", "1.0.0", "string",
      CPLX_O1),
    M("setex", "OW update@1,0,1", NULL, "Set the value and expiration of a key", "2.0.0", "string", CPLX_O1),
    M("psetex", "OW update@1,0,1", NULL, "Set the value and expiration in milliseconds of a key", "2.6.0", "string",
      CPLX_O1),
    {.name = "getset", .specs = RW1, .summary = "Set the string value of a key and return its old value",
     .since = "1.0.0", .group = "string", .complexity = CPLX_O1, .deprecated_since = "6.2.0",
     .replaced_by = "`SET` with the `!GET` argument"},
    M("getdel", "RW access delete@1,0,1", NULL, "Get the value of a key and delete the key", "6.2.0", "string",
      CPLX_O1),
    {.name = "getex", .specs = RW1, .notes = "RW and UPDATE because it changes the TTL",
     .summary = "Get the value of a key and optionally set its expiration", .since = "6.2.0", .group = "string",
     .complexity = CPLX_O1},
    M("mget", "RO access@1,-1,1", "request_policy:multi_shard", "Get the values of all the given keys", "1.0.0",
      "string", "O(N) where N is the number of keys to retrieve."),
    M("mset", "OW update@1,-1,2", "request_policy:multi_shard response_policy:all_succeeded",
      "Set multiple keys to multiple values", "1.0.1", "string", "O(N) where N is the number of keys to set."),
    M("msetnx", "OW insert@1,-1,2", "request_policy:multi_shard response_policy:agg_min",
      "Set multiple keys to multiple values, only if none of the keys exist", "1.0.1", "string",
      "O(N) where N is the number of keys to set."),
    M("append", "RW insert@1,0,1", NULL, "Append a value to a key", "2.0.0", "string",
      "O(1). The amortized time complexity is O(1) assuming the appended value is small and the already present "
      "value is of any size, since the dynamic string library used by Redis will double the free space available "
      "on every reallocation."),
    M("strlen", "RO@1,0,1", NULL, "Get the length of the value stored in a key", "2.2.0", "string", CPLX_O1),
    M("incr", RW1, NULL, "Increment the integer value of a key by one", "1.0.0", "string", CPLX_O1),
    M("decr", RW1, NULL, "Decrement the integer value of a key by one", "1.0.0", "string", CPLX_O1),
    M("incrby", RW1, NULL, "Increment the integer value of a key by the given amount", "1.0.0", "string", CPLX_O1),
    M("decrby", RW1, NULL, "Decrement the integer value of a key by the given number", "1.0.0", "string", CPLX_O1),
    M("incrbyfloat", RW1, NULL, "Increment the float value of a key by the given amount", "2.6.0", "string",
      CPLX_O1),
    M("getrange", RO1, NULL, "Get a substring of the string stored at a key", "2.4.0", "string", SUBSTR_CPLX),
    {.name = "substr", .specs = RO1, .summary = "Get a substring of the string stored at a key", .since = "1.0.0",
     .group = "string", .complexity = SUBSTR_CPLX, .deprecated_since = "2.0.0", .replaced_by = "`GETRANGE`"},
    M("setrange", "RW update@1,0,1", NULL, "Overwrite part of a string at key starting at the specified offset",
      "2.2.0", "string",
      "O(1), not counting the time taken to copy the new string in place. Usually, this string is very small so "
      "the amortized complexity is O(1). Otherwise, complexity is O(M) with M being the length of the value "
      "argument."),
    /* generic */
    M("del", "RM delete@1,-1,1", MULTI_SUM, "Delete a key", "1.0.0", "generic",
      "O(N) where N is the number of keys that will be removed. When a key to remove holds a value other than a "
      "string, the individual complexity for this key is O(M) where M is the number of elements in the list, set, "
      "sorted set or hash. Removing a single key that holds a string value is O(1)."),
    M("unlink", "RM delete@1,-1,1", MULTI_SUM,
      "Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non blocking.", "4.0.0",
      "generic",
      "O(1) for each key removed regardless of its size. Then the command does O(N) work in a different thread in "
      "order to reclaim memory, where N is the number of allocations the deleted objects where composed of."),
    M("exists", "RO@1,-1,1", MULTI_SUM, "Determine if a key exists", "1.0.0", "generic",
      "O(N) where N is the number of keys to check."),
    M("type", "RO@1,0,1", NULL, "Determine the type stored at key", "1.0.0", "generic", CPLX_O1),
    M("keys", NULL, "request_policy:all_shards nondeterministic_output_order",
      "Find all keys matching the given pattern", "1.0.0", "generic",
      "O(N) with N being the number of keys in the database, under the assumption that the key names in the "
      "database and the given pattern have limited length."),
    M("scan", NULL, "nondeterministic_output request_policy:special", "Incrementally iterate the keys space",
      "2.8.0", "generic",
      "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to "
      "return back to 0. N is the number of elements inside the collection."),
    M("randomkey", NULL, "request_policy:all_shards nondeterministic_output",
      "Return a random key from the keyspace", "1.0.0", "generic", CPLX_O1),
    M("rename", "RW access delete@1,0,1;OW update@2,0,1", NULL, "Rename a key", "1.0.0", "generic", CPLX_O1),
    M("renamenx", "RW access delete@1,0,1;OW insert@2,0,1", NULL, "Rename a key, only if the new key does not exist",
      "1.0.0", "generic", CPLX_O1),
    M("copy", "RO access@1,0,1;OW update@2,0,1", NULL, "Copy a key", "6.2.0", "generic",
      "O(N) worst case for collections, where N is the number of nested items. O(1) for string values."),
    M("touch", "RO@1,-1,1", MULTI_SUM,
      "Alters the last access time of a key(s). Returns the number of existing keys specified.", "3.2.1", "generic",
      "O(N) where N is the number of keys that will be touched."),
    M("dbsize", NULL, "request_policy:all_shards response_policy:agg_sum",
      "Return the number of keys in the selected database", "1.0.0", "server", CPLX_O1),
    M("flushall", NULL, ALL_OK, "Remove all keys from all databases", "1.0.0", "server",
      "O(N) where N is the total number of keys in all databases"),
    M("flushdb", NULL, ALL_OK, "Remove all keys from the current database", "1.0.0", "server",
      "O(N) where N is the number of keys in the selected database"),
    M("object", NULL, NULL, "A container for object introspection commands", "2.2.3", "generic", CPLX_SUB),
    M("object|encoding", "RO@2,0,1", "nondeterministic_output", "Inspect the internal encoding of a Redis object",
      "2.2.3", "generic", CPLX_O1),
    M("object|help", NULL, NULL, HELP_SUMMARY, "6.2.0", "generic", CPLX_O1),
    M("select", NULL, NULL, "Change the selected database for the current connection", "1.0.0", "connection",
      CPLX_O1),
    /* expiry */
    M("expire", EXP1, NULL, "Set a key's time to live in seconds", "1.0.0", "generic", CPLX_O1),
    M("pexpire", EXP1, NULL, "Set a key's time to live in milliseconds", "2.6.0", "generic", CPLX_O1),
    M("expireat", EXP1, NULL, "Set the expiration for a key as a UNIX timestamp", "1.2.0", "generic", CPLX_O1),
    M("pexpireat", EXP1, NULL, "Set the expiration for a key as a UNIX timestamp specified in milliseconds", "2.6.0",
      "generic", CPLX_O1),
    M("ttl", RO1, "nondeterministic_output", "Get the time to live for a key in seconds", "1.0.0", "generic",
      CPLX_O1),
    M("pttl", RO1, "nondeterministic_output", "Get the time to live for a key in milliseconds", "2.6.0", "generic",
      CPLX_O1),
    M("expiretime", RO1, NULL, "Get the expiration Unix timestamp for a key", "7.0.0", "generic", CPLX_O1),
    M("pexpiretime", RO1, NULL, "Get the expiration Unix timestamp for a key in milliseconds", "7.0.0", "generic",
      CPLX_O1),
    M("persist", EXP1, NULL, "Remove the expiration from a key", "2.2.0", "generic", CPLX_O1),
    /* transactions */
    M("multi", NULL, NULL, "Mark the start of a transaction block", "1.2.0", "transactions", CPLX_O1),
    M("exec", NULL, NULL, "Execute all commands issued after MULTI", "1.2.0", "transactions",
      "Depends on commands in the transaction"),
    M("discard", NULL, NULL, "Discard all commands issued after MULTI", "2.0.0", "transactions",
      "O(N), when N is the number of queued commands"),
    /* connection and server */
    M("ping", NULL, ALL_OK, "Ping the server", "1.0.0", "connection", CPLX_O1),
    M("echo", NULL, NULL, "Echo the given string", "1.0.0", "connection", CPLX_O1),
    M("quit", NULL, NULL, "Close the connection", "1.0.0", "connection", CPLX_O1),
    M("reset", NULL, NULL, "Reset the connection", "6.2.0", "connection", CPLX_O1),
    M("time", NULL, "nondeterministic_output", "Return the current server time", "2.6.0", "server", CPLX_O1),
    M("auth", NULL, NULL, "Authenticate to the server", "1.0.0", "connection",
      "O(N) where N is the number of passwords defined for the user"),
    M("hello", NULL, NULL, "Handshake with Redis", "6.0.0", "connection", CPLX_O1),
    M("shutdown", NULL, NULL, "Synchronously save the dataset to disk and then shut down the server", "1.0.0",
      "server",
      "O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)"),
    M("info", NULL, "nondeterministic_output request_policy:all_shards response_policy:special",
      "Get information and statistics about the server", "1.0.0", "server", CPLX_O1),
    M("config", NULL, NULL, "A container for server configuration commands", "2.0.0", "server", CPLX_SUB),
    M("config|get", NULL, NULL, "Get the values of configuration parameters", "2.0.0", "server",
      "O(N) when N is the number of configuration parameters provided"),
    M("config|set", NULL, "request_policy:all_nodes response_policy:all_succeeded",
      "Set configuration parameters to the given values", "2.0.0", "server",
      "O(N) when N is the number of configuration parameters provided"),
    M("config|resetstat", NULL, NULL, "Reset the stats returned by INFO", "2.0.0", "server", CPLX_O1),
    M("config|rewrite", NULL, NULL, "Rewrite the configuration file with the in memory configuration", "2.8.0",
      "server", CPLX_O1),
    M("config|help", NULL, NULL, HELP_SUMMARY, "5.0.0", "server", CPLX_O1),
    M("client", NULL, NULL, "A container for client connection commands", "2.4.0", "connection", CPLX_SUB),
    M("client|id", NULL, NULL, "Returns the client ID for the current connection", "5.0.0", "connection", CPLX_O1),
    M("client|setname", NULL, NULL, "Set the current connection name", "2.6.9", "connection", CPLX_O1),
    M("client|getname", NULL, NULL, "Get the current connection name", "2.6.9", "connection", CPLX_O1),
    M("client|list", NULL, "nondeterministic_output", "Get the list of client connections", "2.4.0", "connection",
      "O(N) where N is the number of client connections"),
    M("client|info", NULL, "nondeterministic_output", "Returns information about the current client connection.",
      "6.2.0", "connection", CPLX_O1),
    M("client|kill", NULL, NULL, "Kill the connection of a client", "2.4.0", "connection",
      "O(N) where N is the number of client connections"),
    M("client|pause", NULL, NULL, "Stop processing commands from clients for some time", "2.9.50", "connection",
      CPLX_O1),
    M("client|unpause", NULL, NULL, "Resume processing of clients that were paused", "6.2.0", "connection",
      "O(N) Where N is the number of paused clients"),
    M("client|help", NULL, NULL, HELP_SUMMARY, "5.0.0", "connection", CPLX_O1),
    M("command", NULL, "nondeterministic_output_order", "Get array of Redis command details", "2.8.13", "server",
      "O(N) where N is the total number of Redis commands"),
    M("command|count", NULL, NULL, "Get total number of Redis commands", "2.8.13", "server", CPLX_O1),
    M("command|docs", NULL, "nondeterministic_output_order", "Get array of specific Redis command documentation",
      "7.0.0", "server", "O(N) where N is the number of commands to look up"),
    M("command|getkeys", NULL, NULL, "Extract keys given a full Redis command", "2.8.13", "server",
      "O(N) where N is the number of arguments to the command"),
    M("command|help", NULL, NULL, HELP_SUMMARY, "5.0.0", "server", CPLX_O1),
    M("command|info", NULL, "nondeterministic_output_order",
      "Get array of specific Redis command details, or all when no argument is given.", "2.8.13", "server",
      "O(N) where N is the number of commands to look up"),
    M("command|list", NULL, "nondeterministic_output_order", "Get an array of Redis command names", "7.0.0", "server",
      "O(N) where N is the total number of Redis commands"),
    /* cluster */
    M("cluster", NULL, NULL, "A container for cluster commands", "3.0.0", "cluster", CPLX_SUB),
    M("cluster|addslots", NULL, NULL, "Assign new hash slots to receiving node", "3.0.0", "cluster",
      "O(N) where N is the total number of hash slot arguments"),
    M("cluster|addslotsrange", NULL, NULL, "Assign new hash slots to receiving node", "7.0.0", "cluster",
      "O(N) where N is the total number of the slots between the start slot and end slot arguments."),
    M("cluster|countkeysinslot", NULL, NULL, "Return the number of local keys in the specified hash slot", "3.0.0",
      "cluster", "O(1)"),
    M("cluster|delslots", NULL, NULL, "Set hash slots as unbound in receiving node", "3.0.0", "cluster",
      "O(N) where N is the total number of hash slot arguments"),
    M("cluster|delslotsrange", NULL, NULL, "Set hash slots as unbound in receiving node", "7.0.0", "cluster",
      "O(N) where N is the total number of the slots between the start slot and end slot arguments."),
    M("cluster|failover", NULL, NULL, "Forces a replica to perform a manual failover of its master.", "3.0.0",
      "cluster", "O(1)"),
    M("cluster|flushslots", NULL, NULL, "Delete a node's own slots information", "3.0.0", "cluster", "O(1)"),
    M("cluster|getkeysinslot", NULL, "nondeterministic_output", "Return local key names in the specified hash slot",
      "3.0.0", "cluster", "O(log(N)) where N is the number of requested keys"),
    M("cluster|help", NULL, NULL, "Show helpful text about the different subcommands", "5.0.0", "cluster", "O(1)"),
    M("cluster|info", NULL, "nondeterministic_output", "Provides info about Redis Cluster node state", "3.0.0",
      "cluster", "O(1)"),
    M("cluster|keyslot", NULL, NULL, "Returns the hash slot of the specified key", "3.0.0", "cluster",
      "O(N) where N is the number of bytes in the key"),
    M("cluster|myid", NULL, NULL, "Return the node id", "3.0.0", "cluster", "O(1)"),
    M("cluster|nodes", NULL, "nondeterministic_output", "Get Cluster config for the node", "3.0.0", "cluster",
      "O(N) where N is the total number of Cluster nodes"),
    M("cluster|setslot", NULL, NULL, "Bind a hash slot to a specific node", "3.0.0", "cluster", "O(1)"),
    M("cluster|shards", NULL, "nondeterministic_output", "Get array of cluster slots to node mappings", "7.0.0",
      "cluster", "O(N) where N is the total number of cluster nodes"),
    {.name = "cluster|slots", .tips = "nondeterministic_output",
     .summary = "Get array of Cluster slot to node mappings", .since = "3.0.0", .group = "cluster",
     .complexity = "O(N) where N is the total number of Cluster nodes", .deprecated_since = "7.0.0",
     .replaced_by = "`CLUSTER SHARDS`"},
    /* migration */
    M("migrate", "RW access delete@3,0,1;RW access delete incomplete@KEYS:-2,-1,1", "nondeterministic_output",
      "Atomically transfer a key from a Redis instance to another one.", "2.6.0", "generic",
      "This command actually executes a DUMP+DEL in the source instance, and a RESTORE in the target instance. "
      "See the pages of these commands for time complexity. Also an O(N) data transfer between the two instances "
      "is performed."),
    /* functions (cmd_function.c: no scripting engine) */
    M("function", NULL, NULL, "A container for function commands", "7.0.0", "scripting", CPLX_SUB),
    M("function|delete", NULL, "request_policy:all_shards response_policy:all_succeeded",
      "Delete a function by name", "7.0.0", "scripting", CPLX_O1),
    M("function|dump", NULL, NULL, "Dump all functions into a serialized binary payload", "7.0.0", "scripting",
      "O(N) where N is the number of functions"),
    M("function|flush", NULL, "request_policy:all_shards response_policy:all_succeeded", "Deleting all functions",
      "7.0.0", "scripting", "O(N) where N is the number of functions deleted"),
    M("function|help", NULL, NULL, HELP_SUMMARY, "7.0.0", "scripting", CPLX_O1),
    M("function|kill", NULL, "request_policy:all_shards response_policy:one_succeeded",
      "Kill the function currently in execution.", "7.0.0", "scripting", CPLX_O1),
    M("function|list", NULL, "nondeterministic_output_order", "List information about all the functions",
      "7.0.0", "scripting", "O(N) where N is the number of functions"),
    M("function|load", NULL, "request_policy:all_shards response_policy:all_succeeded",
      "Create a function with the given arguments (name, code, description)", "7.0.0", "scripting",
      "O(1) (considering compilation time is redundant)"),
    M("function|restore", NULL, "request_policy:all_shards response_policy:all_succeeded",
      "Restore all the functions on the given payload", "7.0.0", "scripting",
      "O(N) where N is the number of functions on the payload"),
    M("function|stats", NULL, "nondeterministic_output request_policy:all_shards response_policy:special",
      "Return information about the function currently running (name, description, duration)", "7.0.0",
      "scripting", CPLX_O1),
    M("asking", NULL, NULL, "Sent by cluster clients after an -ASK redirect", "3.0.0", "cluster", "O(1)"),
    M("readonly", NULL, NULL, "Enables read queries for a connection to a cluster replica node", "3.0.0", "cluster",
      "O(1)"),
    M("readwrite", NULL, NULL, "Disables read queries for a connection to a cluster replica node", "3.0.0",
      "cluster", "O(1)"),
};

/*
 * COMMAND DOCS "arguments" and "history", as Redis 7.0.15 reports them.
 * args: space-separated arguments, each
 *   <type>:<name>[#key_spec_index][=TOKEN][@since][^deprecated_since][!flags][(nested args)]
 * with flags o (optional), m (multiple), t (multiple_token).
 * history: "<version>\t<text>" entries separated by '\n'.
 */
static const struct arg_doc {
    const char *name, *args, *history;
} arg_docs[] = {
    {"get", "key:key#0", NULL},
    {"set",
     "key:key#0 string:value oneof:condition@2.6.12!o(pure-token:nx=NX pure-token:xx=XX) "
     "pure-token:get=GET@6.2.0!o oneof:expiration!o(integer:seconds=EX@2.6.12 "
     "integer:milliseconds=PX@2.6.12 unix-time:unix-time-seconds=EXAT@6.2.0 "
     "unix-time:unix-time-milliseconds=PXAT@6.2.0 pure-token:keepttl=KEEPTTL@6.0.0)",
     "2.6.12\tAdded the `EX`, `PX`, `NX` and `XX` options.\n6.0.0\tAdded the `KEEPTTL` "
     "option.\n6.2.0\tAdded the `GET`, `EXAT` and `PXAT` option.\n7.0.0\tAllowed the `NX` and `GET` "
     "options to be used together."},
    {"setnx", "key:key#0 string:value", NULL},
    {"setex", "key:key#0 integer:seconds string:value", NULL},
    {"psetex", "key:key#0 integer:milliseconds string:value", NULL},
    {"getset", "key:key#0 string:value", NULL},
    {"getdel", "key:key#0", NULL},
    {"getex",
     "key:key#0 oneof:expiration!o(integer:seconds=EX integer:milliseconds=PX "
     "unix-time:unix-time-seconds=EXAT unix-time:unix-time-milliseconds=PXAT pure-token:persist=PERSIST)",
     NULL},
    {"mget", "key:key#0!m", NULL},
    {"mset", "block:key_value!m(key:key#0 string:value)", NULL},
    {"msetnx", "block:key_value!m(key:key#0 string:value)", NULL},
    {"append", "key:key#0 string:value", NULL},
    {"strlen", "key:key#0", NULL},
    {"incr", "key:key#0", NULL},
    {"decr", "key:key#0", NULL},
    {"incrby", "key:key#0 integer:increment", NULL},
    {"decrby", "key:key#0 integer:decrement", NULL},
    {"incrbyfloat", "key:key#0 double:increment", NULL},
    {"getrange", "key:key#0 integer:start integer:end", NULL},
    {"substr", "key:key#0 integer:start integer:end", NULL},
    {"setrange", "key:key#0 integer:offset string:value", NULL},
    {"del", "key:key#0!m", NULL},
    {"unlink", "key:key#0!m", NULL},
    {"exists", "key:key#0!m", "3.0.3\tAccepts multiple `key` arguments."},
    {"type", "key:key#0", NULL},
    {"keys", "pattern:pattern", NULL},
    {"scan",
     "integer:cursor pattern:pattern=MATCH!o integer:count=COUNT!o string:type=TYPE@6.0.0!o",
     "6.0.0\tAdded the `TYPE` subcommand."},
    {"rename", "key:key#0 key:newkey#1", NULL},
    {"renamenx",
     "key:key#0 key:newkey#1",
     "3.2.0\tThe command no longer returns an error when source and destination names are the same."},
    {"copy", "key:source#0 key:destination#1 integer:destination-db=DB!o pure-token:replace=REPLACE!o", NULL},
    {"touch", "key:key#0!m", NULL},
    {"flushall",
     "oneof:async!o(pure-token:async=ASYNC@4.0.0 pure-token:sync=SYNC@6.2.0)",
     "4.0.0\tAdded the `ASYNC` flushing mode modifier.\n6.2.0\tAdded the `SYNC` flushing mode modifier."},
    {"flushdb",
     "oneof:async!o(pure-token:async=ASYNC@4.0.0 pure-token:sync=SYNC@6.2.0)",
     "4.0.0\tAdded the `ASYNC` flushing mode modifier.\n6.2.0\tAdded the `SYNC` flushing mode modifier."},
    {"object|encoding", "key:key#0", NULL},
    {"select", "integer:index", NULL},
    {"expire",
     "key:key#0 integer:seconds oneof:condition@7.0.0!o(pure-token:nx=NX pure-token:xx=XX "
     "pure-token:gt=GT pure-token:lt=LT)",
     "7.0.0\tAdded options: `NX`, `XX`, `GT` and `LT`."},
    {"pexpire",
     "key:key#0 integer:milliseconds oneof:condition@7.0.0!o(pure-token:nx=NX pure-token:xx=XX "
     "pure-token:gt=GT pure-token:lt=LT)",
     "7.0.0\tAdded options: `NX`, `XX`, `GT` and `LT`."},
    {"expireat",
     "key:key#0 unix-time:unix-time-seconds oneof:condition@7.0.0!o(pure-token:nx=NX pure-token:xx=XX "
     "pure-token:gt=GT pure-token:lt=LT)",
     "7.0.0\tAdded options: `NX`, `XX`, `GT` and `LT`."},
    {"pexpireat",
     "key:key#0 unix-time:unix-time-milliseconds oneof:condition@7.0.0!o(pure-token:nx=NX "
     "pure-token:xx=XX pure-token:gt=GT pure-token:lt=LT)",
     "7.0.0\tAdded options: `NX`, `XX`, `GT` and `LT`."},
    {"ttl", "key:key#0", "2.8.0\tAdded the -2 reply."},
    {"pttl", "key:key#0", "2.8.0\tAdded the -2 reply."},
    {"expiretime", "key:key#0", NULL},
    {"pexpiretime", "key:key#0", NULL},
    {"persist", "key:key#0", NULL},
    {"ping", "string:message!o", NULL},
    {"echo", "string:message", NULL},
    {"auth", "string:username@6.0.0!o string:password", "6.0.0\tAdded ACL style (username and password)."},
    {"hello",
     "block:arguments!o(integer:protover block:username_password=AUTH!o(string:username string:password) "
     "string:clientname=SETNAME!o)",
     "6.2.0\t`protover` made optional; when called without arguments the command reports the current "
     "connection's context."},
    {"shutdown",
     "oneof:nosave_save!o(pure-token:nosave=NOSAVE pure-token:save=SAVE) pure-token:now=NOW@7.0.0!o "
     "pure-token:force=FORCE@7.0.0!o pure-token:abort=ABORT@7.0.0!o",
     "7.0.0\tAdded the `NOW`, `FORCE` and `ABORT` modifiers."},
    {"info", "string:section!om", "7.0.0\tAdded support for taking multiple section arguments."},
    {"config|get",
     "block:parameter!m(string:parameter)",
     "7.0.0\tAdded the ability to pass multiple pattern parameters in one call"},
    {"config|set",
     "block:parameter_value!m(string:parameter string:value)",
     "7.0.0\tAdded the ability to set multiple parameters in one call."},
    {"client|setname", "string:connection-name", NULL},
    {"client|list",
     "oneof:normal_master_replica_pubsub=TYPE@5.0.0!o(pure-token:normal=NORMAL pure-token:master=MASTER "
     "pure-token:replica=REPLICA pure-token:pubsub=PUBSUB) block:id=ID@6.2.0!o(integer:client-id!m)",
     "2.8.12\tAdded unique client `id` field.\n5.0.0\tAdded optional `TYPE` filter.\n6.0.0\tAdded `user` "
     "field.\n6.2.0\tAdded `argv-mem`, `tot-mem`, `laddr` and `redir` fields and the optional `ID` "
     "filter.\n7.0.0\tAdded `resp`, `multi-mem`, `rbs` and `rbp` fields.\n7.0.3\tAdded `ssub` field."},
    {"client|kill",
     "oneof:filter(string:ip:port^2.8.12 oneof:new-format!m(integer:client-id=ID@2.8.12!o "
     "oneof:normal_master_slave_pubsub=TYPE@2.8.12!o(pure-token:normal=NORMAL "
     "pure-token:master=MASTER@3.2.0 pure-token:slave=SLAVE pure-token:replica=REPLICA@5.0.0 "
     "pure-token:pubsub=PUBSUB) string:username=USER!o string:ip:port=ADDR!o string:ip:port=LADDR@6.2.0!o "
     "string:yes/no=SKIPME!o))",
     "2.8.12\tAdded new filter format.\n2.8.12\t`ID` option.\n3.2.0\tAdded `master` type in for `TYPE` "
     "option.\n5.0.0\tReplaced `slave` `TYPE` with `replica`. `slave` still supported for backward "
     "compatibility.\n6.2.0\t`LADDR` option."},
    {"client|pause", "integer:timeout oneof:mode@6.2.0!o(pure-token:write=WRITE pure-token:all=ALL)",
     "6.2.0\t`CLIENT PAUSE WRITE` mode added along with the `mode` option."},
    {"command|docs", "string:command-name!om", NULL},
    {"command|info",
     "string:command-name!om",
     "7.0.0\tAllowed to be called with no argument to get info on all commands."},
    {"command|list",
     "oneof:filterby=FILTERBY!o(string:module-name=MODULE string:category=ACLCAT pattern:pattern=PATTERN)",
     NULL},
{"cluster|addslots", "integer:slot!m", NULL},
    {"cluster|addslotsrange", "block:start-slot_end-slot!m(integer:start-slot integer:end-slot)", NULL},
    {"cluster|countkeysinslot", "integer:slot", NULL},
    {"cluster|failover", "oneof:options!o(pure-token:force=FORCE pure-token:takeover=TAKEOVER)", NULL},
    {"cluster|delslots", "integer:slot!m", NULL},
    {"cluster|delslotsrange", "block:start-slot_end-slot!m(integer:start-slot integer:end-slot)", NULL},
    {"cluster|getkeysinslot", "integer:slot integer:count", NULL},
    {"cluster|keyslot", "string:key", NULL},
    {"cluster|setslot",
     "integer:slot oneof:subcommand(string:node-id=IMPORTING string:node-id=MIGRATING string:node-id=NODE "
     "pure-token:stable=STABLE)",
     NULL},
    {"cluster|slots", NULL, "4.0.0\tAdded node IDs.\n7.0.0\tAdded additional networking metadata field."},
};

static const struct cmd_meta *meta_of(const struct node_cmd *cmd)
{
    char name[FULLNAME_MAX];
    node_cmd_fullname(cmd, name, sizeof(name));
    for (size_t i = 0; i < CORE_ARRAY_LEN(metas); i++)
        if (strcmp(metas[i].name, name) == 0)
            return &metas[i];
    return NULL;
}

/* ---- space-separated word lists ---- */

/* Next word of *s (advanced past it); false at the end. */
static bool next_word(const char **s, const char *end, const char **w, size_t *wlen)
{
    const char *p = *s;
    while (p < end && *p == ' ')
        p++;
    if (p == end)
        return false;
    const char *q = p;
    while (q < end && *q != ' ')
        q++;
    *w = p;
    *wlen = (size_t)(q - p);
    *s = q;
    return true;
}

static long long count_words(const char *s, size_t len)
{
    const char *w, *end = s + len;
    size_t wl;
    long long n = 0;
    while (next_word(&s, end, &w, &wl))
        n++;
    return n;
}

/* Replies the words of s as a set of simple strings (prefix prepended) or
 * of bulk strings. */
static void reply_words(struct node_out *o, const char *s, size_t len, bool bulk)
{
    const char *w, *end = s + len;
    size_t wl;
    node_reply_set(o, count_words(s, len));
    while (next_word(&s, end, &w, &wl)) {
        if (bulk)
            node_reply_bulk(o, w, wl);
        else
            node_reply_simple_len(o, w, wl);
    }
}

/* ---- flags and ACL categories ---- */

/* In the order Redis 7.0 prints them; may_replicate is hidden, as there. */
static const struct {
    uint32_t bit;
    const char *name;
} flag_names[] = {
    {NODE_CMD_WRITE, "write"},
    {NODE_CMD_READONLY, "readonly"},
    {NODE_CMD_DENYOOM, "denyoom"},
    {NODE_CMD_ADMIN, "admin"},
    {NODE_CMD_PUBSUB, "pubsub"},
    {NODE_CMD_NOSCRIPT, "noscript"},
    {NODE_CMD_BLOCKING, "blocking"},
    {NODE_CMD_LOADING, "loading"},
    {NODE_CMD_STALE, "stale"},
    {NODE_CMD_SKIP_MONITOR, "skip_monitor"},
    {NODE_CMD_SKIP_SLOWLOG, "skip_slowlog"},
    {NODE_CMD_ASKING, "asking"},
    {NODE_CMD_FAST, "fast"},
    {NODE_CMD_NO_AUTH, "no_auth"},
    {NODE_CMD_NO_ASYNC_LOADING, "no_async_loading"},
    {NODE_CMD_NO_MULTI, "no_multi"},
    {NODE_CMD_MOVABLE_KEYS, "movablekeys"},
    {NODE_CMD_ALLOW_BUSY, "allow_busy"},
};

/* Redis's ACL category order, which COMMAND INFO follows. */
static const char *const acl_order[] = {
    "keyspace", "read", "write", "set", "sortedset", "list", "hash", "string", "bitmap", "hyperloglog", "geo",
    "stream", "pubsub", "admin", "fast", "slow", "blocking", "dangerous", "connection", "transaction", "scripting",
};

static uint32_t shown_flags(const struct node_cmd *cmd)
{
    return cmd->flags | (cmd->getkeys ? NODE_CMD_MOVABLE_KEYS : 0);
}

static void reply_flags(struct node_out *o, const struct node_cmd *cmd)
{
    uint32_t flags = shown_flags(cmd);
    long long n = 0;
    for (size_t i = 0; i < CORE_ARRAY_LEN(flag_names); i++)
        n += (flags & flag_names[i].bit) != 0;
    node_reply_set(o, n);
    for (size_t i = 0; i < CORE_ARRAY_LEN(flag_names); i++)
        if (flags & flag_names[i].bit)
            node_reply_simple(o, flag_names[i].name);
}

static bool has_word(const char *list, const char *word, size_t wlen, bool nocase)
{
    const char *s = list ? list : "", *end = s + strlen(s), *w;
    size_t wl;
    while (next_word(&s, end, &w, &wl))
        if (wl == wlen && (nocase ? strncasecmp(w, word, wl) : strncmp(w, word, wl)) == 0)
            return true;
    return false;
}

static void reply_acl(struct node_out *o, const struct node_cmd *cmd)
{
    long long n = 0;
    for (size_t i = 0; i < CORE_ARRAY_LEN(acl_order); i++)
        n += has_word(cmd->acl, acl_order[i], strlen(acl_order[i]), false);
    node_reply_set(o, n);
    for (size_t i = 0; i < CORE_ARRAY_LEN(acl_order); i++) {
        if (has_word(cmd->acl, acl_order[i], strlen(acl_order[i]), false)) {
            char cat[32] = "@";
            strncat(cat, acl_order[i], sizeof(cat) - 2);
            node_reply_simple(o, cat);
        }
    }
}

/* ---- key specs ---- */

struct key_spec {
    const char *flags;
    size_t flags_len;
    const char *keyword; /* NULL: an index search from begin */
    size_t keyword_len;
    long long begin, lastkey, keystep; /* begin = startfrom for a keyword search */
};

/* Parses one "<flags>@<begin>,<lastkey>,<keystep>" out of *s (advanced past
 * it and its ';'). The text is ours, so malformed text is a programmer error. */
static bool next_spec(const char **s, struct key_spec *ks)
{
    if (!**s)
        return false;
    const char *at = strchr(*s, '@');
    core_assert(at);
    ks->flags = *s;
    ks->flags_len = (size_t)(at - *s);
    const char *end = strchr(at, ';');
    if (!end)
        end = at + strlen(at);
    long long v[3];
    const char *p = at + 1;
    ks->keyword = NULL;
    ks->keyword_len = 0;
    const char *colon = memchr(p, ':', (size_t)(end - p));
    if (colon) {
        ks->keyword = p;
        ks->keyword_len = (size_t)(colon - p);
        p = colon + 1;
    }
    for (int i = 0; i < 3; i++) {
        size_t n = strcspn(p, ",;");
        bool ok = node_util_parse_ll(p, n, &v[i]);
        core_assert(ok);
        p += n + (i < 2);
    }
    ks->begin = v[0];
    ks->lastkey = v[1];
    ks->keystep = v[2];
    *s = *end ? end + 1 : end;
    return true;
}

static void reply_key_spec(struct node_out *o, const struct key_spec *ks, const char *notes)
{
    node_reply_map(o, notes ? 4 : 3);
    if (notes) {
        node_reply_bulk_cstr(o, "notes");
        node_reply_bulk_cstr(o, notes);
    }
    node_reply_bulk_cstr(o, "flags");
    reply_words(o, ks->flags, ks->flags_len, false);
    node_reply_bulk_cstr(o, "begin_search");
    node_reply_map(o, 2);
    node_reply_bulk_cstr(o, "type");
    if (ks->keyword) {
        node_reply_bulk_cstr(o, "keyword");
        node_reply_bulk_cstr(o, "spec");
        node_reply_map(o, 2);
        node_reply_bulk_cstr(o, "keyword");
        node_reply_bulk(o, ks->keyword, ks->keyword_len);
        node_reply_bulk_cstr(o, "startfrom");
        node_reply_int(o, ks->begin);
    } else {
        node_reply_bulk_cstr(o, "index");
        node_reply_bulk_cstr(o, "spec");
        node_reply_map(o, 1);
        node_reply_bulk_cstr(o, "index");
        node_reply_int(o, ks->begin);
    }
    node_reply_bulk_cstr(o, "find_keys");
    node_reply_map(o, 2);
    node_reply_bulk_cstr(o, "type");
    node_reply_bulk_cstr(o, "range");
    node_reply_bulk_cstr(o, "spec");
    node_reply_map(o, 3);
    node_reply_bulk_cstr(o, "lastkey");
    node_reply_int(o, ks->lastkey);
    node_reply_bulk_cstr(o, "keystep");
    node_reply_int(o, ks->keystep);
    node_reply_bulk_cstr(o, "limit");
    node_reply_int(o, 0);
}

/* A command without a side-table entry: one range spec over its legacy key
 * positions, flagged by what the command does to its keys. */
static void reply_derived_spec(struct node_out *o, const struct node_cmd *cmd)
{
    static const char ro[] = "RO access", rw[] = "RW update";
    if (cmd->first_key <= 0) {
        node_reply_set(o, 0);
        return;
    }
    bool write = (cmd->flags & NODE_CMD_WRITE) != 0;
    struct key_spec ks = {
        .flags = write ? rw : ro,
        .flags_len = write ? strlen(rw) : strlen(ro),
        .begin = cmd->first_key,
        .lastkey = cmd->last_key < 0 ? cmd->last_key : cmd->last_key - cmd->first_key,
        .keystep = cmd->key_step,
    };
    node_reply_set(o, 1);
    reply_key_spec(o, &ks, NULL);
}

static void reply_key_specs(struct node_out *o, const struct node_cmd *cmd, const struct cmd_meta *meta)
{
    if (!meta) {
        reply_derived_spec(o, cmd);
        return;
    }
    struct key_spec ks;
    long long n = 0;
    for (const char *s = meta->specs ? meta->specs : ""; next_spec(&s, &ks);)
        n++;
    node_reply_set(o, n);
    const char *notes = meta->notes;
    for (const char *s = meta->specs ? meta->specs : ""; next_spec(&s, &ks); notes = NULL)
        reply_key_spec(o, &ks, notes);
}

/* ---- COMMAND / COMMAND INFO ---- */

/* One 10-element entry: name, arity, flags, first, last, step, ACL
 * categories, tips, key specs, subcommands (the same entries). */
static void reply_command_entry(struct node_out *o, const struct node_cmd *cmd)
{
    const struct cmd_meta *meta = meta_of(cmd);
    char name[FULLNAME_MAX];
    node_cmd_fullname(cmd, name, sizeof(name));
    node_reply_array(o, 10);
    node_reply_bulk_cstr(o, name);
    node_reply_int(o, cmd->arity);
    reply_flags(o, cmd);
    node_reply_int(o, cmd->first_key);
    node_reply_int(o, cmd->last_key);
    node_reply_int(o, cmd->key_step);
    reply_acl(o, cmd);
    const char *tips = meta && meta->tips ? meta->tips : "";
    reply_words(o, tips, strlen(tips), true);
    reply_key_specs(o, cmd, meta);
    if (!cmd->nsubcmds) {
        node_reply_set(o, 0);
        return;
    }
    node_reply_array(o, cmd->nsubcmds);
    for (int i = 0; i < cmd->nsubcmds; i++)
        reply_command_entry(o, &cmd->subcmds[i]);
}

static void reply_all_commands(struct node_out *o)
{
    node_reply_array(o, (long long)node_cmd_count());
    for (size_t i = 0; i < node_cmd_count(); i++)
        reply_command_entry(o, node_cmd_at(i));
}

/* A command by full name as COMMAND INFO / DOCS take it: "get" or
 * "config|get", case-insensitive. */
static const struct node_cmd *lookup_fullname(const char *name, size_t len)
{
    const char *bar = memchr(name, '|', len);
    if (!bar)
        return node_cmd_lookup(name, len);
    const struct node_cmd *parent = node_cmd_lookup(name, (size_t)(bar - name));
    if (!parent || !parent->nsubcmds)
        return NULL;
    size_t sublen = len - (size_t)(bar - name) - 1;
    if (memchr(bar + 1, '|', sublen))
        return NULL;
    return node_cmd_lookup_sub(parent, bar + 1, sublen);
}

void node_cmd_command(struct node_client *c)
{
    reply_all_commands(&c->out);
}

void node_cmd_command_count(struct node_client *c)
{
    node_reply_int(&c->out, (long long)node_cmd_count());
}

void node_cmd_command_info(struct node_client *c)
{
    if (c->argc == 2) {
        reply_all_commands(&c->out);
        return;
    }
    node_reply_array(&c->out, c->argc - 2);
    for (int i = 2; i < c->argc; i++) {
        const struct node_cmd *cmd = lookup_fullname(c->argv[i], c->argl[i]);
        if (cmd)
            reply_command_entry(&c->out, cmd);
        else
            node_reply_null(&c->out);
    }
}

/* ---- COMMAND DOCS arguments ---- */

/* One argument of an arg_docs string; every field points into it. */
struct arg_view {
    const char *type, *name, *token, *since, *deprecated, *flags, *sub;
    size_t type_len, name_len, token_len, since_len, deprecated_len, flags_len;
    long long key_spec_index; /* -1 if none */
};

static const char *field_end(const char *s)
{
    return s + strcspn(s, "#=@^!() ");
}

/* Parses the argument at s into *a; returns where the next one starts (or
 * the ')' / NUL closing the list). The text is ours: malformed is a bug. */
static const char *parse_arg(const char *s, struct arg_view *a)
{
    memset(a, 0, sizeof(*a));
    a->key_spec_index = -1;
    a->type = s;
    a->type_len = strcspn(s, ":");
    core_assert(s[a->type_len] == ':');
    a->name = s + a->type_len + 1;
    s = field_end(a->name);
    a->name_len = (size_t)(s - a->name);
    if (*s == '#') {
        const char *e = field_end(s + 1);
        bool ok = node_util_parse_ll(s + 1, (size_t)(e - s - 1), &a->key_spec_index);
        core_assert(ok);
        s = e;
    }
    const struct {
        char mark;
        const char **field;
        size_t *len;
    } opt[] = {{'=', &a->token, &a->token_len}, {'@', &a->since, &a->since_len},
               {'^', &a->deprecated, &a->deprecated_len}, {'!', &a->flags, &a->flags_len}};
    for (size_t i = 0; i < CORE_ARRAY_LEN(opt); i++) {
        if (*s != opt[i].mark)
            continue;
        *opt[i].field = s + 1;
        s = field_end(s + 1);
        *opt[i].len = (size_t)(s - *opt[i].field);
    }
    if (*s == '(') {
        a->sub = s + 1;
        for (int depth = 1; depth > 0;) {
            s++;
            core_assert(*s);
            depth += (*s == '(') - (*s == ')');
        }
        s++;
    }
    return *s == ' ' ? s + 1 : s;
}

static long long count_args(const char *s)
{
    struct arg_view a;
    long long n = 0;
    while (*s && *s != ')') {
        s = parse_arg(s, &a);
        n++;
    }
    return n;
}

static void reply_bulk_pair(struct node_out *o, const char *key, const char *v, size_t len)
{
    node_reply_bulk_cstr(o, key);
    node_reply_bulk(o, v, len);
}

static void reply_args(struct node_out *o, const char *s);

static void reply_arg(struct node_out *o, const struct arg_view *a)
{
    long long pairs = 2 + (a->key_spec_index >= 0) + (a->token != NULL) + (a->since != NULL) +
                      (a->deprecated != NULL) + (a->flags != NULL) + (a->sub != NULL);
    node_reply_map(o, pairs);
    reply_bulk_pair(o, "name", a->name, a->name_len);
    reply_bulk_pair(o, "type", a->type, a->type_len);
    if (a->key_spec_index >= 0) {
        node_reply_bulk_cstr(o, "key_spec_index");
        node_reply_int(o, a->key_spec_index);
    }
    if (a->token)
        reply_bulk_pair(o, "token", a->token, a->token_len);
    if (a->since)
        reply_bulk_pair(o, "since", a->since, a->since_len);
    if (a->deprecated)
        reply_bulk_pair(o, "deprecated_since", a->deprecated, a->deprecated_len);
    if (a->flags) {
        static const struct {
            char letter;
            const char *name;
        } flag_docs[] = {{'o', "optional"}, {'m', "multiple"}, {'t', "multiple_token"}};
        node_reply_bulk_cstr(o, "flags");
        node_reply_set(o, (long long)a->flags_len);
        for (size_t i = 0; i < CORE_ARRAY_LEN(flag_docs); i++)
            if (memchr(a->flags, flag_docs[i].letter, a->flags_len))
                node_reply_simple(o, flag_docs[i].name);
    }
    if (a->sub) {
        node_reply_bulk_cstr(o, "arguments");
        reply_args(o, a->sub);
    }
}

static void reply_args(struct node_out *o, const char *s)
{
    node_reply_array(o, count_args(s));
    struct arg_view a;
    while (*s && *s != ')') {
        s = parse_arg(s, &a);
        reply_arg(o, &a);
    }
}

/* history: a set of [version, text] pairs. */
static void reply_history(struct node_out *o, const char *h)
{
    long long n = 1;
    for (const char *p = h; *p; p++)
        n += *p == '\n';
    node_reply_set(o, n);
    while (*h) {
        size_t line = strcspn(h, "\n"), ver = strcspn(h, "\t");
        core_assert(ver < line);
        node_reply_array(o, 2);
        node_reply_bulk(o, h, ver);
        node_reply_bulk(o, h + ver + 1, line - ver - 1);
        h += line + (h[line] == '\n');
    }
}

static const struct arg_doc *arg_doc_of(const struct node_cmd *cmd)
{
    char name[FULLNAME_MAX];
    node_cmd_fullname(cmd, name, sizeof(name));
    for (size_t i = 0; i < CORE_ARRAY_LEN(arg_docs); i++)
        if (strcmp(arg_docs[i].name, name) == 0)
            return &arg_docs[i];
    return NULL;
}

/* ---- COMMAND DOCS ---- */

static void reply_deprecation(struct node_out *o, const struct cmd_meta *m)
{
    node_reply_bulk_cstr(o, "doc_flags");
    node_reply_set(o, 1);
    node_reply_simple(o, "deprecated");
    node_reply_bulk_cstr(o, "deprecated_since");
    node_reply_bulk_cstr(o, m->deprecated_since);
    node_reply_bulk_cstr(o, "replaced_by");
    node_reply_bulk_cstr(o, m->replaced_by);
}

/* The docs map, keys in Redis's order: summary, since, group, complexity,
 * doc_flags, deprecated_since, replaced_by, history, arguments, subcommands. */
static void reply_docs(struct node_out *o, const struct node_cmd *cmd)
{
    const struct cmd_meta *m = meta_of(cmd);
    const struct arg_doc *ad = arg_doc_of(cmd);
    const char *history = ad ? ad->history : NULL, *args = ad ? ad->args : NULL;
    const char *fields[][2] = {{"summary", cmd->summary ? cmd->summary : m ? m->summary : NULL},
                               {"since", cmd->since ? cmd->since : m ? m->since : NULL},
                               {"group", cmd->group ? cmd->group : m ? m->group : NULL},
                               {"complexity", m ? m->complexity : NULL}};
    bool deprecated = m && m->deprecated_since;
    long long pairs = (deprecated ? 3 : 0) + (history != NULL) + (args != NULL) + (cmd->nsubcmds > 0);
    for (size_t i = 0; i < CORE_ARRAY_LEN(fields); i++)
        pairs += fields[i][1] != NULL;
    node_reply_map(o, pairs);
    for (size_t i = 0; i < CORE_ARRAY_LEN(fields); i++) {
        if (fields[i][1]) {
            node_reply_bulk_cstr(o, fields[i][0]);
            node_reply_bulk_cstr(o, fields[i][1]);
        }
    }
    if (deprecated)
        reply_deprecation(o, m);
    if (history) {
        node_reply_bulk_cstr(o, "history");
        reply_history(o, history);
    }
    if (args) {
        node_reply_bulk_cstr(o, "arguments");
        reply_args(o, args);
    }
    if (cmd->nsubcmds > 0) {
        node_reply_bulk_cstr(o, "subcommands");
        node_reply_map(o, cmd->nsubcmds);
        for (int i = 0; i < cmd->nsubcmds; i++) {
            char name[FULLNAME_MAX];
            node_cmd_fullname(&cmd->subcmds[i], name, sizeof(name));
            node_reply_bulk_cstr(o, name);
            reply_docs(o, &cmd->subcmds[i]);
        }
    }
}

static void reply_docs_entry(struct node_out *o, const struct node_cmd *cmd)
{
    char name[FULLNAME_MAX];
    node_cmd_fullname(cmd, name, sizeof(name));
    node_reply_bulk_cstr(o, name);
    reply_docs(o, cmd);
}

/* COMMAND DOCS [name ...]: a map of the commands found; unknown names are
 * left out. */
void node_cmd_command_docs(struct node_client *c)
{
    if (c->argc == 2) {
        node_reply_map(&c->out, (long long)node_cmd_count());
        for (size_t i = 0; i < node_cmd_count(); i++)
            reply_docs_entry(&c->out, node_cmd_at(i));
        return;
    }
    long long found = 0;
    for (int i = 2; i < c->argc; i++)
        found += lookup_fullname(c->argv[i], c->argl[i]) != NULL;
    node_reply_map(&c->out, found);
    for (int i = 2; i < c->argc; i++) {
        const struct node_cmd *cmd = lookup_fullname(c->argv[i], c->argl[i]);
        if (cmd)
            reply_docs_entry(&c->out, cmd);
    }
}

/* ---- COMMAND LIST ---- */

enum list_filter { LF_NONE, LF_MODULE, LF_ACLCAT, LF_PATTERN };

struct list_query {
    enum list_filter filter;
    const char *arg;
    size_t arg_len;
};

static bool list_matches(const struct list_query *q, const struct node_cmd *cmd)
{
    char name[FULLNAME_MAX];
    switch (q->filter) {
    case LF_NONE:
        return true;
    case LF_MODULE:
        return false; /* no modules */
    case LF_ACLCAT:
        return has_word(cmd->acl, q->arg, q->arg_len, true);
    case LF_PATTERN:
        node_cmd_fullname(cmd, name, sizeof(name));
        return node_util_glob_match(q->arg, q->arg_len, name, strlen(name), true);
    }
    return false;
}

/* Visits every command then its subcommands, counting (and replying, when
 * o is non-NULL) the names that match. */
static long long list_walk(struct node_out *o, const struct list_query *q)
{
    long long n = 0;
    for (size_t i = 0; i < node_cmd_count(); i++) {
        const struct node_cmd *cmd = node_cmd_at(i);
        for (int j = -1; j < cmd->nsubcmds; j++) {
            const struct node_cmd *x = j < 0 ? cmd : &cmd->subcmds[j];
            if (!list_matches(q, x))
                continue;
            n++;
            if (o) {
                char name[FULLNAME_MAX];
                node_cmd_fullname(x, name, sizeof(name));
                node_reply_bulk_cstr(o, name);
            }
        }
    }
    return n;
}

void node_cmd_command_list(struct node_client *c)
{
    struct list_query q = {.filter = LF_NONE};
    if (c->argc == 5 && node_arg_is(c, 2, "filterby")) {
        if (node_arg_is(c, 3, "module"))
            q.filter = LF_MODULE;
        else if (node_arg_is(c, 3, "aclcat"))
            q.filter = LF_ACLCAT;
        else if (node_arg_is(c, 3, "pattern"))
            q.filter = LF_PATTERN;
        q.arg = c->argv[4];
        q.arg_len = c->argl[4];
    }
    if ((c->argc != 2 && q.filter == LF_NONE)) {
        node_reply_error(&c->out, NODE_ERR_SYNTAX);
        return;
    }
    node_reply_array(&c->out, list_walk(NULL, &q));
    list_walk(&c->out, &q);
}

/* ---- COMMAND GETKEYS ---- */

/* The command named by argv[2] (and argv[3] for a container), as Redis's
 * lookupCommand: a container named alone is the container itself. */
static const struct node_cmd *getkeys_target(const struct node_client *c)
{
    const struct node_cmd *cmd = node_cmd_lookup(c->argv[2], c->argl[2]);
    if (!cmd || !cmd->nsubcmds || c->argc == 3)
        return cmd;
    return node_cmd_lookup_sub(cmd, c->argv[3], c->argl[3]);
}

void node_cmd_command_getkeys(struct node_client *c)
{
    /* Redis declares COMMAND GETKEYS with arity -4. */
    if (c->argc < 4) {
        node_reply_arity_error(c);
        return;
    }
    const struct node_cmd *cmd = getkeys_target(c);
    int argc = c->argc - 2;
    if (!cmd) {
        node_reply_error(&c->out, "ERR Invalid command specified");
        return;
    }
    if (!cmd->getkeys && cmd->first_key <= 0) {
        node_reply_error(&c->out, "ERR The command has no key arguments");
        return;
    }
    if ((cmd->arity > 0 && cmd->arity != argc) || argc < -cmd->arity) {
        node_reply_error(&c->out, "ERR Invalid number of arguments specified for command");
        return;
    }
    /* A command has at most one key per argument. */
    int *idx = core_malloc((size_t)argc * sizeof(int));
    int n = node_cmd_get_keys(cmd, argc, c->argv + 2, c->argl + 2, idx, argc);
    /* No key found is an error, except for MIGRATE, whose KEYS form may
     * name none (Redis's CMD_NO_MANDATORY_KEYS). */
    if (n < 0 || (n == 0 && cmd->proc != node_cmd_migrate)) {
        node_reply_error(&c->out, "ERR Invalid arguments specified for command");
    } else {
        node_reply_array(&c->out, n);
        for (int i = 0; i < n; i++)
            node_reply_bulk(&c->out, c->argv[2 + idx[i]], c->argl[2 + idx[i]]);
    }
    core_free(idx);
}

void node_cmd_command_help(struct node_client *c)
{
    static const char *const lines[] = {
        "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "(no subcommand)",
        "    Return details about all Redis commands.",
        "COUNT",
        "    Return the total number of commands in this Redis server.",
        "LIST",
        "    Return a list of all commands in this Redis server.",
        "INFO [<command-name> ...]",
        "    Return details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "DOCS [<command-name> ...]",
        "    Return documentation details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "GETKEYS <full-command>",
        "    Return the keys from a full Redis command.",
        "HELP",
        "    Prints this help.",
    };
    node_reply_array(&c->out, (long long)CORE_ARRAY_LEN(lines));
    for (size_t i = 0; i < CORE_ARRAY_LEN(lines); i++)
        node_reply_simple(&c->out, lines[i]);
}
