/* Downloads every "F" line of the plan into the stage directory, each file
 * streamed through the git blob SHA-1 and a size guard. A file is only left
 * in the stage once it is verified and synced. */
#ifndef OTA_CORE_FETCH_H
#define OTA_CORE_FETCH_H

#include "ota/ota.h"

int ota_fetch_planned(struct ota_ctx *ctx, const char *commit, uint32_t files_total);

#endif
