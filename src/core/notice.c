#include "notice.h"

#include <string.h>

#include "hex.h"
#include "hmac.h"

static void put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The fields a tag covers, in frame order. */
static void put_fields(const struct ota_notice *n, uint8_t frame[OTA_NOTICE_SIGNED])
{
    frame[0] = OTA_NOTICE_MAGIC;
    put_u32(frame + 1, n->sequence);
    memcpy(frame + 5, n->release, OTA_NOTICE_RELEASE);
    frame[13] = n->key_id;
}

static int compute_tag(struct ota_ctx *ctx, const uint8_t *signed_part, const uint8_t *key,
                       size_t key_len, uint8_t tag[OTA_NOTICE_TAG])
{
    uint8_t mac[32];
    struct ota_hmac h;
    int err = ota_hmac_begin(&h, ctx, key, key_len);

    if (err == OTA_OK)
        err = ota_hmac_update(&h, OTA_NOTICE_DOMAIN, strlen(OTA_NOTICE_DOMAIN));
    if (err == OTA_OK)
        err = ota_hmac_update(&h, signed_part, OTA_NOTICE_SIGNED);
    if (err != OTA_OK) {
        (void)ota_hmac_end(&h, NULL);
        return err;
    }
    err = ota_hmac_end(&h, mac);
    if (err == OTA_OK)
        memcpy(tag, mac, OTA_NOTICE_TAG);
    return err;
}

/* Compares every byte whatever the first difference: the time taken tells
 * a forger nothing about how much of the tag was right. */
static int tags_equal(const uint8_t *a, const uint8_t *b)
{
    uint8_t diff = 0;
    size_t i;

    for (i = 0; i < OTA_NOTICE_TAG; i++)
        diff |= (uint8_t)(a[i] ^ b[i]);
    return diff == 0;
}

int ota_notice_parse(const uint8_t *frame, size_t len, struct ota_notice *out)
{
    if (len != OTA_NOTICE_SIZE || frame[0] != OTA_NOTICE_MAGIC)
        return OTA_ERR_NOTICE_FORMAT;
    out->sequence = get_u32(frame + 1);
    memcpy(out->release, frame + 5, OTA_NOTICE_RELEASE);
    out->key_id = frame[13];
    return OTA_OK;
}

int ota_notice_verify(struct ota_ctx *ctx, const uint8_t *frame, size_t len,
                      const uint8_t *key, size_t key_len, uint32_t last_sequence,
                      struct ota_notice *out)
{
    uint8_t tag[OTA_NOTICE_TAG];
    struct ota_notice n;
    int err = ota_notice_parse(frame, len, &n);

    if (err == OTA_OK)
        err = compute_tag(ctx, frame, key, key_len, tag);
    if (err == OTA_OK && !tags_equal(tag, frame + OTA_NOTICE_SIGNED))
        err = OTA_ERR_SIGNATURE;
    if (err == OTA_OK && n.sequence <= last_sequence)
        err = OTA_ERR_ROLLBACK;
    if (err == OTA_OK)
        *out = n;
    return err;
}

int ota_notice_encode(struct ota_ctx *ctx, const struct ota_notice *n, const uint8_t *key,
                      size_t key_len, uint8_t frame[OTA_NOTICE_SIZE])
{
    put_fields(n, frame);
    return compute_tag(ctx, frame, key, key_len, frame + OTA_NOTICE_SIGNED);
}

int ota_notice_release_from_hex(const char *commit, uint8_t release[OTA_NOTICE_RELEASE])
{
    size_t digits = 2 * OTA_NOTICE_RELEASE;

    if (!commit || strlen(commit) < digits ||
        ota_hex_decode(commit, digits, release, OTA_NOTICE_RELEASE) != 0)
        return OTA_ERR_INVALID_ARG;
    return OTA_OK;
}

int ota_notice_is_commit(const struct ota_notice *n, const char *commit)
{
    uint8_t release[OTA_NOTICE_RELEASE];

    return ota_notice_release_from_hex(commit, release) == OTA_OK &&
           memcmp(release, n->release, OTA_NOTICE_RELEASE) == 0;
}
