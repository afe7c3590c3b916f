/*
 * core_log.h — Redis-format log lines: "pid:R dd Mon yyyy hh:mm:ss.mmm L msg".
 * R is the role (M master, S replica, C child, X sentinel-like); L is one of
 * '.' debug, '-' verbose, '*' notice, '#' warning, as redis-server prints.
 */
#ifndef SHOAL_CORE_LOG_H
#define SHOAL_CORE_LOG_H

enum core_log_level { CORE_LOG_DEBUG = 0, CORE_LOG_VERBOSE, CORE_LOG_NOTICE, CORE_LOG_WARNING };

void core_log(enum core_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Writes a line without the prefix (the start-up banner). */
void core_log_raw(enum core_log_level level, const char *msg);
void core_log_set_level(enum core_log_level level);
enum core_log_level core_log_get_level(void);
/* path NULL or "" logs to stdout. Returns 0 or -errno. */
int core_log_set_file(const char *path);
void core_log_set_role(char role);
/* Parses "debug", "verbose", "notice", "warning"; -EINVAL otherwise. */
int core_log_level_parse(const char *name);
const char *core_log_level_name(enum core_log_level level);

#endif
