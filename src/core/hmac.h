/* HMAC-SHA256 (RFC 2104) over the crypto port's SHA-256, for the original
 * system's manifest "signature". Streams: the message is never held. */
#ifndef OTA_CORE_HMAC_H
#define OTA_CORE_HMAC_H

#include "ota/ota.h"

#define OTA_HMAC_BLOCK 64

struct ota_hmac {
    struct ota_ctx *ctx;
    uint8_t key[OTA_HMAC_BLOCK]; /* the key, hashed when longer, zero padded */
    int running;                 /* the inner hash holds state */
};

/* Uses ctx->hash256 (and ctx->hash to shorten a long key). */
int ota_hmac_begin(struct ota_hmac *h, struct ota_ctx *ctx, const uint8_t *key, size_t len);
int ota_hmac_update(struct ota_hmac *h, const void *data, size_t len);
/* Writes the 32-byte MAC (out may be NULL to just release the state). */
int ota_hmac_end(struct ota_hmac *h, uint8_t out[32]);

#endif
