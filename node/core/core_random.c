/* core_random.c — random identifiers (run ids, node ids) from the kernel's CSPRNG,
 * and a fast generator seeded from it. */
#include "node/core/core.h"

#include <sys/random.h>

void core_random_bytes(void *buf, size_t len)
{
    unsigned char *p = buf;
    while (len > 0) {
        ssize_t n = getrandom(p, len, 0);
        if (n < 0) {
            core_assert(errno == EINTR);
            continue;
        }
        p += n;
        len -= (size_t)n;
    }
}

void core_random_hex(char *out, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char raw[64];
    core_assert(n <= 2 * sizeof(raw));
    core_random_bytes(raw, (n + 1) / 2);
    for (size_t i = 0; i < n; i++)
        out[i] = hex[(raw[i / 2] >> ((i & 1) * 4)) & 15];
    out[n] = '\0';
}

uint64_t core_random_u64(void)
{
    static uint64_t state;
    if (state == 0)
        core_random_bytes(&state, sizeof(state));
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
