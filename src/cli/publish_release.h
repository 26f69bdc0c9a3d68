/* The release `ota publish` puts in a mirror: the exact bytes of its signed
 * manifest.json, read with the device's own reader (src/core/manifest.c), so
 * that a mirror never serves a manifest a device would refuse. Also how the
 * publisher reads back the manifests already in the mirror (deltas, prune). */
#ifndef OTA_CLI_PUBLISH_RELEASE_H
#define OTA_CLI_PUBLISH_RELEASE_H

#include <stddef.h>
#include <stdint.h>

#include "manifest.h"
#include "publish_hash.h"

/* What a device verifies a signature over at most (the POSIX port's limit). */
#define RELEASE_MANIFEST_MAX (16u * 1024 * 1024)

struct release_file {
    char path[OTA_PATH_MAX];
    uint64_t size;
    char sha1[SHA1_HEX_LEN + 1];
    char sha256[SHA256_HEX_LEN + 1]; /* "" when the manifest has none */
};

struct release {
    uint8_t *bytes;                   /* manifest.json exactly as signed */
    size_t size;
    char name[SHA256_HEX_LEN + 1];    /* SHA-256 of bytes: manifests/<name>.json */
    struct ota_manifest_info info;
    struct release_file *files;       /* sorted by path, as the format demands */
    size_t count;
    char **deletes;                   /* kept only to answer the reader's
                                         collision questions */
    size_t delete_count;
};

/* Reads path as a manifest to publish; reports problems on stderr as
 * "ota publish: what: ...". Returns an exit code (cli.h): 2 unreadable,
 * 5 not a manifest a device accepts or not one a mirror can serve. */
int release_load(struct release *r, const char *path, const char *what);

/* Parses bytes (ownership passes to r) as ota-manifest/1 with every file
 * named by its git blob SHA-1. 0, or -1 with the reason in why. */
int release_parse(struct release *r, uint8_t *bytes, size_t size, char *why, size_t why_cap);

/* The file at path, or NULL. */
const struct release_file *release_find(const struct release *r, const char *path);

void release_free(struct release *r);

#endif
