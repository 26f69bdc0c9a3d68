/* POSIX port: which hardware parts the options configure. Names that end
 * up in paths are checked here once, so that no part can be steered out of
 * /sys by a name holding a slash, and every path fits its buffer. */
#include <string.h>

#include "posix_hw.h"

/* sysfs_root and watchdog_device; a sysfs name (NAME_MAX) fits in the rest
 * of OTA_POSIX_HW_PATH_MAX along with the fixed parts of the paths. */
#define PREFIX_MAX 1024
#define NAME_MAX_LEN 255

static int bad_option(struct ota_posix *p, const char *option, const char *why)
{
    ota_posix__logf(p, OTA_LOG_ERROR, "hardware option %s: %s", option, why);
    return OTA_ERR_CONFIG;
}

/* A single directory entry of /sys/class/...: no slash, not "." or "..". */
static int check_name(struct ota_posix *p, const char *option, const char *name)
{
    if (!name[0] || strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
        strchr(name, '/'))
        return bad_option(p, option, "must be a plain name (no '/', '.' or '..')");
    if (strlen(name) > NAME_MAX_LEN)
        return bad_option(p, option, "is too long");
    return 0;
}

static int check_options(struct ota_posix *p)
{
    const struct ota_posix_options *o = &p->opt;

    if (o->sysfs_root && strlen(o->sysfs_root) >= PREFIX_MAX)
        return bad_option(p, "sysfs_root", "is too long");
    if (o->watchdog_device &&
        (o->watchdog_device[0] != '/' || strlen(o->watchdog_device) >= PREFIX_MAX))
        return bad_option(p, "watchdog_device",
                          "must be an absolute path such as /dev/watchdog");
    if (o->led_name && o->has_led_gpio)
        return bad_option(p, "led_name", "and led_gpio cannot both be set");
    if (o->led_name && check_name(p, "led_name", o->led_name) < 0)
        return OTA_ERR_CONFIG;
    if (o->has_led_gpio && o->led_gpio < 0)
        return bad_option(p, "led_gpio", "must be a GPIO number >= 0");
    if (o->has_battery_adc &&
        (o->battery_adc_channel < 0 || o->battery_iio_device < 0))
        return bad_option(p, "battery_adc_channel",
                          "channel and IIO device must be >= 0");
    if (o->battery_supply && o->battery_supply[0] &&
        check_name(p, "battery_supply", o->battery_supply) < 0)
        return OTA_ERR_CONFIG;
    return 0;
}

int ota_posix__hw_bind(struct ota_posix *p, struct ota_hw_ops *hw)
{
    int err;

    p->watchdog_fd = -1;
    p->watchdog_timeout_ms = 0;
    p->watchdog_by_write = 0;
    p->watchdog_feed_failing = 0;
    p->led_gpio_ready = 0;
    p->led_failing = 0;
    memset(hw, 0, sizeof *hw);
    if ((err = check_options(p)) < 0)
        return err;
    if (p->opt.watchdog_device) {
        hw->watchdog_start = ota_posix__watchdog_start;
        hw->watchdog_feed = ota_posix__watchdog_feed;
        hw->watchdog_stop = ota_posix__watchdog_stop;
    }
    if (p->opt.led_name || p->opt.has_led_gpio)
        hw->led = ota_posix__led;
    if (p->opt.has_battery_adc || p->opt.battery_supply)
        hw->battery = ota_posix__battery;
    hw->free_storage = ota_posix__free_storage;
    hw->free_memory = ota_posix__free_memory;
    return 0;
}

void ota_posix__hw_release(struct ota_posix *p)
{
    ota_posix__watchdog_stop(p); /* a no-op unless it was started */
}
