#include "gate.h"

#include <string.h>

#include "battery.h"
#include "cache.h"
#include "health.h"
#include "log.h"
#include "notice.h"
#include "schedule.h"
#include "state.h"
#include "strbuf.h"

static int64_t now_of(const struct ota_ctx *ctx)
{
    return ctx->port->sys.time_now ? ctx->port->sys.time_now(ctx->port->user) : 0;
}

/* The configured schedule with the top-level battery gate folded in. */
static void effective_schedule(const struct ota_ctx *ctx, struct ota_schedule *s)
{
    const struct ota_settings *set = &ctx->settings;

    if (set->schedule)
        *s = *set->schedule;
    else
        ota_schedule_defaults(s);
    if (set->min_battery_percent > s->min_battery_percent)
        s->min_battery_percent = set->min_battery_percent;
}

static int32_t or_default(uint32_t v, int32_t dflt)
{
    return v ? (int32_t)v : dflt;
}

/* What the port knows of the battery: its own percentage, else the ADC
 * voltage through the divider. */
static void read_battery(struct ota_ctx *ctx, struct ota_schedule_input *in)
{
    const struct ota_settings *s = &ctx->settings;
    struct ota_battery b = {-1, -1, -1};

    in->battery_percent = -1;
    in->external_power = -1;
    if (!ctx->port->hw.battery || ctx->port->hw.battery(ctx->port->user, &b) != OTA_OK)
        return;
    in->external_power = b.external_power;
    if (b.percent >= 0 && b.percent <= 100)
        in->battery_percent = b.percent;
    else if (b.adc_mv >= 0)
        in->battery_percent = ota_battery_percent(
            b.adc_mv, s->battery_divider_milli ? s->battery_divider_milli : OTA_BATTERY_DIVIDER_ONE,
            or_default(s->battery_mv_min, OTA_BATTERY_V_MIN_MV),
            or_default(s->battery_mv_max, OTA_BATTERY_V_MAX_MV));
}

static void load_health(struct ota_ctx *ctx, struct ota_health *h)
{
    if (ota_health_load(ctx, h) != OTA_OK) {
        ota_log(ctx, OTA_LOG_WARN, OTA_HEALTH_FILE " is unreadable: starting a fresh record",
                NULL, NULL);
        ctx->reason[0] = '\0';
    }
}

static int decide(struct ota_ctx *ctx, const char *release, int32_t percent,
                  struct ota_result *out)
{
    struct ota_schedule s;
    struct ota_schedule_input in;
    struct ota_health h;
    enum ota_defer why;

    effective_schedule(ctx, &s);
    load_health(ctx, &h);
    if (release)
        h.last_check = 0; /* judged before the check that found the release */
    in.now = now_of(ctx);
    read_battery(ctx, &in);
    in.release_id = release;
    in.release_rollout_percent = percent;
    why = ota_schedule_decide(&s, &h, &in, &out->decision);
    if (why == OTA_SCHEDULE_GO)
        return OTA_OK;
    return ota_fail(ctx, why == OTA_DEFER_BATTERY || why == OTA_DEFER_POWER ? OTA_ERR_LOW_BATTERY
                                                                            : OTA_ERR_DEFERRED,
                    out->decision.explain, NULL, NULL);
}

int ota_gate_before_check(struct ota_ctx *ctx, struct ota_result *out)
{
    return decide(ctx, NULL, -1, out);
}

int ota_gate_release(struct ota_ctx *ctx, const char *commit, int32_t rollout_percent,
                     struct ota_result *out)
{
    /* a device with nothing installed takes what is current: the canary
     * stages a change, and a fresh device has nothing to change */
    if (!out->installed_commit[0])
        return OTA_OK;
    return decide(ctx, commit, rollout_percent, out);
}

/* The share a verified manifest set for a release is remembered (for the
 * latest release seen only, "<commit>:<share>"), so that a device held back
 * learns it again without the manifest: its next checks cost the one
 * request they would anyway. */
#define SHARE_KEY "rollout"

void ota_gate_remember_share(struct ota_ctx *ctx, const char *commit, int32_t rollout_percent)
{
    char value[OTA_SHA1_HEX + 16];
    struct ota_strbuf sb;

    ota_sb_init(&sb, value, sizeof value);
    ota_sb_add(&sb, commit);
    ota_sb_addc(&sb, ':');
    if (rollout_percent < 0)
        ota_sb_add(&sb, "config");
    else
        ota_sb_add_u64(&sb, (uint64_t)rollout_percent);
    if (ota_cache_store(ctx, SHARE_KEY, value, "-") != OTA_OK)
        ota_log(ctx, OTA_LOG_WARN, "cannot remember the rollout share", NULL, NULL);
}

int ota_gate_remembered_share(struct ota_ctx *ctx, const char *commit, int32_t *rollout_percent)
{
    char value[OTA_SHA1_HEX + 16], etag[OTA_ETAG_MAX];
    const char *share = value + 41;
    uint64_t v;

    if (ota_cache_lookup(ctx, SHARE_KEY, value, sizeof value, etag) != 1 ||
        strncmp(value, commit, 40) != 0 || value[40] != ':')
        return 0;
    if (strcmp(share, "config") == 0)
        *rollout_percent = -1;
    else if (ota_parse_u64(share, strlen(share), &v) == 0 && v <= 100)
        *rollout_percent = (int32_t)v;
    else
        return 0;
    return 1;
}

/* Loads, changes and saves the record, when there is a schedule to feed
 * (a device without one writes nothing to its flash for it). */
static int with_health(struct ota_ctx *ctx, void (*change)(struct ota_ctx *, struct ota_health *,
                                                           int),
                       int arg)
{
    struct ota_health h;
    char reason[OTA_REASON_MAX];
    int err;

    if (!ctx->settings.schedule)
        return OTA_OK;
    memcpy(reason, ctx->reason, sizeof reason); /* the call's own failure stays */
    load_health(ctx, &h);
    change(ctx, &h, arg);
    err = ota_health_save(ctx, &h);
    if (err != OTA_OK)
        ota_log(ctx, OTA_LOG_WARN, "cannot save " OTA_HEALTH_FILE, NULL, NULL);
    memcpy(ctx->reason, reason, sizeof reason);
    return err;
}

static void note_check(struct ota_ctx *ctx, struct ota_health *h, int err)
{
    ota_health_record_check(h, now_of(ctx), err);
}

static void note_update(struct ota_ctx *ctx, struct ota_health *h, int unused)
{
    (void)unused;
    ota_health_record_update(h, now_of(ctx));
}

static void note_boot(struct ota_ctx *ctx, struct ota_health *h, int crashed_err)
{
    ota_health_record_boot(h);
    if (crashed_err)
        ota_health_record_crash(h, now_of(ctx), crashed_err);
}

static void note_healthy(struct ota_ctx *ctx, struct ota_health *h, int unused)
{
    (void)ctx;
    (void)unused;
    ota_health_record_healthy_boot(h);
}

static void note_crash(struct ota_ctx *ctx, struct ota_health *h, int err)
{
    ota_health_record_crash(h, now_of(ctx), err);
}

void ota_gate_checked(struct ota_ctx *ctx, int err)
{
    (void)with_health(ctx, note_check, err);
}

void ota_gate_installed(struct ota_ctx *ctx)
{
    (void)with_health(ctx, note_update, 0);
}

void ota_gate_booted(struct ota_ctx *ctx, int crashed, int err)
{
    (void)with_health(ctx, note_boot, crashed ? (err ? err : OTA_ERR_NOT_CONFIRMED) : 0);
}

int ota_gate_health_report(struct ota_ctx *ctx, int healthy, int err)
{
    if (healthy)
        return with_health(ctx, note_healthy, 0);
    return with_health(ctx, note_crash, err ? err : OTA_ERR_ABORTED);
}

static const char *notice_problem(int err)
{
    switch (err) {
    case OTA_ERR_NOTICE_FORMAT: return "not a notice frame (length or magic)";
    case OTA_ERR_SIGNATURE: return "its tag does not verify (another key, or forged)";
    case OTA_ERR_ROLLBACK: return "replayed (its sequence is not above the last one accepted)";
    default: return ota_strerror(err);
    }
}

int ota_gate_notice(struct ota_ctx *ctx, const uint8_t *frame, size_t len, const uint8_t *key,
                    size_t key_len, int *news)
{
    struct ota_health h;
    struct ota_notice n;
    struct ota_version v;
    int err;

    *news = 0;
    load_health(ctx, &h);
    err = ota_notice_verify(ctx, frame, len, key, key_len, h.notice_sequence, &n);
    if (err != OTA_OK)
        return ota_fail(ctx, err, "notice refused: ", notice_problem(err), NULL);
    h.notice_sequence = n.sequence;
    err = ota_health_save(ctx, &h);
    if (err != OTA_OK)
        return ota_fail(ctx, err, "cannot remember the notice in " OTA_HEALTH_FILE, NULL, NULL);
    if (ota_version_read(ctx, &v) != OTA_OK)
        v.commit[0] = '\0';
    *news = !v.commit[0] || !ota_notice_is_commit(&n, v.commit);
    return OTA_OK;
}
