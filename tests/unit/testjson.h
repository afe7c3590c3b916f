/*
 * testjson.h — shared helpers of the unit tests that check codecs against
 * golden vectors (test_rdb.c, test_gossip_msg.c): a tiny JSON reader, enough
 * for the vector manifests, and locating and loading the vector files.
 *
 * Failures are criterion assertions (cr_assert), so these may only be called
 * from inside a test.
 */
#ifndef TESTJSON_H
#define TESTJSON_H

#include <stddef.h>
#include <stdint.h>

enum jtype { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jval {
    enum jtype type;
    double num;
    long long inum;     /* exact value of integral numbers; J_BOOL: 0 or 1 */
    char *str;          /* J_STR (NUL-terminated; no \u escapes supported) */
    size_t n;           /* J_ARR / J_OBJ: items */
    struct jval *items;
    char **keys;        /* J_OBJ */
};

/* Parses the JSON text [text, text + len) into *v (which owns copies). */
void testjson_parse(const char *text, size_t len, struct jval *v);

/* Frees what *v owns (not v itself). */
void testjson_free(struct jval *v);

/* obj[key], or NULL when missing; obj must be an object. */
const struct jval *testjson_get(const struct jval *obj, const char *key);

/* obj[key], which must be present. */
const struct jval *testjson_req(const struct jval *obj, const char *key);

/* obj[key], which must be a number / a string. */
long long testjson_int(const struct jval *obj, const char *key);
const char *testjson_str(const struct jval *obj, const char *key);

/*
 * Writes to out the vectors directory: $env_var if set, else
 * <source root>/../shared/vectors[/sub], found from this file's path as the
 * compiler saw it (absolute, or relative to the build root, which is two
 * levels above the test executable). sub may be NULL or "".
 */
void testjson_vectors_dir(char *out, size_t size, const char *env_var, const char *sub);

/* Writes the bytes of a hex string ("0aff...") to out; returns how many. */
size_t testjson_unhex(const char *hex, uint8_t *out);

/* Reads dir/name into an exact-size heap buffer (so ASan sees overreads). */
uint8_t *testjson_load_file(const char *dir, const char *name, size_t *ret_len);

#endif
