/* Reading the mirror's small JSON files (channel pointers, releases.json)
 * with the engine's strict streaming tokenizer (src/core/json.c): the same
 * JSON a device's parser accepts, and no second JSON implementation. */
#ifndef OTA_CLI_PUBLISH_JSONREAD_H
#define OTA_CLI_PUBLISH_JSONREAD_H

#include <stddef.h>
#include <stdint.h>

#include "json.h"

/* Feeds a whole document to cb. 0, or the first negative ota_err (of the
 * tokenizer or of cb). */
int json_read_all(const uint8_t *data, size_t len, ota_json_cb cb, void *arg);

/* A NUMBER token as a plain integer below 2^53 (no sign, fraction or
 * exponent). 0, or -1. */
int json_token_u64(const struct ota_json_token *t, uint64_t *out);

/* A STRING token copied into buf when it fits whole. 0, or -1. */
int json_token_str(const struct ota_json_token *t, char *buf, size_t cap);

/* 1 when s is exactly n lowercase hex digits. */
int json_is_hex(const char *s, size_t n);

#endif
