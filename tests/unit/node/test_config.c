/* Unit tests for config.c: files, the command line, CONFIG GET/SET/REWRITE. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "node/config.h"
#include "node/core/core.h"
#include "node/core/core_log.h"
#include "node/reply.h"

static char tmpdir[256];
static char logpath[300];

/* Each test gets its own directory; the log goes to a file so warnings can
 * be checked (and stay out of the TAP stream). */
static void setup(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/shoal-test-config-XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
    snprintf(logpath, sizeof(logpath), "%s/log", tmpdir);
    cr_assert_eq(core_log_set_file(logpath), 0);
}

static void teardown(void)
{
    char cmd[300];
    core_log_set_file(NULL);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(config, .init = setup, .fini = teardown);

static char *path_in_tmp(const char *name)
{
    static char path[2][400];
    static int next;
    char *p = path[next++ % 2];
    snprintf(p, sizeof(path[0]), "%s/%s", tmpdir, name);
    return p;
}

static const char *write_conf(const char *name, const char *text)
{
    const char *path = path_in_tmp(name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "open %s", path);
    char *buf = core_malloc(1 << 16);
    size_t n = fread(buf, 1, (1 << 16) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static int count_substr(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

/* Loads text as a config file plus argv; returns the status, err filled. */
static int load(struct node_config *cfg, const char *text, int argc, char **argv, char *err, size_t size)
{
    const char *path = text ? write_conf("shoal.conf", text) : NULL;
    return node_config_load(cfg, path, argc, argv, err, size);
}

static void load_ok(struct node_config *cfg, const char *text, int argc, char **argv)
{
    char err[2048] = "";
    int rc = load(cfg, text, argc, argv, err, sizeof(err));
    cr_assert_eq(rc, 0, "load failed: %s", err);
}

/* Loads a one-file config that must fail; returns the message. */
static char *load_bad(const char *text)
{
    static char err[2048];
    struct node_config cfg;
    node_config_init(&cfg);
    err[0] = '\0';
    int rc = load(&cfg, text, 0, NULL, err, sizeof(err));
    cr_assert_eq(rc, -EINVAL, "expected failure for %s", text);
    node_config_free(&cfg);
    return err;
}

static void expect_bad_line(const char *text, int line, const char *shown, const char *reason)
{
    char want[1024];
    char *err = load_bad(text);
    snprintf(want, sizeof(want),
             "*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line %d\n"
             ">>> '%s'\n%s\nin file '%s'",
             line, shown, reason, path_in_tmp("shoal.conf"));
    cr_assert_str_eq(err, want);
}

/* The reply bytes queued in out, flattened. */
static char *out_text(struct node_out *o)
{
    char *buf = core_malloc(o->bytes + 1);
    size_t n = 0;
    for (const struct node_obuf_block *b = o->head; b; b = b->next) {
        memcpy(buf + n, b->data, b->used);
        n += b->used;
    }
    buf[n] = '\0';
    node_out_consume(o, o->bytes);
    return buf;
}

/* A decoded flat aggregate of bulk strings (a RESP2 map). */
struct flat {
    int count;
    char *v[128];
};

static void decode_flat(struct node_out *o, struct flat *f)
{
    char *text = out_text(o);
    char *p = text;
    cr_assert_eq(*p, '*', "not an array: %s", text);
    int n = (int)strtol(p + 1, &p, 10);
    cr_assert(n >= 0 && n <= 128);
    p += 2;
    f->count = n;
    for (int i = 0; i < n; i++) {
        cr_assert_eq(*p, '$', "not a bulk: %s", p);
        long len = strtol(p + 1, &p, 10);
        p += 2;
        f->v[i] = core_strndup(p, (size_t)len);
        p += len + 2;
    }
    cr_assert_eq(*p, '\0', "trailing bytes: %s", p);
    core_free(text);
}

static void flat_free(struct flat *f)
{
    for (int i = 0; i < f->count; i++)
        core_free(f->v[i]);
}

/* CONFIG GET with the given patterns; returns the value for name or NULL. */
static const char *map_value(const struct flat *f, const char *name)
{
    for (int i = 0; i + 1 < f->count; i += 2)
        if (strcmp(f->v[i], name) == 0)
            return f->v[i + 1];
    return NULL;
}

static void get(struct node_config *cfg, struct flat *f, int argc, const char **argv)
{
    size_t argl[16];
    struct node_out o;
    for (int i = 0; i < argc; i++)
        argl[i] = strlen(argv[i]);
    node_out_init(&o);
    node_config_get(cfg, argc, argv, argl, &o);
    decode_flat(&o, f);
    node_out_free(&o);
}

/* The single value of CONFIG GET name. */
static char *get1(struct node_config *cfg, const char *name)
{
    static char value[1024];
    struct flat f;
    get(cfg, &f, 1, &name);
    cr_assert_eq(f.count, 2, "CONFIG GET %s", name);
    snprintf(value, sizeof(value), "%s", f.v[1]);
    flat_free(&f);
    return value;
}

/* CONFIG SET with argv; returns the reply text. */
static char *set(struct node_config *cfg, int argc, const char **argv)
{
    static char reply[1024];
    size_t argl[16];
    struct node_out o;
    for (int i = 0; i < argc; i++)
        argl[i] = strlen(argv[i]);
    node_out_init(&o);
    node_config_set(cfg, argc, argv, argl, &o);
    char *text = out_text(&o);
    snprintf(reply, sizeof(reply), "%s", text);
    core_free(text);
    node_out_free(&o);
    return reply;
}

static char *rewrite(struct node_config *cfg)
{
    static char reply[1024];
    struct node_out o;
    node_out_init(&o);
    node_config_rewrite(cfg, &o);
    char *text = out_text(&o);
    snprintf(reply, sizeof(reply), "%s", text);
    core_free(text);
    node_out_free(&o);
    return reply;
}

Test(config, defaults_match_redis_except_normal_obuf)
{
    struct node_config cfg;
    node_config_init(&cfg);
    cr_assert_eq(cfg.port, 6379);
    cr_assert_str_eq(get1(&cfg, "bind"), "* -::*");
    cr_assert_str_eq(get1(&cfg, "client-output-buffer-limit"),
                     "normal 268435456 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60");
    cr_assert_str_eq(get1(&cfg, "save"), "3600 1 300 100 60 10000");
    cr_assert_str_eq(get1(&cfg, "appendonly"), "no");
    cr_assert_str_eq(get1(&cfg, "cluster-node-timeout"), "15000");
    cr_assert_str_eq(get1(&cfg, "requirepass"), "");
    cr_assert_str_eq(get1(&cfg, "loglevel"), "notice");
    cr_assert_null(cfg.config_file);
    cr_assert_eq(cfg.dir[0], '/');
    node_config_free(&cfg);
}

Test(config, parses_a_good_file)
{
    struct node_config cfg;
    node_config_init(&cfg);
    char text[1024];
    snprintf(text, sizeof(text),
             "# a comment\n\n   \t\n"
             "port 7100\n"
             "BIND 127.0.0.1 ::1\n"
             "protected-mode NO\n"
             "timeout 30\ntcp-keepalive 60\nmaxclients 128\n"
             "  requirepass secret  \r\n"
             "daemonize no\nloglevel WARNING\nlogfile \"\"\npidfile /tmp/x.pid\n"
             "databases 1\nhz 1000\ndir %s\ndbfilename d.rdb\n"
             "proto-max-bulk-len 2mb\nclient-query-buffer-limit 1gb\n"
             "client-output-buffer-limit normal 0 0 0\n"
             "client-output-buffer-limit pubsub 1mb 512kb 10 replica 1gb 0 0\n"
             "cluster-enabled yes\ncluster-config-file n.conf\ncluster-node-timeout 5000\n"
             "cluster-require-full-coverage no\ncluster-allow-reads-when-down yes\n"
             "cluster-port 17100\ncluster-announce-ip 10.0.0.1\n",
             tmpdir);
    load_ok(&cfg, text, 0, NULL);
    cr_assert_eq(cfg.port, 7100);
    cr_assert_eq(cfg.bind_count, 2);
    cr_assert_str_eq(cfg.bind[1], "::1");
    cr_assert_not(cfg.protected_mode);
    cr_assert_eq(cfg.timeout_s, 30);
    cr_assert_eq(cfg.maxclients, 128);
    cr_assert_str_eq(cfg.requirepass, "secret");
    cr_assert_eq(cfg.loglevel, CORE_LOG_WARNING);
    cr_assert_str_eq(cfg.pidfile, "/tmp/x.pid");
    cr_assert_eq(cfg.hz, 500, "hz is clamped as Redis does");
    cr_assert_eq(cfg.proto_max_bulk_len, 2 * 1024 * 1024);
    cr_assert_eq(cfg.obuf_limits[NODE_OBUF_NORMAL].hard_bytes, 0);
    cr_assert_eq(cfg.obuf_limits[NODE_OBUF_PUBSUB].soft_bytes, 512 * 1024);
    cr_assert_eq(cfg.obuf_limits[NODE_OBUF_REPLICA].hard_bytes, 1024LL * 1024 * 1024);
    cr_assert(cfg.cluster_enabled);
    cr_assert_eq(cfg.cluster_node_timeout_ms, 5000);
    cr_assert_eq(cfg.cluster_port, 17100);
    cr_assert_str_eq(cfg.cluster_announce_ip, "10.0.0.1");
    cr_assert_not_null(cfg.config_file);
    cr_assert_eq(cfg.config_file[0], '/');
    cr_assert_str_eq(get1(&cfg, "client-output-buffer-limit"),
                     "normal 0 0 0 slave 1073741824 0 0 pubsub 1048576 524288 10");
    node_config_free(&cfg);
}

Test(config, quoting_follows_redis)
{
    struct node_config cfg;
    node_config_init(&cfg);
    load_ok(&cfg,
            "requirepass \"a\\x41\\\"b\\n c\"\n"
            "cluster-announce-ip 'it\\'s \"x\"'\n"
            "pidfile \"\"\n"
            "cluster-config-file a\"b c\"\n",
            0, NULL);
    cr_assert_str_eq(cfg.requirepass, "aA\"b\n c");
    cr_assert_str_eq(cfg.cluster_announce_ip, "it's \"x\"");
    cr_assert_null(cfg.pidfile, "an empty pidfile means none");
    cr_assert_str_eq(cfg.cluster_config_file, "ab c");
    node_config_free(&cfg);
}

Test(config, bad_lines_name_file_line_and_reason)
{
    expect_bad_line("# c\nfoo bar\n", 2, "foo bar", "Bad directive or wrong number of arguments");
    expect_bad_line("port abc", 1, "port abc", "argument couldn't be parsed into an integer");
    expect_bad_line("\n\nport 99999\n", 3, "port 99999", "argument must be between 0 and 65535 inclusive");
    expect_bad_line("port 010", 1, "port 010", "argument couldn't be parsed into an integer");
    expect_bad_line("port", 1, "port", "wrong number of arguments");
    expect_bad_line("port 7000 # c", 1, "port 7000 # c", "wrong number of arguments");
    expect_bad_line("protected-mode maybe", 1, "protected-mode maybe", "argument must be 'yes' or 'no'");
    expect_bad_line("bind \"127.0.0.1", 1, "bind \"127.0.0.1", "Unbalanced quotes in configuration line");
    expect_bad_line("requirepass \"a\"b", 1, "requirepass \"a\"b", "Unbalanced quotes in configuration line");
    expect_bad_line("loglevel loud", 1, "loglevel loud",
                    "argument(s) must be one of the following: debug, verbose, notice, warning");
    expect_bad_line("proto-max-bulk-len 100", 1, "proto-max-bulk-len 100",
                    "argument must be between 1048576 and 9223372036854775807 inclusive");
    expect_bad_line("client-query-buffer-limit 1.5mb", 1, "client-query-buffer-limit 1.5mb",
                    "argument must be a memory value");
    expect_bad_line("maxclients 0", 1, "maxclients 0", "argument must be between 1 and 4294967295 inclusive");
    expect_bad_line("client-output-buffer-limit normal 1 2", 1, "client-output-buffer-limit normal 1 2",
                    "Wrong number of arguments in buffer limit configuration.");
    expect_bad_line("client-output-buffer-limit master 1 2 3", 1, "client-output-buffer-limit master 1 2 3",
                    "Invalid client class specified in buffer limit configuration.");
    expect_bad_line("client-output-buffer-limit normal 1 2 -1", 1, "client-output-buffer-limit normal 1 2 -1",
                    "Error in hard, soft or soft_seconds setting in buffer limit configuration.");
    expect_bad_line("dir /nonexistent/shoal", 1, "dir /nonexistent/shoal", "No such file or directory");
    expect_bad_line("dbfilename /tmp/x.rdb", 1, "dbfilename /tmp/x.rdb", "dbfilename can't be a path, just a filename");
    expect_bad_line("bind 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17", 1,
                    "bind 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17", "Too many bind addresses specified.");
    expect_bad_line("  PORT   abc  \r", 1, "PORT   abc", "argument couldn't be parsed into an integer");
    expect_bad_line("activerehashing maybe", 1, "activerehashing maybe", "argument must be 'yes' or 'no'");
    expect_bad_line("slowlog-max-len 1 2", 1, "slowlog-max-len 1 2", "wrong number of arguments");
    expect_bad_line("rename-command foo", 1, "rename-command foo", "Bad directive or wrong number of arguments");
}

Test(config, missing_file_is_fatal)
{
    struct node_config cfg;
    char err[512];
    node_config_init(&cfg);
    cr_assert_eq(node_config_load(&cfg, "/nonexistent/shoal.conf", 0, NULL, err, sizeof(err)), -EINVAL);
    cr_assert_str_eq(err, "Fatal error, can't open config file '/nonexistent/shoal.conf': No such file or directory");
    node_config_free(&cfg);
}

Test(config, harmless_directives_are_accepted_with_one_warning)
{
    struct node_config cfg;
    node_config_init(&cfg);
    load_ok(&cfg,
            "activerehashing yes\nactiverehashing no\nappendonly no\nappendonly no\nmaxmemory 0\n"
            "maxmemory-policy allkeys-lru\nio-threads 4\nsupervised no\nlazyfree-lazy-eviction yes\n"
            "hash-max-listpack-value 1kb\nlatency-tracking-info-percentiles 50 99 99.9\n",
            0, NULL);
    char *log = slurp(logpath);
    cr_assert_eq(count_substr(log, "'activerehashing'"), 1, "one warning per directive: %s", log);
    cr_assert_eq(count_substr(log, "'appendonly'"), 1);
    cr_assert_eq(count_substr(log, "'io-threads'"), 1);
    cr_assert(strstr(log, "line 1") != NULL);
    cr_assert(strstr(log, " # ") != NULL, "logged as warnings");
    core_free(log);
    cr_assert_eq(cfg.port, 6379);
    node_config_free(&cfg);
}

Test(config, unsafe_directives_are_refused)
{
    static const char *const refused[] = {
        "appendonly yes", "rename-command FLUSHALL \"\"", "tls-port 6380",
        "tls-cert-file /x.crt", "daemonize yes", "user alice on >pw",
        "aclfile /etc/users.acl", "loadmodule /x.so",
        "supervised systemd", "maxmemory-clients 10%", "cluster-announce-tls-port 7000",
    };
    for (size_t i = 0; i < CORE_ARRAY_LEN(refused); i++) {
        char *err = load_bad(refused[i]);
        cr_assert(strstr(err, "Not supported by shoal: ") != NULL, "%s -> %s", refused[i], err);
        cr_assert(strstr(err, "at line 1") != NULL, "%s", err);
    }
    cr_assert(strstr(load_bad("appendonly yes"), "persistence") != NULL);
}

Test(config, unknown_directive_is_an_error)
{
    char *err = load_bad("port 7000\nno-such-thing yes\n");
    cr_assert(strstr(err, "at line 2\n>>> 'no-such-thing yes'\nBad directive or wrong number of arguments") != NULL,
              "%s", err);
}

Test(config, command_line_overrides_the_file)
{
    struct node_config cfg;
    char *argv[] = {"--port", "7200", "--bind", "127.0.0.1", "::1", "--save", "--timeout 9", "--loglevel", "debug"};
    node_config_init(&cfg);
    load_ok(&cfg, "port 7100\nbind 0.0.0.0\ntimeout 1\n", (int)CORE_ARRAY_LEN(argv), argv);
    cr_assert_eq(cfg.port, 7200);
    cr_assert_eq(cfg.bind_count, 2);
    cr_assert_str_eq(cfg.bind[0], "127.0.0.1");
    cr_assert_eq(cfg.timeout_s, 9);
    cr_assert_eq(cfg.loglevel, CORE_LOG_DEBUG);
    node_config_free(&cfg);
}

Test(config, command_line_errors_number_lines_like_redis)
{
    struct node_config cfg;
    char err[1024];
    char *bad_port[] = {"--port", "abc"};
    char *save_then_bad[] = {"--save", "", "--bind", "1.2.3.4", "5.6.7.8", "--port", "abc"};
    char *no_value[] = {"--port"};

    node_config_init(&cfg);
    cr_assert_eq(node_config_load(&cfg, NULL, 2, bad_port, err, sizeof(err)), -EINVAL);
    cr_assert_str_eq(err, "*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 2\n"
                          ">>> 'port \"abc\"'\nargument couldn't be parsed into an integer");
    cr_assert_eq(load(&cfg, "port 0\n# x\n\n", 7, save_then_bad, err, sizeof(err)), -EINVAL);
    cr_assert(strstr(err, "at line 7\n>>> 'port \"abc\"'\n") != NULL, "%s", err);
    cr_assert_eq(node_config_load(&cfg, NULL, 1, no_value, err, sizeof(err)), -EINVAL);
    cr_assert(strstr(err, ">>> 'port'\nwrong number of arguments") != NULL, "%s", err);
    node_config_free(&cfg);
}

Test(config, include_loads_another_file)
{
    struct node_config cfg;
    char text[512];
    const char *inc = write_conf("inc.conf", "timeout 42\nbogus 1\n");
    node_config_init(&cfg);
    snprintf(text, sizeof(text), "port 7300\ninclude %s\n", inc);
    char err[1024];
    cr_assert_eq(load(&cfg, text, 0, NULL, err, sizeof(err)), -EINVAL);
    cr_assert(strstr(err, "at line 2\n>>> 'bogus 1'") != NULL, "%s", err);
    cr_assert(strstr(err, "inc.conf'") != NULL, "names the included file: %s", err);
    write_conf("inc.conf", "timeout 42\n");
    node_config_free(&cfg);
    node_config_init(&cfg);
    load_ok(&cfg, text, 0, NULL);
    cr_assert_eq(cfg.timeout_s, 42);
    cr_assert_eq(cfg.port, 7300);
    node_config_free(&cfg);
}

Test(config, get_matches_globs_case_insensitively)
{
    struct node_config cfg;
    struct flat f;
    node_config_init(&cfg);

    const char *p1[] = {"cluster-*"};
    get(&cfg, &f, 1, p1);
    cr_assert_eq(f.count, 2 * 17, "11 options, 4 failover ones and 2 slave-* aliases");
    cr_assert_str_eq(map_value(&f, "cluster-enabled"), "no");
    cr_assert_str_eq(map_value(&f, "cluster-announce-ip"), "");
    flat_free(&f);

    const char *p2[] = {"*PORT*", "port", "nosuch"};
    get(&cfg, &f, 3, p2);
    cr_assert_eq(f.count, 12, "port, cluster-port, cluster-announce-port, cluster-announce-bus-port, "
                              "replica-announce-port and its alias slave-announce-port: once each");
    cr_assert_str_eq(map_value(&f, "port"), "6379");
    cr_assert_str_eq(map_value(&f, "cluster-port"), "0");
    cr_assert_str_eq(map_value(&f, "cluster-announce-bus-port"), "0");
    flat_free(&f);

    const char *p3[] = {"PORT"};
    get(&cfg, &f, 1, p3);
    cr_assert_eq(f.count, 2);
    cr_assert_str_eq(f.v[0], "PORT", "an exact name is echoed as given, as Redis does");
    flat_free(&f);

    const char *p4[] = {"nosuch*"};
    get(&cfg, &f, 1, p4);
    cr_assert_eq(f.count, 0);
    flat_free(&f);

    struct node_out o;
    size_t l = 4;
    const char *p5[] = {"port"};
    node_out_init(&o);
    o.proto = 3;
    node_config_get(&cfg, 1, p5, &l, &o);
    char *text = out_text(&o);
    cr_assert_str_eq(text, "%1\r\n$4\r\nport\r\n$4\r\n6379\r\n");
    core_free(text);
    node_out_free(&o);
    node_config_free(&cfg);
}

struct change_log {
    int calls;
    char names[16][64];
    const char *fail_on;
};

static int on_change(void *ud, const char *name, const char **err)
{
    struct change_log *log = ud;
    if (log->calls < 16)
        snprintf(log->names[log->calls], sizeof(log->names[0]), "%s", name);
    log->calls++;
    if (log->fail_on && strcmp(name, log->fail_on) == 0) {
        *err = "Unable to listen on this port";
        return -EADDRINUSE;
    }
    return 0;
}

Test(config, set_errors_match_redis)
{
    struct node_config cfg;
    node_config_init(&cfg);
    cr_assert_str_eq(set(&cfg, 2, (const char *[]){"foo", "bar"}),
                     "-ERR Unknown option or number of arguments for CONFIG SET - 'foo'\r\n");
    cr_assert_str_eq(set(&cfg, 2, (const char *[]){"port", "abc"}),
                     "-ERR CONFIG SET failed (possibly related to argument 'port') - argument couldn't be parsed "
                     "into an integer\r\n");
    cr_assert_str_eq(set(&cfg, 2, (const char *[]){"PORT", "99999"}),
                     "-ERR CONFIG SET failed (possibly related to argument 'port') - argument must be between 0 and "
                     "65535 inclusive\r\n");
    cr_assert_str_eq(set(&cfg, 2, (const char *[]){"daemonize", "no"}),
                     "-ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable "
                     "config\r\n");
    cr_assert_str_eq(set(&cfg, 2, (const char *[]){"dir", "/tmp"}),
                     "-ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config\r\n");
    cr_assert_str_eq(set(&cfg, 4, (const char *[]){"port", "1", "port", "2"}),
                     "-ERR CONFIG SET failed (possibly related to argument 'port') - duplicate parameter\r\n");
    cr_assert_str_eq(set(&cfg, 3, (const char *[]){"port", "1", "hz"}), "-ERR syntax error\r\n");
    cr_assert_str_eq(set(&cfg, 4, (const char *[]){"port", "abc", "daemonize", "yes"}),
                     "-ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable "
                     "config\r\n");
    cr_assert_eq(cfg.port, 6379);
    node_config_free(&cfg);
}

Test(config, set_is_all_or_nothing)
{
    struct node_config cfg;
    struct change_log log = {0};
    node_config_init(&cfg);
    cfg.on_change = on_change;
    cfg.on_change_ud = &log;

    cr_assert_str_eq(set(&cfg, 6, (const char *[]){"timeout", "5", "requirepass", "pw", "maxclients", "0"}),
                     "-ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument must be between "
                     "1 and 4294967295 inclusive\r\n");
    cr_assert_eq(cfg.timeout_s, 0);
    cr_assert_null(cfg.requirepass);
    cr_assert_eq(log.calls, 0, "nothing applied when a value is bad");

    cr_assert_str_eq(set(&cfg, 6, (const char *[]){"timeout", "5", "hz", "10", "bind", "127.0.0.1 -::1"}),
                     "+OK\r\n");
    cr_assert_eq(cfg.timeout_s, 5);
    cr_assert_str_eq(get1(&cfg, "bind"), "127.0.0.1 -::1");
    cr_assert_eq(log.calls, 2, "hz did not change: not reported");
    cr_assert_str_eq(log.names[0], "timeout");
    cr_assert_str_eq(log.names[1], "bind");

    log = (struct change_log){.fail_on = "port"};
    cr_assert_str_eq(set(&cfg, 4, (const char *[]){"timeout", "7", "port", "7000"}),
                     "-ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this "
                     "port\r\n");
    cr_assert_eq(cfg.timeout_s, 5, "rolled back");
    cr_assert_eq(cfg.port, 6379, "rolled back");
    cr_assert_eq(log.calls, 3, "timeout applied, port failed, timeout reverted");
    cr_assert_str_eq(log.names[2], "timeout");
    node_config_free(&cfg);
}

Test(config, set_values_as_redis_prints_them)
{
    struct node_config cfg;
    node_config_init(&cfg);
    cr_assert_str_eq(set(&cfg, 2, (const char *[]){"hz", "0"}), "+OK\r\n");
    cr_assert_str_eq(get1(&cfg, "hz"), "1");
    cr_assert_str_eq(set(&cfg, 2, (const char *[]){"client-output-buffer-limit", "normal 1mb 2mb 3 pubsub 0 0 0"}),
                     "+OK\r\n");
    cr_assert_str_eq(get1(&cfg, "client-output-buffer-limit"),
                     "normal 1048576 2097152 3 slave 268435456 67108864 60 pubsub 0 0 0");
    cr_assert_str_eq(set(&cfg, 2, (const char *[]){"client-output-buffer-limit", "normal 1 1 1 x"}),
                     "-ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Wrong "
                     "number of arguments in buffer limit configuration.\r\n");
    cr_assert_str_eq(set(&cfg, 2, (const char *[]){"loglevel", "WARNING"}), "+OK\r\n");
    cr_assert_str_eq(get1(&cfg, "loglevel"), "warning");
    cr_assert_str_eq(set(&cfg, 2, (const char *[]){"save", ""}), "+OK\r\n");
    cr_assert_str_eq(get1(&cfg, "save"), "");
    cr_assert_str_eq(set(&cfg, 2, (const char *[]){"save", "3600 1"}), "+OK\r\n");
    cr_assert_str_eq(get1(&cfg, "save"), "3600 1");
    cr_assert(strstr(set(&cfg, 2, (const char *[]){"appendonly", "yes"}), "Not supported by shoal") != NULL);
    cr_assert_str_eq(set(&cfg, 2, (const char *[]){"requirepass", "pw"}), "+OK\r\n");
    cr_assert_str_eq(set(&cfg, 2, (const char *[]){"requirepass", ""}), "+OK\r\n");
    cr_assert_null(cfg.requirepass);
    node_config_free(&cfg);
}

Test(config, rewrite_without_a_file)
{
    struct node_config cfg;
    node_config_init(&cfg);
    cr_assert_str_eq(rewrite(&cfg), "-ERR The server is running without a config file\r\n");
    node_config_free(&cfg);
}

Test(config, rewrite_keeps_comments_and_unknown_lines)
{
    struct node_config cfg;
    char text[1024];
    snprintf(text, sizeof(text),
             "# top comment\n"
             "port 7100\n"
             "   \n"
             "# about timeout\n"
             "timeout 10\n"
             "timeout 20\n"
             "activerehashing yes\n"
             "save \"\"\n"
             "hz   10\n"
             "dir %s\n",
             tmpdir);
    node_config_init(&cfg);
    load_ok(&cfg, text, 0, NULL);
    cr_assert_str_eq(set(&cfg, 6, (const char *[]){"timeout", "30", "requirepass", "a b\"c", "maxclients", "64"}),
                     "+OK\r\n");
    cr_assert_str_eq(set(&cfg, 2, (const char *[]){"client-output-buffer-limit", "pubsub 1mb 1000 5"}), "+OK\r\n");
    cr_assert_str_eq(rewrite(&cfg), "+OK\r\n");

    char want[1024];
    snprintf(want, sizeof(want),
             "# top comment\n"
             "port 7100\n"
             "   \n"
             "# about timeout\n"
             "timeout 30\n"
             "\n"
             "activerehashing yes\n"
             "save \"\"\n"
             "hz   10\n"
             "dir %s\n"
             "\n"
             "# Generated by CONFIG REWRITE\n"
             "maxclients 64\n"
             "requirepass \"a b\\\"c\"\n"
             "client-output-buffer-limit pubsub 1mb 1000 5\n",
             tmpdir);
    char *got = slurp(cfg.config_file);
    cr_assert_str_eq(got, want);
    core_free(got);

    /* the rewritten file loads back to the same values */
    struct node_config again;
    char err[1024];
    node_config_init(&again);
    cr_assert_eq(node_config_load(&again, cfg.config_file, 0, NULL, err, sizeof(err)), 0, "%s", err);
    cr_assert_str_eq(again.requirepass, "a b\"c");
    cr_assert_eq(again.obuf_limits[NODE_OBUF_PUBSUB].soft_bytes, 1000);
    node_config_free(&again);

    /* a second rewrite adds no second signature, and updates in place */
    cr_assert_str_eq(set(&cfg, 2, (const char *[]){"maxclients", "65"}), "+OK\r\n");
    cr_assert_str_eq(rewrite(&cfg), "+OK\r\n");
    got = slurp(cfg.config_file);
    cr_assert_eq(count_substr(got, "# Generated by CONFIG REWRITE"), 1, "%s", got);
    cr_assert_eq(count_substr(got, "maxclients"), 1, "%s", got);
    cr_assert(strstr(got, "maxclients 65\n") != NULL, "%s", got);
    core_free(got);
    node_config_free(&cfg);
}

Test(config, rewrite_replaces_the_file_atomically)
{
    struct node_config cfg;
    struct stat before, after;
    node_config_init(&cfg);
    load_ok(&cfg, "port 7100\n", 0, NULL);
    cr_assert_eq(chmod(cfg.config_file, 0600), 0);
    cr_assert_eq(stat(cfg.config_file, &before), 0);
    cr_assert_str_eq(set(&cfg, 2, (const char *[]){"port", "7101"}), "+OK\r\n");
    cr_assert_str_eq(rewrite(&cfg), "+OK\r\n");
    cr_assert_eq(stat(cfg.config_file, &after), 0);
    cr_assert_neq(before.st_ino, after.st_ino, "a new file was renamed over the old one");
    cr_assert_eq(after.st_mode & 0777, 0600, "mode kept");
    char *got = slurp(cfg.config_file);
    cr_assert(strncmp(got, "port 7101\n", 10) == 0, "%s", got);
    core_free(got);
    node_config_free(&cfg);
}

/*
 * Persistence and replication options (issue 5). Every expectation below was
 * checked against redis-server 7.0.15 unless it says "shoal".
 */
struct name_value {
    const char *name, *value;
};

Test(config, replication_defaults_match_redis)
{
    static const struct name_value defaults[] = {
        {"save", "3600 1 300 100 60 10000"}, {"rdbcompression", "yes"}, {"rdbchecksum", "yes"},
        {"stop-writes-on-bgsave-error", "yes"}, {"replicaof", ""}, {"slaveof", ""}, {"masterauth", ""},
        {"masteruser", ""}, {"replica-read-only", "yes"}, {"slave-read-only", "yes"},
        {"replica-serve-stale-data", "yes"}, {"slave-serve-stale-data", "yes"}, {"replica-priority", "100"},
        {"slave-priority", "100"}, {"replica-announced", "yes"}, {"replica-announce-ip", ""},
        {"slave-announce-ip", ""}, {"replica-announce-port", "0"}, {"slave-announce-port", "0"},
        {"replica-lazy-flush", "no"}, {"slave-lazy-flush", "no"}, {"replica-ignore-maxmemory", "yes"},
        {"slave-ignore-maxmemory", "yes"}, {"repl-diskless-sync", "yes"}, {"repl-diskless-sync-delay", "5"},
        {"repl-diskless-sync-max-replicas", "0"}, {"repl-diskless-load", "disabled"},
        {"repl-backlog-size", "1048576"}, {"repl-backlog-ttl", "3600"}, {"repl-timeout", "60"},
        {"repl-ping-replica-period", "10"}, {"repl-ping-slave-period", "10"}, {"repl-disable-tcp-nodelay", "no"},
        {"min-replicas-to-write", "0"}, {"min-slaves-to-write", "0"}, {"min-replicas-max-lag", "10"},
        {"min-slaves-max-lag", "10"},
    };
    struct node_config cfg;
    node_config_init(&cfg);
    for (size_t i = 0; i < CORE_ARRAY_LEN(defaults); i++)
        cr_assert_str_eq(get1(&cfg, defaults[i].name), defaults[i].value, "%s", defaults[i].name);
    cr_assert_eq(cfg.save_count, 3);
    cr_assert_eq(cfg.save_points[2].seconds, 60);
    cr_assert_eq(cfg.save_points[2].changes, 10000);
    cr_assert_null(cfg.replicaof_host);
    cr_assert_null(cfg.masterauth);
    cr_assert(cfg.replica_read_only && cfg.repl_diskless_sync && cfg.rdbchecksum);
    cr_assert_eq(cfg.repl_backlog_size, 1024 * 1024);
    node_config_free(&cfg);
}

Test(config, get_answers_both_names_of_an_alias)
{
    static const char *const slave_names[] = {
        "slaveof", "slave-read-only", "slave-serve-stale-data", "slave-priority", "slave-announce-ip",
        "slave-announce-port", "slave-lazy-flush", "slave-ignore-maxmemory", "repl-ping-slave-period",
        "min-slaves-to-write", "min-slaves-max-lag", "cluster-slave-no-failover", "cluster-slave-validity-factor",
    };
    struct node_config cfg;
    struct flat f;
    node_config_init(&cfg);

    get(&cfg, &f, 1, (const char *[]){"*slave*"});
    cr_assert_eq(f.count, 2 * (int)CORE_ARRAY_LEN(slave_names), "got %d", f.count / 2);
    for (size_t i = 0; i < CORE_ARRAY_LEN(slave_names); i++)
        cr_assert_not_null(map_value(&f, slave_names[i]), "%s", slave_names[i]);
    flat_free(&f);

    get(&cfg, &f, 1, (const char *[]){"*read-only*"});
    cr_assert_eq(f.count, 4);
    cr_assert_str_eq(map_value(&f, "replica-read-only"), "yes");
    cr_assert_str_eq(map_value(&f, "slave-read-only"), "yes");
    flat_free(&f);

    get(&cfg, &f, 2, (const char *[]){"slave-read-only", "replica-read-only"});
    cr_assert_eq(f.count, 4, "two names, two entries");
    flat_free(&f);

    get(&cfg, &f, 2, (const char *[]){"SLAVE-read-only", "*slave-read-only"});
    cr_assert_eq(f.count, 2, "one name matched twice is listed once");
    cr_assert_str_eq(f.v[0], "SLAVE-read-only");
    flat_free(&f);

    get(&cfg, &f, 2, (const char *[]){"replica-read-only", "*read-only"});
    cr_assert_eq(f.count, 4);
    flat_free(&f);
    node_config_free(&cfg);
}

Test(config, set_by_alias_changes_the_option)
{
    struct node_config cfg;
    struct change_log log = {0};
    node_config_init(&cfg);
    cfg.on_change = on_change;
    cfg.on_change_ud = &log;

    cr_assert_str_eq(set(&cfg, 2, (const char *[]){"SLAVE-READ-ONLY", "no"}), "+OK\r\n");
    cr_assert_not(cfg.replica_read_only);
    cr_assert_str_eq(get1(&cfg, "replica-read-only"), "no");
    cr_assert_eq(log.calls, 1);
    cr_assert_str_eq(log.names[0], "replica-read-only", "the server hears the option's own name");

    cr_assert_str_eq(set(&cfg, 4, (const char *[]){"repl-ping-slave-period", "3", "min-slaves-to-write", "2"}),
                     "+OK\r\n");
    cr_assert_eq(cfg.repl_ping_replica_period, 3);
    cr_assert_eq(cfg.min_replicas_to_write, 2);

    /* an option under both names is not a duplicate; the last value wins,
     * and the server is told once */
    log = (struct change_log){0};
    cr_assert_str_eq(set(&cfg, 4, (const char *[]){"replica-read-only", "yes", "slave-read-only", "no"}), "+OK\r\n");
    cr_assert_not(cfg.replica_read_only);
    cr_assert_eq(log.calls, 0, "the final value did not change");
    cr_assert_str_eq(set(&cfg, 4, (const char *[]){"slave-priority", "7", "replica-priority", "8"}), "+OK\r\n");
    cr_assert_eq(cfg.replica_priority, 8);
    cr_assert_eq(log.calls, 1);

    cr_assert_str_eq(set(&cfg, 4, (const char *[]){"slave-read-only", "yes", "SLAVE-READ-ONLY", "no"}),
                     "-ERR CONFIG SET failed (possibly related to argument 'SLAVE-READ-ONLY') - duplicate "
                     "parameter\r\n");
    cr_assert_str_eq(set(&cfg, 2, (const char *[]){"SLAVE-READ-ONLY", "maybe"}),
                     "-ERR CONFIG SET failed (possibly related to argument 'slave-read-only') - argument must be "
                     "'yes' or 'no'\r\n");
    cr_assert_str_eq(set(&cfg, 2, (const char *[]){"DAEMONIZE", "no"}),
                     "-ERR CONFIG SET failed (possibly related to argument 'DAEMONIZE') - can't set immutable "
                     "config\r\n");
    node_config_free(&cfg);
}

Test(config, replicaof_is_set_only_at_start_up)
{
    struct node_config cfg;
    node_config_init(&cfg);
    cr_assert_str_eq(set(&cfg, 2, (const char *[]){"replicaof", "127.0.0.1 6380"}),
                     "-ERR CONFIG SET failed (possibly related to argument 'replicaof') - can't set immutable "
                     "config\r\n");
    cr_assert_str_eq(set(&cfg, 2, (const char *[]){"SLAVEOF", "127.0.0.1 1"}),
                     "-ERR CONFIG SET failed (possibly related to argument 'SLAVEOF') - can't set immutable "
                     "config\r\n");
    cr_assert_str_eq(set(&cfg, 2, (const char *[]){"rdbchecksum", "yes"}),
                     "-ERR CONFIG SET failed (possibly related to argument 'rdbchecksum') - can't set immutable "
                     "config\r\n");
    cr_assert_str_eq(set(&cfg, 3, (const char *[]){"replicaof", "127.0.0.1", "6380"}), "-ERR syntax error\r\n");
    node_config_free(&cfg);

    node_config_init(&cfg);
    load_ok(&cfg, "replicaof 10.0.0.1 6380\n", 0, NULL);
    cr_assert_str_eq(cfg.replicaof_host, "10.0.0.1");
    cr_assert_eq(cfg.replicaof_port, 6380);
    cr_assert_str_eq(get1(&cfg, "replicaof"), "10.0.0.1 6380");
    cr_assert_str_eq(get1(&cfg, "slaveof"), "10.0.0.1 6380");
    node_config_free(&cfg);

    char *argv[] = {"--replicaof", "no", "one"};
    node_config_init(&cfg);
    load_ok(&cfg, "slaveof h.example 1\n", 3, argv);
    cr_assert_null(cfg.replicaof_host, "replicaof no one undoes the file's line");
    cr_assert_str_eq(get1(&cfg, "replicaof"), "");
    node_config_free(&cfg);

    node_config_init(&cfg);
    load_ok(&cfg, "slaveof h \"\"\n", 0, NULL);
    cr_assert_str_eq(get1(&cfg, "replicaof"), "h 0", "strtol reads \"\" as 0, as Redis does");
    node_config_free(&cfg);
}

Test(config, bad_replication_lines_are_fatal)
{
    expect_bad_line("replicaof host", 1, "replicaof host", "wrong number of arguments");
    expect_bad_line("replicaof a b c", 1, "replicaof a b c", "wrong number of arguments");
    expect_bad_line("replicaof host abc", 1, "replicaof host abc", "Invalid master port");
    expect_bad_line("replicaof host 70000", 1, "replicaof host 70000", "Invalid master port");
    expect_bad_line("slaveof host -1", 1, "slaveof host -1", "Invalid master port");
    expect_bad_line("repl-diskless-load foo", 1, "repl-diskless-load foo",
                    "argument(s) must be one of the following: disabled, on-empty-db, swapdb");
    expect_bad_line("repl-backlog-size 0", 1, "repl-backlog-size 0",
                    "argument must be between 1 and 9223372036854775807 inclusive");
    expect_bad_line("slave-read-only maybe", 1, "slave-read-only maybe", "argument must be 'yes' or 'no'");
    expect_bad_line("masterauth a b", 1, "masterauth a b", "wrong number of arguments");
    expect_bad_line("masterauth", 1, "masterauth", "wrong number of arguments");
    expect_bad_line("repl-timeout 0", 1, "repl-timeout 0", "argument must be between 1 and 2147483647 inclusive");
    expect_bad_line("min-slaves-to-write -1", 1, "min-slaves-to-write -1",
                    "argument must be between 0 and 2147483647 inclusive");
    expect_bad_line("save 10", 1, "save 10", "Invalid save parameters");
    expect_bad_line("save 0 1", 1, "save 0 1", "Invalid save parameters");
    expect_bad_line("save \"10 1\" \"20 2\"", 1, "save \"10 1\" \"20 2\"", "Invalid save parameters");
    expect_bad_line("save 10 1\nsave \"\" 5", 2, "save \"\" 5", "Invalid save parameters");
    expect_bad_line("rdbcompression maybe", 1, "rdbcompression maybe", "argument must be 'yes' or 'no'");

    char *err = load_bad("port 7000\nreplicaof 1.2.3.4 1\ncluster-enabled yes\n");
    cr_assert_str_eq(err, "*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nreplicaof directive not allowed in "
                          "cluster mode");
}

struct set_case {
    const char *name, *value, *reason; /* reason NULL: accepted */
    const char *shown;                 /* CONFIG GET afterwards when accepted (NULL: the value) */
};

Test(config, set_replication_values_as_redis)
{
    static const struct set_case cases[] = {
        {"repl-backlog-size", "abc", "argument must be a memory value", NULL},
        {"repl-backlog-size", "-1", "argument must be a memory value", NULL},
        {"repl-backlog-size", "99999999999999999999", "argument must be between 1 and 9223372036854775807 inclusive",
         NULL},
        {"repl-backlog-size", "1", NULL, "16384"},
        {"repl-backlog-size", "16kb", NULL, "16384"},
        {"repl-backlog-size", "2mb", NULL, "2097152"},
        {"repl-diskless-load", "foo", "argument(s) must be one of the following: disabled, on-empty-db, swapdb", NULL},
        {"repl-diskless-load", "SWAPDB", NULL, "swapdb"},
        {"repl-diskless-load", "on-empty-db", NULL, NULL},
        {"replica-priority", "-1", "argument must be between 0 and 2147483647 inclusive", NULL},
        {"replica-priority", "2147483648", "argument must be between 0 and 2147483647 inclusive", NULL},
        {"replica-announce-port", "70000", "argument must be between 0 and 65535 inclusive", NULL},
        {"repl-timeout", "0", "argument must be between 1 and 2147483647 inclusive", NULL},
        {"repl-ping-replica-period", "0", "argument must be between 1 and 2147483647 inclusive", NULL},
        {"repl-diskless-sync-delay", "-1", "argument must be between 0 and 2147483647 inclusive", NULL},
        {"repl-diskless-sync-max-replicas", "-1", "argument must be between 0 and 2147483647 inclusive", NULL},
        {"repl-backlog-ttl", "-1", "argument must be between 0 and 9223372036854775807 inclusive", NULL},
        {"repl-backlog-ttl", "9223372036854775807", NULL, "2147483647"}, /* shoal: stored as an int */
        {"min-replicas-to-write", "-1", "argument must be between 0 and 2147483647 inclusive", NULL},
        {"min-replicas-max-lag", "-1", "argument must be between 0 and 2147483647 inclusive", NULL},
        {"min-replicas-max-lag", "abc", "argument couldn't be parsed into an integer", NULL},
        {"masterauth", "a b", NULL, NULL},
        {"masterauth", "", NULL, NULL},
        {"masteruser", "bar", NULL, NULL},
        {"replica-announce-ip", "1.2.3.4", NULL, NULL},
        {"rdbcompression", "no", NULL, NULL},
        {"stop-writes-on-bgsave-error", "NO", NULL, "no"},
        {"repl-diskless-sync", "maybe", "argument must be 'yes' or 'no'", NULL},
    };
    struct node_config cfg;
    char want[512];
    node_config_init(&cfg);
    for (size_t i = 0; i < CORE_ARRAY_LEN(cases); i++) {
        const struct set_case *c = &cases[i];
        char before[1024];
        snprintf(before, sizeof(before), "%s", get1(&cfg, c->name));
        if (c->reason)
            snprintf(want, sizeof(want), "-ERR CONFIG SET failed (possibly related to argument '%s') - %s\r\n",
                     c->name, c->reason);
        else
            snprintf(want, sizeof(want), "+OK\r\n");
        cr_assert_str_eq(set(&cfg, 2, (const char *[]){c->name, c->value}), want, "%s %s", c->name, c->value);
        cr_assert_str_eq(get1(&cfg, c->name), c->reason ? before : c->shown ? c->shown : c->value, "%s %s",
                         c->name, c->value);
    }
    cr_assert_null(cfg.masterauth, "\"\" means no masterauth");
    cr_assert_str_eq(cfg.masteruser, "bar");
    cr_assert_eq(cfg.repl_diskless_load, 1);
    node_config_free(&cfg);
}

Test(config, set_save_parses_as_redis)
{
    static const struct set_case cases[] = {
        {"save", "10 1 20", "Invalid save parameters", NULL},
        {"save", "a 1", "Invalid save parameters", NULL},
        {"save", "10 b", "Invalid save parameters", NULL},
        {"save", "-1 1", "Invalid save parameters", NULL},
        {"save", "10 -1", "Invalid save parameters", NULL},
        {"save", "0 0", "Invalid save parameters", NULL},
        {"save", " 10 1", "Invalid save parameters", NULL},
        {"save", "10  1", "Invalid save parameters", NULL},
        {"save", "10 1 ", "Invalid save parameters", NULL},
        {"save", "0x10 1", "Invalid save parameters", NULL},
        {"save", "10 1.5", "Invalid save parameters", NULL},
        {"save", "1 0", NULL, NULL},
        {"save", "", NULL, NULL},
        {"save", "010 1", NULL, "10 1"},
        {"save", "+5 1", NULL, "5 1"},
        {"save", "\t5 1", NULL, "5 1"},
        {"save", "10 ", NULL, "10 0"},
        {"save", "5 1 5 2", NULL, NULL},
        {"save", "9999999999999 1", NULL, "2147483647 1"}, /* shoal: clamped, Redis keeps the value */
        {"save", "99999999999999999999 1", NULL, "2147483647 1"},
        {"save", "1 1 2 2 3 3 4 4 5 5 6 6 7 7 8 8 9 9 10 10 11 11 12 12 13 13 14 14 15 15 16 16", NULL, NULL},
        {"save", "1 1 2 2 3 3 4 4 5 5 6 6 7 7 8 8 9 9 10 10 11 11 12 12 13 13 14 14 15 15 16 16 17 17",
         "Too many save points: shoal keeps at most 16", NULL},
        {"save", "3600 1 300 100 60 10000", NULL, NULL},
    };
    struct node_config cfg;
    char want[512];
    node_config_init(&cfg);
    for (size_t i = 0; i < CORE_ARRAY_LEN(cases); i++) {
        const struct set_case *c = &cases[i];
        char before[1024];
        snprintf(before, sizeof(before), "%s", get1(&cfg, "save"));
        if (c->reason)
            snprintf(want, sizeof(want), "-ERR CONFIG SET failed (possibly related to argument 'save') - %s\r\n",
                     c->reason);
        else
            snprintf(want, sizeof(want), "+OK\r\n");
        cr_assert_str_eq(set(&cfg, 2, (const char *[]){"save", c->value}), want, "save '%s'", c->value);
        cr_assert_str_eq(get1(&cfg, "save"), c->reason ? before : c->shown ? c->shown : c->value, "save '%s'",
                         c->value);
    }
    cr_assert_eq(cfg.save_count, 3);
    node_config_free(&cfg);
}

/* The save value a config file (and command line) leaves. */
static char *save_after(const char *text, int argc, char **argv)
{
    static char value[256];
    struct node_config cfg;
    node_config_init(&cfg);
    load_ok(&cfg, text, argc, argv);
    snprintf(value, sizeof(value), "%s", get1(&cfg, "save"));
    node_config_free(&cfg);
    return value;
}

Test(config, save_lines_accumulate_like_redis)
{
    cr_assert_str_eq(save_after("port 7000\n", 0, NULL), "3600 1 300 100 60 10000", "no save line: defaults");
    cr_assert_str_eq(save_after("save 10 1\nsave 20 2\n", 0, NULL), "10 1 20 2");
    cr_assert_str_eq(save_after("save 10 1 20 2\n", 0, NULL), "10 1 20 2");
    cr_assert_str_eq(save_after("save 10 1\nsave \"\"\nsave 30 3\n", 0, NULL), "30 3");
    cr_assert_str_eq(save_after("save \"\"\nsave 30 3\n", 0, NULL), "30 3");
    cr_assert_str_eq(save_after("save 10 1\nsave \"\"\n", 0, NULL), "");
    cr_assert_str_eq(save_after("save\n", 0, NULL), "");
    cr_assert_str_eq(save_after("save 10 1\nsave\n", 0, NULL), "10 1");
    cr_assert_str_eq(save_after("save \"10 1\"\n", 0, NULL), "10 1");

    char *args[] = {"--save", "", "--save", "10", "1", "--save", "20", "2"};
    cr_assert_str_eq(save_after(NULL, 8, args), "10 1 20 2");
    cr_assert_str_eq(save_after("save 5 5\n", 6, args + 2), "5 5 10 1 20 2", "the command line adds to the file");
    char *only_save[] = {"--save", "--port", "7000"};
    cr_assert_str_eq(save_after(NULL, 3, only_save), "");

    char text[1024] = "";
    for (int i = 1; i <= 17; i++)
        snprintf(text + strlen(text), sizeof(text) - strlen(text), "save %d %d\n", i, i);
    expect_bad_line(text, 17, "save 17 17", "Too many save points: shoal keeps at most 16");
}

Test(config, repl_backlog_size_is_at_least_16kb)
{
    struct node_config cfg;
    node_config_init(&cfg);
    load_ok(&cfg, "repl-backlog-size 1\nrepl-backlog-ttl 0\n", 0, NULL);
    cr_assert_eq(cfg.repl_backlog_size, 16 * 1024, "shoal raises a file's value too");
    cr_assert_eq(cfg.repl_backlog_ttl, 0);
    cr_assert_str_eq(set(&cfg, 2, (const char *[]){"repl-backlog-size", "100mb"}), "+OK\r\n");
    cr_assert_eq(cfg.repl_backlog_size, 100LL * 1024 * 1024);
    node_config_free(&cfg);
}

Test(config, parses_replication_options_from_a_file)
{
    struct node_config cfg;
    node_config_init(&cfg);
    load_ok(&cfg,
            "save 900 1\nrdbcompression no\nstop-writes-on-bgsave-error no\nrdbchecksum no\n"
            "replicaof 10.0.0.9 7001\nmasterauth \"s3 cret\"\nmasteruser repl\nslave-read-only no\n"
            "replica-serve-stale-data no\nslave-priority 0\nreplica-announced no\nslave-announce-ip 10.1.1.1\n"
            "slave-announce-port 7777\nslave-lazy-flush yes\nslave-ignore-maxmemory no\nrepl-diskless-sync no\n"
            "repl-diskless-sync-delay 0\nrepl-diskless-sync-max-replicas 2\nrepl-diskless-load swapdb\n"
            "repl-backlog-size 64mb\nrepl-backlog-ttl 7\nrepl-timeout 30\nrepl-ping-slave-period 2\n"
            "repl-disable-tcp-nodelay yes\nmin-slaves-to-write 1\nmin-slaves-max-lag 5\n",
            0, NULL);
    cr_assert_eq(cfg.save_count, 1);
    cr_assert_eq(cfg.save_points[0].seconds, 900);
    cr_assert_eq(cfg.save_points[0].changes, 1);
    cr_assert_not(cfg.rdbcompression || cfg.stop_writes_on_bgsave_error || cfg.rdbchecksum);
    cr_assert_str_eq(cfg.replicaof_host, "10.0.0.9");
    cr_assert_eq(cfg.replicaof_port, 7001);
    cr_assert_str_eq(cfg.masterauth, "s3 cret");
    cr_assert_str_eq(cfg.masteruser, "repl");
    cr_assert_not(cfg.replica_read_only || cfg.replica_serve_stale_data || cfg.replica_announced);
    cr_assert_eq(cfg.replica_priority, 0);
    cr_assert_str_eq(cfg.replica_announce_ip, "10.1.1.1");
    cr_assert_eq(cfg.replica_announce_port, 7777);
    cr_assert(cfg.replica_lazy_flush && !cfg.replica_ignore_maxmemory && !cfg.repl_diskless_sync);
    cr_assert_eq(cfg.repl_diskless_sync_delay, 0);
    cr_assert_eq(cfg.repl_diskless_sync_max_replicas, 2);
    cr_assert_eq(cfg.repl_diskless_load, 2);
    cr_assert_eq(cfg.repl_backlog_size, 64LL * 1024 * 1024);
    cr_assert_eq(cfg.repl_backlog_ttl, 7);
    cr_assert_eq(cfg.repl_timeout, 30);
    cr_assert_eq(cfg.repl_ping_replica_period, 2);
    cr_assert(cfg.repl_disable_tcp_nodelay);
    cr_assert_eq(cfg.min_replicas_to_write, 1);
    cr_assert_eq(cfg.min_replicas_max_lag, 5);
    char *log = slurp(logpath);
    cr_assert_null(strstr(log, "Ignoring"), "nothing is ignored any more: %s", log);
    cr_assert_null(strstr(log, "s3 cret"), "masterauth stays out of the log");
    core_free(log);
    node_config_free(&cfg);
}

Test(config, rewrite_writes_replication_options_under_their_own_names)
{
    struct node_config cfg;
    char text[1024];
    snprintf(text, sizeof(text),
             "port 7100\n"
             "slave-read-only no\n"
             "repl-ping-slave-period 5\n"
             "min-replicas-to-write 0\n"
             "save 10 1\n"
             "slaveof 10.0.0.1 6380\n"
             "dir %s\n",
             tmpdir);
    node_config_init(&cfg);
    load_ok(&cfg, text, 0, NULL);
    cr_assert_str_eq(set(&cfg, 10,
                         (const char *[]){"repl-ping-replica-period", "7", "replica-priority", "5", "repl-backlog-size",
                                          "2mb", "masterauth", "a b", "repl-diskless-load", "swapdb"}),
                     "+OK\r\n");
    cr_assert_str_eq(rewrite(&cfg), "+OK\r\n");
    char want[1024];
    snprintf(want, sizeof(want),
             "port 7100\n"
             "replica-read-only no\n"
             "repl-ping-replica-period 7\n"
             "min-replicas-to-write 0\n"
             "save 10 1\n"
             "replicaof 10.0.0.1 6380\n"
             "dir %s\n"
             "\n"
             "# Generated by CONFIG REWRITE\n"
             "masterauth \"a b\"\n"
             "replica-priority 5\n"
             "repl-diskless-load swapdb\n"
             "repl-backlog-size 2mb\n",
             tmpdir);
    char *got = slurp(cfg.config_file);
    cr_assert_str_eq(got, want);
    core_free(got);

    /* save "" keeps the defaults from coming back; a master loses its line */
    cr_assert_str_eq(set(&cfg, 2, (const char *[]){"save", ""}), "+OK\r\n");
    core_free(cfg.replicaof_host);
    cfg.replicaof_host = NULL; /* as after REPLICAOF NO ONE */
    cr_assert_str_eq(rewrite(&cfg), "+OK\r\n");
    got = slurp(cfg.config_file);
    cr_assert(strstr(got, "\nsave \"\"\n") != NULL, "%s", got);
    cr_assert_null(strstr(got, "replicaof"), "%s", got);
    cr_assert_null(strstr(got, "slave"), "%s", got);
    core_free(got);

    /* more save points than lines: the extra ones go to the end */
    cr_assert_str_eq(set(&cfg, 2, (const char *[]){"save", "5 1 6 2"}), "+OK\r\n");
    cr_assert_str_eq(rewrite(&cfg), "+OK\r\n");
    struct node_config again;
    char err[1024];
    node_config_init(&again);
    cr_assert_eq(node_config_load(&again, cfg.config_file, 0, NULL, err, sizeof(err)), 0, "%s", err);
    cr_assert_str_eq(get1(&again, "save"), "5 1 6 2");
    cr_assert_str_eq(again.masterauth, "a b");
    cr_assert_eq(again.repl_ping_replica_period, 7);
    cr_assert_not(again.replica_read_only);
    cr_assert_null(again.replicaof_host);
    node_config_free(&again);
    node_config_free(&cfg);
}

Test(config, rewrite_always_writes_save)
{
    struct node_config cfg;
    node_config_init(&cfg);
    load_ok(&cfg, "port 7100\n", 0, NULL);
    cr_assert_str_eq(rewrite(&cfg), "+OK\r\n");
    char *got = slurp(cfg.config_file);
    cr_assert(strstr(got, "\nsave 3600 1\nsave 300 100\nsave 60 10000\n") != NULL, "%s", got);
    cr_assert_null(strstr(got, "replicaof"), "%s", got);
    cr_assert_null(strstr(got, "repl-"), "defaults are not written: %s", got);
    core_free(got);
    node_config_free(&cfg);

    /* a replica's line is written bare, quoted only where it must be */
    char *argv[] = {"--replicaof", "my host", "6380"};
    node_config_init(&cfg);
    load_ok(&cfg, "port 7100\n", 3, argv);
    cr_assert_str_eq(rewrite(&cfg), "+OK\r\n");
    got = slurp(cfg.config_file);
    cr_assert(strstr(got, "\nreplicaof \"my host\" 6380\n") != NULL, "%s", got);
    core_free(got);
    node_config_free(&cfg);
}
