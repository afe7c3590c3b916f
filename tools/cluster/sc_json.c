/*
 * JSON string escaping for the --json document; the document itself is
 * assembled by the commands. Pure.
 */
#include "sc.h"

void sc_json_str(struct sc_buf *out, const char *s)
{
    sc_buf_puts(out, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"':
            sc_buf_puts(out, "\\\"");
            break;
        case '\\':
            sc_buf_puts(out, "\\\\");
            break;
        case '\n':
            sc_buf_puts(out, "\\n");
            break;
        case '\r':
            sc_buf_puts(out, "\\r");
            break;
        case '\t':
            sc_buf_puts(out, "\\t");
            break;
        default:
            if (*p < 0x20 || *p >= 0x7f)
                sc_buf_printf(out, "\\u%04x", *p);
            else
                sc_buf_append(out, p, 1);
        }
    }
    sc_buf_puts(out, "\"");
}
