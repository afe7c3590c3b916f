/*
 * main.c — the command line, exactly like redis-server's:
 *   shoal-server [/path/to/shoal.conf] [--name value ...]
 */
#include "node/server.h"
#include "node/core/core.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

int node_server_run(struct node_server *srv);

static struct node_server server;

static void usage(void)
{
    fprintf(stderr, "Usage: ./shoal-server [/path/to/shoal.conf] [options] [-]\n"
                    "       ./shoal-server - (read config from stdin)\n"
                    "       ./shoal-server -v or --version\n"
                    "       ./shoal-server -h or --help\n\n"
                    "Examples:\n"
                    "       ./shoal-server (run the server with default conf)\n"
                    "       ./shoal-server /etc/shoal/7000.conf\n"
                    "       ./shoal-server --port 7777\n"
                    "       ./shoal-server /etc/shoal.conf --loglevel verbose\n");
}

int main(int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "-v") == 0 || strcmp(argv[1], "--version") == 0)) {
        printf("shoal server v=%s (redis protocol 7.0.15) bits=%d malloc=%s\n", SHOAL_VERSION,
               (int)(sizeof(long) * 8), core_allocator_name());
        return 0;
    }
    if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        usage();
        return 0;
    }
    const char *path = NULL;
    int first_opt = 1;
    if (argc >= 2 && strncmp(argv[1], "--", 2) != 0) {
        path = argv[1];
        first_opt = 2;
    }
    node_config_init(&server.cfg);
    char err[4096];
    if (node_config_load(&server.cfg, path, argc - first_opt, argv + first_opt, err, sizeof(err)) < 0) {
        fprintf(stderr, "\n%s\n", err);
        return 1;
    }
    /* INFO executable is absolute, as Redis reports it: resolve before the
     * server changes directory. */
    static char exe[4096];
    if (argv[0][0] != '/' && getcwd(exe, sizeof(exe)) && strlen(exe) + strlen(argv[0]) + 2 <= sizeof(exe)) {
        strcat(exe, "/");
        strcat(exe, argv[0]);
        server.executable = exe;
    } else {
        server.executable = argv[0];
    }
    int rc = node_server_run(&server);
    node_config_free(&server.cfg);
    return rc;
}
