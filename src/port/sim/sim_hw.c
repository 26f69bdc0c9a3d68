/* The simulated device's hardware: a watchdog that records the longest gap
 * between feeds (on the simulated clock) and fires when it exceeds the
 * timeout, a status LED that logs every change with its time, a battery and
 * a storage gauge the test sets. */
#include <string.h>

#include "sim.h"

static void note_gap(struct sim *sim)
{
    uint64_t gap = sim_watchdog_gap_now(sim);

    if (gap > sim->hw.max_gap_ms)
        sim->hw.max_gap_ms = gap;
    if (gap > sim->hw.watchdog_timeout_ms)
        sim->hw.watchdog_fired = 1;
}

uint64_t sim_watchdog_gap_now(const struct sim *sim)
{
    return sim->hw.watchdog_armed ? sim->clock_ms - sim->hw.last_feed_ms : 0;
}

static int watchdog_start(void *user, uint32_t timeout_ms)
{
    struct sim *sim = user;

    if (timeout_ms == 0)
        return OTA_ERR_INVALID_ARG;
    sim->hw.watchdog_armed = 1;
    sim->hw.watchdog_timeout_ms = timeout_ms;
    sim->hw.last_feed_ms = sim->clock_ms;
    return OTA_OK;
}

static void watchdog_feed(void *user)
{
    struct sim *sim = user;

    if (!sim->hw.watchdog_armed)
        return;
    note_gap(sim);
    sim->hw.feeds++;
    sim->hw.last_feed_ms = sim->clock_ms;
}

static void watchdog_stop(void *user)
{
    struct sim *sim = user;

    if (sim->hw.watchdog_armed)
        note_gap(sim);
    sim->hw.watchdog_armed = 0;
}

static void led(void *user, int on)
{
    struct sim *sim = user;

    if (sim->hw.led_changes < SIM_LED_LOG) {
        sim->hw.led[sim->hw.led_changes].at_ms = sim->clock_ms;
        sim->hw.led[sim->hw.led_changes].on = on;
    }
    sim->hw.led_changes++;
}

static int battery(void *user, struct ota_battery *out)
{
    const struct sim *sim = user;

    *out = sim->hw.battery;
    return OTA_OK;
}

static int free_storage(void *user, uint64_t *bytes)
{
    const struct sim *sim = user;

    *bytes = sim->hw.free_storage;
    return OTA_OK;
}

void sim_hw_init(struct sim *sim, struct ota_hw_ops *ops)
{
    memset(&sim->hw, 0, sizeof sim->hw);
    sim->hw.battery.adc_mv = -1;
    sim->hw.battery.percent = -1;
    sim->hw.battery.external_power = -1;
    sim->hw.free_storage = UINT64_MAX;
    ops->watchdog_start = watchdog_start;
    ops->watchdog_feed = watchdog_feed;
    ops->watchdog_stop = watchdog_stop;
    ops->led = led;
    ops->battery = battery;
    ops->free_storage = free_storage;
    ops->free_memory = NULL;
}
