/* Shared by the fuzz targets that run the engine on the simulated device
 * (src/port/sim): one device, formatted afresh for every input, with an
 * engine context on it, and helpers to lay out, read and compare files. */
#ifndef OTA_FUZZ_SIM_H
#define OTA_FUZZ_SIM_H

#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "ota/ota.h"
#include "path.h"
#include "sim.h"

#define FUZZ_API_URL "http://api.sim"
#define FUZZ_RAW_URL "http://raw.sim"

struct fuzz_device {
    struct sim sim;
    uint8_t arena[1 << 20];
    char text[8 << 10];
    struct ota_port port;
    struct ota_settings settings;
    struct ota_ctx ctx;
    uint8_t work[OTA_MIN_BUFFER]; /* the smallest buffer: the most edges */
};

/* Harness state, not core code: a static keeps the device off the stack. */
static struct fuzz_device fuzz_device;

/* A formatted device, its network empty, and ctx following o/r on it. */
static inline struct fuzz_device *fuzz_device_start(void)
{
    struct fuzz_device *d = &fuzz_device;

    sim_init(&d->sim, d->arena, sizeof d->arena, d->text, sizeof d->text, &d->port);
    memset(&d->settings, 0, sizeof d->settings);
    d->settings.owner = "o";
    d->settings.repo = "r";
    d->settings.api_url = FUZZ_API_URL;
    d->settings.raw_url = FUZZ_RAW_URL;
    FUZZ_CHECK(ota_init(&d->ctx, &d->port, &d->settings, d->work, sizeof d->work) == OTA_OK);
    return d;
}

/* After the harness laid the device out: from here on, any misuse of the
 * filesystem (a malformed path, a handle left open) is the engine's. */
static inline void fuzz_device_ready(struct fuzz_device *d)
{
    d->sim.fs.violations = 0;
    d->sim.fs.violation[0] = '\0';
}

static inline void fuzz_device_check(struct fuzz_device *d)
{
    if (d->sim.fs.violations)
        fprintf(stderr, "filesystem contract: %s\n", d->sim.fs.violation);
    FUZZ_CHECK(d->sim.fs.violations == 0);
    FUZZ_CHECK(sim_fs_open_handles(&d->sim.fs) == 0);
}

/* Creates path durably, with its missing parents; a path ending in '/' is
 * a directory. Unsafe paths and those the device cannot hold are skipped:
 * 0 when created. */
static inline int fuzz_put(struct fuzz_device *d, const char *path, size_t path_len,
                           const void *data, size_t len)
{
    char p[OTA_PATH_MAX];
    int is_dir = path_len > 0 && path[path_len - 1] == '/';
    size_t i;

    if (is_dir)
        path_len--;
    if (memchr(path, '\0', path_len) || ota_path_check(path, path_len) != OTA_OK)
        return -1;
    memcpy(p, path, path_len);
    p[path_len] = '\0';
    for (i = 0; i < path_len; i++) {
        if (p[i] != '/')
            continue;
        p[i] = '\0';
        (void)sim_fs_put_dir(&d->sim.fs, p);
        p[i] = '/';
    }
    return is_dir ? sim_fs_put_dir(&d->sim.fs, p) : sim_fs_put(&d->sim.fs, p, data, len);
}

/* Reads a whole file through the port into buf (NUL-terminated): its
 * length, or a negative error (OTA_ERR_TOO_LARGE when it does not fit). */
static inline long fuzz_read(struct fuzz_device *d, const char *path, char *buf, size_t cap)
{
    const struct ota_fs_ops *fs = &d->port.fs;
    int fd = fs->open(d->port.user, path, OTA_OPEN_READ);
    size_t len = 0;
    long n = 1;

    if (fd < 0)
        return fd;
    while (n > 0 && len < cap - 1) {
        n = fs->read(d->port.user, fd, buf + len, cap - 1 - len);
        len += n > 0 ? (size_t)n : 0;
    }
    if (n > 0 && fs->read(d->port.user, fd, buf, 1) != 0)
        n = OTA_ERR_TOO_LARGE;
    fs->close(d->port.user, fd);
    buf[len] = '\0';
    return n < 0 ? n : (long)len;
}

/* ---- snapshots: every file and directory with a digest of its data ------- */

struct fuzz_node {
    char path[OTA_PATH_MAX + 64];
    int is_dir;
    uint64_t digest; /* of the data, for a file */
};

struct fuzz_tree {
    struct fuzz_node node[SIM_NODES];
    size_t n;
};

/* The path of live entry i (its parents first), from the simulator's own
 * tables: one pass over them, where listing every directory would cost one
 * each. by_child maps a node to the entry naming it. */
static inline void fuzz_entry_path(const struct sim_fs *fs, const int16_t *by_child, int i,
                                   struct ota_strbuf *sb)
{
    const struct sim_entry *e = &fs->live.e[i];

    if (by_child[e->parent] >= 0) {
        fuzz_entry_path(fs, by_child, by_child[e->parent], sb);
        ota_sb_addc(sb, '/');
    }
    ota_sb_add(sb, e->name);
}

static inline uint64_t fuzz_digest(const struct sim_fs *fs, const struct sim_node *node)
{
    uint64_t h = 14695981039346656037u;
    uint32_t i;

    for (i = 0; i < node->cur.len; i++)
        h = (h ^ fs->arena[node->cur.off + i]) * 1099511628211u;
    return h;
}

static inline int fuzz_node_cmp(const void *a, const void *b)
{
    return strcmp(((const struct fuzz_node *)a)->path, ((const struct fuzz_node *)b)->path);
}

/* Every path on the device (the root excluded), sorted. */
static inline void fuzz_snapshot(struct fuzz_device *d, struct fuzz_tree *t)
{
    const struct sim_fs *fs = &d->sim.fs;
    int16_t by_child[SIM_NODES];
    size_t n;
    int i;

    memset(by_child, 0xff, sizeof by_child);
    for (i = 0, n = 0; i < SIM_ENTRIES && n < fs->live.count; i++) {
        if (fs->live.e[i].child) {
            by_child[fs->live.e[i].child] = (int16_t)i;
            n++;
        }
    }
    t->n = 0;
    for (i = 0; i < SIM_ENTRIES && t->n < fs->live.count; i++) {
        const struct sim_entry *e = &fs->live.e[i];
        struct fuzz_node *node = &t->node[t->n];
        struct ota_strbuf sb;
        if (!e->child)
            continue;
        ota_sb_init(&sb, node->path, sizeof node->path);
        fuzz_entry_path(fs, by_child, i, &sb);
        node->is_dir = fs->node[e->child].is_dir;
        node->digest = node->is_dir ? 0 : fuzz_digest(fs, &fs->node[e->child]);
        t->n++;
    }
    qsort(t->node, t->n, sizeof t->node[0], fuzz_node_cmp);
}

/* Calls changed() for every path created, removed or altered from a to b. */
static inline void fuzz_diff(const struct fuzz_tree *a, const struct fuzz_tree *b,
                             void (*changed)(void *arg, const char *path), void *arg)
{
    size_t i = 0, j = 0;

    while (i < a->n || j < b->n) {
        int c = i == a->n ? 1 : j == b->n ? -1 : strcmp(a->node[i].path, b->node[j].path);
        if (c < 0) {
            changed(arg, a->node[i++].path);
        } else if (c > 0) {
            changed(arg, b->node[j++].path);
        } else {
            if (a->node[i].is_dir != b->node[j].is_dir || a->node[i].digest != b->node[j].digest)
                changed(arg, a->node[i].path);
            i++;
            j++;
        }
    }
}

#endif
