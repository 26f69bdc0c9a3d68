/* The board's stubs: replace each body with the real driver call.
 *
 * On an RP2040 with the pico-sdk:
 *   - erase:   flash_range_erase(BOARD_STORE_OFFSET + offset, FLASH_SECTOR)
 *   - program: flash_range_program(BOARD_STORE_OFFSET + offset, data, len)
 *     (it wants whole pages: pad a partial page with 0xFF, which leaves
 *     those bytes as they are), with interrupts disabled and the other core
 *     parked (flash_safe_execute), since execute-in-place stops meanwhile;
 *   - base:    XIP_BASE + BOARD_STORE_OFFSET (0x10000000 + offset);
 *   - time:    an RTC or SNTP (0 is allowed: no expiry checks, fixed backoff);
 *   - sleep:   sleep_ms, feeding the watchdog (watchdog_update) meanwhile;
 *   - random:  get_rand_32 (pico_rand);
 *   - reboot:  watchdog_reboot(0, 0, 0). */
#include "board.h"

/* Reading needs no driver: the flash is memory-mapped at 0x10000000. */
const uint8_t *board_flash_base(void)
{
    return (const uint8_t *)(uintptr_t)(0x10000000u + BOARD_STORE_OFFSET);
}

int board_flash_erase(void *arg, uint32_t offset)
{
    (void)arg;
    (void)offset;
    return OTA_ERR_IO; /* to be written: see above */
}

int board_flash_program(void *arg, uint32_t offset, const uint8_t *data, size_t len)
{
    (void)arg;
    (void)offset;
    (void)data;
    (void)len;
    return OTA_ERR_IO; /* to be written: see above */
}

int64_t board_time_now(void *user)
{
    (void)user;
    return 0; /* unknown */
}

void board_sleep_ms(void *user, uint32_t ms)
{
    (void)user;
    for (volatile uint32_t spin = ms * 1000u; spin > 0; spin--) {
    }
}

uint32_t board_random(void *user)
{
    static uint32_t x = 2463534242u;

    (void)user;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return x;
}

void board_reboot(void)
{
    for (;;) {
    }
}
