/* Ed25519 signatures: streaming verification through the crypto port, and
 * the parsers for the forms a key or a signature arrives in. */
#ifndef OTA_CORE_SIG_H
#define OTA_CORE_SIG_H

#include "ota/ota.h"

#define OTA_ED25519_KEY_LEN 32
#define OTA_ED25519_SIG_LEN 64

/* Starts verifying sig (64 bytes) by pub (32 bytes) over the bytes that
 * ota_sig_verify_update will stream. Uses only ctx->port and the
 * verification state in ctx, so it also works on a zeroed ctx whose port is
 * set. OTA_ERR_UNSUPPORTED when the port has no verification. */
int ota_sig_verify_begin(struct ota_ctx *ctx, const uint8_t pub[OTA_ED25519_KEY_LEN],
                         const uint8_t sig[OTA_ED25519_SIG_LEN]);

/* Streams the next part of the message. A failure is remembered: the
 * verification can no longer succeed, and ota_sig_verify_end returns it. */
int ota_sig_verify_update(struct ota_ctx *ctx, const void *data, size_t len);

/* 0 only when the whole message was streamed and the signature is valid;
 * OTA_ERR_SIGNATURE when it is not; OTA_ERR_INVALID_ARG without a begin.
 * Always releases the port's state; call it exactly once per successful
 * begin, also after an update failed. */
int ota_sig_verify_end(struct ota_ctx *ctx);

/* An Ed25519 public key as a user pastes it into a configuration, surrounding
 * whitespace ignored: 64 hex digits; base64 of the 32 raw bytes; base64 of
 * the 44-byte DER SubjectPublicKeyInfo (302a300506032b6570032100 || key),
 * i.e. the body of a PEM "PUBLIC KEY"; or that whole PEM block. Base64 may
 * span lines and may omit its padding. Returns 0, or OTA_ERR_CONFIG (out
 * untouched). */
int ota_sig_parse_public_key(const char *text, uint8_t out[OTA_ED25519_KEY_LEN]);

/* An Ed25519 signature file: exactly 64 raw bytes (what `openssl pkeyutl
 * -sign -rawin` writes), or their base64 or hex text with surrounding
 * whitespace (a trailing newline). Returns 0, or OTA_ERR_SIGNATURE for
 * anything else (out untouched): a malformed signature verifies nothing. */
int ota_sig_parse_signature(const uint8_t *data, size_t len,
                            uint8_t out[OTA_ED25519_SIG_LEN]);

#endif
