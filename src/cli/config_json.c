/* ota_config.json: the engine's streaming tokenizer already speaks the
 * loader's token stream. */
#include "config_reader.h"

#include <stdint.h>

#include "ota/ota.h"

/* Between the tokenizer and the loader, to tell the loader's own stop from
 * a syntax error: the tokenizer returns either the same way. */
struct relay {
    struct config_reader *r;
    int stopped; /* the loader returned an error */
};

static int relay_token(void *arg, const struct ota_json_token *t)
{
    struct relay *relay = arg;
    int err = relay->r->cb(relay->r->arg, t);

    relay->stopped = err < 0;
    return err;
}

int config_read_json(struct config_reader *r, const char *data, size_t len)
{
    struct ota_json j;
    struct relay relay = {r, 0};
    char scratch[CONFIG_VALUE_MAX];
    int err;

    ota_json_init(&j, scratch, sizeof scratch, relay_token, &relay);
    err = ota_json_feed(&j, (const uint8_t *)data, len);
    if (err == OTA_OK)
        err = ota_json_finish(&j);
    /* the loader words its own errors (and its code stands); what is left
     * is the tokenizer's */
    if (err != OTA_OK && !relay.stopped)
        return config_syntax_error(r, j.line, "%s", ota_strerror(err));
    return err;
}
