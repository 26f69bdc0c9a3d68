/* Ed25519 signature verification through the crypto port, and strict parsers
 * for keys and signatures. The verification is streamed, so a port may hash
 * the message as it arrives (SHA-512(R || A || M)); the state machine here
 * makes the result fail closed: a verification that was never begun, or
 * whose message lost a part, never reports success. */
#include <string.h>

#include "hex.h"
#include "sig.h"

#define CRYPTO (&ctx->port->crypto)
#define USER (ctx->port->user)

enum { VERIFY_IDLE = 0, VERIFY_OPEN = 1 }; /* negative: open, update failed */

/* A port error that is not negative still must not read as success. */
static int port_err(int err)
{
    return err > 0 ? OTA_ERR_CRYPTO : err;
}

int ota_sig_verify_begin(struct ota_ctx *ctx, const uint8_t pub[OTA_ED25519_KEY_LEN],
                         const uint8_t sig[OTA_ED25519_SIG_LEN])
{
    int err;

    if (!ctx || !ctx->port || !pub || !sig || ctx->verify_status != VERIFY_IDLE)
        return OTA_ERR_INVALID_ARG;
    if (!CRYPTO->verify_begin || !CRYPTO->verify_update || !CRYPTO->verify_end)
        return OTA_ERR_UNSUPPORTED;
    err = port_err(CRYPTO->verify_begin(USER, OTA_SIG_ED25519, pub, OTA_ED25519_KEY_LEN,
                                        sig, OTA_ED25519_SIG_LEN, ctx->verify.bytes));
    if (err == OTA_OK)
        ctx->verify_status = VERIFY_OPEN;
    return err;
}

int ota_sig_verify_update(struct ota_ctx *ctx, const void *data, size_t len)
{
    int err;

    if (!ctx || !ctx->port || ctx->verify_status == VERIFY_IDLE)
        return OTA_ERR_INVALID_ARG;
    if (ctx->verify_status < 0)
        return ctx->verify_status;
    if (len == 0)
        return OTA_OK;
    err = data ? port_err(CRYPTO->verify_update(USER, ctx->verify.bytes, data, len))
               : OTA_ERR_INVALID_ARG;
    if (err != OTA_OK)
        ctx->verify_status = err;
    return err;
}

int ota_sig_verify_end(struct ota_ctx *ctx)
{
    int err;

    if (!ctx || !ctx->port || ctx->verify_status == VERIFY_IDLE)
        return OTA_ERR_INVALID_ARG;
    err = port_err(CRYPTO->verify_end(USER, ctx->verify.bytes));
    if (ctx->verify_status < 0)
        err = ctx->verify_status;
    ctx->verify_status = VERIFY_IDLE;
    return err;
}

/* ---- parsers ------------------------------------------------------------- */

static const uint8_t spki_prefix[12] = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03,
                                        0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
static const char pem_begin[] = "-----BEGIN PUBLIC KEY-----";
static const char pem_end[] = "-----END PUBLIC KEY-----";

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void trim(const char **s, size_t *n)
{
    while (*n > 0 && is_space(**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n > 0 && is_space((*s)[*n - 1]))
        (*n)--;
}

/* 0..63 in the RFC 4648 standard alphabet, or -1. */
static int b64_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* Strict base64: whitespace anywhere is skipped (PEM and `openssl base64`
 * wrap lines); '=' padding is optional but, when present, complete and last;
 * the unused low bits of the last character must be zero, so every value has
 * one spelling. Decodes at most cap bytes. Returns 0, or -1. */
static int b64_decode(const char *in, size_t n, uint8_t *out, size_t cap, size_t *out_len)
{
    uint32_t acc = 0;
    size_t i, chars = 0, pad = 0, len = 0;
    int v;

    for (i = 0; i < n; i++) {
        if (is_space(in[i]))
            continue;
        if (in[i] == '=') {
            pad++;
            continue;
        }
        v = b64_value(in[i]);
        if (pad || v < 0)
            return -1;
        acc = acc << 6 | (uint32_t)v;
        if (++chars % 4 == 0) {
            if (cap - len < 3)
                return -1;
            out[len++] = (uint8_t)(acc >> 16);
            out[len++] = (uint8_t)(acc >> 8);
            out[len++] = (uint8_t)acc;
            acc = 0;
        }
    }
    switch (chars % 4) {
    case 0:
        if (pad)
            return -1;
        break;
    case 2: /* 12 bits: one byte and 4 zero bits */
        if ((pad && pad != 2) || (acc & 0xf) || cap - len < 1)
            return -1;
        out[len++] = (uint8_t)(acc >> 4);
        break;
    case 3: /* 18 bits: two bytes and 2 zero bits */
        if ((pad && pad != 1) || (acc & 0x3) || cap - len < 2)
            return -1;
        out[len++] = (uint8_t)(acc >> 10);
        out[len++] = (uint8_t)(acc >> 2);
        break;
    default: /* 6 bits do not make a byte */
        return -1;
    }
    *out_len = len;
    return 0;
}

static int has_prefix(const char *s, size_t n, const char *prefix, size_t plen)
{
    return n >= plen && memcmp(s, prefix, plen) == 0;
}

int ota_sig_parse_public_key(const char *text, uint8_t out[OTA_ED25519_KEY_LEN])
{
    uint8_t der[sizeof spki_prefix + OTA_ED25519_KEY_LEN];
    const char *s = text;
    size_t n, len = 0;
    int pem;

    if (!text || !out)
        return OTA_ERR_INVALID_ARG;
    n = strlen(text);
    trim(&s, &n);
    /* 64 characters may also be line-wrapped base64: hex only if all hex */
    if (n == 2 * OTA_ED25519_KEY_LEN && ota_hex_decode(s, n, der, OTA_ED25519_KEY_LEN) == 0) {
        memcpy(out, der, OTA_ED25519_KEY_LEN);
        return OTA_OK;
    }
    pem = has_prefix(s, n, pem_begin, sizeof pem_begin - 1);
    if (pem) {
        if (n < sizeof pem_begin - 1 + sizeof pem_end - 1 ||
            memcmp(s + n - (sizeof pem_end - 1), pem_end, sizeof pem_end - 1) != 0)
            return OTA_ERR_CONFIG;
        s += sizeof pem_begin - 1;
        n -= sizeof pem_begin - 1 + sizeof pem_end - 1;
    }
    if (b64_decode(s, n, der, sizeof der, &len) != 0)
        return OTA_ERR_CONFIG;
    if (len == OTA_ED25519_KEY_LEN && !pem) {
        memcpy(out, der, OTA_ED25519_KEY_LEN);
        return OTA_OK;
    }
    if (len == sizeof der && memcmp(der, spki_prefix, sizeof spki_prefix) == 0) {
        memcpy(out, der + sizeof spki_prefix, OTA_ED25519_KEY_LEN);
        return OTA_OK;
    }
    return OTA_ERR_CONFIG;
}

int ota_sig_parse_signature(const uint8_t *data, size_t len, uint8_t out[OTA_ED25519_SIG_LEN])
{
    uint8_t raw[OTA_ED25519_SIG_LEN];
    const char *s = (const char *)data;
    size_t n = len, got = 0;

    if ((!data && len) || !out)
        return OTA_ERR_INVALID_ARG;
    if (len == OTA_ED25519_SIG_LEN) {
        memcpy(out, data, OTA_ED25519_SIG_LEN);
        return OTA_OK;
    }
    trim(&s, &n);
    if ((n != 2 * OTA_ED25519_SIG_LEN || ota_hex_decode(s, n, raw, OTA_ED25519_SIG_LEN) != 0) &&
        (b64_decode(s, n, raw, sizeof raw, &got) != 0 || got != OTA_ED25519_SIG_LEN))
        return OTA_ERR_SIGNATURE;
    memcpy(out, raw, OTA_ED25519_SIG_LEN);
    return OTA_OK;
}
