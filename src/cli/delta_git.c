#include "delta_git.h"

#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "delta_tree.h"
#include "publish_git.h"

static int by_path(const void *a, const void *b)
{
    return strcmp(((const struct release_file *)a)->path, ((const struct release_file *)b)->path);
}

static int add_file(struct release *r, size_t *cap, const char *sha, const char *path)
{
    struct release_file *grown;

    if (strlen(path) >= OTA_PATH_MAX || strlen(sha) != SHA1_HEX_LEN)
        return -1;
    if (r->count == *cap) {
        *cap = *cap ? *cap * 2 : 64;
        if (!(grown = realloc(r->files, *cap * sizeof *r->files)))
            return -1;
        r->files = grown;
    }
    memset(&r->files[r->count], 0, sizeof r->files[r->count]);
    memcpy(r->files[r->count].path, path, strlen(path) + 1);
    memcpy(r->files[r->count].sha1, sha, SHA1_HEX_LEN + 1);
    r->count++;
    return 0;
}

struct listing {
    struct release *r;
    size_t cap;
};

static int add_each(void *arg, const char *sha, const char *path)
{
    struct listing *l = arg;

    return add_file(l->r, &l->cap, sha, path);
}

/* Every regular file of ref's tree, as the list git_export exports. */
static int list_tree(const char *repo, const char *ref, struct release *r)
{
    struct listing l = {r, 0};

    memset(r, 0, sizeof *r);
    if (git_each_file(repo, ref, add_each, &l) != 0)
        return -1;
    qsort(r->files, r->count, sizeof *r->files, by_path);
    return 0;
}

static int export_ref(const char *repo, const char *ref, struct release *r,
                      struct git_export *e)
{
    if (list_tree(repo, ref, r) != 0) {
        fprintf(stderr, "ota delta: %s is not a git ref of the repository %s\n", ref, repo);
        return EXIT_USAGE;
    }
    return git_export(repo, ref, r, e);
}

int delta_publish_refs(const char *repo, const char *old_ref, const char *new_ref,
                       const char *out_dir, int quiet)
{
    struct release a, b;
    struct git_export ea, eb;
    int code;

    memset(&ea, 0, sizeof ea);
    memset(&eb, 0, sizeof eb);
    code = export_ref(repo, old_ref, &a, &ea);
    if (code == EXIT_OK)
        code = export_ref(repo, new_ref, &b, &eb);
    else
        memset(&b, 0, sizeof b);
    if (code == EXIT_OK)
        code = delta_publish_dirs(ea.tree, eb.tree, out_dir, quiet);
    git_export_remove(&ea);
    git_export_remove(&eb);
    release_free(&a);
    release_free(&b);
    return code;
}
