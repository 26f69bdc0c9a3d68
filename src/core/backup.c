#include "backup.h"

#include <string.h>

#include "fsutil.h"
#include "strbuf.h"

#define FS (&ctx->port->fs)
#define USER (ctx->port->user)

#define TRIAL_RECORD_MAX 24

int ota_backup_path(struct ota_ctx *ctx, char *out, size_t cap, const char *name)
{
    return ota_join(out, cap, ctx->settings.backup_dir, name);
}

int ota_backup_file(struct ota_ctx *ctx, char *out, size_t cap, const char *path)
{
    int err = ota_backup_path(ctx, out, cap, "files");

    if (err == OTA_OK && strlen(out) + 1 + strlen(path) >= cap)
        err = OTA_ERR_PATH_TOO_LONG;
    if (err == OTA_OK) {
        strcat(out, "/");
        strcat(out, path);
    }
    return err;
}

int ota_backup_has(struct ota_ctx *ctx, const char *name)
{
    char path[OTA_PATH_MAX + 64];
    int err = ota_backup_path(ctx, path, sizeof path, name);

    return err == OTA_OK ? ota_exists(ctx, path) : err;
}

static int remove_durably(struct ota_ctx *ctx, const char *name)
{
    char path[OTA_PATH_MAX + 64];
    int err = ota_backup_path(ctx, path, sizeof path, name);

    if (err == OTA_OK)
        err = FS->remove(USER, path);
    if (err == OTA_ERR_NOT_FOUND)
        return OTA_OK;
    return err == OTA_OK ? ota_sync_parent(ctx, path) : err;
}

int ota_backup_drop(struct ota_ctx *ctx)
{
    int err = ota_exists(ctx, ctx->settings.backup_dir);

    if (err <= 0)
        return err;
    /* without its plan the rest can no longer be taken for a revertible
     * backup, whatever order the tree removal takes */
    err = remove_durably(ctx, OTA_BACKUP_PLAN);
    if (err == OTA_OK)
        err = remove_durably(ctx, OTA_BACKUP_TRIAL);
    return err == OTA_OK ? ota_remove_tree(ctx, ctx->settings.backup_dir) : err;
}

int ota_trial_read(struct ota_ctx *ctx, uint32_t *boots)
{
    char path[OTA_PATH_MAX + 64], text[TRIAL_RECORD_MAX];
    uint64_t n = 0;
    int err = ota_backup_path(ctx, path, sizeof path, OTA_BACKUP_TRIAL);
    long got = err == OTA_OK ? ota_read_small(ctx, path, text, sizeof text) : err;

    *boots = 0;
    if (got == OTA_ERR_NOT_FOUND)
        return 0;
    if (got < 0)
        return (int)got;
    /* written atomically, so never torn: anything else than a count was not
     * written by us, and the version is treated as out of boots */
    if (got < 2 || text[got - 1] != '\n' || ota_parse_u64(text, (size_t)got - 1, &n) != 0 ||
        n > UINT32_MAX)
        n = UINT32_MAX;
    *boots = (uint32_t)n;
    return 1;
}

int ota_trial_write(struct ota_ctx *ctx, uint32_t boots)
{
    char path[OTA_PATH_MAX + 64], text[TRIAL_RECORD_MAX];
    struct ota_strbuf sb;
    int err = ota_backup_path(ctx, path, sizeof path, OTA_BACKUP_TRIAL);

    ota_sb_init(&sb, text, sizeof text);
    ota_sb_add_u64(&sb, boots);
    ota_sb_addc(&sb, '\n');
    return err == OTA_OK ? ota_write_atomic(ctx, path, text, sb.len) : err;
}
