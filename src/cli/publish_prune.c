#include "publish_prune.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "publish_jsonread.h"
#include "publish_pointer.h"
#include "publish_record.h"
#include "publish_release.h"
#include "publish_store.h"

/* A sorted set of names (hex ids). */
struct name_set {
    char **v;
    size_t n;
};

static int set_add(struct name_set *s, const char *name)
{
    char **v = realloc(s->v, (s->n + 1) * sizeof *v);

    if (!v)
        return -1;
    s->v = v;
    if (!(v[s->n] = strdup(name)))
        return -1;
    s->n++;
    return 0;
}

static int by_string(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void set_seal(struct name_set *s)
{
    if (s->n)
        qsort(s->v, s->n, sizeof *s->v, by_string);
}

static int set_has(const struct name_set *s, const char *name)
{
    return s->n && bsearch(&name, s->v, s->n, sizeof *s->v, by_string) != NULL;
}

static void set_free(struct name_set *s)
{
    size_t i;

    for (i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
}

/* ---- what is live ------------------------------------------------------- */

static int from_record(const struct record *rec, unsigned keep, struct name_set *manifests)
{
    size_t i, k;

    for (i = 0; i < rec->count; i++) {
        const struct record_channel *c = &rec->channels[i];
        for (k = c->count > keep ? c->count - keep : 0; k < c->count; k++)
            if (set_add(manifests, c->releases[k].manifest) != 0)
                return EXIT_INTERNAL;
    }
    return EXIT_OK;
}

/* A channel file's name without ".json", when it is one. */
static int channel_of(const char *file, char *name, size_t cap)
{
    size_t n = strlen(file);

    if (n <= 5 || n - 5 >= cap || strcmp(file + n - 5, ".json") != 0)
        return 0;
    memcpy(name, file, n - 5);
    name[n - 5] = '\0';
    return channel_name_ok(name);
}

static int from_pointers(const char *mirror, struct name_set *manifests)
{
    char dir[STORE_PATH_MAX], name[CHANNEL_NAME_MAX + 1];
    struct channel_pointer p;
    struct dirent *e;
    DIR *d;
    int code = EXIT_OK;

    if (store_join(dir, sizeof dir, mirror, MIRROR_CHANNELS, NULL) != 0 || !(d = opendir(dir))) {
        fprintf(stderr, "ota publish: %s is not a mirror (no %s/)\n", mirror, MIRROR_CHANNELS);
        return EXIT_USAGE;
    }
    while (code == EXIT_OK && (e = readdir(d)) != NULL) {
        if (!channel_of(e->d_name, name, sizeof name))
            continue;
        if (pointer_read(mirror, name, &p) != 1) {
            fprintf(stderr, "ota publish: %s/%s is not a channel pointer; nothing removed\n",
                    dir, e->d_name);
            code = EXIT_VERIFY;
        } else if (set_add(manifests, p.manifest) != 0) {
            code = EXIT_INTERNAL;
        }
    }
    closedir(d);
    return code;
}

static int objects_of(const char *mirror, const char *manifest, struct name_set *objects)
{
    char file[SHA256_HEX_LEN + 8], path[STORE_PATH_MAX], why[OTA_REASON_MAX + 128];
    struct release r;
    uint8_t *bytes;
    size_t size, i;

    snprintf(file, sizeof file, "%s.json", manifest);
    if (store_join(path, sizeof path, mirror, MIRROR_MANIFESTS, file) != 0 ||
        store_read_all(path, RELEASE_MANIFEST_MAX, &bytes, &size) != 0) {
        fprintf(stderr, "ota publish: cannot read %s, a release to keep (%s); nothing "
                        "removed\n", path, strerror(errno));
        return EXIT_VERIFY;
    }
    if (release_parse(&r, bytes, size, why, sizeof why) != 0) {
        fprintf(stderr, "ota publish: %s: %s; nothing removed\n", path, why);
        release_free(&r);
        return EXIT_VERIFY;
    }
    for (i = 0; i < r.count; i++)
        if (set_add(objects, r.files[i].sha1) != 0) {
            release_free(&r);
            return EXIT_INTERNAL;
        }
    release_free(&r);
    return EXIT_OK;
}

/* ---- removing what is not --------------------------------------------------- */

typedef int (*keep_fn)(const char *name, const struct name_set *live);

static int keep_object(const char *name, const struct name_set *objects)
{
    return set_has(objects, name);
}

static int keep_manifest(const char *name, const struct name_set *manifests)
{
    char id[SHA256_HEX_LEN + 1];
    size_t n = strlen(name);

    if (n != SHA256_HEX_LEN + 5 || strcmp(name + SHA256_HEX_LEN, ".json") != 0)
        return 1; /* not a name the publisher gives: not ours to remove */
    memcpy(id, name, SHA256_HEX_LEN);
    id[SHA256_HEX_LEN] = '\0';
    return set_has(manifests, id);
}

/* OLD-NEW.otad: kept while NEW is an object to keep. */
static int keep_delta(const char *name, const struct name_set *objects)
{
    char id[SHA1_HEX_LEN + 1];

    if (strlen(name) != 2 * SHA1_HEX_LEN + 6 || name[SHA1_HEX_LEN] != '-' ||
        strcmp(name + 2 * SHA1_HEX_LEN + 1, ".otad") != 0)
        return 1;
    memcpy(id, name + SHA1_HEX_LEN + 1, SHA1_HEX_LEN);
    id[SHA1_HEX_LEN] = '\0';
    return set_has(objects, id);
}

static int sweep(const char *mirror, const char *sub, keep_fn keep, const struct name_set *live,
                 int dry_run, uint64_t *removed, uint64_t *kept, uint64_t *bytes)
{
    char dir[STORE_PATH_MAX], path[STORE_PATH_MAX];
    struct dirent *e;
    struct stat st;
    DIR *d;
    int code = EXIT_OK;

    if (store_join(dir, sizeof dir, mirror, sub, NULL) != 0 || !(d = opendir(dir)))
        return EXIT_OK; /* nothing there to remove */
    while (code == EXIT_OK && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || store_join(path, sizeof path, dir, e->d_name, NULL) != 0 ||
            lstat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue; /* temporary files of a publisher, and what is not ours */
        if (keep(e->d_name, live)) {
            (*kept)++;
            continue;
        }
        if (!dry_run && unlink(path) != 0) {
            fprintf(stderr, "ota publish: cannot remove %s: %s\n", path, strerror(errno));
            code = EXIT_STORAGE;
            break;
        }
        (*removed)++;
        *bytes += (uint64_t)st.st_size;
    }
    closedir(d);
    return code;
}

static int trim_record(const char *mirror, struct record *rec, unsigned keep, int dry_run,
                       struct prune_tally *t)
{
    size_t i;

    for (i = 0; i < rec->count; i++) {
        if (rec->channels[i].count > keep)
            t->releases_dropped += rec->channels[i].count - keep;
        record_trim(&rec->channels[i], keep);
    }
    if (dry_run || !t->releases_dropped || record_save(mirror, rec) == 0)
        return EXIT_OK;
    fprintf(stderr, "ota publish: cannot write %s/%s: %s\n", mirror, MIRROR_RECORD,
            strerror(errno));
    return EXIT_STORAGE;
}

int prune_mirror(const char *mirror, unsigned keep, int dry_run, struct prune_tally *t)
{
    struct name_set manifests = {NULL, 0}, objects = {NULL, 0};
    struct record rec;
    size_t i;
    int code;

    if (record_load(mirror, &rec) != 0) {
        fprintf(stderr, "ota publish: %s/%s is unreadable or malformed (%s); nothing removed\n",
                mirror, MIRROR_RECORD, strerror(errno));
        return EXIT_VERIFY;
    }
    code = from_record(&rec, keep, &manifests);
    if (code == EXIT_OK)
        code = from_pointers(mirror, &manifests);
    set_seal(&manifests);
    for (i = 0; code == EXIT_OK && i < manifests.n; i++)
        if (i == 0 || strcmp(manifests.v[i], manifests.v[i - 1]) != 0)
            code = objects_of(mirror, manifests.v[i], &objects);
    set_seal(&objects);
    /* the record first: a crash after it leaves files the next prune removes */
    if (code == EXIT_OK)
        code = trim_record(mirror, &rec, keep, dry_run, t);
    if (code == EXIT_OK)
        code = sweep(mirror, MIRROR_MANIFESTS, keep_manifest, &manifests, dry_run,
                     &t->manifests, &t->kept_manifests, &t->bytes);
    if (code == EXIT_OK)
        code = sweep(mirror, MIRROR_DELTAS, keep_delta, &objects, dry_run, &t->deltas,
                     &t->kept_deltas, &t->bytes);
    if (code == EXIT_OK)
        code = sweep(mirror, MIRROR_OBJECTS, keep_object, &objects, dry_run, &t->objects,
                     &t->kept_objects, &t->bytes);
    record_free(&rec);
    set_free(&manifests);
    set_free(&objects);
    return code;
}
