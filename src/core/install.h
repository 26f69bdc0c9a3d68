/* The install transaction. Everything is staged and verified first; then a
 * small record, {stage_dir}/commit, is written atomically: that is the commit
 * point. Before it, recovery throws the stage away and the device stays on
 * the old version; after it, recovery finishes the swap. Each swap step can
 * be repeated safely, so a power cut during recovery is survived too. */
#ifndef OTA_CORE_INSTALL_H
#define OTA_CORE_INSTALL_H

#include "ota/ota.h"
#include "state.h"

/* Writes the commit point for version v (its version.json to be), then
 * swaps the stage in. */
int ota_install_commit(struct ota_ctx *ctx, const struct ota_version *v);

/* At start-up: completes a committed swap, or discards an uncommitted stage.
 * *completed is set to 1 when a swap was completed. */
int ota_install_recover(struct ota_ctx *ctx, int *completed);

/* Removes the stage directory and everything in it. */
int ota_install_discard(struct ota_ctx *ctx);

#endif
