/* A crypto port for unit tests: SHA-256 by the core's own implementation
 * (src/core/sha256.c); set sha256_port_failing to make hash_begin fail. */
#ifndef OTA_TEST_SHA256_PORT_H
#define OTA_TEST_SHA256_PORT_H

#include "ota/ota_port.h"
#include "sha256.h"

static int sha256_port_failing;

static int sha256_port_begin(void *user, enum ota_hash_alg alg, void *state)
{
    (void)user;
    if (sha256_port_failing)
        return OTA_ERR_CRYPTO;
    if (alg != OTA_HASH_SHA256)
        return OTA_ERR_UNSUPPORTED;
    ota_sha256_init(state);
    return OTA_OK;
}

static int sha256_port_update(void *user, void *state, const void *data, size_t len)
{
    (void)user;
    ota_sha256_update(state, data, len);
    return OTA_OK;
}

static int sha256_port_end(void *user, void *state, uint8_t *out)
{
    uint8_t scratch[32];

    (void)user;
    ota_sha256_final(state, out ? out : scratch);
    return OTA_OK;
}

/* Fills port->crypto's hash functions. */
static void sha256_port_use(struct ota_port *port)
{
    port->crypto.hash_begin = sha256_port_begin;
    port->crypto.hash_update = sha256_port_update;
    port->crypto.hash_end = sha256_port_end;
}

#endif
