/* The POSIX port: device files under a root directory, HTTP(S) through
 * libcurl (one easy handle, so connections are reused), hashes through
 * OpenSSL libcrypto, the system clock, and on Linux the kernel's watchdog,
 * LED, GPIO, IIO and power-supply interfaces (docs/linux-hardware.md). */
#ifndef OTA_POSIX_H
#define OTA_POSIX_H

#include "ota/ota_port.h"

typedef void (*ota_posix_log_fn)(void *arg, enum ota_log_level level,
                                 const char *msg);

struct ota_posix_options {
    const char *root;            /* device root directory; NULL = "." */
    long connect_timeout_sec;    /* 0 = default 20 */
    long http_timeout_sec;       /* a transfer making no progress for this
                                    long fails with OTA_ERR_TIMEOUT; 0 = 20 */
    const char *interface;       /* bind HTTP to this interface (optional) */
    const char *ca_file;         /* PEM CA bundle to verify servers with
                                    (optional; CURLOPT_CAINFO: it takes the
                                    place of libcurl's default bundle file,
                                    while libcurl's default CA directory, if
                                    it was built with one, stays in use) */
    enum ota_log_level log_level; /* lines above this level are dropped */
    ota_posix_log_fn log_fn;     /* NULL = "ota: level: msg" on stderr */
    void *log_arg;

    /* ---- Linux hardware (docs/linux-hardware.md) ----
     * A zeroed struct means no hardware: each part is used, and its
     * port->hw member set, only when configured here. free_storage,
     * free_memory and sys.millis are always there. Strings must stay valid
     * until ota_posix_deinit. */
    const char *sysfs_root;      /* prefix of every hardware path below
                                    (/dev, /sys, /proc), so that tests can
                                    use a fake tree; NULL or "" = "/" */
    const char *watchdog_device; /* watchdog character device, e.g.
                                    OTA_POSIX_WATCHDOG_DEVICE; NULL = none */
    const char *led_name;        /* LED class device: /sys/class/leds/NAME */
    int has_led_gpio;            /* else, when non-zero: the LED is the */
    int led_gpio;                /*   sysfs GPIO led_gpio (>= 0) */
    int has_battery_adc;         /* non-zero: battery voltage from IIO */
    int battery_adc_channel;     /*   in_voltageN_raw, N >= 0, */
    int battery_iio_device;      /*   of iio:deviceD (default 0) */
    const char *battery_supply;  /* charge from /sys/class/power_supply/NAME;
                                    OTA_POSIX_SUPPLY_AUTO ("") = the first
                                    supply, by name, whose type is Battery;
                                    NULL = none */
};

#define OTA_POSIX_WATCHDOG_DEVICE "/dev/watchdog"
#define OTA_POSIX_SUPPLY_AUTO ""

/* Files open at once through one port (the engine needs two or three). */
#define OTA_POSIX_MAX_FILES 16

struct ota_posix {
    struct ota_posix_options opt;
    char root[4096];
    int fds[OTA_POSIX_MAX_FILES]; /* handle -> descriptor, -1 = free */
    void *curl;                  /* CURL * */
    int callback_err;            /* error a sink callback aborted with */
    int random_fd;
    /* hardware state */
    int watchdog_fd;             /* -1: not started */
    uint32_t watchdog_timeout_ms; /* as last asked for */
    int watchdog_by_write;       /* the file takes no ioctls: a keepalive is
                                    a written byte */
    int watchdog_feed_failing;   /* a failed feed was logged (once) */
    int led_gpio_ready;          /* the GPIO is exported and an output */
    int led_failing;             /* a failed LED write was logged (once) */
};

/* Fills *port with this platform's functions bound to *p. */
int ota_posix_init(struct ota_posix *p, const struct ota_posix_options *opt,
                   struct ota_port *port);
void ota_posix_deinit(struct ota_posix *p);

#endif
