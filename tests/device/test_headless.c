/* Headless operation on the simulated device, on its simulated clock: the
 * watchdog stays fed through network stalls and backoff sleeps, the status
 * LED shows the original system's patterns, retries back off with jitter,
 * and an update that cannot fit fails before it writes anything. */
#include "device.h"
#include "status_led.h"

static const char MAIN_PY[] = "print('v1')\n";
static char big[5000];

static void device(void)
{
    static const struct sim_file files[] = {
        {"main.py", MAIN_PY, sizeof MAIN_PY - 1},
        {"lib/big.bin", big, sizeof big},
    };

    memset(big, 'x', sizeof big);
    device_with(files, 2);
    settings.backoff_sec = 3;
    settings.max_backoff_sec = 60;
}

static int update(void)
{
    struct ota_result res;
    int err = ota_init(&ctx, &port, &settings, work, sizeof work);

    return err == OTA_OK ? ota_update(&ctx, &res) : err;
}

/* ---- watchdog --------------------------------------------------------------- */

static void test_watchdog_fed_through_stalls(void)
{
    device();
    settings.watchdog_timeout_ms = 8000;
    sim.http.stall_ms = 30000; /* 30 s of silence before every response and chunk */
    sim.http.chunk = 1000;
    CHECK_EQ_INT(update(), OTA_OK);
    CHECK(device_has("lib/big.bin"));
    CHECK(sim.hw.watchdog_armed);
    CHECK(sim.clock_ms >= 30000u * 8u); /* the stalls did happen */
    CHECK(sim.hw.max_gap_ms <= 2000u);  /* a quarter of the timeout */
    CHECK(sim_watchdog_gap_now(&sim) <= 2000u);
    CHECK(!sim.hw.watchdog_fired);
}

static void test_watchdog_fed_through_backoff(void)
{
    device();
    settings.watchdog_timeout_ms = 8000;
    settings.watchdog_max_gap_ms = 1500; /* a configured gap wins */
    sim.http.down = 1;
    CHECK_EQ_INT(update(), OTA_ERR_NETWORK);
    /* 3 + 6 + 12 s of backoff, each up to a quarter shorter */
    CHECK(sim.clock_ms >= 15750u && sim.clock_ms <= 21000u);
    CHECK(sim.hw.max_gap_ms <= 1500u);
    CHECK(!sim.hw.watchdog_fired);
}

static void test_stalls_without_a_watchdog_change_nothing(void)
{
    device();
    sim.http.stall_ms = 30000;
    CHECK_EQ_INT(update(), OTA_OK);
    CHECK(!sim.hw.watchdog_armed);
    CHECK_EQ_INT(sim.hw.feeds, 0);
}

static void test_backoff_has_jitter_within_the_schedule(void)
{
    uint64_t totals[8];
    int i, differ = 0;

    for (i = 0; i < 8; i++) {
        device();
        sim.rng = 0x9e3779b97f4a7c15ULL * (uint64_t)(i + 1);
        settings.retries = 1;
        sim.http.down = 1;
        CHECK_EQ_INT(update(), OTA_ERR_NETWORK);
        totals[i] = sim.clock_ms; /* the one 3 s backoff, jittered */
        CHECK(totals[i] >= 2250u && totals[i] <= 3000u);
        if (i > 0 && totals[i] != totals[0])
            differ = 1;
    }
    CHECK(differ);
}

/* ---- status LED ------------------------------------------------------------- */

/* Does the LED log, from change `from`, blink count times with on_ms/off_ms? */
static int blinks_at(size_t from, int count, uint32_t on_ms, uint32_t off_ms)
{
    const struct sim_led_change *c = sim.hw.led;
    int k;

    if (from + (size_t)count * 2u > sim.hw.led_changes || sim.hw.led_changes > SIM_LED_LOG)
        return 0;
    for (k = 0; k < count; k++) {
        size_t i = from + (size_t)k * 2u;
        if (!c[i].on || c[i + 1].on || c[i + 1].at_ms - c[i].at_ms != on_ms)
            return 0;
        if (k + 1 < count && c[i + 2].at_ms - c[i + 1].at_ms != off_ms)
            return 0;
    }
    return 1;
}

static size_t count_blinks(uint32_t on_ms)
{
    size_t i, n = 0;

    for (i = 0; i + 1 < sim.hw.led_changes && i + 1 < SIM_LED_LOG; i++)
        if (sim.hw.led[i].on && !sim.hw.led[i + 1].on &&
            sim.hw.led[i + 1].at_ms - sim.hw.led[i].at_ms == on_ms)
            n++;
    return n;
}

static void test_led_patterns_of_a_successful_update(void)
{
    size_t n;

    device();
    settings.status_led = 1;
    CHECK_EQ_INT(update(), OTA_OK);
    n = sim.hw.led_changes;
    /* connecting: 2 quick blinks; then solid while processing */
    CHECK(blinks_at(0, 2, OTA_LED_QUICK_MS, OTA_LED_QUICK_MS));
    CHECK(n > 5 && sim.hw.led[4].on);
    /* one quick blink per file downloaded */
    CHECK_EQ_INT(count_blinks(OTA_LED_FILE_MS), 2);
    /* success: 3 quick blinks, then dark */
    CHECK(n >= 6 && blinks_at(n - 6, 3, OTA_LED_QUICK_MS, OTA_LED_QUICK_MS));
    CHECK(!sim.hw.led[n - 1].on);
}

static void test_led_pulses_while_downloading(void)
{
    size_t i, pulses = 0;

    device();
    settings.status_led = 1;
    sim.http.stall_ms = 100; /* bytes arrive over time: pulses show */
    sim.http.wait_step_ms = 25;
    sim.http.chunk = 100;
    CHECK_EQ_INT(update(), OTA_OK);
    for (i = 0; i + 1 < sim.hw.led_changes && i + 1 < SIM_LED_LOG; i++)
        if (sim.hw.led[i].on && !sim.hw.led[i + 1].on &&
            sim.hw.led[i + 1].at_ms - sim.hw.led[i].at_ms == OTA_LED_PULSE_ON_MS)
            pulses++;
    CHECK(pulses >= 10);
}

static void test_led_long_blink_on_failure(void)
{
    size_t n;

    device();
    settings.status_led = 1;
    settings.retries = 0;
    sim.http.down = 1;
    CHECK_EQ_INT(update(), OTA_ERR_NETWORK);
    n = sim.hw.led_changes;
    CHECK(blinks_at(0, 2, OTA_LED_QUICK_MS, OTA_LED_QUICK_MS));
    CHECK(n >= 2 && blinks_at(n - 2, 1, OTA_LED_LONG_MS, 0));
    CHECK(!sim.hw.led[n - 1].on);
}

static void test_no_led_configured_stays_dark(void)
{
    device();
    CHECK_EQ_INT(update(), OTA_OK);
    CHECK_EQ_INT(sim.hw.led_changes, 0);
}

/* ---- resources -------------------------------------------------------------- */

static void test_update_that_cannot_fit_fails_before_writing(void)
{
    device();
    /* the download is 5,012 bytes: twice that plus the 64 KiB margin */
    sim.hw.free_storage = 2u * 5012u + 65536u - 1u;
    CHECK_EQ_INT(update(), OTA_ERR_NO_SPACE);
    CHECK(strstr(ctx.reason, "75560 bytes of storage needed, available: 75559") != NULL);
    CHECK(!device_has("main.py"));
    CHECK(!device_has("lib"));
    CHECK(!device_has(".ota_stage"));
    CHECK(!device_has("version.json"));
    sim.hw.free_storage += 1u;
    CHECK_EQ_INT(update(), OTA_OK);
    CHECK(device_has("lib/big.bin"));
}

int main(void)
{
    test_watchdog_fed_through_stalls();
    test_watchdog_fed_through_backoff();
    test_stalls_without_a_watchdog_change_nothing();
    test_backoff_has_jitter_within_the_schedule();
    test_led_patterns_of_a_successful_update();
    test_led_pulses_while_downloading();
    test_led_long_blink_on_failure();
    test_no_led_configured_stays_dark();
    test_update_that_cannot_fit_fails_before_writing();
    TEST_MAIN_END();
}
