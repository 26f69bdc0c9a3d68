/* How `ota publish` writes a mirror so that a web server reading it at any
 * moment never serves a half-written file: every file is written under a
 * temporary name in its final directory, fsynced, then linked to its name
 * (immutable files: never replacing one) or renamed over it (the channel
 * pointer and the record: replaced atomically). Temporary names start with
 * ".", so `--exclude '.*'` keeps them out of a sync. */
#ifndef OTA_CLI_PUBLISH_STORE_H
#define OTA_CLI_PUBLISH_STORE_H

#include <stddef.h>
#include <stdint.h>

#define STORE_PATH_MAX 4096

/* The mirror's directories (docs/mirror.md). */
#define MIRROR_CHANNELS "channels"
#define MIRROR_MANIFESTS "manifests"
#define MIRROR_OBJECTS "objects"
#define MIRROR_DELTAS "deltas"
#define MIRROR_RECORD "releases.json"
#define MIRROR_LOCK ".publish.lock"

struct store_tmp {
    int fd;
    char path[STORE_PATH_MAX];
};

/* root/a or root/a/b into out; -1 (errno ENAMETOOLONG) when it does not fit. */
int store_join(char *out, size_t cap, const char *root, const char *a, const char *b);

/* Creates root and its four directories if missing. -1 with errno. */
int store_make_dirs(const char *root);

/* Takes the mirror's lock (root/.publish.lock) for this process's life, so
 * that two publishers, or a publisher and a pruner, never interleave.
 * -1 with errno; EWOULDBLOCK when another holds it. */
int store_lock(const char *root);

/* A new temporary file in dir. -1 with errno. */
int store_tmp_open(struct store_tmp *t, const char *dir);
int store_tmp_write(struct store_tmp *t, const void *data, size_t len);
/* Makes the bytes durable and gives them the name final_path without
 * replacing anything: 1 written, 0 the name existed already (nothing
 * written), -1 with errno. The temporary file is gone in every case. */
int store_tmp_link(struct store_tmp *t, const char *final_path);
/* The same, replacing final_path atomically. 0, or -1 with errno. */
int store_tmp_rename(struct store_tmp *t, const char *final_path);
void store_tmp_discard(struct store_tmp *t);

/* Writes data as final_path in one of the ways above (replace: rename). */
int store_put(const char *final_path, const void *data, size_t len, int replace);

/* fsync of a directory, so that the names created in it survive a crash
 * before anything that refers to them is published. */
int store_sync_dir(const char *dir);

/* A whole file with a NUL after it, at most max bytes (EFBIG beyond).
 * 0, or -1 with errno (ENOENT when it does not exist). */
int store_read_all(const char *path, size_t max, uint8_t **data, size_t *len);

#endif
