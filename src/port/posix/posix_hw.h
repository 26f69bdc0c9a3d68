/* POSIX port, internal: what the Linux hardware files share. Every hardware
 * path is the configured sysfs_root followed by an absolute path, so that a
 * fake tree can stand in for /dev, /sys and /proc. */
#ifndef OTA_POSIX_HW_H
#define OTA_POSIX_HW_H

#include <stddef.h>

#include "ota_posix.h"

/* Longest hardware path, sysfs_root included. */
#define OTA_POSIX_HW_PATH_MAX 4096

/* Printf-style line to the port's log (posix_sys.c). */
void ota_posix__logf(const struct ota_posix *p, enum ota_log_level level,
                     const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* ---- posix_sysfs.c: short attribute files under sysfs_root -------------- */

/* out = sysfs_root followed by the formatted absolute path ("/sys/...").
 * OTA_ERR_PATH_TOO_LONG if it does not fit. */
int ota_posix__hw_path(const struct ota_posix *p, char *out, size_t cap,
                       const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* Reads a short file into buf, trailing whitespace removed. On failure
 * returns OTA_ERR_NOT_FOUND (missing) or OTA_ERR_IO with errno set. */
int ota_posix__sysfs_read(const char *path, char *buf, size_t cap);

/* Reads a file holding one decimal integer. OTA_ERR_BAD_RESPONSE (errno
 * EINVAL) when it holds something else. */
int ota_posix__sysfs_read_ll(const char *path, long long *out);

/* Writes value to an existing attribute file, as `echo value > path` does.
 * Failures as ota_posix__sysfs_read. */
int ota_posix__sysfs_write(const char *path, const char *value);

/* An errno from the calls above as an ota_err. */
int ota_posix__hw_errno(int e);

/* ---- the parts (posix_watchdog.c, posix_led.c, posix_battery.c,
 * posix_resources.c) ------------------------------------------------------- */

int ota_posix__watchdog_start(void *user, uint32_t timeout_ms);
void ota_posix__watchdog_feed(void *user);
void ota_posix__watchdog_stop(void *user);
/* How often a sleeping port feeds the started watchdog; 0 = not started. */
uint32_t ota_posix__watchdog_interval_ms(const struct ota_posix *p);
void ota_posix__led(void *user, int on);
int ota_posix__battery(void *user, struct ota_battery *out);
/* Fills out->percent and out->external_power from the power_supply class
 * (posix_supply.c). */
int ota_posix__supply_read(struct ota_posix *p, struct ota_battery *out);
int ota_posix__free_storage(void *user, uint64_t *bytes);
int ota_posix__free_memory(void *user, uint64_t *bytes);

/* ---- posix_hw.c: binding ----------------------------------------------- */

/* Checks the hardware options, resets the hardware state and fills *hw with
 * the parts configured. OTA_ERR_CONFIG (logged) for a bad option. */
int ota_posix__hw_bind(struct ota_posix *p, struct ota_hw_ops *hw);
/* Releases what the parts hold: a started watchdog gets its magic close. */
void ota_posix__hw_release(struct ota_posix *p);

#endif
