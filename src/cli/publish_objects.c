#include "publish_objects.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "publish_store.h"
#include "publish_tree.h"

int object_intact(const char *path, const char *sha1)
{
    struct file_digest d;

    if (digest_file(path, &d) != 0)
        return -1;
    return strcmp(d.sha1, sha1) == 0;
}

static int corrupt(const char *path)
{
    fprintf(stderr, "ota publish: %s exists with other bytes than its name says: the mirror "
                    "is corrupt (remove that file, then publish again)\n", path);
    return EXIT_VERIFY;
}

static int cannot_write(const char *path)
{
    fprintf(stderr, "ota publish: cannot write %s: %s\n", path, strerror(errno));
    return EXIT_STORAGE;
}

/* Streams src into a temporary object, checking it is still the file the
 * manifest lists (it could have changed since tree_verify). */
static int copy_checked(const char *src, const char *objects, const struct release_file *f,
                        struct store_tmp *tmp)
{
    static unsigned char buf[64 * 1024];
    struct blob_hasher h;
    struct file_digest d;
    FILE *in = fopen(src, "rb");
    size_t n;
    int failed = 0;

    if (!in) {
        fprintf(stderr, "ota publish: cannot read %s: %s\n", src, strerror(errno));
        return EXIT_USAGE;
    }
    if (store_tmp_open(tmp, objects) != 0) {
        fclose(in);
        return cannot_write(objects);
    }
    blob_hasher_begin(&h, f->size);
    while (!failed && (n = fread(buf, 1, sizeof buf, in)) > 0) {
        blob_hasher_update(&h, buf, n);
        failed = store_tmp_write(tmp, buf, n) != 0;
    }
    failed = failed || ferror(in);
    fclose(in);
    if (failed) {
        store_tmp_discard(tmp);
        return cannot_write(tmp->path);
    }
    if (blob_hasher_end(&h, &d) != 0 || strcmp(d.sha1, f->sha1) != 0) {
        store_tmp_discard(tmp);
        fprintf(stderr, "ota publish: %s changed while being published; nothing more "
                        "published\n", src);
        return EXIT_VERIFY;
    }
    return EXIT_OK;
}

static int store_one(const char *mirror, const char *dir, const struct release_file *f,
                     struct store_tally *t)
{
    char objects[STORE_PATH_MAX], target[STORE_PATH_MAX], src[STORE_PATH_MAX];
    struct store_tmp tmp;
    int r, code;

    if (store_join(objects, sizeof objects, mirror, MIRROR_OBJECTS, NULL) != 0 ||
        store_join(target, sizeof target, mirror, MIRROR_OBJECTS, f->sha1) != 0 ||
        tree_path(src, sizeof src, dir, f->path) != 0)
        return cannot_write(mirror);
    r = object_intact(target, f->sha1);
    if (r < 0 && errno == ENOENT) {
        if ((code = copy_checked(src, objects, f, &tmp)) != EXIT_OK)
            return code;
        if ((r = store_tmp_link(&tmp, target)) < 0)
            return cannot_write(target);
        if (r == 1) {
            t->written++;
            t->bytes_written += f->size;
            return EXIT_OK;
        }
        r = object_intact(target, f->sha1); /* another publisher was first */
    }
    if (r < 0)
        return cannot_write(target);
    if (r == 0)
        return corrupt(target);
    t->existing++;
    t->bytes_existing += f->size;
    return EXIT_OK;
}

int objects_store(const char *mirror, const char *dir, const struct release *r,
                  struct store_tally *t)
{
    char objects[STORE_PATH_MAX];
    size_t i;
    int code = EXIT_OK;

    for (i = 0; code == EXIT_OK && i < r->count; i++)
        code = store_one(mirror, dir, &r->files[i], t);
    if (code == EXIT_OK && (store_join(objects, sizeof objects, mirror, MIRROR_OBJECTS,
                                       NULL) != 0 || store_sync_dir(objects) != 0))
        code = cannot_write(objects);
    return code;
}

/* 1 when the manifest at path is exactly r's bytes. */
static int same_manifest(const char *path, const struct release *r)
{
    uint8_t *data;
    size_t len;
    int same;

    if (store_read_all(path, RELEASE_MANIFEST_MAX, &data, &len) != 0)
        return errno == ENOENT ? -1 : 0;
    same = len == r->size && memcmp(data, r->bytes, len) == 0;
    free(data);
    return same;
}

int manifest_store(const char *mirror, const struct release *r, struct store_tally *t)
{
    char dir[STORE_PATH_MAX], name[SHA256_HEX_LEN + 8], path[STORE_PATH_MAX];
    int created;

    snprintf(name, sizeof name, "%s.json", r->name);
    if (store_join(dir, sizeof dir, mirror, MIRROR_MANIFESTS, NULL) != 0 ||
        store_join(path, sizeof path, mirror, MIRROR_MANIFESTS, name) != 0)
        return cannot_write(mirror);
    if (same_manifest(path, r) == 1) {
        t->existing++;
        t->bytes_existing += r->size;
        return EXIT_OK;
    }
    created = store_put(path, r->bytes, r->size, 0);
    if (created < 0 || store_sync_dir(dir) != 0)
        return cannot_write(path);
    if (created == 0) { /* another publisher was first */
        if (same_manifest(path, r) != 1)
            return corrupt(path);
        t->existing++;
        t->bytes_existing += r->size;
        return EXIT_OK;
    }
    t->written++;
    t->bytes_written += r->size;
    return EXIT_OK;
}
