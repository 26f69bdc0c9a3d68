/* `ota delta --git REPO OLDREF NEWREF -o OUTDIR`: the deltas between two
 * commits of a repository, made from the blobs exactly as git stores them
 * (what a device downloads and hashes), as for two directories. */
#ifndef OTA_CLI_DELTA_GIT_H
#define OTA_CLI_DELTA_GIT_H

/* Returns an exit code (cli.h). */
int delta_publish_refs(const char *repo, const char *old_ref, const char *new_ref,
                       const char *out_dir, int quiet);

#endif
