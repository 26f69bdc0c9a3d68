#include "publish_jsonread.h"

#include <string.h>

#include "manifest.h"

/* Longer than any string these files hold (a version is below 256 bytes). */
#define SCRATCH 512

int json_read_all(const uint8_t *data, size_t len, ota_json_cb cb, void *arg)
{
    struct ota_json j;
    char scratch[SCRATCH];
    int err;

    ota_json_init(&j, scratch, sizeof scratch, cb, arg);
    err = ota_json_feed(&j, data, len);
    return err ? err : ota_json_finish(&j);
}

int json_token_u64(const struct ota_json_token *t, uint64_t *out)
{
    uint64_t v = 0;
    size_t i;

    if (t->type != OTA_JSON_NUMBER || t->truncated || t->len == 0 || t->len > 16)
        return -1;
    for (i = 0; i < t->len; i++) {
        if (t->text[i] < '0' || t->text[i] > '9')
            return -1; /* a sign, a fraction or an exponent */
        v = v * 10 + (uint64_t)(t->text[i] - '0');
    }
    if (v > OTA_MANIFEST_MAX_INT)
        return -1;
    *out = v;
    return 0;
}

int json_token_str(const struct ota_json_token *t, char *buf, size_t cap)
{
    if (t->type != OTA_JSON_STRING || t->truncated || t->len >= cap ||
        memchr(t->text, '\0', t->len))
        return -1;
    memcpy(buf, t->text, t->len + 1);
    return 0;
}

int json_is_hex(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return s[n] == '\0';
}
