/* Failure reasons and log lines, assembled without stdio. */
#ifndef OTA_CORE_LOG_H
#define OTA_CORE_LOG_H

#include "ota/ota.h"

/* Records why the current call fails (parts joined, NULLs skipped) and
 * returns err, so that `return ota_fail(ctx, err, "x", y, NULL);` reads well.
 * The first reason recorded for a failure wins: the innermost is the most
 * precise. */
int ota_fail(struct ota_ctx *ctx, int err, const char *a, const char *b,
             const char *c);

/* Like ota_fail, but replaces a lower-level reason with this explanation
 * (a 404 becomes "no published release"). */
int ota_fail_explain(struct ota_ctx *ctx, int err, const char *a, const char *b,
                     const char *c);

/* Sends a line made of up to three parts to the port's log sink. */
void ota_log(struct ota_ctx *ctx, enum ota_log_level level, const char *a,
             const char *b, const char *c);

/* Reports a progress event to the caller's callback, if any. */
void ota_emit(struct ota_ctx *ctx, const struct ota_event *ev);

#endif
