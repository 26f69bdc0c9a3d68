/* The status LED of a device without a console, with the original system's
 * patterns:
 *   2 quick blinks   connecting (before the first request of a check)
 *   solid            connected and processing
 *   brief pulses     downloading (50 ms on every 250 ms while bytes arrive)
 *   1 quick blink    a file downloaded and verified
 *   3 quick blinks   update installed
 *   long blink       the check or the update failed (500 ms)
 * A quick blink is 100 ms on, 100 ms off (50/50 for a finished file, which
 * can come often). The blinking patterns sleep through ota_sleep_fed, so the
 * watchdog stays fed. Without hw.led, or with settings.status_led off,
 * every call does nothing. */
#ifndef OTA_CORE_STATUS_LED_H
#define OTA_CORE_STATUS_LED_H

#include "ota/ota.h"

enum ota_led_pattern {
    OTA_LED_CONNECTING,
    OTA_LED_CONNECTED,
    OTA_LED_FILE_DONE,
    OTA_LED_SUCCESS,
    OTA_LED_FAILURE
};

#define OTA_LED_QUICK_MS 100u
#define OTA_LED_FILE_MS 50u
#define OTA_LED_LONG_MS 500u
#define OTA_LED_PULSE_PERIOD_MS 250u
#define OTA_LED_PULSE_ON_MS 50u

void ota_led_show(struct ota_ctx *ctx, enum ota_led_pattern pattern);

/* Bytes arrived (or a transfer is waiting): advances the download pulses. */
void ota_led_activity(struct ota_ctx *ctx);

#endif
