/* Optional SHA-256 sidecar for manifestless updates (as the original
 * system offered): a file in the repository, in `sha256sum` format
 * ("<64 hex>  <path>" per line), listing the SHA-256 of the files. When
 * configured, it is fetched at the target commit first, and every file
 * downloaded must match both its git blob SHA-1 and its SHA-256 there. */
#ifndef OTA_CORE_SIDECAR_H
#define OTA_CORE_SIDECAR_H

#include "http.h"
#include "ota/ota.h"

#define OTA_SHA256_HEX 65

/* Downloads the sidecar of commit into the stage (settings.sha256_sidecar). */
int ota_sidecar_fetch(struct ota_ctx *ctx, const char *commit);

/* Finds path in the staged sidecar; OTA_ERR_HASH_MISMATCH when it is not
 * listed. buf is scratch for reading lines (at least OTA_LINE_MAX). */
int ota_sidecar_lookup(struct ota_ctx *ctx, const char *path, char hex[OTA_SHA256_HEX],
                       char *buf, size_t cap);

/* The SHA-256 that runs beside the blob SHA-1 during a download. */
int ota_sidecar_hash_begin(struct ota_ctx *ctx);
int ota_sidecar_hash_update(struct ota_ctx *ctx, const void *data, size_t len);
/* Compares with expected; always releases the hash state. */
int ota_sidecar_hash_check(struct ota_ctx *ctx, const char *expected, const char *path);
void ota_sidecar_hash_abort(struct ota_ctx *ctx);

#endif
