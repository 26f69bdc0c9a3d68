/* ota — update scheduling and device health, the public part (see
 * docs/scheduling.md). The engine decides before every check whether the
 * device may look for and install an update now: update window, minimum
 * interval, battery and power source, crash deferral, canary rollout. */
#ifndef OTA_SCHEDULE_H
#define OTA_SCHEDULE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

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

/* What the device remembers of its own health across reboots (.ota_health). */
struct ota_health {
    int64_t last_check;        /* last time the device asked for an update */
    int64_t last_update;       /* last time a new version was installed */
    uint32_t boots;            /* starts counted, healthy or not */
    uint32_t healthy_boots;    /* starts that reached a healthy state */
    uint32_t crashes;          /* crashes since the last healthy boot */
    int64_t last_crash;        /* time of the last crash */
    int32_t last_error;        /* enum ota_err of the last failure, 0 = none */
    uint32_t notice_sequence;  /* last LoRa notice accepted (notice.h) */
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

#ifdef __cplusplus
}
#endif
#endif
