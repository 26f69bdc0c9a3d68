/* What the engine remembers between runs to spare the GitHub API: the ETag
 * and answer of each resource it resolves (so an unchanged check is one
 * request answered 304, which costs no rate-limit quota), and the time before
 * which the server asked not to be called again.
 *
 * .ota_cache holds one line per fact: "E <key> <value> <etag>" and
 * "D <epoch seconds>". Losing it costs requests, never correctness, so a
 * corrupt or unwritable cache is ignored. */
#ifndef OTA_CORE_CACHE_H
#define OTA_CORE_CACHE_H

#include "ota/ota.h"

#define OTA_CACHE_FILE ".ota_cache"
#define OTA_ETAG_MAX 80

/* Looks key up: 1 and value/etag filled when cached, 0 when not. */
int ota_cache_lookup(struct ota_ctx *ctx, const char *key, char *value, size_t value_cap,
                     char etag[OTA_ETAG_MAX]);

/* Remembers value and etag for key, replacing what was there. */
int ota_cache_store(struct ota_ctx *ctx, const char *key, const char *value,
                    const char *etag);

/* The epoch second before which no request should be sent, or 0. */
int64_t ota_cache_deferred_until(struct ota_ctx *ctx);

/* Records it (0 clears it). */
int ota_cache_defer(struct ota_ctx *ctx, int64_t until);

#endif
