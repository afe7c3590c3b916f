/*
 * cmd_config.c — the CONFIG container's subcommands: GET, SET, RESETSTAT,
 * REWRITE, HELP. Thin: parsing, validation and rewriting live in config.c,
 * resetting statistics in server.c. Arity is checked by the dispatcher.
 */
#include "node/commands.h"
#include "node/config.h"
#include "node/core/core.h"
#include "node/reply.h"

void node_cmd_config_get(struct node_client *c)
{
    node_config_get(&c->srv->cfg, c->argc - 2, c->argv + 2, c->argl + 2, &c->out);
}

void node_cmd_config_set(struct node_client *c)
{
    node_config_set(&c->srv->cfg, c->argc - 2, c->argv + 2, c->argl + 2, &c->out);
}

void node_cmd_config_resetstat(struct node_client *c)
{
    node_server_reset_stats(c->srv);
    node_reply_ok(&c->out);
}

void node_cmd_config_rewrite(struct node_client *c)
{
    node_config_rewrite(&c->srv->cfg, &c->out);
}

void node_cmd_config_help(struct node_client *c)
{
    static const char *const lines[] = {
        "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GET <pattern>",
        "    Return parameters matching the glob-like <pattern> and their values.",
        "SET <directive> <value>",
        "    Set the configuration <directive> to <value>.",
        "RESETSTAT",
        "    Reset statistics reported by the INFO command.",
        "REWRITE",
        "    Rewrite the configuration file.",
        "HELP",
        "    Prints this help.",
    };
    node_reply_array(&c->out, (long long)CORE_ARRAY_LEN(lines));
    for (size_t i = 0; i < CORE_ARRAY_LEN(lines); i++)
        node_reply_simple(&c->out, lines[i]);
}
