/* Fuzz target: the GitHub tree reader, fed a hostile listing in two chunks
 * split where the first byte says. Every blob it reports must carry a
 * NUL-terminated path that fits and a 40-hex SHA. */
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "tree.h"

struct fuzz_state {
    struct ota_ctx ctx;
    uint8_t work[OTA_MIN_BUFFER];
};

static int check_blob(void *arg, struct ota_entry *e)
{
    (void)arg;
    if (strlen(e->path) >= sizeof e->path || !ota_hex_is_sha1(e->sha, strlen(e->sha)))
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct ota_port port; /* the reader needs no platform */
    struct fuzz_state *s = calloc(1, sizeof *s);
    struct ota_settings settings;
    struct ota_tree_reader reader;
    size_t split = size ? data[0] % (size + 1) : 0;
    int err;

    memset(&settings, 0, sizeof settings);
    settings.owner = "o";
    settings.repo = "r";
    if (ota_init(&s->ctx, &port, &settings, s->work, sizeof s->work) != OTA_OK)
        abort();
    ota_tree_init(&reader, &s->ctx, check_blob, NULL);
    err = ota_tree_feed(&reader, data, split);
    if (err == OTA_OK)
        err = ota_tree_feed(&reader, data + split, size - split);
    if (err == OTA_OK)
        err = ota_tree_finish(&reader);
    if (err > 0)
        abort();
    free(s);
    return 0;
}
