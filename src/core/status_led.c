#include "status_led.h"

#include "watchdog.h"

static int have_led(const struct ota_ctx *ctx)
{
    return ctx->settings.status_led && ctx->port->hw.led;
}

static void set(struct ota_ctx *ctx, int on)
{
    if (ctx->led_on == on)
        return;
    ctx->led_on = (uint8_t)on;
    ctx->port->hw.led(ctx->port->user, on);
}

static void blinks(struct ota_ctx *ctx, unsigned count, uint32_t on_ms, uint32_t off_ms)
{
    while (count-- > 0) {
        set(ctx, 1);
        ota_sleep_fed(ctx, on_ms);
        set(ctx, 0);
        ota_sleep_fed(ctx, off_ms);
    }
}

void ota_led_show(struct ota_ctx *ctx, enum ota_led_pattern pattern)
{
    if (!have_led(ctx))
        return;
    ctx->led_pulsing = 0;
    switch (pattern) {
    case OTA_LED_CONNECTING:
        set(ctx, 0);
        blinks(ctx, 2, OTA_LED_QUICK_MS, OTA_LED_QUICK_MS);
        break;
    case OTA_LED_CONNECTED:
        set(ctx, 1);
        break;
    case OTA_LED_FILE_DONE:
        set(ctx, 0);
        blinks(ctx, 1, OTA_LED_FILE_MS, OTA_LED_FILE_MS);
        break;
    case OTA_LED_SUCCESS:
        set(ctx, 0);
        blinks(ctx, 3, OTA_LED_QUICK_MS, OTA_LED_QUICK_MS);
        break;
    case OTA_LED_FAILURE:
        set(ctx, 0);
        blinks(ctx, 1, OTA_LED_LONG_MS, 0);
        break;
    }
}

void ota_led_activity(struct ota_ctx *ctx)
{
    uint32_t now, phase;

    if (!have_led(ctx))
        return;
    if (!ctx->port->sys.millis) { /* no clock: one pulse edge per chunk */
        set(ctx, !ctx->led_on);
        return;
    }
    now = ctx->port->sys.millis(ctx->port->user);
    if (!ctx->led_pulsing) {
        ctx->led_pulsing = 1;
        ctx->led_since = now;
    }
    phase = (uint32_t)(now - ctx->led_since) % OTA_LED_PULSE_PERIOD_MS;
    set(ctx, phase < OTA_LED_PULSE_ON_MS);
}
