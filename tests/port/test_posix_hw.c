/* The POSIX port's Linux hardware against a fake tree in a temporary
 * directory (sysfs_root): LED class and sysfs GPIO, IIO battery voltage,
 * power_supply charge and external power, free storage and memory, the
 * watchdog on a FIFO and on a regular file (fed by the port's own sleep
 * too), the monotonic clock, and the options that configure them. Needs no privileges: the real /dev and /sys
 * are never touched, since every port here has sysfs_root set. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "ota_posix.h"
#include "test.h"

static char tree[512]; /* the fake root of /dev, /sys and /proc */

/* ---- the fake tree ----------------------------------------------------- */

static void path_of(char *out, size_t cap, const char *rel)
{
    snprintf(out, cap, "%s/%s", tree, rel);
}

/* mkdir -p of rel's parent directory. */
static void make_parents(const char *rel)
{
    char path[1024];
    char *slash;

    path_of(path, sizeof path, rel);
    for (slash = strchr(path + strlen(tree) + 1, '/'); slash;
         slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        mkdir(path, 0755);
        *slash = '/';
    }
}

static void put(const char *rel, const char *content)
{
    char path[1024];
    FILE *f;

    make_parents(rel);
    path_of(path, sizeof path, rel);
    f = fopen(path, "w");
    CHECK(f != NULL);
    if (!f)
        return;
    fputs(content, f);
    fclose(f);
}

/* The file's content, or "(missing)". */
static const char *got(const char *rel)
{
    static char buf[256];
    char path[1024];
    size_t n;
    FILE *f;

    path_of(path, sizeof path, rel);
    if (!(f = fopen(path, "r")))
        return "(missing)";
    n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void drop(const char *rel)
{
    char path[1024];

    path_of(path, sizeof path, rel);
    unlink(path);
}

static int remove_entry(const char *path, const struct stat *st, int flag,
                        struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Empties the tree between tests. */
static void clear_tree(void)
{
    char path[1024];

    nftw(tree, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    snprintf(path, sizeof path, "%s", tree);
    mkdir(path, 0700);
}

/* ---- the port, with its log captured -------------------------------------- */

static char log_text[8192];

static void capture_log(void *arg, enum ota_log_level level, const char *msg)
{
    size_t used = strlen(log_text);

    (void)arg;
    (void)level;
    snprintf(log_text + used, sizeof log_text - used, "%s\n", msg);
}

static int log_count(const char *needle)
{
    const char *s = log_text;
    int n = 0;

    while ((s = strstr(s, needle)) != NULL) {
        n++;
        s += strlen(needle);
    }
    return n;
}

static void base_options(struct ota_posix_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->root = tree;
    opt->sysfs_root = tree;
    opt->log_level = OTA_LOG_DEBUG;
    opt->log_fn = capture_log;
    log_text[0] = '\0';
}

static int start_port(struct ota_posix *posix, struct ota_port *port,
                      const struct ota_posix_options *opt)
{
    int err = ota_posix_init(posix, opt, port);

    CHECK_EQ_INT(err, 0);
    return err;
}

/* ---- binding ------------------------------------------------------------- */

static void test_binding(void)
{
    struct ota_posix_options opt;
    struct ota_posix posix;
    struct ota_port port;

    base_options(&opt); /* nothing configured */
    if (start_port(&posix, &port, &opt) == 0) {
        CHECK(port.hw.watchdog_start == NULL && port.hw.watchdog_feed == NULL &&
              port.hw.watchdog_stop == NULL);
        CHECK(port.hw.led == NULL);
        CHECK(port.hw.battery == NULL);
        CHECK(port.hw.free_storage != NULL && port.hw.free_memory != NULL);
        CHECK(port.sys.millis != NULL);
        ota_posix_deinit(&posix);
    }

    base_options(&opt);
    opt.watchdog_device = OTA_POSIX_WATCHDOG_DEVICE;
    opt.led_name = "status";
    opt.battery_supply = OTA_POSIX_SUPPLY_AUTO;
    if (start_port(&posix, &port, &opt) == 0) {
        CHECK(port.hw.watchdog_start && port.hw.watchdog_feed &&
              port.hw.watchdog_stop);
        CHECK(port.hw.led != NULL);
        CHECK(port.hw.battery != NULL);
        ota_posix_deinit(&posix); /* never started: nothing to close */
    }

    base_options(&opt);
    opt.has_led_gpio = 1; /* GPIO 0 is a GPIO like any other */
    opt.has_battery_adc = 1;
    if (start_port(&posix, &port, &opt) == 0) {
        CHECK(port.hw.led != NULL);
        CHECK(port.hw.battery != NULL);
        ota_posix_deinit(&posix);
    }
}

static void expect_refused(struct ota_posix_options *opt, const char *why)
{
    struct ota_posix posix;
    struct ota_port port;

    CHECK_EQ_INT(ota_posix_init(&posix, opt, &port), OTA_ERR_CONFIG);
    CHECK(strstr(log_text, why) != NULL);
}

static void test_bad_options(void)
{
    struct ota_posix_options opt;

    base_options(&opt);
    opt.led_name = "../../../etc";
    expect_refused(&opt, "led_name: must be a plain name");
    base_options(&opt);
    opt.led_name = "status";
    opt.has_led_gpio = 1;
    opt.led_gpio = 25;
    expect_refused(&opt, "led_name: and led_gpio cannot both be set");
    base_options(&opt);
    opt.has_led_gpio = 1;
    opt.led_gpio = -1;
    expect_refused(&opt, "led_gpio: must be a GPIO number");
    base_options(&opt);
    opt.watchdog_device = "dev/watchdog";
    expect_refused(&opt, "watchdog_device: must be an absolute path");
    base_options(&opt);
    opt.battery_supply = "..";
    expect_refused(&opt, "battery_supply: must be a plain name");
    base_options(&opt);
    opt.has_battery_adc = 1;
    opt.battery_adc_channel = -2;
    expect_refused(&opt, "battery_adc_channel: channel and IIO device");
}

/* ---- millis --------------------------------------------------------------- */

static uint32_t monotonic_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint32_t)((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u);
}

static void test_millis(void)
{
    struct ota_posix_options opt;
    struct ota_posix posix;
    struct ota_port port;
    uint32_t before, m, after;

    base_options(&opt);
    if (start_port(&posix, &port, &opt) != 0)
        return;
    before = monotonic_ms();
    m = port.sys.millis(port.user);
    after = monotonic_ms();
    /* CLOCK_MONOTONIC in ms: between two readings of it (wrap-safe). */
    CHECK((uint32_t)(m - before) <= (uint32_t)(after - before));
    ota_posix_deinit(&posix);
}

/* ---- LED class ------------------------------------------------------------ */

static void test_led_class(void)
{
    struct ota_posix_options opt;
    struct ota_posix posix;
    struct ota_port port;

    clear_tree();
    base_options(&opt);
    opt.led_name = "status";
    if (start_port(&posix, &port, &opt) != 0)
        return;

    /* Missing LED: a clear error, logged once however often it blinks. */
    port.hw.led(port.user, 1);
    port.hw.led(port.user, 0);
    port.hw.led(port.user, 1);
    CHECK_EQ_INT(log_count("led: cannot read "), 1);
    CHECK(strstr(log_text, "/sys/class/leds/status/max_brightness: No such file") != NULL);

    put("sys/class/leds/status/max_brightness", "255\n");
    put("sys/class/leds/status/brightness", "0\n");
    port.hw.led(port.user, 1);
    CHECK_EQ_STR(got("sys/class/leds/status/brightness"), "255");
    port.hw.led(port.user, 0);
    CHECK_EQ_STR(got("sys/class/leds/status/brightness"), "0");
    port.hw.led(port.user, 1);
    CHECK_EQ_STR(got("sys/class/leds/status/brightness"), "255");

    /* Working again, a new failure is logged again. */
    drop("sys/class/leds/status/brightness");
    port.hw.led(port.user, 0);
    CHECK_EQ_INT(log_count("led: cannot write "), 1);
    CHECK_EQ_STR(got("sys/class/leds/status/brightness"), "(missing)");
    ota_posix_deinit(&posix);
}

/* ---- sysfs GPIO ----------------------------------------------------------- */

static void test_led_gpio_exported(void)
{
    struct ota_posix_options opt;
    struct ota_posix posix;
    struct ota_port port;

    clear_tree();
    put("sys/class/gpio/export", "");
    put("sys/class/gpio/gpio25/direction", "in\n");
    put("sys/class/gpio/gpio25/value", "0\n");
    base_options(&opt);
    opt.has_led_gpio = 1;
    opt.led_gpio = 25;
    if (start_port(&posix, &port, &opt) != 0)
        return;
    port.hw.led(port.user, 1);
    CHECK_EQ_STR(got("sys/class/gpio/export"), ""); /* already exported */
    CHECK_EQ_STR(got("sys/class/gpio/gpio25/direction"), "out");
    CHECK_EQ_STR(got("sys/class/gpio/gpio25/value"), "1");
    put("sys/class/gpio/gpio25/direction", "out\n"); /* the kernel's newline */
    port.hw.led(port.user, 0);
    CHECK_EQ_STR(got("sys/class/gpio/gpio25/value"), "0");
    port.hw.led(port.user, 1);
    CHECK_EQ_STR(got("sys/class/gpio/gpio25/value"), "1");
    CHECK_EQ_STR(got("sys/class/gpio/gpio25/direction"), "out\n"); /* once */
    CHECK_EQ_INT(log_count("led:"), 0);
    ota_posix_deinit(&posix);

    /* Already an output: left alone (rewriting it would drive it low). */
    put("sys/class/gpio/gpio25/value", "1\n");
    if (start_port(&posix, &port, &opt) != 0)
        return;
    port.hw.led(port.user, 1);
    CHECK_EQ_STR(got("sys/class/gpio/gpio25/direction"), "out\n");
    CHECK_EQ_STR(got("sys/class/gpio/gpio25/value"), "1");
    ota_posix_deinit(&posix);
}

/* Plays the kernel: reads the number written to the export FIFO, then
 * creates that GPIO's directory, as the real export does. */
static void *fake_gpio_kernel(void *arg)
{
    char *number = arg, path[1024];
    ssize_t n;
    int fd;

    path_of(path, sizeof path, "sys/class/gpio/export");
    fd = open(path, O_RDONLY);
    n = fd < 0 ? -1 : read(fd, number, 15);
    number[n > 0 ? n : 0] = '\0';
    if (fd >= 0)
        close(fd);
    snprintf(path, sizeof path, "sys/class/gpio/gpio%s/value", number);
    put(path, "0\n");
    snprintf(path, sizeof path, "sys/class/gpio/gpio%s/direction", number);
    put(path, "in\n");
    return NULL;
}

static void test_led_gpio_export(void)
{
    struct ota_posix_options opt;
    struct ota_posix posix;
    struct ota_port port;
    char path[1024], number[16];
    pthread_t kernel;

    clear_tree();
    make_parents("sys/class/gpio/export");
    path_of(path, sizeof path, "sys/class/gpio/export");
    CHECK_EQ_INT(mkfifo(path, 0600), 0);
    base_options(&opt);
    opt.has_led_gpio = 1;
    opt.led_gpio = 17;
    if (start_port(&posix, &port, &opt) != 0)
        return;
    CHECK_EQ_INT(pthread_create(&kernel, NULL, fake_gpio_kernel, number), 0);
    port.hw.led(port.user, 1);
    pthread_join(kernel, NULL);
    CHECK_EQ_STR(number, "17");
    CHECK_EQ_STR(got("sys/class/gpio/gpio17/direction"), "out");
    CHECK_EQ_STR(got("sys/class/gpio/gpio17/value"), "1");
    port.hw.led(port.user, 0);
    CHECK_EQ_STR(got("sys/class/gpio/gpio17/value"), "0");
    CHECK_EQ_INT(log_count("led:"), 0);
    ota_posix_deinit(&posix);
}

static void test_led_gpio_missing(void)
{
    struct ota_posix_options opt;
    struct ota_posix posix;
    struct ota_port port;

    clear_tree(); /* no /sys/class/gpio at all */
    base_options(&opt);
    opt.has_led_gpio = 1;
    opt.led_gpio = 4;
    if (start_port(&posix, &port, &opt) != 0)
        return;
    port.hw.led(port.user, 1);
    port.hw.led(port.user, 0);
    CHECK_EQ_INT(log_count("led: cannot export the GPIO through "), 1);
    CHECK(strstr(log_text, "/sys/class/gpio/export: No such file") != NULL);
    ota_posix_deinit(&posix);
}

/* ---- battery: IIO ADC ----------------------------------------------------- */

static int read_battery(struct ota_port *port, struct ota_battery *b)
{
    memset(b, 0x55, sizeof *b); /* every member must be written */
    return port->hw.battery(port->user, b);
}

static void test_battery_iio(void)
{
    struct ota_posix_options opt;
    struct ota_posix posix;
    struct ota_port port;
    struct ota_battery b;

    clear_tree();
    base_options(&opt);
    opt.has_battery_adc = 1;
    opt.battery_adc_channel = 3;
    opt.battery_iio_device = 1;
    if (start_port(&posix, &port, &opt) != 0)
        return;

    CHECK_EQ_INT(read_battery(&port, &b), OTA_ERR_NOT_FOUND);
    CHECK(strstr(log_text, "battery: cannot read ") != NULL);
    CHECK(strstr(log_text, "/sys/bus/iio/devices/iio:device1/in_voltage3_raw") != NULL);

    put("sys/bus/iio/devices/iio:device1/in_voltage3_raw", "2048\n");
    log_text[0] = '\0';
    CHECK_EQ_INT(read_battery(&port, &b), OTA_ERR_NOT_FOUND);
    CHECK(strstr(log_text, "iio:device1 has neither in_voltage3_scale nor "
                           "in_voltage_scale") != NULL);

    /* The scale the channels share: 2048 * 0.805664062 mV = 1650 mV. */
    put("sys/bus/iio/devices/iio:device1/in_voltage_scale", "0.805664062\n");
    CHECK_EQ_INT(read_battery(&port, &b), 0);
    CHECK_EQ_INT(b.adc_mv, 1650);
    CHECK_EQ_INT(b.percent, -1);        /* no power_supply configured */
    CHECK_EQ_INT(b.external_power, -1); /* no power_supply class at all */

    /* The channel's own scale wins; an offset applies before it. */
    put("sys/bus/iio/devices/iio:device1/in_voltage3_scale", "1.5\n");
    CHECK_EQ_INT(read_battery(&port, &b), 0);
    CHECK_EQ_INT(b.adc_mv, 3072);
    put("sys/bus/iio/devices/iio:device1/in_voltage3_offset", "-48\n");
    CHECK_EQ_INT(read_battery(&port, &b), 0);
    CHECK_EQ_INT(b.adc_mv, 3000);

    put("sys/bus/iio/devices/iio:device1/in_voltage3_raw", "lots\n");
    CHECK_EQ_INT(read_battery(&port, &b), OTA_ERR_BAD_RESPONSE);
    ota_posix_deinit(&posix);
}

/* ---- battery: power_supply ------------------------------------------------ */

static void supply(const char *name, const char *attr, const char *value)
{
    char rel[256];

    snprintf(rel, sizeof rel, "sys/class/power_supply/%s/%s", name, attr);
    put(rel, value);
}

static void test_supply_capacity(void)
{
    struct ota_posix_options opt;
    struct ota_posix posix;
    struct ota_port port;
    struct ota_battery b;

    clear_tree();
    supply("BAT1", "type", "Battery\n");
    supply("BAT1", "capacity", "40\n");
    supply("BAT0", "type", "Battery\n");
    supply("BAT0", "capacity", "87\n");
    supply("BAT0", "status", "Discharging\n");
    supply("AC", "type", "Mains\n");
    supply("AC", "online", "0\n");
    supply("AA-mouse", "type", "Battery\n"); /* first by name, not ours */
    supply("AA-mouse", "scope", "Device\n");
    supply("AA-mouse", "capacity", "5\n");
    base_options(&opt);
    opt.battery_supply = OTA_POSIX_SUPPLY_AUTO;
    if (start_port(&posix, &port, &opt) != 0)
        return;

    CHECK_EQ_INT(read_battery(&port, &b), 0);
    CHECK_EQ_INT(b.adc_mv, -1);
    CHECK_EQ_INT(b.percent, 87); /* BAT0: the first system battery */
    CHECK_EQ_INT(b.external_power, 0);

    supply("AC", "online", "1\n");
    CHECK_EQ_INT(read_battery(&port, &b), 0);
    CHECK_EQ_INT(b.external_power, 1);
    ota_posix_deinit(&posix);

    opt.battery_supply = "BAT1"; /* named */
    if (start_port(&posix, &port, &opt) != 0)
        return;
    supply("BAT1", "capacity", "140\n"); /* clamped */
    CHECK_EQ_INT(read_battery(&port, &b), 0);
    CHECK_EQ_INT(b.percent, 100);
    ota_posix_deinit(&posix);
}

static void test_supply_voltage(void)
{
    struct ota_posix_options opt;
    struct ota_posix posix;
    struct ota_port port;
    struct ota_battery b;

    clear_tree();
    supply("fuel", "type", "Battery\n");
    supply("fuel", "voltage_now", "3600000\n"); /* microvolts */
    supply("fuel", "voltage_max_design", "4200000\n");
    supply("fuel", "voltage_min_design", "3000000\n");
    base_options(&opt);
    opt.battery_supply = "fuel";
    if (start_port(&posix, &port, &opt) != 0)
        return;
    CHECK_EQ_INT(read_battery(&port, &b), 0);
    CHECK_EQ_INT(b.percent, 50);
    CHECK_EQ_INT(b.external_power, -1); /* no status, no charger: unknown */
    supply("fuel", "voltage_now", "2900000\n");
    CHECK_EQ_INT(read_battery(&port, &b), 0);
    CHECK_EQ_INT(b.percent, 0);

    drop("sys/class/power_supply/fuel/voltage_min_design");
    CHECK_EQ_INT(read_battery(&port, &b), OTA_ERR_NOT_FOUND);
    CHECK(strstr(log_text, "/sys/class/power_supply/fuel has neither capacity "
                           "nor voltage_now") != NULL);
    ota_posix_deinit(&posix);
}

static void test_external_power(void)
{
    struct ota_posix_options opt;
    struct ota_posix posix;
    struct ota_port port;
    struct ota_battery b;

    clear_tree();
    supply("BAT0", "type", "Battery\n");
    supply("BAT0", "capacity", "60\n");
    supply("BAT0", "status", "Charging\n");
    base_options(&opt);
    opt.battery_supply = OTA_POSIX_SUPPLY_AUTO;
    if (start_port(&posix, &port, &opt) != 0)
        return;
    CHECK_EQ_INT(read_battery(&port, &b), 0);
    CHECK_EQ_INT(b.external_power, 1);
    supply("BAT0", "status", "Full\n");
    CHECK_EQ_INT(read_battery(&port, &b), 0);
    CHECK_EQ_INT(b.external_power, 1);
    supply("BAT0", "status", "Unknown\n");
    CHECK_EQ_INT(read_battery(&port, &b), 0);
    CHECK_EQ_INT(b.external_power, -1);
    supply("usb", "type", "USB\n");
    supply("usb", "online", "0\n");
    CHECK_EQ_INT(read_battery(&port, &b), 0);
    CHECK_EQ_INT(b.external_power, 0);
    supply("usb", "online", "1\n");
    CHECK_EQ_INT(read_battery(&port, &b), 0);
    CHECK_EQ_INT(b.external_power, 1);
    CHECK_EQ_INT(b.percent, 60);
    ota_posix_deinit(&posix);
}

static void test_supply_missing(void)
{
    struct ota_posix_options opt;
    struct ota_posix posix;
    struct ota_port port;
    struct ota_battery b;

    clear_tree();
    supply("AC", "type", "Mains\n");
    supply("AC", "online", "1\n");
    base_options(&opt);
    opt.battery_supply = "BAT7";
    if (start_port(&posix, &port, &opt) == 0) {
        CHECK_EQ_INT(read_battery(&port, &b), OTA_ERR_NOT_FOUND);
        CHECK(strstr(log_text, "battery: no power supply ") != NULL);
        CHECK(strstr(log_text, "/sys/class/power_supply/BAT7: No such file") != NULL);
        ota_posix_deinit(&posix);
    }
    base_options(&opt);
    opt.battery_supply = OTA_POSIX_SUPPLY_AUTO;
    if (start_port(&posix, &port, &opt) == 0) {
        CHECK_EQ_INT(read_battery(&port, &b), OTA_ERR_NOT_FOUND);
        CHECK(strstr(log_text, "battery: no power supply of type Battery in ") != NULL);
        ota_posix_deinit(&posix);
    }
}

/* ---- free storage and memory ---------------------------------------------- */

static void test_resources(void)
{
    struct ota_posix_options opt;
    struct ota_posix posix;
    struct ota_port port;
    struct statvfs st;
    uint64_t bytes = 0;

    clear_tree();
    base_options(&opt);
    if (start_port(&posix, &port, &opt) != 0)
        return;

    CHECK_EQ_INT(port.hw.free_memory(port.user, &bytes), OTA_ERR_NOT_FOUND);
    CHECK(strstr(log_text, "free memory: cannot read ") != NULL);
    CHECK(strstr(log_text, "/proc/meminfo: No such file") != NULL);

    put("proc/meminfo", "MemTotal:        1024000 kB\n"
                        "MemFree:           10000 kB\n"
                        "MemAvailable:     524288 kB\n"
                        "Buffers:            2000 kB\n");
    CHECK_EQ_INT(port.hw.free_memory(port.user, &bytes), 0);
    CHECK_EQ_INT(bytes, 524288ull * 1024u);

    put("proc/meminfo", "MemTotal:        1024000 kB\nMemFree: 10000 kB\n");
    CHECK_EQ_INT(port.hw.free_memory(port.user, &bytes), OTA_ERR_NOT_FOUND);
    CHECK(strstr(log_text, "no MemAvailable line in ") != NULL);

    /* The tree's filesystem: at most its size (it changes under other
     * processes, so no exact figure). */
    CHECK_EQ_INT(statvfs(tree, &st), 0);
    bytes = UINT64_MAX;
    CHECK_EQ_INT(port.hw.free_storage(port.user, &bytes), 0);
    CHECK(bytes <= (uint64_t)st.f_blocks * st.f_frsize);
    ota_posix_deinit(&posix);

    base_options(&opt);
    opt.root = "/nonexistent-ota-device-root";
    if (start_port(&posix, &port, &opt) != 0)
        return;
    CHECK_EQ_INT(port.hw.free_storage(port.user, &bytes), OTA_ERR_NOT_FOUND);
    CHECK(strstr(log_text, "free storage: statvfs ") != NULL);
    ota_posix_deinit(&posix);
}

/* ---- watchdog ------------------------------------------------------------- */

/* What the FIFO holds now (non-blocking); "(eof)" once the writer closed. */
static const char *drain(int fd)
{
    static char buf[64];
    ssize_t n = read(fd, buf, sizeof buf - 1);

    if (n == 0)
        return "(eof)";
    buf[n > 0 ? n : 0] = '\0';
    return buf;
}

static void test_watchdog_fifo(void)
{
    struct ota_posix_options opt;
    struct ota_posix posix;
    struct ota_port port;
    char path[1024];
    int reader;

    clear_tree();
    make_parents("dev/watchdog");
    path_of(path, sizeof path, "dev/watchdog");
    CHECK_EQ_INT(mkfifo(path, 0600), 0);
    base_options(&opt);
    opt.watchdog_device = OTA_POSIX_WATCHDOG_DEVICE;
    if (start_port(&posix, &port, &opt) != 0)
        return;

    /* No reader yet: refused at once rather than blocking. */
    CHECK(port.hw.watchdog_start(port.user, 1500) < 0);
    CHECK(strstr(log_text, "watchdog: cannot open ") != NULL);

    reader = open(path, O_RDONLY | O_NONBLOCK);
    CHECK(reader >= 0);
    log_text[0] = '\0';
    CHECK_EQ_INT(port.hw.watchdog_start(port.user, 1500), 0);
    /* A FIFO takes no ioctl: the timeout (rounded up to 2 s) is not set,
     * and that is logged, not fatal. */
    CHECK(strstr(log_text, "watchdog: cannot set the timeout of ") != NULL);
    CHECK(strstr(log_text, "to 2 s: ") != NULL);
    CHECK(strstr(log_text, "(not a watchdog device)") != NULL);
    CHECK_EQ_STR(drain(reader), "");

    port.hw.watchdog_feed(port.user);
    CHECK_EQ_STR(drain(reader), ".");
    port.hw.watchdog_feed(port.user);
    port.hw.watchdog_feed(port.user);
    CHECK_EQ_STR(drain(reader), "..");
    CHECK_EQ_INT(log_count("feeding by writes"), 1);

    port.hw.watchdog_stop(port.user);
    CHECK_EQ_STR(drain(reader), "V"); /* the magic close */
    CHECK_EQ_STR(drain(reader), "(eof)");
    port.hw.watchdog_feed(port.user); /* stopped: nothing written */
    port.hw.watchdog_stop(port.user);
    CHECK_EQ_STR(drain(reader), "(eof)");
    ota_posix_deinit(&posix);
    close(reader);
}

static void test_watchdog_file(void)
{
    struct ota_posix_options opt;
    struct ota_posix posix;
    struct ota_port port;

    clear_tree();
    put("dev/watchdog1", "");
    base_options(&opt);
    opt.watchdog_device = "/dev/watchdog1";
    if (start_port(&posix, &port, &opt) != 0)
        return;
    CHECK_EQ_INT(port.hw.watchdog_start(port.user, 0), OTA_ERR_INVALID_ARG);
    CHECK_EQ_INT(port.hw.watchdog_start(port.user, 8000), 0);
    port.hw.watchdog_feed(port.user);
    CHECK_EQ_INT(port.hw.watchdog_start(port.user, 4000), 0); /* same file */
    port.hw.watchdog_feed(port.user);
    CHECK_EQ_STR(got("dev/watchdog1"), "..");
    ota_posix_deinit(&posix); /* started: deinit does the magic close */
    CHECK_EQ_STR(got("dev/watchdog1"), "..V");

    put("dev/watchdog1", "");
    if (start_port(&posix, &port, &opt) != 0)
        return;
    ota_posix_deinit(&posix); /* never started: the file is left alone */
    CHECK_EQ_STR(got("dev/watchdog1"), "");

    drop("dev/watchdog1");
    if (start_port(&posix, &port, &opt) != 0)
        return;
    CHECK_EQ_INT(port.hw.watchdog_start(port.user, 8000), OTA_ERR_NOT_FOUND);
    CHECK(strstr(log_text, "/dev/watchdog1: No such file") != NULL);
    ota_posix_deinit(&posix);
    CHECK_EQ_STR(got("dev/watchdog1"), "(missing)"); /* never created */
}

/* The port's own sleep keeps a started watchdog fed: one feed after each
 * slice of a quarter of the timeout asked for. */
static void test_watchdog_sleep(void)
{
    struct ota_posix_options opt;
    struct ota_posix posix;
    struct ota_port port;

    clear_tree();
    put("dev/watchdog", "");
    base_options(&opt);
    opt.watchdog_device = OTA_POSIX_WATCHDOG_DEVICE;
    if (start_port(&posix, &port, &opt) != 0)
        return;
    port.sys.sleep_ms(port.user, 5); /* not started: nothing to feed */
    CHECK_EQ_STR(got("dev/watchdog"), "");
    CHECK_EQ_INT(port.hw.watchdog_start(port.user, 40), 0);
    port.sys.sleep_ms(port.user, 25); /* slices of 10, 10 and 5 ms */
    CHECK_EQ_STR(got("dev/watchdog"), "...");
    port.hw.watchdog_stop(port.user);
    port.sys.sleep_ms(port.user, 5); /* stopped: nothing more */
    CHECK_EQ_STR(got("dev/watchdog"), "...V");
    ota_posix_deinit(&posix);
}

int main(void)
{
    const char *tmp = getenv("TMPDIR");

    snprintf(tree, sizeof tree, "%s/ota-hw-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    if (!mkdtemp(tree)) {
        perror("mkdtemp");
        return 2;
    }
    alarm(60); /* never hang a test run */

    test_binding();
    test_bad_options();
    test_millis();
    test_led_class();
    test_led_gpio_exported();
    test_led_gpio_export();
    test_led_gpio_missing();
    test_battery_iio();
    test_supply_capacity();
    test_supply_voltage();
    test_external_power();
    test_supply_missing();
    test_resources();
    test_watchdog_fifo();
    test_watchdog_file();
    test_watchdog_sleep();

    nftw(tree, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    TEST_MAIN_END();
}
