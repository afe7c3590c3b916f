/*
 * fuzz_main.c — the corpus replay main() linked when fuzzing_engine=none, so
 * every `meson test` runs each fuzz target over its committed corpus.
 *
 * Arguments are files or directories (read one level deep); each file's bytes
 * go to LLVMFuzzerTestOneInput() once. A target's own asserts abort on a bad
 * input; a file that cannot be read fails the run.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Corpus seeds are small; anything bigger is a mistake in the corpus. */
#define REPLAY_FILE_MAX (64 * 1024 * 1024)

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return -1;
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || st.st_size < 0 || st.st_size > REPLAY_FILE_MAX) {
        fprintf(stderr, "%s: cannot size or too big\n", path);
        fclose(f);
        return -1;
    }
    size_t size = (size_t)st.st_size;
    /* an exact-size copy, so ASan catches reads one past the input */
    uint8_t *data = malloc(size ? size : 1);
    if (!data || fread(data, 1, size, f) != size) {
        fprintf(stderr, "%s: read failed\n", path);
        free(data);
        fclose(f);
        return -1;
    }
    fclose(f);
    LLVMFuzzerTestOneInput(data, size);
    free(data);
    return 0;
}

static int replay_dir(const char *path, int *count)
{
    DIR *d = opendir(path);
    if (!d) {
        perror(path);
        return -1;
    }
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        size_t n = strlen(path) + strlen(e->d_name) + 2;
        char *file = malloc(n);
        if (!file)
            abort();
        snprintf(file, n, "%s/%s", path, e->d_name);
        struct stat st;
        if (stat(file, &st) == 0 && S_ISREG(st.st_mode)) {
            if (replay_file(file) != 0)
                rc = -1;
            (*count)++;
        }
        free(file);
    }
    closedir(d);
    return rc;
}

int main(int argc, char **argv)
{
    int count = 0, rc = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            perror(argv[i]);
            rc = -1;
        } else if (S_ISDIR(st.st_mode)) {
            if (replay_dir(argv[i], &count) != 0)
                rc = -1;
        } else {
            if (replay_file(argv[i]) != 0)
                rc = -1;
            count++;
        }
    }
    printf("replayed %d inputs\n", count);
    return rc == 0 ? 0 : 1;
}
