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
    int have_old;
    int plan_fd;
    int state_fd;
    char prev_path[OTA_PATH_MAX]; /* to insist on git order */
    struct ota_plan_totals totals;
};

/* Opens the installed state and creates plan and state files in stage. */
int ota_plan_begin(struct ota_planner *p, struct ota_ctx *ctx);
/* Takes the next blob of the target tree (ctx->entry), in git order. */
int ota_plan_blob(struct ota_planner *p, const struct ota_entry *e);
/* Flushes deletions of what the target no longer has, syncs both files. */
int ota_plan_end(struct ota_planner *p);
/* Closes everything after a failure. */
void ota_plan_abort(struct ota_planner *p);

/* Stage file names, relative to the device root. */
int ota_stage_path(struct ota_ctx *ctx, char *out, size_t cap, const char *name);

/* Opens the staged plan for reading line by line (path in ctx->path_a). */
int ota_plan_open(struct ota_ctx *ctx, struct ota_lines *plan);

#endif
