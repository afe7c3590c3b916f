/*
 * The command line: global and per-command options in any position, values
 * as the next argument or after '=', redis-cli's --cluster-* spellings
 * accepted as aliases. Validates ranges; does not check which options fit
 * which command (the commands do). Pure.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sc.h"

static const char *const commands[] = {"create", "check", "info", "fix", "reshard", "rebalance",
                                       "add-node", "del-node", "help", NULL};

static int fail(char *err, size_t size, const char *fmt, const char *arg)
{
    snprintf(err, size, fmt, arg);
    return -EINVAL;
}

static int parse_long(const char *s, long lo, long hi, long *ret)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return -EINVAL;
    *ret = v;
    return 0;
}

static int parse_double(const char *s, double lo, double *ret)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= lo) || v > 1e9)
        return -EINVAL;
    *ret = v;
    return 0;
}

static int parse_weight(struct sc_opts *o, const char *v, char *err, size_t size)
{
    const char *eq = strchr(v, '=');
    if (!eq || eq == v || (size_t)(eq - v) > SC_ID_LEN || o->nweights >= SC_WEIGHTS_MAX)
        return fail(err, size, "bad --weight '%s' (expected ID=WEIGHT)", v);
    struct sc_weight *w = &o->weights[o->nweights];
    for (size_t i = 0; i < (size_t)(eq - v); i++)
        w->id[i] = (char)tolower((unsigned char)v[i]);
    w->id[eq - v] = '\0';
    if (parse_double(eq + 1, 0, &w->weight) < 0)
        return fail(err, size, "bad --weight '%s' (weight must be a number >= 0)", v);
    o->nweights++;
    return 0;
}

/* Options taking a value; returns 1 if name is one, 0 if not, <0 on error. */
static int value_opt(struct sc_opts *o, const char *name, const char *v, char *err, size_t size)
{
    long n;
    if (!strcmp(name, "-a") || !strcmp(name, "--pass"))
        o->pass = v;
    else if (!strcmp(name, "--user"))
        o->user = v;
    else if (!strcmp(name, "--replicas")) {
        if (parse_long(v, 0, 100, &n) < 0)
            return fail(err, size, "bad --replicas '%s' (0..100)", v);
        o->replicas = (int)n;
    } else if (!strcmp(name, "--from"))
        o->from = v;
    else if (!strcmp(name, "--to"))
        o->to = v;
    else if (!strcmp(name, "--slots")) {
        if (parse_long(v, 1, SC_SLOTS, &n) < 0)
            return fail(err, size, "bad --slots '%s' (1..16384)", v);
        o->slots = (int)n;
    } else if (!strcmp(name, "--pipeline")) {
        if (parse_long(v, 1, 1000000, &n) < 0)
            return fail(err, size, "bad --pipeline '%s' (1..1000000)", v);
        o->pipeline = (int)n;
    } else if (!strcmp(name, "--timeout")) {
        if (parse_long(v, 1, 86400000, &n) < 0)
            return fail(err, size, "bad --timeout '%s' (milliseconds > 0)", v);
        o->timeout_ms = (int)n;
    } else if (!strcmp(name, "--weight")) {
        return parse_weight(o, v, err, size) < 0 ? -EINVAL : 1;
    } else if (!strcmp(name, "--threshold")) {
        if (parse_double(v, 0, &o->threshold) < 0)
            return fail(err, size, "bad --threshold '%s' (a percentage >= 0)", v);
    } else if (!strcmp(name, "--replica-of"))
        o->replica_of = v;
    else
        return 0;
    return 1;
}

static int flag_opt(struct sc_opts *o, const char *name)
{
    if (!strcmp(name, "--json"))
        o->json = true;
    else if (!strcmp(name, "--yes") || !strcmp(name, "-y"))
        o->yes = true;
    else if (!strcmp(name, "--help") || !strcmp(name, "-h"))
        o->help = true;
    else if (!strcmp(name, "--replace"))
        o->replace = true;
    else if (!strcmp(name, "--use-empty-masters"))
        o->use_empty = true;
    else if (!strcmp(name, "--simulate"))
        o->simulate = true;
    else if (!strcmp(name, "--replica"))
        o->replica = true;
    else
        return 0;
    return 1;
}

/* Maps redis-cli's spellings to ours. */
static const char *alias(const char *name, char *tmp, size_t size)
{
    if (!strcmp(name, "--cluster-slave") || !strcmp(name, "--cluster-replica"))
        return "--replica";
    if (!strcmp(name, "--cluster-master-id"))
        return "--replica-of";
    if (!strncmp(name, "--cluster-", 10)) {
        snprintf(tmp, size, "--%s", name + 10);
        return tmp;
    }
    return name;
}

static int handle_option(struct sc_opts *o, int argc, char **argv, int *i, char *err, size_t size)
{
    char namebuf[64], tmp[64];
    const char *arg = argv[*i];
    const char *eq = strncmp(arg, "--", 2) == 0 ? strchr(arg, '=') : NULL;
    const char *inline_v = NULL;
    if (eq) {
        if ((size_t)(eq - arg) >= sizeof(namebuf))
            return fail(err, size, "unknown option '%s'", arg);
        memcpy(namebuf, arg, (size_t)(eq - arg));
        namebuf[eq - arg] = '\0';
        inline_v = eq + 1;
        arg = namebuf;
    }
    const char *name = alias(arg, tmp, sizeof(tmp));
    if (!inline_v && flag_opt(o, name))
        return 0;
    /* Probe with a dummy to learn whether the option takes a value. */
    struct sc_opts probe = *o;
    char perr[8];
    if (value_opt(&probe, name, "1", perr, sizeof(perr)) == 0 && strcmp(name, "--weight") != 0)
        return fail(err, size, "unknown option '%s'", argv[*i]);
    const char *v = inline_v;
    if (!v) {
        if (*i + 1 >= argc)
            return fail(err, size, "option '%s' needs a value", argv[*i]);
        v = argv[++*i];
    }
    int rc = value_opt(o, name, v, err, size);
    return rc < 0 ? rc : 0;
}

int sc_cli_parse(int argc, char **argv, struct sc_opts *o, char *err, size_t err_size)
{
    memset(o, 0, sizeof(*o));
    o->pipeline = 1000;
    o->timeout_ms = 60000;
    o->threshold = 2.0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] == '-' && a[1] != '\0') {
            if (handle_option(o, argc, argv, &i, err, err_size) < 0)
                return -EINVAL;
            continue;
        }
        if (!o->command) {
            bool known = false;
            for (int k = 0; commands[k]; k++)
                if (!strcmp(commands[k], a))
                    known = true;
            if (!known)
                return fail(err, err_size, "unknown command '%s' (try --help)", a);
            o->command = a;
            continue;
        }
        if (o->npos >= SC_POS_MAX)
            return fail(err, err_size, "too many arguments%s", "");
        o->pos[o->npos++] = a;
    }
    if (o->user && !o->pass)
        return fail(err, err_size, "--user needs -a/--pass%s", "");
    return 0;
}
