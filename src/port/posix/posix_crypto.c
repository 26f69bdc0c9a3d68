/* POSIX port: SHA-1 and SHA-256 through OpenSSL 3 EVP. The engine-provided
 * state buffer holds only the EVP_MD_CTX pointer (copied in and out with
 * memcpy, so the buffer needs no particular alignment).
 *
 * Ed25519 verification: OpenSSL verifies pure Ed25519 one-shot only, so the
 * message is accumulated (at most 16 MiB) in a heap buffer that the state
 * buffer points to, and verified by verify_end. */
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
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

/* ---- Ed25519 verification ----------------------------------------------- */

#define VERIFY_MAX_MESSAGE ((size_t)16 << 20) /* a 20,000-file manifest is ~2 MB */
#define ED25519_KEY_LEN 32
#define ED25519_SIG_LEN 64

struct verify {
    uint8_t key[ED25519_KEY_LEN];
    uint8_t sig[ED25519_SIG_LEN];
    uint8_t *msg;
    size_t len, cap;
    int err; /* sticky: an update failed */
};

_Static_assert(sizeof(struct verify *) <= OTA_VERIFY_STATE_SIZE,
               "the verify state buffer must hold a pointer");

static struct verify *get_verify(const void *state)
{
    struct verify *v;

    memcpy(&v, state, sizeof v);
    return v;
}

static void put_verify(void *state, struct verify *v)
{
    memcpy(state, &v, sizeof v);
}

static int verify_begin(void *user, enum ota_sig_alg alg, const uint8_t *public_key,
                        size_t key_len, const uint8_t *signature, size_t sig_len,
                        void *state)
{
    struct verify *v;

    (void)user;
    if (!state)
        return OTA_ERR_INVALID_ARG;
    put_verify(state, NULL);
    if (alg != OTA_SIG_ED25519)
        return OTA_ERR_UNSUPPORTED;
    if (!public_key || key_len != ED25519_KEY_LEN || !signature ||
        sig_len != ED25519_SIG_LEN)
        return OTA_ERR_INVALID_ARG;
    v = calloc(1, sizeof *v);
    if (!v)
        return OTA_ERR_NO_MEM;
    memcpy(v->key, public_key, ED25519_KEY_LEN);
    memcpy(v->sig, signature, ED25519_SIG_LEN);
    put_verify(state, v);
    return 0;
}

static int verify_update(void *user, void *state, const void *data, size_t len)
{
    struct verify *v;

    (void)user;
    if (!state || !(v = get_verify(state)) || (!data && len))
        return OTA_ERR_INVALID_ARG;
    if (v->err)
        return v->err;
    if (len == 0)
        return 0;
    if (len > VERIFY_MAX_MESSAGE - v->len)
        return v->err = OTA_ERR_TOO_LARGE;
    if (v->len + len > v->cap) {
        size_t cap = v->cap ? v->cap : 4096;
        uint8_t *grown;

        while (cap < v->len + len)
            cap *= 2;
        if (cap > VERIFY_MAX_MESSAGE)
            cap = VERIFY_MAX_MESSAGE;
        grown = realloc(v->msg, cap);
        if (!grown)
            return v->err = OTA_ERR_NO_MEM;
        v->msg = grown;
        v->cap = cap;
    }
    memcpy(v->msg + v->len, data, len);
    v->len += len;
    return 0;
}

static int verify_end(void *user, void *state)
{
    static const uint8_t empty[1];
    EVP_PKEY *pkey = NULL;
    EVP_MD_CTX *md = NULL;
    struct verify *v;
    int err;

    (void)user;
    if (!state || !(v = get_verify(state)))
        return OTA_ERR_INVALID_ARG;
    err = v->err;
    if (!err) {
        pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, v->key, ED25519_KEY_LEN);
        md = EVP_MD_CTX_new();
        if (!pkey || !md || EVP_DigestVerifyInit(md, NULL, NULL, NULL, pkey) != 1)
            err = OTA_ERR_CRYPTO;
        else if (EVP_DigestVerify(md, v->sig, ED25519_SIG_LEN, v->msg ? v->msg : empty,
                                  v->len) != 1)
            err = OTA_ERR_SIGNATURE;
        ERR_clear_error(); /* a rejected signature leaves errors queued */
    }
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(pkey);
    free(v->msg);
    free(v);
    put_verify(state, NULL);
    return err;
}

const struct ota_crypto_ops ota_posix__crypto_ops = {
    .hash_begin = hash_begin,
    .hash_update = hash_update,
    .hash_end = hash_end,
    .verify_begin = verify_begin,
    .verify_update = verify_update,
    .verify_end = verify_end,
};
