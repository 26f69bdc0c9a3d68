#include "jsonw.h"

#include <inttypes.h>

void jsonw_escaped(FILE *out, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;

    fputc('"', out);
    for (; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", out);
        else if (*p == '\t')
            fputs("\\t", out);
        else if (*p < 0x20 || *p == 0x7f)
            fprintf(out, "\\u%04x", *p);
        else
            fputc(*p, out);
    }
    fputc('"', out);
}

void jsonw_begin(struct jsonw *w, FILE *out)
{
    w->out = out;
    w->need_comma = 0;
    fputc('{', out);
}

void jsonw_end(struct jsonw *w)
{
    fputs("}\n", w->out);
    fflush(w->out);
}

void jsonw_key(struct jsonw *w, const char *key)
{
    if (w->need_comma)
        fputs(", ", w->out);
    w->need_comma = 1;
    if (key) {
        jsonw_escaped(w->out, key);
        fputs(": ", w->out);
    }
}

void jsonw_str(struct jsonw *w, const char *key, const char *value)
{
    jsonw_key(w, key);
    if (value)
        jsonw_escaped(w->out, value);
    else
        fputs("null", w->out);
}

void jsonw_u64(struct jsonw *w, const char *key, uint64_t value)
{
    jsonw_key(w, key);
    fprintf(w->out, "%" PRIu64, value);
}

void jsonw_int(struct jsonw *w, const char *key, long value)
{
    jsonw_key(w, key);
    fprintf(w->out, "%ld", value);
}

void jsonw_bool(struct jsonw *w, const char *key, int value)
{
    jsonw_key(w, key);
    fputs(value ? "true" : "false", w->out);
}

void jsonw_open(struct jsonw *w, const char *key, char bracket)
{
    jsonw_key(w, key);
    fputc(bracket, w->out);
    w->need_comma = 0;
}

void jsonw_close(struct jsonw *w, char bracket)
{
    fputc(bracket, w->out);
    w->need_comma = 1;
}

void jsonw_raw(struct jsonw *w, const char *key, const char *json)
{
    jsonw_key(w, key);
    fputs(json, w->out);
}
