/* A file the new version adds may be one the device already has under
 * another directory (moved, perhaps changed): then its delta is made from
 * that file. Publisher and device pick the same source without talking:
 * among the installed files with the same name (the last path component),
 * the first in byte order of path. The delta's header names the source by
 * its blob, so a device whose pick differs gets a delta it refuses, and the
 * whole file comes instead. */
#ifndef OTA_CORE_MOVED_H
#define OTA_CORE_MOVED_H

#include "ota/ota.h"

/* 1 with the source's path and blob, 0 when the device has no file of that
 * name, or a negative error reading .ota_state (in buf, cap bytes). */
int ota_moved_source(struct ota_ctx *ctx, const char *path, char src_path[OTA_PATH_MAX],
                     char src_sha[OTA_SHA1_HEX], char *buf, size_t cap);

#endif
