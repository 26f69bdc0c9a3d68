/* POSIX port: clocks, sleep, randomness and the log sink. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#if defined(__linux__)
#include <sys/random.h>
#define OTA_HAVE_GETRANDOM 1
#endif

#include "ota_posix.h"
#include "posix_hw.h"

#ifndef O_CLOEXEC
#define O_CLOEXEC 0
#endif

static int64_t sys_time_now(void *user)
{
    time_t t = time(NULL);

    (void)user;
    return t == (time_t)-1 ? 0 : (int64_t)t;
}

/* Milliseconds of CLOCK_MONOTONIC, which wall-clock steps (NTP, a
 * real-time clock read at boot) never move; the value wraps every 49 days,
 * as the interface allows. */
static uint32_t sys_millis(void *user)
{
    struct timespec ts;
    uint64_t ms;

    (void)user;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        return 0;
    ms = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
    return (uint32_t)ms;
}

static void nap_ms(uint32_t ms)
{
    struct timespec req, rem;

    req.tv_sec = (time_t)(ms / 1000u);
    req.tv_nsec = (long)(ms % 1000u) * 1000000L;
    while (nanosleep(&req, &rem) < 0 && errno == EINTR)
        req = rem;
}

/* With the watchdog started, sleeps in slices and feeds it after each, so
 * that a long sleep never lets it expire. */
static void sys_sleep_ms(void *user, uint32_t ms)
{
    struct ota_posix *p = user;
    uint32_t slice = p ? ota_posix__watchdog_interval_ms(p) : 0;

    if (slice == 0) {
        nap_ms(ms);
        return;
    }
    while (ms > 0) {
        uint32_t step = ms < slice ? ms : slice;
        nap_ms(step);
        ota_posix__watchdog_feed(p);
        ms -= step;
    }
}

static int read_full(int fd, void *buf, size_t len)
{
    unsigned char *b = buf;

    while (len > 0) {
        ssize_t n = read(fd, b, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        b += n;
        len -= (size_t)n;
    }
    return 0;
}

static uint32_t sys_random(void *user)
{
    struct ota_posix *p = user;
    uint32_t v = 0;
    struct timespec ts;

#ifdef OTA_HAVE_GETRANDOM
    {
        ssize_t n;
        do
            n = getrandom(&v, sizeof v, GRND_NONBLOCK);
        while (n < 0 && errno == EINTR);
        if (n == (ssize_t)sizeof v)
            return v;
    }
#endif
    /* No getrandom (old kernel) or the pool is not ready yet: /dev/urandom
     * never blocks. The descriptor is kept open until deinit. */
    if (p) {
        if (p->random_fd < 0) {
            do
                p->random_fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
            while (p->random_fd < 0 && errno == EINTR);
        }
        if (p->random_fd >= 0 && read_full(p->random_fd, &v, sizeof v) == 0)
            return v;
    }
    /* Last resort: this only jitters a backoff, it is not a secret. */
    clock_gettime(CLOCK_MONOTONIC, &ts);
    v = (uint32_t)ts.tv_nsec ^ ((uint32_t)ts.tv_sec * 2654435761u) ^
        ((uint32_t)getpid() << 16);
    return v;
}

static const char *level_name(enum ota_log_level level)
{
    switch (level) {
    case OTA_LOG_ERROR:
        return "error";
    case OTA_LOG_WARN:
        return "warn";
    case OTA_LOG_INFO:
        return "info";
    case OTA_LOG_DEBUG:
        return "debug";
    }
    return "log";
}

static void sys_log(void *user, enum ota_log_level level, const char *msg)
{
    const struct ota_posix *p = user;

    if (!p)
        return;
    if (!msg)
        msg = "";
    if ((int)level > (int)p->opt.log_level)
        return;
    if (p->opt.log_fn)
        p->opt.log_fn(p->opt.log_arg, level, msg);
    else
        fprintf(stderr, "ota: %s: %s\n", level_name(level), msg);
}

void ota_posix__logf(const struct ota_posix *p, enum ota_log_level level,
                     const char *fmt, ...)
{
    char msg[OTA_POSIX_HW_PATH_MAX + 256];
    va_list ap;

    if (!p || (int)level > (int)p->opt.log_level)
        return; /* dropped anyway: skip the formatting */
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    sys_log((void *)p, level, msg);
}

const struct ota_sys_ops ota_posix__sys_ops = {
    .time_now = sys_time_now,
    .sleep_ms = sys_sleep_ms,
    .random = sys_random,
    .log = sys_log,
    .millis = sys_millis,
};
