/* Portable SHA-1 (FIPS 180-4), streaming.
 *
 * For ports without hardware hashing. SHA-1 is not used here for security but
 * because git names every blob by it: "blob <size>\0" + content. Byte-order
 * independent and allocation free; the state is about 100 bytes, so it fits a
 * port's OTA_HASH_STATE_SIZE slot. */
#ifndef OTA_CORE_SHA1_H
#define OTA_CORE_SHA1_H

#include <stddef.h>
#include <stdint.h>

#include "md64.h"

#ifdef __cplusplus
extern "C" {
#endif

#define OTA_SHA1_LEN 20

struct ota_sha1 {
    uint32_t h[5];      /* chaining value */
    struct ota_md64 md; /* block staging and padding */
};

void ota_sha1_init(struct ota_sha1 *s);
/* data may be split anywhere across calls; NULL is fine when len is 0. */
void ota_sha1_update(struct ota_sha1 *s, const void *data, size_t len);
/* Writes the digest. The state is spent: call ota_sha1_init to reuse it. */
void ota_sha1_final(struct ota_sha1 *s, uint8_t out[OTA_SHA1_LEN]);

#ifdef __cplusplus
}
#endif

#endif
