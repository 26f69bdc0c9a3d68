/* releases.json: the publisher's own record of the releases it put on each
 * channel, oldest first. Deltas are made from a channel's last releases and
 * `--prune` keeps what the last N need, so the record is written before the
 * channel pointer: every release a device was ever pointed to is in it. */
#ifndef OTA_CLI_PUBLISH_RECORD_H
#define OTA_CLI_PUBLISH_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "ota/ota.h"
#include "publish_hash.h"
#include "publish_pointer.h"

#define RECORD_FORMAT "ota-releases/1"

struct record_release {
    uint64_t sequence;
    char version[OTA_PATH_MAX];
    char commit[SHA1_HEX_LEN + 1];     /* "" when the manifest has none */
    char manifest[SHA256_HEX_LEN + 1]; /* manifests/<manifest>.json */
    uint64_t published;                /* Unix time */
};

struct record_channel {
    char name[CHANNEL_NAME_MAX + 1];
    struct record_release *releases;   /* oldest first */
    size_t count;
};

struct record {
    struct record_channel *channels;   /* in the order first published */
    size_t count;
};

/* Reads the mirror's record; an absent file is an empty record. 0, or -1
 * with errno (EINVAL: malformed). */
int record_load(const char *mirror, struct record *r);

/* Replaces the mirror's record atomically. 0, or -1 with errno. */
int record_save(const char *mirror, const struct record *r);

/* The channel called name, added (empty) when missing; NULL: no memory. */
struct record_channel *record_channel(struct record *r, const char *name);

/* The newest release of c, or NULL. */
const struct record_release *record_newest(const struct record_channel *c);

/* 0, or -1 when out of memory. */
int record_append(struct record_channel *c, const struct record_release *rel);

/* Keeps only the newest keep releases of c. */
void record_trim(struct record_channel *c, size_t keep);

void record_free(struct record *r);

#endif
