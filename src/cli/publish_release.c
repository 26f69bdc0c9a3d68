#include "publish_release.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "publish_store.h"

/* A larger Bloom filter than the reader's own, so that releases of
 * thousands of files rarely need the collision question answered. */
#define FILTER_BYTES (64 * 1024)

static int keep_file(void *arg, const struct ota_manifest_file *f)
{
    struct release *r = arg;
    struct release_file *e;

    if ((r->count & (r->count - 1)) == 0) { /* 0, 1, 2, 4...: grow by doubling */
        struct release_file *v = realloc(r->files, (r->count ? 2 * r->count : 1) * sizeof *v);
        if (!v)
            return OTA_ERR_NO_MEM;
        r->files = v;
    }
    e = &r->files[r->count++];
    memcpy(e->path, f->path, sizeof e->path);
    e->size = f->size;
    memcpy(e->sha1, f->sha1, sizeof e->sha1);
    memcpy(e->sha256, f->sha256, sizeof e->sha256);
    return OTA_OK;
}

static int keep_delete(void *arg, const char *path, uint32_t index)
{
    struct release *r = arg;
    char **v;

    (void)index;
    if ((r->delete_count & (r->delete_count - 1)) == 0) {
        v = realloc(r->deletes, (r->delete_count ? 2 * r->delete_count : 1) * sizeof *v);
        if (!v)
            return OTA_ERR_NO_MEM;
        r->deletes = v;
    }
    if (!(r->deletes[r->delete_count] = strdup(path)))
        return OTA_ERR_NO_MEM;
    r->delete_count++;
    return OTA_OK;
}

/* The reader's filter suspects a collision: confirm it against everything
 * delivered so far, as a device does against its staged list. */
static int conflicts(void *arg, const char *path, int is_delete)
{
    const struct release *r = arg;
    size_t i;

    for (i = 0; i < r->count; i++)
        if (ota_manifest_conflict(path, is_delete, r->files[i].path, 0))
            return 1;
    for (i = 0; i < r->delete_count; i++)
        if (ota_manifest_conflict(path, is_delete, r->deletes[i], 1))
            return 1;
    return 0;
}

/* A mirror names objects by git blob SHA-1 and orders releases by
 * sequence: a manifest without them cannot be served. */
static int mirror_can_serve(const struct release *r, char *why, size_t why_cap)
{
    size_t i;

    if (r->info.format != 1) {
        snprintf(why, why_cap, "not an %s manifest (the original system's format has "
                               "no git blob ids); make one with `ota manifest`",
                 OTA_MANIFEST_FORMAT);
        return -1;
    }
    if (!r->info.has_sequence) {
        snprintf(why, why_cap, "no \"sequence\": a channel orders its releases by it");
        return -1;
    }
    for (i = 0; i < r->count; i++)
        if (!r->files[i].sha1[0]) {
            snprintf(why, why_cap, "files[%zu] (\"%s\") has no \"sha1\": objects are named "
                                   "by their git blob SHA-1", i, r->files[i].path);
            return -1;
        }
    return 0;
}

int release_parse(struct release *r, uint8_t *bytes, size_t size, char *why, size_t why_cap)
{
    static struct ota_ctx ctx; /* only its JSON scratch and reason are used */
    static struct ota_manifest_reader reader;
    static uint8_t filter[FILTER_BYTES];
    struct ota_manifest_callbacks cb = {keep_file, keep_delete, conflicts, r};
    int err;

    memset(r, 0, sizeof *r);
    r->bytes = bytes;
    r->size = size;
    sha256_hex(bytes, size, r->name);
    memset(&ctx, 0, sizeof ctx);
    err = ota_manifest_init(&reader, &ctx, &cb);
    if (err == OTA_OK)
        err = ota_manifest_set_filter(&reader, filter, sizeof filter);
    if (err == OTA_OK)
        err = ota_manifest_feed(&reader, bytes, size);
    if (err == OTA_OK)
        err = ota_manifest_finish(&reader, &r->info);
    if (err != OTA_OK) {
        snprintf(why, why_cap, "a device would refuse it: %s%s%s", ota_strerror(err),
                 ctx.reason[0] ? ": " : "", ctx.reason);
        return -1;
    }
    return mirror_can_serve(r, why, why_cap);
}

int release_load(struct release *r, const char *path, const char *what)
{
    char why[OTA_REASON_MAX + 128];
    uint8_t *bytes;
    size_t size;

    memset(r, 0, sizeof *r);
    if (store_read_all(path, RELEASE_MANIFEST_MAX, &bytes, &size) != 0) {
        if (errno == EFBIG) {
            fprintf(stderr, "ota publish: %s %s is larger than 16 MiB, the most a device "
                            "verifies\n", what, path);
            return EXIT_VERIFY;
        }
        fprintf(stderr, "ota publish: cannot read %s %s: %s\n", what, path, strerror(errno));
        return EXIT_USAGE;
    }
    if (release_parse(r, bytes, size, why, sizeof why) != 0) {
        fprintf(stderr, "ota publish: %s %s: %s\n", what, path, why);
        return EXIT_VERIFY;
    }
    return EXIT_OK;
}

static int by_path(const void *key, const void *entry)
{
    return strcmp(key, ((const struct release_file *)entry)->path);
}

const struct release_file *release_find(const struct release *r, const char *path)
{
    return r->count ? bsearch(path, r->files, r->count, sizeof *r->files, by_path) : NULL;
}

void release_free(struct release *r)
{
    size_t i;

    for (i = 0; i < r->delete_count; i++)
        free(r->deletes[i]);
    free(r->deletes);
    free(r->files);
    free(r->bytes);
    memset(r, 0, sizeof *r);
}
