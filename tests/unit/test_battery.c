/* Battery percentage from the ADC voltage (src/core/battery.c): the
 * original system's LiPo defaults, dividers, rounding down at the gate's
 * boundary, clamping, and readings that say nothing. */
#include <stdint.h>

#include "battery.h"
#include "test.h"

#define LIPO(mv) ota_battery_percent(mv, OTA_BATTERY_DIVIDER_ONE, OTA_BATTERY_V_MIN_MV, \
                                     OTA_BATTERY_V_MAX_MV)

static void test_linear_between_min_and_max(void)
{
    CHECK_EQ_INT(LIPO(3000), 0);
    CHECK_EQ_INT(LIPO(3600), 50);
    CHECK_EQ_INT(LIPO(4200), 100);
    CHECK_EQ_INT(LIPO(3240), 20);
    CHECK_EQ_INT(LIPO(3239), 19); /* 19.9 %: down, never up past a gate */
    CHECK_EQ_INT(LIPO(4199), 99);
}

static void test_clamped(void)
{
    CHECK_EQ_INT(LIPO(2999), 0);
    CHECK_EQ_INT(LIPO(0), 0);
    CHECK_EQ_INT(LIPO(4201), 100);
    CHECK_EQ_INT(LIPO(5000), 100);
    /* the largest inputs do not overflow */
    CHECK_EQ_INT(ota_battery_percent(INT32_MAX, UINT32_MAX, 3000, 4200), 100);
    CHECK_EQ_INT(ota_battery_percent(0, UINT32_MAX, INT32_MIN, INT32_MAX), 50);
}

static void test_dividers(void)
{
    /* 2:1 divider: 1.62 V at the pin is a 3.24 V battery */
    CHECK_EQ_INT(ota_battery_percent(1620, 2000, 3000, 4200), 20);
    CHECK_EQ_INT(ota_battery_percent(1619, 2000, 3000, 4200), 19);
    /* ratio 1.5 */
    CHECK_EQ_INT(ota_battery_percent(2160, 1500, 3000, 4200), 20);
    /* a 2S pack, 6.0-8.4 V, through a ratio of 3.3 */
    CHECK_EQ_INT(ota_battery_percent(2182, 3300, 6000, 8400), 50);
}

static void test_monotonic(void)
{
    int32_t mv, last = 0, bad = 0;

    for (mv = 2500; mv <= 4700; mv++) {
        int32_t p = LIPO(mv);
        bad += p < last || p < 0 || p > 100;
        last = p;
    }
    CHECK_EQ_INT(bad, 0);
}

static void test_unknown(void)
{
    CHECK_EQ_INT(LIPO(-1), -1);                                  /* no reading */
    CHECK_EQ_INT(ota_battery_percent(3600, 0, 3000, 4200), -1);  /* no divider */
    CHECK_EQ_INT(ota_battery_percent(3600, 1000, 4200, 4200), -1);
    CHECK_EQ_INT(ota_battery_percent(3600, 1000, 4200, 3000), -1);
}

int main(void)
{
    test_linear_between_min_and_max();
    test_clamped();
    test_dividers();
    test_monotonic();
    test_unknown();
    TEST_MAIN_END();
}
