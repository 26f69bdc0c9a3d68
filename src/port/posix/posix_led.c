/* POSIX port: the status LED, through the LED class
 * (/sys/class/leds/NAME/brightness: max_brightness for on, 0 for off) or,
 * for a bare GPIO number (the original system's status_led_pin), the sysfs
 * GPIO interface (/sys/class/gpio/gpioN/value, exported and made an output
 * on first use). led() cannot return an error: a failure is logged once,
 * not at every blink, until the LED works again. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "posix_hw.h"

/* After an export, udev may take a moment to create the files or hand them
 * to the right group: retry the direction this long. */
#define GPIO_SETTLE_MS 1000
#define GPIO_RETRY_MS 10

static void led_failed(struct ota_posix *p, const char *what, const char *path)
{
    if (!p->led_failing)
        ota_posix__logf(p, OTA_LOG_ERROR, "led: %s %s: %s", what, path,
                        strerror(errno));
    p->led_failing = 1;
}

static int led_class_set(struct ota_posix *p, int on)
{
    char path[OTA_POSIX_HW_PATH_MAX], value[32];
    const char *dir = "/sys/class/leds/";
    long long max = 0;

    if (on) {
        if (ota_posix__hw_path(p, path, sizeof path, "%s%s/max_brightness", dir,
                               p->opt.led_name) < 0 ||
            ota_posix__sysfs_read_ll(path, &max) < 0) {
            led_failed(p, "cannot read", path);
            return -1;
        }
    }
    snprintf(value, sizeof value, "%lld", max);
    if (ota_posix__hw_path(p, path, sizeof path, "%s%s/brightness", dir,
                           p->opt.led_name) < 0 ||
        ota_posix__sysfs_write(path, value) < 0) {
        led_failed(p, "cannot write", path);
        return -1;
    }
    return 0;
}

static void sleep_briefly(void)
{
    struct timespec ts = {0, GPIO_RETRY_MS * 1000000L};

    nanosleep(&ts, NULL);
}

/* Writes "out" to gpioN/direction, waiting for udev after an export. */
static int gpio_make_output(struct ota_posix *p, const char *path, int exported)
{
    int waited = 0;

    while (ota_posix__sysfs_write(path, "out") < 0) {
        int retry = exported && (errno == ENOENT || errno == EACCES);
        if (!retry || waited >= GPIO_SETTLE_MS) {
            led_failed(p, "cannot write", path);
            return -1;
        }
        sleep_briefly();
        waited += GPIO_RETRY_MS;
    }
    return 0;
}

/* Exports the GPIO unless its directory exists, then makes it an output
 * unless it already is one (writing "out" also drives it low). */
static int gpio_prepare(struct ota_posix *p)
{
    char path[OTA_POSIX_HW_PATH_MAX], number[16], direction[16];
    struct stat st;
    int exported = 0;

    snprintf(number, sizeof number, "%d", p->opt.led_gpio);
    if (ota_posix__hw_path(p, path, sizeof path, "/sys/class/gpio/gpio%s",
                           number) < 0) {
        led_failed(p, "path too long:", "/sys/class/gpio");
        return -1;
    }
    if (stat(path, &st) != 0) {
        char export_path[OTA_POSIX_HW_PATH_MAX];
        if (ota_posix__hw_path(p, export_path, sizeof export_path,
                               "/sys/class/gpio/export") < 0 ||
            ota_posix__sysfs_write(export_path, number) < 0) {
            led_failed(p, "cannot export the GPIO through", export_path);
            return -1;
        }
        exported = 1;
    }
    if (ota_posix__hw_path(p, path, sizeof path,
                           "/sys/class/gpio/gpio%s/direction", number) < 0) {
        led_failed(p, "path too long:", "direction");
        return -1;
    }
    if (!exported &&
        ota_posix__sysfs_read(path, direction, sizeof direction) == 0 &&
        strcmp(direction, "out") == 0)
        return 0;
    return gpio_make_output(p, path, exported);
}

static int led_gpio_set(struct ota_posix *p, int on)
{
    char path[OTA_POSIX_HW_PATH_MAX];

    if (!p->led_gpio_ready) {
        if (gpio_prepare(p) < 0)
            return -1;
        p->led_gpio_ready = 1;
    }
    if (ota_posix__hw_path(p, path, sizeof path, "/sys/class/gpio/gpio%d/value",
                           p->opt.led_gpio) < 0 ||
        ota_posix__sysfs_write(path, on ? "1" : "0") < 0) {
        p->led_gpio_ready = 0; /* unexported meanwhile? prepare again */
        led_failed(p, "cannot write", path);
        return -1;
    }
    return 0;
}

void ota_posix__led(void *user, int on)
{
    struct ota_posix *p = user;
    int rc;

    if (!p)
        return;
    if (p->opt.led_name)
        rc = led_class_set(p, on);
    else if (p->opt.has_led_gpio)
        rc = led_gpio_set(p, on);
    else
        return;
    if (rc == 0)
        p->led_failing = 0;
}
