/* A region of NOR flash as the file store sees it: read through the memory
 * map (execute-in-place flash is readable like RAM), erased a sector at a
 * time (every byte becomes 0xFF), programmed within one page, where
 * programming can only turn 1 bits into 0 bits. That is the RP2040's QSPI
 * flash (pico-sdk flash_range_erase / flash_range_program, offsets from the
 * start of the flash) and most NOR parts.
 *
 * Crash assumptions: a power cut during a program or an erase may leave the
 * bytes it touched in any state between old and new; everything else keeps
 * its value. */
#ifndef BAREMETAL_FLASH_H
#define BAREMETAL_FLASH_H

#include <stddef.h>
#include <stdint.h>

#define FLASH_SECTOR 4096u /* erase unit */
#define FLASH_PAGE 256u    /* program unit */

struct flash {
    const uint8_t *base; /* the region, memory-mapped */
    uint32_t size;       /* a multiple of FLASH_SECTOR */
    /* Erases the sector at offset (from base). 0 or a negative ota_err. */
    int (*erase)(void *arg, uint32_t offset);
    /* Programs len bytes at offset; never crosses a page boundary. */
    int (*program)(void *arg, uint32_t offset, const uint8_t *data, size_t len);
    void *arg;
};

#endif
