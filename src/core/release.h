/* The stable channel's target: the latest release's tag. */
#ifndef OTA_CORE_RELEASE_H
#define OTA_CORE_RELEASE_H

#include "ota/ota.h"

/* GET /repos/{o}/{r}/releases/latest and read its tag_name into tag.
 * *unchanged is set when the server confirmed (304) the remembered answer. */
int ota_release_latest_tag(struct ota_ctx *ctx, char *tag, size_t cap, int *unchanged);

#endif
