#include "manifest_plan.h"

#include <string.h>

#include "lines.h"
#include "log.h"
#include "state.h"
#include "strbuf.h"

/* The entry list is read in io_buf; the planner reads .ota_state in
 * lines_buf and hashes device files in json_scratch, idle by now. */
static int open_list(struct ota_ctx *ctx, struct ota_lines *lr)
{
    char path[OTA_PATH_MAX + 64];
    int err = ota_stage_path(ctx, path, sizeof path, OTA_ENTRIES_FILE);

    return err == OTA_OK ? ota_lines_open(lr, ctx, path, (char *)ctx->io_buf, ctx->io_size)
                         : err;
}

/* The next file (want_delete 0) or delete (1) of the list: 1, 0 at the end. */
static int next_of(struct ota_lines *lr, int want_delete, struct ota_manifest_file *f)
{
    char *line;
    size_t len;
    int r, is_delete;

    while ((r = ota_lines_next(lr, &line, &len)) == 1) {
        if (ota_entry_line_parse(line, len, f, &is_delete) != OTA_OK)
            return ota_fail(lr->ctx, OTA_ERR_STATE, "corrupt staged manifest list", NULL, NULL);
        if (is_delete == want_delete)
            return 1;
    }
    return r;
}

static int plan_one(struct ota_planner *p, const struct ota_manifest_file *f)
{
    struct ota_entry *e = &p->ctx->entry;

    memcpy(e->path, f->path, strlen(f->path) + 1);
    memcpy(e->sha, f->sha1[0] ? f->sha1 : OTA_UNKNOWN_SHA, OTA_SHA1_HEX);
    e->size = f->size;
    return ota_plan_file(p, e, f->sha256[0] ? f->sha256 : NULL);
}

static int plan_sorted(struct ota_planner *p)
{
    struct ota_manifest_file f;
    struct ota_lines lr;
    int r = open_list(p->ctx, &lr);

    while (r == OTA_OK && (r = next_of(&lr, 0, &f)) == 1)
        r = plan_one(p, &f);
    ota_lines_close(&lr);
    return r;
}

/* The smallest path after `after` ("" = the first): 1 and *best, or 0. */
static int smallest_after(struct ota_ctx *ctx, const char *after, struct ota_manifest_file *best)
{
    struct ota_manifest_file f;
    struct ota_lines lr;
    int r = open_list(ctx, &lr), found = 0;

    while (r == OTA_OK && (r = next_of(&lr, 0, &f)) == 1) {
        if ((!after[0] || strcmp(f.path, after) > 0) &&
            (!found || strcmp(f.path, best->path) < 0)) {
            *best = f;
            found = 1;
        }
        r = OTA_OK;
    }
    ota_lines_close(&lr);
    return r < 0 ? r : found;
}

static int plan_unsorted(struct ota_planner *p, uint32_t count)
{
    struct ota_manifest_file best;
    char after[OTA_PATH_MAX] = "";
    uint32_t i;
    int r = OTA_OK;

    if (count > OTA_UNSORTED_MAX_FILES)
        return ota_fail(p->ctx, OTA_ERR_TOO_LARGE, "manifest files are not sorted by path "
                        "and too many to sort on the device: sort them", NULL, NULL);
    for (i = 0; r == OTA_OK && i < count; i++) {
        r = smallest_after(p->ctx, after, &best);
        if (r != 1)
            break;
        r = plan_one(p, &best);
        memcpy(after, best.path, strlen(best.path) + 1);
    }
    return r < 0 ? r : OTA_OK;
}

static int plan_deletes(struct ota_planner *p)
{
    struct ota_manifest_file f;
    struct ota_lines lr;
    int r = open_list(p->ctx, &lr);

    while (r == OTA_OK && (r = next_of(&lr, 1, &f)) == 1)
        r = ota_plan_delete_path(p, f.path);
    ota_lines_close(&lr);
    return r;
}

int ota_manifest_plan(struct ota_ctx *ctx, const struct ota_manifest_staged *m,
                      struct ota_plan_totals *totals)
{
    struct ota_planner p;
    int err = ota_plan_begin(&p, ctx, (uint8_t *)ctx->json_scratch, sizeof ctx->json_scratch);

    if (err == OTA_OK)
        err = m->sorted ? plan_sorted(&p) : plan_unsorted(&p, m->file_count);
    if (err == OTA_OK)
        err = ota_plan_flush_old(&p);
    if (err == OTA_OK)
        err = plan_deletes(&p);
    if (err == OTA_OK)
        err = ota_plan_end(&p);
    ota_plan_abort(&p);
    *totals = p.totals;
    return err;
}
