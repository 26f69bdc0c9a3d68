#include "port.h"

#include <string.h>

#include "board.h"
#include "sha1.h"
#include "sha256.h"

/* Hashing in software: the core's own SHA-1 and SHA-256, their state in
 * the engine's memory (OTA_HASH_STATE_SIZE bytes). */
union soft_state {
    struct ota_sha1 sha1;
    struct ota_sha256 sha256;
};

struct soft_hash {
    union soft_state u;
    enum ota_hash_alg alg;
};

enum { SOFT_HASH_SIZE_OK = 1 / (sizeof(struct soft_hash) <= OTA_HASH_STATE_SIZE) };

static int hash_begin(void *user, enum ota_hash_alg alg, void *state)
{
    struct soft_hash *h = state;

    (void)user;
    h->alg = alg;
    if (alg == OTA_HASH_SHA256)
        ota_sha256_init(&h->u.sha256);
    else if (alg == OTA_HASH_SHA1)
        ota_sha1_init(&h->u.sha1);
    return alg == OTA_HASH_SHA1 || alg == OTA_HASH_SHA256 ? OTA_OK : OTA_ERR_UNSUPPORTED;
}

static int hash_update(void *user, void *state, const void *data, size_t len)
{
    struct soft_hash *h = state;

    (void)user;
    if (h->alg == OTA_HASH_SHA256)
        ota_sha256_update(&h->u.sha256, data, len);
    else
        ota_sha1_update(&h->u.sha1, data, len);
    return OTA_OK;
}

static int hash_end(void *user, void *state, uint8_t *out)
{
    struct soft_hash *h = state;
    uint8_t digest[OTA_SHA256_LEN];

    (void)user;
    if (h->alg == OTA_HASH_SHA256)
        ota_sha256_final(&h->u.sha256, digest);
    else
        ota_sha1_final(&h->u.sha1, digest);
    if (out)
        memcpy(out, digest, h->alg == OTA_HASH_SHA256 ? OTA_SHA256_LEN : OTA_SHA1_LEN);
    return OTA_OK;
}

int device_port_init(struct device *dev, struct ota_port *port)
{
    /* no Ed25519 verification: signed release manifests need a port that
     * provides verify_begin/update/end (see docs/porting.md) */
    static const struct ota_port board = {
        .http = {.get = board_http_get},
        .crypto = {.hash_begin = hash_begin, .hash_update = hash_update, .hash_end = hash_end},
        .sys = {.time_now = board_time_now, .sleep_ms = board_sleep_ms,
                .random = board_random},
    };
    static const struct flash store_flash = {
        .size = BOARD_STORE_SIZE, .erase = board_flash_erase, .program = board_flash_program,
    };

    dev->flash = store_flash;
    dev->flash.base = board_flash_base();
    *port = board;
    file_store_ops(&port->fs);
    port->user = dev;
    return file_store_mount(&dev->store, &dev->flash);
}
