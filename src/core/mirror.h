/* The static mirror source (docs/mirror.md, made by `ota publish`): the
 * channel pointer channels/<name>.json, revalidated with its ETag (a no-op
 * check is one request answered 304), names the commit, the manifest by its
 * SHA-256 and the manifest's Ed25519 signature; files are objects/<blob>,
 * deltas deltas/<old>-<new>.otad. Everything is verified against the
 * signed manifest, so the transport may be plain HTTP. */
#ifndef OTA_CORE_MIRROR_H
#define OTA_CORE_MIRROR_H

#include "ota/ota.h"
#include "release.h"

/* The pointer's name: settings.mirror_channel, else the channel's. */
const char *ota_mirror_channel(const struct ota_ctx *ctx);

/* GETs (or revalidates) the channel pointer: out->commit and out->ref (the
 * channel), rel's mirror fields (manifest hash and signature). */
int ota_mirror_resolve(struct ota_ctx *ctx, struct ota_result *out, struct ota_release *rel);

/* ctx->url = base_url/manifests/<sha256>.json, objects/<blob> */
int ota_mirror_manifest_url(struct ota_ctx *ctx, const char *sha256);
int ota_mirror_object_url(struct ota_ctx *ctx, const char *blob);
/* ctx->url = base_url/<dir><name> */
int ota_mirror_file_url(struct ota_ctx *ctx, const char *dir, const char *name);

#endif
