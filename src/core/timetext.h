/* Times and durations in words for explanations (`ota check --explain`),
 * from Unix seconds, in integers only: the core has no libc time functions. */
#ifndef OTA_CORE_TIMETEXT_H
#define OTA_CORE_TIMETEXT_H

#include <stdint.h>

#include "strbuf.h"

#define OTA_DAY_SEC 86400

/* Seconds since local midnight of Unix time t, local = UTC + offset_min. */
int32_t ota_local_second_of_day(int64_t t, int32_t offset_min);

/* "HH:MM" of a minute of the day (0..1439). */
void ota_sb_add_clock(struct ota_strbuf *sb, int32_t minute_of_day);

/* "2026-11-25 14:05 UTC" (offset 0), "2026-11-25 15:05 UTC+01:00" or
 * "2026-11-25 06:05 UTC-08:00": the local date and time of Unix time t. */
void ota_sb_add_time(struct ota_strbuf *sb, int64_t t, int32_t offset_min);

/* "45s", "12m30s", "1h05m", "2d03h": the two largest units. */
void ota_sb_add_duration(struct ota_strbuf *sb, uint64_t seconds);

#endif
