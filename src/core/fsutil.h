/* Filesystem steps the engine composes from the port's primitives. */
#ifndef OTA_CORE_FSUTIL_H
#define OTA_CORE_FSUTIL_H

#include "ota/ota.h"

/* Creates every missing parent directory of path ("a/b/c.py": a, a/b),
 * each one durably (its parent synced) before the next. */
int ota_mkdirs_for(struct ota_ctx *ctx, const char *path);

/* Renames from over to and makes the rename durable: both directories hold
 * one of its entries, and a filesystem may keep them apart. */
int ota_move(struct ota_ctx *ctx, const char *from, const char *to);

/* After path was removed, removes its parent directories left empty ("a/b/c"
 * -> "a/b", "a"), durably; stops at the first that is not empty. */
int ota_prune_empty_parents(struct ota_ctx *ctx, const char *path);

/* Makes the directory holding path durable ("" for top-level files). */
int ota_sync_parent(struct ota_ctx *ctx, const char *path);

/* Removes a file or a whole directory tree, durably (the parent is synced);
 * absent is fine. Uses the ctx->path_b scratch buffer (ctx->path_a is left
 * alone: callers keep a path there across the call). */
int ota_remove_tree(struct ota_ctx *ctx, const char *path);

/* Replaces path with data in one atomic step: path.tmp written, synced,
 * renamed over path, directory synced. */
int ota_write_atomic(struct ota_ctx *ctx, const char *path, const char *data,
                     size_t len);

/* Finishes a replacement written to tmp (an open handle): syncs and closes
 * it, renames it over path and syncs the directory. err is the outcome of
 * the writing so far; on any failure tmp is removed and path is untouched. */
int ota_replace_with(struct ota_ctx *ctx, int fd, const char *tmp, const char *path, int err);

/* Writes all of data to an open handle. */
int ota_write_all(struct ota_ctx *ctx, int fd, const char *data, size_t len);

/* Reads the start of a small file into buf (up to cap bytes): the number
 * of bytes read, OTA_ERR_NOT_FOUND when there is no such file, or an error. */
long ota_read_small(struct ota_ctx *ctx, const char *path, char *buf, size_t cap);

/* 1 if path exists (file or directory), 0 if not, negative on error. */
int ota_exists(struct ota_ctx *ctx, const char *path);

/* Joins a and b with '/' into out (cap bytes). "" a yields b. */
int ota_join(char *out, size_t cap, const char *a, const char *b);

#endif
