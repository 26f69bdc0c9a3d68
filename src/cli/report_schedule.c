#include "report_schedule.h"

#include <stdio.h>
#include <time.h>

#include "report.h"
#include "schedule.h"

static const enum ota_defer rules[] = {OTA_DEFER_CRASHES, OTA_DEFER_INTERVAL, OTA_DEFER_WINDOW,
                                       OTA_DEFER_POWER,   OTA_DEFER_BATTERY,  OTA_DEFER_CANARY};

void report_decision_json(struct jsonw *w, const struct ota_decision *d)
{
    size_t i;

    jsonw_open(w, "schedule", '{');
    jsonw_str(w, "decision", d->reason == OTA_SCHEDULE_GO ? "go" : "deferred");
    jsonw_str(w, "reason", ota_defer_name(d->reason));
    jsonw_open(w, "deferred_by", '[');
    for (i = 0; i < sizeof rules / sizeof rules[0]; i++)
        if (d->deferred_by & (1u << rules[i]))
            jsonw_str(w, NULL, ota_defer_name(rules[i]));
    jsonw_close(w, ']');
    jsonw_int(w, "retry_at", (long)d->retry_at);
    jsonw_str(w, "explain", d->explain);
    jsonw_close(w, '}');
}

static const char *when(int64_t t, char *buf, size_t cap)
{
    time_t tt = (time_t)t;
    struct tm tm;

    if (t <= 0 || !localtime_r(&tt, &tm) || !strftime(buf, cap, "%Y-%m-%d %H:%M:%S", &tm))
        snprintf(buf, cap, "never");
    return buf;
}

void report_decision_plain(struct cli *cli, const struct ota_decision *d)
{
    char at[32];

    report_line(cli, "schedule: %s", d->explain[0] ? d->explain : "no rule applies: go");
    if (d->reason != OTA_SCHEDULE_GO && d->retry_at > 0)
        report_line(cli, "not before %s", when(d->retry_at, at, sizeof at));
}

int64_t next_check_at(const struct cli *cli, const struct ota_health *h)
{
    uint32_t interval = cli->cfg.schedule_given ? cli->cfg.schedule.min_update_interval_sec : 0;
    int64_t next = h->last_check + (int64_t)interval;

    return interval && h->last_check && next > (int64_t)time(NULL) ? next : 0;
}

void report_health_json(struct cli *cli, struct jsonw *w, const struct ota_health *h)
{
    jsonw_open(w, "health", '{');
    jsonw_u64(w, "boots", h->boots);
    jsonw_u64(w, "healthy_boots", h->healthy_boots);
    jsonw_u64(w, "crashes", h->crashes);
    jsonw_int(w, "last_crash", (long)h->last_crash);
    jsonw_int(w, "last_check", (long)h->last_check);
    jsonw_int(w, "last_update", (long)h->last_update);
    jsonw_str(w, "last_error", h->last_error ? ota_err_name(h->last_error) : NULL);
    jsonw_close(w, '}');
    jsonw_int(w, "next_check_at", (long)next_check_at(cli, h));
}

void report_health_plain(struct cli *cli, const struct ota_health *h)
{
    char a[32], b[32];
    int64_t next = next_check_at(cli, h);

    report_line(cli, "health: %u boots, %u healthy; %u crashes since the last healthy one%s%s",
                h->boots, h->healthy_boots, h->crashes, h->crashes ? ", the last at " : "",
                h->crashes ? when(h->last_crash, a, sizeof a) : "");
    report_line(cli, "last check: %s; last update: %s", when(h->last_check, a, sizeof a),
                when(h->last_update, b, sizeof b));
    if (next)
        report_line(cli, "next check allowed at %s", when(next, a, sizeof a));
}
