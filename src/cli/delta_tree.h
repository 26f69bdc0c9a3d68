/* `ota delta OLDDIR NEWDIR -o OUTDIR`: the deltas a release publishes, one
 * per changed file, named by blob ids so that a device asks for exactly the
 * one from what it has: OUTDIR/<old blob>-<new blob>.otad for a file changed
 * in place, and for an added file made from a file of the old tree with the
 * same name elsewhere (a move: the first such path in byte order, as a
 * device picks it). A delta no smaller than the file itself is not
 * written: the device downloads the file. */
#ifndef OTA_CLI_DELTA_TREE_H
#define OTA_CLI_DELTA_TREE_H

/* Returns an exit code (cli.h). */
int delta_publish_dirs(const char *old_dir, const char *new_dir, const char *out_dir, int quiet);

#endif
