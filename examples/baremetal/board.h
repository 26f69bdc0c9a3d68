/* What the board provides, and the integrator fills in: the flash driver,
 * the network transport, a clock and a reset. Each is a stub in board.c or
 * transport.c that builds and links, so the sizes are real, but does nothing
 * useful until it is written for the hardware. */
#ifndef BAREMETAL_BOARD_H
#define BAREMETAL_BOARD_H

#include <stddef.h>
#include <stdint.h>

#include "ota/ota_port.h"

/* The file store's flash region: the upper 1 MiB of a 2 MiB flash. */
#define BOARD_STORE_OFFSET (1024u * 1024u)
#define BOARD_STORE_SIZE (1024u * 1024u)

/* struct flash operations, offsets from the start of the store region. */
int board_flash_erase(void *arg, uint32_t offset);
int board_flash_program(void *arg, uint32_t offset, const uint8_t *data, size_t len);
const uint8_t *board_flash_base(void);

/* struct ota_http_ops.get: see transport.c. */
int board_http_get(void *user, const struct ota_http_request *req,
                   const struct ota_http_sink *sink);

int64_t board_time_now(void *user);
void board_sleep_ms(void *user, uint32_t ms);
uint32_t board_random(void *user);
void board_reboot(void);

#endif
