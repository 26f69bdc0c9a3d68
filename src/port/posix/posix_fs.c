/* POSIX port: the filesystem. Device paths ("lib/x.py", "" = the root) are
 * joined with the configured root directory (leading slashes dropped, so an
 * absolute path stays under the root; everything else is the engine's to
 * validate). Handles index a small table of file descriptors in struct
 * ota_posix, so a stale or made-up handle is refused instead of reaching a
 * descriptor the port does not own (libcurl's socket, /dev/urandom). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "ota_posix.h"

#ifndef O_CLOEXEC
#define O_CLOEXEC 0
#endif

#define FS_PATH_MAX 4096

static int map_errno(int e)
{
    switch (e) {
    case ENOENT:
    case ENOTDIR:
        return OTA_ERR_NOT_FOUND;
    case ENOSPC:
#ifdef EDQUOT
    case EDQUOT:
#endif
        return OTA_ERR_NO_SPACE;
    case ENAMETOOLONG:
        return OTA_ERR_PATH_TOO_LONG;
    default:
        return OTA_ERR_IO;
    }
}

/* out = root "/" path (just root for ""); OTA_ERR_PATH_TOO_LONG if it does
 * not fit. */
static int join2(char *out, size_t size, const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);

    if (lb == 0) {
        if (la >= size)
            return OTA_ERR_PATH_TOO_LONG;
        memcpy(out, a, la + 1);
        return 0;
    }
    if (la > 0 && a[la - 1] == '/')
        la--;
    if (la + 1 + lb >= size)
        return OTA_ERR_PATH_TOO_LONG;
    memcpy(out, a, la);
    out[la] = '/';
    memcpy(out + la + 1, b, lb + 1);
    return 0;
}

static int full_path(void *user, const char *path, char *out)
{
    const struct ota_posix *p = user;

    if (!p || !path)
        return OTA_ERR_INVALID_ARG;
    while (*path == '/') /* "/etc/x" is <root>/etc/x, never /etc/x */
        path++;
    return join2(out, FS_PATH_MAX, p->root, path);
}

/* The descriptor behind a handle, or -1 for a handle that is not open. */
static int fd_of(void *user, int handle)
{
    const struct ota_posix *p = user;

    if (!p || handle < 0 || handle >= OTA_POSIX_MAX_FILES)
        return -1;
    return p->fds[handle];
}

static int fs_open(void *user, const char *path, enum ota_open_mode mode)
{
    struct ota_posix *p = user;
    char full[FS_PATH_MAX];
    struct stat st;
    int flags, fd, err, h;

    if ((err = full_path(user, path, full)) < 0)
        return err;
    if (mode == OTA_OPEN_READ)
        flags = O_RDONLY;
    else if (mode == OTA_OPEN_WRITE)
        flags = O_WRONLY | O_CREAT | O_TRUNC;
    else
        return OTA_ERR_INVALID_ARG;
    for (h = 0; h < OTA_POSIX_MAX_FILES && p->fds[h] >= 0; h++)
        ;
    if (h == OTA_POSIX_MAX_FILES)
        return OTA_ERR_IO; /* like EMFILE: too many files open at once */
    do
        fd = open(full, flags | O_CLOEXEC, 0644);
    while (fd < 0 && errno == EINTR);
    if (fd < 0)
        return map_errno(errno);
    /* open(2) lets a directory be opened for reading; a file is wanted. */
    if (mode == OTA_OPEN_READ && (fstat(fd, &st) < 0 || S_ISDIR(st.st_mode))) {
        close(fd);
        return OTA_ERR_IO;
    }
    p->fds[h] = fd;
    return h;
}

static long fs_read(void *user, int handle, void *buf, size_t len)
{
    ssize_t n;
    int fd = fd_of(user, handle);

    if (fd < 0 || (!buf && len))
        return OTA_ERR_INVALID_ARG;
    if (len > (size_t)LONG_MAX)
        len = (size_t)LONG_MAX;
    if (len > (size_t)SSIZE_MAX)
        len = (size_t)SSIZE_MAX;
    do
        n = read(fd, buf, len);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return map_errno(errno);
    return (long)n;
}

static int fs_write(void *user, int handle, const void *buf, size_t len)
{
    const unsigned char *b = buf;
    int fd = fd_of(user, handle);

    if (fd < 0 || (!buf && len))
        return OTA_ERR_INVALID_ARG;
    while (len > 0) {
        size_t chunk = len > (size_t)SSIZE_MAX ? (size_t)SSIZE_MAX : len;
        ssize_t n = write(fd, b, chunk);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return map_errno(errno);
        }
        if (n == 0)
            return OTA_ERR_IO; /* no progress: never spin */
        b += n;
        len -= (size_t)n;
    }
    return 0;
}

static int fs_seek(void *user, int handle, uint64_t offset)
{
    int fd = fd_of(user, handle);

    if (fd < 0 || offset > (uint64_t)INT64_MAX || (off_t)offset < 0 ||
        (uint64_t)(off_t)offset != offset)
        return OTA_ERR_INVALID_ARG;
    if (lseek(fd, (off_t)offset, SEEK_SET) == (off_t)-1)
        return map_errno(errno);
    return 0;
}

static int fs_sync(void *user, int handle)
{
    int r, fd = fd_of(user, handle);

    if (fd < 0)
        return OTA_ERR_INVALID_ARG;
    do
        r = fsync(fd);
    while (r < 0 && errno == EINTR);
    return r < 0 ? map_errno(errno) : 0;
}

static int fs_close(void *user, int handle)
{
    struct ota_posix *p = user;
    int fd = fd_of(user, handle);

    if (fd < 0)
        return OTA_ERR_INVALID_ARG;
    p->fds[handle] = -1; /* released whatever close() says */
    /* On Linux the descriptor is released even when close() is interrupted;
     * retrying could close a descriptor another thread just opened. */
    if (close(fd) < 0 && errno != EINTR)
        return map_errno(errno);
    return 0;
}

static int fs_rename(void *user, const char *from, const char *to)
{
    char a[FS_PATH_MAX], b[FS_PATH_MAX];
    int err;

    if ((err = full_path(user, from, a)) < 0 || (err = full_path(user, to, b)) < 0)
        return err;
    if (rename(a, b) < 0)
        return map_errno(errno);
    return 0;
}

static int fs_remove(void *user, const char *path)
{
    char full[FS_PATH_MAX];
    int err, e;

    if ((err = full_path(user, path, full)) < 0)
        return err;
    if (unlink(full) == 0)
        return 0;
    e = errno;
    /* Linux says EISDIR for a directory, POSIX allows EPERM. */
    if (e == EISDIR || e == EPERM) {
        if (rmdir(full) == 0)
            return 0;
        if (errno != ENOTDIR) /* it was not a directory: keep unlink's error */
            e = errno;
    }
    return map_errno(e);
}

static int fs_mkdir(void *user, const char *path)
{
    char full[FS_PATH_MAX];
    struct stat st;
    int err;

    if ((err = full_path(user, path, full)) < 0)
        return err;
    if (mkdir(full, 0755) == 0)
        return 0;
    if (errno != EEXIST)
        return map_errno(errno);
    if (stat(full, &st) == 0 && S_ISDIR(st.st_mode))
        return 0;
    return OTA_ERR_IO; /* a file is in the way */
}

static int fs_stat(void *user, const char *path, struct ota_stat *out)
{
    char full[FS_PATH_MAX];
    struct stat st;
    int err;

    if (!out)
        return OTA_ERR_INVALID_ARG;
    if ((err = full_path(user, path, full)) < 0)
        return err;
    if (stat(full, &st) < 0)
        return map_errno(errno);
    out->size = st.st_size > 0 ? (uint64_t)st.st_size : 0;
    out->is_dir = S_ISDIR(st.st_mode) ? 1 : 0;
    return 0;
}

static int fs_sync_dir(void *user, const char *path)
{
    char full[FS_PATH_MAX];
    int fd, r, e, err;

    if ((err = full_path(user, path, full)) < 0)
        return err;
    do
        fd = open(full, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    while (fd < 0 && errno == EINTR);
    if (fd < 0)
        return map_errno(errno);
    do
        r = fsync(fd);
    while (r < 0 && errno == EINTR);
    e = errno;
    close(fd);
    /* EINVAL: this filesystem cannot sync directories (nothing to do). */
    if (r < 0 && e != EINVAL)
        return map_errno(e);
    return 0;
}

static int fs_list(void *user, const char *path, ota_list_cb cb, void *arg)
{
    char full[FS_PATH_MAX], entry[FS_PATH_MAX];
    struct dirent *de;
    DIR *dir;
    int err = 0;

    if (!cb)
        return OTA_ERR_INVALID_ARG;
    if ((err = full_path(user, path, full)) < 0)
        return err;
    dir = opendir(full);
    if (!dir)
        return map_errno(errno);
    for (;;) {
        int is_dir = 0;

        errno = 0;
        de = readdir(dir);
        if (!de) {
            if (errno != 0)
                err = map_errno(errno);
            break;
        }
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
#ifdef DT_DIR
        if (de->d_type == DT_DIR) {
            is_dir = 1;
        } else if (de->d_type == DT_UNKNOWN)
#endif
        {
            struct stat st;
            if ((err = join2(entry, sizeof entry, full, de->d_name)) < 0)
                break;
            if (lstat(entry, &st) < 0) {
                if (errno == ENOENT) /* removed meanwhile */
                    continue;
                err = map_errno(errno);
                break;
            }
            is_dir = S_ISDIR(st.st_mode) ? 1 : 0;
        }
        if (cb(arg, de->d_name, is_dir) != 0)
            break;
    }
    closedir(dir);
    return err;
}

const struct ota_fs_ops ota_posix__fs_ops = {
    .open = fs_open,
    .read = fs_read,
    .write = fs_write,
    .seek = fs_seek,
    .sync = fs_sync,
    .close = fs_close,
    .rename = fs_rename,
    .remove = fs_remove,
    .mkdir = fs_mkdir,
    .stat = fs_stat,
    .sync_dir = fs_sync_dir,
    .list = fs_list,
};
