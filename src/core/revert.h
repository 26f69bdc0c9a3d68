/* Going back to the version kept in the backup (backup.h): the undo
 * transaction.
 *
 * A revert begins by writing {backup_dir}/undo atomically: that is its
 * commit point, and from then on every start finishes it. It runs in two
 * phases, each idempotent, and the undo record says which one is under way:
 *  1. remove the files the install added (fetched, with nothing kept);
 *  2. put every kept file back, then .ota_state and version.json, and
 *     remember the abandoned commit in .ota_reverted.
 * Which files were added must be settled before phase 2 moves kept copies
 * back, since afterwards an added file and a restored one look alike.
 * Finally the backup is dropped, its plan first. */
#ifndef OTA_CORE_REVERT_H
#define OTA_CORE_REVERT_H

#include "ota/ota.h"

/* Reverts the installed version; why ("trial", "manual") is kept in
 * .ota_reverted. OTA_ERR_NO_BACKUP when no previous version is kept. */
int ota_revert(struct ota_ctx *ctx, const char *why);

/* Finishes a revert that a power cut interrupted; *resumed says whether
 * there was one. */
int ota_revert_resume(struct ota_ctx *ctx, int *resumed);

/* The commit last reverted from (40 hex digits), or "" . */
int ota_reverted_commit(struct ota_ctx *ctx, char out[OTA_SHA1_HEX]);

#endif
