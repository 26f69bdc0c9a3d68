/* The names of the mirror's immutable files: a file's git blob SHA-1 (what
 * the manifest lists, and an object's name) with its SHA-256 beside it,
 * computed with the engine's own hashes, as a device computes them. */
#ifndef OTA_CLI_PUBLISH_HASH_H
#define OTA_CLI_PUBLISH_HASH_H

#include <stddef.h>
#include <stdint.h>

#include "sha1.h"
#include "sha256.h"

#define SHA1_HEX_LEN 40
#define SHA256_HEX_LEN 64

struct file_digest {
    uint64_t size;
    char sha1[SHA1_HEX_LEN + 1];     /* git blob SHA-1: "blob <size>\0" + content */
    char sha256[SHA256_HEX_LEN + 1]; /* SHA-256 of the content */
};

/* A git blob's hashes while its bytes stream (git needs the size first). */
struct blob_hasher {
    struct ota_sha1 sha1;
    struct ota_sha256 sha256;
    uint64_t expected, seen;
};

void blob_hasher_begin(struct blob_hasher *h, uint64_t size);
void blob_hasher_update(struct blob_hasher *h, const void *data, size_t len);
/* -1 when the bytes seen were not the size announced (the file changed). */
int blob_hasher_end(struct blob_hasher *h, struct file_digest *out);

/* The digest of a whole file; -1 with errno when it cannot be read (EIO
 * when it changed size while being read). */
int digest_file(const char *path, struct file_digest *out);

/* The lowercase hex SHA-256 of bytes in memory (a manifest's name). */
void sha256_hex(const void *data, size_t len, char out[SHA256_HEX_LEN + 1]);

#endif
