/* core_addr.c — bind address specs as redis.conf writes them. */
#include "node/core/core.h"

#include <string.h>

const char *core_bind_addr(const char *spec, bool *optional)
{
    *optional = spec[0] == '-';
    const char *addr = *optional ? spec + 1 : spec;
    if (strcmp(addr, "*") == 0)
        return "0.0.0.0";
    if (strcmp(addr, "::*") == 0)
        return "::";
    return addr;
}
