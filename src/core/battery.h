/* Battery charge from the voltage the ADC measures, in integers only (the
 * core has no floating point): millivolts in, whole percent out. */
#ifndef OTA_CORE_BATTERY_H
#define OTA_CORE_BATTERY_H

#include <stdint.h>

/* The original system's defaults: a single LiPo cell, no divider. */
#define OTA_BATTERY_V_MIN_MV 3000
#define OTA_BATTERY_V_MAX_MV 4200
#define OTA_BATTERY_DIVIDER_ONE 1000 /* battery_divider_ratio 1.0, in thousandths */

/* The charge, 0..100, of a battery whose voltage reaches the ADC pin through
 * a divider: battery mV = adc_mv * divider_milli / 1000 (a 2:1 divider is
 * 2000), then placed linearly between v_min_mv (0 %) and v_max_mv (100 %)
 * and clamped. Rounded down, so that a gate of 20 % is never passed by
 * 19.9 %. -1 when it cannot be known: no reading (adc_mv < 0), a divider of
 * 0, or v_max_mv not above v_min_mv. */
int32_t ota_battery_percent(int32_t adc_mv, uint32_t divider_milli, int32_t v_min_mv,
                            int32_t v_max_mv);

#endif
