/* .ota_health: what the device remembers of its own health, across reboots,
 * for the update scheduler (schedule.h) and post-mortem debugging. A small
 * line-based text file in the device root, replaced atomically:
 *
 *   ota-health 1
 *   last_check 1764079500
 *   last_update 1764000000
 *   boots 42
 *   healthy_boots 40
 *   crashes 1
 *   last_crash 1764070000
 *   last_error -11
 *   notice_sequence 7
 *
 * Times are Unix seconds (0 = never). A member missing from the file reads
 * as 0 and an unknown one is skipped, so that versions can add members. A
 * file that does not follow these rules is corrupt: it reads as a fresh
 * record, because a health record must never stop a device from updating. */
#ifndef OTA_CORE_HEALTH_H
#define OTA_CORE_HEALTH_H

#include "ota/ota.h"
#include "ota/ota_schedule.h"

#define OTA_HEALTH_FILE ".ota_health"
#define OTA_HEALTH_TEXT_MAX 512 /* the longest file read; ours take < 240 */


/* A record of a device with no history: all zero. */
void ota_health_fresh(struct ota_health *h);

/* Member by member (padding bytes are not part of a record). */
int ota_health_equal(const struct ota_health *a, const struct ota_health *b);
int ota_health_is_fresh(const struct ota_health *h);

/* Parses the file's text (len bytes, NUL not needed). OTA_ERR_STATE when it
 * is corrupt, and then h is fresh: it is always usable. */
int ota_health_parse(const char *text, size_t len, struct ota_health *h);

/* Writes the file's text into out (cap bytes, OTA_HEALTH_TEXT_MAX is always
 * enough) and a NUL; returns its length, or 0 when cap is too small. */
size_t ota_health_format(const struct ota_health *h, char *out, size_t cap);

/* Reads .ota_health. An absent file is a fresh record and OTA_OK. A corrupt
 * or unreadable one is a fresh record too, with OTA_ERR_STATE or the read
 * error returned for the caller to log: h is always usable. */
int ota_health_load(struct ota_ctx *ctx, struct ota_health *h);

/* Replaces .ota_health atomically (a power cut leaves the old or the new). */
int ota_health_save(struct ota_ctx *ctx, const struct ota_health *h);

/* Transitions; the caller saves the record afterwards. */

/* The device asked whether there is an update (successfully or not: the
 * request was spent either way); err is the outcome, 0 when it worked. */
void ota_health_record_check(struct ota_health *h, int64_t now, int err);

/* The device started (every start, before it is known to be healthy). */
void ota_health_record_boot(struct ota_health *h);

/* The start reached a healthy state: ends the run of crashes. */
void ota_health_record_healthy_boot(struct ota_health *h);

/* The device crashed (found out at the next start: watchdog reset, an
 * exception, a run that never ended cleanly); err says how, if known. */
void ota_health_record_crash(struct ota_health *h, int64_t now, int err);

/* A new version was installed. */
void ota_health_record_update(struct ota_health *h, int64_t now);

#endif
