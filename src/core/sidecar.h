/* Optional SHA-256 sidecar for manifestless updates (as the original
 * system offered): a file in the repository, in `sha256sum` format
 * ("<64 hex>  <path>" per line), listing the SHA-256 of the files. When
 * configured, it is fetched at the target commit first, and every file
 * downloaded must match both its git blob SHA-1 and its SHA-256 there. */
#ifndef OTA_CORE_SIDECAR_H
#define OTA_CORE_SIDECAR_H

#include "blob.h"
#include "http.h"
#include "ota/ota.h"

/* Downloads the sidecar of commit into the stage (settings.sha256_sidecar). */
int ota_sidecar_fetch(struct ota_ctx *ctx, const char *commit);

/* Finds path in the staged sidecar; OTA_ERR_HASH_MISMATCH when it is not
 * listed. buf is scratch for reading lines (at least OTA_LINE_MAX). */
int ota_sidecar_lookup(struct ota_ctx *ctx, const char *path, char hex[OTA_SHA256_HEX],
                       char *buf, size_t cap);

#endif
