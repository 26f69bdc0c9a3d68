/* ota_error.json: a bounded history of failures that survives reboots, for
 * post-mortem debugging of devices without a console. A JSON array, newest
 * last, one object per line, replaced atomically on every append. */
#ifndef OTA_CORE_ERRLOG_H
#define OTA_CORE_ERRLOG_H

#include "ota/ota.h"

#define OTA_ERRLOG_MAX_ENTRIES 10

int ota_errlog_append(struct ota_ctx *ctx, const char *phase, int code,
                      const char *message);

#endif
