#include "battery.h"

int32_t ota_battery_percent(int32_t adc_mv, uint32_t divider_milli, int32_t v_min_mv,
                            int32_t v_max_mv)
{
    int64_t battery_mv, span, above_min;

    if (adc_mv < 0 || divider_milli == 0 || v_max_mv <= v_min_mv)
        return -1;
    /* below 2^31 * 2^32: the product cannot overflow 64 bits */
    battery_mv = (int64_t)((uint64_t)adc_mv * divider_milli / OTA_BATTERY_DIVIDER_ONE);
    span = (int64_t)v_max_mv - v_min_mv;
    above_min = battery_mv - v_min_mv;
    if (above_min <= 0)
        return 0;
    if (above_min >= span)
        return 100;
    return (int32_t)(above_min * 100 / span);
}
