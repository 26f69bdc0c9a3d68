#include "publish_signature.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "hex.h"
#include "publish_store.h"

#define MAX_SIG_FILE 4096
#define MAX_KEY_FILE (64 * 1024)

int signature_load(const char *path, struct release_signature *s)
{
    uint8_t *data;
    size_t len;
    int err;

    if (store_read_all(path, MAX_SIG_FILE, &data, &len) != 0) {
        if (errno == EFBIG) {
            fprintf(stderr, "ota publish: %s is not a signature (too large)\n", path);
            return EXIT_VERIFY;
        }
        fprintf(stderr, "ota publish: cannot read signature %s: %s\n", path, strerror(errno));
        return EXIT_USAGE;
    }
    err = ota_sig_parse_signature(data, len, s->raw);
    free(data);
    if (err != OTA_OK) {
        fprintf(stderr, "ota publish: %s is not an Ed25519 signature (64 raw bytes, or their "
                        "base64 or hex)\n", path);
        return EXIT_VERIFY;
    }
    ota_hex_encode(s->raw, sizeof s->raw, s->hex);
    return EXIT_OK;
}

/* The key as text first, then as a file holding it. */
static int load_public_key(const char *key, uint8_t pub[OTA_ED25519_KEY_LEN])
{
    uint8_t *text;
    size_t len;
    int err;

    if (ota_sig_parse_public_key(key, pub) == OTA_OK)
        return EXIT_OK;
    if (store_read_all(key, MAX_KEY_FILE, &text, &len) != 0) {
        fprintf(stderr, "ota publish: --public-key %s: neither a public key nor a readable "
                        "file (%s)\n", key, strerror(errno));
        return EXIT_CONFIG;
    }
    err = ota_sig_parse_public_key((const char *)text, pub);
    if (err != OTA_OK)
        fprintf(stderr, "ota publish: --public-key %s: not an Ed25519 public key%s\n", key,
                strstr((const char *)text, "PRIVATE KEY") ? " (this is a private key: pass "
                                                            "the .pub)" : "");
    free(text);
    return err == OTA_OK ? EXIT_OK : EXIT_CONFIG;
}

int signature_verify(const char *key, const uint8_t *msg, size_t len,
                     const struct release_signature *s)
{
    static struct ota_ctx ctx; /* large; ota_sig_* use only its port and state */
    uint8_t pub[OTA_ED25519_KEY_LEN];
    struct ota_posix posix;
    struct ota_port port;
    int code = load_public_key(key, pub), err, end;

    if (code != EXIT_OK)
        return code;
    if (ota_posix_init(&posix, NULL, &port) != OTA_OK) {
        fprintf(stderr, "ota publish: cannot initialise the POSIX port\n");
        return EXIT_INTERNAL;
    }
    memset(&ctx, 0, sizeof ctx);
    ctx.port = &port;
    err = ota_sig_verify_begin(&ctx, pub, s->raw);
    if (err == OTA_OK) {
        err = ota_sig_verify_update(&ctx, msg, len);
        end = ota_sig_verify_end(&ctx); /* always: it releases the port's state */
        if (err == OTA_OK)
            err = end;
    }
    ota_posix_deinit(&posix);
    if (err == OTA_ERR_SIGNATURE) {
        fprintf(stderr, "ota publish: the signature does not verify with %s: the manifest "
                        "was changed after signing, or signed with another key\n", key);
        return EXIT_VERIFY;
    }
    if (err != OTA_OK) {
        fprintf(stderr, "ota publish: cannot verify the signature: %s\n", ota_strerror(err));
        return EXIT_INTERNAL;
    }
    return EXIT_OK;
}
