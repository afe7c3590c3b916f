/*
 * cmd_debug.c — DEBUG, for tests and operators: only the subcommands shoal
 * has (DROP-CLUSTER-PACKET-FILTER, the partition switch the failover tests
 * use). Guarded by enable-debug-command exactly as Redis guards it.
 */
#include "gossip/gossip.h"
#include "node/commands.h"
#include "node/core/core.h"
#include "node/node_int.h"

#include <string.h>

#define ERR_DEBUG_DISABLED                                                                                           \
    "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a "  \
    "local connection, otherwise you need to set this option in the configuration file, and then restart the "      \
    "server."

static bool debug_allowed(const struct node_client *c)
{
    int mode = c->srv->cfg.enable_debug_command;
    return mode == 1 || (mode == 2 && node_client_is_loopback(c));
}

static void debug_help(struct node_client *c)
{
    static const char *const lines[] = {
        "DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "DROP-CLUSTER-PACKET-FILTER <packet-type>",
        "    Drop all packets that match the filtered type. Set to -1 allow all packets.",
        "    Set to -2 (shoal only) to isolate this node: drop every packet and send none.",
        "HELP",
        "    Prints this help.",
    };
    node_reply_array(&c->out, (long long)CORE_ARRAY_LEN(lines));
    for (size_t i = 0; i < CORE_ARRAY_LEN(lines); i++)
        node_reply_simple(&c->out, lines[i]);
}

void node_cmd_debug(struct node_client *c)
{
    if (!debug_allowed(c)) {
        node_reply_error(&c->out, ERR_DEBUG_DISABLED);
        return;
    }
    if (node_arg_is(c, 1, "help") && c->argc == 2) {
        debug_help(c);
        return;
    }
    if (node_arg_is(c, 1, "drop-cluster-packet-filter") && c->argc == 3) {
        long long type;
        if (!node_arg_ll(c, 2, &type, NULL))
            return;
        int32_t filter = GOSSIP_DROP_NONE;
        if (type == GOSSIP_DROP_ALL)
            filter = GOSSIP_DROP_ALL;
        else if (type >= 0 && type <= INT32_MAX)
            filter = (int32_t)type;
        if (c->srv->gossip)
            c->srv->gossip->drop_filter = filter;
        node_reply_ok(&c->out);
        return;
    }
    node_reply_subcommand_error(c);
}
