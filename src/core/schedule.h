/* Headless, fleet-safe update scheduling: the config's "update_scheduling"
 * block and the one decision made before every check, "may this device look
 * for and install an update now?". Pure: the caller brings the time, the
 * battery and the health record (health.h); nothing here touches the port.
 * docs/scheduling.md explains every rule and field.
 *
 * Rules, judged in this order (the first that defers is the reason given):
 *  crashes   max_crashes_before_delay crashes since the last healthy boot
 *            defer updates for crash_delay_sec after the last of them;
 *  interval  min_update_interval_sec since the last check in the record;
 *  window    local hours [start, end): 22 -> 4 wraps midnight, start == end
 *            is the whole day; "solar" without a window uses 10 -> 15;
 *  power     the battery gate (min_battery_percent) where the power source
 *            says it applies, see ota_power_source;
 *  canary    the release's rollout percentage (a signed manifest's wins
 *            over the config's), see canary.h.
 *
 * Time-based rules need a clock: when the time is unknown (0) they are not
 * applied, since a device that cannot tell the time would otherwise never
 * update. A recorded time later than now (the clock went back) counts as
 * long past, for the same reason.
 *
 * The canary needs the release's identity, which only the check itself
 * resolves: decide with release_id NULL before the check (every other rule),
 * then again with the resolved release before installing, with the same
 * health record; record the check (ota_health_record_check) after both. */
#ifndef OTA_CORE_SCHEDULE_H
#define OTA_CORE_SCHEDULE_H

#include "health.h"
#include "ota/ota.h"
#include "ota/ota_schedule.h"


/* No limits: no window, no gate, no crash rule, the whole fleet, the
 * default crash delay (used once max_crashes_before_delay is set). */
void ota_schedule_defaults(struct ota_schedule *s);

/* What is known at the moment of deciding. */
struct ota_schedule_input {
    int64_t now;                 /* Unix seconds; 0 = the clock is unknown */
    int32_t battery_percent;     /* 0..100 (battery.h); -1 = unknown */
    int32_t external_power;      /* 1 present, 0 absent, -1 unknown */
    const char *release_id;      /* the target (its commit); NULL = not yet
                                    known, the canary is not judged */
    int32_t release_rollout_percent; /* from a verified manifest that has
                                    "rollout_percent"; -1 = none */
};


/* Decides, fills out and returns out->reason. */
enum ota_defer ota_schedule_decide(const struct ota_schedule *s, const struct ota_health *h,
                                   const struct ota_schedule_input *in,
                                   struct ota_decision *out);

/* "go", "crashes", "interval", "window", "power", "battery", "canary". */
const char *ota_defer_name(enum ota_defer reason);

#endif
