/* POSIX port: the Linux watchdog device (Documentation/watchdog/
 * watchdog-api.rst). Opening the device arms it; WDIOC_SETTIMEOUT sets its
 * timeout in whole seconds; WDIOC_KEEPALIVE feeds it, or, for a file that
 * takes no ioctls, any written byte other than 'V' does; writing 'V' and
 * closing is the magic close that disarms it (unless the driver was built
 * with nowayout, in which case the device resets once the timeout passes). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/watchdog.h>

#include "posix_hw.h"

#ifndef O_CLOEXEC
#define O_CLOEXEC 0
#endif

#define KEEPALIVE_BYTE '.'
#define MAGIC_CLOSE_BYTE 'V'

/* ENOTTY: not a device at all (a FIFO, a regular file); EINVAL: a device
 * without that ioctl, or a value out of the driver's range. */
static int ioctl_unsupported(int e)
{
    return e == ENOTTY || e == EINVAL;
}

static int write_byte(int fd, char c)
{
    ssize_t n;

    do
        n = write(fd, &c, 1);
    while (n < 0 && errno == EINTR);
    return n == 1 ? 0 : -1;
}

/* The open call itself arms the watchdog. O_NONBLOCK so that a FIFO with no
 * reader fails at once instead of blocking the updater. */
static int open_device(struct ota_posix *p, const char *path)
{
    int fd;

    do
        fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        int e = errno;
        ota_posix__logf(p, OTA_LOG_ERROR, "watchdog: cannot open %s: %s%s",
                        path, strerror(e),
                        e == EBUSY ? " (another process, such as systemd, "
                                     "holds the watchdog)"
                                   : "");
        return ota_posix__hw_errno(e);
    }
    return fd;
}

/* A failure is tolerated: the device keeps the timeout it already had. */
static void set_timeout(struct ota_posix *p, const char *path, uint32_t timeout_ms)
{
    int requested = (int)((timeout_ms + 999u) / 1000u), actual;

    if (requested < 1)
        requested = 1;
    actual = requested;
    if (ioctl(p->watchdog_fd, WDIOC_SETTIMEOUT, &actual) != 0) {
        int e = errno;
        ota_posix__logf(p, OTA_LOG_WARN,
                        "watchdog: cannot set the timeout of %s to %d s: %s%s; "
                        "it keeps its own timeout",
                        path, requested, strerror(e),
                        e == ENOTTY ? " (not a watchdog device)" : "");
        return;
    }
    if (actual != requested) /* drivers round to what the hardware does */
        ota_posix__logf(p, OTA_LOG_INFO,
                        "watchdog: %s timeout is %d s (asked for %d s)", path,
                        actual, requested);
}

int ota_posix__watchdog_start(void *user, uint32_t timeout_ms)
{
    struct ota_posix *p = user;
    char path[OTA_POSIX_HW_PATH_MAX];
    int err, fd;

    if (!p || timeout_ms == 0)
        return OTA_ERR_INVALID_ARG;
    if ((err = ota_posix__hw_path(p, path, sizeof path, "%s",
                                  p->opt.watchdog_device)) < 0) {
        ota_posix__logf(p, OTA_LOG_ERROR, "watchdog: device path too long");
        return err;
    }
    if (p->watchdog_fd < 0) { /* a second start only changes the timeout */
        if ((fd = open_device(p, path)) < 0)
            return fd;
        p->watchdog_fd = fd;
        p->watchdog_by_write = 0;
        p->watchdog_feed_failing = 0;
    }
    set_timeout(p, path, timeout_ms);
    p->watchdog_timeout_ms = timeout_ms;
    return 0;
}

/* A quarter of the timeout asked for, so that a late feed or two (a busy
 * system) never lets the device reset. */
uint32_t ota_posix__watchdog_interval_ms(const struct ota_posix *p)
{
    uint32_t quarter = p->watchdog_timeout_ms / 4u;

    if (p->watchdog_fd < 0)
        return 0;
    return quarter ? quarter : 1u;
}

/* KEEPALIVE where the file takes ioctls; once it turns out not to, the
 * documented fallback of writing a byte, from then on. */
static int keepalive(struct ota_posix *p)
{
    if (!p->watchdog_by_write) {
        if (ioctl(p->watchdog_fd, WDIOC_KEEPALIVE, 0) == 0)
            return 0;
        if (!ioctl_unsupported(errno))
            return -1;
        p->watchdog_by_write = 1;
        ota_posix__logf(p, OTA_LOG_DEBUG,
                        "watchdog: no WDIOC_KEEPALIVE (%s): feeding by writes",
                        strerror(errno));
    }
    return write_byte(p->watchdog_fd, KEEPALIVE_BYTE);
}

/* A failing feed is logged once, not on every call, until one works. */
void ota_posix__watchdog_feed(void *user)
{
    struct ota_posix *p = user;

    if (!p || p->watchdog_fd < 0)
        return;
    if (keepalive(p) == 0) {
        p->watchdog_feed_failing = 0;
        return;
    }
    if (!p->watchdog_feed_failing)
        ota_posix__logf(p, OTA_LOG_ERROR, "watchdog: feeding failed: %s",
                        strerror(errno));
    p->watchdog_feed_failing = 1;
}

void ota_posix__watchdog_stop(void *user)
{
    struct ota_posix *p = user;

    if (!p || p->watchdog_fd < 0)
        return;
    if (write_byte(p->watchdog_fd, MAGIC_CLOSE_BYTE) != 0)
        ota_posix__logf(p, OTA_LOG_ERROR,
                        "watchdog: magic close failed (%s): it stays armed and "
                        "will reset the device",
                        strerror(errno));
    if (close(p->watchdog_fd) != 0)
        ota_posix__logf(p, OTA_LOG_WARN, "watchdog: close: %s", strerror(errno));
    p->watchdog_fd = -1;
}
