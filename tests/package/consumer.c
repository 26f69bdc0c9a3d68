/* An integrator's program built against the installed package: it must
 * compile and link with only the public headers and libota. */
#include <stdio.h>
#include <string.h>

#include <ota/ota.h>

int main(void)
{
    static struct ota_ctx ctx;
    static uint8_t buf[OTA_MIN_BUFFER];
    struct ota_port port;
    struct ota_settings settings;

    memset(&port, 0, sizeof port);
    memset(&settings, 0, sizeof settings);
    /* no owner/repo: a configuration error with a reason, through the API */
    if (ota_init(&ctx, &port, &settings, buf, sizeof buf) != OTA_ERR_CONFIG)
        return 1;
    printf("%s: %s (%s)\n", ota_err_name(OTA_ERR_CONFIG), ota_strerror(OTA_ERR_CONFIG),
           ota_reason(&ctx));
    return 0;
}
