/* POSIX port: SHA-1 and SHA-256 through OpenSSL 3 EVP. The engine-provided
 * state buffer holds only the EVP_MD_CTX pointer (copied in and out with
 * memcpy, so the buffer needs no particular alignment). */
#include <string.h>

#include <openssl/evp.h>

#include "ota_posix.h"

_Static_assert(sizeof(EVP_MD_CTX *) <= OTA_HASH_STATE_SIZE,
               "the hash state buffer must hold a pointer");

static EVP_MD_CTX *get_ctx(const void *state)
{
    EVP_MD_CTX *ctx;

    memcpy(&ctx, state, sizeof ctx);
    return ctx;
}

static void put_ctx(void *state, EVP_MD_CTX *ctx)
{
    memcpy(state, &ctx, sizeof ctx);
}

static int hash_begin(void *user, enum ota_hash_alg alg, void *state)
{
    const EVP_MD *md;
    EVP_MD_CTX *ctx;

    (void)user;
    if (!state)
        return OTA_ERR_INVALID_ARG;
    put_ctx(state, NULL);
    switch (alg) {
    case OTA_HASH_SHA1:
        md = EVP_sha1();
        break;
    case OTA_HASH_SHA256:
        md = EVP_sha256();
        break;
    default:
        return OTA_ERR_INVALID_ARG;
    }
    ctx = EVP_MD_CTX_new();
    if (!ctx)
        return OTA_ERR_CRYPTO;
    if (EVP_DigestInit_ex(ctx, md, NULL) != 1) {
        EVP_MD_CTX_free(ctx);
        return OTA_ERR_CRYPTO;
    }
    put_ctx(state, ctx);
    return 0;
}

static int hash_update(void *user, void *state, const void *data, size_t len)
{
    EVP_MD_CTX *ctx;

    (void)user;
    if (!state)
        return OTA_ERR_INVALID_ARG;
    ctx = get_ctx(state);
    if (!ctx || (!data && len))
        return OTA_ERR_INVALID_ARG;
    if (len == 0)
        return 0;
    return EVP_DigestUpdate(ctx, data, len) == 1 ? 0 : OTA_ERR_CRYPTO;
}

static int hash_end(void *user, void *state, uint8_t *out)
{
    EVP_MD_CTX *ctx;
    int err = 0;

    (void)user;
    if (!state)
        return OTA_ERR_INVALID_ARG;
    ctx = get_ctx(state);
    if (!ctx)
        return OTA_ERR_INVALID_ARG;
    if (out) {
        unsigned int n = 0;
        if (EVP_DigestFinal_ex(ctx, out, &n) != 1)
            err = OTA_ERR_CRYPTO;
    }
    EVP_MD_CTX_free(ctx);
    put_ctx(state, NULL);
    return err;
}

const struct ota_crypto_ops ota_posix__crypto_ops = {
    .hash_begin = hash_begin,
    .hash_update = hash_update,
    .hash_end = hash_end,
};
