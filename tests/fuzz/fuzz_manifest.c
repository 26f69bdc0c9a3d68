/* Fuzz target: the release manifest reader, fed a hostile document in two
 * chunks split where the first byte says. Checked on every input:
 * - every file and delete it hands over is a safe path, with well-formed
 *   hashes, and collides with no entry handed over before it (so the Bloom
 *   filter never lets a duplicate through);
 * - an accepted manifest's canonical form (what the original format's HMAC
 *   covers) is a manifest the reader accepts again, with the same entries. */
#include <stdlib.h>
#include <string.h>

#include "manifest.h"
#include "path.h"

struct seen {
    struct ota_manifest_file *files;
    char (*deletes)[OTA_PATH_MAX];
    size_t nfiles, ndeletes, cap_files, cap_deletes;
    uint64_t files_digest, deletes_digest; /* of every entry, in order */
};

struct fuzz_state {
    struct ota_ctx ctx;
    uint8_t work[OTA_MIN_BUFFER];
    struct ota_manifest_reader reader;
    struct seen first, again;
    char *canon;
    size_t canon_len, canon_cap;
};

static uint64_t mix(uint64_t h, const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        h = (h ^ (uint8_t)s[i]) * 1099511628211u;
    return h;
}

static int conflicts_any(const struct seen *s, const char *path, int is_delete)
{
    size_t i;

    for (i = 0; i < s->nfiles; i++)
        if (ota_manifest_conflict(path, is_delete, s->files[i].path, 0))
            return 1;
    for (i = 0; i < s->ndeletes; i++)
        if (ota_manifest_conflict(path, is_delete, s->deletes[i], 1))
            return 1;
    return 0;
}

static int conflicts(void *arg, const char *path, int is_delete)
{
    return conflicts_any(arg, path, is_delete);
}

static int hex_or_empty(const char *s, size_t digits)
{
    size_t n = strlen(s), i;

    for (i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return n == 0 || n == digits;
}

static void check_path(const struct seen *s, const char *path, int is_delete)
{
    if (ota_path_check(path, strlen(path)) != OTA_OK || conflicts_any(s, path, is_delete))
        abort();
}

static int on_file(void *arg, const struct ota_manifest_file *f)
{
    struct seen *s = arg;

    check_path(s, f->path, 0);
    if (!hex_or_empty(f->sha1, 40) || !hex_or_empty(f->sha256, 64) ||
        (!f->sha1[0] && !f->sha256[0]) || f->size > OTA_MANIFEST_MAX_INT ||
        f->index != s->nfiles)
        abort();
    if (s->nfiles == s->cap_files) {
        s->cap_files = s->cap_files * 2 + 16;
        s->files = realloc(s->files, s->cap_files * sizeof *s->files);
    }
    s->files[s->nfiles++] = *f;
    s->files_digest = mix(s->files_digest, (const char *)&f->size, sizeof f->size);
    s->files_digest = mix(mix(mix(s->files_digest, f->path, strlen(f->path) + 1), f->sha1, 41),
                          f->sha256, 65);
    return 0;
}

static int on_delete(void *arg, const char *path, uint32_t index)
{
    struct seen *s = arg;

    check_path(s, path, 1);
    if (index != s->ndeletes)
        abort();
    if (s->ndeletes == s->cap_deletes) {
        s->cap_deletes = s->cap_deletes * 2 + 16;
        s->deletes = realloc(s->deletes, s->cap_deletes * sizeof *s->deletes);
    }
    strcpy(s->deletes[s->ndeletes++], path);
    s->deletes_digest = mix(s->deletes_digest, path, strlen(path) + 1);
    return 0;
}

static int parse(struct fuzz_state *st, struct seen *s, const uint8_t *data, size_t size,
                 size_t split, struct ota_manifest_info *info)
{
    struct ota_manifest_callbacks cb = {on_file, on_delete, conflicts, NULL};
    int err;

    cb.arg = s;
    st->ctx.reason[0] = '\0';
    if (ota_manifest_init(&st->reader, &st->ctx, &cb) != OTA_OK)
        abort();
    err = ota_manifest_feed(&st->reader, data, split);
    if (err == OTA_OK)
        err = ota_manifest_feed(&st->reader, data + split, size - split);
    if (err == OTA_OK)
        err = ota_manifest_finish(&st->reader, info);
    if (err > 0 || (err < 0 && st->ctx.reason[0] == '\0'))
        abort(); /* never a silent failure */
    return err;
}

static int sink(void *arg, const char *p, size_t n)
{
    struct fuzz_state *st = arg;

    if (st->canon_len + n > st->canon_cap) {
        st->canon_cap = (st->canon_len + n) * 2;
        st->canon = realloc(st->canon, st->canon_cap);
    }
    memcpy(st->canon + st->canon_len, p, n);
    st->canon_len += n;
    return 0;
}

static void canonical(struct fuzz_state *st, const struct ota_manifest_info *info)
{
    struct ota_manifest_canon c;
    size_t i;
    int r;

    if (ota_manifest_canonical_init(&c, info, sink, st) != OTA_OK)
        abort();
    while ((r = ota_manifest_canonical_next(&c)) > 0) {
        for (i = 0; r == OTA_MANIFEST_CANON_FILES && i < st->first.nfiles; i++)
            if (ota_manifest_canonical_file(&c, &st->first.files[i]) != OTA_OK)
                abort();
        for (i = 0; r == OTA_MANIFEST_CANON_DELETES && i < st->first.ndeletes; i++)
            if (ota_manifest_canonical_delete(&c, st->first.deletes[i]) != OTA_OK)
                abort();
    }
    if (r != OTA_OK)
        abort();
}

/* The canonical form is JSON the reader accepts, with the same entries. */
static void round_trip(struct fuzz_state *st, const struct ota_manifest_info *info)
{
    struct ota_manifest_info again;
    int err;

    canonical(st, info);
    err = parse(st, &st->again, (const uint8_t *)st->canon, st->canon_len, 0, &again);
    if (err != OTA_OK || again.file_count != info->file_count ||
        again.delete_count != info->delete_count ||
        st->again.files_digest != st->first.files_digest ||
        st->again.deletes_digest != st->first.deletes_digest ||
        strcmp(again.version, info->version) != 0 || again.sequence != info->sequence)
        abort();
}

static void free_seen(struct seen *s)
{
    free(s->files);
    free(s->deletes);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct ota_port port; /* the reader needs no platform */
    struct fuzz_state *st = calloc(1, sizeof *st);
    struct ota_settings settings;
    struct ota_manifest_info info;
    size_t split = size ? data[0] % (size + 1) : 0;

    memset(&settings, 0, sizeof settings);
    settings.owner = "o";
    settings.repo = "r";
    if (ota_init(&st->ctx, &port, &settings, st->work, sizeof st->work) != OTA_OK)
        abort();
    if (parse(st, &st->first, data, size, split, &info) == OTA_OK) {
        if (info.file_count != st->first.nfiles || info.delete_count != st->first.ndeletes)
            abort();
        if (info.ignored == 0)
            round_trip(st, &info);
    }
    free_seen(&st->first);
    free_seen(&st->again);
    free(st->canon);
    free(st);
    return 0;
}
