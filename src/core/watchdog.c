#include "watchdog.h"

#include "log.h"

#define HW (&ctx->port->hw)

uint32_t ota_watchdog_gap_ms(const struct ota_ctx *ctx)
{
    const struct ota_settings *s = &ctx->settings;
    uint32_t gap = s->watchdog_max_gap_ms ? s->watchdog_max_gap_ms : s->watchdog_timeout_ms / 4u;

    return gap ? gap : 1u;
}

int ota_watchdog_arm(struct ota_ctx *ctx)
{
    int err;

    if (ctx->watchdog_armed || ctx->settings.watchdog_timeout_ms == 0 || !HW->watchdog_start)
        return OTA_OK;
    err = HW->watchdog_start(ctx->port->user, ctx->settings.watchdog_timeout_ms);
    if (err != OTA_OK)
        return ota_fail(ctx, err, "cannot start the watchdog", NULL, NULL);
    ctx->watchdog_armed = 1;
    return OTA_OK;
}

void ota_watchdog_feed(struct ota_ctx *ctx)
{
    if (ctx->watchdog_armed && HW->watchdog_feed)
        HW->watchdog_feed(ctx->port->user);
}

void ota_sleep_fed(struct ota_ctx *ctx, uint32_t ms)
{
    /* without a watchdog one sleep will do */
    uint32_t slice = ctx->watchdog_armed ? ota_watchdog_gap_ms(ctx) : ms;

    if (!ctx->port->sys.sleep_ms)
        return;
    while (ms > 0) {
        uint32_t step = ms < slice ? ms : slice;
        ota_watchdog_feed(ctx);
        ctx->port->sys.sleep_ms(ctx->port->user, step);
        ms -= step;
    }
    ota_watchdog_feed(ctx);
}
