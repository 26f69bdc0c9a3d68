/* Fuzz target: the LoRa notice (notice.c), with the crypto of the simulated
 * device. The input is a received frame, checked against one shared key.
 * Checked on every input:
 * - the fields parse exactly when the length and the magic are right;
 * - a frame is accepted only when it is exactly what the encoder makes of
 *   its fields with that key (nothing else passes for genuine), and the
 *   refusal is the format, the tag or the replay, in that order;
 * - the encoder's frame of the same fields is accepted once, after the
 *   sequence before it, refused as a replay at its own sequence, and
 *   refused when any one byte of it is changed. */
#include "fuzz_sim.h"
#include "notice.h"

static const char key_text[] = "fleet-shared-key-0001";
#define KEY ((const uint8_t *)key_text)
#define KEY_LEN (sizeof key_text - 1)

static void check_genuine(struct ota_ctx *ctx, const struct ota_notice *fields,
                          const uint8_t *data, size_t size)
{
    uint8_t frame[OTA_NOTICE_SIZE];
    struct ota_notice n;
    size_t at = data[size - 1] % OTA_NOTICE_SIZE;

    FUZZ_CHECK(ota_notice_encode(ctx, fields, KEY, KEY_LEN, frame) == OTA_OK);
    FUZZ_CHECK(memcmp(frame, data, OTA_NOTICE_SIGNED) == 0);
    if (fields->sequence > 0) {
        FUZZ_CHECK(ota_notice_verify(ctx, frame, sizeof frame, KEY, KEY_LEN,
                                     fields->sequence - 1, &n) == OTA_OK);
        FUZZ_CHECK(n.sequence == fields->sequence && n.key_id == fields->key_id &&
                   memcmp(n.release, fields->release, OTA_NOTICE_RELEASE) == 0);
    }
    FUZZ_CHECK(ota_notice_verify(ctx, frame, sizeof frame, KEY, KEY_LEN, fields->sequence,
                                 &n) == OTA_ERR_ROLLBACK);
    frame[at] ^= (uint8_t)(data[0] | 1);
    FUZZ_CHECK(ota_notice_verify(ctx, frame, sizeof frame, KEY, KEY_LEN, 0, &n) ==
               (at == 0 ? OTA_ERR_NOTICE_FORMAT : OTA_ERR_SIGNATURE));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_device *d = fuzz_device_start();
    uint8_t genuine[OTA_NOTICE_SIZE];
    struct ota_notice fields, n;
    int parsed, err;

    parsed = ota_notice_parse(data, size, &fields);
    FUZZ_CHECK(parsed == ((size == OTA_NOTICE_SIZE && data[0] == OTA_NOTICE_MAGIC)
                              ? OTA_OK : OTA_ERR_NOTICE_FORMAT));
    err = ota_notice_verify(&d->ctx, data, size, KEY, KEY_LEN, 0, &n);
    if (parsed != OTA_OK) {
        FUZZ_CHECK(err == OTA_ERR_NOTICE_FORMAT);
        return 0;
    }
    FUZZ_CHECK(ota_notice_encode(&d->ctx, &fields, KEY, KEY_LEN, genuine) == OTA_OK);
    if (memcmp(genuine, data, OTA_NOTICE_SIZE) != 0)
        FUZZ_CHECK(err == OTA_ERR_SIGNATURE);
    else
        FUZZ_CHECK(err == (fields.sequence > 0 ? OTA_OK : OTA_ERR_ROLLBACK));
    check_genuine(&d->ctx, &fields, data, size);
    return 0;
}
