/* How a configuration file reaches the field loader, whatever its format.
 *
 * Each reader turns its document (JSON, YAML or TOML) into the token stream
 * of the engine's JSON tokenizer (json.h): a root object, member names,
 * strings, numbers (their literal text), booleans, nulls, arrays and nested
 * objects, each with its line. The loader (config.c) consumes that one
 * stream, so every format meets the same type and range checks and the same
 * messages. A reader reports only what is wrong with the syntax. */
#ifndef OTA_CLI_CONFIG_READER_H
#define OTA_CLI_CONFIG_READER_H

#include <stdarg.h>
#include <stddef.h>

#include "json.h"

/* Longest string or number a token carries whole; a longer one is passed
 * with `truncated` set, as the JSON tokenizer does with its scratch buffer. */
#define CONFIG_VALUE_MAX 4096

struct config_reader {
    ota_json_cb cb;      /* the loader */
    void *arg;
    char *error;         /* where a syntax error goes: "line N: ..." */
    size_t error_cap;
};

/* Each returns 0, or a negative ota_err: what cb returned, or
 * OTA_ERR_CONFIG with the syntax error written to r->error. data need not
 * be NUL-terminated. */
int config_read_json(struct config_reader *r, const char *data, size_t len);
int config_read_yaml(struct config_reader *r, const char *data, size_t len);
int config_read_toml(struct config_reader *r, const char *data, size_t len);

/* Hands one token to the loader. text is NUL-terminated, len bytes long. */
int config_emit(struct config_reader *r, enum ota_json_type type, const char *text,
                size_t len, unsigned depth, unsigned long line);

/* Writes "line N: ..." (no prefix when line is 0) to buf; returns
 * OTA_ERR_CONFIG. */
int config_vmessage(char *buf, size_t cap, unsigned long line, const char *fmt, va_list ap);
int config_syntax_error(struct config_reader *r, unsigned long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Whether text[0..len) is a number in the JSON grammar: what every format
 * must write for an integer or a decimal. */
int config_is_number(const char *text, size_t len);

#endif
