/* POSIX port: free storage under the device root (what an unprivileged
 * process may still write there: f_bavail, not f_bfree) and available RAM
 * (the kernel's MemAvailable estimate, which counts reclaimable caches,
 * unlike MemFree). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>

#include "posix_hw.h"

int ota_posix__free_storage(void *user, uint64_t *bytes)
{
    struct ota_posix *p = user;
    struct statvfs st;
    uint64_t unit;

    if (!p || !bytes)
        return OTA_ERR_INVALID_ARG;
    if (statvfs(p->root, &st) != 0) {
        ota_posix__logf(p, OTA_LOG_ERROR, "free storage: statvfs %s: %s",
                        p->root, strerror(errno));
        return ota_posix__hw_errno(errno);
    }
    unit = st.f_frsize ? (uint64_t)st.f_frsize : (uint64_t)st.f_bsize;
    *bytes = (uint64_t)st.f_bavail * unit;
    return 0;
}

/* The "MemAvailable:   123456 kB" line of /proc/meminfo, in bytes. */
static int find_mem_available(FILE *f, uint64_t *bytes)
{
    char line[256];
    unsigned long long kb;

    while (fgets(line, sizeof line, f))
        if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1) {
            *bytes = (uint64_t)kb * 1024u;
            return 0;
        }
    return -1;
}

int ota_posix__free_memory(void *user, uint64_t *bytes)
{
    char path[OTA_POSIX_HW_PATH_MAX];
    struct ota_posix *p = user;
    FILE *f;
    int err;

    if (!p || !bytes)
        return OTA_ERR_INVALID_ARG;
    if ((err = ota_posix__hw_path(p, path, sizeof path, "/proc/meminfo")) < 0)
        return err;
    if (!(f = fopen(path, "re"))) {
        ota_posix__logf(p, OTA_LOG_ERROR, "free memory: cannot read %s: %s",
                        path, strerror(errno));
        return ota_posix__hw_errno(errno);
    }
    err = find_mem_available(f, bytes);
    fclose(f);
    if (err != 0) {
        ota_posix__logf(p, OTA_LOG_ERROR,
                        "free memory: no MemAvailable line in %s (a kernel "
                        "older than 3.14?)",
                        path);
        return OTA_ERR_NOT_FOUND;
    }
    return 0;
}
