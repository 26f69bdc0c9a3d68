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

enum ota_power_source {
    OTA_POWER_ANY = 0,  /* the gate applies unless external power is present */
    OTA_POWER_MAINS,    /* the gate applies only when external power is known
                           to be absent (running on a backup battery) */
    OTA_POWER_BATTERY,  /* the gate always applies */
    OTA_POWER_SOLAR     /* the gate always applies, and updates happen only
                           inside the window (the solar peak) */
};

#define OTA_SCHEDULE_NO_WINDOW (-1)
#define OTA_SOLAR_WINDOW_START_HOUR 10 /* solar without a window of its own */
#define OTA_SOLAR_WINDOW_END_HOUR 15
#define OTA_DEFAULT_CRASH_DELAY_SEC 3600

struct ota_schedule {
    uint32_t min_update_interval_sec;  /* 0 = check as often as asked */
    int32_t window_start_hour;         /* local hour 0..23; -1 = no window */
    int32_t window_end_hour;           /* local hour 0..23, excluded; -1 = no window */
    int32_t utc_offset_min;            /* local time = UTC + this many minutes */
    enum ota_power_source power_source;
    uint32_t min_battery_percent;      /* 0 = no battery gate */
    uint32_t max_crashes_before_delay; /* 0 = crashes never defer */
    uint32_t crash_delay_sec;          /* how long they defer */
    uint32_t rollout_percent;          /* 0..100, when no manifest says */
    const char *device_id;             /* stable and unique per device */
};

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

enum ota_defer {
    OTA_SCHEDULE_GO = 0,
    OTA_DEFER_CRASHES,
    OTA_DEFER_INTERVAL,
    OTA_DEFER_WINDOW,
    OTA_DEFER_POWER,    /* on battery, its level unknown: wait for power */
    OTA_DEFER_BATTERY,  /* the battery is below min_battery_percent */
    OTA_DEFER_CANARY
};

#define OTA_DECISION_TEXT_MAX 192

struct ota_decision {
    enum ota_defer reason;   /* the first rule that defers, or GO */
    uint32_t deferred_by;    /* bit (1u << r) for every rule r that defers */
    int64_t retry_at;        /* no go is possible before this time: the end
                                of every time-based deferral (crash delay,
                                interval, then the window's next opening);
                                0 when only battery, power or canary defer,
                                which no clock can foresee */
    char explain[OTA_DECISION_TEXT_MAX]; /* one line for `ota check --explain` */
};

/* Decides, fills out and returns out->reason. */
enum ota_defer ota_schedule_decide(const struct ota_schedule *s, const struct ota_health *h,
                                   const struct ota_schedule_input *in,
                                   struct ota_decision *out);

/* "go", "crashes", "interval", "window", "power", "battery", "canary". */
const char *ota_defer_name(enum ota_defer reason);

#endif
