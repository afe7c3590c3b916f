/*
 * testjson.c — shared helpers of the golden-vector unit tests: the tiny JSON
 * reader for the manifests (testjson_parse and the lookups), and finding and
 * reading the vector files. See testjson.h.
 */
#include "testjson.h"

#include <criterion/criterion.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the JSON reader ---- */

struct jparser {
    const char *p;
    const char *end;
};

static void jws(struct jparser *jp)
{
    while (jp->p < jp->end && strchr(" \t\r\n", *jp->p))
        jp->p++;
}

static void jexpect(struct jparser *jp, char c)
{
    jws(jp);
    cr_assert(jp->p < jp->end && *jp->p == c, "json: expected '%c' at '%.20s'", c, jp->p < jp->end ? jp->p : "");
    jp->p++;
}

static char *jstring(struct jparser *jp)
{
    jexpect(jp, '"');
    const char *q = jp->p; /* the escaped length bounds the unescaped one */
    while (q < jp->end && *q != '"')
        q += *q == '\\' ? 2 : 1;
    char *out = malloc((size_t)(q - jp->p) + 1);
    size_t n = 0;
    while (jp->p < jp->end && *jp->p != '"') {
        char c = *jp->p++;
        if (c == '\\') {
            char e = *jp->p++;
            static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
            const char *k = strchr(from, e);
            cr_assert(k && e, "json: unsupported escape \\%c", e);
            c = to[k - from];
        }
        out[n++] = c;
    }
    jexpect(jp, '"');
    out[n] = '\0';
    return out;
}

static void jvalue(struct jparser *jp, struct jval *v);

static void jcontainer(struct jparser *jp, struct jval *v, bool obj)
{
    size_t cap = 8;
    v->items = malloc(cap * sizeof(*v->items));
    v->keys = obj ? malloc(cap * sizeof(char *)) : NULL;
    jp->p++;
    jws(jp);
    if (jp->p < jp->end && *jp->p == (obj ? '}' : ']')) {
        jp->p++;
        return;
    }
    for (;;) {
        if (v->n == cap) {
            cap *= 2;
            v->items = realloc(v->items, cap * sizeof(*v->items));
            if (obj)
                v->keys = realloc(v->keys, cap * sizeof(char *));
        }
        if (obj) {
            v->keys[v->n] = jstring(jp);
            jexpect(jp, ':');
        }
        jvalue(jp, &v->items[v->n++]);
        jws(jp);
        if (jp->p < jp->end && *jp->p == ',') {
            jp->p++;
            continue;
        }
        jexpect(jp, obj ? '}' : ']');
        return;
    }
}

static void jvalue(struct jparser *jp, struct jval *v)
{
    memset(v, 0, sizeof(*v));
    jws(jp);
    cr_assert(jp->p < jp->end, "json: unexpected end");
    char c = *jp->p;
    size_t left = (size_t)(jp->end - jp->p);
    if (c == '{' || c == '[') {
        v->type = c == '{' ? J_OBJ : J_ARR;
        jcontainer(jp, v, c == '{');
    } else if (c == '"') {
        v->type = J_STR;
        v->str = jstring(jp);
    } else if (left >= 4 && !strncmp(jp->p, "null", 4)) {
        jp->p += 4;
    } else if ((left >= 4 && !strncmp(jp->p, "true", 4)) || (left >= 5 && !strncmp(jp->p, "false", 5))) {
        v->type = J_BOOL;
        v->inum = c == 't';
        jp->p += c == 't' ? 4 : 5;
    } else {
        char *e1, *e2;
        v->type = J_NUM;
        v->num = strtod(jp->p, &e1);
        v->inum = strtoll(jp->p, &e2, 10);
        cr_assert(e1 > jp->p, "json: bad value at '%.20s'", jp->p);
        jp->p = e1;
    }
}

void testjson_parse(const char *text, size_t len, struct jval *v)
{
    struct jparser jp = {text, text + len};
    jvalue(&jp, v);
}

void testjson_free(struct jval *v)
{
    for (size_t i = 0; i < v->n; i++) {
        testjson_free(&v->items[i]);
        if (v->keys)
            free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->str);
}

const struct jval *testjson_get(const struct jval *obj, const char *key)
{
    cr_assert(obj && obj->type == J_OBJ, "json: not an object looking for %s", key);
    for (size_t i = 0; i < obj->n; i++)
        if (!strcmp(obj->keys[i], key))
            return &obj->items[i];
    return NULL;
}

const struct jval *testjson_req(const struct jval *obj, const char *key)
{
    const struct jval *v = testjson_get(obj, key);
    cr_assert(v, "json: missing key %s", key);
    return v;
}

long long testjson_int(const struct jval *obj, const char *key)
{
    const struct jval *v = testjson_req(obj, key);
    cr_assert_eq(v->type, J_NUM, "json: %s is not a number", key);
    return v->inum;
}

const char *testjson_str(const struct jval *obj, const char *key)
{
    const struct jval *v = testjson_req(obj, key);
    cr_assert_eq(v->type, J_STR, "json: %s is not a string", key);
    return v->str;
}

/* ---- the vector files ---- */

void testjson_vectors_dir(char *out, size_t size, const char *env_var, const char *sub)
{
    const char *env = env_var ? getenv(env_var) : NULL;
    if (env) {
        snprintf(out, size, "%s", env);
        return;
    }
    char src[PATH_MAX * 2 + 64]; /* sized so the snprintf below cannot truncate */
    if (__FILE__[0] == '/') {
        snprintf(src, sizeof(src), "%s", __FILE__);
    } else {
        char exe[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        cr_assert(n > 0, "readlink /proc/self/exe");
        exe[n] = '\0';
        *strrchr(exe, '/') = '\0'; /* <build>/tests/unit */
        snprintf(src, sizeof(src), "%s/../../%s", exe, __FILE__);
    }
    *strrchr(src, '/') = '\0'; /* <source>/tests/unit */
    int n = snprintf(out, size, "%s/../../../shared/vectors%s%s", src, sub && *sub ? "/" : "", sub ? sub : "");
    cr_assert(n > 0 && (size_t)n < size, "vectors dir path too long");
}

size_t testjson_unhex(const char *hex, uint8_t *out)
{
    size_t n = strlen(hex) / 2;
    for (size_t i = 0; i < n; i++) {
        unsigned b;
        cr_assert_eq(sscanf(hex + 2 * i, "%2x", &b), 1);
        out[i] = (uint8_t)b;
    }
    return n;
}

uint8_t *testjson_load_file(const char *dir, const char *name, size_t *ret_len)
{
    size_t plen = strlen(dir) + strlen(name) + 2;
    char *path = malloc(plen);
    snprintf(path, plen, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    cr_assert(f, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    cr_assert(size > 0, "%s is empty", path);
    uint8_t *buf = malloc((size_t)size);
    cr_assert_eq(fread(buf, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    free(path);
    *ret_len = (size_t)size;
    return buf;
}
