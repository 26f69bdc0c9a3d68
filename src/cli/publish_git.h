/* `ota publish --git REPO --ref REF`: the release's files straight from git,
 * exported into a temporary directory (only the paths the manifest lists,
 * each blob exactly as git stores it: no checkout, no attributes, no line
 * ending conversion), so that the rest of publishing is the same as from a
 * directory. */
#ifndef OTA_CLI_PUBLISH_GIT_H
#define OTA_CLI_PUBLISH_GIT_H

#include <stdio.h>
#include <sys/types.h>

#include "publish_hash.h"
#include "publish_release.h"
#include "publish_store.h"

struct git_export {
    char tmp[STORE_PATH_MAX];         /* removed by git_export_remove */
    char tree[STORE_PATH_MAX];        /* the files, under tmp */
    char commit[SHA1_HEX_LEN + 1];    /* what REF names */
};

/* Exports the files r lists from REF of the repository at repo. Files REF
 * does not have are left out (the check that follows reports them).
 * Returns an exit code: 2 not a repository or unknown REF, 1 git failed,
 * 6 cannot write the temporary directory. */
int git_export(const char *repo, const char *ref, const struct release *r,
               struct git_export *out);

/* Removes the temporary directory (nothing when none was made). */
void git_export_remove(struct git_export *e);

/* Runs git -C repo ARGS... (at most 12) with stdin from stdin_path (or
 * /dev/null); its stdout is returned for reading, its stderr goes to ours.
 * git_finish closes it and waits: 0 when git succeeded. */
FILE *git_start(const char *repo, const char *const args[], const char *stdin_path, pid_t *pid);
int git_finish(FILE *out, pid_t pid);

/* Calls each for every regular file of ref's tree (submodules and symbolic
 * links left out): its blob SHA-1 and path. 0, or -1 when git failed or
 * each returned non-zero. */
typedef int (*git_file_fn)(void *arg, const char *sha, const char *path);
int git_each_file(const char *repo, const char *ref, git_file_fn each, void *arg);

#endif
