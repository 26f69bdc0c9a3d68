/* Git blob SHA-1 of a stream: SHA-1 over "blob <size>\0" and the content,
 * the id git and GitHub give every file, computed as the bytes go by. */
#ifndef OTA_CORE_BLOB_H
#define OTA_CORE_BLOB_H

#include "ota/ota.h"

int ota_blob_begin(struct ota_ctx *ctx, uint64_t size);
int ota_blob_update(struct ota_ctx *ctx, const void *data, size_t len);
/* Writes the 40-hex id into hex (OTA_SHA1_HEX bytes). */
int ota_blob_end(struct ota_ctx *ctx, char *hex);
/* Releases the hash state without a result (on an error path). */
void ota_blob_abort(struct ota_ctx *ctx);

#define OTA_SHA256_HEX 65 /* 64 hex digits and a NUL */

/* The content's SHA-256, beside the blob SHA-1 (on ctx->hash256). */
int ota_content256_begin(struct ota_ctx *ctx);
int ota_content256_update(struct ota_ctx *ctx, const void *data, size_t len);
int ota_content256_end(struct ota_ctx *ctx, char hex[OTA_SHA256_HEX]);
void ota_content256_abort(struct ota_ctx *ctx);

/* The blob id of an existing device file, read through the port in buf,
 * and its SHA-256 in the same pass when hex256 (65 bytes) is not NULL. */
int ota_blob_of_file(struct ota_ctx *ctx, const char *path, char *hex, char *hex256,
                     uint8_t *buf, size_t cap);

#endif
