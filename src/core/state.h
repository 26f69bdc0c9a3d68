/* What is installed on the device, in two files:
 *  - version.json: {"ref": ..., "commit": ..., "channel": ...}, the original
 *    system's file, read by applications and by `ota status`, plus the
 *    release manifest's "sequence" and hooks when it came with one;
 *  - .ota_state: one line "<blob sha> <size> <path>" per installed file,
 *    sorted by path in git's order, so that it merges with a GitHub tree
 *    listing in one pass and constant memory. */
#ifndef OTA_CORE_STATE_H
#define OTA_CORE_STATE_H

#include "ota/ota.h"

#define OTA_VERSION_FILE "version.json"
#define OTA_STATE_FILE ".ota_state"
#define OTA_ERROR_FILE "ota_error.json"
#define OTA_REVERTED_FILE ".ota_reverted" /* "<commit> <why>": reverted from */

/* The blob SHA-1 of a file whose manifest entry gave only its SHA-256 (git's
 * null object id): it never equals a real blob id. */
#define OTA_UNKNOWN_SHA "0000000000000000000000000000000000000000"

/* Parses "<sha> <size> <path>" into e; OTA_ERR_STATE if malformed. */
int ota_entry_parse(const char *line, size_t len, struct ota_entry *e);

/* Formats e (prefixed with "<op> " when op is not 0) into ctx->line, with a
 * trailing newline; returns its length. */
size_t ota_entry_format(struct ota_ctx *ctx, char op, const struct ota_entry *e);

/* The contents of version.json. */
struct ota_version {
    char commit[OTA_SHA1_HEX];
    char ref[OTA_PATH_MAX];
    int has_sequence;
    uint64_t sequence;
    char post_update[OTA_PATH_MAX]; /* hooks; "" when none */
    char rollback[OTA_PATH_MAX];
};

/* Reads version.json; all "" when nothing is installed yet. */
int ota_version_read(struct ota_ctx *ctx, struct ota_version *v);

int ota_version_write(struct ota_ctx *ctx, const struct ota_version *v);

#endif
