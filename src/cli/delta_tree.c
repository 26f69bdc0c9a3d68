#include "delta_tree.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "delta_encode.h"
#include "delta_index_write.h"

#define PATH_CAP 4096

struct file_list {
    char **path; /* relative to the tree's root */
    size_t n, cap;
};

static void list_add(struct file_list *l, const char *path)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->path = realloc(l->path, l->cap * sizeof *l->path);
    }
    if (!l->path || !(l->path[l->n] = strdup(path))) {
        perror("ota delta");
        exit(EXIT_INTERNAL);
    }
    l->n++;
}

static void list_free(struct file_list *l)
{
    size_t i;

    for (i = 0; i < l->n; i++)
        free(l->path[i]);
    free(l->path);
}

/* Every regular file under root/rel, but not in .git or .deltas. */
static int walk(const char *root, const char *rel, struct file_list *out)
{
    char dir[PATH_CAP], child[PATH_CAP];
    struct dirent *e;
    DIR *d;

    snprintf(dir, sizeof dir, "%s%s%s", root, rel[0] ? "/" : "", rel);
    if (!(d = opendir(dir)))
        return -1;
    while ((e = readdir(d)) != NULL) {
        struct stat st;
        char full[PATH_CAP * 2];
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || !strcmp(e->d_name, ".git") ||
            !strcmp(e->d_name, ".deltas"))
            continue;
        snprintf(child, sizeof child, "%s%s%s", rel, rel[0] ? "/" : "", e->d_name);
        snprintf(full, sizeof full, "%s/%s", root, child);
        if (stat(full, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode))
            walk(root, child, out);
        else if (S_ISREG(st.st_mode))
            list_add(out, child);
    }
    closedir(d);
    return 0;
}

static int slurp(const char *root, const char *rel, uint8_t **data, size_t *size)
{
    char path[PATH_CAP * 2];
    FILE *f;
    long n;

    snprintf(path, sizeof path, "%s/%s", root, rel);
    f = fopen(path, "rb");
    if (!f)
        return -1;
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
        !(*data = malloc((size_t)n + 1)) || fread(*data, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        return -1;
    }
    fclose(f);
    *size = (size_t)n;
    return 0;
}

static void hex_id(const uint8_t *data, size_t size, char out[41])
{
    uint8_t id[20];
    int i;

    delta_blob_id(data, size, id);
    for (i = 0; i < 20; i++)
        sprintf(out + 2 * i, "%02x", id[i]);
}

/* An old file with the same name as the added path, elsewhere: a move.
 * The first such path in byte order, the rule devices apply to what they
 * have installed (src/core/moved.h). */
static const char *moved_from(const struct file_list *old, const char *path)
{
    const char *base = strrchr(path, '/'), *best = NULL;
    size_t i;

    base = base ? base + 1 : path;
    for (i = 0; i < old->n; i++) {
        const char *b = strrchr(old->path[i], '/');
        if (!strcmp(b ? b + 1 : old->path[i], base) && (!best || strcmp(old->path[i], best) < 0))
            best = old->path[i];
    }
    return best;
}

struct tally {
    size_t written, skipped;
    unsigned long long delta_bytes, full_bytes;
};

/* Encodes new against old and writes it under name, when it pays. */
static int publish(const char *out_dir, const char *name, const uint8_t *old, size_t old_size,
                   const uint8_t *new, size_t new_size, struct tally *t)
{
    struct delta_source src = {old, old_size};
    struct delta_options opt;
    char path[PATH_CAP * 2];
    uint8_t *delta;
    size_t len;
    FILE *f;

    delta_default_options(&opt);
    if (delta_encode(&src, 1, new, new_size, &opt, &delta, &len) != 0)
        return EXIT_USAGE;
    if (len >= new_size) {
        t->skipped++;
        free(delta);
        return EXIT_OK;
    }
    snprintf(path, sizeof path, "%s/%s", out_dir, name);
    f = fopen(path, "wb");
    if (!f || fwrite(delta, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "ota delta: cannot write %s\n", path);
        free(delta);
        return EXIT_STORAGE;
    }
    t->written++;
    t->delta_bytes += len;
    t->full_bytes += new_size;
    free(delta);
    return EXIT_OK;
}

/* One file of the new tree. */
static int one(const char *old_dir, const char *new_dir, const char *out_dir,
               const struct file_list *old, const char *rel, struct tally *t)
{
    const char *source = rel;
    uint8_t *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    char ha[41], hb[41], name[100];
    int code = EXIT_OK, moved = 0;

    if (slurp(new_dir, rel, &b, &nb) != 0)
        return EXIT_USAGE;
    if (slurp(old_dir, rel, &a, &na) != 0) {
        source = moved_from(old, rel);
        moved = 1;
        if (!source || slurp(old_dir, source, &a, &na) != 0) {
            free(b);
            return EXIT_OK; /* added, like nothing before: downloaded whole */
        }
    }
    /* a moved file, even unchanged, costs a few bytes instead of itself */
    if (moved || na != nb || memcmp(a, b, na) != 0) {
        hex_id(a, na, ha);
        hex_id(b, nb, hb);
        snprintf(name, sizeof name, "%s-%s.otad", ha, hb);
        code = publish(out_dir, name, a, na, b, nb, t);
    }
    free(a);
    free(b);
    return code;
}

int delta_publish_dirs(const char *old_dir, const char *new_dir, const char *out_dir, int quiet)
{
    struct file_list old = {NULL, 0, 0}, new = {NULL, 0, 0};
    struct tally t = {0, 0, 0, 0};
    size_t i;
    int code = EXIT_OK;

    if (walk(old_dir, "", &old) != 0 || walk(new_dir, "", &new) != 0) {
        fprintf(stderr, "ota delta: cannot read %s or %s\n", old_dir, new_dir);
        return EXIT_USAGE;
    }
    if (mkdir(out_dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "ota delta: cannot create %s\n", out_dir);
        code = EXIT_STORAGE;
    }
    for (i = 0; code == EXIT_OK && i < new.n; i++)
        code = one(old_dir, new_dir, out_dir, &old, new.path[i], &t);
    if (code == EXIT_OK)
        code = delta_index_write(out_dir);
    if (code == EXIT_OK && !quiet)
        fprintf(stderr, "ota delta: %zu deltas, %llu bytes for %llu bytes of files; %zu files "
                        "whose delta would not be smaller\n",
                t.written, t.delta_bytes, t.full_bytes, t.skipped);
    list_free(&old);
    list_free(&new);
    return code;
}
