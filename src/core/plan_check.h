/* Before anything is downloaded: can the swap of this plan complete? After
 * the commit point the swap must not fail, so what could make it fail is
 * refused now, with the device untouched. Two layouts can:
 *  - a file of the new version where the device has a directory that holds
 *    anything but files this plan deletes (the directory cannot go);
 *  - a file of the new version below a path where the device has a file
 *    this plan does not delete (its directory cannot be made).
 * Both arise from files the updater does not manage (put there by hand, or
 * left out by allow/ignore rules). */
#ifndef OTA_CORE_PLAN_CHECK_H
#define OTA_CORE_PLAN_CHECK_H

#include "ota/ota.h"

/* OTA_ERR_UNSAFE_PATH, naming the path in the reason, when the staged plan
 * could not be swapped in. */
int ota_plan_check_layout(struct ota_ctx *ctx);

#endif
