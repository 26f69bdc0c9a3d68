/* The stable channel's target: a release (the latest, or the one of a
 * pinned tag), its tag and the manifest assets it carries. */
#ifndef OTA_CORE_RELEASE_H
#define OTA_CORE_RELEASE_H

#include "http.h"
#include "ota/ota.h"

#define OTA_MANIFEST_ASSET "manifest.json"
#define OTA_SIGNATURE_ASSET "manifest.json.sig"

struct ota_release {
    char tag[OTA_PATH_MAX];
    uint64_t manifest_id;   /* asset ids; 0 when the release has none */
    uint64_t manifest_size;
    uint64_t signature_id;
    uint64_t signature_size;
    int unchanged;          /* latest answered 304: only tag is known */
    /* a static mirror's release (mirror.h): its manifest and signature */
    int mirror;
    char manifest_sha256[65];
    char signature_hex[129];
};

/* GET /repos/{o}/{r}/releases/latest (tag NULL) or /releases/tags/{tag},
 * revalidated with its remembered ETag unless fresh. */
int ota_release_get(struct ota_ctx *ctx, const char *tag, int fresh, struct ota_release *rel);

/* Streams an asset into body: GET /repos/{o}/{r}/releases/assets/{id} with
 * Accept: application/octet-stream, which GitHub answers with the bytes or
 * a redirect to its download host (followed without credentials). */
int ota_release_fetch_asset(struct ota_ctx *ctx, uint64_t id, const struct ota_body *body);

#endif
