/* core_log.c — the process log in redis-server's line format. */
#include "node/core/core_log.h"
#include "node/core/core.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static enum core_log_level log_level = CORE_LOG_NOTICE;
static FILE *log_fp;
static char log_role = 'M';

static const char *const level_names[] = {"debug", "verbose", "notice", "warning"};

void core_log_set_level(enum core_log_level level)
{
    log_level = level;
}

enum core_log_level core_log_get_level(void)
{
    return log_level;
}

int core_log_level_parse(const char *name)
{
    for (size_t i = 0; i < CORE_ARRAY_LEN(level_names); i++)
        if (strcasecmp(name, level_names[i]) == 0)
            return (int)i;
    return -EINVAL;
}

const char *core_log_level_name(enum core_log_level level)
{
    return level_names[level];
}

int core_log_set_file(const char *path)
{
    FILE *fp = NULL;
    if (path && path[0]) {
        fp = fopen(path, "a");
        if (!fp)
            return -errno;
    }
    if (log_fp)
        fclose(log_fp);
    log_fp = fp;
    return 0;
}

void core_log_set_role(char role)
{
    log_role = role;
}

void core_log_raw(enum core_log_level level, const char *msg)
{
    if (level < log_level)
        return;
    FILE *fp = log_fp ? log_fp : stdout;
    fputs(msg, fp);
    fflush(fp);
}

void core_log(enum core_log_level level, const char *fmt, ...)
{
    if (level < log_level)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);

    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    localtime_r(&tv.tv_sec, &tm);
    char when[64];
    size_t off = strftime(when, sizeof(when), "%d %b %Y %H:%M:%S.", &tm);
    snprintf(when + off, sizeof(when) - off, "%03d", (int)(tv.tv_usec / 1000));

    static const char marks[] = ".-*#";
    FILE *fp = log_fp ? log_fp : stdout;
    fprintf(fp, "%d:%c %s %c %s\n", (int)getpid(), log_role, when, marks[level], msg);
    fflush(fp);
}
