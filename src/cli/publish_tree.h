/* The check before anything is published: every file the manifest lists is
 * in the release's directory with exactly the listed size, git blob SHA-1
 * and SHA-256. A mirror built from other bytes would make every device
 * download, refuse and retry. */
#ifndef OTA_CLI_PUBLISH_TREE_H
#define OTA_CLI_PUBLISH_TREE_H

#include "publish_release.h"

/* dir: the release's files; source names it in messages ("DIR x", "git ref
 * v2"). Every problem goes to stderr (the first few in full). Returns an
 * exit code: 0, or 5 when any file is missing or differs. */
int tree_verify(const char *dir, const char *source, const struct release *r);

/* dir/path into out; -1 when it does not fit. */
int tree_path(char *out, size_t cap, const char *dir, const char *path);

#endif
