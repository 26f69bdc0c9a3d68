#include "canary.h"

#include <string.h>

#include "sha256.h"

static void hash_str(struct ota_sha256 *s, const char *text)
{
    if (text)
        ota_sha256_update(s, text, strlen(text));
}

uint32_t ota_canary_bucket(const char *device_id, const char *release_id)
{
    static const uint8_t separator = 0; /* no C string holds it: "ab"+"c" != "a"+"bc" */
    struct ota_sha256 s;
    uint8_t digest[OTA_SHA256_LEN];
    uint64_t head = 0;
    int i;

    ota_sha256_init(&s);
    hash_str(&s, device_id);
    ota_sha256_update(&s, &separator, 1);
    hash_str(&s, release_id);
    ota_sha256_final(&s, digest);
    for (i = 0; i < 8; i++)
        head = head << 8 | digest[i];
    return (uint32_t)(head % OTA_CANARY_BUCKETS);
}

int ota_canary_selected(const char *device_id, const char *release_id, uint32_t percent)
{
    if (percent >= 100)
        return 1;
    return ota_canary_bucket(device_id, release_id) < percent * 100u;
}
