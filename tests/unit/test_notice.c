/* The LoRa "update available" notice (src/core/notice.c): the frame of
 * docs/lora.md byte for byte (vectors from Python's hmac module), and every
 * way a frame is refused: length, magic, any damaged bit, another key, a
 * replay, a failing crypto port. The port here is the core's own SHA-256. */
#include <stdint.h>
#include <string.h>

#include "hex.h"
#include "notice.h"
#include "sha256_port.h"
#include "test.h"

static struct ota_port port;
static struct ota_ctx ctx;

static const char key_text[] = "fleet-shared-key-0001";
#define KEY ((const uint8_t *)key_text)
#define KEY_LEN (sizeof key_text - 1)
/* seq 7, release 0123456789abcdef, key id 3; tag from
 * hmac.new(key, b"ota-notice/1" + frame[:14], sha256).digest()[:16] */
static const char vector_hex[] = "a1000000070123456789abcdef038d31708a8d7793d6cf1cedae0233436f";

static void vector(uint8_t frame[OTA_NOTICE_SIZE])
{
    CHECK_EQ_INT(ota_hex_decode(vector_hex, 2 * OTA_NOTICE_SIZE, frame, OTA_NOTICE_SIZE), 0);
}

static void test_encode_matches_vector(void)
{
    struct ota_notice n;
    uint8_t frame[OTA_NOTICE_SIZE];
    char hex[2 * OTA_NOTICE_SIZE + 1];

    memset(&n, 0, sizeof n);
    n.sequence = 7;
    n.key_id = 3;
    CHECK_EQ_INT(ota_notice_release_from_hex("0123456789abcdef0123456789abcdef01234567",
                                             n.release), OTA_OK);
    CHECK_EQ_INT(ota_notice_encode(&ctx, &n, KEY, KEY_LEN, frame), OTA_OK);
    ota_hex_encode(frame, sizeof frame, hex);
    CHECK_EQ_STR(hex, vector_hex);
}

static void test_long_key_vector(void)
{
    /* a key longer than SHA-256's block is hashed first (RFC 2104) */
    static const char expected[] = "a1fffffffefedcba987654321000b2165a1e9101d1fb09731eae8dbdac0f";
    uint8_t key[100], frame[OTA_NOTICE_SIZE];
    char hex[2 * OTA_NOTICE_SIZE + 1];
    struct ota_notice n, back;
    size_t i;

    for (i = 0; i < sizeof key; i++)
        key[i] = (uint8_t)i;
    memset(&n, 0, sizeof n);
    n.sequence = 0xfffffffeu;
    CHECK_EQ_INT(ota_notice_release_from_hex("FEDCBA9876543210", n.release), OTA_OK);
    CHECK_EQ_INT(ota_notice_encode(&ctx, &n, key, sizeof key, frame), OTA_OK);
    ota_hex_encode(frame, sizeof frame, hex);
    CHECK_EQ_STR(hex, expected);
    CHECK_EQ_INT(ota_notice_verify(&ctx, frame, sizeof frame, key, sizeof key, 0, &back),
                 OTA_OK);
    CHECK_EQ_INT(back.sequence, 0xfffffffeu);
}

static void test_verify_and_replay(void)
{
    uint8_t frame[OTA_NOTICE_SIZE];
    struct ota_notice n;

    vector(frame);
    memset(&n, 0, sizeof n);
    CHECK_EQ_INT(ota_notice_verify(&ctx, frame, sizeof frame, KEY, KEY_LEN, 6, &n), OTA_OK);
    CHECK_EQ_INT(n.sequence, 7);
    CHECK_EQ_INT(n.key_id, 3);
    CHECK(ota_notice_is_commit(&n, "0123456789abcdef0123456789abcdef01234567"));
    CHECK(ota_notice_is_commit(&n, "0123456789ABCDEF"));
    CHECK(!ota_notice_is_commit(&n, "0123456789abcdee0123456789abcdef01234567"));
    CHECK(!ota_notice_is_commit(&n, "0123"));
    /* the same frame again, or an older one, is a replay */
    memset(&n, 0, sizeof n);
    CHECK_EQ_INT(ota_notice_verify(&ctx, frame, sizeof frame, KEY, KEY_LEN, 7, &n),
                 OTA_ERR_ROLLBACK);
    CHECK_EQ_INT(ota_notice_verify(&ctx, frame, sizeof frame, KEY, KEY_LEN, 0xffffffffu, &n),
                 OTA_ERR_ROLLBACK);
    CHECK_EQ_INT(n.sequence, 0); /* nothing handed out for a refused frame */
}

static void test_damage_refused(void)
{
    uint8_t frame[OTA_NOTICE_SIZE];
    struct ota_notice n;
    size_t bit, wrong = 0;

    /* every single flipped bit: the magic is checked, the rest is tagged */
    for (bit = 0; bit < 8 * OTA_NOTICE_SIZE; bit++) {
        int expected = bit < 8 ? OTA_ERR_NOTICE_FORMAT : OTA_ERR_SIGNATURE;
        vector(frame);
        frame[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        wrong += ota_notice_verify(&ctx, frame, sizeof frame, KEY, KEY_LEN, 0, &n) != expected;
    }
    CHECK_EQ_INT(wrong, 0);
    /* a forgery with an old sequence is reported as a forgery */
    vector(frame);
    frame[29] ^= 1;
    CHECK_EQ_INT(ota_notice_verify(&ctx, frame, sizeof frame, KEY, KEY_LEN, 100, &n),
                 OTA_ERR_SIGNATURE);
    /* another key, or the right key one byte short */
    vector(frame);
    CHECK_EQ_INT(ota_notice_verify(&ctx, frame, sizeof frame, (const uint8_t *)"other", 5, 0,
                                   &n), OTA_ERR_SIGNATURE);
    CHECK_EQ_INT(ota_notice_verify(&ctx, frame, sizeof frame, KEY, KEY_LEN - 1, 0, &n),
                 OTA_ERR_SIGNATURE);
}

static void test_length_and_magic(void)
{
    uint8_t frame[OTA_NOTICE_SIZE + 1];
    struct ota_notice n;
    size_t len;

    vector(frame);
    frame[OTA_NOTICE_SIZE] = 0;
    for (len = 0; len <= OTA_NOTICE_SIZE + 1; len++) {
        if (len == OTA_NOTICE_SIZE)
            continue;
        CHECK_EQ_INT(ota_notice_parse(frame, len, &n), OTA_ERR_NOTICE_FORMAT);
        CHECK_EQ_INT(ota_notice_verify(&ctx, frame, len, KEY, KEY_LEN, 0, &n),
                     OTA_ERR_NOTICE_FORMAT);
    }
    /* parse alone reads the fields, to choose the key by its id */
    CHECK_EQ_INT(ota_notice_parse(frame, OTA_NOTICE_SIZE, &n), OTA_OK);
    CHECK_EQ_INT(n.key_id, 3);
    CHECK_EQ_INT(n.sequence, 7);
    frame[0] = 0xA2; /* a later version of the frame */
    CHECK_EQ_INT(ota_notice_parse(frame, OTA_NOTICE_SIZE, &n), OTA_ERR_NOTICE_FORMAT);
}

static void test_release_ids(void)
{
    uint8_t release[OTA_NOTICE_RELEASE];

    CHECK_EQ_INT(ota_notice_release_from_hex(NULL, release), OTA_ERR_INVALID_ARG);
    CHECK_EQ_INT(ota_notice_release_from_hex("0123456789abcde", release), OTA_ERR_INVALID_ARG);
    CHECK_EQ_INT(ota_notice_release_from_hex("0123456789abcdeg", release), OTA_ERR_INVALID_ARG);
    CHECK_EQ_INT(ota_notice_release_from_hex("0123456789abcdef", release), OTA_OK);
    CHECK_EQ_INT(release[0], 0x01);
    CHECK_EQ_INT(release[7], 0xef);
}

static void test_crypto_failure(void)
{
    uint8_t frame[OTA_NOTICE_SIZE];
    struct ota_notice n;

    vector(frame);
    sha256_port_failing = 1;
    CHECK_EQ_INT(ota_notice_verify(&ctx, frame, sizeof frame, KEY, KEY_LEN, 0, &n),
                 OTA_ERR_CRYPTO);
    memset(&n, 0, sizeof n);
    CHECK_EQ_INT(ota_notice_encode(&ctx, &n, KEY, KEY_LEN, frame), OTA_ERR_CRYPTO);
    sha256_port_failing = 0;
}

int main(void)
{
    sha256_port_use(&port);
    ctx.port = &port;
    test_encode_matches_vector();
    test_long_key_vector();
    test_verify_and_replay();
    test_damage_refused();
    test_length_and_magic();
    test_release_ids();
    test_crypto_failure();
    TEST_MAIN_END();
}
