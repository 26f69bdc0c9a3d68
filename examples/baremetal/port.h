/* The device: the file store on the board's flash, the board's transport,
 * clock and random numbers, and hashing in software with the core's own
 * SHA-1 and SHA-256, as one struct ota_port. */
#ifndef BAREMETAL_PORT_H
#define BAREMETAL_PORT_H

#include "file_store.h"
#include "ota/ota_port.h"

struct device {
    struct file_store store; /* first: the fs ops take the port's user as the store */
    struct flash flash;
};

/* Mounts the store and fills port (user = dev). 0 or a negative ota_err. */
int device_port_init(struct device *dev, struct ota_port *port);

#endif
