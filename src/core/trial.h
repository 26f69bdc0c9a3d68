/* Trial boots: a newly installed version must be confirmed (ota_confirm)
 * within max_trial_boots boots, or ota_boot() goes back to the previous one.
 * The count lives in the backup's trial record (backup.h); a confirmed
 * version has none, so its boots cost nothing. */
#ifndef OTA_CORE_TRIAL_H
#define OTA_CORE_TRIAL_H

#include "ota/ota.h"

/* The boot's part: counts a boot of a version on trial, or reverts it when
 * its boots are used up (and says why in ota_error.json); drops what is
 * left of a backup whose removal was interrupted. */
int ota_trial_boot(struct ota_ctx *ctx);

/* Fills out's on_trial, trial_boots, can_rollback and reverted. */
int ota_trial_status(struct ota_ctx *ctx, struct ota_result *out);

#endif
