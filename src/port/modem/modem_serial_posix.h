/* The modem's serial line on POSIX: a tty (/dev/ttyUSB2, /dev/serial0, a
 * pseudo-terminal in tests) in raw mode, 8N1, no flow control, at the
 * configured baud rate, read with a timeout through poll(). */
#ifndef OTA_MODEM_SERIAL_POSIX_H
#define OTA_MODEM_SERIAL_POSIX_H

#include "ota_modem.h"

struct ota_modem_serial_posix {
    int fd;
};

/* Opens path at baud (9600 to 921600; "cellular_baud") and fills *serial
 * with callbacks on *s (serial->on_wait is left NULL for the caller).
 * OTA_ERR_CONFIG for a baud rate the platform lacks, OTA_ERR_IO when the
 * tty cannot be opened or configured. */
int ota_modem_serial_open(struct ota_modem_serial_posix *s, const char *path,
                          unsigned long baud, struct ota_modem_serial *serial);

void ota_modem_serial_close(struct ota_modem_serial_posix *s);

#endif
