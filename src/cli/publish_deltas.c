#include "publish_deltas.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "delta_encode.h"
#include "delta_format.h"
#include "hex.h"
#include "publish_objects.h"
#include "publish_store.h"

#define DELTA_NAME_LEN (2 * SHA1_HEX_LEN + 1 + 5) /* OLD-NEW.otad */

struct delta_job {
    const char *mirror;
    struct delta_tally *t;
    char **tried;              /* names already made or refused in this run */
    size_t tried_count;
};

/* ---- the file of the same name elsewhere (a move) ------------------------ */

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');

    return slash ? slash + 1 : path;
}

static int by_base_then_path(const void *a, const void *b)
{
    const struct release_file *x = *(const struct release_file *const *)a;
    const struct release_file *y = *(const struct release_file *const *)b;
    int c = strcmp(base_name(x->path), base_name(y->path));

    return c ? c : strcmp(x->path, y->path);
}

/* The old release's files ordered by name, then path: the first of a name
 * is the one a move is made from. */
static const struct release_file **by_base_index(const struct release *old)
{
    const struct release_file **v = malloc((old->count ? old->count : 1) * sizeof *v);
    size_t i;

    if (!v)
        return NULL;
    for (i = 0; i < old->count; i++)
        v[i] = &old->files[i];
    qsort(v, old->count, sizeof *v, by_base_then_path);
    return v;
}

static const struct release_file *moved_from(const struct release_file **index, size_t n,
                                             const char *path)
{
    const char *name = base_name(path);
    size_t lo = 0, hi = n;

    while (lo < hi) { /* the first entry whose name is not below name */
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(base_name(index[mid]->path), name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && !strcmp(base_name(index[lo]->path), name) ? index[lo] : NULL;
}

/* ---- one delta ------------------------------------------------------------ */

static int load_object(const char *mirror, const char *sha1, uint8_t **data, size_t *size)
{
    char path[STORE_PATH_MAX];

    if (store_join(path, sizeof path, mirror, MIRROR_OBJECTS, sha1) != 0)
        return -1;
    return store_read_all(path, OTA_DELTA_SIZE_MAX, data, size);
}

/* Whether an existing delta's header names the blobs its name does (magic,
 * format, new size, new id, one source: size and id): 1 yes, 0 no, -1 no
 * such file. */
static int header_matches(const char *path, const char *old_sha1, const char *new_sha1)
{
    uint8_t head[OTA_DELTA_HEADER_MAX], want_old[OTA_DELTA_ID_LEN], want_new[OTA_DELTA_ID_LEN];
    FILE *f = fopen(path, "rb");
    size_t n, at = 3;

    if (!f)
        return errno == ENOENT ? -1 : 0;
    n = fread(head, 1, sizeof head, f);
    fclose(f);
    ota_hex_decode(old_sha1, 2 * OTA_DELTA_ID_LEN, want_old, sizeof want_old);
    ota_hex_decode(new_sha1, 2 * OTA_DELTA_ID_LEN, want_new, sizeof want_new);
    if (n < 3 || memcmp(head, OTA_DELTA_MAGIC, 2) != 0)
        return 0;
    while (at < n && (head[at] & 0x80)) /* the new size, a varint */
        at++;
    at++;
    if (at + OTA_DELTA_ID_LEN + 1 > n || memcmp(head + at, want_new, OTA_DELTA_ID_LEN) != 0 ||
        head[at + OTA_DELTA_ID_LEN] != 1)
        return 0;
    at += OTA_DELTA_ID_LEN + 1;
    while (at < n && (head[at] & 0x80)) /* the source's size */
        at++;
    at++;
    return at + OTA_DELTA_ID_LEN <= n && memcmp(head + at, want_old, OTA_DELTA_ID_LEN) == 0;
}

/* 1 when name was already handled in this run; else remembers it. */
static int already_tried(struct delta_job *job, const char *name)
{
    char **v;
    size_t i;

    for (i = 0; i < job->tried_count; i++)
        if (!strcmp(job->tried[i], name))
            return 1;
    v = realloc(job->tried, (job->tried_count + 1) * sizeof *v);
    if (v) {
        job->tried = v;
        if ((v[job->tried_count] = strdup(name)) != NULL)
            job->tried_count++;
    }
    return 0;
}

static int cannot_write(const char *path)
{
    fprintf(stderr, "ota publish: cannot write %s: %s\n", path, strerror(errno));
    return EXIT_STORAGE;
}

/* Encodes and stores, when it pays; old and new are whole files. */
static int encode_and_store(struct delta_job *job, const char *path, const uint8_t *old,
                            size_t old_size, const uint8_t *new, size_t new_size)
{
    struct delta_source src = {old, old_size};
    struct delta_options opt;
    uint8_t *delta;
    size_t len;
    int created;

    delta_default_options(&opt);
    if ((uint64_t)old_size + new_size > OTA_DELTA_SPACE_MAX ||
        delta_encode(&src, 1, new, new_size, &opt, &delta, &len) != 0) {
        job->t->not_smaller++; /* too large for the format */
        return EXIT_OK;
    }
    if (len >= new_size) {
        job->t->not_smaller++;
        free(delta);
        return EXIT_OK;
    }
    created = store_put(path, delta, len, 0);
    free(delta);
    if (created < 0)
        return cannot_write(path);
    if (created == 1) {
        job->t->written++;
        job->t->bytes_written += len;
        job->t->bytes_of_files += new_size;
    } else {
        job->t->existing++; /* another publisher was first */
    }
    return EXIT_OK;
}

/* Makes the delta at path from the mirror's objects: the old one may be
 * gone (pruned), and must be the blob its name says. */
static int make_delta(struct delta_job *job, const char *path, const char *old_sha1,
                      const char *new_sha1)
{
    char id[SHA1_HEX_LEN + 1];
    uint8_t *a = NULL, *b = NULL, raw[20];
    size_t na = 0, nb = 0;
    int code;

    if (load_object(job->mirror, old_sha1, &a, &na) != 0) {
        job->t->without_source++;
        return EXIT_OK;
    }
    if (load_object(job->mirror, new_sha1, &b, &nb) != 0) {
        free(a);
        fprintf(stderr, "ota publish: cannot read object %s: %s\n", new_sha1, strerror(errno));
        return EXIT_STORAGE;
    }
    delta_blob_id(a, na, raw);
    ota_hex_encode(raw, sizeof raw, id);
    if (strcmp(id, old_sha1) != 0) {
        fprintf(stderr, "ota publish: object %s has other bytes than its name says: the "
                        "mirror is corrupt\n", old_sha1);
        code = EXIT_VERIFY;
    } else {
        code = encode_and_store(job, path, a, na, b, nb);
    }
    free(a);
    free(b);
    return code;
}

static int one_delta(struct delta_job *job, const struct release_file *old,
                     const struct release_file *new)
{
    char name[DELTA_NAME_LEN + 1], path[STORE_PATH_MAX];
    int present;

    snprintf(name, sizeof name, "%s-%s.otad", old->sha1, new->sha1);
    if (already_tried(job, name))
        return EXIT_OK;
    if (store_join(path, sizeof path, job->mirror, MIRROR_DELTAS, name) != 0)
        return cannot_write(job->mirror);
    present = header_matches(path, old->sha1, new->sha1);
    if (present < 0)
        return make_delta(job, path, old->sha1, new->sha1);
    if (present == 0) {
        fprintf(stderr, "ota publish: %s is not the delta its name says: the mirror is "
                        "corrupt (remove that file, then publish again)\n", path);
        return EXIT_VERIFY;
    }
    job->t->existing++;
    return EXIT_OK;
}

/* ---- from one old release ---------------------------------------------------- */

static int from_release(struct delta_job *job, const struct release *old,
                        const struct release *r)
{
    const struct release_file **index = by_base_index(old);
    size_t i;
    int code = EXIT_OK;

    if (!index)
        return EXIT_INTERNAL;
    for (i = 0; code == EXIT_OK && i < r->count; i++) {
        const struct release_file *f = &r->files[i];
        const struct release_file *o = release_find(old, f->path);
        if (!o)
            o = moved_from(index, old->count, f->path);
        if (o && strcmp(o->sha1, f->sha1) != 0)
            code = one_delta(job, o, f);
    }
    free(index);
    return code;
}

/* A release in the mirror, by its manifest's name. 0, or -1 (gone). */
static int load_old(const char *mirror, const char *name, struct release *old)
{
    char file[SHA256_HEX_LEN + 8], path[STORE_PATH_MAX], why[OTA_REASON_MAX + 128];
    uint8_t *bytes;
    size_t size;

    snprintf(file, sizeof file, "%s.json", name);
    if (store_join(path, sizeof path, mirror, MIRROR_MANIFESTS, file) != 0 ||
        store_read_all(path, RELEASE_MANIFEST_MAX, &bytes, &size) != 0)
        return -1;
    if (release_parse(old, bytes, size, why, sizeof why) != 0) {
        fprintf(stderr, "ota publish: warning: %s: %s; no deltas from it\n", path, why);
        release_free(old);
        return -1;
    }
    return 0;
}

/* 1 when name is among the k releases before position i, newest first
 * (the same release published twice counts once). */
static int seen_newer(const struct record_channel *h, size_t i, const char *name)
{
    size_t k;

    for (k = i + 1; k < h->count; k++)
        if (!strcmp(h->releases[k].manifest, name))
            return 1;
    return 0;
}

int deltas_publish(const char *mirror, const struct release *r,
                   const struct record_channel *history, unsigned k, struct delta_tally *t)
{
    struct delta_job job = {mirror, t, NULL, 0};
    char dir[STORE_PATH_MAX];
    size_t i, used = 0;
    int code = EXIT_OK;

    for (i = history ? history->count : 0; code == EXIT_OK && used < k && i-- > 0;) {
        const char *name = history->releases[i].manifest;
        struct release old;
        if (!strcmp(name, r->name) || seen_newer(history, i, name))
            continue;
        used++;
        if (load_old(mirror, name, &old) != 0) {
            t->without_source++;
            continue;
        }
        code = from_release(&job, &old, r);
        release_free(&old);
    }
    for (i = 0; i < job.tried_count; i++)
        free(job.tried[i]);
    free(job.tried);
    if (code == EXIT_OK && (store_join(dir, sizeof dir, mirror, MIRROR_DELTAS, NULL) != 0 ||
                            store_sync_dir(dir) != 0))
        code = cannot_write(dir);
    return code;
}
