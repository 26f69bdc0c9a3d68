/* The previous version, kept in backup_dir until the new one is confirmed:
 *
 *   files/<path>  every file the install replaced or deleted
 *   plan          the install's plan: which paths it fetched and deleted
 *   state         the previous .ota_state (absent: there was none)
 *   version       the previous version.json (absent: there was none)
 *   trial         "<boots>\n": the new version is on trial, booted so often
 *   undo          a revert in progress (revert.h)
 *
 * The backup can be reverted to while its plan is there; the plan is the
 * first thing dropped and the last thing kept, so a half-removed backup is
 * never mistaken for a whole one. */
#ifndef OTA_CORE_BACKUP_H
#define OTA_CORE_BACKUP_H

#include "ota/ota.h"

#define OTA_BACKUP_PLAN "plan"
#define OTA_BACKUP_STATE "state"
#define OTA_BACKUP_VERSION "version"
#define OTA_BACKUP_TRIAL "trial"
#define OTA_BACKUP_UNDO "undo"

/* "<backup_dir>/<name>" for one of the names above. */
int ota_backup_path(struct ota_ctx *ctx, char *out, size_t cap, const char *name);

/* "<backup_dir>/files/<path>": where the previous copy of path is kept. */
int ota_backup_file(struct ota_ctx *ctx, char *out, size_t cap, const char *path);

/* 1 if the backup holds name, 0 if not, negative on error. */
int ota_backup_has(struct ota_ctx *ctx, const char *name);

/* Throws the backup away, durably: its plan first, then everything else. */
int ota_backup_drop(struct ota_ctx *ctx);

/* The trial record: 1 and *boots when the version is on trial, 0 when not. */
int ota_trial_read(struct ota_ctx *ctx, uint32_t *boots);

/* Writes the trial record atomically. */
int ota_trial_write(struct ota_ctx *ctx, uint32_t boots);

#endif
