/*
 * What the user sees: human lines ([OK]/[WARNING]/[ERR]), the progress bar
 * (in place on a terminal, plain lines otherwise, nothing with --json),
 * confirmations, and the one --json document written at the end.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sc_io.h"

struct sc_out sc_out;

double sc_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void sc_say(const char *fmt, ...)
{
    if (sc_out.o->json)
        return;
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    fflush(stdout);
}

void sc_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sc_out.error_buf, sizeof(sc_out.error_buf), fmt, ap);
    va_end(ap);
    sc_out.error = sc_out.error_buf;
    if (!sc_out.o->json) {
        if (sc_out.tty && sc_out.last_draw > 0)
            fputs("\n", stdout);
        fflush(stdout);
        fprintf(stderr, "shoal-cluster: %s\n", sc_out.error_buf);
    }
}

void sc_progress(bool final)
{
    if (sc_out.o->json || sc_out.total_slots <= 0)
        return;
    double now = sc_now();
    if (!final && now - sc_out.last_draw < (sc_out.tty ? 0.1 : 1.0))
        return;
    sc_out.last_draw = now;
    double el = now - sc_out.start;
    double rate = el > 0 ? (double)sc_out.moved_keys / el : 0;
    long long done = sc_out.moved_slots;
    if (sc_out.tty) {
        int width = 20;
        int fill = (int)(width * done / sc_out.total_slots);
        char bar[32];
        for (int i = 0; i < width; i++)
            bar[i] = i < fill ? '=' : (i == fill ? '>' : ' ');
        bar[width] = '\0';
        double eta = done > 0 ? el / (double)done * (double)(sc_out.total_slots - done) : 0;
        printf("\r[%s] %lld/%lld slots  %lld keys  %.0f keys/s  ETA %.0fs   ", bar, done, sc_out.total_slots,
               sc_out.moved_keys, rate, eta);
        if (final)
            printf("\n");
    } else {
        printf("progress: %lld/%lld slots, %lld keys, %.0f keys/s\n", done, sc_out.total_slots, sc_out.moved_keys,
               rate);
    }
    fflush(stdout);
}

bool sc_confirm(const char *question)
{
    if (sc_out.o->yes || sc_out.o->json)
        return true;
    printf("%s (type 'yes' to accept): ", question);
    fflush(stdout);
    char line[64];
    if (!fgets(line, sizeof(line), stdin))
        return false;
    line[strcspn(line, "\r\n")] = '\0';
    return strcmp(line, "yes") == 0;
}

void sc_print_nodes(struct sc_cluster *cl)
{
    if (sc_out.o->json)
        return;
    for (int i = 0; i < cl->count; i++) {
        struct sc_cnode *n = &cl->n[i];
        if (!n->me)
            continue;
        bool m = sc_cnode_is_master(n);
        struct sc_buf b = {0};
        sc_slots_format(&b, n->me->slots, ",", true);
        printf("%s: %s %s\n   slots:%s (%d slots) %s\n", m ? "M" : "S", n->me->id, n->addr, b.data,
               n->me->slots_count, m ? "master" : "replica");
        if (!m)
            printf("   replicates %s\n", n->me->master);
        else if (n->replicas)
            printf("   %d additional replica(s)\n", n->replicas);
        sc_buf_free(&b);
    }
}

static void json_open(struct sc_buf *b, const struct sc_open_slot *o, int count)
{
    sc_buf_puts(b, "[");
    for (int k = 0; k < count; k++) {
        sc_buf_printf(b, "%s[%d,", k ? "," : "", o[k].slot);
        sc_json_str(b, o[k].id);
        sc_buf_puts(b, "]");
    }
    sc_buf_puts(b, "]");
}

static void json_flags(struct sc_buf *b, const char *flags)
{
    sc_buf_puts(b, "[");
    char tmp[128];
    snprintf(tmp, sizeof(tmp), "%s", flags);
    bool first = true;
    for (char *save, *t = strtok_r(tmp, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (!first)
            sc_buf_puts(b, ",");
        sc_json_str(b, t);
        first = false;
    }
    sc_buf_puts(b, "]");
}

void sc_json_nodes(struct sc_buf *b, struct sc_cluster *cl)
{
    sc_buf_puts(b, ",\"nodes\":[");
    bool first = true;
    for (int i = 0; i < cl->count; i++) {
        struct sc_cnode *n = &cl->n[i];
        if (!n->me)
            continue;
        bool m = sc_cnode_is_master(n);
        sc_buf_printf(b, "%s{\"id\":", first ? "" : ",");
        first = false;
        sc_json_str(b, n->me->id);
        sc_buf_puts(b, ",\"addr\":");
        sc_json_str(b, n->addr);
        sc_buf_printf(b, ",\"role\":\"%s\",\"master\":", m ? "master" : "replica");
        if (!m && n->me->master[0])
            sc_json_str(b, n->me->master);
        else
            sc_buf_puts(b, "null");
        sc_buf_puts(b, ",\"slots\":");
        sc_slots_json(b, n->me->slots);
        sc_buf_printf(b, ",\"slots_count\":%d,\"keys\":", n->me->slots_count);
        if (n->keys >= 0)
            sc_buf_printf(b, "%lld", n->keys);
        else
            sc_buf_puts(b, "null");
        sc_buf_printf(b, ",\"replicas\":%d,\"flags\":", m ? n->replicas : 0);
        json_flags(b, n->me->flags_str);
        sc_buf_puts(b, ",\"migrating\":");
        json_open(b, n->me->migrating, n->me->migrating_count);
        sc_buf_puts(b, ",\"importing\":");
        json_open(b, n->me->importing, n->me->importing_count);
        sc_buf_puts(b, "}");
    }
    sc_buf_puts(b, "]");
}

/* Ends the command: the JSON document (with --json) and the exit code. */
int sc_finish(int code, struct sc_cluster *cl)
{
    if (!sc_out.o->json)
        return code;
    struct sc_buf b = {0};
    sc_buf_printf(&b, "{\"ok\":%s,\"command\":", code == 0 ? "true" : "false");
    sc_json_str(&b, sc_out.o->command ? sc_out.o->command : "");
    sc_buf_printf(&b, ",\"exit_code\":%d", code);
    if (sc_out.error) {
        sc_buf_puts(&b, ",\"error\":");
        sc_json_str(&b, sc_out.error);
    }
    if (cl && cl->count)
        sc_json_nodes(&b, cl);
    sc_buf_puts(&b, ",\"problems\":[");
    for (int i = 0; i < sc_out.probs.count; i++) {
        const struct sc_problem *p = &sc_out.probs.items[i];
        sc_buf_printf(&b, "%s{\"level\":\"%s\",\"code\":", i ? "," : "", p->level == SC_ERROR ? "error" : "warning");
        sc_json_str(&b, p->code);
        sc_buf_puts(&b, ",\"message\":");
        sc_json_str(&b, p->message);
        sc_buf_puts(&b, "}");
    }
    sc_buf_puts(&b, "]");
    if (sc_out.has_moved)
        sc_buf_printf(&b, ",\"moved\":{\"slots\":%lld,\"keys\":%lld,\"seconds\":%.3f}", sc_out.moved_slots,
                      sc_out.moved_keys, sc_out.moved_seconds);
    if (sc_out.extra.len)
        sc_buf_append(&b, sc_out.extra.data, sc_out.extra.len);
    sc_buf_puts(&b, "}\n");
    fwrite(b.data, 1, b.len, stdout);
    fflush(stdout);
    sc_buf_free(&b);
    return code;
}
