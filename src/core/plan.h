/* Planning an update: the target's blobs, in git order, merged in one pass
 * with the installed state (.ota_state, same order). Produces in the stage
 * directory the plan ("F" = fetch, "D" = delete lines) and the state file
 * the device will have once the update is installed. Memory is constant. */
#ifndef OTA_CORE_PLAN_H
#define OTA_CORE_PLAN_H

#include "lines.h"
#include "ota/ota.h"

#define OTA_PLAN_FETCH 'F'
#define OTA_PLAN_DELETE 'D'
#define OTA_PLAN_SHA256 'S' /* "S <sha256>": the next F line's SHA-256 */
#define OTA_PLAN_REPLACES 'O' /* "O <blob>": the device has this blob at the
                                 next F line's path (a delta may start there) */

/* Where a repository publishes deltas (`ota delta`): never installed. */
#define OTA_DELTAS_DIR ".deltas"

struct ota_plan_totals {
    uint32_t fetch_count;
    uint64_t fetch_bytes;
    uint32_t keep_count;
    uint32_t delete_count;
};

struct ota_planner {
    struct ota_ctx *ctx;
    struct ota_lines installed; /* the current .ota_state */
    struct ota_entry old;       /* its next line, if have_old */
    struct ota_entry adopted;   /* a file found identical on the device */
    uint8_t *hash_buf;          /* for hashing device files: a buffer the */
    size_t hash_cap;            /*   source of the entries is not using */
    int have_old;
    int plan_fd;
    int state_fd;
    char prev_path[OTA_PATH_MAX]; /* to insist on git order */
    char replaced[OTA_SHA1_HEX];  /* installed blob at the entry's path, or "" */
    struct ota_plan_totals totals;
};

/* Opens the installed state and creates plan and state files in stage.
 * Device files are hashed in hash_buf (ctx->io_buf unless the caller reads
 * its entries there). */
int ota_plan_begin(struct ota_planner *p, struct ota_ctx *ctx, uint8_t *hash_buf,
                   size_t hash_cap);
/* Takes the next file of the target, in git order: e->sha is its blob
 * SHA-1 (OTA_UNKNOWN_SHA when only sha256, 64 hex, is known; sha256 may be
 * NULL). A file is fetched unless the device has it: by .ota_state, or, not
 * listed there, by hashing the file found at its path. */
int ota_plan_file(struct ota_planner *p, const struct ota_entry *e, const char *sha256);
/* Plans the deletion of what the target no longer has. */
int ota_plan_flush_old(struct ota_planner *p);
/* After ota_plan_flush_old: deletes path, a file .ota_state does not list
 * (a manifest's "deletes"), if the device has it and rules permit. */
int ota_plan_delete_path(struct ota_planner *p, const char *path);
/* Flushes what is left, syncs both files. */
int ota_plan_end(struct ota_planner *p);
/* Closes everything after a failure. */
void ota_plan_abort(struct ota_planner *p);

/* Stage file names, relative to the device root. */
int ota_stage_path(struct ota_ctx *ctx, char *out, size_t cap, const char *name);

/* Opens the staged file name for reading line by line in buf, its path
 * composed in ctx->path_b (a missing file reads as empty). */
int ota_stage_lines_open(struct ota_ctx *ctx, const char *name, struct ota_lines *lr, char *buf,
                         size_t cap);

/* Opens the staged plan for reading line by line (path in ctx->path_a). */
int ota_plan_open(struct ota_ctx *ctx, struct ota_lines *plan);

#endif
