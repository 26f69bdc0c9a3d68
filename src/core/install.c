#include "install.h"

#include <string.h>

#include "backup.h"
#include "fsutil.h"
#include "hex.h"
#include "lines.h"
#include "log.h"
#include "plan.h"
#include "state.h"
#include "strbuf.h"

#define FS (&ctx->port->fs)
#define USER (ctx->port->user)

#define COMMIT_RECORD "commit"

/* Moves path (if present) into the backup directory, durably, unless an
 * earlier, interrupted run of the same step already did. */
static int back_up(struct ota_ctx *ctx, const char *path)
{
    char backup[OTA_PATH_MAX + 64];
    struct ota_stat st;
    int err = ota_backup_file(ctx, backup, sizeof backup, path);
    int have;

    if (err != OTA_OK)
        return err;
    /* only files are backed up: a directory here is the new version's, made
     * by an earlier run of this swap (a deleted file became a directory) */
    err = FS->stat(USER, path, &st);
    if (err == OTA_ERR_NOT_FOUND || (err == OTA_OK && st.is_dir))
        return OTA_OK;
    if (err != OTA_OK)
        return err;
    have = ota_exists(ctx, backup);
    if (have < 0)
        return have;
    if (have) {
        err = FS->remove(USER, path);
        return err == OTA_OK ? ota_sync_parent(ctx, path) : err;
    }
    err = ota_mkdirs_for(ctx, backup);
    return err == OTA_OK ? ota_move(ctx, path, backup) : err;
}

static int apply_delete(struct ota_ctx *ctx, const struct ota_entry *e)
{
    int err = back_up(ctx, e->path);

    return err == OTA_OK ? ota_prune_empty_parents(ctx, e->path) : err;
}

/* The staged copy of path, in ctx->path_a (ctx->path_b: the files root). */
static int staged_path(struct ota_ctx *ctx, const char *path)
{
    int err = ota_join(ctx->path_b, sizeof ctx->path_b, ctx->settings.stage_dir, "files");

    return err == OTA_OK ? ota_join(ctx->path_a, sizeof ctx->path_a, ctx->path_b, path) : err;
}

static int apply_fetch(struct ota_ctx *ctx, const struct ota_entry *e)
{
    struct ota_stat st;
    int err = staged_path(ctx, e->path);
    int staged;

    if (err != OTA_OK)
        return err;
    /* gone from the stage: moved in by an earlier, interrupted run (each
     * move was durable before the next step began) */
    staged = ota_exists(ctx, ctx->path_a);
    if (staged <= 0)
        return staged;
    if (FS->stat(USER, e->path, &st) == OTA_OK && st.is_dir) {
        err = FS->remove(USER, e->path); /* emptied by the delete pass */
        if (err != OTA_OK)
            return ota_fail(ctx, err, "cannot replace directory ", e->path, " with a file");
    }
    err = ota_mkdirs_for(ctx, e->path);
    if (err == OTA_OK)
        err = back_up(ctx, e->path);
    return err == OTA_OK ? ota_move(ctx, ctx->path_a, e->path) : err;
}

/* One pass over the plan, applying the lines marked op. */
static int apply_pass(struct ota_ctx *ctx, char op)
{
    struct ota_lines plan;
    char *line;
    size_t len;
    int r, err;

    err = ota_plan_open(ctx, &plan);
    if (err != OTA_OK)
        return err;
    while ((r = ota_lines_next(&plan, &line, &len)) == 1) {
        if (len < 2 || line[0] != op)
            continue;
        if (ota_entry_parse(line + 2, len - 2, &ctx->entry) != OTA_OK) {
            r = ota_fail(ctx, OTA_ERR_STATE, "corrupt plan line", NULL, NULL);
            break;
        }
        r = op == OTA_PLAN_DELETE ? apply_delete(ctx, &ctx->entry)
                                  : apply_fetch(ctx, &ctx->entry);
        if (r != OTA_OK)
            break;
        if (op == OTA_PLAN_DELETE)
            ctx->stats.files_deleted++;
    }
    ota_lines_close(&plan);
    return r < 0 ? r : OTA_OK;
}

/* One optional line of the record after the first: "S <sequence>",
 * "P <post_update hook>" or "R <rollback hook>". */
static int record_extra(struct ota_version *v, const char *line, size_t len)
{
    if (len < 3 || line[1] != ' ')
        return OTA_ERR_STATE;
    if (line[0] == 'S') {
        v->has_sequence = 1;
        return ota_parse_u64(line + 2, len - 2, &v->sequence) == 0 ? OTA_OK : OTA_ERR_STATE;
    }
    if (line[0] == 'P' || line[0] == 'R')
        return ota_copy_str(line[0] == 'P' ? v->post_update : v->rollback, OTA_PATH_MAX,
                            line + 2, len - 2);
    return OTA_ERR_STATE;
}

static int parse_record(struct ota_lines *rec, struct ota_version *v)
{
    char *line;
    size_t len;
    int r = ota_lines_next(rec, &line, &len);

    if (r < 0)
        return r;
    if (r == 0 || len < 42 || line[40] != ' ' || !ota_hex_is_sha1(line, 40))
        return OTA_ERR_STATE;
    memcpy(v->commit, line, 40);
    v->commit[40] = '\0';
    r = ota_copy_str(v->ref, sizeof v->ref, line + 41, len - 41);
    while (r == OTA_OK && (r = ota_lines_next(rec, &line, &len)) == 1)
        r = record_extra(v, line, len);
    return r < 0 ? r : OTA_OK;
}

static int read_commit_record(struct ota_ctx *ctx, struct ota_version *v)
{
    struct ota_lines rec;
    int r;

    memset(v, 0, sizeof *v);
    r = ota_stage_path(ctx, ctx->path_a, sizeof ctx->path_a, COMMIT_RECORD);
    if (r == OTA_OK)
        r = ota_lines_open(&rec, ctx, ctx->path_a, ctx->lines_buf, ctx->lines_size);
    if (r != OTA_OK)
        return r;
    r = parse_record(&rec, v);
    ota_lines_close(&rec);
    if (r == OTA_ERR_STATE || r == OTA_ERR_NO_MEM)
        return ota_fail(ctx, OTA_ERR_STATE, "corrupt commit record", NULL, NULL);
    /* a missing plan would read as an empty one: never complete that,
     * unless the swap is done and its plan already went to the backup */
    if (r == OTA_OK)
        r = ota_stage_path(ctx, ctx->path_a, sizeof ctx->path_a, "plan");
    if (r == OTA_OK)
        r = ota_exists(ctx, ctx->path_a);
    if (r == 0)
        r = ota_backup_has(ctx, OTA_BACKUP_PLAN);
    if (r == 0)
        return ota_fail(ctx, OTA_ERR_STATE, "commit record without its plan", NULL, NULL);
    return r < 0 ? r : OTA_OK;
}

/* Moves file into the backup as name, unless it is absent or an earlier,
 * interrupted run already did. */
static int keep_previous(struct ota_ctx *ctx, const char *file, const char *name)
{
    char kept[OTA_PATH_MAX + 64];
    int err = ota_backup_path(ctx, kept, sizeof kept, name);
    int done = err == OTA_OK ? ota_exists(ctx, kept) : err;
    int have;

    if (done != 0)
        return done < 0 ? done : OTA_OK;
    have = ota_exists(ctx, file);
    if (have <= 0)
        return have;
    err = ota_mkdirs_for(ctx, kept);
    return err == OTA_OK ? ota_move(ctx, file, kept) : err;
}

/* The staged state replaces .ota_state. Until it has moved, .ota_state and
 * version.json are still the previous version's: they go to the backup
 * first, so that a revert can put them back. */
static int swap_state(struct ota_ctx *ctx)
{
    char staged[OTA_PATH_MAX + 64];
    int err = ota_stage_path(ctx, staged, sizeof staged, "state");
    int have = err == OTA_OK ? ota_exists(ctx, staged) : err;

    if (have <= 0)
        return have;
    err = keep_previous(ctx, OTA_STATE_FILE, OTA_BACKUP_STATE);
    if (err == OTA_OK)
        err = keep_previous(ctx, OTA_VERSION_FILE, OTA_BACKUP_VERSION);
    return err == OTA_OK ? ota_move(ctx, staged, OTA_STATE_FILE) : err;
}

/* Once installed, the new version starts its trial (when trials are on and
 * there is a previous version to go back to), and the plan joins the
 * backup, which makes it revertible. The trial record comes first: a
 * revertible backup without one is a version installed with trials off. */
static int keep_plan(struct ota_ctx *ctx)
{
    char staged[OTA_PATH_MAX + 64], kept[OTA_PATH_MAX + 64];
    int err = ota_stage_path(ctx, staged, sizeof staged, "plan");
    int have = err == OTA_OK ? ota_exists(ctx, staged) : err;

    if (have <= 0)
        return have;
    if (ctx->settings.max_trial_boots > 0) {
        err = ota_backup_has(ctx, OTA_BACKUP_VERSION);
        err = err == 1 ? ota_trial_write(ctx, 0) : err;
        if (err != OTA_OK)
            return err;
    }
    err = ota_backup_path(ctx, kept, sizeof kept, OTA_BACKUP_PLAN);
    if (err == OTA_OK)
        err = ota_mkdirs_for(ctx, kept);
    return err == OTA_OK ? ota_move(ctx, staged, kept) : err;
}

/* Finishes a committed swap; safe to run any number of times. */
static int complete_swap(struct ota_ctx *ctx)
{
    struct ota_version v;
    int err = read_commit_record(ctx, &v);

    /* deletes first, so a directory can become a file */
    if (err == OTA_OK)
        err = apply_pass(ctx, OTA_PLAN_DELETE);
    if (err == OTA_OK)
        err = apply_pass(ctx, OTA_PLAN_FETCH);
    if (err == OTA_OK)
        err = swap_state(ctx);
    if (err == OTA_OK)
        err = ota_version_write(ctx, &v);
    if (err == OTA_OK)
        err = keep_plan(ctx);
    if (err == OTA_OK)
        err = ota_install_discard(ctx);
    if (err != OTA_OK)
        return ota_fail(ctx, err, "install interrupted (", ota_strerror(err),
                        "); it completes at the next start");
    return OTA_OK;
}

int ota_install_discard(struct ota_ctx *ctx)
{
    int err = ota_stage_path(ctx, ctx->path_a, sizeof ctx->path_a, COMMIT_RECORD);

    /* the record goes first: a half-removed stage must never look committed */
    if (err == OTA_OK) {
        err = FS->remove(USER, ctx->path_a);
        if (err == OTA_ERR_NOT_FOUND)
            err = OTA_OK;
    }
    if (err == OTA_OK)
        err = FS->sync_dir(USER, ctx->settings.stage_dir);
    if (err == OTA_ERR_NOT_FOUND)
        err = OTA_OK;
    if (err == OTA_OK)
        err = ota_remove_tree(ctx, ctx->settings.stage_dir);
    return err;
}

/* The commit record may only promise what a power cut cannot take away:
 * every staged file is there, whole (its data were synced as it was
 * verified), and its directory entry is durable. */
static int seal_stage(struct ota_ctx *ctx)
{
    char synced[OTA_PATH_MAX + 64];
    struct ota_lines plan;
    struct ota_stat st;
    char *line;
    size_t len;
    int r, err;

    synced[0] = '\0';
    err = ota_plan_open(ctx, &plan);
    if (err != OTA_OK)
        return err;
    while ((r = ota_lines_next(&plan, &line, &len)) == 1) {
        const char *slash;
        size_t dir_len;
        if (len < 2 || line[0] != OTA_PLAN_FETCH)
            continue;
        if (ota_entry_parse(line + 2, len - 2, &ctx->entry) != OTA_OK) {
            r = ota_fail(ctx, OTA_ERR_STATE, "corrupt plan line", NULL, NULL);
            break;
        }
        r = staged_path(ctx, ctx->entry.path);
        if (r == OTA_OK)
            r = FS->stat(USER, ctx->path_a, &st);
        if (r == OTA_OK && (st.is_dir || st.size != ctx->entry.size))
            r = OTA_ERR_STATE;
        if (r != OTA_OK) {
            r = ota_fail(ctx, r, "staged copy of ", ctx->entry.path, " is missing or incomplete");
            break;
        }
        /* files of one directory are mostly listed together: one sync each */
        slash = strrchr(ctx->path_a, '/');
        dir_len = (size_t)(slash - ctx->path_a);
        if (strlen(synced) == dir_len && memcmp(synced, ctx->path_a, dir_len) == 0)
            continue;
        memcpy(synced, ctx->path_a, dir_len);
        synced[dir_len] = '\0';
        r = FS->sync_dir(USER, synced);
        if (r != OTA_OK)
            break;
    }
    ota_lines_close(&plan);
    if (r < 0)
        return r;
    /* the plan, the new state (and the sidecar) are entries of the stage:
     * durable before the record that points at them */
    return FS->sync_dir(USER, ctx->settings.stage_dir);
}

/* The record: "<commit> <ref>" and the optional lines of record_extra. */
static void format_record(struct ota_strbuf *sb, const struct ota_version *v)
{
    ota_sb_add(sb, v->commit);
    ota_sb_addc(sb, ' ');
    ota_sb_add(sb, v->ref);
    if (v->has_sequence) {
        ota_sb_add(sb, "\nS ");
        ota_sb_add_u64(sb, v->sequence);
    }
    if (v->post_update[0]) {
        ota_sb_add(sb, "\nP ");
        ota_sb_add(sb, v->post_update);
    }
    if (v->rollback[0]) {
        ota_sb_add(sb, "\nR ");
        ota_sb_add(sb, v->rollback);
    }
    ota_sb_addc(sb, '\n');
}

int ota_install_commit(struct ota_ctx *ctx, const struct ota_version *v)
{
    char record[OTA_SHA1_HEX + 3 * OTA_PATH_MAX + 32];
    char path[OTA_PATH_MAX + 64];
    struct ota_strbuf sb;
    int err;

    ota_sb_init(&sb, record, sizeof record);
    format_record(&sb, v);
    err = ota_stage_path(ctx, path, sizeof path, COMMIT_RECORD);
    if (err == OTA_OK && sb.overflow)
        err = OTA_ERR_NO_MEM;
    /* installing confirms the running version: its backup makes way for
     * this one's (kept until now, so a failed download changed nothing) */
    if (err == OTA_OK)
        err = ota_backup_drop(ctx);
    if (err == OTA_OK)
        err = seal_stage(ctx);
    /* the commit point: written to a temporary name, synced, renamed into
     * place and the stage directory synced */
    if (err == OTA_OK)
        err = ota_write_atomic(ctx, path, record, sb.len);
    if (err != OTA_OK)
        return ota_fail(ctx, err, "cannot write the commit record", NULL, NULL);
    return complete_swap(ctx);
}

int ota_install_recover(struct ota_ctx *ctx, int *completed)
{
    int err = ota_stage_path(ctx, ctx->path_a, sizeof ctx->path_a, COMMIT_RECORD);
    int committed;

    *completed = 0;
    if (err != OTA_OK)
        return err;
    committed = ota_exists(ctx, ctx->path_a);
    if (committed < 0)
        return committed;
    if (!committed)
        return ota_install_discard(ctx);
    ota_log(ctx, OTA_LOG_WARN, "completing an interrupted install", NULL, NULL);
    err = complete_swap(ctx);
    *completed = err == OTA_OK;
    return err;
}
