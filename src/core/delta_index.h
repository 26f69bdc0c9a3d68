/* The deltas a source publishes, listed in `.deltas/index` beside them (made
 * by `ota delta OLDDIR NEWDIR`): one line "<name> <size>" per delta, named
 * as the device asks for it (OLD-NEW.otad, NEW.otad). With it a device asks
 * only for deltas that exist, and knows what they will cost before the
 * first byte. Without one it asks for each and falls back on a 404. */
#ifndef OTA_CORE_DELTA_INDEX_H
#define OTA_CORE_DELTA_INDEX_H

#include "ota/ota.h"

/* ctx->url = where the source publishes the delta-directory file name
 * ("index", "OLD-NEW.otad"): .deltas/ in the repository at commit, the
 * release's assets (deltas_in_release), or a mirror's deltas/. */
int ota_delta_source_url(struct ota_ctx *ctx, const char *commit, const char *name);

/* Fetches the index at commit into the stage, once per call: OTA_OK with
 * it or without one (404); another failure is returned. */
int ota_delta_index_fetch(struct ota_ctx *ctx, const char *commit);

/* Looks up the delta from blob old_sha to new_sha: 1 listed (*size set),
 * 0 not listed, OTA_ERR_NOT_FOUND when there is no index to ask. Reads the
 * index in buf (cap bytes: the longest line must fit). */
int ota_delta_index_find(struct ota_ctx *ctx, const char *old_sha, const char *new_sha,
                         uint64_t *size, char *buf, size_t cap);

#endif
