/* POSIX serial line for the modem driver (modem_serial_posix.h). */
#include "modem_serial_posix.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static const struct {
    unsigned long baud;
    speed_t speed;
} speeds[] = {
    {9600, B9600},     {19200, B19200},   {38400, B38400},   {57600, B57600},
    {115200, B115200}, {230400, B230400},
#ifdef B460800
    {460800, B460800},
#endif
#ifdef B921600
    {921600, B921600},
#endif
};

static int speed_of(unsigned long baud, speed_t *out)
{
    size_t i;

    for (i = 0; i < sizeof speeds / sizeof speeds[0]; i++) {
        if (speeds[i].baud == baud) {
            *out = speeds[i].speed;
            return 0;
        }
    }
    return OTA_ERR_CONFIG;
}

/* Raw bytes both ways (no echo, no CR/LF translation, no signals), 8 data
 * bits, no parity, one stop bit, no hardware or software flow control. */
static int configure(int fd, speed_t speed)
{
    struct termios tio;

    if (tcgetattr(fd, &tio) != 0)
        return OTA_ERR_IO;
    cfmakeraw(&tio);
    tio.c_cflag &= ~(tcflag_t)(CSIZE | PARENB | CSTOPB | CRTSCTS);
    tio.c_cflag |= CS8 | CLOCAL | CREAD;
    tio.c_iflag &= ~(tcflag_t)(IXON | IXOFF | IXANY);
    tio.c_cc[VMIN] = 0;
    tio.c_cc[VTIME] = 0;
    if (cfsetispeed(&tio, speed) != 0 || cfsetospeed(&tio, speed) != 0 ||
        tcsetattr(fd, TCSANOW, &tio) != 0)
        return OTA_ERR_IO;
    tcflush(fd, TCIOFLUSH); /* whatever the modem said before we listened */
    return 0;
}

static int serial_write(void *user, const uint8_t *data, size_t len)
{
    struct ota_modem_serial_posix *s = user;

    while (len > 0) {
        ssize_t n = write(s->fd, data, len);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            struct pollfd p = {s->fd, POLLOUT, 0};
            if (poll(&p, 1, 1000) < 0 && errno != EINTR)
                return OTA_ERR_IO;
            continue;
        }
        if (n <= 0)
            return OTA_ERR_IO;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

static long serial_read(void *user, uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    struct ota_modem_serial_posix *s = user;
    struct pollfd p = {s->fd, POLLIN, 0};
    ssize_t n;
    int r = poll(&p, 1, timeout_ms > 60000u ? 60000 : (int)timeout_ms);

    if (r < 0)
        return errno == EINTR ? 0 : OTA_ERR_IO;
    if (r == 0)
        return 0;
    n = read(s->fd, buf, len);
    if (n < 0)
        return errno == EAGAIN || errno == EINTR ? 0 : OTA_ERR_IO;
    if (n == 0) { /* hang-up: the device went away; do not spin on it */
        if (p.revents & POLLHUP)
            return OTA_ERR_IO;
        return 0;
    }
    return (long)n;
}

static uint32_t serial_millis(void *user)
{
    struct timespec ts;

    (void)user;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint32_t)((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u);
}

int ota_modem_serial_open(struct ota_modem_serial_posix *s, const char *path,
                          unsigned long baud, struct ota_modem_serial *serial)
{
    speed_t speed;
    int err;

    if (!s || !path || !serial)
        return OTA_ERR_INVALID_ARG;
    s->fd = -1;
    if (speed_of(baud, &speed) != 0)
        return OTA_ERR_CONFIG;
    s->fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (s->fd < 0)
        return OTA_ERR_IO;
    if ((err = configure(s->fd, speed)) != 0) {
        ota_modem_serial_close(s);
        return err;
    }
    memset(serial, 0, sizeof *serial);
    serial->write = serial_write;
    serial->read = serial_read;
    serial->millis = serial_millis;
    serial->user = s;
    return 0;
}

void ota_modem_serial_close(struct ota_modem_serial_posix *s)
{
    if (s && s->fd >= 0) {
        close(s->fd);
        s->fd = -1;
    }
}
