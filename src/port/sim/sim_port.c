/* The simulated device as one struct ota_port: the flash filesystem, the
 * canned network, the core's own SHA-1 and SHA-256, and a fake clock that
 * sleeping advances (so backoff costs no real time). */
#include <string.h>

#include "sha1.h"
#include "sha256.h"
#include "sim.h"

#define SIM_EPOCH 1700000000

struct sim_hash {
    uint32_t alg;
    uint32_t pad;
    union {
        struct ota_sha1 s1;
        struct ota_sha256 s256;
    } u;
};

/* The state must fit the engine's slot. */
typedef char sim_hash_fits[sizeof(struct sim_hash) <= OTA_HASH_STATE_SIZE ? 1 : -1];

static int hash_begin(void *user, enum ota_hash_alg alg, void *state)
{
    struct sim_hash *h = state;

    (void)user;
    h->alg = 0;
    if (alg == OTA_HASH_SHA1)
        ota_sha1_init(&h->u.s1);
    else if (alg == OTA_HASH_SHA256)
        ota_sha256_init(&h->u.s256);
    else
        return OTA_ERR_UNSUPPORTED;
    h->alg = (uint32_t)alg;
    return OTA_OK;
}

static int hash_update(void *user, void *state, const void *data, size_t len)
{
    struct sim_hash *h = state;

    (void)user;
    if (h->alg == OTA_HASH_SHA1)
        ota_sha1_update(&h->u.s1, data, len);
    else if (h->alg == OTA_HASH_SHA256)
        ota_sha256_update(&h->u.s256, data, len);
    else
        return OTA_ERR_CRYPTO;
    return OTA_OK;
}

static int hash_end(void *user, void *state, uint8_t *out)
{
    struct sim_hash *h = state;
    uint8_t digest[OTA_SHA256_LEN];
    uint32_t alg = h->alg;

    (void)user;
    h->alg = 0;
    if (alg == OTA_HASH_SHA1) {
        ota_sha1_final(&h->u.s1, digest);
        if (out)
            memcpy(out, digest, OTA_SHA1_LEN);
    } else if (alg == OTA_HASH_SHA256) {
        ota_sha256_final(&h->u.s256, digest);
        if (out)
            memcpy(out, digest, OTA_SHA256_LEN);
    } else {
        return OTA_ERR_CRYPTO;
    }
    return OTA_OK;
}

static int64_t time_now(void *user)
{
    const struct sim *sim = user;

    return SIM_EPOCH + (int64_t)(sim->clock_ms / 1000u);
}

static void sleep_ms(void *user, uint32_t ms)
{
    struct sim *sim = user;

    sim->clock_ms += ms;
}

static uint32_t millis(void *user)
{
    const struct sim *sim = user;

    return (uint32_t)sim->clock_ms;
}

static uint32_t random32(void *user)
{
    struct sim *sim = user;
    uint64_t x = sim->rng;

    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    sim->rng = x;
    return (uint32_t)((x * 0x2545f4914f6cdd1dULL) >> 32);
}

static void log_line(void *user, enum ota_log_level level, const char *msg)
{
    struct sim *sim = user;

    if (sim->log_fn)
        sim->log_fn(sim->log_arg, level, msg);
}

void sim_init(struct sim *sim, uint8_t *arena, size_t arena_size, char *text,
              size_t text_cap, struct ota_port *port)
{
    sim_fs_init(&sim->fs, arena, arena_size);
    sim_http_init(&sim->http, text, text_cap);
    sim->clock_ms = 0;
    sim->rng = 0x853c49e6748fea9bULL;
    sim->log_fn = NULL;
    sim->log_arg = NULL;
    memset(port, 0, sizeof *port);
    /* fs ops take the struct sim_fs, the first member of struct sim */
    sim_fs_ops(&port->fs);
    sim_http_ops(&port->http);
    port->crypto.hash_begin = hash_begin;
    port->crypto.hash_update = hash_update;
    port->crypto.hash_end = hash_end;
    port->sys.time_now = time_now;
    port->sys.sleep_ms = sleep_ms;
    port->sys.random = random32;
    port->sys.log = log_line;
    port->sys.millis = millis;
    sim_hw_init(sim, &port->hw);
    port->user = sim;
}
