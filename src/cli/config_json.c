/* ota_config.json: the engine's own streaming tokenizer already speaks the
 * loader's token stream. */
#include "config_reader.h"

#include <stdint.h>

#include "ota/ota.h"

int config_read_json(struct config_reader *r, const char *data, size_t len)
{
    struct ota_json j;
    char scratch[CONFIG_VALUE_MAX];
    int err;

    ota_json_init(&j, scratch, sizeof scratch, r->cb, r->arg);
    err = ota_json_feed(&j, (const uint8_t *)data, len);
    if (err == OTA_OK)
        err = ota_json_finish(&j);
    /* the loader words its own errors; what is left is the tokenizer's */
    if (err != OTA_OK && !r->error[0])
        return config_syntax_error(r, j.line, "%s", ota_strerror(err));
    return err;
}
