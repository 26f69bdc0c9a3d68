/* POSIX port: the battery. The voltage comes from an IIO ADC channel (the
 * original system's battery_adc_pin): per the IIO ABI, millivolts =
 * (in_voltageN_raw + offset) * scale, where scale and offset are the
 * channel's own attribute or, failing that, the one the device's voltage
 * channels share (offset 0 when there is none). The charge and the presence
 * of external power come from the power_supply class (posix_supply.c). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "posix_hw.h"

#define IIO_DEVICE "/sys/bus/iio/devices/iio:device%d"
#define NANO 1000000000LL

/* "0.805664062", "-12", "3.5" -> value * 1e9, without strtod, whose decimal
 * point depends on the locale. Digits beyond the ninth decimal are dropped;
 * the integer part is kept below 1e9 so that nothing overflows. */
static int parse_nano(const char *s, long long *out)
{
    long long whole = 0, frac = 0, unit = NANO;
    int negative = (*s == '-'), digits = 0;

    if (*s == '-' || *s == '+')
        s++;
    for (; *s >= '0' && *s <= '9'; s++, digits++) {
        whole = whole * 10 + (*s - '0');
        if (whole >= NANO)
            return -1;
    }
    if (*s == '.')
        for (s++; *s >= '0' && *s <= '9'; s++, digits++)
            if (unit > 1) {
                unit /= 10;
                frac += (*s - '0') * unit;
            }
    if (digits == 0 || *s != '\0')
        return -1;
    *out = (whole * NANO + frac) * (negative ? -1 : 1);
    return 0;
}

/* The channel's attribute ("in_voltage3_scale") or else the one the device's
 * voltage channels share ("in_voltage_scale"); 1 when neither exists, for
 * the caller to decide. path receives the file read last. */
static int read_channel_attr(struct ota_posix *p, const char *attr,
                             long long *nano, char *path, size_t cap)
{
    char channel[16], text[64];
    const char *channels[2];
    int i, err;

    snprintf(channel, sizeof channel, "%d", p->opt.battery_adc_channel);
    channels[0] = channel;
    channels[1] = "";
    for (i = 0; i < 2; i++) {
        if ((err = ota_posix__hw_path(p, path, cap, IIO_DEVICE "/in_voltage%s_%s",
                                      p->opt.battery_iio_device, channels[i],
                                      attr)) < 0)
            return err;
        err = ota_posix__sysfs_read(path, text, sizeof text);
        if (err == OTA_ERR_NOT_FOUND)
            continue;
        if (err < 0)
            return err;
        if (parse_nano(text, nano) != 0) {
            errno = EINVAL;
            return OTA_ERR_BAD_RESPONSE;
        }
        return 0;
    }
    return 1;
}

static int read_raw(struct ota_posix *p, long long *raw)
{
    char path[OTA_POSIX_HW_PATH_MAX];
    int err;

    err = ota_posix__hw_path(p, path, sizeof path, IIO_DEVICE "/in_voltage%d_raw",
                             p->opt.battery_iio_device, p->opt.battery_adc_channel);
    if (err == 0)
        err = ota_posix__sysfs_read_ll(path, raw);
    if (err < 0)
        ota_posix__logf(p, OTA_LOG_ERROR, "battery: cannot read %s: %s", path,
                        strerror(errno));
    return err;
}

static int read_adc_mv(struct ota_posix *p, int32_t *mv)
{
    char path[OTA_POSIX_HW_PATH_MAX];
    long long raw, scale, offset;
    double value;
    int err;

    if ((err = read_raw(p, &raw)) < 0)
        return err;
    if ((err = read_channel_attr(p, "scale", &scale, path, sizeof path)) != 0) {
        if (err > 0)
            ota_posix__logf(p, OTA_LOG_ERROR,
                            "battery: iio:device%d has neither in_voltage%d_scale "
                            "nor in_voltage_scale",
                            p->opt.battery_iio_device, p->opt.battery_adc_channel);
        else
            ota_posix__logf(p, OTA_LOG_ERROR, "battery: cannot read %s: %s",
                            path, strerror(errno));
        return err > 0 ? OTA_ERR_NOT_FOUND : err;
    }
    if ((err = read_channel_attr(p, "offset", &offset, path, sizeof path)) < 0) {
        ota_posix__logf(p, OTA_LOG_ERROR, "battery: cannot read %s: %s", path,
                        strerror(errno));
        return err;
    }
    if (err > 0)
        offset = 0;
    value = ((double)raw + (double)offset / NANO) * ((double)scale / NANO);
    if (value < -2e9 || value > 2e9) {
        ota_posix__logf(p, OTA_LOG_ERROR, "battery: %.0f mV is out of range",
                        value);
        return OTA_ERR_BAD_RESPONSE;
    }
    *mv = (int32_t)(value < 0 ? value - 0.5 : value + 0.5);
    return 0;
}

int ota_posix__battery(void *user, struct ota_battery *out)
{
    struct ota_posix *p = user;
    int err;

    if (!p || !out)
        return OTA_ERR_INVALID_ARG;
    out->adc_mv = -1;
    out->percent = -1;
    out->external_power = -1;
    if (p->opt.has_battery_adc && (err = read_adc_mv(p, &out->adc_mv)) < 0)
        return err;
    return ota_posix__supply_read(p, out);
}
