/* `ota publish --git REPO --ref REF`: the release's files straight from git,
 * exported into a temporary directory (only the paths the manifest lists,
 * each blob exactly as git stores it: no checkout, no attributes, no line
 * ending conversion), so that the rest of publishing is the same as from a
 * directory. */
#ifndef OTA_CLI_PUBLISH_GIT_H
#define OTA_CLI_PUBLISH_GIT_H

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

#endif
