/* A minimal streaming JSON writer for the command's --json output: one
 * object, members written in order, strings escaped. */
#ifndef OTA_CLI_JSONW_H
#define OTA_CLI_JSONW_H

#include <stdint.h>
#include <stdio.h>

struct jsonw {
    FILE *out;
    int need_comma; /* a value was written at the current level */
};

void jsonw_begin(struct jsonw *w, FILE *out);         /* "{" */
void jsonw_end(struct jsonw *w);                      /* "}\n" */
void jsonw_key(struct jsonw *w, const char *key);
void jsonw_str(struct jsonw *w, const char *key, const char *value); /* NULL -> null */
void jsonw_u64(struct jsonw *w, const char *key, uint64_t value);
void jsonw_int(struct jsonw *w, const char *key, long value);
void jsonw_bool(struct jsonw *w, const char *key, int value);
/* Nested containers: key may be NULL inside arrays. */
void jsonw_open(struct jsonw *w, const char *key, char bracket);
void jsonw_close(struct jsonw *w, char bracket);
/* A JSON text already known to be valid, inserted as a value. */
void jsonw_raw(struct jsonw *w, const char *key, const char *json);
void jsonw_escaped(FILE *out, const char *s);

#endif
