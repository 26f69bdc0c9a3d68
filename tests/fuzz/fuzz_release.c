/* Fuzz target: the release reader (release.c), through ota_release_get on
 * the simulated device, whose network answers releases/latest with the
 * input as the body (200, with an ETag). Checked on every input:
 * - the result is OTA_OK with a non-empty tag, or a negative ota_err code
 *   with a reason; the filesystem is used by the rules;
 * - the outcome does not depend on how the body is cut into chunks;
 * - an accepted release asked again is answered from the remembered ETag
 *   (304) when its tag can be remembered (no space, no newline), and either
 *   way reads the same tag; asked fresh, it is read in full, the same. */
#include "fuzz_sim.h"
#include "release.h"

#define LATEST FUZZ_API_URL "/repos/o/r/releases/latest"
#define ETAG "\"rel-1\""

static int get(struct fuzz_device *d, const uint8_t *data, size_t size, size_t chunk,
               struct ota_release *rel)
{
    int err;

    FUZZ_CHECK(sim_http_put(&d->sim.http, LATEST, 200, ETAG, data, size) == OTA_OK);
    d->sim.http.chunk = chunk;
    fuzz_device_ready(d);
    d->ctx.reason[0] = '\0';
    err = ota_release_get(&d->ctx, NULL, 0, rel);
    fuzz_device_check(d);
    FUZZ_CHECK(fuzz_known_err(err));
    FUZZ_CHECK(memchr(rel->tag, '\0', sizeof rel->tag) != NULL);
    if (err != OTA_OK)
        FUZZ_CHECK(d->ctx.reason[0] != '\0');
    else
        FUZZ_CHECK(rel->tag[0] != '\0' && !rel->unchanged);
    return err;
}

static int same_release(const struct ota_release *a, const struct ota_release *b)
{
    return strcmp(a->tag, b->tag) == 0 && a->manifest_id == b->manifest_id &&
           a->manifest_size == b->manifest_size && a->signature_id == b->signature_id &&
           a->signature_size == b->signature_size;
}

static void ask_again(struct fuzz_device *d, const struct ota_release *first)
{
    struct ota_release again;
    int cacheable = !strchr(first->tag, ' ') && !strchr(first->tag, '\n');

    d->ctx.stats.not_modified = 0;
    d->ctx.reason[0] = '\0';
    FUZZ_CHECK(ota_release_get(&d->ctx, NULL, 0, &again) == OTA_OK);
    fuzz_device_check(d);
    FUZZ_CHECK(strcmp(again.tag, first->tag) == 0);
    FUZZ_CHECK(again.unchanged == cacheable && d->ctx.stats.not_modified == (uint32_t)cacheable);
    if (!cacheable)
        FUZZ_CHECK(same_release(&again, first));
    /* fresh: read again in full, whatever is remembered */
    FUZZ_CHECK(ota_release_get(&d->ctx, NULL, 1, &again) == OTA_OK);
    fuzz_device_check(d);
    FUZZ_CHECK(!again.unchanged && same_release(&again, first));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ota_release whole, bits;
    struct fuzz_device *d = fuzz_device_start();
    int err = get(d, data, size, 1000, &whole);

    d = fuzz_device_start();
    FUZZ_CHECK(get(d, data, size, 1 + size % 7, &bits) == err);
    if (err == OTA_OK) {
        FUZZ_CHECK(same_release(&whole, &bits));
        ask_again(d, &bits);
    }
    return 0;
}
