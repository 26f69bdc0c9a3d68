/* Portable SHA-256 (FIPS 180-4), streaming.
 *
 * For ports without hardware hashing (OTA_HASH_SHA256); the choice when a
 * digest must resist deliberate collisions, which git's SHA-1 does not.
 * Byte-order independent and allocation free; the state is about 110 bytes,
 * so it fits a port's OTA_HASH_STATE_SIZE slot. */
#ifndef OTA_CORE_SHA256_H
#define OTA_CORE_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include "md64.h"

#ifdef __cplusplus
extern "C" {
#endif

#define OTA_SHA256_LEN 32

struct ota_sha256 {
    uint32_t h[8];      /* chaining value */
    struct ota_md64 md; /* block staging and padding */
};

void ota_sha256_init(struct ota_sha256 *s);
/* data may be split anywhere across calls; NULL is fine when len is 0. */
void ota_sha256_update(struct ota_sha256 *s, const void *data, size_t len);
/* Writes the digest. The state is spent: call ota_sha256_init to reuse it. */
void ota_sha256_final(struct ota_sha256 *s, uint8_t out[OTA_SHA256_LEN]);

#ifdef __cplusplus
}
#endif

#endif
