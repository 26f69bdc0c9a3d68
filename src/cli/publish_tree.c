#include "publish_tree.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "publish_store.h"

#define PROBLEMS_SHOWN 10

int tree_path(char *out, size_t cap, const char *dir, const char *path)
{
    int n = snprintf(out, cap, "%s/%s", dir, path);

    return n < 0 || (size_t)n >= cap ? -1 : 0;
}

/* What is wrong with one file, or NULL when it is as listed. */
static const char *file_problem(const char *dir, const struct release_file *f, char *buf,
                                size_t cap)
{
    char full[STORE_PATH_MAX];
    struct file_digest d;
    struct stat st;

    if (tree_path(full, sizeof full, dir, f->path) != 0)
        return "path too long";
    if (lstat(full, &st) != 0)
        return errno == ENOENT || errno == ENOTDIR ? "missing" : strerror(errno);
    if (!S_ISREG(st.st_mode))
        return "not a regular file (links are not shipped)";
    if (digest_file(full, &d) != 0)
        return strerror(errno);
    if (d.size != f->size)
        snprintf(buf, cap, "%llu bytes, the manifest lists %llu", (unsigned long long)d.size,
                 (unsigned long long)f->size);
    else if (strcmp(d.sha1, f->sha1) != 0)
        snprintf(buf, cap, "git blob %s, the manifest lists %s", d.sha1, f->sha1);
    else if (f->sha256[0] && strcmp(d.sha256, f->sha256) != 0)
        snprintf(buf, cap, "SHA-256 %s, the manifest lists %s", d.sha256, f->sha256);
    else
        return NULL;
    return buf;
}

int tree_verify(const char *dir, const char *source, const struct release *r)
{
    char buf[256];
    size_t i, bad = 0;

    for (i = 0; i < r->count; i++) {
        const char *problem = file_problem(dir, &r->files[i], buf, sizeof buf);
        if (!problem)
            continue;
        if (bad++ < PROBLEMS_SHOWN)
            fprintf(stderr, "ota publish: %s: %s: %s\n", source, r->files[i].path, problem);
    }
    if (bad) {
        fprintf(stderr, "ota publish: %zu of %zu files differ from the manifest; nothing "
                        "published (is the manifest from these files?)\n", bad, r->count);
        return EXIT_VERIFY;
    }
    return EXIT_OK;
}
