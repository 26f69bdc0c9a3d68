#include "hmac.h"

#include <string.h>

#define CRYPTO (&h->ctx->port->crypto)
#define USER (h->ctx->port->user)

/* Starts SHA-256 over the key block XORed with pad. */
static int pad_hash(struct ota_hmac *h, uint8_t pad)
{
    uint8_t block[OTA_HMAC_BLOCK];
    size_t i;
    int err = CRYPTO->hash_begin(USER, OTA_HASH_SHA256, h->ctx->hash256.bytes);

    if (err != OTA_OK)
        return err;
    for (i = 0; i < sizeof block; i++)
        block[i] = (uint8_t)(h->key[i] ^ pad);
    err = CRYPTO->hash_update(USER, h->ctx->hash256.bytes, block, sizeof block);
    if (err != OTA_OK)
        (void)CRYPTO->hash_end(USER, h->ctx->hash256.bytes, NULL);
    return err;
}

/* A key longer than a block is replaced by its SHA-256. */
static int hash_key(struct ota_hmac *h, const uint8_t *key, size_t len)
{
    void *state = h->ctx->hash.bytes;
    int err = CRYPTO->hash_begin(USER, OTA_HASH_SHA256, state);

    if (err != OTA_OK)
        return err;
    err = CRYPTO->hash_update(USER, state, key, len);
    if (err != OTA_OK) {
        (void)CRYPTO->hash_end(USER, state, NULL);
        return err;
    }
    return CRYPTO->hash_end(USER, state, h->key);
}

int ota_hmac_begin(struct ota_hmac *h, struct ota_ctx *ctx, const uint8_t *key, size_t len)
{
    int err = OTA_OK;

    memset(h, 0, sizeof *h);
    h->ctx = ctx;
    if (len > OTA_HMAC_BLOCK)
        err = hash_key(h, key, len);
    else if (len > 0)
        memcpy(h->key, key, len);
    if (err == OTA_OK)
        err = pad_hash(h, 0x36);
    h->running = err == OTA_OK;
    return err;
}

int ota_hmac_update(struct ota_hmac *h, const void *data, size_t len)
{
    if (!h->running)
        return OTA_ERR_INVALID_ARG;
    return CRYPTO->hash_update(USER, h->ctx->hash256.bytes, data, len);
}

int ota_hmac_end(struct ota_hmac *h, uint8_t out[32])
{
    uint8_t inner[32];
    int err;

    if (!h->running)
        return OTA_ERR_INVALID_ARG;
    h->running = 0;
    err = CRYPTO->hash_end(USER, h->ctx->hash256.bytes, out ? inner : NULL);
    if (err == OTA_OK && out)
        err = pad_hash(h, 0x5c);
    if (err == OTA_OK && out) {
        err = CRYPTO->hash_update(USER, h->ctx->hash256.bytes, inner, sizeof inner);
        if (err == OTA_OK)
            err = CRYPTO->hash_end(USER, h->ctx->hash256.bytes, out);
        else
            (void)CRYPTO->hash_end(USER, h->ctx->hash256.bytes, NULL);
    }
    memset(h->key, 0, sizeof h->key);
    return err;
}
