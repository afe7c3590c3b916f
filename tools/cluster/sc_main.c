/*
 * shoal-cluster's entry point: parses the command line, dispatches to the
 * command and turns its outcome into the exit code (0 ok, 1 problem or
 * failure, 2 usage).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sc_io.h"

static const char usage[] =
    "Usage: shoal-cluster [global options] <command> <arguments> [command options]\n"
    "\n"
    "Commands:\n"
    "  create HOST:PORT... [--replicas N]\n"
    "  check HOST:PORT\n"
    "  info HOST:PORT\n"
    "  fix HOST:PORT\n"
    "  reshard HOST:PORT --from <id[,id...]|all> --to <id> --slots N [--pipeline N] [--timeout MS] [--replace]\n"
    "  rebalance HOST:PORT [--weight ID=W]... [--use-empty-masters] [--threshold PCT] [--simulate]\n"
    "                      [--pipeline N] [--timeout MS] [--replace]\n"
    "  add-node NEW_HOST:PORT EXISTING_HOST:PORT [--replica-of ID | --replica]\n"
    "  del-node HOST:PORT ID\n"
    "  help\n"
    "\n"
    "Global options:\n"
    "  --json           print one JSON document at the end (schema: docs/shoal-cluster.md)\n"
    "  --yes, -y        do not ask for confirmation\n"
    "  -a, --pass PASS  password (AUTH) for every node; --user USER for AUTH USER PASS\n"
    "  --help, -h       this text\n"
    "\n"
    "Defaults: --pipeline 1000 keys per MIGRATE, --timeout 60000 ms, --threshold 2 (%).\n"
    "Exit codes: 0 success/healthy, 1 problems found or operation failed, 2 usage error.\n";

static int usage_error(const char *msg)
{
    sc_fail("%s", msg);
    if (!sc_out.o->json)
        fputs("Try 'shoal-cluster --help'.\n", stderr);
    return sc_finish(2, NULL);
}

static int want_pos(int lo, int hi)
{
    const struct sc_opts *o = sc_out.o;
    if (o->npos < lo) {
        char m[128];
        snprintf(m, sizeof(m), "%s: missing argument (see --help)", o->command);
        return usage_error(m);
    }
    if (hi >= 0 && o->npos > hi) {
        char m[256];
        snprintf(m, sizeof(m), "%s: unexpected argument '%s'", o->command, o->pos[hi]);
        return usage_error(m);
    }
    return 0;
}

int main(int argc, char **argv)
{
    static struct sc_opts o;
    char err[256];
    int rc = sc_cli_parse(argc, argv, &o, err, sizeof(err));
    sc_out.o = &o;
    sc_out.tty = isatty(STDOUT_FILENO);
    if (rc < 0) {
        /* --json may come after the bad option: look for it by hand. */
        for (int i = 1; i < argc; i++)
            if (!strcmp(argv[i], "--json"))
                o.json = true;
        return usage_error(err);
    }
    if (o.help || !o.command || !strcmp(o.command, "help")) {
        fputs(usage, o.command || o.help ? stdout : stderr);
        return o.command || o.help ? 0 : 2;
    }
    const char *c = o.command;
    if (!strcmp(c, "create"))
        return want_pos(1, -1) ? 2 : sc_cmd_create();
    if (!strcmp(c, "check"))
        return want_pos(1, 1) ? 2 : sc_cmd_check(false);
    if (!strcmp(c, "fix"))
        return want_pos(1, 1) ? 2 : sc_cmd_check(true);
    if (!strcmp(c, "info"))
        return want_pos(1, 1) ? 2 : sc_cmd_info();
    if (!strcmp(c, "reshard")) {
        if (want_pos(1, 1))
            return 2;
        if (!o.from || !o.to || !o.slots)
            return usage_error("reshard: --from, --to and --slots are required");
        return sc_cmd_reshard();
    }
    if (!strcmp(c, "rebalance"))
        return want_pos(1, 1) ? 2 : sc_cmd_rebalance();
    if (!strcmp(c, "add-node")) {
        if (want_pos(2, 2))
            return 2;
        if (o.replica && o.replica_of)
            return usage_error("add-node: give --replica or --replica-of ID, not both");
        return sc_cmd_add_node();
    }
    if (!strcmp(c, "del-node"))
        return want_pos(2, 2) ? 2 : sc_cmd_del_node();
    return usage_error("unknown command");
}
