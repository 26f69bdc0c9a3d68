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

/* A file's delta, decided alike for the estimate and the download. */
struct ota_delta_choice {
    char src_path[OTA_PATH_MAX]; /* the installed file it is made from */
    char src_sha[OTA_SHA1_HEX];  /* ... and its blob */
    uint64_t size;               /* when listed: the delta's size */
    int listed;                  /* 1: the index lists it; 0: no index, ask */
};

/* 1 and c filled when a delta for e is worth asking for: deltas are wanted,
 * there is a source (the blob e replaces, old_sha; for an added file, the
 * one moved.h picks) and the index lists the delta or there is no index;
 * else 0. Reads in ctx->io_buf; uses path_a and path_b. */
int ota_delta_choose(struct ota_ctx *ctx, const char *commit, const struct ota_entry *e,
                     const char *old_sha, struct ota_delta_choice *c);

#endif
