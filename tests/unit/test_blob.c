/* The streaming git blob hasher against `git hash-object`: the ids must be
 * exactly git's for empty, small, binary and multi-block files, however the
 * content is split across updates. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blob.h"
#include "sha1.h"
#include "test.h"

static int soft_begin(void *user, enum ota_hash_alg alg, void *state)
{
    (void)user;
    if (alg != OTA_HASH_SHA1)
        return OTA_ERR_UNSUPPORTED;
    ota_sha1_init(state);
    return OTA_OK;
}

static int soft_update(void *user, void *state, const void *data, size_t len)
{
    (void)user;
    ota_sha1_update(state, data, len);
    return OTA_OK;
}

static int soft_end(void *user, void *state, uint8_t *out)
{
    uint8_t scratch[OTA_SHA1_LEN];

    (void)user;
    ota_sha1_final(state, out ? out : scratch);
    return OTA_OK;
}

/* What git says, by running it on the content. */
static void git_blob_id(const uint8_t *data, size_t len, char hex[OTA_SHA1_HEX])
{
    char tmpl[] = "/tmp/ota-blob-XXXXXX", cmd[128];
    FILE *f, *p;
    int fd = mkstemp(tmpl);

    hex[0] = '\0';
    if (fd < 0 || !(f = fdopen(fd, "wb")))
        return;
    if (len)
        fwrite(data, 1, len, f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "git hash-object --no-filters %s", tmpl);
    if ((p = popen(cmd, "r")) != NULL) {
        if (!fgets(hex, OTA_SHA1_HEX, p))
            hex[0] = '\0';
        pclose(p);
    }
    remove(tmpl);
}

static void ours(struct ota_ctx *ctx, const uint8_t *data, size_t len, size_t step,
                 char hex[OTA_SHA1_HEX])
{
    size_t off = 0, n;

    CHECK_EQ_INT(ota_blob_begin(ctx, len), OTA_OK);
    while (off < len) {
        n = len - off < step ? len - off : step;
        CHECK_EQ_INT(ota_blob_update(ctx, data + off, n), OTA_OK);
        off += n;
    }
    CHECK_EQ_INT(ota_blob_end(ctx, hex), OTA_OK);
}

static void fill(uint8_t *buf, size_t len, unsigned seed)
{
    size_t i;

    for (i = 0; i < len; i++) {
        seed = seed * 1103515245u + 12345u;
        buf[i] = (uint8_t)(seed >> 16);
    }
}

int main(void)
{
    static const size_t sizes[] = {0, 1, 5, 55, 56, 63, 64, 65, 119, 120, 1000, 4096, 70001};
    static const size_t steps[] = {1, 7, 64, 1000, 1u << 20};
    static uint8_t work[OTA_MIN_BUFFER];
    struct ota_port port;
    struct ota_settings settings;
    static struct ota_ctx ctx;
    char want[OTA_SHA1_HEX], got[OTA_SHA1_HEX];
    uint8_t *data = malloc(70001);
    size_t i, k;

    memset(&port, 0, sizeof port);
    port.crypto.hash_begin = soft_begin;
    port.crypto.hash_update = soft_update;
    port.crypto.hash_end = soft_end;
    memset(&settings, 0, sizeof settings);
    settings.owner = "o";
    settings.repo = "r";
    CHECK_EQ_INT(ota_init(&ctx, &port, &settings, work, sizeof work), OTA_OK);

    /* the well-known ids */
    ours(&ctx, (const uint8_t *)"", 0, 1, got);
    CHECK_EQ_STR(got, "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
    ours(&ctx, (const uint8_t *)"hello world\n", 12, 5, got);
    CHECK_EQ_STR(got, "3b18e512dba79e4c8300dd08aeb37f8e728b8dad");

    for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        fill(data, sizes[i], (unsigned)i + 1);
        git_blob_id(data, sizes[i], want);
        CHECK_EQ_INT(strlen(want), 40);
        for (k = 0; k < sizeof steps / sizeof steps[0]; k++) {
            ours(&ctx, data, sizes[i], steps[k], got);
            CHECK_EQ_STR(got, want);
        }
    }

    free(data);
    TEST_MAIN_END();
}
