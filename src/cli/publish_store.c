#include "publish_store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

int store_join(char *out, size_t cap, const char *root, const char *a, const char *b)
{
    int n = b ? snprintf(out, cap, "%s/%s/%s", root, a, b) : snprintf(out, cap, "%s/%s", root, a);

    if (n < 0 || (size_t)n >= cap) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return 0;
}

static int make_dir(const char *path)
{
    return mkdir(path, 0755) == 0 || errno == EEXIST ? 0 : -1;
}

int store_make_dirs(const char *root)
{
    static const char *const dirs[] = {MIRROR_CHANNELS, MIRROR_MANIFESTS, MIRROR_OBJECTS,
                                       MIRROR_DELTAS};
    char path[STORE_PATH_MAX];
    size_t i;

    if (make_dir(root) != 0)
        return -1;
    for (i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
        if (store_join(path, sizeof path, root, dirs[i], NULL) != 0 || make_dir(path) != 0)
            return -1;
    return store_sync_dir(root);
}

int store_lock(const char *root)
{
    char path[STORE_PATH_MAX];
    int fd;

    if (store_join(path, sizeof path, root, MIRROR_LOCK, NULL) != 0)
        return -1;
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return 0; /* fd stays open: the lock lasts until the process ends */
}

int store_tmp_open(struct store_tmp *t, const char *dir)
{
    if (store_join(t->path, sizeof t->path, dir, ".tmp-XXXXXX", NULL) != 0)
        return -1;
    t->fd = mkstemp(t->path);
    if (t->fd < 0)
        return -1;
    /* readable by the web server, like any file the publisher writes */
    if (fchmod(t->fd, 0644) != 0) {
        store_tmp_discard(t);
        return -1;
    }
    return 0;
}

int store_tmp_write(struct store_tmp *t, const void *data, size_t len)
{
    const unsigned char *p = data;

    while (len > 0) {
        ssize_t w = write(t->fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

void store_tmp_discard(struct store_tmp *t)
{
    int saved = errno;

    if (t->fd >= 0)
        close(t->fd);
    t->fd = -1;
    unlink(t->path);
    errno = saved;
}

/* fsync and close: the bytes are on disk before the name appears. */
static int tmp_finish(struct store_tmp *t)
{
    int fd = t->fd;

    t->fd = -1;
    if (fsync(fd) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return close(fd);
}

int store_tmp_link(struct store_tmp *t, const char *final_path)
{
    int created;

    if (tmp_finish(t) != 0) {
        store_tmp_discard(t);
        return -1;
    }
    /* link() never replaces: two publishers racing for one name both end
     * with the first one's bytes, which the loser then checks */
    created = link(t->path, final_path) == 0;
    if (!created && errno != EEXIST) {
        store_tmp_discard(t);
        return -1;
    }
    store_tmp_discard(t);
    return created;
}

int store_tmp_rename(struct store_tmp *t, const char *final_path)
{
    if (tmp_finish(t) != 0 || rename(t->path, final_path) != 0) {
        store_tmp_discard(t);
        return -1;
    }
    return 0;
}

static int parent_dir(const char *path, char *out, size_t cap)
{
    const char *slash = strrchr(path, '/');
    size_t n = slash ? (size_t)(slash - path) : 1;

    if (n >= cap) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(out, slash ? path : ".", n);
    out[n] = '\0';
    return 0;
}

int store_put(const char *final_path, const void *data, size_t len, int replace)
{
    char dir[STORE_PATH_MAX];
    struct store_tmp t;

    if (parent_dir(final_path, dir, sizeof dir) != 0 || store_tmp_open(&t, dir) != 0)
        return -1;
    if (store_tmp_write(&t, data, len) != 0) {
        store_tmp_discard(&t);
        return -1;
    }
    return replace ? store_tmp_rename(&t, final_path) : store_tmp_link(&t, final_path);
}

int store_sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r;

    if (fd < 0)
        return -1;
    r = fsync(fd);
    close(fd);
    return r;
}

int store_read_all(const char *path, size_t max, uint8_t **data, size_t *len)
{
    struct stat st;
    uint8_t *buf;
    FILE *f = fopen(path, "rb");
    int saved;

    if (!f)
        return -1;
    if (fstat(fileno(f), &st) != 0) {
        saved = errno;
        fclose(f);
        errno = saved;
        return -1;
    }
    if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > max) {
        saved = S_ISREG(st.st_mode) ? EFBIG : EINVAL;
        fclose(f);
        errno = saved;
        return -1;
    }
    buf = malloc((size_t)st.st_size + 1);
    if (!buf || fread(buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
        saved = buf ? EIO : ENOMEM;
        free(buf);
        fclose(f);
        errno = saved;
        return -1;
    }
    fclose(f);
    buf[st.st_size] = 0;
    *data = buf;
    *len = (size_t)st.st_size;
    return 0;
}
