/* The program `make size` links around the core: a main() that calls every
 * public entry point, so that --gc-sections keeps exactly the code an
 * integrator's firmware would keep. The port is an empty table the linker
 * cannot see through: every call into it stays an indirect call to code
 * that is not the core's and is not counted. */
#include "ota/ota.h"

/* The engine state and the smallest work buffer, as a device would hold
 * them (RAM: reported beside the core's figures). */
struct ota_ctx size_ctx;
uint8_t size_buf[OTA_MIN_BUFFER];
const struct ota_port size_port;

static void on_event(void *arg, const struct ota_event *ev)
{
    (void)arg;
    (void)ev;
}

int main(void)
{
    static const struct ota_settings settings = {"owner", "repo"};
    struct ota_result result;
    int err = ota_init(&size_ctx, &size_port, &settings, size_buf, sizeof size_buf);

    ota_set_event_cb(&size_ctx, on_event, 0);
    if (err == OTA_OK)
        err = ota_boot(&size_ctx);
    if (err == OTA_OK)
        err = ota_installed(&size_ctx, &result);
    if (err == OTA_OK)
        err = ota_check(&size_ctx, &result);
    if (err == OTA_OK)
        err = ota_update(&size_ctx, &result);
    return (int)ota_last_stats(&size_ctx)->http_requests + ota_reason(&size_ctx)[0] +
           ota_strerror(err)[0] + ota_err_name(err)[0];
}
