/* The mirror's content-addressed files: objects/<git blob SHA-1> (every
 * file of a release) and manifests/<SHA-256>.json. A name always stands for
 * the same bytes, so an existing file is never written again, only checked:
 * if its bytes do not hash to its name, the mirror is corrupt and publishing
 * stops (a device would download, refuse and retry those bytes forever). */
#ifndef OTA_CLI_PUBLISH_OBJECTS_H
#define OTA_CLI_PUBLISH_OBJECTS_H

#include <stdint.h>

#include "publish_release.h"

struct store_tally {
    uint64_t written, existing;             /* files */
    uint64_t bytes_written, bytes_existing;
};

/* Copies every file of r from dir into objects/ (checking each copy against
 * the manifest as it streams) and makes the names durable. Returns an exit
 * code: 5 corrupt mirror or a file changed since it was checked, 6 cannot
 * write. */
int objects_store(const char *mirror, const char *dir, const struct release *r,
                  struct store_tally *t);

/* Writes manifests/<r->name>.json, or checks the one there. Exit code. */
int manifest_store(const char *mirror, const struct release *r, struct store_tally *t);

/* 1 when the file at path has git blob SHA-1 sha1, 0 when not, -1 with
 * errno when it cannot be read (ENOENT: absent). */
int object_intact(const char *path, const char *sha1);

#endif
