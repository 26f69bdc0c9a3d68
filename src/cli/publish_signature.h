/* The release's signature, which the channel pointer carries as hex so that
 * a device needs no second request for manifest.json.sig; and, with
 * --public-key, the check a device will make, done before publishing so
 * that a wrongly signed release never reaches the fleet. */
#ifndef OTA_CLI_PUBLISH_SIGNATURE_H
#define OTA_CLI_PUBLISH_SIGNATURE_H

#include <stddef.h>
#include <stdint.h>

#include "sig.h"

#define SIGNATURE_HEX_LEN (2 * OTA_ED25519_SIG_LEN)

struct release_signature {
    uint8_t raw[OTA_ED25519_SIG_LEN];
    char hex[SIGNATURE_HEX_LEN + 1];
};

/* Reads a signature file (64 raw bytes, or their base64 or hex text).
 * Returns an exit code; problems go to stderr. */
int signature_load(const char *path, struct release_signature *s);

/* Verifies s over msg with key (a PEM file, or the key as text: what
 * `ota verify --pub` takes) through the engine and the POSIX port, the
 * code a device runs. Returns an exit code: 3 key unusable, 5 invalid. */
int signature_verify(const char *key, const uint8_t *msg, size_t len,
                     const struct release_signature *s);

#endif
