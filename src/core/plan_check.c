#include "plan_check.h"

#include <string.h>

#include "fsutil.h"
#include "lines.h"
#include "log.h"
#include "plan.h"
#include "state.h"
#include "strbuf.h"

#define FS (&ctx->port->fs)
#define USER (ctx->port->user)

/* Whether the plan deletes path (a second reader of the plan, in io_buf,
 * which is idle between planning and fetching). Rarely asked. */
static int plan_deletes(struct ota_ctx *ctx, const char *path)
{
    struct ota_lines plan;
    struct ota_entry e;
    char *line;
    size_t len;
    int r = ota_stage_path(ctx, ctx->path_b, sizeof ctx->path_b, "plan");

    if (r == OTA_OK)
        r = ota_lines_open(&plan, ctx, ctx->path_b, (char *)ctx->io_buf, ctx->io_size);
    if (r != OTA_OK)
        return r;
    while ((r = ota_lines_next(&plan, &line, &len)) == 1)
        if (len > 2 && line[0] == OTA_PLAN_DELETE &&
            ota_entry_parse(line + 2, len - 2, &e) == OTA_OK && strcmp(e.path, path) == 0)
            break;
    ota_lines_close(&plan);
    return r;
}

struct dir_scan {
    struct ota_ctx *ctx;
    const char *dir;
    char blocker[OTA_PATH_MAX]; /* the first entry that cannot go */
    int err;
};

/* Each entry of a directory that must become empty: a file this plan
 * deletes, or a blocker (subdirectories are not looked into). */
static int scan_entry(void *arg, const char *name, int is_dir)
{
    struct dir_scan *s = arg;
    char full[OTA_PATH_MAX + 64];
    int deleted = 0;

    s->err = ota_join(full, sizeof full, s->dir, name);
    if (s->err == OTA_OK && !is_dir) {
        deleted = plan_deletes(s->ctx, full);
        s->err = deleted < 0 ? deleted : OTA_OK;
    }
    if (s->err == OTA_OK && deleted != 1)
        s->err = ota_copy_str(s->blocker, sizeof s->blocker, full, strlen(full)) == OTA_OK
                     ? OTA_ERR_UNSAFE_PATH : OTA_ERR_PATH_TOO_LONG;
    return s->err;
}

static int directory_can_go(struct ota_ctx *ctx, const char *path)
{
    struct dir_scan s;

    s.ctx = ctx;
    s.dir = path;
    s.blocker[0] = '\0';
    s.err = OTA_OK;
    (void)FS->list(USER, path, scan_entry, &s);
    if (s.err == OTA_ERR_UNSAFE_PATH)
        return ota_fail(ctx, s.err, "the new version has a file where the device has a "
                        "directory holding what the updater does not manage: ", s.blocker,
                        " (move it away first)");
    return s.err;
}

/* Every proper prefix of path ("a", "a/b" of "a/b/c") that is a file on the
 * device must be one the plan deletes. */
static int parents_can_be_made(struct ota_ctx *ctx, const char *path)
{
    char prefix[OTA_PATH_MAX];
    const char *slash = path;
    struct ota_stat st;
    int r;

    while ((slash = strchr(slash, '/')) != NULL) {
        size_t n = (size_t)(slash - path);
        memcpy(prefix, path, n);
        prefix[n] = '\0';
        slash++;
        if (FS->stat(USER, prefix, &st) != OTA_OK || st.is_dir)
            continue;
        r = plan_deletes(ctx, prefix);
        if (r < 0)
            return r;
        if (r == 0)
            return ota_fail(ctx, OTA_ERR_UNSAFE_PATH, "the new version needs a directory "
                            "where the device has a file the updater does not manage: ",
                            prefix, " (move it away first)");
    }
    return OTA_OK;
}

int ota_plan_check_layout(struct ota_ctx *ctx)
{
    struct ota_lines plan;
    struct ota_entry *e = &ctx->entry;
    struct ota_stat st;
    char *line;
    size_t len;
    int r = ota_plan_open(ctx, &plan);

    while (r == OTA_OK && (r = ota_lines_next(&plan, &line, &len)) == 1) {
        r = OTA_OK;
        if (len < 2 || line[0] != OTA_PLAN_FETCH)
            continue;
        if (ota_entry_parse(line + 2, len - 2, e) != OTA_OK)
            r = ota_fail(ctx, OTA_ERR_STATE, "corrupt plan line", NULL, NULL);
        if (r == OTA_OK && FS->stat(USER, e->path, &st) == OTA_OK && st.is_dir)
            r = directory_can_go(ctx, e->path);
        if (r == OTA_OK)
            r = parents_can_be_made(ctx, e->path);
    }
    ota_lines_close(&plan);
    return r;
}
