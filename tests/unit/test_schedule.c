/* The update scheduler's decision (src/core/schedule.c): every rule alone,
 * at its boundaries, in combination, and the explanations `ota check
 * --explain` prints. Times are built from 2026-11-25 00:00 UTC. */
#include <string.h>

#include "health.h"
#include "schedule.h"
#include "test.h"

#define DAY0 1795564800 /* 2026-11-25 00:00:00 UTC */
#define AT(h, m) ((int64_t)DAY0 + (h) * 3600 + (m) * 60)
#define BIT(r) (1u << (r))

static struct ota_schedule sched;
static struct ota_health health;
static struct ota_schedule_input in;
static struct ota_decision d;

/* No limits, a fresh device, the clock at t and nothing known of power. */
static void reset(int64_t t)
{
    ota_schedule_defaults(&sched);
    sched.device_id = "dev-1";
    ota_health_fresh(&health);
    memset(&in, 0, sizeof in);
    in.now = t;
    in.battery_percent = -1;
    in.external_power = -1;
    in.release_rollout_percent = -1;
}

static enum ota_defer decide_at(int64_t t)
{
    in.now = t;
    return ota_schedule_decide(&sched, &health, &in, &d);
}

static void test_no_limits(void)
{
    reset(AT(13, 5));
    CHECK_EQ_INT(decide_at(AT(13, 5)), OTA_SCHEDULE_GO);
    CHECK_EQ_INT(d.reason, OTA_SCHEDULE_GO);
    CHECK_EQ_INT(d.deferred_by, 0);
    CHECK_EQ_INT(d.retry_at, 0);
    CHECK_EQ_STR(d.explain, "update allowed");
}

static void test_window_wrapping_midnight(void)
{
    reset(0);
    sched.window_start_hour = 22;
    sched.window_end_hour = 4;
    CHECK_EQ_INT(decide_at(AT(21, 59)), OTA_DEFER_WINDOW);
    CHECK_EQ_STR(d.explain, "outside the update window 22:00-04:00 (now 21:59)");
    CHECK_EQ_INT(d.retry_at, AT(22, 0));
    CHECK_EQ_INT(decide_at(AT(22, 0)), OTA_SCHEDULE_GO);
    CHECK_EQ_INT(decide_at(AT(23, 59)), OTA_SCHEDULE_GO);
    CHECK_EQ_INT(decide_at(AT(24, 0)), OTA_SCHEDULE_GO);
    CHECK_EQ_INT(decide_at(AT(27, 59)), OTA_SCHEDULE_GO); /* 03:59 the next day */
    CHECK_EQ_INT(decide_at(AT(28, 0)), OTA_DEFER_WINDOW); /* 04:00 */
    CHECK_EQ_STR(d.explain, "outside the update window 22:00-04:00 (now 04:00)");
    CHECK_EQ_INT(d.retry_at, AT(46, 0));
    CHECK_EQ_INT(decide_at(AT(13, 5)), OTA_DEFER_WINDOW);
    CHECK_EQ_STR(d.explain, "outside the update window 22:00-04:00 (now 13:05)");
    CHECK_EQ_INT(d.deferred_by, BIT(OTA_DEFER_WINDOW));
}

static void test_window_within_a_day(void)
{
    reset(0);
    sched.window_start_hour = 10;
    sched.window_end_hour = 15;
    CHECK_EQ_INT(decide_at(AT(9, 59)), OTA_DEFER_WINDOW);
    CHECK_EQ_INT(d.retry_at, AT(10, 0));
    CHECK_EQ_INT(decide_at(AT(10, 0)), OTA_SCHEDULE_GO);
    CHECK_EQ_INT(decide_at(AT(14, 59)), OTA_SCHEDULE_GO);
    CHECK_EQ_INT(decide_at(AT(15, 0)), OTA_DEFER_WINDOW);
    CHECK_EQ_INT(d.retry_at, AT(34, 0)); /* 10:00 the next day */
}

static void test_window_whole_day_and_none(void)
{
    int hour;

    reset(0);
    sched.window_start_hour = 7;
    sched.window_end_hour = 7;
    for (hour = 0; hour < 24; hour++)
        CHECK_EQ_INT(decide_at(AT(hour, 30)), OTA_SCHEDULE_GO);
    /* half a window is no window (the loader refuses it) */
    sched.window_end_hour = OTA_SCHEDULE_NO_WINDOW;
    CHECK_EQ_INT(decide_at(AT(3, 0)), OTA_SCHEDULE_GO);
    sched.window_end_hour = 24;
    CHECK_EQ_INT(decide_at(AT(3, 0)), OTA_SCHEDULE_GO);
}

static void test_window_in_local_time(void)
{
    reset(0);
    sched.window_start_hour = 22;
    sched.window_end_hour = 4;
    sched.utc_offset_min = 120; /* UTC+2: 22:00 local is 20:00 UTC */
    CHECK_EQ_INT(decide_at(AT(19, 59)), OTA_DEFER_WINDOW);
    CHECK_EQ_STR(d.explain, "outside the update window 22:00-04:00 (now 21:59)");
    CHECK_EQ_INT(d.retry_at, AT(20, 0));
    CHECK_EQ_INT(decide_at(AT(20, 0)), OTA_SCHEDULE_GO);
    CHECK_EQ_INT(decide_at(AT(1, 59)), OTA_SCHEDULE_GO);  /* 03:59 local */
    CHECK_EQ_INT(decide_at(AT(2, 0)), OTA_DEFER_WINDOW);  /* 04:00 local */
    sched.utc_offset_min = -300; /* UTC-5: 22:00 local is 03:00 UTC */
    CHECK_EQ_INT(decide_at(AT(2, 59)), OTA_DEFER_WINDOW);
    CHECK_EQ_INT(d.retry_at, AT(3, 0));
    CHECK_EQ_INT(decide_at(AT(3, 0)), OTA_SCHEDULE_GO);
}

static void test_interval_from_the_record(void)
{
    char text[OTA_HEALTH_TEXT_MAX];

    reset(0);
    sched.min_update_interval_sec = 3600;
    CHECK_EQ_INT(decide_at(AT(12, 0)), OTA_SCHEDULE_GO); /* never checked */
    /* the check is recorded and the record goes through its file */
    ota_health_record_check(&health, AT(12, 0), OTA_OK);
    CHECK(ota_health_format(&health, text, sizeof text) > 0);
    ota_health_fresh(&health);
    CHECK_EQ_INT(ota_health_parse(text, strlen(text), &health), OTA_OK);
    CHECK_EQ_INT(decide_at(AT(12, 30)), OTA_DEFER_INTERVAL);
    CHECK_EQ_INT(d.retry_at, AT(13, 0));
    CHECK_EQ_STR(d.explain, "checked 30m00s ago, min_update_interval_sec is 1h00m: "
                            "next check at 2026-11-25 13:00 UTC");
    CHECK_EQ_INT(decide_at(AT(12, 59) + 59), OTA_DEFER_INTERVAL);
    CHECK_EQ_INT(decide_at(AT(13, 0)), OTA_SCHEDULE_GO);
    /* the clock went back before the last check: not a reason to wait */
    CHECK_EQ_INT(decide_at(AT(11, 0)), OTA_SCHEDULE_GO);
}

static void test_times_in_explanations_are_local(void)
{
    reset(0);
    sched.min_update_interval_sec = 90000;
    health.last_check = AT(12, 0);
    sched.utc_offset_min = 60;
    CHECK_EQ_INT(decide_at(AT(12, 0) + 45), OTA_DEFER_INTERVAL);
    CHECK_EQ_STR(d.explain, "checked 45s ago, min_update_interval_sec is 1d01h: "
                            "next check at 2026-11-26 14:00 UTC+01:00");
    sched.utc_offset_min = -570;
    CHECK_EQ_INT(decide_at(AT(12, 0) + 45), OTA_DEFER_INTERVAL);
    CHECK_EQ_STR(d.explain, "checked 45s ago, min_update_interval_sec is 1d01h: "
                            "next check at 2026-11-26 03:30 UTC-09:30");
}

static void test_battery_gate_boundary(void)
{
    reset(AT(12, 0));
    sched.power_source = OTA_POWER_BATTERY;
    sched.min_battery_percent = 20;
    in.battery_percent = 19;
    CHECK_EQ_INT(decide_at(AT(12, 0)), OTA_DEFER_BATTERY);
    CHECK_EQ_STR(d.explain, "battery at 19%, below min_battery_percent 20");
    CHECK_EQ_INT(d.retry_at, 0);
    in.battery_percent = 20;
    CHECK_EQ_INT(decide_at(AT(12, 0)), OTA_SCHEDULE_GO);
    /* "battery": the gate holds even while charging */
    in.battery_percent = 19;
    in.external_power = 1;
    CHECK_EQ_INT(decide_at(AT(12, 0)), OTA_DEFER_BATTERY);
    /* no gate without a minimum */
    sched.min_battery_percent = 0;
    in.battery_percent = 0;
    CHECK_EQ_INT(decide_at(AT(12, 0)), OTA_SCHEDULE_GO);
}

static void test_mains(void)
{
    reset(AT(12, 0));
    sched.power_source = OTA_POWER_MAINS;
    sched.min_battery_percent = 20;
    in.battery_percent = 10;
    in.external_power = -1;
    CHECK_EQ_INT(decide_at(AT(12, 0)), OTA_SCHEDULE_GO);
    in.external_power = 1;
    CHECK_EQ_INT(decide_at(AT(12, 0)), OTA_SCHEDULE_GO);
    in.external_power = 0; /* a power cut: on the backup battery */
    CHECK_EQ_INT(decide_at(AT(12, 0)), OTA_DEFER_BATTERY);
    in.battery_percent = 20;
    CHECK_EQ_INT(decide_at(AT(12, 0)), OTA_SCHEDULE_GO);
    in.battery_percent = -1;
    CHECK_EQ_INT(decide_at(AT(12, 0)), OTA_DEFER_POWER);
    CHECK_EQ_STR(d.explain, "on battery with its level unknown (min_battery_percent 20): "
                            "waiting for external power");
    CHECK_EQ_INT(d.retry_at, 0);
}

static void test_any_power_source(void)
{
    reset(AT(12, 0));
    sched.min_battery_percent = 20;
    in.battery_percent = 10;
    in.external_power = 1;
    CHECK_EQ_INT(decide_at(AT(12, 0)), OTA_SCHEDULE_GO);
    in.external_power = 0;
    CHECK_EQ_INT(decide_at(AT(12, 0)), OTA_DEFER_BATTERY);
    in.external_power = -1;
    CHECK_EQ_INT(decide_at(AT(12, 0)), OTA_DEFER_BATTERY);
}

static void test_unknown_battery_level(void)
{
    reset(AT(12, 0));
    sched.power_source = OTA_POWER_BATTERY;
    sched.min_battery_percent = 20;
    in.external_power = -1;
    CHECK_EQ_INT(decide_at(AT(12, 0)), OTA_SCHEDULE_GO);
    CHECK_EQ_STR(d.explain, "update allowed; battery level unknown: "
                            "min_battery_percent not applied");
    in.external_power = 1;
    CHECK_EQ_INT(decide_at(AT(12, 0)), OTA_SCHEDULE_GO);
    in.external_power = 0;
    CHECK_EQ_INT(decide_at(AT(12, 0)), OTA_DEFER_POWER);
}

static void test_solar(void)
{
    reset(0);
    sched.power_source = OTA_POWER_SOLAR;
    sched.min_battery_percent = 30;
    in.battery_percent = 50;
    CHECK_EQ_INT(decide_at(AT(12, 0)), OTA_SCHEDULE_GO);
    CHECK_EQ_INT(decide_at(AT(18, 30)), OTA_DEFER_WINDOW); /* the default solar peak */
    CHECK_EQ_STR(d.explain, "outside the update window 10:00-15:00 (now 18:30)");
    CHECK_EQ_INT(d.retry_at, AT(34, 0));
    in.battery_percent = 29;
    in.external_power = 1; /* the panel charging does not lift the gate */
    CHECK_EQ_INT(decide_at(AT(12, 0)), OTA_DEFER_BATTERY);
    in.battery_percent = 30;
    sched.window_start_hour = 9;
    sched.window_end_hour = 17;
    CHECK_EQ_INT(decide_at(AT(16, 30)), OTA_SCHEDULE_GO);
    CHECK_EQ_INT(decide_at(AT(17, 0)), OTA_DEFER_WINDOW);
    CHECK_EQ_STR(d.explain, "outside the update window 09:00-17:00 (now 17:00)");
}

static void test_crash_deferral(void)
{
    reset(0);
    sched.max_crashes_before_delay = 3;
    sched.crash_delay_sec = 7200;
    ota_health_record_crash(&health, AT(11, 0), OTA_ERR_TIMEOUT);
    ota_health_record_crash(&health, AT(11, 30), OTA_ERR_TIMEOUT);
    CHECK_EQ_INT(decide_at(AT(12, 0)), OTA_SCHEDULE_GO);
    ota_health_record_crash(&health, AT(12, 0), OTA_ERR_TIMEOUT);
    CHECK_EQ_INT(decide_at(AT(12, 1)), OTA_DEFER_CRASHES);
    CHECK_EQ_INT(d.retry_at, AT(14, 0));
    CHECK_EQ_STR(d.explain, "3 crashes since the last healthy boot "
                            "(max_crashes_before_delay 3): waiting until 2026-11-25 14:00 UTC");
    CHECK_EQ_INT(decide_at(AT(13, 59) + 59), OTA_DEFER_CRASHES);
    CHECK_EQ_INT(decide_at(AT(14, 0)), OTA_SCHEDULE_GO); /* the delay is over */
    /* a healthy boot ends the run of crashes */
    ota_health_record_healthy_boot(&health);
    CHECK_EQ_INT(decide_at(AT(12, 1)), OTA_SCHEDULE_GO);
    /* off when max_crashes_before_delay is 0 */
    health.crashes = 50;
    sched.max_crashes_before_delay = 0;
    CHECK_EQ_INT(decide_at(AT(12, 1)), OTA_SCHEDULE_GO);
}

static void test_canary_rollout(void)
{
    /* bucket("dev-1", "a" x 40) = 686, as docs/scheduling.md's formula gives */
    static const char release[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

    reset(AT(12, 0));
    sched.rollout_percent = 5;
    CHECK_EQ_INT(decide_at(AT(12, 0)), OTA_SCHEDULE_GO); /* release not known yet */
    CHECK_EQ_STR(d.explain, "update allowed; the rollout is judged once the release is known");
    in.release_id = release;
    CHECK_EQ_INT(decide_at(AT(12, 0)), OTA_DEFER_CANARY);
    CHECK_EQ_STR(d.explain, "not in this release's rollout yet: bucket 686, rollout 5% "
                            "(from the configuration) takes buckets below 500");
    CHECK_EQ_INT(d.retry_at, 0);
    sched.rollout_percent = 7;
    CHECK_EQ_INT(decide_at(AT(12, 0)), OTA_SCHEDULE_GO);
    CHECK_EQ_STR(d.explain, "update allowed; bucket 686 is in the rollout 7% "
                            "(from the configuration)");
    /* the signed manifest's percentage wins, either way */
    in.release_rollout_percent = 5;
    CHECK_EQ_INT(decide_at(AT(12, 0)), OTA_DEFER_CANARY);
    CHECK_EQ_STR(d.explain, "not in this release's rollout yet: bucket 686, rollout 5% "
                            "(from the manifest) takes buckets below 500");
    sched.rollout_percent = 0;
    in.release_rollout_percent = 100;
    CHECK_EQ_INT(decide_at(AT(12, 0)), OTA_SCHEDULE_GO);
    CHECK_EQ_STR(d.explain, "update allowed");
    sched.rollout_percent = 100;
    in.release_rollout_percent = 0;
    CHECK_EQ_INT(decide_at(AT(12, 0)), OTA_DEFER_CANARY);
    in.release_rollout_percent = -1;
    CHECK_EQ_INT(decide_at(AT(12, 0)), OTA_SCHEDULE_GO);
}

static void test_rules_together(void)
{
    reset(0);
    sched.window_start_hour = 22;
    sched.window_end_hour = 4;
    sched.min_update_interval_sec = 3600;
    health.last_check = AT(21, 30);
    /* the interval is reported first; a go waits for both */
    CHECK_EQ_INT(decide_at(AT(21, 45)), OTA_DEFER_INTERVAL);
    CHECK_EQ_INT(d.deferred_by, BIT(OTA_DEFER_INTERVAL) | BIT(OTA_DEFER_WINDOW));
    CHECK_EQ_INT(d.retry_at, AT(22, 30));
    /* an interval ending after the window closed waits for its next opening */
    health.last_check = AT(27, 30);
    CHECK_EQ_INT(decide_at(AT(27, 45)), OTA_DEFER_INTERVAL);
    CHECK_EQ_INT(d.deferred_by, BIT(OTA_DEFER_INTERVAL));
    CHECK_EQ_INT(d.retry_at, AT(46, 0));
    /* crashes first; the battery also defers, which no clock foresees */
    sched.max_crashes_before_delay = 1;
    sched.crash_delay_sec = 600;
    sched.min_battery_percent = 50;
    health.last_check = 0;
    ota_health_record_crash(&health, AT(22, 0), OTA_ERR_IO);
    in.battery_percent = 10;
    CHECK_EQ_INT(decide_at(AT(22, 5)), OTA_DEFER_CRASHES);
    CHECK_EQ_INT(d.deferred_by, BIT(OTA_DEFER_CRASHES) | BIT(OTA_DEFER_BATTERY));
    CHECK_EQ_INT(d.retry_at, AT(22, 10));
    CHECK_EQ_INT(decide_at(AT(22, 10)), OTA_DEFER_BATTERY);
    CHECK_EQ_INT(d.retry_at, 0);
}

static void test_unknown_clock(void)
{
    reset(0);
    sched.window_start_hour = 22;
    sched.window_end_hour = 4;
    sched.min_update_interval_sec = 3600;
    sched.max_crashes_before_delay = 1;
    health.last_check = AT(12, 0);
    health.crashes = 4;
    health.last_crash = AT(12, 0);
    CHECK_EQ_INT(decide_at(0), OTA_SCHEDULE_GO);
    CHECK_EQ_STR(d.explain,
                 "update allowed; clock unknown: no interval, window or crash delay applied");
    CHECK_EQ_INT(d.retry_at, 0);
}

static void test_names(void)
{
    CHECK_EQ_STR(ota_defer_name(OTA_SCHEDULE_GO), "go");
    CHECK_EQ_STR(ota_defer_name(OTA_DEFER_CRASHES), "crashes");
    CHECK_EQ_STR(ota_defer_name(OTA_DEFER_INTERVAL), "interval");
    CHECK_EQ_STR(ota_defer_name(OTA_DEFER_WINDOW), "window");
    CHECK_EQ_STR(ota_defer_name(OTA_DEFER_POWER), "power");
    CHECK_EQ_STR(ota_defer_name(OTA_DEFER_BATTERY), "battery");
    CHECK_EQ_STR(ota_defer_name(OTA_DEFER_CANARY), "canary");
    CHECK_EQ_STR(ota_defer_name((enum ota_defer)99), "unknown");
}

int main(void)
{
    test_no_limits();
    test_window_wrapping_midnight();
    test_window_within_a_day();
    test_window_whole_day_and_none();
    test_window_in_local_time();
    test_interval_from_the_record();
    test_times_in_explanations_are_local();
    test_battery_gate_boundary();
    test_mains();
    test_any_power_source();
    test_unknown_battery_level();
    test_solar();
    test_crash_deferral();
    test_canary_rollout();
    test_rules_together();
    test_unknown_clock();
    test_names();
    TEST_MAIN_END();
}
