/* Fuzz target: the mirror's channel pointer (mirror.c), through
 * ota_mirror_resolve on the simulated device, whose network answers
 * channels/stable.json with the input as the body (200, with an ETag).
 * Checked on every input:
 * - the result is OTA_OK or a negative ota_err code with a reason; the
 *   filesystem is used by the rules;
 * - an accepted pointer says "ota-channel/1" and the channel, and yields a
 *   commit (40 hex), a manifest SHA-256 (64 hex) and a signature (128 hex),
 *   all lowercase, each found in the input as written;
 * - the outcome does not depend on how the body is cut into chunks;
 * - asked again, the pointer is revalidated (304) and recalled from the
 *   cache exactly as it was read. */
#include "fuzz_sim.h"
#include "mirror.h"

#define BASE "http://mirror.sim/app/"
#define POINTER BASE "channels/stable.json"
#define ETAG "\"ptr-1\""

static int lower_hex(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return s[n] == '\0';
}

static int resolve(struct fuzz_device *d, const uint8_t *data, size_t size, size_t chunk,
                   struct ota_result *out, struct ota_release *rel)
{
    int err;

    d->ctx.settings.mirror_url = BASE;
    d->ctx.settings.mirror_channel = "stable";
    FUZZ_CHECK(sim_http_put(&d->sim.http, POINTER, 200, ETAG, data, size) == OTA_OK);
    d->sim.http.chunk = chunk;
    fuzz_device_ready(d);
    d->ctx.reason[0] = '\0';
    memset(out, 0, sizeof *out);
    err = ota_mirror_resolve(&d->ctx, out, rel);
    fuzz_device_check(d);
    FUZZ_CHECK(fuzz_known_err(err));
    if (err != OTA_OK) {
        FUZZ_CHECK(d->ctx.reason[0] != '\0');
        return err;
    }
    FUZZ_CHECK(rel->mirror && strcmp(out->ref, "stable") == 0);
    FUZZ_CHECK(lower_hex(out->commit, 40) && lower_hex(rel->manifest_sha256, 64) &&
               lower_hex(rel->signature_hex, 128));
    FUZZ_CHECK(fuzz_contains((const char *)data, size, "ota-channel/1") &&
               fuzz_contains((const char *)data, size, out->commit) &&
               fuzz_contains((const char *)data, size, rel->manifest_sha256) &&
               fuzz_contains((const char *)data, size, rel->signature_hex));
    return err;
}

static int same(const struct ota_result *a, const struct ota_release *ra,
                const struct ota_result *b, const struct ota_release *rb)
{
    return strcmp(a->commit, b->commit) == 0 && strcmp(a->ref, b->ref) == 0 &&
           strcmp(ra->manifest_sha256, rb->manifest_sha256) == 0 &&
           strcmp(ra->signature_hex, rb->signature_hex) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ota_result whole, bits, again;
    struct ota_release rw, rb, ra;
    struct fuzz_device *d = fuzz_device_start();
    int err = resolve(d, data, size, 1000, &whole, &rw);

    d = fuzz_device_start();
    FUZZ_CHECK(resolve(d, data, size, 1 + size % 7, &bits, &rb) == err);
    if (err != OTA_OK)
        return 0;
    FUZZ_CHECK(same(&whole, &rw, &bits, &rb));
    d->ctx.stats.not_modified = 0;
    d->ctx.reason[0] = '\0';
    memset(&again, 0, sizeof again);
    FUZZ_CHECK(ota_mirror_resolve(&d->ctx, &again, &ra) == OTA_OK);
    fuzz_device_check(d);
    FUZZ_CHECK(d->ctx.stats.not_modified == 1 && same(&whole, &rw, &again, &ra));
    return 0;
}
