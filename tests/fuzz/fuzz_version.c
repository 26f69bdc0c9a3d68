/* Fuzz target: the version.json reader and writer (state.c), with the input
 * as the file on the simulated device (fuzz_state covers the .ota_state
 * line parser). Checked on every input:
 * - the read gives OTA_OK or OTA_ERR_STATE, and after OTA_ERR_STATE every
 *   field is empty: a corrupt file reads as an empty device, never half;
 * - an accepted commit is "" or 40 lowercase hex digits, and every string
 *   fits its field;
 * - an accepted file with a commit, written back by the engine, reads back
 *   the same (a ref, hook or sequence survives the round trip), and the
 *   file written is one JSON object;
 * - the filesystem is used by the rules. */
#include "fuzz_sim.h"
#include "hex.h"
#include "state.h"

static int same_version(const struct ota_version *a, const struct ota_version *b)
{
    return strcmp(a->commit, b->commit) == 0 && strcmp(a->ref, b->ref) == 0 &&
           a->has_sequence == b->has_sequence && (!a->has_sequence || a->sequence == b->sequence) &&
           strcmp(a->post_update, b->post_update) == 0 && strcmp(a->rollback, b->rollback) == 0;
}

static int fits(const char *s, size_t cap)
{
    return memchr(s, '\0', cap) != NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char text[4 * OTA_PATH_MAX * 6];
    static const struct ota_version empty;
    struct fuzz_device *d = fuzz_device_start();
    struct ota_version v, again;
    long n;
    int err;

    if (fuzz_put(d, OTA_VERSION_FILE, strlen(OTA_VERSION_FILE), data, size) != OTA_OK)
        return 0;
    fuzz_device_ready(d);
    memset(&v, 0x55, sizeof v);
    err = ota_version_read(&d->ctx, &v);
    fuzz_device_check(d);
    FUZZ_CHECK(err == OTA_OK || err == OTA_ERR_STATE);
    if (err != OTA_OK) {
        FUZZ_CHECK(same_version(&v, &empty));
        return 0;
    }
    FUZZ_CHECK(fits(v.commit, sizeof v.commit) && fits(v.ref, sizeof v.ref) &&
               fits(v.post_update, sizeof v.post_update) && fits(v.rollback, sizeof v.rollback));
    FUZZ_CHECK(v.commit[0] == '\0' || ota_hex_is_sha1(v.commit, strlen(v.commit)));
    if (v.commit[0] == '\0')
        return 0; /* nothing installed: the engine never writes that */

    FUZZ_CHECK(ota_version_write(&d->ctx, &v) == OTA_OK);
    fuzz_device_check(d);
    n = fuzz_read(d, OTA_VERSION_FILE, text, sizeof text);
    FUZZ_CHECK(n > 0 && fuzz_json_valid(text, (size_t)n));
    FUZZ_CHECK(ota_version_read(&d->ctx, &again) == OTA_OK && same_version(&again, &v));
    return 0;
}
