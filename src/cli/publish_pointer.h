/* A channel's pointer, channels/<name>.json: the only file of a mirror that
 * changes. It names the channel's current release by the SHA-256 of its
 * manifest and carries the manifest's signature, so a device in steady
 * state costs one conditional request (answered 304) and learns everything
 * else from immutable files. The bytes are fixed (docs/mirror.md): members
 * always in this order, no white space, one newline at the end. */
#ifndef OTA_CLI_PUBLISH_POINTER_H
#define OTA_CLI_PUBLISH_POINTER_H

#include <stddef.h>
#include <stdint.h>

#include "publish_hash.h"
#include "publish_signature.h"

#define POINTER_FORMAT "ota-channel/1"
#define CHANNEL_NAME_MAX 64
#define POINTER_MAX 1024 /* the largest pointer is 459 bytes */

struct channel_pointer {
    char channel[CHANNEL_NAME_MAX + 1];
    uint64_t sequence;                 /* the manifest's */
    char commit[SHA1_HEX_LEN + 1];     /* the manifest's, "" when it has none */
    char manifest[SHA256_HEX_LEN + 1]; /* SHA-256 of the manifest's bytes */
    uint64_t manifest_size;
    char signature[SIGNATURE_HEX_LEN + 1]; /* Ed25519 over the manifest's bytes */
    uint64_t published;                /* Unix time; grows with every pointer
                                          of the channel, and is the file's
                                          modification time */
};

/* 1 to 64 of A-Z a-z 0-9 . _ -, not starting with "." (a URL path segment
 * and a file name everywhere, that needs no escaping). */
int channel_name_ok(const char *name);

/* The pointer's bytes into out; their length, or -1 when cap is short. */
int pointer_format(const struct channel_pointer *p, char *out, size_t cap);

/* Reads bytes as a pointer (members in any order, unknown ones skipped, as
 * a device should read it). 0, or -1 when malformed. */
int pointer_parse(const uint8_t *data, size_t len, struct channel_pointer *p);

/* channels/<channel>.json of the mirror: 1 read, 0 absent, -1 with errno
 * (EINVAL: malformed). */
int pointer_read(const char *mirror, const char *channel, struct channel_pointer *p);

/* Replaces channels/<p->channel>.json atomically. 0, or -1 with errno. */
int pointer_write(const char *mirror, const struct channel_pointer *p);

#endif
