/* Planning an update from a staged manifest's entry list: its files, in
 * path order, merged with .ota_state exactly like a tree listing, then its
 * explicit "deletes" of files .ota_state does not know. */
#ifndef OTA_CORE_MANIFEST_PLAN_H
#define OTA_CORE_MANIFEST_PLAN_H

#include "manifest_stage.h"
#include "plan.h"

/* The original format need not be sorted: such a list is planned by
 * repeated scans (quadratic time, constant memory), up to this many files. */
#define OTA_UNSORTED_MAX_FILES 4096u

int ota_manifest_plan(struct ota_ctx *ctx, const struct ota_manifest_staged *m,
                      struct ota_plan_totals *totals);

#endif
