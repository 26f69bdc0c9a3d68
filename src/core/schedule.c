#include "schedule.h"

#include <string.h>

#include "canary.h"
#include "strbuf.h"
#include "timetext.h"

void ota_schedule_defaults(struct ota_schedule *s)
{
    memset(s, 0, sizeof *s);
    s->window_start_hour = OTA_SCHEDULE_NO_WINDOW;
    s->window_end_hour = OTA_SCHEDULE_NO_WINDOW;
    s->power_source = OTA_POWER_ANY;
    s->crash_delay_sec = OTA_DEFAULT_CRASH_DELAY_SEC;
    s->rollout_percent = 100;
}

const char *ota_defer_name(enum ota_defer reason)
{
    static const char *const names[] = {"go",    "crashes", "interval", "window",
                                        "power", "battery", "canary"};

    return (unsigned)reason < sizeof names / sizeof names[0] ? names[reason] : "unknown";
}

/* ---- the rules ----------------------------------------------------------- */

/* Everything judged, for the decision and its explanation. */
struct judgement {
    const struct ota_schedule *s;
    const struct ota_health *h;
    const struct ota_schedule_input *in;
    int clock_known;
    int64_t crash_end;     /* end of the crash delay, when it defers */
    int64_t interval_end;  /* next allowed check, when the interval defers */
    int has_window;
    int32_t window_start;  /* hours of the window in force */
    int32_t window_end;
    int gate_unknown;      /* the battery gate applies, its level is unknown */
    uint32_t rollout;      /* percentage in force */
    uint32_t bucket;       /* the device's, when the release is known */
};

static int is_hour(int32_t hour)
{
    return hour >= 0 && hour <= 23;
}

/* A time recorded after now means the clock went back: long past. */
static int64_t end_of(int64_t since, uint32_t duration, int64_t now)
{
    return since > now ? 0 : since + (int64_t)duration;
}

static int crashes_defer(struct judgement *j)
{
    const struct ota_schedule *s = j->s;

    if (!j->clock_known || s->max_crashes_before_delay == 0 ||
        j->h->crashes < s->max_crashes_before_delay)
        return 0;
    j->crash_end = end_of(j->h->last_crash, s->crash_delay_sec, j->in->now);
    return j->in->now < j->crash_end;
}

static int interval_defers(struct judgement *j)
{
    if (!j->clock_known || j->s->min_update_interval_sec == 0 || j->h->last_check == 0)
        return 0;
    j->interval_end = end_of(j->h->last_check, j->s->min_update_interval_sec, j->in->now);
    return j->in->now < j->interval_end;
}

static void find_window(struct judgement *j)
{
    const struct ota_schedule *s = j->s;

    j->has_window = is_hour(s->window_start_hour) && is_hour(s->window_end_hour);
    j->window_start = s->window_start_hour;
    j->window_end = s->window_end_hour;
    if (!j->has_window && s->power_source == OTA_POWER_SOLAR) {
        j->has_window = 1;
        j->window_start = OTA_SOLAR_WINDOW_START_HOUR;
        j->window_end = OTA_SOLAR_WINDOW_END_HOUR;
    }
}

static int inside_window(const struct judgement *j, int64_t t)
{
    int32_t now = ota_local_second_of_day(t, j->s->utc_offset_min);
    int32_t start = j->window_start * 3600, end = j->window_end * 3600;

    if (start == end)
        return 1;
    if (start < end)
        return now >= start && now < end;
    return now >= start || now < end; /* wraps midnight */
}

static int window_defers(struct judgement *j)
{
    return j->clock_known && j->has_window && !inside_window(j, j->in->now);
}

/* The first moment at or after t inside the window. */
static int64_t window_opening(const struct judgement *j, int64_t t)
{
    int32_t wait;

    if (inside_window(j, t))
        return t;
    wait = j->window_start * 3600 - ota_local_second_of_day(t, j->s->utc_offset_min);
    return t + (wait <= 0 ? wait + OTA_DAY_SEC : wait);
}

static int gate_applies(const struct ota_schedule *s, int32_t external_power)
{
    if (s->min_battery_percent == 0)
        return 0;
    switch (s->power_source) {
    case OTA_POWER_MAINS:
        return external_power == 0;
    case OTA_POWER_BATTERY:
    case OTA_POWER_SOLAR:
        return 1;
    default:
        return external_power != 1;
    }
}

/* An unknown battery level defers only when the device knows it runs on
 * its battery: then waiting for external power is safe and will end. With
 * external power present or unknown, it goes ahead: a device without a
 * working gauge must not be frozen on its current version for good, and
 * the install is power-cut safe, so the gate protects the battery's
 * charge, never the device's integrity. */
static enum ota_defer power_defers(struct judgement *j)
{
    const struct ota_schedule_input *in = j->in;

    if (!gate_applies(j->s, in->external_power))
        return OTA_SCHEDULE_GO;
    if (in->battery_percent >= 0)
        return (uint32_t)in->battery_percent < j->s->min_battery_percent ? OTA_DEFER_BATTERY
                                                                         : OTA_SCHEDULE_GO;
    j->gate_unknown = 1;
    return in->external_power == 0 ? OTA_DEFER_POWER : OTA_SCHEDULE_GO;
}

static int canary_defers(struct judgement *j)
{
    const struct ota_schedule_input *in = j->in;

    j->rollout = in->release_rollout_percent >= 0 ? (uint32_t)in->release_rollout_percent
                                                  : j->s->rollout_percent;
    if (!in->release_id || j->rollout >= 100)
        return 0;
    j->bucket = ota_canary_bucket(j->s->device_id, in->release_id);
    return j->bucket >= j->rollout * 100u;
}

/* No go before every time-based deferral has ended inside the window. */
static int64_t retry_time(const struct judgement *j, uint32_t deferred_by)
{
    int64_t t = j->in->now;

    if ((deferred_by & (1u << OTA_DEFER_CRASHES)) && j->crash_end > t)
        t = j->crash_end;
    if ((deferred_by & (1u << OTA_DEFER_INTERVAL)) && j->interval_end > t)
        t = j->interval_end;
    return j->clock_known && j->has_window ? window_opening(j, t) : t;
}

/* ---- the explanation ----------------------------------------------------- */

static void explain_crashes(struct ota_strbuf *sb, const struct judgement *j)
{
    ota_sb_add_u64(sb, j->h->crashes);
    ota_sb_add(sb, " crashes since the last healthy boot (max_crashes_before_delay ");
    ota_sb_add_u64(sb, j->s->max_crashes_before_delay);
    ota_sb_add(sb, "): waiting until ");
    ota_sb_add_time(sb, j->crash_end, j->s->utc_offset_min);
}

static void explain_interval(struct ota_strbuf *sb, const struct judgement *j)
{
    ota_sb_add(sb, "checked ");
    ota_sb_add_duration(sb, (uint64_t)(j->in->now - j->h->last_check));
    ota_sb_add(sb, " ago, min_update_interval_sec is ");
    ota_sb_add_duration(sb, j->s->min_update_interval_sec);
    ota_sb_add(sb, ": next check at ");
    ota_sb_add_time(sb, j->interval_end, j->s->utc_offset_min);
}

static void explain_window(struct ota_strbuf *sb, const struct judgement *j)
{
    ota_sb_add(sb, "outside the update window ");
    ota_sb_add_clock(sb, j->window_start * 60);
    ota_sb_addc(sb, '-');
    ota_sb_add_clock(sb, j->window_end * 60);
    ota_sb_add(sb, " (now ");
    ota_sb_add_clock(sb, ota_local_second_of_day(j->in->now, j->s->utc_offset_min) / 60);
    ota_sb_addc(sb, ')');
}

static void explain_battery(struct ota_strbuf *sb, const struct judgement *j)
{
    ota_sb_add(sb, "battery at ");
    ota_sb_add_i64(sb, j->in->battery_percent);
    ota_sb_add(sb, "%, below min_battery_percent ");
    ota_sb_add_u64(sb, j->s->min_battery_percent);
}

static void explain_power(struct ota_strbuf *sb, const struct judgement *j)
{
    ota_sb_add(sb, "on battery with its level unknown (min_battery_percent ");
    ota_sb_add_u64(sb, j->s->min_battery_percent);
    ota_sb_add(sb, "): waiting for external power");
}

static void add_rollout(struct ota_strbuf *sb, const struct judgement *j)
{
    ota_sb_add(sb, "rollout ");
    ota_sb_add_u64(sb, j->rollout);
    ota_sb_add(sb, j->in->release_rollout_percent >= 0 ? "% (from the manifest)"
                                                       : "% (from the configuration)");
}

static void explain_canary(struct ota_strbuf *sb, const struct judgement *j)
{
    ota_sb_add(sb, "not in this release's rollout yet: bucket ");
    ota_sb_add_u64(sb, j->bucket);
    ota_sb_add(sb, ", ");
    add_rollout(sb, j);
    ota_sb_add(sb, " takes buckets below ");
    ota_sb_add_u64(sb, j->rollout * 100u);
}

static int time_rules_configured(const struct judgement *j)
{
    return j->s->min_update_interval_sec > 0 || j->has_window ||
           j->s->max_crashes_before_delay > 0;
}

/* "update allowed", and what was taken on trust. */
static void explain_go(struct ota_strbuf *sb, const struct judgement *j)
{
    ota_sb_add(sb, "update allowed");
    if (!j->clock_known && time_rules_configured(j))
        ota_sb_add(sb, "; clock unknown: no interval, window or crash delay applied");
    if (j->gate_unknown)
        ota_sb_add(sb, "; battery level unknown: min_battery_percent not applied");
    if (j->rollout < 100 && j->in->release_id) {
        ota_sb_add(sb, "; bucket ");
        ota_sb_add_u64(sb, j->bucket);
        ota_sb_add(sb, " is in the ");
        add_rollout(sb, j);
    } else if (j->rollout < 100) {
        ota_sb_add(sb, "; the rollout is judged once the release is known");
    }
}

static void explain(const struct judgement *j, struct ota_decision *out)
{
    static void (*const explainers[])(struct ota_strbuf *, const struct judgement *) = {
        explain_go, explain_crashes, explain_interval, explain_window,
        explain_power, explain_battery, explain_canary};
    struct ota_strbuf sb;

    ota_sb_init(&sb, out->explain, sizeof out->explain);
    explainers[out->reason](&sb, j);
}

/* ---- the decision -------------------------------------------------------- */

static uint32_t bit_if(int defers, enum ota_defer reason)
{
    return defers ? 1u << reason : 0;
}

static enum ota_defer first_reason(uint32_t deferred_by)
{
    unsigned r;

    for (r = OTA_DEFER_CRASHES; r <= OTA_DEFER_CANARY; r++)
        if (deferred_by & (1u << r))
            return (enum ota_defer)r;
    return OTA_SCHEDULE_GO;
}

enum ota_defer ota_schedule_decide(const struct ota_schedule *s, const struct ota_health *h,
                                   const struct ota_schedule_input *in,
                                   struct ota_decision *out)
{
    struct judgement j;
    enum ota_defer power;
    uint32_t time_rules = 1u << OTA_DEFER_CRASHES | 1u << OTA_DEFER_INTERVAL |
                          1u << OTA_DEFER_WINDOW;

    memset(&j, 0, sizeof j);
    memset(out, 0, sizeof *out);
    j.s = s;
    j.h = h;
    j.in = in;
    j.clock_known = in->now > 0;
    find_window(&j);
    out->deferred_by = bit_if(crashes_defer(&j), OTA_DEFER_CRASHES) |
                       bit_if(interval_defers(&j), OTA_DEFER_INTERVAL) |
                       bit_if(window_defers(&j), OTA_DEFER_WINDOW);
    power = power_defers(&j);
    out->deferred_by |= bit_if(power != OTA_SCHEDULE_GO, power) |
                        bit_if(canary_defers(&j), OTA_DEFER_CANARY);
    out->reason = first_reason(out->deferred_by);
    if (out->deferred_by & time_rules)
        out->retry_at = retry_time(&j, out->deferred_by);
    explain(&j, out);
    return out->reason;
}
