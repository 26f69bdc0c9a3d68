/* Before the first byte is written: is there room for this update? A doomed
 * update must fail while the device is untouched, not halfway through the
 * stage with the flash full. */
#ifndef OTA_CORE_RESOURCES_H
#define OTA_CORE_RESOURCES_H

#include "ota/ota.h"
#include "plan.h"

#define OTA_DEFAULT_SPACE_MARGIN (64u * 1024u)

/* OTA_ERR_NO_SPACE unless the storage has twice the bytes to fetch (the
 * staged files, and the previous version kept beside the new one) plus
 * settings.free_space_margin. A port that cannot tell passes. */
int ota_check_free_space(struct ota_ctx *ctx, const struct ota_plan_totals *totals);

#endif
