/* nftw() is an X/Open function */
#define _XOPEN_SOURCE 700

#include "publish_git.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include "cli.h"
#include "publish_tree.h"

FILE *git_start(const char *repo, const char *const args[], const char *stdin_path,
                       pid_t *pid)
{
    const char *argv[16];
    int out[2], in, n = 0;

    argv[n++] = "git";
    argv[n++] = "-C";
    argv[n++] = repo;
    while (*args && n < 15)
        argv[n++] = *args++;
    argv[n] = NULL;
    if ((in = open(stdin_path ? stdin_path : "/dev/null", O_RDONLY | O_CLOEXEC)) < 0)
        return NULL;
    if (pipe(out) != 0 || (*pid = fork()) < 0) {
        close(in);
        return NULL;
    }
    if (*pid == 0) {
        dup2(in, 0);
        dup2(out[1], 1);
        close(out[0]);
        close(out[1]);
        execvp("git", (char *const *)argv);
        _exit(127);
    }
    close(in);
    close(out[1]);
    return fdopen(out[0], "rb");
}

int git_finish(FILE *out, pid_t pid)
{
    int status;

    if (out)
        fclose(out);
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static int resolve_commit(const char *repo, const char *ref, char commit[SHA1_HEX_LEN + 1])
{
    char peeled[STORE_PATH_MAX], line[64] = "";
    const char *args[] = {"rev-parse", "--verify", "-q", peeled, NULL};
    pid_t pid;
    FILE *out;
    int ok;

    snprintf(peeled, sizeof peeled, "%s^{commit}", ref);
    if (!(out = git_start(repo, args, NULL, &pid)))
        return -1;
    ok = fgets(line, sizeof line, out) != NULL;
    ok = git_finish(out, pid) == 0 && ok && strlen(line) > SHA1_HEX_LEN;
    line[SHA1_HEX_LEN] = '\0';
    memcpy(commit, line, SHA1_HEX_LEN + 1);
    return ok ? 0 : -1;
}

/* The blob ids of the listed paths at commit, one a line, in manifest
 * order, into list_path; want[i] is 1 for each file REF has. */
int git_each_file(const char *repo, const char *ref, git_file_fn each, void *arg)
{
    const char *args[] = {"ls-tree", "-r", "-z", "--full-tree", ref, NULL};
    char rec[OTA_PATH_MAX + 128], mode[16], type[16], sha[48];
    size_t n;
    pid_t pid;
    int c, failed = 0;
    FILE *out = git_start(repo, args, NULL, &pid);

    if (!out)
        return -1;
    for (;;) { /* "<mode> <type> <sha>\t<path>\0" */
        char *tab;
        for (n = 0; (c = fgetc(out)) != EOF && c != 0; n++)
            if (n + 1 < sizeof rec)
                rec[n] = (char)c;
        if (n == 0 && c == EOF)
            break;
        rec[n < sizeof rec ? n : sizeof rec - 1] = '\0';
        tab = strchr(rec, '\t');
        if (!tab || sscanf(rec, "%15s %15s %47s", mode, type, sha) != 3 ||
            strcmp(type, "blob") != 0 || !strcmp(mode, "120000") || strlen(sha) != SHA1_HEX_LEN)
            continue; /* submodules, symbolic links */
        failed = failed || each(arg, sha, tab + 1) != 0;
    }
    return git_finish(out, pid) != 0 || failed ? -1 : 0;
}

struct wanted {
    const struct release *r;
    char (*sha_of)[SHA1_HEX_LEN + 1];
    char *want;
};

static int want_listed(void *arg, const char *sha, const char *path)
{
    struct wanted *w = arg;
    const struct release_file *f = release_find(w->r, path);

    if (f) { /* not listed: not exported */
        memcpy(w->sha_of[f - w->r->files], sha, SHA1_HEX_LEN + 1);
        w->want[f - w->r->files] = 1;
    }
    return 0;
}

static int list_blobs(const char *repo, const char *commit, const struct release *r,
                      const char *list_path, char *want)
{
    char (*sha_of)[SHA1_HEX_LEN + 1] = calloc(r->count ? r->count : 1, sizeof *sha_of);
    struct wanted w = {r, sha_of, want};
    FILE *list;
    size_t i;
    int failed;

    if (!sha_of)
        return -1;
    failed = git_each_file(repo, commit, want_listed, &w) != 0;
    if (!failed && (list = fopen(list_path, "w")) != NULL) {
        for (i = 0; i < r->count; i++)
            if (want[i])
                fprintf(list, "%s\n", sha_of[i]);
        failed = fclose(list) != 0;
    } else {
        failed = 1;
    }
    free(sha_of);
    return failed ? -1 : 0;
}

static int make_parents(char *path)
{
    char *slash;

    for (slash = strchr(path + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        int r = mkdir(path, 0755) == 0 || errno == EEXIST ? 0 : -1;
        *slash = '/';
        if (r != 0)
            return -1;
    }
    return 0;
}

/* One "<sha> blob <size>\n<bytes>\n" record of cat-file --batch into path. */
static int write_blob(FILE *batch, char *path)
{
    static unsigned char buf[64 * 1024];
    char header[128], type[16];
    unsigned long long size;
    FILE *f;
    int failed;

    if (!fgets(header, sizeof header, batch) ||
        sscanf(header, "%*s %15s %llu", type, &size) != 2 || strcmp(type, "blob") != 0)
        return -1;
    if (make_parents(path) != 0 || !(f = fopen(path, "wb")))
        return -1;
    for (failed = 0; size > 0 && !failed;) {
        size_t want = size < sizeof buf ? (size_t)size : sizeof buf;
        size_t got = fread(buf, 1, want, batch);
        failed = got == 0 || fwrite(buf, 1, got, f) != got;
        size -= got;
    }
    failed = fclose(f) != 0 || failed;
    return failed || fgetc(batch) != '\n' ? -1 : 0;
}

static int write_blobs(const char *repo, const struct release *r, const char *list_path,
                       const char *tree, const char *want)
{
    const char *args[] = {"cat-file", "--batch", NULL};
    char path[STORE_PATH_MAX];
    pid_t pid;
    FILE *batch = git_start(repo, args, list_path, &pid);
    size_t i;
    int failed = !batch;

    for (i = 0; !failed && i < r->count; i++)
        if (want[i])
            failed = tree_path(path, sizeof path, tree, r->files[i].path) != 0 ||
                     write_blob(batch, path) != 0;
    if (batch)
        failed = git_finish(batch, pid) != 0 || failed;
    return failed ? -1 : 0;
}

int git_export(const char *repo, const char *ref, const struct release *r,
               struct git_export *e)
{
    const char *tmpdir = getenv("TMPDIR");
    char list[STORE_PATH_MAX], *want;
    int code = EXIT_OK;

    memset(e, 0, sizeof *e);
    if (resolve_commit(repo, ref, e->commit) != 0) {
        fprintf(stderr, "ota: %s is not a git ref of the repository %s\n", ref, repo);
        return EXIT_USAGE;
    }
    snprintf(e->tmp, sizeof e->tmp, "%s/ota-publish-XXXXXX", tmpdir ? tmpdir : "/tmp");
    if (!mkdtemp(e->tmp))
        e->tmp[0] = '\0'; /* nothing to remove */
    if (!e->tmp[0] || store_join(e->tree, sizeof e->tree, e->tmp, "tree", NULL) != 0 ||
        store_join(list, sizeof list, e->tmp, "blobs", NULL) != 0 || mkdir(e->tree, 0700) != 0) {
        fprintf(stderr, "ota: cannot make a temporary directory: %s\n", strerror(errno));
        return EXIT_STORAGE;
    }
    if (!(want = calloc(r->count ? r->count : 1, 1)))
        return EXIT_INTERNAL;
    if (list_blobs(repo, e->commit, r, list, want) != 0 ||
        write_blobs(repo, r, list, e->tree, want) != 0) {
        fprintf(stderr, "ota: cannot export %s from %s with git\n", ref, repo);
        code = EXIT_INTERNAL;
    }
    free(want);
    return code;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

void git_export_remove(struct git_export *e)
{
    if (e->tmp[0])
        nftw(e->tmp, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    e->tmp[0] = '\0';
}
