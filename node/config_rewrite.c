/*
 * config_rewrite.c — CONFIG REWRITE: writes the running configuration back
 * into the file it was loaded from.
 *
 * BEHAVIOR: the old file's lines are kept (comments, unknown and ignored
 * directives, options whose lines still give the current value); the lines
 * of options whose value changed are replaced in place, under the option's
 * own name even where the file used its slave-* alias; options not in the
 * file and not at their default (or always written, like save) are appended
 * after a signature comment. The new file replaces the old one atomically.
 *
 * Does not own the option table or value parsing (config.c).
 */
#include "node/config.h"
#include "node/config_int.h"
#include "node/core/core.h"
#include "node/core/core_log.h"
#include "node/reply.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct config_opt *const opts = node_config__opts;

static const char *const obuf_rewrite_names[] = {"normal", "replica", "pubsub"};

struct lines {
    char **v;
    int count, cap;
};

static void lines_push(struct lines *l, char *s /* takes ownership */)
{
    if (l->count == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 32;
        l->v = core_realloc(l->v, (size_t)l->cap * sizeof(*l->v));
    }
    l->v[l->count++] = s;
}

static void lines_free(struct lines *l)
{
    for (int i = 0; i < l->count; i++)
        core_free(l->v[i]);
    core_free(l->v);
    *l = (struct lines){0};
}

static void line_replace(struct lines *l, int i, char *s /* takes ownership */)
{
    core_free(l->v[i]);
    l->v[i] = s;
}

/* A missing file rewrites into a new one, as Redis does. */
static int read_old_lines(const char *path, struct lines *out)
{
    struct config_sbuf text = {0};
    int rc = node_config__read_path(path, &text);
    if (rc == -ENOENT)
        rc = 0;
    for (size_t pos = 0; rc == 0 && pos < text.len;) {
        const char *nl = memchr(text.p + pos, '\n', text.len - pos);
        size_t end = nl ? (size_t)(nl - text.p) : text.len;
        lines_push(out, core_strndup(text.p + pos, end - pos));
        pos = end + 1;
    }
    node_config__sb_free(&text);
    return rc;
}

static void memory_fmt(struct config_sbuf *b, long long v)
{
    if (v != 0 && v % (1024 * CONFIG_MB) == 0)
        node_config__sb_addf(b, "%lldgb", v / (1024 * CONFIG_MB));
    else if (v != 0 && v % CONFIG_MB == 0)
        node_config__sb_addf(b, "%lldmb", v / CONFIG_MB);
    else if (v != 0 && v % 1024 == 0)
        node_config__sb_addf(b, "%lldkb", v / 1024);
    else
        node_config__sb_addf(b, "%lld", v);
}

static void obuf_line(const struct node_config *cfg, int c, struct lines *out)
{
    struct config_sbuf b = {0};
    node_config__sb_addf(&b, "client-output-buffer-limit %s ", obuf_rewrite_names[c]);
    memory_fmt(&b, cfg->obuf_limits[c].hard_bytes);
    node_config__sb_add(&b, " ", 1);
    memory_fmt(&b, cfg->obuf_limits[c].soft_bytes);
    node_config__sb_addf(&b, " %lld", cfg->obuf_limits[c].soft_seconds);
    lines_push(out, node_config__sb_take(&b));
}

/* save: a line per point, or `save ""` so that the defaults do not apply. */
static void save_lines(const struct node_config *cfg, struct lines *out)
{
    struct config_sbuf b = {0};
    if (cfg->save_count == 0)
        lines_push(out, core_strndup("save \"\"", 7));
    for (int i = 0; i < cfg->save_count; i++) {
        node_config__sb_addf(&b, "save %d %d", cfg->save_points[i].seconds, cfg->save_points[i].changes);
        lines_push(out, node_config__sb_take(&b));
    }
}

/* Written bare, as Redis does, unless the tokenizer needs quotes. */
static void add_word(struct config_sbuf *b, const char *s)
{
    size_t n = strlen(s);
    bool plain = n > 0;
    for (size_t i = 0; i < n && plain; i++)
        plain = s[i] > ' ' && s[i] < 127 && s[i] != '"' && s[i] != '\'' && s[i] != '\\';
    if (plain)
        node_config__sb_add(b, s, n);
    else
        node_config__sb_repr(b, s, n);
}

/* replicaof: no line for a master, nor in cluster mode (the cluster names the
 * master, and the file could not be loaded with both). */
static void replicaof_lines(const struct config_opt *o, const struct node_config *cfg, struct lines *out)
{
    struct config_sbuf b = {0};
    if (!cfg->replicaof_host || cfg->cluster_enabled)
        return;
    node_config__sb_adds(&b, o->name);
    node_config__sb_add(&b, " ", 1);
    add_word(&b, cfg->replicaof_host);
    node_config__sb_addf(&b, " %d", cfg->replicaof_port);
    lines_push(out, node_config__sb_take(&b));
}

/* The config lines for o. For client-output-buffer-limit with only_changed,
 * only the classes that differ from defaults. */
static void fmt_rewrite(const struct config_opt *o, const struct node_config *cfg, const struct node_config *defaults,
                        bool only_changed, struct lines *out)
{
    struct config_sbuf b = {0};
    if (o->type == T_OBUF) {
        for (int c = 0; c < 3; c++)
            if (!only_changed || memcmp(&cfg->obuf_limits[c], &defaults->obuf_limits[c], sizeof(cfg->obuf_limits[c])))
                obuf_line(cfg, c, out);
        return;
    }
    if (o->type == T_SAVE) {
        save_lines(cfg, out);
        return;
    }
    if (o->type == T_REPLICAOF) {
        replicaof_lines(o, cfg, out);
        return;
    }
    node_config__sb_adds(&b, o->name);
    node_config__sb_add(&b, " ", 1);
    if (o->type == T_STR || o->type == T_DIR || o->type == T_DBFILENAME) {
        const char *s = node_config__str_get(cfg, o);
        node_config__sb_repr(&b, s, strlen(s));
    } else if (o->type == T_MEM) {
        memory_fmt(&b, node_config__get_num(cfg, o));
    } else if (o->type == T_BIND && cfg->bind_count == 0) {
        node_config__sb_add(&b, "\"\"", 2);
    } else {
        size_t before = b.len;
        node_config__fmt_get(o, cfg, &b);
        if (b.len == before) /* an empty value (notify-keyspace-events "") must stay one word */
            node_config__sb_add(&b, "\"\"", 2);
    }
    lines_push(out, node_config__sb_take(&b));
}

/* What a line of the old file sets. */
struct line_info {
    int opt;     /* an index into opts, or -1: comments, blank lines, unknown
                  * and ignored directives, lines that do not parse */
    bool alias;  /* it names the option by its alias */
};

static struct line_info *classify_lines(const struct lines *l, bool *has_signature)
{
    struct line_info *info = core_malloc(sizeof(*info) * (size_t)(l->count ? l->count : 1));
    *has_signature = false;
    for (int i = 0; i < l->count; i++) {
        const char *s = l->v[i];
        size_t n = strlen(s);
        struct config_words w = {0};
        info[i] = (struct line_info){.opt = -1};
        node_config__trim(&s, &n);
        if (n == strlen(CONFIG_SIGNATURE) && memcmp(s, CONFIG_SIGNATURE, n) == 0)
            *has_signature = true;
        if (n == 0 || s[0] == '#' || node_config__split_line(s, n, &w) < 0 || w.count == 0) {
            node_config__words_free(&w);
            continue;
        }
        const struct config_opt *o = node_config__opt_find(w.v[0], w.len[0], &info[i].alias);
        if (o && o->type != T_FIXED)
            info[i].opt = (int)(o - opts);
        node_config__words_free(&w);
    }
    return info;
}

/* Whether the file's lines for option oi yield the current value, under the
 * option's own name. */
static bool file_value_matches(const struct node_config *cfg, int oi, const struct lines *l,
                               const struct line_info *info)
{
    struct node_config scratch;
    struct config_apply_state st = {0};
    char reason[CONFIG_REASON_MAX];
    bool ok = true;
    node_config_init(&scratch);
    for (int i = 0; ok && i < l->count; i++) {
        if (info[i].opt != oi)
            continue;
        struct config_words w = {0};
        ok = !info[i].alias && node_config__split_line(l->v[i], strlen(l->v[i]), &w) == 0 &&
             node_config__apply_words(&scratch, &opts[oi], &w, &st, reason, sizeof(reason)) == 0;
        node_config__words_free(&w);
    }
    ok = ok && node_config__opt_equal(&opts[oi], &scratch, cfg);
    node_config_free(&scratch);
    return ok;
}

static void rewrite_option(const struct node_config *cfg, const struct node_config *defaults, int oi,
                           struct lines *l, const struct line_info *info, struct lines *tail)
{
    const struct config_opt *o = &opts[oi];
    struct lines fresh = {0};
    int occurrences = 0, j = 0;
    for (int i = 0; i < l->count; i++)
        occurrences += info[i].opt == oi;
    if (occurrences == 0) {
        if (!(o->flags & F_REWRITE_ALWAYS) && node_config__opt_equal(o, cfg, defaults))
            return;
        fmt_rewrite(o, cfg, defaults, true, &fresh);
    } else {
        if (file_value_matches(cfg, oi, l, info))
            return;
        fmt_rewrite(o, cfg, defaults, false, &fresh);
    }
    /* the new lines take the places of the old ones, in order; old lines
     * left over become blank, new lines left over go to the tail */
    for (int i = 0; i < l->count; i++) {
        if (info[i].opt != oi)
            continue;
        line_replace(l, i, j < fresh.count ? fresh.v[j] : core_strndup("", 0));
        if (j < fresh.count)
            fresh.v[j] = NULL;
        j++;
    }
    for (; j < fresh.count; j++) {
        lines_push(tail, fresh.v[j]);
        fresh.v[j] = NULL;
    }
    lines_free(&fresh);
}

static void render(const struct lines *l, const struct lines *tail, bool has_signature, struct config_sbuf *out)
{
    node_config__sb_add(out, "", 0);
    for (int i = 0; i < l->count; i++) {
        node_config__sb_adds(out, l->v[i]);
        node_config__sb_add(out, "\n", 1);
    }
    if (tail->count == 0)
        return;
    if (!has_signature) {
        if (l->count > 0 && l->v[l->count - 1][0] != '\0')
            node_config__sb_add(out, "\n", 1);
        node_config__sb_adds(out, CONFIG_SIGNATURE "\n");
    }
    for (int i = 0; i < tail->count; i++) {
        node_config__sb_adds(out, tail->v[i]);
        node_config__sb_add(out, "\n", 1);
    }
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -errno;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static void fsync_parent_dir(const char *path)
{
    struct config_sbuf dir = {0};
    const char *slash = strrchr(path, '/');
    node_config__sb_add(&dir, path, slash ? (size_t)(slash - path) + 1 : 0);
    if (dir.len == 0)
        node_config__sb_add(&dir, ".", 1);
    int fd = open(dir.p, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        fsync(fd); /* best effort: the rename is already done */
        close(fd);
    }
    node_config__sb_free(&dir);
}

/* Writes a temp file next to path and renames it over path, so a crash
 * leaves either the old or the new file, never half of one. */
static int write_atomic(const char *path, const char *data, size_t len)
{
    struct config_sbuf tmp = {0};
    struct stat st;
    mode_t mode = stat(path, &st) == 0 ? (st.st_mode & 07777) : 0644;
    node_config__sb_adds(&tmp, path);
    node_config__sb_adds(&tmp, ".tmp-XXXXXX");
    int rc = 0, fd = mkstemp(tmp.p);
    if (fd < 0) {
        rc = -errno;
        node_config__sb_free(&tmp);
        return rc;
    }
    rc = write_all(fd, data, len);
    if (rc == 0 && fchmod(fd, mode) < 0)
        rc = -errno;
    if (rc == 0 && fsync(fd) < 0)
        rc = -errno;
    if (close(fd) < 0 && rc == 0)
        rc = -errno;
    if (rc == 0 && rename(tmp.p, path) < 0)
        rc = -errno;
    if (rc < 0)
        unlink(tmp.p);
    else
        fsync_parent_dir(path);
    node_config__sb_free(&tmp);
    return rc;
}

static int rewrite_file(const struct node_config *cfg)
{
    struct lines l = {0}, tail = {0};
    struct node_config defaults;
    struct config_sbuf text = {0};
    bool has_signature;
    int rc = read_old_lines(cfg->config_file, &l);
    if (rc < 0) {
        lines_free(&l);
        return rc;
    }
    struct line_info *info = classify_lines(&l, &has_signature);
    node_config_init(&defaults);
    for (size_t i = 0; i < node_config__opts_count; i++)
        if (opts[i].type != T_FIXED)
            rewrite_option(cfg, &defaults, (int)i, &l, info, &tail);
    node_config_free(&defaults);
    render(&l, &tail, has_signature, &text);
    rc = write_atomic(cfg->config_file, text.p, text.len);
    node_config__sb_free(&text);
    core_free(info);
    lines_free(&l);
    lines_free(&tail);
    return rc;
}

void node_config_rewrite(struct node_config *cfg, struct node_out *out)
{
    if (!cfg->config_file) {
        node_reply_error(out, "ERR The server is running without a config file");
        return;
    }
    int rc = rewrite_file(cfg);
    if (rc < 0) {
        core_log(CORE_LOG_WARNING, "CONFIG REWRITE failed: %s", strerror(-rc));
        node_reply_errorf(out, "ERR Rewriting config file: %s", strerror(-rc));
        return;
    }
    core_log(CORE_LOG_NOTICE, "CONFIG REWRITE executed with success.");
    node_reply_ok(out);
}
