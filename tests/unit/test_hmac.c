/* HMAC-SHA256 over the crypto port (src/core/hmac.c): the RFC 4231 test
 * cases, including keys longer than a block, with the message streamed in
 * pieces of every size; the port here is the core's own SHA-256. */
#include <stdint.h>
#include <string.h>

#include "hex.h"
#include "hmac.h"
#include "sha256_port.h"
#include "test.h"

static const struct {
    const char *key_hex;
    const char *data;
    const char *mac;
} rfc4231[] = {
    {"0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "Hi There",
     "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
    {"4a656665", "what do ya want for nothing?",
     "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
    /* 131 bytes of 0xaa */
    {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
     "Test Using Larger Than Block-Size Key - Hash Key First",
     "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
    /* 131 bytes of 0xaa */
    {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
     "This is a test using a larger than block-size key and a larger than block-size data. "
     "The key needs to be hashed before being used by the HMAC algorithm.",
     "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
};

static void check_case(struct ota_ctx *ctx, size_t i, size_t piece)
{
    uint8_t key[160], mac[32];
    size_t key_len = strlen(rfc4231[i].key_hex) / 2, off, n;
    const char *data = rfc4231[i].data;
    struct ota_hmac h;
    char hex[65];

    CHECK_EQ_INT(ota_hex_decode(rfc4231[i].key_hex, 2 * key_len, key, key_len), 0);
    CHECK_EQ_INT(ota_hmac_begin(&h, ctx, key, key_len), OTA_OK);
    for (off = 0; off < strlen(data); off += n) {
        n = strlen(data) - off < piece ? strlen(data) - off : piece;
        CHECK_EQ_INT(ota_hmac_update(&h, data + off, n), OTA_OK);
    }
    CHECK_EQ_INT(ota_hmac_end(&h, mac), OTA_OK);
    ota_hex_encode(mac, sizeof mac, hex);
    CHECK_EQ_STR(hex, rfc4231[i].mac);
}

int main(void)
{
    static struct ota_port port;
    static struct ota_ctx ctx;
    struct ota_hmac h;
    size_t i, piece;

    sha256_port_use(&port);
    ctx.port = &port;
    for (i = 0; i < sizeof rfc4231 / sizeof rfc4231[0]; i++)
        for (piece = 1; piece <= 160; piece += 13)
            check_case(&ctx, i, piece);
    /* misuse is refused, not undefined */
    memset(&h, 0, sizeof h);
    CHECK_EQ_INT(ota_hmac_update(&h, "x", 1), OTA_ERR_INVALID_ARG);
    CHECK_EQ_INT(ota_hmac_end(&h, NULL), OTA_ERR_INVALID_ARG);
    TEST_MAIN_END();
}
