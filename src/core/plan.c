#include "plan.h"

#include <string.h>

#include "blob.h"
#include "fsutil.h"
#include "hex.h"
#include "log.h"
#include "path.h"
#include "state.h"
#include "strbuf.h"

#define FS (&ctx->port->fs)
#define USER (ctx->port->user)

int ota_stage_path(struct ota_ctx *ctx, char *out, size_t cap, const char *name)
{
    return ota_join(out, cap, ctx->settings.stage_dir, name);
}

static int next_installed(struct ota_planner *p)
{
    char *line;
    size_t len;
    int r = ota_lines_next(&p->installed, &line, &len);

    p->have_old = r == 1;
    if (r < 0)
        return ota_fail(p->ctx, r, OTA_STATE_FILE " is unreadable", NULL, NULL);
    if (r == 1 && ota_entry_parse(line, len, &p->old) != OTA_OK)
        return ota_fail(p->ctx, OTA_ERR_STATE, OTA_STATE_FILE " is corrupt near ",
                        line, NULL);
    return OTA_OK;
}

static int open_output(struct ota_ctx *ctx, const char *name, int *fd)
{
    int err = ota_stage_path(ctx, ctx->path_a, sizeof ctx->path_a, name);

    if (err != OTA_OK)
        return err;
    *fd = FS->open(USER, ctx->path_a, OTA_OPEN_WRITE);
    return *fd < 0 ? *fd : OTA_OK;
}

int ota_plan_begin(struct ota_planner *p, struct ota_ctx *ctx, uint8_t *hash_buf,
                   size_t hash_cap)
{
    int err;

    memset(p, 0, sizeof *p);
    p->ctx = ctx;
    p->hash_buf = hash_buf;
    p->hash_cap = hash_cap;
    p->plan_fd = -1;
    p->state_fd = -1;
    p->installed.fd = -1;
    err = ota_lines_open(&p->installed, ctx, OTA_STATE_FILE, ctx->lines_buf, ctx->lines_size);
    if (err == OTA_OK)
        err = next_installed(p);
    if (err == OTA_OK)
        err = open_output(ctx, "plan", &p->plan_fd);
    if (err == OTA_OK)
        err = open_output(ctx, "state", &p->state_fd);
    return err;
}

static int write_line(struct ota_planner *p, int fd, char op, const struct ota_entry *e)
{
    size_t n = ota_entry_format(p->ctx, op, e);

    return ota_write_all(p->ctx, fd, p->ctx->line, n);
}

/* The engine's own files are never overwritten by a repository's. */
static int is_reserved(const struct ota_ctx *ctx, const char *path)
{
    return strcmp(path, OTA_VERSION_FILE) == 0 || strcmp(path, OTA_ERROR_FILE) == 0 ||
           ota_rule_matches(OTA_DELTAS_DIR, path) ||
           strcmp(path, OTA_STATE_FILE) == 0 || strcmp(path, OTA_REVERTED_FILE) == 0 ||
           ota_rule_matches(ctx->settings.stage_dir, path) ||
           ota_rule_matches(ctx->settings.backup_dir, path);
}

static int plan_delete(struct ota_planner *p, const struct ota_entry *old)
{
    if (!ota_path_permitted(&p->ctx->settings, old->path))
        return OTA_OK; /* no longer ours to manage: leave it alone */
    p->totals.delete_count++;
    return write_line(p, p->plan_fd, OTA_PLAN_DELETE, old);
}

/* Is the installed copy still what .ota_state says? */
static int installed_copy_matches(struct ota_planner *p, const struct ota_entry *e)
{
    struct ota_ctx *ctx = p->ctx;
    struct ota_stat st;
    char actual[OTA_SHA1_HEX];

    if (FS->stat(USER, e->path, &st) != OTA_OK || st.is_dir || st.size != e->size)
        return 0;
    if (!ctx->settings.force)
        return 1;
    /* force: trust nothing, hash what is really there */
    return ota_blob_of_file(ctx, e->path, actual, NULL, p->hash_buf, p->hash_cap) == OTA_OK &&
           strcmp(actual, e->sha) == 0;
}

/* A file .ota_state does not vouch for (a first install over files put
 * there by hand or by another updater, or an entry known by its SHA-256
 * only) is kept when its content is what the target wants: it costs a read
 * of the file instead of a download. */
static int device_copy_matches(struct ota_planner *p, const struct ota_entry *e,
                               const char *sha256)
{
    struct ota_ctx *ctx = p->ctx;
    struct ota_stat st;
    char actual256[OTA_SHA256_HEX];
    int unknown = strcmp(e->sha, OTA_UNKNOWN_SHA) == 0;

    if (FS->stat(USER, e->path, &st) != OTA_OK || st.is_dir || st.size != e->size)
        return 0;
    if (unknown && !sha256)
        return 0;
    p->adopted = *e;
    if (ota_blob_of_file(ctx, e->path, p->adopted.sha, unknown ? actual256 : NULL,
                         p->hash_buf, p->hash_cap) != OTA_OK)
        return 0;
    return unknown ? strcmp(actual256, sha256) == 0 : strcmp(p->adopted.sha, e->sha) == 0;
}

static int check_order(struct ota_planner *p, const struct ota_entry *e)
{
    if (p->prev_path[0] && strcmp(p->prev_path, e->path) >= 0)
        return ota_fail(p->ctx, OTA_ERR_BAD_RESPONSE,
                        "file listing is not in git order at ", e->path, NULL);
    memcpy(p->prev_path, e->path, strlen(e->path) + 1);
    return OTA_OK;
}

/* Moves the installed-state cursor up to e->path, planning the deletion of
 * what lies before it; 1 when the state lists e->path with e's content. */
static int merge_installed(struct ota_planner *p, const struct ota_entry *e)
{
    int err = OTA_OK, matched = 0;

    while (err == OTA_OK && p->have_old && strcmp(p->old.path, e->path) < 0) {
        err = plan_delete(p, &p->old);
        if (err == OTA_OK)
            err = next_installed(p);
    }
    p->replaced[0] = '\0';
    if (err == OTA_OK && p->have_old && strcmp(p->old.path, e->path) == 0) {
        matched = strcmp(p->old.sha, e->sha) == 0 && p->old.size == e->size &&
                  strcmp(e->sha, OTA_UNKNOWN_SHA) != 0;
        /* the blob the device has there: a delta may start from it */
        if (strcmp(p->old.sha, OTA_UNKNOWN_SHA) != 0)
            memcpy(p->replaced, p->old.sha, OTA_SHA1_HEX);
        err = next_installed(p);
    }
    return err != OTA_OK ? err : matched;
}

/* "<op> <hex>": a line about the F line that follows. */
static int write_note(struct ota_planner *p, char op, const char *hex)
{
    struct ota_ctx *ctx = p->ctx;
    struct ota_strbuf sb;

    ota_sb_init(&sb, ctx->line, sizeof ctx->line);
    ota_sb_addc(&sb, op);
    ota_sb_addc(&sb, ' ');
    ota_sb_add(&sb, hex);
    ota_sb_addc(&sb, '\n');
    return ota_write_all(ctx, p->plan_fd, ctx->line, sb.len);
}

static int plan_fetch(struct ota_planner *p, const struct ota_entry *e, const char *sha256,
                      int replacing)
{
    int err = OTA_OK;

    p->totals.fetch_count++;
    p->totals.fetch_bytes += e->size;
    if (sha256)
        err = write_note(p, OTA_PLAN_SHA256, sha256);
    if (err == OTA_OK && replacing && p->replaced[0])
        err = write_note(p, OTA_PLAN_REPLACES, p->replaced);
    return err == OTA_OK ? write_line(p, p->plan_fd, OTA_PLAN_FETCH, e) : err;
}

int ota_plan_file(struct ota_planner *p, const struct ota_entry *e, const char *sha256)
{
    struct ota_ctx *ctx = p->ctx;
    const struct ota_entry *keep = e;
    int permitted = ota_path_permitted(&ctx->settings, e->path);
    int matched, err;

    if (permitted && (err = ota_path_check(e->path, strlen(e->path))) != OTA_OK)
        return ota_fail(ctx, err, "refusing unsafe path: ", e->path, NULL);
    err = check_order(p, e);
    matched = err == OTA_OK ? merge_installed(p, e) : err;
    if (matched < 0 || !permitted)
        return matched < 0 ? matched : OTA_OK;
    if (!ota_hex_is_sha1(e->sha, strlen(e->sha)))
        return ota_fail(ctx, OTA_ERR_BAD_RESPONSE, "malformed blob sha for ", e->path, NULL);
    if (is_reserved(ctx, e->path)) {
        ota_log(ctx, OTA_LOG_WARN, "skipping ", e->path, ": the updater's own file");
        return OTA_OK;
    }
    if (matched ? installed_copy_matches(p, e) : device_copy_matches(p, e, sha256)) {
        p->totals.keep_count++;
        keep = matched ? e : &p->adopted; /* with the blob id found */
    } else {
        err = plan_fetch(p, e, sha256, matched == 0);
    }
    return err == OTA_OK ? write_line(p, p->state_fd, 0, keep) : err;
}

int ota_plan_flush_old(struct ota_planner *p)
{
    int err = OTA_OK;

    while (err == OTA_OK && p->have_old) {
        err = plan_delete(p, &p->old);
        if (err == OTA_OK)
            err = next_installed(p);
    }
    ota_lines_close(&p->installed);
    return err;
}

/* Whether .ota_state lists path (read in lines_buf, idle after the flush). */
static int state_lists(struct ota_ctx *ctx, const char *path)
{
    struct ota_lines st;
    struct ota_entry *e = &ctx->entry;
    char *line;
    size_t len;
    int r = ota_lines_open(&st, ctx, OTA_STATE_FILE, ctx->lines_buf, ctx->lines_size);

    if (r == OTA_OK)
        while ((r = ota_lines_next(&st, &line, &len)) == 1)
            if (ota_entry_parse(line, len, e) == OTA_OK && strcmp(e->path, path) == 0)
                break;
    ota_lines_close(&st);
    return r;
}

int ota_plan_delete_path(struct ota_planner *p, const char *path)
{
    struct ota_ctx *ctx = p->ctx;
    struct ota_stat st;
    int listed;

    if (!ota_path_permitted(&ctx->settings, path) || is_reserved(ctx, path) ||
        FS->stat(USER, path, &st) != OTA_OK || st.is_dir)
        return OTA_OK; /* not ours, or nothing to delete */
    listed = state_lists(ctx, path);
    if (listed != 0)
        return listed < 0 ? listed : OTA_OK; /* deleted by the merge already */
    memset(&p->old, 0, sizeof p->old);
    if (ota_copy_str(p->old.path, sizeof p->old.path, path, strlen(path)) != OTA_OK)
        return OTA_ERR_PATH_TOO_LONG;
    memcpy(p->old.sha, OTA_UNKNOWN_SHA, OTA_SHA1_HEX);
    p->old.size = st.size;
    return plan_delete(p, &p->old);
}

static int finish_output(struct ota_ctx *ctx, int *fd)
{
    int err = FS->sync(USER, *fd);
    int close_err = FS->close(USER, *fd);

    *fd = -1;
    return err == OTA_OK ? close_err : err;
}

int ota_plan_end(struct ota_planner *p)
{
    int err = ota_plan_flush_old(p);

    if (err == OTA_OK)
        err = finish_output(p->ctx, &p->plan_fd);
    if (err == OTA_OK)
        err = finish_output(p->ctx, &p->state_fd);
    if (err != OTA_OK)
        ota_plan_abort(p);
    return err;
}

void ota_plan_abort(struct ota_planner *p)
{
    struct ota_ctx *ctx = p->ctx;

    ota_lines_close(&p->installed);
    if (p->plan_fd >= 0)
        FS->close(USER, p->plan_fd);
    if (p->state_fd >= 0)
        FS->close(USER, p->state_fd);
    p->plan_fd = p->state_fd = -1;
}

int ota_stage_lines_open(struct ota_ctx *ctx, const char *name, struct ota_lines *lr, char *buf,
                         size_t cap)
{
    int err = ota_stage_path(ctx, ctx->path_b, sizeof ctx->path_b, name);

    return err == OTA_OK ? ota_lines_open(lr, ctx, ctx->path_b, buf, cap) : err;
}

int ota_plan_open(struct ota_ctx *ctx, struct ota_lines *plan)
{
    int err = ota_stage_path(ctx, ctx->path_a, sizeof ctx->path_a, "plan");

    return err == OTA_OK
               ? ota_lines_open(plan, ctx, ctx->path_a, ctx->lines_buf, ctx->lines_size)
               : err;
}
