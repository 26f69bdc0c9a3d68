/* A bare-metal integration of the ota engine: on every start, finish or
 * undo an interrupted install, then look for an update, install it and
 * restart into it. Everything is in static memory; nothing is allocated.
 *
 * Build: make (arm-none-eabi-gcc; the ELF is build/ota-baremetal.elf).
 * To make it real, fill in board.c (flash driver, clock, reset) and
 * transport.c (HTTP over your network stack), and put your repository
 * below. See docs/porting.md. */
#include "board.h"
#include "ota/ota.h"
#include "port.h"

static struct device device;
static struct ota_port port;
static struct ota_ctx ota;
static uint8_t work[OTA_MIN_BUFFER]; /* larger reads faster */

static const char *const allow[] = {"main.py", "lib/"};

static const struct ota_settings settings = {
    .owner = "YOUR_GITHUB_USERNAME",
    .repo = "your-app",
    .channel = OTA_CHANNEL_DEVELOPER,
    .branch = "main",
    .allow = allow,
    .allow_count = sizeof allow / sizeof allow[0],
};

int main(void)
{
    struct ota_result result;
    int err = device_port_init(&device, &port);

    if (err == OTA_OK)
        err = ota_init(&ota, &port, &settings, work, sizeof work);
    if (err == OTA_OK)
        err = ota_boot(&ota); /* before the application reads its files */
    /* Here the application starts. Once it has shown that it works
     * (connected, served, passed its self-test) it keeps the version;
     * unconfirmed, the version is reverted at the boot after
     * max_trial_boots (default 3) boots. */
    if (err == OTA_OK)
        err = ota_confirm(&ota);
    if (err == OTA_OK)
        err = ota_update(&ota, &result);
    if (err == OTA_OK && result.installed)
        board_reboot();
    /* on failure ota_reason(&ota) says why, and ota_error.json keeps it;
     * the device runs on with the version it has */
    return err;
}
