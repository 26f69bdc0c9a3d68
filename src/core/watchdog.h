/* Keeping the hardware watchdog fed through every long operation: network
 * transfers and their stalls, backoff sleeps, file swaps. A headless device
 * that hangs is reset by the watchdog; one that is merely slow must not be. */
#ifndef OTA_CORE_WATCHDOG_H
#define OTA_CORE_WATCHDOG_H

#include "ota/ota.h"

/* Arms the port's watchdog with settings.watchdog_timeout_ms, once per
 * context (0 or no watchdog in the port: nothing to do). */
int ota_watchdog_arm(struct ota_ctx *ctx);

/* Feeds it, if armed. Cheap: call it wherever work makes progress. */
void ota_watchdog_feed(struct ota_ctx *ctx);

/* Sleeps ms in slices no longer than the feeding gap, feeding between them,
 * so that a backoff of a minute never starves an 8 s watchdog. */
void ota_sleep_fed(struct ota_ctx *ctx, uint32_t ms);

/* The longest time allowed between two feeds: settings.watchdog_max_gap_ms,
 * or a quarter of the timeout. */
uint32_t ota_watchdog_gap_ms(const struct ota_ctx *ctx);

#endif
