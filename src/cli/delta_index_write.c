/* `.deltas/index`: what a directory of deltas holds, one line
 * "<name> <size>" per .otad file, sorted by name, so that a device asks only
 * for deltas that exist and can price them before downloading
 * (src/core/delta_index.h). Rewritten from the directory itself every time,
 * so deltas kept from older releases stay listed. */
#include "delta_index_write.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

#define NAME_CAP 128

struct entry {
    char name[NAME_CAP];
    long long size;
};

static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

static int is_delta(const char *name)
{
    size_t n = strlen(name);

    return n > 5 && n < NAME_CAP && strcmp(name + n - 5, ".otad") == 0;
}

/* The .otad files of dir with their sizes; NULL on failure. */
static struct entry *list_deltas(const char *dir, size_t *count)
{
    struct entry *list = NULL, *grown;
    size_t n = 0, cap = 0;
    char path[4096 + NAME_CAP];
    struct dirent *e;
    struct stat st;
    DIR *d = opendir(dir);

    if (!d)
        return NULL;
    while ((e = readdir(d)) != NULL) {
        if (!is_delta(e->d_name))
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            if (!(grown = realloc(list, cap * sizeof *list)))
                break;
            list = grown;
        }
        memcpy(list[n].name, e->d_name, strlen(e->d_name) + 1); /* is_delta: it fits */
        list[n++].size = (long long)st.st_size;
    }
    closedir(d);
    if (!list)
        list = malloc(sizeof *list);
    *count = n;
    return list;
}

int delta_index_write(const char *dir)
{
    char path[4096 + 16], tmp[4096 + 16];
    size_t n = 0, i;
    struct entry *list = list_deltas(dir, &n);
    FILE *f;
    int ok;

    if (!list) {
        fprintf(stderr, "ota delta: cannot list %s\n", dir);
        return EXIT_STORAGE;
    }
    qsort(list, n, sizeof *list, by_name);
    snprintf(path, sizeof path, "%s/index", dir);
    snprintf(tmp, sizeof tmp, "%s/index.tmp", dir);
    f = fopen(tmp, "w");
    ok = f != NULL;
    for (i = 0; ok && i < n; i++)
        ok = fprintf(f, "%s %lld\n", list[i].name, list[i].size) > 0;
    if (f && fclose(f) != 0)
        ok = 0;
    free(list);
    if (!ok || rename(tmp, path) != 0) {
        fprintf(stderr, "ota delta: cannot write %s\n", path);
        remove(tmp);
        return EXIT_STORAGE;
    }
    return EXIT_OK;
}
