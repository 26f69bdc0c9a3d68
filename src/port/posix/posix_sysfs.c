/* POSIX port: short attribute files (sysfs, procfs, a fake tree in tests)
 * under the configured sysfs_root. Such files are read and written whole in
 * one call, as the kernel expects of an attribute. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "posix_hw.h"

#ifndef O_CLOEXEC
#define O_CLOEXEC 0
#endif

int ota_posix__hw_errno(int e)
{
    switch (e) {
    case ENOENT:
    case ENOTDIR:
        return OTA_ERR_NOT_FOUND;
    case ENAMETOOLONG:
        return OTA_ERR_PATH_TOO_LONG;
    default:
        return OTA_ERR_IO;
    }
}

int ota_posix__hw_path(const struct ota_posix *p, char *out, size_t cap,
                       const char *fmt, ...)
{
    const char *root = p->opt.sysfs_root ? p->opt.sysfs_root : "";
    size_t len = strlen(root);
    va_list ap;
    int n;

    while (len > 0 && root[len - 1] == '/') /* "/" and "dir/" end cleanly */
        len--;
    if (len >= cap) {
        errno = ENAMETOOLONG;
        return OTA_ERR_PATH_TOO_LONG;
    }
    memcpy(out, root, len);
    va_start(ap, fmt);
    n = vsnprintf(out + len, cap - len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= cap - len) {
        errno = ENAMETOOLONG;
        return OTA_ERR_PATH_TOO_LONG;
    }
    return 0;
}

static int open_retrying(const char *path, int flags)
{
    int fd;

    do
        fd = open(path, flags | O_CLOEXEC);
    while (fd < 0 && errno == EINTR);
    return fd;
}

/* Closes fd without letting close() overwrite the errno being reported. */
static int fail_closing(int fd)
{
    int e = errno;

    close(fd);
    errno = e;
    return ota_posix__hw_errno(e);
}

int ota_posix__sysfs_read(const char *path, char *buf, size_t cap)
{
    ssize_t n;
    int fd;

    if (cap == 0)
        return OTA_ERR_NO_MEM;
    if ((fd = open_retrying(path, O_RDONLY)) < 0)
        return ota_posix__hw_errno(errno);
    do
        n = read(fd, buf, cap - 1);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return fail_closing(fd);
    close(fd);
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' ' ||
                     buf[n - 1] == '\t' || buf[n - 1] == '\r'))
        n--;
    buf[n] = '\0';
    return 0;
}

int ota_posix__sysfs_read_ll(const char *path, long long *out)
{
    char text[64], *end;
    long long v;
    int err;

    if ((err = ota_posix__sysfs_read(path, text, sizeof text)) < 0)
        return err;
    errno = 0;
    v = strtoll(text, &end, 10);
    if (end == text || *end != '\0' || errno == ERANGE) {
        errno = EINVAL;
        return OTA_ERR_BAD_RESPONSE;
    }
    *out = v;
    return 0;
}

int ota_posix__sysfs_write(const char *path, const char *value)
{
    size_t len = strlen(value);
    ssize_t n;
    int fd;

    /* No O_CREAT: a missing attribute is an error, never a new file. */
    if ((fd = open_retrying(path, O_WRONLY | O_TRUNC)) < 0)
        return ota_posix__hw_errno(errno);
    do
        n = write(fd, value, len);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return fail_closing(fd);
    if ((size_t)n != len) {
        errno = EIO; /* an attribute takes its value in one write */
        return fail_closing(fd);
    }
    if (close(fd) != 0) /* a fake tree on a network filesystem may fail here */
        return ota_posix__hw_errno(errno);
    return 0;
}
