#include "fsutil.h"

#include <string.h>

#include "strbuf.h"
#include "watchdog.h"

#define FS (&ctx->port->fs)
#define USER (ctx->port->user)

int ota_join(char *out, size_t cap, const char *a, const char *b)
{
    struct ota_strbuf sb;

    ota_sb_init(&sb, out, cap);
    if (a[0]) {
        ota_sb_add(&sb, a);
        ota_sb_addc(&sb, '/');
    }
    ota_sb_add(&sb, b);
    return sb.overflow ? OTA_ERR_PATH_TOO_LONG : OTA_OK;
}

long ota_read_small(struct ota_ctx *ctx, const char *path, char *buf, size_t cap)
{
    size_t got = 0;
    long n = 1;
    int fd = FS->open(USER, path, OTA_OPEN_READ);

    if (fd < 0)
        return fd;
    while (got < cap && (n = FS->read(USER, fd, buf + got, cap - got)) > 0)
        got += (size_t)n;
    (void)FS->close(USER, fd);
    return n < 0 ? n : (long)got;
}

int ota_exists(struct ota_ctx *ctx, const char *path)
{
    struct ota_stat st;
    int err = FS->stat(USER, path, &st);

    if (err == OTA_ERR_NOT_FOUND)
        return 0;
    return err == OTA_OK ? 1 : err;
}

int ota_mkdirs_for(struct ota_ctx *ctx, const char *path)
{
    char dir[OTA_PATH_MAX + 64];
    struct ota_stat st;
    size_t i, n = strlen(path);
    int err;

    if (n >= sizeof dir)
        return OTA_ERR_PATH_TOO_LONG;
    for (i = 0; i < n; i++) {
        if (path[i] != '/')
            continue;
        memcpy(dir, path, i);
        dir[i] = '\0';
        err = FS->stat(USER, dir, &st);
        if (err == OTA_OK && st.is_dir)
            continue;
        if (err != OTA_OK && err != OTA_ERR_NOT_FOUND)
            return err;
        /* a new directory must outlive a power cut before anything put in
         * it can: its entry goes to flash with its parent's sync */
        err = FS->mkdir(USER, dir);
        if (err == OTA_OK)
            err = ota_sync_parent(ctx, dir);
        if (err != OTA_OK)
            return err;
    }
    return OTA_OK;
}

int ota_sync_parent(struct ota_ctx *ctx, const char *path)
{
    char dir[OTA_PATH_MAX + 64];
    const char *slash = strrchr(path, '/');
    size_t n = slash ? (size_t)(slash - path) : 0;

    if (n >= sizeof dir)
        return OTA_ERR_PATH_TOO_LONG;
    memcpy(dir, path, n);
    dir[n] = '\0';
    return FS->sync_dir(USER, dir);
}

int ota_move(struct ota_ctx *ctx, const char *from, const char *to)
{
    const char *a = strrchr(from, '/'), *b = strrchr(to, '/');
    size_t na = a ? (size_t)(a - from) : 0, nb = b ? (size_t)(b - to) : 0;
    int err;

    ota_watchdog_feed(ctx); /* a swap of many files takes a while */
    err = FS->rename(USER, from, to);
    if (err == OTA_OK)
        err = ota_sync_parent(ctx, to);
    if (err == OTA_OK && (na != nb || memcmp(from, to, na) != 0))
        err = ota_sync_parent(ctx, from);
    return err;
}

/* After a delete, directories left empty go too ("a/b/c" -> "a/b", "a"),
 * durably: the directory that held the last one removed is synced. */
int ota_prune_empty_parents(struct ota_ctx *ctx, const char *path)
{
    char dir[OTA_PATH_MAX];
    char *slash;
    size_t removed = 0; /* length of the last directory removed */
    int err;

    if (ota_copy_str(dir, sizeof dir, path, strlen(path)) != OTA_OK)
        return OTA_OK;
    while ((slash = strrchr(dir, '/')) != NULL) {
        struct ota_stat st;
        *slash = '\0';
        err = FS->stat(USER, dir, &st);
        if (err == OTA_ERR_NOT_FOUND)
            continue; /* removed by an earlier, interrupted run */
        if (err != OTA_OK)
            return err;
        if (!st.is_dir || FS->remove(USER, dir) != OTA_OK)
            break; /* not empty (someone else's files live there), or a file
                      the new version put there in an earlier run */
        removed = strlen(dir);
    }
    if (!removed)
        return OTA_OK;
    memcpy(dir, path, removed);
    dir[removed] = '\0';
    return ota_sync_parent(ctx, dir);
}

int ota_write_all(struct ota_ctx *ctx, int fd, const char *data, size_t len)
{
    return len ? FS->write(USER, fd, data, len) : OTA_OK;
}

int ota_write_atomic(struct ota_ctx *ctx, const char *path, const char *data,
                     size_t len)
{
    char tmp[OTA_PATH_MAX + 64];
    int fd;

    if (ota_join(tmp, sizeof tmp - 4, "", path) != OTA_OK)
        return OTA_ERR_PATH_TOO_LONG;
    strcat(tmp, ".tmp");
    fd = FS->open(USER, tmp, OTA_OPEN_WRITE);
    if (fd < 0)
        return fd;
    return ota_replace_with(ctx, fd, tmp, path, ota_write_all(ctx, fd, data, len));
}

int ota_replace_with(struct ota_ctx *ctx, int fd, const char *tmp, const char *path, int err)
{
    int close_err;

    if (err == OTA_OK)
        err = FS->sync(USER, fd);
    close_err = FS->close(USER, fd);
    if (err == OTA_OK)
        err = close_err;
    if (err == OTA_OK)
        err = FS->rename(USER, tmp, path);
    if (err == OTA_OK)
        return ota_sync_parent(ctx, path);
    (void)FS->remove(USER, tmp);
    return err;
}

/* Directory walk for ota_remove_tree: files are removed as they are listed;
 * the first subdirectory seen is remembered so the walk can descend into it
 * afterwards, which needs no stack of open directories. */
struct sweep {
    struct ota_ctx *ctx;
    char subdir[OTA_PATH_MAX];
    int err;
};

static int sweep_entry(void *arg, const char *name, int is_dir)
{
    struct sweep *s = arg;
    struct ota_ctx *ctx = s->ctx;
    char full[OTA_PATH_MAX + 64];

    if (is_dir) {
        if (!s->subdir[0] && ota_copy_str(s->subdir, sizeof s->subdir, name, strlen(name)) != OTA_OK)
            s->err = OTA_ERR_PATH_TOO_LONG;
        return s->err;
    }
    s->err = ota_join(full, sizeof full, ctx->path_b, name);
    if (s->err == OTA_OK)
        s->err = FS->remove(USER, full);
    return s->err;
}

static void strip_last_segment(char *path)
{
    char *slash = strrchr(path, '/');

    if (slash)
        *slash = '\0';
    else
        path[0] = '\0';
}

/* Appends "/name" to ctx->path_b in place. */
static int descend(struct ota_ctx *ctx, const char *name)
{
    size_t have = strlen(ctx->path_b), add = strlen(name);

    if (have + 1 + add >= sizeof ctx->path_b)
        return OTA_ERR_PATH_TOO_LONG;
    ctx->path_b[have] = '/';
    memcpy(ctx->path_b + have + 1, name, add + 1);
    return OTA_OK;
}

int ota_remove_tree(struct ota_ctx *ctx, const char *path)
{
    size_t top_len = strlen(path);
    struct sweep s;
    struct ota_stat st;
    int err = FS->stat(USER, path, &st);

    if (err == OTA_ERR_NOT_FOUND)
        return OTA_OK;
    if (err != OTA_OK)
        return err;
    /* the removal is durable on return: a tree that comes back after a
     * power cut (an old backup, a discarded stage) would be taken for
     * current */
    if (!st.is_dir) {
        err = FS->remove(USER, path);
        return err == OTA_OK ? ota_sync_parent(ctx, path) : err;
    }
    if (top_len >= sizeof ctx->path_b)
        return OTA_ERR_PATH_TOO_LONG;
    memcpy(ctx->path_b, path, top_len + 1);
    s.ctx = ctx;
    for (;;) {
        s.subdir[0] = '\0';
        s.err = OTA_OK;
        err = FS->list(USER, ctx->path_b, sweep_entry, &s);
        if (s.err != OTA_OK)
            return s.err;
        if (err != OTA_OK)
            return err;
        if (s.subdir[0]) {
            err = descend(ctx, s.subdir);
            if (err != OTA_OK)
                return err;
            continue;
        }
        err = FS->remove(USER, ctx->path_b);
        if (err != OTA_OK && err != OTA_ERR_NOT_FOUND)
            return err;
        if (strlen(ctx->path_b) <= top_len)
            return ota_sync_parent(ctx, path);
        strip_last_segment(ctx->path_b);
    }
}
